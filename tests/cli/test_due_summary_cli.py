"""`ledger-xl due`, `summarize` and `report` on branch workbooks: what they print, the JSON
equal to the library's lists, the workbooks they write, and clear answers to bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import openpyxl
import pytest
from typer.testing import CliRunner

from ledger_xl.app.demo import BRANCH_FOLDER, run_demo
from ledger_xl.app.portfolio import load as load_portfolio
from ledger_xl.cli import app
from ledger_xl.core import due, summary
from ledger_xl.io.read import open_calamine
from tests.workbook.test_summary_book import list_rows
from tests.workbook.test_written_figures import _overview_sections

AS_OF = dt.date(2026, 11, 23)
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def branches(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, AS_OF, n_customers=120, round_trip=False)
    return out / BRANCH_FOLDER


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.xlsx")}


def test_due_lists_every_kind_most_urgent_first(branches):
    before = _digests(branches)
    result = _run("due", branches, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    for words in ("待审核客户", "证件到期", "风险预警", "已逾期", "未审核", "即将到期", "合计："):
        assert words in result.output
    assert _digests(branches) == before  # read-only


def test_due_terminal_shows_the_most_urgent_rows_and_counts_the_rest(branches):
    data = load_portfolio(sorted(branches.glob("*.xlsx")), AS_OF)
    reviews = due.portfolio_due(data)["reviews"]
    assert len(reviews) > 5
    result = _run("due", branches, "--as-of", AS_OF.isoformat(), "--show", "5")
    assert result.exit_code == 0, result.output
    assert f"待审核客户（{len(reviews)}）" in result.output  # the title counts every row
    section = result.output.split("待审核客户（")[1].split("审核等待（")[0]
    shown, hidden = reviews["customer_id"].iloc[:5], reviews["customer_id"].iloc[5:]
    assert all(cid in section for cid in shown)
    assert not any(cid in section for cid in hidden if cid not in set(shown))
    assert f"另有 {len(reviews) - 5} 行未显示" in section
    everything = _run("due", branches, "--as-of", AS_OF.isoformat(), "--show", "0")
    assert all(cid in everything.output for cid in reviews["customer_id"])
    assert "行未显示" not in everything.output


def test_due_json_equals_the_library(branches):
    result = _run("due", branches, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    data = load_portfolio(sorted(branches.glob("*.xlsx")), AS_OF)
    lists = due.portfolio_due(data)
    assert document["as_of"] == AS_OF.isoformat()
    assert len(document["files"]) == 5 and document["unreadable"] == []
    for name in ("reviews", "documents", "warnings"):
        assert document[name] == due.records(lists[name]), name
    flags = [r["flag"] for r in document["reviews"]]
    assert flags.index("已逾期") < flags.index("即将到期")
    assert all(r["status"] != "已停用" for r in document["reviews"])


def test_due_window_and_branch(branches):
    def listed(*extra):
        result = _run("due", branches, "--as-of", AS_OF.isoformat(), "--format", "json", *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    default, wide = listed(), listed("--within", "90")
    assert len(wide["reviews"]) > len(default["reviews"])
    one = listed("--branch", "北京分公司")
    assert one["reviews"] and {r["branch"] for r in one["reviews"]} == {"北京分公司"}


def test_due_skips_an_unreadable_file_with_a_clear_line(branches, tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("不是工作簿", encoding="utf-8")
    result = _run("due", branches, bad, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert "跳过无法读取的文件" in result.output and "坏文件.xlsx" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, words",
    [
        (("due", "没有这个目录"), "没有找到台账工作簿"),
        (("due", ".", "--format", "xml"), "--format"),
        (("due", ".", "--as-of", "2026-02-30"), "不是日期"),
        (("summarize", "没有这个目录"), "没有找到台账工作簿"),
        (("report", "没有这个目录", "--customer", "X"), "没有找到台账工作簿"),
    ],
)
def test_bad_input_exit_2(args, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run(*args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_due_writes_its_workbook_and_refuses_to_overwrite(branches, tmp_path):
    out = tmp_path / "到期清单.xlsx"
    result = _run("due", branches, "--as-of", AS_OF.isoformat(), "-o", out)
    assert result.exit_code == 0, result.output
    assert {"待审核客户", "证件到期", "风险预警"} <= set(open_calamine(out).sheet_names)
    lists = due.portfolio_due(load_portfolio(sorted(branches.glob("*.xlsx")), AS_OF))
    for key, sheet in (("reviews", "待审核客户"), ("documents", "证件到期")):
        header, rows = list_rows(out, sheet)
        ids = [r[header.index(due.LABELS["customer_id"])] for r in rows]
        assert ids == list(lists[key]["customer_id"]), sheet
        assert len(ids) > 0, sheet
    again = _run("due", branches, "--as-of", AS_OF.isoformat(), "-o", out)
    assert again.exit_code == 2 and "已存在" in again.output


def test_summarize_prints_and_writes(branches, tmp_path):
    out = tmp_path / "汇总.xlsx"
    result = _run("summarize", branches, "--as-of", AS_OF.isoformat(), "-o", out)
    assert result.exit_code == 0, result.output
    tables = summary.summary_tables(load_portfolio(sorted(branches.glob("*.xlsx")), AS_OF))
    total = int(tables["key_figures"].query("label == '客户总数'")["count"].iloc[0])
    assert total == 120
    assert f"客户总数 {total}" in result.output
    assert "分公司 × 审核状态" in result.output and "未来12个月每月到期" in result.output
    written = _overview_sections(out)
    for section, group in tables["key_figures"].groupby("section", sort=False):
        assert written[section] == dict(zip(group["label"], group["count"], strict=True))
    assert written["总体"]["客户总数"] == 120


def test_report_for_one_customer(branches, tmp_path):
    data = load_portfolio(sorted(branches.glob("*.xlsx")), AS_OF)
    customer = data.customers["customer_id"].iloc[0]
    out = tmp_path / "报告.xlsx"
    result = _run(
        "report", branches, "--customer", customer, "--as-of", AS_OF.isoformat(), "-o", out
    )
    assert result.exit_code == 0, result.output
    assert "客户审核报告" in result.output
    row = data.customers.iloc[0]
    ws = openpyxl.load_workbook(out)["审核报告"]
    cells = [c for line in ws.iter_rows() for c in line if c.value is not None]

    def right_of(caption: str):
        cell = next(c for c in cells if c.value == caption)
        return ws.cell(cell.row, cell.column + 1).value

    assert right_of("客户编号") == customer
    assert right_of("客户名称") == row["name"]
    assert right_of("所属分公司") == row["branch"]
    if row["composite_score"] == row["composite_score"]:  # not NaN
        assert right_of("综合评分") == pytest.approx(row["composite_score"])


def test_report_unknown_customer_is_a_clear_error(branches, tmp_path):
    result = _run("report", branches, "--customer", "ZZ999999", "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2, result.output
    assert "ZZ999999" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_a_customer_in_two_files_is_pointed_out(branches, tmp_path):
    import shutil

    source = sorted(branches.glob("*.xlsx"))[0]
    shutil.copy(source, tmp_path / "甲.xlsx")
    shutil.copy(source, tmp_path / "乙.xlsx")
    result = _run("summarize", tmp_path, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert "出现在不止一个文件中" in result.output


def test_strict_exit_code_for_scheduled_jobs(branches):
    plain = _run("due", branches, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert plain.exit_code == 0
    strict = _run("due", branches, "--as-of", AS_OF.isoformat(), "--format", "json", "--strict")
    assert strict.exit_code == 1  # the demo has overdue customers
    early = _run("due", branches, "--as-of", "2000-01-01", "--strict", "--format", "json")
    assert early.exit_code == 0, early.output  # before anything was due
