"""The audit history store over a large synthetic history, and what --record adds to validate.

    python bench/audit_history.py [--findings 30000] [--runs 12] [--branches 20] [--ledger PATH]

Part 1 records `--runs` monthly runs of `--findings` findings each over `--branches` branches
(15 % of last month's findings fixed and as many new ones each month) into a fresh database and
prints the time per recorded run, the file size, and the time to load the history, classify it
(`follow_up`) and compute a quarter's figures and a four-quarter trend.

Part 2 (with `--ledger`, e.g. the 100,000-row file `validate_100k.py --keep` leaves) validates
that workbook with and without recording, side by side, and prints what recording adds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np

from ledger_xl.app import audit as audit_app
from ledger_xl.app.audit_store import AuditStore, FileRecord, RunRecord
from ledger_xl.app.validate import validate_paths
from ledger_xl.core import audit
from ledger_xl.core.findings import finding
from ledger_xl.core.schedule import add_months

CODES = (
    ("email-invalid", "电子邮箱", "x@@y"),
    ("phone-invalid", "联系电话", "123"),
    ("credit-report-stale", "信用报告日期", "2024-01-01"),
    ("required-missing", "法定代表人", ""),
    ("number-as-text", "营业收入(万元)", "1,234"),
)


def synthetic_runs(findings: int, runs: int, branches: int, seed: int = 1):
    """Yield (as_of, {branch: [(customer, code index)]}) month by month."""
    rng = np.random.default_rng(seed)
    names = [f"分公司{i:02d}" for i in range(branches)]
    per_branch = 10 * findings // branches
    current = {
        (b, int(c), int(k))
        for b, c, k in zip(
            rng.integers(0, branches, findings),
            rng.integers(0, per_branch, findings),
            rng.integers(0, len(CODES), findings),
            strict=True,
        )
    }
    day = dt.date(2025, 12, 23)
    for _ in range(runs):
        day = add_months(day, 1)
        by_branch: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
        for b, c, k in sorted(current):
            by_branch[names[b]].append((f"C{b:02d}{c:06d}", k))
        yield day, by_branch
        kept = {item for item in current if rng.random() >= 0.15}
        while len(kept) < len(current):
            kept.add(
                (
                    int(rng.integers(0, branches)),
                    int(rng.integers(0, per_branch)),
                    int(rng.integers(0, len(CODES))),
                )
            )
        current = kept


def run_record(day: dt.date, by_branch: dict[str, list[tuple[str, int]]]) -> RunRecord:
    files = []
    for branch, items in by_branch.items():
        records = []
        for row, (customer, k) in enumerate(items, start=4):
            code, column, value = CODES[k]
            item = finding(
                code,
                value=value,
                file=f"{branch}.xlsx",
                sheet="台账",
                cell=f"K{row}",
                row=row,
                customer_id=customer,
                column=column,
            )
            records.append((audit.identity(item, branch), item))
        files.append(
            FileRecord(
                path=f"{branch}.xlsx",
                name=f"{branch}.xlsx",
                scope=branch,
                branch=branch,
                checked=True,
                rows=len(items) * 3,
                errors=len(items),
                warnings=0,
                findings=records,
            )
        )
    return RunRecord(as_of=day, files=files, tool_version="bench")


def history_bench(findings: int, runs: int, branches: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "稽核档案.sqlite"
        times = []
        with AuditStore.open(db, create=True) as store:
            for day, by_branch in synthetic_runs(findings, runs, branches):
                record = run_record(day, by_branch)
                start = time.perf_counter()
                store.record_run(record)
                times.append(time.perf_counter() - start)
            last_day = day
            start = time.perf_counter()
            history = store.history()
            load = time.perf_counter() - start
        size = db.stat().st_size
        start = time.perf_counter()
        table = audit.follow_up(history, last_day)
        classify = time.perf_counter() - start
        period = audit.period_of(last_day, "quarter")
        start = time.perf_counter()
        audit.period_figures(history, period, last_day)
        figures = time.perf_counter() - start
        start = time.perf_counter()
        audit.trend(history, period, last_day, 4)
        trend = time.perf_counter() - start
    counts = table["status"].value_counts().to_dict()
    print(
        f"{runs} runs x {findings:,} findings over {branches} branches "
        f"({len(history.issues):,} identities, {len(history.occurrences):,} occurrences)"
    )
    print(f"record one run      : median {np.median(times):.2f} s, max {max(times):.2f} s")
    print(f"database size       : {size / 1e6:.1f} MB ({size / runs / 1e6:.2f} MB per run)")
    print(f"load the history    : {load:.2f} s")
    print(f"follow_up (status)  : {classify:.2f} s   {counts}")
    print(f"a quarter's figures : {figures:.2f} s")
    print(f"four-quarter trend  : {trend:.2f} s")


def ledger_bench(path: Path, as_of: dt.date) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "稽核档案.sqlite"
        start = time.perf_counter()
        result = validate_paths([path], as_of)
        plain = time.perf_counter() - start
        start = time.perf_counter()
        recorder = audit_app.Recorder(db, [path])
        facts = time.perf_counter() - start
        validate_paths([path], as_of)
        middle = time.perf_counter()
        recorder.record(result, as_of)
        record = time.perf_counter() - middle
    findings = len(result.files[0].findings)
    print(f"{path.name}: {result.files[0].rows:,} rows, {findings:,} findings")
    print(f"validate                     : {plain:.2f} s")
    print(f"checksum before validating   : {facts:.2f} s")
    print(f"record (rules, store, status): {record:.2f} s")
    print(f"recording adds               : {(facts + record) / plain:.0%} of validate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--ledger", type=Path)
    parser.add_argument("--as-of", default="2026-11-23")
    args = parser.parse_args()
    history_bench(args.findings, args.runs, args.branches)
    if args.ledger:
        ledger_bench(args.ledger, dt.date.fromisoformat(args.as_of))


if __name__ == "__main__":
    main()
