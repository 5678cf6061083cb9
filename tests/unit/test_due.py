"""Due reviews, expiring documents and risk warnings over crafted ledgers: who is listed, in
which order, with which reason, and who is left out."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ledger_xl.app.portfolio import load as load_portfolio
from ledger_xl.core import due, layout, portfolio
from ledger_xl.core.defaults import DEFAULT_RULES
from tests.validation.helpers import AS_OF, good_credentials, good_review, good_row


def last_for(days: int) -> dt.date:
    """A 最近审核日期 whose 12-month cycle (风险 低, 一般) falls due `days` after AS_OF."""
    target = AS_OF + dt.timedelta(days=days)
    return target.replace(year=target.year - 1)


def make(rows, credentials=(), reviews=()) -> portfolio.Portfolio:
    return portfolio.from_frames(
        pd.DataFrame(rows, dtype=object),
        pd.DataFrame(list(credentials), dtype=object) if credentials else None,
        pd.DataFrame(list(reviews), dtype=object) if reviews else None,
        AS_OF,
        DEFAULT_RULES,
        file="台账.xlsx",
    )


@pytest.fixture
def ledger():
    return make(
        [
            good_row(1, last_review=last_for(-5)),
            good_row(2, last_review=last_for(-100)),
            good_row(3, last_review=last_for(0)),
            good_row(4, last_review=last_for(30)),
            good_row(5, last_review=last_for(31)),
            good_row(6, last_review=None, status="待审核"),
            good_row(7, last_review="2024-3-5"),
            good_row(8, risk_level="极高"),
            good_row(9, last_review=last_for(-300), status="已停用"),
            good_row(10, last_review=last_for(-1), branch="北京分公司"),
            {"customer_id": None, "name": None},  # an unused row
        ]
    )


def test_due_list_order_flags_and_reasons(ledger):
    listed = due.due_reviews(ledger.customers)
    assert listed["customer_id"].tolist() == [
        "SH000002",
        "SH000001",
        "SH000010",
        "SH000006",
        "SH000007",
        "SH000008",
        "SH000003",
        "SH000004",
    ]
    assert (
        listed["flag"].tolist() == ["已逾期"] * 3 + ["未审核"] + ["无法判断"] * 2 + ["即将到期"] * 2
    )
    reasons = dict(zip(listed["customer_id"], listed["reason"], strict=True))
    assert reasons["SH000002"] == "已逾期 100 天"
    assert reasons["SH000003"] == "今天到期"
    assert reasons["SH000004"] == "30 天后到期"
    assert "2024-3-5" in reasons["SH000007"] and "不是日期" in reasons["SH000007"]
    assert "极高" in reasons["SH000008"]
    assert listed["days"].tolist()[:3] == [-100, -5, -1]
    assert listed["file"].unique().tolist() == ["台账.xlsx"]
    assert listed.loc[0, "row"] == 1  # the frame's own row numbers when not read from a file


def test_due_window_and_branch_filter(ledger):
    wide = due.due_reviews(ledger.customers, within=31)
    assert "SH000005" in wide["customer_id"].tolist()
    narrow = due.due_reviews(ledger.customers, within=0)
    assert "SH000004" not in narrow["customer_id"].tolist()
    assert "SH000003" in narrow["customer_id"].tolist()
    beijing = due.due_reviews(ledger.customers, branch="北京分公司")
    assert beijing["customer_id"].tolist() == ["SH000010"]


def test_inactive_customers_are_never_listed(ledger):
    assert "SH000009" not in due.due_reviews(ledger.customers)["customer_id"].tolist()


def test_due_list_follows_the_workbook_flags(ledger):
    """Without --within the list is exactly the workbook's 到期提示 plus what it cannot judge."""
    listed = due.due_reviews(ledger.customers)
    frame = ledger.customers.set_index("customer_id")
    for cid, flag in zip(listed["customer_id"], listed["flag"], strict=True):
        assert frame.at[cid, "due_flag"] == ("" if flag == layout.DUE_UNKNOWN else flag)


