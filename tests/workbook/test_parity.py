"""Python twins vs a real spreadsheet engine: LibreOffice recalculates a built ledger and
every formula cell must equal what Python computes (DESIGN principle 5)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from ledger_xl.core import layout, schedule, summary, twins
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.rules import (
    ApprovalLevel,
    CreditCap,
    CreditRules,
    Deduction,
    DocumentRequirement,
    RubricBand,
    Rules,
)
from ledger_xl.io import libreoffice
from ledger_xl.io.read import open_calamine, read_book, sheet_grid
from ledger_xl.io.xlsx.ledger import (
    SUMMARY_BRANCH_COL,
    SUMMARY_FIRST_ROW,
    BuildOptions,
    LedgerContent,
    build_ledger_workbook,
)

from .parity_data import (
    AS_OF,
    add_controls,
    control_credentials,
    parity_credentials,
    parity_ledger,
)

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]


def _python_value(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").astype(dt.date)
    if isinstance(value, float) and math.isnan(value):
        return None
    if value == "":
        return None
    return value


def _engine_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date()
    return None if value == "" else value


def _mismatches(expected: pd.Series, actual: pd.Series, rows: list[int], column: str) -> list:
    bad = []
    for want, got, row in zip(expected.tolist(), actual.tolist(), rows, strict=True):
        want, got = _python_value(want), _engine_value(got)
        if isinstance(want, float) and isinstance(got, float):
            same = math.isclose(want, got, rel_tol=1e-12, abs_tol=1e-12)
        else:
            same = want == got
        if not same:
            bad.append((column, row, want, got))
    return bad


def parity_inputs(n: int = 1200, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    ledger = add_controls(parity_ledger(n, seed))
    credentials = pd.concat(
        [parity_credentials(ledger), control_credentials(ledger)], ignore_index=True
    )
    return ledger, credentials


def expected_formulas(ledger, credentials, rules=DEFAULT_RULES, day=AS_OF) -> pd.DataFrame:
    return twins.ledger_formulas(ledger, rules, day, credentials=credentials)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice):
    ledger, credentials = parity_inputs()
    folder = tmp_path_factory.mktemp("parity")
    built = build_ledger_workbook(
        folder / "parity.xlsx",
        LedgerContent(ledger=ledger, credentials=credentials),
        options=BuildOptions(fixed_as_of=AS_OF, spare_rows=20),
    )
    # Cached values are computed for a different day, so a stale cache cannot pass for LO's.
    stale = build_ledger_workbook(
        folder / "stale.xlsx",
        LedgerContent(ledger=ledger, credentials=credentials),
        options=BuildOptions(cache_date=dt.date(2020, 1, 1), fixed_as_of=None, spare_rows=20),
    )
    out = libreoffice.recalculate(built, folder / "lo")
    return ledger, credentials, built, stale, out


def test_ledger_formulas_equal_python_twins(recalculated):
    ledger, credentials, _, _, out = recalculated
    engine = read_book(out)
    assert engine.cached_as_of == AS_OF
    assert len(engine.ledger.frame) == len(ledger)
    expected = expected_formulas(ledger, credentials)
    assert {"admission_check", "credit_cap", "limit_check", "required_level"} < set(expected)
    bad = []
    for key in expected.columns:
        bad += _mismatches(expected[key], engine.ledger.frame[key], engine.ledger.rows, key)
    assert bad == [], f"{len(bad)} mismatches, first: {bad[:10]}"


def test_parity_data_covers_the_control_edges(recalculated):
    ledger, credentials, *_ = recalculated
    computed = expected_formulas(ledger, credentials)
    admission = set(computed["admission_check"])
    assert {
        "",
        "未到终审",
        "评分未填齐",
        "评分低于准入线",
        "失信被执行人未填写",
        "失信被执行人为是",
        "失信被执行人为不详",
        "缺少营业执照",
    } <= admission
    assert any(t.endswith("已失效") for t in admission)
    assert "客户编号未填" in admission
    assert any(t.startswith("缺少") and t != "缺少营业执照" for t in admission)
    assert set(computed["limit_check"]) >= {"", "超限", "待评级"}
    assert set(computed["required_level"]) >= {"分公司经理", "总部风控", "总经理"}
    deviation = " ".join(computed["score_deviation"])
    assert "偏高" in deviation and "偏低" in deviation
    # limits exactly at a cap and a hair above, and on an approval band
    at_cap = (ledger["credit_limit"] == 500.0) & (computed["credit_cap"] == 500.0)
    assert at_cap.any() and (computed.loc[at_cap, "limit_check"] == "").all()
    active = ledger["status"] != "已停用"
    over = (ledger["credit_limit"] == 500.01) & (computed["credit_cap"] == 500.0) & active
    assert over.any() and (computed.loc[over, "limit_check"] == "超限").all()
    for limit, level in ((100.0, "分公司经理"), (100.01, "总部风控"), (300.01, "总经理")):
        rows = (ledger["credit_limit"] == limit) & (ledger["risk_level"] == "低")
        assert set(computed.loc[rows, "required_level"]) - {""} == {level}, limit
    # a document expired the day before 基准日 and one expiring on it
    expires = credentials["expires"]
    assert (expires == AS_OF - dt.timedelta(days=1)).any() and (expires == AS_OF).any()


def test_parity_data_covers_the_edge_cases(recalculated):
    ledger, credentials, *_ = recalculated
    computed = expected_formulas(ledger, credentials)
    assert len(ledger) >= 1000
    assert set(computed["due_flag"]) >= {
        layout.DUE_OVERDUE,
        layout.DUE_SOON,
        layout.DUE_OK,
        layout.DUE_NEVER,
        "",
    }
    assert set(computed["grade"]) >= {"A", "B", "C", "D", "待补充"}
    assert (computed["days_to_due"] == 0).any() and (computed["days_to_due"] == 30).any()
    assert (computed["days_to_due"] == 31).any() and (computed["days_to_due"] == -1).any()
    assert (computed["composite_score"] == 85.0).sum() > 0
    assert dt.date(2024, 2, 29) in set(ledger["last_review"])
    combos = {(r, c) for r, c in zip(ledger["risk_level"], ledger["category"], strict=True)}
    assert {(r, c) for r in "高中低" for c in ("重要", "一般")} <= combos


def test_boundary_score_rounds_like_the_engine():
    frame = pd.DataFrame(
        {"财务状况": [84.95], "信用记录": [84.95], "合作历史": [84.95], "市场声誉": [84.95]}
    )
    from ledger_xl.core.scoring import composite_scores, grades

    scores = composite_scores(frame, DEFAULT_RULES.scoring)
    assert scores.tolist() == [85.0]
    assert grades(scores, DEFAULT_RULES.scoring).tolist() == ["A"]


def test_credential_formulas_equal_python_twins(recalculated):
    _, credentials, _, _, out = recalculated
    engine = read_book(out)
    expected = schedule.document_status(
        credentials["expires"],
        AS_OF,
        DEFAULT_RULES.cycles,
        credentials["customer_id"],
        credentials["doc_type"],
    )
    table = engine.credentials
    assert len(table.frame) == len(credentials)
    bad = []
    for key in ("doc_status", "doc_days"):
        bad += _mismatches(expected[key], table.frame[key], table.rows, key)
    assert bad == [], bad[:10]


def test_summary_formulas_equal_python(recalculated):
    ledger, credentials, _, _, out = recalculated
    computed = expected_formulas(ledger, credentials)
    docs = schedule.document_status(
        credentials["expires"],
        AS_OF,
        DEFAULT_RULES.cycles,
        credentials["customer_id"],
        credentials["doc_type"],
    )
    figures = summary.key_figures(
        ledger,
        computed,
        docs["doc_status"],
        DEFAULT_RULES,
        AS_OF,
        doc_inactive=schedule.inactive_owners(
            credentials["customer_id"], ledger["customer_id"], ledger["status"]
        ),
    )
    grid = sheet_grid(open_calamine(out), layout.SHEET_SUMMARY)
    row = SUMMARY_FIRST_ROW
    total = len(ledger) - sum(
        1
        for i, n in zip(ledger["customer_id"], ledger["name"], strict=True)
        if i is None and n is None
    )
    for section, items in figures:
        assert grid.value(row, 0) == section
        for item in items:
            row += 1
            label = grid.value(row, 0)
            if item.label_formula:  # a month: the engine computed its first day
                assert isinstance(label, dt.date | dt.datetime), (section, label)
                label = f"{label.year}年{label.month}月"
            assert label == item.label, (section, row)
            assert grid.value(row, 1) == item.count, (section, item.label)
        row += 2
        if section in ("按审核状态", summary.GRADE_SECTION, "按风险等级", "按到期提示"):
            assert sum(i.count for i in items) == total, section
    assert figures[0][1][0].count == total
    timing = dict((i.label, i.count) for i in dict(figures)[summary.TIMING_SECTION])
    inactive = dict((i.label, i.count) for i in dict(figures)["按到期提示"])["已停用"]
    assert sum(timing.values()) + inactive == total
    months = sum(i.count for i in dict(figures)[summary.MONTHS_SECTION])
    assert months == timing["未来12个月内"] > 0


def test_summary_branch_tables_equal_python(recalculated):
    ledger, credentials, _, _, out = recalculated
    computed = expected_formulas(ledger, credentials)
    grid = sheet_grid(open_calamine(out), layout.SHEET_SUMMARY)
    left = SUMMARY_BRANCH_COL
    headers = [r for r in range(grid.height) if grid.value(r, left) == "所属分公司"]
    assert len(headers) == 2
    branches = sorted({b for b in ledger["branch"] if isinstance(b, str) and b})
    for top, key, labels in (
        (headers[0], "status", list(DEFAULT_RULES.field("status").allowed)),
        (headers[1], "grade", summary.grade_labels(DEFAULT_RULES)),
    ):
        cells = ledger[key] if key in ledger else computed[key]
        expected = summary.branch_counts(ledger, cells, branches, labels)
        columns = [*labels, summary.UNKNOWN, summary.TOTAL]
        assert [grid.value(top, left + 1 + j) for j in range(len(columns))] == columns
        for i, branch in enumerate(branches):
            assert grid.value(top + 1 + i, left) == branch
            got = [grid.value(top + 1 + i, left + 1 + j) for j in range(len(columns))]
            assert got == expected.loc[branch].tolist(), (key, branch)
            assert sum(got[:-1]) == got[-1]
        blank = top + 1 + len(branches)
        assert grid.value(blank, left + 1) in ("", None)


def test_cached_values_are_what_the_engine_computes(recalculated):
    """Readers that do not recalculate see the same numbers LibreOffice computes."""
    _, _, built, _, out = recalculated
    cached = read_book(built).ledger.frame
    engine = read_book(out).ledger.frame
    for key in (
        "composite_score",
        "grade",
        "next_review",
        "days_to_due",
        "due_flag",
        "admission_check",
        "credit_cap",
        "limit_check",
        "required_level",
        "score_deviation",
    ):
        assert [_engine_value(v) for v in cached[key]] == [_engine_value(v) for v in engine[key]]


def test_engine_recalculates_rather_than_keeping_the_cache(recalculated, tmp_path):
    ledger, credentials, _, stale, _ = recalculated
    cached = read_book(stale).ledger.frame["days_to_due"].tolist()
    out = libreoffice.recalculate(stale, tmp_path / "lo")
    fresh = read_book(out)
    today = dt.date.today()
    expected = expected_formulas(ledger, credentials, day=today)["days_to_due"]
    assert _mismatches(expected, fresh.ledger.frame["days_to_due"], fresh.ledger.rows, "d") == []
    assert [_engine_value(v) for v in cached] != [
        _engine_value(v) for v in fresh.ledger.frame["days_to_due"]
    ]


def test_libreoffice_understands_lists_hints_ranges_and_colours(recalculated):
    """LibreOffice re-saves what it parsed: the validations and colour rules survive it."""
    import openpyxl

    _, _, _, _, out = recalculated
    ws = openpyxl.load_workbook(out)[layout.SHEET_LEDGER]
    validations = ws.data_validations.dataValidation
    lists = {dv.formula1 for dv in validations if dv.type == "list"}
    assert '"重要,一般"' in lists and '"高,中,低"' in lists
    prompts = {dv.prompt for dv in validations if dv.showInputMessage}
    assert DEFAULT_RULES.field("uscc").hint in prompts
    scores = [dv for dv in validations if dv.type == "decimal" and dv.formula2 == "100"]
    assert scores and all(dv.showErrorMessage for dv in scores)
    formulas = {r.formula[0] for cf in ws.conditional_formatting for r in cf.rules}
    assert any(layout.DUE_OVERDUE in f for f in formulas)
    assert any(layout.DUE_SOON in f for f in formulas)
    assert any("超限" in f for f in formulas) and any("待评级" in f for f in formulas)
    assert any(layout.NAME_APPROVAL_LEVELS in f for f in formulas)


def test_libreoffice_saved_ledger_keeps_the_template_formulas(recalculated):
    """A branch that saves in LibreOffice: its formulas still read as the template's."""
    from ledger_xl.core.validate import validate_book

    *_, out = recalculated
    codes = {f.code for f in validate_book(read_book(out), AS_OF).findings}
    assert not codes & {"formula-edited", "formula-overwritten", "formula-value-mismatch"}


