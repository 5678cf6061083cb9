"""A1 cell addresses: column letters and `B7`-style references (0-based row and column in)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1024)
def column_letters(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA, 16383 → XFD."""
    if col < 0:
        raise ValueError(f"column index must be >= 0, got {col}")
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(row: int, col: int, *, row_abs: bool = False, col_abs: bool = False) -> str:
    """0-based (row, col) → "B7" (or "$B$7" with both absolute flags)."""
    return f"{'$' if col_abs else ''}{column_letters(col)}{'$' if row_abs else ''}{row + 1}"


def column_index(letters: str) -> int:
    """A → 0, XFD → 16383 (case-insensitive)."""
    index = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column name: {letters!r}")
        index = index * 26 + ord(ch) - 64
    return index - 1
