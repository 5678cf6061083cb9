"""The summary workbook of `ledger-xl summarize`: every figure and list row equals the input
tables, totals reconcile, the charts are native and read the intended cells."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.app.portfolio import load as load_portfolio
from ledger_xl.core import due, portfolio, summary
from ledger_xl.core.errors import OutputError
from ledger_xl.io import libreoffice
from ledger_xl.io.read import open_calamine, sheet_grid
from ledger_xl.io.xlsx.summary import (
    LIST_SPECS,
    SHEET_ORDER,
    build_summary_workbook,
)

AS_OF = dt.date(2026, 11, 23)
TOTAL = summary.TOTAL
UNKNOWN = summary.UNKNOWN
RED_FILL = "FFC7CE"
AMBER_FILL = "FFEB9C"


# ---------------------------------------------------------------- shared helpers


def demo_portfolio(n_customers: int = 120) -> portfolio.Portfolio:
    data = generate_demo(n_customers=n_customers, as_of=AS_OF)
    return portfolio.from_frames(
        data.ledger, data.credentials, data.reviews, AS_OF, file="演示.xlsx"
    )


def grid(path: Path, sheet: str):
    found = sheet_grid(open_calamine(path), sheet)
    assert found is not None, f"no sheet {sheet}"
    return found


def list_rows(path: Path, sheet: str) -> tuple[list, list[list]]:
    """Header and data rows of a list sheet (the table starts at A1; stops at a blank row)."""
    g = grid(path, sheet)
    header = [g.value(0, c) for c in range(g.width) if g.value(0, c) is not None]
    rows = []
    for r in range(1, g.height):
        row = [g.value(r, c) for c in range(len(header))]
        if all(v is None for v in row):
            break
        rows.append(row)
    return header, rows


def expected_cell(key: str, value: object) -> object:
    """A frame value as calamine reads the written cell back."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if key == "file":
        return Path(value).name or None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, int | float):
        return float(value)
    return str(value) or None


def assert_list_sheet(path: Path, sheet: str, frame: pd.DataFrame, columns) -> None:
    header, rows = list_rows(path, sheet)
    assert header == [due.LABELS[key] for key in columns]
    assert len(rows) == len(frame)
    for col, key in enumerate(columns):
        got = [row[col] for row in rows]
        want = [expected_cell(key, v) for v in frame[key].tolist()]
        assert got == want, f"{sheet} column {key}"


def conditional_rules(path: Path, sheet: str) -> list[tuple[str, str, str]]:
    """(range, formula, fill colour) of each conditional format of a sheet."""
    ws = openpyxl.load_workbook(path)[sheet]
    out = []
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            fill = rule.dxf.fill.bgColor.rgb if rule.dxf and rule.dxf.fill else ""
            out.append((str(rng.sqref), rule.formula[0], str(fill)[-6:]))
    return out


def assert_flag_colours(path: Path, sheet: str, n: int, width: int, red: str, amber: str):
    """Whole rows coloured by the flag column A: red for `red`, amber for `amber`."""
    last = openpyxl.utils.get_column_letter(width)
    rules = conditional_rules(path, sheet)
    assert (f"A2:{last}{n + 1}", f'$A2="{red}"', RED_FILL) in rules
    assert (f"A2:{last}{n + 1}", f'$A2="{amber}"', AMBER_FILL) in rules


def assert_table_sheet(path: Path, sheet: str, width: int, n: int) -> None:
    """An Excel table with its header on row 1, filters on, header frozen."""
    ws = openpyxl.load_workbook(path)[sheet]
    (table,) = ws.tables.values()
    last = openpyxl.utils.get_column_letter(width)
    assert table.ref == f"A1:{last}{max(n, 1) + 1}"
    assert table.autoFilter is not None
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def data():
    p = demo_portfolio()
    return p, summary.summary_tables(p)


@pytest.fixture(scope="module")
def book(tmp_path_factory, data) -> Path:
    p, tables = data
    return build_summary_workbook(tmp_path_factory.mktemp("summary") / "汇总.xlsx", tables, p)


