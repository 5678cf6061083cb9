"""The distribution record read back from its hidden sheet's grid (`read_distribution`).

The reader takes the rows from the grid's lists directly (a branch of 20,000 customers has
some 200,000 rows there); these tests hold it to a slow, obvious reading through
`Grid.value`, cell by cell, on grids a reader can really give: "" and None for blanks, short
rows, identifiers typed as numbers, padded texts, rows of no table, keys that are no text.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger_xl.core import layout
from ledger_xl.core.distribution import (
    HASH_CHARS,
    ROWS_HEADER,
    SHEET_OF,
    TABLES,
    Distribution,
    SentRow,
    distribution_grid,
    read_distribution,
    text_id,
)
from ledger_xl.core.grid import Grid


def _obvious_id(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().upper()


def obvious_rows(grid: Grid, fields: dict[str, int]) -> dict[str, dict[str, tuple]]:
    """The record's rows read cell by cell, as the record's rules say."""
    header = next(
        r
        for r in range(grid.height)
        if grid.value(r, 0) == ROWS_HEADER[0] and grid.value(r, 1) == ROWS_HEADER[1]
    )
    table_of = {sheet: table for table, sheet in SHEET_OF.items()}
    rows: dict[str, dict[str, tuple]] = {t: {} for t in TABLES}
    for r in range(header + 1, grid.height):
        name = grid.value(r, 0)
        table = table_of.get("" if name is None else str(name).strip())
        key = grid.value(r, 1)
        if table is None or not isinstance(key, str) or key == "":
            continue
        joined = grid.value(r, 4)
        joined = "" if joined is None else str(joined)
        rows[table][key] = (
            key,
            _obvious_id(grid.value(r, 2)),
            _obvious_id(grid.value(r, 3)),
            joined[: fields[table] * HASH_CHARS],
            fields[table],
        )
    return rows


def record() -> Distribution:
    fields = {"ledger": ("customer_id", "name", "uscc"), "credentials": ("doc",), "reviews": ()}
    return Distribution(
        distribution_id="D-2026-11-30-01",
        branch="上海分公司",
        distributed_at="2026-11-30T09:30:00",
        template_version=layout.TEMPLATE_VERSION,
        rules_fingerprint="abc123",
        fields=fields,
        masked={"ledger": ("uscc",), "credentials": (), "reviews": ()},
        rows={
            "ledger": {
                "R1": SentRow.of("R1", "SH000001", "91310000MA1K00001X", "a" * 24, 3),
                "R2": SentRow.of("R2", "SH000002", "", "b" * 30, 3),  # longer than it holds
            },
            "credentials": {"R3": SentRow.of("R3", "SH000001", "", "c" * 8, 1)},
            "reviews": {"R4": SentRow.of("R4", "", "", "", 0)},
        },
    )


def test_the_record_comes_back_as_it_was_written():
    sent = record()
    back = read_distribution(Grid(layout.SHEET_DISTRIBUTION, distribution_grid(sent)))
    assert back == sent
    assert back.rows["ledger"]["R1"].hashes == ("a" * 8,) * 3
    assert back.rows["ledger"]["R2"].joined == "b" * 24  # cut to the fields it has


ODD_ROWS = [
    ["台账", "R10", 310000.0, "  91310000ma1k00002y ", "d" * 24],  # an ID typed as a number
    ["台账", "R11", 310000.5, None, "e" * 24],  # not a whole number: kept as written
    [" 资信证明 ", "R12", "sh000003", "", "f" * 8],  # padded sheet name, lower-case ID
    ["资信证明", "R13"],  # a short row: the rest blank
    ["资信证明", "R14", "", "", ""],  # blanks as "" (python-calamine's)
    ["审核记录", "", "SH000004", "", ""],  # no key: not a row of the record
    ["审核记录", 15.0, "SH000005", "", ""],  # a key that is no text
    ["其他", "R16", "SH000006", "", ""],  # no table of the record
    [None, "R17", "SH000007", "", ""],
    [],
    ["审核记录", "R18", dt.datetime(2026, 1, 2), 7, 12345678],  # whatever a cell can hold
    ["台账", "R10", "SH000010", "", "9" * 24],  # a key twice: the last one counts
    ["台账", "R19", "SH000011", "   ", None, "extra", "cells"],  # a long row
]


@pytest.mark.parametrize("blank", ["", None])
def test_odd_rows_read_as_the_obvious_cell_by_cell_reading(blank):
    sent = record()
    rows = distribution_grid(sent)
    rows = [[blank if v == "" else v for v in row] for row in rows]
    rows += [[blank if v == "" else v for v in row] for row in ODD_ROWS]
    grid = Grid(layout.SHEET_DISTRIBUTION, rows)
    back = read_distribution(grid)
    counts = {t: len(sent.fields[t]) for t in TABLES}
    expected = obvious_rows(grid, counts)
    assert {t: {k: tuple(v) for k, v in back.rows[t].items()} for t in TABLES} == expected
    assert back.rows["ledger"]["R10"].customer_id == "SH000010"
    assert back.rows["ledger"]["R11"].customer_id == "310000.5"
    assert back.rows["credentials"]["R12"].customer_id == "SH000003"
    assert back.rows["credentials"]["R13"] == ("R13", "", "", "", 1)
    assert "R17" not in back.rows["reviews"] and "R16" not in back.rows["reviews"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("  sh01 ", "SH01"),
        ("   ", ""),
        ("", ""),
        (None, ""),
        (float("nan"), ""),
        (12.0, "12"),
        (12.5, "12.5"),
        (7, "7"),
        ("ß", "SS"),  # str.upper, as before the quick path for texts
    ],
)
def test_text_id(value, expected):
    assert text_id(value) == expected
