"""Moving an existing ad-hoc customer list (CSV or workbook) into the ledger.

Columns are matched by header text and aliases. Values that cannot be read as their column's
type are kept as typed and reported; no customer row is dropped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledger_xl.core import parsing, values
from ledger_xl.core.book import header_lookup, ledger_headers, normalise_header
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import InputError, WorkbookReadError
from ledger_xl.core.findings import Report, finding
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import REGEX_PREFIX, FieldRule, FieldType, Rules
from ledger_xl.io import isolated
from ledger_xl.io.read import explain_failure, memory_allowance, open_workbook
from ledger_xl.io.text_table import read_csv_rows
from ledger_xl.io.xlsx.ledger import LedgerContent

# The codes only the importer emits (it reports cell problems with the checks' codes too).
CODES = (
    "import-unknown-column",
    "import-missing-column",
    "import-computed-column",
    "import-duplicate-column",
    "import-text-too-long",
    "import-control-characters",
    "import-id-pattern",
)

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
_FORMULA_START = ("=", "+", "-", "@")
_LONG_ID_KEYS = {"uscc", "phone"}
EXCEL_MAX_TEXT = 32_767  # characters an Excel cell holds
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 31)  # the dates Excel holds
_CONTROLS = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n\r")


@dataclass
class ImportResult:
    content: LedgerContent
    report: Report
    source: Path
    sheet: str
    rows: int
    matched: dict[str, str] = field(default_factory=dict)  # source header -> ledger header
    rules: Rules = DEFAULT_RULES  # the rules to build the new ledger with
    id_format: str = ""  # what the new ledger's 客户编号 format is, said in the summary


def import_customers(
    path: str | Path, rules: Rules = DEFAULT_RULES, sheet: str | None = None, lang: str = "zh"
) -> ImportResult:
    """Read customers from `path` (.csv or a workbook) into ledger rows, with a findings report."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        grid, from_text = Grid("", read_csv_rows(path)), True
    elif suffix in SPREADSHEET_SUFFIXES:
        grid, from_text = _read_workbook(path, rules, sheet), False
    else:
        raise InputError(f"{path.name}：不支持的文件类型“{suffix}”，请用 .csv 或 .xlsx")
    return _Importer(path, grid, rules, from_text, lang).run()


def _read_workbook(path: Path, rules: Rules, sheet: str | None) -> Grid:
    """The sheet holding the customer list, read in a child process (`io.isolated`): a
    workbook that takes its reader down is refused with a reason, never a crash."""
    try:
        return isolated.call(_find_list, path, rules, sheet, memory=memory_allowance(path))
    except isolated.ChildFailed as exc:
        reason = explain_failure(path, exc.detail)
        raise InputError(f"{path.name}：无法读取：{reason}") from None


def _find_list(path: Path, rules: Rules, sheet: str | None) -> Grid:
    try:
        book = open_workbook(path, ledger=False)  # sniffed first, like every other input
        names = [sheet] if sheet else book.sheet_names
        if sheet and sheet not in book.sheet_names:
            raise InputError(
                f"{path.name} 中没有工作表“{sheet}”；现有：{'、'.join(book.sheet_names)}"
            )
        for name in names:
            grid = book.grid(name)
            if grid is not None and _header_row(grid, rules) is not None:
                return grid
    except WorkbookReadError as exc:
        reason = exc.finding.message if hasattr(exc, "finding") else exc.detail
        raise InputError(f"{path.name}：{reason}") from exc
    raise InputError(
        f"{path.name}：在任何工作表的前 20 行都找不到客户表头（至少需要“客户名称”等两个台账列名）"
    )


MISFIT_SHARE = 0.05  # at most this share of ids off the standard format: typos, not a scheme
MAX_ID_SHAPES = 3  # more shapes than this: no common format


def id_shape(text: str) -> str:
    """A regex for ids shaped like `text`: runs of capitals, small letters and digits by
    length, other characters as they are (C-2023-001 → [A-Z]\\-\\d{4}\\-\\d{3})."""
    out: list[str] = []
    for kind, run in itertools.groupby(text, lambda c: _char_class(c) or c):
        chars = "".join(run)
        if _char_class(chars[0]):
            out.append(kind + (f"{{{len(chars)}}}" if len(chars) > 1 else ""))
        else:
            out.append(re.escape(chars))
    return "".join(out)


def _char_class(ch: str) -> str | None:
    if "A" <= ch <= "Z":
        return "[A-Z]"
    if "a" <= ch <= "z":
        return "[a-z]"
    if "0" <= ch <= "9":
        return r"\d"
    return None


def _describe_format(fmt: str) -> str:
    if not fmt:
        return "不限格式"
    return fmt[len(REGEX_PREFIX) :] if fmt.startswith(REGEX_PREFIX) else fmt


def _header_lookup(rules: Rules) -> dict[str, FieldRule]:
    """Normalised header or alias → the field: the same matching rule as the ledger reader."""
    by_key = {f.key: f for f in rules.fields}
    return {name: by_key[key] for name, key in header_lookup(ledger_headers(rules)).items()}


