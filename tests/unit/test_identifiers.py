from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from ledger_xl.core.identifiers import (
    USCC_CHARSET,
    USCC_WEIGHTS,
    looks_like_mangled_id,
    resident_id_check_char,
    resident_id_problem,
    uscc_check_char,
    uscc_problem,
)

PUBLISHED_USCC = "91350100M000100Y43"
VALID_RESIDENT_ID = "11010519491231002X"


def _random_uscc(rng: random.Random) -> str:
    body = "91" + "310115" + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_char(body)


# --- USCC -------------------------------------------------------------------------------


def test_charset_has_31_characters_without_i_o_z_s_v():
    assert len(USCC_CHARSET) == 31
    assert not set("IOZSV") & set(USCC_CHARSET)


def test_weights_are_powers_of_three_mod_31():
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_published_example_is_valid():
    assert uscc_check_char(PUBLISHED_USCC[:17]) == "3"
    assert uscc_problem(PUBLISHED_USCC) is None


@pytest.mark.parametrize("seed", range(5))
def test_generated_codes_are_valid(seed):
    code = _random_uscc(random.Random(seed))
    assert uscc_problem(code) is None


def test_check_char_can_be_a_letter_and_zero():
    # Both ends of the charset occur as check characters among random codes.
    rng = random.Random(1)
    seen = {_random_uscc(rng)[-1] for _ in range(2000)}
    assert {"0", "Y"} <= seen


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("", "length"),
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y40", "check"),
        ("91350100I000100Y43", "charset"),
        ("91350100O000100Y43", "charset"),
        ("91350100m000100y43", "charset"),
        ("91350100M000100Y4 ", "charset"),
        ("９1350100M000100Y43", "charset"),
    ],
)
def test_uscc_problems(code, reason):
    assert uscc_problem(code) == reason


def test_uscc_problem_non_text_is_charset():
    assert uscc_problem(913501000001004.0) == "charset"  # type: ignore[arg-type]
    assert uscc_problem(None) == "charset"  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["123", "91350100M000100Y", "91350100I000100Y4", 12345])
def test_uscc_check_char_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        uscc_check_char(bad)


def test_every_single_character_change_is_caught():
    for position in range(18):
        for char in USCC_CHARSET:
            if char == PUBLISHED_USCC[position]:
                continue
            changed = PUBLISHED_USCC[:position] + char + PUBLISHED_USCC[position + 1 :]
            assert uscc_problem(changed) == "check", changed


# --- resident ID ------------------------------------------------------------------------


def test_known_valid_resident_id():
    assert resident_id_check_char(VALID_RESIDENT_ID[:17]) == "X"
    assert resident_id_problem(VALID_RESIDENT_ID) is None


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519491231002", "length"),
        ("110105194912310021X", "length"),
        ("110105491231002", "length"),  # the old 15-digit form
        ("110105194912310021", "check"),
        ("11010519491231002x", "charset"),  # lowercase x
        ("1101051949123100AX", "charset"),
        ("11010519491231002Y", "charset"),
        ("１10105194912310021", "charset"),  # a full-width digit
        ("110105202302300012", "birthdate"),  # 30 February
        ("110105194913010012", "birthdate"),  # month 13
        ("110105189912310012", "birthdate"),  # before 1900
        ("110105190002290012", "birthdate"),  # 1900 was not a leap year
    ],
)
def test_resident_id_problems(number, reason):
    assert resident_id_problem(number) == reason


def test_leap_day_birthdate_is_accepted():
    first17 = "11010520000229001"
    assert resident_id_problem(first17 + resident_id_check_char(first17)) is None


def test_earliest_birthdate_is_accepted():
    first17 = "11010519000101001"
    assert resident_id_problem(first17 + resident_id_check_char(first17)) is None


def test_resident_id_problem_non_text_is_charset():
    assert resident_id_problem(1.10105194912310e17) == "charset"  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100A", "１1010519491231002"])
def test_resident_id_check_char_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        resident_id_check_char(bad)


def test_every_check_char_occurs():
    seen = {resident_id_check_char(f"{n:017d}") for n in range(200)}
    assert seen == set("0123456789X")


# --- IDs mangled by Excel ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        1.10105194912310e17,
        float("110105194912310000"),
        -1.10105194912310e17,
        110105194912310021,
        "1.10105E+17",
        "1.10105e17",
        " 1.10105194912310E+17 ",
    ],
)
def test_mangled_ids_are_recognised(value):
    assert looks_like_mangled_id(value)


@pytest.mark.parametrize(
    "value",
    [
        VALID_RESIDENT_ID,
        "110105194912310021",  # an 18-digit text ID is fine
        "1.10105E+16",
        9.99e16,
        1e18,
        12345.0,
        float("nan"),
        float("inf"),
        True,
        None,
        date(2024, 1, 1),
        Decimal("1.10105E+17"),
        "N/A",
        "",
    ],
)
def test_other_values_are_not_mangled_ids(value):
    assert not looks_like_mangled_id(value)


def test_mangled_id_loses_digits_after_the_15th():
    mangled = 1.10105194912310e17
    assert f"{mangled:.0f}" == "110105194912310000"
    assert f"{mangled:.0f}"[:15] == VALID_RESIDENT_ID[:15]
