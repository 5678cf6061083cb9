"""Writing the rule sheets — 填报规则, 评分标准, 审核周期, and the controls 准入标准, 审批权限,
授信标准, 评分细则 — from `Rules`, with the named cells the ledger's formulas use (so an admin's
edit of a rule value takes effect live). The layout constants and the reader are in
`ledger_xl.core.rulesheets`."""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from ledger_xl.core import layout
from ledger_xl.core.rules import NO, RUBRIC_REST, YES, CycleRules, Rules, ScoringRules
from ledger_xl.core.rulesheets import (
    ADMISSION_DOC_CORNER,
    ADMISSION_FLAG_HEADER,
    ADMISSION_INDUSTRY_HEADER,
    APPROVAL_HEADER_FIRST,
    APPROVAL_LIMIT_HEADER,
    APPROVAL_NOTE_HEADER,
    CREDIT_HEADER,
    CYCLE_CORNER,
    DEDUCTION_HEADER,
    FIELD_HEADER_ROW,
    FIELD_HEADERS,
    LABEL_ADMISSION_SCORE,
    LABEL_ADMISSION_STAGE,
    LABEL_ASSETS_SHARE,
    LABEL_DOC_SOON,
    LABEL_DUE_SOON,
    LABEL_EARLY_REVIEW,
    LABEL_REJECTED_UNSCHEDULED,
    LABEL_REVENUE_SHARE,
    LABEL_TOLERANCE,
    RUBRIC_HEADER,
    SCORING_BAND_HEADER,
    SCORING_DIM_HEADER,
    SEGREGATION_LABELS,
)
from ledger_xl.io.xlsx import kit


def _abs(sheet: str, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
    first = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
    if row2 is None:
        return f"={sheet}!{first}"
    return f"={sheet}!{first}:{xl_rowcol_to_cell(row2, col2, row_abs=True, col_abs=True)}"


# ---------------------------------------------------------------- writing

_WRAPPED = {4, 5, 8, 10}  # 格式, 允许值, 别名, 填报要求: long text wraps in its column


def _rule_sheet(workbook, fmt, name: str, title: str, note: str):
    """A rule sheet with its title in A1 and what it governs in A2."""
    ws = workbook.add_worksheet(name)
    ws.write_string(0, 0, title, fmt("title"))
    ws.write_string(1, 0, note, fmt("note"))
    return ws


def write_field_rules(workbook, fmt, rules: Rules) -> None:
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_FIELD_RULES,
        "填报规则：台账每一列的类型、是否必填、格式和填报要求",
        "校验按本表进行。管理员修改后，ledger-xl 校验即按新规则执行；"
        "列名、类型改动须与台账表头一致。",
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
                ws.write_string(i, col, value, fmt("wrap" if col in _WRAPPED else "cell"))
    widths = (18, 16, 6, 5, 20, 28, 7, 7, 24, 6, 60)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    texts = {  # what the wrapped columns hold, row by row
        4: [f.format for f in rules.fields],
        5: ["、".join(f.allowed) for f in rules.fields],
        8: ["、".join(f.aliases) for f in rules.fields],
        10: [f.hint for f in rules.fields],
    }
    kit.wrapped_row_heights(
        ws, FIELD_HEADER_ROW + 1, [(texts[col], widths[col]) for col in sorted(_WRAPPED)]
    )
    ws.freeze_panes(FIELD_HEADER_ROW + 1, 2)
    kit.print_setup(ws, FIELD_HEADER_ROW, fit_width=True)  # landscape, every column on a page
    ws.autofilter(FIELD_HEADER_ROW, 0, FIELD_HEADER_ROW + len(rules.fields), len(FIELD_HEADERS) - 1)
    return ws


def write_scoring(workbook, fmt, scoring: ScoringRules):
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_SCORING,
        "评分标准：各维度权重（合计须为100%）和评级下限",
        "修改权重或评级下限后，台账的综合评分和评级随之重算。",
    )
    sheet = layout.SHEET_SCORING
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
    kit.portrait(ws)  # one page wide: the notes that run past column D print too
    return ws


