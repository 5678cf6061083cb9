"""The review report (客户审核报告): the figures of one customer as the portfolio computes
them, on one signed A4 page."""

from __future__ import annotations

import datetime as dt
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import portfolio
from ledger_xl.core.errors import LedgerXLError, OutputError
from ledger_xl.core.portfolio import ID_DOCUMENT, Portfolio, mask_id
from ledger_xl.io.xlsx.review_report import (
    MAX_REVIEWS,
    SHEET_NAME,
    CustomerNotFound,
    build_review_report,
    find_customer,
    render_pdf,
)

AS_OF = dt.date(2026, 11, 23)
FILE = "演示.xlsx"


@pytest.fixture(scope="module")
def demo():
    return generate_demo(n_customers=80, as_of=AS_OF)


@pytest.fixture(scope="module")
def book(demo) -> Portfolio:
    return portfolio.from_frames(demo.ledger, demo.credentials, demo.reviews, AS_OF, file=FILE)


def _unique(p: Portfolio) -> pd.DataFrame:
    """Customers whose id occurs once (the demo plants one duplicate id)."""
    c = p.customers
    return c[~c["customer_id"].duplicated(keep=False)]


def _busiest(p: Portfolio) -> str:
    """The complete-scored customer with the most review records and documents."""
    c = _unique(p)
    c = c[~np.isnan(c["composite_score"].to_numpy(dtype=float))]
    counts = (
        p.reviews["customer_id"]
        .value_counts()
        .add(p.documents["customer_id"].value_counts(), fill_value=0)
    )
    return max(c["customer_id"], key=lambda cid: (counts.get(cid, 0), cid))


def _sheet(path: Path):
    return openpyxl.load_workbook(path)[SHEET_NAME]


def _cells(ws) -> list:
    return [cell for row in ws.iter_rows() for cell in row if cell.value is not None]


def _find(ws, text: str):
    for cell in _cells(ws):
        if cell.value == text:
            return cell
    raise AssertionError(f"{text!r} not in the report")


def _value(ws, caption: str):
    """The value cell right of a label cell."""
    cell = _find(ws, caption)
    return ws.cell(cell.row, cell.column + 1)


def _below(ws, header: str, count: int) -> list:
    """The `count` cells under a table header."""
    cell = _find(ws, header)
    return [ws.cell(cell.row + i, cell.column) for i in range(1, count + 1)]


def _day(value) -> dt.date:
    return pd.Timestamp(value).date()


def test_key_cells_equal_the_portfolio(book, tmp_path):
    cid = _busiest(book)
    c = book.customers.iloc[find_customer(book, cid)]
    ws = _sheet(build_review_report(tmp_path / "报告.xlsx", book, cid))

    assert ws["A1"].value == "客户审核报告"
    assert _value(ws, "客户名称").value == c["name"]
    assert _value(ws, "客户编号").value == cid
    assert _value(ws, "来源文件").value == FILE
    assert _day(_value(ws, "基准日").value) == AS_OF
    assert _value(ws, "统一社会信用代码").value == c["uscc"]
    assert _value(ws, "所属分公司").value == c["branch"]

    score = _value(ws, "综合评分")
    assert isinstance(score.value, int | float)  # a number, not text
    assert score.value == pytest.approx(c["composite_score"])
    assert score.number_format == "0.0"
    grade = ws.cell(score.row, score.column + 2).value
    bands = {b.grade: b.description for b in book.rules.scoring.bands}
    assert grade.startswith(c["grade"] + "：")
    if c["grade"] in bands:
        assert grade == f"{c['grade']}：{bands[c['grade']]}"

    next_review = _value(ws, "下次审核日期")
    assert isinstance(next_review.value, dt.datetime)  # a real date, not text
    assert _day(next_review.value) == _day(c["next_review"])
    assert next_review.number_format == "yyyy-mm-dd"
    ratio = _value(ws, "资产负债率")
    assert ratio.value == pytest.approx(c["debt_ratio"])
    assert ratio.number_format == "0.0%"
    assert _value(ws, "营业收入(万元)").value == pytest.approx(c["revenue"])
    assert _value(ws, "审核周期(月)").value == c["cycle_months"]

    dims = book.rules.scoring.dimensions
    names = [cell.value for cell in _below(ws, "维度", len(dims))]
    weights = _below(ws, "权重", len(dims))
    scores = _below(ws, "评分", len(dims))
    assert names == [d.name for d in dims]
    assert [w.value for w in weights] == pytest.approx([d.weight for d in dims])
    assert {w.number_format for w in weights} == {"0%"}
    key_of = {f.header: f.key for f in book.rules.fields}
    assert [s.value for s in scores] == pytest.approx([c[key_of[d.column]] for d in dims])

    texts = [str(cell.value) for cell in _cells(ws)]
    assert not [t for t in texts if t.lower() in ("nan", "nat", "none")]
    assert any(t.startswith("审核人（签字）") for t in texts)
    assert any(t.startswith("审批人（签字）") for t in texts)
    assert any(t.startswith("内部资料 注意保密") for t in texts)


