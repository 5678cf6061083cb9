"""How the formulas see a cell: Excel's notion of "a number" and "a date", as arrays.

The Python twins must treat a cell exactly as the template's formulas do: ISNUMBER is true
for numbers and real dates (dates are serial numbers), false for text — even text that looks
like a number or a date — and for blanks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import itemgetter

import numpy as np

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in the 1900 date system (after the 1900 bug)
EXCEL_MAX_NUMBER = 9.99999999999999e307  # beyond it (and NaN, ±inf) no Excel cell can hold


def is_blank(value: object) -> bool:
    """None, NaN, NaT, pandas' NA and the empty text: a cell with nothing in it."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and value == "")
        or (isinstance(value, dt.datetime) and value != value)  # NaT
        or type(value).__name__ == "NAType"  # pd.NA: its == is NA, which no `or` can test
    )


def number_text(number: float) -> str:
    """A number as a clerk writes it: 1000000 and 1234567, not `:g`'s 1e+06 and 1.23457e+06
    (another number); fractions with up to Excel's 15 significant digits (82.5, 0.3)."""
    number = float(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}"


def excel_number(value: object) -> float | None:
    """The value as Excel's ISNUMBER sees it: a float, or None for text, blanks and booleans."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, dt.datetime):
        if value != value:  # NaT (pandas' missing datetime is a datetime)
            return None
        return (
            date_to_serial(value.date())
            + (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        )
    if isinstance(value, dt.date):
        return float(date_to_serial(value))
    return None


def excel_date(value: object) -> dt.date | None:
    """The value as a date the way EDATE sees it: real dates, or numbers read as serials."""
    if isinstance(value, dt.datetime):
        return None if value != value else value.date()  # NaT: no date
    if isinstance(value, dt.date):
        return value
    number = excel_number(value)
    if number is None or number < 1 or number >= 2958466:  # 9999-12-31
        return None
    return serial_to_date(number)


def date_to_serial(day: dt.date) -> int:
    serial = (day - EXCEL_EPOCH).days
    return serial if serial > 60 else serial - 1  # Excel's fictitious 1900-02-29


def serial_to_date(serial: float) -> dt.date:
    whole = math.floor(serial)
    return EXCEL_EPOCH + dt.timedelta(days=whole if whole > 60 else whole + 1)


_PLAIN_NUMBERS = (float, int)  # python-calamine gives whole numbers as int
_PLAIN, _NONE, _DATE, _STR, _OTHER = 0, 1, 2, 3, 4
_NUMBER_KIND = defaultdict(
    lambda: _OTHER, {float: _PLAIN, int: _PLAIN, type(None): _NONE, dt.date: _DATE, str: _STR}
)
_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()


_OBJECT = np.dtype(object)
# pandas' string columns: "string" (pd.NA for missing), and "str", pandas 3's default for a
# column of texts (NaN for missing)
_STRING_DTYPES = ("string", "str")


def cells_of(values: Iterable[object]) -> list:
    """A column's cells as a list: a column of Python objects (a pandas object or string
    column, an object array) through `tolist`, one pass in C, where iterating it goes element
    by element; a list as it is. Typed columns (datetime64, numbers) are iterated, so their
    cells stay what iterating gives (`tolist` turns datetime64[ns] into integers)."""
    if isinstance(values, list):
        return values
    dtype = getattr(values, "dtype", None)
    if (dtype == _OBJECT or getattr(dtype, "name", "") in _STRING_DTYPES) and hasattr(
        values, "tolist"
    ):
        return values.tolist()  # (a pandas string column's cells are the same either way)
    return list(values)


def numbers(values: Iterable[object]) -> np.ndarray:
    """Float array with NaN wherever the formula would not see a number: `excel_number` of
    each value, by type in bulk (plain numbers, blanks, text and dates at once; only other
    types one by one)."""
    cells = cells_of(values)
    n = len(cells)
    kind = np.fromiter(map(_NUMBER_KIND.__getitem__, map(type, cells)), dtype=np.int8, count=n)
    plain = kind == _PLAIN
    if n and plain.all():
        return np.array(cells, dtype=float)
    out = np.full(n, np.nan)
    at = np.flatnonzero(plain).tolist()
    if at:
        out[at] = np.array([cells[i] for i in at], dtype=float)
    at = np.flatnonzero(kind == _DATE).tolist()
    if at:
        ordinals = np.fromiter(map(dt.date.toordinal, [cells[i] for i in at]), np.int64, len(at))
        serial = ordinals - _EPOCH_ORDINAL
        out[at] = np.where(serial > 60, serial, serial - 1)  # as date_to_serial
    for i in np.flatnonzero(kind == _OTHER).tolist():
        number = excel_number(cells[i])
        if number is not None:
            out[i] = number
    return out


_NAT = np.iinfo(np.int64).min  # NaT's integer value in datetime64
_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _day_number(value: object) -> int:
    """Days since 1970-01-01 as EDATE sees the cell, or NaT's integer."""
    kind = type(value)
    if kind is dt.datetime or kind is dt.date:
        return value.toordinal() - _UNIX_ORDINAL
    if value is None:
        return _NAT
    day = excel_date(value)
    if day is None or day != day:  # pandas' NaT is a datetime that equals nothing
        return _NAT
    return day.toordinal() - _UNIX_ORDINAL


