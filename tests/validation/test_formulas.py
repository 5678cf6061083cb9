"""A typed-over formula, an edited formula, and a cached value that no longer matches the
rules are each caught at their cell."""

from __future__ import annotations

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
