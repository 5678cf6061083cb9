"""The sheets the buttons write into the open workbook: 校验结果, 汇总报表 and 到期清单.

Each is written fresh (an old one of the same name — the previous click's — is replaced),
value blocks in one call each; only hyperlinks, colours of row runs and charts take a call of
their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.due import DOCUMENT_COLUMNS, DUE_COLUMNS, LABELS, WARNING_COLUMNS
from ledger_xl.core.findings import FileResult, Severity
from ledger_xl.core.portfolio import FILE, ROW
from ledger_xl.core.summary import TOTAL
from ledger_xl.excel.workbook import (
    Book,
    Sheet,
    link,
    replace_sheet,
    set_widths,
    style_header,
    write_rows,
)

RED = (0xFF, 0xC7, 0xCE)
AMBER = (0xFF, 0xEB, 0x9C)
_LEVEL = {Severity.ERROR: "错误", Severity.WARNING: "警告"}
FINDING_HEADERS = ("序号", "级别", "位置", "客户编号", "列", "问题代码", "值", "说明")
FINDING_WIDTHS = (6, 6, 14, 12, 16, 24, 20, 80)
FIRST_ROW = 4  # 1-based row of every report's first table header


def _title(sheet: Sheet, title: str, lines: Sequence[str]) -> None:
    write_rows(sheet, 1, 1, [[title], *([line] for line in lines)])
    sheet.range("A1").font.bold = True
    sheet.range("A1").font.size = 14


# ---------------------------------------------------------------- 校验结果


def write_findings(book: Book, result: FileResult, as_of: dt.date) -> Sheet:
    """校验结果: a summary line, then one row per finding with a link to its cell."""
    sheet = replace_sheet(book, layout.SHEET_CHECK_RESULTS, after=layout.SHEET_LEDGER)
    verdict = "有错误" if result.errors else "通过"
    _title(
        sheet,
        f"校验结果：{verdict}（{result.errors} 个错误，{result.warnings} 个警告）",
        [
            f"基准日 {as_of.isoformat()}，校验时间 {dt.datetime.now():%Y-%m-%d %H:%M}，"
            f"共 {result.rows} 个客户。点击“位置”跳到该单元格；"
            "有问题的单元格已填色并加批注，再次点击“校验”会先清除这些标记并重新生成本表。"
        ],
    )
    findings = sorted(
        result.findings, key=lambda f: (f.severity is not Severity.ERROR, f.sheet, f.row or 0)
    )
    rows: list[list[object]] = [list(FINDING_HEADERS)]
    for n, item in enumerate(findings, start=1):
        where: object = item.sheet
        if item.sheet and item.cell:
            where = link(item.sheet, item.cell, f"{item.sheet}!{item.cell}")
        rows.append(
            [
                n,
                _LEVEL[item.severity],
                where,
                item.customer_id,
                item.column,
                item.code,
                item.value,
                item.message,
            ]
        )
    if not findings:
        rows.append(["", "", "", "", "", "", "", "没有发现问题。"])
    write_rows(sheet, FIRST_ROW, 1, rows)
    style_header(sheet.range((FIRST_ROW, 1), (FIRST_ROW, len(FINDING_HEADERS))))
    errors = sum(f.severity is Severity.ERROR for f in findings)
    if errors:
        sheet.range((FIRST_ROW + 1, 2), (FIRST_ROW + errors, 2)).color = RED
    if len(findings) > errors:
        sheet.range((FIRST_ROW + 1 + errors, 2), (FIRST_ROW + len(findings), 2)).color = AMBER
    set_widths(sheet, FINDING_WIDTHS)
    return sheet


# ---------------------------------------------------------------- tables from frames


def _plain(value: object) -> object:
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").astype(dt.date)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    return value


def frame_rows(frame: pd.DataFrame, columns: Sequence[str], labels: dict[str, str]) -> list[list]:
    """A header of labels, then the frame's rows in `columns` order."""
    body = [[_plain(v) for v in row] for row in frame[list(columns)].itertuples(index=False)]
    return [[labels.get(c, c) for c in columns], *body]


