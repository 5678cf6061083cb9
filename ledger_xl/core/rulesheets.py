"""The rule sheets — 填报规则, 评分标准, 审核周期, and the controls 准入标准, 审批权限, 授信标准,
评分细则 — as a workbook lays them out, and how they are read back into `Rules` (pure: from
grids of cell values, whoever read them).

The writer (`ledger_xl.io.xlsx.rulesheets`) uses the same constants, so the layout is stated
once. The reader names the sheet and cell of anything it cannot accept (`RulesError`). A
workbook of an older template has no control sheets: their defaults apply (`missing_sheets`
says which, so the opener can say so).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError

from ledger_xl.core import layout
from ledger_xl.core.errors import RulesError
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import (
    NO,
    RUBRIC_AT_LEAST,
    RUBRIC_AT_MOST,
    RUBRIC_REST,
    YES,
    AdmissionRules,
    ApprovalLevel,
    ApprovalRules,
    CreditCap,
    CreditRules,
    CycleRules,
    Deduction,
    Dimension,
    DocumentRequirement,
    ExclusionFlag,
    FieldRule,
    FieldType,
    GradeBand,
    Rubric,
    RubricBand,
    RubricRules,
    Rules,
    ScoringRules,
)
from ledger_xl.core.values import number_text

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
LABEL_EARLY_REVIEW = "提前复审周期(月)"
LABEL_REJECTED_UNSCHEDULED = "审核未通过的客户移出定期复审"

# 准入标准
LABEL_ADMISSION_STAGE = "审核通过须达到的审核阶段"
LABEL_ADMISSION_SCORE = "准入最低综合评分"
ADMISSION_DOC_CORNER = "必备资信证明＼风险等级、客户类别"
ADMISSION_FLAG_HEADER = ("禁入条件（台账列名）", "要求值", "说明")
ADMISSION_INDUSTRY_HEADER = "禁入行业"
# 审批权限
APPROVAL_HEADER_FIRST = "审批级别"
APPROVAL_LIMIT_HEADER = "额度超过(万元)"
APPROVAL_NOTE_HEADER = "说明"
LABEL_REVIEWER_NOT_MANAGER = "审核人不得为客户经理"
LABEL_REVIEWER_NOT_APPROVER = "审核人不得兼任审批人"
LABEL_APPROVER_NOT_MANAGER = "审批人不得为客户经理"
SEGREGATION_LABELS = {
    "reviewer_not_manager": LABEL_REVIEWER_NOT_MANAGER,
    "reviewer_not_approver": LABEL_REVIEWER_NOT_APPROVER,
    "approver_not_manager": LABEL_APPROVER_NOT_MANAGER,
}
# 授信标准
CREDIT_HEADER = ("评级", "最高信用额度(万元)", "说明")
LABEL_REVENUE_SHARE = "营业收入比例"
LABEL_ASSETS_SHARE = "资产总额比例"
# 评分细则
LABEL_TOLERANCE = "评分容差(分)"
RUBRIC_HEADER = ("维度", "依据列", "比较", "界限", "建议分", "说明")
DEDUCTION_HEADER = ("扣分维度", "扣分列", "每次扣分", "说明")
_SPLIT = re.compile(r"[、/,，;；]")


# ---------------------------------------------------------------- reading


def read_rules(grids: Callable[[str], Grid | None]) -> Rules:
    """Rules from a workbook's rule sheets; `grids(name)` gives a sheet's grid or None.

    填报规则, 评分标准 and 审核周期 must be there; a control sheet that is missing (a workbook of
    an older template) gives its defaults — `missing_sheets` names them."""
    fields = read_field_rules(_need(grids, layout.SHEET_FIELD_RULES))
    scoring = read_scoring(_need(grids, layout.SHEET_SCORING))
    cycles = read_cycles(_need(grids, layout.SHEET_CYCLES))
    try:
        rules = Rules(fields=fields, scoring=scoring, cycles=cycles)
    except ValidationError as exc:
        raise RulesError(layout.SHEET_SCORING, "B列", _first_message(exc)) from exc
    controls = {}
    readers = (
        (layout.SHEET_ADMISSION, "admission", read_admission),
        (layout.SHEET_APPROVAL, "approval", read_approval),
        (layout.SHEET_CREDIT, "credit", read_credit),
        (layout.SHEET_RUBRICS, "rubrics", read_rubrics),
    )
    for name, attribute, reader in readers:
        grid = grids(name)
        if grid is not None:
            controls[attribute] = reader(grid, rules)
    return rules.model_copy(update=controls)


def missing_sheets(grids: Callable[[str], Grid | None]) -> list[str]:
    """The control rule sheets a workbook lacks (its template predates them)."""
    return [name for name in layout.CONTROL_SHEETS if grids(name) is None]


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
    early = grid.find_row(LABEL_EARLY_REVIEW, col=0)  # absent before template 1.1
    if early is not None:
        value = grid.value(early, 1)
        if not _whole(value) or value < 1:
            raise RulesError(
                sheet, grid.a1(early, 1), f"{LABEL_EARLY_REVIEW}应为正整数，现为“{value}”"
            )
        settings[LABEL_EARLY_REVIEW] = int(value)
    rejected = grid.find_row(LABEL_REJECTED_UNSCHEDULED, col=0)  # absent before 1.1: 否
    settings["rejected"] = rejected is not None and _yes_no(grid, rejected, 1, sheet, blank=False)
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
            rejected_unscheduled=settings["rejected"],
            **(
                {"early_review_months": settings[LABEL_EARLY_REVIEW]}
                if LABEL_EARLY_REVIEW in settings
                else {}
            ),
        )
    except ValidationError as exc:
        raise RulesError(sheet, grid.a1(top, 0), _first_message(exc)) from exc


# ---------------------------------------------------------------- control sheets


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return _is_number(value) and value == int(value)


def _text(grid: Grid, row: int, col: int) -> str:
    value = grid.value(row, col)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_row(grid: Grid, text: str, sheet: str) -> int:
    row = grid.find_row(text, col=0)
    if row is None:
        raise RulesError(sheet, "A列", f"找不到“{text}”")
    return row


def _rows_below(grid: Grid, header: int) -> range:
    """The table rows under `header`, down to the first row whose first cell is blank."""
    row = header + 1
    while row < grid.height and not grid.blank(row, 0):
        row += 1
    return range(header + 1, row)


def _yes_no(grid: Grid, row: int, col: int, sheet: str, blank: bool = True) -> bool:
    value = grid.value(row, col)  # as typed: the formulas' COUNTIFS does not trim "是 "
    text = "" if value is None else str(value)
    if text == YES:
        return True
    if text == NO or (blank and text == ""):
        return False
    raise RulesError(sheet, grid.a1(row, col), f"应填“{YES}”或“{NO}”，现为“{text}”")


def _optional_number(grid: Grid, row: int, col: int, sheet: str, what: str) -> float | None:
    value = grid.value(row, col)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not _is_number(value):
        raise RulesError(sheet, grid.a1(row, col), f"{what}应为数字或留空，现为“{value}”")
    return float(value)


def _number(grid: Grid, row: int, col: int, sheet: str, what: str, low: float = 0) -> float:
    value = grid.value(row, col)
    if not _is_number(value) or value < low:
        raise RulesError(
            sheet, grid.a1(row, col), f"{what}应为不小于 {number_text(low)} 的数字，现为“{value}”"
        )
    return float(value)


def _column_headers(rules: Rules) -> set[str]:
    return {f.header for f in rules.fields}


def read_admission(grid: Grid, rules: Rules) -> AdmissionRules:
    """准入标准: stage, minimum score, required documents by 风险等级 / 客户类别, exclusion
    flags and excluded industries."""
    sheet = layout.SHEET_ADMISSION
    at = _header_row(grid, LABEL_ADMISSION_STAGE, sheet)
    stage = _text(grid, at, 1) or None
    if stage is not None and rules.has("stage"):
        allowed = rules.field("stage").allowed
        if allowed and stage not in allowed:
            raise RulesError(
                sheet, grid.a1(at, 1), f"审核阶段“{stage}”不在 {'、'.join(allowed)} 之中"
            )
    at = _header_row(grid, LABEL_ADMISSION_SCORE, sheet)
    min_score = _optional_number(grid, at, 1, sheet, LABEL_ADMISSION_SCORE)

    top = _header_row(grid, ADMISSION_DOC_CORNER, sheet)
    known = {*rules.cycles.risk_levels, *rules.cycles.categories}
    columns, col = [], 1
    while col < grid.width and not grid.blank(top, col):
        name = _text(grid, top, col)
        if name not in known:
            raise RulesError(
                sheet, grid.a1(top, col), f"“{name}”不是审核周期表中的风险等级或客户类别"
            )
        columns.append(name)
        col += 1
    documents = []
    for row in _rows_below(grid, top):
        doc_type = _text(grid, row, 0)
        if doc_type not in layout.DOCUMENT_TYPES:
            raise RulesError(
                sheet,
                grid.a1(row, 0),
                f"证明类型“{doc_type}”不在资信证明的类型中（{'、'.join(layout.DOCUMENT_TYPES)}）",
            )
        needed = tuple(c for j, c in enumerate(columns, 1) if _yes_no(grid, row, j, sheet))
        documents.append(DocumentRequirement(doc_type=doc_type, required_for=needed))

    top = _header_row(grid, ADMISSION_FLAG_HEADER[0], sheet)
    headers = _column_headers(rules)
    flags = []
    for row in _rows_below(grid, top):
        column = _text(grid, row, 0)
        if column not in headers:
            raise RulesError(sheet, grid.a1(row, 0), f"台账没有“{column}”列（见填报规则）")
        required = _text(grid, row, 1)
        if not required:
            raise RulesError(sheet, grid.a1(row, 1), f"请填写“{column}”须为的值")
        flags.append(
            ExclusionFlag(column=column, required=required, description=_text(grid, row, 2))
        )

    top = _header_row(grid, ADMISSION_INDUSTRY_HEADER, sheet)
    industries = tuple(
        text
        for row in range(top + 1, top + 1 + layout.EXCLUDED_INDUSTRY_ROWS)
        if (text := _text(grid, row, 0))
    )
    try:
        return AdmissionRules(
            stage=stage,
            min_score=min_score,
            columns=tuple(columns),
            documents=tuple(documents),
            flags=tuple(flags),
            excluded_industries=industries,
        )
    except ValidationError as exc:
        raise RulesError(sheet, grid.a1(top, 0), _first_message(exc)) from exc


def read_approval(grid: Grid, rules: Rules) -> ApprovalRules:
    """审批权限: the levels (lowest first) with the limit above which each is needed and the
    risk levels that need it, and the segregation of duties."""
    sheet = layout.SHEET_APPROVAL
    top = _header_row(grid, APPROVAL_HEADER_FIRST, sheet)
    if _text(grid, top, 1) != APPROVAL_LIMIT_HEADER:
        raise RulesError(sheet, grid.a1(top, 1), f"此处应为表头“{APPROVAL_LIMIT_HEADER}”")
    risks, col = [], 2
    while col < grid.width and not grid.blank(top, col) and _text(grid, top, col) != "说明":
        name = _text(grid, top, col)
        if name not in rules.cycles.risk_levels:
            raise RulesError(sheet, grid.a1(top, col), f"“{name}”不是审核周期表中的风险等级")
        risks.append(name)
        col += 1
    note = col
    levels = []
    for row in _rows_below(grid, top):
        above = _number(grid, row, 1, sheet, APPROVAL_LIMIT_HEADER)
        marked = tuple(r for j, r in enumerate(risks, 2) if _yes_no(grid, row, j, sheet))
        levels.append(
            ApprovalLevel(
                name=_text(grid, row, 0),
                above=above,
                risks=marked,
                description=_text(grid, row, note),
            )
        )
    settings = {}
    for attribute, label in SEGREGATION_LABELS.items():
        at = _header_row(grid, label, sheet)
        settings[attribute] = _yes_no(grid, at, 1, sheet, blank=False)
    try:
        return ApprovalRules(risk_columns=tuple(risks), levels=tuple(levels), **settings)
    except ValidationError as exc:
        raise RulesError(
            sheet, f"{grid.a1(top + 1, 0)}:{grid.a1(top + len(levels), 1)}", _first_message(exc)
        ) from exc


def read_credit(grid: Grid, rules: Rules) -> CreditRules:
    """授信标准: the maximum 信用额度 of every grade of 评分标准, and the optional shares of
    营业收入 and 资产总额."""
    sheet = layout.SHEET_CREDIT
    top = _header_row(grid, CREDIT_HEADER[0], sheet)
    grades = [b.grade for b in rules.scoring.bands] + [rules.scoring.fallback_grade]
    caps = []
    for row in _rows_below(grid, top):
        grade = _text(grid, row, 0)
        if grade not in grades:
            raise RulesError(sheet, grid.a1(row, 0), f"评级“{grade}”不在评分标准中")
        caps.append(
            CreditCap(
                grade=grade,
                maximum=_number(grid, row, 1, sheet, CREDIT_HEADER[1]),
                description=_text(grid, row, 2),
            )
        )
    missing = [g for g in grades if g not in {c.grade for c in caps}]
    if missing:
        raise RulesError(
            sheet, grid.a1(top + 1, 0), f"缺少评级“{'、'.join(missing)}”的最高信用额度"
        )
    shares = {}
    for attribute, label in (
        ("revenue_share", LABEL_REVENUE_SHARE),
        ("assets_share", LABEL_ASSETS_SHARE),
    ):
        at = _header_row(grid, label, sheet)
        share = _optional_number(grid, at, 1, sheet, label)
        if share is not None and share <= 0:
            raise RulesError(
                sheet, grid.a1(at, 1), f"{label}应为大于 0 的百分数或留空，现为 {share:g}"
            )
        shares[attribute] = share
    try:
        return CreditRules(caps=tuple(caps), **shares)
    except ValidationError as exc:
        raise RulesError(sheet, grid.a1(top + 1, 0), _first_message(exc)) from exc


def read_rubrics(grid: Grid, rules: Rules) -> RubricRules:
    """评分细则: the tolerance, one rubric per dimension (consecutive rows: bands ending with
    a “其余” row), and the deductions."""
    sheet = layout.SHEET_RUBRICS
    at = _header_row(grid, LABEL_TOLERANCE, sheet)
    tolerance = _number(grid, at, 1, sheet, LABEL_TOLERANCE)
    dimensions = {d.name for d in rules.scoring.dimensions}
    by_header = {f.header: f for f in rules.fields}
    top = _header_row(grid, RUBRIC_HEADER[0], sheet)
    groups: list[list[int]] = []
    for row in _rows_below(grid, top):
        dimension = _text(grid, row, 0)
        if dimension not in dimensions:
            raise RulesError(sheet, grid.a1(row, 0), f"“{dimension}”不是评分标准中的维度")
        if groups and _text(grid, groups[-1][0], 0) == dimension:
            groups[-1].append(row)
        else:
            groups.append([row])
    rubrics = [_read_rubric(grid, rows, by_header, sheet) for rows in groups]
    deductions: dict[str, list[Deduction]] = {r.dimension: [] for r in rubrics}
    top = _header_row(grid, DEDUCTION_HEADER[0], sheet)
    for row in _rows_below(grid, top):
        dimension = _text(grid, row, 0)
        if dimension not in deductions:
            raise RulesError(sheet, grid.a1(row, 0), f"维度“{dimension}”没有评分细则，不能扣分")
        column = _text(grid, row, 1)
        field = by_header.get(column)
        if field is None or field.type not in (FieldType.NUMBER, FieldType.SCORE):
            raise RulesError(sheet, grid.a1(row, 1), f"扣分列“{column}”应为台账中的数值列")
        deductions[dimension].append(
            Deduction(
                column=column,
                points=_number(grid, row, 2, sheet, DEDUCTION_HEADER[2]),
                description=_text(grid, row, 3),
            )
        )
    rubrics = [r.model_copy(update={"deductions": tuple(deductions[r.dimension])}) for r in rubrics]
    try:
        return RubricRules(tolerance=tolerance, rubrics=tuple(rubrics))
    except ValidationError as exc:
        raise RulesError(sheet, grid.a1(top, 0), _first_message(exc)) from exc


def _read_rubric(
    grid: Grid, rows: list[int], by_header: dict[str, FieldRule], sheet: str
) -> Rubric:
    dimension = _text(grid, rows[0], 0)
    column = _text(grid, rows[0], 1)
    field = by_header.get(column)
    if field is None or field.type in (FieldType.TEXT, FieldType.CHOICE, FieldType.DATE):
        raise RulesError(sheet, grid.a1(rows[0], 1), f"依据列“{column}”应为台账中的数值列或公式列")
    direction = _text(grid, rows[0], 2)
    if direction not in (RUBRIC_AT_MOST, RUBRIC_AT_LEAST):
        raise RulesError(
            sheet,
            grid.a1(rows[0], 2),
            f"比较应为“{RUBRIC_AT_MOST}”或“{RUBRIC_AT_LEAST}”，现为“{direction}”",
        )
    bands = []
    for i, row in enumerate(rows):
        last = i == len(rows) - 1
        if _text(grid, row, 1) != column:
            raise RulesError(sheet, grid.a1(row, 1), f"同一维度的依据列应都为“{column}”")
        compare = _text(grid, row, 2)
        if last and compare != RUBRIC_REST:
            raise RulesError(
                sheet, grid.a1(row, 2), f"“{dimension}”的最后一行比较应为“{RUBRIC_REST}”"
            )
        if not last and compare != direction:
            raise RulesError(sheet, grid.a1(row, 2), f"同一维度的比较应都为“{direction}”")
        bound = None if last else _number(grid, row, 3, sheet, "界限", low=-1e300)
        score = _number(grid, row, 4, sheet, "建议分")
        if score > 100:
            raise RulesError(sheet, grid.a1(row, 4), f"建议分应在 0–100 之间，现为 {score:g}")
        bands.append(RubricBand(bound=bound, score=score, description=_text(grid, row, 5)))
    try:
        return Rubric(dimension=dimension, column=column, direction=direction, bands=tuple(bands))
    except ValidationError as exc:
        cell = f"{grid.a1(rows[0], 3)}:{grid.a1(rows[-1], 3)}"
        raise RulesError(sheet, cell, _first_message(exc)) from exc