def documents_portfolio():
    rows = [good_row(n) for n in (1, 2, 3, 4)]
    rows[3]["status"] = "已停用"
    docs = [c for n in (1, 2, 3, 4) for c in good_credentials(n)]
    docs[1]["expires"] = AS_OF - dt.timedelta(days=10)  # SH000001 ID card expired
    docs[2]["expires"] = AS_OF + dt.timedelta(days=60)  # SH000002 licence expiring
    docs[3]["expires"] = AS_OF + dt.timedelta(days=61)  # SH000002 ID card: not yet
    docs[4]["expires"] = AS_OF - dt.timedelta(days=400)  # SH000003 licence expired ...
    renewal = dict(docs[4], expires=AS_OF + dt.timedelta(days=700), doc_number="NEW")
    docs[5]["expires"] = "长期"  # SH000003 ID card: not a date
    docs[7]["expires"] = AS_OF - dt.timedelta(days=1)  # SH000004 is inactive
    return make(rows, [*docs, renewal])


def test_expiring_documents():
    data = documents_portfolio()
    listed = due.expiring_documents(data.documents)
    assert list(zip(listed["customer_id"], listed["doc_status"], strict=True)) == [
        ("SH000001", "已过期"),
        ("SH000003", "无法判断"),
        ("SH000002", "即将到期"),
    ]
    assert listed.loc[0, "doc_number"].count("*") == 8  # resident ID masked
    assert listed.loc[0, "reason"] == "已过期 10 天"
    assert "长期" in listed.loc[1, "reason"]
    unmasked = due.expiring_documents(data.documents, mask=False)
    assert "*" not in unmasked.loc[0, "doc_number"]
    wider = due.expiring_documents(data.documents, within=61)
    assert len(wider) == 4


def test_renewed_document_is_superseded():
    data = documents_portfolio()
    docs = data.documents
    old = docs[(docs["customer_id"] == "SH000003") & (docs["doc_type"] == "营业执照")]
    assert sorted(old["doc_status"]) == sorted(["有效", "已更新"])
    assert old["superseded"].sum() == 1


def test_risk_warnings():
    rows = [
        good_row(1),  # 82.5 B now; previous 92.5 A → drop of exactly 10 and grade down
        good_row(2),  # previous 91.0 → drop 8.5, grade A → B
        good_row(3, credit_report_date=dt.date(2025, 3, 30)),  # more than a year before AS_OF
        good_row(4, score_financial=40.0, score_credit=40.0),  # D, approved
        good_row(5, credit_report_date=dt.date(2025, 3, 31)),  # exactly a year: not stale
        good_row(6, status="已停用", score_financial=10.0),
        good_row(7),  # approved, licence expired and not renewed
    ]
    reviews = [
        good_review(1, review_date=dt.date(2025, 1, 15), composite_score=92.5, grade="A"),
        good_review(1),  # the current review, same date as 最近审核日期: not "previous"
        good_review(2, review_date=dt.date(2025, 1, 15), composite_score=91.0, grade="A"),
        good_review(6, review_date=dt.date(2025, 1, 15), composite_score=95.0, grade="A"),
    ]
    docs = [c for n in range(1, 8) for c in good_credentials(n)]
    docs[12]["expires"] = AS_OF - dt.timedelta(days=3)
    data = make(rows, docs, reviews)
    warnings = due.risk_warnings(data.customers, data.documents, data.reviews, AS_OF, DEFAULT_RULES)
    found = sorted(zip(warnings["customer_id"], warnings["warning"], strict=True))
    assert found == sorted(
        [
            ("SH000001", due.WARN_SCORE_DROP),
            ("SH000001", due.WARN_GRADE_DOWN),
            ("SH000002", due.WARN_GRADE_DOWN),
            ("SH000003", due.WARN_STALE_REPORT),
            ("SH000004", due.WARN_WORST_GRADE),
            ("SH000007", due.WARN_EXPIRED_DOCUMENT),
        ]
    )
    first = warnings[warnings["customer_id"] == "SH000001"].iloc[0]
    assert first["previous_score"] == 92.5 and first["previous_grade"] == "A"
    assert "92.5" in first["detail"] and "82.5" in first["detail"]
    assert warnings["warning"].tolist()[0] == due.WARN_SCORE_DROP  # kinds in catalogue order