def _chart_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {
            name: z.read(name).decode("utf-8")
            for name in z.namelist()
            if re.fullmatch(r"xl/charts/chart\d+\.xml", name)
        }


def _refs(xml: str, tag: str) -> list[str]:
    """The cell references of a series element (`tx`, `cat` or `val`), in series order."""
    return re.findall(rf"<c:{tag}><c:(?:str|num)Ref><c:f>(.*?)</c:f>", xml)


# ---------------------------------------------------------------- sheets and 概览


def test_sheets_in_order(book):
    assert open_calamine(book).sheet_names == list(SHEET_ORDER)
    assert list(SHEET_ORDER) == [
        "概览",
        "图表",
        "评级与评分",
        "月度到期",
        "逾期客户",
        "即将到期",
        "未审核",
        "证件到期",
        "风险预警",
        "数据说明",
    ]


def test_overview_heading(book, data):
    p, _ = data
    g = grid(book, "概览")
    assert g.value(0, 0) == "客户审核台账汇总"
    assert (g.value(1, 0), g.value(1, 1)) == ("基准日", AS_OF)
    assert (g.value(2, 0), g.value(2, 1)) == ("来源文件数", 1)
    assert (g.value(3, 0), g.value(3, 1)) == ("客户总数", len(p.customers))


def test_overview_key_figures_by_section(book, data):
    _, tables = data
    g = grid(book, "概览")
    figures = tables["key_figures"]
    row = 5
    for section, items in figures.groupby("section", sort=False):
        assert (g.value(row, 0), g.value(row, 1)) == (section, "数量")
        for label, count in zip(items["label"], items["count"], strict=True):
            row += 1
            assert (g.value(row, 0), g.value(row, 1)) == (label, count)
        row += 2


def _crosstab(g, caption: str) -> pd.DataFrame:
    top = g.find_row(caption, 3)
    assert top is not None
    header = top + 1
    columns = []
    col = 4
    while g.value(header, col) is not None:
        columns.append(g.value(header, col))
        col += 1
    rows, index = [], []
    r = header + 1
    while g.value(r, 3) is not None:
        index.append(g.value(r, 3))
        rows.append([int(g.value(r, 4 + j)) for j in range(len(columns))])
        r += 1
    return pd.DataFrame(rows, index=pd.Index(index, name=g.value(header, 3)), columns=columns)


@pytest.mark.parametrize(
    ("caption", "key"),
    [("所属分公司 × 审核状态", "branch_status"), ("所属分公司 × 评级", "branch_grade")],
)
def test_crosstabs_equal_input_and_reconcile(book, data, caption, key):
    p, tables = data
    table = _crosstab(grid(book, "概览"), caption)
    expected = tables[key]
    assert list(table.columns) == [str(c) for c in expected.columns]
    assert table.index.tolist() == expected.index.tolist()
    assert (table.to_numpy() == expected.to_numpy()).all()
    body = table.drop(index=TOTAL)
    assert (body.drop(columns=TOTAL).sum(axis=1) == body[TOTAL]).all()
    assert (body.sum(axis=0) == table.loc[TOTAL]).all()
    assert table.at[TOTAL, TOTAL] == len(p.customers)


def test_crosstab_totals_are_live_formulas(book):
    ws = openpyxl.load_workbook(book)["概览"]
    header = next(r for r in range(1, 40) if ws.cell(r, 4).value == "所属分公司")
    first_branch = header + 1
    total_col = next(c for c in range(5, 20) if ws.cell(header, c).value == TOTAL)
    last = openpyxl.utils.get_column_letter(total_col - 1)
    assert ws.cell(first_branch, total_col).value == f"=SUM(E{first_branch}:{last}{first_branch})"
    total_row = next(r for r in range(header, 60) if ws.cell(r, 4).value == TOTAL)
    assert ws.cell(total_row, 5).value == f"=SUM(E{first_branch}:E{total_row - 1})"


# ---------------------------------------------------------------- 评级与评分, 月度到期