def write_cycles(workbook, fmt, cycles: CycleRules):
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_CYCLES,
        "审核周期：按风险等级和客户类别确定的审核间隔（月）",
        "高风险或重要客户审核更频繁。修改后，台账的下次审核日期随之重算。",
    )
    sheet = layout.SHEET_CYCLES
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
    ws.write_string(settings + 2, 0, LABEL_EARLY_REVIEW, fmt("bold"))
    ws.write_number(settings + 2, 1, cycles.early_review_months, fmt("cell"))
    ws.write_string(
        settings + 2,
        2,
        "已通过的客户出现风险信号（评分比上次下降、违约/涉诉、失信被执行人）时，"
        "下次审核不晚于最近审核日期后此月数（提前复审）",
        fmt("note"),
    )
    ws.write_string(settings + 3, 0, LABEL_REJECTED_UNSCHEDULED, fmt("bold"))
    ws.write_string(settings + 3, 1, _yes(cycles.rejected_unscheduled), fmt("cell"))
    ws.write_string(
        settings + 3,
        2,
        "“是”：审核未通过的客户不再计算下次审核日期，到期提示显示“未通过”；客户重新申请时改为待审核",
        fmt("note"),
    )
    ws.set_column(0, 0, 22)
    ws.set_column(1, n_cat, 10)
    kit.portrait(ws)
    return ws


def _put(ws, row: int, col: int, value, cell_format) -> None:
    """A rule value: a number, text, or a blank cell (None or "")."""
    if value is None or value == "":
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(row, col, value, cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


def _yes(flag: bool) -> str:
    return YES if flag else NO


def write_admission(workbook, fmt, rules: Rules):
    """准入标准: what 审核通过 requires (the ledger's 准入检查 column computes from it)."""
    admission = rules.admission
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_ADMISSION,
        "准入标准：客户“审核通过”须满足的条件",
        "台账“准入检查”列按本表计算（空白为符合，否则显示第一项未满足的条件）；"
        "修改后即时生效，ledger-xl 校验也按本表检查。",
    )
    sheet = layout.SHEET_ADMISSION
    ws.write_string(3, 0, LABEL_ADMISSION_STAGE, fmt("bold"))
    _put(ws, 3, 1, admission.stage, fmt("cell"))
    ws.write_string(3, 2, "留空表示不要求审核阶段", fmt("note"))
    ws.write_string(4, 0, LABEL_ADMISSION_SCORE, fmt("bold"))
    _put(ws, 4, 1, admission.min_score, fmt("cell"))
    ws.write_string(4, 2, "综合评分低于此分数不得准入；留空表示不要求", fmt("note"))
    workbook.define_name(layout.NAME_ADMISSION_STAGE, _abs(sheet, 3, 1))
    workbook.define_name(layout.NAME_ADMISSION_MIN_SCORE, _abs(sheet, 4, 1))

    top = 6
    columns = admission.columns
    ws.write_string(top, 0, ADMISSION_DOC_CORNER, fmt("header"))
    for j, name in enumerate(columns, start=1):
        ws.write_string(top, j, name, fmt("header"))
    for i, doc in enumerate(admission.documents, start=1):
        row = top + i
        ws.write_string(row, 0, doc.doc_type, fmt("cell"))
        for j, name in enumerate(columns, start=1):
            ws.write_string(row, j, _yes(name in doc.required_for), fmt("cell"))
        if columns:
            workbook.define_name(
                layout.admission_doc_name(i), _abs(sheet, row, 1, row, len(columns))
            )
    if columns:
        workbook.define_name(
            layout.NAME_ADMISSION_DOC_HEADER, _abs(sheet, top, 1, top, len(columns))
        )
    note = top + len(admission.documents) + 2
    ws.write_string(
        note,
        0,
        "客户的风险等级列或客户类别列任一为“是”，即须在资信证明中有该类证件且在有效期内"
        "（有效期至不早于基准日）。",
        fmt("note"),
    )

    top = note + 2
    for col, header in enumerate(ADMISSION_FLAG_HEADER):
        ws.write_string(top, col, header, fmt("header"))
    for i, flag in enumerate(admission.flags, start=1):
        ws.write_string(top + i, 0, flag.column, fmt("cell"))
        ws.write_string(top + i, 1, flag.required, fmt("cell"))
        ws.write_string(top + i, 2, flag.description, fmt("cell"))
        workbook.define_name(layout.admission_flag_name(i), _abs(sheet, top + i, 1))

    top = top + len(admission.flags) + 2
    ws.write_string(top, 0, ADMISSION_INDUSTRY_HEADER, fmt("header"))
    ws.write_string(top, 1, "台账“行业”为下列之一的客户不得准入；在下方空格中填写", fmt("note"))
    rows = layout.EXCLUDED_INDUSTRY_ROWS
    industries = list(admission.excluded_industries)[:rows]
    for i in range(rows):
        value = industries[i] if i < len(industries) else None
        _put(ws, top + 1 + i, 0, value, fmt("cell", locked=False))
    workbook.define_name(layout.NAME_EXCLUDED_INDUSTRIES, _abs(sheet, top + 1, 0, top + rows, 0))
    ws.set_column(0, 0, 30)
    ws.set_column(1, max(len(columns), 2), 10)
    return ws


