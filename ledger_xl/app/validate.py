"""Validation: run the checks over one workbook (`validate_workbook`) or a batch
(`validate_paths`), never modifying a file. Files are read read-only; a file that cannot be
read gives one file-level finding and the batch goes on."""

from __future__ import annotations

import datetime as dt
import glob
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ledger_xl.core import layout
from ledger_xl.core.checks import cells, documents, formula_cells, rows, structure
from ledger_xl.core.checks.context import CheckContext
from ledger_xl.core.errors import RulesError, WorkbookReadError
from ledger_xl.core.findings import Finding, Severity, count_severity, finding
from ledger_xl.core.rules import DEFAULT_RULES, Rules
from ledger_xl.io import read
from ledger_xl.io.formulas_reader import ALL_COLUMNS, LAST_ROW, read_formulas
from ledger_xl.io.sniff import sniff
from ledger_xl.io.xlsx import rulesheets
from ledger_xl.terminal import BatchResult, FileResult

CHECKS: tuple[Callable[[CheckContext], None], ...] = (
    structure.check_columns,
    structure.check_provenance,
    cells.check_ledger_cells,
    rows.check_conditional_presence,
    rows.check_uniqueness,
    rows.check_consistency,
    documents.check_credentials,
    documents.check_reviews,
    formula_cells.check_formulas,
)
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xls", ".xlsb", ".ods", ".csv"}


@dataclass(frozen=True)
class Identity:
    """Where a customer is claimed: for finding the same customer in two files."""

    key: str  # "customer_id" | "uscc"
    value: str
    file: str
    sheet: str
    cell: str
    row: int
    customer_id: str


def validate_workbook(
    path: str | Path,
    as_of: dt.date | None = None,
    lang: str = "zh",
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    standard: Rules | None = None,
) -> FileResult:
    """Validate one workbook; the same result `ledger-xl validate` reports for it."""
    result, _ = _validate_one(
        Path(path), as_of or dt.date.today(), lang, identities=False, standard=standard
    )
    return _select(result, set(skip), set(only))


def validate_paths(
    paths: Sequence[Path],
    as_of: dt.date | None = None,
    lang: str = "zh",
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    standard: Rules | None = None,
) -> BatchResult:
    """Validate a batch, in `jobs` processes, then look for customers claimed by two files."""
    as_of = as_of or dt.date.today()
    args = [(Path(p), as_of, lang, len(paths) > 1, standard) for p in paths]
    outcomes = []
    if jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for outcome in pool.map(_validate_args, args):
                outcomes.append(outcome)
                if progress:
                    progress(Path(outcome[0].path))
    else:
        for arg in args:
            outcomes.append(_validate_one(*arg))
            if progress:
                progress(arg[0])
    results = [r for r, _ in outcomes]
    _cross_file_duplicates(results, [ids for _, ids in outcomes], lang)
    skip, only = set(skip), set(only)
    return BatchResult(files=[_select(r, skip, only) for r in results])


def _validate_args(
    args: tuple[Path, dt.date, str, bool, Rules | None],
) -> tuple[FileResult, list[Identity]]:
    return _validate_one(*args)


def _select(result: FileResult, skip: set[str], only: set[str]) -> FileResult:
    kept = [f for f in result.findings if f.code not in skip and (not only or f.code in only)]
    valid = count_severity(kept, Severity.ERROR) == 0
    return result.model_copy(update={"findings": kept, "valid": valid})


def _file_result(
    path: Path, findings: list[Finding], rows_read: int = 0, branch: str = ""
) -> FileResult:
    valid = count_severity(findings, Severity.ERROR) == 0
    return FileResult(path=str(path), valid=valid, rows=rows_read, branch=branch, findings=findings)


def _validate_one(
    path: Path,
    as_of: dt.date,
    lang: str,
    identities: bool = True,
    standard: Rules | None = None,
) -> tuple[FileResult, list[Identity]]:
    """One file's result, and where it claims each customer (for the batch's cross-file
    duplicates; skipped when `identities` is False, as for a single file)."""
    early = sniff(path, lang=lang)
    if any(f.severity is Severity.ERROR for f in early):
        return _file_result(path, early), []
    # The formula scan runs beside the value read: python-calamine parses the sheet without
    # holding the GIL, so the two overlap on a second core.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger_xl-formulas") as pool:
        prefetch = pool.submit(_prefetch_formulas, path)
        return _check_one(path, as_of, lang, identities, early, prefetch, standard)


def _prefetch_formulas(path: Path) -> dict | WorkbookReadError:
    try:
        return read_formulas(path, layout.SHEET_LEDGER, ALL_COLUMNS, 0, LAST_ROW)
    except WorkbookReadError as exc:  # raised where the formulas are needed, as before
        return exc


def _check_one(
    path: Path,
    as_of: dt.date,
    lang: str,
    identities: bool,
    early: list[Finding],
    prefetch: Future,
    standard: Rules | None,
) -> tuple[FileResult, list[Identity]]:
    try:
        ctx = _load(path, as_of, lang)
    except _Unreadable as problem:
        return _file_result(path, [*early, *problem.findings]), []
    except WorkbookReadError as exc:
        return _file_result(
            path, [*early, finding("file-truncated", lang=lang, file=str(path), detail=exc.detail)]
        ), []
    ctx.findings[:0] = early
    ctx.formula_prefetch = prefetch
    ctx.standard = standard or DEFAULT_RULES
    for check in CHECKS:
        check(ctx)
    branch = _branch(ctx)
    claims = _identities(ctx) if identities else []
    return _file_result(path, ctx.findings, int(ctx.used.sum()), branch), claims


