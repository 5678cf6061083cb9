"""What the summary and due workbooks share: a fresh workbook with common formats, and the
list sheets (逾期客户, 证件到期, 风险预警, ...) — one Excel table per list.

A list sheet is an Excel table with its header on row 1 (filters on, header frozen and
repeated on every printed page), dates as yyyy-mm-dd, days as whole numbers, the source file
shown by its name. When the list has a flag column (到期提示 / 证件状态), its overdue rows
are filled red and the ones falling due amber by conditional formatting keyed on that column
— the ledger's own convention — so the colours follow the rows when a user sorts or filters.
An empty list keeps its sheet: the header, one blank table row, and a line saying so.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.core import layout
from ledger_xl.core.due import LABELS
from ledger_xl.core.errors import OutputError
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.kit import AMBER, EXCEL_MAX_ROWS, FILL_HEADER, landscape

DATE_FORMAT = "yyyy-mm-dd"
TABLE_STYLE = "Table Style Light 9"

# Column kinds by key; everything else is text.
DATE_KEYS = frozenset({"last_review", "next_review", "expires", "previous_review", "submitted"})
WHOLE_KEYS = frozenset({"days", "row", "waited"})
SCORE_KEYS = frozenset({"composite_score", "previous_score"})
FILE_KEY = "file"
CENTRED_KEYS = frozenset({"grade", "previous_grade", "risk_level"})

# (minimum, maximum) column width in Excel character units by key; default for text.
_WIDTHS = {
    "flag": (10, 12),
    "doc_status": (10, 12),
    "warning": (12, 22),
    "customer_id": (10, 14),
    "name": (16, 36),
    "branch": (10, 16),
    "reason": (14, 48),
    "detail": (24, 56),
    "waited": (8, 12),
    "doc_number": (12, 30),
    FILE_KEY: (12, 30),
    "row": (6, 8),
    "days": (8, 12),
}
_TEXT_WIDTH = (8, 20)
_DATE_WIDTH = (12, 14)
_SCORE_WIDTH = (9, 11)


@dataclass(frozen=True)
class ListSpec:
    """One list sheet: its name, Excel table name, columns (keys of `due.LABELS`), the
    column whose value colours a row (with the red and amber values), and the line shown
    when there is nothing to list."""

    sheet: str
    table: str
    columns: tuple[str, ...]
    empty: str
    flag: str | None = None
    red: str | None = None
    amber: str | None = None
    also_red: tuple[str, ...] = ()  # more flag values filled red


def review_spec(sheet: str, table: str, columns: tuple[str, ...], empty: str) -> ListSpec:
    """A list of `due.due_reviews` rows: 已逾期 and 提前复审 red, 即将到期 amber."""
    return ListSpec(
        sheet,
        table,
        columns,
        empty,
        "flag",
        layout.DUE_OVERDUE,
        layout.DUE_SOON,
        also_red=(layout.DUE_EARLY,),
    )


def document_spec(sheet: str, table: str, columns: tuple[str, ...], empty: str) -> ListSpec:
    """A list of `due.expiring_documents` rows: 已过期 red, 即将到期 amber."""
    return ListSpec(sheet, table, columns, empty, "doc_status", layout.DOC_EXPIRED, layout.DOC_SOON)


def check_rows(frames: dict[str, pd.DataFrame]) -> None:
    """Refuse a list longer than an Excel sheet holds (before anything is written)."""
    for name, frame in frames.items():
        if len(frame) >= EXCEL_MAX_ROWS - 1:
            raise OutputError(
                f"“{name}”共 {len(frame)} 行，超过 Excel 一张工作表的行数上限；请按分公司分开输出"
            )


# The styles of the summary and due workbooks, besides `kit.STYLES` (see `list_formats`).
STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 16, "font_color": FILL_HEADER},
    "subtitle": {"bold": True, "font_size": 12, "font_color": FILL_HEADER},
    "wrap": {"text_wrap": True, "valign": "top"},
    "text": {"num_format": "@"},
    "centred": {"num_format": "@", "align": "center"},
    "indent": {"border": 1, "indent": 2},
    "date": {"num_format": DATE_FORMAT, "align": "left"},
    "whole": {"num_format": "0", "align": "right", "indent": 1},
    "score": {"num_format": "0.0", "align": "right", "indent": 1},
    "info_number": {"num_format": "0", "align": "left"},
    "percent": {"num_format": "0.0%", "border": 1},
    "cell": {"border": 1},
    "count": {"num_format": "0", "border": 1},
    "header_line": {"bold": True, "font_color": "#FFFFFF", "bg_color": FILL_HEADER, "border": 1},
    "total": {"bold": True, "border": 1, "top": 2, "bg_color": "#DDEBF7"},
    "total_column": {"bold": True, "border": 1, "bg_color": "#DDEBF7", "num_format": "0"},
    "total_count": {
        "bold": True,
        "border": 1,
        "top": 2,
        "bg_color": "#DDEBF7",
        "num_format": "0",
    },
    "total_percent": {
        "bold": True,
        "border": 1,
        "top": 2,
        "bg_color": "#DDEBF7",
        "num_format": "0.0%",
    },
    "month": {"num_format": "yyyy-mm", "border": 1, "align": "left"},
    "attention": {"border": 1, "bold": True, "font_color": AMBER["font_color"]},
    "wrap_cell": {"border": 1, "text_wrap": True, "valign": "top"},
}


def list_formats(wb: kit.Workbook) -> kit.Formats:
    """The formats of the summary and due workbooks."""
    return kit.Formats(wb, STYLES)


# ---------------------------------------------------------------- cell values


def is_missing(value: object) -> bool:
    if type(value) is str:  # most cells, and pd.isna costs a microsecond each
        return False
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_datetime(value: object) -> dt.datetime | None:
    """A date-like value as a naive datetime at midnight, or None."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    stamp = pd.Timestamp(value)  # np.datetime64
    return None if stamp is pd.NaT else stamp.to_pydatetime()


