"""The writer kit: what every workbook ledger_xl writes shares.

- `written(path, overwrite, title=...)`: a fresh XlsxWriter workbook on a temporary file beside
  the target, moved into place when the body succeeds (`io.output.atomic_output`); never over
  an existing file unless asked, never over a workbook Excel holds open. Text is never turned
  into numbers, formulas or links.
- `Workbook`: XlsxWriter's workbook whose sheets prepare each distinct formula text once.
- `Formats`: cached cell formats from a table of named styles (`STYLES` plus a writer's own),
  with optional tones layered on top and a `locked` switch for protected sheets.
- `print_setup` / `portrait` / `landscape`: A4, page numbers, repeated header rows;
  `table_pages`: a pre-sized table sheet printed in column bands with its key columns on
  every page and a print area as deep as its used rows.
- `display_width` / `fit_columns`: column widths from the text they hold (CJK counts double).
- the colours of the ledger's conventions: red for overdue or expired, amber for due soon.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.worksheet
from xlsxwriter.utility import (
    _utf16_len,
    _utf16_truncate,
    xl_col_to_name,
    xl_range,
    xl_rowcol_to_cell,
    xl_rowcol_to_cell_fast,
)

from ledger_xl.core.errors import OutputError
from ledger_xl.core.values import EXCEL_MAX_NUMBER
from ledger_xl.io.output import atomic_output

# Every workbook ledger_xl writes says what it is, so a later run reading a folder can tell its
# own outputs from ledgers (`app.paths` skips them).
PROP_KIND = "ledger_xl.kind"
KIND_LABELS = {
    "ledger": "台账",
    "findings": "问题清单",
    "due_list": "到期清单",
    "summary": "汇总工作簿",
    "review_report": "客户审核报告",
    "rectification": "整改台账",
    "audit_report": "稽核报告",
    "working_papers": "稽核底稿",
    "merge_report": "合并报告",
    "output": "输出文件",
}

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_LINKS = 65_530  # hyperlinks per worksheet; beyond it cells are plain text
A4 = 9  # XlsxWriter's paper code

FILL_HEADER = "#1F4E78"
FILL_FORMULA = "#E7E6E6"
RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
GREEN = {"bg_color": "#C6EFCE", "font_color": "#006100"}

# Styles every writer may use by name; a writer adds its own (`Formats(wb, extra_styles)`).
STYLES: dict[str, dict] = {
    "note": {"italic": True, "font_color": "#595959"},
    "bold": {"bold": True},
    "header": {
        "bold": True,
        "font_color": "#FFFFFF",
        "bg_color": FILL_HEADER,
        "border": 1,
        "text_wrap": True,
        "valign": "vcenter",
    },
    "red": RED,
    "amber": AMBER,
    "green": GREEN,
}

_SAFE_OPTIONS = {
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def xml_safe(text: str) -> str:
    """`text` as XML can hold it: a lone surrogate (a file name that was not UTF-8, read
    with surrogateescape) becomes the character its bytes mean, or �."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except AttributeError:  # not text: XlsxWriter says what is wrong
        return text


