"""Structure codes: headers and columns, template version, broken rule sheets."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.app.importer import import_customers
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import TEMPLATE_VERSION

from .helpers import build, codes, only, replace_cell, rewrite_sheet_xml

LEDGER = "xl/worksheets/sheet1.xml"
SCORING = "xl/worksheets/sheet6.xml"
PHONE = xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index("phone"))
AFTER_PHONE = xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index("phone") + 1)


def _header(ref: str, text: str):
    return lambda xml: replace_cell(
        xml, ref, f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    )


def test_missing_required_column_and_unknown_column(tmp_path):
    path = rewrite_sheet_xml(build(tmp_path), LEDGER, _header(f"{PHONE}3", "电话号码X"))
    assert sorted(codes(path)) == [
        ("column-missing", "error", "台账", "A3"),
        ("column-unknown", "warning", "台账", "A3"),  # the renamed header
    ]
    (missing,) = only(path, "column-missing", also=("column-unknown",))
    assert missing.column == "联系电话" and "联系电话" in missing.message


def test_duplicate_column(tmp_path):
    path = rewrite_sheet_xml(build(tmp_path), LEDGER, _header(f"{AFTER_PHONE}3", "联系电话"))
    (item,) = only(path, "column-duplicate")
    expected = (f"{AFTER_PHONE}3", "error", f"{PHONE}、{AFTER_PHONE}")
    assert (item.cell, item.severity.value, item.value) == expected


def test_header_row_not_found(tmp_path):
    path = tmp_path / "乱表.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("台账")
    sheet.write_row(0, 0, ["甲", "乙", "丙"])
    workbook.close()
    # no 填报规则 sheet to read the rules from, and no header row on 台账: both fatal, nothing
    # else can be checked
    assert sorted(codes(path)) == [
        ("header-not-found", "error", "台账", ""),
        ("rules-broken", "error", "填报规则", ""),
    ]


def test_template_version_from_elsewhere(tmp_path):
    built = build(tmp_path)

    def older(xml: str) -> str:
        current = f"<vt:lpwstr>{TEMPLATE_VERSION}</vt:lpwstr>"
        assert current in xml
        return xml.replace(current, "<vt:lpwstr>0.9</vt:lpwstr>", 1)

    path = rewrite_sheet_xml(built, "docProps/custom.xml", older)
    (item,) = only(path, "template-version")
    assert item.severity.value == "warning" and "0.9" in item.message


def test_broken_rule_sheet_names_its_cell_and_checking_goes_on(tmp_path):
    path = rewrite_sheet_xml(build(tmp_path), SCORING, _header("C5", "三成"))
    (item,) = only(path, "rules-broken")
    assert (item.sheet, item.cell, item.severity.value) == ("评分标准", "C5", "error")
    assert "权重" in item.message


def test_import_duplicate_column(tmp_path):
    source = tmp_path / "list.csv"
    source.write_text("客户名称,电话,手机\n甲公司,13812345678,13912345678\n", encoding="utf-8")
    result = import_customers(source)
    assert [
        (f.code, f.cell) for f in result.report.findings if f.code == "import-duplicate-column"
    ] == [("import-duplicate-column", "C1")]
    assert result.content.ledger["phone"].tolist() == ["13812345678"]