def test_records_are_json_ready(ledger):
    import json

    rows = due.records(due.due_reviews(ledger.customers))
    text = json.dumps(rows, ensure_ascii=False)
    assert "NaN" not in text and "NaT" not in text
    first = rows[0]
    assert first["days"] == -100 and isinstance(first["days"], int)
    assert first["last_review"] == last_for(-100).isoformat()
    never = next(r for r in rows if r["flag"] == "未审核")
    assert never["last_review"] is None and never["days"] is None


def test_empty_portfolio_gives_empty_lists():
    data = make([{"customer_id": None, "name": None}])
    lists = due.portfolio_due(data)
    assert all(frame.empty for frame in lists.values())
    assert list(lists["reviews"].columns) == list(due.DUE_COLUMNS)


def test_library_calls_are_exported():
    import ledger_xl

    assert ledger_xl.due_reviews is due.due_reviews
    assert ledger_xl.load_portfolio is load_portfolio
    assert callable(ledger_xl.validate_workbook) and callable(ledger_xl.summary_tables)
    with pytest.raises(AttributeError):
        ledger_xl.no_such_call  # noqa: B018


# ---------------------------------------------------------------- controls in the due lists


def test_rejected_customers_leave_the_schedule():
    book = make(
        [
            good_row(1, last_review=last_for(-50), status="审核未通过"),
            good_row(2, last_review=last_for(-50)),
        ]
    )
    assert book.customers["due_flag"].tolist() == ["未通过", "已逾期"]
    assert due.due_reviews(book.customers)["customer_id"].tolist() == ["SH000002"]


def test_a_risk_signal_lists_the_customer_for_an_early_review():
    rows = [
        good_row(1, litigation_count=1.0),
        good_row(2, dishonest="是", last_review=last_for(-3)),  # already overdue: stays so
        good_row(3),
    ]
    book = make(rows, reviews=[good_review(1), good_review(2), good_review(3)])
    listed = due.portfolio_due(book)["reviews"]
    flags = dict(zip(listed["customer_id"], listed["flag"], strict=True))
    assert flags == {"SH000002": "已逾期", "SH000001": "提前复审"}
    early = listed[listed["flag"] == "提前复审"].iloc[0]
    assert early["reason"] == "违约/涉诉 1 次：应于 2026-04-15 前复审（原定 2027-01-15）"
    assert early["days"] == (dt.date(2026, 4, 15) - AS_OF).days
    assert listed["flag"].tolist() == ["已逾期", "提前复审"]  # overdue first


def test_early_review_past_its_date_says_how_late():
    row = good_row(1, litigation_count=2.0, last_review=dt.date(2025, 11, 20))
    book = make([row], reviews=[good_review(1, review_date=dt.date(2025, 11, 20))])
    (reason,) = due.portfolio_due(book)["reviews"]["reason"]
    assert reason.endswith("已过 39 天") and "应于 2026-02-20 前复审" in reason


