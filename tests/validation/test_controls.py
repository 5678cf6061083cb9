"""The credit controls, one fault per workbook: each code at its cell, and the rows that meet
the rule left alone (limits exactly at a band, a document expiring on 基准日, …)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import CreditCap
from ledger_xl.core.validate import validate_book
from ledger_xl.io.read import open_calamine, read_book, sheet_grid

from .helpers import (
    AS_OF,
    build,
    good_approval,
    good_credentials,
    good_review,
    good_row,
    only,
    uscc,
)

KEYS = [f.key for f in DEFAULT_RULES.fields]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def cell(key: str, n: int = 1) -> str:
    return f"{xl_col_to_name(KEYS.index(key))}{3 + n}"


def side_cell(columns, key: str, i: int) -> str:
    """The cell of row i (0-based) of a side table (header on row 2)."""
    return f"{xl_col_to_name([c.key for c in columns].index(key))}{3 + i}"


def one(path, code: str):
    (item,) = only(path, code)
    return item


def letter(n: int = 1, **changes) -> dict:
    return {
        "customer_id": f"SH{n:06d}",
        "name": f"上海测试{n}号有限公司",
        "doc_type": "银行资信证明",
        "doc_number": "工行资信字（2026）第00001号",
        "issued": dt.date(2026, 1, 5),
        "expires": dt.date(2027, 1, 5),
        **changes,
    }


# ---------------------------------------------------------------- 准入标准


def test_important_customer_without_a_bank_letter_is_not_admissible(tmp_path):
    path = build(tmp_path, rows=[good_row(1, category="重要"), good_row(2)])
    item = one(path, "approved-not-admissible")
    assert (item.severity.value, item.sheet, item.cell) == (
        "error",
        "台账",
        cell("admission_check"),
    )
    assert "缺少银行资信证明" in item.message


def test_a_bank_letter_on_file_admits_it(tmp_path):
    creds = [*good_credentials(1), letter(1), *good_credentials(2)]
    path = build(tmp_path, rows=[good_row(1, category="重要"), good_row(2)], credentials=creds)
    assert only(path, "approved-not-admissible") == []


@pytest.mark.parametrize(
    ("expires", "found"),
    [(AS_OF - dt.timedelta(days=1), True), (AS_OF, False)],
    ids=["expired-the-day-before", "expiring-on-the-as-of-date"],
)
def test_a_document_expired_the_day_before_is_named_with_its_date(tmp_path, expires, found):
    creds = good_credentials(1) + good_credentials(2)
    creds[1] = {**creds[1], "expires": expires}
    path = build(tmp_path, credentials=creds)
    # an approved customer's expired document is also approved-expired-document (资信证明)
    items = only(path, "approved-not-admissible", also=("approved-expired-document",))
    if not found:
        assert items == []
        return
    (item,) = items
    assert item.cell == cell("admission_check")
    assert "法定代表人身份证已过期（有效期至 2026-03-30）" in item.message


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"stage": "深度评估"}, "stage", "未到终审"),
        ({"dishonest": "是"}, "dishonest", "失信被执行人为是"),
        ({"dishonest": None}, "dishonest", "失信被执行人未填写"),
        (
            {
                "score_financial": 50.0,
                "score_credit": 55.0,
                "score_history": 55.0,
                "score_reputation": 50.0,
            },
            "composite_score",
            "评分低于准入线",
        ),
    ],
)
def test_each_unmet_condition_is_at_its_cell(tmp_path, change, key, words):
    path = build(tmp_path, rows=[good_row(1, **change), good_row(2)])
    # 失信被执行人 是 is a risk signal too (提前复审); a composite of 52.5 is grade D: approved
    # at D, above grade D's 授信上限 (0), and far from the rubric in three dimensions
    also = {
        "dishonest": ("early-review",) if change.get("dishonest") else (),
        "composite_score": ("approved-grade-d", "credit-limit-exceeded", "score-off-rubric"),
    }.get(key, ())
    (item,) = only(path, "approved-not-admissible", also=also)
    assert item.cell == cell(key) and words in item.message


def test_every_unmet_condition_is_a_finding(tmp_path):
    row = good_row(1, stage="初筛", category="重要", dishonest="是")
    path = build(tmp_path, rows=[row, good_row(2)])
    items = only(path, "approved-not-admissible", also=("early-review",))  # 失信 is a signal
    found = {(f.cell, f.message.split("：")[1]) for f in items}
    assert found == {
        (cell("stage"), "未到终审"),
        (cell("dishonest"), "失信被执行人为是"),
        (cell("admission_check"), "缺少银行资信证明"),
    }


def test_excluded_industry_from_the_workbooks_own_rules(tmp_path):
    rules = DEFAULT_RULES.model_copy(
        update={
            "admission": DEFAULT_RULES.admission.model_copy(
                update={"excluded_industries": ("批发业",)}
            )
        }
    )
    path = build(tmp_path, rules=rules)
    # the workbook's own 禁入行业 differ from HQ's standard: rules-changed names it
    items = only(path, "approved-not-admissible", also=("rules-changed",))
    assert {(f.cell, f.message.split("：", 1)[1]) for f in items} == {
        (cell("industry", 1), "禁入行业：批发业"),
        (cell("industry", 2), "禁入行业：批发业"),
    }


def test_a_customer_not_yet_approved_is_not_held_to_admission(tmp_path):
    row = good_row(1, status="审核中", stage="初筛", category="重要", dishonest=None)
    path = build(tmp_path, rows=[row, good_row(2)])
    assert only(path, "approved-not-admissible") == []


# ---------------------------------------------------------------- 授信标准


def test_limit_above_the_grade_cap(tmp_path):
    row = good_row(1, credit_limit=200.01, revenue=100000.0)
    path = build(tmp_path, rows=[row, good_row(2)])
    # a limit above 100 万元 needs 总部风控; the row's final approval is 分公司经理
    (item,) = only(path, "credit-limit-exceeded", also=("approval-wrong-level",))
    assert (item.cell, item.severity.value) == (cell("credit_limit"), "error")
    assert "200.01 万元超过授信标准的上限 200 万元" in item.message
    assert "评级 B 最高 200 万元" in item.message


def test_limit_exactly_at_the_cap_is_within(tmp_path):
    row = good_row(1, credit_limit=200.0, revenue=100000.0)
    path = build(tmp_path, rows=[row, good_row(2)])
    # a limit above 100 万元 needs 总部风控; the row's final approval is 分公司经理
    assert only(path, "credit-limit-exceeded", also=("approval-wrong-level",)) == []


def test_limit_above_the_share_of_revenue(tmp_path):
    path = build(tmp_path, rows=[good_row(1, revenue=600.0, credit_limit=150.0), good_row(2)])
    (item,) = only(path, "credit-limit-exceeded", also=("approval-wrong-level",))  # > 100
    assert "上限 120 万元" in item.message and "营业收入的 20% 为 120.00 万元" in item.message


def test_limit_above_the_share_of_assets_names_every_basis(tmp_path):
    """With 资产总额 in the credit standard too, the cap is the least of the three, and the
    finding names each basis in order."""
    from ledger_xl.core.defaults import DEFAULT_RULES

    credit = DEFAULT_RULES.credit.model_copy(update={"assets_share": 0.5})
    rules = DEFAULT_RULES.model_copy(update={"credit": credit})
    row = good_row(1, revenue=600.0, total_assets=180.0, total_liabilities=30.0, credit_limit=95.0)
    path = build(tmp_path, rows=[row, good_row(2)], rules=rules)
    also = ("approval-wrong-level", "rules-changed")  # its own standard differs from HQ's
    (item,) = only(path, "credit-limit-exceeded", also=also)
    assert (item.cell, item.value) == (cell("credit_limit"), "95")
    assert item.message == (
        "信用额度 95 万元超过授信标准的上限 90 万元（评级 B 最高 200 万元；"
        "营业收入的 20% 为 120.00 万元；资产总额的 50% 为 90.00 万元）"
    )


def test_deactivated_customer_is_not_held_to_the_limit(tmp_path):
    row = good_row(1, status="已停用", credit_limit=999.0)
    assert only(build(tmp_path, rows=[row, good_row(2)]), "credit-limit-exceeded") == []


# ---------------------------------------------------------------- 审批权限

REVIEWS = layout.REVIEW_COLUMNS


def _approved(n: int, *levels: str, **dates) -> list[dict]:
    """Customer n's review and an approval row for each level (dates by level name)."""
    return [
        good_review(n),
        *(
            good_approval(n, level, approval_date=dates.get(level, dt.date(2026, 1, 16)))
            for level in levels
        ),
    ]


