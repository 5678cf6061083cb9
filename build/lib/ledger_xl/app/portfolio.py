"""Loading a portfolio from files: each workbook read by the one opener (values only), then
joined by the pure core (`core.portfolio.from_books`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from ledger_xl.core.portfolio import Portfolio, from_books
from ledger_xl.io.read import read_book


def load(paths: Iterable[str | Path], as_of: dt.date) -> Portfolio:
    """Read workbooks (read-only) into one portfolio; a file that cannot be read is listed in
    `unreadable` with the reason and the others go on."""
    return from_books((read_book(path, formulas=False) for path in paths), as_of)
