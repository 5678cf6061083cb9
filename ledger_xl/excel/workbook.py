"""An open workbook read in blocks into grids and a `LedgerBook`, and tables written back in
blocks — over xlwings' Book API, so the same code serves Excel and the LibreOffice adapter.

One call per sheet block: Excel's COM and LibreOffice's UNO both answer a whole block in about
the time of a few single cells, so nothing here reads or writes cell by cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from ledger_xl.core import layout
from ledger_xl.core.book import Formulas, LedgerBook, book_from_grids
from ledger_xl.core.errors import RulesError
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import Rules
from ledger_xl.core.rulesheets import read_rules
from ledger_xl.excel.host import AddinError, host_for

# An open workbook, sheet or range: xlwings' (Excel) or ledger_xl.excel.uno_book's (LibreOffice).
Book = Any
Sheet = Any
Range = Any


def find_sheet(book: Book, name: str) -> Sheet | None:
    """The sheet called `name`, or None."""
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


def sheet_block(sheet: Sheet) -> Range:
    """The sheet's cells from A1 to the last used cell, as one range."""
    last = sheet.used_range.last_cell
    return sheet.range((1, 1), (max(last.row, 1), max(last.column, 1)))


def sheet_grid(sheet: Sheet) -> Grid:
    """The sheet's values from A1, read in one block (errors as their text, e.g. "#N/A")."""
    rows = sheet_block(sheet).options(ndim=2, err_to_str=True).value
    return Grid(sheet.name, [list(row) for row in rows])


class BookGrids:
    """The grids of an open workbook's sheets, each read once, on first use."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._sheets = {sheet.name: sheet for sheet in book.sheets}
        self._grids: dict[str, Grid] = {}

    def __call__(self, name: str) -> Grid | None:
        if name not in self._sheets:
            return None
        if name not in self._grids:
            self._grids[name] = sheet_grid(self._sheets[name])
        return self._grids[name]


def formula_text(sheet: Sheet) -> Formulas:
    """The sheet's formula text without "=" by 0-based (row, column), read in one block (as
    Excel shows it: English function names, `,` separators)."""
    block = sheet_block(sheet)
    rows = block.formula
    if isinstance(rows, str):
        rows = ((rows,),)
    return {
        (i, j): text[1:]
        for i, row in enumerate(rows)
        for j, text in enumerate(row)
        if isinstance(text, str) and text.startswith("=")
    }


def read_ledger_book(book: Book, *, formulas: bool = True) -> LedgerBook:
    """The open workbook as a `LedgerBook`: every sheet's current values (unsaved edits
    included), the ledger's formula text and the document properties."""
    grids = BookGrids(book)
    ledger = find_sheet(book, layout.SHEET_LEDGER)
    text = formula_text(ledger) if formulas and ledger is not None else None
    properties = host_for(book).properties(book)
    return book_from_grids(book.name, grids, formulas=text, properties=properties)


def book_rules(book: Book) -> Rules:
    """The workbook's own rules (填报规则, 评分标准, 审核周期); AddinError when broken."""
    try:
        return read_rules(BookGrids(book))
    except RulesError as exc:
        raise AddinError(f"规则表有误：{exc}") from exc


def book_as_of(book: Book) -> dt.date | None:
    """The workbook's 基准日 (台账!B1) as it shows now, or None when it is not a date."""
    ledger = find_sheet(book, layout.SHEET_LEDGER)
    if ledger is None:
        return None
    value = ledger.range("B1").value
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


# ---------------------------------------------------------------- many single cells


def cell_fills(sheet: Sheet, cells: Sequence[str]) -> dict[str, tuple[int, int, int] | None]:
    """The fill colour of each cell (A1 addresses); None for no fill."""
    bulk = getattr(sheet, "fills", None)  # the LibreOffice adapter answers in a few calls
    if callable(bulk):
        return bulk(cells)
    return {cell: sheet.range(cell).color for cell in cells}


