"""Summary tables and due lists against figures worked out independently of the code.

Two oracles, neither calling the functions under test:

- a hand-worked portfolio of eight customers (`HAND`), each chosen to sit on an edge (a grade
  band's lower bound, a due window's last day, a renewed document, an unreadable date), with
  every figure pinned below and the reason next to it;
- a slow, obvious reimplementation (`slow_key_figures`: plain loops over the rows, Python
  dates and a hand-written EDATE) compared with `summary.summary_tables` on 300 generated
  customers with a careless clerk's values.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import math

import numpy as np
import pandas as pd
import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import layout, portfolio, summary
from ledger_xl.core.defaults import DEFAULT_RULES

from ..validation.helpers import good_credentials, good_row

AS_OF = dt.date(2026, 3, 31)


def scores(value: float | None) -> dict:
    return {
        k: value for k in ("score_financial", "score_credit", "score_history", "score_reputation")
    }


def doc(n: int, kind: str, expires, number: str = "X") -> dict:
    return {"customer_id": f"SH{n:06d}", "doc_type": kind, "doc_number": number, "expires": expires}


# 基准日 2026-03-31; the cycle table (低/一般 12 months, 中/一般 6, 高/重要 3); 审核提醒 30 days,
# 证件提醒 60 days; bands A ≥ 85, B ≥ 70, C ≥ 60, else D.
HAND_ROWS = [
    # 1: 82.5 → B; last 2026-01-15 + 12 → 2027-01-15 (290 days): 正常, within 12 months (Jan 2027)
    good_row(1),
    # 2: 85 → A (edge); 高/重要 3 months after 2025-12-01 → 2026-03-01: 已逾期 30 days
    good_row(2, risk_level="高", category="重要", last_review=dt.date(2025, 12, 1), **scores(85)),
    # 3: 70 → B (edge); 中/一般 6 months after 2025-10-15 → 2026-04-15: 15 days, 即将到期
    good_row(3, risk_level="中", last_review=dt.date(2025, 10, 15), **scores(70)),
    # 4: 待审核, never reviewed, no scores → 待补充, 未审核
    good_row(
        4,
        status="待审核",
        stage="初筛",
        last_review=None,
        reviewer=None,
        opinion=None,
        approval_level=None,
        approver=None,
        approval_date=None,
        **scores(None),
    ),
    # 5: 已停用, 59.9 → D; out of the due figures and lists, its documents too
    good_row(5, status="已停用", **scores(59.9)),
    # 6: 审核未通过, 60 → C (edge); leaves the schedule: 未通过
    good_row(6, status="审核未通过", opinion="资料不全", **scores(60)),
    # 7: 最近审核日期 typed as impossible text → cannot be judged (无法判断)
    good_row(7, last_review="2025-13-40"),
    # 8: 风险等级 not in the list → no cycle, cannot be judged; unknown risk
    good_row(8, risk_level="极高"),
]
HAND_DOCS = [
    *(c for n in range(1, 9) for c in good_credentials(n)),  # valid until 2099 / 2040
    doc(1, "银行资信证明", dt.date(2026, 3, 30)),  # renewed by the next one: 已更新, not counted
    doc(1, "银行资信证明", dt.date(2027, 3, 30)),  # valid
    doc(2, "其他", dt.date(2026, 3, 30)),  # 已过期 1 day
    doc(2, "银行资信证明", dt.date(2026, 5, 30)),  # 60 days: 即将到期 (the window's last day)
    doc(3, "银行资信证明", dt.date(2026, 5, 31)),  # 61 days: valid
    doc(5, "银行资信证明", dt.date(2026, 1, 1)),  # expired, but its customer is 已停用
    doc(6, "其他", None),  # blank 有效期至: not a date problem
    doc(7, "其他", "长期有效"),  # text: 有效期至无法识别
    doc(3, "其他", "待定"),  # text: 有效期至无法识别
    doc(1, "其他", None),  # blank again: not a date problem
    doc(2, "其他", None),  # and again
]

HAND_FIGURES = {
    "总体": {"客户总数": 8, "分公司数": 1},
    "按审核状态": {
        "待审核": 1,
        "审核中": 0,
        "审核通过": 5,  # 1, 2, 3, 7, 8
        "审核未通过": 1,
        "已停用": 1,
        summary.UNKNOWN: 0,
    },
    summary.GRADE_SECTION: {"A": 1, "B": 4, "C": 1, "D": 1, "待补充": 1, summary.UNKNOWN: 0},
    "按风险等级": {"高": 1, "中": 1, "低": 5, summary.UNKNOWN: 1},
    "按到期提示": {
        layout.DUE_OVERDUE: 1,
        layout.DUE_SOON: 1,
        layout.DUE_NEVER: 1,
        layout.DUE_REJECTED: 1,
        layout.DUE_OK: 1,
        layout.STATUS_INACTIVE: 1,
        layout.DUE_UNKNOWN: 2,  # 7 and 8
    },
    summary.TIMING_SECTION: {
        layout.DUE_OVERDUE: 1,
        "未来12个月内": 2,  # 1 (2027-01-15) and 3 (2026-04-15); the horizon is 2027-03-01
        "12个月以后": 0,
        summary.NO_NEXT_REVIEW: 4,  # 4, 6, 7, 8
    },
    summary.DOCUMENTS_SECTION: {"资信证明已过期": 1, "资信证明即将到期": 1},
}
HAND_MONTHS = {"2026年4月": 1, "2027年1月": 1}  # every other month of the 12: 0
HAND_SCORES = {"50分以下": 0, "50–60": 1, "60–70": 1, "70–80": 1, "80–90": 4, "90–100": 0}
HAND_QUALITY = {
    "最近审核日期无法识别": 1,
    "审核周期无法确定": 1,
    "审核状态未填写或不在列表中": 0,
    "风险等级未填写或不在列表中": 1,
    "所属分公司未填写": 0,
    "评分不全（评级待补充）": 1,
    "资信证明有效期至无法识别": 2,  # "长期有效" and "待定"; the three blank ones are not counted
    "无法读取的工作簿": 0,
}


@pytest.fixture(scope="module")
def hand():
    ledger = pd.DataFrame(HAND_ROWS, dtype=object)
    docs = pd.DataFrame(HAND_DOCS, dtype=object)
    return portfolio.from_frames(ledger, docs, None, AS_OF, DEFAULT_RULES, "手算.xlsx")


@pytest.fixture(scope="module")
def hand_tables(hand):
    return summary.summary_tables(hand)


def sections(tables) -> dict[str, dict[str, int]]:
    return {
        name: dict(zip(group["label"], group["count"], strict=True))
        for name, group in tables["key_figures"].groupby("section", sort=False)
    }


def test_hand_worked_key_figures(hand_tables):
    got = sections(hand_tables)
    for name, want in HAND_FIGURES.items():
        assert got[name] == want, name
    assert set(got) == {*HAND_FIGURES, summary.CONTROL_SECTION}


def test_hand_worked_months(hand_tables):
    months = hand_tables["due_by_month"]
    assert list(months["month"]) == [
        dt.date(2026 + (2 + k) // 12, (2 + k) % 12 + 1, 1) for k in range(12)
    ]
    assert dict(zip(months["label"], months["count"], strict=True)) == {
        label: HAND_MONTHS.get(label, 0) for label in months["label"]
    }


def test_hand_worked_score_bands_and_grades(hand_tables):
    scores_ = hand_tables["scores"]
    assert dict(zip(scores_["band"], scores_["count"], strict=True)) == {
        **HAND_SCORES,
        summary.NOT_SCORED: 1,
    }
    grades = hand_tables["grades"]
    assert list(grades["grade"]) == ["A", "B", "C", "D", "待补充", summary.UNKNOWN]
    assert list(grades["count"]) == [1, 4, 1, 1, 1, 0]
    assert list(grades["share"]) == pytest.approx([1 / 8, 4 / 8, 1 / 8, 1 / 8, 1 / 8, 0])


def test_hand_worked_data_quality(hand_tables):
    quality = hand_tables["data_quality"]
    assert dict(zip(quality["item"], quality["count"], strict=True)) == HAND_QUALITY


def test_hand_worked_due_lists(hand_tables):
    def listed(name: str) -> list[tuple]:
        frame = hand_tables[name]
        days = [None if math.isnan(d) else int(d) for d in frame["days"]]
        return list(zip(frame["flag"], frame["customer_id"], days, frame["reason"], strict=True))

    assert listed("overdue") == [(layout.DUE_OVERDUE, "SH000002", -30, "已逾期 30 天")]
    assert listed("due_soon") == [(layout.DUE_SOON, "SH000003", 15, "15 天后到期")]
    never = listed("never_reviewed")
    assert [(f, c, d) for f, c, d, _ in never] == [
        (layout.DUE_NEVER, "SH000004", None),
        (layout.DUE_UNKNOWN, "SH000007", None),
        (layout.DUE_UNKNOWN, "SH000008", None),
    ]
    assert "2025-13-40" in never[1][3] and "极高" in never[2][3]
    overdue = hand_tables["overdue"].iloc[0]
    assert overdue["next_review"] == pd.Timestamp("2026-03-01")
    assert overdue["last_review"] == pd.Timestamp("2025-12-01")


def test_hand_worked_documents_list(hand_tables):
    frame = hand_tables["documents"]
    days = [None if math.isnan(d) else int(d) for d in frame["days"]]
    assert list(
        zip(frame["doc_status"], frame["customer_id"], frame["doc_type"], days, strict=True)
    ) == [
        (layout.DOC_EXPIRED, "SH000002", "其他", -1),
        (layout.DUE_UNKNOWN, "SH000003", "其他", None),
        (layout.DUE_UNKNOWN, "SH000007", "其他", None),
        (layout.DOC_SOON, "SH000002", "银行资信证明", 60),
    ]
    reasons = list(frame["reason"])
    assert reasons[0] == "已过期 1 天"
    assert "待定" in reasons[1] and "长期有效" in reasons[2]
    assert reasons[3] == "60 天后到期"


def test_hand_worked_crosstabs(hand_tables):
    status = hand_tables["branch_status"]
    assert list(status.index) == ["上海分公司", summary.TOTAL]
    assert status.loc["上海分公司"].to_dict() == {
        "待审核": 1,
        "审核中": 0,
        "审核通过": 5,
        "审核未通过": 1,
        "已停用": 1,
        summary.UNKNOWN: 0,
        summary.TOTAL: 8,
    }
    grade = hand_tables["branch_grade"]
    assert grade.loc[summary.TOTAL].to_dict() == {
        "A": 1,
        "B": 4,
        "C": 1,
        "D": 1,
        "待补充": 1,
        summary.UNKNOWN: 0,
        summary.TOTAL: 8,
    }


def test_hand_worked_data_quality_notes(hand_tables):
    """What the 数据质量 sheet tells the reader about each count, as written."""
    quality = hand_tables["data_quality"]
    assert list(quality.columns) == ["item", "count", "note"]
    assert dict(zip(quality["item"], quality["note"], strict=True)) == {
        "最近审核日期无法识别": "不是日期（如文本“2024-3-5”），到期提示无法判断；"
        "用 ledger-xl validate 查看具体单元格",
        "审核周期无法确定": "风险等级或客户类别不在审核周期表中",
        "审核状态未填写或不在列表中": "计入“按审核状态”的未填写或无法识别",
        "风险等级未填写或不在列表中": "计入“按风险等级”的未填写或无法识别",
        "所属分公司未填写": "分公司表中记为（未填写）",
        "评分不全（评级待补充）": "四项维度评分未填全，无法计算综合评分",
        "资信证明有效期至无法识别": "有效期至不是日期",
        "无法读取的工作簿": "见“数据说明”中的文件列表",
    }


def ledger_only(rows: list[dict], file: str, rules=DEFAULT_RULES) -> portfolio.Portfolio:
    """A portfolio of one workbook holding these ledger rows and no side tables."""
    return portfolio.from_frames(pd.DataFrame(rows, dtype=object), None, None, AS_OF, rules, file)


def test_a_never_reviewed_customer_is_not_a_cycle_problem():
    """审核周期无法确定 counts customers with a readable last review and no cycle: a blank
    最近审核日期 is 未审核, not a cycle problem, whatever its risk level."""
    rows = [
        good_row(1, risk_level="极高"),  # reviewed, no cycle: counted
        good_row(2, risk_level="极高", status="待审核", last_review=None, **scores(None)),
        good_row(3, risk_level="极高", last_review="2025-13-40"),  # unreadable: counted there
    ]
    tables = summary.summary_tables(ledger_only(rows, "周期.xlsx"))
    quality = dict(
        zip(tables["data_quality"]["item"], tables["data_quality"]["count"], strict=True)
    )
    assert quality["审核周期无法确定"] == 1
    assert quality["最近审核日期无法识别"] == 1


def test_the_due_lists_follow_the_window_and_keep_their_columns(hand):
    """`within` narrows 即将到期 (customer 3 is due in 15 days); the lists are `due_reviews`'
    rows with their own columns, numbered from 0."""
    from ledger_xl.core import due

    wide, narrow = summary.summary_tables(hand), summary.summary_tables(hand, within=10)
    assert list(wide["due_soon"]["customer_id"]) == ["SH000003"]
    assert narrow["due_soon"].empty
    listed = due.due_reviews(hand.customers, None)
    for name in ("overdue", "due_soon", "never_reviewed"):
        assert list(wide[name].columns) == list(listed.columns), name
        assert list(wide[name].index) == list(range(len(wide[name]))), name


def test_branch_crosstabs_order_blank_last_and_count_in_integers():
    """Branches in sorted order, the blank branch as （未填写） after them, then 合计; whole
    numbers, under the 所属分公司 heading."""
    rows = [
        good_row(1, branch="深圳分公司"),
        good_row(2, branch=None),
        good_row(3, branch="北京分公司"),
        good_row(4, branch="北京分公司", status="待审核", last_review=None, **scores(None)),
    ]
    tables = summary.summary_tables(ledger_only(rows, "分公司.xlsx"))
    for name in ("branch_status", "branch_grade"):
        table = tables[name]
        assert list(table.index) == ["北京分公司", "深圳分公司", summary.BLANK_BRANCH, "合计"]
        assert table.index.name == "所属分公司"
        assert all(str(dtype) == "int64" for dtype in table.dtypes), name
    status = tables["branch_status"]
    assert status.loc["北京分公司", "审核通过"] == 1 and status.loc["北京分公司", "待审核"] == 1
    assert status.loc[summary.BLANK_BRANCH, summary.TOTAL] == 1
    figures = sections(tables)
    assert figures["总体"] == {"客户总数": 4, "分公司数": 2}


def _own_rules():
    """A branch's rules with a status of its own (暂缓) and grades named 优/良/中/差."""
    status = DEFAULT_RULES.field("status")
    fields = tuple(
        f.model_copy(update={"allowed": (*status.allowed, "暂缓")}) if f.key == "status" else f
        for f in DEFAULT_RULES.fields
    )
    names = dict(zip(("A", "B", "C"), ("优", "良", "中"), strict=True))
    bands = tuple(
        b.model_copy(update={"grade": names[b.grade]}) for b in DEFAULT_RULES.scoring.bands
    )
    scoring = DEFAULT_RULES.scoring.model_copy(update={"bands": bands, "fallback_grade": "差"})
    return DEFAULT_RULES.model_copy(update={"fields": fields, "scoring": scoring})


