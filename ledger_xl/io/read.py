"""The one opener: every command, and the importer, read workbooks through this module.

`read_book(path)` sniffs the file (`io.sniff`), reads the values of every sheet it needs with
python-calamine (each cell keeps its real type: a number stored as text stays text), scans the
ledger sheet's formula text beside it (`io.formulas_reader`, in a thread while calamine parses),
reads the custom document properties, and hands all of it to `core.book.book_from_grids`.
`open_workbook(path)` is the lower step for lists that are not ledgers (`new --from`).

Inputs are opened read-only and never modified; nothing here writes.

Guards around python-calamine (native code that can abort the whole process, see
`io.isolated`): the sniff refuses declared counts a package cannot hold before calamine opens
it; a sheet whose cells reach further than its XML can honestly hold (`io.extent`) is refused
with the far cells named — checked before the read when this process is not an isolated
child, and from calamine's own extent before any cell becomes a Python object when it is; a
Rust panic (pyo3's PanicException, a BaseException) becomes a read error.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from python_calamine import CalamineWorkbook

from ledger_xl.core import layout
from ledger_xl.core.book import Formulas, LedgerBook, book_from_grids
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.findings import Finding, finding
from ledger_xl.core.grid import Grid
from ledger_xl.io import extent, isolated, package
from ledger_xl.io.formulas_reader import (
    ALL_COLUMNS,
    LAST_ROW,
    read_error_values,
    read_formulas,
    sheet_pieces,
)
from ledger_xl.io.sniff import fatal, sniff

READ_AHEAD_BYTES = 4 << 20  # side sheets' XML from which reading them in a thread pays


class OpenedWorkbook:
    """A workbook opened for reading: its sheet names and each sheet's grid on demand (cached).
    `findings` are the sniff's non-fatal findings (e.g. open in Excel)."""

    def __init__(self, path: Path, book: CalamineWorkbook, findings: list[Finding]) -> None:
        self.path, self._book, self.findings = path, book, findings
        self._grids: dict[str, Grid | None] = {}
        self._parts: dict[str, tuple[str, int]] | None = None
        self._ahead: dict[str, Future[Grid | None]] = {}

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def grid(self, name: str) -> Grid | None:
        """The sheet's values from A1, or None when there is no such sheet. Raises
        WorkbookReadError when the sheet's XML is damaged or reaches too far."""
        if name not in self._grids:
            ahead = self._ahead.pop(name, None)
            if ahead is not None:
                self._grids[name] = ahead.result()  # re-raises the read's WorkbookReadError
            else:
                self._grids[name] = sheet_grid(self._book, name, self._guard)
        return self._grids[name]

    def read_ahead(self, names: Sequence[str]) -> None:
        """Start reading these sheets, one after the other, in a thread beside the caller.

        python-calamine parses a sheet's XML without holding the GIL, so the big side sheets
        parse on the second core while this thread parses and checks the ledger sheet. The
        thread has its own CalamineWorkbook: one workbook refuses a second sheet while it
        parses one ("Already borrowed"). Each sheet is guarded as `grid` guards it, before
        its own parse; `grid(name)` waits for it and raises what its read raised."""
        present = self._book.sheet_names
        names = [n for n in names if n in present and n not in self._grids and n not in self._ahead]
        if not names:
            return
        parts = [self._part(n) for n in names]  # the parts worked out here, not in two threads
        if sum(part[1] for part in parts if part is not None) < READ_AHEAD_BYTES:
            return  # small sheets: a second workbook and a thread would cost more than they save
        try:
            book = open_calamine(self.path)
        except WorkbookReadError:
            return  # read them in this thread, where the error shows
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger_xl-sheets")
        for name in names:
            self._ahead[name] = pool.submit(sheet_grid, book, name, self._guard)
        pool.shutdown(wait=False)

    def _guard(self, name: str, rows: int | None, cols: int | None) -> None:
        """Refuse a sheet that reaches further than its part can honestly hold: before the
        read (rows None: scan the XML) or from calamine's extent, before conversion."""
        part = self._part(name)
        if part is None:
            return
        member, size = part
        if rows is not None and cols is not None and not extent.overflowing(rows, cols, size):
            return
        try:
            with zipfile.ZipFile(self.path) as archive:
                reason = extent.check(archive, member, name)
        except (zipfile.BadZipFile, OSError):
            return
        if reason is not None:
            raise WorkbookReadError(self.path, reason, code="file-unreadable")

    def _part(self, name: str) -> tuple[str, int] | None:
        if self._parts is None:
            self._parts = {}
            try:
                with zipfile.ZipFile(self.path) as archive:
                    for sheet, member in package.sheet_parts(archive).items():
                        self._parts[sheet] = (member, archive.getinfo(member).file_size)
            except (zipfile.BadZipFile, OSError, package.PackageError, KeyError):
                pass  # not an xlsx package (.xls, .ods, .xlsb lists): nothing to measure
        return self._parts.get(name)


