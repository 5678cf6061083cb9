"""`ledger-xl validate --record` and `ledger-xl audit …` from the command line, on real
workbooks; a returned 整改台账 and a completed 稽核底稿 are filled in the way a person would
(openpyxl standing in for Excel)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ledger_xl import cli_audit
from ledger_xl.app import audit_store
from ledger_xl.cli import app
from ledger_xl.core import audit, papers
from ledger_xl.core.layout import TEMPLATE_VERSION
from tests.audit.conftest import AS_OF

ROOT = Path(__file__).resolve().parents[2]
DAY = AS_OF.isoformat()


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _validate(files, *extra):
    return run("validate", *files, "--as-of", DAY, "--format", "json", *extra)


@pytest.fixture
def recorded(branch_files, tmp_path) -> Path:
    db = tmp_path / "稽核档案.sqlite"
    result = _validate(branch_files, "--record", "--db", db)
    assert result.exit_code == 1, result.output
    return db


def _status(db, *extra) -> dict:
    result = run("audit", "status", "--db", db, "--as-of", DAY, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------- validate --record


def test_recording_never_changes_what_validate_reports(branch_files, tmp_path):
    plain = _validate(branch_files)
    db = tmp_path / "稽核档案.sqlite"
    recorded = _validate(branch_files, "--record", "--db", db)
    assert recorded.exit_code == plain.exit_code == 1
    assert recorded.stdout == plain.stdout
    assert json.loads(recorded.stdout) == json.loads(plain.stdout)
    assert re.search(r"已记入稽核档案 .*第 1 次校验", recorded.stderr)
    text_plain = run("validate", *branch_files, "--as-of", DAY)
    text_recorded = run("validate", *branch_files, "--as-of", DAY, "--record", "--db", db)
    assert text_recorded.stdout == text_plain.stdout
    assert "第 2 次校验" in text_recorded.stderr


def test_the_run_holds_files_checksums_and_rules_fingerprints(recorded, branch_files):
    with sqlite3.connect(recorded) as db:
        rows = db.execute(
            "SELECT name, scope, checked, sha256, size, rules_fingerprint, declared_fingerprint, "
            "template_version FROM files ORDER BY file_id"
        ).fetchall()
        (findings,) = db.execute("SELECT count(*) FROM findings").fetchone()
    plain = json.loads(_validate(branch_files).stdout)
    assert findings == plain["stats"]["errors"] + plain["stats"]["warnings"]
    for path, row in zip(branch_files, rows, strict=True):
        name, scope, checked, sha, size, fingerprint, declared, version = row
        assert (name, scope, checked) == (path.name, path.stem, 1)
        assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
        assert size == path.stat().st_size
        assert fingerprint == declared and len(fingerprint) == 16
        assert version == TEMPLATE_VERSION


def test_db_without_record_and_a_foreign_db_are_refused_before_any_output(branch_files, tmp_path):
    alone = _validate(branch_files, "--db", tmp_path / "x.sqlite")
    assert alone.exit_code == 2 and "--record" in alone.output
    foreign = tmp_path / "other.sqlite"
    foreign.write_text("not a database " * 100, encoding="utf-8")
    refused = _validate(branch_files, "--record", "--db", foreign)
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert "不是 SQLite 数据库" in refused.stderr


def test_an_unreadable_file_is_recorded_and_closes_nothing(branch_files, tmp_path, recorded):
    broken = tmp_path / "广州分公司.xlsx"
    broken.write_bytes(branch_files[1].read_bytes()[:5000])  # truncated in transit
    second = run("validate", branch_files[0], broken, "--as-of", DAY, "--record", "--db", recorded)
    assert second.exit_code == 1
    status = _status(recorded)
    gz = [f for f in status["findings"] if f["scope"] == "广州分公司"]
    codes = {f["code"]: f["status"] for f in gz}
    assert codes["file-truncated"] == audit.STATUS_NEW
    assert audit.STATUS_FIXED not in {f["status"] for f in gz}
    assert status["counts"]["成都分公司"][audit.STATUS_NEW] > 0  # not in the run: as it was


# ---------------------------------------------------------------- status


def test_status_after_one_run_is_all_new(recorded, branch_files):
    status = _status(recorded)
    plain = json.loads(_validate(branch_files).stdout)
    distinct = {
        (Path(f["path"]).stem, x["sheet"], x["customer_id"], x["code"], x["column"])
        for f in plain["files"]
        for x in f["findings"]
    }
    total = status["counts"]["合计"]
    assert total[audit.STATUS_NEW] == len(distinct) == len(status["findings"])
    assert total[audit.STATUS_OPEN] == total[audit.STATUS_FIXED] == 0
    first = status["findings"][0]
    assert {"finding_id", "status", "scope", "customer_id", "code", "days_open", "deadline"} <= set(
        first
    )
    assert status["latest_runs"]["北京分公司"] == {"run_id": 1, "as_of": DAY}


def test_status_table_branch_and_workbook(recorded, tmp_path):
    table = run("audit", "status", "--db", recorded, "--as-of", DAY, "--limit", "3")
    assert table.exit_code == 0, table.output
    assert "各分公司整改情况" in table.stdout and "另有" in table.stdout
    one = _status(recorded, "--branch", "成都分公司")
    assert set(one["counts"]) == {"成都分公司", "合计"}
    assert {f["scope"] for f in one["findings"]} == {"成都分公司"}
    unknown = run("audit", "status", "--db", recorded, "--branch", "南京分公司")
    assert unknown.exit_code == 2 and "没有分公司“南京分公司”" in unknown.stderr
    target = tmp_path / "整改台账.xlsx"
    written = run("audit", "status", "--db", recorded, "--as-of", DAY, "-o", target)
    assert written.exit_code == 0 and target.exists()
    again = run("audit", "status", "--db", recorded, "-o", target)
    assert again.exit_code == 2 and "--force" in again.stderr
    missing = run("audit", "status", "--db", tmp_path / "无.sqlite")
    assert missing.exit_code == 2 and "不存在" in missing.stderr


# ---------------------------------------------------------------- assign


def test_assign_by_id_prefix_and_by_branch(recorded):
    status = _status(recorded)
    fid = status["findings"][0]["finding_id"]
    one = run(
        "audit", "assign", "--db", recorded, "--id", fid[:7], "--owner", "张三",
        "--deadline", "2026-11-01", "--note", "补充材料",
    )  # fmt: skip
    assert one.exit_code == 0, one.output
    assert "1 项" in one.stdout
    row = next(f for f in _status(recorded)["findings"] if f["finding_id"] == fid)
    assert (row["owner"], row["deadline"], row["note"]) == ("张三", "2026-11-01", "补充材料")
    bulk = run(
        "audit", "assign", "--db", recorded, "--branch", "广州分公司", "--deadline", "2026-12-31"
    )
    assert bulk.exit_code == 0
    gz = [f for f in _status(recorded)["findings"] if f["scope"] == "广州分公司"]
    assert gz and all(f["deadline"] == "2026-12-31" for f in gz)
    for args, message in (
        (["--id", "zzzzzzzz", "--owner", "x"], "没有问题编号"),
        (["--id", fid], "至少给出"),
        (["--owner", "x"], "--branch"),
        (["--id", fid, "--progress", "完成了"], "--progress"),
    ):
        refused = run("audit", "assign", "--db", recorded, *args)
        assert refused.exit_code == 2, args
        assert message in refused.stderr, (args, refused.stderr)


def _fill(path: Path, sheet: str, header_row: int, rows: dict[int, dict[str, object]]) -> None:
    """Type values into a workbook's table by header, as a person would in Excel."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    headers = {c.value: c.column for c in ws[header_row] if c.value}
    for row, values in rows.items():
        for header, value in values.items():
            ws.cell(row, headers[header], value)
    book.save(path)


