"""The LibreOffice adapter keeps xlwings' conventions on a real headless LibreOffice, and the
private soffice it runs starts, stops and dies cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from ledger_xl.excel.host import AddinError
from ledger_xl.excel.workbook import cell_value, write_rows

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

# The text forms LibreOffice's API gives for the template's formulas, and what Excel shows.
API_EDATE = (
    "=IF(AND(ISNUMBER(Ledger[[#This Row];[最近审核日期]]);ISNUMBER(Ledger[[#This Row];"
    "[审核周期(月)]]));COM.SUN.STAR.SHEET.ADDIN.ANALYSIS.GETEDATE(Ledger[[#This Row];"
    '[最近审核日期]];Ledger[[#This Row];[审核周期(月)]]);"")'
)
EXCEL_EDATE = (
    "=IF(AND(ISNUMBER(Ledger[[#This Row],[最近审核日期]]),ISNUMBER(Ledger[[#This Row],"
    "[审核周期(月)]])),EDATE(Ledger[[#This Row],[最近审核日期]],Ledger[[#This Row],"
    '[审核周期(月)]]),"")'
)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "样例.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["编号", "名称", "日期", "分数", "布尔"])
    ws.write_row(1, 0, ["A1", "甲"])
    ws.write_datetime(1, 2, dt.datetime(2026, 5, 1, 13, 30), date)
    ws.write_number(1, 3, 3)
    ws.write_boolean(1, 4, True)
    ws.write_row(2, 0, ["A2", "乙"])
    ws.write_number(2, 3, 4.5)
    ws.write_formula(2, 4, "=1/0")
    ws.write_formula(3, 3, "=SUM(D2:D3)")
    ws.write_comment("B2", "旧备注")
    ws.add_table("G1:H4", {"name": "T", "columns": [{"header": "k"}, {"header": "v"}]})
    ws.write_column("G2", ["a", "b", "a"])
    ws.write_column("H2", [1, 2, 3])
    wb.add_worksheet("其 他")
    wb.close()
    return path


@pytest.fixture
def book(office, sample):
    opened = office.open(sample)
    yield opened
    opened.close()


def test_reads_values_as_xlwings_does(book, sample):
    sheet = book.sheets["台账"]
    assert book.name == sample.name and book.fullname == str(sample)
    assert [s.name for s in book.sheets] == ["台账", "其 他"]
    assert sheet.range("A2:E2").value == ["A1", "甲", dt.datetime(2026, 5, 1, 13, 30), 3.0, True]
    assert sheet.range("A2:A3").value == ["A1", "A2"]  # one column: a flat list
    assert sheet.range("A2:B2").options(ndim=2).value == [["A1", "甲"]]
    assert sheet.range("C3").value is None  # empty
    assert sheet.range("E3").value is None  # an error, as xlwings by default
    assert sheet.range("E3").options(err_to_str=True).value == "#DIV/0!"
    assert sheet.range("D4").value == 7.5  # recalculated on load
    assert sheet.range("D4").formula == "=SUM(D2:D3)"
    assert sheet.used_range.address == "$A$1:$H$4"
    assert sheet.range("B2").note.text == "旧备注"


def test_writes_keep_text_as_text_and_dates_as_dates(book):
    sheet = book.sheets["其 他"]
    write_rows(sheet, 1, 1, [["00123", "=1+1", "2024-3-5", dt.date(2026, 1, 31), 7, None]])
    assert sheet.range("A1:F1").value == [
        "00123",
        "=1+1",
        "2024-3-5",
        dt.datetime(2026, 1, 31),
        7.0,
        None,
    ]
    assert sheet.range("B1").formula == "=1+1"  # stored as text, not a formula
    sheet.range("A3").value = [['=A1&"x"', "'=2"]]  # a str starting with = is a formula
    assert sheet.range("A3:B3").value == ["00123x", "=2"]
    assert cell_value("x") == "'x" and cell_value(float("nan")) is None


def test_formula_text_is_excels_syntax(book):
    from ledger_xl.excel.uno_book import api_to_excel

    functions = book._addin_functions()
    assert api_to_excel(API_EDATE, functions) == EXCEL_EDATE
    assert api_to_excel("=SUM($'其 他'.A1:$'其 他'.B2;$Sheet1.C3)", functions) == (
        "=SUM('其 他'!A1:B2,Sheet1!C3)"
    )
    assert api_to_excel('=IF(A1;"a;b";"")', functions) == '=IF(A1,"a;b","")'
    sheet = book.sheets["台账"]
    sheet.range("F2").formula = "=EDATE(C2,1)"
    assert sheet.range("F2").formula == "=EDATE(C2,1)"
    assert sheet.range("F2").value == 46173.0 + 13.5 / 24 or sheet.range("F2").value > 46000


def test_formulas_written_in_a_block_and_colours_of_several_areas(book):
    sheet = book.sheets["其 他"]
    sheet.range("A1").value = [
        [1, 2, "=SUM(A1:B1)"],
        ["=EDATE(DATE(2024,1,31),1)", '=HYPERLINK("#\'台账\'!B2","去 B2")', "=台账!D2*2"],
    ]
    assert sheet.range("C1").value == 3.0
    assert sheet.range("A2").value == 45351.0  # 2024-02-29, EDATE's month-end rule
    assert sheet.range("B2").value == "去 B2" and sheet.range("C2").value == 6.0
    assert sheet.range("A2:C2").formula == (
        (
            "=EDATE(DATE(2024,1,31),1)",
            '=HYPERLINK("#\'台账\'!B2","去 B2")',
            "=台账!D2*2",
        ),
    )
    areas = sheet.range("A5,C6:D7")
    areas.color = (1, 2, 3)
    assert [sheet.range(c).color for c in ("A5", "C6", "D7", "B5")] == [(1, 2, 3)] * 3 + [None]
    areas.color = None
    assert sheet.range("C6").color is None


def test_colour_font_note_hyperlink_sheets_and_widths(book):
    sheet = book.sheets["台账"]
    cell = sheet.range("B3")
    assert cell.color is None
    cell.color = (255, 199, 206)
    assert cell.color == (255, 199, 206)
    cell.color = None
    assert cell.color is None
    cell.font.bold = True
    cell.font.color = (200, 0, 0)
    assert cell.font.bold and cell.font.color == (200, 0, 0)
    note = cell.add_note("请核对")
    with pytest.raises(ValueError):
        cell.add_note("again")
    note.text = "已核对"
    assert cell.note.text == "已核对"
    cell.note.delete()
    assert cell.note is None
    new = book.sheets.add("结果", after=sheet)
    assert [s.name for s in book.sheets] == ["台账", "结果", "其 他"]
    with pytest.raises(ValueError):
        book.sheets.add("结果")
    new.range("A1").add_hyperlink("#'台账'!B2", "去 B2")
    assert new.range("A1").hyperlink == "#台账!B2" and new.range("A1").value == "去 B2"
    new.range("A1").column_width = 30
    assert round(new.range("A1").column_width) == 30
    new.visible = False
    assert not new.visible
    new.delete()
    assert "结果" not in book.sheets


def test_selection_tables_filter_and_charts(book):
    sheet = book.sheets["台账"]
    sheet.range("B3").select()
    assert book.selection.address == "$B$3" and book.selection.sheet.name == "台账"
    table = sheet.tables["T"]
    assert table.range.address == "$G$1:$H$4"
    table.autofilter.apply_values(1, ["a"])
    assert table.autofilter.hidden_rows == [3]
    table.autofilter.clear()
    assert table.autofilter.hidden_rows == []
    table.resize(sheet.range("G1:H5"))
    assert sheet.tables["T"].range.address == "$G$1:$H$5"
    chart = sheet.charts.add(left=300, top=10, width=200, height=150)
    chart.set_source_data(sheet.range("G1:H4"))
    chart.chart_type = "bar_stacked"
    assert len(sheet.charts) == 1


def test_protection_and_locking(book):
    sheet = book.sheets["台账"]
    host = book.ledger_xl_host
    sheet.api.protect("pw")
    with pytest.raises(AddinError, match="设有保护密码"), host.unprotected(sheet):
        pass
    with host.unprotected(sheet, "pw"):
        assert not sheet.api.isProtected()
        host.lock(sheet.range("A10:B10"), True)
    assert sheet.api.isProtected()
    sheet.api.unprotect("pw")  # protected again with the same password
    assert sheet.range("A10").api.CellProtection.IsLocked


def test_properties_and_save(book, tmp_path):
    assert isinstance(book.ledger_xl_host.properties(book), dict)
    out = tmp_path / "out.xlsx"
    book.sheets["台账"].range("B3").add_note("批注")
    book.save(out)
    assert openpyxl.load_workbook(out)["台账"]["B3"].comment.text.startswith("批注")


def test_office_stops_and_kills_its_process_group():
    from ledger_xl.excel.office import Office

    office = Office(connection="pipe")
    office.start()
    pid = office.process.pid
    office.stop()
    assert office.process is None
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    office = Office(shutdown_timeout=1)
    office.start()
    pid = office.process.pid
    os.killpg(pid, signal.SIGSTOP)  # a hung office cannot answer terminate()
    office.desktop = None
    office.stop()
    alive = subprocess.run(
        ["ps", "-o", "stat=", "-g", str(pid)], capture_output=True, text=True
    ).stdout.split()
    assert [s for s in alive if not s.startswith("Z")] == []


def test_an_office_that_exits_at_once_fails_fast(tmp_path):
    from ledger_xl.excel.office import Office, OfficeError

    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(OfficeError, match="退出码 3"):
        Office(soffice=str(fake)).start()
