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
from ledger_xl.excel.workbook import Book, find_sheet, sheet_grid, write_rows

ERROR_FILL = (0xFF, 0x7C, 0x80)
WARNING_FILL = (0xFF, 0xD9, 0x66)
NOTE_TITLE = "【ledger_xl 校验】"
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
    marks: list[Mark] = []
    per_sheet: dict[str, list[tuple[str, list[Finding]]]] = defaultdict(list)
    for (sheet_name, cell), items in by_cell(findings).items():
        per_sheet[sheet_name].append((cell, items))
    for sheet_name, cells in per_sheet.items():
        sheet = find_sheet(book, sheet_name)
        if sheet is None:
            continue
        with host.unprotected(sheet, password):
            for cell, items in cells:
                marks.append(_mark(sheet, cell, items))
    _remember(book, host, marks)
    return marks


def _mark(sheet, cell: str, items: list[Finding]) -> Mark:
    rng = sheet.range(cell)
    old_fill = _hex(rng.color)
    worst = ERROR_FILL if any(f.severity is Severity.ERROR for f in items) else WARNING_FILL
    rng.color = worst
    note = rng.note
    old_note = note.text if note is not None else ""
    ours = note_text(items)
    text = f"{old_note}\n\n{ours}" if old_note else ours
    if note is None:
        rng.add_note(text)
    else:
        note.text = text
    return Mark(sheet.name, cell, old_fill, _hex(worst), old_note, text)


def _remember(book: Book, host: Host, marks: list[Mark]) -> None:
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
    marks = recorded_marks(book)
    restored = 0
    by_sheet: dict[str, list[Mark]] = defaultdict(list)
    for mark in marks:
        by_sheet[mark.sheet].append(mark)
    for sheet_name, items in by_sheet.items():
        sheet = find_sheet(book, sheet_name)
        if sheet is None:
            continue
        with host.unprotected(sheet, password):
            for mark in items:
                restored += _restore(sheet, mark)
    sheet = find_sheet(book, layout.SHEET_MARKS)
    if sheet is not None:
        sheet.clear()
    return restored


def _restore(sheet, mark: Mark) -> int:
    rng = sheet.range(mark.cell)
    changed = 0
    if _hex(rng.color) == mark.fill:
        rng.color = _rgb(mark.old_fill)
        changed = 1
    note = rng.note
    if note is not None and note.text == mark.note:
        if mark.old_note:
            note.text = mark.old_note
        else:
            note.delete()
        changed = 1
    return changed