def test_assign_from_a_returned_rectification_list(recorded, tmp_path):
    target = tmp_path / "整改台账.xlsx"
    assert run("audit", "status", "--db", recorded, "--as-of", DAY, "-o", target).exit_code == 0
    returned = tmp_path / "整改台账_广州分公司.xlsx"
    returned.write_bytes(target.read_bytes())
    header = 4  # title, instructions, gap, header
    _fill(
        returned,
        audit.RECTIFICATION_SHEET,
        header,
        {
            5: {"整改责任人": "李娜", "整改期限": dt.datetime(2026, 12, 15), "整改进度": "整改中"},
            6: {"整改责任人": "王强", "整改期限": "2026年12月20日", "整改说明": "已联系客户"},
            7: {"整改期限": "下周", "整改进度": "快好了"},
        },
    )
    book = openpyxl.load_workbook(returned)
    ws = book[audit.RECTIFICATION_SHEET]
    ws.cell(ws.max_row + 1, 1, "ffffffffffff")  # a row the database does not know
    ids = [ws.cell(r, 1).value for r in (5, 6, 7)]
    book.save(returned)
    before = hashlib.sha256(returned.read_bytes()).hexdigest()

    result = run("audit", "assign", "--db", recorded, "--from", returned)
    assert result.exit_code == 0, result.output
    assert "已登记到稽核档案" in result.stdout and ": 2 项" not in result.stdout
    assert re.search(r"：2 项", result.stdout)
    assert "“下周”不是日期" in result.stdout and "快好了" in result.stdout
    assert "ffffffffffff" in result.stdout
    assert hashlib.sha256(returned.read_bytes()).hexdigest() == before  # only read

    rows = {f["finding_id"]: f for f in _status(recorded)["findings"]}
    assert (rows[ids[0]]["owner"], rows[ids[0]]["deadline"], rows[ids[0]]["progress"]) == (
        "李娜",
        "2026-12-15",
        "整改中",
    )
    assert (rows[ids[1]]["owner"], rows[ids[1]]["deadline"], rows[ids[1]]["note"]) == (
        "王强",
        "2026-12-20",
        "已联系客户",
    )
    assert rows[ids[2]]["owner"] == "" and rows[ids[2]]["deadline"] is None
    again = run("audit", "assign", "--db", recorded, "--from", returned)
    assert "：0 项（读入 31 项，30 项没有变化）" in again.stdout
    assert "整改台账!O7：整改期限“下周”不是日期" in again.stdout  # the cell itself
    with sqlite3.connect(recorded) as db:
        sources = {r[0] for r in db.execute("SELECT source FROM assignments")}
    assert sources == {returned.name}


