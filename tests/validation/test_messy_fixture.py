"""End to end: a branch ledger edited by hand in LibreOffice, then validated.

The fixture tests/fixtures/messy_branch.xlsx is made by tests/fixtures/make_messy_workbook.py
(LibreOffice over UNO, typing a careless clerk's mistakes); messy_branch.expected.json lists
the (code, sheet, cell) each edit should produce ("expected"), and under "consequences" every
other finding with the reason it is right (what an edit brings about besides its own finding,
and what the base ledger — template 1.0 checked by today's standard rules — carries). The
validator must report exactly these: nothing missing, nothing extra.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ledger_xl.app.validate import validate_workbook
from ledger_xl.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WORKBOOK = FIXTURES / "messy_branch.xlsx"
PLAN = json.loads((FIXTURES / "messy_branch.expected.json").read_text("utf-8"))
AS_OF = dt.date(2026, 11, 23)
EXPECTED = [(e["code"], e["sheet"], e["cell"]) for e in PLAN["expected"]]
CONSEQUENCES = [tuple(f) for group in PLAN["consequences"] for f in group["findings"]]


@pytest.fixture(scope="module")
def result():
    return validate_workbook(WORKBOOK, as_of=AS_OF)


def _found(result) -> set[tuple[str, str, str]]:
    return {(f.code, f.sheet, f.cell) for f in result.findings}


def test_fixture_is_small():
    assert WORKBOOK.stat().st_size < 200_000


@pytest.mark.parametrize("expected", EXPECTED, ids=[f"{c}@{s}!{a}" for c, s, a in EXPECTED])
def test_each_edit_is_reported(result, expected):
    assert expected in _found(result)


def test_exactly_the_planned_findings_nothing_else(result):
    """Every finding is a planted edit's or a listed consequence's, each as many times as
    listed (two unmet admission conditions at one cell are two findings)."""
    found = sorted((f.code, f.sheet, f.cell) for f in result.findings)
    assert found == sorted(EXPECTED + CONSEQUENCES)


def test_every_consequence_has_a_reason():
    for group in PLAN["consequences"]:
        assert len(group["reason"]) > 40 and group["findings"], group


def test_libreoffice_recalculated_with_the_new_weights():
    """The cached 综合评分 follow the workbook's own weights (0.35 / 0.25), not HQ's."""
    book = openpyxl.load_workbook(WORKBOOK, data_only=True, read_only=True)
    sheet = book["台账"]
    header = [c.value for c in next(sheet.iter_rows(min_row=3, max_row=3))]
    row = [c.value for c in next(sheet.iter_rows(min_row=4, max_row=4))]
    book.close()
    got = dict(zip(header, row, strict=True))
    scores = [got[k] for k in ("财务状况", "信用记录", "合作历史", "市场声誉")]
    workbook_rules = round(
        sum(s * w for s, w in zip(scores, (0.35, 0.25, 0.2, 0.2), strict=True)), 1
    )
    hq_rules = round(sum(s * w for s, w in zip(scores, (0.3, 0.3, 0.2, 0.2), strict=True)), 1)
    assert workbook_rules != hq_rules  # else the next test would prove nothing
    assert got["综合评分"] == pytest.approx(workbook_rules)


def test_libreoffice_formulas_and_values_are_accepted(result):
    codes = {f.code for f in result.findings}
    assert "formula-value-mismatch" not in codes
    assert "formula-edited" not in codes


def test_only_the_overwritten_formula_is_flagged(result):
    overwritten = [f.cell for f in result.findings if f.code == "formula-overwritten"]
    assert overwritten == [c for k, _, c in EXPECTED if k == "formula-overwritten"]


def test_new_customer_is_clean(result):
    new = PLAN["facts"]["new_customer"]
    assert [f for f in result.findings if f.customer_id == new] == []
    assert not [f for f in result.findings if f.row == PLAN["facts"]["new_customer_row"]]


def test_rows_counted(result):
    assert result.rows == 48 == PLAN["facts"]["rows"]


def test_not_passed(result):
    assert not result.passed


def test_cli_reports_the_same_and_fails():
    outcome = CliRunner().invoke(
        app, ["validate", str(WORKBOOK), "--as-of", "2026-11-23", "--format", "json"]
    )
    assert outcome.exit_code == 1, outcome.output
    start = outcome.output.index("{")
    payload = json.loads(outcome.output[start:])
    (only,) = payload["files"]
    assert only["rows"] == 48
    found = sorted((f["code"], f["sheet"], f["cell"]) for f in only["findings"])
    assert found == sorted(EXPECTED + CONSEQUENCES)
