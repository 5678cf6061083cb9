"""Findings are data: one catalogue of codes, the Report that collects them, and the results of
validating files (`FileResult`, `BatchResult`) with their JSON form.

Every finding has a stable code, a severity, a location (file, sheet, cell, row, column,
customer) the offending value and a message in Chinese (English on request), rendered from
the catalogue's templates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from ledger_xl.core import jsontext


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    zh: str
    en: str


def _c(code: str, severity: Severity, zh: str, en: str) -> Code:
    return Code(code, severity, zh, en)


E, W = Severity.ERROR, Severity.WARNING

# Templates may use {value}, {column}, {allowed} and {detail}.
_CODES = (
    # -- whole file: one finding, and the batch goes on
    _c("file-not-found", E, "找不到文件", "File not found"),
    _c(
        "file-not-zip",
        E,
        "不是有效的 .xlsx 文件（文件内容不是 xlsx 的压缩包格式）；请在 Excel 中另存为 .xlsx",
        "Not a valid .xlsx file (not a zip package); save it as .xlsx in Excel",
    ),
    _c(
        "file-truncated",
        E,
        "文件不完整或已损坏（可能下载或复制时中断）；请重新获取原文件",
        "The file is truncated or damaged; get the original again",
    ),
    _c(
        "file-encrypted",
        E,
        "文件设置了打开密码，无法读取；请去掉密码后再提交",
        "The file is password-protected; remove the password and resubmit",
    ),
    _c(
        "file-legacy-xls",
        E,
        "这是旧版 .xls 格式；请在 Excel 中“另存为” .xlsx 后再提交",
        "This is a legacy .xls file; save it as .xlsx",
    ),
    _c(
        "file-csv",
        E,
        "这是 CSV 文本文件，不是台账工作簿；请用 ledger-xl new --from 导入为台账",
        "This is a CSV file, not a ledger workbook; import it with ledger-xl new --from",
    ),
    _c("file-empty", E, "文件是空的（0 字节或没有任何数据）", "The file is empty"),
    _c(
        "file-xml-bomb",
        E,
        "文件中含有异常的 XML 实体定义（疑似 XML 炸弹），为安全起见拒绝读取",
        "The file contains XML entity definitions (possible XML bomb); refused",
    ),
    _c("file-unreadable", E, "无法读取：{detail}", "Cannot be read: {detail}"),
    _c(
        "file-open-in-excel",
        W,
        "文件正被 Excel 打开（旁边有 ~$ 文件）；读取的是最后一次保存的内容",
        "The file is open in Excel (a ~$ owner file exists); its last saved state was read",
    ),
    # -- structure
    _c(
        "ledger-sheet-missing",
        E,
        "找不到工作表“{value}”；请使用 ledger-xl 模板",
        "Sheet '{value}' is missing; use the ledger_xl template",
    ),
    _c(
        "header-not-found",
        E,
        "在工作表前 20 行找不到台账表头",
        "No ledger header row in the first 20 rows",
    ),
    _c("column-missing", E, "缺少必填列“{column}”", "Required column '{column}' is missing"),
    _c(
        "column-duplicate",
        E,
        "列“{column}”出现多次（{value}），只读取第一列",
        "Column '{column}' appears more than once ({value}); the first is read",
    ),
    _c(
        "column-unknown",
        W,
        "未知的列“{value}”，已保留但不校验",
        "Unknown column '{value}': kept, not checked",
    ),
    _c(
        "template-version",
        W,
        "工作簿来自模板版本 {value}，当前版本为 {allowed}",
        "Built from template version {value}; current is {allowed}",
    ),
    _c(
        "rules-changed",
        W,
        "规则表与总部标准不同（{detail}）",
        "The rule sheets differ from HQ's standard ({detail})",
    ),
    _c("rules-broken", E, "规则表有误：{detail}", "Broken rule sheet: {detail}"),
    _c(
        "rules-sheet-missing",
        W,
        "工作簿没有规则表“{value}”（模板版本较旧），这部分管控按标准规则检查；请用 ledger-xl upgrade 升级",
        "The workbook has no '{value}' rule sheet (an older template): those controls follow "
        "the standard rules; upgrade it to the current template",
    ),
    # -- presence
    _c("required-missing", E, "必填项“{column}”为空", "Required '{column}' is blank"),
    _c(
        "conditional-missing", E, "{detail}，“{column}”必须填写", "{detail}: '{column}' is required"
    ),
    # -- types and formats
    _c(
        "not-a-number",
        E,
        "“{column}”应为数字，现为“{value}”；已按原样保留，请改成数字",
        "'{column}' should be a number, found '{value}'; kept as typed",
    ),
    _c(
        "number-as-text",
        W,
        "“{column}”的“{value}”是以文本形式写的数字，校验已按数字读取，但台账公式不把它当数字，依赖它的计算（如资产负债率、综合评分）会显示为空；请改为数值格式",
        "'{column}' value '{value}' is a number written as text: read as a number here, but "
        "the workbook's formulas ignore it and what depends on it shows blank; store it as a number",
    ),
    _c(
        "not-a-date",
        E,
        "“{column}”应为日期，现为“{value}”；已按原样保留，请改成如 2024-03-05 的日期",
        "'{column}' should be a date, found '{value}'; kept as typed",
    ),
    _c(
        "date-as-text",
        W,
        "“{column}”的“{value}”是以文本形式写的日期，校验已按日期读取，但台账公式不把它当日期，依赖它的计算（如下次审核日期、到期提示）会显示为空；请改成真正的日期",
        "'{column}' value '{value}' is a date written as text: read as a date here, but the "
        "workbook's formulas ignore it and what depends on it shows blank; enter a real date",
    ),
    _c(
        "date-impossible",
        E,
        "“{column}”的“{value}”不是真实存在的日期",
        "'{column}' value '{value}' is not a real date",
    ),
    _c(
        "value-not-allowed",
        E,
        "“{column}”只能是 {allowed}，现为“{value}”",
        "'{column}' must be one of {allowed}, found '{value}'",
    ),
    _c(
        "error-value",
        E,
        "“{column}”是错误值 {value}，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        "'{column}' holds the error value {value}, not data (usually a pasted formula "
        "result); enter the actual value",
    ),
    _c(
        "out-of-range",
        E,
        "“{column}”应为 {allowed} 的数值，现为 {value}",
        "'{column}' must be {allowed}, found {value}",
    ),
    _c(
        "phone-invalid",
        E,
        "“{column}”“{value}”不是有效的电话号码（手机11位，或带区号的座机如 021-12345678）",
        "'{column}' '{value}' is not a valid phone number",
    ),
    _c(
        "email-invalid",
        E,
        "“{column}”“{value}”不是有效的电子邮箱",
        "'{column}' '{value}' is not a valid e-mail",
    ),
    _c(
        "pattern-mismatch",
        E,
        "“{column}”“{value}”不符合规定格式（{allowed}）",
        "'{column}' '{value}' does not match the required pattern ({allowed})",
    ),
    # -- identifiers
    _c(
        "uscc-length",
        E,
        "统一社会信用代码“{value}”应为18位，现为 {detail} 位",
        "USCC '{value}' must have 18 characters, has {detail}",
    ),
    _c(
        "uscc-charset",
        E,
        "统一社会信用代码“{value}”含有不允许的字符（不用 I、O、Z、S、V，字母须大写）",
        "USCC '{value}' has characters outside the allowed set",
    ),
    _c(
        "uscc-check",
        E,
        "统一社会信用代码“{value}”校验位错误（应为 {detail}），请核对营业执照",
        "USCC '{value}' has a wrong check character (expected {detail})",
    ),
    _c(
        "resident-id-invalid",
        E,
        "身份证号“{value}”无效：{detail}",
        "Resident ID '{value}' is invalid: {detail}",
    ),
    _c(
        "id-stored-as-number",
        E,
        "“{column}”被存成了数字（{value}），超过15位的号码末几位已丢失；请把单元格设为文本后重新录入原号码",
        "'{column}' was stored as a number ({value}); digits beyond the 15th are lost; "
        "re-enter it as text",
    ),
    # -- uniqueness
    _c(
        "duplicate-customer-id",
        E,
        "客户编号“{value}”重复，另见 {detail}",
        "Customer ID '{value}' is duplicated; see also {detail}",
    ),
    _c(
        "duplicate-uscc",
        E,
        "统一社会信用代码“{value}”重复，另见 {detail}",
        "USCC '{value}' is duplicated; see also {detail}",
    ),
    # -- consistency
    _c(
        "date-after-as-of",
        E,
        "“{column}”{value} 晚于基准日 {detail}",
        "'{column}' {value} is after the as-of date {detail}",
    ),
    _c(
        "last-review-mismatch",
        W,
        "最近审核日期 {value} 与审核记录中最新一次审核日期 {detail} 不一致",
        "Last review date {value} differs from the newest review record {detail}",
    ),
    _c(
        "approved-grade-d",
        W,
        "评级为 {value} 却为“审核通过”，请复核",
        "Grade {value} but approved; please re-check",
    ),
    _c(
        "credit-report-stale",
        W,
        "信用报告日期 {value} 已超过一年，请更新信用报告",
        "Credit report date {value} is more than a year old",
    ),
    _c(
        "approved-expired-document",
        E,
        "已审核通过的客户，其{detail}已于 {value} 过期，请更新",
        "Approved customer's {detail} expired on {value}",
    ),
    _c(
        "unknown-customer",
        W,
        "{detail}中的客户编号“{value}”在台账中不存在",
        "Customer ID '{value}' in {detail} is not in the ledger",
    ),
    # -- controls: admission, approval, credit limits, rubrics
    _c(
        "approved-not-admissible",
        E,
        "审核通过但不符合准入标准：{detail}",
        "Approved without meeting the admission standard: {detail}",
    ),
    _c(
        "approval-missing",
        E,
        "审核通过但审批不全：{detail}",
        "Approved without the required approvals: {detail}",
    ),
    _c(
        "approval-out-of-order",
        E,
        "审批顺序不对：{detail}（审批日期 {value}）",
        "Approvals out of order: {detail} (approved {value})",
    ),
    _c(
        "approval-wrong-level",
        E,
        "审批级别“{value}”不符合审批权限：{detail}",
        "Approval level '{value}' does not meet the approval authority: {detail}",
    ),
    _c(
        "reviewer-conflict",
        E,
        "职责未分离：{detail}（{value}）",
        "Segregation of duties broken: {detail} ({value})",
    ),
    _c(
        "credit-limit-exceeded",
        E,
        "信用额度 {value} 万元超过授信标准的上限 {allowed} 万元（{detail}）",
        "Credit limit {value} exceeds the credit standard's maximum {allowed} ({detail})",
    ),
    _c(
        "licence-mismatch",
        E,
        "资信证明中的营业执照与台账不符：{detail}",
        "The business licence on file does not match the ledger: {detail}",
    ),
    _c(
        "score-off-rubric",
        W,
        "“{column}”评分 {value} 与评分细则的建议分 {allowed} 相差超过 {detail} 分；请复核，或在审核意见中说明理由",
        "'{column}' score {value} is more than {detail} points from the rubric's {allowed}",
    ),
    _c(
        "limit-not-adjusted",
        W,
        "{detail}，信用额度仍为 {value} 万元，未随评级调整；请复核信用额度",
        "{detail}, but the credit limit stays {value}; review the limit",
    ),
    _c(
        "early-review",
        W,
        "建议提前复审：{detail}（原定下次审核日期 {value}）",
        "Review early: {detail} (next review was due {value})",
    ),
    # -- formulas
    _c(
        "formula-overwritten",
        E,
        "公式列“{column}”被手工填入了值“{value}”，应为公式；请恢复模板公式",
        "Formula column '{column}' holds a typed value '{value}'; restore the template formula",
    ),
    _c(
        "formula-edited",
        E,
        "公式列“{column}”的公式被改动，与模板不一致；请恢复模板公式",
        "The formula of '{column}' was edited and differs from the template",
    ),
    _c(
        "formula-value-mismatch",
        E,
        "“{column}”显示 {value}，按规则应为 {detail}；公式或规则可能被改动",
        "'{column}' shows {value} but the rules give {detail}",
    ),
    _c(
        "formula-not-calculated",
        W,
        "{value} 个公式单元格没有保存计算结果（工作簿可能由 openpyxl 等不计算公式的程序保存），"
        "已只核对公式文本；请在 Excel 或 WPS 中打开、保存后再提交",
        "{value} formula cells carry no calculated value (the workbook was probably saved by a "
        "program that does not calculate, such as openpyxl); only their formula text was "
        "checked; open and save it in Excel or WPS",
    ),
    # -- importing an existing list (ledger-xl new --from)
    _c(
        "import-unknown-column",
        W,
        "未识别的列“{value}”，未导入；如需导入请把表头改成台账列名",
        "Column '{value}' is not a ledger column and was not imported",
    ),
    _c(
        "import-missing-column",
        W,
        "源文件没有“{column}”列，该列在台账中留空",
        "The source has no '{column}' column; it is left blank",
    ),
    _c(
        "import-computed-column",
        W,
        "“{column}”在台账中是自动计算的列，源文件中的值未导入，按规则重新计算",
        "'{column}' is computed in the ledger; the source values were not imported",
    ),
    _c(
        "import-duplicate-column",
        W,
        "“{column}”列出现多次，只导入第一列",
        "Column '{column}' appears more than once; only the first is imported",
    ),
    _c(
        "import-text-too-long",
        E,
        "“{column}”的内容有 {detail} 个字符（“{value}”），超过 Excel 单元格能容纳的 32767 个字符；"
        "台账中只保留了前 32767 个字符，请核对",
        "'{column}' holds {detail} characters ('{value}'), more than an Excel cell holds "
        "(32767); only the first 32767 were kept",
    ),
    _c(
        "import-control-characters",
        W,
        "“{column}”的内容含有控制字符（如 NUL），Excel 单元格不能保存，已删除：“{value}”",
        "'{column}' held control characters (such as NUL) that a cell cannot hold; they were "
        "removed: '{value}'",
    ),
    _c(
        "import-id-pattern",
        W,
        "导入的客户编号（如“{value}”）不符合默认格式 {detail}；新台账的填报规则已改为 {allowed}",
        "The imported customer IDs (e.g. '{value}') do not fit the default pattern {detail}; "
        "the new ledger's rules use {allowed} instead",
    ),
    # -- returned branch workbooks (ledger-xl collect)
    _c(
        "file-password-missing",
        E,
        "文件设置了打开密码，但 --passwords 中没有它的密码；请在分公司密码表中加上这个分公司",
        "The file is encrypted and --passwords has no password for it",
    ),
    _c(
        "file-wrong-password",
        E,
        "文件的打开密码不对（{detail}）；请核对分公司密码表",
        "Wrong password for this encrypted file ({detail})",
    ),
    _c(
        "merge-rules-differ",
        E,
        "规则与总部台账不同（{detail}），整个文件未合并；确认接受请加 --accept-rules",
        "The rules differ from the master's ({detail}); the file was not merged "
        "(use --accept-rules to accept them)",
    ),
    _c(
        "merge-no-distribution",
        W,
        "不是 ledger-xl distribute 分发的文件（没有分发记录），无法区分分公司与总部的改动，"
        "与总部台账不同的值按分公司的改动合并",
        "Not a distributed workbook (no distribution record): values that differ from the "
        "master are taken as the branch's changes",
    ),
    _c(
        "merge-both-changed",
        E,
        "“{column}”自分发后总部和分公司都改了（{detail}）；未合并，总部台账保留总部的值，请人工决定",
        "'{column}' was changed both at HQ and at the branch since distribution ({detail}); "
        "not merged",
    ),
    _c(
        "merge-masked-edited",
        E,
        "“{column}”是遮蔽显示的列，分公司改成了“{value}”（仍含 *），无法得知完整号码；未合并",
        "'{column}' is masked and the branch changed it to '{value}' (still masked); not merged",
    ),
    _c(
        "merge-other-branch",
        E,
        "客户编号“{value}”在总部台账中属于“{detail}”，不是分发给本分公司的客户；未合并",
        "Customer '{value}' belongs to '{detail}' in the master, not to this branch; not merged",
    ),
    _c(
        "merge-claimed-twice",
        E,
        "客户“{value}”同时由几个文件提交（另见 {detail}）；未合并，请确认归属",
        "Customer '{value}' is claimed by more than one file (also {detail}); not merged",
    ),
    _c(
        "merge-duplicate-in-file",
        E,
        "“{value}”在本文件中出现多次（另见 {detail}）；这一行未合并",
        "'{value}' appears more than once in this file (also {detail}); this row was not merged",
    ),
    _c(
        "merge-duplicate-id",
        E,
        "客户编号“{value}”已是台账中另一客户（{detail}）的编号；未合并",
        "Customer ID '{value}' already belongs to another customer ({detail}); not merged",
    ),
    _c(
        "merge-duplicate-uscc",
        E,
        "统一社会信用代码“{value}”已属于台账中的客户 {detail}；未合并",
        "USCC '{value}' already belongs to customer {detail}; not merged",
    ),
    _c(
        "merge-branch-mismatch",
        E,
        "所属分公司为“{value}”，但这个文件是分发给“{detail}”的；未合并",
        "所属分公司 is '{value}' but this file was sent to '{detail}'; not merged",
    ),
    _c(
        "merge-no-identity",
        E,
        "这一行既没有客户编号也没有统一社会信用代码，无法识别是哪个客户；未合并",
        "The row has neither a customer ID nor a USCC; not merged",
    ),
    _c(
        "merge-unknown-customer",
        E,
        "{detail}中的客户编号“{value}”不是本分公司在合并后台账中的客户；这一行未合并",
        "Customer ID '{value}' in {detail} is not one of this branch's customers in the "
        "merged ledger; not merged",
    ),
    _c(
        "merge-review-edited",
        E,
        "审核记录只增不改，分公司改动了已有的记录（{detail}）；未合并，总部台账保留原记录",
        "Review history is append-only and the branch edited an existing record ({detail}); "
        "the master keeps the original",
    ),
    _c(
        "merge-review-removed",
        E,
        "分公司删除了审核记录 {value}；审核记录只增不改，总部台账保留这条记录",
        "The branch removed review record {value}; the master keeps it",
    ),
    _c(
        "merge-review-id-taken",
        E,
        "记录编号“{value}”在总部台账中已有一条内容不同的审核记录；未合并",
        "Review ID '{value}' already exists in the master with different content; not merged",
    ),
    _c(
        "merge-removed-by-branch",
        W,
        "分发给本分公司的{detail}在退回的文件中没有了（分公司删除了？）；总部台账保留，请确认",
        "{detail} was sent to this branch and is missing from its file (removed?); kept",
    ),
    _c(
        "merge-deleted-at-hq",
        W,
        "分发后总部台账已删除这一行（{detail}）；分公司的这一行未合并，请确认",
        "The master no longer has this row since distribution ({detail}); not merged",
    ),
    # -- hostile text
    _c(
        "formula-text",
        W,
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
    code: str,
    *,
    lang: str = "zh",
    value: object = None,
    allowed: str = "",
    detail: str = "",
    **where,
) -> Finding:
    """A finding of catalogue `code`, its message rendered in `lang` ("zh" or "en")."""
    entry = CATALOGUE[code]
    shown = _show(value)
    template = entry.en if lang == "en" else entry.zh
    message = template.format(
        value=shown, column=where.get("column", ""), allowed=allowed, detail=detail
    )
    return Finding(code=code, severity=entry.severity, message=message, value=shown, **where)


# Findings as they cross from a child process: plain tuples pickle several times faster than
# models.
_FINDING_FIELDS = tuple(Finding.model_fields)


def pack_findings(findings: list[Finding]) -> list[tuple]:
    """Each finding as a tuple of its fields (`unpack_findings` gives them back)."""
    return [tuple(getattr(f, name) for name in _FINDING_FIELDS) for f in findings]


def unpack_findings(packed: list[tuple]) -> list[Finding]:
    return [Finding.model_construct(**dict(zip(_FINDING_FIELDS, f, strict=True))) for f in packed]


def count_severity(findings: list[Finding], severity: Severity) -> int:
    """How many of `findings` have `severity`."""
    return sum(f.severity is severity for f in findings)


class SeverityCounts:
    """`errors` and `warnings` over a model's `findings`."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return count_severity(self.findings, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count_severity(self.findings, Severity.WARNING)