# ---------------------------------------------------------------- rules edited


def edited_rules() -> Rules:
    """Every control rule changed from the defaults, and 审核未通过 left on the schedule."""
    r = DEFAULT_RULES
    admission = r.admission.model_copy(
        update={
            "min_score": 70.0,
            "documents": (
                DocumentRequirement(doc_type="营业执照", required_for=("高", "中", "低")),
                DocumentRequirement(doc_type="银行资信证明", required_for=("中", "重要")),
                DocumentRequirement(doc_type="信用报告", required_for=("一般",)),
            ),
            "excluded_industries": ("房地产业", "零售业"),
        }
    )
    approval = r.approval.model_copy(
        update={
            "levels": (
                ApprovalLevel(name="分公司经理", above=0),
                ApprovalLevel(name="总部风控", above=50, risks=("高", "中")),
                ApprovalLevel(name="总经理", above=200),
            )
        }
    )
    credit = CreditRules(
        caps=(
            CreditCap(grade="A", maximum=800),
            CreditCap(grade="B", maximum=300),
            CreditCap(grade="C", maximum=100),
            CreditCap(grade="D", maximum=10),
        ),
        revenue_share=0.5,
        assets_share=0.3,
    )
    financial, credit_record, history = r.rubrics.rubrics
    rubrics = r.rubrics.model_copy(
        update={
            "tolerance": 10.0,
            "rubrics": (
                financial.model_copy(
                    update={
                        "bands": (
                            RubricBand(bound=0.5, score=95),
                            RubricBand(bound=0.8, score=70),
                            RubricBand(bound=None, score=40),
                        )
                    }
                ),
                credit_record.model_copy(
                    update={"deductions": (Deduction(column="逾期次数", points=8),)}
                ),
                history,
            ),
        }
    )
    cycles = r.cycles.model_copy(update={"rejected_unscheduled": False, "early_review_months": 2})
    return r.model_copy(
        update={
            "admission": admission,
            "approval": approval,
            "credit": credit,
            "rubrics": rubrics,
            "cycles": cycles,
        }
    )


