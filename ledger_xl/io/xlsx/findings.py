"""The findings workbook of a batch: one row per finding, each linked to its cell.

Built fresh with XlsxWriter (DESIGN principle 2) and written atomically (principle 7).
Three sheets, each an Excel table with its header on row 1 so filters work at once:

- 问题清单 — every finding; its 单元格 cell is a hyperlink that opens the branch workbook at
  the offending cell.
- 按文件统计 — one row per file: count per code, errors, warnings, rows, verdict.
- 按代码统计 — one row per code: severity, count, description.

How a cell links to another workbook's cell: a worksheet hyperlink whose relationship
target is the file (relative to this workbook's folder when possible) and whose `location`
attribute is `'sheet'!A1`. That is what Excel itself writes for "link to a place in another
document"; WPS reads Excel's form; LibreOffice's xlsx import appends the location to the
target as `file#'sheet'!A1` and its jump-to-mark accepts the Excel `'sheet'!A1` syntax.
A relative target keeps working when the findings workbook travels with the branch files.
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger_xl.core.errors import OutputError
from ledger_xl.core.findings import (
    BatchResult,
    FileResult,
    Finding,
    Severity,
    describe,
    severity_label,
    verdict_label,
)
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.kit import AMBER, EXCEL_MAX_LINKS, EXCEL_MAX_ROWS, FILL_HEADER, GREEN, RED

SHEET_NAMES = {
    "zh": ("问题清单", "按文件统计", "按代码统计"),
    "en": ("Findings", "By file", "By code"),
}
TABLE_NAMES = ("Findings", "FindingsByFile", "FindingsByCode")

_WORDS = {
    "zh": {
        "findings": (
            "文件",
            "工作表",
            "单元格",
            "行号",
            "列",
            "客户编号",
            "代码",
            "级别",
            "说明",
            "值",
        ),
        "file": "文件",
        "branch": "分公司",
        "errors": "错误",
        "warnings": "警告",
        "rows": "行数",
        "verdict": "结论",
        "codes": ("代码", "级别", "数量", "说明"),
        "open_file": "（打开文件）",
        "tip": "打开 {file} 的 {where}",
        "tip_file": "打开 {file}",
        "title": "客户审核管理台账 校验问题清单",
    },
    "en": {
        "findings": (
            "File",
            "Sheet",
            "Cell",
            "Row",
            "Column",
            "Customer ID",
            "Code",
            "Level",
            "Message",
            "Value",
        ),
        "file": "File",
        "branch": "Branch",
        "errors": "Errors",
        "warnings": "Warnings",
        "rows": "Rows",
        "verdict": "Verdict",
        "codes": ("Code", "Level", "Count", "Message"),
        "open_file": "(open file)",
        "tip": "Open {where} in {file}",
        "tip_file": "Open {file}",
        "title": "Customer review ledger: validation findings",
    },
}

# Width limits (in Excel character units) per column of 问题清单.
_FINDING_WIDTHS = (
    (12, 50),
    (8, 16),
    (8, 14),
    (6, 8),
    (8, 20),
    (10, 18),
    (12, 26),
    (6, 8),
    (30, 80),
    (8, 40),
)


def build_findings_workbook(
    path: str | os.PathLike,
    result: BatchResult,
    overwrite: bool = False,
    lang: str = "zh",
) -> Path:
    """Write the findings workbook of `result` to `path` (atomically; never over an existing
    file unless `overwrite`, never while Excel holds it open). Returns the path.

    Links to the files are relative to the folder of `path` when possible; relative paths in
    `result` are taken relative to the current directory.
    """
    target = Path(path)
    total = sum(len(file.findings) for file in result.files)
    if total >= EXCEL_MAX_ROWS:
        raise OutputError(
            f"共 {total} 条问题，超过 Excel 一张工作表的行数上限；请改用 --format json 输出"
        )
    words = _WORDS["en" if lang == "en" else "zh"]
    with kit.written(target, overwrite, kind="findings", title=words["title"]) as wb:
        _FindingsBook(wb, result, target.resolve().parent, lang).build()
    return target


# ---------------------------------------------------------------- links


def link_path(file: str, base: Path) -> str:
    """`file` as a hyperlink target seen from folder `base`: relative when it can be (same
    drive), else absolute. Relative paths in `file` start from the current directory."""
    absolute = Path(file).resolve()
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows: only an absolute link can reach it
        return str(absolute)
    # "./" keeps XlsxWriter from reading a name like "a:b.xlsx" as a drive; it drops the
    # prefix from the stored target.
    return relative if relative.startswith("..") else os.path.join(".", relative)


def cell_anchor(sheet: str, cell: str) -> str:
    """The location part of a link: `'sheet'!cell`, the sheet always quoted."""
    if not sheet:
        return ""
    return "'" + sheet.replace("'", "''") + "'!" + (cell or "A1")


# What Excel percent-encodes in a hyperlink target (as XlsxWriter does), plus "#", which
# would otherwise end the path. "%" goes first so nothing is encoded twice.
_URL_ESCAPES = (
    ("%", "%25"),
    ("#", "%23"),
    ('"', "%22"),
    (" ", "%20"),
    ("<", "%3c"),
    (">", "%3e"),
    ("[", "%5b"),
    ("]", "%5d"),
    ("^", "%5e"),
    ("`", "%60"),
    ("{", "%7b"),
    ("}", "%7d"),
)


def external_url(path: str, anchor: str = "") -> str:
    """An XlsxWriter `external:` URL for a file path and an optional `'sheet'!A1` anchor."""
    for char, code in _URL_ESCAPES:
        path = path.replace(char, code)
    return "external:" + path + ("#" + anchor if anchor else "")


# ---------------------------------------------------------------- the workbook


class _FindingsBook:
    def __init__(self, wb: kit.Workbook, result: BatchResult, base: Path, lang: str) -> None:
        self.result, self.base = result, base
        self.lang = "en" if lang == "en" else "zh"
        self.words = _WORDS[self.lang]
        self.wb = wb
        self.header = self.wb.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": FILL_HEADER,
                "border": 1,
                "valign": "vcenter",
            }
        )
        self.link = self.wb.add_format({"font_color": "#0563C1", "underline": 1})
        self.text = self.wb.add_format({"num_format": "@"})
        self.number = self.wb.add_format({"num_format": "0"})
        self.level = {
            Severity.ERROR: self.wb.add_format(RED),
            Severity.WARNING: self.wb.add_format(AMBER),
        }
        self.verdict = {
            "error": self.wb.add_format(RED),
            "warning": self.wb.add_format(AMBER),
            "pass": self.wb.add_format(GREEN),
        }
        self._links: dict[str, str] = {}  # file path → link path, computed once per file
        self.stats = result.stats()

    def build(self) -> None:
        findings_sheet, by_file_sheet, by_code_sheet = SHEET_NAMES[self.lang]
        self.write_findings(findings_sheet)
        self.write_by_file(by_file_sheet)
        self.write_by_code(by_code_sheet)

    def _link_path(self, file: str) -> str:
        if file not in self._links:
            self._links[file] = link_path(file, self.base)
        return self._links[file]

    def _write_link(self, ws, row: int, col: int, file: str, anchor: str, text: str) -> bool:
        """A hyperlink cell opening `file` (at `anchor`); plain text when Excel cannot hold
        the link (too long, or past the per-sheet limit). Returns whether a link was made."""
        if ws.hlink_count < EXCEL_MAX_LINKS:
            name = Path(file).name
            tip = (
                self.words["tip"].format(file=name, where=anchor)
                if anchor
                else self.words["tip_file"].format(file=name)
            )[:255]
            try:
                url = external_url(self._link_path(file), anchor)
                if ws.write_url(row, col, url, self.link, text, tip) == 0:
                    return True
            except ValueError:  # longer than Excel allows for a URL
                pass
        ws.write_string(row, col, text, self.text)
        return False

    def _table(self, ws, name: str, headers: tuple[str, ...] | list[str], n_rows: int) -> None:
        ws.add_table(
            0,
            0,
            max(n_rows, 1),
            len(headers) - 1,
            {
                "name": name,
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": self.header} for h in headers],
            },
        )
        ws.freeze_panes(1, 0)
        ws.set_row(0, 22)
        kit.print_setup(ws, 0)
        ws.fit_to_pages(1, 0)

    # ------------------------------------------------------------ 问题清单

    def write_findings(self, name: str) -> None:
        ws = self.wb.add_worksheet(name)
        headers = self.words["findings"]
        rows = [(file, item) for file in self.result.files for item in file.findings]
        self._table(ws, TABLE_NAMES[0], headers, len(rows))
        for i, (file, item) in enumerate(rows, start=1):
            self._finding_row(ws, i, file, item)
        samples = [
            [
                file.path,
                item.sheet,
                item.cell or self.words["open_file"],
                "",
                item.column,
                item.customer_id,
                item.code,
                "",
                item.message,
                item.value,
            ]
            for file, item in rows[:2000]
        ]
        kit.fit_columns(ws, headers, samples, _FINDING_WIDTHS)
        ws.activate()

    def _finding_row(self, ws, row: int, file: FileResult, item: Finding) -> None:
        ws.write_string(row, 0, file.path, self.text)
        ws.write_string(row, 1, item.sheet, self.text)
        anchor = cell_anchor(item.sheet, item.cell)
        shown = item.cell or (item.sheet if item.sheet else self.words["open_file"])
        self._write_link(ws, row, 2, file.path, anchor, shown)
        if item.row is None:
            ws.write_blank(row, 3, None)
        else:
            ws.write_number(row, 3, item.row, self.number)
        ws.write_string(row, 4, item.column, self.text)
        ws.write_string(row, 5, item.customer_id, self.text)
        ws.write_string(row, 6, item.code, self.text)
        ws.write_string(row, 7, severity_label(item.severity, self.lang), self.level[item.severity])
        ws.write_string(row, 8, item.message, self.text)
        ws.write_string(row, 9, item.value, self.text)

    # ------------------------------------------------------------ 按文件统计

    def write_by_file(self, name: str) -> None:
        ws = self.wb.add_worksheet(name)
        w = self.words
        codes = list(self.stats["by_code"])
        headers = [
            w["file"],
            w["branch"],
            *codes,
            w["errors"],
            w["warnings"],
            w["rows"],
            w["verdict"],
        ]
        self._table(ws, TABLE_NAMES[1], headers, len(self.result.files))
        for row, file in enumerate(self.result.files, start=1):
            self._write_link(ws, row, 0, file.path, "", file.path)
            ws.write_string(row, 1, file.branch, self.text)
            counts: dict[str, int] = {}
            for item in file.findings:
                counts[item.code] = counts.get(item.code, 0) + 1
            col = 2
            for code in codes:
                ws.write_number(row, col, counts.get(code, 0), self.number)
                col += 1
            ws.write_number(row, col, file.errors, self.number)
            ws.write_number(row, col + 1, file.warnings, self.number)
            ws.write_number(row, col + 2, file.rows, self.number)
            kind = "error" if not file.passed else "warning" if file.warnings else "pass"
            ws.write_string(row, col + 3, verdict_label(file, self.lang), self.verdict[kind])
        samples = [[f.path, f.branch] for f in self.result.files[:2000]]
        kit.fit_columns(ws, headers[:2], samples, ((12, 50), (8, 16)))
        for col, code in enumerate(codes, start=2):
            ws.set_column(col, col, max(8, min(kit.display_width(code) + 4, 26)))
        last = len(headers) - 1
        ws.set_column(last - 3, last, 9)

    # ------------------------------------------------------------ 按代码统计

    def write_by_code(self, name: str) -> None:
        ws = self.wb.add_worksheet(name)
        headers = self.words["codes"]
        by_code = self.stats["by_code"]
        self._table(ws, TABLE_NAMES[2], headers, len(by_code))
        severity_of = {
            item.code: item.severity for file in self.result.files for item in file.findings
        }
        for row, (code, count) in enumerate(by_code.items(), start=1):
            severity = severity_of[code]
            ws.write_string(row, 0, code, self.text)
            ws.write_string(row, 1, severity_label(severity, self.lang), self.level[severity])
            ws.write_number(row, 2, count, self.number)
            ws.write_string(row, 3, describe(code, self.lang), self.text)
        samples = [[code, "", "", describe(code, self.lang)] for code in by_code]
        kit.fit_columns(ws, headers, samples, ((12, 28), (6, 8), (6, 8), (30, 90)))
