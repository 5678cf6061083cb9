"""What every check sees: one workbook (a `LedgerBook`: tables with cell addresses, rules,
formula text, properties), the as-of date, and a way to emit findings that point at a cell.

A check is a function `check(ctx)` that declares the catalogue codes it owns with the
`emits` decorator (as frictionless' checks declare their errors); `ledger_xl.core.checks.CHECKS`
lists them in the order they run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ledger_xl.core import controls, layout, scoring, twins
from ledger_xl.core.a1 import column_letters
from ledger_xl.core.book import LedgerBook, Table
from ledger_xl.core.findings import CATALOGUE, Finding, finding
from ledger_xl.core.rules import Rules

Check = Callable[["CheckContext"], None]


def emits(*codes: str) -> Callable[[Check], Check]:
    """Declare the catalogue codes a check owns (read by the code-ownership test and docs)."""
    unknown = [c for c in codes if c not in CATALOGUE]
    if unknown:
        raise ValueError(f"codes not in the catalogue: {unknown}")

    def mark(check: Check) -> Check:
        check.codes = tuple(codes)  # type: ignore[attr-defined]
        return check

    return mark


def used_rows(table: Table) -> np.ndarray:
    """A table's rows that hold any value besides the hidden 行键 (a distributed workbook's
    row key): a row whose cells the clerk cleared is a blank line, checked for nothing."""
    frame = table.frame.drop(columns=[layout.ROW_KEY], errors="ignore")
    if not len(frame.columns):
        return np.zeros(len(frame), dtype=bool)
    return frame.notna().any(axis=1).to_numpy()


@dataclass
class CheckContext:
    book: LedgerBook
    as_of: dt.date
    lang: str = "zh"
    standard: Rules | None = None  # HQ's rules that `rules-changed` compares with
    used: np.ndarray | None = None  # ledger rows that hold a customer (not blank lines)
    findings: list[Finding] = field(default_factory=list)
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def rules(self) -> Rules:
        return self.book.rules

    @property
    def ledger(self) -> Table:
        assert self.book.ledger is not None, "checks run only on a book with a ledger table"
        return self.book.ledger

    @property
    def credentials(self) -> Table | None:
        self.book.settle(layout.SHEET_CREDENTIALS)  # 审核记录 may still be being read
        return self.book.credentials

    @property
    def reviews(self) -> Table | None:
        self.book.settle()
        return self.book.reviews

    @property
    def file(self) -> str:
        return self.book.source

    @property
    def cached_as_of(self) -> dt.date | None:
        return self.book.cached_as_of

    @property
    def properties(self) -> dict[str, str]:
        return self.book.properties

    def __post_init__(self) -> None:
        if self.used is None:
            self.used = used_rows(self.ledger)

    # ---------------------------------------------------------------- locations

    def header(self, table: Table, key: str) -> str:
        if table is self.ledger:
            headers = self.memo(
                "ledger_headers", lambda: {f.key: f.header for f in self.rules.fields}
            )
            return headers[key] if key in headers else self.rules.header(key)
        for column in (*layout.CREDENTIAL_COLUMNS, *layout.REVIEW_COLUMNS):
            if column.key == key:
                return column.header
        return key

    def cell(self, table: Table, i: int, key: str) -> str:
        return f"{column_letters(table.columns[key])}{table.rows[i]}"

    def memo(self, key: object, compute):
        """`compute()` once per check run; later calls with the same key reuse the result."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def memos(self, kind: str) -> dict:
        """The memo entries whose key is a tuple starting with `kind`."""
        return {k: v for k, v in self._memo.items() if isinstance(k, tuple) and k[0] == kind}

    def adopt(self, entries: dict) -> None:
        """Take memo entries computed by a copy of this context (`memos`) as this run's own."""
        self._memo.update(entries)

    def customer(self, table: Table, i: int) -> str:
        def column() -> list[str]:
            cells = table.frame["customer_id"].tolist() if "customer_id" in table.columns else []
            return ["" if v is None else str(v) for v in cells]

        ids = self.memo(("customer", id(table)), column)
        return ids[i] if i < len(ids) else ""

    def scores(self) -> pd.DataFrame:
        """综合评分 and 评级 as the twins compute them from the workbook's own rules."""
        return self.memo("scores", lambda: scoring.score_ledger(self.full_ledger(), self.rules))

    def computed(self, day: dt.date | None = None) -> pd.DataFrame:
        """Every ledger formula column as the twins compute it from the workbook's own rules
        and 资信证明, for `day` (default the as-of date); once per day."""
        day = day or self.as_of

        def formula_twins() -> twins.FormulaTwins:  # what no day changes, computed once
            return twins.FormulaTwins(
                self.full_ledger(),
                self.rules,
                scores=self.scores(),
                credentials=self.credentials.frame if self.credentials is not None else None,
                documents=self.documents(),
            )

        return self.memo(("computed", day), lambda: self.memo("twins", formula_twins).on(day))

    def admission(self) -> list[list[controls.Condition]] | None:
        """Every unmet 准入标准 condition per ledger row on the as-of date, as 准入检查's twin
        found them in `computed()`; None when the rules list no 准入检查 column."""
        self.computed()
        return self.memo("twins", lambda: None).admission(self.as_of)

    def documents(self, day: dt.date | None = None) -> controls.DocumentIndex:
        """资信证明 indexed as 准入检查's COUNTIFS see them on `day` (default the as-of date);
        grouped once, whatever the day."""
        day = day or self.as_of
        frame = self.credentials.frame if self.credentials is not None else None
        index = self.memo("documents", lambda: controls.DocumentIndex(frame, self.as_of))
        return index.on(day)

    def full_ledger(self) -> pd.DataFrame:
        """The ledger keyed by every field key (missing columns blank, blanks None), as the
        Python twins take it."""

        def build() -> pd.DataFrame:
            frame = self.ledger.frame  # read_table already holds None for blank cells
            blank = [None] * len(frame)
            return pd.DataFrame(
                {
                    f.key: frame[f.key].to_numpy(dtype=object) if f.key in frame else blank
                    for f in self.rules.fields
                },
                index=frame.index,
                dtype=object,
            )

        return self.memo("full_ledger", build)

    def emit(
        self,
        code: str,
        table: Table,
        i: int | None,
        key: str | None = None,
        *,
        value: object = None,
        allowed: str = "",
        detail: str = "",
    ) -> None:
        """Record a finding at row `i` (0-based in the table) and column `key`."""
        where: dict = {"file": self.file, "sheet": table.sheet}
        if key is not None:
            where["column"] = self.header(table, key)
        if i is not None:
            where["row"] = table.rows[i]
            where["customer_id"] = self.customer(table, i)
            if key is not None and key in table.columns:
                where["cell"] = self.cell(table, i, key)
        self.findings.append(
            finding(code, lang=self.lang, value=value, allowed=allowed, detail=detail, **where)
        )

    def emit_file(
        self,
        code: str,
        *,
        value: object = None,
        allowed: str = "",
        detail: str = "",
        sheet: str = "",
        cell: str = "",
        column: str = "",
    ) -> None:
        """Record a finding about the file, a sheet or a header cell rather than a data row."""
        self.findings.append(
            finding(
                code,
                lang=self.lang,
                value=value,
                allowed=allowed,
                detail=detail,
                file=self.file,
                sheet=sheet,
                cell=cell,
                column=column,
            )
        )

    def rows_where(self, mask: Iterable[bool]) -> np.ndarray:
        """Indices of used rows where `mask` holds."""
        return np.flatnonzero(np.asarray(mask, dtype=bool) & self.used)
