"""The streaming formula reader: formula text per cell, as Excel shows it after "="."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import a1, formulas, layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.io import formulas_reader, libreoffice
from ledger_xl.io.formulas_reader import read_formulas
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = NS_REL + "/worksheet"
CHUNK_SIZES = (1, 5, 64, 1000)

# ------------------------------------------------------------------ workbooks built by us

N_ROWS, SPARE = 6, 3
FIRST = layout.LEDGER_HEADER_ROW + 1  # first data row, 0-based
LAST = layout.LEDGER_HEADER_ROW + N_ROWS + SPARE  # last table row, 0-based
KEYS = [f.key for f in DEFAULT_RULES.fields]
TEMPLATE = {
    KEYS.index(key): text[1:] for key, text in formulas.ledger_formulas(DEFAULT_RULES).items()
}


def _build(path: Path) -> Path:
    ledger = generate_demo(n_customers=80).ledger.head(N_ROWS)
    return build_ledger_workbook(
        path, LedgerContent(ledger=ledger), options=BuildOptions(spare_rows=SPARE)
    )


def _expected_ledger() -> dict[tuple[int, int], str | None]:
    """Every cell of rows 0..LAST+2 × all columns: the template's formula text or None."""
    expected: dict[tuple[int, int], str | None] = {}
    for row in range(LAST + 3):
        for col in range(len(KEYS)):
            expected[row, col] = TEMPLATE.get(col) if FIRST <= row <= LAST else None
    expected[0, 1] = "TODAY()"  # 基准日 defaults to =TODAY()
    return expected


def _read_ledger(path: Path, **kwargs) -> dict[tuple[int, int], str | None]:
    return read_formulas(path, layout.SHEET_LEDGER, range(len(KEYS)), 0, LAST + 2, **kwargs)


@pytest.fixture
def full_scans(monkeypatch) -> list[str]:
    """Records each time the reader falls back from the fast scan to the full one."""
    calls: list[str] = []
    real = formulas_reader._full_scan

    def spy(collector, segments):
        calls.append("full")
        return real(collector, segments)

    monkeypatch.setattr(formulas_reader, "_full_scan", spy)
    return calls


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("formulas_reader") / "ledger.xlsx")


def test_built_ledger_formula_columns_hold_the_template(built, full_scans):
    found = _read_ledger(built)
    assert len(TEMPLATE) == len([f for f in DEFAULT_RULES.fields if not f.is_input]) == 12
    assert found == _expected_ledger()
    assert full_scans == []  # what our builder writes takes the fast path


def test_built_credentials_formulas(built):
    keys = [c.key for c in layout.CREDENTIAL_COLUMNS]
    texts = formulas.credential_formulas()
    top = layout.SIDE_HEADER_ROW
    found = read_formulas(built, layout.SHEET_CREDENTIALS, range(len(keys)), top + 1, top + 2)
    for (_, col), text in found.items():
        want = texts[keys[col]][1:] if keys[col] in texts else None
        assert text == want, keys[col]


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_chunk_boundaries_change_nothing_on_a_built_ledger(built, chunk_size):
    assert _read_ledger(built, chunk_size=chunk_size) == _read_ledger(built)


def _rewrite_sheet(source: Path, target: Path, change) -> Path:
    """A copy of `source` whose 台账 sheet XML is `change(xml)`."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            zout.writestr(info.filename, data)
    return target


def _drop_implied_refs(xml: bytes) -> bytes:
    """Remove every cell's `r` that its position implies (the cell right after the last)."""

    def row(match: re.Match) -> bytes:
        previous = -1

        def cell(m: re.Match) -> bytes:
            nonlocal previous
            col = 0
            for ch in m.group(2):
                col = col * 26 + ch - 64
            col -= 1
            implied, previous = col == previous + 1, col
            return m.group(1) if implied else m.group(0)

        return re.sub(rb'(<c) r="([A-Z]+)[0-9]+"', cell, match.group(0))

    return re.sub(rb"<row\b.*?</row>", row, xml, flags=re.DOTALL)


def _add_prefix(xml: bytes) -> bytes:
    """Every unprefixed element as `x:name`, the main namespace bound to `x`."""
    xml = re.sub(rb"<(/?)([A-Za-z]\w*)(?=[\s>/])", rb"<\1x:\2", xml)
    return xml.replace(b'xmlns="' + NS_MAIN.encode() + b'"', b'xmlns:x="' + NS_MAIN.encode() + b'"')


