"""Reading ledger workbooks: read-only, fast values with python-calamine, cell addresses kept.

Columns are found by header text (with aliases), not position. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from ledger_xl.core import layout
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import Rules
from ledger_xl.io.xlsx import rulesheets


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


@dataclass
class LedgerWorkbook:
    path: Path
    rules: Rules
    ledger: Table
    credentials: Table | None
    reviews: Table | None
    as_of: dt.date | None
    properties: dict[str, str]


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


def find_header_row(grid: Grid, headers: dict[str, tuple[str, ...]], scan: int = 20) -> int | None:
    """The first row among the top `scan` that holds at least half of the known headers."""
    names = {n for options in headers.values() for n in options}
    need = max(2, len(headers) // 2)
    for row in range(min(scan, grid.height)):
        hits = sum(
            1
            for col in range(grid.width)
            if isinstance(grid.value(row, col), str) and grid.value(row, col).strip() in names
        )
        if hits >= need:
            return row
    return None


def read_table(grid: Grid, headers: dict[str, tuple[str, ...]]) -> Table | None:
    """The table under the header row: rows up to the last non-empty one, keyed by column key.

    Columns are matched by header text or alias; an unknown header is listed in
    `unknown_headers`, a second column with a known header in `duplicate_columns`.
    """
    header_row = find_header_row(grid, headers)
    if header_row is None:
        return None
    by_name = {n: key for key, options in headers.items() for n in options}
    columns: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: dict[str, list[int]] = {}
    for col in range(grid.width):
        text = grid.value(header_row, col)
        if not isinstance(text, str) or not text.strip():
            continue
        key = by_name.get(text.strip())
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


def ledger_headers(rules: Rules) -> dict[str, tuple[str, ...]]:
    return {f.key: (f.header, *f.aliases) for f in rules.fields}


def side_headers(columns: tuple[layout.Column, ...]) -> dict[str, tuple[str, ...]]:
    return {c.key: (c.header, *c.aliases) for c in columns}


def read_ledger_workbook(path: str | Path) -> LedgerWorkbook:
    """Read a ledger workbook (values as cached in the file) with its own rules."""
    path = Path(path)
    book = open_calamine(path)
    rules = rulesheets.read_rules(lambda name: sheet_grid(book, name))
    grid = sheet_grid(book, layout.SHEET_LEDGER)
    if grid is None:
        raise WorkbookReadError(path, f"找不到工作表“{layout.SHEET_LEDGER}”")
    ledger = read_table(grid, ledger_headers(rules))
    if ledger is None:
        raise WorkbookReadError(path, f"工作表“{layout.SHEET_LEDGER}”中找不到台账表头")
    as_of = grid.value(0, 1)
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    credentials = reviews = None
    if (g := sheet_grid(book, layout.SHEET_CREDENTIALS)) is not None:
        credentials = read_table(g, side_headers(layout.CREDENTIAL_COLUMNS))
    if (g := sheet_grid(book, layout.SHEET_REVIEWS)) is not None:
        reviews = read_table(g, side_headers(layout.REVIEW_COLUMNS))
    return LedgerWorkbook(
        path,
        rules,
        ledger,
        credentials,
        reviews,
        as_of if isinstance(as_of, dt.date) else None,
        custom_properties(path),
    )