def test_grade_and_score_distribution(book, data):
    p, tables = data
    g = grid(book, "评级与评分")
    assert [g.value(1, c) for c in range(3)] == ["评级", "客户数", "占比"]
    grades = tables["grades"]
    for i, (grade, count, share) in enumerate(grades.itertuples(index=False), start=2):
        assert g.value(i, 0) == grade
        assert g.value(i, 1) == count
        assert g.value(i, 2) == pytest.approx(share)
    total_row = 2 + len(grades)
    assert (g.value(total_row, 0), g.value(total_row, 1)) == (TOTAL, len(p.customers))
    assert g.value(total_row, 2) == pytest.approx(1.0)

    top = g.find_row("评分区间", 0)
    scores = tables["scores"]
    got = [(g.value(top + 1 + i, 0), g.value(top + 1 + i, 3)) for i in range(len(scores))]
    assert got == list(zip(scores["band"], scores["count"], strict=True))
    assert g.value(top + 1 + len(scores), 3) == len(p.customers)
    ws = openpyxl.load_workbook(book)["评级与评分"]
    assert ws["C3"].number_format == "0.0%"
    assert ws["C3"].value == f"=IF($B${total_row + 1}=0,0,B3/$B${total_row + 1})"


def test_due_by_month(book, data):
    _, tables = data
    g = grid(book, "月度到期")
    months = tables["due_by_month"]
    assert [g.value(0, c) for c in range(3)] == ["月份", "月初", "到期客户数"]
    got = [(g.value(r, 0), g.value(r, 1), g.value(r, 2)) for r in range(1, 13)]
    assert got == list(zip(months["label"], months["month"], months["count"], strict=True))
    assert (g.value(13, 0), g.value(13, 2)) == (TOTAL, months["count"].sum())


# ---------------------------------------------------------------- list sheets


@pytest.mark.parametrize("key", list(LIST_SPECS))
def test_list_sheets_equal_input(book, data, key):
    _, tables = data
    spec = LIST_SPECS[key]
    frame = tables[key]
    assert len(frame), "the demo should fill every list"
    assert_list_sheet(book, spec.sheet, frame, spec.columns)
    assert_table_sheet(book, spec.sheet, len(spec.columns), len(frame))


def test_list_rows_keep_order_and_flags(book, data):
    _, tables = data
    _, rows = list_rows(book, "逾期客户")
    assert [r[1] for r in rows] == tables["overdue"]["customer_id"].tolist()
    assert {r[0] for r in rows} == {"已逾期"}
    _, rows = list_rows(book, "未审核")
    assert {r[0] for r in rows} <= {"未审核", "无法判断"}
    unknown = [r for r in rows if r[0] == "无法判断"]
    assert all(r[13] for r in unknown)  # 说明 gives the reason


def test_dates_are_iso_formatted(book):
    ws = openpyxl.load_workbook(book)["逾期客户"]
    header = [c.value for c in ws[1]]
    for name in ("最近审核日期", "下次审核日期"):
        cell = ws.cell(2, header.index(name) + 1)
        assert isinstance(cell.value, dt.datetime)
        assert cell.number_format == "yyyy-mm-dd"
    assert ws.cell(2, header.index("来源文件") + 1).value == "演示.xlsx"


def test_overdue_red_and_due_soon_amber_by_flag_column(book, data):
    _, tables = data
    for key in ("overdue", "due_soon", "never_reviewed"):
        spec = LIST_SPECS[key]
        n = len(tables[key])
        assert_flag_colours(book, spec.sheet, n, len(spec.columns), "已逾期", "即将到期")
    spec = LIST_SPECS["documents"]
    n = len(tables["documents"])
    assert_flag_colours(book, spec.sheet, n, len(spec.columns), "已过期", "即将到期")
    assert conditional_rules(book, "风险预警") == []


# ---------------------------------------------------------------- charts


