"""A row the clerk cleared in a distributed workbook is a blank line, in every table.

A branch's workbook carries a hidden 行键 on each row (`ledger-xl distribute`). When the
clerk empties a row (a customer, a document, a review withdrawn), the key stays: the row
looks blank and must be checked for nothing — no `required-missing` on 资信证明 or 审核记录
where the same row in 台账 was already ignored — and must not count as a customer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import layout
from ledger_xl.core.distribution import with_row_keys
from ledger_xl.core.validate import check_book
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)
CLEARED = {"ledger": [3, 10], "credentials": [3, 7], "reviews": [3, 5]}
SHEETS = {
    "ledger": layout.SHEET_LEDGER,
    "credentials": layout.SHEET_CREDENTIALS,
    "reviews": layout.SHEET_REVIEWS,
}


def _workbook(path: Path, clear: bool, keys: bool = True) -> Path:
    data = generate_demo(n_customers=80, as_of=AS_OF)
    frames = {"ledger": data.ledger, "credentials": data.credentials, "reviews": data.reviews}
    out = {}
    for name, frame in frames.items():
        frame = with_row_keys(frame.copy(), "d1", name) if keys else frame.copy()
        if clear:
            inputs = [c for c in frame.columns if c != layout.ROW_KEY]
            frame.loc[CLEARED[name], inputs] = None
        out[name] = frame
    return build_ledger_workbook(
        path,
        LedgerContent(out["ledger"], out["credentials"], out["reviews"]),
        options=BuildOptions(fixed_as_of=AS_OF, cache_date=AS_OF),
    )


def _at(book, name: str) -> set[tuple[str, int]]:
    table = getattr(book, name)
    return {(SHEETS[name], table.rows[i]) for i in CLEARED[name]}


@pytest.mark.parametrize("keys", [True, False], ids=["with 行键", "without"])
def test_cleared_rows_are_blank_lines(tmp_path: Path, keys: bool) -> None:
    book = read_book(_workbook(tmp_path / "cleared.xlsx", clear=True, keys=keys))
    side_keys = book.credentials.frame[layout.ROW_KEY]
    assert bool(side_keys.iloc[CLEARED["credentials"]].notna().all()) is keys  # the key was read
    result, _ = check_book(book, AS_OF)
    cleared = set().union(*(_at(book, name) for name in CLEARED))
    assert [f for f in result.findings if (f.sheet, f.row) in cleared] == []
    assert result.rows == 80 - len(CLEARED["ledger"])


def test_clearing_rows_removes_only_their_own_findings(tmp_path: Path) -> None:
    """Beside the cleared rows, the findings are those of the untouched workbook (but for the
    customers whose rows, documents or reviews were cleared: their admission changes)."""
    whole = read_book(_workbook(tmp_path / "whole.xlsx", clear=False))
    cleared = read_book(_workbook(tmp_path / "cleared.xlsx", clear=True))
    gone = set().union(*(_at(whole, name) for name in CLEARED))
    cleared_ids = {
        customer
        for name in CLEARED
        for customer in getattr(whole, name).frame["customer_id"].iloc[CLEARED[name]]
    }

    def keyed(book) -> set[tuple[str, str, str]]:
        result, _ = check_book(book, AS_OF)
        return {
            (f.code, f.sheet, f.cell)
            for f in result.findings
            if (f.sheet, f.row) not in gone and f.customer_id not in cleared_ids
        }

    assert keyed(cleared) == keyed(whole)
