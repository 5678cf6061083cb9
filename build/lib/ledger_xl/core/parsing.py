"""Reading what people type: numbers and dates written as text, the forms they come in."""

from __future__ import annotations

import datetime as dt
import re

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_DATETIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_number_text(text: str) -> tuple[float | None, bool]:
    """(number, plain) for a text that holds a number; plain is False when it needed fixing
    (full-width digits, thousands separators). (None, False) when it is no number."""
    stripped = text.strip()
    normalised = stripped.translate(_FULL_WIDTH).replace(" ", "")
    if not _NUMBER.match(normalised):
        return None, False
    plain = normalised == stripped and "," not in normalised
    return float(normalised.replace(",", "")), plain


def looks_like_date(text: str) -> bool:
    """True when the text has the shape of a date, real or impossible (2024-13-05)."""
    core = _DATETIME_TAIL.sub("", text.strip().translate(_FULL_WIDTH))
    return any(p.match(core) for p in _DATE_PATTERNS)


def parse_date_text(text: str) -> dt.date | None:
    """The date a text such as 2024-3-5, 2024/03/05, 2024.3.5 or 2024年3月5日 names; None when
    it has no date shape or names an impossible date."""
    core = _DATETIME_TAIL.sub("", text.strip().translate(_FULL_WIDTH))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(core)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None
