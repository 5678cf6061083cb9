"""The formula reader against an obvious reader, on sheets drawn at random.

`read_formulas` scans the sheet XML with regular expressions, in pieces, and falls back to a
slower scan that counts implied positions when a formula cell has no `r`. The oracle here
parses the whole part with ElementTree and walks it: a row without `r` is the previous row
+ 1, a cell without `r` the previous cell + 1, a cell's formula is its `<f>` child's text.
The sheets mix everything both scanners must get right: `r` first, later or missing on rows
and cells, self-closing cells, values, formulas with and without a cached value (a text
result may be empty), escaped text; read in pieces from one byte up, with rows longer than
the carry limit cut at cell starts, for some columns and rows or for all of them.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_xl.core.a1 import column_letters
from ledger_xl.io import formulas_reader
from ledger_xl.io.formulas_reader import ALL_COLUMNS, read_error_values, read_formulas
from tests.unit.test_formulas_reader import NS_MAIN, _sheet, _write_xlsx

EXAMPLES = int(os.environ.get("LEDGER_XL_SCAN_EXAMPLES", 400 if os.environ.get("CI") else 120))
TEXT_TYPES = {"str", "inlineStr", "e"}
FORMULAS = st.sampled_from(["A1+1", "SUM(B1:B9)", 'IF(C1="<x>","a&b","")', "1", "", "中文&1"])


@st.composite
def cells(draw) -> list[dict]:
    """One row's cells: explicit `r` only where it moves forward (as Excel writes them)."""
    out, col = [], -1
    for _ in range(draw(st.integers(0, 6))):
        explicit = draw(st.integers(0, 3))  # 0: no r, 1: r first, 2: r after s, 3: r first
        gap = draw(st.integers(1, 3)) if explicit else 1
        col += gap
        kind = draw(st.sampled_from(["value", "empty", "error", "formula", "formula", "formula"]))
        out.append(
            {
                "col": col,
                "r": explicit,
                "kind": kind,
                "type": draw(st.sampled_from([None, "n", "str", "e", "s"])),
                "formula": draw(FORMULAS),
                "cached": draw(st.sampled_from([None, "", "7", "x"])),
            }
        )
    return out


@st.composite
def sheets(draw) -> list[dict]:
    rows, row = [], -1
    for _ in range(draw(st.integers(1, 6))):
        explicit = draw(st.integers(0, 2))  # 0: no r, 1: r first, 2: r after spans
        row += draw(st.integers(1, 3)) if explicit else 1
        rows.append({"row": row, "r": explicit, "cells": draw(cells())})
    return rows


def _xml(rows: list[dict], row_number: int) -> str:
    """The sheetData rows as a writer would write them (positions implied where no `r`)."""
    parts = []
    for spec in rows:
        number = spec["row"] + 1
        attrs = {0: "", 1: f' r="{number}" spans="1:9"', 2: f' spans="1:9" r="{number}"'}
        cells_xml = []
        for cell in spec["cells"]:
            ref = f"{column_letters(cell['col'])}{number}"
            r = {0: "", 1: f' r="{ref}"', 2: f' s="1" r="{ref}"', 3: f' r="{ref}" s="2"'}
            t = f' t="{cell["type"]}"' if cell["type"] else ""
            if cell["kind"] == "empty":
                cells_xml.append(f"<c{r[cell['r']]}{t}/>")
                continue
            if cell["kind"] == "error":  # an error value pasted: no formula
                cells_xml.append(f'<c{r[cell["r"]]} t="e"><v>#N/A{cell["col"]}</v></c>')
                continue
            if cell["kind"] == "value":
                cells_xml.append(f"<c{r[cell['r']]}{t}><v>{row_number}</v></c>")
                continue
            cached = "" if cell["cached"] is None else f"<v>{cell['cached']}</v>"
            formula = f"<f>{escape(cell['formula'])}</f>" if cell["formula"] else "<f/>"
            cells_xml.append(f"<c{r[cell['r']]}{t}>{formula}{cached}</c>")
        parts.append(f"<row{attrs[spec['r']]}>{''.join(cells_xml)}</row>")
    return "".join(parts)


def _oracle(xml: bytes, columns, first_row: int, last_row: int):
    """Formula text and uncalculated cells, by walking the parsed sheet."""
    ns = {"m": NS_MAIN}
    root = ElementTree.fromstring(xml)
    formulas: dict[tuple[int, int], str | None] = {}
    if columns is not ALL_COLUMNS:
        formulas = {(r, c): None for r in range(first_row, last_row + 1) for c in columns}
    uncalculated, errors = set(), {}
    row = -1
    for row_element in root.find("m:sheetData", ns):
        r = row_element.get("r")
        row = int(r) - 1 if r else row + 1
        col = -1
        for cell in row_element:
            ref = cell.get("r")
            col = formulas_reader.column_index(ref.rstrip("0123456789")) if ref else col + 1
            f = cell.find("m:f", ns)
            value = cell.find("m:v", ns)
            placed = first_row <= row <= last_row
            if f is None and cell.get("t") == "e" and value is not None and value.text and placed:
                errors[row, col] = value.text
            wanted = (columns is ALL_COLUMNS or col in columns) and first_row <= row <= last_row
            if f is None or not wanted:
                continue
            formulas[row, col] = f.text or ""
            v = cell.find("m:v", ns)
            if (v is None or not v.text) and cell.get("t") not in TEXT_TYPES:
                uncalculated.add((row, col))
    return formulas, uncalculated, errors


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    rows=sheets(),
    chunk=st.sampled_from([1, 7, 64, 1 << 20]),
    # a row longer than the carry limit is cut at a cell start (a cell is at most 120 bytes)
    carry=st.sampled_from([150, 300, formulas_reader.MAX_CARRY]),
    every=st.booleans(),
    columns=st.sets(st.integers(0, 14), min_size=1, max_size=6),
    first=st.integers(0, 4),
    span=st.integers(0, 20),
    deflate=st.booleans(),
)
def test_the_reader_finds_what_walking_the_parsed_sheet_finds(
    rows, chunk, carry, every, columns, first, span, deflate
):
    xml = _sheet(_xml(rows, 5))
    wanted = ALL_COLUMNS if every else columns
    expected, uncalculated, errors = _oracle(xml, wanted, first, first + span)
    original = formulas_reader.MAX_CARRY
    formulas_reader.MAX_CARRY = carry
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = _write_xlsx(
                Path(folder) / "drawn.xlsx",
                [("表", "worksheets/sheet1.xml", xml)],
                zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED,
            )
            found = read_formulas(path, "表", wanted, first, first + span, chunk_size=chunk)
            side = read_error_values(path, "表")
    finally:
        formulas_reader.MAX_CARRY = original
    assert dict(found) == expected
    assert found.uncalculated == uncalculated
    assert found.errors == errors
    assert side == _oracle(xml, ALL_COLUMNS, 0, formulas_reader.LAST_ROW)[2]
