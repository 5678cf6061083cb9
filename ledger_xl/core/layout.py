"""The fixed structure of a ledger workbook: sheet names, tables, named cells, side-table columns.

Unlike `rules`, nothing here is editable in the workbook: it is the contract between the
builder, the readers and the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The version of this structure, recorded in every workbook built.
# 1.0: the first template. 1.1: a hidden 行键 (row key) column in 台账, 资信证明 and 审核记录,
# and the hidden 分发记录 sheet in workbooks handed out by `ledger-xl distribute`.
TEMPLATE_VERSION = "1.1"

SHEET_LEDGER = "台账"
SHEET_FIELD_RULES = "填报规则"
SHEET_SCORING = "评分标准"
SHEET_CYCLES = "审核周期"
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
    SHEET_GUIDE,
    SHEET_XLWINGS,
)

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


DOCUMENT_TYPES = ("营业执照", "法定代表人身份证", "银行资信证明", "开户许可证", "其他")

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
    Column("expires", "有效期至", "date", "证件到期日；长期有效的填 2099-12-31。", width=11),
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
    Column("result", "审核结果", "choice", "", REVIEW_RESULTS, width=11),
    Column("reviewer", "审核人", "text", "", width=9),
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
