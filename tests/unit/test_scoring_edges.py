"""Scoring edges found by mutation testing: ROUND's default of no decimals, and a composite
score refused when the scores do not match the dimensions one for one."""

from __future__ import annotations

import pytest

from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.scoring import composite_score, excel_round


@pytest.mark.parametrize(
    ("number", "expected"), [(2.5, 3.0), (-2.5, -3.0), (84.45, 84.0), (0.49999, 0.0)]
)
def test_excel_round_without_digits_rounds_to_a_whole_number(number, expected):
    assert excel_round(number) == expected


@pytest.mark.parametrize("scores", [(80.0, 85.0, 75.0), (80.0, 85.0, 75.0, 90.0, 60.0)])
def test_composite_score_needs_one_score_per_dimension(scores):
    assert len(DEFAULT_RULES.scoring.dimensions) == 4
    with pytest.raises(ValueError):
        composite_score(scores, DEFAULT_RULES.scoring)


def test_composite_score_of_the_four_dimensions():
    # 0.3*80 + 0.3*85 + 0.2*75 + 0.2*90 = 82.5
    assert composite_score((80.0, 85.0, 75.0, 90.0), DEFAULT_RULES.scoring) == 82.5


def test_score_ledger_keeps_the_rows_index():
    import pandas as pd

    from ledger_xl.core.scoring import score_ledger

    ledger = pd.DataFrame(
        {
            "score_financial": [80.0, None],
            "score_credit": [85.0, 85.0],
            "score_history": [75.0, 75.0],
            "score_reputation": [90.0, 90.0],
        },
        index=[3, 6],
    )
    out = score_ledger(ledger, DEFAULT_RULES)
    assert out.index.tolist() == [3, 6]
    assert out["composite_score"].iloc[0] == 82.5
    assert out["grade"].tolist() == ["B", "待补充"]


def test_excel_round_array_without_digits_rounds_to_whole_numbers():
    import numpy as np

    from ledger_xl.core.scoring import excel_round_array

    out = excel_round_array(np.array([2.5, -2.5, 84.45, 0.49999, np.nan]))
    assert out[:4].tolist() == [3.0, -3.0, 84.0, 0.0]
    assert np.isnan(out[4])


def test_excel_round_array_to_two_digits():
    import numpy as np

    from ledger_xl.core.scoring import excel_round_array

    out = excel_round_array(np.array([2.675, 1.005, -0.125, 84.954]), 2)
    assert out.tolist() == [2.68, 1.01, -0.13, 84.95]


def test_excel_round_array_passes_huge_and_missing_values_without_a_warning():
    import warnings

    import numpy as np

    from ledger_xl.core.scoring import excel_round_array

    numbers = np.array([np.inf, -np.inf, np.nan, 1e308, -1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from numpy would fail here
        out = excel_round_array(numbers, 1)
    assert out[:2].tolist() == [np.inf, -np.inf]
    assert np.isnan(out[2])
    assert out[3:].tolist() == [np.inf, -np.inf]  # 1e308 * 10 overflows: inf, as documented


@pytest.mark.parametrize("number", [float("inf"), float("-inf")])
def test_excel_round_passes_an_infinite_number_through(number):
    """ROUND has no 15-digit value of ±inf to round (Decimal would refuse it): the number
    comes back as it went in, whatever the digits."""
    assert excel_round(number) == number and excel_round(number, 2) == number


def test_excel_round_passes_nan_through():
    import math

    assert math.isnan(excel_round(float("nan"))) and math.isnan(excel_round(float("nan"), 1))
