"""Check edges found by mutation testing: the exact file-level finding, how a cached formula
value is compared with what the rules give, the rules-changed detail, and @emits."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core.checks.context import emits
from ledger_xl.core.checks.formula_cells import _same, _shown
from ledger_xl.core.checks.structure import _few, _field_changes
from ledger_xl.core.defaults import DEFAULT_RULES

from .helpers import AS_OF, build, good_credentials, good_row, only, rewrite_sheet_xml
from .test_structure_codes import LEDGER, PHONE, _header


@pytest.mark.parametrize(
    ("lang", "missing", "unknown"),
    [
        ("zh", "缺少必填列“联系电话”", "未知的列“电话号码X”，已保留但不校验"),
        (
            "en",
            "Required column '联系电话' is missing",
            "Unknown column '电话号码X': kept, not checked",
        ),
    ],
)
def test_file_level_findings_exactly(tmp_path, lang, missing, unknown):
    path = rewrite_sheet_xml(build(tmp_path), LEDGER, _header(f"{PHONE}3", "电话号码X"))
    found = validate_workbook(path, as_of=AS_OF, lang=lang).findings
    assert [
        (f.code, f.severity.value, f.message, f.file, f.sheet, f.cell, f.column, f.value, f.row)
        for f in found
    ] == [
        ("column-missing", "error", missing, str(path), "台账", "A3", "联系电话", "", None),
        ("column-unknown", "warning", unknown, str(path), "台账", "A3", "", "电话号码X", None),
    ]


# ------------------------------------------------- cached formula values against the rules


@pytest.mark.parametrize(
    ("want", "have"),
    [
        (82.5, 82.5),
        (82.5, 82.50000000001),  # within 1e-9 relative
        (0.0, 1e-10),  # within 1e-9 absolute
        (82.0, 82),  # an int cell
        (None, ""),
        (None, None),
        (float("nan"), ""),
        ("", None),
        (dt.date(2026, 3, 31), pd.Timestamp("2026-03-31")),
        (dt.date(2026, 3, 31), np.datetime64("2026-03-31T00:00:00")),
        (dt.date(2026, 3, 31), dt.datetime(2026, 3, 31, 0, 0)),
        (np.datetime64("NaT"), None),
        (pd.NaT, ""),
        ("B", "B"),
    ],
)
def test_same_cached_value(want, have):
    assert _same(want, have) is True
    assert _same(have, want) is True


@pytest.mark.parametrize(
    ("want", "have"),
    [
        (82.5, 82.6),
        (82.5, 82.5001),
        (None, 0.0),
        (0.0, ""),
        (dt.date(2026, 3, 31), pd.Timestamp("2026-04-01")),
        (dt.date(2026, 3, 31), np.datetime64("NaT")),
        ("B", "b"),
        (82.5, "82.5"),
    ],
)
def test_different_cached_value(want, have):
    assert _same(want, have) is False


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "空白"),
        ("", "空白"),
        (float("nan"), "空白"),
        (np.datetime64("NaT"), "空白"),
        (82.5, "82.5"),
        (82.0, "82"),
        (np.datetime64("2026-03-31"), "2026-03-31"),
        ("已逾期", "已逾期"),
    ],
)
def test_cached_value_as_shown_in_a_finding(value, shown):
    assert _shown(value) == shown


# ------------------------------------------------------------------ rules-changed detail


def _fields(*changes):
    fields = list(DEFAULT_RULES.fields)
    for change in changes:
        fields = change(fields)
    return DEFAULT_RULES.model_copy(update={"fields": tuple(fields)})


def test_field_changes_missing_added_and_changed_columns():
    phone = next(f for f in DEFAULT_RULES.fields if f.key == "phone")
    extra = phone.model_copy(update={"key": "wechat", "header": "微信"})
    ours = _fields(
        lambda fs: [f for f in fs if f.key != "email"],
        lambda fs: [*fs, extra],
        lambda fs: [f.model_copy(update={"required": True}) if f.key == "notes" else f for f in fs],
    )
    notes = next(f.header for f in DEFAULT_RULES.fields if f.key == "notes")
    email = next(f.header for f in DEFAULT_RULES.fields if f.key == "email")
    assert _field_changes(ours, DEFAULT_RULES) == (
        f"填报规则：缺少列 {email}，多出列 微信，改动 {notes}"
    )


def test_field_changes_of_reordered_columns_only():
    ours = _fields(lambda fs: [fs[1], fs[0], *fs[2:]])
    assert _field_changes(ours, DEFAULT_RULES) == "填报规则：列的顺序不同"


def test_field_changes_names_five_columns_then_counts():
    assert _few(["a", "b", "c", "d", "e"]) == "a、b、c、d、e"
    assert _few(["a", "b", "c", "d", "e", "f"]) == "a、b、c、d、e 等 6 列"
    assert _few(["a", "b"], shown=1) == "a 等 2 列"


# ------------------------------------------------------------------------------ @emits


def test_emits_marks_the_check_with_its_codes():
    def check(ctx):
        return None

    marked = emits("uscc-check", "duplicate-uscc")(check)
    assert marked is check
    assert check.codes == ("uscc-check", "duplicate-uscc")


def test_emits_refuses_a_code_not_in_the_catalogue():
    with pytest.raises(ValueError, match=r"^codes not in the catalogue: \['no-such-code'\]$"):
        emits("uscc-check", "no-such-code")


def test_differences_name_a_condition_not_required_and_a_weight_not_there():
    from ledger_xl.core.checks.structure import control_differences, rule_differences

    scoring = DEFAULT_RULES.scoring
    first = scoring.dimensions[0]
    ours = DEFAULT_RULES.model_copy(
        update={
            "admission": DEFAULT_RULES.admission.model_copy(update={"min_score": None}),
            "scoring": scoring.model_copy(
                update={
                    "dimensions": (
                        first.model_copy(update={"name": "新维度"}),
                        *scoring.dimensions[1:],
                    )
                }
            ),
        }
    )
    assert "准入最低综合评分为 不要求，标准为 60" in control_differences(ours, DEFAULT_RULES)
    weights = [d for d in rule_differences(ours, DEFAULT_RULES) if d.startswith("权重")]
    expected = {
        first.name: f"权重“{first.name}”为 无，标准为 {first.weight:.0%}",
        "新维度": f"权重“新维度”为 {first.weight:.0%}，标准为 无",
    }
    assert weights == [expected[name] for name in sorted(expected)]  # by name


def test_differences_name_each_grade_bound_changed_added_or_gone():
    """评分标准's grade bands against the standard's, by grade: a bound changed, a grade the
    workbook renamed (gone on one side, new on the other), written as a clerk writes them."""
    from ledger_xl.core.checks.structure import rule_differences

    scoring = DEFAULT_RULES.scoring
    a, b, *rest = scoring.bands
    ours = DEFAULT_RULES.model_copy(
        update={
            "scoring": scoring.model_copy(
                update={
                    "bands": (
                        a.model_copy(update={"lower": 87.5}),
                        b.model_copy(update={"grade": "B+"}),
                        *rest,
                    )
                }
            )
        }
    )
    grades = [d for d in rule_differences(ours, DEFAULT_RULES) if d.startswith("评级")]
    assert grades == [
        f"评级 {a.grade} 下限为 87.5，标准为 85",
        f"评级 {b.grade} 下限为 无，标准为 70",
        "评级 B+ 下限为 70，标准为 无",
    ]
    assert not [d for d in rule_differences(DEFAULT_RULES, DEFAULT_RULES) if d.startswith("评级")]


def test_side_table_findings_name_their_own_column(tmp_path):
    from .helpers import good_review

    reviews = [good_review(1, score_credit=120.0), good_review(2, review_date="2026年1月5日")]
    path = build(tmp_path, reviews=reviews)
    found = {
        (f.code, f.sheet, f.cell, f.column, f.customer_id)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.sheet == "审核记录"
    }
    assert found == {
        ("out-of-range", "审核记录", "G3", "信用记录", "SH000001"),
        ("date-as-text", "审核记录", "D4", "审核日期", "SH000002"),
    }


def test_finding_on_a_row_without_a_customer_id_has_a_blank_customer(tmp_path):
    from .helpers import good_row

    path = build(tmp_path, rows=[good_row(1, customer_id=None, phone="123"), good_row(2)])
    found = {
        (f.code, f.customer_id)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.sheet == "台账" and f.row == 4
    }
    assert ("phone-invalid", "") in found
    assert {customer for _, customer in found} == {""}  # never "None"


def test_findings_of_a_ledger_without_its_customer_id_column(tmp_path):
    from .helpers import good_row

    path = build(tmp_path, rows=[good_row(1, phone="123"), good_row(2)])
    path = rewrite_sheet_xml(path, LEDGER, _header("A3", "备用列"))
    found = validate_workbook(path, as_of=AS_OF).findings
    phone = [f for f in found if f.code == "phone-invalid"]
    assert [(f.row, f.customer_id) for f in phone] == [(4, "")]


def test_each_table_names_its_own_customers(tmp_path):
    from .helpers import good_review, good_row

    rows = [good_row(1, phone="123"), good_row(2, phone="456")]
    reviews = [good_review(2, score_credit=120.0), good_review(1, score_credit=130.0)]
    path = build(tmp_path, rows=rows, reviews=reviews)
    found = sorted(
        (f.sheet, f.cell, f.customer_id)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.code in ("phone-invalid", "out-of-range")
    )
    phone = next(f.header for f in DEFAULT_RULES.fields if f.key == "phone")
    assert phone == "联系电话"
    assert [(sheet, customer) for sheet, _, customer in found] == [
        ("台账", "SH000001"),
        ("台账", "SH000002"),
        ("审核记录", "SH000002"),
        ("审核记录", "SH000001"),
    ]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh", "“联系电话”“123”不是有效的电话号码（手机11位，或带区号的座机如 021-12345678）"),
        ("en", "'联系电话' '123' is not a valid phone number"),
    ],
)
def test_row_finding_exactly(tmp_path, lang, message):
    from .helpers import good_row

    path = build(tmp_path, rows=[good_row(1, phone="123"), good_row(2)])
    (found,) = validate_workbook(path, as_of=AS_OF, lang=lang).findings
    assert found.model_dump(mode="json") == {
        "code": "phone-invalid",
        "severity": "error",
        "message": message,
        "file": str(path),
        "sheet": "台账",
        "cell": "K4",
        "row": 4,
        "column": "联系电话",
        "customer_id": "SH000001",
        "value": "123",
    }


def test_a_licence_number_in_the_credentials_is_checked_as_a_uscc(tmp_path):
    from .helpers import good_credentials

    credentials = good_credentials(1) + good_credentials(2)
    number = credentials[2]["doc_number"]  # SH000002's 营业执照
    assert number == "913101000002MA1B28"
    credentials[2]["doc_number"] = "913101000002MA1B20"  # wrong check character
    path = build(tmp_path, credentials=credentials)
    found = [
        (f.code, f.sheet, f.cell, f.customer_id, f.message)
        for f in validate_workbook(path, as_of=AS_OF).findings
    ]
    assert found == [
        (
            "uscc-check",
            "资信证明",
            "D5",
            "SH000002",
            "统一社会信用代码“913101000002MA1B20”校验位错误（应为 8），请核对营业执照",
        ),
        (
            "licence-mismatch",
            "资信证明",
            "D5",
            "SH000002",
            "资信证明中的营业执照与台账不符：证件号码与台账的统一社会信用代码"
            "“913101000002MA1B28”不一致",
        ),
    ]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh", "工作簿来自模板版本 0.9，当前版本为 {current}"),
        ("en", "Built from template version 0.9; current is {current}"),
    ],
)
def test_template_version_finding_names_both_versions(tmp_path, lang, message):
    from ledger_xl.core.layout import TEMPLATE_VERSION

    def older(xml: str) -> str:
        current = f"<vt:lpwstr>{TEMPLATE_VERSION}</vt:lpwstr>"
        assert current in xml
        return xml.replace(current, "<vt:lpwstr>0.9</vt:lpwstr>", 1)

    path = rewrite_sheet_xml(build(tmp_path), "docProps/custom.xml", older)
    (found,) = validate_workbook(path, as_of=AS_OF, lang=lang).findings
    assert (found.code, found.message, found.value, found.sheet, found.cell) == (
        "template-version",
        message.format(current=TEMPLATE_VERSION),
        "0.9",
        "",
        "",
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_omitted_detail_or_allowed_renders_as_nothing(tmp_path, lang):
    """emit / emit_file leave {detail} and {allowed} empty when a check gives none: the
    defaults are "" (a check without a detail must not print a placeholder)."""
    from ledger_xl.core.checks.context import CheckContext
    from ledger_xl.core.findings import CATALOGUE
    from ledger_xl.io.read import read_book

    from .helpers import good_row

    ctx = CheckContext(read_book(build(tmp_path, rows=[good_row(1)])), AS_OF, lang=lang)
    ctx.emit("duplicate-customer-id", ctx.ledger, 0, "customer_id", value="SH000001")
    ctx.emit("value-not-allowed", ctx.ledger, 0, "customer_id", value="x")
    ctx.emit_file("rules-broken")
    ctx.emit_file("template-version", value="1.0")

    def rendered(code: str, **slots: str) -> str:
        entry = CATALOGUE[code]
        text = entry.en if lang == "en" else entry.zh
        return text.format(**{"value": "", "column": "", "allowed": "", "detail": "", **slots})

    column = ctx.header(ctx.ledger, "customer_id")
    assert [f.message for f in ctx.findings] == [
        rendered("duplicate-customer-id", value="SH000001", column=column),
        rendered("value-not-allowed", value="x", column=column),
        rendered("rules-broken"),
        rendered("template-version", value="1.0"),
    ]


def test_approved_expired_documents_newest_first_found_in_row_order(tmp_path):
    """approved-expired-document looks at each customer's newest document of each type: a
    blank 有效期至 is skipped (not the end of the look), of two equally new the first row
    counts, one expiring on the as-of day has not expired; findings come in row order and
    carry the date."""
    before = dt.date(2026, 3, 1)
    assert dt.date(2026, 3, 31) == AS_OF

    def doc(n: int, kind: str, expires) -> dict:
        return {
            "customer_id": f"SH{n:06d}",
            "doc_type": kind,
            "doc_number": f"X-{n}",
            "expires": expires,
        }

    credentials = [
        doc(2, "银行资信证明", None),  # row 3: blank, skipped
        doc(2, "其他", dt.date(2026, 3, 30)),  # row 4: expired yesterday
        doc(1, "其他", before),  # row 5: expired; as new as the next one
        doc(1, "其他", before),  # row 6
        doc(1, "银行资信证明", AS_OF),  # row 7: expires today, still valid
        *good_credentials(1),
        *good_credentials(2),
    ]
    path = build(tmp_path, rows=[good_row(1), good_row(2)], credentials=credentials)
    found = only(path, "approved-expired-document", also=("required-missing",))
    assert [(f.sheet, f.cell, f.customer_id, f.value) for f in found] == [
        ("资信证明", "F4", "SH000002", "2026-03-30"),
        ("资信证明", "F5", "SH000001", "2026-03-01"),
    ]
    assert all("其他" in f.message for f in found)


def test_approved_expired_documents_with_only_the_columns_it_needs(tmp_path):
    """A stripped-down workbook: 资信证明 with only 客户编号, 证明类型 and 有效期至, a ledger
    with only 客户编号 and 审核状态 — the expired document is still found."""
    from ledger_xl.core.book import Table
    from ledger_xl.core.checks import CheckContext, documents
    from ledger_xl.io.read import read_book

    credentials = [
        {"customer_id": "SH000001", "doc_type": "其他", "doc_number": "X", "expires": AS_OF},
        {
            "customer_id": "SH000001",
            "doc_type": "银行资信证明",
            "doc_number": "Y",
            "expires": dt.date(2026, 1, 1),
        },
    ]
    book = read_book(build(tmp_path, rows=[good_row(1)], credentials=credentials))

    def only_columns(table: Table, keys: list[str]) -> Table:
        return Table(
            table.sheet,
            table.frame[keys],
            table.rows,
            {k: table.columns[k] for k in keys},
            table.header_row,
        )

    book.ledger = only_columns(book.ledger, ["customer_id", "status"])
    book.credentials = only_columns(book.credentials, ["customer_id", "doc_type", "expires"])
    ctx = CheckContext(book, AS_OF)
    documents._approved_expired(ctx, book.credentials)
    assert [(f.code, f.cell, f.value) for f in ctx.findings] == [
        ("approved-expired-document", "F4", "2026-01-01")
    ]


@pytest.mark.parametrize("blank", ["   ", "\u3000", "\t"])
def test_a_blank_customer_id_in_a_side_table_is_missing_not_unknown(tmp_path, blank):
    """客户编号 of spaces only (ASCII or full-width) in 资信证明 is a missing value, not a
    customer the ledger lacks: one required-missing, no unknown-customer beside it (the
    ledger's customer then lacks that document, which admission rightly reports)."""
    credentials = good_credentials(1) + good_credentials(2)
    credentials[1] = {**credentials[1], "customer_id": blank}
    found = only(
        build(tmp_path, credentials=credentials),
        "required-missing",
        also=("approved-not-admissible",),
    )
    assert [(f.sheet, f.cell) for f in found] == [("资信证明", "A4")]


def test_only_ids_and_licences_are_checked_as_ids(tmp_path):
    """A bank letter's or other document's number typed as a number is not an ID stored as a
    number; a bad 身份证 number is reported with the number as written."""
    credentials = good_credentials(1) + good_credentials(2)
    credentials += [
        {
            "customer_id": "SH000001",
            "doc_type": "银行资信证明",
            "doc_number": 20260001,
            "expires": dt.date(2099, 1, 1),
        },
        {
            "customer_id": "SH000002",
            "doc_type": "其他",
            "doc_number": 1.5e17,
            "expires": dt.date(2099, 1, 1),
        },
    ]
    bad = "110105198001010010"  # wrong check character
    credentials[1] = {**credentials[1], "doc_number": bad}
    (item,) = only(build(tmp_path, credentials=credentials), "resident-id-invalid")
    assert (item.cell, item.value) == ("D4", bad)


# ------------------------------------------- a value of the wrong kind in a number column


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.datetime(2024, 3, 5), "2024-03-05"),  # a date typed into the cell (Excel restyles it)
        (dt.date(2024, 3, 5), "2024-03-05"),
        (True, "True"),
        (pd.Timedelta(days=1), "1 days 00:00:00"),  # a type no reader should give: still found
    ],
)
def test_a_number_column_refuses_dates_and_booleans(tmp_path, value, shown):
    """As the reader gives a date-styled cell (or the add-in an open workbook's), a date or a
    boolean in 营业收入 is `not-a-number` with the value as the clerk sees it, and nothing
    else (no out-of-range from a serial number read into it)."""
    from ledger_xl.core.validate import check_book
    from ledger_xl.io.read import read_book

    book = read_book(build(tmp_path))
    book.ledger.frame.at[book.ledger.frame.index[0], "revenue"] = value
    result, _ = check_book(book, AS_OF)
    found = [(f.code, f.cell, f.value) for f in result.findings if f.cell == "Q4"]
    assert found == [("not-a-number", "Q4", shown)]