def dates(values: Iterable[object]) -> np.ndarray:
    """datetime64[D] array with NaT wherever the formula would not see a date."""
    values = cells_of(values)
    days = np.fromiter(map(_day_number, values), dtype=np.int64, count=len(values))
    return days.view("datetime64[D]")


def texts(values: Iterable[object]) -> np.ndarray:
    """Object array of the values as text comparisons see them ("" for blanks)."""
    if hasattr(values, "tolist"):  # a Series or an array: one pass in C (a pandas string
        values = values.tolist()  # column iterates element by element in Python)
    # most cells are text: one type test instead of is_blank's four
    return np.array(
        [v if type(v) is str else "" if is_blank(v) else v for v in values], dtype=object
    )


def fold(value: object) -> str:
    """Text as Excel's "=" and MATCH compare it: case-insensitively; blanks are "". Only
    text is folded (a number never equals a text in a formula): numbers give a key that no
    text can have."""
    if type(value) is str:  # most cells: one test instead of four
        return value.casefold()
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value.casefold()
    return f"\x00{value!r}"


def criterion_key(value: object) -> str:
    """A cell as a COUNTIFS criterion matches it: text case-insensitively, a whole number
    like its digits typed as text; "" for blanks (which never group)."""
    if type(value) is str:  # most cells: one test instead of four
        return value.casefold()
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).casefold()


def criterion_keys(values: Iterable[object]) -> list[str]:
    """`criterion_key` of each value."""
    return [criterion_key(v) for v in values]


def map_cells(cells: Iterable[object], function: Callable[[object], object]) -> list:
    """`[function(v) for v in cells]`, with `function` called once per distinct text: for
    the columns that repeat a few texts (证明类型, 审批级别, 审批人), not for ids. Every other
    value (numbers, dates, bools, blanks: 1, 1.0 and True are equal keys but not equal
    cells) goes one by one."""
    cells = cells if isinstance(cells, list) else list(cells)
    done = {v: function(v) for v in {v for v in cells if type(v) is str}}
    return [done[v] if type(v) is str else function(v) for v in cells]


def pick(cells: list, at: list[int]) -> list:
    """`[cells[i] for i in at]` in one C-level call."""
    if len(at) > 1:
        return list(itemgetter(*at)(cells))
    return [cells[i] for i in at]


def excel_text(value: object) -> str:
    """A value as `"text"&cell` shows it: numbers in General format (up to 15 significant
    digits, no trailing zeros), dates as their serial number, TRUE/FALSE, text as is."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    number = excel_number(value)
    if number is None or not math.isfinite(number):  # ±inf: no cell holds it (a hostile file)
        return str(value)
    return number_text(number)
