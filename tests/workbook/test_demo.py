"""`ledger-xl demo`: the sample's workbooks hold every customer, the planted mistakes as
typed, and values LibreOffice agrees with."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from ledger_xl.app.demo import MASTER_NAME, run_demo
from ledger_xl.app.demo_data import generate_demo
from ledger_xl.cli import app
from ledger_xl.core import twins
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.io import libreoffice
from ledger_xl.io.read import read_book

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), AS_OF)


def test_branch_workbooks_partition_the_master(demo):
    master = read_book(demo.master).ledger.frame
    ids = []
    for branch, path in demo.branch_files.items():
        frame = read_book(path).ledger.frame
        assert set(frame["branch"]) == {branch}
        ids += frame["customer_id"].tolist()
    assert sorted(ids) == sorted(master["customer_id"].tolist())
    assert len(master) == 360


def test_planted_mistakes_are_in_the_workbook_as_typed(demo):
    book = read_book(demo.master)
    frame = book.ledger.frame
    ledger_mistakes = [m for m in demo.planted if m.table == "ledger"]
    assert len(ledger_mistakes) >= 15
    for mistake in ledger_mistakes:
        cells = frame.loc[frame["customer_id"] == mistake.customer_id, mistake.key].tolist()
        expected = None if mistake.value in ("", None) else mistake.value
        if isinstance(expected, dt.date):
            cells = [c.date() if isinstance(c, dt.datetime) else c for c in cells]
        assert expected in cells, (mistake.description, cells)


def test_demo_shows_every_due_state_and_grade(demo):
    figures = {item.label: item.count for _, items in demo.figures for item in items}
    for label in (
        "已逾期",
        "即将到期",
        "未审核",
        "正常",
        "A",
        "B",
        "C",
        "D",
        "待补充",
        "资信证明已过期",
        "资信证明即将到期",
    ):
        assert figures[label] > 0, label
    assert figures["客户总数"] == 360


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_agrees_with_the_demo_cache(demo, soffice, tmp_path):
    data = generate_demo(as_of=AS_OF)
    recalculated = libreoffice.recalculate(demo.branch_files["广州分公司"], tmp_path)
    engine = read_book(recalculated)
    cached = read_book(demo.branch_files["广州分公司"])
    today = dt.date.today()
    # The demo's 基准日 is =TODAY(); LibreOffice evaluates it today.
    assert engine.cached_as_of == today
    ledger = data.ledger[data.ledger["branch"] == "广州分公司"].reset_index(drop=True)
    expected = twins.ledger_formulas(ledger, DEFAULT_RULES, today)
    assert engine.ledger.frame["grade"].tolist() == [g or None for g in expected["grade"]]
    assert engine.ledger.frame["composite_score"].tolist() == (
        cached.ledger.frame["composite_score"].tolist()
    )


def test_demo_command_prints_what_it_wrote(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert MASTER_NAME in result.output and "埋下的错误" in result.output
    assert "已逾期" in result.output
    assert "merge-both-changed" in result.output and "合并报告" in result.output
    again = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert again.exit_code == 2 and "--force" in again.output


def test_demo_round_trip_shows_changes_conflicts_and_refusals(demo):
    collected = demo.collected
    codes = {i.code for i in collected.merge.issues}
    assert {
        "merge-rules-differ",
        "merge-both-changed",
        "merge-claimed-twice",
        "merge-review-edited",
        "merge-removed-by-branch",
    } <= codes
    assert [f.branch for f in demo.distributed.files if f.encrypted] == ["广州分公司"]
    assert len(collected.merge.changes) == 2 and len(collected.merge.added) == 1
    merged = read_book(collected.output)
    assert len(merged.ledger.frame) == 360  # the twice-claimed new customer waits for a person
    assert merged.ledger.frame["row_key"].notna().all()
    assert collected.report.exists() and collected.archive.is_dir()