def _block(sheet: Sheet, row: int, title: str, rows: list[list]) -> int:
    """A bold title line, then `rows` (header first) from column A; returns the next free row."""
    write_rows(sheet, row, 1, [[title]])
    sheet.range((row, 1)).font.bold = True
    write_rows(sheet, row + 1, 1, rows)
    style_header(sheet.range((row + 1, 1), (row + 1, len(rows[0]))))
    return row + 1 + len(rows) + 1


def _colour_runs(sheet: Sheet, first_row: int, flags: Sequence[str], width: int, colours) -> None:
    """Fill each run of rows with the same flag in its colour (lists are sorted by urgency,
    so a run is a handful of calls whatever its length)."""
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            colour = colours.get(flags[start])
            if colour is not None:
                sheet.range((first_row + start, 1), (first_row + i - 1, width)).color = colour
            start = i


# ---------------------------------------------------------------- 到期清单


def write_due_list(book: Book, lists: dict[str, pd.DataFrame], as_of: dt.date) -> Sheet:
    """到期清单: the customers due (已逾期, 未审核, 无法判断, 即将到期) and the credit documents
    expired or expiring, most urgent first, with a link from each row to its 台账 row."""
    sheet = replace_sheet(book, layout.SHEET_DUE_LIST, after=layout.SHEET_LEDGER)
    reviews, documents = lists["reviews"], lists["documents"]
    counts = reviews["flag"].value_counts()
    summary = "，".join(
        f"{flag} {int(counts.get(flag, 0))}"
        for flag in (layout.DUE_OVERDUE, layout.DUE_NEVER, layout.DUE_UNKNOWN, layout.DUE_SOON)
    )
    _title(
        sheet,
        "到期清单",
        [
            f"基准日 {as_of.isoformat()}：{summary}；资信证明 {len(documents)} 份。"
            "再次点击“标记到期”会重新生成本表。台账已筛选出已逾期的客户"
            "（数据 → 筛选 → 清除，即恢复显示全部）。"
        ],
    )
    review_columns = [c for c in DUE_COLUMNS if c != FILE]
    rows = frame_rows(reviews, review_columns, LABELS)
    _link_customers(rows, review_columns, list(reviews[ROW]))
    row = _block(sheet, FIRST_ROW, f"待审核客户（{len(reviews)}）", rows)
    _colour_runs(
        sheet,
        FIRST_ROW + 2,
        list(reviews["flag"]),
        len(review_columns),
        {layout.DUE_OVERDUE: RED, layout.DUE_SOON: AMBER},
    )
    if reviews.empty:
        write_rows(sheet, FIRST_ROW + 2, 1, [["没有待审核的客户。"]])
        row += 1
    document_columns = [c for c in DOCUMENT_COLUMNS if c != FILE]
    top = row
    _block(
        sheet, top, f"证件到期（{len(documents)}）", frame_rows(documents, document_columns, LABELS)
    )
    _colour_runs(
        sheet,
        top + 2,
        list(documents["doc_status"]),
        len(document_columns),
        {layout.DOC_EXPIRED: RED, layout.DOC_SOON: AMBER},
    )
    if documents.empty:
        write_rows(sheet, top + 2, 1, [["没有已过期或即将到期的资信证明。"]])
    set_widths(sheet, [10, 12, 26, 12, 10, 9, 9, 7, 10, 12, 12, 10, 9, 36, 7])
    return sheet


def _link_customers(rows: list[list], columns: list[str], sheet_rows: list) -> None:
    """Make each listed customer's 客户编号 a link to its row in 台账 (rows[0] is the header)."""
    at = columns.index("customer_id")
    for line, sheet_row in zip(rows[1:], sheet_rows, strict=True):
        if line[at] and sheet_row == sheet_row:  # not NaN
            line[at] = link(layout.SHEET_LEDGER, f"A{int(sheet_row)}", str(line[at]))


