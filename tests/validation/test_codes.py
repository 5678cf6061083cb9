"""One workbook per fault: each code is found at its cell with its severity, and a clean
workbook has no finding at all."""

from __future__ import annotations

import datetime as dt

import pytest
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.identifiers import resident_id_check_char
from ledger_xl.core.rules import Dimension

from .helpers import (
    AS_OF,
    build,
    codes,
    good_approval,
    good_credentials,
    good_review,
    good_row,
    only,
    rewrite_sheet_xml,
    uscc,
)

KEYS = [f.key for f in DEFAULT_RULES.fields]


def cell(key: str, n: int = 1) -> str:
    """Ledger cell of customer n (rows start at Excel row 4)."""
    return f"{xl_col_to_name(KEYS.index(key))}{3 + n}"


def test_clean_workbook_has_no_findings(tmp_path):
    assert codes(build(tmp_path)) == []


# What else a fault brings about, besides its own finding, and why (each test asserts the
# exact set: the fault's finding plus these, nothing else).
CONSEQUENCES = {
    # 100.5 is more than 15 points from the rubric's suggested 信用记录 score (85)
    ("score_credit", 100.5): [("score-off-rubric", "warning", "台账", "AC4")],
    # -1 drags the composite below 60: grade D approved, under the admission line, and the
    # limit of 100 is above grade D's 授信上限; -1 is also far from the rubric's score
    ("score_credit", -1.0): [
        ("approved-grade-d", "warning", "台账", "AG4"),
        ("approved-not-admissible", "error", "台账", "AF4"),
        ("credit-limit-exceeded", "error", "台账", "AI4"),
        ("score-off-rubric", "warning", "台账", "AC4"),
    ],
    # the ledger row's 客户编号 no longer matches its documents and reviews (SH000001): they
    # belong to an unknown customer, and the row has no 营业执照/身份证 and no approval
    ("customer_id", "sh-01"): [
        ("unknown-customer", "warning", "资信证明", "A3"),
        ("unknown-customer", "warning", "资信证明", "A4"),
        ("unknown-customer", "warning", "审核记录", "B3"),
        ("unknown-customer", "warning", "审核记录", "B4"),
        ("approved-not-admissible", "error", "台账", "AT4"),
        ("approved-not-admissible", "error", "台账", "AT4"),
        ("approval-missing", "error", "台账", "AW4"),
    ],
    # the 营业执照 on 资信证明 still carries the right code: it no longer matches the ledger
    ("uscc", "91310000MA1B2C3"): [("licence-mismatch", "error", "资信证明", "D3")],
    ("uscc", "91310000MA1B2C3DIO"): [("licence-mismatch", "error", "资信证明", "D3")],
    ("uscc", 9.13100001234568e17): [("licence-mismatch", "error", "资信证明", "D3")],
    # a score written as text is read as 150 here, so out of its range too; the formulas see
    # no number, so the composite score is incomplete and the approved customer not admissible
    ("score_credit", "150"): [
        ("out-of-range", "error", "台账", "AC4"),
        ("approved-not-admissible", "error", "台账", "AF4"),
    ],
    # the review record of 2026-01-15 is no longer the 最近审核日期, and its approvals predate it
    ("last_review", dt.date(2026, 4, 1)): [
        ("last-review-mismatch", "warning", "台账", "AO4"),
        ("approval-missing", "error", "台账", "AW4"),
    ],
}


