"""The rules a workbook follows: pydantic models, and a fingerprint.

Fields (填报规则), scoring (评分标准) and review cycles (审核周期), and the credit department's
controls: admission (准入标准), approval authority (审批权限), credit limits (授信标准) and
scoring rubrics (评分细则). The template's rule sheets are written from these models and read
back into them (``ledger_xl.core.rulesheets``); after a workbook exists, its own sheets are what
its checks, scores, due dates and controls follow. The control models carry their defaults
(the standard a Chinese credit department would start from); `ledger_xl.core.defaults` holds
the default fields and scoring.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ledger_xl.core.values import number_text


class FieldType(StrEnum):
    """Kind of a ledger column; the value is what 填报规则 shows in its 类型 column."""

    TEXT = "文本"
    NUMBER = "数值"
    DATE = "日期"
    CHOICE = "列表"
    SCORE = "评分"
    FORMULA = "公式"


class FieldRule(BaseModel):
    """One ledger column: how it is named, typed, checked and explained to the clerk."""

    model_config = ConfigDict(frozen=True)

    key: str
    header: str
    type: FieldType
    required: bool = False
    aliases: tuple[str, ...] = ()
    format: str = ""  # a named format (see FORMATS) or "正则:<regex>"
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    hint: str = ""
    width: float = 12

    @property
    def is_input(self) -> bool:
        return self.type is not FieldType.FORMULA

    @property
    def bounds(self) -> str:
        """The allowed range as findings show it: "0–100", "≥ 0", "≤ 100" ("" when unbounded)."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{number_text(low)}–{number_text(high)}"
        if low is not None:
            return f"≥ {number_text(low)}"
        return "" if high is None else f"≤ {number_text(high)}"

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value and value not in FORMATS and not value.startswith(REGEX_PREFIX):
            raise ValueError(f"未知的格式“{value}”，可用：{'、'.join(FORMATS)} 或 “正则:...”")
        if value.startswith(REGEX_PREFIX):
            try:
                re.compile(value[len(REGEX_PREFIX) :])
            except re.error as exc:
                raise ValueError(f"正则表达式无效：{exc}") from exc
        return value

    @model_validator(mode="after")
    def _choice_has_values(self) -> FieldRule:
        if self.type is FieldType.CHOICE and not self.allowed:
            raise ValueError(f"列表类型的列“{self.header}”必须给出允许值")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"列“{self.header}”的最小值大于最大值")
        return self


REGEX_PREFIX = "正则:"
FORMATS = {
    "统一社会信用代码": r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "手机或座机": r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$",
    "电子邮箱": r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$",
}


class Dimension(BaseModel):
    """A scoring dimension: a ledger score column and its weight (a fraction of 1)."""

    model_config = ConfigDict(frozen=True)

    name: str
    column: str
    weight: float = Field(ge=0, le=1)
    description: str = ""


class GradeBand(BaseModel):
    model_config = ConfigDict(frozen=True)

    grade: str
    lower: float
    description: str = ""


class ScoringRules(BaseModel):
    """Weights and grade bands. Bands are ordered best first; below the last one is `fallback`."""

    model_config = ConfigDict(frozen=True)

    dimensions: tuple[Dimension, ...]
    bands: tuple[GradeBand, ...]
    fallback_grade: str = "D"
    incomplete_grade: str = "待补充"

    @model_validator(mode="after")
    def _sane(self) -> ScoringRules:
        total = round(sum(d.weight for d in self.dimensions), 9)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"各维度权重合计为 {total:.2%}，应为 100%")
        lowers = [b.lower for b in self.bands]
        if lowers != sorted(lowers, reverse=True) or len(set(lowers)) != len(lowers):
            raise ValueError("评级下限必须从高到低严格递减")
        return self