def write_approval(workbook, fmt, rules: Rules):
    """审批权限: approval levels by 信用额度 and 风险等级, and the segregation of duties."""
    approval = rules.approval
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_APPROVAL,
        "审批权限：按信用额度和风险等级确定审批级别，逐级审批",
        "信用额度超过某级的“额度超过”或风险等级标“是”时，须报该级审批；需审批级别及其以下各级"
        "都要在审核记录中有“审核通过”的审批行，按级别从低到高依次审批。",
    )
    sheet = layout.SHEET_APPROVAL
    top = 3
    risks = approval.risk_columns
    headers = [APPROVAL_HEADER_FIRST, APPROVAL_LIMIT_HEADER, *risks, APPROVAL_NOTE_HEADER]
    for col, header in enumerate(headers):
        ws.write_string(top, col, header, fmt("header"))
    for i, level in enumerate(approval.levels, start=1):
        row = top + i
        ws.write_string(row, 0, level.name, fmt("cell"))
        ws.write_number(row, 1, level.above, fmt("cell"))
        for j, risk in enumerate(risks, start=2):
            ws.write_string(row, j, _yes(risk in level.risks), fmt("cell"))
        ws.write_string(row, 2 + len(risks), level.description, fmt("cell"))
        workbook.define_name(layout.approval_level_name(i), _abs(sheet, row, 0))
        workbook.define_name(layout.approval_limit_name(i), _abs(sheet, row, 1))
        if risks:
            workbook.define_name(
                layout.approval_risk_name(i), _abs(sheet, row, 2, row, 1 + len(risks))
            )
    n = len(approval.levels)
    workbook.define_name(layout.NAME_APPROVAL_LEVELS, _abs(sheet, top + 1, 0, top + n, 0))
    if risks:
        workbook.define_name(
            layout.NAME_APPROVAL_RISK_HEADER, _abs(sheet, top, 2, top, 1 + len(risks))
        )
    row = top + n + 2
    ws.write_string(row, 0, "职责分离", fmt("header"))
    for attribute, label in SEGREGATION_LABELS.items():
        row += 1
        ws.write_string(row, 0, label, fmt("bold"))
        ws.write_string(row, 1, _yes(getattr(approval, attribute)), fmt("cell"))
    ws.write_string(row + 1, 0, "“是”表示校验时检查；同一次审核中各人须分别担任。", fmt("note"))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 1 + len(risks), 6)
    ws.set_column(2 + len(risks), 2 + len(risks), 50)
    return ws