class Report(SeverityCounts, BaseModel):
    """Findings for one or more files; `valid` when none is an error."""

    findings: list[Finding] = Field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def add(self, item: Finding) -> None:
        self.findings.append(item)


# ---------------------------------------------------------------- results


# The keys of a finding in JSON, in this order; "file" is the enclosing file's path.
JSON_FINDING_KEYS = (
    "code",
    "severity",
    "sheet",
    "cell",
    "row",
    "column",
    "customer_id",
    "value",
    "message",
)


class FileResult(SeverityCounts, BaseModel):
    """What validating one file found."""

    path: str
    valid: bool
    rows: int  # customer rows read (0 when the file could not be read)
    branch: str = ""  # most common 所属分公司 value in the file, "" if none
    findings: list[Finding]

    @property
    def passed(self) -> bool:
        """No error: the file is valid and none of its findings is an error."""
        return self.valid and self.errors == 0


class BatchResult(BaseModel):
    """The files of one `ledger-xl validate` run, in the order they were given."""

    files: list[FileResult]

    @property
    def valid(self) -> bool:
        """True when no file has an error."""
        return all(f.passed for f in self.files)

    def stats(self) -> dict:
        """Counts over the batch.

        `by_code` is ordered errors first, then by count (descending), then by code;
        `by_branch` by branch name, the files without a branch ("") last.
        """
        by_code: Counter[str] = Counter()
        severity_of: dict[str, Severity] = {}
        by_branch: dict[str, dict[str, int]] = {}
        for file in self.files:
            counts = by_branch.setdefault(file.branch, {"errors": 0, "warnings": 0})
            counts["errors"] += file.errors
            counts["warnings"] += file.warnings
            for item in file.findings:
                by_code[item.code] += 1
                severity_of.setdefault(item.code, item.severity)
        code_order = sorted(
            by_code, key=lambda c: (severity_of[c] is not Severity.ERROR, -by_code[c], c)
        )
        return {
            "files": len(self.files),
            "valid_files": sum(f.passed for f in self.files),
            "rows": sum(f.rows for f in self.files),
            "errors": sum(f.errors for f in self.files),
            "warnings": sum(f.warnings for f in self.files),
            "by_code": {code: by_code[code] for code in code_order},
            "by_branch": {
                name: by_branch[name] for name in sorted(by_branch, key=lambda b: (b == "", b))
            },
        }

    def to_json(self) -> str:
        """The whole result as JSON: each file's findings (without the file) and the stats."""
        files = [
            {
                "path": file.path,
                "valid": file.valid,
                "rows": file.rows,
                "findings": [_finding_json(item) for item in file.findings],
            }
            for file in self.files
        ]
        return jsontext.dumps({"files": files, "stats": self.stats()})


