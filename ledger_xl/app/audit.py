"""What the audit commands do over files and the history store: record a validation run,
report the follow-up (`audit status`), take owners and deadlines back (`audit assign`), draw
the sample (`audit sample`) and gather the audit report's data (`audit report`).

The pure parts are `core.audit` (identity, follow-up, periods), `core.sampling` and
`core.papers`; the database is `app.audit_store`; the workbooks are written by
`io.xlsx.rectification`, `io.xlsx.working_papers` and `io.xlsx.audit_report`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledger_xl.app.audit_store import (
    DEFAULT_DB,
    Assignment,
    AuditStore,
    AuditStoreError,
    FileRecord,
    RunRecord,
)
from ledger_xl.app.portfolio import load as load_portfolio
from ledger_xl.core import audit, layout, papers, sampling
from ledger_xl.core.a1 import column_letters
from ledger_xl.core.audit import CellNote, History, Period
from ledger_xl.core.book import read_table
from ledger_xl.core.errors import LedgerXLError, RulesError, WorkbookReadError
from ledger_xl.core.findings import BatchResult, FileResult
from ledger_xl.core.portfolio import Portfolio
from ledger_xl.core.rulesheets import read_rules
from ledger_xl.io.read import custom_properties, open_workbook

__all__ = ["DEFAULT_DB", "AuditStoreError"]


def tool_version() -> str:
    """ledger_xl's version and the template version, as recorded with every run."""
    try:
        version = importlib.metadata.version("ledger_xl")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"ledger_xl {version}（模板 {layout.TEMPLATE_VERSION}）"


# ---------------------------------------------------------------- files


@dataclass(frozen=True)
class FileFacts:
    """A file as it was when validated: size, SHA-256 and modification time (UTC)."""

    size: int | None
    sha256: str | None
    modified: str | None


def file_facts(path: Path) -> FileFacts:
    """Size, SHA-256 and modification time of `path` (None for a file that cannot be read)."""
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        stat = path.stat()
    except OSError:
        return FileFacts(None, None, None)
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(microsecond=0)
    return FileFacts(stat.st_size, digest.hexdigest(), modified.isoformat())


def rules_fingerprint(path: Path) -> str:
    """The fingerprint of the rules a workbook's rule sheets hold as read now ("" when they
    cannot be read): what its checks followed, even when the branch edited them."""
    try:
        return read_rules(open_workbook(path).grid).fingerprint()
    except (WorkbookReadError, RulesError, OSError):
        return ""


# ---------------------------------------------------------------- recording


@dataclass
class RecordedRun:
    """What `validate --record` stored: the run's id and the follow-up of its branches."""

    db: Path
    run_id: int
    as_of: dt.date
    counts: pd.DataFrame  # `core.audit.status_counts` over the run's branches


class Recorder:
    """Records one validation run. Made before validating: it opens (creating or migrating)
    the database — so a database that cannot be used stops the command before any output —
    and takes the files' checksums; `record(result)` then stores the run in one transaction."""

    def __init__(self, db: str | Path, files: Sequence[Path]) -> None:
        self.db = Path(db)
        self.store = AuditStore.open(self.db, create=True)
        self.facts = {str(path): file_facts(Path(path)) for path in files}

    def record(
        self,
        result: BatchResult,
        as_of: dt.date,
        *,
        lang: str = "zh",
        skip: Iterable[str] = (),
        only: Iterable[str] = (),
        standard: str = "",
        recorded_at: str = "",
    ) -> RecordedRun:
        """Store the validated batch as one run (one transaction) and return the follow-up of
        the branches it covered; the database is closed afterwards."""
        try:
            run = RunRecord(
                as_of=as_of,
                files=self._file_records(result.files),
                tool_version=tool_version(),
                lang=lang,
                skip=tuple(sorted(set(skip))),
                only=tuple(sorted(set(only))),
                standard=standard,
                recorded_at=recorded_at,
            )
            run_id = self.store.record_run(run)
            table = audit.follow_up(self.store.history(), as_of)
        finally:
            self.store.close()
        scopes = {f.scope for f in run.files}
        counts = audit.status_counts(table[table["scope"].isin(scopes)])
        return RecordedRun(self.db, run_id, as_of, counts)

    def _file_records(self, files: list[FileResult]) -> list[FileRecord]:
        known = self.store.known_branches() | {f.branch for f in files if f.branch}
        records = []
        for file in files:
            path = Path(file.path)
            name = path.name
            scope = file.branch.strip() or self.store.scope_of_file(name) or ""
            scope = audit.resolve_scope(name, scope, known)
            checked = audit.file_checked(file.findings)
            facts = self.facts.get(file.path) or file_facts(path)
            properties = custom_properties(path) if checked else {}
            records.append(
                FileRecord(
                    path=file.path,
                    name=name,
                    scope=scope,
                    branch=file.branch,
                    checked=checked,
                    rows=file.rows,
                    errors=file.errors,
                    warnings=file.warnings,
                    size=facts.size,
                    sha256=facts.sha256,
                    modified=facts.modified,
                    template_version=properties.get(layout.PROP_TEMPLATE_VERSION, ""),
                    rules_fingerprint=rules_fingerprint(path) if checked else "",
                    declared_fingerprint=properties.get(layout.PROP_RULES_FINGERPRINT, ""),
                    findings=[(audit.identity(item, scope), item) for item in file.findings],
                )
            )
        return records


