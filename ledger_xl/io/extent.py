"""How far a worksheet's cells really reach, and whether that is more than its package can
honestly hold.

python-calamine builds a sheet as one rectangle from A1 to its farthest cell, 32 bytes a cell,
whatever lies between: one stray cell at XFD1048576 asks for 550 GB (the process aborts); one at
A1048576 in a 39-column sheet costs 1.3 GB and ten seconds, and the stray value becomes a
customer. A real sheet's rectangle is of the order of its XML: every cell with a value takes
bytes. So a sheet may span at most `budget(part size)` cells (one per byte of its XML, at least
`MIN_CELLS`, never more than `MAX_CELLS`); beyond that it is refused with the far cells named,
and the clerk can delete them.

`scan` walks the sheet XML once (the same positions a reader gives: `r` attributes, or the
row's next row / the cell after the previous one); it costs about a third of a full read, so
it runs where a read is not already isolated in a child (`io.isolated`), and to explain a read
that failed.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ledger_xl.core import a1

MIN_CELLS = 2_000_000
MAX_CELLS = 25_000_000  # 300,000 rows x 40 columns fit twice over (a 1 GiB sheet at most)
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384
_PIECE = 1 << 20
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s>/])([^>]*)>")
_R = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{0,4})([0-9]{0,8})["']""")


def budget(part_size: int) -> int:
    """How many cells (rows x columns from A1) a sheet part of `part_size` bytes may span."""
    return max(MIN_CELLS, min(MAX_CELLS, part_size))


@dataclass
class Extent:
    """How far the value-bearing cells of a sheet reach (rows and columns from A1), and what
    the rectangle would be without its lowest cell, and without its rightmost one."""

    rows: int = 0  # last row + 1
    cols: int = 0  # last column + 1
    lowest: tuple[int, int] = (-1, -1)  # (row, col) of the cell reaching farthest down
    rightmost: tuple[int, int] = (-1, -1)
    rows_without_lowest: int = 0
    cols_without_rightmost: int = 0

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def far(self, allowed: int) -> list[str]:
        """The cells to remove to bring the sheet within `allowed` cells: the lowest one if
        that is enough, the rightmost one if that is, else both (A1 addresses)."""
        named = []
        if self.rows_without_lowest * self.cols <= allowed:
            named.append(self.lowest)
        if self.rows * self.cols_without_rightmost <= allowed:
            named.append(self.rightmost)
        if not named:
            named = [self.lowest, self.rightmost]
        return list(dict.fromkeys(a1.cell(*cell) for cell in named if cell[0] >= 0))


def scan(archive: zipfile.ZipFile, part: str) -> Extent:
    """The extent of the value-bearing cells of `part` (a cell with content, not an empty
    `<c .../>` that only carries a style), one pass over its XML."""
    info = archive.getinfo(part)
    row, col = -1, -1
    out = Extent()
    second_row = second_col = 0  # the farthest reach of the other cells (+1)
    for piece in _pieces(archive, info):
        for match in _TAG.finditer(piece):
            attrs = match.group(2)
            ref = _R.search(attrs)
            if match.group(1) == b"row":
                row = int(ref.group(2)) - 1 if ref and ref.group(2) else row + 1
                col = -1
                continue
            if ref and ref.group(1) and ref.group(2):
                row, col = int(ref.group(2)) - 1, _column(ref.group(1))
            else:
                col += 1
            if attrs.endswith(b"/"):
                continue  # <c r=".." s=".."/>: formatting only, no value
            if row > out.lowest[0]:
                second_row = max(second_row, out.lowest[0] + 1)
                out.lowest = (row, col)
            else:
                second_row = max(second_row, row + 1)
            if col > out.rightmost[1]:
                second_col = max(second_col, out.rightmost[1] + 1)
                out.rightmost = (row, col)
            else:
                second_col = max(second_col, col + 1)
    out.rows, out.cols = out.lowest[0] + 1, out.rightmost[1] + 1
    out.rows_without_lowest, out.cols_without_rightmost = second_row, second_col
    return out


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col - 1


def _pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in pieces cut before a tag start, so no tag is split."""
    tail = b""
    with archive.open(info) as member:
        while True:
            block = member.read(_PIECE)
            if not block:
                break
            data = tail + block
            cut = data.rfind(b"<")
            if cut <= 0:
                cut = len(data) if len(data) > 4 * _PIECE else 0
            if cut:
                yield data[:cut]
                tail = data[cut:]
            else:
                tail = data
    if tail:
        yield tail


def refusal(sheet: str, extent: Extent, allowed: int) -> str:
    """The explanation of a sheet that reaches too far, naming its far cells."""
    corner = a1.cell(max(extent.rows - 1, 0), max(extent.cols - 1, 0))
    far = "、".join(extent.far(allowed)) or corner
    return (
        f"工作表“{sheet}”的使用范围是 A1:{corner}（约 {extent.cells:,} 个单元格），远超表格本身："
        f"{far} 等远处的单元格有内容。请在 Excel 中删除这些单元格（选中后按 Delete）并保存后再提交"
    )


_CELL_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row r="([0-9]{1,7})"')


def bound(archive: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """(rows, columns) from A1 that every cell and row of `part` lies within, styled empty
    ones included (so at least the `scan` extent), or None when the XML is not in the plain
    form this quick pass reads (every `<row>` and `<c>` with an `r` attribute, no namespace
    prefix; what Excel, WPS, LibreOffice and XlsxWriter write). C-level regular expression
    passes per piece, keeping only each piece's distinct column letters and row numbers,
    instead of Python work per cell: a fifth of `scan`'s time on a ledger whose formula text
    makes the sheet XML a gigabyte."""
    rows: set[bytes] = set()
    cols: set[bytes] = set()
    for piece in _pieces(archive, archive.getinfo(part)):
        cell_rows = _CELL_ROW.findall(piece)
        row_refs = _ROW_REF.findall(piece)
        if (
            len(cell_rows) != piece.count(b"<c ")
            or len(row_refs) != piece.count(b"<row ")
            or b"<c>" in piece
            or b"<row>" in piece
            or b":c " in piece
            or b":row " in piece
        ):
            return None
        if cell_rows:
            cols.update(_CELL_COL.findall(piece))
            rows.update(cell_rows)
        rows.update(row_refs)
    if not rows:
        return 0, 0
    return max(map(int, rows)), max((_column(c) + 1 for c in cols), default=0)


def check(archive: zipfile.ZipFile, part: str, sheet: str) -> str | None:
    """Why the sheet in `part` cannot be read safely (`refusal`), or None when it can."""
    allowed = budget(archive.getinfo(part).file_size)
    try:
        quick = bound(archive, part)
        if quick is not None and quick[0] * quick[1] <= allowed:
            return None  # the cells lie within less than the budget: no need to scan each
        extent = scan(archive, part)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, KeyError):
        return None  # a damaged part: the reader says so itself
    if extent.cells > allowed:
        return refusal(sheet, extent, allowed)
    return None


def overflowing(rows: int, cols: int, part_size: int) -> bool:
    """True when a sheet that reaches `rows` x `cols` is more than its part may hold."""
    return rows * cols > budget(part_size)
