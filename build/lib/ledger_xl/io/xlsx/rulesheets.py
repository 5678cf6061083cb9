"""Writing the three rule sheets — 填报规则, 评分标准, 审核周期 — from `Rules`, with the named
cells the ledger's formulas use. The layout constants and the reader are in
`ledger_xl.core.rulesheets`."""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from ledger_xl.core import layout
from ledger_xl.core.rules import CycleRules, Rules, ScoringRules
from ledger_xl.core.rulesheets import (
    CYCLE_CORNER,
    FIELD_HEADER_ROW,
    FIELD_HEADERS,
    LABEL_DOC_SOON,
    LABEL_DUE_SOON,
    SCORING_BAND_HEADER,
    SCORING_DIM_HEADER,
)


def _abs(sheet: str, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
    first = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
    if row2 is None:
        return f"={sheet}!{first}"
    return f"={sheet}!{first}:{xl_rowcol_to_cell(row2, col2, row_abs=True, col_abs=True)}"


# ---------------------------------------------------------------- writing


def write_field_rules(workbook, fmt, rules: Rules) -> None:
    ws = workbook.add_worksheet(layout.SHEET_FIELD_RULES)
    ws.write_string(0, 0, "填报规则：台账每一列的类型、是否必填、格式和填报要求", fmt("title"))
    ws.write_string(
        1,
        0,
        "校验按本表进行。管理员修改后，ledger-xl 校验即按新规则执行；"
        "列名、类型改动须与台账表头一致。",
        fmt("note"),
    )
    for col, header in enumerate(FIELD_HEADERS):
        ws.write_string(FIELD_HEADER_ROW, col, header, fmt("header"))
    for i, field in enumerate(rules.fields, start=FIELD_HEADER_ROW + 1):
        cells = (
            field.key,
            field.header,
            field.type.value,
            "是" if field.required else "否",
            field.format,
            "、".join(field.allowed),
            field.minimum,
            field.maximum,
            "、".join(field.aliases),
            field.width,
            field.hint,
        )
        for col, value in enumerate(cells):
            if isinstance(value, int | float):
                ws.write_number(i, col, value, fmt("cell"))
            elif value is None or value == "":
                ws.write_blank(i, col, None, fmt("cell"))
            else:
                ws.write_string(i, col, value, fmt("wrap" if col == 10 else "cell"))
    for col, width in enumerate((18, 16, 6, 5, 20, 28, 7, 7, 24, 6, 60)):
        ws.set_column(col, col, width)
    ws.freeze_panes(FIELD_HEADER_ROW + 1, 2)
    ws.autofilter(FIELD_HEADER_ROW, 0, FIELD_HEADER_ROW + len(rules.fields), len(FIELD_HEADERS) - 1)
    return ws


def write_scoring(workbook, fmt, scoring: ScoringRules):
    ws = workbook.add_worksheet(layout.SHEET_SCORING)
    sheet = layout.SHEET_SCORING
    ws.write_string(0, 0, "评分标准：各维度权重（合计须为100%）和评级下限", fmt("title"))
    ws.write_string(1, 0, "修改权重或评级下限后，台账的综合评分和评级随之重算。", fmt("note"))
    top = 3
    for col, header in enumerate(SCORING_DIM_HEADER):
        ws.write_string(top, col, header, fmt("header"))
    for i, dim in enumerate(scoring.dimensions, start=top + 1):
        ws.write_string(i, 0, dim.name, fmt("cell"))
        ws.write_string(i, 1, dim.column, fmt("cell"))
        ws.write_number(i, 2, dim.weight, fmt("percent"))
        ws.write_string(i, 3, dim.description, fmt("cell"))
        workbook.define_name(layout.weight_name(dim.name), _abs(sheet, i, 2))
    total_row = top + 1 + len(scoring.dimensions)
    ws.write_string(total_row, 0, "合计", fmt("bold"))
    first = xl_rowcol_to_cell(top + 1, 2)
    last = xl_rowcol_to_cell(total_row - 1, 2)
    total = sum(d.weight for d in scoring.dimensions)
    ws.write_formula(total_row, 2, f"=SUM({first}:{last})", fmt("percent_bold"), round(total, 9))

    band_top = total_row + 2
    for col, header in enumerate(SCORING_BAND_HEADER):
        ws.write_string(band_top, col, header, fmt("header"))
    for i, band in enumerate(scoring.bands, start=band_top + 1):
        ws.write_string(i, 0, band.grade, fmt("cell"))
        ws.write_number(i, 1, band.lower, fmt("cell"))
        ws.write_string(i, 2, band.description, fmt("cell"))
        workbook.define_name(layout.band_name(band.grade), _abs(sheet, i, 1))
    fallback_row = band_top + 1 + len(scoring.bands)
    ws.write_string(fallback_row, 0, scoring.fallback_grade, fmt("cell"))
    ws.write_blank(fallback_row, 1, None, fmt("cell"))
    ws.write_string(
        fallback_row,
        2,
        f"低于以上各档；四项评分未填齐时评级为“{scoring.incomplete_grade}”",
        fmt("cell"),
    )
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 3, 40)
    return ws


def write_cycles(workbook, fmt, cycles: CycleRules):
    ws = workbook.add_worksheet(layout.SHEET_CYCLES)
    sheet = layout.SHEET_CYCLES
    ws.write_string(0, 0, "审核周期：按风险等级和客户类别确定的审核间隔（月）", fmt("title"))
    ws.write_string(
        1, 0, "高风险或重要客户审核更频繁。修改后，台账的下次审核日期随之重算。", fmt("note")
    )
    top = 3
    ws.write_string(top, 0, CYCLE_CORNER, fmt("header"))
    for j, category in enumerate(cycles.categories, start=1):
        ws.write_string(top, j, category, fmt("header"))
    for i, (risk, row) in enumerate(zip(cycles.risk_levels, cycles.months, strict=True), top + 1):
        ws.write_string(i, 0, risk, fmt("header"))
        for j, months in enumerate(row, start=1):
            ws.write_number(i, j, months, fmt("cell"))
    n_risk, n_cat = len(cycles.risk_levels), len(cycles.categories)
    workbook.define_name(layout.NAME_CYCLE_TABLE, _abs(sheet, top + 1, 1, top + n_risk, n_cat))
    workbook.define_name(layout.NAME_CYCLE_RISKS, _abs(sheet, top + 1, 0, top + n_risk, 0))
    workbook.define_name(layout.NAME_CYCLE_CATEGORIES, _abs(sheet, top, 1, top, n_cat))

    settings = top + n_risk + 2
    ws.write_string(settings, 0, LABEL_DUE_SOON, fmt("bold"))
    ws.write_number(settings, 1, cycles.due_soon_days, fmt("cell"))
    ws.write_string(settings, 2, "距下次审核日期不超过此天数时提示“即将到期”", fmt("note"))
    ws.write_string(settings + 1, 0, LABEL_DOC_SOON, fmt("bold"))
    ws.write_number(settings + 1, 1, cycles.document_soon_days, fmt("cell"))
    ws.write_string(settings + 1, 2, "资信证明距有效期不超过此天数时提示“即将到期”", fmt("note"))
    workbook.define_name(layout.NAME_DUE_SOON_DAYS, _abs(sheet, settings, 1))
    workbook.define_name(layout.NAME_DOC_SOON_DAYS, _abs(sheet, settings + 1, 1))
    ws.set_column(0, 0, 22)
    ws.set_column(1, n_cat, 10)
    return ws
