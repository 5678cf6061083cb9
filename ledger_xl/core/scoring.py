"""Weighted composite score and grade: the Python twins of 综合评分 and 评级."""

from __future__ import annotations

import decimal
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ledger_xl.core import values
from ledger_xl.core.rules import Rules, ScoringRules


def excel_round(number: float, digits: int = 0) -> float:
    """ROUND as Excel and LibreOffice compute it: half away from zero, on the 15-digit value.

    Both engines round the binary value as displayed to 15 significant digits first, so that
    ROUND(0.3*84.95+..., 1) does not fall to the wrong side of a .x5 boundary.
    """
    if not math.isfinite(number):
        return number
    shown = decimal.Decimal(f"{number:.15g}")
    quantum = decimal.Decimal(1).scaleb(-digits)
    return float(shown.quantize(quantum, rounding=decimal.ROUND_HALF_UP))


def composite_scores(dimension_scores: pd.DataFrame, scoring: ScoringRules) -> np.ndarray:
    """Composite score per row, NaN where any dimension score is not a number.

    `dimension_scores` has one column per dimension, named by the dimension's ledger column
    header. The sum runs left to right in dimension order, as the template formula does.
    """
    total = np.zeros(len(dimension_scores))
    complete = np.ones(len(dimension_scores), dtype=bool)
    for dim in scoring.dimensions:
        column = values.numbers(dimension_scores[dim.column])
        complete &= ~np.isnan(column)
        total = total + column * dim.weight
    return np.where(complete, excel_round_array(total, 1), np.nan)


def excel_round_array(numbers: np.ndarray, digits: int = 0) -> np.ndarray:
    """`excel_round` over an array: vectorised, with the exact path only for the values
    that sit within a hair of a .5 boundary (where the 15-digit rule can decide the side)."""
    numbers = np.asarray(numbers, dtype=float)
    scale = 10.0**digits
    with np.errstate(invalid="ignore", over="ignore"):  # 1e308 in a file: inf, not a warning
        scaled = np.abs(numbers) * scale
        result = np.sign(numbers) * np.floor(scaled + 0.5) / scale
        near = np.isfinite(numbers) & (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    for i in np.flatnonzero(near):
        result[i] = excel_round(float(numbers[i]), digits)
    return result


def grades(scores: np.ndarray, scoring: ScoringRules) -> np.ndarray:
    """Grade per composite score; the incomplete label where the score is NaN."""
    result = np.full(len(scores), scoring.fallback_grade, dtype=object)
    assigned = np.zeros(len(scores), dtype=bool)
    for band in scoring.bands:
        hit = ~assigned & (scores >= band.lower)
        result[hit] = band.grade
        assigned |= hit
    result[np.isnan(scores)] = scoring.incomplete_grade
    return result


def score_ledger(ledger: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """综合评分 and 评级 for a ledger frame keyed by field key."""
    by_header = {f.header: f.key for f in rules.fields}
    dims = pd.DataFrame(
        {d.column: ledger[by_header[d.column]].to_numpy() for d in rules.scoring.dimensions}
    )
    scores = composite_scores(dims, rules.scoring)
    return pd.DataFrame(
        {"composite_score": scores, "grade": grades(scores, rules.scoring)}, index=ledger.index
    )


def composite_score(scores: Sequence[float], scoring: ScoringRules) -> float:
    """One row's 综合评分 from its dimension scores (in dimension order): the same left-to-right
    weighted sum and Excel ROUND as `composite_scores`, for a single value."""
    total = 0.0
    for score, dim in zip(scores, scoring.dimensions, strict=True):
        total = total + float(score) * dim.weight
    return excel_round(total, 1)


def grade_for(score: float, scoring: ScoringRules) -> str:
    """One 综合评分's grade (the incomplete label for NaN), as `grades` gives it."""
    return str(grades(np.array([score], dtype=float), scoring)[0])
