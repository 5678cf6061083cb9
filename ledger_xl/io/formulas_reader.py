"""Reading formula text from a worksheet, fast: stream the sheet XML, never build a DOM.

python-calamine gives cell values but not formulas, and openpyxl is far too slow for a
100k-row ledger. `read_formulas` inflates one worksheet part out of the zip a megabyte at a
time and scans the bytes with compiled regular expressions for cells whose first child is a
formula, `<c ...><f ...>text</f>`, keeping the requested columns and rows. The small
workbook.xml and its relationships are parsed with defusedxml. Nothing here writes.

What it understands:
- plain formulas `<f>text</f>`, with attributes (`<f aca="false">`, LibreOffice) or without;
  a self-closing `<f/>` is the formula "";
- shared formulas: the master `<f t="shared" ref=".." si="n">text</f>` and its followers
  `<f t="shared" si="n"/>`. A follower's text is the master's with relative A1 references
  shifted by the follower's offset from the master (`$` anchors, string literals "...",
  quoted sheet names and structured references [...] are left alone), as Excel shows it;
- array formulas `<f t="array" ref="..">text</f>`: Excel shows the same `{=...}` in every
  cell of `ref`, so cells of the range without their own `<f>` get the text too. With
  `ALL_COLUMNS` a range is never expanded cell by cell (a `ref` may claim the whole sheet):
  the result (`FormulaMap`) answers for its cells when they are looked up;
- cells without an `r` attribute (position counted from the previous cell of the row) and
  rows without `r` (the previous row + 1): when a formula cell has no `r`, the sheet is
  scanned again by a slower scanner that follows every row;
- a namespace prefix on the elements (`<x:c>`, `<x:f>`: the one `sheetData` uses), UTF-8
  or UTF-16 parts, CDATA in a formula.

Text is XML-unescaped (the five named entities and numeric character references).

Work is bounded by what the sheet holds, not by what a cell claims: the XML is scanned once
(a stretch without any row or cell start, such as a huge comment, is passed over without
being carried from one piece to the next), array ranges are resolved on lookup, and memory
stays within a few pieces. The cells whose formula carries no calculated value (a workbook
saved by a program that does not calculate, such as openpyxl) are listed in
`FormulaMap.uncalculated`; the cells that hold an error value and no formula (`#N/A` pasted
as a value: python-calamine reads it as an empty text) in `FormulaMap.errors` — an error
cell without `r` also sends the sheet to the slower scanner, which counts its place.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from ledger_xl.core.a1 import column_index, column_letters
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.io import package

CHUNK_SIZE = 1 << 20  # the XML is scanned in pieces of at most this size (plus a row)
MAX_CARRY = 16 << 20  # a piece without a row start is carried over up to this size
MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_ARRAYS = 10_000  # array formulas honoured per sheet (a ledger has none)

_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
# The general scan (cells without `r`): every row start tag and every cell whose first child
# is a formula, in document order. Groups: 1 the row's `r` when written first, 2 the rest of
# the row's attributes; 3 column letters and 4 row digits of a cell's `r` written first,
# 5 the rest of the cell's attributes; 6 the formula's attributes; 7 its text (None: `<f/>`);
# 8 the first character of its cached value ("" when it has none).
_SCAN = re.compile(
    rb"<" + _PREFIX + rb"(?:"
    rb"row\b(?:\s+r\s*=\s*[\"']([0-9]{1,7})[\"'])?([^>]*)>"
    rb"|c\b(?:\s+r\s*=\s*[\"']([A-Z]{1,3})([0-9]{1,7})[\"'])?([^>]*)>\s*"
    rb"<"
    + _PREFIX
    + rb"f\b([^>]*?)(?:/>|>([^<]*(?:<(?!/"
    + _PREFIX
    + rb"f>)[^<]*)*)</"
    + _PREFIX
    + rb"f>)"
    + rb"(?:\s*<"
    + _PREFIX
    + rb"v\b[^>]*(?<!/)>([^<]))?)"
)
_TEXT_TYPE = re.compile(rb"""\bt\s*=\s*["'](?:str|inlineStr|e)["']""")
_ERROR_HINTS = (b'"e"', b"'e'")  # a cell of type error is written t="e": look further only then


def _error_pattern(prefix: bytes) -> re.Pattern:
    """Cells of type error whose first child is the value (no formula), with their `r`:
    column letters, row digits, the value's text."""
    return _error_cell(prefix, rb"[^>]*?\br\s*=\s*[\"']([A-Z]{1,3})([0-9]{1,7})[\"']")


def _unplaced_error_pattern(prefix: bytes) -> re.Pattern:
    """Cells of type error whose first child is the value and which have no `r` at all:
    their place is counted from the cells before them (the full scan does)."""
    return _error_cell(prefix, rb"(?![^>]*?\br\s*=)")


def _error_cell(prefix: bytes, address: bytes) -> re.Pattern:
    """A cell typed "e" (`t="e"` anywhere among its attributes) whose first child is a value
    of at most 64 characters, `address` matched among its attributes; the value's text is
    the last group."""
    p = re.escape(prefix)
    return re.compile(
        b"<"
        + p
        + rb"c\b(?=[^>]*?\bt\s*=\s*[\"']e[\"'])"
        + address
        + rb"[^>]*(?<!/)>\s*<"
        + p
        + rb"v\b[^>]*>([^<]{1,64})</"
        + p
        + rb"v>"
    )


_ANY_CELL = re.compile(rb"<" + _PREFIX + rb"c\b([^>]*)>")  # to count implied positions
_SHEET_DATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData\b")
_ATTR = re.compile(rb"([A-Za-z_][\w.:-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_ROW_TAG_END = frozenset(b" \t\r\n>/")
_ENTITY = re.compile(r"&(?:#[xX]([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)

# Formula tokens for shifting shared formulas. String literals, quoted sheet names and
# bracketed parts (structured references, external-book indexes) are matched first and kept
# as they are; then whole-column ranges, whole-row ranges and cell references.
_FORMULA_TOKEN = re.compile(
    r"""
    "(?:[^"]|"")*"?                                         # string literal
    | '(?:[^']|'')*'?                                       # quoted sheet name
    | \[(?:'.|[^\[\]']|\[(?:'.|[^\]'])*\])*\]?              # [structured reference]
    | (?<![\w.$])(?P<c1>\$?)(?P<col1>[A-Za-z]{1,3}):(?P<c2>\$?)(?P<col2>[A-Za-z]{1,3})(?![\w.(!])
    | (?<![\w.$:])(?P<r1>\$?)(?P<row1>[0-9]{1,7}):(?P<r2>\$?)(?P<row2>[0-9]{1,7})(?![\w.(!:])
    | (?<![\w.$])(?P<cc>\$?)(?P<col>[A-Za-z]{1,3})(?P<rr>\$?)(?P<row>[0-9]{1,7})(?![\w.(!\[])
    """,
    re.VERBOSE | re.DOTALL,
)


class _AllColumns:
    """`columns=ALL_COLUMNS`: every column (for reading before the table's columns are known)."""

    def __contains__(self, col: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL_COLUMNS"


ALL_COLUMNS = _AllColumns()
LAST_ROW = 1_048_575  # Excel's last row, 0-based


class FormulaMap(dict):
    """Formula text by 0-based (row, column), as `read_formulas` returns it.

    Array formulas read with `ALL_COLUMNS` are not expanded into the dict: `get` (and `[]`)
    answer for a cell of an array range that has no formula of its own. `uncalculated` holds
    the formula cells (of the rows and columns read) whose formula has no cached value;
    `errors` the cells of those rows (any column) that hold an error value (`#N/A`) but no
    formula, and carry their `r`; `side_errors(sheet)`, where the reader sets it, scans another
    sheet of the file for them (资信证明, 审核记录: `read_error_values`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.arrays: list[tuple[int, int, int, int, str]] = []  # row0, row1, col0, col1, text
        self.uncalculated: set[tuple[int, int]] = set()
        self.errors: dict[tuple[int, int], str] = {}  # error values without a formula
        # the same for another sheet of the file, scanned when asked (set by the reader)
        self.side_errors: Callable[[str], dict[tuple[int, int], str]] | None = None
        self._by_column: dict[int, tuple[list[int], list[int], list[tuple[int, str]]]] = {}

    def __missing__(self, key: tuple[int, int]) -> str:
        text = self._array_text(*key) if self.arrays else None
        if text is None:
            raise KeyError(key)
        return text

    def get(self, key: tuple[int, int], default: object = None):  # type: ignore[override]
        value = dict.get(self, key)
        if value is None and self.arrays:
            text = self._array_text(*key)
            if text is not None:
                return text
        if value is None and key not in self:
            return default
        return value

    def _array_text(self, row: int, col: int) -> str | None:
        index = self._by_column.get(col)
        if index is None:  # the arrays over this column, by first row, with a running max
            spans = sorted(
                (a[0], a[1], i, a[4]) for i, a in enumerate(self.arrays) if a[2] <= col <= a[3]
            )
            starts = [span[0] for span in spans]
            reach, last = [], -1
            for span in spans:
                last = max(last, span[1])
                reach.append(last)
            index = self._by_column[col] = (starts, reach, [(s[1], s[3]) for s in spans])
        starts, reach, spans = index
        at = bisect.bisect_right(starts, row) - 1
        while at >= 0 and reach[at] >= row:
            end, text = spans[at]
            if end >= row:
                return text
            at -= 1
        return None


def read_formulas(
    path: Path,
    sheet_name: str,
    columns: Collection[int] | _AllColumns,
    first_row: int,
    last_row: int,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> FormulaMap:
    """Formula text (without "=") of every cell in `columns` x rows `first_row..last_row`.

    Rows and columns are 0-based (row 0 is Excel row 1). A cell that holds no formula (a
    typed value, a blank, or absent from the XML) maps to None. With `columns=ALL_COLUMNS`
    only the formula cells are in the result (look cells up with `.get`): the sheet can be
    read before its columns are known. `chunk_size` is the size of the pieces the XML is
    scanned in. Raises WorkbookReadError when the file is not an xlsx zip or has no worksheet
    called `sheet_name`.
    """
    path = Path(path)
    every = isinstance(columns, _AllColumns)
    wanted = columns if every else frozenset(columns)
    empty: dict[tuple[int, int], str | None] = (
        {}
        if every
        else {(row, col): None for row in range(first_row, last_row + 1) for col in sorted(wanted)}
    )
    if not empty and not every:
        return FormulaMap()
    chunk_size = max(1, chunk_size)
    with _read_errors_as(path, "公式"), zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, path, sheet_name)
        collector = _Collector(wanted, first_row, last_row, FormulaMap(empty))
        try:
            _fast_scan(collector, _segments(archive, path, part, chunk_size))
        except _NeedFullScan:
            collector = _Collector(wanted, first_row, last_row, FormulaMap(empty))
            _full_scan(collector, _segments(archive, path, part, chunk_size))
        collector.finish()
    return collector.result


def read_error_values(path: Path, sheet_name: str) -> dict[tuple[int, int], str]:
    """The cells of `sheet_name` that hold an error value (`#N/A`) and no formula, by 0-based
    (row, column): what `FormulaMap.errors` lists for the ledger sheet, for a sheet whose
    formulas are not needed (资信证明, 审核记录). Only the pieces of XML that hold a type
    written "e" are searched. Raises WorkbookReadError as `read_formulas` does."""
    path = Path(path)
    with _read_errors_as(path, "错误值"), zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, path, sheet_name)
        collector = _Collector(frozenset(), 0, LAST_ROW, FormulaMap())
        patterns = None
        try:
            for buffer, end in _segments(archive, path, part, CHUNK_SIZE):
                if patterns is None:
                    patterns = _error_patterns(_prefix(buffer, end))
                _error_cells(collector, patterns, buffer, end)
        except _NeedFullScan:  # an error cell without `r`: its place is counted
            collector = _Collector(frozenset(), 0, LAST_ROW, FormulaMap())
            _full_scan(collector, _segments(archive, path, part, CHUNK_SIZE))
    return collector.result.errors


@contextlib.contextmanager
def _read_errors_as(path: Path, what: str) -> Iterator[None]:
    """A damaged or unreadable file as one WorkbookReadError: "无法读取<what>（...）"."""
    try:
        yield
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
        raise WorkbookReadError(path, f"无法读取{what}（{type(exc).__name__}: {exc}）") from exc
    except RuntimeError as exc:  # an encrypted zip entry, or an unsupported compression
        raise WorkbookReadError(path, f"无法读取{what}（{type(exc).__name__}: {exc}）") from exc


def _prefix(buffer: bytes, end: int) -> bytes:
    """The namespace prefix of the sheet's elements (`x:` in `<x:sheetData>`), "" for none:
    what the scans' patterns are made for, from the first piece."""
    found = _SHEET_DATA.search(buffer, 0, end)
    return (found.group(1) or b"") if found else b""


# ---------------------------------------------------------------- locating the sheet part


def _sheet_part(archive: zipfile.ZipFile, path: Path, sheet_name: str) -> str:
    """The member holding `sheet_name`, found as the sniff and python-calamine find it."""
    try:
        names = package.member_names(archive)
        main = package.workbook_part(archive, names)
        root = package.parse_part(archive, names, main)
        rel_id = None
        for sheet in root.iter():
            if _local(sheet.tag) == "sheet" and sheet.get("name") == sheet_name:
                rel_id = sheet.get(f"{{{package.NS_REL_DOC}}}id")
                break
        if rel_id is None:
            raise WorkbookReadError(path, f"找不到工作表“{sheet_name}”")
        for rel in package.relationships(archive, names, main):
            if rel.id == rel_id:
                if rel.target.lower() in names:
                    return names[rel.target.lower()]
                break
    except package.PackageError as exc:  # a part missing, not XML, or declaring entities
        raise WorkbookReadError(path, f"{exc.detail}，不是有效的 xlsx 工作簿") from None
    raise WorkbookReadError(path, f"工作表“{sheet_name}”的内容部件缺失")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# ---------------------------------------------------------------- streaming


def sheet_pieces(archive: zipfile.ZipFile, path: Path, part: str) -> Iterator[tuple[bytes, int]]:
    """A sheet part's XML as UTF-8 in pieces `buffer[:end]` that hold whole rows (or whole
    cells): a pattern over one piece never misses a cell cut between two (`_segments`)."""
    return _segments(archive, path, part, CHUNK_SIZE)


def _segments(
    archive: zipfile.ZipFile, path: Path, part: str, chunk_size: int
) -> Iterator[tuple[bytes, int]]:
    """(buffer, end): `buffer[:end]` holds whole rows (or whole cells) only; the rest is
    carried over.

    Each buffer is the carried-over tail plus the next (at most) `chunk_size` bytes; it is
    cut at the start tag of its last row, so no cell, and no match, is ever split between
    two scans. A buffer with no row start is carried over (collected in one growing buffer,
    not copied again for each piece) until it exceeds MAX_CARRY: then it is cut at its last
    cell start, or, holding no cell start either (a huge comment or run of spaces), at its
    last tag of any kind (a row start tag cut in two was never seen, and the cells after it
    were placed in the row before), or, holding no tag either, scanned whole. Work is linear
    in the part's size and memory bounded by MAX_CARRY.
    """
    pending = bytearray()
    searched = 0  # `pending[:searched]` holds no row start (beyond the carried tail's own)
    for block in _utf8(_part_bytes(archive, path, part)):
        for at in range(0, len(block), chunk_size):
            pending += block[at : at + chunk_size] if chunk_size < len(block) else block
            cut = _last_row_start(pending, max(0, searched - 64))
            if cut <= 0 and len(pending) > MAX_CARRY:
                cut = _last_cell_start(pending, 1)
                if cut <= 0:  # before the last tag of any kind, so no tag is cut in two,
                    cut = pending.rfind(b"<", 1)  # when what it carries stays in bounds
                    if cut <= 0 or len(pending) - cut > MAX_CARRY:
                        cut = len(pending)
            if cut > 0:
                buffer = bytes(pending)
                yield buffer, cut
                del pending[:cut]
                searched = len(pending)
            else:
                searched = len(pending)
    if pending:
        yield bytes(pending), len(pending)


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
_COMPRESSED_READ = 64 << 10  # inflates to about 1 MB of sheet XML


def _part_bytes(archive: zipfile.ZipFile, path: Path, part: str) -> Iterator[bytes]:
    """The part's bytes, in pieces of about a megabyte.

    A deflated part is inflated straight from the file with zlib, in small steps: about
    twice as fast as ZipExtFile, which also computes the CRC and copies its input tail on
    every read. The size is still checked. Anything else goes through ZipExtFile.
    """
    info = archive.getinfo(part)
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
        with open(path, "rb") as file:
            file.seek(info.header_offset)
            header = file.read(_LOCAL_HEADER.size)
            if len(header) == _LOCAL_HEADER.size:
                signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
                if signature == b"PK\x03\x04":
                    file.seek(name_length + extra_length, 1)
                    yield from _inflate(file, info)
                    return
    with archive.open(part) as stream:
        while block := stream.read(CHUNK_SIZE):
            yield block


def _inflate(file: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, produced = info.compress_size, 0
    while left > 0 and not inflater.eof:
        data = file.read(min(_COMPRESSED_READ, left))
        if not data:
            break
        left -= len(data)
        block = inflater.decompress(data)
        if block:
            produced += len(block)
            yield block
    block = inflater.flush()
    if block:
        produced += len(block)
        yield block
    if not inflater.eof or produced != info.file_size:
        raise zipfile.BadZipFile(f"{info.filename} 已截断或损坏")


def _utf8(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks as UTF-8: a UTF-16 part (rare, but legal) is re-encoded."""
    head = next(blocks, b"")
    if head[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head:
            yield head
        yield from blocks
        return
    decoder = codecs.getincrementaldecoder("utf-16")()
    yield decoder.decode(head).encode("utf-8")
    for block in blocks:
        yield decoder.decode(block).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


def _last_row_start(buffer: bytes, low: int) -> int:
    """Offset of the last `<row` / `<prefix:row` start tag at or after `low`, else -1."""
    at = len(buffer)
    while True:
        at = buffer.rfind(b"row", low, at)
        if at < 1:
            return -1
        if at + 3 < len(buffer) and buffer[at + 3] in _ROW_TAG_END:
            before = buffer[at - 1]
            if before == 0x3C:  # "<"
                return at - 1
            if before == 0x3A:  # ":" ending a prefix: find the "<" before it
                start = at - 2
                while start >= 0 and (chr(buffer[start]).isalnum() or buffer[start] in b"_.-"):
                    start -= 1
                if start >= 0 and buffer[start] == 0x3C and start < at - 2:
                    return start


_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")


def _last_cell_start(buffer: bytes | bytearray, low: int) -> int:
    """Offset of the last `<c` / `<prefix:c` start tag at or after `low`, else -1."""
    last = -1
    for match in _CELL_START.finditer(buffer, low):
        last = match.start()
    return last


# ---------------------------------------------------------------- scanning


class _NeedFullScan(Exception):
    """The fast scan met a formula cell whose position is implied (no `r`): start over."""


class _Collector:
    """What both scans share: the result, caches, shared and array formulas met so far."""

    def __init__(self, wanted, first_row, last_row, result) -> None:
        self.wanted, self.first_row, self.last_row = wanted, first_row, last_row
        self.result: FormulaMap = result
        self.columns: dict[bytes, int] = {}
        self.texts: dict[bytes, str] = {}
        self.attrs: dict[bytes, dict[bytes, bytes]] = {}
        self.plain: set[bytes] = set()  # formula attributes that make no shared/array formula
        self.masters: dict[bytes, tuple[int, int, str]] = {}  # si -> (row, col, text)
        self.followers: list[tuple[int, int, bytes]] = []  # (row, col, si)
        self.arrays: list[tuple[bytes, str]] = []  # (ref, text)

    def column(self, letters: bytes) -> int:
        col = self.columns.get(letters)
        if col is None:
            col = self.columns[letters] = column_index(letters.decode("ascii"))
        return col

    def text(self, raw: bytes | None) -> str:
        if not raw:
            return ""
        text = self.texts.get(raw)
        if text is None:
            text = _xml_text(raw)
            if len(self.texts) < 10_000:
                self.texts[raw] = text
        return text

    def attributes(self, raw: bytes) -> dict[bytes, bytes]:
        found = self.attrs.get(raw)
        if found is None:
            found = {
                m.group(1).rsplit(b":", 1)[-1]: m.group(2) if m.group(2) is not None else m.group(3)
                for m in _ATTR.finditer(raw)
                if not m.group(1).startswith(b"xmlns")
            }
            if len(self.attrs) < 10_000:
                self.attrs[raw] = found
        return found

    def address(self, cell_attrs: bytes) -> tuple[int, int] | None:
        """(row, col) from a cell's `r` written anywhere; None when it has none."""
        ref = self.attributes(cell_attrs).get(b"r")
        parts = _CELL_REF.match(ref) if ref is not None else None
        if parts is None:
            return None
        return int(parts.group(2)) - 1, self.column(parts.group(1))

    def special(self, row: int, col: int, f_attrs: bytes, raw: bytes | None) -> bool:
        """Note a shared or array formula; True for a shared follower (resolved at the end)."""
        attrs = self.attributes(f_attrs)
        kind = attrs.get(b"t")
        if kind == b"shared" and b"si" in attrs:
            if b"ref" in attrs:
                self.masters.setdefault(attrs[b"si"], (row, col, self.text(raw)))
                return False
            if col in self.wanted and self.first_row <= row <= self.last_row:
                self.followers.append((row, col, attrs[b"si"]))
            return True
        if kind == b"array" and b"ref" in attrs:
            if len(self.arrays) < MAX_ARRAYS:
                self.arrays.append((attrs[b"ref"], self.text(raw)))
        elif len(self.plain) < 10_000:
            self.plain.add(f_attrs)
        return False

    def cell(
        self, letters: bytes, digits: bytes, c_attrs: bytes, f_attrs: bytes, raw: bytes, cached
    ):
        """A formula cell off the fast scan's common path: `r` not first, or <f> attributes."""
        if letters:
            row, col = int(digits) - 1, self.column(letters)
        elif c_attrs[:1] in b" \t\r\n":
            address = self.address(c_attrs)
            if address is None:
                raise _NeedFullScan
            row, col = address
        elif c_attrs:
            return  # not a `c` element: <col ...>, <cfRule ...> and the like
        else:
            raise _NeedFullScan  # `<c>` with no attributes at all
        if col in self.wanted and self.first_row <= row <= self.last_row:
            self.calculated(row, col, c_attrs, cached)
        if f_attrs and self.special(row, col, f_attrs, raw):
            return
        if col in self.wanted and self.first_row <= row <= self.last_row:
            self.result[row, col] = self.text(raw)

    def calculated(self, row: int, col: int, c_attrs: bytes, cached: bytes | None) -> None:
        """Note a formula cell without a cached value: no `<v>`, or an empty one in a cell
        that is not of a text type (an empty text result is a value)."""
        if not cached and not _TEXT_TYPE.search(c_attrs):
            self.result.uncalculated.add((row, col))

    def finish(self) -> None:
        templates: dict[bytes, _SharedFormula] = {}
        for row, col, si in self.followers:
            master = self.masters.get(si)
            if master is None:
                continue  # a follower without its master: corrupt; Excel drops it too
            template = templates.get(si)
            if template is None:
                template = templates[si] = _SharedFormula(master[2])
            self.result[row, col] = template.shifted(row - master[0], col - master[1])
        for ref, text in reversed(self.arrays):  # nested ranges (a damaged file): the one
            self.fill_array(ref, text)  # starting nearest above a cell wins, as on lookup

    def fill_array(self, ref: bytes, text: str) -> None:
        """Give the cells of an array range its text. With ALL_COLUMNS the range is kept as
        it is (a `ref` may claim the whole sheet) and resolved on lookup; asked-for columns
        and rows are filled, within what was asked."""
        corners = [_CELL_REF.match(part) for part in ref.split(b":")]
        if not all(corners) or len(corners) > 2:
            return
        rows = [int(c.group(2)) - 1 for c in corners]
        cols = [self.column(c.group(1)) for c in corners]
        low, high = max(min(rows), self.first_row), min(max(rows), self.last_row)
        if low > high:
            return
        if isinstance(self.wanted, _AllColumns):
            self.result.arrays.append((low, high, min(cols), max(cols), text))
            return
        for col in self.wanted:
            if min(cols) <= col <= max(cols):
                for row in range(low, high + 1):
                    if self.result.get((row, col)) is None:
                        self.result[(row, col)] = text


def _fast_pattern(prefix: bytes) -> re.Pattern:
    """Cells whose first child is a formula, for the prefix the sheet's elements use.

    The lookahead rejects the other cells cheaply. Groups: column letters and row digits of
    `r` when written first (as every writer we know does), the rest of the cell's
    attributes, the formula's attributes, its text, "<" when the text holds markup
    (CDATA), which the full scan handles, and the first character of the cached value
    ("" when there is none).
    """
    p = re.escape(prefix)
    return re.compile(
        b"<" + p + rb"c(?=[^>]*+(?<!/)>\s*+<" + p + rb"f\b)"
        rb'(?: r="([A-Z]{1,3}+)([0-9]{1,7}+)")?([^>]*+)>\s*+'
        b"<" + p + rb"f\b([^>]*+)>(?:(?<=/>)|([^<]*+)(?:</" + p + rb"f>|(<)))"
        rb"(?:\s*+<" + p + rb"v\b[^>]*+(?<!/)>([^<]))?"
    )


def _fast_scan(collector: _Collector, segments: Iterator[tuple[bytes, int]]) -> None:
    """One `findall` per segment. Raises _NeedFullScan at a formula cell without `r`."""
    first_row, last_row, result = collector.first_row, collector.last_row, collector.result
    every = isinstance(collector.wanted, _AllColumns)
    by_letters = {} if every else {column_letters(c).encode("ascii"): c for c in collector.wanted}
    if every:
        by_letters = _EveryColumn(collector)
    plain, followers = collector.plain, collector.followers
    follower_si = _FollowerSi(collector)
    last_text: dict[int, tuple[bytes, str]] = {}  # per column: the last raw text, decoded
    pattern = errors = None
    for buffer, end in segments:
        if pattern is None:
            prefix = _prefix(buffer, end)
            pattern, errors = _fast_pattern(prefix), _error_patterns(prefix)
        _error_cells(collector, errors, buffer, end)  # raises _NeedFullScan at one without r
        for letters, digits, c_attrs, f_attrs, raw, markup, cached in pattern.findall(
            buffer, 0, end
        ):
            if markup:
                raise _NeedFullScan
            if not letters or (f_attrs and f_attrs not in plain):
                si = follower_si[f_attrs] if letters else None
                if si is None:
                    collector.cell(letters, digits, c_attrs, f_attrs, raw, cached)
                    continue
                # a shared formula's follower (`<f t="shared" si="3"/>`, a ledger's commonest
                # formula cell), as `collector.cell` would take it, without its calls
                col = by_letters.get(letters)
                if col is not None:
                    row = int(digits) - 1
                    if first_row <= row <= last_row:
                        if not cached:
                            collector.calculated(row, col, c_attrs, cached)
                        followers.append((row, col, si))
                continue
            col = by_letters.get(letters)
            if col is None:
                continue
            row = int(digits) - 1
            if first_row <= row <= last_row:
                last = last_text.get(col)
                if last is None or last[0] != raw:
                    last = last_text[col] = (raw, collector.text(raw))
                result[row, col] = last[1]
                if not cached:
                    collector.calculated(row, col, c_attrs, cached)


class _ErrorPatterns(NamedTuple):
    placed: re.Pattern  # error cells with `r`
    unplaced: re.Pattern  # error cells without
    tag: bytes  # `<c` (with the prefix): every tag whose name starts with c
    tag_with_r: bytes  # `<c r="`: a cell with `r` first, as every writer we know writes it


def _error_patterns(prefix: bytes) -> _ErrorPatterns:
    p = b"<" + prefix + b"c"
    return _ErrorPatterns(_error_pattern(prefix), _unplaced_error_pattern(prefix), p, p + b' r="')


def _error_cells(
    collector: _Collector,
    patterns: _ErrorPatterns,
    buffer: bytes,
    end: int,
    counted: bool = False,
) -> list[re.Match]:
    """Note the cells of `buffer[:end]` holding an error value and no formula (a rare thing:
    the patterns run only where the piece holds a type written "e"). An error cell without
    `r` raises _NeedFullScan, unless the caller counts positions (`counted`): then such cells
    are returned, in order, for it to place."""
    if buffer.find(_ERROR_HINTS[0], 0, end) < 0 and buffer.find(_ERROR_HINTS[1], 0, end) < 0:
        return []
    placed, unplaced, tag, tag_with_r = patterns
    found = []
    # Only where some tag starting with c is not a cell with r first (two counts, far
    # cheaper than the pattern) can a cell without r be.
    if buffer.count(tag, 0, end) != buffer.count(tag_with_r, 0, end):
        found = list(unplaced.finditer(buffer, 0, end))
    if found and not counted:
        raise _NeedFullScan
    errors, first_row, last_row = collector.result.errors, collector.first_row, collector.last_row
    for letters, digits, text in placed.findall(buffer, 0, end):
        row = int(digits) - 1
        if first_row <= row <= last_row:
            errors[row, collector.column(letters)] = collector.text(text)
    return found


class _FollowerSi(dict):
    """A formula element's attributes → the `si` of a shared formula's follower (`t="shared"`
    and `si` without `ref`), None for any other; worked out once per distinct attributes."""

    def __init__(self, collector: _Collector) -> None:
        super().__init__()
        self.collector = collector

    def __missing__(self, f_attrs: bytes) -> bytes | None:
        attrs = self.collector.attributes(f_attrs)
        follower = attrs.get(b"t") == b"shared" and b"si" in attrs and b"ref" not in attrs
        si = self[f_attrs] = attrs[b"si"] if follower else None
        if len(self) > 10_000:  # a sheet of ever new attributes: keep memory bounded
            self.clear()
        return si


class _EveryColumn(dict):
    """Column letters → index for every column, filled as letters are met."""

    def __init__(self, collector: _Collector) -> None:
        super().__init__()
        self.collector = collector

    def __missing__(self, letters: bytes) -> int:
        col = self[letters] = self.collector.column(letters)
        return col

    def get(self, letters: bytes, default=None):  # dict.get skips __missing__
        return self[letters]


def _full_scan(collector: _Collector, segments: Iterator[tuple[bytes, int]]) -> None:
    """Every row start tag and every formula cell, in order, counting implied positions."""
    wanted, first_row, last_row = collector.wanted, collector.first_row, collector.last_row
    result = collector.result
    state = _RowState()
    patterns = None
    for buffer, end in segments:
        if patterns is None:
            patterns = _error_patterns(_prefix(buffer, end))
        unplaced = _error_cells(collector, patterns, buffer, end, counted=True)
        # A piece starts at a row start (whose tag resets the count) or, after a long
        # stretch without one, at a cell start: the count goes on from the last piece.
        state.buffer, state.position = buffer, 0
        placed = 0  # of `unplaced`, in document order among the formula cells
        for m in _SCAN.finditer(buffer, 0, end):
            while placed < len(unplaced) and unplaced[placed].start() < m.start():
                state.place_error(collector, unplaced[placed])
                placed += 1
            letters = m.group(3)
            if letters is not None:
                row, col = int(m.group(4)) - 1, collector.column(letters)
            elif m.group(2) is not None:
                r = m.group(1) or collector.attributes(m.group(2)).get(b"r")
                state.row = int(r) - 1 if r and r.isdigit() else state.row + 1
                state.position, state.col = m.end(), -1
                continue
            else:
                address = collector.address(m.group(5))
                if address is not None:
                    row, col = address
                else:
                    row, col = state.row, state.count(collector, m.start())
            state.position, state.col = m.end(), col
            if m.group(5).endswith(b"/"):  # `<c .../>` then a stray <f>: not this cell's
                continue
            f_attrs = m.group(6)
            in_range = col in wanted and first_row <= row <= last_row
            if in_range:
                collector.calculated(row, col, m.group(5), m.group(8))
            if f_attrs and collector.special(row, col, f_attrs, m.group(7)):
                continue
            if in_range:
                result[(row, col)] = collector.text(m.group(7))
        for error in unplaced[placed:]:
            state.place_error(collector, error)
        state.col = state.count(collector, end) - 1  # the cells after the last formula


class _RowState:
    """The current row, and how far its cells have been counted, for implied positions."""

    def __init__(self) -> None:
        self.row = -1
        self.buffer = b""
        self.position = 0
        self.col = -1

    def place_error(self, collector: _Collector, cell: re.Match) -> None:
        """An error cell without `r`: its column counted from the cells before it."""
        col = self.count(collector, cell.start())
        self.position, self.col = cell.end(), col
        if collector.first_row <= self.row <= collector.last_row:
            collector.result.errors[self.row, col] = collector.text(cell.group(1))

    def count(self, collector: _Collector, start: int) -> int:
        """The column of the cell starting at `start`: one after the previous cell's."""
        col = self.col
        for cell in _ANY_CELL.finditer(self.buffer, self.position, start):
            address = collector.address(cell.group(1))
            col = address[1] if address is not None else col + 1
        return col + 1


def _xml_text(raw: bytes | None) -> str:
    if not raw:
        return ""
    text = raw.decode("utf-8", errors="replace")
    if "\r" in text:  # XML end-of-line handling, as a parser would
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "<![CDATA[" in text:
        parts, last = [], 0
        for m in _CDATA.finditer(text):
            parts.extend((_unescape(text[last : m.start()]), m.group(1)))
            last = m.end()
        parts.append(_unescape(text[last:]))
        return "".join(parts)
    return _unescape(text)


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return _ENTITY.sub(_entity, text)


def _entity(m: re.Match) -> str:
    if m.group(3):
        return _NAMED[m.group(3)]
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return m.group(0)


# ---------------------------------------------------------------- shared formulas


class _SharedFormula:
    """A shared formula's master text, split once into literal text and A1 references."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[str | re.Match] = []
        last = 0
        for m in _FORMULA_TOKEN.finditer(text):
            if m.group("col") is not None and column_index(m.group("col")) >= MAX_COL:
                continue  # e.g. a name like ABCD1 is not a cell reference
            if m.group("col1") is not None and (
                column_index(m.group("col1")) >= MAX_COL or column_index(m.group("col2")) >= MAX_COL
            ):
                continue
            if m.lastgroup is None:  # a string, quoted sheet name or bracket: kept as is
                continue
            self.parts.extend((text[last : m.start()], m))
            last = m.end()
        self.parts.append(text[last:])
        # The same parts for a shift down the column (d_col 0, a ledger's every follower):
        # text, or (everything but the row, row) for a cell whose row moves; None when a row
        # range is in the text (the general path takes it).
        self.down: list[str | tuple[str, int]] | None = []
        for part in self.parts:
            if isinstance(part, str) or part.group("col1") is not None:
                self.down.append(part if isinstance(part, str) else part.group(0))
            elif part.group("col") is None:
                self.down = None
                break
            elif part.group("rr"):
                self.down.append(part.group(0))
            else:
                head = f"{part.group('cc')}{part.group('col')}"
                self.down.append((head, int(part.group("row"))))

    def shifted(self, d_row: int, d_col: int) -> str:
        if len(self.parts) == 1 or (d_row == 0 and d_col == 0):
            return self.text
        if d_col == 0 and self.down is not None:
            out = []
            for part in self.down:
                if isinstance(part, str):
                    out.append(part)
                else:
                    row = part[1] + d_row
                    out.append(f"{part[0]}{row}" if 1 <= row <= MAX_ROW else "#REF!")
            return "".join(out)
        out = []
        for part in self.parts:
            out.append(part if isinstance(part, str) else _shift(part, d_row, d_col))
        return "".join(out)


def _shift(m: re.Match, d_row: int, d_col: int) -> str:
    if m.group("col") is not None:
        col = _shift_col(m.group("cc"), m.group("col"), d_col)
        row = _shift_row(m.group("rr"), m.group("row"), d_row)
        if col is None or row is None:
            return "#REF!"
        return f"{m.group('cc')}{col}{m.group('rr')}{row}"
    if m.group("col1") is not None:
        first = _shift_col(m.group("c1"), m.group("col1"), d_col)
        second = _shift_col(m.group("c2"), m.group("col2"), d_col)
        if first is None or second is None:
            return "#REF!"
        return f"{m.group('c1')}{first}:{m.group('c2')}{second}"
    first = _shift_row(m.group("r1"), m.group("row1"), d_row)
    second = _shift_row(m.group("r2"), m.group("row2"), d_row)
    if first is None or second is None:
        return "#REF!"
    return f"{m.group('r1')}{first}:{m.group('r2')}{second}"


def _shift_col(anchor: str, letters: str, d_col: int) -> str | None:
    if anchor or not d_col:
        return letters
    col = column_index(letters) + d_col
    if not 0 <= col < MAX_COL:
        return None
    name = column_letters(col)
    return name if letters.isupper() else name.lower()


def _shift_row(anchor: str, digits: str, d_row: int) -> str | None:
    if anchor or not d_row:
        return digits
    row = int(digits) + d_row
    if not 1 <= row <= MAX_ROW:
        return None
    return str(row)
