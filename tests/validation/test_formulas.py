"""A typed-over formula, an edited formula, and a cached value that no longer matches the
rules are each caught at their cell."""

from __future__ import annotations

import pytest
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.core.defaults import DEFAULT_RULES

from .helpers import build, only, replace_cell, rewrite_sheet_xml

SHEET = "xl/worksheets/sheet1.xml"
KEYS = [f.key for f in DEFAULT_RULES.fields]
SCORE = f"{xl_col_to_name(KEYS.index('composite_score'))}4"
GRADE = f"{xl_col_to_name(KEYS.index('grade'))}5"


def test_value_typed_over_a_formula(tmp_path):
    path = rewrite_sheet_xml(
        build(tmp_path),
        SHEET,
        lambda xml: replace_cell(xml, SCORE, f'<c r="{SCORE}"><v>99</v></c>'),
    )
    (item,) = only(path, "formula-overwritten")
    assert (item.cell, item.severity.value, item.value) == (SCORE, "error", "99")
    # one finding per tampered cell
    assert only(path, "formula-value-mismatch", also=("formula-overwritten",)) == []


def test_edited_formula(tmp_path):
    edited = f'<c r="{SCORE}" t="n"><f>ROUND(Ledger[[#This Row],[财务状况]],1)</f><v>80</v></c>'
    path = rewrite_sheet_xml(build(tmp_path), SHEET, lambda xml: replace_cell(xml, SCORE, edited))
    (item,) = only(path, "formula-edited")
    assert (item.cell, item.severity.value) == (SCORE, "error")


def test_cached_value_that_the_rules_do_not_give(tmp_path):
    """What a workbook shows after its weights were changed behind HQ's back."""
    built = build(tmp_path)

    def tamper(xml: str) -> str:
        import re

        pattern = re.compile(rf'(<c r="{GRADE}"[^>]*>.*?<v>)B(</v>)', re.S)
        assert pattern.search(xml)
        return pattern.sub(r"\g<1>A\g<2>", xml, count=1)

    path = rewrite_sheet_xml(built, SHEET, tamper)
    # shared strings are not used for formula results: the cached text is inline (t="str")
    (item,) = only(path, "formula-value-mismatch")
    assert (item.cell, item.severity.value, item.value) == (GRADE, "error", "A")
    assert "B" in item.message


def test_untouched_workbook_has_no_formula_findings(tmp_path):
    path = build(tmp_path)
    for code in ("formula-overwritten", "formula-edited", "formula-value-mismatch"):
        assert only(path, code) == []


FORMULA_KEYS = [f.key for f in DEFAULT_RULES.fields if not f.is_input]
AS_OF_DEPENDENT = {"days_to_due", "due_flag", "admission_check"}  # compared only with a 基准日
SHOWN = {"next_review": "1933-10-18"}  # 12345 in a date-formatted cell is a date


def _cached(xml: str, ref: str, value: str | None, *, text: bool = False) -> str:
    """Cell `ref`'s formula kept, its cached value replaced by the number `value` (None: no
    cached value at all, as a program that does not calculate leaves it), or with `text` by
    the text `value` (`t="str"`)."""
    import re

    pattern = re.compile(
        rf'<c r="{ref}"([^>]*)>(<f[^>]*/>|<f[^>]*>.*?</f>)(?:<v>[^<]*</v>)?</c>', re.S
    )
    found = pattern.search(xml)
    assert found, ref
    attrs = re.sub(r'\s+t="[^"]*"', "", found.group(1)) + (' t="str"' if text else "")
    cached = "" if value is None else f"<v>{value}</v>"
    return (
        xml[: found.start()]
        + f'<c r="{ref}"{attrs}>{found.group(2)}{cached}</c>'
        + xml[found.end() :]
    )


def _ref(key: str, row: int) -> str:
    return f"{xl_col_to_name(KEYS.index(key))}{row}"


def _formula_findings(path):
    from ledger_xl.app.validate import validate_workbook

    from .helpers import AS_OF

    codes = (
        "formula-overwritten",
        "formula-edited",
        "formula-value-mismatch",
        "formula-not-calculated",
    )
    return sorted(
        (f.code, f.cell, f.value)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.code in codes
    )


def test_every_formula_columns_cached_value_is_compared(tmp_path):
    """A cached value no formula of the rules gives, in each formula column: one
    formula-value-mismatch at each cell (the as-of-dependent ones too, the workbook carrying
    its calculated 基准日)."""

    def tamper(xml: str) -> str:
        for key in FORMULA_KEYS:
            xml = _cached(xml, _ref(key, 4), "12345")
        return xml

    path = rewrite_sheet_xml(build(tmp_path), SHEET, tamper)
    assert _formula_findings(path) == sorted(
        ("formula-value-mismatch", _ref(key, 4), SHOWN.get(key, "12345")) for key in FORMULA_KEYS
    )


