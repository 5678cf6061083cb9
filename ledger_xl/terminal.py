"""Terminal output: what the CLI prints, as plain text (never rich markup from data).

`render_terminal` prints a validation batch; the list and table printers serve `due`,
`summarize` and `new`. The results themselves and their JSON form live in
`ledger_xl.core.findings`.

Text from files and arguments is data: markup is off (a customer named "[/]" or
"[link=…]" prints as those characters), and the consoles `make_console` returns show control
characters as visible symbols (ESC as ␛) and bidirectional overrides as �, so a cell cannot
move the cursor, clear the screen, open a hyperlink or make one name look like another.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePath

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


def _unsafe_characters() -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
    table[0x7F] = "\u2421"  # ␡
    for code in (*range(0x80, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F)):
        table[code] = "\ufffd"
    for code in range(0x2066, 0x206A):
        table[code] = "\ufffd"
    for code in range(0xD800, 0xE000):  # a lone surrogate: a file name that was not UTF-8
        table[code] = "\ufffd"
    return table


_UNSAFE = _unsafe_characters()


def plain(text: str) -> str:
    """`text` safe for a terminal: each control character (but newline and tab) shown as a
    visible symbol, each bidirectional control as �, one character for one."""
    return text.translate(_UNSAFE)


def _safe(item: object) -> object:
    if isinstance(item, str):
        return plain(item)
    if isinstance(item, Text):
        if item.plain.translate(_UNSAFE) == item.plain:
            return item
        copy = item.copy()
        copy.plain = plain(item.plain)  # one character for one: the styles stay in place
        return copy
    if isinstance(item, Table):
        for column in item.columns:
            column._cells = [_safe(cell) for cell in column._cells]
            column.header = _safe(column.header)
        item.title = _safe(item.title) if item.title is not None else None
    return item


class PlainConsole(Console):
    """A rich console that never interprets data: no markup, no highlighting, no emoji
    codes, and what it prints made `plain` (strings, Text and the cells of tables)."""

    def print(self, *objects, **kwargs) -> None:
        super().print(*(_safe(o) for o in objects), **kwargs)


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    """A console that prints text as given: no markup, no highlighting, no emoji codes, so a
    customer named "[/]" or "[link=…]" is printed as those characters; control and
    bidirectional characters are made visible (`plain`)."""
    return PlainConsole(
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
    if getattr(result, "id_format", ""):
        console.print(Text(f"客户编号格式（新台账的填报规则）：{result.id_format}"))
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


# ---------------------------------------------------------------- audit


_AUDIT_STYLES = {"逾期未整改": "red", "仍未整改": "yellow", "新发现": "magenta", "已整改": "green"}


def _counts_line(counts) -> str:
    """新发现 a，仍未整改 b，逾期未整改 c，已整改 d (the 合计 row of `status_counts`)."""
    from ledger_xl.core import audit

    total = counts[counts["scope"] == audit.TOTAL].iloc[0]
    return "，".join(f"{s} {int(total[s])}" for s in audit.STATUSES)


def print_recorded(console: Console, recorded) -> None:
    """`validate --record`: where the run went and what its branches' follow-up is."""
    console.print(
        Text(
            f"已记入稽核档案 {recorded.db}（第 {recorded.run_id} 次校验，基准日 "
            f"{recorded.as_of.isoformat()}）：{_counts_line(recorded.counts)}"
        )
    )


