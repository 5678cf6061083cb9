"""Field, scoring and review-cycle rules: pydantic models, the defaults, and a fingerprint.

The template's rule sheets (填报规则 / 评分标准 / 审核周期) are written from these models and
read back into them (``ledger_xl.io.xlsx.rulesheets``); after a workbook exists, its own sheets are
what its checks, scores and due dates follow.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TEMPLATE_VERSION = "1.0"


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


class Rules(BaseModel):
    """Everything a workbook's checks, scores and due dates follow."""

    model_config = ConfigDict(frozen=True)

    fields: tuple[FieldRule, ...]
    scoring: ScoringRules
    cycles: CycleRules

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


def _f(key, header, type_, **kw) -> FieldRule:
    return FieldRule(key=key, header=header, type=type_, **kw)


T, N, D, C, S, F = (
    FieldType.TEXT,
    FieldType.NUMBER,
    FieldType.DATE,
    FieldType.CHOICE,
    FieldType.SCORE,
    FieldType.FORMULA,
)
_SCORE_HINT = "0–100 分，按评分标准打分；四项评分填齐后自动计算综合评分和评级。"

DEFAULT_FIELDS: tuple[FieldRule, ...] = (
    _f(
        "customer_id",
        "客户编号",
        T,
        required=True,
        aliases=("编号", "客户代码"),
        format=REGEX_PREFIX + r"^[A-Z]{2}\d{6}$",
        width=11,
        hint="必填。两位大写字母（分公司代码）+6位数字，如 SH000123；全表唯一，建档后不再修改。",
    ),
    _f(
        "name",
        "客户名称",
        T,
        required=True,
        width=24,
        aliases=("公司名称", "企业名称", "单位名称", "客户", "客户全称"),
        hint="必填。填营业执照上的全称，不用简称。",
    ),
    _f(
        "uscc",
        "统一社会信用代码",
        T,
        required=True,
        format="统一社会信用代码",
        width=21,
        aliases=("信用代码", "社会信用代码", "统一代码", "USCC"),
        hint="必填。18位，按营业执照填写；以文本录入，字母大写，不含 I、O、Z、S、V。",
    ),
    _f(
        "branch",
        "所属分公司",
        T,
        required=True,
        aliases=("分公司", "所属机构", "机构"),
        width=12,
        hint="必填。填本分公司全称，如 上海分公司。",
    ),
    _f(
        "account_manager",
        "客户经理",
        T,
        aliases=("业务员", "负责人"),
        width=9,
        hint="负责该客户的业务人员姓名。",
    ),
    _f(
        "industry",
        "行业",
        T,
        aliases=("所属行业",),
        width=12,
        hint="按国民经济行业分类大类填写，如 批发业。",
    ),
    _f(
        "category",
        "客户类别",
        C,
        required=True,
        allowed=("重要", "一般"),
        width=9,
        aliases=("客户类型",),
        hint="必填。从下拉列表选：重要 / 一般。决定审核周期。",
    ),
    _f(
        "risk_level",
        "风险等级",
        C,
        required=True,
        allowed=("高", "中", "低"),
        width=9,
        aliases=("风险级别",),
        hint="必填。从下拉列表选：高 / 中 / 低。决定审核周期。",
    ),
    _f("contact", "联系人", T, required=True, width=9, hint="必填。客户方对接人姓名。"),
    _f(
        "phone",
        "联系电话",
        T,
        required=True,
        format="手机或座机",
        width=14,
        aliases=("电话", "手机", "联系方式", "手机号"),
        hint="必填。手机11位，或座机带区号如 021-12345678；以文本录入。",
    ),
    _f(
        "email",
        "电子邮箱",
        T,
        format="电子邮箱",
        aliases=("邮箱", "Email", "E-mail"),
        width=20,
        hint="如 name@example.com。",
    ),
    _f(
        "address",
        "地址",
        T,
        aliases=("注册地址", "办公地址", "公司地址"),
        width=28,
        hint="营业执照注册地址或实际经营地址。",
    ),
    _f(
        "legal_rep",
        "法定代表人",
        T,
        required=True,
        aliases=("法人", "法人代表"),
        width=10,
        hint="必填。按营业执照填写。",
    ),
    _f(
        "registered_capital",
        "注册资本(万元)",
        N,
        minimum=0,
        aliases=("注册资本",),
        width=12,
        hint="单位：万元，填数字，不带单位。",
    ),
    _f(
        "founded",
        "成立日期",
        D,
        aliases=("成立时间", "注册日期"),
        width=11,
        hint="日期，如 2015-06-18；不得晚于基准日。",
    ),
    _f(
        "revenue",
        "营业收入(万元)",
        N,
        minimum=0,
        aliases=("营业收入", "年营业收入"),
        width=12,
        hint="最近一个会计年度，单位：万元。",
    ),
    _f(
        "total_assets",
        "资产总额(万元)",
        N,
        minimum=0,
        aliases=("资产总额", "总资产"),
        width=12,
        hint="最近一期财务报表，单位：万元。",
    ),
    _f(
        "total_liabilities",
        "负债总额(万元)",
        N,
        minimum=0,
        aliases=("负债总额", "总负债"),
        width=12,
        hint="最近一期财务报表，单位：万元。",
    ),
    _f("debt_ratio", "资产负债率", F, width=10, hint="自动计算：负债总额 ÷ 资产总额。"),
    _f(
        "external_credit",
        "外部信用评分",
        N,
        minimum=0,
        maximum=1000,
        width=11,
        aliases=("第三方信用评分", "信用评分"),
        hint="第三方征信平台评分，0–1000。",
    ),
    _f(
        "credit_report_date",
        "信用报告日期",
        D,
        aliases=("征信报告日期",),
        width=11,
        hint="最近一次征信/信用报告的出具日期；超过一年应更新。",
    ),
    _f(
        "coop_years",
        "合作年限",
        N,
        minimum=0,
        maximum=100,
        aliases=("合作年数",),
        width=9,
        hint="与本公司合作的年数，可填小数。",
    ),
    _f(
        "score_financial",
        "财务状况",
        S,
        minimum=0,
        maximum=100,
        aliases=("财务状况评分",),
        width=9,
        hint=_SCORE_HINT,
    ),
    _f(
        "score_credit",
        "信用记录",
        S,
        minimum=0,
        maximum=100,
        aliases=("信用记录评分",),
        width=9,
        hint=_SCORE_HINT,
    ),
    _f(
        "score_history",
        "合作历史",
        S,
        minimum=0,
        maximum=100,
        aliases=("合作历史评分",),
        width=9,
        hint=_SCORE_HINT,
    ),
    _f(
        "score_reputation",
        "市场声誉",
        S,
        minimum=0,
        maximum=100,
        aliases=("市场声誉评分",),
        width=9,
        hint=_SCORE_HINT,
    ),
    _f(
        "composite_score",
        "综合评分",
        F,
        width=9,
        hint="自动计算：各维度评分 × 权重之和，保留一位小数。",
    ),
    _f(
        "grade", "评级", F, width=7, hint="自动计算：按评分标准的评级下限；评分未填齐时为“待补充”。"
    ),
    _f(
        "credit_limit",
        "信用额度(万元)",
        N,
        minimum=0,
        aliases=("授信额度", "信用额度"),
        width=12,
        hint="核定的信用额度，单位：万元。",
    ),
    _f(
        "stage",
        "审核阶段",
        C,
        allowed=("初筛", "深度评估", "终审"),
        width=10,
        hint="从下拉列表选：初筛 / 深度评估 / 终审。",
    ),
    _f(
        "status",
        "审核状态",
        C,
        required=True,
        width=11,
        allowed=("待审核", "审核中", "审核通过", "审核未通过", "已停用"),
        hint="必填。审核通过/未通过须填最近审核日期、审核人和四项评分；未通过须写审核意见。",
    ),
    _f(
        "last_review",
        "最近审核日期",
        D,
        aliases=("上次审核日期", "审核日期"),
        width=12,
        hint="最近一次审核完成的日期；从这天起按审核周期计算下次审核日期。",
    ),
    _f(
        "cycle_months",
        "审核周期(月)",
        F,
        width=10,
        hint="自动计算：按风险等级和客户类别查审核周期表。",
    ),
    _f(
        "next_review",
        "下次审核日期",
        F,
        width=12,
        hint="自动计算：最近审核日期加审核周期（月末对齐）。",
    ),
    _f(
        "days_to_due",
        "距到期天数",
        F,
        width=10,
        hint="自动计算：下次审核日期 − 基准日；负数为已逾期。",
    ),
    _f(
        "due_flag",
        "到期提示",
        F,
        width=9,
        hint="自动计算：未审核 / 已逾期 / 即将到期 / 正常；已停用客户为空。",
    ),
    _f("reviewer", "审核人", T, width=9, hint="最近一次审核的审核人姓名。"),
    _f(
        "opinion",
        "审核意见",
        T,
        aliases=("审核结论",),
        width=30,
        hint="审核未通过时必填，写明原因。",
    ),
    _f("notes", "备注", T, width=20, hint="其他需要说明的情况。"),
)

