"""A ledger workbook as data: its tables with cell addresses, its rules, the formula text of
the ledger sheet and its document properties — whoever read it.

`ledger_xl.io.read.read_book(path)` builds a `LedgerBook` from a file; the Excel add-in builds
one from the ranges of an open workbook (unsaved edits included). Both go through
`book_from_grids`, so the header matching, the table extent and the rule reading are the same
code, and the checks (`ledger_xl.core.validate.validate_book`) never see a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.distribution import Distribution, read_distribution
from ledger_xl.core.errors import RulesError, WorkbookReadError
from ledger_xl.core.findings import Finding, Severity, finding
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import Rules
from ledger_xl.core.rulesheets import missing_sheets, read_rules

# The codes the opener emits about a workbook's structure (the sniff owns the file-* codes).
CODES = ("ledger-sheet-missing", "header-not-found", "rules-broken", "rules-sheet-missing")

HEADER_SCAN_ROWS = 20  # a header row is looked for in the first 20 rows

# Formula text of the ledger sheet, without the leading "=", keyed by 0-based (row, column).
Formulas = Mapping[tuple[int, int], str]


# ---------------------------------------------------------------- headers


_REQUIRED_MARK = re.compile(r"[*＊]")
_SPACES = re.compile(r"\s+")


def normalise_header(text: object) -> str:
    """Header text as compared, for every reader of ledger_xl (workbooks and imported lists):
    no spaces or required-markers (* ＊ and a trailing (必填)), ASCII parentheses."""
    if not isinstance(text, str):
        return ""
    text = text.replace("（", "(").replace("）", ")")
    text = _SPACES.sub("", _REQUIRED_MARK.sub("", text))
    return text.removesuffix("(必填)")


def header_lookup(headers: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised header text or alias → column key (the first key claiming a name wins)."""
    lookup: dict[str, str] = {}
    for key, names in headers.items():
        for name in names:
            lookup.setdefault(normalise_header(name), key)
    return lookup


def ledger_headers(rules: Rules) -> dict[str, tuple[str, ...]]:
    """The ledger columns the rules name (header and aliases) by field key."""
    return {f.key: (f.header, *f.aliases) for f in rules.fields}


def side_headers(columns: tuple[layout.Column, ...]) -> dict[str, tuple[str, ...]]:
    return {c.key: (c.header, *c.aliases) for c in columns}