@pytest.mark.parametrize(
    ("change", "code", "key", "severity"),
    [
        ({"phone": None}, "required-missing", "phone", "error"),
        ({"legal_rep": "  "}, "required-missing", "legal_rep", "error"),
        ({"revenue": "N/A"}, "not-a-number", "revenue", "error"),
        ({"revenue": "1,234.5"}, "number-as-text", "revenue", "warning"),
        ({"revenue": True}, "not-a-number", "revenue", "error"),  # a boolean cell
        ({"score_credit": "150"}, "number-as-text", "score_credit", "warning"),  # and too high
        ({"registered_capital": "１２３４"}, "number-as-text", "registered_capital", "warning"),
        ({"founded": "2024年3月5日"}, "date-as-text", "founded", "warning"),
        ({"founded": "2024.3.5"}, "date-as-text", "founded", "warning"),
        ({"founded": "2023-02-29"}, "date-impossible", "founded", "error"),
        ({"founded": "去年"}, "not-a-date", "founded", "error"),
        ({"category": "普通"}, "value-not-allowed", "category", "error"),
        ({"risk_level": "高 "}, "value-not-allowed", "risk_level", "error"),
        ({"score_credit": 100.5}, "out-of-range", "score_credit", "error"),
        ({"score_credit": -1.0}, "out-of-range", "score_credit", "error"),
        ({"credit_limit": -10.0}, "out-of-range", "credit_limit", "error"),
        ({"phone": "1234567"}, "phone-invalid", "phone", "error"),
        ({"phone": "12812345678"}, "phone-invalid", "phone", "error"),
        ({"email": "zhang@@example"}, "email-invalid", "email", "error"),
        ({"customer_id": "sh-01"}, "pattern-mismatch", "customer_id", "error"),
        ({"uscc": "91310000MA1B2C3"}, "uscc-length", "uscc", "error"),
        ({"uscc": "91310000MA1B2C3DIO"}, "uscc-charset", "uscc", "error"),
        ({"uscc": 9.13100001234568e17}, "id-stored-as-number", "uscc", "error"),
        ({"notes": '=HYPERLINK("http://x")'}, "formula-text", "notes", "warning"),
        ({"notes": "+86 138 1234 5678"}, "formula-text", "notes", "warning"),
        ({"notes": "-1 即欠款"}, "formula-text", "notes", "warning"),
        ({"opinion": "+资信良好"}, "formula-text", "opinion", "warning"),
        ({"address": "@SUM(1)"}, "formula-text", "address", "warning"),
        ({"last_review": dt.date(2026, 4, 1)}, "date-after-as-of", "last_review", "error"),
        ({"founded": dt.date(2027, 1, 1)}, "date-after-as-of", "founded", "error"),
        (
            {"credit_report_date": dt.date(2025, 3, 30)},
            "credit-report-stale",
            "credit_report_date",
            "warning",
        ),
    ],
)
def test_cell_faults(tmp_path, change, code, key, severity):
    path = build(tmp_path, rows=[good_row(1, **change), good_row(2)])
    ((field, value),) = change.items()
    also = CONSEQUENCES.get((field, value), [])
    assert sorted(codes(path)) == sorted([(code, severity, "台账", cell(key)), *also])
    # the finding names the value as the cell holds it
    (found,) = [f for f in validate_workbook(path, as_of=AS_OF).findings if f.code == code]
    assert found.value == _shown(code, value)


def _shown(code: str, value) -> str:
    if code == "required-missing":
        return ""
    if code == "id-stored-as-number":
        return f"{value:.5E}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


@pytest.mark.parametrize(("key", "value"), [("notes", -1.0), ("opinion", -5.5), ("address", -0.0)])
def test_a_negative_number_in_a_text_column_is_no_formula(tmp_path, key, value):
    """formula-text is about text that Excel might run; a number cell shows "-1" but is a
    number (it said "已作为文本保存" of a number)."""
    path = build(tmp_path, rows=[good_row(1, **{key: value}), good_row(2)])
    assert codes(path) == []


def test_uscc_check_character(tmp_path):
    good = uscc(1)
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    path = build(tmp_path, rows=[good_row(1, uscc=bad), good_row(2)])
    # the 营业执照 on 资信证明 still carries the right code
    (item,) = only(path, "uscc-check", also=("licence-mismatch",))
    assert sorted(codes(path)) == [
        ("licence-mismatch", "error", "资信证明", "D3"),
        ("uscc-check", "error", "台账", cell("uscc")),
    ]
    assert (item.cell, item.severity.value, item.value) == (cell("uscc"), "error", bad)
    assert good[-1] in item.message  # says what the check character should be


