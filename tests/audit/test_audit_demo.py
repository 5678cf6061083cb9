"""`ledger-xl demo` records two validation runs a month apart: the 新发现 / 已整改 / 仍未整改 /
逾期未整改 counts follow from what the demo changed between the months — computed here from the
validation findings and the demo's own change lists, not from the follow-up code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_xl.app import audit_demo
from ledger_xl.app.demo import run_demo
from ledger_xl.app.validate import validate_paths
from ledger_xl.cli import app
from ledger_xl.core.audit import STATUS_FIXED, STATUS_NEW, STATUS_OPEN, STATUS_OVERDUE, TOTAL
from ledger_xl.core.findings import Severity
from tests.audit.conftest import AS_OF

Key = tuple[str, str, str, str, str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), AS_OF, round_trip=False)


def _findings(files, day) -> dict[Key, Severity]:
    """(branch, sheet, customer, code, column) → severity of every finding of the files."""
    out: dict[Key, Severity] = {}
    for file in validate_paths(list(files), day).files:
        for item in file.findings:
            key = (
                Path(file.path).stem,
                item.sheet,
                item.customer_id.upper(),
                item.code,
                item.column,
            )
            out[key] = item.severity
    return out


def _keys(changes) -> set[Key]:
    return {(c.branch, "台账", c.customer_id, c.code, c.column) for c in changes}


@pytest.fixture(scope="module")
def months(demo):
    record = demo.audit
    this_month = _findings(demo.branch_files.values(), AS_OF)
    last_month = _findings(record.previous_files.values(), record.previous_as_of)
    return record, this_month, last_month


def test_last_month_differs_from_this_month_by_exactly_the_changes(months):
    record, this_month, last_month = months
    introduced, fixed = _keys(record.introduced), _keys(record.fixed)
    assert len(introduced) >= 4 and len(fixed) == 4
    assert introduced <= set(this_month) and not introduced & set(last_month)
    assert fixed <= set(last_month) and not fixed & set(this_month)
    assert set(last_month) == (set(this_month) - introduced) | fixed


def test_the_two_runs_give_the_expected_counts(months):
    record, this_month, _ = months
    introduced, fixed = _keys(record.introduced), _keys(record.fixed)
    carried = set(this_month) - introduced
    # after the first run every open error of these branches got a deadline before the second
    overdue = {
        k
        for k in carried
        if k[0] in audit_demo.DEADLINE_BRANCHES and this_month[k] is Severity.ERROR
    }
    counts = record.counts.set_index("scope").loc[TOTAL]
    assert counts[STATUS_NEW] == len(introduced)
    assert counts[STATUS_FIXED] == len(fixed)
    assert counts[STATUS_OVERDUE] == len(overdue) > 0
    assert counts[STATUS_OPEN] == len(carried) - len(overdue) > 0
    assert record.assigned == len(overdue) + len(
        {k for k in fixed if k[0] in audit_demo.DEADLINE_BRANCHES}
    )


def test_audit_status_on_the_demo_database_agrees(demo):
    record = demo.audit
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "status",
            "--db",
            str(record.db),
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)["counts"][TOTAL]
    expected = record.counts.set_index("scope").loc[TOTAL]
    assert {k: counts[k] for k in (STATUS_NEW, STATUS_OPEN, STATUS_OVERDUE, STATUS_FIXED)} == {
        k: int(expected[k]) for k in (STATUS_NEW, STATUS_OPEN, STATUS_OVERDUE, STATUS_FIXED)
    }
    runs = json.loads(
        CliRunner()
        .invoke(app, ["audit", "runs", "--db", str(record.db), "--format", "json"])
        .stdout
    )
    assert [r["as_of"] for r in runs] == [record.previous_as_of.isoformat(), AS_OF.isoformat()]


def test_the_demo_writes_the_audit_workbooks(demo):
    record = demo.audit
    for path in (record.rectification_file, record.papers_file, record.report_file, record.db):
        assert path.exists() and path.stat().st_size > 0
    assert record.sample_size == sum(max(1, -(-count // 10)) for count in _eligible(demo).values())
    assert not list(record.folder.glob(".~ledger_xl-*"))  # nothing half-written left behind


def _eligible(demo) -> dict[str, int]:
    from ledger_xl.io.read import read_book

    counts = {}
    for branch, path in demo.branch_files.items():
        frame = read_book(path, formulas=False).ledger.frame
        counts[branch] = int(((frame["status"] != "已停用") & frame["customer_id"].notna()).sum())
    return counts


def test_the_demo_prints_the_follow_up(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "稽核演示" in result.stdout and "整改情况：新发现" in result.stdout
    again = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--as-of", AS_OF.isoformat()])
    assert again.exit_code == 2  # nothing is overwritten without --force
