"""The `ledger-xl` command: template, new and demo, their exit codes and messages."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_xl.cli import app
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.io.read import read_book

runner = CliRunner()
README = Path(__file__).resolve().parents[2] / "README.md"


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_template_writes_an_empty_ledger(tmp_path):
    out = tmp_path / "台账.xlsx"
    result = _run("template", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "已写出空白台账模板" in result.output
    book = read_book(out)
    assert book.rules == DEFAULT_RULES and len(book.ledger.frame) == 0


def test_template_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "台账.xlsx"
    assert _run("template", "-o", str(out)).exit_code == 0
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    result = _run("template", "-o", str(out))
    assert result.exit_code == 2
    assert "已存在" in result.output and "--force" in result.output
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    assert _run("template", "-o", str(out), "--force").exit_code == 0


def test_new_imports_a_csv_and_reports_problems(tmp_path):
    source = tmp_path / "客户.csv"
    source.write_text(
        "客户编号,公司名称,注册资本\nSH000001,甲公司,N/A\nSH000002,乙公司,500\n", encoding="utf-8"
    )
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    out = tmp_path / "台账.xlsx"
    result = _run("new", "--from", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "导入 2 个客户" in result.output
    assert "注册资本(万元)”应为数字，现为“N/A”" in result.output
    frame = read_book(out).ledger.frame
    assert frame["customer_id"].tolist() == ["SH000001", "SH000002"]
    assert frame["registered_capital"].tolist() == ["N/A", 500.0]
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest  # input untouched


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["new", "--from", "missing.csv", "-o", "x.xlsx"], "找不到文件"),
        (["new", "--from", "README.md", "-o", "x.xlsx"], "不支持的文件类型"),
        (["demo", "--as-of", "明天"], "不是日期"),
    ],
)
def test_bad_input_gets_a_clear_answer_and_exit_2(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("x")
    result = _run(*args)
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output


def test_real_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "ledger_xl.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for command in ("template", "new", "demo"):
        assert command in result.stdout


def test_every_command_has_help_and_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, name
        assert re.search(rf"ledger-xl {name}\b", readme), f"README does not show `ledger-xl {name}`"


def test_help_does_not_import_pandas_or_the_writers():
    code = (
        "import sys, ledger_xl.cli\n"
        "heavy = [m for m in ('pandas', 'numpy', 'xlsxwriter', 'python_calamine', 'openpyxl')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_template_rows_default_is_the_templates():
    from ledger_xl import cli
    from ledger_xl.app import template

    assert cli.TEMPLATE_ROWS == template.TEMPLATE_ROWS