@pytest.mark.parametrize(
    ("status", "blank", "severity"),
    [
        ("审核通过", "last_review", "error"),
        ("审核通过", "reviewer", "error"),
        ("审核未通过", "score_history", "error"),
        ("审核未通过", "opinion", "error"),
    ],
)
def test_conditional_requirements(tmp_path, status, blank, severity):
    row = good_row(1, status=status, **{blank: None})
    reviews = [good_review(1, result=status), good_approval(1), good_review(2), good_approval(2)]
    path = build(tmp_path, rows=[row, good_row(2)], reviews=reviews)
    assert codes(path) == [("conditional-missing", severity, "台账", cell(blank))]


def test_pending_customer_needs_no_review_fields(tmp_path):
    row = good_row(
        1,
        status="待审核",
        last_review=None,
        reviewer=None,
        opinion=None,
        score_financial=None,
        score_credit=None,
        score_history=None,
        score_reputation=None,
        stage="初筛",
    )
    path = build(tmp_path, rows=[row, good_row(2)], reviews=[good_review(2), good_approval(2)])
    assert codes(path) == []


def test_duplicate_customer_id_names_both_cells(tmp_path):
    path = build(
        tmp_path,
        rows=[good_row(1), good_row(2, customer_id="SH000001")],
        reviews=[good_review(1), good_approval(1)],
    )
    # customer 2's documents keep its old ID, which the ledger no longer has
    found = only(path, "duplicate-customer-id", also=("unknown-customer",))
    assert sorted(codes(path)) == [
        ("duplicate-customer-id", "error", "台账", "A4"),
        ("duplicate-customer-id", "error", "台账", "A5"),
        ("unknown-customer", "warning", "资信证明", "A5"),
        ("unknown-customer", "warning", "资信证明", "A6"),
    ]
    assert sorted(f.cell for f in found) == ["A4", "A5"]
    assert "台账!A5" in found[0].message and "台账!A4" in found[1].message


def test_duplicate_uscc_within_a_workbook(tmp_path):
    path = build(
        tmp_path,
        rows=[good_row(1), good_row(2, uscc=uscc(1))],
        credentials=good_credentials(1) + good_credentials(2)[1:],
    )
    # customer 2 keeps its 身份证; it has no 营业执照 (its licence would carry another code)
    found = only(path, "duplicate-uscc", also=("approved-not-admissible",))
    assert [f.message for f in only(path, "approved-not-admissible", also=("duplicate-uscc",))] == [
        "审核通过但不符合准入标准：缺少营业执照"
    ]
    assert sorted(f.cell for f in found) == [
        cell("uscc", 1),
        cell("uscc", 2),
    ]


def test_approved_grade_d_is_a_warning(tmp_path):
    row = good_row(
        1, score_financial=40.0, score_credit=40.0, score_history=50.0, score_reputation=50.0
    )
    path = build(tmp_path, rows=[row, good_row(2)])
    # a composite of 44 is also below the admission line, above grade D's 授信上限 (0) and far
    # from the rubric's suggestions for three dimensions
    (item,) = only(
        path,
        "approved-grade-d",
        also=("approved-not-admissible", "credit-limit-exceeded", "score-off-rubric"),
    )
    assert sorted(codes(path)) == sorted(
        [
            ("approved-grade-d", "warning", "台账", cell("grade")),
            ("approved-not-admissible", "error", "台账", cell("composite_score")),
            ("credit-limit-exceeded", "error", "台账", cell("credit_limit")),
            ("score-off-rubric", "warning", "台账", cell("score_credit")),
            ("score-off-rubric", "warning", "台账", cell("score_financial")),
            ("score-off-rubric", "warning", "台账", cell("score_history")),
        ]
    )
    assert (item.severity.value, item.cell) == ("warning", cell("grade"))


