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


# ---------------------------------------------------------------- messages


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    """A console that prints text as given: no markup, no highlighting, no emoji codes, so a
    customer named "[/]" or "[link=…]" is printed as those characters."""
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=True,
        width=width,
        markup=False,
        emoji=False,
    )


def say(console: Console, label: str, message: str, style: str) -> None:
    """One line: a coloured label, then the message as plain text."""
    console.print(Text.assemble((label, style), message))


def error(console: Console, message: str) -> None:
    say(console, "错误：", message, "red")


def notice(console: Console, message: str, label: str = "注意：") -> None:
    say(console, label, message, "yellow")


# ---------------------------------------------------------------- new --from


def print_import(console: Console, result, output, limit: int = 50) -> None:
    """What `ledger-xl new --from` did: rows imported, columns matched, findings."""
    sheet = f"（{result.sheet}）" if result.sheet else ""
    console.print(
        Text(f"已从 {result.source}{sheet} 导入 {result.rows} 个客户，写出台账：{output}")
    )
    matched = "，".join(f"{s}→{h}" if s != h else h for s, h in result.matched.items())
    console.print(Text("匹配的列：" + matched))
    report = result.report
    if not report.findings:
        console.print(Text("未发现问题。", style="green"))
        return
    table = Table(title=f"导入时发现 {report.errors} 个错误、{report.warnings} 个警告")
    for name in ("级别", "位置", "客户编号", "问题"):
        table.add_column(name, overflow="fold")
    for item in report.findings[:limit]:
        table.add_row(
            Text(severity_label(item.severity), style=_STYLE[item.severity]),
            Text(location(item)),
            Text(item.customer_id),
            Text(item.message),
        )
    console.print(table)
    if len(report.findings) > limit:
        console.print(Text(f"……另有 {len(report.findings) - limit} 条未列出。"))
    console.print(Text("以上问题的值已按原样保留在台账中，请在台账里修改。"))


# ---------------------------------------------------------------- due


DUE_SHOWN = (
    "flag",
    "customer_id",
    "name",
    "branch",
    "risk_level",
    "grade",
    "last_review",
    "next_review",
    "days",
    "reviewer",
    "reason",
)
DOCUMENTS_SHOWN = (
    "doc_status",
    "customer_id",
    "name",
    "branch",
    "doc_type",
    "expires",
    "days",
    "reason",
)
WARNINGS_SHOWN = ("warning", "customer_id", "name", "branch", "status", "grade", "detail")


def cell_text(value) -> str:
    """A list cell as printed: blanks empty, whole numbers without .0, dates as ISO."""
    import pandas as pd

    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return "" if value != value else f"{value:g}"
    if hasattr(value, "strftime"):
        return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def _flag_styles() -> dict[str, str]:
    from ledger_xl.core import layout

    return {
        layout.DUE_OVERDUE: "red",
        layout.DOC_EXPIRED: "red",
        layout.DUE_SOON: "yellow",  # the same word for documents
        layout.DUE_UNKNOWN: "magenta",
    }


def print_list(console: Console, title: str, frame, columns: tuple[str, ...], empty: str) -> None:
    """A due list as a table, each row coloured by its flag (first column)."""
    from ledger_xl.core.due import LABELS

    if frame.empty:
        console.print(Text.assemble((title, "bold"), f"：{empty}"))
        return
    styles = _flag_styles()
    table = Table(title=f"{title}（{len(frame)}）", title_justify="left")
    for key in columns:
        table.add_column(LABELS[key], overflow="fold")
    for row in frame.itertuples(index=False):
        cells = [cell_text(getattr(row, key)) for key in columns]
        table.add_row(*(Text(c) for c in cells), style=styles.get(cells[0]))
    console.print(table)


def print_due(console: Console, data, lists: dict, branch: str | None) -> None:
    """`ledger-xl due` in the terminal: the three lists and the totals."""
    from ledger_xl.core import layout

    where = f"（{branch}）" if branch else ""
    console.print(
        Text(
            f"基准日 {data.as_of.isoformat()}，{len(data.files)} 个工作簿，"
            f"{len(data.customers)} 个客户{where}"
        )
    )
    print_list(
        console, "待审核客户", lists["reviews"], DUE_SHOWN, "没有逾期、即将到期或未审核的客户"
    )
    print_list(
        console, "证件到期", lists["documents"], DOCUMENTS_SHOWN, "没有过期或即将到期的资信证明"
    )
    print_list(console, "风险预警", lists["warnings"], WARNINGS_SHOWN, "没有风险预警")
    counts = lists["reviews"]["flag"].value_counts()
    flags = (layout.DUE_OVERDUE, layout.DUE_NEVER, layout.DUE_UNKNOWN, layout.DUE_SOON)
    console.print(
        Text(
            "合计："
            + "，".join(f"{k} {int(counts.get(k, 0))}" for k in flags)
            + f"；证件 {len(lists['documents'])} 份；预警 {len(lists['warnings'])} 条"
        )
    )


# ---------------------------------------------------------------- summarize


def print_summary(console: Console, data, tables: dict) -> None:
    """`ledger-xl summarize` in the terminal: key figures, branch tables, months, lists."""
    console.print(Text(f"基准日 {data.as_of.isoformat()}，{len(data.files)} 个工作簿"))
    figures = tables["key_figures"]
    for section, group in figures.groupby("section", sort=False):
        items = [f"{r.label} {r['count']}" for _, r in group.iterrows()]
        console.print(Text(f"  {section}：" + "，".join(items)))
    for key, title in (("branch_status", "分公司 × 审核状态"), ("branch_grade", "分公司 × 评级")):
        frame = tables[key]
        table = Table(title=title, title_justify="left")
        table.add_column("所属分公司")
        for column in frame.columns:
            table.add_column(str(column), justify="right")
        for name, row in frame.iterrows():
            table.add_row(Text(str(name)), *(str(int(v)) for v in row))
        console.print(table)
    months = tables["due_by_month"]
    console.print(
        Text(
            "未来12个月每月到期："
            + "，".join(f"{r.label} {r['count']}" for _, r in months.iterrows())
        )
    )
    console.print(
        Text(
            f"逾期 {len(tables['overdue'])}，即将到期 {len(tables['due_soon'])}，"
            f"未审核或无法判断 {len(tables['never_reviewed'])}，"
            f"证件到期 {len(tables['documents'])}，风险预警 {len(tables['warnings'])}"
        )
    )
    quality = tables["data_quality"]
    flagged = quality[(quality["count"] > 0) & (quality["item"] != "评分不全（评级待补充）")]
    for _, r in flagged.iterrows():
        notice(console, f"{r['item']} {r['count']}（{r['note']}）")
