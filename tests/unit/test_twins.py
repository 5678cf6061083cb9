"""The Python twins of the formula columns, on the cases the formulas must get right."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ledger_xl.core import layout, schedule, scoring, twins
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.scoring import composite_scores, excel_round, grades

D = dt.date


def _edate(start: dt.date, months: float) -> dt.date:
    result = schedule.edate(np.array([start], dtype="datetime64[D]"), np.array([months]))
    return result[0].astype(dt.date)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 8, 31), 3, D(2025, 11, 30)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 12, 31), 6, D(2026, 6, 30)),
        (D(2025, 3, 15), 12, D(2026, 3, 15)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 3, 15), 2.9, D(2025, 5, 15)),  # EDATE truncates fractional months
    ],
)
def test_edate_follows_excel_month_end_rule(start, months, expected):
    assert _edate(start, months) == expected


def test_edate_missing_inputs_give_nat():
    out = schedule.edate(
        np.array(["NaT", "2025-01-31"], dtype="datetime64[D]"), np.array([3.0, np.nan])
    )
    assert np.isnat(out).all()


@pytest.mark.parametrize(
    ("number", "digits", "expected"),
    [
        (84.95, 1, 85.0),
        (25.485, 1, 25.5),
        (2.675, 2, 2.68),
        (-2.5, 0, -3.0),
        (84.94999, 1, 84.9),
        (0.3 * 84.95 + 0.3 * 84.95 + 0.2 * 84.95 + 0.2 * 84.95, 1, 85.0),
    ],
)
def test_excel_round_is_half_away_from_zero_on_15_digits(number, digits, expected):
    assert excel_round(number, digits) == expected


def test_composite_blank_when_any_score_missing_or_text():
    frame = pd.DataFrame(
        {
            "财务状况": [90, 90, "85", None],
            "信用记录": [80, 80, 80, 80],
            "合作历史": [70, None, 70, 70],
            "市场声誉": [60, 60, 60, 60],
        },
        dtype=object,
    )
    scores = composite_scores(frame, DEFAULT_RULES.scoring)
    assert scores[0] == 77.0
    assert np.isnan(scores[1:]).all()


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (85.0, "A"),
        (84.9, "B"),
        (70.0, "B"),
        (69.9, "C"),
        (60.0, "C"),
        (59.9, "D"),
        (0.0, "D"),
        (np.nan, "待补充"),
    ],
)
def test_grade_bands(score, grade):
    assert grades(np.array([score]), DEFAULT_RULES.scoring).tolist() == [grade]


@pytest.mark.parametrize(
    ("risk", "category", "months"),
    [
        ("高", "重要", 3),
        ("高", "一般", 3),
        ("中", "重要", 3),
        ("中", "一般", 6),
        ("低", "重要", 6),
        ("低", "一般", 12),
    ],
)
def test_review_cycle_by_risk_and_category(risk, category, months):
    assert DEFAULT_RULES.cycles.cycle_for(risk, category) == months


def _row(**kw) -> dict:
    base = {f.key: None for f in DEFAULT_RULES.fields if f.is_input}
    base.update(
        customer_id="SH000001", name="某公司", risk_level="低", category="一般", status="审核通过"
    )
    base.update(kw)
    return base


AS_OF = D(2026, 3, 31)


@pytest.mark.parametrize(
    ("row", "flag"),
    [
        (_row(last_review=D(2025, 3, 31)), layout.DUE_SOON),  # due today: 0 days
        (_row(last_review=D(2025, 3, 30)), layout.DUE_OVERDUE),  # due yesterday
        (_row(last_review=D(2025, 4, 30)), layout.DUE_SOON),  # 30 days
        (_row(last_review=D(2025, 5, 1)), layout.DUE_OK),  # 31 days
        (_row(last_review=None), layout.DUE_NEVER),
        (_row(last_review=D(2020, 1, 1), status="已停用"), ""),
        (_row(last_review="2025年3月5日"), ""),  # text date: cannot compute
        (_row(customer_id=None, name=None), ""),  # an unused table row
    ],
)
def test_due_flags(row, flag):
    out = twins.ledger_formulas(pd.DataFrame([row], dtype=object), DEFAULT_RULES, AS_OF)
    assert out["due_flag"].tolist() == [flag]


def test_days_to_due_and_next_review():
    out = twins.ledger_formulas(
        pd.DataFrame([_row(last_review=D(2025, 8, 31), risk_level="高")], dtype=object),
        DEFAULT_RULES,
        AS_OF,
    )
    assert out["cycle_months"].tolist() == [3.0]
    assert pd.Timestamp(out["next_review"][0]).date() == D(2025, 11, 30)
    assert out["days_to_due"].tolist() == [(D(2025, 11, 30) - AS_OF).days]


@pytest.mark.parametrize(
    ("assets", "liabilities", "ratio"),
    [
        (100.0, 45.0, 0.45),
        (0.0, 10.0, None),
        (None, 10.0, None),
        ("N/A", 10.0, None),
        (100.0, None, None),
    ],
)
def test_debt_ratio(assets, liabilities, ratio):
    out = twins.debt_ratio(
        pd.Series([assets], dtype=object), pd.Series([liabilities], dtype=object)
    )
    assert np.isnan(out[0]) if ratio is None else out[0] == ratio


def test_document_status_windows():
    expires = pd.Series(
        [
            AS_OF - dt.timedelta(days=1),
            AS_OF,
            AS_OF + dt.timedelta(days=60),
            AS_OF + dt.timedelta(days=61),
            None,
        ],
        dtype=object,
    )
    out = schedule.document_status(expires, AS_OF, DEFAULT_RULES.cycles)
    assert out["doc_status"].tolist() == ["已过期", "即将到期", "即将到期", "有效", ""]


# ---------------------------------------------------------------- scalar twins vs an oracle


def _edate_oracle(day: dt.date, months: int) -> dt.date:
    """EDATE by the calendar, independently of numpy's month arithmetic."""
    import calendar

    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def test_add_months_is_edate_for_every_day_of_four_years():
    day = dt.date(2023, 1, 1)
    while day < dt.date(2027, 1, 1):
        for months in (-13, -12, -3, -1, 0, 1, 3, 6, 12, 25):
            assert schedule.add_months(day, months) == _edate_oracle(day, months), (day, months)
        day += dt.timedelta(days=1)


def test_scalar_composite_score_matches_the_column_twin_and_decimal_arithmetic():
    from decimal import ROUND_HALF_UP, Decimal

    rng = np.random.default_rng(7)
    scoring_rules = DEFAULT_RULES.scoring
    rows = np.round(rng.uniform(0, 100, size=(2000, 4)), 1)
    rows[:5] = [
        [84.9, 85.0, 85.0, 85.0],
        [79.5, 92.5, 76.5, 93.5],
        [0, 0, 0, 0],
        [100] * 4,
        [84.95] * 4,
    ]
    frame = pd.DataFrame(rows, columns=[d.column for d in scoring_rules.dimensions])
    column = scoring.composite_scores(frame, scoring_rules)
    weights = [Decimal(str(d.weight)) for d in scoring_rules.dimensions]
    for i, row in enumerate(rows):
        exact = sum(Decimal(str(s)) * w for s, w in zip(row, weights, strict=True))
        oracle = float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        assert scoring.composite_score(row, scoring_rules) == column[i] == oracle, row
        assert (
            scoring.grade_for(oracle, scoring_rules)
            == scoring.grades(column[i : i + 1], scoring_rules)[0]
        )