def test_last_review_must_match_the_newest_review_record(tmp_path):
    reviews = [
        good_review(1, review_date=dt.date(2025, 7, 1), review_id="a"),
        good_review(1, review_date=dt.date(2026, 2, 1), review_id="b"),
        good_approval(1),
        good_review(2),
        good_approval(2),
    ]
    path = build(tmp_path, reviews=reviews)
    (item,) = only(path, "last-review-mismatch")
    assert (item.cell, item.severity.value) == (cell("last_review"), "warning")
    assert "2026-02-01" in item.message


def test_approved_customer_with_an_expired_document(tmp_path):
    credentials = good_credentials(1) + good_credentials(2)
    credentials.append(
        {
            "customer_id": "SH000001",
            "doc_type": "银行资信证明",
            "doc_number": "BK-1",
            "issued": dt.date(2025, 1, 1),
            "expires": dt.date(2026, 3, 30),
        }
    )
    path = build(tmp_path, credentials=credentials)
    (item,) = only(path, "approved-expired-document")
    assert (item.sheet, item.cell, item.severity.value) == ("资信证明", "F7", "error")
    assert "银行资信证明" in item.message


def test_a_renewed_document_clears_the_expired_one(tmp_path):
    credentials = (
        good_credentials(1)
        + good_credentials(2)
        + [
            {
                "customer_id": "SH000001",
                "doc_type": "银行资信证明",
                "doc_number": "BK-1",
                "expires": dt.date(2026, 3, 30),
            },
            {
                "customer_id": "SH000001",
                "doc_type": "银行资信证明",
                "doc_number": "BK-2",
                "expires": dt.date(2027, 3, 30),
            },
        ]
    )
    assert only(build(tmp_path, credentials=credentials), "approved-expired-document") == []


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105198001010010", "校验位"),
        ("11010519800230001X", "出生日期"),
        ("1101051980010100", "18位"),
    ],
)
def test_resident_id_numbers(tmp_path, number, reason):
    first = number[:17]
    if reason != "校验位" and len(number) == 18:
        number = first + resident_id_check_char(first)
    credentials = good_credentials(1) + good_credentials(2)
    credentials[1]["doc_number"] = number
    (item,) = only(build(tmp_path, credentials=credentials), "resident-id-invalid")
    assert (item.sheet, item.cell) == ("资信证明", "D4") and reason in item.message


def test_resident_id_stored_as_a_number(tmp_path):
    credentials = good_credentials(1) + good_credentials(2)
    credentials[1]["doc_number"] = 1.10105198001010e17
    (item,) = only(build(tmp_path, credentials=credentials), "id-stored-as-number")
    assert (item.sheet, item.cell, item.severity.value) == ("资信证明", "D4", "error")
    assert "1.10105E+17" in item.message


def test_documents_and_reviews_of_unknown_customers(tmp_path):
    credentials = (
        good_credentials(1)
        + good_credentials(2)
        + [{"customer_id": "SH999999", "doc_type": "其他", "doc_number": "X"}]
    )
    reviews = [
        good_review(1),
        good_approval(1),
        good_review(2),
        good_approval(2),
        good_review(9, customer_id="SH999999"),
    ]
    found = only(build(tmp_path, credentials=credentials, reviews=reviews), "unknown-customer")
    assert {(f.sheet, f.cell) for f in found} == {("资信证明", "A7"), ("审核记录", "B7")}


def test_side_table_cells_are_checked_too(tmp_path):
    reviews = [
        good_review(1, score_credit=120.0),
        good_approval(1),
        good_review(2, review_date="2026年1月5日"),
        good_approval(2),
    ]
    path = build(tmp_path, reviews=reviews)
    assert sorted(codes(path)) == [
        ("date-as-text", "warning", "审核记录", "D5"),
        ("out-of-range", "error", "审核记录", "G3"),
    ]


def test_changed_weights_are_reported(tmp_path):
    dims = tuple(
        Dimension(name=d.name, column=d.column, weight=w)
        for d, w in zip(DEFAULT_RULES.scoring.dimensions, (0.4, 0.2, 0.2, 0.2), strict=True)
    )
    rules = DEFAULT_RULES.model_copy(
        update={"scoring": DEFAULT_RULES.scoring.model_copy(update={"dimensions": dims})}
    )
    (item,) = only(build(tmp_path, rules=rules), "rules-changed")
    assert item.severity.value == "warning" and "财务状况" in item.message


