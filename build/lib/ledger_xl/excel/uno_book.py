"""An xlwings-like Book / Sheet / Range over a LibreOffice Calc document (Python-UNO).

The button handlers (`ledger_xl.macros`) are written against xlwings' API; in Excel they get
xlwings' own `Book`, in LibreOffice this adapter, so the same handler runs in both. Only the
subset the handlers use is here, with xlwings' conventions:

- `range.value` is a scalar for one cell, a flat list for one row or column, a list of lists
  otherwise (`.options(ndim=2)` forces 2-D). Empty cells read as None, numbers as float,
  cells with a date/time number format as `datetime` (UNO gives serial numbers; the format
  decides, exactly as Excel's COM decides between a double and a date), boolean-formatted
  cells as bool, error cells as None (or their text with `err_to_str=True`).
- Writing: a scalar fills the range, a list (of lists) grows from the top-left cell; None
  clears; a str starting with "=" is a formula; a str starting with an apostrophe is stored
  as the text after it (Excel's quote prefix); dates and bools get a date / boolean format.
- `range.formula` is Excel's English syntax (`,` separators, `Sheet!A1`, EDATE), read for a
  whole block in one call and translated from LibreOffice's API syntax.
- Colours are `(r, g, b)`; notes, hyperlinks (`#'名'!A1` inside the workbook), fonts,
  number formats, column widths, selection, hidden sheets, tables (Excel ListObjects, which
  LibreOffice keeps as database ranges) with autofilter and resize, and charts.

Handlers read and write in blocks: one UNO call per block is fast (10,000 × 39 cells in about
0.2 s), one per cell is not (about 1 ms each). `Book.ledger_xl_host` carries what xlwings has
no API for (`ledger_xl.excel.host`): properties, protection, locking, messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ledger_xl.core import a1
from ledger_xl.excel.host import AddinError
from ledger_xl.excel.office import import_uno, props

uno = import_uno()
from com.sun.star.lang import DisposedException, IllegalArgumentException, Locale  # noqa: E402
from com.sun.star.table import CellAddress, CellRangeAddress  # noqa: E402
from com.sun.star.uno import RuntimeException  # noqa: E402

# UNO constants (values from the IDL).
_CELLFLAGS_ALL = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 256 | 512  # everything but OBJECTS (128)
_CELLFLAGS_CONTENTS = 1 | 2 | 4 | 16  # VALUE | DATETIME | STRING | FORMULA
_CELLFLAGS_ANNOTATION = 8
_NF_DATE, _NF_TIME, _NF_LOGICAL = 2, 4, 1024
_FORMULA_RESULT_ERROR = 4
_LANG_OOXML, _LANG_XL_ENGLISH = 5, 4
_ADDRESS_XL_OOX = 3
_MAPPING_FUNCTIONS, _MAPPING_ALL = 16, 0x7F
_FILTER_EQUAL = 2  # FilterOperator2.EQUAL
_FIELD_NUMERIC, _FIELD_STRING = 0, 1  # FilterFieldType
_FILTERS = {
    ".xlsx": "Calc MS Excel 2007 XML",
    ".xlsm": "Calc MS Excel 2007 VBA XML",
    ".ods": "calc8",
    ".pdf": "calc_pdf_Export",
}
_POINT = 2540 / 72  # 1/100 mm per point
_CHAR_WIDTH = 7 * 2540 / 96  # 1/100 mm per Excel width unit (a 7-pixel character at 96 dpi)
_CHART_TYPES = {  # xlwings chart_type -> (diagram service, vertical bars, stacked)
    "column_clustered": ("com.sun.star.chart.BarDiagram", False, False),
    "column_stacked": ("com.sun.star.chart.BarDiagram", False, True),
    "bar_clustered": ("com.sun.star.chart.BarDiagram", True, False),
    "bar_stacked": ("com.sun.star.chart.BarDiagram", True, True),
    "line": ("com.sun.star.chart.LineDiagram", False, False),
    "pie": ("com.sun.star.chart.PieDiagram", False, False),
}


# ---------------------------------------------------------------- addresses and colours


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _parse_cell(text: str) -> tuple[int, int]:
    found = _CELL.match(text.strip())
    if not found:
        raise ValueError(f"not a cell address: {text!r}")
    return int(found.group(2)) - 1, a1.column_index(found.group(1))


def _address(r: int, c: int) -> str:
    return a1.cell(r, c, row_abs=True, col_abs=True)


def _rgb_to_int(value: tuple[int, int, int] | str | int) -> int:
    if isinstance(value, str):
        return int(value.lstrip("#"), 16)
    if isinstance(value, int):  # an Excel colour number is 0xBBGGRR
        return ((value & 0xFF) << 16) | (value & 0xFF00) | ((value >> 16) & 0xFF)
    r, g, b = value
    return (r << 16) | (g << 8) | b


def _int_to_rgb(value: int) -> tuple[int, int, int] | None:
    if value < 0:
        return None
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


# ---------------------------------------------------------------- formula text


_STRING_OR_BRACKET = re.compile(r'"(?:[^"]|"")*"|\[(?:[^\[\]]|\[[^\[\]]*\])*\]')
_SHEET_REF = re.compile(
    r"\$?('(?:[^']|'')+'|[^\W\d][\w.]*?)\.(\$?[A-Za-z]{1,3}\$?\d+)(?![\w(])", re.UNICODE
)
_SAME_SHEET_RANGE = re.compile(r"('(?:[^']|'')+'|[^\W\d][\w.]*)!(\$?[A-Za-z]{1,3}\$?\d+):\1!")


def api_to_excel(formula: str, functions: dict[str, str]) -> str:
    """LibreOffice's API formula syntax → Excel's English syntax, for what the ledger uses:
    `;` separators become `,` (inside structured references too), add-in functions get their
    Excel names (`COM.SUN.STAR.SHEET.ADDIN.ANALYSIS.GETEDATE` → `EDATE`), sheet references
    `$Sheet.A1` become `Sheet!A1`. String literals are left alone."""
    out: list[str] = []
    last = 0
    for found in _STRING_OR_BRACKET.finditer(formula):
        out.append(_plain_to_excel(formula[last : found.start()], functions))
        token = found.group()
        out.append(token if token.startswith('"') else token.replace(";", ","))
        last = found.end()
    out.append(_plain_to_excel(formula[last:], functions))
    return "".join(out)


def _plain_to_excel(text: str, functions: dict[str, str]) -> str:
    text = text.replace(";", ",")
    text = re.sub(
        r"COM\.SUN\.STAR\.SHEET\.ADDIN\.[\w.]+(?=\()",
        lambda m: functions.get(m.group().upper(), m.group()),
        text,
        flags=re.IGNORECASE,
    )
    text = _SHEET_REF.sub(lambda m: f"{m.group(1)}!{m.group(2)}", text)
    return _SAME_SHEET_RANGE.sub(lambda m: f"{m.group(1)}!{m.group(2)}:", text)


_XL_SHEET_REF = re.compile(
    r"('(?:[^']|'')+'|[^\W\d][\w.]*)!(\$?[A-Za-z]{1,3}\$?\d+)(?::(\$?[A-Za-z]{1,3}\$?\d+))?(?![\w(])",
    re.UNICODE,
)


def excel_to_api(formula: str, functions: dict[str, str]) -> str:
    """Excel's English syntax → LibreOffice's API syntax (the inverse of `api_to_excel`):
    `,` → `;`, `Sheet!A1:B2` → `$Sheet.A1:$Sheet.B2`, Excel names of add-in functions →
    their programmatic names (`functions`: Excel name upper case → programmatic name)."""
    out: list[str] = []
    last = 0
    for found in _STRING_OR_BRACKET.finditer(formula):
        out.append(_plain_to_api(formula[last : found.start()], functions))
        token = found.group()
        out.append(token if token.startswith('"') else token.replace(",", ";"))
        last = found.end()
    out.append(_plain_to_api(formula[last:], functions))
    return "".join(out)


def _plain_to_api(text: str, functions: dict[str, str]) -> str:
    def sheet_ref(m: re.Match[str]) -> str:
        sheet, first, second = m.group(1), m.group(2), m.group(3)
        return f"${sheet}.{first}" + (f":${sheet}.{second}" if second else "")

    text = _XL_SHEET_REF.sub(sheet_ref, text).replace(",", ";")
    return re.sub(
        r"(?<![\w.])([A-Za-z][A-Za-z0-9.]*)(?=\()",
        lambda m: functions.get(m.group(1).upper(), m.group(1)),
        text,
    )


def _excel_to_ooxml(formula: str, known: set[str]) -> str:
    """Excel's UI spelling → the file format's: functions newer than Excel 2007 get their
    `_xlfn.` prefix, which LibreOffice's OOXML parser expects."""

    def fix(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.upper() not in known and f"_XLFN.{name.upper()}" in known:
            return f"_xlfn.{name}("
        return m.group(0)

    parts = formula.split('"')
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(?<![\w.])([A-Za-z][A-Za-z0-9.]*)\(", fix, parts[i])
    return '"'.join(parts)


# ---------------------------------------------------------------- book and sheets


class Book:
    """An open Calc document, as xlwings' Book."""

    def __init__(self, doc: Any) -> None:
        self.api = doc
        self.ledger_xl_host = UnoHost()
        self._parser: Any = None
        self._ooxml_functions: set[str] = set()
        self._addin_names: dict[str, str] | None = None
        self._locale = Locale("en", "US", "")
        null = doc.NullDate
        self._null_date = dt.datetime(null.Year, null.Month, null.Day)

    def __repr__(self) -> str:
        return f"<Book [{self.name}]>"

    @property
    def fullname(self) -> str:
        url = self.api.getURL()
        return uno.fileUrlToSystemPath(url) if url else ""

    @property
    def name(self) -> str:
        full = self.fullname
        return os.path.basename(full) if full else str(self.api.Title)

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @property
    def selection(self) -> Range | None:
        """The selected cells (the first area of a multiple selection), as a Range."""
        controller = self.api.getCurrentController()
        selected = controller.getSelection() if controller is not None else None
        if selected is None:
            return None
        if hasattr(selected, "getRangeAddresses"):
            addresses = selected.getRangeAddresses()
            if not addresses:
                return None
            address = addresses[0]
        elif hasattr(selected, "getRangeAddress"):
            address = selected.getRangeAddress()
        else:
            return None
        sheet = Sheet(self, self.api.Sheets.getByIndex(address.Sheet))
        return Range(
            sheet, address.StartRow, address.StartColumn, address.EndRow, address.EndColumn
        )

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Save in place, or (like Excel's Save As) to `path`; the suffix picks the format."""
        if path is None:
            self.api.store()
            return
        target = Path(path).resolve()
        fmt = _FILTERS.get(target.suffix.lower())
        if fmt is None:
            raise ValueError(f"unsupported file type: {target.suffix}")
        args = props(FilterName=fmt, Overwrite=True)
        if target.suffix.lower() == ".pdf":
            self.api.storeToURL(target.as_uri(), args)
        else:
            self.api.storeAsURL(target.as_uri(), args)

    def close(self) -> None:
        with contextlib.suppress(DisposedException):
            self.api.close(True)

    def calculate(self) -> None:
        self.api.calculateAll()

    # -- shared by ranges ------------------------------------------------------------------
    def _formula_parser(self) -> Any:
        if self._parser is None:
            parser = self.api.createInstance("com.sun.star.sheet.FormulaParser")
            mapper = self.api.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
            parser.FormulaConvention = _ADDRESS_XL_OOX
            parser.CompileEnglish = True
            parser.OpCodeMap = mapper.getAvailableMappings(_LANG_OOXML, _MAPPING_ALL)
            functions = mapper.getAvailableMappings(_LANG_OOXML, _MAPPING_FUNCTIONS)
            self._ooxml_functions = {e.Name.upper() for e in functions}
            self._parser = parser
        return self._parser

    def _addin_functions(self) -> dict[str, str]:
        """Programmatic add-in function names (upper case) → their Excel names."""
        if self._addin_names is None:
            mapper = self.api.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
            names: dict[str, str] = {}
            for entry in mapper.getAvailableMappings(_LANG_XL_ENGLISH, _MAPPING_FUNCTIONS):
                data = entry.Token.Data
                if isinstance(data, str) and data and not entry.Name.upper().startswith("COM."):
                    names.setdefault(data.upper(), entry.Name)
            self._addin_names = names
        return self._addin_names

    def _format_key(self, fmt: str) -> int:
        formats = self.api.NumberFormats
        key = formats.queryKey(fmt, self._locale, False)
        return key if key != -1 else formats.addNew(fmt, self._locale)

    def _to_datetime(self, serial: float) -> dt.datetime:
        value = self._null_date + dt.timedelta(days=serial)
        micro = round(value.microsecond, -3)  # Excel keeps milliseconds at most
        if micro == 1_000_000:
            return value.replace(microsecond=0) + dt.timedelta(seconds=1)
        return value.replace(microsecond=micro)

    def _to_serial(self, value: dt.date) -> float:
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        return (value.replace(tzinfo=None) - self._null_date).total_seconds() / 86400


class Sheets:
    """The book's sheets: `[0]` / `['台账']`, `(1)` (1-based), `len`, iteration, `in`, `add`."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.api = book.api.Sheets

    def __len__(self) -> int:
        return int(self.api.getCount())

    def __iter__(self) -> Iterator[Sheet]:
        for i in range(len(self)):
            yield Sheet(self.book, self.api.getByIndex(i))

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return Sheet(self.book, self.api.getByIndex(key + len(self) if key < 0 else key))
        if not self.api.hasByName(key):
            raise KeyError(key)
        return Sheet(self.book, self.api.getByName(key))

    def __call__(self, key: int | str) -> Sheet:
        return self[key - 1] if isinstance(key, int) else self[key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.api.hasByName(name))

    @property
    def names(self) -> list[str]:
        return list(self.api.ElementNames)

    @property
    def active(self) -> Sheet:
        return Sheet(self.book, self.book.api.getCurrentController().getActiveSheet())

    def add(
        self,
        name: str | None = None,
        before: Sheet | str | None = None,
        after: Sheet | str | None = None,
    ) -> Sheet:
        """Insert a sheet (at the end when neither `before` nor `after` is given)."""
        lower = [n.lower() for n in self.names]
        if name is None:
            i = len(self) + 1
            while f"sheet{i}" in lower:
                i += 1
            name = f"Sheet{i}"
        elif name.lower() in lower:
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        if before is not None:
            position = self._sheet(before).index - 1
        elif after is not None:
            position = self._sheet(after).index
        else:
            position = len(self)
        self.api.insertNewByName(name, position)
        return self[name]

    def _sheet(self, sheet: Sheet | str) -> Sheet:
        return sheet if isinstance(sheet, Sheet) else self[sheet]


class Sheet:
    def __init__(self, book: Book, api: Any) -> None:
        self.book = book
        self.api = api

    def __repr__(self) -> str:
        return f"<Sheet [{self.book.name}]{self.name}>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Sheet) and other.name == self.name and other.book.api == self.book.api
        )

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def name(self) -> str:
        return str(self.api.getName())

    @name.setter
    def name(self, value: str) -> None:
        self.api.setName(value)

    @property
    def index(self) -> int:
        """1-based, as in Excel."""
        return int(self.api.getRangeAddress().Sheet) + 1

    @property
    def visible(self) -> bool:
        return bool(self.api.IsVisible)

    @visible.setter
    def visible(self, value: bool) -> None:
        self.api.IsVisible = bool(value)

    def activate(self) -> None:
        self.book.api.getCurrentController().setActiveSheet(self.api)

    def select(self) -> None:
        self.activate()

    def range(
        self,
        cell1: str | tuple[int, int] | Range,
        cell2: str | tuple[int, int] | Range | None = None,
    ) -> Range | Areas:
        """`range('A1')`, `range('A1:C3')`, `range((1, 1), (3, 3))` (1-based tuples), and
        several areas at once, `range('A1,C3:D4')` (as Excel's Range("A1,C3:D4"))."""
        if isinstance(cell1, str) and "," in cell1 and cell2 is None:
            return Areas(self, [self.range(part) for part in cell1.split(",")])
        r1, c1, r2, c2 = self._bounds(cell1)
        if cell2 is not None:
            s1, d1, s2, d2 = self._bounds(cell2)
            r1, c1, r2, c2 = min(r1, s1), min(c1, d1), max(r2, s2), max(c2, d2)
        return Range(self, r1, c1, r2, c2)

    def __getitem__(self, address: str) -> Range:
        return self.range(address)

    def cells(self, row: int, column: int) -> Range:
        return Range(self, row - 1, column - 1, row - 1, column - 1)

    @staticmethod
    def _bounds(ref: str | tuple[int, int] | Range) -> tuple[int, int, int, int]:
        if isinstance(ref, Range):
            return ref._r1, ref._c1, ref._r2, ref._c2
        if isinstance(ref, tuple):
            return ref[0] - 1, ref[1] - 1, ref[0] - 1, ref[1] - 1
        parts = ref.split(":")
        r1, c1 = _parse_cell(parts[0])
        r2, c2 = _parse_cell(parts[-1])
        return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)

    @property
    def used_range(self) -> Range:
        """From the first to the last used cell (formatting included); A1 on an empty sheet."""
        cursor = self.api.createCursor()
        cursor.gotoStartOfUsedArea(False)
        cursor.gotoEndOfUsedArea(True)
        a = cursor.getRangeAddress()
        return Range(self, a.StartRow, a.StartColumn, a.EndRow, a.EndColumn)

    def clear(self) -> None:
        self.used_range.clear()

    def clear_contents(self) -> None:
        self.used_range.clear_contents()

    def delete(self) -> None:
        self.book.api.Sheets.removeByName(self.name)

    # -- LibreOffice only: bulk reads and writes over many single cells ----------------------
    # Every cell object a UNO call creates stays registered in the document for a while, and
    # each later change is broadcast to all of them: touching thousands of cells one by one
    # makes every following change slower. These helpers answer for many cells in a few calls
    # (`ledger_xl.excel.workbook.cell_fills` & co. use them when a sheet has them).

    def fills(self, cells: Sequence[str]) -> dict[str, tuple[int, int, int] | None]:
        """The background colour of each cell (A1 addresses): one call groups the cells'
        bounding box by format, then three calls per distinct format."""
        if not cells:
            return {}
        spots = {cell: _parse_cell(cell) for cell in cells}
        rows = [r for r, _ in spots.values()]
        cols = [c for _, c in spots.values()]
        box = self.api.getCellRangeByPosition(min(cols), min(rows), max(cols), max(rows))
        groups = box.getUniqueCellFormatRanges()
        small: dict[tuple[int, int], tuple[int, int, int] | None] = {}
        large: list[tuple[int, int, int, int, tuple[int, int, int] | None]] = []
        for g in range(groups.getCount()):
            group = groups.getByIndex(g)
            colour = None if group.IsCellBackgroundTransparent else _int_to_rgb(group.CellBackColor)
            for a in group.getRangeAddresses():
                r1, r2, c1, c2 = a.StartRow, a.EndRow, a.StartColumn, a.EndColumn
                if (r2 - r1 + 1) * (c2 - c1 + 1) <= 64:
                    small.update(
                        {(r, c): colour for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
                    )
                else:
                    large.append((r1, r2, c1, c2, colour))
        out: dict[str, tuple[int, int, int] | None] = {}
        for cell, (r, c) in spots.items():
            if (r, c) in small:
                out[cell] = small[(r, c)]
                continue
            out[cell] = next(
                (colour for r1, r2, c1, c2, colour in large if r1 <= r <= r2 and c1 <= c <= c2),
                None,
            )
        return out

    def notes(self, cells: Sequence[str]) -> dict[str, str]:
        """The note text of those cells that have one: one query finds them, then one call
        per cell with a note."""
        if not cells:
            return {}
        spots = {_parse_cell(cell): cell for cell in cells}
        rows = [r for r, _ in spots]
        cols = [c for _, c in spots]
        box = self.api.getCellRangeByPosition(min(cols), min(rows), max(cols), max(rows))
        try:
            found = box.queryContentCells(_CELLFLAGS_ANNOTATION)
        except RuntimeException:
            return {}
        out = {}
        for a in found.getRangeAddresses():
            for r in range(a.StartRow, a.EndRow + 1):
                for c in range(a.StartColumn, a.EndColumn + 1):
                    if (r, c) in spots:
                        text = self.api.getCellByPosition(c, r).getAnnotation().getString()
                        if text:
                            out[spots[(r, c)]] = text
        return out

    def add_notes(self, notes: dict[str, str]) -> None:
        """New notes on cells that have none (A1 address → text), one call each."""
        annotations = self.api.Annotations
        index = self.index - 1
        for cell, text in notes.items():
            r, c = _parse_cell(cell)
            annotations.insertNew(CellAddress(index, c, r), text)

    def delete_notes(self, cells: Sequence[str]) -> None:
        """Remove the notes of these cells in one call."""
        if cells:
            self.range(",".join(cells)).api.clearContents(_CELLFLAGS_ANNOTATION)

    @property
    def tables(self) -> Tables:
        return Tables(self)

    @property
    def charts(self) -> Charts:
        return Charts(self)


# ---------------------------------------------------------------- range


class Note:
    """A cell note (LibreOffice: annotation; Excel: legacy comment)."""

    def __init__(self, rng: Range) -> None:
        self._rng = rng

    @property
    def api(self) -> Any:
        return self._rng._cell_api().getAnnotation()

    @property
    def text(self) -> str:
        return str(self.api.getString())

    @text.setter
    def text(self, value: str) -> None:
        self.api.setString(value)

    def delete(self) -> None:
        self._rng.api.clearContents(_CELLFLAGS_ANNOTATION)


class Font:
    def __init__(self, rng: Range) -> None:
        self._api = rng.api

    @property
    def bold(self) -> bool:
        return float(self._api.CharWeight) >= 150.0

    @bold.setter
    def bold(self, value: bool) -> None:
        self._api.CharWeight = 150.0 if value else 100.0

    @property
    def color(self) -> tuple[int, int, int] | None:
        return _int_to_rgb(self._api.CharColor)

    @color.setter
    def color(self, value: tuple[int, int, int] | str | None) -> None:
        self._api.CharColor = -1 if value is None else _rgb_to_int(value)

    @property
    def size(self) -> float:
        return float(self._api.CharHeight)

    @size.setter
    def size(self, value: float) -> None:
        self._api.CharHeight = float(value)


class Range:
    """Cells `_r1.._r2` × `_c1.._c2` (0-based, inclusive) of one sheet."""

    def __init__(
        self,
        sheet: Sheet,
        r1: int,
        c1: int,
        r2: int,
        c2: int,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.sheet = sheet
        self._r1, self._c1, self._r2, self._c2 = r1, c1, r2, c2
        self._options = options or {}
        self._api: Any = None

    def __repr__(self) -> str:
        return f"<Range [{self.sheet.book.name}]{self.sheet.name}!{self.address}>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Range)
            and other.sheet == self.sheet
            and (other._r1, other._c1, other._r2, other._c2)
            == (self._r1, self._c1, self._r2, self._c2)
        )

    def __hash__(self) -> int:
        return hash((self.sheet.name, self._r1, self._c1, self._r2, self._c2))

    # -- geometry -----------------------------------------------------------------------------
    @property
    def api(self) -> Any:
        if self._api is None:
            self._api = self.sheet.api.getCellRangeByPosition(
                self._c1, self._r1, self._c2, self._r2
            )
        return self._api

    def _cell_api(self) -> Any:
        return self.sheet.api.getCellByPosition(self._c1, self._r1)

    @property
    def row(self) -> int:
        return self._r1 + 1

    @property
    def column(self) -> int:
        return self._c1 + 1

    @property
    def shape(self) -> tuple[int, int]:
        return self._r2 - self._r1 + 1, self._c2 - self._c1 + 1

    @property
    def count(self) -> int:
        rows, cols = self.shape
        return rows * cols

    def __len__(self) -> int:
        return self.count

    @property
    def address(self) -> str:
        first = _address(self._r1, self._c1)
        return first if self.count == 1 else f"{first}:{_address(self._r2, self._c2)}"

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self._r2, self._c2, self._r2, self._c2)

    def __call__(self, row: int, column: int = 1) -> Range:
        """1-based cell relative to the top-left (may lie outside the range, as in xlwings)."""
        r, c = self._r1 + row - 1, self._c1 + column - 1
        return Range(self.sheet, r, c, r, c)

    def offset(self, row_offset: int = 0, column_offset: int = 0) -> Range:
        return Range(
            self.sheet,
            self._r1 + row_offset,
            self._c1 + column_offset,
            self._r2 + row_offset,
            self._c2 + column_offset,
        )

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> Range:
        rows, cols = self.shape
        rows, cols = row_size or rows, column_size or cols
        return Range(self.sheet, self._r1, self._c1, self._r1 + rows - 1, self._c1 + cols - 1)

    def options(
        self, ndim: int | None = None, err_to_str: bool = False, empty: Any = None
    ) -> Range:
        """xlwings' converter options `ndim` (1 or 2), `err_to_str` and `empty`."""
        opts = {"ndim": ndim, "err_to_str": err_to_str, "empty": empty}
        return Range(self.sheet, self._r1, self._c1, self._r2, self._c2, opts)

    def select(self) -> None:
        controller = self.sheet.book.api.getCurrentController()
        controller.setActiveSheet(self.sheet.api)
        controller.select(self.api)

    @property
    def column_width(self) -> float:
        width = self.sheet.api.getColumns().getByIndex(self._c1).Width
        return float(width) / _CHAR_WIDTH

    @column_width.setter
    def column_width(self, value: float) -> None:
        columns = self.sheet.api.getColumns()
        for c in range(self._c1, self._c2 + 1):
            columns.getByIndex(c).Width = round(float(value) * _CHAR_WIDTH)

    # -- values -------------------------------------------------------------------------------
    def _shape_out(self, grid: list[list[Any]]) -> Any:
        ndim = self._options.get("ndim")
        rows, cols = self.shape
        if ndim == 2:
            return grid
        if ndim == 1 or (ndim is None and (rows == 1 or cols == 1)):
            if rows == 1 and cols == 1 and ndim is None:
                return grid[0][0]
            return [v for row in grid for v in row]
        return grid

    @property
    def raw_value(self) -> Any:
        """The cells as UNO gives them: floats, strings ('' when empty), None for errors."""
        data = self.api.getDataArray()
        return data[0][0] if self.count == 1 else [list(row) for row in data]

    @property
    def value(self) -> Any:
        data = [list(row) for row in self.api.getDataArray()]
        empty = self._options.get("empty")
        errors = self._error_cells() if self._options.get("err_to_str") else {}
        kinds = self._typed_cells()
        book = self.sheet.book
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                if v == "":
                    row[j] = empty
                elif v is None:  # an error cell
                    row[j] = errors.get((i, j))
                elif isinstance(v, float) and kinds:
                    kind = kinds.get((i, j))
                    if kind == "date":
                        row[j] = book._to_datetime(v)
                    elif kind == "bool":
                        row[j] = bool(v)
        return self._shape_out(data)

    @value.setter
    def value(self, data: Any) -> None:
        grid = _as_grid(data)
        if grid is None:  # a scalar fills the whole range, as in xlwings
            rows, cols = self.shape
            grid = [[data] * cols for _ in range(rows)]
        width = max(len(r) for r in grid)
        target = self.resize(len(grid), width)
        book = self.sheet.book
        cells: list[list[Any]] = []
        formulas: list[tuple[int, int, str]] = []
        typed: dict[str, list[tuple[int, int]]] = {"date": [], "bool": []}
        for i, row in enumerate(grid):
            out: list[Any] = []
            for j in range(width):
                v = row[j] if j < len(row) else None
                if v is None:
                    out.append("")
                elif isinstance(v, bool):
                    out.append(1.0 if v else 0.0)
                    typed["bool"].append((i, j))
                elif isinstance(v, dt.date):
                    out.append(book._to_serial(v))
                    typed["date"].append((i, j))
                elif isinstance(v, str):
                    if v.startswith("'"):
                        out.append(v[1:])  # Excel's quote prefix: the rest is text
                    elif v.startswith("="):
                        formulas.append((i, j, v))
                        out.append("")
                    else:
                        out.append(v)
                elif isinstance(v, int | float):
                    out.append(float(v))
                else:
                    try:
                        out.append(float(v))  # numpy scalars and the like
                    except (TypeError, ValueError):
                        out.append(str(v))
            cells.append(out)
        notes = target._notes()
        target.api.setDataArray(tuple(tuple(r) for r in cells))
        if notes:  # LibreOffice drops a cell's note when setDataArray writes it; Excel keeps it
            annotations = self.sheet.api.Annotations
            for (r, c), text in notes.items():
                if not self.sheet.api.getCellByPosition(c, r).getAnnotation().getString():
                    annotations.insertNew(CellAddress(self.sheet.index - 1, c, r), text)
        if formulas:
            target._write_formulas(formulas)
        if typed["date"] or typed["bool"]:
            target._format_typed(grid, typed)

    def _write_formulas(self, formulas: list[tuple[int, int, str]]) -> None:
        """Formula cells (range-relative), one call per vertical run: Excel's syntax turned
        into LibreOffice's API syntax and written with setFormulaArray."""
        book = self.sheet.book
        functions = {name.upper(): data for data, name in book._addin_functions().items()}
        by_column: dict[int, list[tuple[int, str]]] = {}
        for i, j, text in formulas:
            by_column.setdefault(j, []).append((i, excel_to_api(text, functions)))
        for j, cells in by_column.items():
            cells.sort()
            run = [cells[0]]
            for cell in [*cells[1:], None]:
                if cell is not None and cell[0] == run[-1][0] + 1:
                    run.append(cell)
                    continue
                first = run[0][0]
                target = self.sheet.api.getCellRangeByPosition(
                    self._c1 + j, self._r1 + first, self._c1 + j, self._r1 + run[-1][0]
                )
                target.setFormulaArray(tuple((text,) for _, text in run))
                if cell is not None:
                    run = [cell]

    def _notes(self) -> dict[tuple[int, int], str]:
        """The notes in this range by absolute (row, column): one query, then one call per
        cell that has a note."""
        try:
            found = self.api.queryContentCells(_CELLFLAGS_ANNOTATION)
        except RuntimeException:
            return {}
        out = {}
        for a in found.getRangeAddresses():
            for r in range(a.StartRow, a.EndRow + 1):
                for c in range(a.StartColumn, a.EndColumn + 1):
                    text = self.sheet.api.getCellByPosition(c, r).getAnnotation().getString()
                    if text:
                        out[(r, c)] = text
        return out

    def _format_typed(self, grid: list[list[Any]], typed: dict[str, list[tuple[int, int]]]) -> None:
        """Give cells written a date or a bool a date / boolean number format unless they have
        one (as Excel does), in a few calls whatever the number of cells."""
        book = self.sheet.book
        current = self._typed_cells()
        for kind, positions in typed.items():
            todo = [(i, j) for i, j in positions if current.get((i, j)) != kind]
            if not todo:
                continue
            if kind == "bool":
                groups = {book.api.NumberFormats.getStandardFormat(_NF_LOGICAL, book._locale): todo}
            else:
                with_time = [
                    (i, j)
                    for i, j in todo
                    if isinstance(grid[i][j], dt.datetime) and grid[i][j].time() != dt.time()
                ]
                groups = {
                    book._format_key("yyyy-mm-dd hh:mm:ss"): with_time,
                    book._format_key("yyyy-mm-dd"): sorted(set(todo) - set(with_time)),
                }
            for key, cells in groups.items():
                if cells:
                    ranges = book.api.createInstance("com.sun.star.sheet.SheetCellRanges")
                    ranges.addRangeAddresses(tuple(self._runs(cells)), False)
                    ranges.setPropertyValue("NumberFormat", key)

    def _runs(self, cells: list[tuple[int, int]]) -> Iterator[Any]:
        """CellRangeAddresses covering `cells` (range-relative), one per vertical run."""
        sheet = self.sheet.index - 1
        for col in sorted({j for _, j in cells}):
            rows = sorted(i for i, j in cells if j == col)
            start = prev = rows[0]
            for r in [*rows[1:], None]:
                if r is not None and r == prev + 1:
                    prev = r
                    continue
                c = self._c1 + col
                yield CellRangeAddress(sheet, c, self._r1 + start, c, self._r1 + prev)
                if r is not None:
                    start = prev = r

    def _typed_cells(self) -> dict[tuple[int, int], str]:
        """Cells whose number format is a date/time or boolean one, by (row, col) in this
        range: one call groups the range by format, only typed groups are expanded."""
        out: dict[tuple[int, int], str] = {}
        formats = self.sheet.book.api.NumberFormats
        groups = self.api.getUniqueCellFormatRanges()
        for g in range(groups.getCount()):
            ranges = groups.getByIndex(g)
            ftype = formats.getByKey(ranges.NumberFormat).Type
            kind = (
                "date" if ftype & (_NF_DATE | _NF_TIME) else "bool" if ftype & _NF_LOGICAL else None
            )
            if kind is None:
                continue
            for a in ranges.getRangeAddresses():
                for r in range(a.StartRow, a.EndRow + 1):
                    for c in range(a.StartColumn, a.EndColumn + 1):
                        out[(r - self._r1, c - self._c1)] = kind
        return out

    def _error_cells(self) -> dict[tuple[int, int], str]:
        out: dict[tuple[int, int], str] = {}
        try:
            found = self.api.queryFormulaCells(_FORMULA_RESULT_ERROR)
        except RuntimeException:
            return out
        for a in found.getRangeAddresses():
            for r in range(a.StartRow, a.EndRow + 1):
                for c in range(a.StartColumn, a.EndColumn + 1):
                    text = self.sheet.api.getCellByPosition(c, r).getString()
                    out[(r - self._r1, c - self._c1)] = text
        return out

    # -- formulas -----------------------------------------------------------------------------
    @property
    def formula(self) -> Any:
        """Excel syntax. One cell: a string; several: a tuple of tuples (as xlwings). Cells
        without a formula give their constant as text ("" when empty)."""
        functions = self.sheet.book._addin_functions()
        converted: dict[str, str] = {}
        out = []
        for row in self.api.getFormulaArray():
            line = []
            for text in row:
                if text.startswith("="):
                    if text not in converted:
                        converted[text] = api_to_excel(text, functions)
                    text = converted[text]
                line.append(text)
            out.append(tuple(line))
        return out[0][0] if self.count == 1 else tuple(out)

    @formula.setter
    def formula(self, value: str | Sequence[Sequence[str]]) -> None:
        book = self.sheet.book
        parser = book._formula_parser()
        grid = (
            [[value] * self.shape[1] for _ in range(self.shape[0])]
            if isinstance(value, str)
            else [list(r) for r in value]
        )
        for i, row in enumerate(grid):
            for j, text in enumerate(row):
                cell = self.sheet.api.getCellByPosition(self._c1 + j, self._r1 + i)
                if isinstance(text, str) and text.startswith("="):
                    pos = CellAddress(self.sheet.index - 1, self._c1 + j, self._r1 + i)
                    ooxml = _excel_to_ooxml(text, book._ooxml_functions)
                    cell.setTokens(parser.parseFormula(ooxml, pos))
                else:
                    cell.setFormula("" if text is None else str(text))

    # -- formatting ---------------------------------------------------------------------------
    @property
    def color(self) -> tuple[int, int, int] | None:
        if self.api.IsCellBackgroundTransparent:
            return None
        return _int_to_rgb(self.api.CellBackColor)

    @color.setter
    def color(self, value: tuple[int, int, int] | str | int | None) -> None:
        if value is None:
            self.api.CellBackColor = -1
            self.api.IsCellBackgroundTransparent = True
        else:
            self.api.CellBackColor = _rgb_to_int(value)

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def number_format(self) -> str:
        return str(self.sheet.book.api.NumberFormats.getByKey(self.api.NumberFormat).FormatString)

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        self.api.NumberFormat = self.sheet.book._format_key(fmt)

    def clear_contents(self) -> None:
        """Values and formulas (formats and notes stay), like Excel's ClearContents."""
        self.api.clearContents(_CELLFLAGS_CONTENTS)

    def clear(self) -> None:
        """Contents, formats and notes, like Excel's Clear."""
        self.api.clearContents(_CELLFLAGS_ALL)

    # -- notes and hyperlinks -------------------------------------------------------------------
    @property
    def note(self) -> Note | None:
        # Every cell has an (empty) annotation object; only a non-empty one is a note.
        return Note(self) if self._cell_api().getAnnotation().getString() else None

    def add_note(self, text: str) -> Note:
        if not isinstance(text, str):
            raise TypeError("Note text must be a string")
        if not text:
            raise ValueError("Note text must not be empty")
        if self.shape != (1, 1):
            raise ValueError("A note can only be added to a single cell")
        if self.note is not None:
            raise ValueError("This cell already has a note")
        address = CellAddress(self.sheet.index - 1, self._c1, self._r1)
        self.sheet.api.Annotations.insertNew(address, text)
        return Note(self)

    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None:
        """`address` as in Excel: a URL, or `#Sheet!A1` / `#'名 称'!A1` inside the workbook
        (stored as LibreOffice's `#Sheet.A1`; saving as xlsx makes it an internal link again).
        The cell shows `text_to_display`; LibreOffice cells have no screen tip."""
        if text_to_display is None:
            text_to_display = address
        field = self.sheet.book.api.createInstance("com.sun.star.text.TextField.URL")
        field.URL = _lo_internal_link(address)
        field.Representation = text_to_display
        text = self._cell_api().getText()
        text.setString("")
        text.insertTextContent(text.createTextCursor(), field, False)

    @property
    def hyperlink(self) -> str:
        fields = self._cell_api().getTextFields().createEnumeration()
        while fields.hasMoreElements():
            url = getattr(fields.nextElement(), "URL", None)
            if url:
                return _xl_internal_link(str(url))
        raise ValueError("The cell doesn't seem to contain a hyperlink!")


def _lo_internal_link(address: str) -> str:
    found = re.match(r"^#(?:'((?:[^']|'')+)'|([^!']+))!(.+)$", address)
    if not found:
        return address
    sheet = (found.group(1) or found.group(2)).replace("''", "'")
    return f"#{sheet}.{found.group(3)}"


def _xl_internal_link(url: str) -> str:
    found = re.match(r"^#(.+)\.(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)$", url)
    if not found:
        return url
    sheet = found.group(1).strip("$").strip("'")
    quoted = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"#{quoted}!{found.group(2)}"


def _as_grid(data: Any) -> list[list[Any]] | None:
    """None for a scalar; a list of rows for a 1-D (one row) or 2-D sequence."""
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        if hasattr(data, "tolist"):  # numpy arrays
            return _as_grid(data.tolist())
        return None
    if not data:
        return [[None]]
    if isinstance(data[0], Sequence) and not isinstance(data[0], str | bytes):
        return [list(r) for r in data]
    return [list(data)]


class Areas:
    """Several ranges of one sheet addressed together (`sheet.range("A1,C3:D4")`): what
    xlwings gives for a multi-area address, for the formatting the handlers do in one call."""

    def __init__(self, sheet: Sheet, parts: list[Range]) -> None:
        self.sheet = sheet
        self.parts = parts
        ranges = sheet.book.api.createInstance("com.sun.star.sheet.SheetCellRanges")
        index = sheet.index - 1
        ranges.addRangeAddresses(
            tuple(CellRangeAddress(index, r._c1, r._r1, r._c2, r._r2) for r in parts), False
        )
        self.api = ranges

    @property
    def address(self) -> str:
        return ",".join(r.address for r in self.parts)

    @property
    def count(self) -> int:
        return sum(r.count for r in self.parts)

    @property
    def color(self) -> tuple[int, int, int] | None:
        colours = {r.color for r in self.parts}
        return colours.pop() if len(colours) == 1 else None

    @color.setter
    def color(self, value: tuple[int, int, int] | str | int | None) -> None:
        if value is None:
            self.api.CellBackColor = -1
            self.api.IsCellBackgroundTransparent = True
        else:
            self.api.CellBackColor = _rgb_to_int(value)


# ---------------------------------------------------------------- tables


class Tables:
    """The sheet's tables (Excel ListObjects; LibreOffice database ranges), by name."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet

    def _ranges(self) -> Any:
        return self.sheet.book.api.DatabaseRanges

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._names()

    def _names(self) -> list[str]:
        ranges = self._ranges()
        index = self.sheet.index - 1
        return [n for n in ranges.ElementNames if ranges.getByName(n).getDataArea().Sheet == index]

    def __getitem__(self, name: str) -> Table:
        if name not in self._names():
            raise KeyError(name)
        return Table(self.sheet, self._ranges().getByName(name))

    def __iter__(self) -> Iterator[Table]:
        for name in self._names():
            yield self[name]


class Table:
    def __init__(self, sheet: Sheet, api: Any) -> None:
        self.sheet = sheet
        self.api = api

    @property
    def name(self) -> str:
        return str(self.api.getName())

    @property
    def range(self) -> Range:
        """The whole table, header row included."""
        a = self.api.getDataArea()
        return Range(self.sheet, a.StartRow, a.StartColumn, a.EndRow, a.EndColumn)

    @property
    def header_row_range(self) -> Range:
        whole = self.range
        return whole.resize(1)

    @property
    def data_body_range(self) -> Range | None:
        whole = self.range
        rows, cols = whole.shape
        return None if rows < 2 else whole.offset(1).resize(rows - 1, cols)

    def resize(self, rng: Range) -> None:
        """The table now covers `rng` (header row first), as Excel's ListObject.Resize."""
        self.api.setDataArea(
            CellRangeAddress(self.sheet.index - 1, rng._c1, rng._r1, rng._c2, rng._r2)
        )

    @property
    def autofilter(self) -> AutoFilter:
        return AutoFilter(self)


class AutoFilter:
    """xlwings' AutoFilter (subset): show rows whose field matches any of some values."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def apply_values(self, field: int, values: Sequence[str | int | float | bool]) -> None:
        """Filter the 1-based column `field` of the table to rows matching any of `values`."""
        if isinstance(values, str | bytes) or not values:
            raise ValueError("values must be a non-empty sequence")
        db = self._table.api
        db.AutoFilter = True
        descriptor = db.getFilterDescriptor()
        descriptor.ContainsHeader = True
        entries = []
        for value in values:
            entry = uno.createUnoStruct("com.sun.star.sheet.FilterFieldValue")
            entry.IsNumeric = not isinstance(value, str)
            entry.FilterType = _FIELD_NUMERIC if entry.IsNumeric else _FIELD_STRING
            if entry.IsNumeric:
                entry.NumericValue = float(value)
            else:
                entry.StringValue = value
            entries.append(entry)
        condition = uno.createUnoStruct("com.sun.star.sheet.TableFilterField3")
        condition.Field = field - 1
        condition.Operator = _FILTER_EQUAL
        condition.Values = tuple(entries)
        descriptor.setFilterFields3((condition,))
        db.refresh()

    def clear(self, field: int | None = None) -> None:
        """Show every row again (the filter buttons stay)."""
        db = self._table.api
        db.getFilterDescriptor().setFilterFields3(())
        db.refresh()
        whole = self._table.range.api  # an empty filter on the cells shows every row again
        whole.filter(whole.createFilterDescriptor(True))

    @property
    def hidden_rows(self) -> list[int]:
        """1-based sheet rows the filter hides (LibreOffice only; for tests)."""
        rows = self._table.sheet.api.getRows()
        whole = self._table.range
        return [r + 1 for r in range(whole._r1, whole._r2 + 1) if not rows.getByIndex(r).IsVisible]


# ---------------------------------------------------------------- charts


class Charts:
    """The sheet's charts: `add(left, top, width, height)` (points), as xlwings."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet

    def __len__(self) -> int:
        return int(self.sheet.api.Charts.getCount())

    @property
    def names(self) -> list[str]:
        return list(self.sheet.api.Charts.ElementNames)

    def add(
        self, left: float = 0, top: float = 0, width: float = 355, height: float = 211
    ) -> Chart:
        return Chart(self.sheet, left, top, width, height)


class Chart:
    """A chart; LibreOffice creates it when it gets its source data (`set_source_data`)."""

    def __init__(self, sheet: Sheet, left: float, top: float, width: float, height: float) -> None:
        self.sheet = sheet
        self._geometry = (left, top, width, height)
        self._type = "column_clustered"
        self._name = f"Chart{len(Charts(sheet)) + 1}"
        self._created = False

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if self._created:
            raise ValueError("name the chart before setting its source data")
        self._name = value

    def set_source_data(self, source: Range) -> None:
        left, top, width, height = self._geometry
        rect = uno.createUnoStruct("com.sun.star.awt.Rectangle")
        rect.X, rect.Y = round(left * _POINT), round(top * _POINT)
        rect.Width, rect.Height = round(width * _POINT), round(height * _POINT)
        area = CellRangeAddress(
            self.sheet.index - 1, source._c1, source._r1, source._c2, source._r2
        )
        charts = self.sheet.api.Charts
        if charts.hasByName(self._name):
            charts.removeByName(self._name)
        charts.addNewByName(self._name, rect, (area,), True, True)
        self._created = True
        self._apply_type()

    @property
    def chart_type(self) -> str:
        return self._type

    @chart_type.setter
    def chart_type(self, value: str) -> None:
        if value not in _CHART_TYPES:
            raise ValueError(f"unsupported chart type {value!r}")
        self._type = value
        if self._created:
            self._apply_type()

    def _apply_type(self) -> None:
        service, vertical, stacked = _CHART_TYPES[self._type]
        document = self.sheet.api.Charts.getByName(self._name).getEmbeddedObject()
        diagram = document.createInstance(service)
        document.setDiagram(diagram)
        if service.endswith("BarDiagram"):
            diagram.Vertical = vertical
            diagram.Stacked = stacked

    @property
    def api(self) -> Any:
        return self.sheet.api.Charts.getByName(self._name)


# ---------------------------------------------------------------- what xlwings has no API for


class UnoHost:
    """`ledger_xl.excel.host.Host` for LibreOffice: properties, protection, locking, and
    messages (kept in `messages`: a headless office has nobody to show them to)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def properties(self, book: Book) -> dict[str, str]:
        user = book.api.getDocumentProperties().getUserDefinedProperties()
        names = [p.Name for p in user.getPropertySetInfo().getProperties()]
        return {name: str(user.getPropertyValue(name)) for name in names}

    def is_protected(self, sheet: Sheet) -> bool:
        return bool(sheet.api.isProtected())

    @contextlib.contextmanager
    def unprotected(self, sheet: Sheet, password: str | None = None) -> Iterator[None]:
        """The sheet unprotected inside the block (with `password`, or none), protected again
        after it with the same password."""
        if not sheet.api.isProtected():
            yield
            return
        secret = password or ""
        try:
            sheet.api.unprotect(secret)
        except IllegalArgumentException:
            raise AddinError(
                f"工作表“{sheet.name}”设有保护密码，请提供密码后重试"
                if not password
                else f"工作表“{sheet.name}”的保护密码不对"
            ) from None
        try:
            yield
        finally:
            sheet.api.protect(secret)

    def lock(self, rng: Range, locked: bool = True) -> None:
        protection = rng.api.CellProtection
        protection.IsLocked = locked
        rng.api.CellProtection = protection

    def tell(self, book: Book, text: str) -> None:
        self.messages.append(text)

    @contextlib.contextmanager
    def busy(self, book: Book) -> Iterator[None]:
        """No optimal-row-height layout while the handler works: LibreOffice otherwise lays
        out every row between the first and the last cell a change touches (seconds for a
        change spread over a 10,000-row sheet)."""
        doc = book.api
        adjusting = doc.IsAdjustHeightEnabled
        doc.IsAdjustHeightEnabled = False
        try:
            yield
        finally:
            doc.IsAdjustHeightEnabled = adjusting