def _header_row(grid: Grid, rules: Rules) -> int | None:
    lookup = _header_lookup(rules)
    best, best_hits = None, 1
    for row in range(min(20, grid.height)):
        hits = sum(normalise_header(grid.value(row, c)) in lookup for c in range(grid.width))
        if hits > best_hits:
            best, best_hits = row, hits
    return best


class _Where(Mapping):
    """Where a cell is, as a finding's keywords (cell, row, column, customer_id), the A1
    reference made only when a finding is written (most cells have none)."""

    __slots__ = ("_col", "_customer", "_header", "_row")
    _KEYS = ("cell", "row", "column", "customer_id")

    def __init__(self, row: int, col: int, header: str, customer: object) -> None:
        self._row, self._col, self._header, self._customer = row, col, header, customer

    def __getitem__(self, key: str) -> object:
        if key == "cell":
            return Grid.a1(self._row, self._col)
        if key == "row":
            return self._row + 1
        if key == "column":
            return self._header
        if key == "customer_id":
            return "" if self._customer is None else str(self._customer)
        raise KeyError(key)

    def __iter__(self):
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)


class _Importer:
    def __init__(self, path: Path, grid: Grid, rules: Rules, from_text: bool, lang: str):
        self.path, self.grid, self.rules = path, grid, rules
        self.from_text, self.lang = from_text, lang
        self.report = Report()

    def note(self, code: str, **kw) -> None:
        self.report.add(
            finding(code, lang=self.lang, file=str(self.path), sheet=self.grid.sheet, **kw)
        )

    def run(self) -> ImportResult:
        header_row = _header_row(self.grid, self.rules)
        if header_row is None:
            raise InputError(
                f"{self.path.name}：前 20 行找不到客户表头（至少需要“客户名称”等两个台账列名）"
            )
        columns = self.map_columns(header_row)
        rows = []
        for r in range(header_row + 1, self.grid.height):
            if all(self.grid.blank(r, c) for c in range(self.grid.width)):
                continue
            rows.append(self.convert_row(r, columns))
        keys = [f.key for f in self.rules.fields if f.is_input]
        frame = pd.DataFrame(rows, columns=keys, dtype=object)
        matched = {
            str(self.grid.value(header_row, c)).strip(): f.header for c, f in columns.items()
        }
        rules, id_format = self.adopt_id_format([r.get("customer_id") for r in rows])
        return ImportResult(
            LedgerContent(ledger=frame),
            self.report,
            self.path,
            self.grid.sheet,
            len(rows),
            matched,
            rules,
            id_format,
        )

    def adopt_id_format(self, ids: list[object]) -> tuple[Rules, str]:
        """The rules for the new ledger: when the company's own 客户编号 do not fit the
        standard format, its 填报规则 take a format that fits them (or none), so validating
        the new ledger does not turn the company's scheme into an error on every row."""
        rule = self.rules.field("customer_id")
        texts = [str(i).strip() for i in ids if isinstance(i, str) and i.strip()]
        if not rule.format.startswith(REGEX_PREFIX) or not texts:
            return self.rules, _describe_format(rule.format)
        current = re.compile(rule.format[len(REGEX_PREFIX) :])
        misfits = [t for t in texts if not current.fullmatch(t)]
        if len(misfits) <= len(texts) * MISFIT_SHARE:  # a few typos: the standard stays
            return self.rules, _describe_format(rule.format)
        shapes = list(dict.fromkeys(id_shape(t) for t in texts))
        if len(shapes) <= MAX_ID_SHAPES:
            regex = "^(?:" + "|".join(shapes) + ")$" if len(shapes) > 1 else f"^{shapes[0]}$"
            new_format = REGEX_PREFIX + regex
            hint = (
                f"必填。格式与导入时的客户编号一致（如 {misfits[0]}）；全表唯一，建档后不再修改。"
            )
        else:
            new_format, hint = (
                "",
                "必填。全表唯一，建档后不再修改（导入的客户编号格式不一，未设格式）。",
            )
        fields = tuple(
            f.model_copy(update={"format": new_format, "hint": hint}) if f.key == rule.key else f
            for f in self.rules.fields
        )
        described = _describe_format(new_format)
        self.report.add(
            finding(
                "import-id-pattern",
                lang=self.lang,
                file=str(self.path),
                sheet=self.grid.sheet,
                column=rule.header,
                value=misfits[0],
                detail=rule.format[len(REGEX_PREFIX) :],
                allowed=described,
            )
        )
        return self.rules.model_copy(update={"fields": fields}), described

    def map_columns(self, header_row: int) -> dict[int, FieldRule]:
        lookup = _header_lookup(self.rules)
        columns: dict[int, FieldRule] = {}
        seen: set[str] = set()
        for col in range(self.grid.width):
            text = self.grid.value(header_row, col)
            if self.grid.blank(header_row, col):
                continue
            where = {"cell": Grid.a1(header_row, col), "row": header_row + 1}
            rule = lookup.get(normalise_header(text))
            if rule is None:
                self.note("import-unknown-column", value=text, **where)
            elif not rule.is_input:
                self.note("import-computed-column", value=text, column=rule.header, **where)
            elif rule.key in seen:
                self.note("import-duplicate-column", value=text, column=rule.header, **where)
            else:
                columns[col] = rule
                seen.add(rule.key)
        for rule in self.rules.fields:
            if rule.is_input and rule.required and rule.key not in seen:
                self.note("import-missing-column", column=rule.header)
        return columns

    def convert_row(self, row: int, columns: dict[int, FieldRule]) -> dict[str, object]:
        id_col = next((c for c, f in columns.items() if f.key == "customer_id"), None)
        customer = self.grid.value(row, id_col) if id_col is not None else None
        out = {}
        for col, rule in columns.items():
            raw = self.grid.value(row, col)
            where = _Where(row, col, rule.header, customer)
            if isinstance(raw, float) and math.isnan(raw):  # a NaN cell: not blank, not a number
                out[rule.key] = self.convert_nan(rule, where)
                continue
            out[rule.key] = None if values.is_blank(raw) else self.convert(raw, rule, where)
        return out

    def convert_nan(self, rule: FieldRule, where: Mapping) -> str | None:
        """A NaN read from a workbook (no Excel cell holds one): reported in a number or date
        column and kept as the text "NaN"; blank elsewhere."""
        if rule.type in (FieldType.NUMBER, FieldType.SCORE):
            self.note("not-a-number", value="NaN", **where)
        elif rule.type is FieldType.DATE:
            self.note("not-a-date", value="NaN", **where)
        else:
            return None
        return "NaN"

    def convert(self, raw: object, rule: FieldRule, where: Mapping) -> object:
        if rule.type in (FieldType.NUMBER, FieldType.SCORE):
            return self.convert_number(raw, rule, where)
        if rule.type is FieldType.DATE:
            return self.convert_date(raw, where)
        text = self.convert_text(raw, rule, where)
        if rule.type is FieldType.CHOICE and text not in rule.allowed:
            self.note("value-not-allowed", value=text, allowed="、".join(rule.allowed), **where)
        return text

    def convert_text(self, raw: object, rule: FieldRule, where: Mapping) -> str:
        if isinstance(raw, str):
            text = self.clean_text(raw.strip(), where)
            if text.startswith(_FORMULA_START):
                self.note("formula-text", value=text, **where)
            return text
        if isinstance(raw, dt.datetime | dt.date):
            return raw.isoformat()[:10]
        if isinstance(raw, float) and not math.isfinite(raw):
            return repr(raw)
        if isinstance(raw, float) and raw.is_integer():
            if abs(raw) >= 1e15 and rule.key in _LONG_ID_KEYS:
                self.note("id-stored-as-number", value=f"{raw:.5E}", **where)
            return str(int(raw))
        return str(raw)

    def clean_text(self, text: str, where: Mapping) -> str:
        """Text as a cell can hold it: control characters (NUL…) removed, at most 32767
        characters; each change reported."""
        cleaned = text.translate(_CONTROLS)
        if cleaned != text:
            self.note("import-control-characters", value=cleaned[:50], **where)
        if len(cleaned) > EXCEL_MAX_TEXT:
            self.note(
                "import-text-too-long", value=cleaned[:20] + "…", detail=str(len(cleaned)), **where
            )
            cleaned = cleaned[:EXCEL_MAX_TEXT]
        return cleaned

    def convert_number(self, raw: object, rule: FieldRule, where: Mapping) -> object:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            self.note("not-a-number", value=raw, **where)
            return str(raw)
        if isinstance(raw, str):
            number, plain = parsing.parse_number_text(raw)
            if number is None:
                self.note("not-a-number", value=raw, **where)
                return self.clean_text(raw.strip(), where)
            if not plain or not self.from_text:
                self.note("number-as-text", value=raw, **where)
        else:
            number = float(raw)
        if not abs(number) <= values.EXCEL_MAX_NUMBER:  # inf, NaN, 1e308: no cell holds them
            text = raw.strip() if isinstance(raw, str) else repr(number)
            self.note("not-a-number", value=text[:50], **where)
            return self.clean_text(text, where)
        low, high = rule.minimum, rule.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            self.note("out-of-range", value=number, allowed=rule.bounds, **where)
        return number

    def convert_date(self, raw: object, where: Mapping) -> object:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            day = values.excel_date(raw)
            if day is not None:
                return day
        if isinstance(raw, str):
            day = parsing.parse_date_text(raw)
            if day is not None and FIRST_DAY <= day <= LAST_DAY:
                if not self.from_text:
                    self.note("date-as-text", value=raw, **where)
                return day
            self.note("not-a-date", value=raw, **where)  # no date, or none Excel can hold
            return self.clean_text(raw.strip(), where)
        self.note("not-a-date", value=raw, **where)
        return repr(raw) if isinstance(raw, float) else str(raw)