def shown_text(key: str, value: object) -> str:
    """A text cell as shown: blank for missing, the file by its name."""
    if is_missing(value):
        return ""
    if key == FILE_KEY:
        return Path(os.fspath(value)).name if value else ""
    return str(value)


def flag_counts(frame: pd.DataFrame, column: str, labels: tuple[str, ...]) -> list[tuple[str, int]]:
    """(label, rows) for each label that occurs, in the given order, then any other value."""
    if column not in frame.columns or frame.empty:
        return []
    cells = frame[column].astype(object).fillna("").tolist()
    out = [(label, cells.count(label)) for label in labels if label in cells]
    others = sorted({c for c in cells if c not in labels})
    return out + [(other or "（空白）", cells.count(other)) for other in others]


REVIEW_FLAGS = (
    layout.DUE_OVERDUE,
    layout.DUE_EARLY,
    layout.DUE_NEVER,
    layout.DUE_UNKNOWN,
    layout.DUE_SOON,
)
WAITING_FLAGS = (layout.STATUS_PENDING, layout.STATUS_IN_REVIEW)
DOCUMENT_FLAGS = (layout.DOC_EXPIRED, layout.DUE_UNKNOWN, layout.DOC_SOON)


def write_notes(ws, row: int, lines, fmt, last_col: int, width: float) -> int:
    """Each line in a merged row A:`last_col` (`width` characters wide), tall enough for
    its wrapped text. Returns the row after the last line."""
    for line in lines:
        ws.merge_range(row, 0, row, last_col, line, fmt)
        lines_needed = math.ceil(kit.display_width(line) / max(width - 2, 1))
        if lines_needed > 1:
            ws.set_row(row, 15 * lines_needed + 2)
        row += 1
    return row


def window_text(within: int | None, portfolio, attribute: str, name: str) -> str:
    """How a reminder window was chosen: the given days, or each workbook's own setting."""
    if within is not None:
        return f"{within} 天内到期（命令行指定）"
    days = sorted({int(getattr(r.cycles, attribute)) for r in portfolio.all_rules()})
    shown = "、".join(str(d) for d in days)
    return f"按各工作簿的{name}（{shown} 天）"


# ---------------------------------------------------------------- list sheets