# ---------------------------------------------------------------- status


@dataclass
class StatusReport:
    """`audit status`: the follow-up table, its counts, and each branch's latest run."""

    db: Path
    as_of: dt.date
    table: pd.DataFrame  # `core.audit.follow_up`
    counts: pd.DataFrame  # `core.audit.status_counts`
    latest: dict[str, tuple[int, dt.date]]
    runs: pd.DataFrame

    @property
    def open(self) -> pd.DataFrame:
        """The rows still to be put right (新发现, 仍未整改, 逾期未整改)."""
        return self.table[self.table["status"].isin(audit.OPEN_STATUSES)]


def read_history(db: str | Path) -> tuple[History, pd.DataFrame]:
    """The recorded history and the list of runs of an existing database."""
    with AuditStore.open(db) as store:
        return store.history(), store.runs()


def status(
    db: str | Path,
    as_of: dt.date,
    *,
    branch: str | None = None,
    default_days: int | None = None,
    include_fixed: str = "latest",
) -> StatusReport:
    """The follow-up of every finding as of `as_of` (optionally of one branch)."""
    history, runs = read_history(db)
    if runs.empty:
        raise AuditStoreError(f"稽核档案 {db} 中还没有校验记录；先用 ledger-xl validate … --record")
    table = audit.follow_up(history, as_of, default_days=default_days, include_fixed=include_fixed)
    latest = history.until(as_of).latest_runs()
    if branch:
        name = branch.strip()
        if name not in latest:
            known = "、".join(sorted(latest)) or "（无）"
            raise LedgerXLError(f"稽核档案中没有分公司“{name}”的校验记录；已有：{known}")
        table = table[table["scope"] == name].reset_index(drop=True)
        latest = {name: latest[name]}
    return StatusReport(Path(db), as_of, table, audit.status_counts(table), latest, runs)


def status_json(report: StatusReport) -> dict:
    """`audit status --format json`: as_of, db, each branch's latest run, the counts, and one
    record per finding (English keys, dates as ISO text)."""

    def plain(value: object) -> object:
        if isinstance(value, dt.date):
            return value.isoformat()
        if value is None or (isinstance(value, float) and value != value):
            return None
        if hasattr(value, "item"):  # numpy scalars
            return value.item()
        return value

    return {
        "as_of": report.as_of.isoformat(),
        "db": str(report.db),
        "latest_runs": {
            scope: {"run_id": run, "as_of": day.isoformat()}
            for scope, (run, day) in sorted(report.latest.items())
        },
        "counts": {
            r["scope"]: {k: int(v) for k, v in r.items() if k != "scope"}
            for r in report.counts.to_dict("records")
        },
        "findings": [
            {key: plain(value) for key, value in row.items()}
            for row in report.table.to_dict("records")
        ],
    }


# ---------------------------------------------------------------- assign


@dataclass
class AssignOutcome:
    """What `audit assign` did: rows read, assignments appended, rows left as they were, and
    notes on what could not be used."""

    rows: int
    appended: int
    unchanged: int
    notes: list[CellNote] = field(default_factory=list)


