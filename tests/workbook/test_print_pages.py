"""Pages that print as a clerk expects: each kind of workbook ledger_xl builds, rendered to PDF
by LibreOffice and read back as text (pdftotext).

Asserted: no page without data (a page holding only repeated titles and a footer); on every
page of 台账 the key columns 客户编号 and 客户名称; page counts within bounds; numbers like
849 not printed as 849.00; the guide's lines not cut at the right edge; xlwings.conf not
printed; HQ outputs naming files, not folders of the machine that made them.

The ledger's print area is a defined name (`_xlnm.Print_Area`) that Excel and WPS evaluate
as rows are added; LibreOffice takes only a plain range there. The render of a ledger
therefore uses the range Excel computes (the name's value, put in place as a plain range),
and `test_the_print_area_follows_the_rows_in_a_real_engine` checks that LibreOffice
evaluates the same formula to that range, before and after rows are typed in.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from ledger_xl.app.demo import BRANCH_FOLDER, run_demo
from ledger_xl.app.validate import validate_paths
from ledger_xl.core import layout
from ledger_xl.io import libreoffice
from ledger_xl.io.read import open_calamine, read_book, sheet_grid
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.findings import build_findings_workbook
from tests.fixtures import hostile

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]
AS_OF = dt.date(2026, 11, 23)
ID = re.compile(r"\b[A-Z]{2}\d{6}\b")
FOOTER = re.compile(r"第 \d+ 页，共 \d+ 页")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, soffice):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed: scripts/test.sh installs it")
    out = tmp_path_factory.mktemp("demo")
    result = run_demo(out, AS_OF, n_customers=120)
    branches = sorted((out / BRANCH_FOLDER).glob("*.xlsx"))
    findings = build_findings_workbook(out / "问题清单.xlsx", validate_paths(branches, as_of=AS_OF))
    return result, findings


def _pages(path: Path, folder: Path) -> list[str]:
    pdf = libreoffice.to_pdf(path, folder)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _content_lines(page: str, titles: tuple[str, ...] = ()) -> list[str]:
    """The lines of a page that are not its footer nor a repeated title row."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [
        line
        for line in lines
        if not FOOTER.fullmatch(line) and not all(word in titles for word in line.split())
    ]


def _as_excel_prints(ledger: Path, out: Path) -> Path:
    """The ledger with each dynamic print area replaced by the plain range Excel computes
    from it: A1 to the last column, down to the last table row holding a 客户编号 or 客户名称
    (资信证明: 客户编号 or 客户名称; 审核记录: 记录编号 or 客户编号)."""
    book = read_book(ledger)
    last = {
        layout.SHEET_LEDGER: book.ledger,
        layout.SHEET_CREDENTIALS: book.credentials,
        layout.SHEET_REVIEWS: book.reviews,
    }
    with zipfile.ZipFile(ledger) as z:
        workbook = z.read("xl/workbook.xml").decode()

    def plain(match: re.Match) -> str:
        sheet, column = match.group(2), match.group(3)
        table = last[sheet]
        keys = table.frame.iloc[:, :2].to_numpy()
        rows = [
            r
            for r, pair in zip(table.rows, keys, strict=True)
            if any(v not in (None, "") for v in pair)
        ]
        end = max(rows) if rows else table.header_row + 1
        return f"{match.group(1)}{sheet}!$A$1:${column}${end}</definedName>"

    pattern = r'(<definedName name="_xlnm.Print_Area" localSheetId="\d+">)(\w+)!\$A\$1:INDEX\(\w+!\$(\w+):\$\w+,.*?\)</definedName>'
    fixed, n = re.subn(pattern, plain, workbook)
    assert n == 3, workbook
    return hostile.rezip(ledger, out, replace={"xl/workbook.xml": fixed.encode()})