def write_credit(workbook, fmt, rules: Rules):
    """授信标准: maximum 信用额度 by grade, and the optional shares of 营业收入 / 资产总额."""
    credit = rules.credit
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_CREDIT,
        "授信标准：按评级核定的最高信用额度（万元）",
        "台账“额度上限”列按本表计算，信用额度超过额度上限显示“超限”；修改后即时生效。",
    )
    sheet = layout.SHEET_CREDIT
    top = 3
    for col, header in enumerate(CREDIT_HEADER):
        ws.write_string(top, col, header, fmt("header"))
    for i, cap in enumerate(credit.caps, start=1):
        ws.write_string(top + i, 0, cap.grade, fmt("cell"))
        ws.write_number(top + i, 1, cap.maximum, fmt("cell"))
        ws.write_string(top + i, 2, cap.description, fmt("cell"))
    n = len(credit.caps)
    workbook.define_name(layout.NAME_CREDIT_GRADES, _abs(sheet, top + 1, 0, top + n, 0))
    workbook.define_name(layout.NAME_CREDIT_CAPS, _abs(sheet, top + 1, 1, top + n, 1))
    row = top + n + 2
    ws.write_string(row, 0, "按财务规模的上限（留空表示不按此项限制）", fmt("header"))
    for label, share, name, text in (
        (
            LABEL_REVENUE_SHARE,
            credit.revenue_share,
            layout.NAME_REVENUE_SHARE,
            "信用额度不超过营业收入(万元)的此比例",
        ),
        (
            LABEL_ASSETS_SHARE,
            credit.assets_share,
            layout.NAME_ASSETS_SHARE,
            "信用额度不超过资产总额(万元)的此比例",
        ),
    ):
        row += 1
        ws.write_string(row, 0, label, fmt("bold"))
        _put(ws, row, 1, share, fmt("rule_percent"))
        ws.write_string(row, 2, text + "（营业收入或资产总额未填时不按此项限制）", fmt("note"))
        workbook.define_name(name, _abs(sheet, row, 1))
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 40)
    return ws


def write_rubrics(workbook, fmt, rules: Rules):
    """评分细则: rubrics that suggest dimension scores from the data, and the tolerance."""
    rubrics = rules.rubrics
    ws = _rule_sheet(
        workbook,
        fmt,
        layout.SHEET_RUBRICS,
        "评分细则：按台账数据给出各维度的建议分",
        "按“依据列”的值落在哪一档给出建议分，再减去扣分（不低于0）；所填评分与建议分相差"
        "超过评分容差时，台账“评分偏差”列提示。修改界限、分数即时生效。",
    )
    sheet = layout.SHEET_RUBRICS
    ws.write_string(3, 0, LABEL_TOLERANCE, fmt("bold"))
    ws.write_number(3, 1, rubrics.tolerance, fmt("cell"))
    workbook.define_name(layout.NAME_TOLERANCE, _abs(sheet, 3, 1))
    top = 5
    for col, header in enumerate(RUBRIC_HEADER):
        ws.write_string(top, col, header, fmt("header"))
    row = top
    percent_columns = {f.header for f in rules.fields if f.key == "debt_ratio"}
    for k, rubric in enumerate(rubrics.rubrics, start=1):
        first = row + 1
        bound_format = fmt("rule_percent") if rubric.column in percent_columns else fmt("cell")
        for band in rubric.bands:
            row += 1
            rest = band.bound is None
            ws.write_string(row, 0, rubric.dimension, fmt("cell"))
            ws.write_string(row, 1, rubric.column, fmt("cell"))
            ws.write_string(row, 2, RUBRIC_REST if rest else rubric.direction, fmt("cell"))
            _put(ws, row, 3, band.bound, bound_format)
            ws.write_number(row, 4, band.score, fmt("cell"))
            ws.write_string(row, 5, band.description, fmt("cell"))
        workbook.define_name(layout.rubric_bounds_name(k), _abs(sheet, first, 3, row - 1, 3))
        workbook.define_name(layout.rubric_scores_name(k), _abs(sheet, first, 4, row, 4))
    row += 2
    for col, header in enumerate(DEDUCTION_HEADER):
        ws.write_string(row, col, header, fmt("header"))
    for k, rubric in enumerate(rubrics.rubrics, start=1):
        for j, deduction in enumerate(rubric.deductions, start=1):
            row += 1
            ws.write_string(row, 0, rubric.dimension, fmt("cell"))
            ws.write_string(row, 1, deduction.column, fmt("cell"))
            ws.write_number(row, 2, deduction.points, fmt("cell"))
            ws.write_string(row, 3, deduction.description, fmt("cell"))
            workbook.define_name(layout.deduction_name(k, j), _abs(sheet, row, 2))
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 4, 9)
    ws.set_column(5, 5, 30)
    return ws
