"""The formula reader at its edges, each path by hand: the asked-for rows taken to the row and
no further whichever way a cell is written, attributes however they are quoted or prefixed,
text with line ends, CDATA and character references, and a sheet part whose compressed data
is cut, padded or ends with the file, answered with the file's name and what is wrong."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.io import formulas_reader
from ledger_xl.io.formulas_reader import ALL_COLUMNS, read_formulas
from tests.unit.test_formulas_reader import _sheet, _write_xlsx

SHEET = "台账"
PART = "xl/worksheets/sheet1.xml"
DAMAGED = f"无法读取公式（BadZipFile: {PART} 已截断或损坏）"


def _book(
    tmp_path: Path, rows: str | bytes, name: str = "book.xlsx", compression=zipfile.ZIP_DEFLATED
) -> Path:
    xml = _sheet(rows) if isinstance(rows, str) else rows
    return _write_xlsx(tmp_path / name, [(SHEET, "worksheets/sheet1.xml", xml)], compression)


def _read(path: Path, columns=(1,), first: int = 2, last: int = 4, **kw):
    return read_formulas(path, SHEET, columns, first, last, **kw)


# ------------------------------------------------------------ rows and columns asked for

# Excel rows 2 to 6 of columns A to C; rows 3 to 5 of column B (0-based rows 2..4, column 1)
# are asked for. `cell(ref, body)` writes one cell as a form of the test writes it.
FORMS = {
    "r first": lambda ref, body: f'<c r="{ref}">{body}</c>',
    "r after s": lambda ref, body: f'<c s="1" r="{ref}">{body}</c>',
    "r after t": lambda ref, body: f'<c t="n" r="{ref}">{body}</c>',
}


def _rows(form, body_of) -> str:
    cell = FORMS[form]
    return "".join(
        f'<row r="{row}">'
        + "".join(cell(f"{col}{row}", body_of(col, row)) for col in "ABC")
        + "</row>"
        for row in range(1, 8)
    )


def _asked(texts: dict[int, str]) -> dict[tuple[int, int], str | None]:
    """The expected result for column B, rows 3..5: Excel row -> text."""
    return {(row - 1, 1): texts.get(row) for row in (3, 4, 5)}


@pytest.mark.parametrize("form", list(FORMS))
def test_plain_formulas_are_taken_from_the_first_to_the_last_row_asked(tmp_path, form):
    book = _book(tmp_path, _rows(form, lambda col, row: f"<f>{col}{row}*2</f><v>1</v>"))
    found = _read(book)
    assert dict(found) == _asked({3: "B3*2", 4: "B4*2", 5: "B5*2"})
    assert found.uncalculated == set()


@pytest.mark.parametrize("form", list(FORMS))
def test_uncalculated_formulas_are_noted_only_within_the_rows_asked(tmp_path, form):
    book = _book(tmp_path, _rows(form, lambda col, row: f"<f>{col}{row}*2</f>"))
    assert _read(book).uncalculated == {(2, 1), (3, 1), (4, 1)}


def test_cells_without_r_are_counted_to_the_rows_asked(tmp_path):
    rows = "".join(
        f'<row r="{row}">' + "".join(f"<c><f>{col}{row}+0</f></c>" for col in "ABC") + "</row>"
        for row in range(1, 8)
    )
    found = _read(_book(tmp_path, rows))
    assert dict(found) == _asked({3: "B3+0", 4: "B4+0", 5: "B5+0"})
    assert found.uncalculated == {(2, 1), (3, 1), (4, 1)}


def _shared(col: str, row: int, quote: str = '"') -> str:
    q = quote
    if row == 1:  # the master, over the whole column
        return f"<f t={q}shared{q} ref={q}{col}1:{col}7{q} si={q}{ord(col)}{q}>{col}1+1</f><v>1</v>"
    return f"<f t={q}shared{q} si={q}{ord(col)}{q}/><v>1</v>"


@pytest.mark.parametrize("form", list(FORMS))
def test_shared_followers_are_taken_from_the_first_to_the_last_row_asked(tmp_path, form):
    found = _read(_book(tmp_path, _rows(form, _shared)))
    assert dict(found) == _asked({3: "B3+1", 4: "B4+1", 5: "B5+1"})


@pytest.mark.parametrize("form", list(FORMS))
def test_every_column_read_gives_each_follower_its_own_text(tmp_path, form):
    found = _read(_book(tmp_path, _rows(form, _shared)), columns=ALL_COLUMNS, first=0, last=6)
    assert dict(found) == {
        (row - 1, i): f"{col}{row}+1" for row in range(1, 8) for i, col in enumerate("ABC")
    }


def test_single_quoted_attributes_are_read_as_double_quoted(tmp_path):
    found = _read(_book(tmp_path, _rows("r after s", lambda col, row: _shared(col, row, "'"))))
    assert dict(found) == _asked({3: "B3+1", 4: "B4+1", 5: "B5+1"})


def test_a_prefix_on_an_attribute_name_is_not_part_of_the_name(tmp_path):
    def body(col, row):
        return _shared(col, row).replace(" t=", " x:t=").replace(" si=", " x:si=")

    found = _read(_book(tmp_path, _rows("r first", body)))
    assert dict(found) == _asked({3: "B3+1", 4: "B4+1", 5: "B5+1"})


def test_a_namespace_declared_on_a_formula_is_not_one_of_its_attributes(tmp_path):
    # xmlns:t declares a prefix; it is no `t` attribute, whichever comes last.
    def body(col, row):
        return (
            _shared(col, row)
            .replace("<f ", '<f xmlns:si="urn:x" ')
            .replace("/>", ' xmlns:t="urn:y"/>')
        )

    found = _read(_book(tmp_path, _rows("r first", body)))
    assert dict(found) == _asked({3: "B3+1", 4: "B4+1", 5: "B5+1"})


@pytest.mark.parametrize("form", list(FORMS))
def test_a_follower_without_a_master_drops_only_itself(tmp_path, form):
    cell = FORMS[form]
    bodies = {
        3: '<f t="shared" ref="B3:B5" si="0">A3</f><v>1</v>',
        4: '<f t="shared" si="7"/><v>1</v>',
        5: '<f t="shared" si="0"/><v>1</v>',
    }
    rows = "".join(f'<row r="{row}">{cell(f"B{row}", body)}</row>' for row, body in bodies.items())
    assert dict(_read(_book(tmp_path, rows))) == _asked({3: "A3", 5: "A5"})


@pytest.mark.parametrize("form", list(FORMS))
def test_a_data_table_range_is_no_array(tmp_path, form):
    # `ref` without t="array" (a what-if data table) gives its text to its own cell only.
    table = '<f t="dataTable" ref="B3:B5" dt2D="0" dtr="0" r1="A1"/><v>1</v>'
    rows = f'<row r="3">{FORMS[form]("B3", table)}</row>'
    assert dict(_read(_book(tmp_path, rows))) == _asked({3: ""})


def test_array_formulas_past_the_limit_fill_no_cells(tmp_path, monkeypatch):
    # Two arrays are honoured with the limit at two; the third gives only its own cell.
    monkeypatch.setattr(formulas_reader, "MAX_ARRAYS", 2)
    rows = "".join(
        f'<row r="{row}"><c r="B{row}"><f t="array" ref="B{row}:C{row}">{{{row}}}</f>'
        f"<v>1</v></c></row>"
        for row in (3, 4, 5)
    )
    found = _read(_book(tmp_path, rows), columns=(1, 2))
    assert {key: text for key, text in found.items() if text} == {
        (2, 1): "{3}",
        (2, 2): "{3}",
        (3, 1): "{4}",
        (3, 2): "{4}",
        (4, 1): "{5}",
    }


def test_a_piece_cut_anywhere_never_makes_a_calculated_formula_uncalculated(tmp_path):
    # The scan reads a piece up to its last complete row: a cell cut before its <v> is
    # read with the next piece, never as a formula without a value.
    rows = "".join(
        f'<row r="{row}"><c r="B{row}"><f>A{row}</f><v>{row}</v></c></row>' for row in range(1, 9)
    )
    book = _book(tmp_path, rows)
    for chunk in range(1, 120):
        found = _read(book, first=0, last=7, chunk_size=chunk)
        assert found.uncalculated == set(), chunk
        assert dict(found) == {(row, 1): f"A{row + 1}" for row in range(8)}, chunk


# ------------------------------------------------------------------- text of a formula


@pytest.mark.parametrize(
    ("written", "text"),
    [
        (b"A1\r\n+1", "A1\n+1"),  # XML end-of-line handling: CR LF and a lone CR are LF
        (b"A1\r+1\r\r\n", "A1\n+1\n\n"),
        (b"A1&#13;+1", "A1\r+1"),  # a CR written as a reference stays
        (b"&#65;&#x42;&#x43;1", "ABC1"),
        (b"&lt;&gt;&amp;&quot;&apos;", "<>&\"'"),
        (b"&#x110000;+&#99999999999999999999;", "&#x110000;+&#99999999999999999999;"),
        (b"a<![CDATA[<b>&amp;]]>&amp;c", "a<b>&amp;&c"),
        (b"<![CDATA[x]]>y<![CDATA[z]]>", "xyz"),
        (b"\xe4\xb8\xad\xff1", "中\ufffd1"),  # a byte that is not UTF-8 is shown as such
        (b"", ""),
    ],
)
@pytest.mark.parametrize("r", ["r first", "no r"])
def test_formula_text_is_read_as_an_xml_parser_reads_it(tmp_path, written, text, r):
    ref = ' r="B3"' if r == "r first" else ""
    rows = (
        b'<row r="3"><c r="A3"><v>1</v></c><c'
        + ref.encode()
        + b"><f>"
        + written
        + b"</f><v>1</v></c></row>"
    )
    xml = _sheet("").replace(b"<sheetData>", b"<sheetData>" + rows)
    assert dict(_read(_book(tmp_path, xml), first=2, last=2)) == {(2, 1): text}


# ------------------------------------------------------------ a damaged or odd sheet part

_CENTRAL = struct.Struct("<4s16xII")  # signature, ..., compressed size, uncompressed size
_LOCAL = struct.Struct("<4s14xII")


def _entry_offsets(data: bytes, name: str) -> tuple[int, int]:
    """Offsets of `name`'s local header and of its central directory entry."""
    encoded = name.encode()
    central = next(
        at
        for at in _find_all(data, b"PK\x01\x02")
        if data[at + 46 : at + 46 + len(encoded)] == encoded
    )
    (local,) = struct.unpack_from("<I", data, central + 42)
    return local, central