def test_implied_cell_positions_give_the_same_answer(built, tmp_path, full_scans):
    path = _rewrite_sheet(built, tmp_path / "implied.xlsx", _drop_implied_refs)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert re.search(rb"<c s=[^>]*><f>", xml)  # formula cells without `r` are there
    assert _read_ledger(path) == _expected_ledger()
    assert _read_ledger(path, chunk_size=7) == _expected_ledger()
    assert full_scans == ["full", "full"]


def test_prefixed_namespace_gives_the_same_answer(built, tmp_path, full_scans):
    path = _rewrite_sheet(built, tmp_path / "prefixed.xlsx", _add_prefix)
    with zipfile.ZipFile(path) as archive:
        assert b'<x:c r="S4"' in archive.read("xl/worksheets/sheet1.xml")
    assert _read_ledger(path) == _expected_ledger()
    assert _read_ledger(path, chunk_size=7) == _expected_ledger()
    assert full_scans == []


# ------------------------------------------------------------------ handcrafted workbooks


def _sheet(rows: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS_MAIN}"' if prefix else f'xmlns="{NS_MAIN}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}worksheet {xmlns} xmlns:r="{NS_REL}"><{p}sheetData>{rows}</{p}sheetData>'
        f"</{p}worksheet>"
    ).encode()


def _write_xlsx(path: Path, sheets: list[tuple[str, str, bytes]], compression: int) -> Path:
    """A minimal xlsx: `sheets` as (name as written in workbook.xml, rels target, XML)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>"
    )
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _, _) in enumerate(sheets, 1)
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheets>{entries}</sheets></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{SHEET_TYPE}" Target="{target}"/>'
        for i, (_, target, _) in enumerate(sheets, 1)
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rels}</Relationships>"
    )
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, (_, _, xml) in enumerate(sheets, 1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path


def _one_sheet(path: Path, name: str, rows: str, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A minimal xlsx of one sheet called `name` holding `rows`."""
    return _write_xlsx(path, [(name, "worksheets/sheet1.xml", _sheet(rows))], compression)


