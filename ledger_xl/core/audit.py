"""Audit (稽核) on data: a finding's stable identity, its follow-up across recorded validation
runs, audit periods, and the figures of the audit report.

Pure: tables in, tables out. The history store (`ledger_xl.app.audit_store`) hands the recorded
runs over as a `History` of DataFrames; nothing here opens a database or a file or reads the
clock ("today" is always a parameter).

**Identity.** A finding is followed by what it is about, never by where it sits: the branch
(or, for a file whose branch is unknown, the file), the sheet, the customer, the code and the
column (`Identity`). Sorting the ledger or inserting rows moves cells, not identities. Two
cases have nothing stable to go by and say so in `Identity.locator`: a row without 客户编号 is
identified by its row number, and an unknown column by its header text. File-level findings
(a damaged file, missing sheet, changed rules) have no customer: scope + sheet + code + column
identifies them (one per file and kind).

**Follow-up.** A finding identity's *episodes*: it opens in the first run that shows it and
closes in the first later run that checked the same branch (with that code selected) and did
not show it. A run that could not read a branch's file closes nothing in that branch (except
the file-level problem itself). As of a day, against each branch's latest run:

- 新发现: open, first shown by that latest run;
- 仍未整改: open since an earlier run;
- 逾期未整改: open since an earlier run and past its 整改期限 (deadline);
- 已整改: closed by that latest run (with `include_fixed="all"`, also closed earlier).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ledger_xl.core import values
from ledger_xl.core.findings import CATALOGUE, Finding, Severity
from ledger_xl.core.parsing import parse_date_text

# ---------------------------------------------------------------- statuses

STATUS_NEW = "新发现"
STATUS_OPEN = "仍未整改"
STATUS_OVERDUE = "逾期未整改"
STATUS_FIXED = "已整改"
STATUSES = (STATUS_NEW, STATUS_OPEN, STATUS_OVERDUE, STATUS_FIXED)
OPEN_STATUSES = (STATUS_NEW, STATUS_OPEN, STATUS_OVERDUE)

# What a branch reports about its work on a finding (整改台账's drop-down). Only a later
# validation run decides 已整改; this is the branch's own word.
PROGRESS = ("未开始", "整改中", "已整改待复核", "申请延期")

# Codes that mean a file could not be checked at all: the sniff's and the opener's errors.
# A run with such a file closes no row-level finding of its branch.
FATAL_CODES = frozenset(
    code
    for code, entry in CATALOGUE.items()
    if code.startswith("file-") and entry.severity is Severity.ERROR
) | {"ledger-sheet-missing", "header-not-found"}

# File-level codes where only the value tells two findings apart (an unknown column's header).
VALUE_IDENTIFIED = frozenset({"column-unknown"})

# ---------------------------------------------------------------- identity

_SEP = "\x1f"
FINDING_ID_LENGTH = 12


def normalise_customer(text: object) -> str:
    """客户编号 as compared across runs: NFKC (full-width letters and digits folded), trimmed,
    upper case."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip().upper()


@dataclass(frozen=True)
class Identity:
    """What a finding is about, independent of its cell: see the module docstring."""

    scope: str
    sheet: str
    customer_id: str
    code: str
    column: str
    locator: str = ""

    @property
    def key(self) -> str:
        return _SEP.join(
            (self.scope, self.sheet, self.customer_id, self.code, self.column, self.locator)
        )

    @property
    def finding_id(self) -> str:
        """12 hex digits of the SHA-1 of `key`: the 问题编号 people quote and type."""
        return hashlib.sha1(self.key.encode("utf-8")).hexdigest()[:FINDING_ID_LENGTH]


def identity(item: Finding, scope: str) -> Identity:
    """The identity of `item`, a finding of a file filed under `scope` (see `resolve_scope`)."""
    customer = normalise_customer(item.customer_id)
    locator = ""
    if not customer:
        if item.row is not None:
            locator = f"行{item.row}"  # nothing else identifies a row without 客户编号
        elif item.code in VALUE_IDENTIFIED:
            locator = item.value
    return Identity(scope, item.sheet, customer, item.code, item.column, locator)


