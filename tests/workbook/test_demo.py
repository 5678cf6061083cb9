"""`ledger-xl demo`: the sample's workbooks hold every customer, the planted mistakes as
typed, and values LibreOffice agrees with."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from typer.testing import CliRunner

from ledger_xl.app.demo import MASTER_NAME, run_demo
from ledger_xl.app.demo_data import generate_demo
from ledger_xl.cli import app
from ledger_xl.core import due, summary, twins
from ledger_xl.core.a1 import column_letters
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


# ---------------------------------------------------------------- the credit controls

CONTROL_CODES = (
    "approved-not-admissible",
    "approval-missing",
    "approval-out-of-order",
    "approval-wrong-level",
    "reviewer-conflict",
    "credit-limit-exceeded",
    "licence-mismatch",
    "score-off-rubric",
    "limit-not-adjusted",
    "early-review",
)
SHEETS = {"ledger": "台账", "reviews": "审核记录", "credentials": "资信证明"}
SCORES = ("score_financial", "score_credit", "score_history", "score_reputation")


@pytest.fixture(scope="module")
def branch_findings(demo):
    from ledger_xl.app.validate import validate_workbook

    return {
        path: validate_workbook(path, as_of=AS_OF).findings for path in demo.branch_files.values()
    }


def _expected_cell(path, mistake) -> str:
    """Where the finding of a planted control mistake must point."""
    _, table_name, key = mistake.expect
    book = read_book(path)
    table = {"ledger": book.ledger, "reviews": book.reviews, "credentials": book.credentials}[
        table_name
    ]
    frame = table.frame
    mine = frame.index[frame["customer_id"] == mistake.customer_id].tolist()
    if table_name != "ledger":  # the row that holds the planted value
        values = frame.loc[mine, mistake.key].tolist()
        shown = [v.date() if isinstance(v, dt.datetime) else v for v in values]
        mine = [mine[shown.index(mistake.value)]]
    return f"{column_letters(table.columns[key])}{table.rows[mine[0]]}"


def test_every_planted_control_mistake_is_found_at_its_cell(demo, branch_findings):
    mistakes = [m for m in demo.planted if m.expect is not None]
    assert {m.expect[0] for m in mistakes} == set(CONTROL_CODES)
    for mistake in mistakes:
        path = next(
            p
            for p, f in branch_findings.items()
            if any(x.customer_id == mistake.customer_id for x in f)
        )
        code, table, _ = mistake.expect
        at = _expected_cell(path, mistake)
        found = [
            (f.sheet, f.cell)
            for f in branch_findings[path]
            if f.code == code and f.customer_id == mistake.customer_id
        ]
        assert (SHEETS[table], at) in found, (mistake.description, found)


def _independent_composite(row) -> float:
    from decimal import ROUND_HALF_UP, Decimal

    weights = (Decimal("0.3"), Decimal("0.3"), Decimal("0.2"), Decimal("0.2"))
    total = sum(Decimal(str(row[k])) * w for k, w in zip(SCORES, weights, strict=True))
    return float(total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_the_control_codes_appear_nowhere_else(demo, branch_findings):
    """Besides its planted mistake, a control code is found only where another planted
    mistake breaks that control too (a mistyped USCC no longer matches the licence, a grade-D
    customer still approved) or on the demo's declining customers (提前复审)."""
    data = generate_demo(as_of=AS_OF)
    ledger = data.ledger.set_index("customer_id", drop=False)
    found = {
        (f.code, f.customer_id)
        for findings in branch_findings.values()
        for f in findings
        if f.code in CONTROL_CODES
    }
    expected = {(m.expect[0], m.customer_id) for m in data.planted if m.expect is not None}
    planted_uscc = {m.customer_id for m in data.planted if m.key == "uscc"}
    expected |= {("licence-mismatch", cid) for cid in planted_uscc}
    scored = ledger.dropna(subset=list(SCORES))
    scored = scored[~scored.index.duplicated(keep=False)]
    for cid, row in scored.iterrows():
        composite = _independent_composite(row)
        if row["status"] == "审核通过" and composite < 60:
            expected.add(("approved-not-admissible", cid))
    reviews = data.reviews[data.reviews["approval_level"].isna()]
    for cid, rows in reviews.groupby("customer_id"):
        if cid not in scored.index or scored.loc[cid, "status"] != "审核通过" or len(rows) < 2:
            continue
        before = rows.sort_values("review_date")["composite_score"].iloc[-2]
        cycle = DEFAULT_RULES.cycles.cycle_for(
            scored.loc[cid, "risk_level"], scored.loc[cid, "category"]
        )
        if before - _independent_composite(scored.loc[cid]) >= 10 and cycle > 3:
            expected.add(("early-review", cid))
    # a score typed outside 0–100 is also far from any rubric suggestion
    for m in data.planted:
        if m.key in ("score_financial", "score_credit") and m.expect is None:
            expected.add(("score-off-rubric", m.customer_id))
    assert found == expected


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
    assert collected.archive.is_dir()
    # the merge report, read back: each change, addition and issue on its sheet
    book = openpyxl.load_workbook(collected.report, read_only=True)

    def rows(sheet: str) -> list[tuple]:
        return [r for r in book[sheet].iter_rows(min_row=2, values_only=True) if any(r)]

    changes = rows("变更")
    assert sorted((r[3], r[5]) for r in changes) == sorted(
        (c.customer_id, c.column) for c in collected.merge.changes
    )
    assert [r[3] for r in rows("新增")] == [a.customer_id for a in collected.merge.added]
    for sheet, issues in (
        ("冲突", collected.merge.conflicts()),
        ("待确认", collected.merge.notices()),
    ):
        assert sorted(r[9] for r in rows(sheet)) == sorted(i.code for i in issues), sheet
    refused = [*collected.file_refusals, *collected.merge.refusals()]
    assert sorted(r[9] for r in rows("拒收")) == sorted(i.code for i in refused)
    book.close()