def test_two_workbooks_with_their_own_rules():
    """Each workbook's listed values are counted (暂缓 is not 未填写或无法识别), and each
    workbook's lowest grade raises 最低评级仍为审核通过 under its own name."""
    own = _own_rules()
    first = ledger_only([good_row(1), good_row(2, **scores(50))], "总部.xlsx")
    second = ledger_only(
        [good_row(3, status="暂缓"), good_row(4, **scores(50))], "分公司.xlsx", own
    )
    parts = [
        portfolio.BookPart(p.files[0], "", p.rules, p.customers, p.documents, p.reviews)
        for p in (first, second)
    ]
    tables = summary.summary_tables(portfolio.from_parts(parts, AS_OF))
    figures = sections(tables)
    assert figures["按审核状态"]["暂缓"] == 1
    assert figures["按审核状态"][summary.UNKNOWN] == 0
    assert figures[summary.GRADE_SECTION]["差"] == 1 and figures[summary.GRADE_SECTION]["D"] == 1
    assert list(tables["branch_status"].columns) == [*figures["按审核状态"], summary.TOTAL]
    lowest = tables["warnings"][tables["warnings"]["warning"] == "最低评级仍为审核通过"]
    assert sorted(lowest["customer_id"]) == ["SH000002", "SH000004"]