class _TableCells(dict):
    """XlsxWriter's map of the cells tables cover (cell → the table's range, for its overlap
    checks), with a large table held as its range instead of one entry per cell: at 100,000
    customers the three table sheets cover some 15 million cells, and XlsxWriter's map of
    them took 1.5 GB and a Python loop over every cell (`Worksheet.add_table_with_formulas`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.ranges: list[tuple[int, int, int, int, str]] = []

    def get(self, key, default=None):
        found = dict.get(self, key)
        if found is not None or not self.ranges:
            return found if found is not None else default
        row, col = key
        for first_row, first_col, last_row, last_col, text in self.ranges:
            if first_row <= row <= last_row and first_col <= col <= last_col:
                return text
        return default


# XlsxWriter's cell tuples that `Worksheet._write_cell` writes itself (the same XML).
_NUMBER_CELLS = (xlsxwriter.worksheet.CellNumberTuple, xlsxwriter.worksheet.CellDatetimeTuple)
_STRING_CELL = xlsxwriter.worksheet.CellStringTuple
_BLANK_CELL = xlsxwriter.worksheet.CellBlankTuple


# The kinds of cell a column run holds (`_Column.kinds`).
_GAP, _NUMBER, _STRING, _BLANK, _BOOLEAN, _SHARED = 0, 1, 2, 3, 4, 5


class _Column:
    """Consecutive cells of one column with one format, written through `Worksheet.columnar`:
    per cell one byte for its kind and its value (a number, a shared-string index, a
    boolean), instead of XlsxWriter's tuple in a per-row dict (~100 bytes a cell, several GB
    for a 100,000-customer master with its 资信证明 and 审核记录)."""

    __slots__ = (
        "col",
        "first_row",
        "format",
        "formula",
        "kinds",
        "letter",
        "ref",
        "si",
        "values",
        "xf",
    )

    def __init__(self, col: int, first_row: int, cell_format) -> None:
        self.col, self.first_row, self.format = col, first_row, cell_format
        self.letter, self.xf = "", 0  # set when written out
        self.formula, self.ref, self.si = None, None, 0  # a shared formula's (`_SHARED`)
        self.kinds = bytearray()
        self.values: list = []

    @property
    def next_row(self) -> int:
        return self.first_row + len(self.kinds)

    def add(self, kind: int, value=None) -> None:
        self.kinds.append(kind)
        self.values.append(value)


class Worksheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet that prepares each distinct formula text once, and writes every text as
    XML can hold it (`xml_safe`).

    XlsxWriter scans every formula with ~30 regular expressions (future-function prefixes);
    a ledger repeats seven ~500-character formulas on every row, so caching the prepared text
    makes building several times faster. Installed as the workbook's `worksheet_class`.
    The commonest cells (a formatted number, date, shared string or blank) are written in
    one step, the same XML as XlsxWriter's general cell writer, which was most of the time
    a large ledger took to save.
    """

    def __init__(self) -> None:
        super().__init__()
        self.table_cells = _TableCells()
        self._columns: list[_Column] = []
        self._column: _Column | None = None  # the run `columnar` has open
        self._serials: dict[object, float] = {}  # a naive date or time's Excel serial

    # ------------------------------------------------------------ cells kept by column

    @contextlib.contextmanager
    def columnar(self, col: int, first_row: int, cell_format) -> Iterator[None]:
        """Inside the block, the cells written to `col` from `first_row` down, one row after
        the other and in `cell_format`, are kept compactly by column (`_Column`) and written
        out as XlsxWriter would have written them. Any other write goes to XlsxWriter's
        table as usual; a cell written again later (outside a run) takes the later value."""
        if (
            self.constant_memory
            or cell_format is None
            or self._column is not None
            or not (0 <= col < self.xls_colmax and 0 <= first_row < self.xls_rowmax)
        ):
            yield
            return
        run = _Column(col, first_row, cell_format)
        self._column = run
        try:
            yield
        finally:
            self._column = None
            kinds = run.kinds
            if kinds.count(_GAP) < len(kinds):
                self._columns.append(run)
                # The sheet's extent, as XlsxWriter records it cell by cell: the first and
                # last cell the run holds.
                first = len(kinds) - len(kinds.lstrip(b"\0"))
                last = len(kinds.rstrip(b"\0")) - 1
                self._check_dimensions(run.first_row + first, col)
                self._check_dimensions(run.first_row + last, col)

    def write_run(self, row: int, col: int, cells: list, cell_format, write_one) -> None:
        """`cells` down `col` from `row` in `cell_format`, each as `write_one(self, row, col,
        value, cell_format)` writes it (the builder's `_write_value`). Into the run `columnar`
        has open at `row`, the commonest cells (non-empty text, None, a float a cell can hold)
        go in one pass without a call each; the rest, and every cell without such a run, go
        through `write_one`. The cells are the same either way."""
        run = self._column
        if (
            run is None
            or col != run.col
            or row != run.next_row
            or cell_format is not run.format
            or row + len(cells) > self.xls_rowmax
        ):
            for i, value in enumerate(cells):
                write_one(self, row + i, col, value, cell_format)
            return
        table = self.table
        if table:  # these writes replace earlier ones (as `_run_at` does for each)
            for r in range(row, row + len(cells)):
                earlier = table.get(r)
                if earlier:
                    earlier.pop(col, None)
        try:  # one check that every text is XML-safe (`xml_safe`), not one a cell
            "".join(v for v in cells if type(v) is str).encode("utf-8")
            safe = True
        except UnicodeEncodeError:
            safe = False
        kinds, values = run.kinds, run.values
        index = self.str_table._get_shared_string_index
        half = self.xls_strmax // 2
        for i, value in enumerate(cells):
            kind = type(value)
            if kind is str and value and (safe or xml_safe(value) is value) and len(value) <= half:
                kinds.append(_STRING)
                values.append(index(value))
            elif value is None:
                kinds.append(_BLANK)
                values.append(None)
            elif kind is float and abs(value) <= EXCEL_MAX_NUMBER:
                kinds.append(_NUMBER)
                values.append(value)
            else:  # a long or unsafe text, a date, an int, inf: as `write_one` writes it
                write_one(self, row + i, col, value, cell_format)

    def _run_at(self, row, col, cell_format) -> _Column | None:
        """The open run when this write is its next cell and can be kept in it; a write at
        its next cell that cannot (another format, beyond the sheet) leaves a gap there and
        goes to XlsxWriter's table."""
        run = self._column
        if run is None or col != run.col or row != run.first_row + len(run.kinds):
            return None
        if cell_format is not run.format or row >= self.xls_rowmax:
            run.add(_GAP)
            return None
        cells = self.table.get(row)
        if cells:
            cells.pop(col, None)  # this write replaces an earlier one
        return run

    def _write_string(self, row, col, string, cell_format=None):
        string = xml_safe(string)
        run = self._run_at(row, col, cell_format)
        if run is None:
            return super()._write_string(row, col, string, cell_format)
        error = 0
        if len(string) > self.xls_strmax // 2 and _utf16_len(string) > self.xls_strmax:
            string = _utf16_truncate(string, self.xls_strmax)
            error = -2
        run.add(_STRING, self.str_table._get_shared_string_index(string))
        return error

    def _write_number(self, row, col, number, cell_format=None):
        run = self._run_at(row, col, cell_format)
        if run is None:
            return super()._write_number(row, col, number, cell_format)
        if number.__class__ is not float:
            number = float(number)
        if math.isnan(number) or math.isinf(number):  # XlsxWriter's error cells
            run.add(_GAP)
            return super()._write_number(row, col, number, cell_format)
        run.add(_NUMBER, number)
        return 0

    def _write_datetime(self, row, col, date, cell_format=None):
        run = self._run_at(row, col, cell_format)
        if run is None:
            return super()._write_datetime(row, col, date, cell_format)
        naive = getattr(date, "tzinfo", None) is None
        serial = self._serials.get(date) if naive else None
        if serial is None:  # a ledger repeats its dates: each converted once
            serial = self._convert_date_time(date)
            if naive and len(self._serials) < 100_000:
                self._serials[date] = serial
        run.add(_NUMBER, serial)
        return 0

    def _write_blank(self, row, col, blank, cell_format=None):
        run = self._run_at(row, col, cell_format)
        if run is None:
            return super()._write_blank(row, col, blank, cell_format)
        run.add(_BLANK)
        return 0

    def _write_boolean(self, row, col, boolean, cell_format=None):
        run = self._run_at(row, col, cell_format)
        if run is None:
            return super()._write_boolean(row, col, boolean, cell_format)
        run.add(_BOOLEAN, 1 if boolean else 0)
        return 0

    def _calculate_spans(self) -> None:
        super()._calculate_spans()
        if not self._columns:
            return
        # XlsxWriter's spans (per block of 16 rows, the first and last column with a cell),
        # widened by the cells kept by column.
        blocks: dict[int, list[int]] = {}
        for block, text in self.row_spans.items():
            low, high = text.split(":")
            blocks[block] = [int(low) - 1, int(high) - 1]
        for run in self._columns:
            first, kinds, col = run.first_row, run.kinds, run.col
            last = first + len(kinds) - 1
            for block in range(first // 16, last // 16 + 1):
                low = max(block * 16, first) - first
                high = min(block * 16 + 16, last + 1) - first
                if kinds.count(_GAP, low, high) == high - low:
                    continue  # no cell of the run in this block
                span = blocks.setdefault(block, [col, col])
                span[0] = min(span[0], col)
                span[1] = max(span[1], col)
        self.row_spans = {b: f"{low + 1}:{high + 1}" for b, (low, high) in blocks.items()}

    def _write_rows(self) -> None:
        if not self._columns:
            return super()._write_rows()
        self._calculate_spans()
        pending = sorted(self._columns, key=lambda r: (r.first_row, r.col))
        for run in pending:  # formats are numbered only once the workbook is saved
            run.letter = xl_col_to_name(run.col)
            run.xf = run.format._get_xf_index() if run.format else None
        active: list[_Column] = []  # the runs reaching the current row, by column
        table, write, next_run = self.table, self.fh.write, 0
        followers: dict[tuple, str] = {}
        ends = float("inf")  # the first row past an active run
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            changed = False
            while next_run < len(pending) and pending[next_run].first_row <= row_num:
                active.append(pending[next_run])
                next_run += 1
                changed = True
            if row_num >= ends:
                active = [r for r in active if row_num < r.first_row + len(r.kinds)]
                changed = True
            if changed:
                active.sort(key=lambda r: r.col)
                ends = min((r.first_row + len(r.kinds) for r in active), default=float("inf"))
            cells = table.get(row_num)
            if cells:  # XlsxWriter's cells too (they take precedence: written later)
                self._write_mixed_row(row_num, cells, active)
                continue
            r = row_num + 1
            parts = []
            for run in active:
                i = row_num - run.first_row
                kind = run.kinds[i]
                if kind == _STRING:
                    parts.append(
                        f'<c r="{run.letter}{r}" s="{run.xf}" t="s"><v>{run.values[i]}</v></c>'
                    )
                elif kind == _NUMBER:
                    parts.append(
                        f'<c r="{run.letter}{r}" s="{run.xf}"><v>{run.values[i]:.16G}</v></c>'
                    )
                elif kind == _BLANK:
                    parts.append(f'<c r="{run.letter}{r}" s="{run.xf}"/>')
                elif kind == _SHARED:
                    value = run.values[i]
                    if i == 0:  # the group's first cell carries the formula text
                        parts.append(
                            self._shared_xml(
                                f"{run.letter}{r}", run.xf, value, run.formula, run.ref, run.si
                            )
                        )
                        continue
                    key = (id(run), type(value), value)  # a follower's XML after its `r`
                    tail = followers.get(key)  # depends on its value only (columns repeat
                    if tail is None:  # theirs: statuses, grades, blanks)
                        tail = self._shared_xml("", run.xf, value, None, run.ref, run.si)[6:]
                        if len(followers) < 100_000:
                            followers[key] = tail
                    parts.append(f'<c r="{run.letter}{r}{tail}')
                elif kind == _BOOLEAN:
                    parts.append(
                        f'<c r="{run.letter}{r}" s="{run.xf}" t="b"><v>{run.values[i]}</v></c>'
                    )
            if not (parts or row_num in self.row_info or row_num in self.comments):
                continue
            span = self.row_spans.get(row_num // 16)
            info = self.row_info.get(row_num)
            if not parts:
                self._write_empty_row(row_num, span, info)
                continue
            self._write_row(row_num, span, info)
            parts.append("</row>")
            write("".join(parts))
        return None

    def _write_mixed_row(self, row_num: int, cells: dict, active: list[_Column]) -> None:
        """A row with cells in XlsxWriter's table as well as in column runs."""
        here = [
            (run.col, run, row_num - run.first_row)
            for run in active
            if run.kinds[row_num - run.first_row] and run.col not in cells
        ]
        merged = sorted(
            [(c, None, cell) for c, cell in cells.items()] + here, key=lambda item: item[0]
        )
        self._write_row(row_num, self.row_spans.get(row_num // 16), self.row_info.get(row_num))
        for col_num, run, i in merged:
            if run is None:
                self._write_cell(row_num, col_num, i)
                continue
            kind, ref, xf = run.kinds[i], f"{run.letter}{row_num + 1}", run.xf
            if kind == _NUMBER:
                self.fh.write(f'<c r="{ref}" s="{xf}"><v>{run.values[i]:.16G}</v></c>')
            elif kind == _STRING:
                self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{run.values[i]}</v></c>')
            elif kind == _BLANK:
                self.fh.write(f'<c r="{ref}" s="{xf}"/>')
            elif kind == _SHARED:
                formula = run.formula if i == 0 else None
                self.fh.write(self._shared_xml(ref, xf, run.values[i], formula, run.ref, run.si))
            else:
                self.fh.write(f'<c r="{ref}" s="{xf}" t="b"><v>{run.values[i]}</v></c>')
        self._xml_end_tag("row")

    def _write_url(self, row, col, url, cell_format=None, string=None, tip=None):
        if isinstance(url, str):
            url = xml_safe(url)
        if isinstance(string, str):
            string = xml_safe(string)
        if isinstance(tip, str):
            tip = xml_safe(tip)
        return super()._write_url(row, col, url, cell_format, string, tip)

    def _prepare_formula(self, formula, expand_future_functions=False):
        cache = self.__dict__.setdefault("_ledger_xl_formula_cache", {})
        key = (formula, expand_future_functions)
        if key not in cache:
            cache[key] = super()._prepare_formula(formula, expand_future_functions)
        return cache[key]

    def write_column_formula(self, row, col, formula, cell_format, values) -> None:
        """`formula` in rows `row`, `row` + 1, … of column `col`, one per cached value in
        `values` (what a reader that does not recalculate sees): `write_formula` cell by
        cell, with XlsxWriter's per-cell checks of the text (a dynamic-array function, an
        array formula) made once for the column."""
        if (
            not formula
            or (formula.startswith("{") and formula.endswith("}"))
            or xlsxwriter.worksheet.re_dynamic_function.search(formula)
            or self.constant_memory
            or not values
            or self._check_dimensions(row, col)
            or self._check_dimensions(row + len(values) - 1, col)
        ):
            for i, value in enumerate(values):
                self._write_formula(row + i, col, formula, cell_format, value)
            return
        prepared = self._prepare_formula(formula)
        table = self.table
        if len(values) == 1:
            table[row][col] = xlsxwriter.worksheet.CellFormulaTuple(
                prepared, cell_format, values[0]
            )
            return
        # One shared formula for the column: its text once, in the first cell, and a reference
        # to it in every other (as Excel and LibreOffice save a filled-down column). A ledger's
        # formula text is some 6 KB a row; written in every cell, a 100,000-row sheet was about
        # 1 GiB of XML and passed the zip's 2 GiB near 200,000 rows (each cell now takes
        # some 50 bytes). Readers expand the group (io.formulas_reader does).
        si = self.__dict__.get("_ledger_xl_shared_next", 0)
        self._ledger_xl_shared_next = si + 1
        last = row + len(values) - 1
        # Kept as a column run (`_Column`): the cached values, not a tuple per cell.
        run = _Column(col, row, cell_format)
        run.formula, run.si = prepared, si
        run.ref = f"{xl_rowcol_to_cell(row, col)}:{xl_rowcol_to_cell(last, col)}"
        run.kinds = bytearray([_SHARED]) * len(values)
        run.values = list(values)
        for r in range(row, last + 1):
            cells = table.get(r)
            if cells:
                cells.pop(col, None)  # this write replaces an earlier one
        self._columns.append(run)

    def _write_cell(self, row, col, cell):
        kind = cell.__class__
        if cell.format is None:
            return super()._write_cell(row, col, cell)
        if kind in _NUMBER_CELLS:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" '
                f's="{cell.format._get_xf_index()}"><v>{cell.number:.16G}</v></c>'
            )
        elif kind is _STRING_CELL and not self.constant_memory:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" '
                f's="{cell.format._get_xf_index()}" t="s"><v>{cell.string}</v></c>'
            )
        elif kind is _BLANK_CELL:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}"/>'
            )
        else:
            return super()._write_cell(row, col, cell)
        return None

    def _shared_xml(self, ref, xf, value, formula, group, si) -> str:
        """A cell of a shared formula: the formula text and the group's range on its first
        cell (`formula` not None), a reference to the group on the others."""
        attr = f' r="{ref}"' if xf is None else f' r="{ref}" s="{xf}"'
        if isinstance(value, bool):
            attr += ' t="b"'
            value = int(value)
        elif isinstance(value, str):
            if value in _ERROR_CODES:
                attr += ' t="e"'
            elif value:
                attr += ' t="str"'
        result = self._escape_data(value if value is not None else "")
        if formula is None:
            return f'<c{attr}><f t="shared" si="{si}"/><v>{result}</v></c>'
        text = self._escape_data(formula)
        return f'<c{attr}><f t="shared" ref="{group}" si="{si}">{text}</f><v>{result}</v></c>'

    def add_table_with_formulas(self, first_row, first_col, last_row, last_col, options):
        """`add_table`, except that a column's formula (`"formula"` in its column options)
        becomes the table's calculated-column formula without being written into every
        cell: the caller writes those cells once, with their cached values
        (`write_column_formula`). XlsxWriter's own `add_table` writes each formula cell
        and the caller would write it again."""
        columns = [dict(c) for c in options.get("columns", [])]
        formulas = {i: c.pop("formula") for i, c in enumerate(columns) if c.get("formula")}
        if options.get("total_row") or options.get("data") or first_row > last_row:
            raise ValueError("add_table_with_formulas: no total row, data or reversed rows")
        tables = len(self.tables)
        beyond = self._check_dimensions(last_row, last_col, True, True)
        # XlsxWriter's add_table walks every cell of the range to record it for its overlap
        # checks (1.5 GB at 100,000 customers): it is given the header and first data row,
        # the overlap with earlier tables and merged ranges is checked here on the whole
        # range, and the table's ranges are then set to the whole range.
        short_last = min(last_row, first_row + 1)
        if not beyond:
            self._check_table_overlap(first_row, first_col, last_row, last_col)
            self.add_table(
                first_row, first_col, short_last, last_col, {**options, "columns": columns}
            )
        if beyond or len(self.tables) == tables:  # refused (XlsxWriter only warns)
            raise OutputError(
                f"工作表“{self.name}”放不下 {last_row - first_row:,} 行："
                f"一张工作表最多 {self.xls_rowmax:,} 行。请按分公司拆分后分别生成"
            )
        table = self.tables[-1]
        if short_last != last_row:
            whole = xl_range(first_row, first_col, last_row, last_col)
            table["range"] = table["a_range"] = whole
            if "autofilter" in table:
                table["autofilter"] = whole
            for row in range(first_row, short_last + 1):
                for col in range(first_col, last_col + 1):
                    self.table_cells[(row, col)] = whole
            self.table_cells.ranges.append((first_row, first_col, last_row, last_col, whole))
        for i, formula in formulas.items():
            text = formula.lstrip("=") if formula.startswith("=") else formula
            text = self._prepare_table_formula(text)
            table["columns"][i]["formula"] = self._prepare_formula(text, True)
        return 0

    def _check_table_overlap(self, first_row, first_col, last_row, last_col) -> None:
        """XlsxWriter's check that a table does not overlap an earlier table or merged range
        (a file Excel calls corrupt), made on the ranges rather than cell by cell."""

        def overlaps(cells) -> str | None:
            for (row, col), text in cells:
                if first_row <= row <= last_row and first_col <= col <= last_col:
                    return text
            return None

        for earlier in self.table_cells.ranges:
            if not (
                earlier[2] < first_row
                or earlier[0] > last_row
                or earlier[3] < first_col
                or earlier[1] > last_col
            ):
                previous = earlier[4]
                break
        else:
            previous = overlaps(dict.items(self.table_cells))
        cell_range = xl_range(first_row, first_col, last_row, last_col)
        if previous is not None:
            raise xlsxwriter.exceptions.OverlappingRange(
                f"Table range '{cell_range}' overlaps previous table range '{previous}'."
            )
        merged = overlaps(self.merged_cells.items())
        if merged is not None:
            raise xlsxwriter.exceptions.OverlappingRange(
                f"Table range '{cell_range}' overlaps previous merge range '{merged}'."
            )


