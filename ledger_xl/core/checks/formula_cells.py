"""Formula checks: every formula cell still holds the template's formula, and the value the
workbook last calculated equals the Python twin — a tampered formula or rule is caught.

A formula cell that carries no calculated value at all (a workbook saved by a program that
does not calculate, such as openpyxl: the reader lists them in `uncalculated`) is not
"wrong": its formula text is still checked, and the file gets one `formula-not-calculated`
warning with the count instead of a mismatch per cell.

Codes: formula-overwritten, formula-edited, formula-value-mismatch, formula-not-calculated.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from itertools import repeat

import numpy as np
import pandas as pd

from ledger_xl.core import formulas, layout, values
from ledger_xl.core.checks.context import CheckContext, emits

_STRING = re.compile(r'"(?:[^"]|"")*"')
_AS_OF_DEPENDENT = {"days_to_due", "due_flag", "admission_check"}
_COLUMN = r"(?:[^\[\]']|'.)*"  # a column name inside [...]; ' escapes the next character
# A reference to a column in the same row, in each form Excel and LibreOffice show it:
# Ledger[[#This Row],[列]] (the file and LibreOffice; LibreOffice's API writes ; for ,),
# Ledger[@[列]] / Ledger[@列] and, inside the table itself, [@[列]] / [@列] (Excel's formula
# bar and COM's Range.Formula).
_THIS_ROW = re.compile(
    r"(?P<table>[^\W\d][\w.]*)?\[\s*(?:"
    rf"\[\s*#\s*this\s*row\s*\]\s*[,;]\s*\[(?P<full>{_COLUMN})\]"
    rf"|@\s*\[(?P<bracketed>{_COLUMN})\]"
    rf"|@(?P<short>{_COLUMN})"
    r")\s*\]",
    re.IGNORECASE,
)


def normalise_formula(text: str, table: str = layout.TABLE_LEDGER) -> str:
    """Formula text as compared: no leading '=', and outside string literals no spaces, upper
    case, `,` separators (LibreOffice's API writes `;`), no `_xlfn.` prefixes, and every
    same-row structured reference in one form, `[@列]` (`Ledger[@列]` when it names another
    table than `table`), whichever of Excel's or LibreOffice's spellings it came in."""
    text = text.strip().removeprefix("=")
    parts, last = [], 0
    for match in _STRING.finditer(text):
        parts.append(_normalise_code(text[last : match.start()], table))
        parts.append(match.group())
        last = match.end()
    parts.append(_normalise_code(text[last:], table))
    return "".join(parts)


def _normalise_code(code: str, table: str) -> str:
    def same_row(match: re.Match[str]) -> str:
        name = match.group("table") or ""
        column = next(c for c in match.group("full", "bracketed", "short") if c is not None)
        owner = "" if name.casefold() in ("", table.casefold()) else name
        return f"{owner}[@{column.strip()}]"

    code = _THIS_ROW.sub(same_row, code)
    code = re.sub(r"\s+", "", code).upper().replace(";", ",")
    return re.sub(r"_XL(?:FN|WS)\.", "", code)


@emits("formula-overwritten", "formula-edited", "formula-value-mismatch", "formula-not-calculated")
def check_formulas(ctx: CheckContext) -> None:
    table = ctx.ledger
    keys = [f.key for f in ctx.rules.fields if not f.is_input and f.key in table.columns]
    if not keys or not table.rows:
        return
    template = formulas.ledger_formulas(ctx.rules)
    raw = {k: t.removeprefix("=") for k, t in template.items()}
    expected = {k: normalise_formula(t) for k, t in template.items()}
    found = ctx.book.formulas()  # raises WorkbookReadError when the formula read failed
    tampered: set[tuple[int, str]] = set()
    # A column repeats one text on every row (its references are row-independent), in
    # whichever spelling the reader gave: normalise each distinct text once.
    normalised = functools.lru_cache(maxsize=256)(normalise_formula)
    if found is None:  # a book read without its formula text: only the values are checked
        _check_cached_values(ctx, keys, tampered, frozenset())
        return
    used = np.flatnonzero(ctx.used).tolist()
    lines = [table.rows[i] - 1 for i in used]
    plain = dict.get if isinstance(found, dict) else type(found).get
    for key in keys:
        col = table.columns[key]
        cached = table.frame[key].tolist()
        # In bulk: the text of each used cell (the dict's own lookup; the reader's `get` only
        # where that finds nothing: array formulas), and only the cells whose text is not
        # the template's go on.
        texts = np.fromiter(
            map(plain, repeat(found), zip(lines, repeat(col))), dtype=object, count=len(lines)
        )
        for j in np.flatnonzero(texts == None).tolist():  # noqa: E711 - elementwise
            texts[j] = found.get((lines[j], col))
        for j in np.flatnonzero(texts != raw[key]).tolist():
            i, text = used[j], texts[j]
            if text is None:
                ctx.emit("formula-overwritten", table, i, key, value=cached[i])
                tampered.add((i, key))
            elif text != raw[key] and normalised(text) != expected[key]:
                ctx.emit("formula-edited", table, i, key, value=text)
                tampered.add((i, key))
    _check_cached_values(ctx, keys, tampered, getattr(found, "uncalculated", frozenset()))


def _check_cached_values(
    ctx: CheckContext, keys: list[str], tampered: set, uncalculated: set[tuple[int, int]]
) -> None:
    """Cached values against the twins; a cell without any cached value is counted once for
    the file (`formula-not-calculated`), not reported as a mismatch."""
    table = ctx.ledger
    day = ctx.cached_as_of
    computed = ctx.computed(day or ctx.as_of)
    not_calculated = 0
    for key in keys:
        if key in _AS_OF_DEPENDENT and day is None:
            continue  # the workbook carries no calculated 基准日 to compare against
        want = computed[key].tolist()
        have = table.frame[key].tolist()
        differs = _differs(computed[key], have) & ctx.used
        col = table.columns[key]
        for i in np.flatnonzero(differs):
            if (i, key) in tampered or _same(want[i], have[i]):
                continue
            if _plain(have[i]) is None and (table.rows[i] - 1, col) in uncalculated:
                not_calculated += 1
                continue
            ctx.emit(
                "formula-value-mismatch",
                table,
                i,
                key,
                value=_shown(have[i]),
                detail=_shown(want[i]),
            )
    if not_calculated:
        ctx.emit_file("formula-not-calculated", sheet=table.sheet, value=not_calculated)


def _differs(want: pd.Series, have: list) -> np.ndarray:
    """A fast, conservative screen: False where the cell surely equals the twin; the few
    True cells are confirmed one by one with `_same`."""
    if want.dtype.kind == "f":
        got = values.numbers(have)
        expected = want.to_numpy(dtype=float)
        both_blank = np.isnan(expected) & np.isnan(got)
        with np.errstate(invalid="ignore"):
            close = np.abs(expected - got) <= 1e-9 * np.maximum(1.0, np.abs(expected))
        return ~(both_blank | close)
    if want.dtype.kind == "M":
        got = values.dates(have)
        expected = want.to_numpy(dtype="datetime64[D]")
        return ~((np.isnat(expected) & np.isnat(got)) | (expected == got))
    expected = np.array(["" if v is None else v for v in want.tolist()], dtype=object)
    got = np.array(["" if v is None else v for v in have], dtype=object)
    return expected != got


def _plain(value: object) -> object:
    if value is None or value is pd.NaT or value == "":
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").astype(dt.date)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _same(want: object, have: object) -> bool:
    want, have = _plain(want), _plain(have)
    if isinstance(want, float) and isinstance(have, int | float) and not isinstance(have, bool):
        return math.isclose(want, have, rel_tol=1e-9, abs_tol=1e-9)
    return want == have


def _shown(value: object) -> str:
    value = _plain(value)
    if value is None:
        return "空白"
    if isinstance(value, float):
        return values.number_text(value)
    return str(value)
