"""A sheet's values as a 0-based grid anchored at A1, with A1 addresses for every cell."""

from __future__ import annotations

from collections.abc import Sequence

from ledger_xl.core import a1


class Grid:
    """Rows of cell values from A1; blanks are None. Out-of-range cells read as None."""

    def __init__(self, sheet: str, rows: Sequence[Sequence[object]]) -> None:
        self.sheet = sheet
        self.rows = rows  # as the reader gave them: blanks may be "" (normalised on access)
        self.height = len(self.rows)
        self.width = max((len(r) for r in self.rows), default=0)

    def value(self, row: int, col: int) -> object:
        if 0 <= row < self.height and 0 <= col < len(self.rows[row]):
            value = self.rows[row][col]
            return None if value == "" else value
        return None

    def blank(self, row: int, col: int) -> bool:
        value = self.value(row, col)
        return value is None or (isinstance(value, str) and not value.strip())

    @staticmethod
    def a1(row: int, col: int) -> str:
        return a1.cell(row, col)

    def find_row(self, text: str, col: int) -> int | None:
        for row in range(self.height):
            value = self.value(row, col)
            if isinstance(value, str) and value.strip() == text:
                return row
        return None

    def find_col(self, text: str, row: int) -> int | None:
        for col in range(self.width):
            value = self.value(row, col)
            if isinstance(value, str) and value.strip() == text:
                return col
        return None