_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


class Workbook(xlsxwriter.Workbook):
    worksheet_class = Worksheet


def new_workbook(
    path: str | os.PathLike,
    *,
    title: str,
    kind: str,
    created: dt.datetime | None = None,
    subject: str = "",
    options: Mapping[str, object] | None = None,
) -> Workbook:
    """A workbook that never turns text into numbers, formulas or links, with ledger_xl's
    document properties, `ledger_xl.kind` (one of `KIND_LABELS`) among them."""
    wb = Workbook(str(path), {**_SAFE_OPTIONS, **(options or {})})
    properties = {
        "title": title,
        "author": "ledger_xl",
        "created": created or dt.datetime.now(),
        "comments": "由 ledger_xl 生成",
    }
    if subject:
        properties["subject"] = subject
        properties["company"] = ""
    wb.set_properties(properties)
    wb.set_custom_property(PROP_KIND, kind)
    return wb


@contextlib.contextmanager
def written(
    path: str | os.PathLike,
    overwrite: bool = False,
    *,
    title: str,
    kind: str,
    created: dt.datetime | None = None,
    subject: str = "",
    options: Mapping[str, object] | None = None,
) -> Iterator[Workbook]:
    """Yield a new workbook written to a temporary file; closed and moved onto `path` when the
    body succeeds (nothing is left behind when it fails). `kind` is what it is (`KIND_LABELS`),
    recorded in its document properties."""
    with atomic_output(path, overwrite) as temp:
        wb = new_workbook(
            temp, title=title, kind=kind, created=created, subject=subject, options=options
        )
        try:
            yield wb
        finally:
            if not wb.fileclosed:
                try:
                    wb.close()
                except xlsxwriter.exceptions.FileSizeError:
                    raise OutputError(
                        f"{Path(path).name}：工作簿太大，无法写出——其中一张表的内容超过 2 GiB"
                        "（行数极多的台账）。"
                        "请按分公司拆分后分别生成"
                    ) from None


