"""The formula check accepts the template's formulas in every spelling a reader gives them:
the file's `Ledger[[#This Row],[列]]`, Excel's formula bar and COM (`[@列]`, `[@[列]]`,
`Ledger[@列]`), LibreOffice's API (`;` separators) — and still catches a real edit."""

from __future__ import annotations

import re

import pytest

from ledger_xl.core.checks.formula_cells import normalise_formula
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.formulas import ledger_formulas
from ledger_xl.core.validate import validate_book
from ledger_xl.io.read import read_book

from .helpers import AS_OF, build, good_row

TEMPLATE = ledger_formulas(DEFAULT_RULES)
_FULL = re.compile(r"Ledger\[\[#This Row\],\[((?:[^\[\]']|'.)*)\]\]")


def excel_short(formula: str) -> str:
    """As Excel shows it inside the table: [@列], with brackets when the name needs them."""
    return _FULL.sub(
        lambda m: f"[@{m.group(1)}]" if re.fullmatch(r"\w+", m.group(1)) else f"[@[{m.group(1)}]]",
        formula,
    )


def excel_named(formula: str) -> str:
    return _FULL.sub(lambda m: f"Ledger[@[{m.group(1)}]]", formula)


def spaced_lower_case(formula: str) -> str:
    """Spaces and lower case outside string literals (case inside strings matters)."""
    parts = formula.split('"')
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].lower().replace("(", "( ")
    return " " + '"'.join(parts)


def libreoffice_api(formula: str) -> str:
    parts = formula.split('"')
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace(",", ";")
    return '"'.join(parts)


@pytest.mark.parametrize("key", sorted(TEMPLATE))
@pytest.mark.parametrize(
    "spell",
    [excel_short, excel_named, libreoffice_api, spaced_lower_case],
    ids=["excel-short", "excel-named", "libreoffice-api", "spaces-and-case"],
)
def test_every_spelling_of_a_template_formula_is_the_template(key, spell):
    formula = TEMPLATE[key]
    assert normalise_formula(spell(formula)) == normalise_formula(formula)


def test_strings_keep_their_case_and_separators():
    assert normalise_formula('=IF(a;"x ;Y",[@b])') == 'IF(A,"x ;Y",[@B])'
    assert normalise_formula('=IF(a,"已逾期",1)') != normalise_formula('=IF(a,"已过期",1)')


def test_another_table_or_column_is_an_edit():
    formula = TEMPLATE["debt_ratio"]
    assert normalise_formula(formula.replace("Ledger[", "Credentials[")) != normalise_formula(
        formula
    )
    assert normalise_formula(excel_short(formula).replace("资产总额", "营业收入")) != (
        normalise_formula(formula)
    )


def test_validation_accepts_excels_spelling_and_catches_an_edit(tmp_path):
    path = build(tmp_path, rows=[good_row(1), good_row(2)])
    book = read_book(path)
    found = dict(book.formulas())
    edited_cell = None
    for cell, text in found.items():
        found[cell] = excel_short("=" + text).removeprefix("=")
        if edited_cell is None and "权重_财务状况" in text:
            edited_cell = cell
    book.formula_source = found
    assert validate_book(book, AS_OF).findings == []  # Excel's spelling is no finding
    found[edited_cell] = found[edited_cell].replace("权重_财务状况", "0.5")
    book.formula_source = found
    edited = validate_book(book, AS_OF).findings
    assert [f.code for f in edited] == ["formula-edited"] and edited[0].column == "综合评分"


@pytest.mark.parametrize("prefix", ["_xlfn.", "_XLFN.", "_xlws.", "_xlfn._xlws."])
def test_the_prefixes_excel_writes_before_newer_functions_are_ignored(prefix):
    """Excel saves a function newer than Excel 2007 as `_xlfn.IFS(...)` (and `_xlws.SORT`):
    the same formula as the one typed."""
    from ledger_xl.core.checks.formula_cells import normalise_formula

    typed = '=IFS([@综合评分]>=85,"A",TRUE,"B")'
    saved = typed.replace("IFS(", prefix + "IFS(")
    assert normalise_formula(saved) == normalise_formula(typed)
    assert normalise_formula(saved) == 'IFS([@综合评分]>=85,"A",TRUE,"B")'
