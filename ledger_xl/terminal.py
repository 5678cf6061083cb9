"""Terminal output: what the CLI prints, as plain text (never rich markup from data).

`render_terminal` prints a validation batch; the list and table printers serve `due`,
`summarize` and `new`. The results themselves and their JSON form live in
`ledger_xl.core.findings`.
"""

from __future__ import annotations

from collections import Counter

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledger_xl.core.findings import (
    BatchResult,
    FileResult,
    Severity,
    branch_label,
    describe,
    location,
    severity_label,
    verdict_label,
)

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
