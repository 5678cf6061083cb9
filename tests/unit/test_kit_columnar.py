"""Cells kept by column (`kit.Worksheet.columnar`) and tables recorded by range are written
exactly as XlsxWriter writes them cell by cell: the same sheet XML, the same values read back."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
import xlsxwriter.exceptions
from python_calamine import CalamineWorkbook

from ledger_xl.io.xlsx import kit

LONG = "长" * 40_000  # past Excel's 32,767 characters: cut by the writer either way


def _fill(ws, fmt, other, columnar: bool) -> None:
    """One sheet of every kind of cell a run meets: strings, numbers, dates, booleans,
    blanks, gaps, a cell written before and after the run, a row with only a height."""
    ws.write_string(0, 0, "标题")
    ws.write_number(5, 1, 99.0, fmt)  # written first, then replaced by the run
    values = ["甲", 1.5, 7, dt.datetime(2024, 1, 5), True, None, "", LONG, "乙", False, -0.25]
    ws.set_row(20, 40)  # a row with a height and no cell
    for col in (1, 3):
        block = ws.columnar(col, 2, fmt) if columnar else _nothing()
        with block:
            for i, value in enumerate(values):
                row = 2 + i
                if value is None:
                    ws._write_blank(row, col, None, fmt)
                elif value == "":
                    ws._write_blank(row, col, None, None)  # no format: no cell, a gap
                elif isinstance(value, bool):
                    ws._write_boolean(row, col, value, fmt)
                elif isinstance(value, dt.datetime):
                    ws._write_datetime(row, col, value, fmt)
                elif isinstance(value, str):
                    ws._write_string(row, col, value, fmt)
                else:
                    ws._write_number(row, col, value, fmt)
    ws.write_string(4, 3, "后写的值", other)  # written after the run: the later value stays
    with ws.columnar(2, 30, fmt) if columnar else _nothing():
        ws._write_number(30, 2, 1.0, other)  # another format: outside the run
        ws._write_number(31, 2, 2.0, fmt)  # not the run's next row either
    ws.write_string(40, 0, "末行")
    with ws.columnar(5, 44, fmt) if columnar else _nothing():  # gaps first and last
        ws._write_blank(44, 5, None, None)
        ws._write_string(45, 5, "中", fmt)
        ws._write_blank(46, 5, None, None)
        ws._write_blank(47, 5, None, None)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _build(path, columnar: bool) -> None:
    with kit.written(path, title="t", kind="output", created=dt.datetime(2026, 1, 1)) as wb:
        fmt = wb.add_format({"num_format": "0.00", "locked": False})
        other = wb.add_format({"bold": True})
        _fill(wb.add_worksheet("表"), fmt, other, columnar)


def _same_sheet(tmp_path, build) -> list:
    """`build(path, False)` and `build(path, True)` write the same sheet XML and shared
    strings; the rows of the second, read back."""
    plain, other = tmp_path / "plain.xlsx", tmp_path / "other.xlsx"
    build(plain, False)
    build(other, True)
    with zipfile.ZipFile(plain) as a, zipfile.ZipFile(other) as b:
        for name in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
            assert a.read(name) == b.read(name), name
    return CalamineWorkbook.from_path(str(other)).get_sheet_by_name("表").to_python()


def test_cells_kept_by_column_are_written_as_xlsxwriter_writes_them(tmp_path):
    rows = _same_sheet(tmp_path, lambda path, columnar: _build(path, columnar=columnar))
    assert rows[2][1] == "甲" and rows[3][1] == 1.5 and rows[4][3] == "后写的值"
    assert rows[5][1] == 45296.0 and rows[6][1] is True  # the date as its serial ("0.00")
    assert len(rows[9][1]) == 32_767 and rows[12][3] == -0.25
    assert rows[30][2] == 1.0 and rows[31][2] == 2.0 and rows[40][0] == "末行"
    assert len(rows) == 46 and rows[45][5] == "中"  # the sheet ends at its last cell


def test_a_table_is_recorded_by_range_and_still_refuses_an_overlap(tmp_path):
    with kit.written(tmp_path / "t.xlsx", title="t", kind="output") as wb:
        ws = wb.add_worksheet("表")
        ws.add_table_with_formulas(2, 0, 5000, 3, {"name": "Big", "columns": [{"header": "a"}]})
        assert ws.tables[-1]["range"] == "A3:D5001"
        assert ws.tables[-1]["autofilter"] == "A3:D5001"
        assert len(dict(ws.table_cells)) <= 2 * 4  # the header and first data row only
        with pytest.raises(xlsxwriter.exceptions.OverlappingRange):
            ws.merge_range(4000, 1, 4000, 5, "x")
        with pytest.raises(xlsxwriter.exceptions.OverlappingRange):
            ws.add_table_with_formulas(4999, 3, 5100, 6, {"name": "Other"})
        ws.merge_range(6000, 0, 6000, 3, "x")
        with pytest.raises(xlsxwriter.exceptions.OverlappingRange):
            ws.add_table_with_formulas(5990, 2, 6010, 4, {"name": "Third"})
        ws.add_table_with_formulas(7000, 0, 7010, 3, {"name": "Fourth"})
    sheet = zipfile.ZipFile(tmp_path / "t.xlsx").read("xl/tables/table1.xml").decode()
    assert 'ref="A3:D5001"' in sheet


# Every kind of value the builder writes into an input column: text, a text that is blank, a
# lone surrogate (a file name read with surrogateescape), a text past Excel's limit, floats a
# cell holds and those it does not, numpy and Python ints, booleans, dates in and out of
# Excel's range, a datetime with a time, a date repeated (its serial converted once), NaN.
RUN_VALUES = [
    "甲",
    "",
    "  ",
    "坏\udcff名",
    LONG,
    None,
    1.5,
    float("nan"),
    float("inf"),
    1e308,
    -9.99999999999999e307,
    7,
    True,
    dt.date(2024, 1, 5),
    dt.date(1850, 1, 1),
    dt.datetime(2024, 1, 5, 13, 30),
    dt.date(2024, 1, 5),
    "乙",
]


@pytest.mark.parametrize("opened", [True, False], ids=["in a run", "without a run"])
def test_write_run_writes_what_each_write_would(tmp_path, opened):
    """`Worksheet.write_run` (the builder's input columns) gives the very workbook the
    builder's per-cell writer gives, whatever the values, with a run open or not."""
    import numpy as np

    from ledger_xl.io.xlsx.ledger import _write_value

    values = [*RUN_VALUES, np.float64(2.5), np.int64(3)]

    def build(path, bulk: bool) -> None:
        with kit.written(path, title="t", kind="output", created=dt.datetime(2026, 1, 1)) as wb:
            # not a date format: python-calamine panics on -9.99999999999999E+307 in a date cell
            fmt = wb.add_format({"num_format": "0.00", "locked": False})
            ws = wb.add_worksheet("表")
            ws.write_string(0, 0, "标题")  # the range read back starts at A1
            ws.write_number(4, 2, 99.0, fmt)  # written before: replaced by the column's cell
            with ws.columnar(2, 3, fmt) if opened else _nothing():
                if bulk:
                    ws.write_run(3, 2, values, fmt, _write_value)
                else:
                    for i, value in enumerate(values):
                        _write_value(ws, 3 + i, 2, value, fmt)

    rows = _same_sheet(tmp_path, lambda path, bulk: build(path, bulk=bulk))
    assert [rows[3 + i][2] for i in (0, 3, 6)] == ["甲", "坏\ufffd名", 1.5]
    assert rows[3 + 8][2] == "inf" and rows[3 + 14][2] == "1850-01-01"
    assert rows[3 + 13][2] == rows[3 + 16][2] == 45296.0  # 2024-01-05, twice


def test_a_shared_formulas_followers_are_written_as_each_alone(tmp_path):
    """The cells of a column formula after its first are written from a cache keyed by their
    cached value: each must be exactly what `_shared_xml` writes for it alone — 1, 1.0 and
    True, "" and None, an error code and a text kept apart, in two columns of other formats."""
    import re

    values = [True, 1, 1.0, "有效", "", None, "#N/A", "有效", False, 0, 1, True, "a&b", 2.5]
    path = tmp_path / "f.xlsx"
    with kit.written(path, title="t", kind="output", created=dt.datetime(2026, 1, 1)) as wb:
        ws = wb.add_worksheet("表")
        ws.write_string(0, 0, "标题")
        plain = wb.add_format({"locked": False})
        ws.write_column_formula(2, 1, '=IF(A3="","",1)', plain, values)
        ws.write_column_formula(2, 2, "=A3&B3", None, list(reversed(values)))
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    cells = {ref: whole for whole, ref in re.findall(r'(<c r="([A-Z]+[0-9]+)".*?</c>)', xml)}
    for col, letter, column_values, xf in (
        (1, "B", values, plain._get_xf_index()),
        (2, "C", list(reversed(values)), None),
    ):
        for i, value in enumerate(column_values[1:], start=1):
            ref = f"{letter}{3 + i}"
            alone = ws._shared_xml(ref, xf, value, None, f"{letter}3:{letter}16", col - 1)
            assert cells[ref] == alone, (ref, value)
