"""A batch result: its JSON, its stats and its terminal rendering show the same findings."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from ledger_xl.core.findings import BatchResult, FileResult, describe, finding
from ledger_xl.terminal import render_terminal

FINDING_KEYS = [
    "code",
    "severity",
    "sheet",
    "cell",
    "row",
    "column",
    "customer_id",
    "value",
    "message",
]


def _phone_missing(row: int, customer: str):
    return finding(
        "required-missing",
        column="联系电话",
        file="gz.xlsx",
        sheet="台账",
        cell=f"J{row}",
        row=row,
        customer_id=customer,
    )


@pytest.fixture
def batch() -> BatchResult:
    guangzhou = FileResult(
        path="branches/gz.xlsx",
        valid=False,
        rows=120,
        branch="广州分公司",
        findings=[
            _phone_missing(17, "GZ000521"),
            finding(
                "not-a-number",
                column="注册资本(万元)",
                value="N/A",
                sheet="台账",
                cell="H18",
                row=18,
                customer_id="GZ000522",
            ),
            finding(
                "formula-text",
                column="备注",
                value='=HYPERLINK("http://x","y")',
                sheet="台账",
                cell="AB9",
                row=9,
                customer_id="[bold]GZ9[/bold]",
            ),
        ],
    )
    shanghai = FileResult(
        path="branches/sh.xlsx", valid=True, rows=80, branch="上海分公司", findings=[]
    )
    shenzhen = FileResult(
        path="branches/sz.xlsx",
        valid=True,
        rows=40,
        branch="深圳分公司",
        findings=[finding("file-open-in-excel", file="branches/sz.xlsx")],
    )
    broken = FileResult(
        path="branches/old.xls",
        valid=False,
        rows=0,
        findings=[finding("file-legacy-xls", file="branches/old.xls")],
    )
    return BatchResult(files=[guangzhou, shanghai, shenzhen, broken])


def _render(result: BatchResult, **options) -> str:
    console = Console(record=True, width=200)
    render_terminal(result, console, **options)
    return console.export_text()


# ---------------------------------------------------------------- JSON


def test_json_has_files_and_stats_and_findings_keep_nine_keys_in_order(batch):
    data = json.loads(batch.to_json())
    assert list(data) == ["files", "stats"]
    for file in data["files"]:
        assert list(file) == ["path", "valid", "rows", "findings"]
        for item in file["findings"]:
            assert list(item) == FINDING_KEYS  # no "file": the enclosing path says it


def test_json_round_trips_every_finding(batch):
    data = json.loads(batch.to_json())
    assert data["files"][0] == {
        "path": "branches/gz.xlsx",
        "valid": False,
        "rows": 120,
        "findings": [
            {
                "code": "required-missing",
                "severity": "error",
                "sheet": "台账",
                "cell": "J17",
                "row": 17,
                "column": "联系电话",
                "customer_id": "GZ000521",
                "value": "",
                "message": "必填项“联系电话”为空",
            },
            {
                "code": "not-a-number",
                "severity": "error",
                "sheet": "台账",
                "cell": "H18",
                "row": 18,
                "column": "注册资本(万元)",
                "customer_id": "GZ000522",
                "value": "N/A",
                "message": batch.files[0].findings[1].message,
            },
            {
                "code": "formula-text",
                "severity": "warning",
                "sheet": "台账",
                "cell": "AB9",
                "row": 9,
                "column": "备注",
                "customer_id": "[bold]GZ9[/bold]",
                "value": '=HYPERLINK("http://x","y")',
                "message": batch.files[0].findings[2].message,
            },
        ],
    }
    assert data["files"][3]["findings"][0]["row"] is None
    assert data["stats"] == batch.stats()


def test_json_keeps_chinese_unescaped(batch):
    assert "必填项“联系电话”为空" in batch.to_json()


# ---------------------------------------------------------------- stats


def test_stats_count_files_rows_errors_and_warnings(batch):
    stats = batch.stats()
    assert stats["files"] == 4
    assert stats["valid_files"] == 2  # 上海 (clean) and 深圳 (warning only)
    assert stats["rows"] == 240
    assert (stats["errors"], stats["warnings"]) == (3, 2)


def test_stats_by_code_lists_errors_first_then_by_count(batch):
    assert batch.stats()["by_code"] == {
        "file-legacy-xls": 1,
        "not-a-number": 1,
        "required-missing": 1,
        "file-open-in-excel": 1,
        "formula-text": 1,
    }


def test_stats_by_branch_includes_clean_branches_and_puts_unknown_last(batch):
    assert batch.stats()["by_branch"] == {
        "上海分公司": {"errors": 0, "warnings": 0},
        "广州分公司": {"errors": 2, "warnings": 1},
        "深圳分公司": {"errors": 0, "warnings": 1},
        "": {"errors": 1, "warnings": 0},
    }


def test_batch_is_valid_only_when_no_file_has_an_error(batch):
    assert not batch.valid
    assert BatchResult(files=[batch.files[1], batch.files[2]]).valid
    assert BatchResult(files=[]).valid


# ---------------------------------------------------------------- terminal


def test_terminal_prints_one_verdict_line_per_file(batch):
    text = _render(batch)
    assert "✘ 有错误  branches/gz.xlsx  120 行，2 个错误，1 个警告" in text
    assert "✔ 通过  branches/sh.xlsx  80 行，0 个错误，0 个警告" in text
    assert "! 有警告  branches/sz.xlsx  40 行，0 个错误，1 个警告" in text
    assert "✘ 有错误  branches/old.xls  0 行，1 个错误，0 个警告" in text


def test_terminal_lists_findings_with_sheet_and_cell(batch):
    text = _render(batch)
    line = next(line for line in text.splitlines() if "GZ000521" in line)
    assert line.split() == [
        "错误",
        "台账!J17",
        "GZ000521",
        "required-missing",
        "必填项“联系电话”为空",
    ]


def test_terminal_prints_user_text_literally_not_as_markup(batch):
    assert "[bold]GZ9[/bold]" in _render(batch)


def test_terminal_cuts_long_lists_and_says_how_to_see_all(batch):
    many = FileResult(
        path="gz.xlsx",
        valid=False,
        rows=9,
        findings=[_phone_missing(row, f"GZ{row:06d}") for row in range(2, 9)],
    )
    text = _render(BatchResult(files=[many]), max_findings_per_file=3)
    assert "台账!J4" in text and "台账!J5" not in text
    cut = next(line for line in text.splitlines() if "另有" in line)
    assert "4 条" in cut and "--report" in cut and "--format json" in cut


def test_terminal_shows_everything_when_there_is_no_limit():
    many = FileResult(
        path="gz.xlsx",
        valid=False,
        rows=300,
        findings=[_phone_missing(row, f"GZ{row:06d}") for row in range(2, 302)],
    )
    text = _render(BatchResult(files=[many]), max_findings_per_file=None)
    assert "台账!J301" in text and "另有" not in text


def test_terminal_summary_has_totals_and_tables_by_code_and_branch(batch):
    text = _render(batch)
    assert "汇总：4 个文件（2 个无错误），240 行，3 个错误，2 个警告" in text
    assert "按代码统计" in text and "按分公司统计" in text
    code_line = next(line for line in text.splitlines() if line.split()[:1] == ["required-missing"])
    assert code_line.split() == ["required-missing", "错误", "1", "必填项“…”为空"]
    branch_line = next(line for line in text.splitlines() if line.strip().startswith("广州分公司"))
    assert branch_line.split() == ["广州分公司", "1", "120", "2", "1"]
    assert "（未填）" in text


def test_terminal_speaks_english_on_request(batch):
    text = _render(batch, lang="en")
    assert "✘ errors  branches/gz.xlsx  120 rows, 2 error(s), 1 warning(s)" in text
    assert "✔ passed  branches/sh.xlsx" in text
    assert "By code" in text and "By branch" in text and "Customer ID" in text
    assert "汇总" not in text


def test_describe_shows_placeholders_as_ellipsis_and_drops_the_advice():
    assert describe("required-missing") == "必填项“…”为空"
    assert describe("not-a-number") == "“…”应为数字，现为“…”"
    assert describe("required-missing", "en") == "Required '…' is blank"
    assert describe("no-such-code") == ""
