"""校验's marks on the cells of the open workbook: a fill and a note on each cell with a
finding, remembered in a hidden sheet so that the next click takes them off again without
touching the user's own colours and notes.

The hidden sheet (`layout.SHEET_MARKS`) has one row per marked cell: its sheet and address,
the fill and note it had before, and the fill and note we gave it. Clearing restores a cell
only where it still shows what we gave it (a colour or note the user changed since is left
as the user left it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ledger_xl.core import layout
from ledger_xl.core.findings import Finding, Severity
from ledger_xl.excel.host import Host
from ledger_xl.excel.workbook import (
    Book,
    Sheet,
    add_notes,
    cell_fills,
    cell_notes,
    delete_notes,
    find_sheet,
    sheet_grid,
    write_rows,
)

ERROR_FILL = (0xFF, 0x7C, 0x80)
WARNING_FILL = (0xFF, 0xD9, 0x66)
NOTE_TITLE = "【ledger_xl 校验】"
MAX_ADDRESS = 255  # Excel's Range("A1,B2,...") takes at most 255 characters
MARK_HEADERS = ("工作表", "单元格", "原填充色", "标记填充色", "原批注", "标记批注")
_LEVEL = {Severity.ERROR: "错误", Severity.WARNING: "警告"}


@dataclass(frozen=True)
class Mark:
    """One marked cell: where, what it had, what we gave it ("" = no fill / no note)."""

    sheet: str
    cell: str
    old_fill: str
    fill: str
    old_note: str
    note: str


def _hex(colour: tuple[int, int, int] | None) -> str:
    return "" if colour is None else "#{:02X}{:02X}{:02X}".format(*colour)


def _rgb(text: str) -> tuple[int, int, int] | None:
    if not text:
        return None
    value = int(text.lstrip("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def note_text(findings: Iterable[Finding]) -> str:
    """The note we put on a cell: a title line, then one line per finding."""
    lines = [NOTE_TITLE]
    lines += [f"{_LEVEL[f.severity]}：{f.message}（{f.code}）" for f in findings]
    return "\n".join(lines)


def by_cell(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """Findings that point at a cell, grouped by (sheet, cell), in the order found."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for item in findings:
        if item.sheet and item.cell and ":" not in item.cell:
            groups[(item.sheet, item.cell)].append(item)
    return groups


def apply_marks(
    book: Book, host: Host, findings: Iterable[Finding], password: str | None = None
) -> list[Mark]:
    """Fill and annotate every cell with a finding; returns the marks made (also kept in the
    hidden marks sheet)."""
    made: list[Mark] = []
    per_sheet: dict[str, list[tuple[str, list[Finding]]]] = defaultdict(list)
    for (sheet_name, cell), items in by_cell(findings).items():
        per_sheet[sheet_name].append((cell, items))
    for sheet_name, cells in per_sheet.items():
        sheet = find_sheet(book, sheet_name)
        if sheet is None:
            continue
        with host.unprotected(sheet, password):
            made += _mark_sheet(sheet, cells)
    _remember(book, made)
    return made


def _mark_sheet(sheet: Sheet, cells: list[tuple[str, list[Finding]]]) -> list[Mark]:
    """Read what the cells have, fill them (a few calls per colour), then write the notes.
    Reads are in bulk where the application allows (`workbook.cell_fills`), and fills go
    before notes: LibreOffice slows every change of a cell's format by the number of notes
    and cell objects on the sheet, so doing it cell by cell would cost the square of the
    number of findings."""
    addresses = [cell for cell, _ in cells]
    fills = cell_fills(sheet, addresses)
    notes = cell_notes(sheet, addresses)
    name = sheet.name
    planned = []
    for cell, items in cells:
        old_note = notes.get(cell, "")
        ours = note_text(items)
        fill = ERROR_FILL if any(f.severity is Severity.ERROR for f in items) else WARNING_FILL
        text = f"{old_note}\n\n{ours}" if old_note else ours
        planned.append(Mark(name, cell, _hex(fills[cell]), _hex(fill), old_note, text))
    for fill in (ERROR_FILL, WARNING_FILL):
        paint(sheet, [m.cell for m in planned if m.fill == _hex(fill)], fill)
    add_notes(sheet, {m.cell: m.note for m in planned if not m.old_note})
    for mark in planned:
        if mark.old_note:  # the user's note, with ours below it
            sheet.range(mark.cell).note.text = mark.note
    return planned


def paint(sheet: Sheet, cells: list[str], colour: tuple[int, int, int] | None) -> None:
    """Fill `cells` (A1 addresses) with `colour` (None: no fill), as few multi-area ranges
    as Excel's 255-character address limit allows."""
    chunk: list[str] = []
    for cell in [*cells, None]:
        if cell is not None and len(",".join([*chunk, cell])) <= MAX_ADDRESS:
            chunk.append(cell)
            continue
        if chunk:
            sheet.range(",".join(chunk)).color = colour
        chunk = [cell] if cell is not None else []


def _remember(book: Book, marks: list[Mark]) -> None:
    sheet = find_sheet(book, layout.SHEET_MARKS)
    if sheet is None:
        sheet = book.sheets.add(layout.SHEET_MARKS, after=list(book.sheets)[-1])
    else:
        sheet.clear()
    rows = [list(MARK_HEADERS)]
    rows += [[m.sheet, m.cell, m.old_fill, m.fill, m.old_note, m.note] for m in marks]
    write_rows(sheet, 1, 1, rows)
    sheet.visible = False


def recorded_marks(book: Book) -> list[Mark]:
    """The marks the last 校验 left, from the hidden sheet (none when there is none)."""
    sheet = find_sheet(book, layout.SHEET_MARKS)
    if sheet is None:
        return []
    grid = sheet_grid(sheet)
    marks = []
    for row in range(1, grid.height):
        cells = ["" if grid.value(row, c) is None else str(grid.value(row, c)) for c in range(6)]
        if cells[0] and cells[1]:
            marks.append(Mark(*cells))
    return marks


def clear_marks(book: Book, host: Host, password: str | None = None) -> int:
    """Take off the marks of the last 校验 where the cells still show them; returns how many
    cells were restored. The hidden marks sheet is emptied."""
    restored = 0
    by_sheet: dict[str, list[Mark]] = defaultdict(list)
    for mark in recorded_marks(book):
        by_sheet[mark.sheet].append(mark)
    for sheet_name, items in by_sheet.items():
        sheet = find_sheet(book, sheet_name)
        if sheet is None:
            continue
        with host.unprotected(sheet, password):
            restored += _restore_sheet(sheet, items)
    sheet = find_sheet(book, layout.SHEET_MARKS)
    if sheet is not None:
        sheet.clear()
    return restored


def _restore_sheet(sheet: Sheet, marks: list[Mark]) -> int:
    """Fills back where a cell still has ours (grouped by the fill it had), then notes back
    where a cell still has ours; a cell the user changed since keeps what the user did."""
    addresses = [m.cell for m in marks]
    fills = cell_fills(sheet, addresses)
    back: dict[str, list[str]] = defaultdict(list)
    for mark in marks:
        if _hex(fills[mark.cell]) == mark.fill:
            back[mark.old_fill].append(mark.cell)
    for old, cells in back.items():
        paint(sheet, cells, _rgb(old))
    notes = cell_notes(sheet, addresses)
    ours = [m for m in marks if notes.get(m.cell) == m.note]
    delete_notes(sheet, [m.cell for m in ours if not m.old_note])
    for mark in ours:
        if mark.old_note:
            sheet.range(mark.cell).note.text = mark.old_note
    return len({c for cells in back.values() for c in cells} | {m.cell for m in ours})