def test_waiting_customers_longest_first():
    rows = [
        good_row(1, status="待审核", submitted=AS_OF - dt.timedelta(days=10), last_review=None),
        good_row(2, status="审核中", submitted=AS_OF - dt.timedelta(days=40)),
        good_row(3, status="待审核", submitted=None, last_review=None),
        good_row(4, status="审核通过"),
        good_row(5, status="审核中", submitted="2026年3月1日"),
    ]
    waiting = due.waiting_reviews(make(rows).customers, AS_OF)
    assert waiting["customer_id"].tolist() == ["SH000002", "SH000001", "SH000003", "SH000005"]
    assert waiting["waited"].tolist()[:2] == [40, 10]
    assert waiting["reason"].tolist()[0] == "已等待 40 天"
    assert all("提交日期未填或不是日期" in r for r in waiting["reason"].tolist()[2:])
    assert "waiting" in due.portfolio_due(make(rows))


def test_an_old_workbook_still_gets_every_list(tmp_path):
    """Template 1.0 (no 提交日期, 违约/涉诉次数 …): the lists are built, the new ones empty."""
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "messy_branch.xlsx"
    book = load_portfolio([fixture], dt.date(2026, 11, 23))
    lists = due.portfolio_due(book)
    assert not (lists["reviews"]["flag"] == "未通过").any()
    assert set(lists["waiting"]["reason"]) == {"提交日期未填或不是日期，无法计算等待天数"}
    # the 1.0 formulas keep 审核未通过 customers on the schedule; so do the lists
    rejected = book.customers[book.customers["status"] == "审核未通过"]
    assert set(rejected["due_flag"]) <= {"已逾期", "即将到期", "正常"}


def test_records_give_json_values_of_every_kind():
    """`records` (the JSON of `due --format json`): dates as ISO text whatever held them,
    missing values as None, numpy numbers and booleans as Python's, whole day counts and row
    numbers as int, other whole numbers as float."""
    import numpy as np

    frame = pd.DataFrame(
        {
            "text": ["甲", "乙", "丙", "丁", "戊", "己"],
            "when": pd.Series(
                [
                    pd.Timestamp("2026-03-01 13:45"),
                    dt.datetime(2025, 12, 31, 23, 59),
                    np.datetime64("2024-02-29"),
                    pd.NaT,
                    None,
                    float("nan"),
                ],
                dtype=object,
            ),
            "day": pd.to_datetime(["2026-01-02", None, "2027-12-31", None, "2000-02-29", None]),
            "days": [3.0, -30.0, float("nan"), 0.0, 12.0, 1.0],
            "row": pd.Series([np.int64(5), 6.0, None, np.int32(7), 8.0, 9], dtype=object),
            "score": pd.Series(
                [np.float32(82.5), 85.0, np.float64(70.25), np.int64(60), None, 1e20],
                dtype=object,
            ),
            "flag": pd.Series([np.bool_(True), np.bool_(False), True, None, "是", 0], dtype=object),
        }
    )
    expected = [
        {
            "text": "甲",
            "when": "2026-03-01",
            "day": "2026-01-02",
            "days": 3,
            "row": 5,
            "score": 82.5,
            "flag": True,
        },
        {
            "text": "乙",
            "when": "2025-12-31",
            "day": None,
            "days": -30,
            "row": 6,
            "score": 85.0,
            "flag": False,
        },
        {
            "text": "丙",
            "when": "2024-02-29",
            "day": "2027-12-31",
            "days": None,
            "row": None,
            "score": 70.25,
            "flag": True,
        },
        {"text": "丁", "when": None, "day": None, "days": 0, "row": 7, "score": 60, "flag": None},
        {
            "text": "戊",
            "when": None,
            "day": "2000-02-29",
            "days": 12,
            "row": 8,
            "score": None,
            "flag": "是",
        },
        {"text": "己", "when": None, "day": None, "days": 1, "row": 9, "score": 1e20, "flag": 0},
    ]
    assert due.records(frame) == expected
    # equal and of the same type: 1.0 == True, 0 == 0.0 and 85 == 85.0 in Python
    assert [{k: type(v) for k, v in r.items()} for r in due.records(frame)] == [
        {k: type(v) for k, v in r.items()} for r in expected
    ]
    assert due.records(frame.iloc[:, :0]) == [{}] * 6
