"""Benchmark: the streaming formula reader against openpyxl read-only, on a 100k-row ledger.

    /work/venv/bin/python bench/formula_reader.py [--rows 100000] [--openpyxl-rows 20000]

The ledger is built once with the project's builder into /tmp and reused (delete the file
to rebuild). `read_formulas` reads the seven formula columns of every data row; openpyxl
read-only iterates the same columns for the first `--openpyxl-rows` data rows and the time
is extrapolated linearly to all rows (said so in the output).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import formulas, layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.io.formulas_reader import read_formulas
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)


def ledger_rows(n_rows: int) -> pd.DataFrame:
    """The demo ledger's rows repeated to `n_rows`, each with a unique customer id."""
    base = generate_demo(n_customers=400).ledger
    repeats = -(-n_rows // len(base))
    frame = pd.concat([base] * repeats, ignore_index=True).iloc[:n_rows].copy()
    frame["customer_id"] = [f"BM{i:07d}" for i in range(n_rows)]
    return frame


def ensure_ledger(path: Path, n_rows: int) -> Path:
    if path.exists():
        print(f"reusing {path}")
        return path
    print(f"building {path} ({n_rows:,} rows) ...", flush=True)
    start = time.perf_counter()
    build_ledger_workbook(
        path,
        LedgerContent(ledger=ledger_rows(n_rows)),
        options=BuildOptions(spare_rows=0, fixed_as_of=AS_OF),
    )
    print(f"built in {time.perf_counter() - start:.1f} s")
    return path


def formula_columns() -> dict[str, int]:
    keys = [f.key for f in DEFAULT_RULES.fields]
    return {key: keys.index(key) for key in formulas.ledger_formulas(DEFAULT_RULES)}


def sheet_part_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("xl/worksheets/sheet1.xml").file_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--openpyxl-rows", type=int, default=20_000)
    parser.add_argument("--path", type=Path, default=None)
    args = parser.parse_args()
    path = args.path or Path(f"/tmp/ledger_xl_bench_formulas_{args.rows}.xlsx")
    ensure_ledger(path, args.rows)

    columns = formula_columns()
    first = layout.LEDGER_HEADER_ROW + 1
    last = layout.LEDGER_HEADER_ROW + args.rows
    expected = {
        col: formulas.ledger_formulas(DEFAULT_RULES)[key][1:] for key, col in columns.items()
    }
    print(
        f"file {path.stat().st_size / 1e6:.1f} MB, sheet XML {sheet_part_size(path) / 1e6:.1f} MB "
        f"uncompressed; {len(columns)} formula columns x {args.rows:,} rows"
    )

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        found = read_formulas(path, layout.SHEET_LEDGER, columns.values(), first, last)
        timings.append(time.perf_counter() - start)
    wrong = sum(1 for (_, col), text in found.items() if text != expected[col])
    print(
        f"read_formulas: best {min(timings):.2f} s of 3 (runs: "
        f"{', '.join(f'{t:.2f}' for t in timings)}); {len(found):,} cells, {wrong} not the template"
    )

    cap = min(args.openpyxl_rows, args.rows)
    wanted = sorted(columns.values())
    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book[layout.SHEET_LEDGER]
    seen = 0
    for row in sheet.iter_rows(
        min_row=first + 1, max_row=first + cap, min_col=wanted[0] + 1, max_col=wanted[-1] + 1
    ):
        for col in wanted:
            value = row[col - wanted[0]].value
            if isinstance(value, str) and value.startswith("="):
                seen += 1
    book.close()
    elapsed = time.perf_counter() - start
    print(
        f"openpyxl read_only: {elapsed:.2f} s for {cap:,} rows ({seen:,} formulas); "
        f"extrapolated to {args.rows:,} rows: {elapsed * args.rows / cap:.1f} s"
    )


if __name__ == "__main__":
    main()
