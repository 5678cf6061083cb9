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

import pandas as pd
from python_calamine import CalamineWorkbook

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout
from ledger_xl.core.identifiers import uscc_check_char
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)
SHEETS = (
    layout.SHEET_LEDGER,
    *layout.RULE_SHEETS,
    layout.SHEET_CREDENTIALS,
    layout.SHEET_REVIEWS,
)


def generate(rows: int) -> LedgerContent:
    """The demo's customers repeated to `rows`, each with its own ID and USCC, with their
    credit documents and review records (approval steps included) under the new ID."""
    demo = generate_demo(n_customers=400, as_of=AS_OF)
    base = demo.ledger.to_dict("records")
    documents = demo.credentials.groupby("customer_id").apply(lambda g: g.to_dict("records"))
    reviews = demo.reviews.groupby("customer_id").apply(lambda g: g.to_dict("records"))
    out, creds, history = [], [], []
    for i in range(rows):
        row = dict(base[i % len(base)])
        old = row["customer_id"]
        row["customer_id"] = f"{old[:2]}{i:06d}"
        first = f"913101{i:08d}MA1"[:17]
        row["uscc"] = first + uscc_check_char(first)
        out.append(row)
        for doc in documents.get(old, []):
            number = row["uscc"] if doc["doc_type"] == "营业执照" else doc["doc_number"]
            creds.append({**doc, "customer_id": row["customer_id"], "doc_number": number})
        history += [{**r, "customer_id": row["customer_id"]} for r in reviews.get(old, [])]
    return LedgerContent(
        pd.DataFrame(out, dtype=object),
        pd.DataFrame(creds, dtype=object),
        pd.DataFrame(history, dtype=object),
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