def resolve_scope(file_name: str, branch: str, known_branches: Iterable[str] = ()) -> str:
    """The branch a file's findings are filed under: the file's own 所属分公司 (its most common
    value); else the longest known branch named in the file name (北京分公司_2026年11月.xlsx);
    else the file name without its suffix (a file that could not be read, seen first)."""
    if branch.strip():
        return branch.strip()
    stem = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", file_name.strip())
    named = [b for b in known_branches if b and b in stem]
    if named:
        return max(named, key=lambda b: (len(b), b))
    return stem


def file_checked(findings: Iterable[Finding]) -> bool:
    """False when the file could not be checked (a fatal file-level finding)."""
    return not any(f.code in FATAL_CODES for f in findings)


# ---------------------------------------------------------------- kinds of problem

# The report's problem kinds for validation findings, by code.
KIND_FILE = "文件与结构"
KINDS: dict[str, tuple[str, ...]] = {
    KIND_FILE: (
        "ledger-sheet-missing",
        "header-not-found",
        "column-missing",
        "column-duplicate",
        "column-unknown",
        "template-version",
        "rules-changed",
        "rules-broken",
        "rules-sheet-missing",
        "formula-not-calculated",  # the whole file was saved without calculating
    ),
    "必填缺失": ("required-missing", "conditional-missing"),
    "类型与格式": (
        "not-a-number",
        "number-as-text",
        "not-a-date",
        "date-as-text",
        "date-impossible",
        "value-not-allowed",
        "error-value",
        "out-of-range",
        "phone-invalid",
        "email-invalid",
        "pattern-mismatch",
    ),
    "证件号码": (
        "uscc-length",
        "uscc-charset",
        "uscc-check",
        "resident-id-invalid",
        "id-stored-as-number",
    ),
    "重复客户": ("duplicate-customer-id", "duplicate-uscc"),
    "信息不一致": (
        "date-after-as-of",
        "last-review-mismatch",
        "approved-grade-d",
        "credit-report-stale",
        "approved-expired-document",
        "unknown-customer",
    ),
    "准入与授信": (
        "approved-not-admissible",
        "approval-missing",
        "approval-out-of-order",
        "approval-wrong-level",
        "reviewer-conflict",
        "credit-limit-exceeded",
        "licence-mismatch",
        "score-off-rubric",
        "limit-not-adjusted",
        "early-review",
    ),
    "公式被改动": ("formula-overwritten", "formula-edited", "formula-value-mismatch"),
    "导入与可疑文本": (
        "formula-text",
        "import-unknown-column",
        "import-missing-column",
        "import-computed-column",
        "import-duplicate-column",
        "import-text-too-long",
        "import-control-characters",
        "import-id-pattern",
    ),
}
KIND_MERGE = "回收合并"
KIND_OTHER = "其他"
_KIND_OF = {code: kind for kind, codes in KINDS.items() for code in codes}
# Families named by their prefix: whole-file codes, and the codes of merging branch returns.
_KIND_BY_PREFIX = (("file-", KIND_FILE), ("merge-", KIND_MERGE))


def kind_of(code: str) -> str:
    """The report's problem kind of a catalogue code (whole-file and merge codes by their
    prefix)."""
    if code in _KIND_OF:
        return _KIND_OF[code]
    return next((kind for prefix, kind in _KIND_BY_PREFIX if code.startswith(prefix)), KIND_OTHER)


