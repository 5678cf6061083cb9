"""The audit workbooks: 整改台账, 稽核底稿 and 稽核报告 — structure (drop-downs, dates, locked
and fill-in columns, red past the deadline, native charts, a one-page overview) and their
LibreOffice rendering."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ledger_xl.app import audit as audit_app
from ledger_xl.app.validate import validate_paths
from ledger_xl.core import audit, papers, sampling
from ledger_xl.io import libreoffice
from ledger_xl.io.xlsx.audit_report import SHEET_ORDER, build_audit_report
from ledger_xl.io.xlsx.rectification import build_rectification_workbook
from ledger_xl.io.xlsx.working_papers import build_working_papers
from tests.audit.conftest import AS_OF


@pytest.fixture(scope="module")
def db(branch_files, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "稽核档案.sqlite"
    audit_app.Recorder(path, branch_files).record(validate_paths(branch_files, AS_OF), AS_OF)
    some = audit_app.status(path, AS_OF).table["finding_id"].iloc[0]
    audit_app.assign_selected(
        path, AS_OF, ids=[some], owner="张三", deadline=AS_OF.replace(day=1), at="x"
    )
    return path


@pytest.fixture(scope="module")
def books(db, branch_files, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    report = audit_app.status(db, AS_OF)
    rectification = build_rectification_workbook(
        folder / "整改台账.xlsx", report.table, AS_OF, db=db, counts=report.counts
    )
    weights = sampling.SampleWeights(high_risk=4, recent_days=60)
    outcome = audit_app.draw(
        branch_files, AS_OF, sampling.SampleSize(count=3), 99, weights=weights, db=db
    )
    paper = build_working_papers(folder / "稽核底稿.xlsx", outcome)
    data = audit_app.report_data(audit.parse_period("2026Q4"), AS_OF, db=db)
    report_file = build_audit_report(folder / "稽核报告.xlsx", data)
    return {
        "rectification": rectification,
        "paper": paper,
        "report": report_file,
        "open": len(report.open),
        "sampled": list(outcome.sample.drawn["customer_id"]),
        "weights": weights,
        "data": data,
    }


def _validations(ws) -> dict[str, dict]:
    """Header text → its column's data validation (type, list formula)."""
    headers = {c.column_letter: c.value for c in ws[4]}
    out = {}
    for rule in ws.data_validations.dataValidation:
        for ref in str(rule.sqref).split():
            letters = "".join(ch for ch in ref.split(":")[0] if ch.isalpha())
            out[headers.get(letters)] = {"type": rule.type, "formula": rule.formula1}
    return out


def test_rectification_list_has_fill_in_columns_for_branches(books):
    book = openpyxl.load_workbook(books["rectification"])
    assert book.sheetnames == [audit.RECTIFICATION_SHEET, "说明"]
    ws = book[audit.RECTIFICATION_SHEET]
    headers = [c.value for c in ws[4]]
    assert headers == [c.header for c in audit.RECTIFICATION_COLUMNS]
    assert ws.max_row == 4 + books["open"]
    rules = _validations(ws)
    assert rules["整改进度"]["type"] == "list"
    assert all(p in rules["整改进度"]["formula"] for p in audit.PROGRESS)
    assert rules["整改期限"]["type"] == "date"
    assert ws.protection.sheet and ws.protection.autoFilter is False  # filters allowed
    locked = {h: ws.cell(5, i + 1).protection.locked for i, h in enumerate(headers)}
    assert [h for h, lock in locked.items() if not lock] == [
        "整改责任人",
        "整改期限",
        "整改进度",
        "整改说明",
    ]
    (rule,) = [r for rules_ in ws.conditional_formatting for r in rules_.rules]
    assert "TODAY()" in rule.formula[0] and "已整改待复核" in rule.formula[0]
    owners = [ws.cell(r, headers.index("整改责任人") + 1).value for r in range(5, ws.max_row + 1)]
    assert owners.count("张三") == 1  # the current assignment is pre-filled
    statuses = {ws.cell(r, 2).value for r in range(5, ws.max_row + 1)}
    assert statuses <= set(audit.OPEN_STATUSES)


