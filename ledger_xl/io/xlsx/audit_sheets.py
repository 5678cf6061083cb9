"""What the audit workbooks (整改台账, 稽核底稿, 稽核报告) share: formats, and the fill-in
table — an Excel table whose locked columns come from ledger_xl and whose unlocked, pale-yellow
columns people fill in (with drop-downs and date validation), on a protected sheet (no
password) that still filters and resizes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name

from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.list_sheets import STYLES as LIST_STYLES
from ledger_xl.io.xlsx.list_sheets import TABLE_STYLE, as_datetime, is_missing

FILL_INPUT = "#FFF2CC"  # pale yellow: cells to fill in
DATE_FORMAT = "yyyy-mm-dd"

STYLES: dict[str, dict] = {
    **LIST_STYLES,
    "cell_text": {"num_format": "@", "valign": "top"},
    "cell_wrap": {"num_format": "@", "valign": "top", "text_wrap": True},
    "cell_date": {"num_format": DATE_FORMAT, "valign": "top", "align": "left"},
    "cell_whole": {"num_format": "0", "valign": "top"},
    "cell_number": {"num_format": "0.0", "valign": "top"},
    "input_text": {"num_format": "@", "valign": "top", "bg_color": FILL_INPUT, "border": 1},
    "input_wrap": {
        "num_format": "@",
        "valign": "top",
        "text_wrap": True,
        "bg_color": FILL_INPUT,
        "border": 1,
    },
    "input_date": {
        "num_format": DATE_FORMAT,
        "valign": "top",
        "align": "left",
        "bg_color": FILL_INPUT,
        "border": 1,
    },
    "input_header": {
        "bold": True,
        "font_color": "#000000",
        "bg_color": "#FFD966",
        "border": 1,
        "text_wrap": True,
        "valign": "vcenter",
    },
    "label": {"bold": True, "valign": "top"},
    "dash": {"align": "center", "border": 1},  # "—": nothing to compute
    "figure": {"num_format": "#,##0", "align": "right", "border": 1},
    "figure_label": {"border": 1},
    "big_figure": {
        "num_format": "#,##0",
        "bold": True,
        "font_size": 14,
        "align": "center",
        "border": 1,
    },
    "big_percent": {
        "num_format": "0.0%",
        "bold": True,
        "font_size": 14,
        "align": "center",
        "border": 1,
    },
    "big_label": {
        "align": "center",
        "border": 1,
        "text_wrap": True,
        "valign": "vcenter",
        "bg_color": "#DDEBF7",
    },
}


def audit_formats(wb: kit.Workbook) -> kit.Formats:
    """The formats of the audit workbooks (the list sheets' styles and the fill-in ones)."""
    return kit.Formats(wb, STYLES)


@dataclass(frozen=True)
class Column:
    """A column of a fill-in table. `kind`: text, wrap, date, whole, number. `fill`: people
    fill it in (unlocked, pale yellow); `allowed`: its drop-down."""

    key: str
    header: str
    kind: str
    width: float
    fill: bool = False
    allowed: tuple[str, ...] = ()
    hint: str = ""


def validation(column: Column) -> dict | None:
    """The data validation of a fill-in column: a drop-down, a date, or a hint."""
    title = column.header[:32]
    hint = (column.hint or f"请填写“{column.header}”。")[:255]
    if column.allowed:
        return {
            "validate": "list",
            "source": list(column.allowed),
            "input_title": title,
            "input_message": hint,
            "error_title": "请从列表中选择",
            "error_message": f"“{column.header}”只能是：{'、'.join(column.allowed)}。",
        }
    if column.kind == "date":
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2099, 12, 31),
            "input_title": title,
            "input_message": hint,
            "error_title": "请输入日期",
            "error_message": f"“{column.header}”须为日期，如 2026-12-31。",
        }
    if column.hint:
        return {"validate": "any", "input_title": title, "input_message": hint}
    return None


def write_table(
    ws,
    f: kit.Formats,
    top: int,
    columns: Sequence[Column],
    rows: Sequence[dict],
    name: str,
    *,
    freeze_cols: int = 0,
) -> tuple[int, int]:
    """An Excel table with its header on row `top` and one row per dict of `rows` (keys of
    `columns`); fill-in columns unlocked with their validation. Returns (first, last) data
    row (last = first when there are no rows: one blank table row)."""
    n = len(rows)
    first, last = top + 1, top + max(n, 1)
    ws.add_table(
        top,
        0,
        last,
        len(columns) - 1,
        {
            "name": name,
            "style": TABLE_STYLE,
            "autofilter": True,
            "columns": [
                {
                    "header": c.header,
                    "header_format": f.input_header if c.fill else f.header,
                }
                for c in columns
            ],
        },
    )
    for col, c in enumerate(columns):
        fmt = _format(f, c)
        ws.set_column(col, col, c.width, fmt)
        for i, row in enumerate(rows):
            write_cell(ws, first + i, col, row.get(c.key), c.kind, fmt)
        if not n:
            ws.write_blank(first, col, None, fmt)
        rule = validation(c) if c.fill else None
        if rule:
            ws.data_validation(first, col, last, col, rule)
    _row_heights(ws, first, columns, rows)
    ws.set_row(top, 32)
    ws.freeze_panes(first, freeze_cols)
    return first, last


