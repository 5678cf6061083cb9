"""The merge report workbook of `ledger-xl collect`: what came back and what became of it.

Sheets, each an Excel table with its header on row 1 (filters on, header frozen):

- 概览 — the run (master, new master, archive, time) and one row per received file: rows
  read, unchanged, updated (and fields changed), added, already there, conflicts, refused,
  sent rows missing, and the verdict.
- 变更 — every value the master took from a branch: customer, field, old, new, the cell in
  the branch file.
- 新增 — every row the master gained (customers, 资信证明, 审核记录).
- 冲突 — every conflict: code, where (file, sheet, cell), customer, field, HQ's value, the
  branch's value, what to do.
- 拒收 — every file refused and why (wrong password, tampered rules, unreadable), and every
  row refused.
- 待确认 — customers and documents missing from a branch's file ("removed by branch?"),
  rows HQ deleted since distribution, files without a distribution record.
- 校验问题 — what validating each returned workbook found.
- 收件归档 — each received file's archived copy and its SHA-256 checksum.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_xl.core.distribution import SHEET_OF
from ledger_xl.core.errors import OutputError
from ledger_xl.core.findings import severity_label
from ledger_xl.core.merge import Issue
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.kit import EXCEL_MAX_ROWS, FILL_HEADER

if TYPE_CHECKING:
    from ledger_xl.app.branches import CollectResult

TABLE_STYLE = "Table Style Light 9"
_STYLES = {
    "title": {"bold": True, "font_size": 16, "font_color": FILL_HEADER},
    "text": {"num_format": "@", "valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "date": {"num_format": "yyyy-mm-dd", "align": "left"},
    "number": {"num_format": "General", "align": "right"},
}


def build_merge_report(
    path: str | os.PathLike, result: CollectResult, overwrite: bool = False
) -> Path:
    """Write the merge report of `result` to `path` (atomically; never over an existing file
    unless `overwrite`). Returns the path."""
    merge = result.merge
    largest = max(len(merge.changes), len(merge.added), len(merge.issues), len(merge.outcomes), 1)
    if largest >= EXCEL_MAX_ROWS - 1:
        raise OutputError(f"合并报告有 {largest} 行，超过 Excel 一张工作表的行数上限")
    with kit.written(path, overwrite, kind="merge_report", title="分公司台账合并报告") as wb:
        _Report(wb, result).build()
    return Path(path)


def _text(value: object) -> object:
    """A value as the report shows it: numbers stay numbers, dates dates, the rest text."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value


