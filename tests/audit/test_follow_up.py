"""Follow-up across recorded runs (core.audit): statuses, days open, deadlines, coverage, periods."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from ledger_xl.core import audit
from ledger_xl.core.audit import (
    STATUS_FIXED,
    STATUS_NEW,
    STATUS_OPEN,
    STATUS_OVERDUE,
    Period,
    follow_up,
    parse_period,
    period_figures,
)
from ledger_xl.core.findings import CATALOGUE
from tests.audit.helpers import D, ident, make_history, statuses

BJ, SH = "北京分公司", "上海分公司"
A, B, C = ident(BJ, "BJ1"), ident(BJ, "BJ2"), ident(BJ, "BJ3", "phone-invalid", "联系电话")
S = ident(SH, "SH1")


def _two_runs(**extra):
    return make_history(
        [
            {"run_id": 1, "as_of": D(2026, 10, 1), "files": {BJ: True}, "shown": [A, B]},
            {"run_id": 2, "as_of": D(2026, 11, 1), "files": {BJ: True}, "shown": [B, C]},
        ],
        **extra,
    )


def test_latest_run_classes_each_finding():
    table = follow_up(_two_runs(), D(2026, 11, 1))
    assert statuses(table) == {
        A.finding_id: STATUS_FIXED,
        B.finding_id: STATUS_OPEN,
        C.finding_id: STATUS_NEW,
    }
    days = dict(zip(table["finding_id"], table["days_open"], strict=True))
    assert days == {A.finding_id: 31, B.finding_id: 31, C.finding_id: 0}
    fixed = table[table["status"] == STATUS_FIXED].iloc[0]
    assert fixed["fixed_on"] == D(2026, 11, 1)


def test_days_open_run_to_the_day_asked():
    table = follow_up(_two_runs(), D(2026, 11, 11))
    days = dict(zip(table["finding_id"], table["days_open"], strict=True))
    assert days[B.finding_id] == 41 and days[C.finding_id] == 10
    assert days[A.finding_id] == 31  # fixed: first seen to the day fixed


def test_a_passed_deadline_makes_an_open_finding_overdue():
    history = _two_runs(assignments=[(B, D(2026, 10, 20), "张三"), (C, D(2026, 10, 20), "李四")])
    table = follow_up(history, D(2026, 11, 1)).set_index("finding_id")
    assert table.at[B.finding_id, "status"] == STATUS_OVERDUE
    assert table.at[B.finding_id, "overdue_days"] == 12
    assert table.at[B.finding_id, "owner"] == "张三"
    assert table.at[C.finding_id, "status"] == STATUS_NEW  # first seen now: new, not overdue


def test_a_deadline_still_ahead_is_not_overdue():
    history = _two_runs(assignments=[(B, D(2026, 11, 30), "张三")])
    assert statuses(follow_up(history, D(2026, 11, 1)))[B.finding_id] == STATUS_OPEN


def test_default_days_give_unassigned_findings_a_deadline():
    table = follow_up(_two_runs(), D(2026, 11, 1), default_days=30)
    assert statuses(table)[B.finding_id] == STATUS_OVERDUE
    assert statuses(follow_up(_two_runs(), D(2026, 11, 1), default_days=31))[B.finding_id] == (
        STATUS_OPEN
    )


def test_the_state_as_of_an_earlier_day_ignores_later_runs():
    table = follow_up(_two_runs(), D(2026, 10, 15))
    assert statuses(table) == {A.finding_id: STATUS_NEW, B.finding_id: STATUS_NEW}


def test_a_run_without_the_branch_closes_none_of_its_findings():
    history = make_history(
        [
            {"run_id": 1, "as_of": D(2026, 10, 1), "files": {BJ: True, SH: True}, "shown": [A, S]},
            {"run_id": 2, "as_of": D(2026, 11, 1), "files": {SH: True}, "shown": []},
        ]
    )
    table = follow_up(history, D(2026, 11, 1))
    assert statuses(table) == {A.finding_id: STATUS_NEW, S.finding_id: STATUS_FIXED}
    assert history.latest_runs()[BJ] == (1, D(2026, 10, 1))


def test_an_unreadable_file_closes_only_the_file_problem():
    broken = ident(BJ, "", "file-truncated")
    history = make_history(
        [
            {"run_id": 1, "as_of": D(2026, 9, 1), "files": {BJ: True}, "shown": [A]},
            {"run_id": 2, "as_of": D(2026, 10, 1), "files": {BJ: False}, "shown": [broken]},
            {"run_id": 3, "as_of": D(2026, 11, 1), "files": {BJ: True}, "shown": [A]},
        ]
    )
    assert statuses(follow_up(history, D(2026, 10, 1))) == {
        A.finding_id: STATUS_OPEN,  # the file could not be read: A is not known to be fixed
        broken.finding_id: STATUS_NEW,
    }
    assert statuses(follow_up(history, D(2026, 11, 1))) == {
        A.finding_id: STATUS_OPEN,
        broken.finding_id: STATUS_FIXED,
    }


def test_a_run_with_only_some_codes_closes_only_those():
    history = make_history(
        [
            {"run_id": 1, "as_of": D(2026, 10, 1), "files": {BJ: True}, "shown": [A, C]},
            {
                "run_id": 2,
                "as_of": D(2026, 11, 1),
                "files": {BJ: True},
                "shown": [],
                "only": ("phone-invalid",),
            },
        ]
    )
    assert statuses(follow_up(history, D(2026, 11, 1))) == {
        A.finding_id: STATUS_OPEN,
        C.finding_id: STATUS_FIXED,
    }
    skipped = make_history(
        [
            {"run_id": 1, "as_of": D(2026, 10, 1), "files": {BJ: True}, "shown": [A]},
            {
                "run_id": 2,
                "as_of": D(2026, 11, 1),
                "files": {BJ: True},
                "shown": [],
                "skip": ("email-invalid",),
            },
        ]
    )
    assert statuses(follow_up(skipped, D(2026, 11, 1))) == {A.finding_id: STATUS_OPEN}


def test_a_problem_that_comes_back_is_new_again():
    history = make_history(
        [
            {"run_id": r, "as_of": D(2026, m, 1), "files": {BJ: True}, "shown": shown}
            for r, m, shown in ((1, 8, [A]), (2, 9, []), (3, 10, [A]))
        ]
    )
    row = follow_up(history, D(2026, 10, 1)).iloc[0]
    assert (row["status"], row["reopened"], row["first_seen"]) == (STATUS_NEW, 1, D(2026, 10, 1))
    eps = audit.episodes(history)
    assert len(eps) == 2


def test_fixed_long_ago_is_listed_only_with_all():
    history = make_history(
        [
            {"run_id": r, "as_of": D(2026, m, 1), "files": {BJ: True}, "shown": shown}
            for r, m, shown in ((1, 8, [A, B]), (2, 9, [B]), (3, 10, [B]))
        ]
    )
    assert A.finding_id not in statuses(follow_up(history, D(2026, 10, 1)))
    assert statuses(follow_up(history, D(2026, 10, 1), include_fixed="all"))[A.finding_id] == (
        STATUS_FIXED
    )
    assert set(follow_up(history, D(2026, 10, 1), include_fixed="none")["status"]) == {STATUS_OPEN}


def test_open_findings_come_first_most_overdue_first():
    history = _two_runs(assignments=[(B, D(2026, 10, 20), "张三")])
    table = follow_up(history, D(2026, 11, 1))
    assert list(table["status"]) == [STATUS_OVERDUE, STATUS_NEW, STATUS_FIXED]


def test_status_counts_sum_by_branch():
    history = make_history(
        [
            {"run_id": 1, "as_of": D(2026, 10, 1), "files": {BJ: True, SH: True}, "shown": [A, S]},
            {"run_id": 2, "as_of": D(2026, 11, 1), "files": {BJ: True, SH: True}, "shown": [A, B]},
        ]
    )
    counts = audit.status_counts(follow_up(history, D(2026, 11, 1))).set_index("scope")
    assert counts.loc[BJ, [STATUS_NEW, STATUS_OPEN, STATUS_FIXED]].tolist() == [1, 1, 0]
    assert counts.loc[SH, STATUS_FIXED] == 1
    assert counts.loc[audit.TOTAL, audit.OPEN_TOTAL] == 2
    assert counts.loc[audit.TOTAL, STATUSES_ALL].sum() == 3


STATUSES_ALL = list(audit.STATUSES)


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026Q4", "2026Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026-q1", "2026Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026年第三季度", "2026Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-11", "2026-11", D(2026, 11, 1), D(2026, 11, 30)),
        ("2024年2月", "2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("202612", "2026-12", D(2026, 12, 1), D(2026, 12, 31)),
        ("2026H2", "2026H2", D(2026, 7, 1), D(2026, 12, 31)),
        ("2026年上半年", "2026H1", D(2026, 1, 1), D(2026, 6, 30)),
        ("2026", "2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("２０２６Ｑ４", "2026Q4", D(2026, 10, 1), D(2026, 12, 31)),
    ],
)
def test_periods_parse(text, label, start, end):
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, start, end)
    assert parse_period(period.label) == period


@pytest.mark.parametrize("text", ["2026Q5", "2026-13", "Q4", "上季度", "2026H3", ""])
def test_bad_periods_are_refused_in_chinese(text):
    with pytest.raises(ValueError, match="不是稽核期间"):
        parse_period(text)


def test_periods_shift_across_years():
    assert Period("quarter", 2026, 1).shifted(-1) == Period("quarter", 2025, 4)
    assert Period("month", 2026, 12).shifted(1) == Period("month", 2027, 1)
    assert [p.label for p in audit.trend_periods(Period("quarter", 2026, 2), 4)] == [
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
    assert audit.period_of(D(2026, 11, 23), "half").title == "2026年下半年"


def test_period_figures_count_what_was_open_found_and_fixed():
    history = make_history(
        [
            {"run_id": 1, "as_of": D(2026, 9, 15), "files": {BJ: True}, "shown": [A, B]},
            {"run_id": 2, "as_of": D(2026, 10, 15), "files": {BJ: True}, "shown": [B, C]},
            {"run_id": 3, "as_of": D(2026, 11, 15), "files": {BJ: True}, "shown": [C]},
            {"run_id": 4, "as_of": D(2027, 1, 15), "files": {BJ: True}, "shown": []},
        ],
        assignments=[(C, D(2026, 11, 1), "王五")],
    )
    figures = period_figures(history, parse_period("2026Q4"), D(2027, 3, 1))
    row = figures.by_scope.set_index("scope").loc[BJ]
    assert row[["opening", "new", "fixed", "closing", "overdue", "due"]].tolist() == [
        2,
        1,
        2,
        1,
        1,
        3,
    ]
    assert row["rate"] == pytest.approx(2 / 3)
    assert figures.runs == 2
    # as of a day inside the period, the figures stop there
    early = period_figures(history, parse_period("2026Q4"), D(2026, 10, 20))
    assert early.end == D(2026, 10, 20)
    assert early.by_scope.set_index("scope").loc[BJ, "fixed"] == 1


def test_opening_plus_new_minus_fixed_is_closing_for_any_history():
    rng = np.random.default_rng(7)
    scopes = [BJ, SH, "广州分公司"]
    pool = [
        ident(s, f"C{i}", code)
        for s in scopes
        for i in range(6)
        for code in ("email-invalid", "phone-invalid")
    ]
    for _ in range(30):
        runs = []
        day = D(2026, 1, 1)
        for run_id in range(1, int(rng.integers(2, 9))):
            day += dt.timedelta(days=int(rng.integers(0, 60)))
            files = {s: bool(rng.random() < 0.85) for s in scopes if rng.random() < 0.8}
            shown = [i for i in pool if i.scope in files and files[i.scope] and rng.random() < 0.4]
            runs.append({"run_id": run_id, "as_of": day, "files": files, "shown": shown})
        history = make_history(runs)
        for label in ("2026Q1", "2026Q2", "2026Q3", "2026-04", "2026"):
            table = period_figures(history, parse_period(label), D(2027, 1, 1)).by_scope
            assert (table["opening"] + table["new"] - table["fixed"] == table["closing"]).all()
            assert (table["due"] == table["opening"] + table["new"]).all()
            total = table.iloc[-1]
            assert total["scope"] == audit.TOTAL
            assert total["closing"] == table.iloc[:-1]["closing"].sum()
            assert math.isnan(total["rate"]) == (total["due"] == 0)


def test_trend_leaves_out_periods_before_the_first_run():
    trend = audit.trend(_two_runs(), parse_period("2026-11"), D(2026, 11, 30), 6)
    assert list(dict.fromkeys(trend["period"])) == ["2026-10", "2026-11"]


def test_kind_table_by_branch():
    figures = period_figures(_two_runs(), parse_period("2026Q4"), D(2026, 12, 31))
    table = audit.kind_table(figures.due).set_index("scope")
    assert table.at[BJ, "类型与格式"] == 3
    assert table.at[audit.TOTAL, audit.TOTAL] == 3


def test_every_catalogue_code_has_a_kind():
    assert [c for c in CATALOGUE if audit.kind_of(c) == audit.KIND_OTHER] == []
    assert audit.kind_of("file-something-new") == audit.KIND_FILE
    assert audit.kind_of("merge-something") == audit.KIND_MERGE
