"""Identifier edges that mutation testing showed the other tests leave open: the exact
error raised for bad input, and the lower edge of an 18-digit number mangled by Excel."""

from __future__ import annotations

import pytest

from ledger_xl.core.identifiers import (
    looks_like_mangled_id,
    resident_id_check_char,
    uscc_check_char,
)


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", 11010519491231002])
def test_resident_id_check_char_says_it_wants_17_digits(bad):
    # Too short, too long, or a number (not text): the message names the problem, and a
    # number is a ValueError like the rest, not a TypeError from len().
    with pytest.raises(ValueError, match=r"^expected 17 digits, got "):
        resident_id_check_char(bad)


def test_resident_id_check_char_names_non_ascii_digits():
    with pytest.raises(ValueError, match=r"^expected ASCII digits only, got '１"):
        resident_id_check_char("１1010519491231002")


@pytest.mark.parametrize("bad", ["91350100M000100Y", 91350100000100143])
def test_uscc_check_char_says_it_wants_17_characters(bad):
    with pytest.raises(ValueError, match=r"^expected 17 characters, got "):
        uscc_check_char(bad)


def test_uscc_check_char_names_the_characters_outside_the_charset():
    with pytest.raises(ValueError, match=r"^characters outside the USCC charset: 'IO'$"):
        uscc_check_char("91350100I0O0100Y4")


@pytest.mark.parametrize("value", [1e17, "1E+17", 1e18 - 1e3, -1e17])
def test_the_smallest_and_largest_18_digit_numbers_are_mangled_ids(value):
    # 100000000000000000 has 18 digits: the range is [1e17, 1e18).
    assert looks_like_mangled_id(value) is True


@pytest.mark.parametrize("value", [1e17 - 1e3, "9.9999999999999E+16", 1e18, "1E+18"])
def test_17_and_19_digit_numbers_are_not_mangled_ids(value):
    assert looks_like_mangled_id(value) is False
