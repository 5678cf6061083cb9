"""Honest workbooks get no false alarm: formulas a program saved without calculating are "not
calculated", not "wrong"; a company's own 客户编号 scheme survives `new --from`; 汇总 and the
due list count expired documents by one rule; 分公司数 counts branches, not the blank."""

from __future__ import annotations

import re
import zipfile
from collections import Counter

from typer.testing import CliRunner
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.app.importer import import_customers
from ledger_xl.app.portfolio import load
from ledger_xl.app.validate import validate_workbook
from ledger_xl.cli import app
from ledger_xl.core import due, layout, summary
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.rules import REGEX_PREFIX
from ledger_xl.io.xlsx.ledger import build_ledger_workbook
from tests.fixtures import hostile

AS_OF = hostile.AS_OF
runner = CliRunner()


def _codes(result) -> Counter:
    return Counter(f.code for f in result.findings)


# ---------------------------------------------------------------- formulas without values


def test_a_ledger_saved_by_openpyxl_is_not_calculated_not_wrong(honest, tmp_path):
    original = _codes(validate_workbook(honest, AS_OF))
    resaved = hostile.resaved_by_openpyxl(honest, tmp_path / "openpyxl.xlsx")
    result = validate_workbook(resaved, AS_OF)
    codes = _codes(result)
    assert codes["formula-value-mismatch"] == 0
    assert codes["formula-not-calculated"] == 1
    warning = next(f for f in result.findings if f.code == "formula-not-calculated")
    count = int(warning.value)
    assert count > 20 and f"{count} 个公式单元格" in warning.message
    assert codes - Counter({"formula-not-calculated": 1}) == original


def test_the_formula_text_is_still_checked_when_nothing_was_calculated(honest, tmp_path):
    resaved = hostile.resaved_by_openpyxl(honest, tmp_path / "openpyxl.xlsx")
    part = hostile.sheet_part(resaved, hostile.LEDGER)
    with zipfile.ZipFile(resaved) as z:
        xml = z.read(part).decode()
    score = f"{xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index('composite_score'))}5"
    edited, n = re.subn(rf'(<c r="{score}"[^>]*><f>)[^<]*(</f>)', r"\g<1>99\g<2>", xml, count=1)
    assert n == 1
    tampered = hostile.rezip(resaved, tmp_path / "tampered.xlsx", replace={part: edited.encode()})
    result = validate_workbook(tampered, AS_OF)
    assert [f.cell for f in result.findings if f.code == "formula-edited"] == [score]


# ---------------------------------------------------------------- a company's own ids


def _list(tmp_path, ids: list[str]):
    rows = [hostile.LIST_HEADER]
    for i, customer in enumerate(ids):
        row = list(hostile.LIST_ROW)
        row[0], row[1], row[2] = customer, f"客户{i}有限公司", ""
        rows.append(row)
    source = tmp_path / "客户.csv"
    source.write_bytes(hostile.csv_bytes(rows))
    return source


def test_new_adopts_a_format_that_fits_the_companys_ids(tmp_path):
    source = _list(tmp_path, ["C-2023-001", "C-2023-002", "C-2024-117"])
    result = import_customers(source)
    rule = result.rules.field("customer_id")
    assert rule.format == REGEX_PREFIX + r"^[A-Z]\-\d{4}\-\d{3}$"
    assert "import-id-pattern" in {f.code for f in result.report.findings}
    out = tmp_path / "台账.xlsx"
    done = runner.invoke(app, ["new", "--from", str(source), "-o", str(out)])
    assert "客户编号格式（新台账的填报规则）：^[A-Z]\\-\\d{4}\\-\\d{3}$" in done.output
    checked = validate_workbook(out, AS_OF)
    assert _codes(checked)["pattern-mismatch"] == 0
    assert re.fullmatch(rule.format[len(REGEX_PREFIX) :], "C-2025-999")
    assert not re.fullmatch(rule.format[len(REGEX_PREFIX) :], "C-25-9")


