"""Validation on data: the checks over one `LedgerBook` (`validate_book`), and what a batch adds
across files (a customer claimed by two workbooks). No file is opened here: the book was read
by `ledger_xl.io.read.read_book`, or built from an open workbook by the add-in."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from ledger_xl.core.book import LedgerBook
from ledger_xl.core.checks import (
    CHECKS,
    CheckContext,
    cells,
    controls,
    documents,
    rows,
    structure,
)
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.findings import (
    FileResult,
    Finding,
    Severity,
    count_severity,
    finding,
    pack_findings,
    unpack_findings,
)
from ledger_xl.core.rules import Rules


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


# The checks that may run in a second process beside the others: the side tables' own and
# their approvals — nearly half of the checks' time on a big book, and little of what the
# others compute (a check beside them that needs the twins computes them again: measured,
# 审核信号 there made the whole slower). Nothing else reads what they find, and they change
# nothing but the findings (each check only appends; the last, `check_error_values`, which
# edits the findings before it, runs here once every finding is in).
BESIDE = (
    documents.check_credentials,
    documents.check_reviews,
    controls.check_approvals,
)
SPLIT_ROWS = 20_000  # ledger rows from which the split pays for its fork
# Where the split waits for the side sheets before it forks, the checks of the ledger sheet
# alone (the first ones, in `CHECKS`' order) run meanwhile: 1.2 s of a 100,000-row book's
# checks that had waited for the reads and then ran on the critical path.
EARLY = (
    structure.check_columns,
    structure.check_provenance,
    cells.check_ledger_cells,
    rows.check_conditional_presence,
    rows.check_uniqueness,
)
assert CHECKS[: len(EARLY)] == EARLY and not set(EARLY) & set(BESIDE)


def validate_book(
    book: LedgerBook,
    as_of: dt.date,
    *,
    lang: str = "zh",
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    standard: Rules | None = None,
) -> FileResult:
    """Every finding about `book` as of `as_of`: what its opener found about the file, then
    the checks (structure, cells, rows, documents, formulas). `standard` is HQ's rules that
    `rules-changed` compares with (default: the built-in rules)."""
    result, _ = check_book(book, as_of, lang=lang, standard=standard, identities=False)
    return select(result, set(skip), set(only))


def check_book(
    book: LedgerBook,
    as_of: dt.date,
    *,
    lang: str = "zh",
    standard: Rules | None = None,
    identities: bool = True,
    beside: Callable[..., Callable[[], object]] | None = None,
    split_rows: int | None = None,
) -> tuple[FileResult, list[Identity]]:
    """The book's result, and where it claims each customer (for a batch's cross-file
    duplicates; skipped when `identities` is False, as for a single file).

    `beside(fn, *args)`, when given, starts `fn(*args)` elsewhere (a second process) and
    returns what waits for its result: for a book of `split_rows` (default `SPLIT_ROWS`) rows
    or more, the checks of `BESIDE` run there while the others run here, and their findings
    join in the order the checks have (`CHECKS`): the same result as one after the other.
    If that run brings back no findings (it failed), they run here."""
    if not book.checkable:
        return file_result(book.source, list(book.findings)), []
    ctx = CheckContext(book, as_of, lang=lang, standard=standard or DEFAULT_RULES)
    ctx.findings.extend(book.findings)
    try:
        big = len(ctx.ledger.rows) >= (SPLIT_ROWS if split_rows is None else split_rows)
        split = beside is not None and big
        checks = CHECKS
        if split:
            for check in EARLY:  # the ledger's own, while the side sheets are still read
                check(ctx)
            checks = CHECKS[len(EARLY) :]
        if split and _quiet_now(book):
            _split_checks(ctx, beside, checks)
        else:
            for check in checks:
                check(ctx)
        book.settle()
    except WorkbookReadError as exc:
        if not book.checkable:  # a side sheet read later (`book.settle`) was damaged: the
            return file_result(book.source, list(book.findings)), []  # book says so alone
        # the formula text could not be read after all
        ctx.findings.append(
            finding("file-truncated", lang=lang, file=book.source, detail=exc.detail)
        )
        return file_result(book.source, ctx.findings), []
    claims = _identities(ctx) if identities else []
    return file_result(book.source, ctx.findings, int(ctx.used.sum()), _branch(ctx)), claims


def _quiet_now(book: LedgerBook) -> bool:
    """True when the book's reads are all in (no thread still reading: a fork copies this
    process as it is); False when one of them failed — the plain run reports it."""
    try:
        book.settle()
        book.formulas()
    except WorkbookReadError:
        return False
    return True


def _split_checks(
    ctx: CheckContext, beside: Callable[..., Callable[[], object]], checks: tuple
) -> None:
    """`checks` (the rest of `CHECKS`) over `ctx`, those of `BESIDE` through `beside`, the
    findings in their order, after those `ctx` holds."""
    assert checks[-1] not in BESIDE and set(BESIDE) <= set(checks)
    wait = beside(_run_checks, ctx, BESIDE)
    head = list(ctx.findings)
    last = checks[-1]  # it edits the findings before it: they must all be in
    try:
        found = _findings_of(ctx, [c for c in checks[:-1] if c not in BESIDE])
    finally:
        theirs = wait()  # reaped even when a check here raised
    if (
        isinstance(theirs, tuple)
        and len(theirs) == 2
        and isinstance(theirs[0], dict)
        and set(theirs[0]) == {c.__name__ for c in BESIDE}
    ):
        found.update({name: unpack_findings(packed) for name, packed in theirs[0].items()})
        ctx.adopt(theirs[1])  # what the last check asks of the side tables, answered there
    else:  # the second process failed: its checks run here, as they would have
        found.update(_findings_of(ctx, BESIDE))
    ctx.findings = head + [f for check in checks[:-1] for f in found[check.__name__]]
    last(ctx)


def _findings_of(ctx: CheckContext, checks) -> dict[str, list[Finding]]:
    """Each check's own findings over `ctx`, by its name (`ctx.findings` is left with the
    last one's)."""
    out = {}
    for check in checks:
        ctx.findings = []
        check(ctx)
        out[check.__name__] = ctx.findings
    return out


