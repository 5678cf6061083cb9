"""The due lists at their edges (found by mutation testing): what `portfolio_due` passes on
to each list, the day a date falls due, the order ties are broken in, each workbook's own
rules, and the exact columns and JSON types of the results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd

from ledger_xl.core import due, layout, portfolio
from ledger_xl.core.defaults import DEFAULT_RULES
from tests.validation.helpers import AS_OF, good_credentials, good_review, good_row

FILE = "台账.xlsx"
D = dt.date


def make(rows, credentials=(), reviews=(), rules=DEFAULT_RULES) -> portfolio.Portfolio:
    return portfolio.from_frames(
        pd.DataFrame(rows, dtype=object),
        pd.DataFrame(list(credentials), dtype=object) if credentials else None,
        pd.DataFrame(list(reviews), dtype=object) if reviews else None,
        AS_OF,
        rules,
        file=FILE,
    )


def with_cycles(**changes):
    return DEFAULT_RULES.model_copy(
        update={"cycles": DEFAULT_RULES.cycles.model_copy(update=changes)}
    )


def doc(n: int, kind: int, expires) -> dict:
    return dict(good_credentials(n)[kind], expires=expires)


# ------------------------------------------------------------------ portfolio_due wiring


def two_branch_book(rules=DEFAULT_RULES) -> portfolio.Portfolio:
    """Shanghai and Beijing customers: due in 20 and 40 days, waiting, documents expiring in
    20 and 70 days, one early review, one stale credit report each."""
    due_in = {20: D(2025, 4, 20), 40: D(2025, 5, 10)}  # 12-month cycle from these dates
    rows = [
        good_row(1, last_review=due_in[20]),
        good_row(2, last_review=due_in[40]),
        good_row(3, last_review=due_in[20], branch="北京分公司"),
        good_row(4, status="待审核", submitted=AS_OF - dt.timedelta(days=9), last_review=None),
        good_row(5, status="审核中", submitted=AS_OF - dt.timedelta(days=4), branch="北京分公司"),
        good_row(6, litigation_count=1.0),
        good_row(7, credit_report_date=D(2024, 1, 1)),
        good_row(8, credit_report_date=D(2024, 1, 1), branch="北京分公司"),
    ]
    docs = [
        doc(1, 0, AS_OF + dt.timedelta(days=20)),
        doc(2, 0, AS_OF + dt.timedelta(days=70)),
        doc(3, 0, AS_OF + dt.timedelta(days=20)),
    ]
    reviews = [good_review(n) for n in (6, 7, 8)]
    return make(rows, docs, reviews, rules)


def listed(frame: pd.DataFrame, *columns: str) -> list[tuple]:
    return list(zip(*(frame[c].tolist() for c in columns), strict=True))


def test_portfolio_due_gives_exactly_four_lists_with_their_columns():
    lists = due.portfolio_due(two_branch_book())
    assert list(lists) == ["reviews", "waiting", "documents", "warnings"]
    assert list(lists["reviews"].columns) == list(due.DUE_COLUMNS)
    assert list(lists["waiting"].columns) == list(due.WAITING_COLUMNS)
    assert list(lists["documents"].columns) == list(due.DOCUMENT_COLUMNS)
    assert list(lists["warnings"].columns) == list(due.WARNING_COLUMNS)
    for frame in lists.values():
        assert frame.index.tolist() == list(range(len(frame)))


def test_portfolio_due_defaults_every_list_from_the_workbook():
    lists = due.portfolio_due(two_branch_book())
    reviews = lists["reviews"]
    assert reviews["customer_id"].tolist() == ["SH000006", "SH000004", "SH000001", "SH000003"]
    assert reviews["flag"].tolist() == ["提前复审", "未审核", "即将到期", "即将到期"]
    assert listed(lists["waiting"], "customer_id", "waited", "reason") == [
        ("SH000004", 9.0, "已等待 9 天"),
        ("SH000005", 4.0, "已等待 4 天"),
    ]
    assert listed(lists["documents"], "customer_id", "doc_status", "reason") == [
        ("SH000001", "即将到期", "20 天后到期"),
        ("SH000003", "即将到期", "20 天后到期"),
    ]
    assert listed(lists["warnings"], "customer_id", "warning") == [
        ("SH000007", due.WARN_STALE_REPORT),
        ("SH000008", due.WARN_STALE_REPORT),
    ]


def test_portfolio_due_passes_windows_and_branch_to_every_list():
    book = two_branch_book()
    wide = due.portfolio_due(book, within=40, document_within=70)
    assert "SH000002" in wide["reviews"]["customer_id"].tolist()
    assert listed(wide["documents"], "customer_id", "days") == [
        ("SH000001", 20.0),
        ("SH000003", 20.0),
        ("SH000002", 70.0),
    ]
    narrow = due.portfolio_due(book, within=10, document_within=10)
    assert "SH000001" not in narrow["reviews"]["customer_id"].tolist()
    assert narrow["documents"].empty
    beijing = due.portfolio_due(book, branch="北京分公司")
    assert beijing["reviews"]["customer_id"].tolist() == ["SH000003"]
    assert beijing["waiting"]["customer_id"].tolist() == ["SH000005"]
    assert beijing["waiting"]["waited"].tolist() == [4.0]
    assert beijing["documents"]["customer_id"].tolist() == ["SH000003"]
    assert beijing["warnings"]["customer_id"].tolist() == ["SH000008"]


def test_portfolio_due_uses_each_workbooks_own_early_review_cycle():
    # The workbook's 提前复审周期 is 1 month: 2026-01-15 + 1 month is already past AS_OF.
    book = two_branch_book(with_cycles(early_review_months=1))
    early = due.portfolio_due(book)["reviews"].iloc[0]
    assert early["customer_id"] == "SH000006"
    assert (
        early["reason"] == "违约/涉诉 1 次：应于 2026-02-15 前复审（原定 2027-01-15），已过 44 天"
    )
    assert early["days"] == -44
    # The portfolio's first rules are not the workbook's: each file keeps its own.
    mixed = dataclasses.replace(book, rules=DEFAULT_RULES)
    assert due.portfolio_due(mixed)["reviews"].iloc[0]["days"] == -44


def test_early_review_without_rules_for_the_file_uses_the_defaults():
    book = two_branch_book(with_cycles(early_review_months=1))
    listed_ = due.due_reviews(book.customers, reviews=book.reviews, rules_by_file={})
    early = listed_[listed_["flag"] == layout.DUE_EARLY].iloc[0]
    assert early["reason"] == "违约/涉诉 1 次：应于 2026-04-15 前复审（原定 2027-01-15）"
    assert early["days"] == 15


# ------------------------------------------------------------------------ due reviews


def test_early_review_falling_due_today_is_not_late():
    # 2025-12-31 + 3 months = 2026-03-31 = AS_OF: due today, not "已过 0 天".
    row = good_row(1, litigation_count=1.0, last_review=D(2025, 12, 31))
    book = make([row], reviews=[good_review(1, review_date=D(2025, 12, 31))])
    (early,) = due.portfolio_due(book)["reviews"].itertuples()
    assert early.flag == layout.DUE_EARLY
    assert early.reason == "违约/涉诉 1 次：应于 2026-03-31 前复审（原定 2026-12-31）"
    assert early.days == 0


def test_an_overdue_customer_before_an_early_one_does_not_stop_the_early_reviews():
    rows = [
        good_row(1, dishonest="是", last_review=D(2025, 3, 1)),  # overdue: stays 已逾期
        good_row(2, litigation_count=1.0),
        good_row(3, litigation_count=2.0),
    ]
    book = make(rows, reviews=[good_review(n) for n in (1, 2, 3)])
    flags = listed(due.portfolio_due(book)["reviews"], "customer_id", "flag")
    assert flags == [
        ("SH000001", layout.DUE_OVERDUE),
        ("SH000002", layout.DUE_EARLY),
        ("SH000003", layout.DUE_EARLY),
    ]


# ---------------------------------------------------------------------- waiting reviews


def test_waiting_reviews_submitted_today_later_and_unknown():
    rows = [
        good_row(1, status="待审核", submitted=AS_OF, last_review=None),
        good_row(2, status="待审核", submitted=AS_OF + dt.timedelta(days=1), last_review=None),
        good_row(3, status="审核中", submitted=None),
        good_row(4, status="审核中", submitted=AS_OF - dt.timedelta(days=1)),
    ]
    waiting = due.waiting_reviews(make(rows).customers, AS_OF)
    # Known waits longest first (one submitted after 基准日 waited -1 days), unknown last.
    assert listed(waiting, "customer_id", "reason") == [
        ("SH000004", "已等待 1 天"),
        ("SH000001", "已等待 0 天"),
        ("SH000002", "提交日期晚于基准日"),
        ("SH000003", "提交日期未填或不是日期，无法计算等待天数"),
    ]
    assert waiting["waited"].tolist()[:3] == [1.0, 0.0, -1.0]
    assert np.isnan(waiting["waited"].iat[3])
    submitted = [None if pd.isna(v) else pd.Timestamp(v).date() for v in waiting["submitted"]]
    assert submitted == [AS_OF - dt.timedelta(days=1), AS_OF, AS_OF + dt.timedelta(days=1), None]
    assert list(waiting.columns) == list(due.WAITING_COLUMNS)
    assert waiting.index.tolist() == [0, 1, 2, 3]


# ------------------------------------------------------------------- expiring documents


def documents_book():
    rows = [good_row(n) for n in range(1, 6)]
    docs = [
        doc(1, 0, AS_OF - dt.timedelta(days=5)),  # expired 5 days ago
        doc(2, 0, AS_OF - dt.timedelta(days=50)),  # expired 50 days ago: listed first
        doc(3, 0, AS_OF),  # expires today: 即将到期, not 已过期
        doc(4, 0, AS_OF + dt.timedelta(days=1)),
        doc(5, 0, "长期"),  # not a date
        doc(5, 1, None),  # blank: not listed
    ]
    return make(rows, docs)


def test_expiring_documents_order_reasons_and_dates():
    listed_ = due.expiring_documents(documents_book().documents)
    assert listed(listed_, "customer_id", "doc_status", "reason") == [
        ("SH000002", "已过期", "已过期 50 天"),
        ("SH000001", "已过期", "已过期 5 天"),
        ("SH000005", "无法判断", "有效期至“长期”不是日期，请改为日期格式"),
        ("SH000003", "即将到期", "今天到期"),
        ("SH000004", "即将到期", "1 天后到期"),
    ]
    expires = [None if pd.isna(v) else pd.Timestamp(v).date() for v in listed_["expires"]]
    assert expires == [
        AS_OF - dt.timedelta(days=50),
        AS_OF - dt.timedelta(days=5),
        None,
        AS_OF,
        AS_OF + dt.timedelta(days=1),
    ]
    assert list(listed_.columns) == list(due.DOCUMENT_COLUMNS)
    assert listed_.index.tolist() == [0, 1, 2, 3, 4]


def test_expiring_documents_with_a_window_keep_today_as_due_soon():
    listed_ = due.expiring_documents(documents_book().documents, within=0)
    assert listed(listed_, "customer_id", "doc_status", "reason") == [
        ("SH000002", "已过期", "已过期 50 天"),
        ("SH000001", "已过期", "已过期 5 天"),
        ("SH000005", "无法判断", "有效期至“长期”不是日期，请改为日期格式"),
        ("SH000003", "即将到期", "今天到期"),
    ]


def test_unreadable_document_sorts_before_one_due_today_whatever_the_ids():
    rows = [good_row(1), good_row(9)]
    docs = [doc(1, 0, AS_OF), doc(9, 0, "待定")]
    listed_ = due.expiring_documents(make(rows, docs).documents)
    assert listed(listed_, "customer_id", "doc_status") == [
        ("SH000009", "无法判断"),
        ("SH000001", "即将到期"),
    ]


def test_expiring_documents_leave_out_documents_of_inactive_owners_by_their_flag():
    documents = documents_book().documents.copy()
    documents["owner_inactive"] = documents["customer_id"] == "SH000002"
    assert "SH000002" not in due.expiring_documents(documents)["customer_id"].tolist()
    # A frame without the flag falls back to the row's own 审核状态.
    plain = documents_book().documents.drop(columns="owner_inactive")
    plain.loc[plain["customer_id"] == "SH000001", "status"] = layout.STATUS_INACTIVE
    ids = due.expiring_documents(plain)["customer_id"].tolist()
    assert ids == ["SH000002", "SH000005", "SH000003", "SH000004"]


def test_expiring_documents_of_one_branch():
    rows = [good_row(1), good_row(2, branch="北京分公司")]
    docs = [doc(1, 0, AS_OF - dt.timedelta(days=1)), doc(2, 0, AS_OF - dt.timedelta(days=2))]
    listed_ = due.expiring_documents(make(rows, docs).documents, branch="北京分公司")
    assert listed_["customer_id"].tolist() == ["SH000002"]


# ------------------------------------------------------------------------ risk warnings


def test_worst_grade_is_judged_by_the_workbooks_own_rules():
    data = make([good_row(1, score_financial=40.0, score_credit=40.0)])
    assert data.customers["grade"].tolist() == ["D"]
    other = DEFAULT_RULES.model_copy(
        update={"scoring": DEFAULT_RULES.scoring.model_copy(update={"fallback_grade": "E"})}
    )
    warnings = due.risk_warnings(
        data.customers, data.documents, data.reviews, AS_OF, other, rules_by_file=data.rules_by_file
    )
    assert listed(warnings, "customer_id", "warning", "detail") == [
        ("SH000001", due.WARN_WORST_GRADE, "评级为 D（综合评分 57），仍为审核通过"),
    ]


# ------------------------------------------------------------------------------ records


def test_records_keep_scores_as_floats_and_day_counts_as_ints():
    frame = pd.DataFrame(
        {
            "days": [3.0],
            "composite_score": [80.0],
            "previous_score": [79.5],
            "when": [pd.Timestamp("2026-03-31")],
            "missing": [pd.NaT],
            "row": [7.0],
        }
    )
    (row,) = due.records(frame)
    assert row == {
        "days": 3,
        "composite_score": 80.0,
        "previous_score": 79.5,
        "when": "2026-03-31",
        "missing": None,
        "row": 7,
    }
    assert [type(row[k]) for k in row] == [int, float, float, str, type(None), int]
    json.dumps(row)


def test_portfolio_due_warnings_follow_each_workbooks_rules_not_the_first_ones():
    data = make([good_row(1, score_financial=40.0, score_credit=40.0)])
    other = DEFAULT_RULES.model_copy(
        update={"scoring": DEFAULT_RULES.scoring.model_copy(update={"fallback_grade": "E"})}
    )
    mixed = dataclasses.replace(data, rules=other)
    warnings = due.portfolio_due(mixed)["warnings"]
    assert listed(warnings, "customer_id", "warning") == [("SH000001", due.WARN_WORST_GRADE)]


def test_risk_warnings_details_and_order_exactly():
    rows = [
        good_row(1, credit_report_date=D(2025, 3, 30)),  # stale report only
        good_row(2),  # 92.5 A before, 82.5 B now: a drop of exactly 10 and a grade down
        good_row(3),  # 85.0 B before, 82.5 B now: same grade, a drop under 10
        good_row(4),  # two documents expired, one without a 证明类型
    ]
    reviews = [
        good_review(2, review_date=D(2025, 1, 15), composite_score=92.5, grade="A"),
        good_review(3, review_date=D(2025, 1, 15), composite_score=85.0, grade="B"),
    ]
    docs = [
        doc(4, 0, AS_OF - dt.timedelta(days=3)),
        dict(doc(4, 1, AS_OF - dt.timedelta(days=2)), doc_type=None),
    ]
    data = make(rows, docs, reviews)
    warnings = due.risk_warnings(data.customers, data.documents, data.reviews, AS_OF, DEFAULT_RULES)
    assert listed(warnings, "warning", "customer_id", "detail") == [
        (due.WARN_SCORE_DROP, "SH000002", "综合评分由 92.5 降至 82.5（下降 10.0 分）"),
        (due.WARN_GRADE_DOWN, "SH000002", "评级由 A 下调为 B"),
        (
            due.WARN_EXPIRED_DOCUMENT,
            "SH000004",
            "营业执照、证件已过期，客户仍为审核通过，请收取新证件",
        ),
        (due.WARN_STALE_REPORT, "SH000001", "信用报告日期 2025-03-30 已超过一年，请更新信用报告"),
    ]


def test_no_risk_warnings_is_an_empty_table_with_the_columns():
    data = make([good_row(1)])
    warnings = due.risk_warnings(data.customers, data.documents, data.reviews, AS_OF, DEFAULT_RULES)
    assert warnings.empty
    assert list(warnings.columns) == list(due.WARNING_COLUMNS)
    assert set(warnings.dtypes) == {np.dtype(object)}


def test_due_reviews_reasons_and_dates_exactly():
    rows = [
        good_row(1, last_review=None, status="待审核"),
        good_row(2, risk_level="极高"),
        good_row(3, last_review=D(2025, 4, 10)),
    ]
    listed_ = due.due_reviews(make(rows).customers)
    assert listed(listed_, "customer_id", "flag", "reason") == [
        ("SH000001", layout.DUE_NEVER, "没有最近审核日期"),
        (
            "SH000002",
            layout.DUE_UNKNOWN,
            "风险等级“极高”与客户类别“一般”在审核周期表中没有对应周期",
        ),
        ("SH000003", layout.DUE_SOON, "10 天后到期"),
    ]
    dates = [
        [None if pd.isna(v) else pd.Timestamp(v).date() for v in listed_[column]]
        for column in ("last_review", "next_review")
    ]
    assert dates == [[None, D(2026, 1, 15), D(2025, 4, 10)], [None, None, D(2026, 4, 10)]]


# ------------------------------------------------------------------------------- lapsed


def _lists(review_flags=(), doc_statuses=()) -> dict[str, pd.DataFrame]:
    return {
        "reviews": pd.DataFrame({"flag": list(review_flags)}, dtype=object),
        "documents": pd.DataFrame({"doc_status": list(doc_statuses)}, dtype=object),
    }


def test_lapsed_is_an_overdue_customer_or_an_expired_document():
    assert due.lapsed(_lists([layout.DUE_SOON, layout.DUE_OVERDUE])) is True
    assert due.lapsed(_lists(doc_statuses=[layout.DOC_SOON, layout.DOC_EXPIRED])) is True
    assert due.lapsed(_lists([layout.DUE_OVERDUE], [layout.DOC_EXPIRED])) is True


def test_not_lapsed_when_only_due_soon_never_reviewed_or_early():
    flags = [layout.DUE_SOON, layout.DUE_NEVER, layout.DUE_EARLY, layout.DUE_UNKNOWN]
    assert due.lapsed(_lists(flags, [layout.DOC_SOON, layout.DUE_UNKNOWN])) is False
    assert due.lapsed(_lists()) is False


def test_json_columns_give_the_same_values_whatever_the_column_kind():
    # A column of mixed kinds goes value by value: whole day counts and row numbers are
    # integers there too, other whole numbers stay floats, blanks of every kind are null.
    mixed = [3.0, np.float64(4.0), np.int64(5), 2.5, None, float("nan"), pd.NaT, "x", True]
    rest = [2.5, None, None, None, "x", True]
    for key, whole in (("days", int), (due.ROW, int), ("score", float)):
        got = due._json_column(key, pd.Series(mixed, dtype=object))
        assert got == [3, 4, 5, *rest]
        assert [type(v) for v in got[:3]] == [whole, whole, int], key
    when = pd.Series([pd.Timestamp("2026-12-02 13:00"), pd.NaT, "2026-12-02"], dtype=object)
    assert due._json_column("due", when) == ["2026-12-02", None, "2026-12-02"]
    typed = pd.Series([pd.Timestamp("2026-12-02 13:00"), pd.NaT])
    assert due._json_column("due", typed) == ["2026-12-02", None]
    assert due._json_column("days", pd.Series([3.0, float("nan"), 2.5])) == [3, None, 2.5]
    assert due._json_column("score", pd.Series([3.0, 2.5])) == [3.0, 2.5]
