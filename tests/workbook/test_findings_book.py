"""The findings workbook: every finding, linked to its cell, with counts equal to the stats."""

from __future__ import annotations

from pathlib import Path, PureWindowsPath
from urllib.parse import unquote

import openpyxl
import pytest

from ledger_xl.core.errors import OutputError
from ledger_xl.core.findings import BatchResult, FileResult, finding
from ledger_xl.io import libreoffice
from ledger_xl.io.xlsx import findings as findings_book
from ledger_xl.io.xlsx.findings import build_findings_workbook

HOSTILE = '=HYPERLINK("http://evil.example","点我")'


def _result(guangzhou: Path, old: Path) -> BatchResult:
    return BatchResult(
        files=[
            FileResult(
                path=str(guangzhou),
                valid=False,
                rows=120,
                branch="广州分公司",
                findings=[
                    finding(
                        "required-missing",
                        column="联系电话",
                        file=str(guangzhou),
                        sheet="台账",
                        cell="J17",
                        row=17,
                        customer_id="GZ000521",
                    ),
                    finding(
                        "formula-text",
                        column="备注",
                        value=HOSTILE,
                        file=str(guangzhou),
                        sheet="台账",
                        cell="AB9",
                        row=9,
                        customer_id="+GZ9",
                    ),
                    finding(
                        "required-missing",
                        column="客户名称",
                        file=str(guangzhou),
                        sheet="台账",
                        cell="C18",
                        row=18,
                        customer_id="-1",
                    ),
                ],
            ),
            FileResult(path=str(old), valid=False, rows=0, findings=[finding("file-legacy-xls")]),
        ]
    )


@pytest.fixture
def batch(tmp_path) -> BatchResult:
    return _result(tmp_path / "branches" / "gz 广州#1.xlsx", tmp_path / "branches" / "old.xls")


@pytest.fixture
def book(tmp_path, batch) -> openpyxl.Workbook:
    path = build_findings_workbook(tmp_path / "问题清单.xlsx", batch)
    return openpyxl.load_workbook(path)


def _linked_file(target: str, base: Path) -> Path:
    """The file a hyperlink target names, resolved as Excel does: from the book's folder."""
    name = unquote(target)
    if name.startswith("file:///"):
        return Path(PureWindowsPath(name[len("file:///") :]).as_posix())
    return (base / PureWindowsPath(name).as_posix()).resolve()


def _rows(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(min_row=2, values_only=True)]


def _header(ws) -> list:
    return [cell.value for cell in ws[1]]


# ---------------------------------------------------------------- 问题清单


def test_sheets_in_order(book):
    assert book.sheetnames == ["问题清单", "按文件统计", "按代码统计"]


def test_every_finding_has_a_row_with_its_location(book, batch):
    ws = book["问题清单"]
    assert _header(ws) == [
        "文件",
        "工作表",
        "单元格",
        "行号",
        "列",
        "客户编号",
        "代码",
        "级别",
        "说明",
        "值",
    ]
    rows = _rows(ws)
    expected = [
        [file.path, f.sheet, f.cell or "（打开文件）", f.row, f.column, f.customer_id, f.code]
        for file in batch.files
        for f in file.findings
    ]
    assert [row[:7] for row in rows] == expected
    assert [row[7] for row in rows] == ["错误", "警告", "错误", "错误"]
    assert rows[0][8] == "必填项“联系电话”为空"


def test_cell_links_open_that_cell_in_that_file(tmp_path, book, batch):
    link = book["问题清单"]["C2"].hyperlink
    assert book["问题清单"]["C2"].value == "J17"
    assert link.location == "'台账'!J17"
    assert _linked_file(link.target, tmp_path) == Path(batch.files[0].path)
    assert not link.target.startswith("file:")  # relative to the findings workbook's folder


