"""Who must be reviewed when, which credit documents lapse, and which customers need a second
look (风险预警). Pure functions over the frames of a `portfolio.Portfolio`; every result is a
DataFrame keyed by English column names, `LABELS` gives the Chinese headers.

Due flags follow the workbook's formulas exactly (the twins in `schedule`), so a branch sees
the same 已逾期 in its ledger as HQ sees in `ledger-xl due`. What the formulas cannot judge
(a 最近审核日期 typed as text, a 风险等级 × 客户类别 missing from the cycle table) is listed as
无法判断 with the reason, never dropped. 已停用 customers are left out of every list; 审核未通过
customers leave the periodic schedule (their 到期提示 is 未通过) where the workbook's 审核周期
says so. An approved customer with a risk signal since its previous review is listed as
提前复审 with the reason (`controls.early_review`); 待审核 / 审核中 customers are listed by how
long they have waited since their 提交日期 (`waiting_reviews`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ledger_xl.core import controls, layout, schedule
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.portfolio import (
    FILE,
    ID_DOCUMENT,
    ROW,
    Portfolio,
    Reads,
    grade_ranks,
    mask_id,
)
from ledger_xl.core.rules import Rules

# Urgency order of the due list: most overdue first, then reviews a risk signal brings
# forward, never reviewed, what cannot be judged, then what falls due soonest.
_URGENCY = {
    layout.DUE_OVERDUE: 0,
    layout.DUE_EARLY: 1,
    layout.DUE_NEVER: 2,
    layout.DUE_UNKNOWN: 3,
    layout.DUE_SOON: 4,
}

DUE_COLUMNS = (
    "flag",
    "customer_id",
    "name",
    "branch",
    "account_manager",
    "risk_level",
    "category",
    "grade",
    "status",
    "last_review",
    "next_review",
    "days",
    "reviewer",
    "reason",
    FILE,
    ROW,
)

DOCUMENT_COLUMNS = (
    "doc_status",
    "customer_id",
    "name",
    "branch",
    "status",
    "doc_type",
    "doc_number",
    "expires",
    "days",
    "verified_by",
    "reason",
    FILE,
    ROW,
)

WAITING_COLUMNS = (
    "status",
    "customer_id",
    "name",
    "branch",
    "account_manager",
    "risk_level",
    "category",
    "stage",
    "submitted",
    "waited",
    "reviewer",
    "reason",
    FILE,
    ROW,
)

WARNING_COLUMNS = (
    "warning",
    "customer_id",
    "name",
    "branch",
    "status",
    "grade",
    "composite_score",
    "previous_score",
    "previous_grade",
    "previous_review",
    "detail",
    FILE,
    ROW,
)

WARN_SCORE_DROP = "评分下降"
WARN_GRADE_DOWN = "评级下调"
WARN_EXPIRED_DOCUMENT = "证件过期仍为审核通过"
WARN_STALE_REPORT = "信用报告超过一年"
WARN_WORST_GRADE = "最低评级仍为审核通过"
WARNING_KINDS = (
    WARN_SCORE_DROP,
    WARN_GRADE_DOWN,
    WARN_EXPIRED_DOCUMENT,
    WARN_STALE_REPORT,
    WARN_WORST_GRADE,
)
SCORE_DROP_POINTS = 10.0

LABELS = {
    "flag": "到期提示",
    "customer_id": "客户编号",
    "name": "客户名称",
    "branch": "所属分公司",
    "account_manager": "客户经理",
    "risk_level": "风险等级",
    "category": "客户类别",
    "grade": "评级",
    "status": "审核状态",
    "last_review": "最近审核日期",
    "next_review": "下次审核日期",
    "days": "距到期天数",
    "reviewer": "审核人",
    "reason": "说明",
    "doc_status": "证件状态",
    "doc_type": "证明类型",
    "doc_number": "证件号码",
    "expires": "有效期至",
    "verified_by": "核验人",
    "warning": "预警类型",
    "composite_score": "综合评分",
    "previous_score": "上次评分",
    "previous_grade": "上次评级",
    "previous_review": "上次审核日期",
    "detail": "预警说明",
    "stage": "审核阶段",
    "submitted": "提交日期",
    "waited": "已等待天数",
    FILE: "来源文件",
    ROW: "行号",
}

APPROVED = layout.STATUS_APPROVED


def _active(frame: pd.DataFrame) -> np.ndarray:
    return (frame["status"] != layout.STATUS_INACTIVE).to_numpy()


def _branch_mask(frame: pd.DataFrame, branch: str | None) -> np.ndarray:
    if not branch:
        return np.ones(len(frame), dtype=bool)
    return (frame["branch"] == branch.strip()).to_numpy()


def due_reviews(
    customers: pd.DataFrame,
    within: int | None = None,
    branch: str | None = None,
    reviews: pd.DataFrame | None = None,
    rules_by_file: dict[str, Rules] | None = None,
) -> pd.DataFrame:
    """Customers whose review is overdue, due within `within` days (default: each workbook's
    审核提醒天数), never reviewed, or cannot be judged; 已停用 and 未通过 left out; most
    urgent first. With `reviews` (审核记录), approved customers with a risk signal since the
    previous review are 提前复审: due by 审核周期's 提前复审周期 after the last review (each
    workbook's rules, `rules_by_file`), unless already overdue."""
    frame = customers[_active(customers) & _branch_mask(customers, branch)]
    days = frame["days_to_due"].to_numpy(dtype=float)
    window = (
        frame["due_soon_days"].to_numpy(dtype=float)
        if within is None
        else np.full(len(frame), float(within))
    )
    flag = np.full(len(frame), "", dtype=object)
    reason = np.full(len(frame), "", dtype=object)
    known = ~np.isnan(days)
    flag[known & (days <= window)] = layout.DUE_SOON
    flag[known & (days < 0)] = layout.DUE_OVERDUE
    never = (frame["last_review_raw"] == "").to_numpy()
    flag[never] = layout.DUE_NEVER
    reason[never] = "没有最近审核日期"
    unreadable = frame["last_review_unreadable"].to_numpy(dtype=bool)
    flag[unreadable] = layout.DUE_UNKNOWN
    for i in np.flatnonzero(unreadable):
        reason[i] = f"最近审核日期“{frame['last_review_raw'].iat[i]}”不是日期，请改为日期格式"
    no_cycle = ~never & ~unreadable & np.isnan(frame["cycle_months"].to_numpy(dtype=float))
    flag[no_cycle] = layout.DUE_UNKNOWN
    for i in np.flatnonzero(no_cycle):
        reason[i] = (
            f"风险等级“{frame['risk_level'].iat[i]}”与客户类别“{frame['category'].iat[i]}”"
            "在审核周期表中没有对应周期"
        )
    for i in np.flatnonzero(flag == layout.DUE_OVERDUE):
        reason[i] = f"已逾期 {int(-days[i])} 天"
    for i in np.flatnonzero(flag == layout.DUE_SOON):
        reason[i] = "今天到期" if days[i] == 0 else f"{int(days[i])} 天后到期"
    flag[(frame["due_flag"] == layout.DUE_REJECTED).to_numpy()] = ""
    if reviews is not None and len(frame):
        days = days.copy()
        _bring_forward(frame, reviews, rules_by_file or {}, flag, reason, days)
    listed = flag != ""
    out = pd.DataFrame(
        {
            "flag": flag[listed],
            "days": days[listed],
            "reason": reason[listed],
            "last_review": frame["last_review"].to_numpy()[listed],
            "next_review": frame["next_review"].to_numpy()[listed],
        }
    )
    for key in DUE_COLUMNS:
        if key not in out.columns:
            out[key] = frame[key].to_numpy()[listed]
    out["_urgency"] = out["flag"].map(_URGENCY)
    out["_days"] = out["days"].fillna(0.0)
    out = out.sort_values(["_urgency", "_days", "customer_id"], kind="stable")
    return out[list(DUE_COLUMNS)].reset_index(drop=True)


