"""Reading formula text from a worksheet, fast: stream the sheet XML, never build a DOM.

python-calamine gives cell values but not formulas, and openpyxl is far too slow for a
100k-row ledger. `read_formulas` streams one worksheet part out of the zip in chunks and
scans the bytes with compiled regular expressions for cells (`<c>`) whose first child is a
formula (`<f>`), keeping only the requested columns and rows. It reads the small
workbook.xml and its relationships with defusedxml. Nothing here writes.

What it understands:
- plain formulas `<f>text</f>`, with attributes (`<f aca="false">`, LibreOffice) or without;
  a self-closing `<f/>` is the formula "";
- shared formulas: the master `<f t="shared" ref=".." si="n">text</f>` and its followers
  `<f t="shared" si="n"/>`. A follower's text is the master's with relative A1 references
  shifted by the follower's offset from the master (`$` anchors, string literals "..." and
  structured references [...] are left alone), as Excel shows it;
- array formulas `<f t="array" ref="..">text</f>`: the text belongs to every cell of `ref`
  (Excel shows the same `{=...}` in each), so cells of the range without their own `<f>`
  get it too;
- cells without an `r` attribute (position counted from the previous cell in the row) and
  rows without `r` (the previous row + 1);
- a namespace prefix on the elements (`<x:c>`, `<x:f>`), UTF-8 or UTF-16 parts.

Text is XML-unescaped (the five named entities and numeric character references).
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from pathlib import Path

from defusedxml import ElementTree

from ledger_xl.errors import WorkbookReadError

CHUNK_SIZE = 1 << 20
MAX_ROW = 1_048_576
MAX_COL = 16_384

_NS_REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

# One pass over the sheet XML finds, in document order, every row start tag and every cell
# whose first child is a formula (the schema puts <f> first). Groups: 1 the row's `r` when
# written first, 2 the rest of the row's attributes; 3 column letters and 4 row digits of a
# cell's `r="A1"` written first (every writer we know puts it first), 5 the rest of the
# cell's attributes; 6 the formula's attributes; 7 its text (None for `<f/>`).
_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_SCAN = re.compile(
    rb"<" + _P + rb"(?:"
    rb"row\b(?:\s+r\s*=\s*[\"']([0-9]{1,7})[\"'])?([^>]*)>"
    rb"|c\b(?:\s+r\s*=\s*[\"']([A-Z]{1,3})([0-9]{1,7})[\"'])?([^>]*)>\s*"
    rb"<" + _P + rb"f\b([^>]*?)(?:/>|>([^<]*(?:<(?!/" + _P + rb"f>)[^<]*)*)</" + _P + rb"f>))"
)
# Any cell start tag, to count positions in a row whose cells lack `r`.
_ANY_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*)>")
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


def read_formulas(
    path: Path,
    sheet_name: str,
    columns: Collection[int],
    first_row: int,
    last_row: int,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> dict[tuple[int, int], str | None]:
    """Formula text (without "=") of every cell in `columns` x rows `first_row..last_row`.

    Rows and columns are 0-based (row 0 is Excel row 1). A cell that holds no formula (a
    typed value, a blank, or absent from the XML) maps to None. Raises WorkbookReadError when
    the file is not an xlsx zip or has no worksheet called `sheet_name`.
    """
    path = Path(path)
    wanted = frozenset(columns)
    result: dict[tuple[int, int], str | None] = {
        (row, col): None for row in range(first_row, last_row + 1) for col in sorted(wanted)
    }
    if not result:
        return result
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, path, sheet_name)
            scanner = _Scanner(wanted, first_row, last_row, result)
            for segment, end in _segments(archive, part, max(1, chunk_size)):
                scanner.scan(segment, end)
            scanner.finish()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
        raise WorkbookReadError(path, f"无法读取公式（{type(exc).__name__}: {exc}）") from exc
    return result


# ---------------------------------------------------------------- locating the sheet part


def _sheet_part(archive: zipfile.ZipFile, path: Path, sheet_name: str) -> str:
    names = {name.lower(): name for name in archive.namelist()}
    workbook = _workbook_part(archive, names)
    root = _parse(archive, names, workbook, path)
    rel_id = None
    for sheet in root.iter():
        if _local(sheet.tag) == "sheet" and sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{{{_NS_REL_DOC}}}id")
            break
    if rel_id is None:
        raise WorkbookReadError(path, f"找不到工作表“{sheet_name}”")
    folder, base = posixpath.split(workbook)
    rels = _parse(archive, names, posixpath.join(folder, "_rels", base + ".rels"), path)
    for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = _resolve(folder, rel.get("Target") or "")
            if target.lower() in names:
                return names[target.lower()]
            break
    raise WorkbookReadError(path, f"工作表“{sheet_name}”的内容部件缺失")


def _workbook_part(archive: zipfile.ZipFile, names: dict[str, str]) -> str:
    """The main workbook part named by _rels/.rels (xl/workbook.xml by convention)."""
    if "_rels/.rels" in names:
        try:
            root = ElementTree.fromstring(archive.read(names["_rels/.rels"]))
        except ElementTree.ParseError:
            root = None
        if root is not None:
            for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
                if (rel.get("Type") or "").endswith("/officeDocument"):
                    target = _resolve("", rel.get("Target") or "")
                    if target.lower() in names:
                        return names[target.lower()]
    return "xl/workbook.xml"


def _parse(archive: zipfile.ZipFile, names: dict[str, str], part: str, path: Path):
    name = names.get(part.lower())
    if name is None:
        raise WorkbookReadError(path, f"缺少部件 {part}，不是有效的 xlsx 工作簿")
    try:
        return ElementTree.fromstring(archive.read(name))
    except ElementTree.ParseError as exc:
        raise WorkbookReadError(path, f"部件 {part} 不是有效的 XML（{exc}）") from exc


def _resolve(folder: str, target: str) -> str:
    """A relationship target as a zip member name: absolute ("/xl/...") or relative."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ---------------------------------------------------------------- streaming