def test_approval_level_not_filled(tmp_path):
    path = build(tmp_path, rows=[good_row(1, approval_level=None), good_row(2)])
    item = one(path, "approval-missing")
    assert (
        item.cell == cell("approval_level") and "审批级别未填（需分公司经理审批）" in item.message
    )


def test_high_risk_needs_both_levels_in_the_record(tmp_path):
    row = good_row(1, risk_level="高", approval_level="总部风控", approver="孙八")
    reviews = [*_approved(1, "总部风控"), *_approved(2, "分公司经理")]
    path = build(tmp_path, rows=[row, good_row(2)], reviews=reviews)
    # 高 risk also requires 银行资信证明, 财务报表 and 信用报告, which the row's customer lacks
    (item,) = only(path, "approval-missing", also=("approved-not-admissible",))
    assert item.cell == cell("approval_level")
    assert "审核记录中没有分公司经理对这次审核的审批" in item.message
    also = ("approval-missing", "approved-not-admissible")
    assert only(path, "approval-wrong-level", also=also) == []


def test_both_levels_in_order_pass(tmp_path):
    row = good_row(1, risk_level="高", approval_level="总部风控", approver="孙八")
    reviews = [*_approved(1, "分公司经理", "总部风控"), *_approved(2, "分公司经理")]
    path = build(tmp_path, rows=[row, good_row(2)], reviews=reviews)
    codes = {f.code for f in validate_workbook(path, as_of=AS_OF).findings}
    assert not codes & {"approval-missing", "approval-out-of-order", "approval-wrong-level"}


