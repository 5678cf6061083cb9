"""Distribute a 100,000-customer master over 20 branches and collect the workbooks back.

    python bench/branches_100k.py [--customers 100000] [--branches 20] [--keep DIR]

Builds the master (each customer with one 资信证明 and one 审核记录 row), distributes it
(two branches encrypted, two with 证件号码 masked), edits two branch workbooks as a branch
would (one encrypted), and collects all of them into a new master. Prints the wall clock of
each stage; as the baseline, the same run's bare cost of what cannot be avoided: building
the master once with the one builder (collect writes a master of the same size) and
reading the 20 returned workbooks with the one opener.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

from ledger_xl.app import branches
from ledger_xl.app.demo import edit_as_branch
from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core.distribution import Tables
from ledger_xl.core.identifiers import uscc_check_char
from ledger_xl.io import crypto
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)
PASSWORD = "bench-2026"


def generate(customers: int, n_branches: int) -> LedgerContent:
    """The demo's customers repeated, spread over `n_branches` branches, with one document
    and one review each."""
    demo = generate_demo(n_customers=400, as_of=AS_OF)
    ledger = demo.ledger.to_dict("records")
    doc = demo.credentials.to_dict("records")[0]
    review = demo.reviews.to_dict("records")[0]
    rows, docs, reviews = [], [], []
    for i in range(customers):
        row = dict(ledger[i % len(ledger)])
        row["customer_id"] = f"BR{i:06d}"
        first = f"913101{i:08d}MA1"[:17]
        row["uscc"] = first + uscc_check_char(first)
        row["branch"] = f"第{i % n_branches + 1:02d}分公司"
        rows.append(row)
        docs.append({**doc, "customer_id": row["customer_id"], "name": row["name"]})
        reviews.append({**review, "customer_id": row["customer_id"], "review_id": f"R{i:06d}"})
    frame = lambda records: pd.DataFrame(records, dtype=object)  # noqa: E731
    return LedgerContent(frame(rows), frame(docs), frame(reviews))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="work in this folder (default a temp one)")
    args = parser.parse_args()
    if args.branches < 6 or args.customers < args.branches:
        # two encrypted, two masked, the sixth edited unencrypted: six branches at least
        parser.error(
            "--branches 至少为 6（两个加密、两个遮蔽列、第 6 个被修改），且客户数不少于分公司数"
        )
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ledger_xl-branches-"))
    folder.mkdir(parents=True, exist_ok=True)
    master = folder / "master.xlsx"
    start = time.perf_counter()
    build_ledger_workbook(
        master,
        generate(args.customers, args.branches),
        options=BuildOptions(spare_rows=0, cache_date=AS_OF),
        overwrite=True,
    )
    build_s = time.perf_counter() - start
    print(
        f"master: {args.customers:,} customers, {master.stat().st_size / 1e6:.1f} MB, built in {build_s:.1f} s"
    )

    names = [f"第{i + 1:02d}分公司" for i in range(args.branches)]
    listing = folder / "分公司.csv"
    lines = ["分公司,密码,遮蔽列"]
    for i, name in enumerate(names):
        lines.append(
            f"{name},{PASSWORD if i < 2 else ''},{'资信证明.证件号码' if 2 <= i < 4 else ''}"
        )
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = branches.read_branch_options(listing)
    start = time.perf_counter()
    sent = branches.distribute(master, folder / "分发", options, overwrite=True)
    distribute_s = time.perf_counter() - start
    print(f"distribute: {distribute_s:.1f} s for {len(sent.files)} workbooks")
    for stage, seconds in sent.seconds.items():
        print(f"  {stage}: {seconds:.1f} s, peak so far {sent.peak_mb.get(stage, 0):.0f} MB")

    files = {f.branch: f.path for f in sent.files}

    def edit(t: Tables) -> Tables:
        ledger = t.ledger.copy()
        ledger.loc[ledger.index[:50], "score_credit"] = 77.0
        return Tables(ledger, t.credentials, t.reviews)

    edit_as_branch(files[names[0]], edit, password=PASSWORD)
    edit_as_branch(files[names[5]], edit)

    start = time.perf_counter()
    for path in files.values():
        if crypto.is_encrypted(path):
            with crypto.decrypted(path, PASSWORD) as plain:
                read_book(plain, formulas=False)
        else:
            read_book(path, formulas=False)
    read_s = time.perf_counter() - start
    print(f"baseline: reading the {len(files)} workbooks with the opener: {read_s:.1f} s")

    start = time.perf_counter()
    collected = branches.collect(
        [str(folder / "分发")],
        master,
        folder / "merged.xlsx",
        passwords=options,
        overwrite=True,
        as_of=AS_OF,
        archive=folder / "archive",
    )
    collect_s = time.perf_counter() - start
    merge = collected.merge
    print(
        f"collect: {collect_s:.1f} s — {len(merge.outcomes):,} rows accounted for, "
        f"{len(merge.changes)} changes, {len(merge.conflicts())} conflicts"
    )
    for stage, seconds in collected.seconds.items():
        print(f"  {stage}: {seconds:.1f} s, peak so far {collected.peak_mb.get(stage, 0):.0f} MB")
    # The baseline again, right after collect, so a change in the machine's load between the
    # start and the end shows (and each ratio uses the build measured next to it).
    start = time.perf_counter()
    build_ledger_workbook(
        folder / "master_again.xlsx",
        generate(args.customers, args.branches),
        options=BuildOptions(spare_rows=0, cache_date=AS_OF),
        overwrite=True,
    )
    again_s = time.perf_counter() - start
    print(f"baseline: building the master again after collect: {again_s:.1f} s")
    print(
        f"ratios: distribute / build master (before) {distribute_s / build_s:.2f}x; "
        f"collect / (read returned + build master (after)) {collect_s / (read_s + again_s):.2f}x"
    )


if __name__ == "__main__":
    main()