def open_calamine(path: Path) -> CalamineWorkbook:
    """python-calamine's workbook for `path`. Raises WorkbookReadError for anything it
    raises, a Rust panic included."""
    try:
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:  # a name that is not UTF-8 (a zip made on Windows):
            with open(path, "rb") as handle:  # calamine cannot open it by name
                return CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
        return CalamineWorkbook.from_path(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors per format problem; a Rust panic
        raise WorkbookReadError(
            path, f"无法作为 Excel 工作簿打开（{type(exc).__name__}: {exc}）"
        ) from None


def sheet_grid(book: CalamineWorkbook, name: str, guard=None) -> Grid | None:
    """The sheet's values from A1, or None when there is no such sheet.

    Raises WorkbookReadError when the sheet's XML is damaged (the sniff does not decompress
    worksheets, so this is where a truncated or corrupted sheet shows), and, with `guard`,
    when it reaches further than its part can hold (`OpenedWorkbook._guard`).
    """
    if name not in book.sheet_names:
        return None
    if guard is not None and not isolated.in_child():
        guard(name, None, None)  # in this process an abort would end everything: look first
    try:
        sheet = book.get_sheet_by_name(name)
        if guard is not None and sheet.end is not None:
            guard(name, sheet.end[0] + 1, sheet.end[1] + 1)
        rows = sheet.to_python(skip_empty_area=False)
    except WorkbookReadError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors for damaged XML; a Rust panic
        path = book.path or ""
        if "out of bounds" in str(exc):  # chrono: a date cell's number no date can be
            cells = _impossible_date_cells(Path(path), name) if path else []
            if cells:
                shown = "、".join(f"{ref}（{value}）" for ref, value in cells)
                raise WorkbookReadError(
                    path,
                    f"工作表“{name}”的单元格 {shown}设为日期格式，但保存的数值远超日期的范围，"
                    "无法读取（Excel 不会保存这样的值，文件可能由其他程序写出）；"
                    "请在 Excel 中改正这些单元格后另存",
                    code="file-unreadable",
                ) from None
        raise WorkbookReadError(path, f"工作表“{name}”已损坏，无法读取（{exc}）") from None
    return Grid(name, rows)


_NEGATIVE_VALUE = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>(-[^<]{1,40})</v>'
)
_STYLE = re.compile(rb's="([0-9]+)"')
_BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _date_styles(archive: zipfile.ZipFile) -> set[int] | None:
    """The cell styles (cellXfs indices) whose number format shows a date or a time, as
    python-calamine decides it: a built-in date format, or a format code with d, m, y, h or s
    outside quotes and brackets. None when styles.xml cannot be read."""
    member = next((n for n in archive.namelist() if n.lower().endswith("styles.xml")), None)
    if member is None:
        return None
    try:
        root = package.parse_part(archive, package.member_names(archive), member)
    except package.PackageError:  # damaged styles: every very negative cell is a suspect
        return None
    dated = set(_BUILTIN_DATE_FORMATS)
    for fmt in root.iter(f"{_MAIN_NS}numFmt"):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", fmt.get("formatCode", "")).lower()
        if any(c in code for c in "dmyhs"):
            dated.add(int(fmt.get("numFmtId", "-1")))
    xfs = root.find(f"{_MAIN_NS}cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", "0")) in dated}


