"""The rule sheets — 填报规则, 评分标准, 审核周期 — as a workbook lays them out, and how they
are read back into `Rules` (pure: from grids of cell values, whoever read them).

The writer (`ledger_xl.io.xlsx.rulesheets`) uses the same constants, so the layout is stated
once. The reader names the sheet and cell of anything it cannot accept (`RulesError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError

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