class Formats:
    """Cell formats by style name, created once per workbook and variant.

    `formats("header")` or `formats.header`; `formats("cell", "bold_tone")` layers tones;
    `formats("date_input", locked=False, num_format=...)` adds variants."""

    def __init__(
        self,
        wb: xlsxwriter.Workbook,
        styles: Mapping[str, Mapping] | None = None,
        tones: Mapping[str, Mapping] | None = None,
    ) -> None:
        self._wb = wb
        self._styles = {**STYLES, **(styles or {})}
        self._tones = dict(tones or {})
        self._made: dict[tuple, object] = {}

    def __call__(self, name: str, *tones: str, locked: bool = True, **extra):
        key = (name, tones, locked, tuple(sorted(extra.items())))
        if key not in self._made:
            props = dict(self._styles[name])
            for tone in tones:
                props.update(self._tones[tone])
            props.update(extra)
            if not locked:
                props["locked"] = False
            self._made[key] = self._wb.add_format(props)
        return self._made[key]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self(name)
        except KeyError:
            raise AttributeError(name) from None


# ---------------------------------------------------------------- pages


FOOTER_PAGES = "&C第 &P 页，共 &N 页"


def print_setup(
    ws,
    header_row: int | None = None,
    *,
    orientation: str = "landscape",
    fit_width: bool = False,
) -> None:
    """A4 in `orientation`, page numbers in the footer, the header row (if any) repeated on
    every page, and one page wide when `fit_width`."""
    ws.set_paper(A4)
    if orientation == "portrait":
        ws.set_portrait()
    else:
        ws.set_landscape()
    if header_row is not None:
        ws.repeat_rows(header_row)
    ws.set_footer(FOOTER_PAGES)
    if fit_width:
        ws.fit_to_pages(1, 0)


