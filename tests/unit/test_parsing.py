from __future__ import annotations

import datetime as dt

import pytest

from ledger_xl.core.parsing import looks_like_date, parse_date_text, parse_number_text


@pytest.mark.parametrize(
    ("text", "number", "plain"),
    [
        ("1234.5", 1234.5, True),
        ("1,234.5", 1234.5, False),
        ("１２３４", 1234.0, False),
        (" 12 ", 12.0, True),
        ("-3", -3.0, True),
        ("N/A", None, False),
        ("12万", None, False),
        ("1,23", None, False),
    ],
)
def test_numbers_written_as_text(text, number, plain):
    assert parse_number_text(text) == (number, plain)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-3-5", dt.date(2024, 3, 5)),
        ("2024/03/05", dt.date(2024, 3, 5)),
        ("2024.3.5", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        ("20240305", dt.date(2024, 3, 5)),
        ("2024-03-05 00:00:00", dt.date(2024, 3, 5)),
        ("2024年13月5日", None),
        ("2023-2-29", None),
        ("明年", None),
    ],
)
def test_dates_written_as_text(text, day):
    assert parse_date_text(text) == day


def test_impossible_date_still_looks_like_a_date():
    assert looks_like_date("2024年13月5日") and not looks_like_date("N/A")