def test_an_empty_ledger_has_zero_shares():
    tables = summary.summary_tables(ledger_only([], "空.xlsx"))
    assert list(tables["grades"]["count"]) == [0] * len(tables["grades"])
    assert list(tables["grades"]["share"]) == [0.0] * len(tables["grades"])


# ---------------------------------------------------------------- score band edges


def test_every_score_band_edge_is_pinned():
    """Each band is [low, high) but the last, [90, 100]; NaN (or None) is 未评分."""
    composite = [0, 49.9, 50, 59.9, 60, 69.9, 70, 79.9, 80, 89.9, 90, 99.9, 100, np.nan]
    table = summary.score_distribution(pd.DataFrame({"composite_score": composite}))
    assert list(table.columns) == ["band", "low", "high", "count"]
    assert list(table["band"]) == [*HAND_SCORES, summary.NOT_SCORED]
    assert list(table["count"]) == [2, 2, 2, 2, 2, 3, 1]
    boxed = pd.DataFrame({"composite_score": pd.Series([85, None, 42.5], dtype=object)})
    assert list(summary.score_distribution(boxed)["count"]) == [1, 0, 0, 0, 1, 0, 1]
    for edge in (50, 60, 70, 80, 90):
        one = summary.score_distribution(pd.DataFrame({"composite_score": [float(edge)]}))
        below = summary.score_distribution(pd.DataFrame({"composite_score": [edge - 0.1]}))
        assert one.loc[one["low"] == edge, "count"].item() == 1, edge
        assert below.loc[below["high"] == edge, "count"].item() == 1, edge