# Printable width of landscape A4 with `TABLE_MARGINS`, in points: where a band of columns
# must fit. A column of w characters prints about w*7+5 points wide in LibreOffice, a third
# wider than in Excel (w*7+5 pixels at 96 dpi); bands are measured the LibreOffice way, so
# they fit in both.
TABLE_MARGINS = {"left": 0.25, "right": 0.25, "top": 0.55, "bottom": 0.6}
LANDSCAPE_WIDTH_PT = (11.69 - 0.5) * 72
TABLE_SCALE = 75  # percent: 8-point text, a 39-column ledger in five bands


def column_points(width: float) -> float:
    """Points a column `width` characters wide takes on paper (LibreOffice's measure)."""
    return width * 7 + 5


def column_bands(
    widths: Sequence[float], key_columns: int, scale: int, page_pt: float = LANDSCAPE_WIDTH_PT
) -> list[int]:
    """Where to break the columns after the first `key_columns` (repeated on every page) so
    that each band, keys included, fits the page at `scale` percent: the first column of
    each band after the first (for `set_v_pagebreaks`)."""
    room = page_pt * 100 / scale - sum(column_points(w) for w in widths[:key_columns])
    breaks: list[int] = []
    used = 0.0
    for col in range(key_columns, len(widths)):
        width = column_points(widths[col])
        if used and used + width > room:
            breaks.append(col)
            used = 0.0
        used += width
    return breaks