def _segments(archive: zipfile.ZipFile, part: str, chunk_size: int) -> Iterator[tuple[bytes, int]]:
    """(buffer, end): `buffer[:end]` holds whole rows only; the rest is carried over.

    The cut is made at the start tag of the last row in the buffer, so no cell, and no
    match, is ever split between two scans.
    """
    tail = b""
    for chunk in _chunks(archive, part, chunk_size):
        buffer = tail + chunk if tail else chunk
        cut = _last_row_start(buffer, max(0, len(tail) - 64))
        if cut > 0:
            yield buffer, cut
            tail = buffer[cut:]
        else:
            tail = buffer
    if tail:
        yield tail, len(tail)


def _chunks(archive: zipfile.ZipFile, part: str, chunk_size: int) -> Iterator[bytes]:
    with archive.open(part) as stream:
        head = stream.read(chunk_size)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            # Rare, but legal: re-encode to UTF-8 so the byte patterns apply.
            decoder = codecs.getincrementaldecoder("utf-16")()
            while head:
                yield decoder.decode(head).encode("utf-8")
                head = stream.read(chunk_size)
            yield decoder.decode(b"", final=True).encode("utf-8")
            return
        while head:
            yield head
            head = stream.read(chunk_size)


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
            if before == 0x3A:  # ":" of a prefix: find its "<"
                start = at - 2
                while start >= 0 and (chr(buffer[start]).isalnum() or buffer[start] in b"_.-"):
                    start -= 1
                if start >= 0 and buffer[start] == 0x3C and start < at - 2:
                    return start


# ---------------------------------------------------------------- scanning


