"""Importing an existing list: columns by header text and alias, values kept, problems named."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter

from ledger_xl.app.importer import import_customers
from ledger_xl.core.errors import InputError

CSV = (
    "公司名称,信用代码,分公司,客户类别,风险等级,联系人,电话,注册资本,成立时间,最近审核日期,"
    "审核状态,综合评分,奇怪列\n"
    "上海恒瑞机电有限公司,91350100M000100Y43,上海分公司,重要,高,张三,13812345678,"
    '"1,234.5",2015/6/18,2025-11-30,审核通过,88,x\n'
    ",,,,,,,,,,,,\n"
    "北京某某公司,91350100M000100Y43,北京分公司,普通,中,李四,010-12345678,N/A,"
    "2024年13月5日,2025年3月5日,审核通过,,\n"
)


def _codes(result) -> list[tuple[str, str]]:
    return [(f.code, f.cell) for f in result.report.findings]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_common_encodings(tmp_path, encoding):
    path = tmp_path / "list.csv"
    path.write_bytes(CSV.encode(encoding))
    result = import_customers(path)
    frame = result.content.ledger
    assert result.rows == 2  # the blank line is no customer; no customer is dropped
    assert frame["name"].tolist() == ["上海恒瑞机电有限公司", "北京某某公司"]
    assert frame["registered_capital"].tolist() == [1234.5, "N/A"]
    assert frame["founded"].tolist() == [dt.date(2015, 6, 18), "2024年13月5日"]
    assert frame["last_review"].tolist() == [dt.date(2025, 11, 30), dt.date(2025, 3, 5)]
    assert frame["category"].tolist() == ["重要", "普通"]
    assert result.matched["公司名称"] == "客户名称"


def test_csv_problems_are_reported_at_their_cells(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    codes = _codes(import_customers(path))
    assert ("import-computed-column", "L1") in codes
    assert ("import-unknown-column", "M1") in codes
    assert ("import-missing-column", "") in codes  # 客户编号, 法定代表人
    assert ("number-as-text", "H2") in codes  # "1,234.5"
    assert ("value-not-allowed", "D4") in codes
    assert ("not-a-number", "H4") in codes
    assert ("not-a-date", "I4") in codes
    assert ("date-as-text", "J4") not in codes  # CSV is all text: a clean date is silent


def _xlsx(path, header, rows):
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("客户清单")
    ws.write_row(2, 0, header)  # a title area above the header, as real lists have
    ws.write_string(0, 0, "2025年客户清单")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(
                    r, c, dt.datetime(value.year, value.month, value.day), date_format
                )
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is not None:
                ws.write_number(r, c, value)
    wb.close()
    return path


def test_xlsx_keeps_types_and_flags_text_forms(tmp_path):
    path = _xlsx(
        tmp_path / "list.xlsx",
        [
            "客户编号",
            "客户名称",
            "统一社会信用代码",
            "联系电话",
            "营业收入",
            "成立日期",
            "财务状况",
            "备注",
        ],
        [
            [
                "SH000001",
                "甲公司",
                9.1350100000100006e17,
                13812345678,
                "１２３４",
                "2015.6.18",
                105,
                "=1+1",
            ],
            [
                "SH000002",
                "乙公司",
                "91350100M000100Y43",
                "021-1234567",
                88.5,
                dt.date(2010, 1, 31),
                80,
                None,
            ],
        ],
    )
    result = import_customers(path)
    frame = result.content.ledger
    assert result.sheet == "客户清单"
    assert frame["phone"].tolist() == ["13812345678", "021-1234567"]
    assert frame["revenue"].tolist() == [1234.0, 88.5]
    assert frame["founded"].tolist() == [dt.date(2015, 6, 18), dt.date(2010, 1, 31)]
    assert frame["notes"].tolist() == ["=1+1", None]
    codes = _codes(result)
    assert ("id-stored-as-number", "C4") in codes
    assert ("number-as-text", "E4") in codes
    assert ("date-as-text", "F4") in codes
    assert ("out-of-range", "G4") in codes
    assert ("formula-text", "H4") in codes
    message = next(f.message for f in result.report.findings if f.code == "out-of-range")
    assert message == "“财务状况”应为 0–100 的数值，现为 105"


def test_english_messages_on_request(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    result = import_customers(path, lang="en")
    assert any("should be a number" in f.message for f in result.report.findings)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("list.pdf", b"%PDF", "不支持的文件类型"),
        ("list.xlsx", b"not a zip at all", "不是有效的 .xlsx 文件"),
        ("list.csv", "甲,乙\n1,2\n".encode(), "找不到客户表头"),
    ],
)
def test_unusable_sources_get_one_clear_error(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        import_customers(path)


def test_missing_source(tmp_path):
    with pytest.raises(InputError, match="找不到文件"):
        import_customers(tmp_path / "nope.csv")