DEFAULT_SCORING = ScoringRules(
    dimensions=(
        Dimension(
            name="财务状况",
            column="财务状况",
            weight=0.30,
            description="偿债能力、盈利能力、资产负债结构",
        ),
        Dimension(
            name="信用记录",
            column="信用记录",
            weight=0.30,
            description="征信记录、付款及时性、涉诉与失信情况",
        ),
        Dimension(
            name="合作历史",
            column="合作历史",
            weight=0.20,
            description="合作年限、交易规模、履约情况",
        ),
        Dimension(
            name="市场声誉", column="市场声誉", weight=0.20, description="行业地位、舆情、同业评价"
        ),
    ),
    bands=(
        GradeBand(grade="A", lower=85, description="优质客户，可正常合作"),
        GradeBand(grade="B", lower=70, description="良好客户，正常合作并定期关注"),
        GradeBand(grade="C", lower=60, description="一般客户，需控制信用额度"),
    ),
    fallback_grade="D",
)

DEFAULT_CYCLES = CycleRules()

DEFAULT_RULES = Rules(fields=DEFAULT_FIELDS, scoring=DEFAULT_SCORING, cycles=DEFAULT_CYCLES)

# Ledger columns whose values Python computes (the formula columns), by key.
FORMULA_KEYS = tuple(f.key for f in DEFAULT_FIELDS if f.type is FieldType.FORMULA)