def print_audit_status(console: Console, report, limit: int = 50) -> None:
    """`audit status`: the latest run per branch, counts by branch × status, the open findings
    (at most `limit`), then what was fixed."""
    from ledger_xl.core import audit

    runs = report.runs
    first, last = (runs["as_of"].iloc[0], runs["as_of"].iloc[-1]) if len(runs) else ("", "")
    console.print(
        Text(
            f"稽核档案 {report.db}：{len(runs)} 次校验（{first} 至 {last}），"
            f"截至 {report.as_of.isoformat()}"
        )
    )
    table = Table(title="各分公司整改情况", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("分公司", "最近校验", *audit.STATUSES, audit.OPEN_TOTAL):
        table.add_column(name, justify="left" if name in ("分公司", "最近校验") else "right")
    for row in report.counts.to_dict("records"):
        latest = report.latest.get(row["scope"])
        table.add_row(
            Text(row["scope"]),
            latest[1].isoformat() if latest else "",
            *(str(int(row[s])) for s in (*audit.STATUSES, audit.OPEN_TOTAL)),
        )
    console.print(table)
    open_rows = report.open
    if open_rows.empty:
        console.print(Text("没有未整改的问题。", style="green"))
    else:
        shown = open_rows.head(limit) if limit else open_rows.iloc[0:0]
        items = Table(title=f"未整改问题（{len(open_rows)}）", title_justify="left")
        for name in (
            "问题编号",
            "状态",
            "分公司",
            "客户编号",
            "代码",
            "列",
            "天数",
            "责任人",
            "期限",
            "说明",
        ):
            items.add_column(name, overflow="fold", no_wrap=name != "说明")
        for row in shown.to_dict("records"):
            items.add_row(
                Text(row["finding_id"]),
                Text(row["status"], style=_AUDIT_STYLES.get(row["status"])),
                Text(row["scope"]),
                Text(row["customer_id"] or row["locator"]),
                Text(row["code"]),
                Text(row["column"]),
                str(row["days_open"]),
                Text(row["owner"]),
                row["deadline"].isoformat() if row["deadline"] else "",
                Text(row["message"]),
            )
        if len(shown):
            console.print(items)
        if len(open_rows) > len(shown):
            console.print(
                Text(
                    f"…… 另有 {len(open_rows) - len(shown)} 项未列出；完整清单请用 "
                    "-o 整改台账.xlsx 或 --format json",
                    style="italic",
                )
            )
    fixed = report.table[report.table["status"] == audit.STATUS_FIXED]
    if len(fixed):
        names = "，".join(
            f"{r['scope']} {r['customer_id'] or r['locator']} {r['code']}"
            for r in fixed.head(10).to_dict("records")
        )
        more = f" 等 {len(fixed)} 项" if len(fixed) > 10 else ""
        console.print(Text(f"已整改：{names}{more}", style="green"))
    console.print(Text("合计：" + _counts_line(report.counts)))


def print_assign(console: Console, outcome, db) -> None:
    """`audit assign`: how many assignments were recorded, and what could not be used."""
    console.print(
        Text(
            f"已登记到稽核档案 {db}：{outcome.appended} 项"
            f"（读入 {outcome.rows} 项，{outcome.unchanged} 项没有变化）"
        )
    )
    for note in outcome.notes:
        notice(console, f"{note.source} {note.cell}：{note.message}")


def print_sample(console: Console, outcome, output) -> None:
    """`audit sample`: the draw per branch and the working papers written."""
    sample = outcome.sample
    console.print(
        Text(
            f"稽核底稿：{output}（基准日 {sample.as_of.isoformat()}，随机种子 {sample.seed}，"
            f"{sample.size.text}，共抽取 {len(sample.drawn)} 户）"
        )
    )
    table = Table(box=box.SIMPLE_HEAD)
    headers = (
        "分公司",
        "客户数",
        "已停用",
        "可抽样",
        "抽取",
        "高风险",
        "近期审核通过",
        "例外审批",
        "有未整改问题",
    )
    for name in headers:
        table.add_column(name, justify="left" if name == "分公司" else "right")
    for row in sample.branches.to_dict("records"):
        table.add_row(
            Text(row["branch"]),
            *(
                str(int(row[k]))
                for k in (
                    "customers",
                    "inactive",
                    "eligible",
                    "sampled",
                    "sampled_high_risk",
                    "sampled_recent_approval",
                    "sampled_override",
                    "sampled_open_findings",
                )
            ),
        )
    console.print(table)
    if outcome.db is None:
        console.print(Text("未找到稽核档案：“有未整改问题”一项未参与加权（可用 --db 指定）。"))
    console.print(Text(f"用同样的文件和 --seed {sample.seed} 可以抽出同样的客户。"))


def print_audit_report(console: Console, data, output) -> None:
    """`audit report`: the headline figures and the workbook written."""
    import math

    from ledger_xl.core import audit

    console.print(
        Text(f"稽核报告：{output}（{data.period.title}，数据截至 {data.end.isoformat()}）")
    )
    if data.figures is not None:
        total = data.figures.by_scope.iloc[-1]
        rate = "—" if math.isnan(total["rate"]) else f"{total['rate']:.1%}"
        console.print(
            Text(
                f"  校验问题：期初未整改 {total['opening']}，本期新发现 {total['new']}，"
                f"本期已整改 {total['fixed']}，期末未整改 {total['closing']}，"
                f"逾期未整改 {total['overdue']}，整改率 {rate}（本期校验 {data.figures.runs} 次）"
            )
        )
    paper = data.paper_figures[data.paper_figures["scope"] == audit.TOTAL].iloc[0]
    if data.papers:
        console.print(
            Text(
                f"  抽查：{len(data.papers)} 份底稿，抽查客户 {paper['sampled']}，已完成稽核 "
                f"{paper['audited']}，发现问题客户 {paper['with_problem']}，已整改 {paper['fixed']}，"
                f"逾期未整改 {paper['overdue']}"
            )
        )
    for note in data.notes:
        notice(console, f"{note.source} {note.cell}：{note.message}")


def print_audit_demo(console: Console, demo) -> None:
    """The audit part of `ledger-xl demo`: the two runs, the changes, the follow-up."""
    if demo is None:
        return
    console.print(
        Text(
            f"稽核演示：{demo.previous_as_of.isoformat()} 校验上月的分公司台账"
            f"（{demo.previous_folder}），"
            f"{demo.as_of.isoformat()} 校验本月的，"
            f"两次都记入稽核档案 {demo.db}"
        )
    )
    console.print(
        Text(
            f"  上月有、本月已改正 {len(demo.fixed)} 处；本月新出现 {len(demo.introduced)} 处；"
            f"第一次校验后给 {demo.assigned} 个问题指定了整改责任人和期限"
        )
    )
    console.print(Text("  整改情况：" + _counts_line(demo.counts)))
    console.print(Text(f"  整改台账：{demo.rectification_file}"))
    console.print(
        Text(
            f"  稽核底稿：{demo.papers_file}（每个分公司抽取 10%，共 {demo.sample_size} 户，"
            f"随机种子 {demo.sample_seed}）"
        )
    )
    console.print(Text(f"  稽核报告：{demo.report_file}"))
    console.print(Text(f"  查看：ledger-xl audit status --db {demo.db}"))


def print_audit_runs(console: Console, runs, db) -> None:
    """`audit runs`: the recorded validation runs."""
    if runs.empty:
        console.print(Text(f"稽核档案 {db} 中还没有校验记录。"))
        return
    table = Table(title=f"稽核档案 {db}：{len(runs)} 次校验", title_justify="left")
    for name in ("批次", "基准日", "记录时间（UTC）", "文件数", "错误", "警告", "分公司"):
        table.add_column(name, overflow="fold")
    for row in runs.to_dict("records"):
        table.add_row(
            str(row["run_id"]),
            row["as_of"],
            row["recorded_at"],
            str(row["file_count"]),
            str(row["errors"]),
            str(row["warnings"]),
            Text(row["branches"]),
        )
    console.print(table)


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
WAITING_SHOWN = (
    "status",
    "customer_id",
    "name",
    "branch",
    "stage",
    "submitted",
    "waited",
    "reason",
)


def cell_text(value) -> str:
    """A list cell as printed: blanks empty, whole numbers without .0, dates as ISO."""
    import pandas as pd

    from ledger_xl.core.values import number_text

    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return "" if value != value else number_text(value)
    if hasattr(value, "strftime"):
        return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def _flag_styles() -> dict[str, str]:
    from ledger_xl.core import layout

    return {
        layout.DUE_OVERDUE: "red",
        layout.DUE_EARLY: "red",
        layout.DOC_EXPIRED: "red",
        layout.DUE_SOON: "yellow",  # the same word for documents
        layout.DUE_UNKNOWN: "magenta",
    }


DUE_ROWS_SHOWN = 50  # rows of each due list a terminal shows by default (the most urgent)


def print_list(
    console: Console,
    title: str,
    frame,
    columns: tuple[str, ...],
    empty: str,
    limit: int | None = None,
) -> None:
    """A due list as a table, each row coloured by its flag (first column); at most `limit`
    rows (None or 0: all), then how many more there are and where the full list is."""
    from ledger_xl.core.due import LABELS

    if frame.empty:
        console.print(Text.assemble((title, "bold"), f"：{empty}"))
        return
    styles = _flag_styles()
    table = Table(title=f"{title}（{len(frame)}）", title_justify="left")
    for key in columns:
        table.add_column(LABELS[key], overflow="fold")
    shown = frame if not limit or len(frame) <= limit else frame.iloc[:limit]
    for row in shown.itertuples(index=False):
        cells = [cell_text(getattr(row, key)) for key in columns]
        table.add_row(*(Text(c) for c in cells), style=styles.get(cells[0]))
    console.print(table)
    if len(shown) < len(frame):
        console.print(
            Text(
                f"…另有 {len(frame) - len(shown)} 行未显示（按紧急程度显示前 {len(shown)} 行；"
                "--show 0 显示全部，完整清单请用 -o 写出工作簿或 --format json）"
            )
        )


def print_due(
    console: Console, data, lists: dict, branch: str | None, limit: int | None = None
) -> None:
    """`ledger-xl due` in the terminal: the lists (at most `limit` rows each, the most
    urgent; None or 0: all) and the totals."""
    from ledger_xl.core import layout

    where = f"（{branch}）" if branch else ""
    console.print(
        Text(
            f"基准日 {data.as_of.isoformat()}，{len(data.files)} 个工作簿，"
            f"{len(data.customers)} 个客户{where}"
        )
    )
    print_list(
        console,
        "待审核客户",
        lists["reviews"],
        DUE_SHOWN,
        "没有逾期、即将到期或未审核的客户",
        limit,
    )
    if "waiting" in lists:
        print_list(
            console,
            "审核等待",
            lists["waiting"],
            WAITING_SHOWN,
            "没有待审核或审核中的客户",
            limit,
        )
    print_list(
        console,
        "证件到期（不含已停用客户的证件）",
        lists["documents"],
        DOCUMENTS_SHOWN,
        "没有过期或即将到期的资信证明",
        limit,
    )
    print_list(console, "风险预警", lists["warnings"], WARNINGS_SHOWN, "没有风险预警", limit)
    counts = lists["reviews"]["flag"].value_counts()
    flags = (
        layout.DUE_OVERDUE,
        layout.DUE_EARLY,
        layout.DUE_NEVER,
        layout.DUE_UNKNOWN,
        layout.DUE_SOON,
    )
    waiting = f"；等待审核 {len(lists['waiting'])} 户" if "waiting" in lists else ""
    console.print(
        Text(
            "合计："
            + "，".join(f"{k} {int(counts.get(k, 0))}" for k in flags)
            + waiting
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


# ---------------------------------------------------------------- branches


def print_distribute(console: Console, result) -> None:
    """What `ledger-xl distribute` wrote: one line per branch workbook, the manifest."""
    console.print(Text(f"分发编号 {result.distribution_id}，{len(result.files)} 个分公司工作簿："))
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for name in ("分公司", "文件", "客户", "资信证明", "审核记录", "加密", "遮蔽列"):
        table.add_column(name, overflow="fold")
    for f in result.files:
        table.add_row(
            Text(f.branch),
            Text(str(f.path)),
            str(f.customers),
            str(f.credentials),
            str(f.reviews),
            "是" if f.encrypted else "否",
            Text("、".join(f.masked) or "—"),
        )
    console.print(table)
    for branch, count in sorted(result.not_sent.items()):
        where = f"“{branch}”" if branch else "未填所属分公司"
        console.print(Text(f"未分发：{where}的 {count} 个客户（不在分公司清单中）", style="yellow"))
    console.print(
        Text(f"分发清单：{result.manifest_csv}、{result.manifest_json}（含各文件的 SHA256）")
    )


def _issue_line(issue) -> Text:
    f = issue.finding
    where = location(f)
    name = PurePath(f.file).name
    parts = [p for p in (name, where, f.customer_id) if p]
    return Text.assemble(
        (f"{severity_label(f.severity)} ", _STYLE[f.severity]),
        "  ".join(parts),
        "  ",
        f.code,
        "  ",
        f.message,
    )


def print_collect(console: Console, result, limit: int = 20) -> None:
    """What `ledger-xl collect` did: per file counts, then the conflicts, refusals and
    notices (the first `limit` of each; all of them are in the merge report)."""
    merge = result.merge
    console.print(
        Text(
            f"收到 {len(result.received)} 个文件，已写出新的总部台账：{result.output}"
            f"（输入的 {result.master} 未改动）"
        )
    )
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for name in (
        "分公司",
        "文件",
        "行数",
        "未改动",
        "更新",
        "改动字段",
        "新增",
        "冲突",
        "拒收",
        "疑似删除",
    ):
        table.add_column(name, overflow="fold")
    counted = {c.file: c for c in merge.counts.values()}
    for item in result.received:
        c = counted.get(str(item.path)) if item.refusal is None else None
        if c is None or c.refused_file:
            reason = item.refusal.code if item.refusal is not None else "merge-rules-differ"
            table.add_row(
                Text(item.branch), Text(item.path.name), Text(f"整个文件拒收（{reason}）")
            )
            continue
        table.add_row(
            Text(c.branch),
            Text(PurePath(c.file).name),
            str(c.rows),
            str(c.unchanged),
            str(c.updated),
            str(c.fields_changed),
            str(c.added),
            str(c.conflicts),
            str(c.refused),
            str(c.removed),
        )
    console.print(table)
    sections = (
        ("拒收", [*result.file_refusals, *merge.refusals()]),
        ("冲突（未合并，请人工决定）", merge.conflicts()),
        ("待确认", merge.notices()),
    )
    for title, issues in sections:
        if not issues:
            continue
        console.print(Text(f"{title}：{len(issues)} 项", style="bold"))
        for issue in issues[:limit]:
            console.print(_issue_line(issue))
        if len(issues) > limit:
            console.print(Text(f"  ……另有 {len(issues) - limit} 项，见合并报告"))
    console.print(
        Text(
            f"变更 {len(merge.changes)} 处，新增 {len(merge.added)} 行。合并报告：{result.report}；"
            f"收件归档：{result.archive}"
        )
    )


def print_upgrade(console: Console, result) -> None:
    """What `ledger-xl upgrade` changed, and the rows kept per table."""
    console.print(Text(f"已写出升级后的台账：{result.output}（原模板版本 {result.from_version}）"))
    kept = "，".join(f"{sheet} {before} 行" for sheet, (before, _) in result.rows.items())
    console.print(Text(f"保留全部行：{kept}"))
    for line in result.changes or ["没有需要改动的地方（只按当前模板重新生成）"]:
        console.print(Text(f"  · {line}"))
