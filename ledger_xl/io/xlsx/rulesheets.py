"""The three rule sheets — 填报规则, 评分标准, 审核周期 — written from `Rules` and read back.

Writer and reader sit together so the layout is stated once. The reader names the sheet and
cell of anything it cannot accept (`RulesError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError
from xlsxwriter.utility import xl_rowcol_to_cell

from ledger_xl.core import layout
from ledger_xl.core.errors import RulesError
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import (
    CycleRules,
    Dimension,
    FieldRule,
    FieldType,
    GradeBand,
    Rules,
    ScoringRules,
)

FIELD_HEADERS = (
    "字段键",
    "列名",
    "类型",
    "必填",
    "格式",
    "允许值",
    "最小值",
    "最大值",
    "别名",
    "列宽",
    "填报要求",
)
FIELD_HEADER_ROW = 2
SCORING_DIM_HEADER = ("维度", "台账列名", "权重", "说明")
SCORING_BAND_HEADER = ("评级", "最低分", "说明")
CYCLE_CORNER = "风险等级＼客户类别"
LABEL_DUE_SOON = "审核到期提醒天数"
LABEL_DOC_SOON = "资信证明到期提醒天数"
_SPLIT = re.compile(r"[、/,，;；]")


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


# ---------------------------------------------------------------- reading


def read_rules(grids: Callable[[str], Grid | None]) -> Rules:
    """Rules from a workbook's rule sheets; `grids(name)` gives a sheet's grid or None."""
    fields = read_field_rules(_need(grids, layout.SHEET_FIELD_RULES))
    scoring = read_scoring(_need(grids, layout.SHEET_SCORING))
    cycles = read_cycles(_need(grids, layout.SHEET_CYCLES))
    try:
        return Rules(fields=fields, scoring=scoring, cycles=cycles)
    except ValidationError as exc:
        raise RulesError(layout.SHEET_SCORING, "B列", _first_message(exc)) from exc


def _need(grids, name: str) -> Grid:
    grid = grids(name)
    if grid is None:
        raise RulesError(name, "—", "找不到这张规则表；请用 ledger-xl template 生成的模板")
    return grid


def _first_message(exc: ValidationError) -> str:
    message = exc.errors()[0]["msg"]
    return message.removeprefix("Value error, ")


def read_field_rules(grid: Grid) -> tuple[FieldRule, ...]:
    sheet = layout.SHEET_FIELD_RULES
    header_row = grid.find_row(FIELD_HEADERS[0], col=0)
    if header_row is None:
        raise RulesError(sheet, "A列", f"找不到表头“{FIELD_HEADERS[0]}”")
    cols = {}
    for name in FIELD_HEADERS:
        col = grid.find_col(name, row=header_row)
        if col is None:
            raise RulesError(sheet, f"第{header_row + 1}行", f"缺少表头“{name}”")
        cols[name] = col
    fields = []
    for row in range(header_row + 1, grid.height):
        if grid.blank(row, cols["字段键"]) and grid.blank(row, cols["列名"]):
            continue
        fields.append(_read_field_row(grid, row, cols))
    if not fields:
        raise RulesError(sheet, grid.a1(header_row + 1, 0), "填报规则为空")
    return tuple(fields)


def _read_field_row(grid: Grid, row: int, cols: dict[str, int]) -> FieldRule:
    sheet = layout.SHEET_FIELD_RULES

    def text(name: str) -> str:
        value = grid.value(row, cols[name])
        return "" if value is None else str(value).strip()

    def number(name: str) -> float | None:
        value = grid.value(row, cols[name])
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RulesError(sheet, grid.a1(row, cols[name]), f"{name}应为数字，现为“{value}”")
        return float(value)

    type_text = text("类型")
    try:
        field_type = FieldType(type_text)
    except ValueError:
        known = "、".join(t.value for t in FieldType)
        raise RulesError(
            sheet, grid.a1(row, cols["类型"]), f"未知的类型“{type_text}”，可用：{known}"
        ) from None
    required = text("必填")
    if required not in ("是", "否", ""):
        raise RulesError(sheet, grid.a1(row, cols["必填"]), f"必填应为“是”或“否”，现为“{required}”")
    try:
        return FieldRule(
            key=text("字段键"),
            header=text("列名"),
            type=field_type,
            required=required == "是",
            format=text("格式"),
            allowed=tuple(v.strip() for v in _SPLIT.split(text("允许值")) if v.strip()),
            minimum=number("最小值"),
            maximum=number("最大值"),
            aliases=tuple(v.strip() for v in _SPLIT.split(text("别名")) if v.strip()),
            width=number("列宽") or 12,
            hint=text("填报要求"),
        )
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        column = {"format": "格式", "allowed": "允许值", "key": "字段键", "header": "列名"}.get(
            str(loc[0]) if loc else "", "列名"
        )
        raise RulesError(sheet, grid.a1(row, cols[column]), _first_message(exc)) from exc


def read_scoring(grid: Grid) -> ScoringRules:
    sheet = layout.SHEET_SCORING
    top = grid.find_row(SCORING_DIM_HEADER[0], col=0)
    if top is None:
        raise RulesError(sheet, "A列", f"找不到表头“{SCORING_DIM_HEADER[0]}”")
    dims, row = [], top + 1
    while row < grid.height and not grid.blank(row, 0) and grid.value(row, 0) != "合计":
        weight = grid.value(row, 2)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise RulesError(sheet, grid.a1(row, 2), f"权重应为百分数，现为“{weight}”")
        if not 0 <= weight <= 1:
            raise RulesError(sheet, grid.a1(row, 2), f"权重 {weight} 不在 0%–100% 之间")
        dims.append(
            Dimension(
                name=str(grid.value(row, 0)).strip(),
                column=str(grid.value(row, 1) or "").strip(),
                weight=float(weight),
                description=str(grid.value(row, 3) or ""),
            )
        )
        row += 1
    if not dims:
        raise RulesError(sheet, grid.a1(top + 1, 0), "没有评分维度")
    total = sum(d.weight for d in dims)
    if abs(total - 1) > 1e-6:
        raise RulesError(
            sheet,
            f"{grid.a1(top + 1, 2)}:{grid.a1(row - 1, 2)}",
            f"各维度权重合计为 {total:.2%}，应为 100%",
        )

    band_top = grid.find_row(SCORING_BAND_HEADER[0], col=0)
    if band_top is None:
        raise RulesError(sheet, "A列", f"找不到表头“{SCORING_BAND_HEADER[0]}”")
    bands, fallback, row = [], None, band_top + 1
    while row < grid.height and not grid.blank(row, 0):
        lower = grid.value(row, 1)
        grade = str(grid.value(row, 0)).strip()
        if lower is None or lower == "":
            fallback = grade
            break
        if isinstance(lower, bool) or not isinstance(lower, int | float):
            raise RulesError(sheet, grid.a1(row, 1), f"最低分应为数字，现为“{lower}”")
        bands.append(
            GradeBand(grade=grade, lower=float(lower), description=str(grid.value(row, 2) or ""))
        )
        row += 1
    if not bands:
        raise RulesError(sheet, grid.a1(band_top + 1, 0), "没有评级档次")
    try:
        return ScoringRules(
            dimensions=tuple(dims), bands=tuple(bands), fallback_grade=fallback or "D"
        )
    except ValidationError as exc:
        raise RulesError(sheet, grid.a1(band_top + 1, 1), _first_message(exc)) from exc


def read_cycles(grid: Grid) -> CycleRules:
    sheet = layout.SHEET_CYCLES
    top = grid.find_row(CYCLE_CORNER, col=0)
    if top is None:
        raise RulesError(sheet, "A列", f"找不到表头“{CYCLE_CORNER}”")
    categories = []
    col = 1
    while col < grid.width and not grid.blank(top, col):
        categories.append(str(grid.value(top, col)).strip())
        col += 1
    risks, months, row = [], [], top + 1
    while row < grid.height and not grid.blank(row, 0):
        risks.append(str(grid.value(row, 0)).strip())
        line = []
        for j in range(1, len(categories) + 1):
            value = grid.value(row, j)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value <= 0
                or value != int(value)
            ):
                raise RulesError(sheet, grid.a1(row, j), f"审核周期应为正整数（月），现为“{value}”")
            line.append(int(value))
        months.append(tuple(line))
        row += 1
    settings = {}
    for label in (LABEL_DUE_SOON, LABEL_DOC_SOON):
        at = grid.find_row(label, col=0)
        if at is None:
            raise RulesError(sheet, "A列", f"找不到“{label}”")
        value = grid.value(at, 1)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RulesError(sheet, grid.a1(at, 1), f"{label}应为非负整数，现为“{value}”")
        settings[label] = int(value)
    try:
        return CycleRules(
            risk_levels=tuple(risks),
            categories=tuple(categories),
            months=tuple(months),
            due_soon_days=settings[LABEL_DUE_SOON],
            document_soon_days=settings[LABEL_DOC_SOON],
        )
    except ValidationError as exc:
        raise RulesError(sheet, grid.a1(top, 0), _first_message(exc)) from exc