def test_without_a_calculated_as_of_only_the_day_free_columns_are_compared(tmp_path):
    def tamper(xml: str) -> str:
        xml = _cached(xml, "B1", None)  # 基准日 =TODAY() without its cached value
        for key in FORMULA_KEYS:  # the second customer's: after a row that agrees
            xml = _cached(xml, _ref(key, 5), "12345")
        return xml

    path = rewrite_sheet_xml(build(tmp_path), SHEET, tamper)
    assert _formula_findings(path) == sorted(
        ("formula-value-mismatch", _ref(key, 5), SHOWN.get(key, "12345"))
        for key in FORMULA_KEYS
        if key not in AS_OF_DEPENDENT
    )


def test_cells_without_a_cached_value_are_counted_not_compared(tmp_path):
    """Two formula cells a program left without their value (one in each row, neighbours of
    calculated cells of the same column) are counted once for the file; a calculated empty
    text where the rules give 82.5 is a mismatch."""
    from .helpers import good_row

    rows = [good_row(1), good_row(2), good_row(3)]

    def tamper(xml: str) -> str:
        xml = _cached(xml, _ref("composite_score", 4), None)
        xml = _cached(xml, _ref("grade", 5), None)
        return _empty_text(xml, _ref("composite_score", 6))

    path = rewrite_sheet_xml(build(tmp_path, rows=rows), SHEET, tamper)
    found = _formula_findings(path)
    assert [(code, cell) for code, cell, _ in found] == [
        ("formula-not-calculated", ""),
        ("formula-value-mismatch", _ref("composite_score", 6)),
    ]
    assert found[0][2] == "2"
    from ledger_xl.app.validate import validate_workbook

    from .helpers import AS_OF

    (counted,) = [
        f
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.code == "formula-not-calculated"
    ]
    assert (counted.sheet, counted.cell, counted.row) == ("台账", "", None)


def _empty_text(xml: str, ref: str) -> str:
    """Cell `ref` with an empty text as its calculated value (`t="str"`, `<v></v>`)."""
    return _cached(xml, ref, "", text=True)


def test_the_as_of_dependent_columns_are_compared_on_the_workbooks_own_day(tmp_path):
    """A workbook calculated on its 基准日 (2026-03-31) and validated three months later: its
    剩余天数, 到期提示 and 准入检查 are what the formulas gave on its own day, not wrong."""
    import datetime as dt

    from ledger_xl.app.validate import validate_workbook

    path = build(tmp_path)
    later = validate_workbook(path, as_of=dt.date(2026, 6, 30)).findings
    assert [f for f in later if f.code.startswith("formula-")] == []


def test_a_stray_cached_value_on_a_blank_row_is_reported(tmp_path):
    """A pre-formulated blank row below the customers shows blanks; one showing a value (a
    copied-in cached value) is a row in use, and its formula cell is judged like any other."""
    path = rewrite_sheet_xml(
        build(tmp_path), SHEET, lambda xml: _cached(xml, _ref("composite_score", 7), "12345")
    )
    assert _formula_findings(path) == [
        ("formula-value-mismatch", _ref("composite_score", 7), "12345")
    ]


def test_a_mismatch_below_a_typed_over_cell_of_the_same_column_is_found(tmp_path):
    def tamper(xml: str) -> str:
        score = _ref("composite_score", 4)
        xml = replace_cell(xml, score, f'<c r="{score}"><v>99</v></c>')
        return _cached(xml, _ref("composite_score", 5), "12345")

    path = rewrite_sheet_xml(build(tmp_path), SHEET, tamper)
    assert _formula_findings(path) == [
        ("formula-overwritten", _ref("composite_score", 4), "99"),
        ("formula-value-mismatch", _ref("composite_score", 5), "12345"),
    ]


@pytest.mark.parametrize(
    ("key", "cached", "reported"),
    [
        ("debt_ratio", "0.3750000009", False),  # within 1e-9: the same number
        ("debt_ratio", "0.3750000015", True),  # beyond it: not what the rules give
        ("composite_score", "-82.5", True),  # the negative of the right value
        ("composite_score", "82.5", False),
    ],
)
def test_how_close_a_cached_number_must_be(tmp_path, key, cached, reported):
    path = rewrite_sheet_xml(build(tmp_path), SHEET, lambda xml: _cached(xml, _ref(key, 4), cached))
    found = _formula_findings(path)
    # the value as written, to the digit that differs (`:g` showed 0.3750000015 as 0.375, the
    # very value the rules give)
    assert found == ([("formula-value-mismatch", _ref(key, 4), cached)] if reported else [])


def test_a_blank_where_the_rules_give_a_date_is_a_mismatch(tmp_path):
    """下次审核日期 calculated as an empty text where the rules give a date (and the date
    where they give none) is reported."""
    from .helpers import good_row

    rows = [good_row(1), good_row(2, last_review=None, status="待审核")]

    def tamper(xml: str) -> str:
        xml = _empty_text(xml, _ref("next_review", 4))
        return _cached(xml, _ref("next_review", 5), "46402")

    path = rewrite_sheet_xml(build(tmp_path, rows=rows), SHEET, tamper)
    found = [(code, cell) for code, cell, _ in _formula_findings(path)]
    assert ("formula-value-mismatch", _ref("next_review", 4)) in found
    assert ("formula-value-mismatch", _ref("next_review", 5)) in found