def _finding_json(item: Finding) -> dict:
    data = item.model_dump(mode="json")
    return {key: data[key] for key in JSON_FINDING_KEYS}


# ---------------------------------------------------------------- words shared by renderers


def describe(code: str, lang: str = "zh") -> str:
    """A short description of a catalogue code: its message template with the placeholders
    shown as "…", up to the first semicolon (the advice that follows is left out)."""
    entry = CATALOGUE.get(code)
    if entry is None:
        return ""
    template = entry.en if lang == "en" else entry.zh
    return re.split(r"[；;]", re.sub(r"\{\w+\}", "…", template))[0].strip()


def severity_label(severity: Severity, lang: str = "zh") -> str:
    if lang == "en":
        return "error" if severity is Severity.ERROR else "warning"
    return "错误" if severity is Severity.ERROR else "警告"


def verdict_label(file: FileResult, lang: str = "zh") -> str:
    """通过 / 有错误 / 有警告 (passed / errors / warnings)."""
    words = ("passed", "errors", "warnings") if lang == "en" else ("通过", "有错误", "有警告")
    if not file.passed:
        return words[1]
    return words[2] if file.warnings else words[0]


def location(item: Finding) -> str:
    """Where a finding points, as `sheet!cell` (or what part of it is known)."""
    if item.sheet and item.cell:
        return f"{item.sheet}!{item.cell}"
    return item.sheet or item.cell


def branch_label(branch: str, lang: str = "zh") -> str:
    return branch or ("(none)" if lang == "en" else "（未填）")