def test_three_native_charts_on_the_chart_sheet(book):
    charts = _chart_xml(book)
    assert len(charts) == 3
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        sheet_id = re.search(r'<sheet name="图表" sheetId="\d+" r:id="(rId\d+)"', workbook)[1]
        sheet_file = re.search(rf'Id="{sheet_id}"[^>]*Target="worksheets/(sheet\d+\.xml)"', rels)
        sheet_rels = z.read(f"xl/worksheets/_rels/{sheet_file[1]}.rels").decode()
        drawing = re.search(r'Target="../drawings/(drawing\d+\.xml)"', sheet_rels)[1]
        drawing_rels = z.read(f"xl/drawings/_rels/{drawing}.rels").decode()
    assert sorted(re.findall(r"charts/(chart\d+\.xml)", drawing_rels)) == sorted(
        Path(n).name for n in charts
    )
    assert not any(n.startswith("xl/media/") for n in names)  # no pictures


def _chart(book, pattern: str) -> str:
    found = [xml for xml in _chart_xml(book).values() if re.search(pattern, xml, flags=re.S)]
    assert len(found) == 1, pattern
    return found[0]


def test_grade_chart_is_stacked_bar_over_branches(book, data):
    _, tables = data
    xml = _chart(book, r'<c:barDir val="bar"/>')
    assert '<c:grouping val="stacked"/>' in xml
    assert "各分公司客户评级分布" in xml and "所属分公司" in xml and "客户数" in xml
    g = grid(book, "概览")
    header = g.find_row("所属分公司 × 评级", 3) + 1
    first, last = header + 2, header + len(tables["branch_grade"])  # 1-based, no 合计
    assert g.value(last - 1, 3) != TOTAL and g.value(last, 3) == TOTAL
    table = tables["branch_grade"]
    shown = [c for c in table.columns if c != TOTAL and (c != UNKNOWN or table.at[TOTAL, c])]
    assert UNKNOWN not in shown  # all grades readable in the demo
    cols = [openpyxl.utils.get_column_letter(5 + list(table.columns).index(c)) for c in shown]
    assert _refs(xml, "tx") == [f"概览!${c}${header + 1}" for c in cols]
    assert _refs(xml, "cat") == [f"概览!$D${first}:$D${last}"] * len(shown)
    assert _refs(xml, "val") == [f"概览!${c}${first}:${c}${last}" for c in cols]


def test_status_chart_is_pie_of_status_figures(book, data):
    _, tables = data
    xml = _chart(book, r"<c:(pieChart|doughnutChart)>")
    assert "客户审核状态占比" in xml
    g = grid(book, "概览")
    header = g.find_row("按审核状态", 0)
    figures = tables["key_figures"]
    status = figures[figures["section"] == "按审核状态"]
    n = len(status) - (1 if status["count"].iloc[-1] == 0 else 0)  # no empty unknown slice
    first, last = header + 2, header + 1 + n
    assert _refs(xml, "cat") == [f"概览!$A${first}:$A${last}"]
    assert _refs(xml, "val") == [f"概览!$B${first}:$B${last}"]


def test_month_chart_is_column_chart_of_due_by_month(book):
    xml = _chart(book, r'<c:barDir val="col"/>')
    assert '<c:grouping val="clustered"/>' in xml
    assert "未来12个月每月到期审核客户数" in xml and "月份" in xml and "客户数" in xml
    assert _refs(xml, "cat") == ["月度到期!$A$2:$A$13"]
    assert _refs(xml, "val") == ["月度到期!$C$2:$C$13"]


def test_unknown_grade_series_only_when_present(tmp_path):
    p = demo_portfolio()
    p.customers.loc[p.customers.index[0], "grade"] = "Z"  # a grade no band gives
    tables = summary.summary_tables(p)
    assert tables["branch_grade"].at[TOTAL, UNKNOWN] == 1
    path = build_summary_workbook(tmp_path / "汇总.xlsx", tables, p)
    xml = _chart(path, r'<c:barDir val="bar"/>')
    columns = [c for c in tables["branch_grade"].columns if c != TOTAL]
    assert len(_refs(xml, "val")) == len(columns)
    header = grid(path, "概览").find_row("所属分公司 × 评级", 3) + 2
    unknown_col = openpyxl.utils.get_column_letter(5 + columns.index(UNKNOWN))
    assert f"概览!${unknown_col}${header}" in _refs(xml, "tx")