def table_pages(
    wb: xlsxwriter.Workbook,
    ws,
    *,
    sheet: str,
    table: str,
    header_row: int,
    widths: Sequence[float],
    used_by: Sequence[str],
    key_columns: int = 2,
) -> None:
    """How a sheet holding one pre-sized Excel table prints, as a clerk reads it: A4
    landscape at `TABLE_SCALE`, the header row and the first `key_columns` columns repeated
    on every page, the other columns in bands that each fit the page width (pages run
    across the bands, then down), page numbers in the footer, and the print area only as
    deep as the last row whose `used_by` columns hold something.

    The print area is a defined name over the table (`_xlnm.Print_Area`), so Excel and WPS
    follow it as rows are typed into the table's blank pre-sized rows or the table grows.
    LibreOffice takes only a plain range as a print area and prints the whole table there.
    """
    ws.set_paper(A4)
    ws.set_landscape()
    ws.set_margins(**TABLE_MARGINS)
    ws.repeat_rows(header_row)
    ws.repeat_columns(0, key_columns - 1)
    ws.set_footer(FOOTER_PAGES)
    ws.print_across()
    ws.set_print_scale(TABLE_SCALE)
    breaks = column_bands(widths, key_columns, TABLE_SCALE)
    if breaks:
        ws.set_v_pagebreaks(breaks)
    wb.define_name(
        f"{sheet}!_xlnm.Print_Area", print_area_formula(sheet, table, header_row, widths, used_by)
    )