@pytest.mark.parametrize("text", ["a=1", "1+1", "A-1", "x@y", " 备注"])
def test_text_with_formula_characters_inside_is_no_finding(tmp_path, text):
    path = build(tmp_path, rows=[good_row(1, notes=text), good_row(2)])
    assert codes(path) == []


def test_rules_edited_after_generation_are_reported(tmp_path):
    """Rule sheets edited where `rule_differences` sees no named change (a description, say):
    the fingerprint recorded at generation no longer matches the rules read back."""
    path = build(tmp_path)
    recorded = DEFAULT_RULES.fingerprint()

    def other_fingerprint(xml: str) -> str:
        assert recorded in xml
        return xml.replace(recorded, "0123456789abcdef")

    edited = rewrite_sheet_xml(path, "docProps/custom.xml", other_fingerprint)
    assert codes(edited) == [("rules-changed", "warning", "", "")]
    (item,) = only(edited, "rules-changed")
    assert "规则表在生成后被改动过" in item.message


def test_rules_compared_with_hq_standard_workbook(tmp_path):
    """HQ's own standard (`--standard`): a branch on HQ's weights is fine, one on the
    built-in defaults differs from it."""
    from typer.testing import CliRunner

    from ledger_xl.app.validate import read_standard
    from ledger_xl.cli import app

    dims = tuple(
        Dimension(name=d.name, column=d.column, weight=w)
        for d, w in zip(DEFAULT_RULES.scoring.dimensions, (0.4, 0.2, 0.2, 0.2), strict=True)
    )
    hq_rules = DEFAULT_RULES.model_copy(
        update={"scoring": DEFAULT_RULES.scoring.model_copy(update={"dimensions": dims})}
    )
    (tmp_path / "hq").mkdir()
    hq = build(tmp_path / "hq", rules=hq_rules, name="总部标准.xlsx")
    standard = read_standard(hq)
    assert standard == hq_rules
    on_hq = build(tmp_path, rules=hq_rules, name="按总部.xlsx")
    on_default = build(tmp_path, name="按内置.xlsx")
    assert not [
        f
        for f in validate_workbook(on_hq, as_of=AS_OF, standard=standard).findings
        if f.code == "rules-changed"
    ]
    (item,) = [
        f
        for f in validate_workbook(on_default, as_of=AS_OF, standard=standard).findings
        if f.code == "rules-changed"
    ]
    assert "40%" in item.message and "30%" in item.message
    result = CliRunner().invoke(
        app,
        ["validate", str(on_hq), "--as-of", AS_OF.isoformat(), "--standard", str(hq)],
    )
    assert result.exit_code == 0 and "rules-changed" not in result.output
    broken = tmp_path / "坏.xlsx"
    broken.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(on_hq), "--standard", str(broken)])
    assert result.exit_code == 2 and "坏.xlsx" in result.output


def test_english_messages(tmp_path):
    path = build(tmp_path, rows=[good_row(1, phone=None), good_row(2)])
    (item,) = [f for f in validate_workbook(path, as_of=AS_OF, lang="en").findings]
    assert item.message == "Required '联系电话' is blank"


def test_skip_and_only_choose_codes(tmp_path):
    path = build(tmp_path, rows=[good_row(1, phone=None, email="x"), good_row(2)])
    everything = {f.code for f in validate_workbook(path, as_of=AS_OF).findings}
    assert everything == {"required-missing", "email-invalid"}
    skipped = validate_workbook(path, as_of=AS_OF, skip=["required-missing"])
    assert {f.code for f in skipped.findings} == {"email-invalid"}
    chosen = validate_workbook(path, as_of=AS_OF, only=["required-missing"])
    assert {f.code for f in chosen.findings} == {"required-missing"}
