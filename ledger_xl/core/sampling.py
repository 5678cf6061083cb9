"""The audit sample (抽样): which customers of each branch an auditor checks against the paper
files, drawn at random but weighted towards risk, and reproducible.

Pure: a `Portfolio` and the history's open findings in, tables out.

**Weights.** Every customer who may be drawn has the base weight; each risk factor it shows
adds that factor's weight (`SampleWeights`, from a rule sheet or options): 高风险, 近期审核通过
(approved, last review within `recent_days`), 例外审批 (approved although the grade is the
lowest band or the score incomplete, a current credit document has expired, or the credit
report is more than a year old), 有未整改问题 (open findings in the audit history).

**Draw.** Per branch, without replacement, by Efraimidis–Spirakis keys: customer i with weight
wᵢ gets the key log(uᵢ)/wᵢ for a uniform uᵢ, and the largest keys are drawn — each next draw
picks a remaining customer with probability proportional to its weight. The uniforms come from
numpy's `Generator` (PCG64) seeded with the seed and the branch name (`SeedSequence`), drawn in
a stable order of customers (客户编号, file, row): the same seed and the same files always
give the same sample, and one branch's sample does not depend on the other branches.
已停用 customers are never drawn unless asked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ledger_xl.core import layout, schedule
from ledger_xl.core.audit import normalise_customer
from ledger_xl.core.portfolio import Portfolio

HIGH_RISK = "高"
BLANK_BRANCH = "（未填写）"


@dataclass(frozen=True)
class SampleWeights:
    """How much each risk factor adds to a customer's chance of being drawn."""

    base: float = 1.0
    high_risk: float = 3.0
    recent_approval: float = 2.0
    override: float = 3.0
    open_findings: float = 2.0
    recent_days: int = 90


# (attribute, name on the rule sheet and in options, what it means)
WEIGHT_FACTORS: tuple[tuple[str, str, str], ...] = (
    ("base", "基础权重", "每个可抽取的客户都有的权重，须大于 0"),
    ("high_risk", "高风险", "风险等级为“高”时加上的权重"),
    (
        "recent_approval",
        "近期审核通过",
        "审核通过且最近审核日期在“近期天数”之内时加上的权重",
    ),
    (
        "override",
        "例外审批",
        "审核通过，但评级为最低档或评分不全、资信证明已过期、或信用报告超过一年时加上的权重",
    ),
    ("open_findings", "有未整改问题", "稽核档案中该客户有未整改的校验问题时加上的权重"),
    ("recent_days", "近期天数", "“近期审核通过”看最近多少天（整数）"),
)
_BY_NAME = {name: attribute for attribute, name, _ in WEIGHT_FACTORS} | {
    attribute: attribute for attribute, _, _ in WEIGHT_FACTORS
}


def weights_from_pairs(
    pairs: Iterable[tuple[object, object]], base: SampleWeights | None = None
) -> SampleWeights:
    """`base` (default weights) with the given (factor name, value) pairs applied; names as on
    the rule sheet (高风险) or the attribute (high_risk). Raises ValueError in Chinese for an
    unknown factor or a value that is not a non-negative number."""
    values: dict[str, float | int] = {}
    for name, value in pairs:
        key = _BY_NAME.get(str(name).strip())
        if key is None:
            known = "、".join(n for _, n, _ in WEIGHT_FACTORS)
            raise ValueError(f"未知的抽样因素“{name}”；可用的因素：{known}")
        number = _number(value)
        if number is None or number < 0 or math.isinf(number):
            raise ValueError(f"抽样因素“{name}”的权重应为不小于 0 的数字，现为“{value}”")
        if key == "recent_days":
            if not float(number).is_integer():
                raise ValueError(f"“近期天数”应为整数，现为“{value}”")
            number = int(number)
        values[key] = number
    weights = replace(base or SampleWeights(), **values)
    if weights.base <= 0:
        raise ValueError("“基础权重”须大于 0（否则没有风险因素的客户永远抽不到）")
    return weights


def weight_rows(weights: SampleWeights) -> list[tuple[str, float | int, str]]:
    """(name, value, meaning) of every factor, in rule-sheet order."""
    return [(name, getattr(weights, attr), meaning) for attr, name, meaning in WEIGHT_FACTORS]


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if math.isnan(float(value)) else float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


# ---------------------------------------------------------------- factors