def print_area_formula(
    sheet: str, table: str, header_row: int, widths: Sequence[float], used_by: Sequence[str]
) -> str:
    """`=台账!$A$1:INDEX(台账!$AM:$AM,<last used row>)`: from A1 to the last table row whose
    `used_by` columns are not all blank (the header row when there is none)."""
    last_col = xl_col_to_name(len(widths) - 1)
    used = "+".join(f'({table}[{header}]<>"")' for header in used_by)
    first = f"{table}[{used_by[0]}]"
    last_row = f"IFERROR(LOOKUP(2,1/({used}),ROW({first})),{header_row + 1})"
    return f"={sheet}!$A$1:INDEX({sheet}!${last_col}:${last_col},{last_row})"


def portrait(ws) -> None:
    """A4 portrait, one page wide, page numbers in the footer."""
    print_setup(ws, orientation="portrait", fit_width=True)


def landscape(ws, header_row: int | None = None) -> None:
    """A4 landscape, one page wide, the header row (if any) repeated on every page."""
    print_setup(ws, header_row, fit_width=True)


# ---------------------------------------------------------------- file names


def file_label(path: object) -> str:
    """How an output names an input file: its name, not where it lay on this machine (an
    output travels; the folders of HQ's computer are nobody's business)."""
    return Path(os.fspath(path)).name if path else ""


