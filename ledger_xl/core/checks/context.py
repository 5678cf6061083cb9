"""What every check sees: one workbook's tables with cell addresses, its rules, the as-of date,
and a way to emit findings that point at a cell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.core.findings import Finding, finding
from ledger_xl.core.rules import Rules
from ledger_xl.io.read import Table


@dataclass
class CheckContext:
    path: Path
    rules: Rules
    as_of: dt.date
    ledger: Table
    credentials: Table | None = None
    reviews: Table | None = None
    cached_as_of: dt.date | None = None  # 基准日 as last saved in the workbook
    properties: dict[str, str] = field(default_factory=dict)
    lang: str = "zh"
    used: np.ndarray | None = None  # ledger rows that hold a customer (not blank lines)
    findings: list[Finding] = field(default_factory=list)
    # The ledger sheet's formulas read in the background (`read_formulas(..., ALL_COLUMNS)`),
    # or None to read them when needed.
    formula_prefetch: Future | None = field(default=None, repr=False)
    standard: Rules | None = (
        None  # HQ's rules that `rules-changed` compares with (default: built-in)
    )
    _memo: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.used is None:
            frame = self.ledger.frame
            self.used = (
                frame.notna().any(axis=1).to_numpy()
                if len(frame.columns)
                else np.zeros(len(frame), dtype=bool)
            )

    # ---------------------------------------------------------------- locations

    def header(self, table: Table, key: str) -> str:
        if table is self.ledger:
            return self.rules.header(key)
        from ledger_xl.core import layout

        for column in (*layout.CREDENTIAL_COLUMNS, *layout.REVIEW_COLUMNS):
            if column.key == key:
                return column.header
        return key

    def cell(self, table: Table, i: int, key: str) -> str:
        return f"{xl_col_to_name(table.columns[key])}{table.rows[i]}"

    def memo(self, key: object, compute):
        """`compute()` once per check run; later calls with the same key reuse the result."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def customer(self, table: Table, i: int) -> str:
        def column() -> list[str]:
            cells = table.frame["customer_id"].tolist() if "customer_id" in table.columns else []
            return ["" if v is None else str(v) for v in cells]

        ids = self.memo(("customer", id(table)), column)
        return ids[i] if i < len(ids) else ""

    def scores(self) -> pd.DataFrame:
        """综合评分 and 评级 as the twins compute them from the workbook's own rules."""
        from ledger_xl.core import scoring

        return self.memo("scores", lambda: scoring.score_ledger(self.full_ledger(), self.rules))

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
        where: dict = {"file": str(self.path), "sheet": table.sheet}
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
                file=str(self.path),
                sheet=sheet,
                cell=cell,
                column=column,
            )
        )

    def rows_where(self, mask: Iterable[bool]) -> np.ndarray:
        """Indices of used rows where `mask` holds."""
        return np.flatnonzero(np.asarray(mask, dtype=bool) & self.used)