def table_headers(headers: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """A table's headers as the reader looks for them: the given ones and the hidden row key
    (`layout.ROW_KEY`), which is structure, never an unknown column."""
    return {**headers, **layout.ROW_KEY_HEADERS}


# ---------------------------------------------------------------- tables


@dataclass
class Table:
    """A sheet's table: values keyed by column key; `rows[i]` is row i's 1-based sheet row."""

    sheet: str
    frame: pd.DataFrame
    rows: list[int]
    columns: dict[str, int]  # key -> 0-based sheet column
    header_row: int  # 0-based
    unknown_headers: list[str] = field(default_factory=list)
    duplicate_columns: dict[str, list[int]] = field(default_factory=dict)


def find_header_row(
    grid: Grid, headers: Mapping[str, tuple[str, ...]], scan: int = HEADER_SCAN_ROWS
) -> int | None:
    """The first row among the top `scan` that holds at least half of the known headers."""
    lookup = header_lookup(headers)
    need = max(2, len(headers) // 2)
    for row in range(min(scan, grid.height)):
        hits = sum(
            1
            for col in range(grid.width)
            if isinstance(value := grid.value(row, col), str) and normalise_header(value) in lookup
        )
        if hits >= need:
            return row
    return None


def read_table(grid: Grid, headers: Mapping[str, tuple[str, ...]]) -> Table | None:
    """The table under the header row: rows up to the last non-empty one, keyed by column key.

    Columns are matched by header text or alias (`normalise_header`); an unknown header is
    listed in `unknown_headers`, a second column with a known header in `duplicate_columns`.
    """
    header_row = find_header_row(grid, headers)
    if header_row is None:
        return None
    lookup = header_lookup(headers)
    columns: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: dict[str, list[int]] = {}
    for col in range(grid.width):
        text = grid.value(header_row, col)
        if not isinstance(text, str) or not text.strip():
            continue
        key = lookup.get(normalise_header(text))
        if key is None:
            unknown.append(text.strip())
        elif key in columns:
            duplicates.setdefault(key, []).append(col)
        else:
            columns[key] = col
    wanted = list(columns.values())
    last = header_row
    for row in range(grid.height - 1, header_row, -1):
        cells = grid.rows[row]
        if any(c < len(cells) and cells[c] not in ("", None) for c in wanted):
            last = row
            break
    body = grid.rows[header_row + 1 : last + 1]
    width = grid.width
    padded = [r if len(r) == width else [*r, *[""] * (width - len(r))] for r in body]
    cells = np.empty((len(padded), width), dtype=object)
    if padded:
        cells[:] = padded  # element by element: a cell never becomes a nested array
        cells[cells == ""] = None  # calamine's empty cell; blanks are None everywhere else
    frame = pd.DataFrame({key: cells[:, col] for key, col in columns.items()}, dtype=object)
    rows = list(range(header_row + 2, last + 2))
    return Table(grid.sheet, frame, rows, columns, header_row, unknown, duplicates)


# ---------------------------------------------------------------- the book


@dataclass
class LedgerBook:
    """One ledger workbook as the checks, twins and lists see it.

    `source` is what findings name as the file (a path, or the open workbook's name).
    `findings` are what the opener found about the file itself (the sniff's warnings,
    `rules-broken`, `rules-sheet-missing`, `ledger-sheet-missing`, `header-not-found`, an
    unreadable file); when one
    of them is fatal, `ledger` is None and nothing else can be checked.
    `formula_source` is the ledger sheet's formula text, or a callable that returns it (a
    read still running beside the value read), or an exception raised when it is asked for.
    """

    source: str
    rules: Rules = DEFAULT_RULES
    ledger: Table | None = None
    credentials: Table | None = None
    reviews: Table | None = None
    cached_as_of: dt.date | None = None  # 基准日 as last calculated in the workbook
    properties: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    formula_source: Formulas | Callable[[], Formulas] | BaseException | None = field(
        default=None, repr=False
    )
    rules_error: RulesError | None = None  # the rule sheets were broken: defaults were used
    # What HQ sent, when the workbook was handed out by `ledger-xl distribute` (its hidden
    # 分发记录 sheet); None for any other workbook.
    distribution: Distribution | None = None
    # The side sheets still being read (`book_from_grids(..., later=True)`): `settle()` waits
    # for them. Called with a sheet's name (or None for all), takes in the side sheets up to
    # that one and says whether any remain. None once they are all in.
    unsettled: Callable[[str | None], bool] | None = field(default=None, repr=False, compare=False)

    def settle(self, sheet: str | None = None) -> None:
        """Take in the side sheets (资信证明, 审核记录, 分发记录) of a book read with
        `later=True`, as `book_from_grids` would have at once. With `sheet`, only the side
        sheets up to that one, in the order they are read (资信证明 first): its work can start
        while the next is still being read. When one cannot be read the book ends as that
        read would have left it (no ledger table, a finding saying why) and the
        WorkbookReadError is raised, once."""
        pending, self.unsettled = self.unsettled, None
        if pending is not None and pending(sheet):
            self.unsettled = pending  # more to take in

    @property
    def checkable(self) -> bool:
        """True when the ledger table was found, so its rows can be checked and scored."""
        return self.ledger is not None

    @property
    def fatal(self) -> Finding | None:
        """The finding that stopped the reading (no ledger table), if any."""
        if self.checkable:
            return None
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        return errors[-1] if errors else None

    def formulas(self) -> Formulas | None:
        """The ledger sheet's formula text by 0-based (row, column); None when the book was
        read without it. Raises WorkbookReadError when the formula read failed."""
        source = self.formula_source
        if callable(source):
            try:
                source = source()
            except WorkbookReadError as exc:
                source = exc
            self.formula_source = source
        if isinstance(source, BaseException):
            raise source
        return source


def book_from_grids(
    source: str,
    grids: Callable[[str], Grid | None] | Mapping[str, Grid],
    *,
    formulas: Formulas | Callable[[], Formulas] | BaseException | None = None,
    properties: Mapping[str, str] | None = None,
    findings: list[Finding] | None = None,
    lang: str = "zh",
    later: bool = False,
) -> LedgerBook:
    """A LedgerBook from sheets of cell values anchored at A1 (blank cells None or "").

    `grids(name)` (or `grids[name]`) gives a sheet's grid, None when there is no such sheet.
    The rules come from the workbook's own rule sheets (the defaults, with a `rules-broken`
    finding, when they are broken); the ledger and side tables are found by their headers.
    A WorkbookReadError raised by `grids` becomes a finding: `file-truncated` for a damaged
    sheet, or the code it carries (a sheet that reaches too far: `file-unreadable`).

    `later=True` leaves the side sheets (资信证明, 审核记录, 分发记录) unread until
    `book.settle()`, so that the ledger's own checks run while a thread still reads them
    (`check_book` settles before the first check that needs them).
    """
    sheet = grids.get if isinstance(grids, Mapping) else grids
    book = LedgerBook(
        source=source,
        properties=dict(properties or {}),
        findings=list(findings or []),
        formula_source=formulas,
    )
    where = {"lang": lang, "file": source}
    try:
        sides = _fill(book, sheet, where)
    except WorkbookReadError as exc:
        _unreadable(book, exc, where)
        return book
    if sides is None:
        return book

    steps = list(sides)

    def settle(sheet: str | None = None) -> bool:
        try:  # every step, or those up to `sheet` while it is still to come
            while steps and (sheet is None or any(name == sheet for name, _ in steps)):
                steps.pop(0)[1]()
        except WorkbookReadError as exc:
            _unreadable(book, exc, where)
            raise
        return bool(steps)

    if later:
        book.unsettled = settle
    else:
        with contextlib.suppress(WorkbookReadError):  # the book says why
            settle()
    return book


def _unreadable(book: LedgerBook, exc: WorkbookReadError, where: dict) -> None:
    book.ledger = None
    book.findings.append(finding(exc.code or "file-truncated", detail=exc.detail, **where))


def _fill(
    book: LedgerBook, sheet: Callable[[str], Grid | None], where: dict
) -> list[tuple[str, Callable[[], None]]] | None:
    """The rules and the ledger table; returns what reads the side sheets, a step a sheet in
    the order they are read (None when there is no ledger table to go with them)."""
    try:
        book.rules = read_rules(sheet)
        for name in missing_sheets(sheet):  # an older template: the defaults apply
            book.findings.append(finding("rules-sheet-missing", value=name, **where))
    except RulesError as exc:
        book.rules_error = exc
        book.findings.append(
            finding(
                "rules-broken",
                detail=str(exc),
                sheet=exc.sheet,
                cell=exc.cell if exc.cell[:1].isalpha() else "",
                **where,
            )
        )
    grid = sheet(layout.SHEET_LEDGER)
    if grid is None:
        book.findings.append(finding("ledger-sheet-missing", value=layout.SHEET_LEDGER, **where))
        return None
    ledger = read_table(grid, table_headers(ledger_headers(book.rules)))
    if ledger is None:
        book.findings.append(finding("header-not-found", sheet=layout.SHEET_LEDGER, **where))
        return None
    cached = grid.value(0, 1)
    if isinstance(cached, dt.datetime):
        cached = cached.date()
    book.cached_as_of = cached if isinstance(cached, dt.date) else None
    book.ledger = ledger

    def side(name: str, columns: tuple, attribute: str) -> None:
        grid = sheet(name)
        table = None if grid is None else read_table(grid, table_headers(side_headers(columns)))
        setattr(book, attribute, table)

    def reviews() -> None:
        side(layout.SHEET_REVIEWS, layout.REVIEW_COLUMNS, "reviews")
        book.distribution = read_distribution(sheet(layout.SHEET_DISTRIBUTION))

    return [
        (
            layout.SHEET_CREDENTIALS,
            lambda: side(layout.SHEET_CREDENTIALS, layout.CREDENTIAL_COLUMNS, "credentials"),
        ),
        (layout.SHEET_REVIEWS, reviews),
    ]
