"""due.previous_reviews against an obvious per-customer reimplementation (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_xl.core import due
from ledger_xl.core.portfolio import FILE

DAYS = [None, "2025-12-31", "2026-01-01", "2026-01-03", "2026-01-05", "2026-02-01"]
IDS = ["A", "B", "C", "", None]


def _oracle(customers: pd.DataFrame, reviews: pd.DataFrame) -> list[tuple]:
    """Per customer: the last (by date, then sheet order) scored or graded record of the same
    file and customer dated strictly before its last review."""
    out = []
    for _, customer in customers.iterrows():
        best = None
        for position, record in enumerate(reviews.itertuples(index=False)):
            mine = (
                isinstance(customer["customer_id"], str)
                and record.customer_id == customer["customer_id"]
                and getattr(record, FILE) == customer[FILE]
            )
            dated = not pd.isna(record.review_date) and not pd.isna(customer["last_review"])
            scored = not math.isnan(record.composite_score) or record.grade != ""
            earlier = dated and record.review_date < customer["last_review"]
            if mine and scored and earlier and (best is None or record.review_date >= best[0]):
                best = (record.review_date, position, record)
        if best is None:
            out.append((None, None, "", None))
        else:
            record = best[2]
            limit = getattr(record, "credit_limit", math.nan)
            out.append(
                (
                    best[0],
                    record.composite_score,
                    record.grade,
                    None if math.isnan(limit) else limit,
                )
            )
    return out


customers_strategy = st.lists(
    st.tuples(st.sampled_from(["f1", "f2"]), st.sampled_from(IDS), st.sampled_from(DAYS)),
    max_size=12,
)
reviews_strategy = st.lists(
    st.tuples(
        st.sampled_from(["f1", "f2"]),
        st.sampled_from(IDS),
        st.sampled_from(DAYS),
        st.sampled_from([math.nan, 50.0, 61.5]),
        st.sampled_from(["", "A", "C"]),
        st.sampled_from([math.nan, 100.0, 250.0]),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(customers_strategy, reviews_strategy, st.booleans())
def test_previous_review_as_found_one_customer_at_a_time(customers, reviews, with_limit):
    cust = pd.DataFrame(
        {
            FILE: [c[0] for c in customers],
            "customer_id": [c[1] for c in customers],
            "last_review": pd.to_datetime([c[2] for c in customers]),
        },
        index=np.arange(len(customers)) * 2 + 5,
    )
    rev = pd.DataFrame(
        {
            FILE: [r[0] for r in reviews],
            "customer_id": [r[1] for r in reviews],
            "review_date": pd.to_datetime([r[2] for r in reviews]),
            "composite_score": [r[3] for r in reviews],
            "grade": [r[4] for r in reviews],
            **({"credit_limit": [r[5] for r in reviews]} if with_limit else {}),
        }
    )
    got = due.previous_reviews(cust, rev)
    assert list(got.index) == list(cust.index)
    found = [
        (
            None if pd.isna(row.previous_review) else row.previous_review,
            None if math.isnan(row.previous_score) else row.previous_score,
            row.previous_grade,
            None if math.isnan(row.previous_limit) else row.previous_limit,
        )
        for row in got.itertuples()
    ]
    want = [
        (d, None if s is None or math.isnan(s) else s, g, lim)
        for d, s, g, lim in _oracle(cust, rev)
    ]
    assert found == want


def test_the_columns_keep_their_types_with_or_without_reviews():
    """No reviews (or no customers) give the same columns, of the same types, as a match does:
    the lists join them whatever a workbook holds."""
    customers = pd.DataFrame(
        {
            FILE: ["f1", "f1"],
            "customer_id": ["A", "B"],
            "last_review": pd.to_datetime(["2026-02-01"] * 2),
        },
        index=[7, 9],
    )
    reviews = pd.DataFrame(
        {
            FILE: ["f1"],
            "customer_id": ["A"],
            "review_date": pd.to_datetime(["2026-01-01"]).as_unit("s"),
            "composite_score": [61.5],
            "grade": ["C"],
            "credit_limit": [100.0],
        }
    )
    matched = due.previous_reviews(customers, reviews)
    assert matched["previous_review"].tolist()[0] == pd.Timestamp("2026-01-01")
    for empty in (reviews.iloc[0:0], reviews.iloc[0:0].drop(columns=["credit_limit"])):
        none = due.previous_reviews(customers, empty)
        assert dict(none.dtypes) == dict(matched.dtypes)
        assert list(none.index) == [7, 9] and none["previous_review"].isna().all()
    assert dict(due.previous_reviews(customers.iloc[0:0], reviews).dtypes) == dict(matched.dtypes)


def test_records_of_one_day_keep_the_sheet_order_however_many():
    """Many records on the same day before 最近审核日期: the last in the sheet is the previous
    review (a sort that is not stable reorders ties beyond a handful of records)."""
    n = 200
    reviews = pd.DataFrame(
        {
            FILE: ["f1"] * n,
            "customer_id": ["A" if i % 2 else "B" for i in range(n)],
            "review_date": pd.to_datetime(["2026-01-05"] * n).as_unit("s"),
            "composite_score": [float(i) for i in range(n)],
            "grade": ["C"] * n,
            "credit_limit": [float(10 * i) for i in range(n)],
        }
    )
    customers = pd.DataFrame(
        {
            FILE: ["f1", "f1"],
            "customer_id": ["A", "B"],
            "last_review": pd.to_datetime(["2026-02-01"] * 2),
        }
    )
    got = due.previous_reviews(customers, reviews)
    assert got["previous_score"].tolist() == [float(n - 1), float(n - 2)]
    assert got["previous_limit"].tolist() == [10.0 * (n - 1), 10.0 * (n - 2)]