def test_assign_from_a_workbook_that_is_no_rectification_list(recorded, branch_files):
    result = run("audit", "assign", "--db", recorded, "--from", branch_files[0])
    assert result.exit_code == 2 and "没有“整改台账”工作表" in result.stderr


# ---------------------------------------------------------------- sample


def _sampled(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path, read_only=True)[papers.PAPER_SHEET]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    return [r[2] for r in rows if r[2]]


def test_sample_is_reproducible_with_the_seed(branch_files, recorded, tmp_path):
    first, second, third = (tmp_path / f"底稿{i}.xlsx" for i in range(3))
    for target, seed in ((first, 5), (second, 5), (third, 6)):
        result = run(
            "audit", "sample", *branch_files, "--size", 4, "--seed", seed, "--as-of", DAY,
            "--db", recorded, "-o", target,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert "随机种子 5" in result.stdout or "随机种子 6" in result.stdout
    assert _sampled(first) == _sampled(second) != _sampled(third)
    assert len(_sampled(first)) == 12
    # the paper's own weights draw it again
    again = tmp_path / "底稿_重抽.xlsx"
    result = run(
        "audit", "sample", *branch_files, "--size", 4, "--seed", 5, "--as-of", DAY,
        "--db", recorded, "--weights", first, "-o", again,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _sampled(again) == _sampled(first)


def test_sample_options_are_checked(branch_files, tmp_path):
    target = tmp_path / "p.xlsx"
    for args, message in (
        (["--size", 3, "--rate", "10%"], "之一"),
        ([], "之一"),
        (["--rate", "200%"], "0 和 100%"),
        (["--size", 3, "--weight", "高风险"], "因素=权重"),
        (["--size", 3, "--weight", "特别=2"], "未知的抽样因素"),
    ):
        result = run("audit", "sample", *branch_files, *args, "-o", target)
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
    assert not target.exists()
    weighted = run(
        "audit", "sample", *branch_files, "--rate", "10%", "--weight", "高风险=10",
        "--db", tmp_path / "none.sqlite", "-o", target,
    )  # fmt: skip
    assert weighted.exit_code == 0, weighted.output
    assert "未找到稽核档案" in weighted.stdout
    assert "用同样的文件和 --seed" in weighted.stdout


# ---------------------------------------------------------------- report


def _complete(paper: Path) -> list[str]:
    """Fill the paper's checklist: first customer fine, second 资料不齐全 and 审批不合规 with an
    overdue deadline, third 有问题 and rectified, the fourth a bad answer. Returns the ids."""
    book = openpyxl.load_workbook(paper)
    ws = book[papers.PAPER_SHEET]
    ids = [ws.cell(r, 3).value for r in range(5, 9)]
    book.close()
    _fill(
        paper,
        papers.PAPER_SHEET,
        4,
        {
            5: {
                "资料齐全": "是",
                "信息真实": "是",
                "评分合理": "是",
                "审批合规": "是",
                "结论": "无问题",
            },
            6: {
                "资料齐全": "否",
                "审批合规": "否",
                "结论": "有问题",
                "问题描述": "缺营业执照复印件；超权限审批",
                "整改责任人": "赵六",
                "整改期限": dt.datetime(2026, 11, 10),
                "整改情况": "整改中",
                "稽核日期": dt.datetime(2026, 11, 20),
            },
            7: {"结论": "有问题", "问题描述": "评分依据不足", "整改情况": "已整改"},
            8: {"结论": "还行"},
        },
    )
    return ids


def test_report_from_history_and_completed_papers(branch_files, recorded, tmp_path):
    paper = tmp_path / "稽核底稿.xlsx"
    assert run(
        "audit", "sample", *branch_files, "--size", 4, "--seed", 1, "--as-of", DAY,
        "--db", recorded, "-o", paper,
    ).exit_code == 0  # fmt: skip
    _complete(paper)
    target = tmp_path / "稽核报告.xlsx"
    result = run(
        "audit", "report", "--period", "2026Q4", "--papers", paper, "--db", recorded,
        "--as-of", DAY, "-o", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "抽查：1 份底稿，抽查客户 12，已完成稽核 3，发现问题客户 2，已整改 1，逾期未整改 1" in (
        result.stdout
    )
    assert "“结论”应为 无问题 / 有问题 / 待核实，现为“还行”" in result.stdout
    assert "本期新发现" in result.stdout
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["概览", "问题分类", "趋势", "未整改事项", "抽查问题", "说明"]
    problems = book["抽查问题"]
    assert problems.cell(3, 5).value == "缺营业执照复印件；超权限审批"  # most overdue first
    assert problems.cell(3, 4).value == "资料不齐全、审批不合规"

    refused = run("audit", "report", "--period", "2027Q3", "--db", recorded, "--as-of", DAY)
    assert refused.exit_code == 2 and "还没有开始" in refused.output
    bad = run("audit", "report", "--period", "明年", "--db", recorded)
    assert bad.exit_code == 2 and "不是稽核期间" in bad.output
    nothing = run(
        "audit",
        "report",
        "--period",
        "2026Q4",
        "--db",
        tmp_path / "无.sqlite",
        "-o",
        tmp_path / "r.xlsx",
    )
    assert nothing.exit_code == 2 and "无从生成" in nothing.stderr
    not_paper = run(
        "audit", "report", "--period", "2026Q4", "--db", recorded, "--papers", branch_files[0],
        "-o", tmp_path / "r2.xlsx",
    )  # fmt: skip
    assert not_paper.exit_code == 2 and "没有“稽核底稿”工作表" in not_paper.stderr


def test_runs_lists_what_was_recorded(recorded):
    table = run("audit", "runs", "--db", recorded)
    assert table.exit_code == 0 and "1 次校验" in table.stdout
    records = json.loads(run("audit", "runs", "--db", recorded, "--format", "json").stdout)
    assert records[0]["as_of"] == DAY and records[0]["file_count"] == 3


# ---------------------------------------------------------------- documentation


def test_every_audit_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in cli_audit.audit_app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, name
        assert re.search(rf"ledger-xl audit {name}\b", readme), name
    assert "validate" in readme and "--record" in readme


def test_the_default_database_name_is_the_stores():
    assert cli_audit.DEFAULT_DB == audit_store.DEFAULT_DB


def test_the_readme_documents_every_table_and_column():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### 稽核档案的结构") :]
    for statement in audit_store.MIGRATIONS[0]:
        match = re.match(r"CREATE (TABLE|VIEW) (\w+)", statement)
        if not match:
            continue
        assert f"`{match.group(2)}`" in section, match.group(2)
        if match.group(1) == "TABLE":
            for column in re.findall(r"^\s+(\w+)\s+(?:INTEGER|TEXT)", statement, re.M):
                assert f"`{column}`" in section, (match.group(2), column)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_report_pdf(recorded, soffice, tmp_path):
    target = tmp_path / "稽核报告.xlsx"
    result = run(
        "audit", "report", "--period", "2026-11", "--db", recorded, "--as-of", DAY,
        "-o", target, "--pdf",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = target.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"PDF：{pdf}" in result.stdout