MAX_LINES = 6  # a wrapped row grows to at most this many lines


def _row_heights(ws, first: int, columns: Sequence[Column], rows: Sequence[dict]) -> None:
    """Rows tall enough for their wrapped text (neither Excel nor LibreOffice grows a row
    for a written file's wrapped cells on their own)."""
    wrapped = [c for c in columns if c.kind == "wrap"]
    if not wrapped:
        return
    for i, row in enumerate(rows):
        lines = 1
        for c in wrapped:
            value = row.get(c.key)
            if not is_missing(value) and value != "":
                lines = max(lines, math.ceil(kit.display_width(str(value)) / max(c.width - 1, 1)))
        if lines > 1:
            ws.set_row(first + i, 15 * min(lines, MAX_LINES))


def _format(f: kit.Formats, c: Column):
    if c.fill:  # unlocked: the sheet is protected, these cells are for people to fill in
        return f(
            {"date": "input_date", "wrap": "input_wrap"}.get(c.kind, "input_text"), locked=False
        )
    return {
        "date": f.cell_date,
        "wrap": f.cell_wrap,
        "whole": f.cell_whole,
        "number": f.cell_number,
    }.get(c.kind, f.cell_text)


def write_cell(ws, row: int, col: int, value: object, kind: str, fmt) -> None:
    """A value as its kind: dates as real dates, numbers as numbers, the rest as text (never
    a formula: the workbook never turns text into formulas)."""
    if is_missing(value) or value == "":
        ws.write_blank(row, col, None, fmt)
    elif kind == "date":
        day = as_datetime(value)
        if day is None:
            ws.write_string(row, col, str(value), fmt)
        else:
            ws.write_datetime(row, col, day, fmt)
    elif kind in ("whole", "number") and isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def protect(ws) -> None:
    """Lock the sheet without a password: the fill-in cells stay editable, filters and column
    widths still work (审阅 → 撤销工作表保护 unlocks it)."""
    ws.protect(
        "",
        {
            "autofilter": True,
            "sort": True,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


def red_past_deadline(
    ws,
    f: kit.Formats,
    first: int,
    last: int,
    width: int,
    deadline_col: int,
    done_col: int | None = None,
    done_value: str = "",
) -> None:
    """Rows red while their deadline is before TODAY() (and, when given, the done column does
    not say `done_value`): conditional formatting, so the colour follows a sort and changes
    as the days pass or the branch fills in the deadline."""
    deadline = f"${xl_col_to_name(deadline_col)}{first + 1}"
    parts = [f'{deadline}<>""', f"ISNUMBER({deadline})", f"{deadline}<TODAY()"]
    if done_col is not None:
        parts.append(f'${xl_col_to_name(done_col)}{first + 1}<>"{done_value}"')
    ws.conditional_format(
        first,
        0,
        last,
        width - 1,
        {"type": "formula", "criteria": "=AND(" + ",".join(parts) + ")", "format": f.red},
    )


def write_fill_in_sheet(
    ws,
    f: kit.Formats,
    *,
    title: str,
    note: str,
    top: int,
    columns: Sequence[Column],
    rows: Sequence[dict],
    name: str,
    freeze_cols: int,
    deadline_key: str,
    done_key: str,
    done_value: str,
) -> tuple[int, int]:
    """A sheet HQ sends out to be filled in and returned: its title and instructions, the
    table (`write_table`), rows red past their deadline until marked done, the sheet protected
    with the fill-in columns open. Returns the table's (first, last) data row."""
    ws.write_string(0, 0, title, f.title)
    ws.set_row(0, 24)
    ws.write_string(1, 0, note, f.note)
    first, last = write_table(ws, f, top, columns, rows, name, freeze_cols=freeze_cols)
    keys = [c.key for c in columns]
    if rows:
        red_past_deadline(
            ws,
            f,
            first,
            last,
            len(columns),
            keys.index(deadline_key),
            keys.index(done_key),
            done_value,
        )
    protect(ws)
    return first, last


def write_pairs(ws, f: kit.Formats, row: int, pairs: Sequence[tuple[str, object]]) -> int:
    """Label / value lines from `row` (dates as dates, numbers as numbers). Returns the next
    row."""
    for label, value in pairs:
        ws.write_string(row, 0, label, f.label)
        if isinstance(value, dt.date):
            ws.write_datetime(row, 1, as_datetime(value), f.date)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(row, 1, value, f.info_number)
        else:
            ws.write_string(row, 1, str(value), f.wrap)
        row += 1
    return row
