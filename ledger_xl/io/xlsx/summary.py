"""The summary workbook of `ledger-xl summarize`: HQ's figures over every branch workbook.

Built fresh with XlsxWriter (DESIGN principle 2) and written atomically (principle 7) from
`summary.summary_tables`. Sheets, in order:

- 概览 — title, 基准日, files and customers, the key figures by section, and the
  所属分公司 × 审核状态 / × 评级 tables (合计 row and column as SUM formulas).
- 图表 — three native Excel charts over the cells of 概览 and 月度到期 (so they follow
  any edit): grades by branch (stacked bar), status share (pie), reviews due per month
  (column).
- 评级与评分 — grade distribution (count, share) and score distribution.
- 月度到期 — reviews falling due in each of the next 12 months.
- 逾期客户, 即将到期, 未审核, 证件到期, 风险预警 — the lists (see `list_sheets`).
- 数据说明 — data quality counts, the files read and not read, how figures are computed.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import os
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ledger_xl.core import layout
from ledger_xl.core.due import DOCUMENT_COLUMNS, DUE_COLUMNS, WARNING_COLUMNS
from ledger_xl.core.summary import TOTAL, UNKNOWN
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.kit import file_label, landscape, portrait
from ledger_xl.io.xlsx.list_sheets import (
    ListSpec,
    ListWriter,
    as_datetime,
    check_rows,
    document_spec,
    list_formats,
    review_spec,
    window_text,
    write_notes,
)

TITLE = "客户审核台账汇总"

SHEET_OVERVIEW = "概览"
SHEET_CHARTS = "图表"
SHEET_GRADES = "评级与评分"
SHEET_MONTHS = "月度到期"
SHEET_NOTES = "数据说明"

STATUS_SECTION = "按审核状态"

# Key of `summary_tables` → its list sheet.
LIST_SPECS: dict[str, ListSpec] = {
    "overdue": review_spec("逾期客户", "Overdue", DUE_COLUMNS, "没有已逾期的客户。"),
    "due_soon": review_spec("即将到期", "DueSoon", DUE_COLUMNS, "没有即将到期的客户。"),
    "never_reviewed": review_spec(
        "未审核", "NeverReviewed", DUE_COLUMNS, "没有未审核或无法判断到期的客户。"
    ),
    "documents": document_spec(
        "证件到期",
        "Documents",
        DOCUMENT_COLUMNS,
        "没有已过期、即将到期或有效期无法识别的资信证明。",
    ),
    "warnings": ListSpec("风险预警", "Warnings", WARNING_COLUMNS, "没有风险预警。"),
}

SHEET_ORDER = (
    SHEET_OVERVIEW,
    SHEET_CHARTS,
    SHEET_GRADES,
    SHEET_MONTHS,
    *(spec.sheet for spec in LIST_SPECS.values()),
    SHEET_NOTES,
)

# Colours of the status pie by label (other labels take Excel's palette).
STATUS_COLOURS = {
    "待审核": "#5B9BD5",
    "审核中": "#FFC000",
    "审核通过": "#70AD47",
    "审核未通过": "#C00000",
    layout.STATUS_INACTIVE: "#A5A5A5",
    UNKNOWN: "#D9D9D9",
}
INCOMPLETE_COLOUR = "#A5A5A5"
UNKNOWN_COLOUR = "#D9D9D9"

# Where the crosstabs of 概览 start (column D, leaving A:B for the key figures).
_CROSS_COL = 3
_ONE_PAGE_ROWS = 70  # 概览 up to this many rows is printed on one page
_TOP = 5  # first row of the key figures and of the first crosstab


def build_summary_workbook(
    path: str | os.PathLike,
    tables: dict[str, pd.DataFrame],
    portfolio,
    overwrite: bool = False,
    *,
    within: int | None = None,
) -> Path:
    """Write the summary workbook of `tables` (`summary.summary_tables(portfolio, within)`) to
    `path`, atomically; never over an existing file unless `overwrite`. `within` only words
    the notes (the 即将到期 window the tables were computed with). Returns the path."""
    target = Path(path)
    check_rows({LIST_SPECS[key].sheet: tables[key] for key in LIST_SPECS})
    with kit.written(target, overwrite, kind="summary", title=TITLE) as wb:
        _SummaryBook(wb, tables, portfolio, within).build()
    return target


# Grade colours from best to worst, by how many grades the scale has (fallback included).
_GRADE_SCALES = {
    1: ("#C00000",),
    2: ("#548235", "#C00000"),
    3: ("#548235", "#FFC000", "#C00000"),
    4: ("#548235", "#A9D18E", "#FFC000", "#C00000"),
    5: ("#548235", "#A9D18E", "#FFC000", "#ED7D31", "#C00000"),
}


def grade_colours(columns: list[str], every_rules) -> dict[str, str]:
    """Green for the best grade through red for the fallback grade of each workbook's scale
    (the first workbook naming a grade colours it); greys for the rest."""
    colours: dict[str, str] = {}
    for rules in reversed(list(every_rules)):
        scale = [b.grade for b in rules.scoring.bands] + [rules.scoring.fallback_grade]
        if len(scale) in _GRADE_SCALES:
            palette = list(_GRADE_SCALES[len(scale)])
        else:  # hues from green to red
            palette = []
            for i in range(len(scale)):
                r, g, b = colorsys.hls_to_rgb((1 - i / (len(scale) - 1)) / 3, 0.45, 0.6)
                palette.append(f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}")
        colours.update(zip(scale, palette, strict=True))
        colours[rules.scoring.incomplete_grade] = INCOMPLETE_COLOUR
    colours[UNKNOWN] = UNKNOWN_COLOUR
    return {c: colours[c] for c in columns if c in colours}


class _SummaryBook:
    def __init__(
        self, wb: kit.Workbook, tables: dict[str, pd.DataFrame], portfolio, within
    ) -> None:
        self.tables, self.portfolio, self.within = tables, portfolio, within
        self.wb = wb
        self.f = list_formats(self.wb)
        self.lists = ListWriter(self.wb, self.f)
        # Cell ranges the charts read, filled in while writing 概览 and 月度到期.
        self.status_rows: tuple[int, int] | None = None  # first, last row on 概览 (col A:B)
        self.grade_cross: tuple[int, int, int] | None = None  # header row, first data row, n
        self.month_rows: tuple[int, int] | None = None

    def build(self) -> None:
        overview = self.write_overview()
        charts = self.wb.add_worksheet(SHEET_CHARTS)
        self.write_grades()
        self.write_months()
        for key, spec in LIST_SPECS.items():
            self.lists.write(spec, self.tables[key])
        self.write_notes()
        self.write_charts(charts)
        overview.activate()

    # ------------------------------------------------------------ 概览

    def write_overview(self):
        ws = self.wb.add_worksheet(SHEET_OVERVIEW)
        f, p = self.f, self.portfolio
        figures = self.tables["key_figures"]
        ws.write_string(0, 0, TITLE, f.title)
        ws.set_row(0, 24)
        ws.write_string(1, 0, "基准日", f.bold)
        ws.write_datetime(1, 1, as_datetime(p.as_of), f.date)
        ws.write_string(2, 0, "来源文件数", f.bold)
        ws.write_number(2, 1, len(p.files), f.info_number)
        if p.unreadable:
            ws.write_string(2, 2, f"另有 {len(p.unreadable)} 个文件无法读取，见“数据说明”", f.note)
        ws.write_string(3, 0, "客户总数", f.bold)
        ws.write_number(3, 1, _total_customers(figures, p), f.info_number)

        row = _TOP
        for section, items in figures.groupby("section", sort=False):
            ws.write_string(row, 0, section, f.header)
            ws.write_string(row, 1, "数量", f.header)
            first = row + 1
            for label, count in zip(items["label"], items["count"], strict=True):
                row += 1
                ws.write_string(row, 0, str(label), f.cell)
                ws.write_number(row, 1, int(count), f.count)
            if section == STATUS_SECTION and row >= first:
                last = row
                if items["label"].iloc[-1] == UNKNOWN and int(items["count"].iloc[-1]) == 0:
                    last -= 1  # no empty slice for the unknown bucket
                self.status_rows = (first, last)
            row += 2
        ws.set_column(0, 0, 36)
        ws.set_column(1, 1, 10)
        ws.set_column(2, 2, 3)
        figures_end = row

        row = self._crosstab(ws, _TOP, "所属分公司 × 审核状态", self.tables["branch_status"])
        header = row + 3
        self._crosstab(ws, header, "所属分公司 × 评级", self.tables["branch_grade"])
        n_branches = sum(1 for name in self.tables["branch_grade"].index if name != TOTAL)
        self.grade_cross = (header + 1, header + 2, n_branches)
        widest = max(
            (
                kit.display_width(str(name))
                for t in ("branch_status", "branch_grade")
                for name in self.tables[t].index
            ),
            default=10,
        )
        ws.set_column(_CROSS_COL, _CROSS_COL, max(12, min(widest + 2, 30)))
        widths: dict[int, int] = {}
        for t in ("branch_status", "branch_grade"):
            for j, name in enumerate(self.tables[t].columns, start=1):
                width = max(9, kit.display_width(str(name)) + 2)
                widths[_CROSS_COL + j] = max(widths.get(_CROSS_COL + j, 0), width)
        for col, width in widths.items():
            ws.set_column(col, col, width)
        landscape(ws)
        if max(figures_end, self.grade_cross[1] + n_branches) <= _ONE_PAGE_ROWS:
            ws.fit_to_pages(1, 1)  # a dashboard on one page while it stays legible
        return ws

    def _crosstab(self, ws, top: int, caption: str, table: pd.DataFrame) -> int:
        """Caption on `top`, header below it, one row per branch, then 合计; 合计 cells are SUM
        formulas (cached values from `table`). Returns the row of 合计."""
        f = self.f
        col0 = _CROSS_COL
        columns = [str(c) for c in table.columns]
        ws.write_string(top, col0, caption, f.subtitle)
        header = top + 1
        ws.write_string(header, col0, table.index.name or "所属分公司", f.header_line)
        for j, name in enumerate(columns, start=1):
            ws.write_string(header, col0 + j, name, f.header_line)
        body = [name for name in table.index if name != TOTAL]
        first = header + 1
        total_col = columns.index(TOTAL) + 1 if TOTAL in columns else None
        for i, name in enumerate(body):
            r = first + i
            ws.write_string(r, col0, str(name), f.cell)
            for j, column in enumerate(table.columns, start=1):
                value = int(table.at[name, column])
                if j == total_col:
                    a = xl_rowcol_to_cell(r, col0 + 1)
                    b = xl_rowcol_to_cell(r, col0 + j - 1)
                    ws.write_formula(r, col0 + j, f"=SUM({a}:{b})", f.total_column, value)
                else:
                    ws.write_number(r, col0 + j, value, f.count)
        total_row = first + len(body)
        ws.write_string(total_row, col0, TOTAL, f.total)
        for j, column in enumerate(table.columns, start=1):
            value = int(table.at[TOTAL, column]) if TOTAL in table.index else 0
            if body:
                a = xl_rowcol_to_cell(first, col0 + j)
                b = xl_rowcol_to_cell(total_row - 1, col0 + j)
                ws.write_formula(total_row, col0 + j, f"=SUM({a}:{b})", f.total_count, value)
            else:
                ws.write_number(total_row, col0 + j, value, f.total_count)
        return total_row

    # ------------------------------------------------------------ 评级与评分

    def write_grades(self):
        ws = self.wb.add_worksheet(SHEET_GRADES)
        f = self.f
        grades = self.tables["grades"]
        ws.write_string(0, 0, "评级分布", f.subtitle)
        for j, name in enumerate(("评级", "客户数", "占比")):
            ws.write_string(1, j, name, f.header)
        first = 2
        total_row = first + len(grades)
        total_cell = xl_rowcol_to_cell(total_row, 1, row_abs=True, col_abs=True)
        for i, (grade, count, share) in enumerate(
            zip(grades["grade"], grades["count"], grades["share"], strict=True)
        ):
            r = first + i
            ws.write_string(r, 0, str(grade), f.cell)
            ws.write_number(r, 1, int(count), f.count)
            count_cell = xl_rowcol_to_cell(r, 1)
            ws.write_formula(
                r,
                2,
                f"=IF({total_cell}=0,0,{count_cell}/{total_cell})",
                f.percent,
                float(share) if pd.notna(share) else 0.0,
            )
        total = int(grades["count"].sum())
        ws.write_string(total_row, 0, TOTAL, f.total)
        self._sum(ws, total_row, 1, first, f.total_count, total)
        self._sum(ws, total_row, 2, first, f.total_percent, 1.0 if total else 0.0)

        scores = self.tables["scores"]
        top = total_row + 3
        ws.write_string(top, 0, "评分分布（综合评分）", f.subtitle)
        for j, name in enumerate(("评分区间", "下限", "上限", "客户数")):
            ws.write_string(top + 1, j, name, f.header)
        first = top + 2
        for i, row in enumerate(scores.itertuples(index=False)):
            r = first + i
            ws.write_string(r, 0, str(row.band), f.cell)
            for j, value in ((1, row.low), (2, row.high)):
                if pd.isna(value):
                    ws.write_blank(r, j, None, f.cell)
                else:
                    ws.write_number(r, j, float(value), f.count)
            ws.write_number(r, 3, int(row.count), f.count)
        total_row = first + len(scores)
        ws.write_string(total_row, 0, TOTAL, f.total)
        ws.write_blank(total_row, 1, None, f.total)
        ws.write_blank(total_row, 2, None, f.total)
        self._sum(ws, total_row, 3, first, f.total_count, int(scores["count"].sum()))
        ws.write_string(
            total_row + 2,
            0,
            "评分区间含下限、不含上限，最后一档含 100 分；未评分为四项维度评分未填全的客户。",
            f.note,
        )
        ws.set_column(0, 0, 22)
        ws.set_column(1, 3, 10)
        portrait(ws)
        return ws

    def _sum(self, ws, row: int, col: int, first: int, fmt, cached) -> None:
        if row > first:
            a, b = xl_rowcol_to_cell(first, col), xl_rowcol_to_cell(row - 1, col)
            ws.write_formula(row, col, f"=SUM({a}:{b})", fmt, cached)
        else:
            ws.write_number(row, col, cached, fmt)

    # ------------------------------------------------------------ 月度到期

    def write_months(self):
        ws = self.wb.add_worksheet(SHEET_MONTHS)
        f = self.f
        months = self.tables["due_by_month"]
        for j, name in enumerate(("月份", "月初", "到期客户数")):
            ws.write_string(0, j, name, f.header)
        for i, row in enumerate(months.itertuples(index=False), start=1):
            ws.write_string(i, 0, str(row.label), f.cell)
            day = as_datetime(row.month)
            if day is None:
                ws.write_blank(i, 1, None, f.cell)
            else:
                ws.write_datetime(i, 1, day, f.month)
            ws.write_number(i, 2, int(row.count), f.count)
        total_row = len(months) + 1
        ws.write_string(total_row, 0, TOTAL, f.total)
        ws.write_blank(total_row, 1, None, f.total)
        self._sum(ws, total_row, 2, 1, f.total_count, int(months["count"].sum()))
        if len(months):
            self.month_rows = (1, len(months))
        ws.write_string(
            total_row + 2,
            0,
            "按下次审核日期统计未停用的客户；当月从基准日算起，已逾期的客户不在此表，见“逾期客户”。",
            f.note,
        )
        ws.freeze_panes(1, 0)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 12)
        ws.set_column(2, 2, 12)
        portrait(ws)
        ws.repeat_rows(0)
        return ws

    # ------------------------------------------------------------ 图表

    def write_charts(self, ws) -> None:
        f = self.f
        ws.write_string(0, 0, "图表（数据取自“概览”和“月度到期”，随表中数字更新）", f.subtitle)
        ws.hide_gridlines(2)
        grades = self._grade_chart()
        if grades is None:
            ws.write_string(2, 1, "没有分公司数据，无法绘制评级分布图。", f.note)
        else:
            ws.insert_chart(2, 1, grades)
        status = self._status_chart()
        if status is None:
            ws.write_string(2, 11, "没有审核状态数据。", f.note)
        else:
            ws.insert_chart(2, 11, status, {"x_offset": 16})
        months = self._month_chart()
        if months is None:
            ws.write_string(24, 1, "没有月度到期数据。", f.note)
        else:
            ws.insert_chart(24, 1, months)
        ws.set_column(0, 0, 2)
        ws.print_area(0, 0, 46, 18)
        landscape(ws)
        ws.fit_to_pages(1, 1)

    def _grade_chart(self):
        if self.grade_cross is None or self.grade_cross[2] == 0:
            return None
        header, first, n = self.grade_cross
        last = first + n - 1
        table = self.tables["branch_grade"]
        columns = [str(c) for c in table.columns]
        colours = grade_colours(columns, self.portfolio.all_rules())
        chart = self.wb.add_chart({"type": "bar", "subtype": "stacked"})
        col0 = _CROSS_COL
        for j, name in enumerate(columns, start=1):
            if name == TOTAL:
                continue
            if name == UNKNOWN and (TOTAL not in table.index or int(table.at[TOTAL, UNKNOWN]) == 0):
                continue
            series = {
                "name": [SHEET_OVERVIEW, header, col0 + j],
                "categories": [SHEET_OVERVIEW, first, col0, last, col0],
                "values": [SHEET_OVERVIEW, first, col0 + j, last, col0 + j],
                "gap": 60,
            }
            if name in colours:
                series["fill"] = {"color": colours[name]}
                series["border"] = {"color": "#FFFFFF", "width": 0.5}
            chart.add_series(series)
        chart.set_title({"name": "各分公司客户评级分布", "name_font": {"size": 13}})
        chart.set_x_axis({"name": "客户数", "major_gridlines": {"visible": True}})
        # Branches top to bottom in table order; "max" keeps the value axis at the bottom.
        chart.set_y_axis({"name": "所属分公司", "reverse": True, "crossing": "max"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 640, "height": 400})
        return chart

    def _status_chart(self):
        if self.status_rows is None:
            return None
        first, last = self.status_rows
        categories = [SHEET_OVERVIEW, first, 0, last, 0]
        values = [SHEET_OVERVIEW, first, 1, last, 1]
        figures = self.tables["key_figures"]
        labels = figures.loc[figures["section"] == STATUS_SECTION, "label"].tolist()
        labels = labels[: last - first + 1]
        chart = self.wb.add_chart({"type": "pie"})
        chart.add_series(
            {
                "name": "审核状态",
                "categories": categories,
                "values": values,
                "data_labels": {
                    "category": True,
                    "percentage": True,
                    "separator": "\n",
                    "position": "outside_end",
                    "leader_lines": True,
                    "font": {"size": 9},
                },
                "points": [
                    {"fill": {"color": STATUS_COLOURS[label]}, "border": {"color": "#FFFFFF"}}
                    if label in STATUS_COLOURS
                    else None
                    for label in labels
                ],
            }
        )
        chart.set_title({"name": "客户审核状态占比", "name_font": {"size": 13}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 480, "height": 400})
        return chart

    def _month_chart(self):
        if self.month_rows is None:
            return None
        first, last = self.month_rows
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": [SHEET_MONTHS, 0, 2],
                "categories": [SHEET_MONTHS, first, 0, last, 0],
                "values": [SHEET_MONTHS, first, 2, last, 2],
                "fill": {"color": "#2E75B6"},
                "gap": 50,
                "data_labels": {"value": True, "position": "outside_end", "font": {"size": 9}},
            }
        )
        chart.set_title({"name": "未来12个月每月到期审核客户数", "name_font": {"size": 13}})
        chart.set_x_axis({"name": "月份"})
        chart.set_y_axis({"name": "客户数", "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 1136, "height": 380})
        return chart

    # ------------------------------------------------------------ 数据说明

    def write_notes(self):
        ws = self.wb.add_worksheet(SHEET_NOTES)
        f, p = self.f, self.portfolio
        quality = self.tables["data_quality"]
        ws.write_string(0, 0, "数据质量", f.subtitle)
        for j, name in enumerate(("项目", "数量", "说明")):
            ws.write_string(1, j, name, f.header)
        row = 2
        for item, count, note in zip(
            quality["item"], quality["count"], quality["note"], strict=True
        ):
            ws.write_string(row, 0, str(item), f.attention if int(count) else f.cell)
            ws.write_number(row, 1, int(count), f.count)
            ws.write_string(row, 2, str(note), f.cell)
            row += 1

        row += 1
        ws.write_string(row, 0, f"读取的文件（{len(p.files)} 个）", f.subtitle)
        row += 1
        ws.write_string(row, 0, "文件名", f.header)
        ws.write_string(row, 1, "客户数", f.header)
        ws.write_string(row, 2, "分公司", f.header)
        row += 1
        customers = p.customers
        per_file = customers["file"].value_counts().to_dict() if "file" in customers else {}
        if not p.files:
            ws.write_string(row, 0, "（没有）", f.note)
            row += 1
        for file in p.files:  # names only: where the files lay on HQ's machine stays there
            ws.write_string(row, 0, file_label(file), f.cell)
            ws.write_number(row, 1, int(per_file.get(file, 0)), f.count)
            mine = customers.loc[customers["file"] == file, "branch"] if per_file else []
            names = sorted({b for b in mine if b})
            ws.write_string(row, 2, "、".join(names[:5]), f.cell)
            row += 1
        row += 1
        ws.write_string(row, 0, f"无法读取的文件（{len(p.unreadable)} 个）", f.subtitle)
        row += 1
        if p.unreadable:
            ws.write_string(row, 0, "文件名", f.header)
            ws.write_string(row, 1, "", f.header)
            ws.write_string(row, 2, "原因", f.header)
            row += 1
            for file, reason in p.unreadable:
                ws.write_string(row, 0, file_label(file), f.cell)
                ws.write_blank(row, 1, None, f.cell)
                ws.write_string(row, 2, str(reason), f.wrap_cell)
                row += 1
        else:
            ws.write_string(row, 0, "没有无法读取的文件。", f.note)
            row += 1

        row += 1
        ws.write_string(row, 0, "计算说明", f.subtitle)
        row += 1
        write_notes(ws, row, self._notes(), f.wrap, 2, 30 + 8 + 80)
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 8)
        ws.set_column(2, 2, 80)
        portrait(ws)
        return ws

    def _notes(self) -> list[str]:
        p = self.portfolio
        as_of = p.as_of.isoformat() if isinstance(p.as_of, dt.date) else str(p.as_of)
        return [
            f"基准日 {as_of}：到期提示、逾期天数、距到期天数、证件状态都按这一天计算，"
            "与各分公司台账中的公式结果一致。",
            f"即将到期：{window_text(self.within, p, 'due_soon_days', '审核提醒天数')}。"
            "证件即将到期按各工作簿的证件提醒天数。",
            "已停用的客户不列入逾期客户、即将到期、未审核、证件到期和风险预警，"
            "但计入客户总数和各项分布。",
            "每一项分布（按审核状态、按评级、按风险等级、按到期提示、分公司表的每一行和合计）"
            "相加都等于客户总数；未填写或不在下拉列表中的值计入“（未填写或无法识别）”。"
            "“下次审核时间”一节只计未停用的客户。",
            "未审核表中也列出到期提示“无法判断”的客户（最近审核日期不是日期，"
            "或风险等级与客户类别在审核周期表中没有对应周期），说明列写明原因。",
            "资信证明只计当前有效的一份（同一客户同一类证件有更新的，旧的不计）；"
            "法定代表人身份证号码中间八位已隐藏。",
            "各分公司按自己工作簿中的评分标准和审核周期计算；图表引用“概览”和“月度到期”中的单元格。",
        ]


def _total_customers(figures: pd.DataFrame, portfolio) -> int:
    hit = figures.loc[figures["label"] == "客户总数", "count"]
    return int(hit.iloc[0]) if len(hit) else len(portfolio.customers)
