"""Month arithmetic at month ends, against a plain-Python EDATE written here.

`schedule.edate` / `add_months` (下次审核日期 = EDATE(最近审核日期, 周期)) and
`schedule.one_year_before` (the 信用报告 staleness line, EDATE(基准日, -12)) are checked over
every day of 1999–2005 and 2023–2029 (leap years 2000, 2004, 2024, 2028 included) and every
shift of −25…+25 months: a day past the end of the target month falls back to that month's
last day — 29 February a year earlier is 28 February, never 1 March.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest

from ledger_xl.core import schedule

from ..validation.helpers import build, codes, good_row


def oracle_edate(day: dt.date, months: int) -> dt.date:
    """EDATE by hand: move the month, keep the day unless the month is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def days_of(*years: int) -> list[dt.date]:
    out = []
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            out.append(day)
            day += dt.timedelta(days=1)
    return out


DAYS = days_of(1999, 2000, 2001, 2003, 2004, 2005, 2023, 2024, 2025, 2027, 2028, 2029)
SHIFTS = list(range(-25, 26))


@pytest.mark.parametrize("months", SHIFTS)
def test_edate_over_arrays_matches_the_oracle(months):
    start = np.array(DAYS, dtype="datetime64[D]")
    got = schedule.edate(start, np.full(len(DAYS), float(months)))
    want = np.array([oracle_edate(d, months) for d in DAYS], dtype="datetime64[D]")
    mismatched = [(DAYS[i], got[i]) for i in np.flatnonzero(got != want)[:5]]
    assert not mismatched, mismatched


def test_month_ends_by_hand():
    cases = {
        (dt.date(2024, 2, 29), -12): dt.date(2023, 2, 28),
        (dt.date(2024, 2, 29), 12): dt.date(2025, 2, 28),
        (dt.date(2024, 2, 29), 48): dt.date(2028, 2, 29),
        (dt.date(2025, 1, 31), 1): dt.date(2025, 2, 28),
        (dt.date(2024, 1, 31), 1): dt.date(2024, 2, 29),
        (dt.date(2025, 3, 31), -1): dt.date(2025, 2, 28),
        (dt.date(2025, 8, 31), 3): dt.date(2025, 11, 30),
        (dt.date(2025, 10, 31), 6): dt.date(2026, 4, 30),
        (dt.date(2025, 12, 31), 2): dt.date(2026, 2, 28),
        (dt.date(2025, 11, 30), 3): dt.date(2026, 2, 28),
        (dt.date(2000, 2, 29), -12): dt.date(1999, 2, 28),
        (dt.date(2025, 2, 28), 12): dt.date(2026, 2, 28),
        (dt.date(2025, 5, 15), -5): dt.date(2024, 12, 15),
    }
    for (day, months), want in cases.items():
        assert schedule.add_months(day, months) == want, (day, months)
        assert oracle_edate(day, months) == want, (day, months)


def test_fractions_of_a_month_are_truncated_and_missing_inputs_give_nat():
    start = np.array(["2025-01-31", "2025-01-31", "NaT", "2025-01-31"], dtype="datetime64[D]")
    got = schedule.edate(start, np.array([1.9, -1.5, 3.0, np.nan]))
    assert got[0] == np.datetime64("2025-02-28") and got[1] == np.datetime64("2024-12-31")
    assert np.isnat(got[2]) and np.isnat(got[3])


def test_one_year_before_every_day():
    for day in DAYS:
        assert schedule.one_year_before(day) == oracle_edate(day, -12), day


def test_one_year_before_29_february():
    assert schedule.one_year_before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert schedule.one_year_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert schedule.one_year_before(dt.date(2024, 3, 1)) == dt.date(2023, 3, 1)


@pytest.mark.parametrize(
    ("report", "stale"),
    [
        (dt.date(2023, 2, 27), True),
        (dt.date(2023, 2, 28), False),  # exactly a year before 2024-02-29
        (dt.date(2023, 3, 1), False),
    ],
)
def test_credit_report_staleness_on_29_february(tmp_path, report, stale):
    """基准日 2024-02-29: a report of 2023-02-28 is a year old, not older (not 1 March)."""
    as_of = dt.date(2024, 2, 29)
    rows = [
        good_row(
            1,
            credit_report_date=report,
            submitted=dt.date(2024, 1, 5),
            last_review=dt.date(2024, 1, 15),
            approval_date=dt.date(2024, 1, 16),
        ),
    ]
    found = [c for c in codes(build(tmp_path, rows=rows, as_of=as_of), as_of=as_of)]
    stale_found = [c for c in found if c[0] == "credit-report-stale"]
    assert stale_found == ([("credit-report-stale", "warning", "台账", "Y4")] if stale else [])