def cell_notes(sheet: Sheet, cells: Sequence[str]) -> dict[str, str]:
    """The note text of those of `cells` that have a note."""
    bulk = getattr(sheet, "notes", None)
    if callable(bulk):
        return bulk(cells)
    out = {}
    for cell in cells:
        note = sheet.range(cell).note
        if note is not None:
            out[cell] = note.text
    return out


def add_notes(sheet: Sheet, notes: dict[str, str]) -> None:
    """New notes on cells that have none (A1 address → text)."""
    bulk = getattr(sheet, "add_notes", None)
    if callable(bulk):
        bulk(notes)
        return
    for cell, text in notes.items():
        sheet.range(cell).add_note(text)


def delete_notes(sheet: Sheet, cells: Sequence[str]) -> None:
    """Remove the notes of these cells."""
    bulk = getattr(sheet, "delete_notes", None)
    if callable(bulk):
        bulk(cells)
        return
    for cell in cells:
        note = sheet.range(cell).note
        if note is not None:
            note.delete()


# ---------------------------------------------------------------- writing


class Formula(str):
    """Text to be written as a formula (any other text is written as text)."""


def link(sheet: str, cell: str, shown: str) -> Formula:
    """A link to a cell of this workbook as a HYPERLINK formula: written with the rest of a
    block in one call (a hyperlink object would take a call per cell)."""
    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return Formula(f'=HYPERLINK("{_quoted(target)}","{_quoted(shown)}")')


def _quoted(text: str) -> str:
    return text.replace('"', '""')


def cell_value(value: object) -> object:
    """A value as it is written through COM (and the adapter): text gets Excel's quote prefix
    so it stays text — Excel would otherwise turn "00123" into a number, "2024-3-5" into a
    date and "=..." into a formula; NaN and NaT become blank; numpy scalars plain Python."""
    if value is None:
        return None
    if isinstance(value, Formula):
        return str(value)
    if isinstance(value, str):
        return "'" + value if value else None
    if value != value:  # NaN, NaT (pandas' and numpy's)
        return None
    if getattr(getattr(value, "dtype", None), "kind", "") == "M":  # numpy datetime64
        return value.astype("datetime64[us]").item()
    if hasattr(value, "item") and not isinstance(value, dt.date):  # numpy scalars
        return cell_value(value.item())
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        return value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.date | float | bool):
        return value
    return "'" + str(value)


def write_rows(sheet: Sheet, row: int, column: int, rows: Sequence[Sequence[object]]) -> Range:
    """Write `rows` (1-based top-left `row`, `column`) in one block; returns the range."""
    if not rows:
        return sheet.range((row, column))
    width = max(len(r) for r in rows)
    block = [[cell_value(v) for v in r] + [None] * (width - len(r)) for r in rows]
    target = sheet.range((row, column), (row + len(block) - 1, column + width - 1))
    target.value = block
    return target


def replace_sheet(book: Book, name: str, after: str | None = None) -> Sheet:
    """A fresh, empty sheet called `name` (an old one of that name — our own output from a
    previous click — is deleted first), placed after the sheet `after` or at the end."""
    old = find_sheet(book, name)
    if old is not None:
        old.delete()
    anchor = find_sheet(book, after) if after else None
    if anchor is None:
        anchor = list(book.sheets)[-1]
    return book.sheets.add(name, after=anchor)


def style_header(rng: Range) -> None:
    """Bold white on dark blue, as the ledger's headers."""
    rng.font.bold = True
    rng.color = (0x1F, 0x4E, 0x78)
    rng.font.color = (0xFF, 0xFF, 0xFF)


def set_widths(sheet: Sheet, widths: Iterable[float], first_column: int = 1) -> None:
    """Column widths (in characters) from `first_column` on."""
    for i, width in enumerate(widths):
        sheet.range((1, first_column + i)).column_width = width
