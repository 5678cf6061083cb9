"""Moving an existing ad-hoc customer list (CSV or workbook) into the ledger.

Columns are matched by header text and aliases. Values that cannot be read as their column's
type are kept as typed and reported; no customer row is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledger_xl.core import parsing, values
from ledger_xl.core.book import header_lookup, ledger_headers, normalise_header
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import InputError, WorkbookReadError
from ledger_xl.core.findings import Report, finding
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import FieldRule, FieldType, Rules
from ledger_xl.io.read import open_workbook
from ledger_xl.io.xlsx.ledger import LedgerContent

# The codes only the importer emits (it reports cell problems with the checks' codes too).
CODES = (
    "import-unknown-column",
    "import-missing-column",
    "import-computed-column",
    "import-duplicate-column",
)

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
_FORMULA_START = ("=", "+", "-", "@")
_LONG_ID_KEYS = {"uscc", "phone"}


@dataclass
class ImportResult:
    content: LedgerContent
    report: Report
    source: Path
    sheet: str
    rows: int
    matched: dict[str, str] = field(default_factory=dict)  # source header -> ledger header


def import_customers(
    path: str | Path, rules: Rules = DEFAULT_RULES, sheet: str | None = None, lang: str = "zh"
) -> ImportResult:
    """Read customers from `path` (.csv or a workbook) into ledger rows, with a findings report."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        grid, from_text = Grid("", _read_csv(path)), True
    elif suffix in SPREADSHEET_SUFFIXES:
        grid, from_text = _read_workbook(path, rules, sheet), False
    else:
        raise InputError(f"{path.name}：不支持的文件类型“{suffix}”，请用 .csv 或 .xlsx")
    return _Importer(path, grid, rules, from_text, lang).run()


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path.name}：无法识别文件编码，请另存为 UTF-8 编码的 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_workbook(path: Path, rules: Rules, sheet: str | None) -> Grid:
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
        return ImportResult(
            LedgerContent(ledger=frame), self.report, self.path, self.grid.sheet, len(rows), matched
        )

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
            where = {
                "cell": Grid.a1(row, col),
                "row": row + 1,
                "column": rule.header,
                "customer_id": "" if customer is None else str(customer),
            }
            out[rule.key] = None if values.is_blank(raw) else self.convert(raw, rule, where)
        return out

    def convert(self, raw: object, rule: FieldRule, where: dict) -> object:
        if rule.type in (FieldType.NUMBER, FieldType.SCORE):
            return self.convert_number(raw, rule, where)
        if rule.type is FieldType.DATE:
            return self.convert_date(raw, where)
        text = self.convert_text(raw, rule, where)
        if rule.type is FieldType.CHOICE and text not in rule.allowed:
            self.note("value-not-allowed", value=text, allowed="、".join(rule.allowed), **where)
        return text

    def convert_text(self, raw: object, rule: FieldRule, where: dict) -> str:
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith(_FORMULA_START):
                self.note("formula-text", value=text, **where)
            return text
        if isinstance(raw, dt.datetime | dt.date):
            return raw.isoformat()[:10]
        if isinstance(raw, float) and raw.is_integer():
            if abs(raw) >= 1e15 and rule.key in _LONG_ID_KEYS:
                self.note("id-stored-as-number", value=f"{raw:.5E}", **where)
            return str(int(raw))
        return str(raw)

    def convert_number(self, raw: object, rule: FieldRule, where: dict) -> object:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            self.note("not-a-number", value=raw, **where)
            return str(raw)
        if isinstance(raw, str):
            number, plain = parsing.parse_number_text(raw)
            if number is None:
                self.note("not-a-number", value=raw, **where)
                return raw.strip()
            if not plain or not self.from_text:
                self.note("number-as-text", value=raw, **where)
        else:
            number = float(raw)
        low, high = rule.minimum, rule.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            span = f"{'' if low is None else f'{low:g}'}–{'' if high is None else f'{high:g}'}"
            self.note("out-of-range", value=number, allowed=span, **where)
        return number

    def convert_date(self, raw: object, where: dict) -> object:
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
            if day is not None:
                if not self.from_text:
                    self.note("date-as-text", value=raw, **where)
                return day
            self.note("not-a-date", value=raw, **where)
            return raw.strip()
        self.note("not-a-date", value=raw, **where)
        return str(raw)