def _find_all(data: bytes, needle: bytes):
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def _set_sizes(path: Path, compressed: int | None = None, uncompressed: int | None = None):
    data = bytearray(path.read_bytes())
    local, central = _entry_offsets(bytes(data), PART)
    for at, offset in ((local, 18), (central, 20)):
        if compressed is not None:
            struct.pack_into("<I", data, at + offset, compressed)
        if uncompressed is not None:
            struct.pack_into("<I", data, at + offset + 4, uncompressed)
    path.write_bytes(bytes(data))


def _formulas(count: int) -> str:
    return "".join(
        f'<row r="{row}"><c r="B{row}"><f>A{row}</f></c></row>' for row in range(1, count)
    )


def _damaged(tmp_path, **sizes) -> Path:
    book = _book(tmp_path, _formulas(200), compression=zipfile.ZIP_DEFLATED)
    info = zipfile.ZipFile(book).getinfo(PART)
    _set_sizes(book, **{key: value(info) for key, value in sizes.items()})
    return book


@pytest.mark.parametrize(
    "sizes",
    [
        # the compressed data said to end early (the rest of it still in the file)
        {"compressed": lambda info: info.compress_size // 2},
        {"compressed": lambda info: info.compress_size - 1},
        # the data inflating to more or less than the size written down
        {"uncompressed": lambda info: info.file_size + 1},
        {"uncompressed": lambda info: info.file_size - 1},
    ],
    ids=["cut-half", "cut-one", "longer", "shorter"],
)
def test_a_sheet_part_not_as_its_header_says_is_refused_by_name(tmp_path, sizes):
    book = _damaged(tmp_path, **sizes)
    with pytest.raises(WorkbookReadError) as caught:
        _read(book, columns=ALL_COLUMNS, first=0, last=500)
    assert caught.value.path == book
    assert caught.value.detail == DAMAGED


def test_a_sheet_part_running_past_the_end_of_the_file_is_refused(tmp_path):
    # Stored blocks inside a deflate stream: the bytes after the cut read as more of the
    # block until the file ends, and the stream has not ended.
    book = tmp_path / "cut.xlsx"
    _write_level_zero(_book(tmp_path, _formulas(120)), book)
    data = book.read_bytes()
    local, central = _entry_offsets(data, PART)
    start = local + 30 + struct.unpack_from("<H", data, local + 26)[0]
    start += struct.unpack_from("<H", data, local + 28)[0]
    (compressed,) = struct.unpack_from("<I", data, central + 20)
    assert data.index(b"PK\x01\x02") == start + compressed  # the sheet is the last member
    cut = compressed // 2
    shorter = bytearray(data[: start + cut] + data[start + compressed :])
    eocd = shorter.rindex(b"PK\x05\x06")
    (directory,) = struct.unpack_from("<I", shorter, eocd + 16)
    struct.pack_into("<I", shorter, eocd + 16, directory - (compressed - cut))
    book.write_bytes(bytes(shorter))
    with pytest.raises(WorkbookReadError) as caught:
        _read(book, columns=ALL_COLUMNS, first=0, last=500)
    assert caught.value.detail == DAMAGED


def _write_level_zero(source: Path, target: Path) -> Path:
    """`source` again with its sheet deflated at level 0 (stored blocks), written last."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename != PART:
                new.writestr(info.filename, old.read(info))
        new.writestr(PART, old.read(PART), zipfile.ZIP_DEFLATED, compresslevel=0)
    return target


def test_a_part_whose_last_compressed_piece_is_one_byte_is_read_whole(tmp_path):
    # Compressed data is read 64 KiB at a time: 65,537 bytes leave one for the last read.
    xml = _sheet(_formulas(40))
    stored = 65_537 - 10  # two stored blocks' headers, 5 bytes each
    xml += b" " * (stored - len(xml))  # white space after the root element
    book = _write_level_zero(_book(tmp_path, xml, "plain.xlsx"), tmp_path / "zero.xlsx")
    assert zipfile.ZipFile(book).getinfo(PART).compress_size == 65_537
    assert dict(_read(book, columns=ALL_COLUMNS, first=0, last=500)) == {
        (row - 1, 1): f"A{row}" for row in range(1, 40)
    }


def test_a_sheet_that_is_missing_is_named_with_its_file(tmp_path):
    book = _book(tmp_path, _formulas(3))
    with pytest.raises(WorkbookReadError) as caught:
        read_formulas(book, "没有这张表", [0], 0, 5)
    assert caught.value.path == book
    assert caught.value.detail == "找不到工作表“没有这张表”"


# ----------------------------------------------------------- error values without a place


@pytest.mark.parametrize("columns", [(1,), ALL_COLUMNS])
def test_error_values_in_cells_without_r_are_placed_by_counting(tmp_path, columns):
    # An error pasted as a value (python-calamine reads it as empty text) in a cell whose
    # place is implied: after a cell with r, after cells without, in a row without r.
    rows = (
        '<row r="3"><c r="A3"><v>1</v></c><c t="e"><v>#N/A</v></c><c><v>2</v></c>'
        '<c t="e"><v>#REF!</v></c></row>'
        '<row><c t="e"><v>#DIV/0!</v></c><c r="C4" t="e"><v>#VALUE!</v></c>'
        '<c t="e"><v>#NAME?</v></c><c><f>A4</f><v>1</v></c></row>'
        '<row r="9"><c t="e"><v>#NULL!</v></c></row>'
    )
    book = _book(tmp_path, rows)
    inside = {
        (2, 1): "#N/A",
        (2, 3): "#REF!",
        (3, 0): "#DIV/0!",
        (3, 2): "#VALUE!",
        (3, 3): "#NAME?",
    }
    assert _read(book, columns=columns).errors == inside
    assert formulas_reader.read_error_values(book, SHEET) == {**inside, (8, 0): "#NULL!"}
    # the first and the last row asked for, each alone
    for row in (2, 3):
        on_row = {key: text for key, text in inside.items() if key[0] == row}
        assert _read(book, columns=columns, first=row, last=row).errors == on_row
    assert _read(book, columns=ALL_COLUMNS, first=0, last=8).get((3, 4)) == "A4"


# ------------------------------------------------------------ a part of several pieces


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_part_of_several_pieces_read_in_small_chunks_loses_no_byte(tmp_path, compression):
    """A sheet part of about 2 MB comes from the zip in pieces of about a megabyte; each
    piece is cut again into chunks. Read in chunks of 4 KiB, every formula of every row is
    there as written: no byte at a piece's or a chunk's edge is lost or read twice."""
    n = 20_000
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="str"><f>SUM(B{r}:C{r})&amp;"{r % 97}"</f><v>x</v></c>'
        f'<c r="B{r}"><v>{r}</v></c></row>'
        for r in range(1, n + 1)
    )
    xml = _sheet(rows)
    assert len(xml) > 1.5 * formulas_reader.CHUNK_SIZE  # two pieces or more from the zip
    path = _write_xlsx(tmp_path / "big.xlsx", [(SHEET, "worksheets/sheet1.xml", xml)], compression)
    expected = {(r - 1, 0): f'SUM(B{r}:C{r})&"{r % 97}"' for r in range(1, n + 1)}
    for chunk in (4096, formulas_reader.CHUNK_SIZE):
        found = read_formulas(path, SHEET, (0, 1), 0, n - 1, chunk_size=chunk)
        assert {(r, 0): found[r, 0] for r in range(n)} == expected, chunk
        assert all(found[r, 1] is None for r in range(n)), chunk