# ---------------------------------------------------------------- the slow oracle


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return value if value.strip() else ""
    return value


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) else float(value)


def _edate(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _composite(row: dict) -> float | None:
    total = decimal.Decimal(0)
    for dim in DEFAULT_RULES.scoring.dimensions:
        key = next(f.key for f in DEFAULT_RULES.fields if f.header == dim.column)
        number = _number(row.get(key))
        if number is None:
            return None
        total += decimal.Decimal(repr(number)) * decimal.Decimal(repr(dim.weight))
    return float(total.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP))


def _grade(score: float | None) -> str:
    if score is None:
        return DEFAULT_RULES.scoring.incomplete_grade
    for band in DEFAULT_RULES.scoring.bands:
        if score >= band.lower:
            return band.grade
    return DEFAULT_RULES.scoring.fallback_grade


def slow_key_figures(ledger: pd.DataFrame, credentials: pd.DataFrame, as_of: dt.date) -> dict:
    """Every key figure of 汇总, one row at a time, from the rules as documented."""
    cycles = DEFAULT_RULES.cycles
    rows = [
        r for r in ledger.to_dict("records") if _text(r.get("customer_id")) or _text(r.get("name"))
    ]
    statuses = list(DEFAULT_RULES.field("status").allowed)
    risks = list(DEFAULT_RULES.field("risk_level").allowed)
    grade_names = ["A", "B", "C", "D", "待补充"]
    out: dict[str, dict[str, int]] = {
        "总体": {"客户总数": len(rows)},
        "按审核状态": dict.fromkeys([*statuses, summary.UNKNOWN], 0),
        summary.GRADE_SECTION: dict.fromkeys([*grade_names, summary.UNKNOWN], 0),
        "按风险等级": dict.fromkeys([*risks, summary.UNKNOWN], 0),
        "按到期提示": dict.fromkeys(
            [
                layout.DUE_OVERDUE,
                layout.DUE_SOON,
                layout.DUE_NEVER,
                layout.DUE_REJECTED,
                layout.DUE_OK,
                layout.STATUS_INACTIVE,
                layout.DUE_UNKNOWN,
            ],
            0,
        ),
        summary.TIMING_SECTION: dict.fromkeys(
            [layout.DUE_OVERDUE, "未来12个月内", "12个月以后", summary.NO_NEXT_REVIEW], 0
        ),
        "months": {},
        "due": [],  # (客户编号, 到期提示, 距到期天数 or None) of every customer not 已停用
    }
    first_month = dt.date(as_of.year, as_of.month, 1)
    horizon = _edate(first_month, 12)
    month_labels = []
    for k in range(12):
        start = _edate(first_month, k)
        month_labels.append(f"{start.year}年{start.month}月")
        out["months"][month_labels[-1]] = 0
    branches = set()
    inactive_ids = set()
    for row in rows:
        status, risk = _text(row.get("status")), _text(row.get("risk_level"))
        category = _text(row.get("category"))
        if _text(row.get("branch")):
            branches.add(row["branch"])
        out["按审核状态"][status if status in statuses else summary.UNKNOWN] += 1
        out["按风险等级"][risk if risk in risks else summary.UNKNOWN] += 1
        out[summary.GRADE_SECTION][_grade(_composite(row))] += 1
        if status == layout.STATUS_INACTIVE:
            inactive_ids.add(_text(row.get("customer_id")).casefold())
            out["按到期提示"][layout.STATUS_INACTIVE] += 1
            continue
        last_raw = row.get("last_review")
        last = _date(last_raw)
        months = cycles.cycle_for(risk, category)
        next_review = None
        if last is not None and months is not None and status != layout.STATUS_REJECTED:
            next_review = _edate(last, months)
        if status == layout.STATUS_REJECTED:
            flag = layout.DUE_REJECTED
        elif _text(last_raw) == "":
            flag = layout.DUE_NEVER
        elif next_review is None:
            flag = layout.DUE_UNKNOWN
        else:
            days = (next_review - as_of).days
            if days < 0:
                flag = layout.DUE_OVERDUE
            elif days <= cycles.due_soon_days:
                flag = layout.DUE_SOON
            else:
                flag = layout.DUE_OK
        out["按到期提示"][flag] += 1
        days_left = None if next_review is None else (next_review - as_of).days
        out["due"].append((_text(row.get("customer_id")), flag, days_left))
        timing = out[summary.TIMING_SECTION]
        if next_review is None:
            timing[summary.NO_NEXT_REVIEW] += 1
        elif next_review < as_of:
            timing[layout.DUE_OVERDUE] += 1
        elif next_review < horizon:
            timing["未来12个月内"] += 1
            k = (next_review.year - as_of.year) * 12 + next_review.month - as_of.month
            out["months"][month_labels[k]] += 1
        else:
            timing["12个月以后"] += 1
    out["总体"]["分公司数"] = len(branches)
    # documents: the latest of each (客户编号, 证明类型) counts; others are 已更新
    docs = [d for d in credentials.to_dict("records")]
    latest: dict[tuple[str, str], dt.date] = {}
    for d in docs:
        key = (_text(d.get("customer_id")).casefold(), _text(d.get("doc_type")).casefold())
        expires = _date(d.get("expires"))
        if key[0] and key[1] and expires is not None:
            latest[key] = max(latest.get(key, expires), expires)
    expired = soon = 0
    for d in docs:
        key = (_text(d.get("customer_id")).casefold(), _text(d.get("doc_type")).casefold())
        expires = _date(d.get("expires"))
        if expires is None or key[0] in inactive_ids:
            continue
        if key in latest and expires < latest[key]:
            continue
        days = (expires - as_of).days
        if days < 0:
            expired += 1
        elif days <= cycles.document_soon_days:
            soon += 1
    out[summary.DOCUMENTS_SECTION] = {"资信证明已过期": expired, "资信证明即将到期": soon}
    return out


