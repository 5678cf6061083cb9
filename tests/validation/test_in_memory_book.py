"""Checks run on data, not files: a LedgerBook built from cell values read another way
(openpyxl here; the Excel add-in reads an open workbook's ranges) gets exactly the findings
that validating the file gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from ledger_xl.app.demo import run_demo
from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout
from ledger_xl.core.book import LedgerBook, book_from_grids
from ledger_xl.core.grid import Grid
from ledger_xl.core.validate import validate_book

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AS_OF = dt.date(2026, 11, 23)


def openpyxl_book(path: Path) -> LedgerBook:
    """The workbook as the add-in would see it: every sheet's values (cached results for
    formula cells), the ledger sheet's formula text and the custom document properties."""
    shown = openpyxl.load_workbook(path, data_only=True)
    typed = openpyxl.load_workbook(path, data_only=False)
    grids = {
        ws.title: Grid(ws.title, [list(row) for row in ws.iter_rows(values_only=True)])
        for ws in shown.worksheets
    }
    formulas = {
        (cell.row - 1, cell.column - 1): cell.value.removeprefix("=")
        for row in typed[layout.SHEET_LEDGER].iter_rows()
        for cell in row
        if cell.data_type == "f"
    }
    properties = {p.name: str(p.value) for p in shown.custom_doc_props.props}
    return book_from_grids(str(path), grids, formulas=formulas, properties=properties)


def _as_data(result) -> list[dict]:
    return [f.model_dump() for f in result.findings]


@pytest.fixture(scope="module")
def demo_branches(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return sorted(run_demo(out, AS_OF, round_trip=False).branch_files.values())


def test_messy_fixture_same_findings_from_memory_as_from_the_file():
    path = FIXTURES / "messy_branch.xlsx"
    from_file = validate_workbook(path, as_of=AS_OF)
    from_memory = validate_book(openpyxl_book(path), AS_OF)
    assert len(from_file.findings) > 10
    assert _as_data(from_memory) == _as_data(from_file)
    assert (from_memory.rows, from_memory.branch) == (from_file.rows, from_file.branch)


def test_demo_branches_same_findings_from_memory_as_from_the_file(demo_branches):
    total = 0
    for path in demo_branches:
        from_file = validate_workbook(path, as_of=AS_OF)
        assert _as_data(validate_book(openpyxl_book(path), AS_OF)) == _as_data(from_file)
        total += len(from_file.findings)
    assert total > 20  # the planted mistakes are there to be found


def test_book_without_formula_text_checks_values_only(demo_branches):
    path = demo_branches[0]
    book = openpyxl_book(path)
    book.formula_source = None  # e.g. a reader that could not give formulas
    codes = {f.code for f in validate_book(book, AS_OF).findings}
    assert not codes & {"formula-overwritten", "formula-edited"}


def test_book_from_grids_without_a_ledger_sheet_says_so():
    book = book_from_grids("x.xlsx", {})
    assert not book.checkable
    codes = [f.code for f in book.findings]
    assert codes == ["rules-broken", "ledger-sheet-missing"]
    assert validate_book(book, AS_OF).findings == book.findings