# What each planted (non-control) mistake is found as, by the plant's own description.
PLANT_CODES = {
    "统一社会信用代码校验位错误": ["uscc-check"],
    "统一社会信用代码把数字 0/1 误录为字母 O/I": ["uscc-charset"],
    "联系电话（必填）为空": ["required-missing"],
    "法定代表人（必填）为空": ["required-missing"],
    "财务状况评分 105，超出 0–100": ["out-of-range"],
    "信用记录评分为负数（-5）": ["out-of-range"],
    "最近审核日期以文本录入，且月份 13 不存在": ["date-impossible"],
    "联系电话位数不对": ["phone-invalid"],
    "电子邮箱格式错误": ["email-invalid"],
    "营业收入是文本（带千分位逗号），不是数值": ["number-as-text"],
    "注册资本用了全角数字，是文本": ["number-as-text"],
    "资产总额填了 N/A": ["not-a-number"],
    "备注以“=”开头，Excel 会当作公式执行": ["formula-text"],
    "成立日期以文本录入，不是日期": ["date-as-text"],
    # both rows sharing the ID; and the approved one now owns the other's expired bank letter
    # (a (客户编号, 证明类型) group's latest document counts, whoever it belonged to)
    "客户编号重复，两个客户共用一个编号": [
        "duplicate-customer-id",
        "duplicate-customer-id",
        "approved-expired-document",
    ],
    # a USCC shared with another branch's customer is no per-file finding (its licence no
    # longer matching is a control code, asserted above)
    "统一社会信用代码与其他分公司的客户重复": [],
    "评级为 D 却审核通过": [],  # approved-grade-d: from the independent composite below
    "审核未通过但未填写审核意见": ["conditional-missing"],
    # the demo dates the approval after the review, so 审批日期 is after 基准日 too
    "最近审核日期晚于基准日": ["date-after-as-of", "date-after-as-of"],
    "身份证号被存成数字（科学计数法），第 15 位之后的数字丢失": ["id-stored-as-number"],
    "身份证号校验位错误": ["resident-id-invalid"],
    "审核通过的客户，银行资信证明已过期": ["approved-expired-document"],
}


def test_every_other_finding_is_a_plant_or_its_consequence(demo, branch_findings):
    """The non-control codes, counted per (code, customer): each planted mistake's own
    findings, approved customers whose composite (computed here) is below 60 (grade D), and
    credit reports dated more than a year before 基准日 (computed here) — nothing else."""
    from collections import Counter

    data = generate_demo(as_of=AS_OF)
    found = Counter(
        (f.code, f.customer_id)
        for findings in branch_findings.values()
        for f in findings
        if f.code not in CONTROL_CODES
    )
    expected: Counter = Counter()
    for m in data.planted:
        if m.expect is None:
            for code in PLANT_CODES[m.description]:
                expected[(code, m.customer_id)] += 1
    ledger = data.ledger
    for _, row in ledger.dropna(subset=list(SCORES)).iterrows():
        if row["status"] == "审核通过" and _independent_composite(row) < 60:
            expected[("approved-grade-d", row["customer_id"])] += 1
    year_ago = AS_OF.replace(year=AS_OF.year - 1)  # 23 November: no month-end question
    for _, row in ledger.iterrows():
        report = row["credit_report_date"]
        if isinstance(report, dt.date) and report < year_ago:
            expected[("credit-report-stale", row["customer_id"])] += 1
    assert expected[("credit-report-stale", None)] == 0
    assert sum(v for (c, _), v in expected.items() if c == "credit-report-stale") > 10
    assert found == expected


def test_demo_outputs_read_back_equal_the_slow_oracle(demo):
    """The demo's 汇总 figures, its summary workbook and its due-list workbook, read back,
    against the row-by-row oracle of tests/unit/test_summary_oracle.py over the same data."""
    from tests.unit.test_summary_oracle import slow_key_figures
    from tests.workbook.test_summary_book import list_rows
    from tests.workbook.test_written_figures import _overview_sections

    data = generate_demo(as_of=AS_OF)
    slow = slow_key_figures(data.ledger, data.credentials, AS_OF)
    months, _ = slow.pop("months"), slow.pop("due")
    template = {name: {i.label: i.count for i in items} for name, items in demo.figures}
    assert template.pop(summary.MONTHS_SECTION) == months
    written = _overview_sections(demo.summary_file)
    for section, want in slow.items():
        assert written[section] == want, section
        if section == "总体":
            want = {"客户总数": want["客户总数"]}
        assert template[section] == want, section
    header, rows = list_rows(demo.due_file, "待审核客户")
    flags = [r[header.index(due.LABELS["flag"])] for r in rows]
    for flag in ("已逾期", "未审核", "无法判断"):
        assert flags.count(flag) == demo.due_counts[flag] == slow["按到期提示"][flag], flag
    assert len(rows) == sum(
        demo.due_counts[k] for k in ("已逾期", "提前复审", "未审核", "无法判断", "即将到期")
    )
    book = openpyxl.load_workbook(demo.report_file, read_only=True)
    cells = [v for row in book.active.iter_rows(values_only=True) for v in row if v is not None]
    book.close()
    assert demo.report_customer in cells