def test_slow_oracle_agrees_on_the_hand_worked_case(hand_tables):
    slow = slow_key_figures(pd.DataFrame(HAND_ROWS, dtype=object), pd.DataFrame(HAND_DOCS), AS_OF)
    slow.pop("due")
    assert slow.pop("months") == {
        label: HAND_MONTHS.get(label, 0) for label in hand_tables["due_by_month"]["label"]
    }
    assert slow == HAND_FIGURES


@pytest.fixture(scope="module")
def careless_demo():
    as_of = dt.date(2026, 11, 23)
    data = generate_demo(n_customers=300, as_of=as_of)
    ledger = data.ledger.copy()
    ledger.loc[0, "last_review"] = "2025-13-40"
    ledger.loc[1, "status"] = "审核完成"
    ledger.loc[2, "risk_level"] = None
    ledger.loc[3, "branch"] = None
    ledger.loc[4, "score_credit"] = None
    ledger.loc[5, "last_review"] = None
    return as_of, ledger, data


def test_summary_tables_equal_the_slow_oracle(careless_demo):
    """300 generated customers: every figure of summary_tables equals the slow oracle's."""
    as_of, ledger, data = careless_demo
    tables = summary.summary_tables(
        portfolio.from_frames(ledger, data.credentials, data.reviews, as_of, DEFAULT_RULES, "x")
    )
    got = sections(tables)
    slow = slow_key_figures(ledger, data.credentials, as_of)
    months = slow.pop("months")
    oracle_due = slow.pop("due")
    assert (
        dict(zip(tables["due_by_month"]["label"], tables["due_by_month"]["count"], strict=True))
        == months
    )
    for name, want in slow.items():
        assert got[name] == want, name
    assert slow["总体"]["客户总数"] == 300
    # the generated data reaches every bucket the oracle distinguishes
    for name in ("按到期提示", summary.TIMING_SECTION):
        assert all(slow[name].values()), (name, slow[name])
    assert slow[summary.DOCUMENTS_SECTION]["资信证明已过期"] > 0
    assert slow[summary.DOCUMENTS_SECTION]["资信证明即将到期"] > 0
    # the due lists, customer by customer: flag and days left
    listed = pd.concat([tables["overdue"], tables["due_soon"], tables["never_reviewed"]])
    got_due = sorted(
        (cid, flag, None if math.isnan(days) else int(days))
        for cid, flag, days in zip(
            listed["customer_id"], listed["flag"], listed["days"], strict=True
        )
    )
    shown = {layout.DUE_OVERDUE, layout.DUE_SOON, layout.DUE_NEVER, layout.DUE_UNKNOWN}
    want_due = sorted(
        (cid, flag, days if flag in (layout.DUE_OVERDUE, layout.DUE_SOON) else None)
        for cid, flag, days in oracle_due
        if flag in shown
    )
    assert got_due == want_due
    assert list(tables["overdue"]["days"]) == sorted(tables["overdue"]["days"])