class ListWriter:
    """Writes `ListSpec` sheets into one workbook."""

    def __init__(self, wb: kit.Workbook, formats: kit.Formats) -> None:
        self.wb, self.f = wb, formats

    def write(self, spec: ListSpec, frame: pd.DataFrame):
        ws = self.wb.add_worksheet(spec.sheet)
        columns = spec.columns
        headers = [LABELS.get(key, key) for key in columns]
        n = len(frame)
        last_col = len(columns) - 1
        ws.add_table_with_formulas(  # recorded by range, not cell by cell (no formulas here)
            0,
            0,
            max(n, 1),
            last_col,
            {
                "name": spec.table,
                "style": TABLE_STYLE,
                "autofilter": True,
                "columns": [{"header": h, "header_format": self.f.header} for h in headers],
            },
        )
        ws.freeze_panes(1, 0)
        ws.set_row(0, 30)
        for col, key in enumerate(columns):
            # kept by column in the writer (`kit.Worksheet.columnar`): the same cells, written
            # out in one pass at the end instead of a tuple per cell in XlsxWriter's table
            with ws.columnar(col, 1, self._format(key)):
                typed = _typed_run(frame[key], key) if key in frame.columns else None
                if typed is not None:  # a datetime64 or float column: in one pass
                    ws.write_run(1, col, typed, self._format(key), _write_number)
                    continue
                cells = frame[key].tolist() if key in frame.columns else [None] * n
                self._column(ws, col, key, cells)
        self._widths(ws, columns, headers, frame)
        if spec.flag in columns and n:
            self._colours(ws, spec, columns.index(spec.flag), n, last_col)
        if not n:
            ws.write_string(2, 0, spec.empty, self.f.note)
        landscape(ws, 0)
        return ws

    def _format(self, key: str):
        """The format of a list's column (every cell of it has this one)."""
        f = self.f
        if key in DATE_KEYS:
            return f.date
        if key in WHOLE_KEYS:
            return f.whole
        if key in SCORE_KEYS:
            return f.score
        return f.centred if key in CENTRED_KEYS else f.text

    def _column(self, ws, col: int, key: str, cells: list) -> None:
        f = self.f
        # XlsxWriter's undecorated writers: the public ones check each call for an "A1"
        # reference, a cost per cell that shows on lists of many thousand rows.
        if key in DATE_KEYS:
            for row, value in enumerate(cells, start=1):
                day = as_datetime(value)
                if day is None:
                    ws._write_blank(row, col, None, f.date)
                else:
                    ws._write_datetime(row, col, day, f.date)
        elif key in WHOLE_KEYS or key in SCORE_KEYS:
            fmt = self._format(key)
            for row, value in enumerate(cells, start=1):
                if is_missing(value) or value == "":
                    ws._write_blank(row, col, None, fmt)
                else:
                    ws._write_number(row, col, float(value), fmt)
        else:
            fmt = self._format(key)
            if key == FILE_KEY:  # one name per workbook, not per row
                names: dict[object, str] = {}
                for row, value in enumerate(cells, start=1):
                    text = names.get(value)
                    if text is None:
                        text = names[value] = shown_text(key, value)
                    ws._write_string(row, col, text, fmt)
            else:
                texts = [value if type(value) is str else shown_text(key, value) for value in cells]
                ws.write_run(1, col, texts, fmt, _write_text)

    def _widths(self, ws, columns, headers, frame: pd.DataFrame) -> None:
        sample = frame.head(2000)
        for col, (key, header) in enumerate(zip(columns, headers, strict=True)):
            if key in DATE_KEYS:
                low, high = _DATE_WIDTH
                widest = 10
            elif key in SCORE_KEYS:
                low, high = _SCORE_WIDTH
                widest = 5
            else:
                low, high = _WIDTHS.get(key, _TEXT_WIDTH)
                cells = sample[key].tolist() if key in sample.columns else []
                widest = max(
                    (kit.display_width(shown_text(key, v)) for v in cells if key not in WHOLE_KEYS),
                    default=6,
                )
            widest = max(widest, kit.display_width(header) + 3)  # room for the filter button
            fmt = self.f.date if key in DATE_KEYS else None
            ws.set_column(col, col, max(low, min(widest + 1, high)), fmt)

    def _colours(self, ws, spec: ListSpec, flag_col: int, n: int, last_col: int) -> None:
        first_cell = f"${xl_col_to_name(flag_col)}2"
        reds = [(value, self.f.red) for value in (spec.red, *spec.also_red)]
        for value, fmt in (*reds, (spec.amber, self.f.amber)):
            if value:
                ws.conditional_format(
                    1,
                    0,
                    n,
                    last_col,
                    {
                        "type": "formula",
                        "criteria": f'={first_cell}="{value}"',
                        "format": fmt,
                    },
                )


_EXCEL_DAY_ZERO = np.datetime64("1899-12-31", "D")  # XlsxWriter's epoch (1900 date system)


def _typed_run(column: pd.Series, key: str) -> list | None:
    """A list column's cells as `_column` writes them, worked out for the whole column at
    once where its dtype allows: a datetime64 column of a date key (every value at midnight)
    as Excel serials, a float column of a number key as floats; missing values None (a
    blank). None for any other column, which goes cell by cell."""
    values = column.to_numpy()
    if key in DATE_KEYS and values.dtype.kind == "M":
        days = values.astype("datetime64[D]")
        missing = np.isnat(days)
        if not np.array_equal(days[~missing], values[~missing]):
            return None  # a time of day: XlsxWriter's own conversion
        serial = (days - _EXCEL_DAY_ZERO).astype(np.int64)
        # as XlsxWriter converts a datetime: 1900-01-01 is 0, and a day is added from 1 March
        # 1900 on for Excel's fictitious 1900-02-29
        serial = np.where(serial == 1, 0, serial + (serial > 59)).astype(float)
        return [
            None if gone else v for v, gone in zip(serial.tolist(), missing.tolist(), strict=True)
        ]
    if (key in WHOLE_KEYS or key in SCORE_KEYS) and values.dtype.kind == "f":
        return [None if v != v else v for v in values.astype(float).tolist()]  # v != v: NaN
    return None


def _write_number(ws, row: int, col: int, number: float, cell_format) -> None:
    ws._write_number(row, col, number, cell_format)  # inf: XlsxWriter's own cell


def _write_text(ws, row: int, col: int, text: str, cell_format) -> None:
    """A list's text cell, as `Worksheet.write_run` hands over what it does not take itself
    (an empty text, a long one)."""
    ws._write_string(row, col, text, cell_format)