def kind_order() -> list[str]:
    """The problem kinds in the order the report lists them."""
    return [*KINDS, KIND_MERGE, KIND_OTHER]


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """An audit period: a month, quarter, half-year or year (`label` as typed back: 2026Q4,
    2026-11, 2026H2, 2026)."""

    kind: str  # "month" | "quarter" | "half" | "year"
    year: int
    number: int  # month 1–12, quarter 1–4, half 1–2, 1 for a year

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "half": 6, "year": 12}[self.kind]

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, (self.number - 1) * self.months + 1, 1)

    @property
    def end(self) -> dt.date:
        first_month = (self.number - 1) * self.months + 1
        last_month = first_month + self.months - 1
        following = dt.date(self.year + last_month // 12, last_month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        if self.kind == "half":
            return f"{self.year}H{self.number}"
        return str(self.year)

    @property
    def title(self) -> str:
        """Chinese name: 2026年11月, 2026年第4季度, 2026年下半年, 2026年度."""
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.number == 1 else '下'}半年"
        return f"{self.year}年度"

    def shifted(self, steps: int) -> Period:
        """The period `steps` later (earlier when negative) of the same kind."""
        per_year = 12 // self.months
        index = self.year * per_year + (self.number - 1) + steps
        return Period(self.kind, index // per_year, index % per_year + 1)

    def contains(self, day: dt.date) -> bool:
        """True when `day` falls inside the period."""
        return self.start <= day <= self.end


_PERIOD_FORMS = (
    (re.compile(r"^(\d{4})\s*[-_ ]?\s*[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})年第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})\s*[-_ ]?\s*[Hh]([12])$"), "half"),
    (re.compile(r"^(\d{4})年([上下])半年$"), "half"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), "month"),
    (re.compile(r"^(\d{4})年?度?$"), "year"),
)
_CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}


