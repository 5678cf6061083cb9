"""Schedule edges found by mutation testing: which credential rows count as renewed (blank
ids, blank types, missing dates, case), who owns an inactive document, a year before 29
February, and the edges of EDATE's date range."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ledger_xl.core import layout, schedule
from ledger_xl.core.defaults import DEFAULT_RULES

D = dt.date
AS_OF = D(2026, 3, 31)


def renewed(rows: list[tuple]) -> list[bool]:
    ids, kinds, expires = zip(*rows, strict=True)
    days = np.array([np.datetime64(e, "D") if e else np.datetime64("NaT") for e in expires])
    return schedule.renewed(
        days.astype("datetime64[D]"),
        pd.Series(ids, dtype=object),
        pd.Series(kinds, dtype=object),
    ).tolist()


def test_an_older_document_of_the_same_customer_and_type_is_renewed():
    rows = [
        ("SH1", "营业执照", D(2030, 1, 1)),
        ("SH1", "营业执照", D(2031, 1, 1)),
        ("SH1", "身份证", D(2029, 1, 1)),  # another type
        ("SH2", "营业执照", D(2029, 1, 1)),  # another customer
    ]
    assert renewed(rows) == [True, False, False, False]


def test_renewal_groups_ignore_case_as_countifs_does():
    rows = [("sh1", "id", D(2030, 1, 1)), ("SH1", "ID", D(2031, 1, 1))]
    assert renewed(rows) == [True, False]


@pytest.mark.parametrize(
    "rows",
    [
        [("", "营业执照", D(2030, 1, 1)), ("", "营业执照", D(2031, 1, 1))],  # no 客户编号
        [("SH1", "", D(2030, 1, 1)), ("SH1", "", D(2031, 1, 1))],  # no 证明类型
        [(None, None, D(2030, 1, 1)), (None, None, D(2031, 1, 1))],
    ],
)
def test_rows_without_an_id_or_a_type_never_group(rows):
    assert renewed(rows) == [False, False]


def test_a_document_without_a_date_is_neither_renewed_nor_the_latest():
    rows = [
        ("SH1", "营业执照", None),
        ("SH1", "营业执照", D(2030, 1, 1)),
        ("SH1", "营业执照", D(2029, 1, 1)),
    ]
    assert renewed(rows) == [False, False, True]


def test_two_documents_expiring_the_same_day_are_both_current():
    rows = [("SH1", "营业执照", D(2030, 1, 1)), ("SH1", "营业执照", D(2030, 1, 1))]
    assert renewed(rows) == [False, False]


def test_document_status_marks_the_renewed_row_and_keeps_its_days():
    expires = pd.Series([D(2026, 4, 10), D(2027, 4, 10), AS_OF], dtype=object)
    ids = pd.Series(["SH1", "SH1", "SH2"], dtype=object)
    kinds = pd.Series(["营业执照", "营业执照", "营业执照"], dtype=object)
    out = schedule.document_status(expires, AS_OF, DEFAULT_RULES.cycles, ids, kinds)
    assert out["doc_status"].tolist() == [layout.DOC_RENEWED, layout.DOC_VALID, layout.DOC_SOON]
    assert out["doc_days"].tolist() == [10.0, 375.0, 0.0]
    # Without ids and types nothing is 已更新.
    alone = schedule.document_status(expires, AS_OF, DEFAULT_RULES.cycles, ids)
    assert alone["doc_status"].tolist() == [layout.DOC_SOON, layout.DOC_VALID, layout.DOC_SOON]


def test_inactive_owners_by_case_insensitive_id():
    owners = schedule.inactive_owners(
        pd.Series(["sh1", "SH2", "", None, "SH3"], dtype=object),
        pd.Series(["SH1", "SH2", "SH3", "", None], dtype=object),
        pd.Series(["已停用", "审核通过", "审核通过", "已停用", "已停用"], dtype=object),
    )
    assert owners.tolist() == [True, False, False, False, False]
    assert owners.dtype == bool


def test_no_inactive_customer_means_no_inactive_owner():
    owners = schedule.inactive_owners(
        pd.Series(["SH1", "SH2"], dtype=object),
        pd.Series(["SH1"], dtype=object),
        pd.Series(["审核通过"], dtype=object),
    )
    assert owners.tolist() == [False, False] and owners.dtype == bool


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 2, 29), D(2023, 2, 28)),  # not 1 March
        (D(2024, 2, 28), D(2023, 2, 28)),
        (D(2024, 3, 1), D(2023, 3, 1)),
        (D(2026, 3, 31), D(2025, 3, 31)),
    ],
)
def test_one_year_before(day, expected):
    assert schedule.one_year_before(day) == expected


def test_edate_outside_excels_dates_is_missing():
    out = schedule.edate(
        np.array(["1900-01-31", "1900-02-15", "9999-11-30", "9999-12-01"], dtype="datetime64[D]"),
        np.array([-1.0, -1.0, 1.0, 1.0]),
    )
    assert out.astype(str).tolist() == ["NaT", "1900-01-15", "9999-12-30", "NaT"]
    first = schedule.edate(np.array(["1900-02-01"], dtype="datetime64[D]"), np.array([-1.0]))
    assert first.astype(str).tolist() == ["1900-01-01"]  # Excel's first day is still a date
    last = schedule.edate(np.array(["9999-10-31"], dtype="datetime64[D]"), np.array([2.0]))
    assert last.astype(str).tolist() == ["9999-12-31"]  # and so is its last


def test_days_between_counts_from_as_of():
    days = schedule.days_between(
        np.array(["2026-04-30", "NaT", "2026-03-30"], dtype="datetime64[D]"), AS_OF
    )
    assert days[0] == 30.0 and np.isnan(days[1]) and days[2] == -1.0


def test_cycle_months_unknown_pair_is_nan():
    months = schedule.cycle_months(
        pd.Series(["高", "低", "极高", None], dtype=object),
        pd.Series(["重要", "一般", "一般", "一般"], dtype=object),
        DEFAULT_RULES.cycles,
    )
    assert months[:2].tolist() == [3.0, 12.0]
    assert np.isnan(months[2:]).all()


def test_document_status_keeps_the_rows_index():
    expires = pd.Series([AS_OF, None], index=[7, 9], dtype=object)
    out = schedule.document_status(expires, AS_OF, DEFAULT_RULES.cycles)
    assert out.index.tolist() == [7, 9]
    assert out["doc_status"].tolist() == [layout.DOC_SOON, ""]


def test_inactive_owners_of_no_documents_is_an_empty_mask():
    owners = schedule.inactive_owners(
        pd.Series([], dtype=object),
        pd.Series(["SH1"], dtype=object),
        pd.Series(["已停用"], dtype=object),
    )
    assert owners.dtype == bool and owners.tolist() == []


def test_schedule_ledger_keeps_the_rows_index():
    ledger = pd.DataFrame(
        {
            "risk_level": ["低", "高"],
            "category": ["一般", "重要"],
            "last_review": [D(2025, 5, 1), D(2026, 1, 15)],
            "status": ["审核通过", "审核未通过"],
        },
        index=[4, 8],
        dtype=object,
    )
    out = schedule.schedule_ledger(ledger, DEFAULT_RULES, AS_OF)
    assert out.index.tolist() == [4, 8]
    assert out["cycle_months"].tolist() == [12.0, 3.0]
    assert pd.Timestamp(out["next_review"].iloc[0]).date() == D(2026, 5, 1)
    assert pd.isna(out["next_review"].iloc[1])  # 审核未通过 leaves the schedule
    assert out["due_flag"].tolist() == [layout.DUE_OK, layout.DUE_REJECTED]


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_edate_of_finer_datetimes_as_pandas_gives_them(unit):
    start = np.array(["2024-01-15", "2024-01-31", "NaT"], dtype=f"datetime64[{unit}]")
    out = schedule.edate(start, np.array([1.0, 1.0, 1.0]))
    assert out.astype(str).tolist() == ["2024-02-15", "2024-02-29", "NaT"]


def test_edate_of_missing_inputs_is_nat_without_a_numpy_warning():
    import warnings

    start = np.array(["NaT", "2025-01-31", "2025-01-31"], dtype="datetime64[D]")
    months = np.array([3.0, np.nan, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "invalid value encountered in cast" for NaN
        out = schedule.edate(start, months)
    assert out.astype(str).tolist() == ["NaT", "NaT", "2025-02-28"]
