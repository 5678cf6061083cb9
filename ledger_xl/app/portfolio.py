"""Loading a portfolio from files: each workbook read by the one opener (values only) and
typed with its own rules in a child process of its own (`io.isolated`), then joined by the
pure core (`core.portfolio.from_parts`). A workbook that cannot be read — or that takes its
reader down — is listed in `unreadable` with the reason, and the others go on."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from ledger_xl.core.portfolio import BookPart, Portfolio, book_part, from_parts
from ledger_xl.io import isolated
from ledger_xl.io.read import explain_failure, memory_allowance, read_book


def load(paths: Iterable[str | Path], as_of: dt.date, jobs: int = 1) -> Portfolio:
    """Read workbooks (read-only) into one portfolio, in the order given."""
    paths = [Path(p) for p in paths]
    parts: list[BookPart | None] = [None] * len(paths)
    for index, outcome in isolated.run_each(
        _part, [(p, as_of) for p in paths], jobs, memory=lambda args: memory_allowance(args[0])
    ):
        parts[index] = _settled(paths[index], outcome)
    return from_parts([p for p in parts if p is not None], as_of)


def _part(path: Path, as_of: dt.date) -> BookPart:
    return book_part(read_book(path, formulas=False), as_of)


def _settled(path: Path, outcome: object) -> BookPart:
    if isinstance(outcome, BookPart):
        return outcome
    if isinstance(outcome, isolated.ChildFailed):
        return BookPart(str(path), f"无法读取：{explain_failure(path, outcome.detail)}")
    if isinstance(outcome, BaseException) and os.environ.get("LEDGER_XL_DEBUG"):
        raise outcome
    return BookPart(
        str(path),
        f"处理此文件时出现内部错误（{type(outcome).__name__}: {outcome}），请反馈给开发者",
    )
