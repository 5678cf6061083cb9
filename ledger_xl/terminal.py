"""The result of validating a batch of workbooks, and its renderings (DESIGN principle 6).

`BatchResult` holds one `FileResult` per input file. It renders to the terminal
(`render_terminal`), to JSON (`BatchResult.to_json`) and to a findings workbook
(`ledger_xl.io.xlsx.findings.build_findings_workbook`); all three show the same findings and
the same `stats()`.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledger_xl.core.findings import CATALOGUE, Finding, Severity, count_severity

# The keys of a finding in JSON, in this order; "file" is the enclosing file's path.
JSON_FINDING_KEYS = (
    "code",
    "severity",
    "sheet",
    "cell",
    "row",
    "column",
    "customer_id",
    "value",
    "message",
)


class FileResult(BaseModel):
    """What validating one file found."""

    path: str
    valid: bool
    rows: int  # customer rows read (0 when the file could not be read)
    branch: str = ""  # most common 所属分公司 value in the file, "" if none
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return count_severity(self.findings, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count_severity(self.findings, Severity.WARNING)

    @property
    def passed(self) -> bool:
        """No error: the file is valid and none of its findings is an error."""
        return self.valid and self.errors == 0


class BatchResult(BaseModel):
    """The files of one `ledger-xl validate` run, in the order they were given."""

    files: list[FileResult]

    @property
    def valid(self) -> bool:
        """True when no file has an error."""
        return all(f.passed for f in self.files)

    def stats(self) -> dict:
        """Counts over the batch.

        `by_code` is ordered errors first, then by count (descending), then by code;
        `by_branch` by branch name, the files without a branch ("") last.
        """
        by_code: Counter[str] = Counter()
        severity_of: dict[str, Severity] = {}
        by_branch: dict[str, dict[str, int]] = {}
        for file in self.files:
            counts = by_branch.setdefault(file.branch, {"errors": 0, "warnings": 0})
            counts["errors"] += file.errors
            counts["warnings"] += file.warnings
            for item in file.findings:
                by_code[item.code] += 1
                severity_of.setdefault(item.code, item.severity)
        code_order = sorted(
            by_code, key=lambda c: (severity_of[c] is not Severity.ERROR, -by_code[c], c)
        )
        return {
            "files": len(self.files),
            "valid_files": sum(f.passed for f in self.files),
            "rows": sum(f.rows for f in self.files),
            "errors": sum(f.errors for f in self.files),
            "warnings": sum(f.warnings for f in self.files),
            "by_code": {code: by_code[code] for code in code_order},
            "by_branch": {
                name: by_branch[name] for name in sorted(by_branch, key=lambda b: (b == "", b))
            },
        }

    def to_json(self) -> str:
        """The whole result as JSON: each file's findings (without the file) and the stats."""
        files = [
            {
                "path": file.path,
                "valid": file.valid,
                "rows": file.rows,
                "findings": [_finding_json(item) for item in file.findings],
            }
            for file in self.files
        ]
        return json.dumps({"files": files, "stats": self.stats()}, ensure_ascii=False, indent=2)


def _finding_json(item: Finding) -> dict:
    data = item.model_dump(mode="json")
    return {key: data[key] for key in JSON_FINDING_KEYS}


# ---------------------------------------------------------------- words shared by renderers


def describe(code: str, lang: str = "zh") -> str:
    """A short description of a catalogue code: its message template with the placeholders
    shown as "…", up to the first semicolon (the advice that follows is left out)."""
    entry = CATALOGUE.get(code)
    if entry is None:
        return ""
    template = entry.en if lang == "en" else entry.zh
    return re.split(r"[；;]", re.sub(r"\{\w+\}", "…", template))[0].strip()


def severity_label(severity: Severity, lang: str = "zh") -> str:
    if lang == "en":
        return "error" if severity is Severity.ERROR else "warning"
    return "错误" if severity is Severity.ERROR else "警告"


def verdict_label(file: FileResult, lang: str = "zh") -> str:
    """通过 / 有错误 / 有警告 (passed / errors / warnings)."""
    words = ("passed", "errors", "warnings") if lang == "en" else ("通过", "有错误", "有警告")
    if not file.passed:
        return words[1]
    return words[2] if file.warnings else words[0]


def location(item: Finding) -> str:
    """Where a finding points, as `sheet!cell` (or what part of it is known)."""
    if item.sheet and item.cell:
        return f"{item.sheet}!{item.cell}"
    return item.sheet or item.cell


def branch_label(branch: str, lang: str = "zh") -> str:
    return branch or ("(none)" if lang == "en" else "（未填）")


# ---------------------------------------------------------------- terminal


