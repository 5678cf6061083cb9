"""The side tables' own cell rules (资信证明, 审核记录): each column checked as its kind, score
columns bounded 0–100, 信用额度 bounded below only, 客户编号 the one required column, and
审批级别 checked against the workbook's own levels — one planted fault per column, and the
exact set of cell findings."""

from __future__ import annotations

import datetime as dt

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout
from ledger_xl.core.a1 import column_letters
from ledger_xl.core.checks.documents import side_rule
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.rules import ApprovalLevel, FieldType

from .helpers import AS_OF, build, good_approval, good_credentials, good_review, good_row

CELL_CODES = {
    "required-missing",
    "formula-text",
    "value-not-allowed",
    "date-as-text",
    "date-impossible",
    "not-a-date",
    "not-a-number",
    "number-as-text",
    "out-of-range",
}


def _cell_findings(path, sheet, rules_codes=CELL_CODES):
    return {
        (f.code, f.cell, f.message)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.sheet == sheet and f.code in rules_codes
    }


def _assert_found(found, expected):
    """`found` (code, cell, message) has exactly `expected`'s (code, cell), each message holding
    its expected fragment."""
    assert {(code, cell) for code, cell, _ in found} == {(code, cell) for code, cell, _ in expected}
    messages = {(code, cell): message for code, cell, message in found}
    for code, cell, fragment in expected:
        assert fragment in messages[code, cell], (code, cell, messages[code, cell])


def _letter(columns, key):
    return column_letters([c.key for c in columns].index(key))


def test_side_rules_by_column():
    """The rule each side-table column gets, written out by hand."""
    expected = {
        # (table, key): (type, required, minimum, maximum)
        ("c", "customer_id"): (FieldType.TEXT, True, None, None),
        ("c", "name"): (FieldType.TEXT, False, None, None),
        ("c", "doc_type"): (FieldType.CHOICE, False, None, None),
        ("c", "doc_number"): (FieldType.TEXT, False, None, None),
        ("c", "issued"): (FieldType.DATE, False, None, None),
        ("c", "expires"): (FieldType.DATE, False, None, None),
        ("c", "verified_by"): (FieldType.TEXT, False, None, None),
        ("c", "verified_on"): (FieldType.DATE, False, None, None),
        ("c", "doc_notes"): (FieldType.TEXT, False, None, None),
        ("r", "review_id"): (FieldType.TEXT, False, None, None),
        ("r", "customer_id"): (FieldType.TEXT, True, None, None),
        ("r", "name"): (FieldType.TEXT, False, None, None),
        ("r", "review_date"): (FieldType.DATE, False, None, None),
        ("r", "stage"): (FieldType.CHOICE, False, None, None),
        ("r", "score_financial"): (FieldType.NUMBER, False, 0, 100),
        ("r", "score_credit"): (FieldType.NUMBER, False, 0, 100),
        ("r", "score_history"): (FieldType.NUMBER, False, 0, 100),
        ("r", "score_reputation"): (FieldType.NUMBER, False, 0, 100),
        ("r", "composite_score"): (FieldType.NUMBER, False, 0, 100),
        ("r", "grade"): (FieldType.TEXT, False, None, None),
        ("r", "credit_limit"): (FieldType.NUMBER, False, 0, None),
        ("r", "result"): (FieldType.CHOICE, False, None, None),
        ("r", "reviewer"): (FieldType.TEXT, False, None, None),
        ("r", "approval_level"): (FieldType.CHOICE, False, None, None),
        ("r", "approver"): (FieldType.TEXT, False, None, None),
        ("r", "approval_date"): (FieldType.DATE, False, None, None),
        ("r", "opinion"): (FieldType.TEXT, False, None, None),
    }
    got = {}
    for table, columns in (("c", layout.CREDENTIAL_COLUMNS), ("r", layout.REVIEW_COLUMNS)):
        for column in columns:
            if column.kind == "formula":
                continue
            rule = side_rule(column)
            assert (rule.key, rule.header) == (column.key, column.header)
            assert rule.allowed == column.allowed
            got[table, column.key] = (rule.type, rule.required, rule.minimum, rule.maximum)
    assert got == expected
    level = next(c for c in layout.REVIEW_COLUMNS if c.key == "approval_level")
    assert side_rule(level, ("甲", "乙")).allowed == ("甲", "乙")
    assert side_rule(level).allowed == layout.APPROVAL_LEVELS


def test_credential_columns_each_checked_as_their_kind(tmp_path):
    credentials = good_credentials(1) + good_credentials(2)
    faults = {
        "name": "+上海测试2号",
        "doc_type": "护照",
        "issued": "2010年5月4日",
        "expires": "长期",
        "verified_by": "-赵六",
        "verified_on": 99999999,
        "doc_notes": "=备注",
    }
    credentials[2].update(faults)  # SH000002's 营业执照, on row 5
    credentials[3]["customer_id"] = None  # SH000002's ID card, row 6: the one required column
    credentials[3]["verified_by"] = None  # blank, not required
    credentials[1]["doc_notes"] = "已核验"  # honest text
    path = build(tmp_path, credentials=credentials)
    cols = layout.CREDENTIAL_COLUMNS
    found = {(code, cell) for code, cell, _ in _cell_findings(path, layout.SHEET_CREDENTIALS)}
    assert found == {
        ("formula-text", f"{_letter(cols, 'name')}5"),
        ("value-not-allowed", f"{_letter(cols, 'doc_type')}5"),
        ("date-as-text", f"{_letter(cols, 'issued')}5"),
        ("not-a-date", f"{_letter(cols, 'expires')}5"),
        ("formula-text", f"{_letter(cols, 'verified_by')}5"),
        ("not-a-date", f"{_letter(cols, 'verified_on')}5"),
        ("formula-text", f"{_letter(cols, 'doc_notes')}5"),
        ("required-missing", f"{_letter(cols, 'customer_id')}6"),
    }