def test_timing_edges_by_hand():
    """基准日 2026-03-31, 12-month cycles: a review due today is 即将到期 and in the current
    month, not overdue; one due 2027-02-28 is the last day of the 12 months; one due
    2027-03-01 (the horizon) is 12个月以后; one due yesterday is overdue."""
    rows = [
        good_row(1, last_review=dt.date(2025, 3, 31)),  # next 2026-03-31: today
        good_row(2, last_review=dt.date(2026, 2, 28)),  # next 2027-02-28
        good_row(3, last_review=dt.date(2026, 3, 1)),  # next 2027-03-01: the horizon
        good_row(4, last_review=dt.date(2025, 3, 30)),  # next 2026-03-30: yesterday
        good_row(5, last_review=dt.date(2025, 4, 30)),  # next 2026-04-30: 30 days
        good_row(6, last_review=dt.date(2025, 5, 1)),  # next 2026-05-01: 31 days
    ]
    ledger = pd.DataFrame(rows, dtype=object)
    docs = pd.DataFrame([c for n in range(1, 7) for c in good_credentials(n)], dtype=object)
    tables = summary.summary_tables(portfolio.from_frames(ledger, docs, None, AS_OF))
    got = sections(tables)
    assert got[summary.TIMING_SECTION] == {
        layout.DUE_OVERDUE: 1,
        "未来12个月内": 4,
        "12个月以后": 1,
        summary.NO_NEXT_REVIEW: 0,
    }
    assert got["按到期提示"] == {
        layout.DUE_OVERDUE: 1,
        layout.DUE_SOON: 2,  # today (0 days) and 30 days
        layout.DUE_NEVER: 0,
        layout.DUE_REJECTED: 0,
        layout.DUE_OK: 3,
        layout.STATUS_INACTIVE: 0,
        layout.DUE_UNKNOWN: 0,
    }
    months = dict(
        zip(tables["due_by_month"]["label"], tables["due_by_month"]["count"], strict=True)
    )
    assert {k: v for k, v in months.items() if v} == {
        "2026年3月": 1,
        "2026年4月": 1,
        "2026年5月": 1,
        "2027年2月": 1,
    }
    slow = slow_key_figures(ledger, docs, AS_OF)
    slow.pop("due")
    assert slow.pop("months") == months
    assert slow[summary.TIMING_SECTION] == got[summary.TIMING_SECTION]
    assert [tuple(r) for r in tables["due_soon"][["customer_id", "days", "reason"]].to_numpy()] == [
        ("SH000001", 0.0, "今天到期"),
        ("SH000005", 30.0, "30 天后到期"),
    ]
