"""The add-in's speed: one LEDGER_SCORE call over 100,000 rows, and 校验 of a 10,000-row workbook
open in LibreOffice through the adapter, each beside its baseline measured in the same run.

    python bench/addin.py [--score-rows 100000] [--rows 10000] [--keep PATH]

- `import ledger_xl.udfs` in a fresh interpreter (Excel's UDF server imports it at every
  start), alone and after xlwings (which the server has already loaded);
- LEDGER_SCORE over N rows × 4 dimension scores (numbers, blanks, text), against the core's
  `scoring.composite_scores` on the same cells (the conversion's cost);
- 校验 through the LibreOffice adapter on a workbook open in a private headless soffice:
  reading it into a LedgerBook, the first click (read, validate, mark, 校验结果), a second
  click (which first takes the marks off), 生成汇总 and 标记到期 — against
  `validate_workbook` on the same file (the command line's read and checks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate_100k import AS_OF, generate

from ledger_xl import macros, udfs
from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import scoring
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.excel.office import Office
from ledger_xl.excel.workbook import read_ledger_book
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook


def median_time(action, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_time(prelude: str, repeat: int = 5) -> float:
    code = (
        f"{prelude}\nimport time\nstart = time.perf_counter()\nimport ledger_xl.udfs\n"
        "print(time.perf_counter() - start)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return statistics.median(runs)


def score_cells(rows: int) -> list[list[object]]:
    rng = random.Random(7)
    choices = [None, "85", 84.95, 70.0, 59.94, 100.0]
    return [
        [
            rng.choice(choices) if rng.random() < 0.1 else float(rng.randint(40, 100))
            for _ in range(4)
        ]
        for _ in range(rows)
    ]


def bench_udfs(rows: int) -> None:
    print(f"import ledger_xl.udfs (fresh interpreter)        : {import_time(''):6.2f} s")
    print(
        f"import ledger_xl.udfs after xlwings (Excel's case): {import_time('import xlwings'):6.2f} s"
    )
    cells = score_cells(rows)
    dims = DEFAULT_RULES.scoring.dimensions
    frame = pd.DataFrame(
        {d.column: [r[j] for r in cells] for j, d in enumerate(dims)}, dtype=object
    )
    core = median_time(lambda: scoring.composite_scores(frame, DEFAULT_RULES.scoring))
    udf = median_time(lambda: udfs.LEDGER_SCORE(cells))
    print(f"LEDGER_SCORE, {rows:,} rows × 4 (one call)      : {udf:6.2f} s")
    print(
        f"core composite_scores on the same cells          : {core:6.2f} s  (UDF / core {udf / core:.1f}x)"
    )


def bench_validate(path: Path) -> None:
    cli = median_time(lambda: validate_workbook(path, as_of=AS_OF), repeat=1)
    with Office() as office:
        print(f"soffice start + connect                          : {office.startup_seconds:6.2f} s")
        work = Path(tempfile.mkdtemp(prefix="ledger_xl-bench-addin-"))
        copy = work / path.name
        shutil.copy(path, copy)
        start = time.perf_counter()
        book = office.open(copy)
        opened = time.perf_counter() - start
        try:
            read = median_time(lambda: read_ledger_book(book), repeat=1)
            first_start = time.perf_counter()
            first = macros.validate(book)
            first_time = time.perf_counter() - first_start
            second_start = time.perf_counter()
            second = macros.validate(book)
            second_time = time.perf_counter() - second_start
            summary = median_time(lambda: macros.summarize(book), repeat=1)
            due = median_time(lambda: macros.mark_due(book), repeat=1)
        finally:
            book.close()
            shutil.rmtree(work, ignore_errors=True)
    findings = len(first.result.findings)
    print(f"open the workbook in LibreOffice (recalculates)  : {opened:6.2f} s")
    print(f"validate_workbook on the file (command line)     : {cli:6.2f} s")
    print(f"read the open workbook into a LedgerBook         : {read:6.2f} s")
    print(
        f"校验, first click ({findings:,} findings, {first.marked:,} cells marked): "
        f"{first_time:6.2f} s  ({first_time / cli:.1f}x the command line)"
    )
    print(f"校验, second click (clears {second.cleared:,} marks first) : {second_time:6.2f} s")
    print(f"生成汇总                                          : {summary:6.2f} s")
    print(f"标记到期                                          : {due:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score-rows", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="reuse or keep the generated workbook here")
    args = parser.parse_args()
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}, Python {sys.version.split()[0]}")
    bench_udfs(args.score_rows)
    path = (
        args.keep or Path(tempfile.mkdtemp(prefix="ledger_xl-bench-")) / f"ledger_{args.rows}.xlsx"
    )
    if not path.exists():
        build_ledger_workbook(
            path, generate(args.rows), options=BuildOptions(spare_rows=0, fixed_as_of=AS_OF)
        )
    bench_validate(path)


if __name__ == "__main__":
    main()