class _Scanner:
    """Scans segments in order, filling `result`; shared followers are resolved at the end."""

    def __init__(self, wanted, first_row, last_row, result) -> None:
        self.wanted, self.first_row, self.last_row = wanted, first_row, last_row
        self.result = result
        self.row = -1  # 0-based index of the current row
        self.columns: dict[bytes, int] = {}
        self.texts: dict[bytes | None, str] = {}
        self.attrs: dict[bytes, dict[bytes, bytes]] = {}
        self.masters: dict[bytes, tuple[int, int, str]] = {}  # si -> (row, col, text)
        self.followers: list[tuple[int, int, bytes]] = []  # (row, col, si)
        self.arrays: list[tuple[bytes, str]] = []  # (ref, text)
        # Positional counting inside the current row, for cells without `r`.
        self.row_scan: tuple[bytes, int, int] | None = None  # (buffer, position, last col)

    def column(self, letters: bytes) -> int:
        col = self.columns.get(letters)
        if col is None:
            col = 0
            for ch in letters.upper():
                col = col * 26 + ch - 64
            col -= 1
            self.columns[letters] = col
        return col

    def text(self, raw: bytes | None) -> str:
        text = self.texts.get(raw)
        if text is None:
            text = _xml_text(raw)
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

    def scan(self, buffer: bytes, end: int) -> None:
        wanted, first_row, last_row, result = (
            self.wanted,
            self.first_row,
            self.last_row,
            self.result,
        )
        columns, texts = self.columns, self.texts
        self.row_scan = None
        for m in _SCAN.finditer(buffer, 0, end):
            letters = m.group(3)
            if letters is not None:
                col = columns.get(letters)
                if col is None:
                    col = self.column(letters)
                row = int(m.group(4)) - 1
            elif m.group(2) is not None:
                self.start_row(m, buffer)
                continue
            else:
                row, col = self.implied_position(m, buffer)
            if m.group(5).endswith(b"/"):  # `<c .../>` then a stray <f>: not this cell's
                continue
            f_attrs = m.group(6)
            if f_attrs and not f_attrs.isspace():
                attrs = self.attributes(f_attrs)
                kind = attrs.get(b"t")
                if kind == b"shared" and b"si" in attrs:
                    if b"ref" in attrs and m.group(7) is not None:
                        self.masters.setdefault(attrs[b"si"], (row, col, self.text(m.group(7))))
                    elif col in wanted and first_row <= row <= last_row:
                        self.followers.append((row, col, attrs[b"si"]))
                        continue
                elif kind == b"array" and b"ref" in attrs:
                    self.arrays.append((attrs[b"ref"], self.text(m.group(7))))
            if col in wanted and first_row <= row <= last_row:
                raw = m.group(7)
                text = texts.get(raw)
                result[(row, col)] = text if text is not None else self.text(raw)

    def start_row(self, m: re.Match, buffer: bytes) -> None:
        r = m.group(1)
        if r is None:
            r = self.attributes(m.group(2)).get(b"r")
        self.row = int(r) - 1 if r and r.isdigit() else self.row + 1
        self.row_scan = (buffer, m.end(), -1)

    def implied_position(self, m: re.Match, buffer: bytes) -> tuple[int, int]:
        """Row and column of a formula cell whose `r` is not written first (or not at all)."""
        ref = self.attributes(m.group(5)).get(b"r")
        if ref is not None and (parts := _CELL_REF.match(ref)):
            col, row = self.column(parts.group(1)), int(parts.group(2)) - 1
        else:
            row, col = self.row, self.count_position(m.start(), buffer)
        self.row_scan = (buffer, m.end(), col)
        return row, col

    def count_position(self, start: int, buffer: bytes) -> int:
        """The column of the cell at `start`: one after the previous cell of its row."""
        scan = self.row_scan
        position, col = (scan[1], scan[2]) if scan and scan[0] is buffer else (0, -1)
        for cell in _ANY_CELL.finditer(buffer, position, start):
            ref = self.attributes(cell.group(1)).get(b"r")
            parts = _CELL_REF.match(ref) if ref is not None else None
            col = self.column(parts.group(1)) if parts else col + 1
        return col + 1

    def finish(self) -> None:
        translated: dict[tuple[bytes, int, int], str] = {}
        templates: dict[bytes, _SharedFormula] = {}
        for row, col, si in self.followers:
            master = self.masters.get(si)
            if master is None:
                continue  # a follower without its master: corrupt; Excel would drop it
            key = (si, row - master[0], col - master[1])
            text = translated.get(key)
            if text is None:
                template = templates.get(si)
                if template is None:
                    template = templates[si] = _SharedFormula(master[2])
                text = translated[key] = template.shifted(key[1], key[2])
            self.result[(row, col)] = text
        for ref, text in self.arrays:
            self.fill_array(ref, text)

    def fill_array(self, ref: bytes, text: str) -> None:
        corners = [_CELL_REF.match(part) for part in ref.split(b":")]
        if not all(corners):
            return
        rows = [int(c.group(2)) - 1 for c in corners]
        cols = [self.column(c.group(1)) for c in corners]
        for row in range(max(min(rows), self.first_row), min(max(rows), self.last_row) + 1):
            for col in self.wanted:
                if min(cols) <= col <= max(cols) and self.result.get((row, col)) is None:
                    self.result[(row, col)] = text


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


def column_name(col: int) -> str:
    """0-based column index as letters (0 -> A)."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


class _SharedFormula:
    """A shared formula's master text, split once into literal text and A1 references."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[str | re.Match] = []
        last = 0
        for m in _FORMULA_TOKEN.finditer(text):
            if m.group("col") is not None and _column_index(m.group("col")) >= MAX_COL:
                continue  # e.g. a name like ABCD1 is not a cell reference
            if m.group("col1") is not None and (
                _column_index(m.group("col1")) >= MAX_COL
                or _column_index(m.group("col2")) >= MAX_COL
            ):
                continue
            if m.lastgroup is None:  # a string, quoted sheet name or bracket: kept as is
                continue
            self.parts.extend((text[last : m.start()], m))
            last = m.end()
        self.parts.append(text[last:])

    def shifted(self, d_row: int, d_col: int) -> str:
        if len(self.parts) == 1 or (d_row == 0 and d_col == 0):
            return self.text
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
    col = _column_index(letters) + d_col
    if not 0 <= col < MAX_COL:
        return None
    name = column_name(col)
    return name if letters.isupper() else name.lower()


def _shift_row(anchor: str, digits: str, d_row: int) -> str | None:
    if anchor or not d_row:
        return digits
    row = int(digits) + d_row
    if not 1 <= row <= MAX_ROW:
        return None
    return str(row)