def _run_checks(ctx: CheckContext, checks: tuple) -> tuple[dict[str, list[tuple]], dict]:
    """`_findings_of`, packed to cross between processes, and the side tables' answers for
    `check_error_values` (`cells.side_blanks`: computed there from what these checks found,
    0.5 s over again here on a 100,000-row book)."""
    found = {name: pack_findings(items) for name, items in _findings_of(ctx, checks).items()}
    return found, cells.side_blanks(ctx)


def select(result: FileResult, skip: set[str], only: set[str]) -> FileResult:
    """The result without the codes in `skip` (and with only those in `only`, when given)."""
    kept = [f for f in result.findings if f.code not in skip and (not only or f.code in only)]
    valid = count_severity(kept, Severity.ERROR) == 0
    return result.model_copy(update={"findings": kept, "valid": valid})


def file_result(
    source: str, findings: list[Finding], rows_read: int = 0, branch: str = ""
) -> FileResult:
    valid = count_severity(findings, Severity.ERROR) == 0
    return FileResult(path=source, valid=valid, rows=rows_read, branch=branch, findings=findings)


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
    file, sheet = ctx.file, table.sheet
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


def cross_file_duplicates(
    results: list[FileResult], identities: list[list[Identity]], lang: str = "zh"
) -> None:
    """A customer (by 客户编号 or 统一社会信用代码) claimed by two workbooks of the batch: a
    finding at each place, naming the others. Adds to `results` in place."""
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
                f"{PurePath(o.file).name} {o.sheet}!{o.cell}"
                for o in places
                if o.file != place.file
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