class CycleRules(BaseModel):
    """Review cycle (months) by risk level × customer category, and the warning windows."""

    model_config = ConfigDict(frozen=True)

    risk_levels: tuple[str, ...] = ("高", "中", "低")
    categories: tuple[str, ...] = ("重要", "一般")
    months: tuple[tuple[int, ...], ...] = ((3, 3), (3, 6), (6, 12))
    due_soon_days: int = Field(30, ge=0)
    document_soon_days: int = Field(60, ge=0)
    # A risk signal since the last review (see `ledger_xl.core.controls.early_review`) brings
    # the next review forward to at most this many months after the last one.
    early_review_months: int = Field(3, ge=1)
    # 审核未通过 customers leave the periodic schedule (到期提示 未通过, no 下次审核日期). A
    # 审核周期 sheet of template 1.0 has no such row: there they stay scheduled, as its
    # formulas compute.
    rejected_unscheduled: bool = True

    @model_validator(mode="after")
    def _shape(self) -> CycleRules:
        if len(self.months) != len(self.risk_levels) or any(
            len(row) != len(self.categories) for row in self.months
        ):
            raise ValueError("审核周期表的行列数与风险等级、客户类别不符")
        if any(m <= 0 for row in self.months for m in row):
            raise ValueError("审核周期(月)必须是正整数")
        return self

    def cycle_for(self, risk: str, category: str) -> int | None:
        try:
            return self.months[self.risk_levels.index(risk)][self.categories.index(category)]
        except ValueError:
            return None


# ---------------------------------------------------------------- controls

YES, NO = "是", "否"


class DocumentRequirement(BaseModel):
    """A credit document 审核通过 requires: for the risk levels and categories in
    `required_for` (a customer needs it when its 风险等级 or its 客户类别 is listed)."""

    model_config = ConfigDict(frozen=True)

    doc_type: str
    required_for: tuple[str, ...] = ()


class ExclusionFlag(BaseModel):
    """A ledger column that must hold `required` for 审核通过 (e.g. 失信被执行人 = 否)."""

    model_config = ConfigDict(frozen=True)

    column: str
    required: str = NO
    description: str = ""


class AdmissionRules(BaseModel):
    """准入标准: what 审核通过 requires — the stage reached, a minimum 综合评分, the credit
    documents on file and in date by 风险等级 / 客户类别, exclusion flags and industries.
    `stage` or `min_score` None: that condition is not applied."""

    model_config = ConfigDict(frozen=True)

    stage: str | None = "终审"
    min_score: float | None = 60.0
    columns: tuple[str, ...] = ("高", "中", "低", "重要", "一般")
    documents: tuple[DocumentRequirement, ...] = (
        DocumentRequirement(doc_type="营业执照", required_for=("高", "中", "低")),
        DocumentRequirement(doc_type="法定代表人身份证", required_for=("高", "中", "低")),
        DocumentRequirement(doc_type="银行资信证明", required_for=("高", "重要")),
        DocumentRequirement(doc_type="财务报表", required_for=("高",)),
        DocumentRequirement(doc_type="信用报告", required_for=("高",)),
    )
    flags: tuple[ExclusionFlag, ...] = (
        ExclusionFlag(
            column="失信被执行人", required=NO, description="被列为失信被执行人的客户不得准入"
        ),
    )
    excluded_industries: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _sane(self) -> AdmissionRules:
        if len(set(self.columns)) != len(self.columns):
            raise ValueError("必备资信证明表的表头重复")
        for doc in self.documents:
            unknown = [c for c in doc.required_for if c not in self.columns]
            if unknown:
                raise ValueError(f"“{doc.doc_type}”的要求列“{'、'.join(unknown)}”不在表头中")
        types = [d.doc_type for d in self.documents]
        if len(set(types)) != len(types):
            raise ValueError("必备资信证明中证明类型重复")
        return self


