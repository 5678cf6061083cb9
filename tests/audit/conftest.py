"""Branch workbooks for the audit tests, built once per session with the one ledger builder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)
BRANCHES = ("北京分公司", "广州分公司", "成都分公司")


@pytest.fixture(scope="session")
def demo_data():
    return generate_demo(n_customers=150, as_of=AS_OF)


@pytest.fixture(scope="session")
def branch_files(demo_data, tmp_path_factory) -> list[Path]:
    """Three branch workbooks of the demo data (with its planted mistakes)."""
    folder = tmp_path_factory.mktemp("branches")
    paths = []
    for branch in BRANCHES:
        ledger = demo_data.ledger[demo_data.ledger["branch"] == branch].reset_index(drop=True)
        ids = set(ledger["customer_id"])
        content = LedgerContent(
            ledger,
            demo_data.credentials[demo_data.credentials["customer_id"].isin(ids)].reset_index(
                drop=True
            ),
            demo_data.reviews[demo_data.reviews["customer_id"].isin(ids)].reset_index(drop=True),
        )
        path = folder / f"{branch}.xlsx"
        build_ledger_workbook(path, content, options=BuildOptions(cache_date=AS_OF))
        paths.append(path)
    return paths