FACTOR_COLUMNS = ("high_risk", "recent_approval", "override", "open_findings")
FACTOR_NAMES = {attr: name for attr, name, _ in WEIGHT_FACTORS}


def risk_table(
    portfolio: Portfolio,
    open_findings: Mapping[str, int],
    weights: SampleWeights,
) -> pd.DataFrame:
    """The portfolio's customers with their risk factors, weight and reasons: the customers'
    columns plus high_risk, recent_approval, override, open_findings (bools), open_count,
    override_reason, weight, reasons (Chinese, ；-separated), sample_branch (所属分公司, or
    （未填写）). `open_findings`: normalised 客户编号 → open findings in the history."""
    customers = portfolio.customers.reset_index(drop=True).copy()
    as_of = np.datetime64(portfolio.as_of, "D")
    status = customers["status"].to_numpy(dtype=object)
    approved = status == layout.STATUS_APPROVED
    last = customers["last_review"].to_numpy(dtype="datetime64[D]")
    recent = approved & ~np.isnat(last) & (last <= as_of)
    recent &= (as_of - last).astype(int) <= weights.recent_days
    worst = {r.scoring.fallback_grade for r in portfolio.all_rules()}
    incomplete = portfolio.incomplete_grades()
    grades = customers["grade"].to_numpy(dtype=object)
    low_grade = np.array([g in worst or g in incomplete for g in grades], dtype=bool)
    expired_ids = _expired_document_customers(portfolio.documents)
    ids = [normalise_customer(c) for c in customers["customer_id"]]
    expired = np.array([c in expired_ids for c in ids], dtype=bool)
    report = customers["credit_report_date"].to_numpy(dtype="datetime64[D]")
    year_ago = np.datetime64(schedule.one_year_before(portfolio.as_of), "D")
    stale = ~np.isnat(report) & (report < year_ago)
    reasons_override = []
    for i in range(len(customers)):
        parts = []
        if approved[i] and low_grade[i]:
            parts.append(f"评级{grades[i]}仍审核通过")
        if approved[i] and expired[i]:
            parts.append("资信证明已过期仍审核通过")
        if approved[i] and stale[i]:
            parts.append("信用报告超过一年仍审核通过")
        reasons_override.append("、".join(parts))
    open_count = np.array([int(open_findings.get(c, 0)) if c else 0 for c in ids], dtype=int)
    customers["high_risk"] = customers["risk_level"].to_numpy(dtype=object) == HIGH_RISK
    customers["recent_approval"] = recent
    customers["override"] = np.array([bool(r) for r in reasons_override], dtype=bool)
    customers["override_reason"] = reasons_override
    customers["open_findings"] = open_count > 0
    customers["open_count"] = open_count
    weight = np.full(len(customers), float(weights.base))
    for column in FACTOR_COLUMNS:
        weight += np.where(customers[column].to_numpy(dtype=bool), getattr(weights, column), 0.0)
    customers["weight"] = weight
    customers["reasons"] = [_reasons(customers.iloc[i], weights) for i in range(len(customers))]
    customers["sample_branch"] = [
        b if b else BLANK_BRANCH for b in customers["branch"].astype(str).str.strip()
    ]
    return customers


def _expired_document_customers(documents: pd.DataFrame) -> set[str]:
    if documents.empty:
        return set()
    expired = documents[documents["doc_status"] == layout.DOC_EXPIRED]
    return {normalise_customer(c) for c in expired["customer_id"] if c}


def _reasons(row: pd.Series, weights: SampleWeights) -> str:
    parts = []
    if row["high_risk"]:
        parts.append("高风险")
    if row["recent_approval"]:
        parts.append(f"近{weights.recent_days}天审核通过")
    if row["override"]:
        parts.append(f"例外审批（{row['override_reason']}）")
    if row["open_findings"]:
        parts.append(f"有未整改问题 {row['open_count']} 项")
    return "；".join(parts) if parts else "随机抽取"


# ---------------------------------------------------------------- the draw