class ApprovalLevel(BaseModel):
    """One level of approval authority: required when 信用额度 exceeds `above` (万元) or the
    customer's 风险等级 is in `risks`. The first level approves every 审核通过."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    above: float = Field(ge=0)
    risks: tuple[str, ...] = ()
    description: str = ""


class ApprovalRules(BaseModel):
    """审批权限: the levels from lowest to highest (approval goes up level by level), and the
    segregation of duties."""

    model_config = ConfigDict(frozen=True)

    risk_columns: tuple[str, ...] = ("高", "中", "低")
    levels: tuple[ApprovalLevel, ...] = (
        ApprovalLevel(
            name="分公司经理", above=0, description="所有审核通过的客户，先经分公司经理审批"
        ),
        ApprovalLevel(
            name="总部风控",
            above=100,
            risks=("高",),
            description="信用额度超过100万元或高风险客户，须再报总部风控审批",
        ),
        ApprovalLevel(
            name="总经理", above=300, description="信用额度超过300万元，须再报总经理审批"
        ),
    )
    reviewer_not_manager: bool = True
    reviewer_not_approver: bool = True
    approver_not_manager: bool = True

    @model_validator(mode="after")
    def _sane(self) -> ApprovalRules:
        if not self.levels:
            raise ValueError("审批权限至少要有一个审批级别")
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("审批级别重名")
        limits = [level.above for level in self.levels]
        if limits != sorted(limits):
            raise ValueError("各审批级别的额度须从低到高排列")
        for level in self.levels:
            unknown = [r for r in level.risks if r not in self.risk_columns]
            if unknown:
                raise ValueError(
                    f"审批级别“{level.name}”的风险等级“{'、'.join(unknown)}”不在表头中"
                )
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    def rank(self, name: object) -> int | None:
        """The level's position (0 = lowest), or None for a name that is not a level; names
        compare as Excel's MATCH does (case-insensitively)."""
        folded = _fold(name)
        for i, level in enumerate(self.levels):
            if _fold(level.name) == folded:
                return i
        return None


class CreditCap(BaseModel):
    model_config = ConfigDict(frozen=True)

    grade: str
    maximum: float = Field(ge=0)
    description: str = ""


class CreditRules(BaseModel):
    """授信标准: the maximum 信用额度 (万元) by grade, and optionally at most a share of the
    customer's 营业收入 and of its 资产总额 (None: not applied)."""

    model_config = ConfigDict(frozen=True)

    caps: tuple[CreditCap, ...] = (
        CreditCap(grade="A", maximum=500, description="优质客户"),
        CreditCap(grade="B", maximum=200, description="良好客户"),
        CreditCap(grade="C", maximum=50, description="一般客户，从严控制"),
        CreditCap(grade="D", maximum=0, description="不予授信"),
    )
    revenue_share: float | None = Field(0.2, gt=0)
    assets_share: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _sane(self) -> CreditRules:
        grades = [_fold(c.grade) for c in self.caps]
        if len(set(grades)) != len(grades):
            raise ValueError("授信标准中评级重复")
        return self

    def cap_for(self, grade: object) -> float | None:
        """The grade's maximum, as MATCH finds it (case-insensitively); None when not listed."""
        folded = _fold(grade)
        for cap in self.caps:
            if _fold(cap.grade) == folded and folded:
                return cap.maximum
        return None


RUBRIC_AT_MOST = "不高于"  # the value is at most the band's bound (e.g. 资产负债率)
RUBRIC_AT_LEAST = "不低于"  # the value is at least the band's bound (e.g. 外部信用评分)
RUBRIC_REST = "其余"  # the last band: every other value


class RubricBand(BaseModel):
    """A band of a rubric: the score suggested when the value is within `bound` (None: the
    last band, every other value)."""

    model_config = ConfigDict(frozen=True)

    bound: float | None
    score: float = Field(ge=0, le=100)
    description: str = ""


class Deduction(BaseModel):
    """Points taken off a rubric's suggestion for each unit of a ledger column."""

    model_config = ConfigDict(frozen=True)

    column: str
    points: float = Field(ge=0)
    description: str = ""