def _bring_forward(
    frame: pd.DataFrame,
    reviews: pd.DataFrame,
    rules_by_file: dict[str, Rules],
    flag: np.ndarray,
    reason: np.ndarray,
    days: np.ndarray,
) -> None:
    """Mark 提前复审 in place: flag, reason, and days until the date it is due by."""
    previous = previous_reviews(frame, reviews)
    files = frame[FILE].to_numpy()
    nxt = frame["next_review"].to_numpy(dtype="datetime64[D]")
    for file in dict.fromkeys(files):
        mine = np.flatnonzero(files == file)
        part = frame.iloc[mine]
        mask, why, early = controls.early_review(
            (part["status"] == APPROVED).to_numpy(),
            part["composite_score"].to_numpy(dtype=float),
            previous["previous_score"].to_numpy(dtype=float)[mine],
            part["dishonest"].to_numpy(dtype=object),
            part["litigation_count"].to_numpy(dtype=float),
            part["last_review"].to_numpy(dtype="datetime64[D]"),
            nxt[mine],
            rules_by_file.get(file, DEFAULT_RULES),
        )
        for j in np.flatnonzero(mask):
            i = mine[j]
            if flag[i] == layout.DUE_OVERDUE:
                continue
            shift = (early[j] - nxt[i]).astype(int)
            days[i] = days[i] + shift
            flag[i] = layout.DUE_EARLY
            by = pd.Timestamp(early[j]).date().isoformat()
            was = pd.Timestamp(nxt[i]).date().isoformat()
            late = f"，已过 {int(-days[i])} 天" if days[i] < 0 else ""
            reason[i] = f"{why[j]}：应于 {by} 前复审（原定 {was}）{late}"