# ---------------------------------- numbers and dates in text, choice and date columns


def _cell_findings(tmp_path, key: str, value) -> list[tuple[str, str]]:
    """(code, value) of the findings at customer 1's `key` cell once it holds `value`, as a
    reader gives a cell of that type (the frame edited: the builder would restyle it)."""
    from ledger_xl.core.validate import check_book
    from ledger_xl.io.read import read_book

    book = read_book(build(tmp_path))
    frame = book.ledger.frame
    frame.at[frame.index[0], key] = value
    result, _ = check_book(book, AS_OF)
    header = DEFAULT_RULES.header(key)
    return sorted(
        (f.code, f.value)
        for f in result.findings
        if f.sheet == book.ledger.sheet and f.row == book.ledger.rows[0] and f.column == header
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("phone", 13812345678.0, []),  # a phone number typed as a number is still a phone number
        ("phone", 1.5, [("phone-invalid", "1.5")]),
        ("email", 42.0, [("email-invalid", "42")]),
        ("category", 1.0, [("value-not-allowed", "1")]),
        ("category", dt.datetime(2024, 3, 5), [("value-not-allowed", "2024-03-05")]),
        ("notes", dt.datetime(2024, 3, 5), []),  # a date in a free-text column is fine
        ("customer_id", 1001.0, [("pattern-mismatch", "1001")]),
        ("uscc", 1e15, [("id-stored-as-number", "1.00000E+15")]),  # digits beyond 15 are lost
        ("uscc", -1e15, [("id-stored-as-number", "-1.00000E+15")]),
        ("uscc", 999999999999999.0, [("uscc-length", "999999999999999")]),  # kept whole
        ("founded", 0.0, [("not-a-date", "0")]),  # no serial before 1900-01-01
        ("founded", 0.5, [("not-a-date", "0.5")]),
        ("founded", 1.0, []),  # 1900-01-01
        ("founded", 45000.0, []),
        ("founded", 2958465.0, [("date-after-as-of", "9999-12-31")]),  # a date, if a late one
        ("founded", 2958466.0, [("not-a-date", "2958466")]),
        ("founded", True, [("not-a-date", "True")]),
        ("founded", dt.datetime(1900, 1, 1), []),  # the first day Excel holds
        ("founded", dt.datetime(1899, 12, 30), [("not-a-date", "1899-12-30")]),  # NaN as read
        ("customer_id", 1e15, [("pattern-mismatch", "1000000000000000")]),  # not a USCC column
    ],
)
def test_a_cell_of_another_type(tmp_path, key, value, expected):
    assert _cell_findings(tmp_path, key, value) == expected


