"""The writer kit: what every workbook ledger_xl writes shares.

- `written(path, overwrite, title=...)`: a fresh XlsxWriter workbook on a temporary file beside
  the target, moved into place when the body succeeds (`io.output.atomic_output`); never over
  an existing file unless asked, never over a workbook Excel holds open. Text is never turned
  into numbers, formulas or links.
- `Workbook`: XlsxWriter's workbook whose sheets prepare each distinct formula text once.
- `Formats`: cached cell formats from a table of named styles (`STYLES` plus a writer's own),
  with optional tones layered on top and a `locked` switch for protected sheets.
- `print_setup` / `portrait` / `landscape`: A4, page numbers, repeated header rows.
- `display_width` / `fit_columns`: column widths from the text they hold (CJK counts double).
- the colours of the ledger's conventions: red for overdue or expired, amber for due soon.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import unicodedata
from collections.abc import Iterator, Mapping, Sequence

import xlsxwriter
import xlsxwriter.worksheet

from ledger_xl.io.output import atomic_output

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


class Worksheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet that prepares each distinct formula text once.

    XlsxWriter scans every formula with ~30 regular expressions (future-function prefixes);
    a ledger repeats seven ~500-character formulas on every row, so caching the prepared text
    makes building several times faster. Installed as the workbook's `worksheet_class`.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):
        cache = self.__dict__.setdefault("_ledger_xl_formula_cache", {})
        key = (formula, expand_future_functions)
        if key not in cache:
            cache[key] = super()._prepare_formula(formula, expand_future_functions)
        return cache[key]


class Workbook(xlsxwriter.Workbook):
    worksheet_class = Worksheet


def new_workbook(
    path: str | os.PathLike,
    *,
    title: str,
    created: dt.datetime | None = None,
    subject: str = "",
    options: Mapping[str, object] | None = None,
) -> Workbook:
    """A workbook that never turns text into numbers, formulas or links, with ledger_xl's
    document properties."""
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
    return wb


@contextlib.contextmanager
def written(
    path: str | os.PathLike,
    overwrite: bool = False,
    *,
    title: str,
    created: dt.datetime | None = None,
    subject: str = "",
    options: Mapping[str, object] | None = None,
) -> Iterator[Workbook]:
    """Yield a new workbook written to a temporary file; closed and moved onto `path` when the
    body succeeds (nothing is left behind when it fails)."""
    with atomic_output(path, overwrite) as temp:
        wb = new_workbook(temp, title=title, created=created, subject=subject, options=options)
        try:
            yield wb
        finally:
            if not wb.fileclosed:
                wb.close()


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


def portrait(ws) -> None:
    """A4 portrait, one page wide, page numbers in the footer."""
    print_setup(ws, orientation="portrait", fit_width=True)


def landscape(ws, header_row: int | None = None) -> None:
    """A4 landscape, one page wide, the header row (if any) repeated on every page."""
    print_setup(ws, header_row, fit_width=True)


# ---------------------------------------------------------------- widths


def display_width(text: str) -> int:
    """Columns `text` takes in Excel's default font: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
