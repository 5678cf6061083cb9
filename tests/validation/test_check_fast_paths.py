"""The checks' bulk paths give the findings of the plain per-row loops they replaced, on
tables of awkward cells: customers as text with spaces (ASCII and full-width), as numbers, blank
or white space only; 证明类型 as text, numbers and blanks; 有效期至 as dates, dates as text,
serial numbers, blanks, ties and the as-of day itself. Each reference below is the loop as it
was before the bulk path, kept here as the oracle."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from ledger_xl.core import values
from ledger_xl.core.book import Table
from ledger_xl.core.checks import CheckContext, documents
from ledger_xl.core.checks.rows import APPROVED
from ledger_xl.io.read import read_book

from .helpers import AS_OF, build, good_row

_CUSTOMERS = [
    "SH000001",
    "SH000002",
    " SH000001 ",
    "SH000003\u3000",
    "sh000002",
    "   ",
    "",
    None,
    1.0,
    2,
    "1",
    "SH000009",
]
_KINDS = ["营业执照", "其他", "银行资信证明", "其他 ", 1, 1.0, "1", None, "营业执照"]
_EXPIRES = [
    AS_OF,
    AS_OF - dt.timedelta(days=1),
    AS_OF + dt.timedelta(days=1),
    dt.date(2026, 1, 1),
    dt.date(2026, 1, 1),
    dt.datetime(2026, 2, 1, 12),
    "2026-01-01",
    46000.0,
    46000,
    None,
    None,
    True,
    "",
]


def _reference_customer_keys(cells: list) -> list:
    out = []
    for v in cells:
        if type(v) is str:
            out.append(v.strip() or None)
        else:
            out.append(None if values.is_blank(v) else str(v).strip())
    return out


def _reference_approved_expired(ctx: CheckContext, table: Table) -> list[tuple]:
    """`_approved_expired` before its bulk path: one dict of the newest row per key."""
    approved = {
        str(c).strip()
        for c, s in zip(ctx.ledger.frame["customer_id"], ctx.ledger.frame["status"], strict=True)
        if s == APPROVED and not values.is_blank(c)
    }
    expires = values.dates(table.frame["expires"])
    missing = np.isnat(expires).tolist()
    days = expires.astype("datetime64[D]").astype(np.int64).tolist()
    newest: dict[tuple[str, str], int] = {}
    customers = _reference_customer_keys(table.frame["customer_id"].tolist())
    kinds_ = [str(v) for v in table.frame["doc_type"].tolist()]
    for i, customer in enumerate(customers):
        if missing[i] or customer is None:
            continue
        key = (customer, kinds_[i])
        if key not in newest or days[i] > days[newest[key]]:
            newest[key] = i
    as_of = np.datetime64(ctx.as_of, "D")
    return [
        (i, expires[i].astype(dt.date).isoformat(), kind)
        for (customer, kind), i in sorted(newest.items(), key=lambda item: item[1])
        if customer in approved and expires[i] < as_of
    ]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    rows = [good_row(n) for n in range(1, 4)]
    rows.append(good_row(9, status="待审核"))
    return read_book(build(tmp_path_factory.mktemp("fast"), rows=rows))


def _with_credentials(book, cells: list[dict]) -> Table:
    import pandas as pd

    frame = pd.DataFrame(cells, dtype=object)
    table = book.credentials
    return Table(
        table.sheet,
        frame,
        list(range(3, 3 + len(frame))),
        {k: table.columns[k] for k in frame.columns},
        table.header_row,
    )


@pytest.mark.parametrize("seed", range(12))
def test_approved_expired_equals_the_per_row_loop(book, seed):
    rng = random.Random(seed)
    size = rng.choice([1, 2, 5, 40, 300])
    uniform = seed % 3 == 0  # text customers and types only: the bulk customer keys
    customers = [c for c in _CUSTOMERS if isinstance(c, str)] if uniform else _CUSTOMERS
    kinds = [k for k in _KINDS if isinstance(k, str)] if uniform else _KINDS
    cells = [
        {
            "customer_id": rng.choice(customers),
            "doc_type": rng.choice(kinds),
            "doc_number": "X",
            "expires": rng.choice(_EXPIRES),
        }
        for _ in range(size)
    ]
    table = _with_credentials(book, cells)
    ctx = CheckContext(book, AS_OF)
    want = _reference_approved_expired(ctx, table)
    documents._approved_expired(ctx, table)
    got = [(table.rows.index(int(f.row)), f.value, f.message) for f in ctx.findings]
    assert [(i, value) for i, value, _ in got] == [(i, value) for i, value, _ in want]
    assert all(kind in message for (_, _, message), (_, _, kind) in zip(got, want, strict=True))
    assert all(f.code == "approved-expired-document" for f in ctx.findings)


@pytest.mark.parametrize(
    "cells",
    [
        ["  C1 ", "\u3000", None, "", "C2\t", "c3", "\u3000C4\u3000", " "],
        ["A", "B"],
        [None, None],
        [],
        ["A", None, 1.0, True, dt.date(2026, 1, 1), float("nan"), 7],
    ],
)
def test_customer_keys_equal_the_per_cell_definition(cells):
    assert documents.customer_keys(cells) == _reference_customer_keys(cells)