class _Report:
    def __init__(self, wb: kit.Workbook, result: CollectResult) -> None:
        self.wb, self.result = wb, result
        self.fmt = kit.Formats(wb, _STYLES)
        self.tables = 0

    def build(self) -> None:
        self.overview()
        merge = self.result.merge
        self.list_sheet(
            "变更",
            (
                "分公司",
                "文件",
                "表",
                "客户编号",
                "客户名称",
                "字段",
                "原值",
                "新值",
                "分公司文件单元格",
            ),
            [
                (
                    c.branch,
                    Path(c.file).name,
                    SHEET_OF[c.table],
                    c.customer_id,
                    c.name,
                    c.column,
                    _text(c.old),
                    _text(c.new),
                    c.cell,
                )
                for c in merge.changes
            ],
            "没有任何值被分公司改动。",
        )
        self.list_sheet(
            "新增",
            ("分公司", "文件", "表", "客户编号", "客户名称", "分公司文件单元格", "行键"),
            [
                (
                    a.branch,
                    Path(a.file).name,
                    SHEET_OF[a.table],
                    a.customer_id,
                    a.name,
                    a.cell,
                    a.row_key,
                )
                for a in merge.added
            ],
            "没有新增的行。",
        )
        issue_columns = (
            "分公司",
            "文件",
            "工作表",
            "单元格",
            "行号",
            "客户编号",
            "列",
            "总部值",
            "分公司值",
            "代码",
            "级别",
            "说明",
        )
        self.list_sheet("冲突", issue_columns, self.issue_rows(merge.conflicts()), "没有冲突。")
        refused = [*self.result.file_refusals, *merge.refusals()]
        self.list_sheet("拒收", issue_columns, self.issue_rows(refused), "没有被拒收的文件或行。")
        self.list_sheet(
            "待确认", issue_columns, self.issue_rows(merge.notices()), "没有需要确认的事项。"
        )
        findings = [
            (
                r.branch,
                Path(r.path).name,
                f.sheet,
                f.cell,
                f.row if f.row is not None else "",
                f.customer_id,
                f.column,
                "",
                f.value,
                f.code,
                severity_label(f.severity),
                f.message,
            )
            for r in self.result.received
            if r.validation is not None
            for f in r.validation.findings
        ]
        self.list_sheet("校验问题", issue_columns, findings, "退回的工作簿校验没有发现问题。")
        self.list_sheet(
            "收件归档",
            ("分公司", "收到的文件", "加密", "SHA256", "字节数", "归档副本"),
            [
                (
                    r.branch,
                    str(r.path),
                    "是" if r.encrypted else "否",
                    r.sha256,
                    r.size,
                    str(r.archived or ""),
                )
                for r in self.result.received
            ],
            "没有收到文件。",
        )

    def issue_rows(self, issues: Sequence[Issue]) -> list[tuple]:
        return [
            (
                i.branch,
                Path(i.finding.file).name,
                i.finding.sheet,
                i.finding.cell,
                i.finding.row if i.finding.row is not None else "",
                i.finding.customer_id,
                i.finding.column,
                _text(i.hq_value),
                _text(i.branch_value),
                i.code,
                severity_label(i.finding.severity),
                i.finding.message,
            )
            for i in issues
        ]

    def overview(self) -> None:
        ws = self.wb.add_worksheet("概览")
        r = self.result
        ws.write_string(0, 0, "分公司台账合并报告", self.fmt("title"))
        lines = (
            ("总部台账（输入，未改动）", str(r.master)),
            ("新的总部台账", str(r.output)),
            ("收件归档", str(r.archive)),
            ("合并时间", dt.datetime.now().replace(microsecond=0).isoformat(" ")),
            (
                "合计",
                f"变更 {len(r.merge.changes)} 处，新增 {len(r.merge.added)} 行，"
                f"冲突 {len(r.merge.conflicts())} 处，拒收 "
                f"{len(r.file_refusals) + len(r.merge.refusals())} 项，待确认 {len(r.merge.notices())} 项",
            ),
        )
        for i, (label, value) in enumerate(lines, start=1):
            ws.write_string(i, 0, label, self.fmt("bold"))
            ws.write_string(i, 1, value)
        top = len(lines) + 2
        columns = (
            "分公司",
            "文件",
            "读取行数",
            "未改动",
            "更新的行",
            "改动的字段",
            "新增",
            "已在台账中",
            "冲突",
            "拒收",
            "疑似删除",
            "结论",
        )
        rows = []
        counted = {c.file: c for c in r.merge.counts.values()}
        for item in r.received:
            c = counted.get(str(item.path)) if item.refusal is None else None
            if c is None:
                rows.append(
                    (item.branch, item.path.name, 0, 0, 0, 0, 0, 0, 0, 0, 0, "整个文件拒收")
                )
                continue
            verdict = (
                "整个文件拒收"
                if c.refused_file
                else "有冲突或拒收，请处理"
                if c.conflicts or c.refused
                else "已合并"
            )
            rows.append(
                (
                    c.branch,
                    Path(c.file).name,
                    c.rows,
                    c.unchanged,
                    c.updated,
                    c.fields_changed,
                    c.added,
                    c.already,
                    c.conflicts,
                    c.refused,
                    c.removed,
                    verdict,
                )
            )
        self.table(ws, top, columns, rows, "没有收到文件。")
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 28)
        ws.set_column(2, len(columns) - 2, 10)
        ws.set_column(len(columns) - 1, len(columns) - 1, 22)
        kit.landscape(ws, top)

    def list_sheet(self, name: str, columns: Sequence[str], rows: list[tuple], empty: str) -> None:
        ws = self.wb.add_worksheet(name)
        self.table(ws, 0, columns, rows, empty)
        samples = [[str(v) for v in row] for row in rows[:200]]
        limits = [(8, 60 if c in ("说明", "归档副本", "收到的文件") else 28) for c in columns]
        kit.fit_columns(ws, columns, samples, limits)
        ws.freeze_panes(1, 0)
        kit.landscape(ws, 0)

    def table(self, ws, top: int, columns: Sequence[str], rows: list[tuple], empty: str) -> None:
        self.tables += 1
        n = max(len(rows), 1)
        ws.add_table(
            top,
            0,
            top + n,
            len(columns) - 1,
            {
                "name": f"Merge{self.tables}",
                "columns": [{"header": c, "header_format": self.fmt("header")} for c in columns],
                "style": TABLE_STYLE,
                "autofilter": True,
            },
        )
        text = self.fmt("text")
        for j in range(max(map(len, rows), default=0)):  # a column at a time: its text cells
            with ws.columnar(j, top + 1, text):  # are kept compactly (`kit.Worksheet.columnar`)
                for i, row in enumerate(rows, start=top + 1):
                    if j < len(row):
                        self.write(ws, i, j, row[j])
        if not rows:
            ws.write_string(top + 2, 0, empty, self.fmt("note"))

    def write(self, ws, row: int, col: int, value: object) -> None:
        # XlsxWriter's undecorated writers: the public ones first look for an "A1" reference
        if isinstance(value, bool):
            ws._write_string(row, col, "TRUE" if value else "FALSE", self.fmt("text"))
        elif isinstance(value, int | float):
            ws._write_number(row, col, value, self.fmt("number"))
        elif isinstance(value, dt.datetime):
            ws._write_datetime(row, col, value, self.fmt("date"))
        elif isinstance(value, dt.date):
            ws._write_datetime(
                row, col, dt.datetime(value.year, value.month, value.day), self.fmt("date")
            )
        elif value is None or value == "":
            ws._write_blank(row, col, None)
        else:
            ws._write_string(row, col, str(value), self.fmt("text"))