def test_higher_level_before_the_lower_one_is_out_of_order(tmp_path):
    row = good_row(1, risk_level="高", approval_level="总部风控", approver="孙八")
    reviews = [
        *_approved(
            1,
            "分公司经理",
            "总部风控",
            分公司经理=dt.date(2026, 1, 18),
            总部风控=dt.date(2026, 1, 16),
        ),
        *_approved(2, "分公司经理"),
    ]
    path = build(tmp_path, rows=[row, good_row(2)], reviews=reviews)
    # 高 risk also requires 银行资信证明, 财务报表 and 信用报告, which the row's customer lacks
    (item,) = only(path, "approval-out-of-order", also=("approved-not-admissible",))
    assert (item.sheet, item.cell) == ("审核记录", side_cell(REVIEWS, "approval_date", 2))
    assert "总部风控先于分公司经理" in item.message and "2026-01-16" in item.message


def test_approval_before_the_review_is_out_of_order(tmp_path):
    reviews = [
        *_approved(1, "分公司经理", 分公司经理=dt.date(2026, 1, 10)),
        *_approved(2, "分公司经理"),
    ]
    path = build(tmp_path, reviews=reviews)
    item = one(path, "approval-out-of-order")
    assert item.cell == side_cell(REVIEWS, "approval_date", 1)
    assert "早于审核日期 2026-01-15" in item.message


@pytest.mark.parametrize(
    ("limit", "level", "wrong"),
    [(100.0, "分公司经理", False), (100.01, "分公司经理", True), (300.01, "总部风控", True)],
)
def test_final_level_below_what_the_limit_needs(tmp_path, limit, level, wrong):
    levels = ("分公司经理", "总部风控")[: 1 + (level == "总部风控")]
    row = good_row(
        1, credit_limit=limit, revenue=100000.0, score_financial=95.0, approval_level=level
    )
    reviews = [*_approved(1, *levels), *_approved(2, "分公司经理")]
    path = build(tmp_path, rows=[row, good_row(2)], reviews=reviews)
    items = only(path, "approval-wrong-level")
    assert [f.cell for f in items] == ([cell("approval_level")] if wrong else [])
    if wrong:
        needed = "总部风控" if limit < 300 else "总经理"
        assert f"低于需审批级别“{needed}”" in items[0].message
        # the levels above it are that one finding
        assert only(path, "approval-missing", also=("approval-wrong-level",)) == []


def test_a_level_that_is_not_in_the_approval_rules(tmp_path):
    row = good_row(1, approval_level="部门经理")
    path = build(tmp_path, rows=[row, good_row(2)])
    # the cell is also outside its list (填报规则), the same cell's other finding
    (item,) = only(path, "approval-wrong-level", also=("value-not-allowed",))
    assert item.cell == cell("approval_level") and "不是审批权限中的级别" in item.message


# ---------------------------------------------------------------- 职责分离


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"reviewer": "王芳"}, "reviewer", "审核人与客户经理为同一人"),
        ({"approver": "赵六"}, "reviewer", "审核人同时是这次审核的审批人"),
        ({"approver": "王芳"}, "approver", "审批人与客户经理为同一人"),
    ],
)
def test_segregation_of_duties(tmp_path, change, key, words):
    path = build(tmp_path, rows=[good_row(1, **change), good_row(2)])
    item = one(path, "reviewer-conflict")
    assert (item.cell, item.severity.value) == (cell(key), "error") and words in item.message