# ---------------------------------------------------------------- 数据说明


def test_data_notes(tmp_path):
    p = demo_portfolio()
    p.unreadable = [("/somewhere/坏文件.xlsx", "无法作为 Excel 工作簿打开")]
    tables = summary.summary_tables(p)
    path = build_summary_workbook(tmp_path / "汇总.xlsx", tables, p)
    g = grid(path, "数据说明")
    quality = tables["data_quality"]
    assert [g.value(1, c) for c in range(3)] == ["项目", "数量", "说明"]
    got = [(g.value(2 + i, 0), g.value(2 + i, 1)) for i in range(len(quality))]
    assert got == list(zip(quality["item"], quality["count"], strict=True))
    files = g.find_row("读取的文件（1 个）", 0)
    assert [g.value(files + 1, c) for c in range(3)] == ["文件名", "客户数", "分公司"]
    branches = "、".join(sorted(set(p.customers["branch"]) - {""}))
    assert [g.value(files + 2, c) for c in range(3)] == ["演示.xlsx", len(p.customers), branches]
    bad = g.find_row("无法读取的文件（1 个）", 0)
    assert (g.value(bad + 2, 0), g.value(bad + 2, 2)) == (
        "坏文件.xlsx",
        "无法作为 Excel 工作簿打开",
    )
    text = " ".join(str(v) for row in g.rows for v in row)
    assert "/somewhere" not in text  # file names, not where they lay
    assert "基准日 2026-11-23" in text
    assert "已停用的客户不列入" in text
    assert "都等于客户总数" in text
    assert "另有 1 个文件无法读取" in " ".join(str(v) for v in grid(path, "概览").rows[2])


# ---------------------------------------------------------------- edge cases


def test_empty_lists_keep_their_sheets(tmp_path, data):
    p, tables = data
    empty = {k: (v.iloc[0:0] if k in LIST_SPECS else v) for k, v in tables.items()}
    path = build_summary_workbook(tmp_path / "汇总.xlsx", empty, p)
    for spec in LIST_SPECS.values():
        header, rows = list_rows(path, spec.sheet)
        assert header == [due.LABELS[k] for k in spec.columns]
        assert rows == []
        assert grid(path, spec.sheet).value(2, 0) == spec.empty
        assert_table_sheet(path, spec.sheet, len(spec.columns), 0)
        assert conditional_rules(path, spec.sheet) == []


def test_empty_portfolio(tmp_path):
    p = load_portfolio([], AS_OF)
    path = build_summary_workbook(tmp_path / "汇总.xlsx", summary.summary_tables(p), p)
    g = grid(path, "概览")
    assert g.value(3, 1) == 0
    assert len(_chart_xml(path)) == 2  # no branch, no grade chart
    assert grid(path, "图表").find_row("没有分公司数据，无法绘制评级分布图。", 1) is not None


def test_refuses_to_overwrite(tmp_path, data):
    p, tables = data
    target = tmp_path / "汇总.xlsx"
    build_summary_workbook(target, tables, p)
    with pytest.raises(OutputError):
        build_summary_workbook(target, tables, p)
    assert build_summary_workbook(target, tables, p, overwrite=True) == target
    assert [f.name for f in tmp_path.iterdir()] == ["汇总.xlsx"]  # no temporary left


# ---------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
@pytest.mark.slow
def test_renders_to_pdf_with_the_charts(soffice, tmp_path, data):
    p, tables = data
    path = build_summary_workbook(tmp_path / "汇总.xlsx", tables, p)
    pdf = libreoffice.to_pdf(path, tmp_path / "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])
    assert pages >= len(SHEET_ORDER)
    # 图表 is the second sheet and 概览 fits on one page: page 2 holds the charts.
    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    compact = re.sub(r"\s+", "", text)
    for title in ("各分公司客户评级分布", "客户审核状态占比", "未来12个月每月到期审核客户数"):
        assert title in compact
    assert tables["due_by_month"]["label"].iloc[0] in compact  # months on the axis