@dataclass(frozen=True)
class SampleSize:
    """How many per branch: a fixed number (`count`) or a share (`rate`, 0 < rate ≤ 1; at
    least one customer from a branch that has any)."""

    count: int | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if (self.count is None) == (self.rate is None):
            raise ValueError("请给出抽样数量（--size）或抽样比例（--rate）之一")
        if self.count is not None and self.count < 1:
            raise ValueError("每个分公司的抽样数量至少为 1")
        if self.rate is not None and not 0 < self.rate <= 1:
            raise ValueError("抽样比例应在 0 和 100% 之间")

    def of(self, eligible: int) -> int:
        """How many to draw from a branch with `eligible` customers that may be drawn."""
        if self.count is not None:
            return min(self.count, eligible)
        return min(eligible, max(1, math.ceil(self.rate * eligible - 1e-9))) if eligible else 0

    @property
    def text(self) -> str:
        """In words, for the paper and the terminal: 每个分公司 10%（至少 1 户）."""
        if self.count is not None:
            return f"每个分公司 {self.count} 户"
        return f"每个分公司 {self.rate:.0%}（至少 1 户）".replace(".0%", "%")


def parse_rate(text: str) -> float:
    """ "10%", "10 %", "0.1" → 0.1. Raises ValueError in Chinese."""
    cleaned = text.strip().replace("％", "%")
    try:
        value = float(cleaned[:-1]) / 100 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise ValueError(f"“{text}”不是抽样比例；请写成 10% 或 0.1") from None
    if not 0 < value <= 1:
        raise ValueError(f"抽样比例“{text}”应在 0 和 100% 之间")
    return value


@dataclass
class Sample:
    """A drawn sample. `drawn`: the sampled rows of the risk table, ordered by branch and
    draw order, with sample_no (1, 2, … over the whole sample) and draw_rank (1 = first drawn
    in its branch). `branches`: per branch customers, inactive (已停用), eligible, sampled,
    and how many of the sampled show each risk factor."""

    seed: int
    size: SampleSize
    weights: SampleWeights
    include_inactive: bool
    as_of: dt.date
    drawn: pd.DataFrame
    branches: pd.DataFrame


SUMMARY_COLUMNS = (
    "branch",
    "customers",
    "inactive",
    "eligible",
    "sampled",
    *(f"sampled_{c}" for c in FACTOR_COLUMNS),
)


def branch_generator(seed: int, branch: str) -> np.random.Generator:
    """The generator of one branch's draw: PCG64 seeded by the seed and the branch name."""
    digest = hashlib.sha256(branch.encode("utf-8")).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


def draw_sample(
    table: pd.DataFrame,
    size: SampleSize,
    seed: int,
    *,
    as_of: dt.date,
    include_inactive: bool = False,
    weights: SampleWeights | None = None,
) -> Sample:
    """Draw from a `risk_table` per branch (see the module docstring)."""
    if seed < 0:
        raise ValueError("随机种子应为非负整数")
    inactive = table["status"].to_numpy(dtype=object) == layout.STATUS_INACTIVE
    picked: list[pd.DataFrame] = []
    summary = []
    for branch in sorted(set(table["sample_branch"])):
        in_branch = (table["sample_branch"] == branch).to_numpy()
        eligible = table[in_branch & (include_inactive | ~inactive)]
        eligible = eligible.assign(
            _id=[normalise_customer(c) for c in eligible["customer_id"]]
        ).sort_values(["_id", "file", "row"], kind="stable")
        k = size.of(len(eligible))
        chosen = eligible.iloc[0:0]
        if k:
            rng = branch_generator(seed, branch)
            u = rng.random(len(eligible))
            w = eligible["weight"].to_numpy(dtype=float)
            with np.errstate(divide="ignore"):
                keys = np.log(u) / w
            order = np.argsort(-keys, kind="stable")[:k]
            chosen = eligible.iloc[order].assign(draw_rank=np.arange(1, k + 1))
            picked.append(chosen)
        summary.append(
            {
                "branch": branch,
                "customers": int(in_branch.sum()),
                "inactive": int((in_branch & inactive).sum()),
                "eligible": len(eligible),
                "sampled": k,
                **{f"sampled_{c}": int(chosen[c].sum()) if k else 0 for c in FACTOR_COLUMNS},
            }
        )
    columns = [*table.columns, "draw_rank"]
    drawn = (
        pd.concat(picked, ignore_index=True).drop(columns="_id")
        if picked
        else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    )
    drawn.insert(0, "sample_no", np.arange(1, len(drawn) + 1))
    return Sample(
        seed,
        size,
        weights or SampleWeights(),
        include_inactive,
        as_of,
        drawn,
        pd.DataFrame(summary, columns=SUMMARY_COLUMNS),
    )