def test_an_approver_in_the_record_who_is_the_reviewer(tmp_path):
    reviews = [*_approved(1, "分公司经理"), *_approved(2, "分公司经理")]
    reviews[1] = {**reviews[1], "approver": "赵六"}
    item = one(build(tmp_path, reviews=reviews), "reviewer-conflict")
    assert item.cell == cell("reviewer")


# ---------------------------------------------------------------- 营业执照


def test_licence_of_another_company(tmp_path):
    creds = good_credentials(1) + good_credentials(2)
    creds[0] = {**creds[0], "doc_number": uscc(9), "name": "上海别家有限公司"}
    items = only(build(tmp_path, credentials=creds), "licence-mismatch")
    cols = layout.CREDENTIAL_COLUMNS
    assert {(f.sheet, f.cell) for f in items} == {
        ("资信证明", side_cell(cols, "doc_number", 0)),
        ("资信证明", side_cell(cols, "name", 0)),
    }
    assert all(f.severity.value == "error" for f in items)
    assert any(uscc(1) in f.message for f in items)


def test_licence_name_with_half_width_brackets_matches(tmp_path):
    rows = [good_row(1, name="上海测试（浦东）有限公司"), good_row(2)]
    creds = good_credentials(1) + good_credentials(2)
    creds[0] = {**creds[0], "name": "上海测试(浦东) 有限公司"}
    assert only(build(tmp_path, rows=rows, credentials=creds), "licence-mismatch") == []


def test_only_the_current_licence_is_compared(tmp_path):
    creds = good_credentials(1) + good_credentials(2)
    old = {**creds[0], "doc_number": uscc(9), "expires": dt.date(2030, 1, 1)}
    assert only(build(tmp_path, credentials=[old, *creds]), "licence-mismatch") == []


# ---------------------------------------------------------------- 评分细则


@pytest.mark.parametrize(("typed", "flagged"), [(80.0, True), (60.0, False), (61.0, True)])
def test_typed_score_far_from_the_rubric(tmp_path, typed, flagged):
    row = good_row(1, total_liabilities=7200.0, score_financial=typed)  # 90% → 建议 45
    items = only(build(tmp_path, rows=[row, good_row(2)]), "score-off-rubric")
    assert [f.cell for f in items] == ([cell("score_financial")] if flagged else [])
    if flagged:
        assert items[0].severity.value == "warning"
        assert "与评分细则的建议分 45 相差超过 15 分" in items[0].message
        assert items[0].value == f"{typed:g}"  # the score as typed


def test_deductions_count_in_the_suggestion(tmp_path):
    row = good_row(1, overdue_count=4.0)  # 外部信用评分 720 → 75, minus 4 × 5 = 55; typed 85
    item = one(build(tmp_path, rows=[row, good_row(2)]), "score-off-rubric")
    assert item.cell == cell("score_credit") and "建议分 55" in item.message


# ---------------------------------------------------------------- since the previous review

BETTER = {
    "score_financial": 100.0,
    "score_credit": 100.0,
    "score_history": 95.0,
    "score_reputation": 95.0,
}


def _history(limit_before: float) -> list[dict]:
    previous = good_review(
        1,
        review_id="SH000001-2025-07",
        review_date=dt.date(2025, 7, 15),
        composite_score=98.0,
        grade="A",
        credit_limit=limit_before,
        **BETTER,
    )
    return [previous, *_approved(1, "分公司经理"), *_approved(2, "分公司经理")]


def test_downgrade_with_the_same_limit(tmp_path):
    # a drop of 10 points or more is also a risk signal (提前复审)
    path = build(tmp_path, reviews=_history(100.0))
    (item,) = only(path, "limit-not-adjusted", also=("early-review",))
    assert (item.cell, item.severity.value) == (cell("credit_limit"), "warning")
    assert "评级由 A 降为 B" in item.message and "仍为 100 万元" in item.message


def test_downgrade_with_a_lower_limit(tmp_path):
    path = build(tmp_path, reviews=_history(150.0))
    assert only(path, "limit-not-adjusted", also=("early-review",)) == []  # the drop: a signal


@pytest.mark.parametrize(
    ("change", "words"),
    [({"litigation_count": 1.0}, "违约/涉诉 1 次"), ({"dishonest": "是"}, "列为失信被执行人")],
)
def test_risk_signal_brings_the_review_forward(tmp_path, change, words):
    # a 违约/涉诉 lowers the rubric's 信用记录 suggestion (85 typed is far from it); 失信 is
    # also an unmet admission condition
    also = ("score-off-rubric",) if "litigation_count" in change else ("approved-not-admissible",)
    path = build(tmp_path, rows=[good_row(1, **change), good_row(2)])
    (item,) = only(path, "early-review", also=also)
    assert (item.cell, item.severity.value) == (cell("next_review"), "warning")
    assert words in item.message and "应于 2026-04-15 前复审" in item.message
    assert "原定下次审核日期 2027-01-15" in item.message


