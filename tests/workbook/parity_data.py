"""Generated ledgers for the parity tests: every risk × category, month ends, 29 February,
blanks, text where numbers or dates belong, and boundary scores such as 84.95; and for the
control columns: limits exactly at a band or a cap and a hair above, rubric inputs on their
bounds, every 审核阶段 and 失信被执行人 value, credit documents missing, expired the day before
基准日, expiring on it, undated or dated as text, ids in another case."""

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


# ---------------------------------------------------------------- controls

LIMIT_EDGES = [0.0, 50.0, 50.01, 100.0, 100.01, 200.0, 200.01, 300.0, 300.01, 500.0, 500.01]
EXTERNAL_EDGES = [850.0, 849.99, 750.0, 650.0, 550.0, 450.0, 449.99, 300.0]
YEAR_EDGES = [10.0, 9.99, 5.0, 4.99, 3.0, 1.0, 0.99, 0.0]
# (assets, liabilities) whose ratio sits exactly on, or just past, a 财务状况 bound
RATIO_EDGES = [(1000.0, 400.0), (1000.0, 400.01), (2000.0, 1100.0), (1000.0, 700.0), (500.0, 500.0)]
REQUIRED_TYPES = ("营业执照", "法定代表人身份证", "银行资信证明", "财务报表", "信用报告")


def add_controls(ledger: pd.DataFrame, seed: int = 23) -> pd.DataFrame:
    """The parity ledger with the columns the controls read, drawn from their own stream
    (the other columns stay as `parity_ledger` drew them)."""
    rng = random.Random(seed)
    out = ledger.copy()
    n = len(out)

    def pick(options, weights=None):
        return [rng.choices(options, weights=weights)[0] for _ in range(n)]

    out["stage"] = pick(["终审", "深度评估", "初筛", None, "终审 "], [70, 10, 8, 8, 4])
    out["industry"] = pick(["批发业", "房地产业", "零售业", None], [50, 10, 35, 5])
    out["dishonest"] = pick(["否", "是", None, "不详"], [80, 8, 10, 2])
    out["overdue_count"] = pick([0.0, 1.0, 2.0, 6.0, None, "1"], [60, 15, 8, 4, 10, 3])
    out["litigation_count"] = pick([0.0, 1.0, None], [80, 10, 10])
    out["external_credit"] = [
        rng.choice(EXTERNAL_EDGES) if rng.random() < 0.6 else rng.choice([None, "N/A", 700.0])
        for _ in range(n)
    ]
    out["coop_years"] = [
        rng.choice(YEAR_EDGES) if rng.random() < 0.8 else rng.choice([None, 12.5]) for _ in range(n)
    ]
    out["credit_limit"] = [
        rng.choice(LIMIT_EDGES) if rng.random() < 0.8 else rng.choice([None, "100万", 1200.0])
        for _ in range(n)
    ]
    out["revenue"] = [
        rng.choice([None, "1,000", 500.0, 1000.0, 1500.0, 2500.0, 100000.0]) for _ in range(n)
    ]
    for i in range(0, n, 9):  # ratios on a bound of the 财务状况 rubric
        assets, liabilities = rng.choice(RATIO_EDGES)
        out.at[i, "total_assets"], out.at[i, "total_liabilities"] = assets, liabilities
    return out


def control_credentials(ledger: pd.DataFrame, seed: int = 29) -> pd.DataFrame:
    """Credit documents of the required types for customers 400 onwards: mostly in date, some
    expiring on 基准日 (valid), expired the day before, undated or dated as text; a few under
    the id in lower case."""
    rng = random.Random(seed)
    rows = []
    for i, customer in enumerate(ledger["customer_id"].tolist()[400:1000], start=400):
        for doc_type in REQUIRED_TYPES:
            if rng.random() < 0.12:
                continue  # missing
            expires = rng.choices(
                [dt.date(2099, 12, 31), AS_OF, AS_OF - dt.timedelta(days=1), None, "2027年1月1日"],
                weights=[70, 10, 10, 5, 5],
            )[0]
            who = customer.lower() if isinstance(customer, str) and i % 17 == 0 else customer
            rows.append(
                {
                    "customer_id": who,
                    "doc_type": doc_type,
                    "doc_number": f"C{i}",
                    "expires": expires,
                }
            )
    return pd.DataFrame(rows, dtype=object)
