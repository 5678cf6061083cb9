"""Findings are data: one catalogue of codes, and the Report that collects them.

Every finding has a stable code, a severity, a location (file, sheet, cell, row, column,
customer) the offending value and a message in Chinese (English on request), rendered from
the catalogue's templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    zh: str
    en: str


_CODES = (
    # Importing an existing list (ledger-xl new --from)
    Code(
        "import-unknown-column",
        Severity.WARNING,
        "未识别的列“{value}”，未导入；如需导入请把表头改成台账列名",
        "Column '{value}' is not a ledger column and was not imported",
    ),
    Code(
        "import-missing-column",
        Severity.WARNING,
        "源文件没有“{column}”列，该列在台账中留空",
        "The source has no '{column}' column; it is left blank",
    ),
    Code(
        "import-computed-column",
        Severity.WARNING,
        "“{column}”在台账中是自动计算的列，源文件中的值未导入，按规则重新计算",
        "'{column}' is computed in the ledger; the source values were not imported",
    ),
    Code(
        "import-duplicate-column",
        Severity.WARNING,
        "“{column}”列出现多次，只导入第一列",
        "Column '{column}' appears more than once; only the first is imported",
    ),
    Code(
        "not-a-number",
        Severity.ERROR,
        "“{column}”应为数字，现为“{value}”；已按原样保留，请改成数字",
        "'{column}' should be a number, found '{value}'; kept as typed",
    ),
    Code(
        "number-as-text",
        Severity.WARNING,
        "“{column}”的“{value}”是以文本形式写的数字，已按数字导入",
        "'{column}' value '{value}' is a number written as text; imported as a number",
    ),
    Code(
        "not-a-date",
        Severity.ERROR,
        "“{column}”应为日期，现为“{value}”；已按原样保留，请改成如 2024-03-05 的日期",
        "'{column}' should be a date, found '{value}'; kept as typed",
    ),
    Code(
        "date-as-text",
        Severity.WARNING,
        "“{column}”的“{value}”是以文本形式写的日期，已按日期导入",
        "'{column}' value '{value}' is a date written as text; imported as a date",
    ),
    Code(
        "value-not-allowed",
        Severity.ERROR,
        "“{column}”只能是 {allowed}，现为“{value}”",
        "'{column}' must be one of {allowed}, found '{value}'",
    ),
    Code(
        "out-of-range",
        Severity.ERROR,
        "“{column}”应在 {allowed} 之间，现为 {value}",
        "'{column}' must be within {allowed}, found {value}",
    ),
    Code(
        "id-stored-as-number",
        Severity.ERROR,
        "“{column}”被存成了数字（{value}），超过15位的号码末几位已丢失；请以文本重新录入原号码",
        "'{column}' was stored as a number ({value}); digits beyond the 15th are lost; "
        "re-enter it as text",
    ),
    Code(
        "formula-text",
        Severity.WARNING,
        "“{column}”以 = + - @ 开头（“{value}”），Excel 可能把它当公式执行；已作为文本保存",
        "'{column}' starts with = + - @ ('{value}') and could run as a formula; kept as text",
    ),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


class Finding(BaseModel):
    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    column: str = ""
    customer_id: str = ""
    value: str = ""


def _show(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "" if value is None else str(value)


def finding(
    code: str, *, lang: str = "zh", value: object = None, allowed: str = "", **where
) -> Finding:
    """A finding of catalogue `code`, its message rendered in `lang` ("zh" or "en")."""
    entry = CATALOGUE[code]
    shown = _show(value)
    template = entry.en if lang == "en" else entry.zh
    message = template.format(value=shown, column=where.get("column", ""), allowed=allowed)
    return Finding(code=code, severity=entry.severity, message=message, value=shown, **where)


class Report(BaseModel):
    """Findings for one or more files; `valid` when none is an error."""

    findings: list[Finding] = Field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    def add(self, item: Finding) -> None:
        self.findings.append(item)

    def merge(self, other: Report) -> Report:
        return Report(findings=[*self.findings, *other.findings])