def test_review_columns_each_checked_as_their_kind(tmp_path):
    reviews = [
        good_review(
            1,
            review_id="+SH1",
            name="@上海",
            stage="复审",
            score_financial=101.0,
            score_credit=-1.0,
            score_history="八十",
            score_reputation="85",
            composite_score=100.5,
            grade="=B",
            credit_limit=-5.0,
            result="同意",
            reviewer="+赵六",
            opinion="-差",
        ),
        good_review(2, review_date="2026-02-30", credit_limit=100000.0, composite_score=100.0),
        good_approval(1, approval_date="下周"),
        good_approval(2, customer_id=None, approver=None),
    ]
    rows = [good_row(1), good_row(2)]
    path = build(tmp_path, rows=rows, reviews=reviews)
    cols = layout.REVIEW_COLUMNS
    found = _cell_findings(path, layout.SHEET_REVIEWS)

    def at(key, row):
        return f"{_letter(cols, key)}{row}"

    _assert_found(
        found,
        {
            ("formula-text", at("review_id", 3), ""),
            ("formula-text", at("name", 3), ""),
            ("value-not-allowed", at("stage", 3), "只能是 初筛、深度评估、终审，现为“复审”"),
            ("out-of-range", at("score_financial", 3), "应为 0–100 的数值，现为 101"),
            ("out-of-range", at("score_credit", 3), "应为 0–100 的数值，现为 -1"),
            ("not-a-number", at("score_history", 3), "“合作历史”应为数字，现为“八十”"),
            ("number-as-text", at("score_reputation", 3), "“市场声誉”的“85”"),
            ("out-of-range", at("composite_score", 3), "应为 0–100 的数值，现为 100.5"),
            ("formula-text", at("grade", 3), ""),
            ("out-of-range", at("credit_limit", 3), "“信用额度(万元)”应为 ≥ 0 的数值，现为 -5"),
            ("value-not-allowed", at("result", 3), "只能是 审核通过、审核未通过、补充材料，"),
            ("formula-text", at("reviewer", 3), ""),
            ("formula-text", at("opinion", 3), ""),
            ("date-impossible", at("review_date", 4), ""),
            ("not-a-date", at("approval_date", 5), ""),
            ("required-missing", at("customer_id", 6), ""),
        },
    )


def test_approval_levels_are_the_workbooks_own(tmp_path):
    levels = (
        ApprovalLevel(name="分公司经理", above=0),
        ApprovalLevel(name="区域总监", above=100),
    )
    rules = DEFAULT_RULES.model_copy(
        update={"approval": DEFAULT_RULES.approval.model_copy(update={"levels": levels})}
    )
    reviews = [
        good_review(1),
        good_approval(1),
        good_approval(1, review_id="a2", approval_level="区域总监", approver="孙八"),
        good_approval(1, review_id="a3", approval_level="总经理", approver="周九"),
    ]
    path = build(tmp_path, rows=[good_row(1)], reviews=reviews, rules=rules)
    cols = layout.REVIEW_COLUMNS
    found = _cell_findings(path, layout.SHEET_REVIEWS)
    _assert_found(
        found,
        {
            (
                "value-not-allowed",
                f"{_letter(cols, 'approval_level')}6",
                "只能是 分公司经理、区域总监，",
            )
        },
    )


def test_a_date_serial_in_a_side_date_column_is_a_date(tmp_path):
    credentials = good_credentials(1)
    credentials[0]["issued"] = 40302.0  # 2010-05-04 as a serial number: what Excel stores
    credentials[1]["issued"] = 0.5  # a time of day, not a date
    path = build(tmp_path, rows=[good_row(1)], credentials=credentials)
    cols = layout.CREDENTIAL_COLUMNS
    found = _cell_findings(path, layout.SHEET_CREDENTIALS)
    _assert_found(found, {("not-a-date", f"{_letter(cols, 'issued')}4", "12:00:00")})
    assert dt.date(1899, 12, 30) + dt.timedelta(days=40302) == dt.date(2010, 5, 4)


def test_unknown_customers_named_with_their_table_and_id(tmp_path):
    credentials = good_credentials(1) + good_credentials(7)
    reviews = [good_review(1), good_approval(1), good_review(8)]
    path = build(tmp_path, rows=[good_row(1)], credentials=credentials, reviews=reviews)
    found = [
        (f.sheet, f.cell, f.value, f.message)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.code == "unknown-customer"
    ]
    assert found == [
        ("资信证明", "A5", "SH000007", "资信证明中的客户编号“SH000007”在台账中不存在"),
        ("资信证明", "A6", "SH000007", "资信证明中的客户编号“SH000007”在台账中不存在"),
        ("审核记录", "B5", "SH000008", "审核记录中的客户编号“SH000008”在台账中不存在"),
    ]


def test_no_unknown_customers_when_the_ledger_has_no_customer_ids(tmp_path):
    """Without 客户编号 in the ledger nothing can be matched: the side tables' customers are
    not called unknown (the missing column is reported)."""
    from .helpers import rewrite_sheet_xml
    from .test_structure_codes import LEDGER, _header

    path = build(tmp_path, rows=[good_row(1)], credentials=good_credentials(7))
    path = rewrite_sheet_xml(path, LEDGER, _header("A3", "备用列"))
    codes = {f.code for f in validate_workbook(path, as_of=AS_OF).findings}
    assert "column-missing" in codes and "unknown-customer" not in codes
