"""The validator's vectorised USCC check agrees with the scalar one, code for code.

`checks.cells.check_uscc` computes GB 32100-2015 check characters with numpy over a whole
column; `identifiers.uscc_problem` is the plain per-code definition. Over generated codes with
every check character (0–9 and the 21 letters), each valid code and each of its 30 wrong check
characters, plus lengths, lowercase, excluded letters and full-width characters, both must say
the same — a valid code whose check character is 0 (one in 31 real codes) is no finding.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from ledger_xl.core.checks.cells import check_uscc
from ledger_xl.core.identifiers import USCC_CHARSET, uscc_check_char, uscc_problem

from ..validation.helpers import build, codes, good_credentials, good_row

PER_CHECK_CHARACTER = 12


class Recorder:
    """Stands in for a CheckContext: records what `check_uscc` emits."""

    def __init__(self) -> None:
        self.emitted: dict[int, tuple[str, str]] = {}

    def emit(self, code, table, i, key=None, *, value=None, allowed="", detail=""):
        assert i not in self.emitted, "one finding per cell"
        self.emitted[int(i)] = (code, detail)


def vectorised(codes_: list[object]) -> dict[int, tuple[str, str]]:
    recorder = Recorder()
    check_uscc(recorder, table=None, key="uscc", series=pd.Series(codes_, dtype=object))
    return recorder.emitted


def scalar(code: str) -> tuple[str, str] | None:
    problem = uscc_problem(code)
    if problem is None:
        return None
    detail = uscc_check_char(code[:-1]) if problem == "check" else ""
    if problem == "length":
        detail = str(len(code))
    return ("uscc-" + problem, detail)


def valid_codes_by_check_character(seed: int = 20261123) -> dict[str, list[str]]:
    rng = random.Random(seed)
    found: dict[str, list[str]] = {c: [] for c in USCC_CHARSET}
    while any(len(v) < PER_CHECK_CHARACTER for v in found.values()):
        first = "".join(rng.choice(USCC_CHARSET) for _ in range(17))
        check = uscc_check_char(first)
        if len(found[check]) < PER_CHECK_CHARACTER:
            found[check].append(first + check)
    return found


VALID = valid_codes_by_check_character()


def test_every_check_character_is_generated():
    assert sorted(VALID) == sorted(USCC_CHARSET)
    assert all(len(v) == PER_CHECK_CHARACTER for v in VALID.values())
    assert all(uscc_problem(c) is None for v in VALID.values() for c in v)


@pytest.mark.parametrize("check", list(USCC_CHARSET))
def test_valid_codes_are_clean_whatever_their_check_character(check):
    assert vectorised(VALID[check]) == {}


def test_every_wrong_check_character_is_flagged_with_the_right_one():
    wrong = [
        code[:-1] + other
        for group in VALID.values()
        for code in group
        for other in USCC_CHARSET
        if other != code[-1]
    ]
    assert len(wrong) == 31 * PER_CHECK_CHARACTER * 30
    emitted = vectorised(wrong)
    assert len(emitted) == len(wrong)
    for i, code in enumerate(wrong):
        assert emitted[i] == ("uscc-check", uscc_check_char(code[:-1])), code


def test_mixed_column_matches_the_scalar_definition_cell_for_cell():
    rng = random.Random(7)
    valid = [c for group in VALID.values() for c in group]
    column: list[str] = []
    for code in valid:
        column.append(code)
        column.append(code[:-1] + rng.choice(USCC_CHARSET.replace(code[-1], "")))
        column.append(code[:-1])  # 17 characters
        column.append(code + "0")  # 19
        column.append(code.lower() if any(ch.isalpha() for ch in code) else "I" + code[1:])
        column.append(code[:5] + rng.choice("IOSVZ") + code[6:])  # letters GB 32100 excludes
        column.append(code[:-1] + chr(ord("０") + int(code[-1])) if code[-1].isdigit() else code)
    emitted = vectorised(column)
    for i, code in enumerate(column):
        assert emitted.get(i) == scalar(code), (i, code)
    assert sum(1 for c in column if uscc_problem(c) is None) == len(valid) + sum(
        1 for c in valid if not c[-1].isdigit()
    )


def test_blank_cells_are_not_checked():
    assert vectorised([None, VALID["0"][0], None]) == {}


def test_ledger_with_check_character_zero_validates_clean(tmp_path):
    """End to end: a customer whose USCC ends in 0 (with its 营业执照) has no finding."""
    zero = VALID["0"][:2]
    rows = [good_row(1, uscc=zero[0]), good_row(2, uscc=zero[1])]
    credentials = good_credentials(1) + good_credentials(2)
    credentials[0]["doc_number"], credentials[2]["doc_number"] = zero
    assert codes(build(tmp_path, rows=rows, credentials=credentials)) == []