def test_links_are_relative_even_to_a_sibling_folder(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    result = _result(tmp_path / "in" / "gz.xlsx", tmp_path / "in" / "old.xls")
    ws = openpyxl.load_workbook(build_findings_workbook(out / "f.xlsx", result))["问题清单"]
    target = ws["C2"].hyperlink.target
    assert PureWindowsPath(unquote(target)).parts[0] == ".."
    assert _linked_file(target, out) == tmp_path / "in" / "gz.xlsx"


def test_relative_input_paths_are_taken_from_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _result(Path("branches/gz.xlsx"), Path("old.xls"))
    out = tmp_path / "out"
    out.mkdir()
    ws = openpyxl.load_workbook(build_findings_workbook(out / "f.xlsx", result))["问题清单"]
    assert _linked_file(ws["C2"].hyperlink.target, out) == tmp_path / "branches" / "gz.xlsx"
    assert ws["A2"].value == "branches/gz.xlsx"  # shown as given


@pytest.mark.parametrize("name", ["100% 完成.xlsx", "a%20b[1]{x}.xlsx", "a:b.xlsx"])
def test_links_survive_odd_file_names(tmp_path, name):
    result = _result(tmp_path / name, tmp_path / "old.xls")
    ws = openpyxl.load_workbook(build_findings_workbook(tmp_path / "f.xlsx", result))["问题清单"]
    assert _linked_file(ws["C2"].hyperlink.target, tmp_path) == tmp_path / name


def test_file_level_finding_links_to_the_file_itself(tmp_path, book, batch):
    cell = book["问题清单"]["C5"]
    assert cell.value == "（打开文件）"
    assert cell.hyperlink.location is None
    assert _linked_file(cell.hyperlink.target, tmp_path) == Path(batch.files[1].path)


def test_text_that_looks_like_a_formula_stays_text(book):
    ws = book["问题清单"]
    value_cell, customer_cell, minus_cell = ws["J3"], ws["F3"], ws["F4"]
    assert (value_cell.value, value_cell.data_type) == (HOSTILE, "s")
    assert (customer_cell.value, customer_cell.data_type) == ("+GZ9", "s")
    assert (minus_cell.value, minus_cell.data_type) == ("-1", "s")
    formulas = [
        c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []


def test_findings_sheet_is_a_filterable_table_with_frozen_header(book):
    ws = book["问题清单"]
    assert ws.freeze_panes == "A2"
    assert list(ws.tables) == ["Findings"]
    assert ws.tables["Findings"].ref == "A1:J5"
    assert ws.column_dimensions["I"].width >= 30


def test_level_cells_are_red_for_errors_and_amber_for_warnings(book):
    ws = book["问题清单"]
    assert ws["H2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["H3"].fill.fgColor.rgb.endswith("FFEB9C")


def test_links_past_excels_limit_become_plain_text(tmp_path, batch, monkeypatch):
    monkeypatch.setattr(findings_book, "EXCEL_MAX_LINKS", 2)
    path = build_findings_workbook(tmp_path / "f.xlsx", batch)
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert ws["C3"].hyperlink is not None
    assert ws["C4"].hyperlink is None and ws["C4"].value == "C18"


# ---------------------------------------------------------------- counts


def test_counts_by_file_equal_the_stats(book, batch):
    ws = book["按文件统计"]
    stats = batch.stats()
    codes = list(stats["by_code"])
    assert _header(ws) == ["文件", "分公司", *codes, "错误", "警告", "行数", "结论"]
    rows = _rows(ws)
    assert [row[0] for row in rows] == [file.path for file in batch.files]
    for i, code in enumerate(codes, start=2):
        assert sum(row[i] for row in rows) == stats["by_code"][code]
    errors, warnings, lines = (sum(row[i] for row in rows) for i in (-4, -3, -2))
    assert (errors, warnings, lines) == (stats["errors"], stats["warnings"], stats["rows"])
    assert rows[0][:2] == [batch.files[0].path, "广州分公司"]
    assert rows[0][2 + codes.index("required-missing")] == 2
    assert [row[-1] for row in rows] == ["有错误", "有错误"]
    assert list(ws.tables) == ["FindingsByFile"]
    assert ws.freeze_panes == "A2"


def test_counts_by_code_equal_the_stats(book, batch):
    ws = book["按代码统计"]
    assert _header(ws) == ["代码", "级别", "数量", "说明"]
    rows = _rows(ws)
    assert {row[0]: row[2] for row in rows} == batch.stats()["by_code"]
    assert rows[0] == ["required-missing", "错误", 2, "必填项“…”为空"]


def test_english_sheets_and_headers(tmp_path, batch):
    path = build_findings_workbook(tmp_path / "findings.xlsx", batch, lang="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Findings", "By file", "By code"]
    assert _header(wb["Findings"])[:3] == ["File", "Sheet", "Cell"]
    assert wb["Findings"]["H2"].value == "error"
    assert wb["Findings"]["C2"].hyperlink.location == "'台账'!J17"


def test_a_batch_without_findings_still_makes_a_workbook(tmp_path):
    clean = BatchResult(
        files=[FileResult(path="sh.xlsx", valid=True, rows=80, branch="上海分公司", findings=[])]
    )
    wb = openpyxl.load_workbook(build_findings_workbook(tmp_path / "f.xlsx", clean))
    assert _rows(wb["问题清单"]) == []
    assert wb["问题清单"].tables["Findings"].ref == "A1:J2"  # a table needs one (empty) row
    assert _rows(wb["按文件统计"]) == [["sh.xlsx", "上海分公司", 0, 0, 80, "通过"]]


# ---------------------------------------------------------------- writing safely


def test_refuses_to_overwrite_unless_asked(tmp_path, batch):
    path = build_findings_workbook(tmp_path / "f.xlsx", batch)
    before = path.read_bytes()
    with pytest.raises(OutputError):
        build_findings_workbook(path, batch)
    assert path.read_bytes() == before
    build_findings_workbook(path, batch, overwrite=True)
    assert list(tmp_path.glob(".~ledger_xl-*")) == []


def test_refuses_a_workbook_excel_holds_open(tmp_path, batch):
    path = build_findings_workbook(tmp_path / "f.xlsx", batch)
    (tmp_path / "~$f.xlsx").write_bytes(b"owner")
    with pytest.raises(OutputError, match="Excel"):
        build_findings_workbook(path, batch, overwrite=True)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_opens_the_findings_workbook(soffice, tmp_path, batch):
    path = build_findings_workbook(tmp_path / "findings.xlsx", batch)
    pdf = libreoffice.to_pdf(path, tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