def waiting_reviews(
    customers: pd.DataFrame, as_of: dt.date, branch: str | None = None
) -> pd.DataFrame:
    """待审核 and 审核中 customers by how long they have waited since their 提交日期 (the
    application, or the start of this review round), longest first; those without a 提交日期
    (or with one that is not a date) last, with the reason."""
    status = customers["status"].to_numpy(dtype=object)
    waiting = np.isin(status, [layout.STATUS_PENDING, layout.STATUS_IN_REVIEW])
    frame = customers[waiting & _branch_mask(customers, branch)]
    submitted = frame["submitted"].to_numpy(dtype="datetime64[D]")
    waited = (np.datetime64(as_of, "D") - submitted).astype("timedelta64[D]").astype(float)
    waited[np.isnat(submitted)] = np.nan
    reason = np.array(
        [
            "提交日期未填或不是日期，无法计算等待天数"
            if np.isnan(w)
            else ("提交日期晚于基准日" if w < 0 else f"已等待 {int(w)} 天")
            for w in waited
        ],
        dtype=object,
    )
    out = pd.DataFrame({"waited": waited, "reason": reason, "submitted": submitted})
    for key in WAITING_COLUMNS:
        if key not in out.columns:
            out[key] = frame[key].to_numpy()
    out["_known"] = out["waited"].isna()
    out["_wait"] = -out["waited"].fillna(0.0)
    out = out.sort_values(["_known", "_wait", "customer_id"], kind="stable")
    return out[list(WAITING_COLUMNS)].reset_index(drop=True)


def expiring_documents(
    documents: pd.DataFrame,
    within: int | None = None,
    branch: str | None = None,
    mask: bool = True,
) -> pd.DataFrame:
    """Credit documents expired or expiring within `within` days (default: each workbook's
    证件提醒天数, i.e. the document's own 证件状态), and those whose 有效期至 is not a date;
    documents of 已停用 customers left out (any ledger row with the 客户编号 is 已停用: the
    rule 汇总 counts by, `owner_inactive`); expired first, most overdue first.

    A document renewed by a later one of the same type (已更新) is not listed.
    Resident ID numbers are shown masked (110101********1234) unless `mask` is False.
    """
    current = ~documents["superseded"].to_numpy(dtype=bool)  # a renewal replaced the rest
    active = (
        ~documents["owner_inactive"].to_numpy(dtype=bool)
        if "owner_inactive" in documents
        else _active(documents)
    )
    frame = documents[active & _branch_mask(documents, branch) & current]
    days = frame["doc_days"].to_numpy(dtype=float)
    status = frame["doc_status"].to_numpy(dtype=object).copy()
    if within is not None:
        known = ~np.isnan(days)
        status[known] = layout.DOC_VALID
        status[known & (days <= within)] = layout.DOC_SOON
        status[known & (days < 0)] = layout.DOC_EXPIRED
    unreadable = (frame["expires_raw"] != "").to_numpy() & np.isnan(days)
    status[unreadable] = layout.DUE_UNKNOWN
    reason = np.full(len(frame), "", dtype=object)
    for i in range(len(frame)):
        if status[i] == layout.DOC_EXPIRED:
            reason[i] = f"已过期 {int(-days[i])} 天"
        elif status[i] == layout.DOC_SOON:
            reason[i] = "今天到期" if days[i] == 0 else f"{int(days[i])} 天后到期"
        elif status[i] == layout.DUE_UNKNOWN:
            reason[i] = f"有效期至“{frame['expires_raw'].iat[i]}”不是日期，请改为日期格式"
    listed = np.isin(status, [layout.DOC_EXPIRED, layout.DOC_SOON, layout.DUE_UNKNOWN])
    out = pd.DataFrame(
        {
            "doc_status": status[listed],
            "days": days[listed],
            "reason": reason[listed],
            "expires": frame["expires"].to_numpy()[listed],
        }
    )
    for key in DOCUMENT_COLUMNS:
        if key not in out.columns:
            out[key] = frame[key].to_numpy()[listed]
    if mask:
        is_id = (out["doc_type"] == ID_DOCUMENT).to_numpy()
        out.loc[is_id, "doc_number"] = [mask_id(n) for n in out.loc[is_id, "doc_number"]]
    order = {layout.DOC_EXPIRED: 0, layout.DUE_UNKNOWN: 1, layout.DOC_SOON: 2}
    out["_order"] = out["doc_status"].map(order)
    out["_days"] = out["days"].fillna(0.0)
    out = out.sort_values(["_order", "_days", "customer_id"], kind="stable")
    return out[list(DOCUMENT_COLUMNS)].reset_index(drop=True)


