"""The credit department's controls in Python (pure): the twins of the ledger's control columns
— 准入检查, 额度上限, 额度检查, 需审批级别, 评分偏差 (`formulas.control_formulas`) — and what
validation, the due lists and the review report need beyond one formula cell: every unmet
admission condition (not only the first), the suggested scores, the approval chain of a review
in 审核记录, and the risk signals that bring a review forward (提前复审).

Frames are keyed by field / column key and hold cell values as read (the twins see a cell as
the formulas do: text in a number column is not a number). A control that needs a column the
workbook does not have (an older template) is skipped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger_xl.core import formulas, layout, values
from ledger_xl.core.formulas import (
    ADMISSION_INCOMPLETE,
    ADMISSION_INDUSTRY,
    ADMISSION_LOW_SCORE,
    ADMISSION_NO_ID,
    DEVIATION_HIGH,
    DEVIATION_LOW,
    LIMIT_OVER,
    LIMIT_UNGRADED,
)
from ledger_xl.core.rules import RUBRIC_AT_MOST, Rules

CONTROL_KEYS = ("score_deviation", "credit_cap", "limit_check", "admission_check", "required_level")
DOC_MISSING, DOC_LAPSED, DOC_UNDATED = "missing", "expired", "undated"


def column(frame: pd.DataFrame, key: str) -> pd.Series:
    """The frame's column, or a blank one when the workbook has no such column."""
    if key in frame.columns:
        return frame[key]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def inactive_rows(ledger: pd.DataFrame) -> np.ndarray:
    """Rows of 已停用 customers (准入检查 and 额度检查 show nothing for them)."""
    return values.texts(column(ledger, "status")) == layout.STATUS_INACTIVE


# ---------------------------------------------------------------- admission


@dataclass(frozen=True)
class Condition:
    """An unmet admission condition: what it is (`kind`: stage, score, flag, industry, id,
    document), its words as 准入检查 shows them, and the ledger column it is about (None for
    a document). A document's `state` is missing / expired / undated; `detail` says which
    (the cell says 已失效 for both of the last two)."""

    kind: str
    text: str
    key: str | None = None
    doc_type: str = ""
    state: str = ""
    expired_on: dt.date | None = None

    @property
    def detail(self) -> str:
        """The words validation uses: an expired document with its date."""
        if self.state == DOC_LAPSED and self.expired_on is not None:
            return f"{self.doc_type}已过期（有效期至 {self.expired_on.isoformat()}）"
        if self.state == DOC_UNDATED:
            return f"{self.doc_type}无有效期（有效期至未填或不是日期）"
        return self.text


class DocumentIndex:
    """资信证明 by (客户编号, 证明类型) as COUNTIFS sees them: on file, in date (有效期至 on or
    after 基准日), expired (before it) — and the latest expiry.

    Only the comparison with 基准日 depends on the day: a group is in date when its latest
    有效期至 is on or after it, else expired on that latest date when it has one, else
    undated. `on(day)` gives the same documents seen on another day without grouping them
    again."""

    def __init__(
        self,
        credentials: pd.DataFrame | None,
        as_of: dt.date,
        *,
        latest: dict[tuple[str, str], float] | None = None,
    ) -> None:
        self.as_of = as_of
        self.serial = values.date_to_serial(as_of)
        self.latest = _latest_documents(credentials) if latest is None else latest

    def on(self, as_of: dt.date) -> DocumentIndex:
        """The same documents as 准入检查 sees them on `as_of`."""
        return self if as_of == self.as_of else DocumentIndex(None, as_of, latest=self.latest)

    def state(self, customer: object, doc_type: str) -> tuple[str, dt.date | None]:
        """("" when in date, else missing / expired / undated; the latest expired date)."""
        cid = values.criterion_key(customer)
        return self.state_of_keys(cid, values.criterion_key(doc_type))

    def state_of_keys(self, cid: str, kind: str) -> tuple[str, dt.date | None]:
        """`state` for a customer and a document type already given as criterion keys."""
        latest = self.latest.get((cid, kind)) if cid else None
        if latest is None:
            return DOC_MISSING, None
        if latest >= self.serial:
            return "", None
        if not math.isnan(latest):
            return DOC_LAPSED, values.serial_to_date(latest)
        return DOC_UNDATED, None


