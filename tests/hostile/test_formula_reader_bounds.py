"""Our own formula reader does work bounded by what the sheet holds, not by what a cell claims.

An array formula whose `ref` covers the sheet used to be expanded cell by cell (54 s and 4 GB
from a 104 KB file; MemoryError for A1:XFD1048576); a long stretch without `<row` was copied
again for every megabyte (a 900 MB comment never finished). Arrays are now answered on
lookup, and a stretch is carried once, up to MAX_CARRY.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import SHEET_LEDGER
from ledger_xl.io import formulas_reader
from ledger_xl.io.formulas_reader import ALL_COLUMNS, LAST_ROW, read_formulas
from tests.fixtures import hostile

AS_OF = hostile.AS_OF
NOTES_COLUMN = hostile.ledger_column("notes")  # 备注, an input column
NOTES = [f.key for f in DEFAULT_RULES.fields].index("notes")


def _all(path):
    return read_formulas(path, SHEET_LEDGER, ALL_COLUMNS, 0, LAST_ROW)


@pytest.mark.parametrize(
    "ref",
    ["A1:XFD1048576", f"{NOTES_COLUMN}1:{NOTES_COLUMN}1048576", f"A4:{NOTES_COLUMN}1048576"],
)
def test_an_array_claiming_the_sheet_is_not_expanded(honest, tmp_path, ref):
    bad = hostile.array_formulas(honest, tmp_path / "array.xlsx", ref, [f"{NOTES_COLUMN}5"])
    found = _all(bad)
    assert len(found.arrays) == 1
    assert len(found) < 5_000  # the formula cells of the sheet, not the array's millions
    assert found.get((4, NOTES)) == "1"  # the 备注 cell itself
    assert found.get((1_048_575, NOTES)) == "1"  # answered on lookup, inside the range
    assert found.get((3, NOTES + 2)) == ("1" if ref.startswith("A1:X") else None)


def test_an_array_in_every_row_over_the_whole_table(honest, tmp_path):
    cells = [f"{NOTES_COLUMN}{row}" for row in range(5, 30)]
    ref = f"A4:{NOTES_COLUMN}1048576"
    bad = hostile.array_formulas(honest, tmp_path / "arrays.xlsx", ref, cells)
    found = _all(bad)
    assert len(found.arrays) == len(cells) and len(found) < 5_000
    result = validate_workbook(bad, AS_OF)  # the checks look cells up: still bounded
    assert result.rows > 10


def test_a_shared_formula_claiming_the_sheet_costs_its_followers_only(honest, tmp_path):
    found = _all(hostile.shared_formula_claiming(honest, tmp_path / "shared.xlsx"))
    assert found.get((4, NOTES)) == "1+1" and found.get((5, NOTES)) == "1+1"
    assert len(found) < 5_000


@pytest.mark.parametrize("kind", ["comment", "whitespace"])
def test_a_stretch_without_rows_is_carried_once_and_bounded(honest, tmp_path, monkeypatch, kind):
    """A stretch longer than MAX_CARRY (made small here) without any `<row`: pieces stay
    within MAX_CARRY plus two reads, and every formula around it is still found."""
    monkeypatch.setattr(formulas_reader, "MAX_CARRY", 64 << 10)
    bad = hostile.stretch_without_rows(honest, tmp_path / "gap.xlsx", 2 << 20, kind)
    sizes: list[int] = []
    real = formulas_reader._segments

    def recording(*args):
        for buffer, end in real(*args):
            sizes.append(len(buffer))
            yield buffer, end

    monkeypatch.setattr(formulas_reader, "_segments", recording)
    found = read_formulas(bad, SHEET_LEDGER, ALL_COLUMNS, 0, LAST_ROW, chunk_size=16 << 10)
    assert max(sizes) <= (64 << 10) + 2 * (16 << 10) + 4096  # not the 2 MB stretch
    monkeypatch.setattr(formulas_reader, "_segments", real)
    assert dict(found) == dict(_all(honest))


def test_cells_without_a_cached_value_are_listed(honest, tmp_path):
    resaved = hostile.resaved_by_openpyxl(honest, tmp_path / "openpyxl.xlsx")
    found = _all(resaved)
    formula_cells = {k for k, v in found.items() if v is not None}
    assert found.uncalculated == formula_cells  # openpyxl keeps the formula, drops the value
    built = _all(honest)
    data_row = (3, [f.key for f in DEFAULT_RULES.fields].index("grade"))  # a customer's 评级
    assert built.get(data_row) and data_row not in built.uncalculated


def test_the_guards_leave_an_honest_ledger_as_it_was(honest):
    found = _all(honest)
    assert found.arrays == [] and len(found) > 100
    assert validate_workbook(honest, AS_OF).rows > 10
    assert isinstance(AS_OF, dt.date)
