"""The fixed structure of a ledger workbook: sheet names, tables, named cells, side-table columns.

Unlike `rules`, nothing here is editable in the workbook: it is the contract between the
builder, the readers and the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The version of this structure, recorded in every workbook built.
# 1.0: the first template. 1.1: a hidden 行键 (row key) column in 台账, 资信证明 and 审核记录,
# and the hidden 分发记录 sheet in workbooks handed out by `ledger-xl distribute`. 1.2: the
# control rule sheets (准入标准, 审批权限, 授信标准, 评分细则), their ledger columns and the
# approval steps in 审核记录.
TEMPLATE_VERSION = "1.2"

SHEET_LEDGER = "台账"
SHEET_FIELD_RULES = "填报规则"
SHEET_SCORING = "评分标准"
SHEET_CYCLES = "审核周期"
SHEET_ADMISSION = "准入标准"
SHEET_APPROVAL = "审批权限"
SHEET_CREDIT = "授信标准"
SHEET_RUBRICS = "评分细则"
# Rule sheets a workbook of an older template may lack: their defaults apply, with a finding.
CONTROL_SHEETS = (SHEET_ADMISSION, SHEET_APPROVAL, SHEET_CREDIT, SHEET_RUBRICS)
SHEET_CREDENTIALS = "资信证明"
SHEET_REVIEWS = "审核记录"
SHEET_SUMMARY = "汇总"
SHEET_GUIDE = "使用说明"
SHEET_XLWINGS = "xlwings.conf"
# Only in a branch workbook handed out by `ledger-xl distribute` (very hidden, protected):
# what was sent, so that `collect` can tell the branch's edits from HQ's.
SHEET_DISTRIBUTION = "分发记录"

# Sheets the add-in's buttons write into the open workbook (a built workbook has none of them).
SHEET_CHECK_RESULTS = "校验结果"
SHEET_SUMMARY_REPORT = "汇总报表"
SHEET_DUE_LIST = "到期清单"
SHEET_MARKS = "ledger_xl.marks"  # hidden: the cells 校验 marked, so the next click clears them

SHEET_ORDER = (
    SHEET_LEDGER,
    SHEET_CREDENTIALS,
    SHEET_REVIEWS,
    SHEET_SUMMARY,
    SHEET_FIELD_RULES,
    SHEET_SCORING,
    SHEET_CYCLES,
    *CONTROL_SHEETS,
    SHEET_GUIDE,
    SHEET_XLWINGS,
)
RULE_SHEETS = (SHEET_FIELD_RULES, SHEET_SCORING, SHEET_CYCLES, *CONTROL_SHEETS)

TABLE_LEDGER = "Ledger"
TABLE_CREDENTIALS = "Credentials"
TABLE_REVIEWS = "Reviews"

# The ledger table's header row (0-based): row 1 holds 基准日, row 2 is a gap.
LEDGER_HEADER_ROW = 2
SIDE_HEADER_ROW = 1  # 资信证明 / 审核记录: row 0 is a title line

NAME_AS_OF = "基准日"
NAME_DUE_SOON_DAYS = "审核提醒天数"
NAME_DOC_SOON_DAYS = "证件提醒天数"
NAME_CYCLE_TABLE = "审核周期表"
NAME_CYCLE_RISKS = "审核周期_风险等级"
NAME_CYCLE_CATEGORIES = "审核周期_客户类别"


# Named cells of the control rule sheets (indices are 1-based positions in their tables).
NAME_ADMISSION_STAGE = "准入审核阶段"
NAME_ADMISSION_MIN_SCORE = "准入最低评分"
NAME_ADMISSION_DOC_HEADER = "准入证件_表头"
NAME_EXCLUDED_INDUSTRIES = "准入禁入行业"
NAME_APPROVAL_RISK_HEADER = "审批风险_表头"
NAME_APPROVAL_LEVELS = "审批级别表"
NAME_CREDIT_GRADES = "授信_评级"
NAME_CREDIT_CAPS = "授信_上限"
NAME_REVENUE_SHARE = "授信_营业收入比例"
NAME_ASSETS_SHARE = "授信_资产总额比例"
NAME_TOLERANCE = "评分容差"
EXCLUDED_INDUSTRY_ROWS = 10  # blank cells reserved for 禁入行业 on 准入标准


def admission_doc_name(i: int) -> str:
    return f"准入证件_{i}"


def admission_flag_name(i: int) -> str:
    return f"准入条件_{i}"


def approval_level_name(i: int) -> str:
    return f"审批级别_{i}"


def approval_limit_name(i: int) -> str:
    return f"审批额度_{i}"


def approval_risk_name(i: int) -> str:
    return f"审批风险_{i}"


def rubric_bounds_name(i: int) -> str:
    return f"细则界限_{i}"


def rubric_scores_name(i: int) -> str:
    return f"细则分数_{i}"


def deduction_name(i: int, j: int) -> str:
    return f"细则扣分_{i}_{j}"


def weight_name(dimension: str) -> str:
    return f"权重_{dimension}"


def band_name(grade: str) -> str:
    return f"评级下限_{grade}"


# Custom document properties carrying provenance (DESIGN principle 1).
PROP_TEMPLATE_VERSION = "ledger_xl.template_version"
PROP_RULES_FINGERPRINT = "ledger_xl.rules_fingerprint"
PROP_GENERATOR = "ledger_xl.generator"
# ... and, in a branch workbook handed out by `ledger-xl distribute`, where it went.
PROP_BRANCH = "ledger_xl.branch"
PROP_DISTRIBUTION_ID = "ledger_xl.distribution_id"
PROP_DISTRIBUTED_AT = "ledger_xl.distributed_at"

# The stable row key: a hidden column at the right end of the 台账, 资信证明 and 审核记录
# tables. It is structure, not a rule: the builder writes it, the reader knows it (it is
# never an unknown column), and `collect` traces a row by it whatever a branch sorts,
# filters or inserts. Workbooks of template version 1.0 have no such column; identity then
# falls back to 客户编号, then 统一社会信用代码.
ROW_KEY = "row_key"
ROW_KEY_HEADER = "行键"
ROW_KEY_HINT = "ledger_xl 合并分公司台账时用来识别这一行的编号，请勿修改、删除或复制到其他行。"
ROW_KEY_HEADERS: dict[str, tuple[str, ...]] = {ROW_KEY: (ROW_KEY_HEADER,)}

DUE_OVERDUE = "已逾期"
DUE_SOON = "即将到期"
DUE_OK = "正常"
DUE_NEVER = "未审核"
DUE_UNKNOWN = "无法判断"  # the due lists' word when the formulas cannot judge (reason given)
DUE_REJECTED = "未通过"  # 审核未通过: out of the periodic schedule
DUE_EARLY = "提前复审"  # the due list's word for a review a risk signal brings forward
STATUS_PENDING = "待审核"
STATUS_IN_REVIEW = "审核中"
STATUS_INACTIVE = "已停用"
STATUS_APPROVED = "审核通过"
STATUS_REJECTED = "审核未通过"

DOC_EXPIRED = "已过期"
DOC_SOON = "即将到期"
DOC_VALID = "有效"
DOC_RENEWED = "已更新"  # a newer document of the same type for the same customer exists


@dataclass(frozen=True)
class Column:
    """A column of a side table (资信证明, 审核记录)."""

    key: str
    header: str
    kind: str  # "text" | "date" | "number" | "choice" | "formula"
    hint: str = ""
    allowed: tuple[str, ...] = ()
    width: float = 12
    aliases: tuple[str, ...] = ()


DOCUMENT_TYPES = (
    "营业执照",
    "法定代表人身份证",
    "银行资信证明",
    "财务报表",
    "信用报告",
    "开户许可证",
    "其他",
)
LICENCE = "营业执照"
ID_CARD = "法定代表人身份证"

CREDENTIAL_COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "客户编号", "text", "与台账的客户编号一致。", width=11),
    Column("name", "客户名称", "text", "与台账的客户名称一致。", width=24),
    Column("doc_type", "证明类型", "choice", "从下拉列表选。", DOCUMENT_TYPES, width=16),
    Column(
        "doc_number",
        "证件号码",
        "text",
        "营业执照填统一社会信用代码；身份证填18位号码，以文本录入。",
        width=21,
    ),
    Column("issued", "签发日期", "date", "证件签发或出具日期。", width=11),
    Column(
        "expires",
        "有效期至",
        "date",
        "证件到期日；长期有效的填 2099-12-31；财务报表、信用报告填其有效期（如报表日、出具日后一年）。",
        width=11,
    ),
    Column("verified_by", "核验人", "text", "核验原件的人员姓名。", width=9),
    Column("verified_on", "核验日期", "date", "核验原件的日期。", width=11),
    Column(
        "doc_status",
        "证件状态",
        "formula",
        "自动计算：有效 / 即将到期 / 已过期；同一客户同类证件有更晚到期的一份时为已更新。",
        width=10,
    ),
    Column("doc_days", "剩余天数", "formula", "自动计算：有效期至 − 基准日。", width=9),
    Column("doc_notes", "备注", "text", "", width=20),
)

REVIEW_RESULTS = ("审核通过", "审核未通过", "补充材料")
APPROVAL_LEVELS = (
    "分公司经理",
    "总部风控",
    "总经理",
)  # the default levels (审批权限 holds a workbook's)

REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("review_id", "记录编号", "text", "每条审核记录一个编号，只增不改。", width=14),
    Column("customer_id", "客户编号", "text", "与台账的客户编号一致。", width=11),
    Column("name", "客户名称", "text", "", width=24),
    Column("review_date", "审核日期", "date", "本次审核完成日期。", width=11),
    Column("stage", "审核阶段", "choice", "", ("初筛", "深度评估", "终审"), width=10),
    Column("score_financial", "财务状况", "number", "0–100。", width=9),
    Column("score_credit", "信用记录", "number", "0–100。", width=9),
    Column("score_history", "合作历史", "number", "0–100。", width=9),
    Column("score_reputation", "市场声誉", "number", "0–100。", width=9),
    Column(
        "composite_score", "综合评分", "number", "审核时的综合评分（记录当时的结果）。", width=9
    ),
    Column("grade", "评级", "text", "审核时的评级。", width=7),
    Column("credit_limit", "信用额度(万元)", "number", "本次审核核定的信用额度。", width=12),
    Column(
        "result",
        "审核结果",
        "choice",
        "审核行填本次审核结论；审批行填该级审批意见（审核通过即同意）。",
        REVIEW_RESULTS,
        width=11,
    ),
    Column("reviewer", "审核人", "text", "", width=9),
    Column(
        "approval_level",
        "审批级别",
        "choice",
        "审批行：每级审批一行，填审批级别，审核日期与所审批的那次审核相同。审核行留空。",
        APPROVAL_LEVELS,
        width=11,
    ),
    Column("approver", "审批人", "text", "审批行：该级审批人姓名。", width=9),
    Column("approval_date", "审批日期", "date", "审批行：该级审批的日期。", width=11),
    Column("opinion", "审核意见", "text", "", width=30),
)


class Protection(StrEnum):
    """What the builder locks.

    LEDGER: rule sheets, 汇总, and the formula columns of 台账/资信证明 (inputs stay editable;
    the tables are pre-sized because a table cannot grow on a protected sheet).
    RULES: only the rule sheets and 汇总; the tables stay unprotected, so they grow, sort
    freely, and formula columns are guarded by data validation only.
    NONE: nothing is locked.
    """

    LEDGER = "ledger"
    RULES = "rules"
    NONE = "none"
