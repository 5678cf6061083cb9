"""Structure checks: the ledger's columns, the template version and the rules it carries.

Codes: column-missing, column-duplicate, column-unknown, template-version, rules-changed.
(file-*, ledger-sheet-missing, header-not-found and rules-broken come from the reader.)
"""

from __future__ import annotations

from ledger_xl.core import layout
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
                f"评级 {grade} 下限为 {ours_b.get(grade, '无')}，标准为 {theirs_b.get(grade, '无')}"
            )
    if rules.cycles != standard.cycles:
        out.append("审核周期表或提醒天数与标准不同")
    if rules.fields != standard.fields:
        changed = [f.header for f in rules.fields if f not in standard.fields]
        out.append("填报规则改动：" + ("、".join(changed[:5]) or "删除了列"))
    return out


def _pct(weight: float | None) -> str:
    return "无" if weight is None else f"{weight:.0%}"
