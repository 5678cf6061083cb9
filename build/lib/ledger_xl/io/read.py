"""The one opener: every command, and the importer, read workbooks through this module.

`read_book(path)` sniffs the file (`io.sniff`), reads the values of every sheet it needs with
python-calamine (each cell keeps its real type: a number stored as text stays text), scans the
ledger sheet's formula text beside it (`io.formulas_reader`, in a thread while calamine parses),
reads the custom document properties, and hands all of it to `core.book.book_from_grids`.
`open_workbook(path)` is the lower step for lists that are not ledgers (`new --from`).

Inputs are opened read-only and never modified; nothing here writes.
"""

from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from ledger_xl.core import layout
from ledger_xl.core.book import Formulas, LedgerBook, book_from_grids
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.findings import Finding, finding
from ledger_xl.core.grid import Grid
from ledger_xl.io.formulas_reader import ALL_COLUMNS, LAST_ROW, read_formulas
from ledger_xl.io.sniff import fatal, sniff


class OpenedWorkbook:
    """A workbook opened for reading: its sheet names and each sheet's grid on demand (cached).
    `findings` are the sniff's non-fatal findings (e.g. open in Excel)."""

    def __init__(self, path: Path, book: CalamineWorkbook, findings: list[Finding]) -> None:
        self.path, self._book, self.findings = path, book, findings
        self._grids: dict[str, Grid | None] = {}

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def grid(self, name: str) -> Grid | None:
        """The sheet's values from A1, or None when there is no such sheet. Raises
        WorkbookReadError when the sheet's XML is damaged."""
        if name not in self._grids:
            self._grids[name] = sheet_grid(self._book, name)
        return self._grids[name]


def open_calamine(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types per format problem
        raise WorkbookReadError(
            path, f"无法作为 Excel 工作簿打开（{type(exc).__name__}: {exc}）"
        ) from exc


def sheet_grid(book: CalamineWorkbook, name: str) -> Grid | None:
    """The sheet's values from A1, or None when there is no such sheet.

    Raises WorkbookReadError when the sheet's XML is damaged (the sniff does not decompress
    worksheets, so this is where a truncated or corrupted sheet shows).
    """
    if name not in book.sheet_names:
        return None
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged XML
        raise WorkbookReadError(
            book.path or "", f"工作表“{name}”已损坏，无法读取（{exc}）"
        ) from exc
    return Grid(name, rows)


def custom_properties(path: Path) -> dict[str, str]:
    """docProps/custom.xml as a dict (parsed with defusedxml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "docProps/custom.xml" not in archive.namelist():
                return {}
            root = ElementTree.fromstring(archive.read("docProps/custom.xml"))
    except (zipfile.BadZipFile, OSError):
        return {}
    props = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            props[name] = prop[0].text or ""
    return props


def open_workbook(path: str | Path, *, lang: str = "zh", ledger: bool = True) -> OpenedWorkbook:
    """Sniff and open a workbook for reading. Raises WorkbookReadError carrying the sniff's
    fatal finding (`exc.finding`) when it cannot be read. `ledger=False` accepts any workbook
    calamine reads (no 台账 sheet needed; .xls and .ods allowed), for imported lists."""
    path = Path(path)
    early = sniff(path, lang=lang, ledger=ledger)
    if fatal(early):
        raise _refused(path, early[0])
    try:
        book = open_calamine(path)
    except WorkbookReadError as exc:
        raise _refused(
            path, finding("file-unreadable", lang=lang, file=str(path), detail=exc.detail)
        ) from exc
    return OpenedWorkbook(path, book, early)


def _refused(path: Path, reason: Finding) -> WorkbookReadError:
    error = WorkbookReadError(path, reason.message)
    error.finding = reason
    return error


def read_book(path: str | Path, *, lang: str = "zh", formulas: bool = True) -> LedgerBook:
    """Read a ledger workbook into a `LedgerBook` (read-only).

    Never raises for what is in the file: a file that cannot be read gives a book without a
    ledger table whose `findings` say why (`book.fatal`); broken rule sheets, a missing 台账
    sheet or header are findings too. `formulas=False` skips the formula text (lists and
    summaries need only the values)."""
    path = Path(path)
    source = str(path)
    try:
        opened = open_workbook(path, lang=lang)
    except WorkbookReadError as exc:
        return LedgerBook(source, findings=[exc.finding])
    if not formulas:
        return book_from_grids(
            source,
            opened.grid,
            properties=custom_properties(path),
            findings=opened.findings,
            lang=lang,
        )
    # The formula scan runs beside the value read: python-calamine parses a sheet without
    # holding the GIL, so the two overlap on a second core.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger_xl-formulas") as pool:
        scan = pool.submit(_scan_formulas, path)
        book = book_from_grids(
            source,
            opened.grid,
            properties=custom_properties(path),
            findings=opened.findings,
            lang=lang,
        )
        book.formula_source = scan.result()
    return book


def _scan_formulas(path: Path) -> Formulas | WorkbookReadError:
    try:
        return read_formulas(path, layout.SHEET_LEDGER, ALL_COLUMNS, 0, LAST_ROW)
    except WorkbookReadError as exc:  # raised where the formulas are needed
        return exc
