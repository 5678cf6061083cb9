"""The bulk helpers the checks use at HQ scale agree with their scalar definitions, value for
value, on awkward cells: None, NaN, numbers stored as text, whitespace, full-width characters,
dates and datetimes (and dates as text), bools next to the numbers they equal (1 == True as a
key), numpy scalars, and text repeated many times (the distinct-value caches).

- `values.numbers` (by type in bulk) against `values.excel_number`;
- `values.map_cells` / `values.criterion_keys` against calling the function on every cell;
- `identifiers.resident_id_problems` against `identifiers.resident_id_problem`;
- `controls.DocumentIndex` (grouped once, judged per day) against a plain per-row reference;
- `twins.FormulaTwins.on` for a second day against a fresh `twins.ledger_formulas`;
- `checks.cells.kinds` against its per-cell definition.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pandas as pd
import pytest

from ledger_xl.core import controls, portfolio, twins, values
from ledger_xl.core.checks.cells import _KIND_OF_TYPE, BLANK, TEXT, kinds
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.identifiers import (
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
    resident_id_problem,
    resident_id_problems,
)

from ..validation.helpers import good_row

AWKWARD: list[object] = [
    None,
    math.nan,
    float("inf"),
    -0.0,
    0,
    1,
    1.0,
    True,
    False,
    2.5,
    10**20,
    np.float64(3.5),
    np.float64("nan"),
    np.int64(7),
    pd.NA,  # no reader gives it today; a frame built by pandas may
    "",
    " ",
    "\u3000",  # full-width space
    "12",
    " 12 ",
    "１２",  # full-width digits
    "1.5e3",
    "abc",
    "ABC",
    "Straße",
    "ＡＢＣ",
    "2026-11-23",
    "2026/2/30",
    "是",
    " 是 ",
    "（有限）公司",
    dt.date(2026, 11, 23),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    dt.date(1899, 12, 31),
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.datetime(2026, 11, 23, 12, 30),
    dt.datetime(2026, 11, 23),
    pd.Timestamp("2026-11-23 06:00"),
]


def _shuffled(seed: int = 7, repeat: int = 5) -> list[object]:
    cells = AWKWARD * repeat
    random.Random(seed).shuffle(cells)
    return cells


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("cells", [AWKWARD, _shuffled(), [], [1, 2.5, 3], ["a", None]])
def test_numbers_is_excel_number_of_each_cell(cells):
    got = values.numbers(cells)
    assert got.dtype == float and len(got) == len(cells)
    for value, number in zip(cells, got.tolist(), strict=True):
        want = values.excel_number(value)
        assert _same(number, math.nan if want is None else float(want)), value


def test_numbers_takes_a_series_and_a_generator():
    series = pd.Series(AWKWARD, dtype=object)
    assert np.array_equal(values.numbers(series), values.numbers(AWKWARD), equal_nan=True)
    assert np.array_equal(
        values.numbers(v for v in AWKWARD), values.numbers(AWKWARD), equal_nan=True
    )


@pytest.mark.parametrize(
    "function",
    [
        values.criterion_key,
        values.fold,
        values.is_blank,
        portfolio.text,
        controls._key,
        controls._name,
        str,
        repr,
    ],
)
def test_map_cells_is_the_function_of_each_cell(function):
    cells = _shuffled()
    got = values.map_cells(cells, function)
    assert isinstance(got, list) and len(got) == len(cells)
    for value, result in zip(cells, got, strict=True):
        assert _same(result, function(value)), value


def test_map_cells_keeps_equal_keys_of_other_types_apart():
    # 1, 1.0 and True hash alike; a cache keyed by value would give them one answer
    got = values.map_cells([1, True, 1.0, "1", dt.date(2026, 1, 1)], repr)
    assert got == ["1", "True", "1.0", "'1'", "datetime.date(2026, 1, 1)"]


def test_criterion_keys():
    cells = _shuffled(seed=3)
    assert values.criterion_keys(cells) == [values.criterion_key(v) for v in cells]
    assert values.criterion_keys([]) == []


def _resident_id(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return first17 + RESIDENT_ID_CHECK_CHARS[total % 11]


def _resident_ids() -> list[object]:
    rng = random.Random(11)
    out: list[object] = []
    for birth in (
        "19000101",
        "18991231",
        "20000229",
        "19000229",
        "20240230",
        "20231301",
        "20230001",
        "20230100",
        "19991231",
        "00000101",
        "99991231",
        # every month's last day and the day after it; 29 February in leap and common years
        *(
            f"2023{m:02d}{d:02d}"
            for m, d in enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1)
        ),
        *(
            f"2023{m:02d}{d + 1:02d}"
            for m, d in enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1)
        ),
        # and in a leap year; 29 February of years that are not leap years in any reading
        *(
            f"2024{m:02d}{d + 1:02d}"
            for m, d in enumerate((31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1)
        ),
        "20230229",
        "20240229",
        "21000229",
        "20000229",
        "20250229",
        "20210229",
    ):
        valid = _resident_id(f"110105{birth}123")
        out.append(valid)
        for wrong in RESIDENT_ID_CHECK_CHARS:
            out.append(valid[:-1] + wrong)
    for _ in range(300):
        first17 = f"{rng.randrange(10**5, 10**6)}{rng.randrange(1950, 2010)}" + (
            f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
        )
        out.append(_resident_id(first17))
    # A character that is not a digit among the first 17, with the check character a sum
    # over its code point would give: the check matches, the digits do not.
    for position, char in ((16, "A"), (16, ":"), (3, "/"), (9, "A")):
        first17 = "11010519491231002"
        first17 = first17[:position] + char + first17[position + 1 :]
        total = sum((ord(c) - 48) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
        out.append(first17 + RESIDENT_ID_CHECK_CHARS[total % 11])
    valid = out[0]
    out += [
        valid.lower(),
        valid[:-1] + "x",
        valid[:-1],
        valid + "1",
        " " + valid,
        valid.replace("1", "１", 1),  # a full-width digit: 18 characters, not ASCII
        "ABCDEFGHIJKLMNOPQR",
        "１" * 18,
        "",
        "11010519491231002X",
        "110105194912310021",
    ]
    return out


def test_resident_id_problems_agree_with_the_scalar_check():
    ids = _resident_ids()
    assert resident_id_problems(ids) == [resident_id_problem(v) for v in ids]
    assert resident_id_problems([]) == []
    assert {resident_id_problem(v) for v in ids} >= {
        None,
        "length",
        "charset",
        "birthdate",
        "check",
    }


def test_resident_id_problems_of_values_that_are_not_text():
    odd = [None, 110105194912310021, 1.5, True, dt.date(2026, 1, 1)]
    assert resident_id_problems(odd) == [resident_id_problem(v) for v in odd]


def test_kinds_is_the_per_cell_classification():
    cells = [*_shuffled(seed=5), "  ", "\t", "\n", "x "]
    got = kinds(cells).tolist()
    for value, kind in zip(cells, got, strict=True):
        want = _KIND_OF_TYPE[type(value)]
        if want == TEXT and (not value or value.isspace()):
            want = BLANK
        assert kind == want, value


# ---------------------------------------------------------------- documents by day


def _reference_state(credentials: pd.DataFrame, as_of: dt.date, customer, doc_type):
    """The DocumentIndex before it was grouped once: every row compared with the day."""
    serial = values.date_to_serial(as_of)
    cid, kind = values.criterion_key(customer), values.criterion_key(doc_type)
    found = in_date = expired = False
    latest = math.nan
    for c, k, e in zip(
        credentials["customer_id"], credentials["doc_type"], credentials["expires"], strict=True
    ):
        if not cid or values.criterion_key(c) != cid or values.criterion_key(k) != kind:
            continue
        found = True
        number = values.numbers([e])[0]
        if number >= serial:
            in_date = True
        elif number < serial:
            expired = True
            latest = number if math.isnan(latest) else max(latest, number)
    if not found:
        return controls.DOC_MISSING, None
    if in_date:
        return "", None
    if expired:
        return controls.DOC_LAPSED, values.serial_to_date(latest)
    return controls.DOC_UNDATED, None


def _credentials() -> pd.DataFrame:
    rows = [
        ("C1", "营业执照", dt.date(2026, 12, 31)),
        ("c1", "营业执照", dt.date(2025, 1, 1)),
        ("C1", "财务报表", dt.date(2026, 11, 22)),
        ("C1", "财务报表", "2027-01-01"),  # a date as text: not a date for COUNTIFS
        ("C2", "营业执照", None),
        ("C2", "营业执照", "无"),
        (1001, "营业执照", dt.date(2026, 11, 23)),
        ("1001", "征信报告", 46349),  # a serial number
        (1001.0, "征信报告", 46000.5),
        ("", "营业执照", dt.date(2030, 1, 1)),
        ("C3", None, dt.date(2030, 1, 1)),
        (None, None, None),
        ("C4", "ＡＢＣ", dt.datetime(2026, 11, 23, 18, 0)),
        ("C5", " 营业执照", dt.date(2030, 1, 1)),
        (True, "营业执照", dt.date(2030, 1, 1)),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "doc_type", "expires"], dtype=object)


def test_document_index_judged_on_each_day_as_row_by_row():
    credentials = _credentials()
    days = [
        dt.date(2026, 11, 22),
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 24),
        dt.date(2025, 1, 1),
        dt.date(2031, 1, 1),
    ]
    index = controls.DocumentIndex(credentials, days[0])
    customers = ["C1", "c1", "C2", 1001, "1001", 1001.0, "", None, "C3", "C4", "C5", True, "X"]
    types = ["营业执照", "财务报表", "征信报告", "ＡＢＣ", "ａｂｃ", " 营业执照"]
    for day in days:
        fresh = controls.DocumentIndex(credentials, day)
        shared = index.on(day)
        for customer in customers:
            for doc_type in types:
                want = _reference_state(credentials, day, customer, doc_type)
                assert fresh.state(customer, doc_type) == want, (day, customer, doc_type)
                assert shared.state(customer, doc_type) == want, (day, customer, doc_type)


def test_document_index_without_credentials():
    for frame in (None, _credentials().iloc[:0]):
        index = controls.DocumentIndex(frame, dt.date(2026, 1, 1))
        assert index.state("C1", "营业执照") == (controls.DOC_MISSING, None)
        assert index.on(dt.date(2027, 1, 1)).state("C1", "营业执照") == (
            controls.DOC_MISSING,
            None,
        )


# ---------------------------------------------------------------- formula twins by day


def _ledger() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i in range(40):
        row = good_row(i)
        rows.append(row)
    frame = pd.DataFrame(rows)
    ledger = pd.DataFrame(
        {f.key: frame.get(f.key, None) for f in DEFAULT_RULES.fields},
        dtype=object,
    )
    ledger.loc[3, "last_review"] = "2026-01-01"  # a date as text
    ledger.loc[4, "last_review"] = None
    ledger.loc[5, "total_assets"] = "100"  # a number as text
    ledger.loc[6, ["customer_id", "name"]] = None  # an unused row
    ledger.loc[7, "status"] = "已停用"
    ledger.loc[8, "customer_id"] = None
    ids = ledger["customer_id"].tolist()
    credentials = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in range(0, 40, 2)] + [ids[1], ids[1]],
            "doc_type": ["营业执照"] * 20 + ["财务报表", "营业执照"],
            "expires": [dt.date(2026, 11, 20 + i % 8) for i in range(20)]
            + [None, dt.date(2024, 1, 1)],
        },
        dtype=object,
    )
    return ledger, credentials


def test_formula_twins_on_another_day_equal_a_fresh_computation():
    ledger, credentials = _ledger()
    days = [dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2027, 6, 1)]
    shared = twins.FormulaTwins(
        ledger,
        DEFAULT_RULES,
        credentials=credentials,
        documents=controls.DocumentIndex(credentials, days[0]),
    )
    plain = twins.FormulaTwins(ledger, DEFAULT_RULES, credentials=credentials)
    for day in days:
        fresh = twins.ledger_formulas(ledger, DEFAULT_RULES, day, credentials=credentials)
        pd.testing.assert_frame_equal(shared.on(day), fresh)
        pd.testing.assert_frame_equal(plain.on(day), fresh)
    # the day matters: some document is in date on one day and not on another
    first = twins.ledger_formulas(ledger, DEFAULT_RULES, days[0], credentials=credentials)
    last = twins.ledger_formulas(ledger, DEFAULT_RULES, days[-1], credentials=credentials)
    assert not first["admission_check"].equals(last["admission_check"])
    assert not first["days_to_due"].equals(last["days_to_due"])


def test_formula_twins_admission_is_admission_conditions_of_every_row():
    ledger, credentials = _ledger()
    shared = twins.FormulaTwins(ledger, DEFAULT_RULES, credentials=credentials)
    for day in (dt.date(2026, 11, 23), dt.date(2027, 6, 1)):
        assert shared.admission(day) is None  # not judged yet
        computed = shared.on(day)
        want = controls.admission_conditions(ledger, computed, credentials, DEFAULT_RULES, day)
        assert shared.admission(day) == want
        rows = [0, 3, 8, 9]
        part = controls.admission_conditions(
            ledger.iloc[rows], computed.iloc[rows], credentials, DEFAULT_RULES, day
        )
        assert [want[i] for i in rows] == part
    assert any(c.kind == "document" for row in want for c in row)


def test_customer_keys_are_the_stripped_text_of_each_non_blank_cell():
    from ledger_xl.core.checks.documents import customer_keys

    cells = [*_shuffled(seed=9), "  C1 ", "\u3000C2", "C3\t"]
    # blank: what values.is_blank says, and text of white space only (required-missing's
    # blank: no unknown-customer beside it)
    want = [
        None if values.is_blank(v) or (isinstance(v, str) and not v.strip()) else str(v).strip()
        for v in cells
    ]
    assert None in want and "" not in want
    assert customer_keys(cells) == want


# ---------------------------------------------------------------- columns of one type
# The checks meet columns of one kind and blanks far more often than mixed ones: each helper
# against its scalar definition on such columns, with blanks, and with one intruder of each
# awkward type (the guard for any bulk path a helper takes on a uniform column).

_NUMBERS = [0, 1, -1, 2.5, -0.0, math.nan, math.inf, -math.inf, 1e308, 10**20, 2**53 + 1]
_DATES = [
    dt.date(2026, 11, 23),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    dt.date(1899, 12, 30),
    dt.date(1899, 12, 31),
    dt.date(1900, 1, 1),
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
]
_TEXTS = ["", " ", "\u3000", "\t\n", "x ", "12", "１２", "2026-11-23", "是", "Straße", "=SUM(A1)"]
# one cell of another type in an otherwise uniform column
_INTRUDERS = [True, "1", 1.0, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 6), np.float64(2.0)]


def _uniform_columns() -> list[list[object]]:
    columns = []
    for same in (_NUMBERS, _DATES, _TEXTS):
        with_blanks = [*same, None, *same, None]
        random.Random(len(same)).shuffle(with_blanks)
        columns += [same, with_blanks, [None, *same]]
        columns += [[*with_blanks, intruder] for intruder in _INTRUDERS]
    return [*columns, [None, None], [None], [], [1], ["a"], [dt.date(2026, 1, 1)]]


@pytest.mark.parametrize("cells", _uniform_columns())
def test_uniform_columns_agree_with_the_scalar_definitions(cells):
    got = values.numbers(cells).tolist()
    for value, number in zip(cells, got, strict=True):
        want = values.excel_number(value)
        assert _same(number, math.nan if want is None else float(want)), value
    days = values.dates(cells)
    assert days.dtype == np.dtype("datetime64[D]") and len(days) == len(cells)
    for value, day in zip(cells, days.tolist(), strict=True):
        assert day == values.excel_date(value), value  # NaT is None here
    texts = values.texts(cells)
    assert texts.dtype == object
    assert [type(t) for t in texts] == [type("" if values.is_blank(v) else v) for v in cells]
    assert texts.tolist() == ["" if values.is_blank(v) else v for v in cells]
    for function in (str, repr, values.criterion_key, portfolio.text):
        assert values.map_cells(cells, function) == [function(v) for v in cells]
    assert values.criterion_keys(cells) == [values.criterion_key(v) for v in cells]
    got_kinds = kinds(cells).tolist()
    for value, kind in zip(cells, got_kinds, strict=True):
        want = _KIND_OF_TYPE[type(value)]
        if want == TEXT and (not value or value.isspace()):
            want = BLANK
        assert kind == want, value


def test_a_series_gives_the_same_as_its_list():
    for cells in _uniform_columns():
        series = pd.Series(cells, dtype=object)
        assert np.array_equal(values.numbers(series), values.numbers(cells), equal_nan=True)
        assert np.array_equal(values.dates(series), values.dates(cells), equal_nan=True)
        assert values.texts(series).tolist() == values.texts(cells).tolist()
    floats = pd.Series([1.5, np.nan, 3.0])  # a float64 Series: its values, NaN for NaN
    assert np.array_equal(values.numbers(floats), [1.5, np.nan, 3.0], equal_nan=True)


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_cells_of_a_string_column_are_its_cells(dtype, monkeypatch):
    """pandas 3 makes a column of texts "str" (NaN for missing), "string" has pd.NA: their
    cells come through `tolist` in one step (not element by element: iterating is refused
    here), the same objects iteration gives."""
    series = pd.Series(["SH1", None, " b ", "", "客户"], dtype=dtype)
    expected = list(series)
    with monkeypatch.context() as patched:
        patched.setattr(pd.Series, "__iter__", lambda self: pytest.fail("iterated"))
        got = values.cells_of(series)
    assert type(got) is list and len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert type(a) is type(b) and (a is b or (pd.isna(a) and pd.isna(b)) or a == b)
    assert values.cells_of(pd.DataFrame({"id": np.array(["x", "y"], dtype=object)})["id"]) == [
        "x",
        "y",
    ]
    if dtype != "string":  # (pd.NA, which only "string" holds, is no cell value of ours)
        assert values.criterion_keys(series) == [values.criterion_key(v) for v in expected]


def _reference_latest(credentials: pd.DataFrame) -> dict:
    """`controls._latest_documents` as the loop it was: the maximum, NaN only while no row of
    the group has a number, keys in first-seen order."""
    latest: dict = {}
    ids = [values.criterion_key(v) for v in credentials["customer_id"]]
    kinds_ = [values.criterion_key(v) for v in credentials["doc_type"]]
    numbers = values.numbers(credentials["expires"]).tolist()
    for key, number in zip(zip(ids, kinds_, strict=True), numbers, strict=True):
        if not key[0] or not key[1]:
            continue
        known = latest.get(key)
        if known is None or known != known or number > known:
            latest[key] = number
    return latest


@pytest.mark.parametrize("seed", range(6))
def test_latest_documents_equal_the_loop(seed):
    rows = _credentials().to_dict("records")
    rng = random.Random(seed)
    frame = pd.DataFrame([rng.choice(rows) for _ in range(rng.choice([1, 3, 50, 400]))])
    got = controls._latest_documents(frame.astype(object))
    want = _reference_latest(frame.astype(object))
    assert list(got) == list(want)
    assert all(_same(got[k], want[k]) for k in want)


def test_values_no_cell_can_hold_and_pandas_missing_dates():
    """±inf (a hostile file's cell) shows as written instead of raising; NaT (pandas' missing
    datetime, a datetime itself) is blank, no number and no date."""
    assert [values.excel_text(v) for v in (math.inf, -math.inf, np.float64("-inf"))] == [
        "inf",
        "-inf",
        "-inf",
    ]
    assert values.is_blank(pd.NaT) and values.excel_text(pd.NaT) == ""
    assert values.excel_number(pd.NaT) is None and values.excel_date(pd.NaT) is None
    assert values.excel_number(dt.datetime(1900, 1, 1, 12)) == 1.5
    assert not values.is_blank(dt.datetime(1900, 1, 1)) and not values.is_blank(dt.date(1900, 1, 1))


def test_is_blank_says_which_cells_hold_nothing():
    blank = [None, math.nan, np.float64("nan"), "", pd.NaT, pd.NA]
    assert [values.is_blank(v) for v in blank] == [True] * len(blank)
    # white space, zero, False and a zero-width text are something (required-missing strips
    # white space itself)
    held = [" ", "\u3000", 0, 0.0, -0.0, False, "0", "nan", dt.date(1900, 1, 1)]
    assert [values.is_blank(v) for v in held] == [False] * len(held)
