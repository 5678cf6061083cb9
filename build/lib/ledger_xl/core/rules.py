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