def _impossible_date_cells(path: Path, name: str, limit: int = 5) -> list[tuple[str, str]]:
    """The cells of sheet `name` holding a number python-calamine cannot turn into a date
    (below about -1e11 days, -inf): the first `limit`, as (A1, the value as written). Read
    only after calamine has given up on the sheet, in pieces (a sheet may be large)."""
    found: list[tuple[str, str]] = []
    try:
        with zipfile.ZipFile(path) as archive:
            member = package.sheet_parts(archive).get(name)
            if member is None:
                return found
            dated = _date_styles(archive)
            for buffer, end in sheet_pieces(archive, path, member):
                for match in _NEGATIVE_VALUE.finditer(buffer, 0, end):
                    raw = match.group(3).decode("ascii", "replace")
                    try:
                        number = float(raw)
                    except ValueError:
                        continue
                    style = _STYLE.search(match.group(2))
                    if dated is not None and int(style.group(1) if style else 0) not in dated:
                        continue  # a plain number: calamine reads it as one
                    if number < -1e11:  # chrono's bound is near -1.07e11 days
                        found.append((match.group(1).decode("ascii"), raw))
                        if len(found) == limit:
                            return found
    except (
        OSError,
        EOFError,
        zlib.error,
        zipfile.BadZipFile,
        package.PackageError,
        KeyError,
        RuntimeError,
        WorkbookReadError,
    ):
        pass
    return found


def memory_allowance(path: Path) -> int:
    """The memory a child reading `path` may take (`io.isolated`): generous for what the file
    holds (64 times its size, 6 times its unpacked parts; an honest read peaks far below), at
    least `isolated.MEMORY_FLOOR`. A sheet that claims far more cells than that is refused
    before the allocation can take the machine's memory."""
    size = unpacked = 0
    try:
        if not path.is_file():
            return isolated.MEMORY_FLOOR  # a pipe or a device: never opened here
        size = path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, ValueError, zipfile.BadZipFile, RuntimeError):
        pass  # not a zip (a CSV, an .xls): the floor, or 64 times the size
    return max(isolated.MEMORY_FLOOR, 64 * size, 6 * unpacked)


def explain_failure(path: Path, detail: str) -> str:
    """Why reading `path` failed, when its reader died or panicked: a sheet reaching too far
    (`io.extent`, naming the far cells) if that is the cause, else `detail`."""
    try:
        if not path.is_file():
            return detail
        with zipfile.ZipFile(path) as archive:
            for name, member in package.sheet_parts(archive).items():
                reason = extent.check(archive, member, name)
                if reason is not None:
                    return reason
    except (zipfile.BadZipFile, OSError, package.PackageError, KeyError, RuntimeError):
        pass
    return detail