def parse_period(text: str) -> Period:
    """2026Q4 / 2026年第4季度, 2026-11 / 2026年11月 / 202611, 2026H2 / 2026年下半年, 2026 /
    2026年度. Raises ValueError with a Chinese message for anything else."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    for pattern, kind in _PERIOD_FORMS:
        match = pattern.match(cleaned)
        if not match:
            continue
        year = int(match.group(1))
        number = 1
        if kind != "year":
            raw = match.group(2)
            number = _CHINESE_NUMBERS.get(raw) or int(raw)
        limit = {"month": 12, "quarter": 4, "half": 2, "year": 1}[kind]
        if 1 <= number <= limit and 1900 <= year <= 9998:
            return Period(kind, year, number)
    raise ValueError(
        f"“{text}”不是稽核期间；请写成 2026Q4（季度）、2026-11（月）、2026H2（半年）或 2026（年）"
    )


def period_of(day: dt.date, kind: str) -> Period:
    """The period of `kind` that holds `day`."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
    return Period(kind, day.year, (day.month - 1) // months + 1)


def trend_periods(period: Period, count: int) -> list[Period]:
    """`count` periods ending with `period`, oldest first."""
    return [period.shifted(-k) for k in range(max(count, 1) - 1, -1, -1)]


# ---------------------------------------------------------------- history


def _columns(frame: pd.DataFrame, *names: str) -> list[list]:
    """Columns as Python lists: iterating a list is many times faster than a pandas column
    (above all pandas' string arrays)."""
    return [frame[name].tolist() for name in names]


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts (as `to_dict("records")`, several times faster on string columns)."""
    names = list(frame.columns)
    return [
        dict(zip(names, row, strict=True)) for row in zip(*_columns(frame, *names), strict=True)
    ]


def _frame(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


RUN_COLUMNS = ("run_id", "as_of", "skip_codes", "only_codes")
FILE_COLUMNS = ("run_id", "scope", "checked")
ISSUE_COLUMNS = ("finding_id", "scope", "sheet", "customer_id", "code", "column", "locator")
OCCURRENCE_COLUMNS = (
    "run_id",
    "finding_id",
    "severity",
    "file",
    "cell",
    "row",
    "value",
    "message",
    "count",
)
ASSIGNMENT_COLUMNS = ("finding_id", "owner", "deadline", "note", "progress", "assigned_at")


@dataclass
class History:
    """Recorded validation runs as tables (what the store returns; any other source works).

    runs: run_id (int), as_of (date: the day the files were judged against), skip_codes /
        only_codes (tuples: the run's --skip / --only; empty only_codes means every code).
    files: run_id, scope (the branch the file is filed under), checked (bool: the file could be
        read and checked).
    issues: one row per identity ever seen: finding_id, scope, sheet, customer_id, code,
        column, locator.
    occurrences: one row per (run, identity) shown: run_id, finding_id, severity, file (name),
        cell, row, value, message of its first finding in that run, count (how many findings
        of that run share the identity).
    assignments: the current assignment per identity: finding_id, owner, deadline (date or
        None), note, progress, assigned_at.
    """

    runs: pd.DataFrame = field(default_factory=lambda: _frame(RUN_COLUMNS))
    files: pd.DataFrame = field(default_factory=lambda: _frame(FILE_COLUMNS))
    issues: pd.DataFrame = field(default_factory=lambda: _frame(ISSUE_COLUMNS))
    occurrences: pd.DataFrame = field(default_factory=lambda: _frame(OCCURRENCE_COLUMNS))
    assignments: pd.DataFrame = field(default_factory=lambda: _frame(ASSIGNMENT_COLUMNS))

    def until(self, day: dt.date) -> History:
        """The history as it stood on `day`: only the runs judged on or before it."""
        keep = {
            int(r) for r, d in zip(*_columns(self.runs, "run_id", "as_of"), strict=True) if d <= day
        }
        return History(
            self.runs[self.runs["run_id"].isin(keep)],
            self.files[self.files["run_id"].isin(keep)],
            self.issues,
            self.occurrences[self.occurrences["run_id"].isin(keep)],
            self.assignments,
        )

    def ordered_runs(self) -> list[tuple[int, dt.date]]:
        """(run_id, as_of) in history order: by day, then by recording order."""
        pairs = zip(*_columns(self.runs, "run_id", "as_of"), strict=True)
        return sorted(((int(r), d) for r, d in pairs), key=lambda p: (p[1], p[0]))

    def latest_runs(self) -> dict[str, tuple[int, dt.date]]:
        """Each scope's latest run: scope → (run_id, as_of)."""
        day_of = dict(self.ordered_runs())
        order = {run: i for i, (run, _) in enumerate(self.ordered_runs())}
        latest: dict[str, int] = {}
        for run, scope in zip(*_columns(self.files, "run_id", "scope"), strict=True):
            run = int(run)
            if scope not in latest or order[run] > order[latest[scope]]:
                latest[scope] = run
        return {scope: (run, day_of[run]) for scope, run in latest.items()}


def _covers(run: dict, code: str) -> bool:
    only = run["only_codes"]
    return code not in run["skip_codes"] and (not only or code in only)


EPISODE_COLUMNS = (
    "finding_id",
    "opened_run",
    "opened_on",
    "closed_run",
    "closed_on",
    "last_seen_run",
    "last_seen_on",
    "earlier_episodes",
)


def episodes(history: History) -> pd.DataFrame:
    """Each identity's open periods: when it was first shown (opened), the run that no longer
    showed it (closed; None while open), when it was last shown, and how many episodes of the
    same identity came before (a problem that came back)."""
    ordered = history.ordered_runs()
    runs = {
        int(r["run_id"]): {
            "as_of": r["as_of"],
            "skip_codes": set(r["skip_codes"]),
            "only_codes": set(r["only_codes"]),
        }
        for r in _records(history.runs)
    }
    # scope -> run -> (checked, seen) over the run's files in that scope
    checked: dict[str, dict[int, bool]] = defaultdict(dict)
    for run, scope, ok in zip(*_columns(history.files, "run_id", "scope", "checked"), strict=True):
        run = int(run)
        checked[scope][run] = checked[scope].get(run, False) or bool(ok)
    shown: dict[str, set[int]] = defaultdict(set)
    for run, fid in zip(*_columns(history.occurrences, "run_id", "finding_id"), strict=True):
        shown[fid].add(int(run))
    scope_runs = {
        scope: [(run, day) for run, day in ordered if run in by_run]
        for scope, by_run in checked.items()
    }
    out = []
    for fid, scope, code in zip(
        *_columns(history.issues, "finding_id", "scope", "code"), strict=True
    ):
        if fid not in shown:
            continue
        fatal = code in FATAL_CODES
        opened: tuple[int, dt.date] | None = None
        last: tuple[int, dt.date] | None = None
        earlier = 0
        for run, day in scope_runs.get(scope, []):
            if run in shown[fid]:
                last = (run, day)
                if opened is None:
                    opened = (run, day)
                continue
            if opened is None or not _covers(runs[run], code):
                continue
            if fatal or checked[scope][run]:
                out.append((fid, *opened, run, day, *last, earlier))
                opened, earlier = None, earlier + 1
        if opened is not None:
            out.append((fid, *opened, None, None, *last, earlier))
    return pd.DataFrame(out, columns=list(EPISODE_COLUMNS)) if out else _frame(EPISODE_COLUMNS)


# ---------------------------------------------------------------- follow-up


FOLLOW_UP_COLUMNS = (
    "finding_id",
    "status",
    "scope",
    "sheet",
    "customer_id",
    "code",
    "column",
    "locator",
    "severity",
    "kind",
    "first_seen",
    "last_seen",
    "fixed_on",
    "days_open",
    "deadline",
    "overdue_days",
    "owner",
    "progress",
    "note",
    "reopened",
    "file",
    "cell",
    "value",
    "message",
    "count",
)


def follow_up(
    history: History,
    as_of: dt.date,
    *,
    default_days: int | None = None,
    include_fixed: str = "latest",
) -> pd.DataFrame:
    """Every identity's status as of `as_of` (see the module docstring), against each branch's
    latest run on or before `as_of`.

    `default_days`: an identity without an assigned deadline is due that many days after it
    was first shown (None: only assigned deadlines make anything overdue). `include_fixed`:
    "latest" lists what each branch's latest run found fixed, "all" everything ever fixed,
    "none" only open identities. Rows: open ones first (逾期未整改, 仍未整改, 新发现), most
    overdue / longest open first, then the fixed ones. Columns `FOLLOW_UP_COLUMNS`; `days_open`
    runs to `as_of` for open identities and to the day fixed for fixed ones."""
    past = history.until(as_of)
    eps = episodes(past)
    if eps.empty:
        return _frame(FOLLOW_UP_COLUMNS)
    latest = past.latest_runs()
    # the latest episode of each identity is the one that matters
    eps = eps.sort_values(["finding_id", "earlier_episodes"]).drop_duplicates(
        "finding_id", keep="last"
    )
    issues = {r["finding_id"]: r for r in _records(past.issues)}
    assigned = {r["finding_id"]: r for r in _records(past.assignments)}
    details = _latest_details(past.occurrences)
    rows = []
    for ep in _records(eps):
        fid = ep["finding_id"]
        issue = issues[fid]
        latest_run = latest.get(issue["scope"], (None, None))[0]
        opened_on, closed_on = ep["opened_on"], _day(ep["closed_on"])
        if closed_on is None:
            status = STATUS_NEW if ep["opened_run"] == latest_run else STATUS_OPEN
        elif include_fixed == "all" or (
            include_fixed == "latest" and ep["closed_run"] == latest_run
        ):
            status = STATUS_FIXED
        else:
            continue
        assignment = assigned.get(fid, {})
        deadline = _day(assignment.get("deadline"))
        if deadline is None and default_days is not None:
            deadline = opened_on + dt.timedelta(days=default_days)
        overdue = 0
        if status == STATUS_OPEN and deadline is not None and deadline < as_of:
            status, overdue = STATUS_OVERDUE, (as_of - deadline).days
        detail = details.get(fid, {})
        rows.append(
            {
                "finding_id": fid,
                "status": status,
                "scope": issue["scope"],
                "sheet": issue["sheet"],
                "customer_id": issue["customer_id"],
                "code": issue["code"],
                "column": issue["column"],
                "locator": issue["locator"],
                "severity": detail.get("severity", ""),
                "kind": kind_of(issue["code"]),
                "first_seen": opened_on,
                "last_seen": ep["last_seen_on"],
                "fixed_on": closed_on,
                "days_open": ((closed_on or as_of) - opened_on).days,
                "deadline": deadline,
                "overdue_days": overdue,
                "owner": _text(assignment.get("owner")),
                "progress": _text(assignment.get("progress")),
                "note": _text(assignment.get("note")),
                "reopened": int(ep["earlier_episodes"]),
                "file": detail.get("file", ""),
                "cell": detail.get("cell", ""),
                "value": detail.get("value", ""),
                "message": detail.get("message", ""),
                "count": int(detail.get("count", 1) or 1),
            }
        )
    if not rows:
        return _frame(FOLLOW_UP_COLUMNS)
    table = pd.DataFrame(rows, columns=list(FOLLOW_UP_COLUMNS))
    rank = {STATUS_OVERDUE: 0, STATUS_OPEN: 1, STATUS_NEW: 2, STATUS_FIXED: 3}
    table["_rank"] = table["status"].map(rank)
    table = table.sort_values(
        ["_rank", "overdue_days", "days_open", "scope", "customer_id", "code", "column"],
        ascending=[True, False, False, True, True, True, True],
        kind="stable",
    )
    return table.drop(columns="_rank").reset_index(drop=True)


def _latest_details(occurrences: pd.DataFrame) -> dict[str, dict]:
    """finding_id → the details of its occurrence in the latest run that showed it."""
    if occurrences.empty:
        return {}
    latest = occurrences.sort_values("run_id").drop_duplicates("finding_id", keep="last")
    return {r["finding_id"]: r for r in _records(latest)}


def _day(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value[:10])
    return None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Counts of a `follow_up` table: one row per scope (sorted) and a 合计 row; a column per
    status (`STATUSES`, zeros included) and 未整改合计 (the open ones)."""
    scopes = sorted(set(table["scope"])) if len(table) else []
    rows = []
    for scope in [*scopes, TOTAL]:
        part = table if scope == TOTAL else table[table["scope"] == scope]
        counts = {s: int((part["status"] == s).sum()) for s in STATUSES}
        counts[OPEN_TOTAL] = sum(counts[s] for s in OPEN_STATUSES)
        rows.append({"scope": scope, **counts})
    return pd.DataFrame(rows, columns=["scope", *STATUSES, OPEN_TOTAL])


TOTAL = "合计"
OPEN_TOTAL = "未整改合计"


# ---------------------------------------------------------------- period figures

PERIOD_FIGURES = (
    "opening",  # 期初未整改
    "new",  # 本期新发现
    "fixed",  # 本期已整改
    "closing",  # 期末未整改
    "overdue",  # 期末逾期未整改
    "due",  # 应整改 = opening + new
    "rate",  # 整改率 = fixed / due (NaN when nothing was due)
)
PERIOD_LABELS = {
    "opening": "期初未整改",
    "new": "本期新发现",
    "fixed": "本期已整改",
    "closing": "期末未整改",
    "overdue": "逾期未整改",
    "due": "应整改",
    "rate": "整改率",
}


@dataclass
class PeriodFigures:
    """A period's follow-up figures. `by_scope`: one row per branch (and 合计) with
    `PERIOD_FIGURES`; `due`: the identities due for rectification in the period (open at its
    start or found in it) with their kind and whether they were fixed by its end, open at its
    end, overdue at its end; `runs`: the runs judged inside the period."""

    period: Period
    end: dt.date
    by_scope: pd.DataFrame
    due: pd.DataFrame
    runs: int


def period_figures(
    history: History,
    period: Period,
    as_of: dt.date,
    *,
    default_days: int | None = None,
    scopes: Iterable[str] = (),
    known_episodes: pd.DataFrame | None = None,
) -> PeriodFigures:
    """The follow-up figures of `period`, judged at its end or at `as_of` if that comes first.

    期初未整改: open the day before the period starts; 本期新发现: first shown (or shown
    again) in the period; 本期已整改: closed in the period; 期末未整改: open at the end;
    逾期未整改: open at the end and past the deadline; 应整改 = 期初 + 新发现; 整改率 =
    已整改 ÷ 应整改. 期初 + 新发现 − 已整改 = 期末 for every branch. `scopes` adds branches
    to show even with nothing to count. `known_episodes`: `episodes` of the history up to any
    day on or after the period's end (a trend computes them once; an episode closed after the
    end counts as open at the end either way)."""
    end = min(period.end, as_of)
    past = history.until(end)
    eps = episodes(past) if known_episodes is None else known_episodes
    first, last = np.datetime64(period.start, "D"), np.datetime64(end, "D")
    opened = _days(eps["opened_on"].tolist())
    closed = _days(eps["closed_on"].tolist())
    shut = ~np.isnat(closed)
    opening = (opened < first) & (~shut | (closed >= first))
    new = (opened >= first) & (opened <= last)
    keep = opening | new
    ids = eps["finding_id"].to_numpy(dtype=object)
    deadline = _days(_deadlines(past, eps, default_days))
    closing = ~shut | (closed > last)
    scope_of = dict(zip(*_columns(past.issues, "finding_id", "scope"), strict=True))
    code_of = dict(zip(*_columns(past.issues, "finding_id", "code"), strict=True))
    codes = [code_of[f] for f in ids[keep]]
    due = pd.DataFrame(
        {
            "finding_id": ids[keep],
            "scope": [scope_of[f] for f in ids[keep]],
            "code": codes,
            "kind": [kind_of(c) for c in codes],
            "opened_on": opened[keep],
            "closed_on": closed[keep],
            "opening": opening[keep],
            "new": new[keep],
            "fixed": (shut & (closed >= first) & (closed <= last))[keep],
            "closing": closing[keep],
            "overdue": (closing & ~np.isnat(deadline) & (deadline < last))[keep],
            "deadline": deadline[keep],
        }
    )
    names = sorted(set(due["scope"]) | set(scopes) | _scopes_in(past, period.start, end))
    counted = due.groupby("scope")[list(_COUNTED)].sum() if len(due) else None
    rows = [
        _figures(
            scope, counted.loc[scope] if counted is not None and scope in counted.index else None
        )
        for scope in names
    ]
    rows.append(_figures(TOTAL, due[list(_COUNTED)].sum() if len(due) else None))
    run_days = [d for _, d in past.ordered_runs() if period.start <= d <= end]
    return PeriodFigures(
        period, end, pd.DataFrame(rows, columns=["scope", *PERIOD_FIGURES]), due, len(run_days)
    )


_COUNTED = ("opening", "new", "fixed", "closing", "overdue")


def _days(values: list) -> np.ndarray:
    """Dates (or None) as datetime64[D] with NaT."""
    return np.array([_day(v) for v in values], dtype="datetime64[D]")


def _scopes_in(history: History, start: dt.date, end: dt.date) -> set[str]:
    """Branches checked by some run judged inside [start, end]."""
    inside = {r for r, d in history.ordered_runs() if start <= d <= end}
    return {
        s
        for r, s in zip(*_columns(history.files, "run_id", "scope"), strict=True)
        if int(r) in inside
    }


def _figures(scope: str, sums: pd.Series | None) -> dict:
    counts = {key: int(sums[key]) if sums is not None else 0 for key in _COUNTED}
    counts["due"] = counts["opening"] + counts["new"]
    counts["rate"] = counts["fixed"] / counts["due"] if counts["due"] else math.nan
    return {"scope": scope, **counts}


def _deadlines(history: History, eps: pd.DataFrame, default_days: int | None) -> list:
    """Each episode's deadline: the assigned one, else first seen + default_days, else None."""
    assigned = {
        fid: _day(day)
        for fid, day in zip(*_columns(history.assignments, "finding_id", "deadline"), strict=True)
    }
    out = []
    for fid, opened in zip(*_columns(eps, "finding_id", "opened_on"), strict=True):
        deadline = assigned.get(fid)
        if deadline is None and default_days is not None:
            deadline = opened + dt.timedelta(days=default_days)
        out.append(deadline)
    return out


def trend(
    history: History,
    period: Period,
    as_of: dt.date,
    count: int,
    *,
    default_days: int | None = None,
) -> pd.DataFrame:
    """`period_figures` for `count` periods ending with `period` (oldest first; periods that
    start after `as_of` or end before the first recorded run are left out: nothing is known
    of them): one row per (period, branch), 合计 included, with the period's label and
    title."""
    days = [d for _, d in history.ordered_runs()]
    known = episodes(history.until(as_of))
    frames = []
    for p in trend_periods(period, count):
        if p.start > as_of or not days or p.end < days[0]:
            continue
        figures = period_figures(history, p, as_of, default_days=default_days, known_episodes=known)
        frame = figures.by_scope.copy()
        frame.insert(0, "period", p.label)
        frame.insert(1, "title", p.title)
        frames.append(frame)
    if not frames:
        return _frame(["period", "title", "scope", *PERIOD_FIGURES])
    return pd.concat(frames, ignore_index=True)


def kind_table(due: pd.DataFrame, scopes: Iterable[str] = ()) -> pd.DataFrame:
    """Identities due in a period by branch (rows, 合计 last) × problem kind (columns, in
    `kind_order`, only kinds that occur; 合计 last)."""
    kinds = [k for k in kind_order() if k in set(due["kind"])] if len(due) else []
    names = sorted(set(due["scope"]) | set(scopes)) if len(due) else sorted(set(scopes))
    rows = []
    for scope in [*names, TOTAL]:
        part = due if scope == TOTAL else due[due["scope"] == scope]
        counts = {k: int((part["kind"] == k).sum()) for k in kinds}
        rows.append({"scope": scope, **counts, TOTAL: len(part)})
    return pd.DataFrame(rows, columns=["scope", *kinds, TOTAL])


# ---------------------------------------------------------------- 整改台账 (rectification list)

RECTIFICATION_SHEET = "整改台账"


@dataclass(frozen=True)
class CellNote:
    """A cell of a returned workbook that could not be used as typed."""

    source: str
    cell: str
    message: str


@dataclass(frozen=True)
class ListColumn:
    """A column of the 整改台账 sheet; `branch_fills`: the branch fills it in and sends the
    workbook back (unlocked, drop-down or date validation); the others are locked."""

    key: str
    header: str
    kind: str  # "text" | "date" | "whole"
    width: float
    branch_fills: bool = False


RECTIFICATION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("finding_id", "问题编号", "text", 14),
    ListColumn("status", "稽核状态", "text", 11),
    ListColumn("scope", "分公司", "text", 12),
    ListColumn("customer_id", "客户编号", "text", 11),
    ListColumn("kind", "问题类别", "text", 11),
    ListColumn("severity", "级别", "text", 6),
    ListColumn("column", "列", "text", 14),
    ListColumn("message", "问题说明", "text", 46),
    ListColumn("where", "位置（最近一次）", "text", 24),
    ListColumn("code", "问题代码", "text", 20),
    ListColumn("first_seen", "首次发现", "date", 11),
    ListColumn("last_seen", "最近发现", "date", 11),
    ListColumn("days_open", "已持续天数", "whole", 9),
    ListColumn("owner", "整改责任人", "text", 11, True),
    ListColumn("deadline", "整改期限", "date", 11, True),
    ListColumn("progress", "整改进度", "text", 13, True),
    ListColumn("note", "整改说明", "text", 30, True),
)