def _all_mismatches(engine, expected) -> list:
    bad = []
    for key in expected.columns:
        bad += _mismatches(expected[key], engine.ledger.frame[key], engine.ledger.rows, key)
    return bad


def test_edited_rules_are_followed_by_formulas_and_python(soffice, tmp_path):
    """A workbook built with edited control rules: the rule sheets read back as those rules,
    and LibreOffice's values equal the twins computed from what was read back."""
    ledger, credentials = parity_inputs(500, seed=3)
    rules = edited_rules()
    built = build_ledger_workbook(
        tmp_path / "edited.xlsx",
        LedgerContent(ledger=ledger, credentials=credentials),
        rules=rules,
        options=BuildOptions(fixed_as_of=AS_OF, spare_rows=5),
    )
    engine = read_book(libreoffice.recalculate(built, tmp_path / "lo"))
    assert engine.rules == rules and engine.findings == []
    expected = expected_formulas(ledger, credentials, engine.rules)
    assert set(expected["due_flag"]) >= {"已逾期"} and "未通过" not in set(expected["due_flag"])
    assert any(t.startswith("禁入行业") for t in expected["admission_check"])
    assert (
        expected["admission_check"] != expected_formulas(ledger, credentials)["admission_check"]
    ).any()
    bad = _all_mismatches(engine, expected)
    assert bad == [], f"{len(bad)} mismatches, first: {bad[:10]}"


