"""The audit report (稽核报告) of `ledger-xl audit report --period 2026Q4`: per branch, the
customers sampled and what the completed working papers found, the validation findings'
follow-up (期初 / 新发现 / 已整改 / 期末 / 逾期, 整改率), problems by kind, the trend against
earlier periods (native charts) and the open items.

Built fresh with XlsxWriter and written atomically from an `app.audit.ReportData`. Sheets:

- 概览 — one A4 page of headline figures: the big numbers, the table by branch (合计 last)
  and a chart of the rectification rate by branch.
- 问题分类 — problems by kind × branch: validation findings due in the period (by the kinds
  of `core.audit.KINDS`) and the papers' problems (资料不齐全, 信息不真实, …), with charts.
- 趋势 — the same figures for the earlier periods (a table per figure, periods down, branches
  across) with a line chart of the open findings and a column chart of the rate.
- 未整改事项 — the validation findings open at the end of the period (overdue rows red) and
  抽查问题 — the papers' problems of the period (open ones past their deadline red).
- 说明 — sources (database, runs of the period, papers), definitions, cells of the papers
  that could not be used.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.core import audit, papers
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.audit_sheets import Column, audit_formats, write_pairs, write_table
from ledger_xl.io.xlsx.list_sheets import write_notes

TITLE = "稽核报告"
SHEET_OVERVIEW = "概览"
SHEET_KINDS = "问题分类"
SHEET_TREND = "趋势"
SHEET_OPEN = "未整改事项"
SHEET_PAPER = "抽查问题"
SHEET_NOTES = "说明"
SHEET_ORDER = (SHEET_OVERVIEW, SHEET_KINDS, SHEET_TREND, SHEET_OPEN, SHEET_PAPER, SHEET_NOTES)

# The branch table of 概览: (label, source, key); source "paper" or "history".
OVERVIEW_COLUMNS = (
    ("抽查客户", "paper", "sampled"),
    ("发现问题客户", "paper", "with_problem"),
    ("抽查问题整改率", "paper", "rate"),
    ("期初未整改", "history", "opening"),
    ("本期新发现", "history", "new"),
    ("本期已整改", "history", "fixed"),
    ("期末未整改", "history", "closing"),
    ("逾期未整改", "history", "overdue"),
    ("校验问题整改率", "history", "rate"),
)

OPEN_COLUMNS = (
    Column("status", "稽核状态", "text", 11),
    Column("scope", "分公司", "text", 12),
    Column("customer_id", "客户编号", "text", 11),
    Column("kind", "问题类别", "text", 11),
    Column("column", "列", "text", 13),
    Column("message", "问题说明", "wrap", 44),
    Column("first_seen", "首次发现", "date", 11),
    Column("days_open", "已持续天数", "whole", 9),
    Column("owner", "整改责任人", "text", 10),
    Column("deadline", "整改期限", "date", 11),
    Column("overdue_days", "逾期天数", "whole", 8),
    Column("progress", "整改进度", "text", 12),
    Column("finding_id", "问题编号", "text", 14),
)
PAPER_PROBLEM_COLUMNS = (
    Column("branch", "分公司", "text", 12),
    Column("customer_id", "客户编号", "text", 11),
    Column("name", "客户名称", "wrap", 22),
    Column("kinds", "问题类别", "wrap", 16),
    Column("description", "问题描述", "wrap", 36),
    Column("owner", "整改责任人", "text", 10),
    Column("deadline", "整改期限", "date", 11),
    Column("rectification", "整改情况", "text", 9),
    Column("overdue_days", "逾期天数", "whole", 8),
    Column("auditor", "稽核人", "text", 8),
    Column("date", "稽核日期", "date", 11),
    Column("source", "来源底稿", "text", 16),
)

BRANCH_COLOURS = ("#2E75B6", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2F5597", "#A5A5A5")


def build_audit_report(path: str | os.PathLike, data, *, overwrite: bool = False) -> Path:
    """Write the audit report of an `app.audit.ReportData` to `path`, atomically; never over an
    existing file unless `overwrite`. Returns the path."""
    target = Path(path)
    with kit.written(
        target, overwrite, kind="audit_report", title=f"{TITLE} {data.period.title}"
    ) as wb:
        _Report(wb, data).build()
    return target


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


class _Report:
    def __init__(self, wb: kit.Workbook, data) -> None:
        self.wb, self.data = wb, data
        self.f = audit_formats(wb)
        self.branches = data.branches

    def build(self) -> None:
        overview = self.overview()
        self.kinds()
        self.trend()
        self.open_items()
        self.paper_problems()
        self.notes()
        overview.activate()

    # ------------------------------------------------------------ figures by branch

    def _row(self, scope: str) -> dict:
        """The figures of one branch (or 合计) from the papers and the history."""
        d = self.data
        out = {}
        paper = d.paper_figures.set_index("scope")
        history = d.figures.by_scope.set_index("scope") if d.figures is not None else None
        for label, source, key in OVERVIEW_COLUMNS:
            frame = paper if source == "paper" else history
            value = None
            if frame is not None and scope in frame.index:
                value = _number(frame.at[scope, key])
            elif frame is not None and key != "rate":
                value = 0.0
            out[label] = value
        return out

    # ------------------------------------------------------------ 概览

    def overview(self):
        d, f = self.data, self.f
        ws = self.wb.add_worksheet(SHEET_OVERVIEW)
        ws.write_string(0, 0, f"{TITLE}  {d.period.title}", f.title)
        ws.set_row(0, 26)
        sources = []
        if d.db is not None:
            sources.append(f"稽核档案 {d.db.name}（本期校验 {len(d.runs)} 次）")
        else:
            sources.append("未使用稽核档案")
        sources.append(f"稽核底稿 {len(d.papers)} 份" if d.papers else "无稽核底稿")
        ws.write_string(
            1,
            0,
            f"期间 {d.period.start.isoformat()} 至 {d.period.end.isoformat()}，"
            f"数据截至 {d.end.isoformat()}；" + "，".join(sources),
            f.note,
        )
        total = self._row(audit.TOTAL)
        headline = [
            ("抽查客户", total["抽查客户"], False),
            ("发现问题客户", total["发现问题客户"], False),
            ("本期新发现", total["本期新发现"], False),
            ("本期已整改", total["本期已整改"], False),
            ("期末未整改", total["期末未整改"], False),
            ("逾期未整改", total["逾期未整改"], False),
            ("校验问题整改率", total["校验问题整改率"], True),
        ]
        for j, (label, value, percent) in enumerate(headline):
            ws.write_string(3, j, label, f.big_label)
            if value is None:
                ws.write_string(4, j, "—", f.big_figure)
            else:
                ws.write_number(4, j, value, f.big_percent if percent else f.big_figure)
        ws.set_row(3, 30)
        ws.set_row(4, 30)

        top = 6
        ws.write_string(top, 0, "分公司情况", f.subtitle)
        header = top + 1
        labels = ["分公司", *(label for label, _, _ in OVERVIEW_COLUMNS)]
        for j, label in enumerate(labels):
            ws.write_string(header, j, label, f.header)
        ws.set_row(header, 32)
        row = header
        for scope in [*self.branches, audit.TOTAL]:
            row += 1
            figures = self._row(scope)
            is_total = scope == audit.TOTAL
            ws.write_string(row, 0, scope, f.total if is_total else f.cell)
            for j, (label, _, key) in enumerate(OVERVIEW_COLUMNS, start=1):
                value = figures[label]
                if key == "rate":
                    style = f.total_percent if is_total else f.percent
                else:
                    style = f.total_count if is_total else f.count
                if value is None:
                    ws.write_string(row, j, "—", f.dash)
                else:
                    ws.write_number(row, j, value, style)
        self.branch_rows = (header + 1, row - 1)  # without 合计
        chart_row = row + 2
        if self.branches and d.figures is not None:
            chart = self.wb.add_chart({"type": "column"})
            first, last = self.branch_rows
            rate_col = labels.index("校验问题整改率")
            chart.add_series(
                {
                    "name": [SHEET_OVERVIEW, header, rate_col],
                    "categories": [SHEET_OVERVIEW, first, 0, last, 0],
                    "values": [SHEET_OVERVIEW, first, rate_col, last, rate_col],
                    "fill": {"color": "#2E75B6"},
                    "data_labels": {"value": True, "num_format": "0%", "font": {"size": 9}},
                    "gap": 80,
                }
            )
            chart.set_title({"name": "各分公司校验问题整改率", "name_font": {"size": 12}})
            chart.set_y_axis(
                {"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True}}
            )
            chart.set_legend({"none": True})
            chart.set_size({"width": 720, "height": 260})
            ws.insert_chart(chart_row, 0, chart, {"x_offset": 4, "y_offset": 4})
            chart_row += 14
        lines = (
            "期初未整改：期间开始前一天仍未整改的校验问题；本期新发现：本期间的校验首次发现（或整改后再次出现）；"
            "本期已整改：本期间的校验不再出现；期末未整改 = 期初未整改 + 本期新发现 − 本期已整改；"
            "逾期未整改：期末仍未整改且已过整改期限；校验问题整改率 = 本期已整改 ÷（期初未整改 + 本期新发现）。",
            "抽查客户、发现问题客户取自本期稽核底稿（按稽核日期，未填则按抽样基准日归入期间）；"
            "抽查问题整改率 = 整改情况为“已整改”的问题客户 ÷ 发现问题客户。“—”表示没有可计算的数据。",
        )
        write_notes(ws, chart_row + 1, lines, f.wrap, len(labels) - 1, 12 + 11 * 9)
        ws.set_column(0, 0, 12)
        ws.set_column(1, len(labels) - 1, 11)
        kit.portrait(ws)
        ws.fit_to_pages(1, 1)
        return ws

    # ------------------------------------------------------------ 问题分类

    def kinds(self) -> None:
        d, f = self.data, self.f
        ws = self.wb.add_worksheet(SHEET_KINDS)
        ws.write_string(0, 0, f"问题分类  {d.period.title}", f.title)
        row = 2
        if d.figures is not None:
            row = self._kind_block(
                ws,
                row,
                "校验问题（本期应整改：期初未整改 + 本期新发现）按类别",
                d.kinds,
                "各分公司校验问题类别",
            )
        else:
            ws.write_string(row, 0, "未使用稽核档案，没有校验问题的分类。", f.note)
            row += 2
        table = d.paper_figures[["scope", *papers.PROBLEM_KINDS]].copy()
        table[audit.TOTAL] = table[list(papers.PROBLEM_KINDS)].sum(axis=1)
        if len(d.paper_rows):
            self._kind_block(
                ws, row, "抽查发现的问题按类别（一户可有多类）", table, "各分公司抽查问题类别"
            )
        else:
            ws.write_string(row, 0, "本期没有稽核底稿，没有抽查问题的分类。", f.note)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 12, 11)
        kit.landscape(ws)

    def _kind_block(self, ws, top: int, caption: str, table: pd.DataFrame, chart_title: str) -> int:
        f = self.f
        ws.write_string(top, 0, caption, f.subtitle)
        header = top + 1
        columns = [c for c in table.columns if c != "scope"]
        ws.write_string(header, 0, "分公司", f.header)
        for j, name in enumerate(columns, start=1):
            ws.write_string(header, j, name, f.header)
        ws.set_row(header, 30)
        row = header
        for record in table.to_dict("records"):
            row += 1
            is_total = record["scope"] == audit.TOTAL
            ws.write_string(row, 0, record["scope"], f.total if is_total else f.cell)
            for j, name in enumerate(columns, start=1):
                ws.write_number(row, j, int(record[name]), f.total_count if is_total else f.count)
        kinds = [c for c in columns if c != audit.TOTAL]
        body_last = row - 1
        if kinds and body_last >= header + 1:
            chart = self.wb.add_chart({"type": "bar", "subtype": "stacked"})
            for j, name in enumerate(columns, start=1):
                if name == audit.TOTAL:
                    continue
                chart.add_series(
                    {
                        "name": [ws.name, header, j],
                        "categories": [ws.name, header + 1, 0, body_last, 0],
                        "values": [ws.name, header + 1, j, body_last, j],
                        "gap": 60,
                    }
                )
            chart.set_title({"name": chart_title, "name_font": {"size": 12}})
            chart.set_y_axis({"reverse": True, "crossing": "max"})
            chart.set_x_axis({"major_gridlines": {"visible": True}})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 760, "height": 300})
            ws.insert_chart(row + 2, 0, chart)
            return row + 19
        return row + 2

    # ------------------------------------------------------------ 趋势

    def trend(self) -> None:
        d, f = self.data, self.f
        ws = self.wb.add_worksheet(SHEET_TREND)
        ws.write_string(0, 0, f"趋势（截至 {d.period.title}）", f.title)
        row = 2
        if d.figures is not None and len(d.trend):
            row = self._trend_block(ws, row, d.trend, "closing", "期末未整改的校验问题", "line")
            row = self._trend_block(ws, row, d.trend, "rate", "校验问题整改率", "column")
            row = self._trend_block(ws, row, d.trend, "new", "本期新发现的校验问题", None)
        else:
            why = "未使用稽核档案" if d.figures is None else "稽核档案中没有这些期间的校验记录"
            ws.write_string(row, 0, f"{why}，没有校验问题的趋势。", f.note)
            row += 2
        if len(d.paper_trend) and d.paper_trend["sampled"].sum():
            row = self._trend_block(ws, row, d.paper_trend, "sampled", "抽查客户", None)
            self._trend_block(ws, row, d.paper_trend, "with_problem", "抽查发现问题客户", "column")
        ws.set_column(0, 0, 16)
        ws.set_column(1, 12, 11)
        kit.landscape(ws)

    def _trend_block(self, ws, top: int, trend: pd.DataFrame, key: str, caption: str, chart_type):
        f = self.f
        periods = list(dict.fromkeys(trend["period"]))
        titles = dict(zip(trend["period"], trend["title"], strict=True))
        scopes = [s for s in dict.fromkeys(trend["scope"]) if s != audit.TOTAL]
        scopes = [*sorted(scopes), audit.TOTAL]
        ws.write_string(top, 0, caption, f.subtitle)
        header = top + 1
        ws.write_string(header, 0, "期间", f.header)
        for j, scope in enumerate(scopes, start=1):
            ws.write_string(header, j, scope, f.header)
        ws.set_row(header, 30)
        values = trend.set_index(["period", "scope"])[key]
        row = header
        percent = key == "rate"
        for period in periods:
            row += 1
            ws.write_string(row, 0, titles[period], f.cell)
            for j, scope in enumerate(scopes, start=1):
                value = values.get((period, scope))
                number = _number(value) if value is not None else (None if percent else 0.0)
                style = f.percent if percent else f.count
                if number is None:
                    ws.write_string(row, j, "—", f.dash)
                else:
                    ws.write_number(row, j, number, style)
        if chart_type and len(scopes) > 1:
            chart = self.wb.add_chart(
                {"type": chart_type, **({"subtype": "clustered"} if chart_type == "column" else {})}
            )
            for j in range(1, len(scopes)):
                series = {
                    "name": [ws.name, header, j],
                    "categories": [ws.name, header + 1, 0, row, 0],
                    "values": [ws.name, header + 1, j, row, j],
                }
                colour = BRANCH_COLOURS[(j - 1) % len(BRANCH_COLOURS)]
                if chart_type == "line":
                    series["line"] = {"color": colour, "width": 2.25}
                    series["marker"] = {"type": "circle", "size": 6, "fill": {"color": colour}}
                else:
                    series["fill"] = {"color": colour}
                chart.add_series(series)
            chart.set_title({"name": caption, "name_font": {"size": 12}})
            axis = {"major_gridlines": {"visible": True}, "min": 0}
            if percent:
                axis |= {"num_format": "0%", "max": 1}
            chart.set_y_axis(axis)
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 760, "height": 300})
            ws.insert_chart(row + 2, 0, chart)
            return row + 19
        return row + 2

    # ------------------------------------------------------------ lists

    def open_items(self) -> None:
        d, f = self.data, self.f
        ws = self.wb.add_worksheet(SHEET_OPEN)
        table = d.open_items
        ws.write_string(
            0, 0, f"期末未整改的校验问题（截至 {d.end.isoformat()}，{len(table)} 项）", f.subtitle
        )
        rows = table.to_dict("records")
        for r in rows:
            r["customer_id"] = r["customer_id"] or r["locator"]
        first, last = write_table(ws, f, 1, OPEN_COLUMNS, rows, "OpenFindings", freeze_cols=3)
        if rows:
            status_cell = f"$A{first + 1}"
            ws.conditional_format(
                first,
                0,
                last,
                len(OPEN_COLUMNS) - 1,
                {
                    "type": "formula",
                    "criteria": f'={status_cell}="{audit.STATUS_OVERDUE}"',
                    "format": f.red,
                },
            )
        elif d.db is None:
            ws.write_string(3, 0, "未使用稽核档案。", f.note)
        else:
            ws.write_string(3, 0, "期末没有未整改的校验问题。", f.note)
        kit.landscape(ws, 1)

    def paper_problems(self) -> None:
        d, f = self.data, self.f
        ws = self.wb.add_worksheet(SHEET_PAPER)
        rows = []
        for r in d.paper_rows.to_dict("records"):
            if not r["has_problem"]:
                continue
            overdue = 0
            if not r["rectified"] and r["deadline"] is not None and r["deadline"] < d.end:
                overdue = (d.end - r["deadline"]).days
            rows.append({**r, "kinds": "、".join(r["problems"]), "overdue_days": overdue})
        rows.sort(key=lambda r: (-r["overdue_days"], r["branch"], r["customer_id"]))
        ws.write_string(0, 0, f"本期抽查发现的问题（{len(rows)} 户）", f.subtitle)
        first, last = write_table(
            ws, f, 1, PAPER_PROBLEM_COLUMNS, rows, "PaperProblems", freeze_cols=2
        )
        if rows:
            keys = [c.key for c in PAPER_PROBLEM_COLUMNS]
            cell = f"${xl_col_to_name(keys.index('overdue_days'))}{first + 1}"
            ws.conditional_format(
                first,
                0,
                last,
                len(keys) - 1,
                {"type": "formula", "criteria": f"={cell}>0", "format": f.red},
            )
        else:
            ws.write_string(
                3, 0, "本期稽核底稿中没有发现问题。" if d.papers else "本期没有稽核底稿。", f.note
            )
        kit.landscape(ws, 1)

    # ------------------------------------------------------------ 说明

    def notes(self) -> None:
        d, f = self.data, self.f
        ws = self.wb.add_worksheet(SHEET_NOTES)
        ws.write_string(0, 0, "数据来源与口径", f.title)
        row = write_pairs(
            ws,
            f,
            2,
            [
                ("期间", f"{d.period.title}（{d.period.label}）"),
                ("期间开始", d.period.start),
                ("期间结束", d.period.end),
                ("数据截至", d.end),
                ("稽核档案", str(d.db) if d.db is not None else "未使用"),
                ("本期校验次数", len(d.runs)),
                ("稽核底稿", len(d.papers)),
            ],
        )
        if len(d.runs):
            row += 1
            for j, name in enumerate(("校验批次", "基准日", "文件数", "错误", "警告", "分公司")):
                ws.write_string(row, j, name, f.header_line)
            for r in d.runs.to_dict("records"):
                row += 1
                ws.write_number(row, 0, int(r["run_id"]), f.count)
                ws.write_string(row, 1, r["as_of"], f.cell)
                for j, key in enumerate(("file_count", "errors", "warnings"), start=2):
                    ws.write_number(row, j, int(r[key]), f.count)
                ws.write_string(row, 5, r["branches"], f.cell)
        if d.papers:
            row += 2
            for j, name in enumerate(("稽核底稿", "抽样基准日", "行数")):
                ws.write_string(row, j, name, f.header_line)
            for paper in d.papers:
                row += 1
                ws.write_string(row, 0, paper.path.name, f.cell)
                ws.write_string(
                    row, 1, paper.as_of.isoformat() if paper.as_of else "（无）", f.cell
                )
                ws.write_number(row, 2, paper.rows, f.count)
        if d.notes:
            row += 2
            ws.write_string(row, 0, "底稿中未能采用的单元格", f.subtitle)
            row += 1
            for j, name in enumerate(("文件", "单元格", "说明")):
                ws.write_string(row, j, name, f.header_line)
            for note in d.notes:
                row += 1
                ws.write_string(row, 0, note.source, f.cell)
                ws.write_string(row, 1, note.cell, f.cell)
                ws.write_string(row, 2, note.message, f.wrap_cell)
        row += 2
        lines = (
            "校验问题按“分公司 + 工作表 + 客户编号 + 问题代码 + 列”识别，与单元格位置无关：台账排序或插入行后仍是同一个问题。",
            "一个分公司的问题是否已整改，以该分公司此后的校验为准；某次校验读不了该分公司的文件时，其问题保持原状态。",
            "整改期限取自整改台账（ledger-xl audit assign）；未指定期限的问题不计入逾期。",
            "问题类别："
            + "；".join(f"{k}（{len(v)} 个代码）" for k, v in audit.KINDS.items())
            + "。",
        )
        write_notes(ws, row, lines, f.wrap, 5, 16 + 12 * 4 + 60)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 4, 12)
        ws.set_column(5, 5, 60)
        kit.portrait(ws)