SHARED_ROWS = (
    '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
    '<row r="2" spans="1:9"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c>'
    '<c r="C2"><f t="shared" ref="C2:C5" si="0">A2*2</f><v>2</v></c>'
    '<c r="D2"><f t="shared" ref="D2:D5" si="1">$A$2*2</f><v>2</v></c>'
    '<c r="E2"><f t="shared" ref="E2:F3" si="2">$A2+B$1+SUM(A2:B2)</f><v>0</v></c>'
    '<c r="F2"><f t="shared" si="2"/><v>0</v></c>'
    '<c r="G2"><f t="array" ref="G2:G3">SUM(A2:A3*B2:B3)</f><v>0</v></c>'
    '<c r="H2" t="str"><f>IF(A1="&lt;x&gt;","a&amp;b","")</f><v></v></c>'
    '<c r="I2"><f t="shared" ref="I2:I4" si="3">IF(A2="B2",Ledger[[#This Row],[A1]],'
    "'Q1 data'!A2&amp;Sheet2!B2)</f><v>0</v></c></row>"
    '<row r="3"><c r="C3"><f t="shared" si="0"/><v>4</v></c><c r="D3"><f t="shared" si="1"/></c>'
    '<c r="E3"><f t="shared" si="2"/></c><c r="F3"><f t="shared" si="2"/></c>'
    '<c r="G3"><v>0</v></c><c r="I3"><f t="shared" si="3"/></c></row>'
    '<row r="4"><c r="C4"><f t="shared" si="0"/></c><c r="D4"><f t="shared" si="1"/></c>'
    '<c r="I4"><f t="shared" si="3"/></c></row>'
    '<row r="5"><c r="C5"><f t="shared" si="0"/></c><c r="D5"><f t="shared" si="1"/></c></row>'
    '<row r="6"><c r="C6"><v>12</v></c><c r="D6" t="n"><f aca="false">SUM(A1:A5)</f><v>3</v></c>'
    '<c r="E6"><f/></c><c r="H6" t="str"><f>&quot;&apos;&#20013;&#x6587;</f><v>x</v></c></row>'
    '<row r="7">\n  <c s="1" r="C7">\n    <f>A7+1</f>\n    <v>1</v>\n  </c>\n</row>'
)
SHARED_EXPECTED = {
    # row 2 (0-based 1)
    (1, 2): "A2*2",
    (1, 3): "$A$2*2",
    (1, 4): "$A2+B$1+SUM(A2:B2)",
    (1, 5): "$A2+C$1+SUM(B2:C2)",
    (1, 6): "SUM(A2:A3*B2:B3)",
    (1, 7): 'IF(A1="<x>","a&b","")',
    (1, 8): "IF(A2=\"B2\",Ledger[[#This Row],[A1]],'Q1 data'!A2&Sheet2!B2)",
    # row 3
    (2, 2): "A3*2",
    (2, 3): "$A$2*2",
    (2, 4): "$A3+B$1+SUM(A3:B3)",
    (2, 5): "$A3+C$1+SUM(B3:C3)",
    (2, 6): "SUM(A2:A3*B2:B3)",  # inside the array formula's range
    (2, 8): "IF(A3=\"B2\",Ledger[[#This Row],[A1]],'Q1 data'!A3&Sheet2!B3)",
    # row 4
    (3, 2): "A4*2",
    (3, 3): "$A$2*2",
    (3, 8): "IF(A4=\"B2\",Ledger[[#This Row],[A1]],'Q1 data'!A4&Sheet2!B4)",
    # row 5
    (4, 2): "A5*2",
    (4, 3): "$A$2*2",
    # row 6: C6 holds a typed value; E6 an empty formula
    (5, 3): "SUM(A1:A5)",
    (5, 4): "",
    (5, 7): "\"'中文",
    # row 7: `r` not first, whitespace around the formula
    (6, 2): "A7+1",
}
PREFIXED_ROWS = (
    '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1"><x:f>A1*3</x:f><x:v>3</x:v></x:c>'
    '</x:row><x:row r="2"><x:c r="B2" t="n"><x:f t="shared" ref="B2:B3" si="0">A2*3</x:f>'
    '</x:c></x:row><x:row r="3"><x:c r="B3"><x:f t="shared" si="0"/></x:c></x:row>'
)
IMPLIED_ROWS = (
    '<row r="1"><c><v>1</v></c><c><f>A1+1</f></c><c t="s"><v>0</v></c><c><f>A1&amp;"x"</f></c>'
    '</row><row><c r="A2"><v>5</v></c><c><f>A2*2</f></c></row>'
    '<row r="5"><c r="C5"><v>1</v></c><c><f>C5*2</f></c><c r="F5"><f>D5</f></c><c/>'
    "<c><f>1</f></c></row>"
)
IMPLIED_EXPECTED = {(0, 1): "A1+1", (0, 3): 'A1&"x"', (1, 1): "A2*2", (4, 3): "C5*2"}
IMPLIED_EXPECTED |= {(4, 5): "D5", (4, 7): "1"}
CDATA_ROWS = (
    '<row r="1"><c r="A1"><f><![CDATA[IF(B1<>"",B1&"<",1)]]></f></c>'
    '<c r="B1" t="str"><f>B2&amp;"x"</f><v>x</v></c></row>'
)