# (sheet, cell, new value, how the read-back rules show it)
RULE_CELL_EDITS = (
    (layout.SHEET_CREDIT, "B5", 250, lambda r: r.credit.cap_for("A") == 250),
    (layout.SHEET_APPROVAL, "B6", 80, lambda r: r.approval.levels[1].above == 80),
    (layout.SHEET_RUBRICS, "B4", 5, lambda r: r.rubrics.tolerance == 5),
    (layout.SHEET_ADMISSION, "B5", 75, lambda r: r.admission.min_score == 75),
)


def test_a_rule_cell_edited_in_the_workbook_takes_effect_live(recalculated, tmp_path):
    """An admin types new values into rule cells: LibreOffice's formulas follow them at once,
    and Python, reading the rule sheets back, computes the same."""
    from tests.validation.helpers import replace_cell, rewrite_sheet_xml

    ledger, credentials, built, _, _ = recalculated
    path = built
    for sheet, cell, value, _ in RULE_CELL_EDITS:
        part = f"xl/worksheets/sheet{layout.SHEET_ORDER.index(sheet) + 1}.xml"
        path = rewrite_sheet_xml(
            path,
            part,
            lambda xml, c=cell, v=value: replace_cell(xml, c, f'<c r="{c}"><v>{v}</v></c>'),
        )
    engine = read_book(libreoffice.recalculate(path, tmp_path / "lo"))
    assert all(check(engine.rules) for *_, check in RULE_CELL_EDITS)
    expected = expected_formulas(ledger, credentials, engine.rules)
    before = expected_formulas(ledger, credentials)
    for key in ("credit_cap", "required_level", "score_deviation", "admission_check"):
        assert (expected[key].astype(str) != before[key].astype(str)).any(), key
    bad = _all_mismatches(engine, expected)
    assert bad == [], f"{len(bad)} mismatches, first: {bad[:10]}"
