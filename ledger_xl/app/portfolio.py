"""Loading a portfolio from files: each workbook read by the one opener (values only) and
typed with its own rules in a child process of its own (`io.isolated`), then joined by the
pure core (`core.portfolio.from_parts`). A workbook that cannot be read — or that takes its
reader down — is listed in `unreadable` with the reason, and the others go on."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from ledger_xl.app.collector import collector_paused
from ledger_xl.core.portfolio import (
    EVERYTHING,
    FILE,
    BookPart,
    Portfolio,
    Reads,
    book_part,
    from_parts,
)
from ledger_xl.io import isolated
from ledger_xl.io.read import explain_failure, memory_allowance, read_book


def load(
    paths: Iterable[str | Path],
    as_of: dt.date,
    jobs: int = 1,
    customer: str | None = None,
    reads: Reads = EVERYTHING,
) -> Portfolio:
    """Read workbooks (read-only) into one portfolio, in the order given. With `customer`,
    only the rows that could be that 客户编号's are typed (`core.portfolio.book_part`): what
    one customer's report needs, without computing every other customer's values. `reads`:
    what the caller uses of the rows (`core.portfolio.Reads`), the rest is not computed."""
    paths = [Path(p) for p in paths]
    parts: list[BookPart | None] = [None] * len(paths)
    threads = isolated.spare_cores(jobs, len(paths))
    calls = [(p, as_of, threads, customer, reads) for p in paths]
    for index, outcome in isolated.run_each(
        _part, calls, jobs, memory=lambda args: memory_allowance(args[0])
    ):
        parts[index] = _settled(paths[index], outcome)
    return from_parts([p for p in parts if p is not None], as_of)


T = TypeVar("T")

# The customers' columns a portfolio from `computed` keeps for its callers (the files' and
# branches' counts of 数据说明, the shared-id warning); every row is kept.
KEPT = ("customer_id", "branch", FILE)


def computed(
    paths: Iterable[str | Path],
    as_of: dt.date,
    jobs: int,
    compute: Callable[[Portfolio], T],
    reads: Reads = EVERYTHING,
) -> tuple[Portfolio, T | None]:
    """The workbooks' portfolio (`load`) and `compute(portfolio)`, e.g. the due lists or the
    summary tables.

    With one workbook `compute` runs in the child that reads it, and what crosses back is its
    result and a lighter portfolio: the customers' `KEPT` columns (every row), no documents
    or reviews (None): for a 100,000-customer book, packing, pickling and unpickling its
    typed frames took longer than computing the lists from them. With more workbooks (their
    rows joined first), `compute` runs here on the portfolio `load` gives. The result is None
    when no workbook could be read; an exception `compute` raises is raised here."""
    paths = [Path(p) for p in paths]
    if len(paths) != 1:
        portfolio = load(paths, as_of, jobs, reads=reads)
        return portfolio, compute(portfolio) if portfolio.files else None
    call = (paths[0], as_of, isolated.spare_cores(jobs, 1), reads, compute)
    [(_, outcome)] = isolated.run_each(
        _computed_part, [call], jobs, memory=lambda args: memory_allowance(args[0])
    )
    if not isinstance(outcome, _Computed):  # the workbook could not be read
        return from_parts([_settled(paths[0], outcome)], as_of), None
    if isinstance(outcome.value, _Raised):
        raise outcome.value.exc
    return _light(_settled(paths[0], outcome.part), as_of), outcome.value


@dataclass
class _Computed:
    part: BookPart  # its customers `KEPT` alone, packed
    value: object


@dataclass
class _Raised:  # `compute` raised: the exception goes to the parent to be raised there
    exc: Exception


def _computed_part(
    path: Path, as_of: dt.date, threads: bool, reads: Reads, compute: Callable
) -> BookPart | _Computed:
    part = _part(path, as_of, threads, None, reads, pack=False)
    if part.problem:
        return part
    try:
        value = compute(from_parts([part], as_of))
    except Exception as exc:
        value = _Raised(exc)
    kept = [c for c in KEPT if c in part.customers.columns]
    light = BookPart(part.source, "", part.rules, _Packed(part.customers[kept]))
    return _Computed(light, value)


def _light(part: BookPart, as_of: dt.date) -> Portfolio:
    return Portfolio(
        as_of,
        part.customers,
        None,  # type: ignore[arg-type] - not sent: any use fails loudly
        None,  # type: ignore[arg-type]
        part.rules,
        [part.source],
        [],
        {part.source: part.rules},
    )


def _part(
    path: Path,
    as_of: dt.date,
    threads: bool = True,
    customer: str | None = None,
    reads: Reads = EVERYTHING,
    pack: bool = True,
) -> BookPart:
    # later: the ledger is typed while a thread reads the side sheets (`book_part` settles);
    # the collector off meanwhile (in a child it is off anyway: `io.isolated`)
    with collector_paused():
        book = read_book(path, formulas=False, threads=threads, later=True)
        part = book_part(book, as_of, customer, reads)
    if not pack:
        return part
    for name in _FRAMES:
        frame = getattr(part, name)
        if frame is not None:
            setattr(part, name, _Packed(frame))
    return part


def _settled(path: Path, outcome: object) -> BookPart:
    if isinstance(outcome, BookPart):
        for name in _FRAMES:
            frame = getattr(outcome, name)
            if isinstance(frame, _Packed):
                setattr(outcome, name, frame.frame())
        return outcome
    if isinstance(outcome, isolated.ChildFailed):
        return BookPart(str(path), f"无法读取：{explain_failure(path, outcome.detail)}")
    if isinstance(outcome, BaseException) and os.environ.get("LEDGER_XL_DEBUG"):
        raise outcome
    return BookPart(
        str(path),
        f"处理此文件时出现内部错误（{type(outcome).__name__}: {outcome}），请反馈给开发者",
    )


_FRAMES = ("customers", "documents", "reviews", "roster")
_SEPARATOR = "\x1f"  # between the distinct texts of a column, sent as one string


class _Packed:
    """A typed frame as it crosses from a reading child. A text column with few distinct values
    (分公司, 审核状态, 行业, 审核人 …) goes as codes into them: pickling 100,000 separate
    strings costs about 50 ms a column, codes and a few strings almost nothing."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.index = frame.index
        self.columns: list[tuple[str, object, object]] = []
        for name in frame.columns:
            column = frame[name]
            if isinstance(column.dtype, pd.StringDtype) and _repetitive(column):
                codes, distinct = pd.factorize(column, use_na_sentinel=True)
                payload = (codes.astype(np.int32), np.asarray(distinct, dtype=object))
                self.columns.append((name, column.dtype, payload))
            else:
                self.columns.append((name, None, column))

    def frame(self) -> pd.DataFrame:
        data = {}
        for name, dtype, payload in self.columns:
            if dtype is None:
                data[name] = payload
            else:
                codes, distinct = payload
                values = np.where(codes >= 0, distinct[np.maximum(codes, 0)], np.nan)
                data[name] = pd.Series(values, index=self.index, dtype=dtype)
        return pd.DataFrame(data, index=self.index)


def _repetitive(column: pd.Series, sample: int = 2000) -> bool:
    """True when a sample of the column holds few distinct values (codes pay off)."""
    if len(column) < sample:
        return False
    head = column.iloc[:sample]
    return head.nunique(dropna=False) * 10 < sample