def rectification_headers() -> dict[str, tuple[str, ...]]:
    """Column key → header of the 整改台账 sheet, for `core.book.read_table`."""
    return {c.key: (c.header,) for c in RECTIFICATION_COLUMNS}


def returned_rows(
    frame: pd.DataFrame, cell: Callable[[int, str], str], source: str
) -> tuple[list[dict], list[CellNote]]:
    """What a branch filled into a returned 整改台账: per row with a 问题编号, the owner,
    deadline, progress and note it holds (None where blank: blank leaves the current value),
    and notes on cells that cannot be used. `cell(i, key)` names row i's cell of a column for
    the notes. `frame` is the sheet's table keyed by column key (`core.book.read_table`)."""

    def cell_text(value: object) -> str | None:
        if values.is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip() or None

    out: list[dict] = []
    notes: list[CellNote] = []
    for i, row in enumerate(_records(frame)):
        finding_id = (cell_text(row.get("finding_id")) or "").lower()
        if not finding_id:
            continue
        deadline_raw = row.get("deadline")
        deadline = None
        if not values.is_blank(deadline_raw):
            deadline = (
                parse_date_text(deadline_raw)
                if isinstance(deadline_raw, str)
                else values.excel_date(deadline_raw)
            )
            if deadline is None:
                notes.append(
                    CellNote(
                        source, cell(i, "deadline"), f"整改期限“{deadline_raw}”不是日期，未采用"
                    )
                )
        progress = cell_text(row.get("progress"))
        if progress is not None and progress not in PROGRESS:
            notes.append(
                CellNote(
                    source,
                    cell(i, "progress"),
                    f"整改进度应为 {' / '.join(PROGRESS)}，现为“{progress}”，未采用",
                )
            )
            progress = None
        out.append(
            {
                "finding_id": finding_id,
                "cell": cell(i, "finding_id"),
                "owner": cell_text(row.get("owner")),
                "deadline": deadline,
                "progress": progress,
                "note": cell_text(row.get("note")),
            }
        )
    return out, notes
