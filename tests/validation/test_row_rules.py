"""The ledger's row rules (`checks/rows.py`) at their edges: how many other cells a duplicate
names, which identifiers count as the same, each date column against 基准日 (the day itself
allowed), the credit report's one-year line, and what conditional-missing says."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger_xl.app.validate import validate_workbook

from .helpers import AS_OF, build, good_row
from .test_codes import cell


def _found(path, code: str) -> list[tuple[str, str, str]]:
    return [
        (f.cell, f.value, f.message)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.code == code
    ]


@pytest.mark.parametrize("copies", [2, 4, 5])
def test_a_duplicate_names_at_most_three_other_cells(tmp_path, copies):
    rows = [good_row(n, customer_id="SH000001" if n <= copies else None) for n in range(1, 7)]
    rows = [r if r["customer_id"] else good_row(n + 1) for n, r in enumerate(rows)]
    found = _found(build(tmp_path, rows=rows), "duplicate-customer-id")
    at = [cell("customer_id", n) for n in range(1, copies + 1)]
    expected = []
    for here in at:
        others = [f"台账!{c}" for c in at if c != here]
        more = f" 等 {len(others)} 处" if len(others) > 3 else ""
        message = f"客户编号“SH000001”重复，另见 {'、'.join(others[:3])}{more}"
        expected.append((here, "SH000001", message))
    assert found == expected


@pytest.mark.parametrize(
    ("first", "second", "value"),
    [
        ("SH000001", " sh000001 ", "SH000001"),  # spaces and case do not make another customer
        (1001.0, "1001", "1001"),  # a number cell and the same digits as text
        ("sh000001", "SH000001", "SH000001"),
    ],
)
def test_identifiers_compare_trimmed_and_in_upper_case(tmp_path, first, second, value):
    rows = [good_row(1, customer_id=first), good_row(2, customer_id=second), good_row(3)]
    found = _found(build(tmp_path, rows=rows), "duplicate-customer-id")
    assert [(c, v) for c, v, _ in found] == [
        (cell("customer_id", 1), value),
        (cell("customer_id", 2), value),
    ]


def test_different_identifiers_are_no_duplicate(tmp_path):
    rows = [good_row(1, customer_id="SH000001"), good_row(2, customer_id="SH0000010")]
    assert _found(build(tmp_path, rows=rows), "duplicate-customer-id") == []


@pytest.mark.parametrize("key", ["last_review", "founded", "submitted", "approval_date"])
def test_every_date_column_is_held_against_the_as_of_day(tmp_path, key):
    later = AS_OF + dt.timedelta(days=1)
    rows = [good_row(1, **{key: later}), good_row(2, **{key: AS_OF})]  # the day itself is fine
    found = _found(build(tmp_path, rows=rows), "date-after-as-of")
    assert [(c, v) for c, v, _ in found] == [(cell(key, 1), later.isoformat())]
    assert AS_OF.isoformat() in found[0][2]  # the message names 基准日


def test_the_credit_report_goes_stale_after_exactly_a_year(tmp_path):
    year_ago = AS_OF.replace(year=AS_OF.year - 1)
    rows = [
        good_row(1, credit_report_date=year_ago),  # EDATE(基准日, -12): still fresh
        good_row(2, credit_report_date=year_ago - dt.timedelta(days=1)),
    ]
    found = _found(build(tmp_path, rows=rows), "credit-report-stale")
    assert [(c, v) for c, v, _ in found] == [
        (cell("credit_report_date", 2), (year_ago - dt.timedelta(days=1)).isoformat())
    ]


@pytest.mark.parametrize("status", ["审核通过", "审核未通过"])
def test_a_decided_review_needs_its_date_reviewer_and_scores(tmp_path, status):
    blank = dict(last_review=None, reviewer=None, score_credit=None, opinion=None)
    rows = [good_row(1, status=status, **blank), good_row(2)]
    found = _found(build(tmp_path, rows=rows), "conditional-missing")
    keys = ["last_review", "reviewer", "score_credit"]
    if status == "审核未通过":
        keys.append("opinion")  # only a rejection must say why
    assert sorted(c for c, _, _ in found) == sorted(cell(k, 1) for k in keys)
    assert all(f"审核状态为“{status}”" in message for _, _, message in found)


@pytest.mark.parametrize("status", ["待审核", "审核中", ""])
def test_an_undecided_review_needs_none_of_them(tmp_path, status):
    blank = dict(last_review=None, reviewer=None, score_credit=None, opinion=None)
    rows = [good_row(1, status=status or None, **blank), good_row(2)]
    assert _found(build(tmp_path, rows=rows), "conditional-missing") == []


def test_a_ledger_without_its_status_column_is_checked_without_one(tmp_path):
    """审核状态's header renamed: the column is missing (reported), no review counts as
    decided, and the rest of the row rules still run (a duplicate is still found)."""
    from xlsxwriter.utility import xl_col_to_name

    from ledger_xl.core.defaults import DEFAULT_RULES

    from .helpers import rewrite_sheet_xml
    from .test_structure_codes import LEDGER, _header

    status = xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index("status"))
    rows = [good_row(1, last_review=None), good_row(2, customer_id="SH000001")]
    path = rewrite_sheet_xml(build(tmp_path, rows=rows), LEDGER, _header(f"{status}3", "状态X"))
    found = validate_workbook(path, as_of=AS_OF).findings
    codes = {(f.code, f.cell) for f in found}
    assert ("column-missing", "A3") in codes and ("column-unknown", "A3") in codes
    assert not [f for f in found if f.code in ("conditional-missing", "file-unreadable")]
    assert [f.cell for f in found if f.code == "duplicate-customer-id"] == ["A4", "A5"]


@pytest.mark.parametrize("drop_grade", [False, True], ids=["with 评级", "without"])
def test_approved_grade_d_points_at_the_grade_or_else_the_status(tmp_path, drop_grade):
    """A grade-D customer approved: the warning sits on 评级, or on 审核状态 when the
    ledger has no 评级 column (the grade is still computed from the scores). The value is the
    rules' lowest grade."""
    from xlsxwriter.utility import xl_col_to_name

    from ledger_xl.core.defaults import DEFAULT_RULES

    from .helpers import rewrite_sheet_xml
    from .test_structure_codes import LEDGER, _header

    low = dict(score_financial=40.0, score_credit=40.0, score_history=50.0, score_reputation=50.0)
    path = build(tmp_path, rows=[good_row(1, **low), good_row(2)])
    if drop_grade:
        grade = xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index("grade"))
        path = rewrite_sheet_xml(path, LEDGER, _header(f"{grade}3", "评级X"))
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [(f.cell, f.value) for f in found if f.code == "approved-grade-d"] == [
        (cell("status" if drop_grade else "grade", 1), DEFAULT_RULES.scoring.fallback_grade)
    ]


@pytest.mark.parametrize("blank", [None, "", "   "], ids=repr)
def test_blank_identifiers_are_no_duplicates(tmp_path, blank):
    """Two customers both without 统一社会信用代码, as a file gives a blank ("") or the add-in
    an open workbook's (None): each is missing, neither duplicates the other. (NaN is no
    blank: only a program writes it, and it is reported as the value it is.)"""
    from ledger_xl.core.validate import check_book
    from ledger_xl.io.read import read_book

    book = read_book(build(tmp_path, rows=[good_row(1), good_row(2), good_row(3)]))
    frame = book.ledger.frame
    for i in (0, 1):
        frame.at[frame.index[i], "uscc"] = blank
    result, _ = check_book(book, AS_OF)
    found = result.findings
    assert [f.code for f in found if f.code.startswith("duplicate")] == []
    assert [f.cell for f in found if f.code == "required-missing"] == [
        cell("uscc", 1),
        cell("uscc", 2),
    ]