def custom_properties(path: Path) -> dict[str, str]:
    """docProps/custom.xml as a dict (parsed with defusedxml, its size bounded). A part that
    is damaged — not XML, an encoding no one knows, compressed data that does not inflate —
    counts as absent, as Excel's repair drops it: the sheets are still read and checked
    (before, one such file ended a whole batch with an internal error)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = package.member_names(archive)
            if "docprops/custom.xml" not in names:
                return {}
            root = package.parse_part(archive, names, "docProps/custom.xml")
    except (zipfile.BadZipFile, OSError, package.PackageError):
        return {}
    props = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            props[name] = prop[0].text or ""
    return props


def open_workbook(path: str | Path, *, lang: str = "zh", ledger: bool = True) -> OpenedWorkbook:
    """Sniff and open a workbook for reading. Raises WorkbookReadError carrying the sniff's
    fatal finding (`exc.finding`) when it cannot be read. `ledger=False` accepts any workbook
    calamine reads (no 台账 sheet needed; .xls and .ods allowed), for imported lists."""
    path = Path(path)
    early = sniff(path, lang=lang, ledger=ledger)
    if fatal(early):
        raise _refused(path, early[0])
    try:
        book = open_calamine(path)
    except WorkbookReadError as exc:
        raise _refused(
            path, finding("file-unreadable", lang=lang, file=str(path), detail=exc.detail)
        ) from exc
    return OpenedWorkbook(path, book, early)


def _refused(path: Path, reason: Finding) -> WorkbookReadError:
    error = WorkbookReadError(path, reason.message)
    error.finding = reason
    return error


def read_book(
    path: str | Path,
    *,
    lang: str = "zh",
    formulas: bool = True,
    source: str | None = None,
    later: bool = False,
    threads: bool = True,
) -> LedgerBook:
    """Read a ledger workbook into a `LedgerBook` (read-only).

    Never raises for what is in the file: a file that cannot be read gives a book without a
    ledger table whose `findings` say why (`book.fatal`); broken rule sheets, a missing 台账
    sheet or header are findings too. `formulas=False` skips the formula text (lists and
    summaries need only the values). `source` is the name findings give the file (default
    the path; a decrypted copy is named after the file the user gave). `later=True` returns
    while the side sheets are still being read in a thread (`LedgerBook.settle`, which
    `check_book` calls when a check first needs them). `threads=False` reads everything in
    this thread: where every core already runs a reading child (a batch with `--jobs` as many
    as the cores), a second thread per child only adds switching (`isolated.spare_cores`)."""
    path = Path(path)
    source = source or str(path)
    try:
        opened = open_workbook(path, lang=lang)
    except WorkbookReadError as exc:
        return LedgerBook(source, findings=[exc.finding])
    if threads and layout.SHEET_LEDGER in opened.sheet_names:
        opened.read_ahead([layout.SHEET_CREDENTIALS, layout.SHEET_REVIEWS])
    scan: Future | None = None
    sides = [s for s in (layout.SHEET_CREDENTIALS, layout.SHEET_REVIEWS) if s in opened.sheet_names]
    if formulas and threads:  # the formula scan runs beside the value read: python-calamine
        # parses a sheet without holding the GIL, so the two overlap on a second core
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger_xl-formulas")
        scan = pool.submit(_scan_formulas, path, sides)
        pool.shutdown(wait=False)
    elif formulas:
        scan = Future()
        scan.set_result(_scan_formulas(path, sides))
    book = book_from_grids(
        source,
        opened.grid,
        properties=custom_properties(path),
        findings=opened.findings,
        lang=lang,
        later=later,
    )
    if scan is not None:
        book.formula_source = scan.result if later else scan.result()
    return book


def _scan_formulas(path: Path, sides: Sequence[str] = ()) -> Formulas | WorkbookReadError:
    """The ledger sheet's formulas; `side_errors(sheet)` on the result scans a side sheet of
    `sides` for error values when a check asks (python-calamine reads `#N/A` as a blank)."""
    try:
        found = read_formulas(path, layout.SHEET_LEDGER, ALL_COLUMNS, 0, LAST_ROW)
    except WorkbookReadError as exc:  # raised where the formulas are needed
        return exc
    found.side_errors = functools.partial(_side_errors, path, frozenset(sides))
    return found


def _side_errors(path: Path, sides: frozenset[str], sheet: str) -> dict[tuple[int, int], str]:
    """The error cells of `sheet`; none when the file has no such sheet, or its XML cannot be
    scanned (its own read reports the damage) or is gone (a decrypted copy already removed)."""
    if sheet not in sides:
        return {}
    try:
        return read_error_values(path, sheet)
    except WorkbookReadError:
        return {}