@pytest.fixture(params=[zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"])
def handmade(request, tmp_path) -> Path:
    utf16 = _sheet('<row r="1"><c r="A1"><f>SUM(B1:B2)</f></c></row>').decode()
    utf16 = utf16.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    sheets = [
        ("公式", "worksheets/sheet1.xml", _sheet(SHARED_ROWS)),
        ("前缀", "/xl/worksheets/sheet2.xml", _sheet(PREFIXED_ROWS, prefix="x")),
        ("位置&amp;隐含", "worksheets/sheet3.xml", _sheet(IMPLIED_ROWS)),
        ("CDATA", "worksheets/sheet4.xml", _sheet(CDATA_ROWS)),
        ("UTF16", "worksheets/sheet5.xml", utf16),
    ]
    return _write_xlsx(tmp_path / "handmade.xlsx", sheets, request.param)


def _grid(expected: dict, columns, rows) -> dict:
    return {(r, c): expected.get((r, c)) for r in rows for c in columns}


def test_shared_array_escaped_and_typed_over(handmade, full_scans):
    found = read_formulas(handmade, "公式", range(2, 9), 0, 7)
    assert full_scans == []
    assert found == _grid(SHARED_EXPECTED, range(2, 9), range(8))
    assert found[5, 2] is None  # C6: a typed value where a formula belongs


def test_shared_master_outside_the_requested_columns(handmade):
    # F2:F3 follow E2's formula; E is not asked for, F is.
    found = read_formulas(handmade, "公式", [5], 1, 2)
    assert found == {(1, 5): "$A2+C$1+SUM(B2:C2)", (2, 5): "$A3+C$1+SUM(B3:C3)"}


def test_only_the_requested_rows_and_columns(handmade):
    assert read_formulas(handmade, "公式", [3], 3, 4) == {(3, 3): "$A$2*2", (4, 3): "$A$2*2"}
    assert read_formulas(handmade, "公式", [], 0, 10) == {}
    assert read_formulas(handmade, "公式", [2], 5, 4) == {}


def test_prefixed_namespace_and_absolute_target(handmade):
    found = read_formulas(handmade, "前缀", [0, 1], 0, 2)
    assert found == {(0, 0): None, (0, 1): "A1*3", (1, 0): None, (1, 1): "A2*3"} | {
        (2, 0): None,
        (2, 1): "A3*3",
    }


def test_cells_and_rows_without_r_are_counted(handmade, full_scans):
    found = read_formulas(handmade, "位置&隐含", range(8), 0, 4)
    assert found == _grid(IMPLIED_EXPECTED, range(8), range(5))
    assert full_scans == ["full"]


def test_cdata_and_utf16(handmade):
    assert read_formulas(handmade, "CDATA", [0, 1], 0, 0) == {
        (0, 0): 'IF(B1<>"",B1&"<",1)',
        (0, 1): 'B2&"x"',
    }
    assert read_formulas(handmade, "UTF16", [0], 0, 0) == {(0, 0): "SUM(B1:B2)"}


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
@pytest.mark.parametrize(
    ("sheet", "columns", "last_row"),
    [("公式", range(9), 7), ("前缀", [0, 1], 2), ("位置&隐含", range(8), 4), ("CDATA", [0, 1], 0)],
)
def test_chunk_boundaries_change_nothing(handmade, chunk_size, sheet, columns, last_row):
    whole = read_formulas(handmade, sheet, columns, 0, last_row)
    assert read_formulas(handmade, sheet, columns, 0, last_row, chunk_size=chunk_size) == whole


def test_unreadable_input_is_a_read_error(handmade, tmp_path):
    with pytest.raises(WorkbookReadError, match="找不到工作表"):
        read_formulas(handmade, "没有这张表", [0], 0, 0)
    not_zip = tmp_path / "not.xlsx"
    not_zip.write_bytes(b"A,B\n1,2\n")
    with pytest.raises(WorkbookReadError):
        read_formulas(not_zip, "公式", [0], 0, 0)


def test_corrupt_sheet_data_is_a_read_error(tmp_path):
    path = _write_xlsx(
        tmp_path / "corrupt.xlsx",
        [("公式", "worksheets/sheet1.xml", _sheet(SHARED_ROWS * 20))],
        zipfile.ZIP_DEFLATED,
    )
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = bytes(8)  # an invalid stored block header
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookReadError):
        read_formulas(path, "公式", [2], 0, 7)


# ------------------------------------------------------------------ LibreOffice


@pytest.mark.libreoffice
@pytest.mark.slow
def test_reads_what_libreoffice_writes(soffice, built, tmp_path, full_scans):
    """What LibreOffice 7.4 writes: every formula as `<f aca="false">`, except the volatile
    `=TODAY()` in B1 as `<f aca="true">`; "&quot;" for quotes; no shared formulas. The text
    is the template's, unchanged: structured references stay in full
    (`Ledger[[#This Row],[列名]]`), names and case as written."""
    out = libreoffice.recalculate(built, tmp_path / "lo")
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    tags = dict(re.findall(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f\b([^>]*)>', xml))
    assert tags.pop(b"B1") == b' aca="true"'
    assert len(tags) == len(TEMPLATE) * (LAST - FIRST + 1)
    assert set(tags.values()) == {b' aca="false"'}
    assert len(re.findall(rb"<f\b", xml)) == len(tags) + 1
    assert b"&quot;" in xml
    assert _read_ledger(out) == _expected_ledger()
    assert _read_ledger(out, chunk_size=5) == _expected_ledger()
    assert full_scans == []


@pytest.mark.parametrize(
    ("sheet", "columns", "last_row"),
    [
        ("公式", range(12), 7),
        ("前缀", range(4), 2),
        ("位置&隐含", range(8), 4),
        ("CDATA", range(2), 0),
        ("UTF16", range(2), 0),
    ],
)
def test_all_columns_mode_finds_the_same_formulas(handmade, sheet, columns, last_row):
    """`ALL_COLUMNS` (what validation reads before it knows the columns) agrees with asking
    for the columns: shared, array, implied-position, prefixed, CDATA and UTF-16 cells. Array
    ranges are answered on lookup, not stored cell by cell."""
    every = read_formulas(handmade, sheet, formulas_reader.ALL_COLUMNS, 0, formulas_reader.LAST_ROW)
    asked = read_formulas(handmade, sheet, columns, 0, last_row)
    assert {k: v for k, v in asked.items() if v is not None} == {
        k: every.get(k) for k in asked if every.get(k) is not None
    }
    assert all(every.get(k) == v for k, v in asked.items())


def test_all_columns_mode_on_a_built_ledger(built):
    every = read_formulas(
        built, layout.SHEET_LEDGER, formulas_reader.ALL_COLUMNS, 0, formulas_reader.LAST_ROW
    )
    assert {k: v for k, v in _expected_ledger().items() if v is not None} == {
        k: v for k, v in every.items() if k[0] <= LAST + 2
    }


# Shared formulas shifted by the reader: whole-column and whole-row ranges (anchored or not)
# and references pushed past the sheet's edge, which Excel shows as #REF! — also by a follower
# that lies above and left of its master (no program writes that; the reader still shifts).
SHIFT_ROWS = (
    '<row r="2">'
    '<c r="C2"><f t="shared" ref="C2:D3" si="0">SUM(A:B)+SUM($A:B)+SUM(1:2)+SUM($1:2)+A2+'
    "SUM(A:$B)+SUM(1:$2)+a2</f></c>"
    '<c r="D2"><f t="shared" si="0"/></c>'
    '<c r="E2"><f t="shared" ref="E2:F2" si="1">XFD2+E1048576</f></c>'
    '<c r="F2"><f t="shared" si="1"/></c>'
    '<c r="G2"><f t="shared" ref="G2:G3" si="2">A1048576*2+$B$1+A1048575</f></c>'
    '<c r="H2"><f t="shared" ref="H2:H3" si="3">SUM(1048575:1048576)</f></c>'
    '<c r="I2"><f t="shared" ref="I2:J2" si="4">SUM(XFC:XFD)</f></c>'
    '<c r="J2"><f t="shared" si="4"/></c>'
    '<c r="L2"><f t="shared" si="5"/></c>'
    "</row>"
    '<row r="3"><c r="C3"><f t="shared" si="0"/></c><c r="D3"><f t="shared" si="0"/></c>'
    '<c r="G3"><f t="shared" si="2"/></c><c r="H3"><f t="shared" si="3"/></c>'
    '<c r="M3"><f t="shared" ref="L2:M3" si="5">B2+A1</f></c></row>'
)
SHIFT_EXPECTED = {
    (1, 2): "SUM(A:B)+SUM($A:B)+SUM(1:2)+SUM($1:2)+A2+SUM(A:$B)+SUM(1:$2)+a2",
    (1, 3): "SUM(B:C)+SUM($A:C)+SUM(1:2)+SUM($1:2)+B2+SUM(B:$B)+SUM(1:$2)+b2",
    (2, 2): "SUM(A:B)+SUM($A:B)+SUM(2:3)+SUM($1:3)+A3+SUM(A:$B)+SUM(2:$2)+a3",
    (2, 3): "SUM(B:C)+SUM($A:C)+SUM(2:3)+SUM($1:3)+B3+SUM(B:$B)+SUM(2:$2)+b3",
    (1, 4): "XFD2+E1048576",
    (1, 5): "#REF!+F1048576",
    (1, 6): "A1048576*2+$B$1+A1048575",
    (2, 6): "#REF!*2+$B$1+A1048576",
    (1, 7): "SUM(1048575:1048576)",
    (2, 7): "SUM(#REF!)",
    (1, 8): "SUM(XFC:XFD)",
    (1, 9): "SUM(#REF!)",
    (1, 11): "A1+#REF!",
    (2, 12): "B2+A1",
}


def test_shared_ranges_of_whole_columns_and_rows_and_the_sheet_edge(tmp_path):
    path = _one_sheet(tmp_path / "shift.xlsx", "移位", SHIFT_ROWS)
    found = read_formulas(path, "移位", range(2, 13), 1, 2)
    assert found == _grid(SHIFT_EXPECTED, range(2, 13), range(1, 3))


# Array ranges as a damaged or odd file may hold them: nested ranges over one column, a
# one-row range, refs the reader cannot use, and a cell with a formula of its own inside a
# range. Column A: A1:A10 holds "OUTER" and A3:A4 "INNER" (no program writes that; the cell
# gets the range starting nearest above it that covers it).
ARRAY_ROWS = (
    '<row r="1"><c r="A1"><f t="array" ref="A1:A10">OUTER</f></c>'
    '<c r="C1"><f t="array" ref="C1:E1">ONE_ROW</f></c>'
    '<c r="F1"><f t="array" ref="F1:F2:F3">THREE_PARTS</f></c>'
    '<c r="G1"><f t="array" ref="G1:G">NO_ROW</f></c>'
    '<c r="H1"><f t="array" ref="H1:H3">RANGE</f></c></row>'
    '<row r="2"><c r="H2"><f>OWN</f></c></row>'
    '<row r="3"><c r="A3"><f t="array" ref="A3:A4">INNER</f></c></row>'
)


# Without a row range the followers below a master take the quick path (only the rows move);
# whole-column ranges ride along unchanged. Name-like tokens past the last column (XFE1, a
# range reaching XFE from either side) are not references, in either path, and do not stop
# the references after them from moving.
PAST_THE_EDGE = "SUM(A:B)+XFE1+SUM(A:XFE)+SUM(xfe:B)+A2+SUM($A:C)+xfd2"
PAST_THE_EDGE_ROWS = (
    f'<row r="2"><c r="C2"><f t="shared" ref="C2:D4" si="0">{PAST_THE_EDGE}</f></c>'
    '<c r="D2"><f t="shared" si="0"/></c></row>'
    '<row r="3"><c r="C3"><f t="shared" si="0"/></c><c r="D3"><f t="shared" si="0"/></c></row>'
    '<row r="4"><c r="C4"><f t="shared" si="0"/></c></row>'
)


def test_names_past_the_last_column_are_not_shifted_down_or_across(tmp_path):
    path = _one_sheet(tmp_path / "edge.xlsx", "边界", PAST_THE_EDGE_ROWS)
    found = read_formulas(path, "边界", range(2, 4), 1, 3)
    assert found == {
        (1, 2): PAST_THE_EDGE,
        (2, 2): "SUM(A:B)+XFE1+SUM(A:XFE)+SUM(xfe:B)+A3+SUM($A:C)+xfd3",
        (3, 2): "SUM(A:B)+XFE1+SUM(A:XFE)+SUM(xfe:B)+A4+SUM($A:C)+xfd4",
        (1, 3): "SUM(B:C)+XFE1+SUM(A:XFE)+SUM(xfe:B)+B2+SUM($A:D)+#REF!",
        (2, 3): "SUM(B:C)+XFE1+SUM(A:XFE)+SUM(xfe:B)+B3+SUM($A:D)+#REF!",
        (3, 3): None,
    }


@pytest.mark.parametrize("every", [True, False], ids=["all columns", "asked for"])
def test_array_ranges_nested_one_row_unusable_and_overridden(tmp_path, every):
    path = _one_sheet(tmp_path / "arrays.xlsx", "数组", ARRAY_ROWS)
    columns = formulas_reader.ALL_COLUMNS if every else range(9)
    found = read_formulas(path, "数组", columns, 0, 11)
    expected = {(row, 0): "OUTER" for row in range(10)} | {(2, 0): "INNER", (3, 0): "INNER"}
    expected |= {(0, col): "ONE_ROW" for col in (2, 3, 4)}
    expected |= {(0, 7): "RANGE", (1, 7): "OWN", (2, 7): "RANGE"}
    expected |= {(0, 5): "THREE_PARTS", (0, 6): "NO_ROW"}  # their own cells only
    for row in range(12):
        for col in range(9):
            assert found.get((row, col)) == expected.get((row, col)), (row, col)
    # `get` with a default answers as `[]` does: a cell read without a formula holds None, an
    # array's cell its text, a cell never read the default
    unread = object()
    for row in range(14):
        for col in range(11):
            try:
                want = found[row, col]
            except KeyError:
                want = unread
            assert found.get((row, col), unread) is want, (row, col)
    assert found.get((13, 10), "none") == "none"
    with pytest.raises(KeyError) as missing:  # a dict's contract: the error carries the key
        found[13, 10]
    assert missing.value.args == ((13, 10),)
    if not every:
        assert (11, 8) in found and found.get((11, 8), "none") is None


def test_a_stray_formula_after_a_self_closed_cell_belongs_to_no_cell(tmp_path):
    """`<c r="B1"/>` then an `<f>` outside any cell (a damaged file): B1 holds no formula and
    the scan goes on to the cells after it, also when a cell without `r` forces the full
    scan."""
    rows = (
        '<row r="1"><c r="A1"><f>A</f></c><c r="B1"/><f>STRAY</f><c r="C1"><f>C</f></c>'
        "<c><f>D</f></c></row>"
    )
    path = _one_sheet(tmp_path / "stray.xlsx", "表", rows, zipfile.ZIP_STORED)
    assert read_formulas(path, "表", range(5), 0, 0) == {
        (0, 0): "A",
        (0, 1): None,
        (0, 2): "C",
        (0, 3): "D",
        (0, 4): None,
    }


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_a_row_longer_than_the_carry_is_cut_at_cells_and_still_counted(
    tmp_path, monkeypatch, chunk_size
):
    """A row without row starts for longer than MAX_CARRY is scanned in pieces cut at cell
    starts: the implied positions go on counting across the cuts, from the piece's first
    cell."""
    values = "".join("<c><v>1</v></c>" for _ in range(12))
    rows = f'<row r="1">{values}<c><f>M1</f></c><c t="s"><v>0</v></c><c><f>O1</f></c></row>'
    path = _one_sheet(tmp_path / "long.xlsx", "表", rows, zipfile.ZIP_STORED)
    monkeypatch.setattr(formulas_reader, "MAX_CARRY", 20)
    found = read_formulas(path, "表", formulas_reader.ALL_COLUMNS, 0, 0, chunk_size=chunk_size)
    assert dict(found) == {(0, 12): "M1", (0, 14): "O1"}


@pytest.mark.parametrize("carry", [30, 40, 60])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 4, 5, 7])
def test_an_error_cell_without_r_at_the_start_of_a_piece_is_placed(
    tmp_path, monkeypatch, chunk_size, carry
):
    """A row longer than the carry is cut at cell starts, so a piece can begin with a cell:
    here an error value without `r` among cells that all have one. The two tag counts that
    decide whether such a cell can be in the piece, and the search for it, start at the
    piece's first byte, or the cell is not seen. And a stretch with no cell start (the XML
    header, longer than the carry here) is cut before its last tag: cut inside `<row`, the
    row was never seen (no errors at all), cut inside a cell tag, the count missed a cell
    (#REF! one column early)."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c><c t="e"><v>#N/A</v></c>'
        '<c r="C1"><v>2</v></c><c r="D1"><f>A1</f><v>1</v></c>'
        '<c r="E1"><v>3</v></c><c t="e"><v>#REF!</v></c><c r="G1"><v>4</v></c></row>'
    )
    path = _one_sheet(tmp_path / "cut.xlsx", "表", rows, zipfile.ZIP_STORED)
    monkeypatch.setattr(formulas_reader, "MAX_CARRY", carry)
    found = read_formulas(path, "表", formulas_reader.ALL_COLUMNS, 0, 0, chunk_size=chunk_size)
    assert dict(found) == {(0, 3): "A1"}
    assert found.errors == {(0, 1): "#N/A", (0, 5): "#REF!"}
    assert formulas_reader.read_error_values(path, "表") == {(0, 1): "#N/A", (0, 5): "#REF!"}


# Shared formulas at the sheet's first and last rows, a follower above its master (outside
# the master's range: a hand-edited file) and a plain formula carrying a stray `si`.
EDGE_ROW_ROWS = (
    '<row r="2"><c r="B2"><f t="shared" si="0"/></c><c r="C2"><f t="shared" si="0"/></c>'
    '<c r="E2"><f t="shared" ref="E2:F3" si="1">A1048575+C1+E$1</f></c></row>'
    '<row r="3"><c r="B3"><f t="shared" si="0"/></c><c r="C3"><f si="0">A9+1</f></c>'
    '<c r="E3"><f t="shared" si="1"/></c><c r="F3"><f t="shared" si="1"/></c>'
    '<c r="G3"><f si="1" aca="1">E1+1</f></c></row>'
    '<row r="4"><c r="C4"><f t="shared" si="0"/></c></row>'
    '<row r="5"><c r="B5"><f t="shared" ref="B5:C5" si="0">A3*2</f></c></row>'
)


@pytest.mark.parametrize("every", [True, False], ids=["all columns", "asked for"])
def test_shifts_reach_the_first_and_last_rows_and_no_further(tmp_path, every):
    path = _one_sheet(tmp_path / "rows.xlsx", "行", EDGE_ROW_ROWS)
    columns = formulas_reader.ALL_COLUMNS if every else range(7)
    found = read_formulas(path, "行", columns, 0, 5)
    assert {cell: text for cell, text in found.items() if text is not None} == {
        # follower down (column kept): the last row is a row, one further is not
        (2, 4): "A1048576+C2+E$1",
        # across and down at once
        (2, 5): "B1048576+D2+F$1",
        # the master's own text, and its followers above it, up to row 1 and no further
        (1, 4): "A1048575+C1+E$1",
        (4, 1): "A3*2",
        (2, 1): "A1*2",
        (1, 1): "#REF!*2",
        (1, 2): "#REF!*2",
        (3, 2): "B2*2",
        # a formula with an `si` but not `t="shared"` is its own text, not a follower
        (2, 2): "A9+1",
        (2, 6): "E1+1",
    }


CARRY = 256  # the carry made small: a row of 300 cells (some 9 KB) is far longer


def _long_row(tmp_path: Path, monkeypatch) -> tuple[Path, bytes]:
    """A sheet of one row of 300 cells, and its XML, with the carry made CARRY bytes."""
    cells = "".join(f'<c r="{a1.cell(0, col)}"><v>{col}</v></c>' for col in range(300))
    path = _one_sheet(tmp_path / "long.xlsx", "表", f'<row r="1">{cells}</row>', zipfile.ZIP_STORED)
    monkeypatch.setattr(formulas_reader, "MAX_CARRY", CARRY)
    with zipfile.ZipFile(path) as archive:
        return path, archive.read(formulas_reader._sheet_part(archive, path, "表"))


def _pieces(path: Path, chunk_size: int) -> list[tuple[bytes, int]]:
    with zipfile.ZipFile(path) as archive:
        part = formulas_reader._sheet_part(archive, path, "表")
        return list(formulas_reader._segments(archive, path, part, chunk_size))


@pytest.mark.parametrize("chunk_size", [16, 64])
def test_a_row_longer_than_the_carry_is_cut_so_no_piece_outgrows_it(
    tmp_path, monkeypatch, chunk_size
):
    """Memory stays bounded by the carry whatever the row: a row longer than the carry is
    cut at its cell starts, and every byte of the part is in exactly one piece."""
    path, xml = _long_row(tmp_path, monkeypatch)
    pieces = _pieces(path, chunk_size)
    assert b"".join(buffer[:end] for buffer, end in pieces) == xml
    assert max(len(buffer) for buffer, _ in pieces) <= CARRY + chunk_size
    assert len(pieces) > len(xml) // (CARRY + chunk_size)


def test_a_short_carried_row_start_does_not_put_off_the_carrys_cut(tmp_path, monkeypatch):
    """The row-start search finds the carried row's own start (offset 0) when the piece
    before was cut within 65 bytes of its end; if the next chunk then takes the carry past
    its bound, the piece is cut there at a cell start, not one chunk later."""
    path, xml = _long_row(tmp_path, monkeypatch)
    chunk_size = xml.index(b"<row") + 40  # the row starts 40 bytes before the chunk ends
    assert 40 + chunk_size > CARRY  # the next chunk takes the carry past its bound
    pieces = _pieces(path, chunk_size)
    assert b"".join(buffer[:end] for buffer, end in pieces) == xml
    assert pieces[0][1] == xml.index(b"<row")  # the header, cut at the row's start
    assert len(pieces[1][0]) == 40 + chunk_size  # the next chunk: cut at once
    assert max(len(buffer) for buffer, _ in pieces) <= CARRY + chunk_size