def test_working_papers_hold_one_row_per_sampled_customer_with_the_checklist(books):
    book = openpyxl.load_workbook(books["paper"])
    assert book.sheetnames == [
        papers.PAPER_SHEET,
        papers.DOCUMENTS_SHEET,
        papers.REVIEWS_SHEET,
        papers.METHOD_SHEET,
    ]
    ws = book[papers.PAPER_SHEET]
    headers = [c.value for c in ws[4]]
    assert headers == [c.header for c in papers.PAPER_COLUMNS]
    assert [ws.cell(r, 3).value for r in range(5, ws.max_row + 1)] == books["sampled"]
    rules = _validations(ws)
    for header in ("资料齐全", "信息真实", "评分合理", "审批合规"):
        assert rules[header]["type"] == "list" and "不适用" in rules[header]["formula"]
    assert "待核实" in rules["结论"]["formula"]
    assert "已整改" in rules["整改情况"]["formula"]
    assert rules["整改期限"]["type"] == rules["稽核日期"]["type"] == "date"
    fill_in = [h for i, h in enumerate(headers) if not ws.cell(5, i + 1).protection.locked]
    assert fill_in == [c.header for c in papers.PAPER_COLUMNS if c.auditor]
    documents = headers.index("资信证明") + 1
    assert any("营业执照" in (ws.cell(r, documents).value or "") for r in range(5, ws.max_row + 1))
    method = book[papers.METHOD_SHEET]
    labels = {method.cell(r, 1).value: method.cell(r, 2).value for r in range(1, 12)}
    assert labels["随机种子"] == "99" and labels["基准日"].date() == AS_OF
    assert "--seed 99" in labels["重新抽取"]
    assert audit_app.read_weights(books["paper"]) == books["weights"]
    ids = book[papers.DOCUMENTS_SHEET]
    numbers = [ids.cell(r, 4).value for r in range(3, ids.max_row + 1)]
    assert any("********" in (n or "") for n in numbers)  # resident IDs masked


def test_report_has_its_sheets_charts_and_a_one_page_overview(books):
    with zipfile.ZipFile(books["report"]) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 4
    book = openpyxl.load_workbook(books["report"])
    assert tuple(book.sheetnames) == SHEET_ORDER
    overview = book["概览"]
    assert overview.sheet_properties.pageSetUpPr.fitToPage
    setup = overview.page_setup  # OOXML's default for both is 1 (XlsxWriter leaves it out)
    assert (setup.fitToHeight or 1) == 1 and (setup.fitToWidth or 1) == 1
    data = books["data"]
    total = data.figures.by_scope.iloc[-1]
    headline = {overview.cell(4, c).value: overview.cell(5, c).value for c in range(1, 8)}
    assert headline["本期新发现"] == total["new"]
    assert headline["期末未整改"] == total["closing"]
    assert headline["校验问题整改率"] == pytest.approx(total["rate"])
    open_sheet = book["未整改事项"]
    assert open_sheet.max_row == 2 + len(data.open_items)


def _pdf(path: Path, out: Path) -> tuple[int, str, str]:
    """Pages, the whole text and the first page's text of the workbook rendered to PDF."""
    pdf = libreoffice.to_pdf(path, out)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )

    def text(*pages_: str) -> str:
        command = ["pdftotext", *pages_, "-layout", str(pdf), "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    return pages, text(), text("-f", "1", "-l", "1")


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_three_workbooks_render_in_libreoffice(books, soffice, tmp_path):
    first_id = openpyxl.load_workbook(books["rectification"])[audit.RECTIFICATION_SHEET]["A5"].value
    pages, text, _ = _pdf(books["rectification"], tmp_path / "r")
    assert pages >= 1 and "整改台账" in text and first_id in text
    assert "整改责任人" in text and "已持续天数" in text

    pages, text, _ = _pdf(books["paper"], tmp_path / "p")
    assert pages >= 2
    assert all(cid in text for cid in books["sampled"])
    assert "资料齐全" in text and "抽样方法" in text

    pages, text, first_page = _pdf(books["report"], tmp_path / "a")
    assert pages >= len(SHEET_ORDER)
    assert "稽核报告" in first_page and "分公司情况" in first_page
    assert "校验问题整改率" in first_page and "逾期未整改：期末仍未整改且已过整改期限" in first_page
    assert "问题分类" not in first_page  # the overview is one page on its own
    assert "未整改事项" not in first_page and "期末未整改的校验问题" in text