# -------------------------------------------- a number column with one bound or none


@pytest.mark.parametrize(
    ("minimum", "maximum", "value", "expected"),
    [
        (None, 1e6, -50.0, []),  # no lower bound: a loss is a number like any other
        (None, 1e6, 2e6, [("out-of-range", "2000000", "≤ 1000000")]),
        (None, None, -1e9, []),
        (None, None, 1e12, []),
        (10.0, None, 5.0, [("out-of-range", "5", "≥ 10")]),
        (10.0, None, 1e12, []),
    ],
)
def test_a_number_column_of_the_workbooks_own_rules_with_one_bound(
    tmp_path, minimum, maximum, value, expected
):
    """营业收入 as a workbook's 字段规则 may state it: no lower bound, no upper one, or one."""
    rules = _fields(
        lambda fs: [
            f.model_copy(update={"minimum": minimum, "maximum": maximum})
            if f.key == "revenue"
            else f
            for f in fs
        ]
    )
    path = build(tmp_path, rows=[good_row(1, revenue=value), good_row(2)], rules=rules)
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [f.code for f in found].count("rules-changed") == 1  # not HQ's standard rules
    header = DEFAULT_RULES.header("revenue")
    assert [
        (f.code, f.value, f.message.split("应为 ", 1)[-1].split(" 的", 1)[0])
        for f in found
        if f.column == header
    ] == expected