class Rubric(BaseModel):
    """How a dimension's score is suggested from the data: the band of `column`'s value,
    minus the deductions, never below 0."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    column: str
    direction: Literal["不高于", "不低于"]
    bands: tuple[RubricBand, ...]
    deductions: tuple[Deduction, ...] = ()

    @model_validator(mode="after")
    def _sane(self) -> Rubric:
        if len(self.bands) < 2 or self.bands[-1].bound is not None:
            raise ValueError(f"评分细则“{self.dimension}”须有至少一个界限，并以“其余”一行结尾")
        bounds = [b.bound for b in self.bands[:-1]]
        if any(b is None for b in bounds):
            raise ValueError(f"评分细则“{self.dimension}”只有最后一行可以是“其余”")
        ordered = sorted(bounds, reverse=self.direction == RUBRIC_AT_LEAST)
        if bounds != ordered or len(set(bounds)) != len(bounds):
            way = "从小到大" if self.direction == RUBRIC_AT_MOST else "从大到小"
            raise ValueError(f"评分细则“{self.dimension}”的界限须{way}严格排列")
        return self

    @property
    def bounds(self) -> tuple[float, ...]:
        return tuple(b.bound for b in self.bands[:-1])  # type: ignore[misc]


def _default_rubrics() -> tuple[Rubric, ...]:
    def bands(pairs, rest: float) -> tuple[RubricBand, ...]:
        return (
            *(RubricBand(bound=b, score=s) for b, s in pairs),
            RubricBand(bound=None, score=rest),
        )

    return (
        Rubric(
            dimension="财务状况",
            column="资产负债率",
            direction=RUBRIC_AT_MOST,
            bands=bands(((0.4, 90), (0.55, 80), (0.7, 70), (0.85, 60), (1.0, 45)), 30),
        ),
        Rubric(
            dimension="信用记录",
            column="外部信用评分",
            direction=RUBRIC_AT_LEAST,
            bands=bands(((850, 95), (750, 85), (650, 75), (550, 65), (450, 55)), 40),
            deductions=(
                Deduction(column="逾期次数", points=5, description="每逾期一次扣5分"),
                Deduction(column="违约/涉诉次数", points=10, description="每次违约或涉诉扣10分"),
            ),
        ),
        Rubric(
            dimension="合作历史",
            column="合作年限",
            direction=RUBRIC_AT_LEAST,
            bands=bands(((10, 95), (5, 85), (3, 75), (1, 65)), 55),
        ),
    )


class RubricRules(BaseModel):
    """评分细则: the rubrics, and how far (points) a typed score may be from the suggestion
    before it is flagged (评分偏差)."""

    model_config = ConfigDict(frozen=True)

    tolerance: float = Field(15, ge=0)
    rubrics: tuple[Rubric, ...] = Field(default_factory=_default_rubrics)

    @model_validator(mode="after")
    def _sane(self) -> RubricRules:
        dims = [r.dimension for r in self.rubrics]
        if len(set(dims)) != len(dims):
            raise ValueError("同一评分维度只能有一组评分细则")
        return self


def _fold(value: object) -> str:
    """Text as Excel compares it in MATCH and "=": case-insensitively; blanks are ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).casefold()


class Rules(BaseModel):
    """Everything a workbook's checks, scores, due dates and controls follow."""

    model_config = ConfigDict(frozen=True)

    fields: tuple[FieldRule, ...]
    scoring: ScoringRules
    cycles: CycleRules
    admission: AdmissionRules = AdmissionRules()
    approval: ApprovalRules = ApprovalRules()
    credit: CreditRules = CreditRules()
    rubrics: RubricRules = RubricRules()

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        headers = [f.header for f in self.fields]
        dupes = {h for h in headers if headers.count(h) > 1}
        if dupes:
            raise ValueError(f"填报规则中列名重复：{'、'.join(sorted(dupes))}")
        for dim in self.scoring.dimensions:
            if dim.column not in headers:
                raise ValueError(f"评分维度“{dim.name}”对应的列“{dim.column}”不在填报规则中")
        return self

    def has(self, key: str) -> bool:
        """True when the ledger has the column `key` (an old workbook lacks newer columns)."""
        return any(f.key == key for f in self.fields)

    def field(self, key: str) -> FieldRule:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def header(self, key: str) -> str:
        return self.field(key).header

    def fingerprint(self) -> str:
        """SHA-256 of the normalised rules: equal rules give equal fingerprints."""
        payload = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