_WORDS = {
    "zh": {
        "level": "级别",
        "cell": "单元格",
        "customer": "客户编号",
        "code": "代码",
        "message": "说明",
        "line": "{rows} 行，{errors} 个错误，{warnings} 个警告",
        "more": "…… 另有 {n} 条问题未显示；完整清单请用 --report 问题清单.xlsx 或 --format json",
        "summary": (
            "汇总：{files} 个文件（{valid_files} 个无错误），{rows} 行，"
            "{errors} 个错误，{warnings} 个警告"
        ),
        "by_code": "按代码统计",
        "count": "数量",
        "by_branch": "按分公司统计",
        "branch": "分公司",
        "files": "文件数",
        "rows": "行数",
        "errors": "错误",
        "warnings": "警告",
    },
    "en": {
        "level": "Level",
        "cell": "Cell",
        "customer": "Customer ID",
        "code": "Code",
        "message": "Message",
        "line": "{rows} rows, {errors} error(s), {warnings} warning(s)",
        "more": "… {n} more findings not shown; use --report FILE.xlsx or --format json for all",
        "summary": (
            "Summary: {files} file(s) ({valid_files} without errors), {rows} rows, "
            "{errors} error(s), {warnings} warning(s)"
        ),
        "by_code": "By code",
        "count": "Count",
        "by_branch": "By branch",
        "branch": "Branch",
        "files": "Files",
        "rows": "Rows",
        "errors": "Errors",
        "warnings": "Warnings",
    },
}

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


def render_terminal(
    result: BatchResult,
    console: Console,
    lang: str = "zh",
    max_findings_per_file: int | None = 200,
) -> None:
    """Print each file's verdict and findings (at most `max_findings_per_file` each; None for
    all), then the batch summary with counts by code and by branch.

    Every text from the files is printed as plain text, never as rich markup.
    """
    words = _WORDS["en" if lang == "en" else "zh"]
    for file in result.files:
        _render_file(file, console, lang, words, max_findings_per_file)
    _render_summary(result, console, lang, words)


def _verdict_line(file: FileResult, lang: str, words: dict) -> Text:
    if not file.passed:
        mark, style = "✘", "bold red"
    elif file.warnings:
        mark, style = "!", "bold yellow"
    else:
        mark, style = "✔", "bold green"
    label = verdict_label(file, lang)
    counts = words["line"].format(rows=file.rows, errors=file.errors, warnings=file.warnings)
    return Text.assemble((f"{mark} {label}", style), "  ", (file.path, "bold"), "  ", counts)


def _render_file(
    file: FileResult, console: Console, lang: str, words: dict, limit: int | None
) -> None:
    console.print(_verdict_line(file, lang, words))
    shown = file.findings if limit is None else file.findings[: max(limit, 0)]
    if shown:
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
        for key in ("level", "cell", "customer", "code"):
            table.add_column(words[key], no_wrap=True)
        table.add_column(words["message"], overflow="fold")
        for item in shown:
            table.add_row(
                Text(severity_label(item.severity, lang), style=_STYLE[item.severity]),
                Text(location(item)),
                Text(item.customer_id),
                Text(item.code),
                Text(item.message),
            )
        console.print(table)
    hidden = len(file.findings) - len(shown)
    if hidden:
        console.print(Text(words["more"].format(n=hidden), style="italic"))


def _render_summary(result: BatchResult, console: Console, lang: str, words: dict) -> None:
    stats = result.stats()
    console.print()
    console.print(Text(words["summary"].format(**stats), style="bold"))
    if stats["by_code"]:
        severity_of = {item.code: item.severity for file in result.files for item in file.findings}
        table = Table(title=words["by_code"], box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column(words["code"], no_wrap=True)
        table.add_column(words["level"], no_wrap=True)
        table.add_column(words["count"], justify="right")
        table.add_column(words["message"], overflow="fold")
        for code, count in stats["by_code"].items():
            severity = severity_of[code]
            table.add_row(
                Text(code),
                Text(severity_label(severity, lang), style=_STYLE[severity]),
                str(count),
                Text(describe(code, lang)),
            )
        console.print(table)
    files_of: Counter[str] = Counter(file.branch for file in result.files)
    rows_of: Counter[str] = Counter()
    for file in result.files:
        rows_of[file.branch] += file.rows
    table = Table(title=words["by_branch"], box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column(words["branch"])
    for key in ("files", "rows", "errors", "warnings"):
        table.add_column(words[key], justify="right")
    for branch, counts in stats["by_branch"].items():
        table.add_row(
            Text(branch_label(branch, lang)),
            str(files_of[branch]),
            str(rows_of[branch]),
            str(counts["errors"]),
            str(counts["warnings"]),
        )
    if stats["by_branch"]:
        console.print(table)