def test_a_branch_ledger_prints_its_rows_in_bands_with_the_key_columns(demo, tmp_path):
    result, _ = demo
    branch = result.branch_files["成都分公司"]
    pages = _pages(_as_excel_prints(branch, tmp_path / "成都分公司.xlsx"), tmp_path)
    book = read_book(branch)
    n_rows = len(book.ledger.frame)
    first_side = next(i for i, p in enumerate(pages) if "资信证明：" in p)
    ledger_pages = pages[:first_side]
    headers = (*(f.header for f in book.rules.fields), "基准日")
    bands = len(kit.column_bands([f.width for f in book.rules.fields], 2, kit.TABLE_SCALE)) + 1
    assert bands == 6  # 53 columns: five bands of the ledger, one of 基准日
    assert bands <= len(ledger_pages) <= bands * (n_rows // 15 + 1)
    for number, page in enumerate(ledger_pages, 1):
        assert "客户编号" in page and "客户名称" in page, number  # key columns repeated
        assert ID.search(page), number  # a data row on every page
        assert _content_lines(page, headers), number
    for number, page in enumerate(pages, 1):  # no page of empty pre-sized rows anywhere
        assert len(_content_lines(page, headers + _side_headers())) >= 1, (number, page[:200])
    assert not any("UDF Modules" in page for page in pages)  # xlwings.conf is hidden


def test_whole_numbers_print_as_typed(demo, tmp_path):
    result, _ = demo
    branch = result.branch_files["成都分公司"]
    text = "\n".join(_pages(_as_excel_prints(branch, tmp_path / "b.xlsx"), tmp_path))
    scores = [
        v for v in read_book(branch).ledger.frame["external_credit"] if isinstance(v, int | float)
    ]
    assert scores
    for value in scores[:5]:
        assert re.search(rf"\b{int(value)}\b", text)
        assert f"{int(value)}.00" not in text


def test_the_rule_sheets_and_guide_print_whole(demo, tmp_path):
    result, _ = demo
    pages = _pages(
        _as_excel_prints(result.branch_files["成都分公司"], tmp_path / "b.xlsx"), tmp_path
    )
    flat = "".join("".join(p.split()) for p in pages)
    start = next(i for i, p in enumerate(pages) if "使用说明" in p)
    guide = "".join(pages[start:])  # the guide runs to the last page
    assert "六、版本" in guide and "规则指纹" in guide
    for line in (  # long lines of 使用说明, 评分标准 and 填报规则: wrapped, not cut
        "灰色列自动计算（资产负债率、综合评分、评级、评分偏差、额度上限、额度检查、审核周期、下次审核日期、"
        "距到期天数、到期提示、准入检查、需审批级别）。",
        "证件更新时新增一行，旧的一行自动显示“已更新”，不再提示。",
        "修改权重或评级下限后，台账的综合评分和评级随之重算。",
        "两位大写字母（分公司代码）+6位数字，如SH000123",
    ):
        assert "".join(line.split()) in flat, line


def test_the_summary_prints_file_names_not_local_folders(demo, tmp_path):
    result, _ = demo
    pages = _pages(result.summary_file, tmp_path)
    text = "\n".join(pages)
    assert "成都分公司.xlsx" in text
    assert str(result.summary_file.parent) not in text
    assert all(_content_lines(p) for p in pages)
    assert len(pages) <= 12


def test_the_due_list_findings_and_report_print_without_empty_pages(demo, tmp_path):
    result, findings = demo
    for path, most in ((result.due_file, 8), (findings, 8), (result.report_file, 1)):
        pages = _pages(path, tmp_path / path.stem)
        assert 1 <= len(pages) <= most, path.name
        assert all(_content_lines(p) for p in pages), path.name
    report = "\n".join(_pages(result.report_file, tmp_path / "report"))
    assert "来源文件" in report and str(result.master.parent) not in report


def test_the_print_area_follows_the_rows_in_a_real_engine(tmp_path, soffice):
    """The print area's row formula, evaluated by LibreOffice in a cell of the built ledger,
    is the last row holding a customer; typing a customer into a pre-sized row moves it."""
    built = hostile.honest_ledger(tmp_path / "台账.xlsx")
    book = read_book(built)
    last_used = max(book.ledger.rows)
    with zipfile.ZipFile(built) as z:
        workbook = z.read("xl/workbook.xml").decode()
    formula = re.search(
        r'localSheetId="0">台账!\$A\$1:INDEX\(台账!\$\w+:\$\w+,([^<]*)\)</definedName>',
        workbook,
    )
    row_formula = formula.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    added = last_used + 3  # a customer typed two blank pre-sized rows further down

    def probe(xml: str, with_new_row: bool) -> str:
        cell = f'<c r="AP1"><f>{_xml(row_formula)}</f></c>'  # after A1:C1, the last of row 1
        xml = xml.replace("</row>", cell + "</row>", 1)
        if with_new_row:
            xml = hostile.set_cell(xml, f"A{added}", "<is><t>ZZ000999</t></is>", keep_style=False)
            xml = xml.replace(f'<c r="A{added}"', f'<c r="A{added}" t="inlineStr"', 1)
        return xml

    for with_new_row, expected in ((False, last_used), (True, added)):
        probed = hostile.edit_sheet(
            built,
            tmp_path / f"probe{with_new_row}.xlsx",
            hostile.LEDGER,
            lambda xml, w=with_new_row: probe(xml, w),
        )
        out = libreoffice.recalculate(probed, tmp_path / f"lo{with_new_row}")
        grid = sheet_grid(open_calamine(out), hostile.LEDGER)
        assert grid.value(0, 41) == expected


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _side_headers() -> tuple[str, ...]:
    return tuple(c.header for c in (*layout.CREDENTIAL_COLUMNS, *layout.REVIEW_COLUMNS))
