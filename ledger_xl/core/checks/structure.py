"""Structure checks: the ledger's columns, the template version and the rules it carries
(`rule_differences` names what a workbook's rule sheets change, the control sheets included).

Codes: column-missing, column-duplicate, column-unknown, template-version, rules-changed.
(file-*, ledger-sheet-missing, header-not-found and rules-broken come from the reader.)
"""

from __future__ import annotations

from ledger_xl.core import layout, values
from ledger_xl.core.a1 import column_letters
from ledger_xl.core.checks.context import CheckContext, emits
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import TEMPLATE_VERSION
from ledger_xl.core.rules import Rules


@emits("column-missing", "column-duplicate", "column-unknown")
def check_columns(ctx: CheckContext) -> None:
    table = ctx.ledger
    sheet = table.sheet
    header_cell = f"A{table.header_row + 1}"
    for rule in ctx.rules.fields:
        if rule.key not in table.columns and (rule.required or not rule.is_input):
            ctx.emit_file("column-missing", sheet=sheet, cell=header_cell, column=rule.header)
    for key, extra in table.duplicate_columns.items():
        letters = "、".join(column_letters(c) for c in [table.columns[key], *extra])
        header = ctx.rules.header(key)
        for col in extra:
            ctx.emit_file(
                "column-duplicate",
                sheet=sheet,
                value=letters,
                column=header,
                cell=f"{column_letters(col)}{table.header_row + 1}",
            )
    for header in table.unknown_headers:
        ctx.emit_file("column-unknown", sheet=sheet, value=header, cell=header_cell)


@emits("template-version", "rules-changed")
def check_provenance(ctx: CheckContext) -> None:
    version = ctx.properties.get(layout.PROP_TEMPLATE_VERSION)
    if version != TEMPLATE_VERSION:
        ctx.emit_file("template-version", value=version or "未知", allowed=TEMPLATE_VERSION)
    differences = rule_differences(ctx.rules, ctx.standard or DEFAULT_RULES)
    recorded = ctx.properties.get(layout.PROP_RULES_FINGERPRINT)
    if recorded and recorded != ctx.rules.fingerprint() and not differences:
        differences = ["规则表在生成后被改动过"]
    if differences:
        ctx.emit_file("rules-changed", detail="；".join(differences))


def rule_differences(rules: Rules, standard: Rules) -> list[str]:
    """What a workbook's rules change from the standard, in words an auditor reads."""
    out = []
    ours = {d.name: d.weight for d in rules.scoring.dimensions}
    theirs = {d.name: d.weight for d in standard.scoring.dimensions}
    for name in sorted(set(ours) | set(theirs)):
        if ours.get(name) != theirs.get(name):
            out.append(f"权重“{name}”为 {_pct(ours.get(name))}，标准为 {_pct(theirs.get(name))}")
    ours_b = {b.grade: b.lower for b in rules.scoring.bands}
    theirs_b = {b.grade: b.lower for b in standard.scoring.bands}
    for grade in sorted(set(ours_b) | set(theirs_b)):
        if ours_b.get(grade) != theirs_b.get(grade):
            out.append(
                f"评级 {grade} 下限为 {_bound(ours_b.get(grade))}，标准为 {_bound(theirs_b.get(grade))}"
            )
    if rules.cycles != standard.cycles:
        out.append("审核周期表或提醒天数与标准不同")
    if rules.fields != standard.fields:
        out.append(_field_changes(rules, standard))
    out.extend(control_differences(rules, standard))
    return out


def _bound(lower: float | None) -> str:
    """A grade's lower bound as a clerk writes it (85, not 85.0); 无 for a grade not there."""
    return "无" if lower is None else values.number_text(lower)


def _field_changes(rules: Rules, standard: Rules) -> str:
    ours = {f.header: f for f in rules.fields}
    theirs = {f.header: f for f in standard.fields}
    parts = []
    missing = [h for h in theirs if h not in ours]
    if missing:
        parts.append(f"缺少列 {_few(missing)}")
    added = [h for h in ours if h not in theirs]
    if added:
        parts.append(f"多出列 {_few(added)}")
    changed = [h for h, f in ours.items() if h in theirs and theirs[h] != f]
    if changed:
        parts.append(f"改动 {_few(changed)}")
    return "填报规则：" + ("，".join(parts) or "列的顺序不同")