def test_history_newest_first_and_capped(demo, tmp_path):
    cid = _busiest(
        portfolio.from_frames(demo.ledger, demo.credentials, demo.reviews, AS_OF, file=FILE)
    )
    row = demo.reviews[demo.reviews["customer_id"] == cid].iloc[0]
    extra = pd.DataFrame(
        [
            {**row.to_dict(), "review_id": f"{cid}-old-{i}", "review_date": dt.date(2015 + i, 3, 1)}
            for i in range(5)
        ]
    )
    reviews = pd.concat([extra, demo.reviews], ignore_index=True)  # older rows first in sheet
    p = portfolio.from_frames(demo.ledger, demo.credentials, reviews, AS_OF, file=FILE)
    mine = p.reviews[(p.reviews["customer_id"] == cid) & (p.reviews["approval_level"] == "")]
    assert len(mine) > MAX_REVIEWS

    ws = _sheet(build_review_report(tmp_path / "报告.xlsx", p, cid))
    shown = [cell.value for cell in _below(ws, "审核日期", MAX_REVIEWS + 1)]
    dates = sorted((_day(d) for d in mine["review_date"]), reverse=True)
    assert [_day(v) for v in shown[:MAX_REVIEWS]] == dates[:MAX_REVIEWS]
    assert shown[MAX_REVIEWS] == f"另有 {len(mine) - MAX_REVIEWS} 条较早记录，见台账“审核记录”表。"


def test_resident_id_numbers_are_masked(book, tmp_path):
    docs = book.documents
    ids = docs[(docs["doc_type"] == ID_DOCUMENT) & (docs["doc_number"].str.len() == 18)]
    unique = set(_unique(book)["customer_id"])
    doc = ids[ids["customer_id"].isin(unique)].iloc[0]
    ws = _sheet(build_review_report(tmp_path / "报告.xlsx", book, doc["customer_id"]))
    texts = [str(cell.value) for cell in _cells(ws)]
    assert doc["doc_number"] not in texts
    assert mask_id(doc["doc_number"]) in texts
    assert "*" * 8 in mask_id(doc["doc_number"])
    # a business licence number is not a personal ID: shown as it is
    licences = docs[(docs["customer_id"] == doc["customer_id"]) & (docs["doc_type"] == "营业执照")]
    assert set(licences["doc_number"]) <= set(texts)


def test_incomplete_scores_say_which_dimension_is_missing(book, tmp_path):
    c = _unique(book)
    partial = c[(c["grade"] == "待补充") & ~np.isnan(c["score_credit"].to_numpy(dtype=float))]
    row = partial.iloc[0] if len(partial) else c[c["grade"] == "待补充"].iloc[0]
    ws = _sheet(build_review_report(tmp_path / "报告.xlsx", book, row["customer_id"]))
    score = _value(ws, "综合评分")
    assert score.value is None
    grade = ws.cell(score.row, score.column + 2).value
    assert grade.startswith("待补充：缺少")
    key_of = {f.header: f.key for f in book.rules.fields}
    for dim in book.rules.scoring.dimensions:
        missing = np.isnan(float(row[key_of[dim.column]]))
        assert (dim.name in grade) == missing


def test_overdue_flag_is_red(book, tmp_path):
    c = _unique(book)
    cid = c[c["due_flag"] == "已逾期"]["customer_id"].iloc[0]
    ws = _sheet(build_review_report(tmp_path / "报告.xlsx", book, cid))
    flag = _value(ws, "到期提示")
    assert flag.value == "已逾期"
    assert flag.fill.fgColor.rgb.endswith("FFC7CE")
    days = _value(ws, "距到期天数")
    assert days.value < 0
    assert days.fill.fgColor.rgb.endswith("FFC7CE")


def test_find_customer_exact_then_ignoring_case(book):
    cid = _busiest(book)
    position = find_customer(book, cid)
    assert book.customers["customer_id"].iloc[position] == cid
    assert find_customer(book, f"  {cid.lower()} ") == position


