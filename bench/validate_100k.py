"""Validate a generated 100,000-row ledger and compare with the bare read it rests on.

    python bench/validate_100k.py [--rows 100000] [--keep PATH]

Prints seconds and rows per second for `validate_workbook`, next to the time python-calamine
alone takes to read the same sheets (the fastest reader that keeps each cell's real type).
The two run side by side in one process, so their ratio is meaningful on a noisy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from python_calamine import CalamineWorkbook
from run import generate  # the one generator of the benchmark ledgers (bench/run.py)

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)
SHEETS = (
    layout.SHEET_LEDGER,
    *layout.RULE_SHEETS,
    layout.SHEET_CREDENTIALS,
    layout.SHEET_REVIEWS,
)


def bare_read(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in SHEETS:
        if name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def timed(action, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="reuse or keep the generated workbook here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ledger_xl-bench-"))
    path = args.keep or folder / f"ledger_{args.rows}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        build_ledger_workbook(
            path, generate(args.rows), options=BuildOptions(spare_rows=0, cache_date=AS_OF)
        )
        print(
            f"built {args.rows:,} rows in {time.perf_counter() - start:.1f} s "
            f"({path.stat().st_size / 1e6:.1f} MB): {path}"
        )
    read_times, validate_times, findings = [], [], 0
    for _ in range(args.repeat):  # interleave the two, so load changes hit both alike
        read_times += timed(lambda: bare_read(path), 1)
        start = time.perf_counter()
        result = validate_workbook(path, as_of=AS_OF)
        validate_times.append(time.perf_counter() - start)
        findings = len(result.findings)
    read_s, validate_s = statistics.median(read_times), statistics.median(validate_times)
    print(f"rows: {result.rows:,}  findings: {findings:,}")
    print(f"python-calamine bare read : {read_s:6.2f} s  ({result.rows / read_s:,.0f} rows/s)")
    print(
        f"validate_workbook          : {validate_s:6.2f} s  ({result.rows / validate_s:,.0f} rows/s)"
    )
    print(f"ratio validate / bare read : {validate_s / read_s:.2f}x  (median of {args.repeat})")


if __name__ == "__main__":
    main()