def assign_from_list(db: str | Path, path: str | Path, *, at: str | None = None) -> AssignOutcome:
    """Take the owners, deadlines, progress and notes a branch filled into a 整改台账 workbook
    (read through the one opener, never modified). Blank cells leave the current value; a
    问题编号 unknown to the database, a deadline that is not a date or a progress outside the
    list is named with its cell and skipped; the rest is appended in one transaction."""
    path = Path(path)
    opened = open_workbook(path, ledger=False)
    grid = opened.grid(audit.RECTIFICATION_SHEET)
    if grid is None:
        raise LedgerXLError(
            f"{path.name} 中没有“{audit.RECTIFICATION_SHEET}”工作表；"
            "请交回由 ledger-xl audit status -o 生成的整改台账"
        )
    table = read_table(grid, audit.rectification_headers())
    if table is None or "finding_id" not in table.columns:
        raise LedgerXLError(
            f"{path.name} 的“{audit.RECTIFICATION_SHEET}”工作表找不到表头（需要“问题编号”列）"
        )

    def cell(i: int, key: str) -> str:
        column = table.columns.get(key, table.columns["finding_id"])
        return f"{audit.RECTIFICATION_SHEET}!{column_letters(column)}{table.rows[i]}"

    rows, notes = audit.returned_rows(table.frame, cell, path.name)
    with AuditStore.open(db) as store:
        history = store.history()
        known = set(history.issues["finding_id"])
        current = history.assignments.set_index("finding_id")
        changes = []
        unchanged = 0
        for row in rows:
            if row["finding_id"] not in known:
                notes.append(
                    CellNote(
                        path.name,
                        row["cell"],
                        f"问题编号“{row['finding_id']}”不在稽核档案 {Path(db).name} 中，未采用",
                    )
                )
                continue
            change = _change(row, current)
            if change is None:
                unchanged += 1
            else:
                changes.append(change)
        appended = store.assign(changes, source=path.name, at=at)
    return AssignOutcome(len(rows), appended, unchanged + len(changes) - appended, notes)


def _change(row: dict, current: pd.DataFrame) -> Assignment | None:
    fid = row["finding_id"]
    now = current.loc[fid].to_dict() if fid in current.index else {}
    updates = {}
    for key in ("owner", "progress", "note"):
        if row[key] is not None and row[key] != (now.get(key) or ""):
            updates[key] = row[key]
    if row["deadline"] is not None and row["deadline"] != now.get("deadline"):
        updates["deadline"] = row["deadline"]
    return Assignment(fid, **updates) if updates else None


def assign_selected(
    db: str | Path,
    as_of: dt.date,
    *,
    ids: Sequence[str] = (),
    branch: str | None = None,
    code: str | None = None,
    owner: str | None = None,
    deadline: dt.date | None = None,
    progress: str | None = None,
    note: str | None = None,
    at: str | None = None,
) -> AssignOutcome:
    """Assign the findings named by `ids` (问题编号, or a unique beginning of one, at least 6
    characters), or every open finding of `branch` (optionally of one `code`), in one
    transaction."""
    if not ids and not branch:
        raise LedgerXLError("请用 --id 指定问题编号，或用 --branch 指定分公司（其全部未整改问题）")
    if owner is None and deadline is None and progress is None and note is None:
        raise LedgerXLError("请至少给出 --owner、--deadline、--progress、--note 之一")
    if progress is not None and progress not in audit.PROGRESS:
        raise LedgerXLError(f"--progress 只能是 {' / '.join(audit.PROGRESS)}")
    with AuditStore.open(db) as store:
        history = store.history()
        chosen = [_resolve_id(i, set(history.issues["finding_id"])) for i in ids]
        if branch:
            table = audit.follow_up(history, as_of, include_fixed="none")
            part = table[table["scope"] == branch.strip()]
            if code:
                part = part[part["code"] == code]
            if part.empty:
                what = f"“{branch}”" + (f"代码 {code} 的" if code else "")
                raise LedgerXLError(f"{what}没有未整改的问题")
            chosen += [fid for fid in part["finding_id"] if fid not in chosen]
        changes = [
            Assignment(fid, owner=owner, deadline=deadline, progress=progress, note=note)
            for fid in chosen
        ]
        appended = store.assign(changes, source="ledger-xl audit assign", at=at)
    return AssignOutcome(len(changes), appended, len(changes) - appended)


