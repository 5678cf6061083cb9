"""Chinese identifiers: the unified social credit code (USCC) and the resident ID number.

Pure functions, no I/O. The ``*_problem`` functions return ``None`` for a valid value and
otherwise a short machine-readable reason that the finding catalogue maps to a message:

- USCC (GB 32100-2015): ``"length"``, ``"charset"``, ``"check"``;
- resident ID (GB 11643-1999): ``"length"``, ``"charset"``, ``"birthdate"``, ``"check"``.

Both are strict: no trimming, no case folding. A value that is not text at all (Excel
turned an all-digit code into a number) is reported as ``"charset"``; use
`looks_like_mangled_id` to tell the clerk what happened.
"""

from __future__ import annotations

import re
from datetime import date
from numbers import Real

import numpy as np

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
# Weight of position i (1-based) is 3^(i-1) mod 31.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(USCC_LENGTH - 1))

RESIDENT_ID_LENGTH = 18
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_ASCII_DIGITS = frozenset("0123456789")
_SCIENTIFIC = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")
_MANGLED_RANGE = (1e17, 1e18)  # the magnitude of an 18-digit number


def uscc_check_char(first17: str) -> str:
    """The check character (18th) of a USCC whose first 17 characters are `first17`.

    Raises ValueError unless `first17` is 17 characters from `USCC_CHARSET`.
    """
    if not isinstance(first17, str) or len(first17) != USCC_LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {first17!r}")
    bad = [c for c in first17 if c not in USCC_CHARSET]
    if bad:
        raise ValueError(f"characters outside the USCC charset: {''.join(bad)!r}")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when `code` is a valid USCC, else "length", "charset" or "check".

    Only uppercase is accepted: a lowercase letter (and a non-text value) is "charset".
    """
    if not isinstance(code, str):
        return "charset"
    if len(code) != USCC_LENGTH:
        return "length"
    if any(c not in USCC_CHARSET for c in code):
        return "charset"
    if code[-1] != uscc_check_char(code[:-1]):
        return "check"
    return None


def resident_id_check_char(first17: str) -> str:
    """The check character (0–9 or X) of a resident ID whose first 17 digits are `first17`.

    Raises ValueError unless `first17` is 17 ASCII digits.
    """
    if not isinstance(first17, str) or len(first17) != RESIDENT_ID_LENGTH - 1:
        raise ValueError(f"expected 17 digits, got {first17!r}")
    if not _is_ascii_digits(first17):
        raise ValueError(f"expected ASCII digits only, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def resident_id_problem(number: str) -> str | None:
    """None when `number` is a valid 18-character resident ID.

    Otherwise "length" (not 18 characters), "charset" (first 17 not ASCII digits, last not
    a digit or uppercase X, or not text at all), "birthdate" (characters 7–14 are not a real
    YYYYMMDD date on or after 1900-01-01) or "check" (wrong check character).
    """
    if not isinstance(number, str):
        return "charset"
    if len(number) != RESIDENT_ID_LENGTH:
        return "length"
    if not _is_ascii_digits(number[:-1]) or number[-1] not in RESIDENT_ID_CHECK_CHARS:
        return "charset"
    birth = _parse_yyyymmdd(number[6:14])
    if birth is None or birth < EARLIEST_BIRTH_DATE:
        return "birthdate"
    if number[-1] != resident_id_check_char(number[:-1]):
        return "check"
    return None


def resident_id_problems(numbers: list[object]) -> list[str | None]:
    """`resident_id_problem` of each value. The valid IDs (most of a column) are found in
    bulk — 18 ASCII characters, 17 digits, a real birth date from 1900 on, the right check
    character — and only the others go through `resident_id_problem` for their reason."""
    n = len(numbers)
    out: list[str | None] = [None] * n
    candidates = [
        i
        for i, v in enumerate(numbers)
        if type(v) is str and len(v) == RESIDENT_ID_LENGTH and v.isascii()
    ]
    valid = np.zeros(n, dtype=bool)
    if candidates:
        raw = np.frombuffer("".join(numbers[i] for i in candidates).encode("ascii"), np.uint8)
        raw = raw.reshape(-1, RESIDENT_ID_LENGTH).astype(np.int64)
        digits = raw - ord("0")
        ok = ((digits[:, :-1] >= 0) & (digits[:, :-1] <= 9)).all(axis=1)
        first17 = np.where(ok[:, None], digits[:, :-1], 0)
        weights = np.array(RESIDENT_ID_WEIGHTS, dtype=np.int64)
        check = np.frombuffer(RESIDENT_ID_CHECK_CHARS.encode("ascii"), np.uint8)
        ok &= check[(first17 @ weights) % 11] == raw[:, -1]
        year = first17[:, 6:10] @ np.array([1000, 100, 10, 1])
        month = first17[:, 10:12] @ np.array([10, 1])
        day = first17[:, 12:14] @ np.array([10, 1])
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        length = month_days[np.clip(month, 0, 12)] + ((month == 2) & leap)
        ok &= (year >= EARLIEST_BIRTH_DATE.year) & (month >= 1) & (month <= 12)
        ok &= (day >= 1) & (day <= length)
        valid[np.array(candidates)[ok]] = True
    for i in np.flatnonzero(~valid).tolist():
        out[i] = resident_id_problem(numbers[i])  # type: ignore[arg-type]
    return out


def looks_like_mangled_id(value: object) -> bool:
    """True when `value` looks like an 18-digit ID that Excel stored as a number.

    Excel keeps 15 significant digits, so an 18-digit ID typed as a number becomes e.g.
    1.10105194912310E+17 and its last three digits are lost. Accepts a number (not bool)
    or a string in scientific notation such as "1.10105E+17".
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        text = value.strip()
        if not _SCIENTIFIC.fullmatch(text):
            return False
        number = float(text)
    elif isinstance(value, Real):
        number = float(value)
    else:
        return False
    low, high = _MANGLED_RANGE
    return low <= abs(number) < high


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts full-width and other Unicode digits.
    return all(c in _ASCII_DIGITS for c in text)


def _parse_yyyymmdd(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