def test_score_drop_brings_the_review_forward(tmp_path):
    item = one(build(tmp_path, reviews=_history(150.0)), "early-review")
    assert "综合评分由 98 降至 82.5" in item.message


def test_no_early_review_when_the_cycle_is_already_that_short(tmp_path):
    row = good_row(1, risk_level="高", litigation_count=1.0, approval_level="总部风控")
    reviews = [*_approved(1, "分公司经理", "总部风控"), *_approved(2, "分公司经理")]
    path = build(tmp_path, rows=[row, good_row(2)], reviews=reviews)
    # 高 risk requires documents the customer lacks; the 违约 lowers the rubric's suggestion
    also = ("approved-not-admissible", "score-off-rubric")
    assert only(path, "early-review", also=also) == []


# ---------------------------------------------------------------- older workbooks


@pytest.fixture(scope="module")
def template_1_0():
    """The messy fixture was built from template 1.0: no control sheets or columns."""
    return validate_workbook(FIXTURES / "messy_branch.xlsx", as_of=dt.date(2026, 11, 23))


def test_old_workbook_is_told_which_rule_sheets_it_lacks(template_1_0):
    missing = [f for f in template_1_0.findings if f.code == "rules-sheet-missing"]
    assert [f.value for f in missing] == list(layout.CONTROL_SHEETS)
    assert {f.severity.value for f in missing} == {"warning"}
    assert "按标准规则检查" in missing[0].message


def test_old_workbook_is_held_to_the_standard_where_it_has_the_columns(template_1_0):
    codes = {f.code for f in template_1_0.findings}
    assert {"credit-limit-exceeded", "approved-not-admissible", "score-off-rubric"} <= codes
    # no 审批级别 / 审批人 / 失信被执行人 columns: those controls are skipped, not errors
    assert not codes & {"approval-missing", "approval-wrong-level", "approval-out-of-order"}
    controls = [f for f in template_1_0.findings if f.code != "rules-changed"]
    assert not [f for f in controls if "失信被执行人" in f.message]
    assert not [f for f in template_1_0.findings if f.code == "column-missing"]
    changed = next(f for f in template_1_0.findings if f.code == "rules-changed")
    assert "缺少列 业务范围" in changed.message


def test_book_without_control_sheets_uses_the_defaults(tmp_path):
    path = build(tmp_path)
    calamine = open_calamine(path)
    grids: dict[str, Grid] = {
        name: sheet_grid(calamine, name)
        for name in calamine.sheet_names
        if name not in layout.CONTROL_SHEETS
    }
    book = read_book(path)
    from ledger_xl.core.book import book_from_grids

    reduced = book_from_grids(
        str(path), grids, formulas=book.formulas(), properties=book.properties
    )
    assert reduced.rules == DEFAULT_RULES
    assert [f.value for f in reduced.findings if f.code == "rules-sheet-missing"] == list(
        layout.CONTROL_SHEETS
    )
    codes = [f.code for f in validate_book(reduced, AS_OF).findings]
    assert sorted(codes) == ["rules-sheet-missing"] * 4


def test_changed_control_rules_are_named(tmp_path):
    credit = DEFAULT_RULES.credit.model_copy(
        update={
            "caps": (
                CreditCap(grade="A", maximum=800),
                *DEFAULT_RULES.credit.caps[1:],
            )
        }
    )
    path = build(tmp_path, rules=DEFAULT_RULES.model_copy(update={"credit": credit}))
    item = one(path, "rules-changed")
    assert "评级 A 最高信用额度为 800 万元，标准为 500 万元" in item.message


def test_a_book_without_credentials_does_not_report_documents_missing(tmp_path):
    """Ledger rows alone (the add-in's row check): documents cannot be judged."""
    book = read_book(build(tmp_path, rows=[good_row(1, category="重要"), good_row(2)]))
    book.credentials = None
    codes = {(f.code, f.cell) for f in validate_book(book, AS_OF).findings}
    assert not [c for c in codes if c[0] == "approved-not-admissible"]
    book = read_book(build(tmp_path, rows=[good_row(1, stage="初筛"), good_row(2)], name="b.xlsx"))
    book.credentials = None
    found = [f for f in validate_book(book, AS_OF).findings if f.code == "approved-not-admissible"]
    assert [f.cell for f in found] == [cell("stage")]  # what the row itself shows still counts