# ---------------------------------------------------------------- widths


def display_width(text: str) -> int:
    """Columns `text` takes in Excel's default font: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Wide (CJK, full-width) characters, counted in C: row heights are computed for every row.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)
LINE_HEIGHT = 17.0  # points a line of 11-point text takes in a row (CJK fonts run tall)
MAX_LINES = 8  # a row grows to at most this many lines


def text_lines(text: str, width: float) -> int:
    """Lines `text` wraps to in a column `width` characters wide (CJK counting double)."""
    per_line = max(1.0, width - 1)
    lines = 0
    for part in text.split("\n"):
        units = len(part) + len(_WIDE.findall(part))
        lines += max(1, math.ceil(units / per_line))
    return lines


def wrapped_row_heights(
    ws, first_row: int, columns: Sequence[tuple[Sequence[object], float]]
) -> None:
    """Give each row the height its wrapped text needs: `columns` are (values, width) of the
    columns that wrap, values row by row from `first_row`. Rows of one line keep Excel's
    default height (and grow by themselves when a clerk types)."""
    if not columns:
        return
    n = max(len(values) for values, _ in columns)
    lines = [1] * n
    for values, width in columns:  # a column at a time, each distinct text measured once
        measured: dict[str, int] = {}
        for i, value in enumerate(values):
            if isinstance(value, str) and (len(value) * 2 > width - 1 or "\n" in value):
                count = measured.get(value)
                if count is None:
                    count = text_lines(value, width)
                    if len(measured) < 50_000:
                        measured[value] = count
                if count > lines[i]:
                    lines[i] = count
    for i, count in enumerate(lines):
        if count > 1:
            ws.set_row(first_row + i, LINE_HEIGHT * min(count, MAX_LINES))


def fit_columns(
    ws,
    headers: Sequence[str],
    samples: Sequence[Sequence[str]],
    limits: Sequence[tuple[float, float]],
) -> None:
    """Each column as wide as its widest sample (or header, with room for the filter
    button), within its (low, high) limits."""
    for col, (header, (low, high)) in enumerate(zip(headers, limits, strict=True)):
        widest = max((display_width(row[col]) for row in samples), default=0)
        widest = max(widest, display_width(header) + 3)
        ws.set_column(col, col, max(low, min(widest + 1, high)))