def test_the_first_day_excel_holds_beside_a_day_before_it(tmp_path):
    """1899-12-30 (python-calamine's reading of NaN in a date cell) is not a date; 1900-01-01
    beside it in the same column is."""
    from ledger_xl.core.validate import check_book
    from ledger_xl.io.read import read_book

    book = read_book(build(tmp_path))
    frame = book.ledger.frame
    frame.at[frame.index[0], "founded"] = dt.datetime(1899, 12, 30)
    frame.at[frame.index[1], "founded"] = dt.datetime(1900, 1, 1)
    result, _ = check_book(book, AS_OF)
    header = DEFAULT_RULES.header("founded")
    assert [(f.code, f.row, f.value) for f in result.findings if f.column == header] == [
        ("not-a-date", book.ledger.rows[0], "1899-12-30")
    ]


def test_every_number_in_a_uscc_column_is_judged(tmp_path):
    """A USCC typed as a number is id-stored-as-number, and the number below it is still read
    as its digits (uscc-length), not skipped."""
    from ledger_xl.core.validate import check_book
    from ledger_xl.io.read import read_book

    book = read_book(build(tmp_path))
    frame = book.ledger.frame
    frame.at[frame.index[0], "uscc"] = 9.13100001234568e17
    frame.at[frame.index[1], "uscc"] = 913100001234.0
    result, _ = check_book(book, AS_OF)
    header = DEFAULT_RULES.header("uscc")
    found = [(f.code, f.row, f.value) for f in result.findings if f.column == header]
    assert found == [
        ("id-stored-as-number", book.ledger.rows[0], "9.13100E+17"),
        ("uscc-length", book.ledger.rows[1], "913100001234"),
    ]


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (r"正则:^[A-Z]{2}\d{6}X$", "SH000001X", "SH000001"),  # a pattern ending in a letter
        (r"正则:[A-Z]{2}\d{6}", "SH000001", "SH0000011"),  # no anchors: the whole text still
        (r"正则:^\d+$", "123", "12a"),
    ],
)
def test_a_workbooks_own_pattern_matches_the_whole_text(tmp_path, pattern, good, bad):
    rules = _fields(
        lambda fs: [
            f.model_copy(update={"format": pattern}) if f.key == "customer_id" else f for f in fs
        ]
    )
    path = build(
        tmp_path, rows=[good_row(1, customer_id=good), good_row(2, customer_id=bad)], rules=rules
    )
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [(f.code, f.value, f.cell) for f in found if f.code == "pattern-mismatch"] == [
        ("pattern-mismatch", bad, "A5")
    ]


