"""Summary figures over a ledger (pure). The template's 汇总 sheet shows the same figures with
native COUNTIFS formulas; `KeyFigure.formula` is that formula and `count` its Python twin."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger_xl import formulas, layout, twins, values
from ledger_xl.rules import Rules

GRADE_SECTION = "按评级"


@dataclass(frozen=True)
class KeyFigure:
    label: str
    count: int
    formula: str


def _countifs(column_header: str, criterion: str, table: str = layout.TABLE_LEDGER) -> str:
    return f'=COUNTIFS({formulas.column(column_header, table)},"{criterion}")'


def _matches(cells, label: str) -> int:
    return int(np.sum(values.texts(cells) == label))


def key_figures(
    ledger: pd.DataFrame, computed: pd.DataFrame, doc_status: pd.Series, rules: Rules
) -> list[tuple[str, list[KeyFigure]]]:
    """Sections of (label, count, formula): totals, by status, grade, risk, due flag, documents.

    `ledger` is keyed by field key, `computed` is `twins.ledger_formulas(...)`, `doc_status`
    the 证件状态 column of 资信证明.
    """
    h = rules.header
    used = ~twins.empty_rows(ledger)
    id_col = formulas.column(h("customer_id"))
    name_col = formulas.column(h("name"))
    total = KeyFigure(
        "客户总数", int(used.sum()), f'=SUMPRODUCT(--((({id_col}<>"")+({name_col}<>""))>0))'
    )

    def section(key: str, labels, cells) -> list[KeyFigure]:
        return [
            KeyFigure(label, _matches(cells, label), _countifs(h(key), label)) for label in labels
        ]

    grades = [b.grade for b in rules.scoring.bands] + [
        rules.scoring.fallback_grade,
        rules.scoring.incomplete_grade,
    ]
    due = (layout.DUE_OVERDUE, layout.DUE_SOON, layout.DUE_NEVER, layout.DUE_OK)
    status_header = next(c.header for c in layout.CREDENTIAL_COLUMNS if c.key == "doc_status")
    documents = [
        KeyFigure(
            f"资信证明{label}",
            _matches(doc_status, label),
            _countifs(status_header, label, layout.TABLE_CREDENTIALS),
        )
        for label in (layout.DOC_EXPIRED, layout.DOC_SOON)
    ]
    return [
        ("总体", [total]),
        ("按审核状态", section("status", rules.field("status").allowed, ledger["status"])),
        (GRADE_SECTION, section("grade", grades, computed["grade"])),
        (
            "按风险等级",
            section("risk_level", rules.field("risk_level").allowed, ledger["risk_level"]),
        ),
        ("按到期提示", section("due_flag", due, computed["due_flag"])),
        ("资信证明", documents),
    ]