def _few(names: list[str], shown: int = 5) -> str:
    more = f" 等 {len(names)} 列" if len(names) > shown else ""
    return "、".join(names[:shown]) + more


def control_differences(rules: Rules, standard: Rules) -> list[str]:
    """What a workbook's 准入标准, 审批权限, 授信标准 and 评分细则 change from the standard."""
    out = []
    ours, theirs = rules.admission, standard.admission
    if ours.stage != theirs.stage:
        out.append(f"准入审核阶段为 {ours.stage or '不要求'}，标准为 {theirs.stage or '不要求'}")
    if ours.min_score != theirs.min_score:
        out.append(f"准入最低综合评分为 {_num(ours.min_score)}，标准为 {_num(theirs.min_score)}")
    docs = {d.doc_type: set(d.required_for) for d in ours.documents}
    standard_docs = {d.doc_type: set(d.required_for) for d in theirs.documents}
    for doc_type in sorted(set(docs) | set(standard_docs)):
        if docs.get(doc_type) != standard_docs.get(doc_type):
            out.append(
                f"必备资信证明“{doc_type}”要求 {_set(docs.get(doc_type))}，"
                f"标准为 {_set(standard_docs.get(doc_type))}"
            )
    if ours.flags != theirs.flags:
        out.append("准入标准的禁入条件与标准不同")
    if set(ours.excluded_industries) != set(theirs.excluded_industries):
        out.append(
            f"禁入行业为 {_set(set(ours.excluded_industries))}，标准为 {_set(set(theirs.excluded_industries))}"
        )
    levels = {lv.name: lv for lv in rules.approval.levels}
    standard_levels = {lv.name: lv for lv in standard.approval.levels}
    if list(levels) != list(standard_levels):
        out.append(f"审批级别为 {'、'.join(levels)}，标准为 {'、'.join(standard_levels)}")
    else:
        for name, level in levels.items():
            other = standard_levels[name]
            if level.above != other.above:
                out.append(
                    f"“{name}”审批额度超过 {_num(level.above)} 万元，标准为 {_num(other.above)}"
                )
            if set(level.risks) != set(other.risks):
                out.append(
                    f"“{name}”审批的风险等级为 {_set(set(level.risks))}，标准为 {_set(set(other.risks))}"
                )
    segregation = ("reviewer_not_manager", "reviewer_not_approver", "approver_not_manager")
    if any(getattr(rules.approval, k) != getattr(standard.approval, k) for k in segregation):
        out.append("审批权限的职责分离要求与标准不同")
    caps = {c.grade: c.maximum for c in rules.credit.caps}
    standard_caps = {c.grade: c.maximum for c in standard.credit.caps}
    for grade in sorted(set(caps) | set(standard_caps)):
        if caps.get(grade) != standard_caps.get(grade):
            out.append(
                f"评级 {grade} 最高信用额度为 {_cap(caps.get(grade))}，"
                f"标准为 {_cap(standard_caps.get(grade))}"
            )
    for name, ours_share, their_share in (
        ("营业收入比例", rules.credit.revenue_share, standard.credit.revenue_share),
        ("资产总额比例", rules.credit.assets_share, standard.credit.assets_share),
    ):
        if ours_share != their_share:
            out.append(f"授信{name}为 {_pct(ours_share)}，标准为 {_pct(their_share)}")
    if rules.rubrics.tolerance != standard.rubrics.tolerance:
        out.append(
            f"评分容差为 {_num(rules.rubrics.tolerance)} 分，标准为 {_num(standard.rubrics.tolerance)}"
        )
    rubrics = {r.dimension: r for r in rules.rubrics.rubrics}
    standard_rubrics = {r.dimension: r for r in standard.rubrics.rubrics}
    for dimension in sorted(set(rubrics) | set(standard_rubrics)):
        if rubrics.get(dimension) != standard_rubrics.get(dimension):
            out.append(f"评分细则“{dimension}”与标准不同")
    return out


def _num(value: float | None) -> str:
    return "不要求" if value is None else values.number_text(value)


def _cap(maximum: float | None) -> str:
    return "未设定" if maximum is None else f"{values.number_text(maximum)} 万元"


def _set(items: set[str] | None) -> str:
    return "、".join(sorted(items)) if items else "无"


def _pct(weight: float | None) -> str:
    return "无" if weight is None else f"{weight:.0%}"