def test_unknown_id_names_the_files_and_near_ids(book):
    cid = _busiest(book)
    known = set(book.customers["customer_id"])
    wrong = next(w for d in "0123456789" if (w := cid[:-1] + d) not in known)
    with pytest.raises(CustomerNotFound) as caught:
        find_customer(book, wrong)
    message = str(caught.value)
    assert isinstance(caught.value, LedgerXLError)
    assert f"找不到客户编号“{wrong}”" in message
    assert FILE in message
    assert "相近的客户编号" in message
    assert caught.value.suggestions
    with pytest.raises(CustomerNotFound, match="请给出"):
        find_customer(book, "  ")


def test_id_in_two_files_is_ambiguous(demo):
    one = portfolio.from_frames(demo.ledger, None, None, AS_OF, file="上海.xlsx")
    two = portfolio.from_frames(demo.ledger.head(3), None, None, AS_OF, file="北京.xlsx")
    both = Portfolio(
        AS_OF,
        pd.concat([one.customers, two.customers], ignore_index=True),
        one.documents,
        one.reviews,
        files=["上海.xlsx", "北京.xlsx"],
    )
    cid = two.customers["customer_id"].iloc[0]
    with pytest.raises(CustomerNotFound) as caught:
        find_customer(both, cid)
    message = str(caught.value)
    assert f"客户编号“{cid}”同时出现在 2 个文件中" in message
    assert "上海.xlsx" in message and "北京.xlsx" in message
    assert len(caught.value.matches) == 2


def test_id_twice_in_one_ledger_is_ambiguous(book, tmp_path):
    ids = book.customers["customer_id"]
    duplicate = ids[ids.duplicated()].iloc[0]  # the demo plants one
    target = tmp_path / "报告.xlsx"
    with pytest.raises(CustomerNotFound, match=f"“{duplicate}”在 {FILE} 的台账中出现 2 次"):
        build_review_report(target, book, duplicate)
    assert not target.exists()


def test_refuses_to_overwrite(book, tmp_path):
    cid = _busiest(book)
    target = build_review_report(tmp_path / "报告.xlsx", book, cid)
    with pytest.raises(OutputError, match="已存在"):
        build_review_report(target, book, cid)
    assert build_review_report(target, book, cid, overwrite=True) == target
    pdf = tmp_path / "报告.pdf"
    pdf.write_bytes(b"%PDF-1.4 not ours")
    with pytest.raises(OutputError, match="已存在"):
        render_pdf(target, pdf)
    assert pdf.read_bytes() == b"%PDF-1.4 not ours"


def test_print_setup_is_one_a4_portrait_page(book, tmp_path):
    path = build_review_report(tmp_path / "报告.xlsx", book, _busiest(book))
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    assert '<pageSetUpPr fitToPage="1"/>' in sheet
    assert 'paperSize="9"' in sheet
    assert 'orientation="portrait"' in sheet
    # fitToWidth / fitToHeight default to 1 when absent
    assert 'fitToWidth="' not in sheet or 'fitToWidth="1"' in sheet
    assert 'fitToHeight="' not in sheet or 'fitToHeight="1"' in sheet
    assert 'horizontalCentered="1"' in sheet
    assert 'showGridLines="0"' in sheet
    assert "_xlnm.Print_Area" in workbook
    assert f"{SHEET_NAME}!$A$1:$H$" in workbook


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


@pytest.mark.libreoffice
@pytest.mark.slow
def test_pdf_is_one_page(soffice, demo, tmp_path):
    p = portfolio.from_frames(demo.ledger, demo.credentials, demo.reviews, AS_OF, file=FILE)
    busiest = _busiest(p)
    # and a customer with more history and documents than fit: older records are counted
    row = demo.reviews[demo.reviews["customer_id"] == busiest].iloc[0]
    extra_reviews = pd.DataFrame(
        [
            {
                **row.to_dict(),
                "review_date": dt.date(2015 + i, 3, 1),
                "opinion": "经营正常，回款及时；关注应收账款周转天数上升，建议下次审核补充最新季度财务报表。",
            }
            for i in range(5)
        ]
    )
    doc = demo.credentials[demo.credentials["customer_id"] == busiest].iloc[0]
    extra_docs = pd.DataFrame(
        [
            {**doc.to_dict(), "doc_type": "其他", "expires": dt.date(2020 + i, 1, 1)}
            for i in range(6)
        ]
    )
    crowded = portfolio.from_frames(
        demo.ledger,
        pd.concat([demo.credentials, extra_docs], ignore_index=True),
        pd.concat([demo.reviews, extra_reviews], ignore_index=True),
        AS_OF,
        file=FILE,
    )
    for name, book in (("busiest", p), ("crowded", crowded)):
        xlsx = build_review_report(tmp_path / f"{name}.xlsx", book, busiest)
        pdf = render_pdf(xlsx, tmp_path / f"{name}.pdf")
        assert pdf.exists()
        assert _pages(pdf) == 1, name
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".~ledger_xl")]