# A day as a key beside its group: days since 1970 shifted to be non-negative (numpy's
# datetime64[D] spans far less than ±2**31 days in any ledger: Excel's dates are 1900–9999).
_DAY_OFFSET = 1 << 31
_DAY_SPAN = 1 << 32

PREVIOUS_REVIEW_KEYS = ("customer_id", "review_date", "composite_score", "grade", "credit_limit")
"""The 审核记录 columns `previous_reviews` reads (besides the file)."""

LEDGER_KEYS = (
    *("customer_id", "name", "branch", "status", "stage", "category", "risk_level"),
    *("account_manager", "reviewer", "submitted", "last_review", "credit_report_date"),
    *("litigation_count", "dishonest"),
)
"""The input columns of 台账 the due lists read (with every computed one), in the terminal,
JSON and workbook alike: `ledger-xl due` types no other (`READS`)."""

READS = Reads(controls=False, ledger_keys=LEDGER_KEYS, review_keys=PREVIOUS_REVIEW_KEYS)
"""What `ledger-xl due` reads of the books (`portfolio.book_part`): no control value."""


def previous_reviews(customers: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """For each customer, the newest 审核记录 with a score or grade dated before its 最近审核日期
    (the review the current score replaced): previous_review, previous_score, previous_grade,
    previous_limit (the 信用额度 it recorded; NaN when not recorded). Approval rows carry no
    score or grade and never count.

    Matched within the same file, so two branches' records never mix. Index = customers'.
    """
    result = pd.DataFrame(
        {
            "previous_review": pd.Series([pd.NaT] * len(customers), dtype="datetime64[s]"),
            "previous_score": np.nan,
            "previous_grade": "",
            "previous_limit": np.nan,
        },
        index=customers.index,
    )
    if reviews.empty or customers.empty:
        return result
    dates = reviews["review_date"].to_numpy(dtype="datetime64[D]")
    scores = reviews["composite_score"].to_numpy(dtype=float)
    scored = reviews[~np.isnat(dates) & (~np.isnan(scores) | (reviews["grade"] != "").to_numpy())]
    # Per (file, customer), its records in date order (ties keep the sheet's order); the
    # previous review is the last one dated before 最近审核日期: one binary search over
    # (group, day) keys for every customer at once.
    both = pd.DataFrame(
        {
            FILE: np.concatenate([scored[FILE].to_numpy(object), customers[FILE].to_numpy(object)]),
            "customer_id": np.concatenate(
                [scored["customer_id"].to_numpy(object), customers["customer_id"].to_numpy(object)]
            ),
        }
    )
    group = both.groupby([FILE, "customer_id"], sort=False, dropna=True).ngroup().to_numpy()
    group = np.where(np.isnan(group), -1, group).astype(np.int64)
    record_group, customer_group = group[: len(scored)], group[len(scored) :]
    when = scored["review_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    keep = record_group >= 0
    record_at = np.flatnonzero(keep)
    record_keys = record_group[keep] * _DAY_SPAN + (when[keep] + _DAY_OFFSET)
    order = np.argsort(record_keys, kind="stable")
    record_keys, record_at = record_keys[order], record_at[order]
    limits = (
        scored["credit_limit"].to_numpy(dtype=float)
        if "credit_limit" in scored.columns
        else np.full(len(scored), np.nan)
    )
    last = customers["last_review"].to_numpy(dtype="datetime64[D]")
    asked = (customer_group >= 0) & ~np.isnat(last)
    days = np.where(asked, last.astype(np.int64), 0)
    keys = customer_group * _DAY_SPAN + (days + _DAY_OFFSET)
    if not len(record_keys):
        return result
    k = np.searchsorted(record_keys, keys, side="left") - 1
    at = np.maximum(k, 0)
    same = (k >= 0) & (record_keys[at] // _DAY_SPAN == customer_group)
    found = np.where(asked & same, record_at[at], -1)
    hit = found >= 0
    rows = found[hit]
    result.loc[hit, "previous_review"] = scored["review_date"].to_numpy()[rows]
    result.loc[hit, "previous_score"] = scored["composite_score"].to_numpy(dtype=float)[rows]
    result.loc[hit, "previous_grade"] = scored["grade"].to_numpy(dtype=object)[rows]
    result.loc[hit, "previous_limit"] = limits[rows]
    return result


def risk_warnings(
    customers: pd.DataFrame,
    documents: pd.DataFrame,
    reviews: pd.DataFrame,
    as_of: dt.date,
    rules: Rules,
    branch: str | None = None,
    rules_by_file: dict[str, Rules] | None = None,
) -> pd.DataFrame:
    """风险预警, one row per customer and kind, 已停用 left out:

    - 评分下降: 综合评分 at least 10 points below the previous review's (see
      `previous_reviews`);
    - 评级下调: 评级 worse than the previous review's;
    - 证件过期仍为审核通过: 审核通过 with an expired credit document;
    - 信用报告超过一年: 审核通过 with a 信用报告日期 more than a year before `as_of`;
    - 最低评级仍为审核通过: the lowest grade (D) and still 审核通过.
    """
    frame = customers[_active(customers) & _branch_mask(customers, branch)].reset_index(drop=True)
    previous = previous_reviews(frame, reviews)
    score = frame["composite_score"].to_numpy(dtype=float)
    prev_score = previous["previous_score"].to_numpy(dtype=float)
    rank = frame["grade_rank"].to_numpy(dtype=float)
    files = frame[FILE].to_numpy(dtype=object)
    previous_grades = previous["previous_grade"].to_numpy(dtype=object)
    prev_rank = np.full(len(frame), np.nan)
    worst_grade = np.empty(len(frame), dtype=object)
    for file in pd.unique(files):  # each workbook's rules, over its rows at once
        own = (rules_by_file or {}).get(file, rules)
        mine = files == file
        prev_rank[mine] = grade_ranks(previous_grades[mine], own)
        worst_grade[mine] = own.scoring.fallback_grade
    approved = (frame["status"] == APPROVED).to_numpy()
    expired = documents[documents["doc_status"] == layout.DOC_EXPIRED]
    expired_types: dict[tuple[str, str], list[str]] = {}
    for file, cid, kind in zip(
        expired[FILE].tolist(),
        expired["customer_id"].tolist(),
        expired["doc_type"].tolist(),
        strict=True,
    ):
        expired_types.setdefault((file, cid), []).append(kind or "证件")
    year_ago = np.datetime64(schedule.one_year_before(as_of), "D")
    report = frame["credit_report_date"].to_numpy(dtype="datetime64[D]")
    stale = ~np.isnat(report) & (report < year_ago)
    worst = frame["grade"].to_numpy(dtype=object) == worst_grade
    grades = frame["grade"].to_numpy(dtype=object)
    ids = frame["customer_id"].to_numpy(dtype=object)

    rows: list[dict] = []

    def add(i: int, kind: str, detail: str) -> None:
        rows.append({"index": i, "warning": kind, "detail": detail})

    with np.errstate(invalid="ignore"):
        dropped = score <= prev_score - SCORE_DROP_POINTS
        worse = rank > prev_rank
    for i in np.flatnonzero(dropped):
        add(
            i,
            WARN_SCORE_DROP,
            f"综合评分由 {prev_score[i]:g} 降至 {score[i]:g}（下降 {prev_score[i] - score[i]:.1f} 分）",
        )
    for i in np.flatnonzero(worse):
        add(
            i,
            WARN_GRADE_DOWN,
            f"评级由 {previous_grades[i]} 下调为 {grades[i]}",
        )
    for i in np.flatnonzero(approved):
        key = (files[i], ids[i])
        if key in expired_types:
            add(
                i,
                WARN_EXPIRED_DOCUMENT,
                f"{'、'.join(expired_types[key])}已过期，客户仍为审核通过，请收取新证件",
            )
    for i in np.flatnonzero(approved & stale):
        day = pd.Timestamp(report[i]).date().isoformat()
        add(i, WARN_STALE_REPORT, f"信用报告日期 {day} 已超过一年，请更新信用报告")
    for i in np.flatnonzero(approved & worst):
        add(
            i,
            WARN_WORST_GRADE,
            f"评级为 {worst_grade[i]}（综合评分 {score[i]:g}），仍为审核通过",
        )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WARNING_COLUMNS})
    found = pd.DataFrame(rows)
    idx = found["index"].to_numpy()
    out = pd.DataFrame(
        {"warning": found["warning"].to_numpy(), "detail": found["detail"].to_numpy()}
    )
    for key in WARNING_COLUMNS:
        if key in out.columns:
            continue
        source = previous if key.startswith("previous_") else frame
        out[key] = source[key].to_numpy()[idx]
    out["_kind"] = out["warning"].map({k: i for i, k in enumerate(WARNING_KINDS)})
    out = out.sort_values(["_kind", "branch", "customer_id"], kind="stable")
    return out[list(WARNING_COLUMNS)].reset_index(drop=True)


def portfolio_due(
    portfolio: Portfolio,
    within: int | None = None,
    document_within: int | None = None,
    branch: str | None = None,
) -> dict[str, pd.DataFrame]:
    """The lists `ledger-xl due` shows: reviews (提前复审 included), waiting (待审核 /
    审核中 by time waited), documents, warnings."""
    return {
        "reviews": due_reviews(
            portfolio.customers, within, branch, portfolio.reviews, portfolio.rules_by_file
        ),
        "waiting": waiting_reviews(portfolio.customers, portfolio.as_of, branch),
        "documents": expiring_documents(portfolio.documents, document_within, branch),
        "warnings": risk_warnings(
            portfolio.customers,
            portfolio.documents,
            portfolio.reviews,
            portfolio.as_of,
            portfolio.rules,
            branch,
            portfolio.rules_by_file,
        ),
    }


def lapsed(lists: dict[str, pd.DataFrame]) -> bool:
    """True when `portfolio_due`'s lists hold an overdue customer or an expired document (what
    `ledger-xl due --strict` exits 1 for)."""
    return bool(
        (lists["reviews"]["flag"] == layout.DUE_OVERDUE).any()
        or (lists["documents"]["doc_status"] == layout.DOC_EXPIRED).any()
    )


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: dates as ISO text, missing values as None, whole floats of
    day counts and row numbers as int."""
    keys = list(frame.columns)
    if not keys:
        return [{} for _ in range(len(frame))]
    columns = [_json_column(key, frame.iloc[:, j]) for j, key in enumerate(keys)]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _json_column(key: str, column: pd.Series) -> list:
    """One column's values as `records` gives them (a date column converted at once)."""
    if pd.api.types.is_datetime64_dtype(column.dtype):
        days = column.to_numpy(dtype="datetime64[D]")
        texts = np.datetime_as_string(days, unit="D").tolist()
        return [
            None if gone else text
            for text, gone in zip(texts, np.isnat(days).tolist(), strict=True)
        ]
    cells = column.tolist()
    if column.dtype.kind == "f":  # day counts, scores: NaN is None, whole days and rows int
        whole = key in ("days", ROW)
        return [
            None if v != v else (int(v) if whole and v.is_integer() else v)  # v != v: NaN
            for v in cells
        ]
    if column.dtype.kind in "iub":  # tolist gave Python ints and bools already
        return cells
    if _STR.issuperset(map(type, cells)):  # most object columns: text throughout
        return cells
    return [_json_value(key, value) for value in cells]


_STR = frozenset({str})


def _json_value(key: str, value: object) -> object:
    if type(value) is str:  # most cells: names, ids, flags
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64 | dt.datetime):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.date().isoformat()
    if value is pd.NaT:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value) if key in ("days", ROW) else float(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