def _uscc_findings(path, value):
    from ledger_xl.core.validate import check_book
    from ledger_xl.io.read import read_book

    book = read_book(path)
    frame = book.ledger.frame
    frame.at[frame.index[0], "uscc"] = value
    result, _ = check_book(book, AS_OF)
    return [(f.code, f.value, f.message) for f in result.findings if f.cell == "C4"]


def test_uscc_findings_say_exactly_what_is_wrong(tmp_path):
    from .helpers import uscc

    good = uscc(1)
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    path = build(tmp_path)  # one workbook, each value put into a fresh read of it
    assert _uscc_findings(path, good[:15]) == [
        ("uscc-length", good[:15], f"统一社会信用代码“{good[:15]}”应为18位，现为 15 位")
    ]
    assert _uscc_findings(path, f"  {good}  ") == []  # spaces around are not the code
    assert _uscc_findings(path, f"  {good[:17]}") == [
        ("uscc-length", good[:17], f"统一社会信用代码“{good[:17]}”应为18位，现为 17 位")
    ]
    for bad in (good[:8] + "I" + good[9:], good[:8] + "o" + good[9:]):  # I, O: never in a USCC
        assert _uscc_findings(path, bad) == [
            (
                "uscc-charset",
                bad,
                f"统一社会信用代码“{bad}”含有不允许的字符（不用 I、O、Z、S、V，字母须大写）",
            )
        ]
    assert _uscc_findings(path, wrong) == [
        (
            "uscc-check",
            wrong,
            f"统一社会信用代码“{wrong}”校验位错误（应为 {good[-1]}），请核对营业执照",
        )
    ]