class _Unreadable(Exception):
    """The workbook cannot be checked further; `findings` ends with the reason."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings[-1].message)
        self.findings = findings


def _load(path: Path, as_of: dt.date, lang: str) -> CheckContext:
    where = {"lang": lang, "file": str(path)}
    try:
        book = read.open_calamine(path)
    except WorkbookReadError as exc:
        raise _Unreadable([finding("file-unreadable", detail=exc.detail, **where)]) from exc
    rule_findings = []
    try:
        rules = rulesheets.read_rules(lambda name: read.sheet_grid(book, name))
    except RulesError as exc:
        rules = DEFAULT_RULES
        rule_findings.append(
            finding(
                "rules-broken",
                detail=str(exc),
                sheet=exc.sheet,
                cell=exc.cell if exc.cell[:1].isalpha() else "",
                **where,
            )
        )
    grid = read.sheet_grid(book, layout.SHEET_LEDGER)
    if grid is None:
        raise _Unreadable(
            [*rule_findings, finding("ledger-sheet-missing", value=layout.SHEET_LEDGER, **where)]
        )
    ledger = read.read_table(grid, read.ledger_headers(rules))
    if ledger is None:
        raise _Unreadable(
            [*rule_findings, finding("header-not-found", sheet=layout.SHEET_LEDGER, **where)]
        )
    side = {}
    for name, columns in (
        (layout.SHEET_CREDENTIALS, layout.CREDENTIAL_COLUMNS),
        (layout.SHEET_REVIEWS, layout.REVIEW_COLUMNS),
    ):
        side_grid = read.sheet_grid(book, name)
        side[name] = (
            None if side_grid is None else read.read_table(side_grid, read.side_headers(columns))
        )
    cached = grid.value(0, 1)
    if isinstance(cached, dt.datetime):
        cached = cached.date()
    ctx = CheckContext(
        path=path,
        rules=rules,
        as_of=as_of,
        ledger=ledger,
        credentials=side[layout.SHEET_CREDENTIALS],
        reviews=side[layout.SHEET_REVIEWS],
        cached_as_of=cached if isinstance(cached, dt.date) else None,
        properties=read.custom_properties(path),
        lang=lang,
    )
    ctx.findings.extend(rule_findings)
    return ctx


def _branch(ctx: CheckContext) -> str:
    if "branch" not in ctx.ledger.columns:
        return ""
    names = Counter(
        str(v).strip()
        for v, used in zip(ctx.ledger.frame["branch"], ctx.used, strict=True)
        if used and v
    )
    return names.most_common(1)[0][0] if names else ""


def _identities(ctx: CheckContext) -> list[Identity]:
    out = []
    table = ctx.ledger
    file, sheet = str(ctx.path), table.sheet
    customers = [ctx.customer(table, i) for i in range(len(table.rows))]
    for key in ("customer_id", "uscc"):
        if key not in table.columns:
            continue
        letters = ctx.cell(table, 0, key).rstrip("0123456789") if table.rows else ""
        ids = rows.normalised_ids(ctx, key)
        out.extend(
            Identity(key, value, file, sheet, f"{letters}{row}", row, customer)
            for value, row, customer in zip(ids, table.rows, customers, strict=False)
            if value
        )
    return out


def _cross_file_duplicates(
    results: list[FileResult], identities: list[list[Identity]], lang: str
) -> None:
    """A customer (by 客户编号 or 统一社会信用代码) claimed by two workbooks of the batch."""
    claims: dict[tuple[str, str], list[Identity]] = defaultdict(list)
    for ids in identities:
        for identity in ids:
            claims[(identity.key, identity.value)].append(identity)
    by_file = {r.path: r for r in results}
    code_for = {"customer_id": "duplicate-customer-id", "uscc": "duplicate-uscc"}
    for (key, _), places in claims.items():
        if len({p.file for p in places}) < 2:
            continue
        for place in places:
            others = [
                f"{Path(o.file).name} {o.sheet}!{o.cell}" for o in places if o.file != place.file
            ]
            item = finding(
                code_for[key],
                lang=lang,
                value=place.value,
                detail="、".join(others[:3]),
                file=place.file,
                sheet=place.sheet,
                cell=place.cell,
                row=place.row,
                customer_id=place.customer_id,
                column=DEFAULT_RULES.header(key),
            )
            result = by_file[place.file]
            result.findings.append(item)
            result.valid = False


def expand_paths(arguments: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Files, folders (searched recursively) and glob patterns → workbook paths, in order,
    without duplicates; plus the arguments that matched nothing."""
    found: list[Path] = []
    missing: list[str] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if _candidate(p))
        elif any(ch in argument for ch in "*?["):
            matches = sorted(
                Path(p) for p in glob.glob(argument, recursive=True) if _candidate(Path(p))
            )
        else:
            matches = [path] if path.exists() else []
        if not matches:
            missing.append(argument)
        found.extend(m for m in matches if m not in found)
    return found, missing


def _candidate(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix.lower() in WORKBOOK_SUFFIXES
        and not path.name.startswith(("~$", ".~ledger_xl-"))
    )


def read_standard(path: str | Path) -> Rules:
    """HQ's standard rules from a workbook's rule sheets (填报规则 / 评分标准 / 审核周期), for
    `rules-changed`. Raises WorkbookReadError or RulesError naming the file and the cell."""
    path = Path(path)
    fatal = [f for f in sniff(path) if f.severity is Severity.ERROR]
    if fatal:
        raise WorkbookReadError(path, fatal[0].message)
    book = read.open_calamine(path)
    return rulesheets.read_rules(lambda name: read.sheet_grid(book, name))
