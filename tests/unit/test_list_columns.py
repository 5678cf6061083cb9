"""A list sheet's date and number columns written a column at a time (`_typed_run`) give the
same sheet as writing them cell by cell (`ListWriter._column`), for every kind of value."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.utility import _datetime_to_excel_datetime

from ledger_xl.io.xlsx import kit, list_sheets
from ledger_xl.io.xlsx.list_sheets import ListSpec, ListWriter, as_datetime

FIXED = ["1900-01-01", "1900-02-28", "1900-03-01", "1899-12-31", "1899-12-30", "1800-06-15"]
FIXED += ["1970-01-01", "2026-11-23", "9999-12-31"]


def _serials_by_cell(stamps: pd.Series) -> list:
    """What the cell-by-cell path writes for each value: XlsxWriter's serial, None for blank."""
    out = []
    for value in stamps.tolist():
        day = as_datetime(value)
        out.append(None if day is None else _datetime_to_excel_datetime(day, False, False))
    return out


@pytest.mark.parametrize("unit", ["s", "ns"])
def test_date_serials_are_xlsxwriters_at_the_edges(unit: str) -> None:
    # datetime64[ns] reaches 1677-09-21 .. 2262-04-11 only
    fixed = FIXED if unit == "s" else [d for d in FIXED if "1700" < d < "2262"]
    stamps = pd.Series(np.array([*fixed, "NaT"], dtype="datetime64[s]").astype(f"M8[{unit}]"))
    assert list_sheets._typed_run(stamps, "expires") == _serials_by_cell(stamps)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(), st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(9999, 12, 31))
        ),
        max_size=30,
    )
)
def test_date_serials_are_xlsxwriters(days: list) -> None:
    stamps = pd.Series(
        np.array(
            [np.datetime64(d, "s") if d else np.datetime64("NaT", "s") for d in days],
            dtype="datetime64[s]",
        )
    )
    assert list_sheets._typed_run(stamps, "last_review") == _serials_by_cell(stamps)


def test_a_time_of_day_goes_cell_by_cell() -> None:
    stamps = pd.Series(pd.to_datetime(["2026-01-01 00:00", "2026-01-02 13:30"]))
    assert list_sheets._typed_run(stamps, "expires") is None


def test_only_the_columns_it_knows_go_at_once() -> None:
    floats = pd.Series([1.0, np.nan, 2.5])
    assert list_sheets._typed_run(floats, "days") == [1.0, None, 2.5]
    assert list_sheets._typed_run(floats, "name") is None  # not a number column
    assert list_sheets._typed_run(pd.Series([1, "x"], dtype=object), "days") is None
    dates = pd.Series(pd.to_datetime(["2026-01-01"]))
    assert list_sheets._typed_run(dates, "name") is None  # not a date column


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def _write(path: Path, frame: pd.DataFrame, spec: ListSpec) -> None:
    with kit.written(path, kind="due_list", title="t") as wb:
        ListWriter(wb, list_sheets.list_formats(wb)).write(spec, frame)


def test_the_sheet_is_the_one_written_cell_by_cell(tmp_path: Path, monkeypatch) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
            "last_review": pd.to_datetime(
                ["1900-01-01", None, "1900-03-01", "2026-11-23", "9999-12-31", "1899-12-31"]
            ).as_unit("s"),
            "next_review": pd.to_datetime(
                [
                    "2026-01-01 08:00",
                    None,
                    "2026-01-03 00:00",
                    "2026-01-04 00:00",
                    "2026-01-05 00:00",
                    "2026-01-06 00:00",
                ]
            ),
            "days": [3.0, np.nan, -0.0, 4.0, 1e308, -12.0],
            "composite_score": [85.5, np.nan, 0.0, 100.0, 59.95, np.nan],
            "row": np.arange(2, 8),
        }
    )
    spec = ListSpec("清单", "List", tuple(frame.columns), "没有。")
    _write(tmp_path / "fast.xlsx", frame, spec)
    monkeypatch.setattr(list_sheets, "_typed_run", lambda column, key: None)
    _write(tmp_path / "plain.xlsx", frame, spec)
    fast, plain = _sheet_xml(tmp_path / "fast.xlsx"), _sheet_xml(tmp_path / "plain.xlsx")
    assert b"<v>0</v>" in fast  # 1900-01-01 as XlsxWriter writes it
    assert fast == plain