# ---------------------------------------------------------------- 汇总报表


def write_summary(book: Book, tables: dict[str, pd.DataFrame], as_of: dt.date) -> Sheet:
    """汇总报表: key figures, the branch tables, grade and score distributions, reviews due
    per month, risk warnings and what could not be read; two charts beside them."""
    sheet = replace_sheet(book, layout.SHEET_SUMMARY_REPORT, after=layout.SHEET_SUMMARY)
    _title(
        sheet,
        "汇总报表",
        [
            f"基准日 {as_of.isoformat()}，生成时间 {dt.datetime.now():%Y-%m-%d %H:%M}。"
            "由“生成汇总”按钮按本工作簿当前数据生成，数据变化后请再次点击（本表会重新生成）。"
        ],
    )
    key = tables["key_figures"]
    row = _block(
        sheet,
        FIRST_ROW,
        "关键数字",
        [["分类", "项目", "数量"], *key[["section", "label", "count"]].values.tolist()],
    )
    crosstabs = {}
    for name, title in (("branch_status", "分公司 × 审核状态"), ("branch_grade", "分公司 × 评级")):
        table = tables[name]
        crosstabs[name] = row + 1
        rows = [[table.index.name or "所属分公司", *table.columns]]
        rows += [
            [index, *values]
            for index, values in zip(table.index, table.values.tolist(), strict=True)
        ]
        row = _block(sheet, row, title, rows)
    grades = tables["grades"]
    row = _block(
        sheet,
        row,
        "评级分布",
        [["评级", "数量", "占比"], *grades[["grade", "count", "share"]].values.tolist()],
    )
    scores = tables["scores"]
    row = _block(
        sheet, row, "评分分布", [["综合评分", "数量"], *scores[["band", "count"]].values.tolist()]
    )
    months_top = row + 1
    months = tables["due_by_month"]
    row = _block(
        sheet,
        row,
        "未来12个月每月到期（不含已停用）",
        [["月份", "到期客户数"], *months[["label", "count"]].values.tolist()],
    )
    warnings = tables["warnings"]
    warning_columns = [c for c in WARNING_COLUMNS if c != FILE]
    row = _block(
        sheet, row, f"风险预警（{len(warnings)}）", frame_rows(warnings, warning_columns, LABELS)
    )
    quality = tables["data_quality"]
    _block(
        sheet,
        row,
        "数据说明",
        [["项目", "数量", "说明"], *quality[["item", "count", "note"]].values.tolist()],
    )
    set_widths(sheet, [26, 14, 12, 12, 12, 12, 12, 12, 14, 12, 36, 7])
    _charts(sheet, tables, crosstabs, months_top)
    return sheet


def _charts(
    sheet: Sheet, tables: dict[str, pd.DataFrame], crosstabs: dict[str, int], months_top: int
) -> None:
    """Grades by branch (stacked bars, without the 合计 row and column) and reviews due per
    month (columns), placed right of the tables."""
    left = 14 * 60.0  # points: clear of the tables' columns
    grade = tables["branch_grade"]
    branches = [b for b in grade.index if b != TOTAL]
    if branches:
        top = crosstabs["branch_grade"]
        width = len([c for c in grade.columns if c != TOTAL])  # data columns after the names
        source = sheet.range((top, 1), (top + len(branches), 1 + width))  # no 合计 row/column
        chart = sheet.charts.add(left=left, top=20, width=420, height=260)
        chart.set_source_data(source)
        chart.chart_type = "bar_stacked"
    months = tables["due_by_month"]
    if len(months):
        source = sheet.range((months_top, 1), (months_top + len(months), 2))
        chart = sheet.charts.add(left=left, top=300, width=420, height=240)
        chart.set_source_data(source)
        chart.chart_type = "column_clustered"
