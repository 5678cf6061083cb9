"""Generated ledgers for the parity tests: every risk × category, month ends, 29 February,
blanks, text where numbers or dates belong, and boundary scores such as 84.95."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES

AS_OF = dt.date(2026, 3, 31)

MONTH_ENDS = [
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 29),
    dt.date(2025, 8, 31),
    dt.date(2025, 11, 30),
    dt.date(2025, 12, 31),
    dt.date(2025, 10, 31),
    dt.date(2023, 2, 28),
    dt.date(2025, 5, 31),
]
BOUNDARY_SCORES = [84.95, 85, 84.94, 69.95, 70, 59.95, 60, 0, 100, 84.96, 60.05, 59.94]


def _score(rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.07:
        return "85"  # a number typed as text: the formula does not count it
    if roll < 0.25:
        return rng.choice(BOUNDARY_SCORES)
    if roll < 0.45:
        return round(rng.uniform(40, 100), 2)
    return float(rng.randint(40, 100))


def _last_review(rng: random.Random, i: int) -> object:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.10:
        return "2025年3月5日"  # a date typed as text
    if roll < 0.30:
        return rng.choice(MONTH_ENDS)
    if roll < 0.45:
        # land the next review date on the due-window boundaries
        return AS_OF - dt.timedelta(days=rng.choice([0, 1, 30, 31, 29, -1])) - dt.timedelta(days=0)
    return AS_OF - dt.timedelta(days=rng.randint(0, 500))


def parity_ledger(n: int = 1200, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    risks = list(DEFAULT_RULES.cycles.risk_levels)
    categories = list(DEFAULT_RULES.cycles.categories)
    statuses = list(DEFAULT_RULES.field("status").allowed)
    rows = []
    for i in range(n):
        assets = rng.choice(
            [None, 0.0, "N/A", round(rng.uniform(10, 90000), 2), round(rng.uniform(10, 90000), 2)]
        )
        same = rng.random() < 0.05
        scores = [rng.choice(BOUNDARY_SCORES)] * 4 if same else [_score(rng) for _ in range(4)]
        rows.append(
            {
                "customer_id": None if i % 97 == 5 else f"SH{i:06d}",
                "name": None if i % 211 == 7 else f"测试客户{i}有限公司",
                "uscc": "91310000MA1FL0XXXX",
                "branch": rng.choice(["上海分公司", "北京分公司"]),
                "category": categories[i % 2] if i % 53 else rng.choice([None, "重点"]),
                "risk_level": risks[(i // 2) % 3] if i % 61 else rng.choice([None, "极高"]),
                "total_assets": assets,
                "total_liabilities": rng.choice([None, round(rng.uniform(0, 80000), 2)]),
                "score_financial": scores[0],
                "score_credit": scores[1],
                "score_history": scores[2],
                "score_reputation": scores[3],
                "status": rng.choice(statuses) if i % 37 else None,
                "last_review": _last_review(rng, i),
            }
        )
    return pd.DataFrame(rows, dtype=object)


def parity_credentials(ledger: pd.DataFrame, seed: int = 11) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i, customer in enumerate(ledger["customer_id"].tolist()[:400]):
        expires = rng.choice(
            [
                None,
                "2026年5月1日",
                AS_OF,
                AS_OF - dt.timedelta(days=1),
                AS_OF + dt.timedelta(days=60),
                AS_OF + dt.timedelta(days=61),
                AS_OF + dt.timedelta(days=rng.randint(-400, 900)),
                dt.date(2099, 12, 31),
            ]
        )
        rows.append(
            {
                "customer_id": customer,
                "doc_type": layout.DOCUMENT_TYPES[i % 3],
                "doc_number": f"DOC{i}",
                "expires": expires,
            }
        )
    # Renewals: a second document of the same type (later, earlier, equal, text or blank
    # expiry), with the id in another case, a blank type or a blank id.
    for i, first in enumerate(rows[:120]):
        customer = first["customer_id"]
        variant = i % 6
        rows.append(
            {
                "customer_id": (
                    customer.lower()
                    if variant == 1 and isinstance(customer, str)
                    else None
                    if variant == 5
                    else customer
                ),
                "doc_type": None if variant == 4 else first["doc_type"],
                "doc_number": f"RENEW{i}",
                "expires": rng.choice(
                    [
                        first["expires"],
                        AS_OF + dt.timedelta(days=rng.randint(-30, 400)),
                        AS_OF - dt.timedelta(days=rng.randint(1, 400)),
                        "2027-01-01",
                        None,
                    ]
                ),
            }
        )
    return pd.DataFrame(rows, dtype=object)