def test_new_drops_the_format_when_the_ids_follow_no_scheme(tmp_path):
    source = _list(tmp_path, ["C-2023-001", "SH0001", "10086", "sh000123", "客户A"])
    result = import_customers(source)
    assert result.rules.field("customer_id").format == ""
    assert result.id_format == "不限格式"
    out = build_ledger_workbook(tmp_path / "台账.xlsx", result.content, rules=result.rules)
    assert _codes(validate_workbook(out, AS_OF))["pattern-mismatch"] == 0


def test_new_keeps_the_standard_format_when_only_a_typo_misses_it(tmp_path):
    ids = [f"SH{i:06d}" for i in range(1, 40)] + ["SH00040"]
    result = import_customers(_list(tmp_path, ids))
    assert result.rules == import_customers(_list(tmp_path, ids[:-1])).rules
    assert "import-id-pattern" not in {f.code for f in result.report.findings}


# ---------------------------------------------------------------- one rule for documents


def test_summary_and_due_list_count_expired_documents_alike(honest, tmp_path):
    """已停用 customers that own expired documents: left out of both, by the same rule."""
    lapsed = hostile.cell_values(  # two documents expired in 2020 (serial 43831)
        honest,
        tmp_path / "过期.xlsx",
        {(hostile.CREDENTIALS, "F3"): "43831", (hostile.CREDENTIALS, "F4"): "43831"},
    )
    data = load([lapsed], AS_OF)
    expired = data.documents[data.documents["doc_status"] == layout.DOC_EXPIRED]
    owners = sorted(set(expired["customer_id"]))[:2]
    rows = data.customers.set_index("customer_id").loc[owners, "row"].tolist()
    stopped = hostile.edit_sheet(
        lapsed,
        tmp_path / "停用.xlsx",
        hostile.LEDGER,
        lambda xml: _set_status(xml, rows, layout.STATUS_INACTIVE),
    )
    before = summary.summary_tables(data)["key_figures"].set_index("label")["count"]
    book = load([stopped], AS_OF)
    listed = due.expiring_documents(book.documents)
    tables = summary.summary_tables(book)
    figures = tables["key_figures"].set_index("label")["count"]
    assert figures["资信证明已过期"] == int((listed["doc_status"] == layout.DOC_EXPIRED).sum())
    assert figures["资信证明即将到期"] == int((listed["doc_status"] == layout.DOC_SOON).sum())
    assert not set(listed["customer_id"]) & set(owners)
    assert figures["资信证明已过期"] < before["资信证明已过期"]  # they were counted before
    sections = set(tables["key_figures"]["section"])
    assert summary.DOCUMENTS_SECTION in sections and "不含已停用" in summary.DOCUMENTS_SECTION


def _set_status(xml: str, rows: list[int], status: str) -> str:
    column = hostile.ledger_column("status")
    for row in rows:
        xml = hostile.set_cell(xml, f"{column}{row}", f"<is><t>{status}</t></is>")
        xml = xml.replace(f'<c r="{column}{row}"', f'<c r="{column}{row}" t="inlineStr"', 1)
    return xml


def test_the_branch_count_leaves_the_blank_branch_out(honest, tmp_path):
    data = load([honest], AS_OF)
    rows = data.customers["row"].tolist()[:3]
    blanked = hostile.edit_sheet(
        honest,
        tmp_path / "无分公司.xlsx",
        hostile.LEDGER,
        lambda xml: _blank(xml, rows),
    )
    tables = summary.summary_tables(load([blanked], AS_OF))
    figures = tables["key_figures"].set_index("label")["count"]
    assert figures["分公司数"] == 1
    assert summary.BLANK_BRANCH in tables["branch_status"].index  # still shown, as a row


def _blank(xml: str, rows: list[int]) -> str:
    for row in rows:
        xml = re.sub(
            rf'<c r="D{row}"([^>]*?)(?:/>|>.*?</c>)',
            f'<c r="D{row}"/>',
            xml,
            count=1,
            flags=re.DOTALL,
        )
    return xml