def _latest_documents(credentials: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    """The latest 有效期至 (a serial; NaN when no row of the group has a number there) of
    each (客户编号, 证明类型) as criterion keys; rows with a blank id or type never group."""
    latest: dict[tuple[str, str], float] = {}
    if credentials is None or not len(credentials):
        return latest
    ids = values.criterion_keys(column(credentials, "customer_id").tolist())
    kinds = values.map_cells(column(credentials, "doc_type").tolist(), values.criterion_key)
    expires = values.numbers(column(credentials, "expires").tolist()).tolist()  # floats
    get = latest.get
    for key, number in zip(zip(ids, kinds, strict=True), expires, strict=True):
        if not key[0] or not key[1]:
            continue
        known = get(key)
        # the maximum, NaN only while no row has a number
        if known is None or known != known or number > known:
            latest[key] = number
    return latest


def admission_conditions(
    ledger: pd.DataFrame,
    computed: pd.DataFrame,
    credentials: pd.DataFrame | None,
    rules: Rules,
    as_of: dt.date,
    documents: DocumentIndex | None = None,
) -> list[list[Condition]]:
    """Every unmet condition of 准入标准 per row, in the order 准入检查 tests them (its first
    one is what the cell shows): stage, score, exclusion flags, industry, documents.
    `computed` holds 综合评分 (the twin); `documents`, when given, is
    `DocumentIndex(credentials, as_of)` already built."""
    admission = Admission(ledger, computed, rules)
    if not admission.checks_documents:
        return admission.fixed
    index = documents if documents is not None else DocumentIndex(credentials, as_of)
    return admission.conditions(index)


class Admission:
    """`admission_conditions` in two parts: the conditions that do not depend on the day
    (stage, score, exclusion flags, industry, 客户编号 and which documents each row needs),
    found once, and the documents' state, judged by `conditions(index)` for the index's
    day."""

    def __init__(self, ledger: pd.DataFrame, computed: pd.DataFrame, rules: Rules) -> None:
        admission = rules.admission
        self.fixed = _fixed_conditions(ledger, computed, rules)
        self.checks_documents = bool(
            admission.documents
            and admission.columns
            and (rules.has("risk_level") or rules.has("category"))
        )
        # per row: None without 客户编号, else (its criterion key, the required documents as
        # (type, type's criterion key))
        self.needs: list[tuple[str, list[tuple[str, str]]] | None] = []
        if not self.checks_documents:
            return
        n = len(ledger)
        risks = column(ledger, "risk_level").tolist() if rules.has("risk_level") else [None] * n
        categories = column(ledger, "category").tolist() if rules.has("category") else [None] * n
        ids = column(ledger, "customer_id").tolist()
        id_keys = values.criterion_keys(ids)
        needed: dict[tuple[str, str], list[tuple[str, str]]] = {}  # by (风险等级, 客户类别)
        for i, pair in enumerate(
            zip(values.criterion_keys(risks), values.criterion_keys(categories), strict=True)
        ):
            if values.is_blank(ids[i]):  # documents are found by 客户编号
                self.needs.append(None)
                continue
            if pair not in needed:
                needed[pair] = [
                    (d, values.criterion_key(d))
                    for d in required_documents(admission, risks[i], categories[i])
                ]
            self.needs.append((id_keys[i], needed[pair]))

    def conditions(self, index: DocumentIndex) -> list[list[Condition]]:
        """Every unmet condition per row, the documents judged as `index` sees them."""
        if not self.checks_documents:
            return [list(c) for c in self.fixed]
        no_id = Condition("id", ADMISSION_NO_ID, "customer_id")
        made: dict[tuple, Condition] = {}  # conditions are immutable: one per distinct kind
        out = []
        for fixed, need in zip(self.fixed, self.needs, strict=True):
            row = list(fixed)
            if need is None:
                row.append(no_id)
            else:
                cid, documents = need
                for doc_type, kind in documents:
                    state, expired_on = index.state_of_keys(cid, kind)
                    if state:
                        key = (doc_type, state, expired_on)
                        if key not in made:
                            words = formulas.DOC_MISSING + doc_type
                            if state != DOC_MISSING:
                                words = doc_type + formulas.DOC_LAPSED
                            made[key] = Condition(
                                "document", words, None, doc_type, state, expired_on
                            )
                        row.append(made[key])
            out.append(row)
        return out


def _fixed_conditions(
    ledger: pd.DataFrame, computed: pd.DataFrame, rules: Rules
) -> list[list[Condition]]:
    """The unmet conditions of 准入标准 that do not depend on the day: stage, score,
    exclusion flags, industry (each distinct cell judged once)."""
    admission = rules.admission
    n = len(ledger)
    out: list[list[Condition]] = [[] for _ in range(n)]
    if rules.has("stage") and admission.stage:
        required = values.fold(admission.stage)
        unmet = Condition("stage", "未到" + admission.stage, "stage")
        for i in _rows_where(column(ledger, "stage"), lambda v: values.fold(v) != required):
            out[i].append(unmet)
    if rules.has("composite_score") and admission.min_score is not None:
        scores = np.asarray(computed["composite_score"], dtype=float)
        incomplete = Condition("score", ADMISSION_INCOMPLETE, "composite_score")
        low = Condition("score", ADMISSION_LOW_SCORE, "composite_score")
        with np.errstate(invalid="ignore"):
            judged = np.where(np.isnan(scores), 1, np.where(scores < admission.min_score, 2, 0))
        for i in np.flatnonzero(judged).tolist():
            out[i].append(incomplete if judged[i] == 1 else low)
    by_header = {f.header: f.key for f in rules.fields}
    for _, flag in formulas.usable_flags(rules):
        key = by_header[flag.column]
        required = values.fold(flag.required)

        def flag_condition(value, flag=flag, key=key, required=required) -> Condition | None:
            if values.is_blank(value):
                return Condition("flag", flag.column + "未填写", key)
            if values.fold(value) != required:
                return Condition("flag", flag.column + "为" + values.excel_text(value), key)
            return None

        for i, condition in _conditions_where(column(ledger, key), flag_condition):
            out[i].append(condition)
    if rules.has("industry") and admission.excluded_industries:
        excluded = {values.fold(x) for x in admission.excluded_industries}

        def industry_condition(industry) -> Condition | None:
            if isinstance(industry, str) and industry and values.fold(industry) in excluded:
                return Condition("industry", ADMISSION_INDUSTRY + industry, "industry")
            return None

        for i, condition in _conditions_where(column(ledger, "industry"), industry_condition):
            out[i].append(condition)
    return out


def _rows_where(cells: pd.Series, test) -> list[int]:
    """Rows whose cell passes `test`, judging each distinct text once."""
    return [i for i, hit in _conditions_where(cells, lambda v: True if test(v) else None)]


def _conditions_where(cells: pd.Series, judge) -> list[tuple[int, object]]:
    """(row, judge(cell)) where that is not None; a text judged once however often it
    repeats (other values one by one: 1 and True are equal as keys but not as cells)."""
    judged: dict[str, object] = {}
    out = []
    for i, value in enumerate(cells.tolist()):
        if type(value) is str:
            if value in judged:
                result = judged[value]
            else:
                result = judged[value] = judge(value)
        else:
            result = judge(value)
        if result is not None:
            out.append((i, result))
    return out


def required_documents(admission, risk: object, category: object) -> list[str]:
    """The document types required for this 风险等级 and 客户类别, as the COUNTIFS on the
    准入标准 matrix finds them (a blank cell matches no header)."""
    keys = {values.criterion_key(risk), values.criterion_key(category)} - {""}
    return [
        d.doc_type
        for d in admission.documents
        if keys & {values.criterion_key(c) for c in d.required_for}
    ]


# ---------------------------------------------------------------- limits and approval


def credit_caps(ledger: pd.DataFrame, grades: np.ndarray, rules: Rules) -> np.ndarray:
    """额度上限: the grade's maximum, at most the shares of 营业收入 / 资产总额 when set and
    the figure is a number; NaN when the grade has no maximum (e.g. 待补充)."""
    credit = rules.credit
    caps = np.array(
        values.map_cells(list(grades), lambda g: np.nan if (c := credit.cap_for(g)) is None else c),
        dtype=float,
    )  # a handful of grades: each looked up once
    for key, share in (("revenue", credit.revenue_share), ("total_assets", credit.assets_share)):
        if share is None or not rules.has(key):
            continue
        figure = values.numbers(column(ledger, key))
        with np.errstate(invalid="ignore"):
            caps = np.where(
                ~np.isnan(figure) & ~np.isnan(caps), np.minimum(caps, figure * share), caps
            )
    return caps


def limit_checks(limits: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """额度检查: 超限 above the cap, 待评级 for a positive limit without a cap, else ""."""
    out = np.full(len(limits), "", dtype=object)
    with np.errstate(invalid="ignore"):
        out[np.isnan(caps) & (limits > 0)] = LIMIT_UNGRADED
        out[~np.isnan(caps) & (limits > caps)] = LIMIT_OVER
    return out


def required_levels(ledger: pd.DataFrame, rules: Rules) -> np.ndarray:
    """需审批级别 as a 0-based level index: the highest level whose 额度超过 the limit
    exceeds or whose risk column holds 是 for the customer's 风险等级; the first otherwise."""
    approval = rules.approval
    n = len(ledger)
    limits = np.nan_to_num(values.numbers(column(ledger, "credit_limit")), nan=0.0)
    risks = [values.criterion_key(r) for r in column(ledger, "risk_level")]
    use_risk = bool(approval.risk_columns) and rules.has("risk_level")
    result = np.zeros(n, dtype=int)
    for k in range(len(approval.levels) - 1, 0, -1):
        level = approval.levels[k]
        marked = {values.criterion_key(r) for r in level.risks}
        hit = limits > level.above
        if use_risk:
            hit |= np.array([r in marked and r != "" for r in risks], dtype=bool)
        result = np.where((result == 0) & hit, k, result)
    return result


# ---------------------------------------------------------------- rubrics


def _rubric_input(ledger: pd.DataFrame, computed: pd.DataFrame, rules: Rules, header: str):
    key = next(f.key for f in rules.fields if f.header == header)
    if key in computed.columns:
        return np.asarray(computed[key], dtype=float)
    return values.numbers(column(ledger, key))


def suggested_scores(ledger: pd.DataFrame, computed: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The rubric's suggestion per dimension (columns named by dimension), NaN where the
    input is not a number: the band's score minus the deductions, never below 0."""
    out = pd.DataFrame(index=ledger.index)
    for _, rubric in formulas.usable_rubrics(rules):
        value = _rubric_input(ledger, computed, rules, rubric.column)
        bounds = np.array(rubric.bounds, dtype=float)
        scores = np.array([b.score for b in rubric.bands], dtype=float)
        with np.errstate(invalid="ignore"):
            if rubric.direction == RUBRIC_AT_MOST:
                band = (bounds[None, :] < value[:, None]).sum(axis=1)
            else:
                band = (bounds[None, :] > value[:, None]).sum(axis=1)
        result = scores[band]
        for _, deduction in formulas.usable_deductions(rules, rubric):
            counts = np.nan_to_num(
                _rubric_input(ledger, computed, rules, deduction.column), nan=0.0
            )
            result = result - counts * deduction.points
        result = np.maximum(0.0, result)
        result[np.isnan(value)] = np.nan
        out[rubric.dimension] = result
    return out


@dataclass(frozen=True)
class Deviation:
    dimension: str
    key: str  # the typed score's column
    typed: float
    suggested: float


def deviations(
    ledger: pd.DataFrame, suggestions: pd.DataFrame, rules: Rules
) -> list[list[Deviation]]:
    """Per row, the dimensions whose typed score is more than the tolerance away from the
    suggestion."""
    tolerance = rules.rubrics.tolerance
    by_header = {f.header: f.key for f in rules.fields}
    columns = {d.name: d.column for d in rules.scoring.dimensions}
    out: list[list[Deviation]] = [[] for _ in range(len(ledger))]
    for dimension in suggestions.columns:
        key = by_header[columns[dimension]]
        typed = values.numbers(column(ledger, key))
        suggested = suggestions[dimension].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            off = (typed - suggested > tolerance) | (suggested - typed > tolerance)
        for i in np.flatnonzero(off):
            out[i].append(Deviation(dimension, key, float(typed[i]), float(suggested[i])))
    return out


def deviation_text(found: list[Deviation]) -> str:
    """评分偏差's words: "财务状况偏高；信用记录偏低" (at most 99 characters, as MID gives)."""
    text = "".join(
        "；" + d.dimension + (DEVIATION_HIGH if d.typed > d.suggested else DEVIATION_LOW)
        for d in found
    )
    return text[1:100]


# ---------------------------------------------------------------- the twins


def control_columns(
    ledger: pd.DataFrame,
    computed: pd.DataFrame,
    credentials: pd.DataFrame | None,
    rules: Rules,
    as_of: dt.date,
    unused: np.ndarray,
    documents: DocumentIndex | None = None,
) -> pd.DataFrame:
    """The control columns the rules' fields list, as their formulas compute them (`unused`:
    the rows without 客户编号 and 客户名称)."""
    wanted = [k for k in CONTROL_KEYS if rules.has(k)]
    if not wanted:
        return pd.DataFrame(index=ledger.index)
    evaluated = evaluate(ledger, computed, credentials, rules, as_of, unused, wanted, documents)
    return evaluated[[k for k in CONTROL_KEYS if k in wanted and k in evaluated.columns]]


def evaluate(
    ledger: pd.DataFrame,
    computed: pd.DataFrame,
    credentials: pd.DataFrame | None,
    rules: Rules,
    as_of: dt.date,
    unused: np.ndarray,
    keys: tuple[str, ...] | list[str] = CONTROL_KEYS,
    documents: DocumentIndex | None = None,
) -> pd.DataFrame:
    """The control values of every row, whether or not the workbook has their columns: the
    `keys` among CONTROL_KEYS, and with admission_check its full list admission_problems
    (every unmet condition, as validation words it), with score_deviation the suggestions per
    dimension (suggested_scores, a dict). `computed` holds 综合评分, 评级 and 资产负债率 (the
    twins). Blank as the formulas leave them: 准入检查 on unused rows and for 已停用; 额度检查
    for 已停用 (an unused row has no limit); 需审批级别 on unused rows; 额度上限 where there is
    no grade; 评分偏差 where there is no score."""
    return ControlTwins(ledger, credentials, rules, unused, keys).on(as_of, computed, documents)


DAY_KEYS = frozenset({"days_to_due", "due_flag"})  # formula columns before the controls that
# read 基准日 (of the controls, 准入检查 reads it: its documents must be in date that day)


class ControlTwins:
    """`evaluate` for one ledger on one day or several: what does not depend on the day
    (评分偏差, 额度上限, 额度检查, 需审批级别 and the admission conditions other than documents)
    is computed once, on the first call of `on`; 准入检查's documents on every call."""

    def __init__(
        self,
        ledger: pd.DataFrame,
        credentials: pd.DataFrame | None,
        rules: Rules,
        unused: np.ndarray,
        keys: tuple[str, ...] | list[str] = CONTROL_KEYS,
    ) -> None:
        self.ledger, self.credentials, self.rules, self.unused = ledger, credentials, rules, unused
        self.keys = tuple(keys)
        self._fixed: dict[str, object] | None = None
        self._admission: Admission | None = None
        self._inactive: np.ndarray | None = None
        self._documents: DocumentIndex | None = None
        self.conditions: dict[dt.date, list[list[Condition]]] = {}  # by day, once judged
        # A rubric may read a formula column that depends on the day (距到期天数): then its
        # suggestions are computed for each day.
        read = {
            c
            for _, r in formulas.usable_rubrics(rules)
            for c in (r.column, *(d.column for _, d in formulas.usable_deductions(rules, r)))
        }
        self._rubrics_by_day = any(f.header in read and f.key in DAY_KEYS for f in rules.fields)

    def on(
        self, as_of: dt.date, computed: pd.DataFrame, documents: DocumentIndex | None = None
    ) -> pd.DataFrame:
        """`evaluate(...)` on `as_of`; `computed` is that day's formula columns (only
        距到期天数 and 到期提示 differ between days), `documents` that day's index if built."""
        ledger, rules, keys = self.ledger, self.rules, self.keys
        if self._fixed is None:
            self._inactive = inactive_rows(ledger)
            self._fixed = self._day_free(computed)
        inactive = self._inactive
        fixed = dict(self._fixed)
        if "score_deviation" in keys and self._rubrics_by_day:
            fixed.update(self._deviations(computed))
        out = pd.DataFrame(index=ledger.index)
        for key in ("score_deviation", "suggested_scores", "credit_cap", "limit_check"):
            if key in fixed:
                out[key] = fixed[key]
        if "admission_check" in keys:
            off = self.unused | inactive
            if self._admission is None:
                self._admission = Admission(ledger, computed, rules)
            if self._admission.checks_documents:
                index = documents if documents is not None else self._index(as_of)
                conditions = self._admission.conditions(index)
            else:
                conditions = self._admission.fixed
            self.conditions[as_of] = conditions
            out["admission_check"] = _off([c[0].text if c else "" for c in conditions], off)
            out["admission_problems"] = [
                () if off[i] else tuple(c.detail for c in conditions[i]) for i in range(len(ledger))
            ]
        if "required_level" in fixed:
            out["required_level"] = fixed["required_level"]
        return out

    def _index(self, as_of: dt.date) -> DocumentIndex:
        if self._documents is None:
            self._documents = DocumentIndex(self.credentials, as_of)
        return self._documents.on(as_of)

    def _deviations(self, computed: pd.DataFrame) -> dict[str, object]:
        suggestions = suggested_scores(self.ledger, computed, self.rules)
        found = deviations(self.ledger, suggestions, self.rules)
        return {
            "score_deviation": np.array([deviation_text(d) for d in found], dtype=object),
            "suggested_scores": _suggestion_dicts(suggestions) or [{} for _ in self.ledger.index],
        }

    def _day_free(self, computed: pd.DataFrame) -> dict[str, object]:
        ledger, rules, keys = self.ledger, self.rules, self.keys
        out: dict[str, object] = {}
        if "score_deviation" in keys and not self._rubrics_by_day:
            out.update(self._deviations(computed))
        caps = None
        if ("credit_cap" in keys or "limit_check" in keys) and "grade" in computed.columns:
            caps = credit_caps(ledger, np.asarray(computed["grade"], dtype=object), rules)
            out["credit_cap"] = caps
        if "limit_check" in keys and caps is not None:
            limits = values.numbers(column(ledger, "credit_limit"))
            out["limit_check"] = _off(limit_checks(limits, caps), self._inactive)
        if "required_level" in keys:
            names = np.array(rules.approval.names, dtype=object)
            out["required_level"] = _off(names[required_levels(ledger, rules)], self.unused)
        return out


def _suggestion_dicts(suggestions: pd.DataFrame) -> list[dict[str, float]]:
    """Per row, {dimension: suggested score} without the NaN ones (column by column, not
    through `to_dict`)."""
    dimensions = list(suggestions.columns)
    if not dimensions:
        return []
    columns = [suggestions[d].to_numpy(dtype=float).tolist() for d in dimensions]
    return [
        {d: v for d, v in zip(dimensions, row, strict=True) if v == v}  # v != v: NaN
        for row in zip(*columns, strict=True)
    ]


def _off(texts, off: np.ndarray) -> np.ndarray:
    result = np.array(list(texts), dtype=object)
    result[off] = ""
    return result


# ---------------------------------------------------------------- approval chains


@dataclass(frozen=True)
class ApprovalStep:
    """An approval row of 审核记录: its position in the table, level (rank None when not a
    level of 审批权限), approver, date and result."""

    row: int
    level: str
    rank: int | None
    approver: str
    date: dt.date | None
    result: str


def _key(value: object) -> str:
    return "" if values.is_blank(value) else str(value).strip().casefold()


def _name(value: object) -> str:
    return "" if values.is_blank(value) else str(value).strip()


class ApprovalIndex:
    """The approval rows of 审核记录 (those with a 审批级别) by (客户编号, 审核日期): the chain of
    approvals of that review."""

    def __init__(self, reviews: pd.DataFrame | None, rules: Rules) -> None:
        # by (客户编号 key, 审核日期 as days since 1970: ints hash faster than datetime64)
        self.chains: dict[tuple[str, int], list[ApprovalStep]] = {}
        self.available = reviews is not None and {"approval_level", "review_date"} <= set(
            reviews.columns
        )
        if not self.available:
            return
        levels = reviews["approval_level"].tolist()
        review_dates = values.dates(reviews["review_date"])
        rows = np.flatnonzero(
            ~np.array(values.map_cells(levels, values.is_blank), dtype=bool)
            & ~np.isnat(review_dates)
        ).tolist()
        if not rows:
            return

        def picked(key: str, function) -> list:  # only the approval rows, each text once
            cells = column(reviews, key).tolist()
            return values.map_cells([cells[i] for i in rows], function)

        names = picked("approval_level", _name)
        approvers, results = picked("approver", _name), picked("result", _name)
        customers = column(reviews, "customer_id").tolist()
        ids = [_key(customers[i]) for i in rows]
        approval_dates = values.dates(column(reviews, "approval_date"))[rows].astype(object)
        days = review_dates[rows].astype(np.int64).tolist()
        ranks = {name: rules.approval.rank(name) for name in set(names)}  # a handful
        for j, i in enumerate(rows):
            name = names[j]
            step = ApprovalStep(i, name, ranks[name], approvers[j], approval_dates[j], results[j])
            self.chains.setdefault((ids[j], days[j]), []).append(step)

    def chain(self, customer: object, review_date: np.datetime64) -> list[ApprovalStep]:
        if np.isnat(review_date):
            return []
        day = int(np.datetime64(review_date, "D").astype(np.int64))
        return self.chains.get((_key(customer), day), [])

    def chains_of(self, customers: list, review_dates: np.ndarray, rows) -> dict[int, list]:
        """`chain(customers[i], review_dates[i])` for each i in `rows` (each distinct
        customer text keyed once)."""
        rows = [int(i) for i in rows]
        if not rows or not self.chains:
            return {i: [] for i in rows}
        keys = [_key(customers[i]) for i in rows]
        wanted = np.asarray(review_dates, dtype="datetime64[D]")[rows]
        dated = ~np.isnat(wanted)
        days = wanted.astype(np.int64).tolist()
        get, none = self.chains.get, []
        return {i: get((keys[j], days[j]), none) if dated[j] else none for j, i in enumerate(rows)}


@dataclass(frozen=True)
class Problem:
    """A control that failed at a cell: the catalogue code, the table ("ledger" or
    "reviews") and 0-based row of that table's frame, the column key, and the message parts."""

    code: str
    table: str
    row: int
    key: str
    value: object = None
    allowed: str = ""
    detail: str = ""


def approval_problems(
    ledger: pd.DataFrame,
    rows: np.ndarray,
    required: np.ndarray,
    index: ApprovalIndex,
    rules: Rules,
) -> list[Problem]:
    """The approval of each 审核通过 customer in `rows`: the ledger's 审批级别 not below
    需审批级别 (`required`, level indices), every level up to it approving the review in
    审核记录 (same 客户编号 and 审核日期 as 最近审核日期, 审核结果 审核通过), level after level in
    date order and none before the review."""
    approval = rules.approval
    names = approval.names
    has_level = rules.has("approval_level") and "approval_level" in ledger.columns
    if not has_level and not index.available:
        return []
    out: list[Problem] = []
    levels = column(ledger, "approval_level").tolist()
    last = values.dates(column(ledger, "last_review"))
    ids = column(ledger, "customer_id").tolist()
    where = "approval_level" if has_level else "status"
    chains = index.chains_of(ids, last, rows) if index.available else {}
    for i in rows:
        need = int(required[i])
        top = need
        missing: list[str] = []
        if has_level:
            level = levels[i]
            if values.is_blank(level):
                missing.append(f"审批级别未填（需{names[need]}审批）")
            else:
                rank = approval.rank(_name(level))
                if rank is None:
                    out.append(
                        Problem(
                            "approval-wrong-level",
                            "ledger",
                            i,
                            "approval_level",
                            _name(level),
                            names[need],
                            f"不是审批权限中的级别（{'、'.join(names)}）",
                        )
                    )
                elif rank < need:
                    top = rank
                    out.append(
                        Problem(
                            "approval-wrong-level",
                            "ledger",
                            i,
                            "approval_level",
                            _name(level),
                            names[need],
                            f"低于需审批级别“{names[need]}”",
                        )
                    )
        if index.available and not np.isnat(last[i]):
            chain = chains[i]
            approved = {s.rank for s in chain if s.result == layout.STATUS_APPROVED}
            absent = [names[j] for j in range(top + 1) if j not in approved]
            if absent:
                missing.append(f"审核记录中没有{'、'.join(absent)}对这次审核的审批")
            out.extend(_order_problems(chain, last[i].astype(dt.date), names))
            for step in chain:
                if step.rank is None:
                    out.append(
                        Problem(
                            "approval-wrong-level",
                            "reviews",
                            step.row,
                            "approval_level",
                            step.level,
                            names[need],
                            f"不是审批权限中的级别（{'、'.join(names)}）",
                        )
                    )
        if missing:
            out.append(Problem("approval-missing", "ledger", i, where, detail="；".join(missing)))
    return out


def _order_problems(chain: list[ApprovalStep], review: dt.date, names) -> list[Problem]:
    out = []
    dated = sorted(
        (
            s
            for s in chain
            if s.rank is not None and s.date is not None and s.result == layout.STATUS_APPROVED
        ),
        key=lambda s: (s.rank, s.date),
    )
    for step in dated:
        if step.date < review:
            out.append(
                Problem(
                    "approval-out-of-order",
                    "reviews",
                    step.row,
                    "approval_date",
                    step.date,
                    detail=f"{step.level}的审批日期早于审核日期 {review.isoformat()}",
                )
            )
    for lower, higher in itertools.pairwise(dated):
        if higher.rank > lower.rank and higher.date < lower.date:
            out.append(
                Problem(
                    "approval-out-of-order",
                    "reviews",
                    higher.row,
                    "approval_date",
                    higher.date,
                    detail=f"{higher.level}先于{lower.level}（{lower.date.isoformat()}）审批，应逐级审批",
                )
            )
    return out


def segregation_problems(
    ledger: pd.DataFrame,
    rows: np.ndarray,
    index: ApprovalIndex,
    rules: Rules,
) -> list[Problem]:
    """职责分离 for the customers in `rows`: the 审核人 is neither the 客户经理 nor an approver
    of the same review, and no approver is the 客户经理 (as 审批权限 asks)."""
    approval = rules.approval
    reviewers = values.map_cells(column(ledger, "reviewer").tolist(), _name)
    managers = values.map_cells(column(ledger, "account_manager").tolist(), _name)
    approvers = values.map_cells(column(ledger, "approver").tolist(), _name)
    ids = column(ledger, "customer_id").tolist()
    last = values.dates(column(ledger, "last_review"))
    chains = index.chains_of(ids, last, rows) if index.available else {}
    out: list[Problem] = []
    for i in rows:
        reviewer, manager, approver = reviewers[i], managers[i], approvers[i]
        chain = chains[i] if index.available else []
        if approval.reviewer_not_manager and reviewer and reviewer == manager:
            out.append(
                Problem(
                    "reviewer-conflict",
                    "ledger",
                    i,
                    "reviewer",
                    reviewer,
                    detail="审核人与客户经理为同一人",
                )
            )
        if (
            approval.reviewer_not_approver
            and reviewer
            and (reviewer == approver or any(s.approver == reviewer for s in chain))
        ):
            out.append(
                Problem(
                    "reviewer-conflict",
                    "ledger",
                    i,
                    "reviewer",
                    reviewer,
                    detail="审核人同时是这次审核的审批人",
                )
            )
        if approval.approver_not_manager and manager:
            if approver == manager:
                out.append(
                    Problem(
                        "reviewer-conflict",
                        "ledger",
                        i,
                        "approver",
                        approver,
                        detail="审批人与客户经理为同一人",
                    )
                )
            for step in chain:
                if step.approver == manager:
                    out.append(
                        Problem(
                            "reviewer-conflict",
                            "reviews",
                            step.row,
                            "approver",
                            step.approver,
                            detail=f"{step.level}审批人与客户经理为同一人",
                        )
                    )
    return out


# ---------------------------------------------------------------- licences


def licence_problems(
    ledger: pd.DataFrame, credentials: pd.DataFrame | None, used: np.ndarray
) -> list[Problem]:
    """A customer's current 营业执照 (latest 有效期至; the lowest row on a tie) whose 证件号码 is
    not the ledger's 统一社会信用代码, or whose 客户名称 is not the ledger's (compared without
    spaces, brackets either width), for every ledger row of that 客户编号."""
    if credentials is None or not {"customer_id", "doc_type"} <= set(credentials.columns):
        return []
    owners: dict[str, list[int]] = {}
    ledger_ids = column(ledger, "customer_id").tolist()
    for i, cid in enumerate(ledger_ids):
        if used[i] and not values.is_blank(cid):
            owners.setdefault(_key(cid), []).append(i)
    uscc_cells, name_cells = column(ledger, "uscc").tolist(), column(ledger, "name").tolist()

    def usccs(i: int) -> str:
        return _code(uscc_cells[i])

    def names(i: int) -> str:
        return _company(name_cells[i])

    # only 营业执照 rows (each distinct 证明类型 named once)
    kinds = values.map_cells(credentials["doc_type"].tolist(), _name)
    licences = [j for j, kind in enumerate(kinds) if kind == layout.LICENCE]
    credential_ids = credentials["customer_id"].tolist()
    keys = [_key(credential_ids[j]) for j in licences]
    expires = values.numbers(column(credentials, "expires")).tolist()  # Python floats
    current: dict[str, tuple[tuple, int]] = {}
    for j, key in zip(licences, keys, strict=True):
        if key not in owners:
            continue
        day = expires[j]
        rank = (not math.isnan(day), 0.0 if math.isnan(day) else day, j)
        if key not in current or rank > current[key][0]:
            current[key] = (rank, j)
    out: list[Problem] = []
    numbers = column(credentials, "doc_number").tolist()
    holders = column(credentials, "name").tolist()
    for cid, (_, j) in sorted(current.items(), key=lambda item: item[1][1]):
        rows = owners[cid]
        number = _code(numbers[j])
        if number and all(usccs(i) and usccs(i) != number for i in rows):
            shown = "、".join(dict.fromkeys(usccs(i) for i in rows))
            out.append(
                Problem(
                    "licence-mismatch",
                    "credentials",
                    j,
                    "doc_number",
                    numbers[j],
                    detail=f"证件号码与台账的统一社会信用代码“{shown}”不一致",
                )
            )
        holder = _company(holders[j])
        if holder and all(names(i) and names(i) != holder for i in rows):
            shown = "、".join(dict.fromkeys(_name(ledger["name"].iat[i]) for i in rows))
            out.append(
                Problem(
                    "licence-mismatch",
                    "credentials",
                    j,
                    "name",
                    holders[j],
                    detail=f"客户名称与台账的“{shown}”不一致",
                )
            )
    return out


def _code(value: object) -> str:
    if values.is_blank(value) or not isinstance(value, str):
        return "" if values.is_blank(value) else str(value)
    return value.strip().upper()


def _company(value: object) -> str:
    if values.is_blank(value):
        return ""
    text = str(value).replace("（", "(").replace("）", ")")
    return "".join(text.split())


# ---------------------------------------------------------------- signals since the last review

SCORE_DROP_POINTS = 10.0  # a fall of this many 综合评分 points against the previous review


def early_review(
    approved: np.ndarray,
    score: np.ndarray,
    previous_score: np.ndarray,
    dishonest: np.ndarray,
    litigation: np.ndarray,
    last_review: np.ndarray,
    next_review: np.ndarray,
    rules: Rules,
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """提前复审: an approved customer with a risk signal — 综合评分 down 10 points or more
    against the previous review, 失信被执行人 是, or a 违约/涉诉 on record — whose regular next
    review falls later than 审核周期's 提前复审周期 after its last review.

    Returns the mask, the reasons (one string per row, "" where none) and the date the review
    should be held by (datetime64[D], NaT where none)."""
    from ledger_xl.core import schedule

    n = len(approved)
    months = np.full(n, float(rules.cycles.early_review_months))
    early = schedule.edate(np.asarray(last_review, dtype="datetime64[D]"), months)
    nxt = np.asarray(next_review, dtype="datetime64[D]")
    reasons = [""] * n
    with np.errstate(invalid="ignore"):
        dropped = score <= previous_score - SCORE_DROP_POINTS
        sued = litigation >= 1
    flagged = np.array([values.fold(v) == values.fold("是") for v in dishonest], dtype=bool)
    mask = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(approved & (dropped | sued | flagged)):
        if np.isnat(early[i]) or np.isnat(nxt[i]) or not early[i] < nxt[i]:
            continue
        words = []
        if dropped[i]:
            words.append(f"综合评分由 {previous_score[i]:g} 降至 {score[i]:g}")
        if flagged[i]:
            words.append("列为失信被执行人")
        if sued[i]:
            words.append(f"违约/涉诉 {litigation[i]:g} 次")
        reasons[i] = "；".join(words)
        mask[i] = True
    early[~mask] = np.datetime64("NaT")
    return mask, reasons, early


def limit_not_adjusted(
    approved: np.ndarray,
    grade_rank: np.ndarray,
    previous_rank: np.ndarray,
    limit: np.ndarray,
    previous_limit: np.ndarray,
) -> np.ndarray:
    """Approved customers whose grade is worse than at the previous review while 信用额度 is
    the same positive amount (调整信用额度 was not considered)."""
    with np.errstate(invalid="ignore"):
        return approved & (grade_rank > previous_rank) & (limit == previous_limit) & (limit > 0)
