"""The audit part of `ledger-xl demo`: two validation runs a month apart recorded in a history
store, owners and deadlines given after the first, a sample drawn, and the follow-up status.

The second month is the demo's own branch workbooks (分公司/), judged on the demo's 基准日.
The first month (稽核/上月分公司/) is built with the one ledger builder from the same demo data,
changed as a month earlier: every date a month (to the day) earlier, so that judged a month
earlier it shows exactly the same findings; plus

- `fixed`: problems the branches still had last month and have put right since (a broken
  e-mail, a short phone number, a missing 法定代表人 or 联系人 on customers without planted
  mistakes) — 已整改 in the second run;
- `introduced`: some of the demo's planted mistakes did not exist yet (the cell held a good
  value) — 新发现 in the second run.

Everything else the second run finds was already there: 仍未整改, or 逾期未整改 for the open
errors of `DEADLINE_BRANCHES`, which HQ gave a deadline `DEADLINE_DAYS` after the first run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledger_xl.app import audit
from ledger_xl.app.audit_store import Assignment, AuditStore
from ledger_xl.app.demo_data import DemoData, branch_content
from ledger_xl.app.validate import validate_paths
from ledger_xl.core import audit as follow
from ledger_xl.core import layout, sampling, schedule
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.rules import FieldType
from ledger_xl.io.output import atomic_output, check_writable
from ledger_xl.io.xlsx.audit_report import build_audit_report
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook
from ledger_xl.io.xlsx.rectification import build_rectification_workbook
from ledger_xl.io.xlsx.working_papers import build_working_papers

AUDIT_FOLDER = "稽核"
PREVIOUS_FOLDER = "上月分公司"
DB_NAME = "稽核档案.sqlite"
LIST_NAME = "整改台账.xlsx"
PAPERS_NAME = "稽核底稿.xlsx"
REPORT_NAME = "稽核报告.xlsx"
SAMPLE_SEED = 20261123
SAMPLE_RATE = 0.1
DEADLINE_BRANCHES = ("广州分公司", "成都分公司")
DEADLINE_DAYS = 15
LONG_TERM_FROM = dt.date(2099, 1, 1)  # 长期有效 dates are not moved

# The cells of last month that were wrong and are right now: (key, bad value, code).
_FIXED_EDITS = (
    ("email", "caiwu@@example", "email-invalid"),
    ("phone", "021-1234", "phone-invalid"),
    ("legal_rep", None, "required-missing"),
    ("contact", None, "required-missing"),
)
# Planted mistakes that did not exist last month: key and planted value → the good value then.
_RESTORED = {
    "email": "finance@example.com",
    "phone": "13912345678",
    "legal_rep": "王建国",
    "notes": None,
}
_RESTORED_CODES = {
    "email": "email-invalid",
    "phone": "phone-invalid",
    "legal_rep": "required-missing",
    "notes": "formula-text",
}


@dataclass(frozen=True)
class DemoChange:
    """A problem the demo made differ between the two months."""

    branch: str
    customer_id: str
    key: str
    code: str
    column: str  # the ledger header
    description: str


@dataclass
class AuditDemo:
    """What the audit demo wrote and recorded."""

    folder: Path
    db: Path
    previous_as_of: dt.date
    as_of: dt.date
    previous_files: dict[str, Path]
    fixed: list[DemoChange]
    introduced: list[DemoChange]
    assigned: int
    counts: pd.DataFrame  # `core.audit.status_counts` as of `as_of`
    rectification_file: Path
    papers_file: Path
    report_file: Path
    sample_size: int
    sample_seed: int = SAMPLE_SEED
    runs: list[int] = field(default_factory=list)

    @property
    def previous_folder(self) -> Path:
        return self.folder / PREVIOUS_FOLDER


def outputs(out_dir: Path, branches: tuple[str, ...]) -> list[Path]:
    """Every file the audit demo writes (checked before the demo writes anything)."""
    folder = out_dir / AUDIT_FOLDER
    return [
        *(folder / PREVIOUS_FOLDER / f"{b}.xlsx" for b in branches),
        folder / DB_NAME,
        folder / LIST_NAME,
        folder / PAPERS_NAME,
        folder / REPORT_NAME,
    ]


def check_outputs(out_dir: Path, branches: tuple[str, ...], overwrite: bool) -> None:
    """Refuse before the demo writes anything: an existing output without `overwrite`."""
    for path in outputs(out_dir, branches):
        if path.parent.exists():
            check_writable(path, overwrite)


def previous_month(
    data: DemoData, as_of: dt.date
) -> tuple[DemoData, list[DemoChange], list[DemoChange]]:
    """The demo data as it stood a month before `as_of`: dates a month earlier, the `fixed`
    problems still there, the `introduced` ones not yet. Returns (data, fixed, introduced)."""
    earlier = schedule.add_months(as_of, -1)
    shift = as_of - earlier
    ledger = _shifted(data.ledger, LEDGER_DATES, shift)
    credentials = _shifted(data.credentials, _side_dates(layout.CREDENTIAL_COLUMNS), shift)
    reviews = _shifted(data.reviews, _side_dates(layout.REVIEW_COLUMNS), shift)
    planted_ids = {m.customer_id for m in data.planted}
    introduced = _restore_planted(ledger, data)
    fixed = _plant_fixed(ledger, planted_ids)
    return (
        DemoData(ledger, credentials, reviews, data.planted, data.branches),
        fixed,
        introduced,
    )


# Every date column moves a month (提交日期 and 审批日期 too: a date after last month's 基准日
# would be a finding of its own).
LEDGER_DATES = tuple(f.key for f in DEFAULT_RULES.fields if f.type is FieldType.DATE)


def _side_dates(columns: tuple[layout.Column, ...]) -> tuple[str, ...]:
    return tuple(c.key for c in columns if c.kind == "date")


def _shifted(frame: pd.DataFrame, keys: tuple[str, ...], shift: dt.timedelta) -> pd.DataFrame:
    out = frame.copy()
    for key in keys:
        if key in out.columns:
            out[key] = [
                v - shift
                if isinstance(v, dt.date) and not isinstance(v, dt.datetime) and v < LONG_TERM_FROM
                else v
                for v in out[key]
            ]
    return out


def _restore_planted(ledger: pd.DataFrame, data: DemoData) -> list[DemoChange]:
    """Give the planted e-mail, phone, 法定代表人 and 备注 mistakes a good value (one per key
    and planted value), so that they are new in the second month."""
    changes = []
    seen: set[tuple[str, object]] = set()
    counts = ledger["customer_id"].value_counts()
    for mistake in data.planted:
        if mistake.table != "ledger" or mistake.key not in _RESTORED:
            continue
        if counts.get(mistake.customer_id, 0) != 1 or (mistake.key, mistake.value) in seen:
            continue
        seen.add((mistake.key, mistake.value))
        row = ledger.index[ledger["customer_id"] == mistake.customer_id][0]
        ledger.at[row, mistake.key] = _RESTORED[mistake.key]
        code = _RESTORED_CODES[mistake.key]
        if mistake.key == "phone" and mistake.value is None:
            code = "required-missing"
        changes.append(
            DemoChange(
                str(ledger.at[row, "branch"]),
                mistake.customer_id,
                mistake.key,
                code,
                DEFAULT_RULES.header(mistake.key),
                mistake.description,
            )
        )
    return changes


def _plant_fixed(ledger: pd.DataFrame, planted_ids: set[str]) -> list[DemoChange]:
    """One problem last month on each of a few customers without planted mistakes, in
    different branches: gone by the second month."""
    changes = []
    counts = ledger["customer_id"].value_counts()
    branches = sorted(set(ledger["branch"]))
    for (key, bad, code), branch in zip(_FIXED_EDITS, branches, strict=False):
        candidates = ledger[
            (ledger["branch"] == branch)
            & ~ledger["customer_id"].isin(planted_ids)
            & (ledger["customer_id"].map(counts) == 1)
            & ledger[key].notna()
        ]
        row = candidates.sort_values("customer_id").index[0]
        ledger.at[row, key] = bad
        header = DEFAULT_RULES.header(key)
        description = (
            f"上月“{header}”" + ("为空" if bad is None else f"填为“{bad}”") + "，本月已改正"
        )
        changes.append(
            DemoChange(branch, str(ledger.at[row, "customer_id"]), key, code, header, description)
        )
    return changes


def run_audit_demo(
    out_dir: Path,
    data: DemoData,
    as_of: dt.date,
    branch_files: dict[str, Path],
    overwrite: bool = False,
) -> AuditDemo:
    """Write last month's branch workbooks, record both months' validation runs in a fresh
    history store, give the open errors of `DEADLINE_BRANCHES` a deadline after the first run,
    draw a 10% sample of this month's workbooks and write the 整改台账, the working papers
    and the audit report of the month (its trend shows the month before)."""
    folder = out_dir / AUDIT_FOLDER
    (folder / PREVIOUS_FOLDER).mkdir(parents=True, exist_ok=True)
    for path in outputs(out_dir, data.branches):
        check_writable(path, overwrite)
    earlier_data, fixed, introduced = previous_month(data, as_of)
    earlier = schedule.add_months(as_of, -1)
    previous_files = {b: folder / PREVIOUS_FOLDER / f"{b}.xlsx" for b in data.branches}
    options = BuildOptions(cache_date=earlier, spare_rows=20)  # history files: few spare rows
    for branch, path in previous_files.items():
        build_ledger_workbook(
            path, branch_content(earlier_data, branch), options=options, overwrite=overwrite
        )
    db = folder / DB_NAME
    with atomic_output(db, overwrite) as temp:  # a fresh database, moved into place at the end
        runs = [_record(temp, list(previous_files.values()), earlier)]
        assigned = _assign_deadlines(temp, data, earlier)
        runs.append(_record(temp, list(branch_files.values()), as_of))
    report = audit.status(db, as_of)
    rectification = build_rectification_workbook(
        folder / LIST_NAME, report.table, as_of, db=db, counts=report.counts, overwrite=overwrite
    )
    outcome = audit.draw(
        list(branch_files.values()),
        as_of,
        sampling.SampleSize(rate=SAMPLE_RATE),
        SAMPLE_SEED,
        db=db,
    )
    papers = build_working_papers(folder / PAPERS_NAME, outcome, overwrite=overwrite)
    period = follow.period_of(as_of, "month")  # the two runs fall in two months: a trend
    report_data = audit.report_data(period, as_of, db=db)
    report_file = build_audit_report(folder / REPORT_NAME, report_data, overwrite=overwrite)
    return AuditDemo(
        folder,
        db,
        earlier,
        as_of,
        previous_files,
        fixed,
        introduced,
        assigned,
        report.counts,
        rectification,
        papers,
        report_file,
        len(outcome.sample.drawn),
        SAMPLE_SEED,
        runs,
    )


def _record(db: Path, files: list[Path], day: dt.date) -> int:
    recorder = audit.Recorder(db, files)
    return recorder.record(validate_paths(files, day), day).run_id


def _assign_deadlines(db: Path, data: DemoData, day: dt.date) -> int:
    """After the first run HQ gives every open error of `DEADLINE_BRANCHES` a deadline
    `DEADLINE_DAYS` later, owned by the customer's 客户经理."""
    managers = dict(zip(data.ledger["customer_id"], data.ledger["account_manager"], strict=True))
    with AuditStore.open(db) as store:
        table = follow.follow_up(store.history(), day, include_fixed="none")
        chosen = table[table["scope"].isin(DEADLINE_BRANCHES) & (table["severity"] == "error")]
        changes = [
            Assignment(
                row["finding_id"],
                owner=str(managers.get(row["customer_id"]) or "分公司稽核联络人"),
                deadline=day + dt.timedelta(days=DEADLINE_DAYS),
                progress="整改中",
                note="总部稽核：请在期限内整改",
            )
            for row in chosen.to_dict("records")
        ]
        return store.assign(changes, source="ledger-xl demo")