def _resolve_id(text: str, known: set[str]) -> str:
    wanted = text.strip().lower()
    if wanted in known:
        return wanted
    matches = sorted(k for k in known if k.startswith(wanted)) if len(wanted) >= 6 else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise LedgerXLError(f"问题编号“{text}”不唯一（{'、'.join(matches[:5])}…），请写完整")
    raise LedgerXLError(f"稽核档案中没有问题编号“{text}”（用 ledger-xl audit status 查看）")


# ---------------------------------------------------------------- sample


@dataclass
class SampleOutcome:
    """A drawn sample and what its working paper shows beside it."""

    sample: sampling.Sample
    portfolio: Portfolio
    open_items: dict[str, list[str]]  # normalised 客户编号 → open findings, as text
    files: list[tuple[str, FileFacts]]
    db: Path | None
    weights_source: str


def read_weights(path: str | Path) -> sampling.SampleWeights:
    """Sampling weights from a workbook: the first sheet holding a table headed 因素 | 权重
    (the 抽样方法 sheet of an earlier working paper, or an HQ rule sheet 抽样权重)."""
    path = Path(path)
    opened = open_workbook(path, ledger=False)
    for name in opened.sheet_names:
        grid = opened.grid(name)
        if grid is None:
            continue
        table = read_table(grid, {"factor": ("因素",), "weight": ("权重",)})
        if table is None or not {"factor", "weight"} <= set(table.columns):
            continue
        pairs = []
        for factor, weight in zip(table.frame["factor"], table.frame["weight"], strict=True):
            if factor in (None, ""):
                break  # the table ends at its first blank line
            pairs.append((factor, weight))
        try:
            return sampling.weights_from_pairs(pairs)
        except ValueError as exc:
            raise LedgerXLError(f"{path.name} 工作表“{name}”：{exc}") from None
    raise LedgerXLError(f"{path.name} 中找不到“因素 | 权重”表（可用稽核底稿的“抽样方法”工作表）")


def draw(
    paths: Sequence[Path],
    as_of: dt.date,
    size: sampling.SampleSize,
    seed: int,
    *,
    include_inactive: bool = False,
    weights: sampling.SampleWeights | None = None,
    weights_source: str = "默认",
    db: str | Path | None = None,
) -> SampleOutcome:
    """Read the workbooks (read-only), weight each customer (with the open findings of the
    history in `db`, when it exists) and draw the sample."""
    weights = weights or sampling.SampleWeights()
    portfolio = load_portfolio(paths, as_of)
    open_items: dict[str, list[str]] = {}
    used_db = None
    if db is not None and Path(db).exists():
        history, _ = read_history(db)
        table = audit.follow_up(history, as_of, include_fixed="none")
        for row in table.to_dict("records"):
            if row["customer_id"]:
                text = f"{row['status']} {row['column'] or row['code']}：{row['message']}"
                open_items.setdefault(row["customer_id"], []).append(text)
        used_db = Path(db)
    counts = {cid: len(items) for cid, items in open_items.items()}
    table = sampling.risk_table(portfolio, counts, weights)
    sample = sampling.draw_sample(
        table, size, seed, as_of=as_of, include_inactive=include_inactive, weights=weights
    )
    files = [(str(p), file_facts(Path(p))) for p in portfolio.files]
    return SampleOutcome(sample, portfolio, open_items, files, used_db, weights_source)


# ---------------------------------------------------------------- report


@dataclass
class PaperFile:
    """A completed working paper read for the report."""

    path: Path
    as_of: dt.date | None
    rows: int


@dataclass
class ReportData:
    """Everything the audit report shows (see `io.xlsx.audit_report`)."""

    period: Period
    end: dt.date  # the period's end, or the as-of day when that comes first
    db: Path | None
    figures: audit.PeriodFigures | None
    trend: pd.DataFrame
    kinds: pd.DataFrame
    open_items: pd.DataFrame  # `core.audit.follow_up` rows open at `end`
    paper_rows: pd.DataFrame  # every paper row dated in the period
    paper_figures: pd.DataFrame
    paper_trend: pd.DataFrame  # period, title, scope, `papers.PAPER_FIGURES`
    paper_open: pd.DataFrame
    papers: list[PaperFile]
    notes: list[CellNote]
    runs: pd.DataFrame  # the runs judged inside the period

    @property
    def branches(self) -> list[str]:
        """Every branch the report shows (from the history and the papers), sorted."""
        names = set()
        if self.figures is not None:
            names |= set(self.figures.by_scope["scope"])
        names |= set(self.paper_figures["scope"])
        names.discard(audit.TOTAL)
        return sorted(names)


