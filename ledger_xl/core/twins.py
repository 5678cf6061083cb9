"""Every formula column of the workbook, computed in Python: the twins of the template formulas
(`formulas.ledger_formulas` for 台账, `formulas.credential_formulas` for 资信证明; the control
columns' twins are in `ledger_xl.core.controls`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ledger_xl.core import controls, layout, schedule, scoring, values
from ledger_xl.core.rules import Rules


def empty_rows(ledger: pd.DataFrame) -> np.ndarray:
    """Rows the formulas treat as unused: no 客户编号 and no 客户名称."""
    ids, names = values.cells_of(ledger["customer_id"]), values.cells_of(ledger["name"])
    blank = values.is_blank
    return np.array([blank(i) and blank(n) for i, n in zip(ids, names, strict=True)], dtype=bool)


def debt_ratio(assets: pd.Series, liabilities: pd.Series) -> np.ndarray:
    """资产负债率: liabilities / assets; NaN when either is not a number or assets is 0."""
    a, liab = values.numbers(assets), values.numbers(liabilities)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a != 0) & ~np.isnan(a) & ~np.isnan(liab), liab / a, np.nan)


def ledger_formulas(
    ledger: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    scores: pd.DataFrame | None = None,
    credentials: pd.DataFrame | None = None,
    documents: controls.DocumentIndex | None = None,
) -> pd.DataFrame:
    """All ledger formula columns, keyed by field key, NaN/NaT/"" where the cell shows blank.

    `scores`, when given, is `scoring.score_ledger(ledger, rules)` already computed.
    `credentials` is the 资信证明 table (keyed by column key) that 准入检查 counts documents
    in; without it no document is on file. The control columns (准入检查, 额度上限, 额度检查,
    需审批级别, 评分偏差) are computed when the rules' fields list them."""
    return FormulaTwins(ledger, rules, scores, credentials, documents).on(as_of)


class FormulaTwins:
    """`ledger_formulas` of one ledger for one day or several: the columns that do not read
    基准日 are computed once (on the first `on`); 距到期天数, 到期提示 and 准入检查 (its
    documents must be in date) for each day. `documents`, when given, is a
    `controls.DocumentIndex` of the credentials (any day: its grouping is shared)."""

    def __init__(
        self,
        ledger: pd.DataFrame,
        rules: Rules,
        scores: pd.DataFrame | None = None,
        credentials: pd.DataFrame | None = None,
        documents: controls.DocumentIndex | None = None,
    ) -> None:
        self.ledger, self.rules, self.scores = ledger, rules, scores
        self.credentials, self.documents = credentials, documents
        self.wanted = [k for k in controls.CONTROL_KEYS if rules.has(k)]
        self._fixed: pd.DataFrame | None = None
        self._controls: controls.ControlTwins | None = None

    def admission(self, as_of: dt.date) -> list[list[controls.Condition]] | None:
        """`controls.admission_conditions` of every row on `as_of` as `on(as_of)` judged
        them; None before that or when the rules list no 准入检查 column."""
        return None if self._controls is None else self._controls.conditions.get(as_of)

    def on(self, as_of: dt.date) -> pd.DataFrame:
        """Every ledger formula column on `as_of`."""
        ledger, rules = self.ledger, self.rules
        if self._fixed is None:
            fixed = pd.DataFrame(index=ledger.index)
            fixed["debt_ratio"] = debt_ratio(ledger["total_assets"], ledger["total_liabilities"])
            fixed = fixed.join(
                scoring.score_ledger(ledger, rules) if self.scores is None else self.scores
            )
            self._unused = empty_rows(ledger)
            self._dates = schedule.review_dates(ledger, rules)
            self._fixed = fixed
            if self.wanted:
                self._controls = controls.ControlTwins(
                    ledger, self.credentials, rules, self._unused, self.wanted
                )
        result = self._fixed.join(schedule.schedule_ledger(ledger, rules, as_of, self._dates))
        unused = self._unused
        result.loc[unused, "grade"] = ""
        result.loc[unused, "due_flag"] = ""
        if self._controls is None:
            return result.join(pd.DataFrame(index=ledger.index))
        documents = None if self.documents is None else self.documents.on(as_of)
        evaluated = self._controls.on(as_of, result, documents)
        wanted = self.wanted
        return result.join(
            evaluated[[k for k in controls.CONTROL_KEYS if k in wanted and k in evaluated.columns]]
        )


def ledger_formulas_and_controls(
    ledger: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    credentials: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`ledger_formulas(...)` and `controls.evaluate(...)` of every control key (whether or not
    the rules list its column), computed once: (formula columns, control values)."""
    result, unused = base_formulas(ledger, rules, as_of)
    return with_controls(ledger, result, unused, credentials, rules, as_of)


def with_controls(
    ledger: pd.DataFrame,
    result: pd.DataFrame,
    unused: np.ndarray,
    credentials: pd.DataFrame | None,
    rules: Rules,
    as_of: dt.date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`base_formulas`' columns joined with the control columns the rules list, and every
    control value (`controls.evaluate`): the second half of `ledger_formulas_and_controls`,
    for a caller with work to do between the two (while 资信证明 is still being read)."""
    evaluated = controls.evaluate(ledger, result, credentials, rules, as_of, unused)
    wanted = [k for k in controls.CONTROL_KEYS if rules.has(k) and k in evaluated.columns]
    return result.join(evaluated[wanted]), evaluated


def base_formulas(
    ledger: pd.DataFrame, rules: Rules, as_of: dt.date
) -> tuple[pd.DataFrame, np.ndarray]:
    """The formula columns that need the ledger alone — 资产负债率, the scores and the
    schedule (blank on unused rows) — and the unused rows."""
    result = pd.DataFrame(index=ledger.index)
    result["debt_ratio"] = debt_ratio(ledger["total_assets"], ledger["total_liabilities"])
    result = result.join(scoring.score_ledger(ledger, rules))
    result = result.join(schedule.schedule_ledger(ledger, rules, as_of))
    unused = empty_rows(ledger)
    result.loc[unused, "grade"] = ""
    result.loc[unused, "due_flag"] = ""
    return result, unused


def credential_formulas(credentials: pd.DataFrame, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """资信证明's formula columns — 证件状态 and 剩余天数 — for a frame keyed by column key
    (missing columns blank), as the template's formulas compute them."""

    def column(key: str) -> pd.Series:
        if key in credentials.columns:
            return credentials[key]
        return pd.Series([None] * len(credentials), index=credentials.index, dtype=object)

    return schedule.document_status(
        column("expires"), as_of, rules.cycles, column("customer_id"), column("doc_type")
    )


CREDENTIAL_FORMULA_KEYS = tuple(c.key for c in layout.CREDENTIAL_COLUMNS if c.kind == "formula")
