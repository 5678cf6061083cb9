"""The 整改台账 (rectification list) of `ledger-xl audit status -o`: one row per open finding,
for branches to fill in and send back.

Built fresh with XlsxWriter and written atomically. Sheets:

- 整改台账 — an Excel table: 问题编号 (the key `audit assign` reads back), 稽核状态, branch,
  customer, kind, column, the message, where it was last seen, first and last seen, days
  open; then the columns the branch fills in (pale yellow, unlocked): 整改责任人, 整改期限
  (date validation), 整改进度 (drop-down), 整改说明 — pre-filled with what the history holds.
  A row turns red when its 整改期限 has passed (conditional formatting on TODAY(), so the
  colour follows sorting and the calendar) unless the branch reports 已整改待复核. The sheet
  is protected without a password so the locked columns stay as sent.
- 说明 — 基准日, the database, counts by branch and status, how to fill it in and return it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from ledger_xl.core import audit
from ledger_xl.core.errors import OutputError
from ledger_xl.core.findings import Severity, severity_label
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.audit_sheets import (
    Column,
    audit_formats,
    write_fill_in_sheet,
    write_pairs,
)
from ledger_xl.io.xlsx.kit import EXCEL_MAX_ROWS
from ledger_xl.io.xlsx.list_sheets import write_notes

TITLE = "整改台账"
SHEET_NOTES = "说明"
TABLE_NAME = "Rectification"
HEADER_ROW = 3  # 0-based: title, a line on what to do, a gap, then the table

_HINTS = {
    "owner": "整改责任人姓名。",
    "deadline": "计划完成整改的日期，如 2026-12-31。",
    "progress": "未开始 / 整改中 / 已整改待复核 / 申请延期。是否已整改以下次校验为准。",
    "note": "整改措施、原因或申请延期的理由。",
}
_KINDS = {"message": "wrap", "note": "wrap"}

COLUMNS: tuple[Column, ...] = tuple(
    Column(
        c.key,
        c.header,
        _KINDS.get(c.key, c.kind),
        c.width,
        fill=c.branch_fills,
        allowed=audit.PROGRESS if c.key == "progress" else (),
        hint=_HINTS.get(c.key, ""),
    )
    for c in audit.RECTIFICATION_COLUMNS
)


def rows_of(table: pd.DataFrame) -> list[dict]:
    """The open rows of a `core.audit.follow_up` table as the sheet shows them."""
    rows = []
    for row in table.to_dict("records"):
        if row["status"] not in audit.OPEN_STATUSES:
            continue
        severity = row["severity"]
        place = f"{row['sheet']}!{row['cell']}" if row["sheet"] and row["cell"] else row["sheet"]
        rows.append(
            {
                **row,
                "severity": severity_label(Severity(severity)) if severity else "",
                "where": " ".join(p for p in (row["file"], place) if p),
                "customer_id": row["customer_id"] or row["locator"],
            }
        )
    return rows


def build_rectification_workbook(
    path: str | os.PathLike,
    table: pd.DataFrame,
    as_of: dt.date,
    *,
    db: str | os.PathLike,
    counts: pd.DataFrame,
    overwrite: bool = False,
) -> Path:
    """Write the 整改台账 of a `follow_up` table (its open rows) to `path`, atomically; never
    over an existing file unless `overwrite`. Returns the path."""
    target = Path(path)
    rows = rows_of(table)
    if len(rows) >= EXCEL_MAX_ROWS - HEADER_ROW - 2:
        raise OutputError(
            f"未整改问题 {len(rows)} 项，超过一张工作表的行数上限；请按 --branch 分开输出"
        )
    with kit.written(
        target, overwrite, kind="rectification", title=TITLE, subject="ledger_xl 整改台账"
    ) as wb:
        f = audit_formats(wb)
        ws = wb.add_worksheet(TITLE)
        write_fill_in_sheet(
            ws,
            f,
            title=f"{TITLE}（截至 {as_of.isoformat()}，共 {len(rows)} 项未整改）",
            note="请在黄色列填写整改责任人、整改期限、整改进度和整改说明后交回总部（不要改动问题编号）；"
            "是否已整改以下次校验结果为准。过了整改期限的行显示为红色。",
            top=HEADER_ROW,
            columns=COLUMNS,
            rows=rows,
            name=TABLE_NAME,
            freeze_cols=1,
            deadline_key="deadline",
            done_key="progress",
            done_value="已整改待复核",
        )
        kit.landscape(ws, HEADER_ROW)
        _write_notes(wb, f, as_of, db, counts, len(rows))
        ws.activate()
    return target


def _write_notes(wb, f: kit.Formats, as_of: dt.date, db, counts: pd.DataFrame, n: int) -> None:
    ws = wb.add_worksheet(SHEET_NOTES)
    ws.write_string(0, 0, f"{TITLE} 说明", f.title)
    row = write_pairs(
        ws,
        f,
        2,
        [("基准日", as_of), ("稽核档案", Path(db).name), ("未整改问题", n)],
    )
    row += 1
    headers = ["分公司", *audit.STATUSES, audit.OPEN_TOTAL]
    for j, name in enumerate(headers):
        ws.write_string(row, j, name, f.header_line)
    for record in counts.to_dict("records"):
        row += 1
        style = f.total if record["scope"] == audit.TOTAL else f.cell
        number = f.total_count if record["scope"] == audit.TOTAL else f.count
        ws.write_string(row, 0, record["scope"], style)
        for j, name in enumerate(headers[1:], start=1):
            ws.write_number(row, j, int(record[name]), number)
    row += 2
    lines = (
        "稽核状态：新发现 = 本次校验首次发现；仍未整改 = 以前的校验已发现、本次仍在；"
        "逾期未整改 = 仍未整改且已过整改期限；已整改的问题不列入本表。",
        "问题编号由分公司、工作表、客户编号、问题代码和列决定，与单元格位置无关：台账排序或插入行后仍是同一个问题。",
        "黄色列由分公司填写：整改责任人、整改期限（日期）、整改进度（下拉选择）、整改说明。空白表示沿用总部已登记的内容。",
        "交回后，总部运行：ledger-xl audit assign --from 整改台账.xlsx，把责任人、期限和进度记入稽核档案。",
        "工作表已保护（无密码），以免误改问题编号等列；需要时可在“审阅 → 撤销工作表保护”中解除。",
    )
    write_notes(ws, row, lines, f.wrap, 6, 12 * 7 + 14)
    ws.set_column(0, 0, 14)
    ws.set_column(1, len(headers) - 1, 11)
    kit.portrait(ws)