def read_papers(
    paths: Sequence[str | Path],
) -> tuple[pd.DataFrame, list[PaperFile], list[CellNote]]:
    """The rows of completed working papers (read through the one opener, never modified)."""
    frames, files, notes = [], [], []
    for path in map(Path, paths):
        opened = open_workbook(path, ledger=False)
        grid = opened.grid(papers.PAPER_SHEET)
        if grid is None:
            raise LedgerXLError(
                f"{path.name} 中没有“{papers.PAPER_SHEET}”工作表；请给出 ledger-xl audit sample "
                "生成并填写完成的稽核底稿"
            )
        table = read_table(grid, papers.paper_headers())
        missing = [
            papers.header_of(k)
            for k in papers.REQUIRED_KEYS
            if table is None or k not in table.columns
        ]
        if missing:
            raise LedgerXLError(
                f"{path.name} 的“{papers.PAPER_SHEET}”工作表缺少列：{'、'.join(missing)}"
            )
        as_of = papers.method_date(opened.grid(papers.METHOD_SHEET))
        rows, found = papers.paper_rows(table, as_of, path.name)
        frames.append(rows)
        notes.extend(found)
        files.append(PaperFile(path, as_of, len(rows)))
        undated = int(sum(d is None for d in rows["date"]))
        if undated:
            notes.append(
                CellNote(
                    path.name,
                    papers.METHOD_SHEET,
                    f"{undated} 行既无稽核日期、底稿也无基准日，无法归入期间，未计入",
                )
            )
    return papers.concat_rows(frames), files, notes


def report_data(
    period: Period,
    as_of: dt.date,
    *,
    db: str | Path | None,
    paper_paths: Sequence[str | Path] = (),
    trend_count: int = 4,
    default_days: int | None = None,
) -> ReportData:
    """Gather the report of `period`: the history's follow-up figures (when `db` exists), the
    completed papers' figures, the trend over `trend_count` periods and the open items."""
    end = min(period.end, as_of)
    history: History | None = None
    runs = pd.DataFrame()
    if db is not None and Path(db).exists():
        history, runs = read_history(db)
        runs = runs[[period.start <= dt.date.fromisoformat(d) <= end for d in runs["as_of"]]]
    elif not paper_paths:
        where_ = f"稽核档案 {db} 不存在" if db is not None else "没有稽核档案"
        raise LedgerXLError(f"{where_}，也没有给出稽核底稿（--papers），无从生成稽核报告")
    rows, files, notes = read_papers(paper_paths)
    in_period = papers.in_period(rows, period, end)
    figures = kinds = None
    trend = pd.DataFrame()
    open_items = pd.DataFrame(columns=list(audit.FOLLOW_UP_COLUMNS))
    if history is not None:
        figures = audit.period_figures(
            history, period, as_of, default_days=default_days, scopes=set(in_period["branch"])
        )
        trend = audit.trend(history, period, as_of, trend_count, default_days=default_days)
        kinds = audit.kind_table(figures.due, figures.by_scope["scope"][:-1])
        table = audit.follow_up(history, end, default_days=default_days, include_fixed="none")
        open_items = table.reset_index(drop=True)
    paper_trend = []
    dated = [d for d in rows["date"] if d is not None]
    for p in audit.trend_periods(period, trend_count):
        if p.start > as_of or not dated or p.end < min(dated):
            continue
        frame = papers.paper_figures(
            papers.in_period(rows, p, min(p.end, as_of)), min(p.end, as_of)
        )
        frame.insert(0, "period", p.label)
        frame.insert(1, "title", p.title)
        paper_trend.append(frame)
    scopes = set(figures.by_scope["scope"][:-1]) if figures is not None else set()
    return ReportData(
        period=period,
        end=end,
        db=Path(db) if history is not None else None,
        figures=figures,
        trend=trend,
        kinds=kinds if kinds is not None else pd.DataFrame(columns=["scope", audit.TOTAL]),
        open_items=open_items,
        paper_rows=in_period,
        paper_figures=papers.paper_figures(in_period, end, scopes),
        paper_trend=pd.concat(paper_trend, ignore_index=True) if paper_trend else pd.DataFrame(),
        paper_open=papers.open_paper_items(in_period, end),
        papers=files,
        notes=notes,
        runs=runs,
    )
