"""The quick bound of a sheet's cells (`io.extent.bound`) never says less than the exact scan,
and steps aside (None) for XML it does not read, so the guard falls back to the scan."""

from __future__ import annotations

import io
import zipfile

import pytest

from ledger_xl.io import extent

PART = "xl/worksheets/sheet1.xml"


def _archive(body: str) -> zipfile.ZipFile:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr(PART, f"<worksheet><sheetData>{body}</sheetData></worksheet>")
    return zipfile.ZipFile(data)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="s"><v>0</v></c></row>', (1, 3)),
        ('<row r="2"><c r="B2"><f>1+1</f><v>2</v></c></row><row r="9"><c r="AA9"/></row>', (9, 27)),
        # a cell whose reference lies below its row tag: the cell counts
        ('<row r="1"><c r="A70000"><v>1</v></c></row>', (70000, 1)),
        ("", (0, 0)),
    ],
)
def test_bound_covers_every_cell_and_row(body, expected):
    archive = _archive(body)
    assert extent.bound(archive, PART) == expected
    found = extent.scan(archive, PART)
    assert found.rows <= expected[0] and found.cols <= expected[1]


@pytest.mark.parametrize(
    "body",
    [
        '<row r="1"><c><v>1</v></c></row>',  # a cell without r: positional
        '<row><c r="A1"><v>1</v></c></row>',  # a row without r
        '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>',  # a namespace prefix
        '<row r="1"><c s="1" r=\'A1\'><v>1</v></c></row>',  # attributes in another order
    ],
)
def test_bound_steps_aside_for_other_forms(body):
    assert extent.bound(_archive(body), PART) is None


def test_check_falls_back_to_the_scan_when_the_bound_is_too_large():
    # a styled empty cell far away: the bound exceeds the budget, the exact scan does not
    body = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>'
    archive = _archive(body)
    rows, cols = extent.bound(archive, PART)
    assert rows * cols > extent.budget(archive.getinfo(PART).file_size)
    assert extent.check(archive, PART, "台账") is None
    far = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    assert "XFD1048576" in extent.check(_archive(far), PART, "台账")
