"""The macro-enabled ledger from the command line: `template --xlsm`, `new -o *.xlsm`,
`demo --xlsm`."""

from __future__ import annotations

import datetime as dt
import zipfile

from typer.testing import CliRunner

from ledger_xl.app.demo import run_demo
from ledger_xl.cli import app
from ledger_xl.io.read import read_book

runner = CliRunner()


def _has_vba(path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return "xl/vbaProject.bin" in archive.namelist()


def test_template_xlsm_writes_the_macro_workbook(tmp_path):
    target = tmp_path / "台账.xlsm"
    result = runner.invoke(app, ["template", "-o", str(target), "--xlsm", "--rows", "5"])
    assert result.exit_code == 0, result.output
    assert "宏工作簿" in result.output and _has_vba(target)
    assert read_book(target).checkable


def test_template_xlsm_needs_an_xlsm_name(tmp_path):
    result = runner.invoke(app, ["template", "-o", str(tmp_path / "台账.xlsx"), "--xlsm"])
    assert result.exit_code == 2
    assert not (tmp_path / "台账.xlsx").exists()


def test_an_xlsm_name_is_enough_and_xlsx_stays_plain(tmp_path):
    runner.invoke(app, ["template", "-o", str(tmp_path / "a.xlsm"), "--rows", "5"])
    runner.invoke(app, ["template", "-o", str(tmp_path / "b.xlsx"), "--rows", "5"])
    assert _has_vba(tmp_path / "a.xlsm") and not _has_vba(tmp_path / "b.xlsx")


def test_new_writes_an_xlsm_ledger(tmp_path):
    source = tmp_path / "客户.csv"
    source.write_text("客户编号,客户名称\nSH000001,上海甲有限公司\n", encoding="utf-8")
    target = tmp_path / "台账.xlsm"
    result = runner.invoke(app, ["new", "--from", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert _has_vba(target)
    assert list(read_book(target).ledger.frame["customer_id"]) == ["SH000001"]


def test_demo_xlsm_writes_macro_ledgers_hq_still_reads(tmp_path):
    result = run_demo(tmp_path, dt.date(2026, 11, 23), macros=True, n_customers=80)
    assert result.master.suffix == ".xlsm" and _has_vba(result.master)
    assert all(p.suffix == ".xlsm" and _has_vba(p) for p in result.branch_files.values())
    assert result.summary_file.exists() and sum(result.by_branch) == 80
