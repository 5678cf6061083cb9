"""`ledger-xl`: the command line for HQ. Thin: parse options, call the library, print.

Exit codes: 0 done, 1 done but problems were found, 2 the command could not run.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from ledger_xl import terminal
from ledger_xl.cli_audit import DbOpt, audit_app
from ledger_xl.cli_support import (
    AsOfOpt,
    ForceOpt,
    console,
    err_console,
    friendly,
    parse_date,
)
from ledger_xl.core.layout import TEMPLATE_VERSION, Protection

# Only typer, rich and the light layout module load at start: `ledger-xl --help` answers
# without importing pandas; each command imports what it needs.
TEMPLATE_ROWS = 500  # as ledger_xl.app.template.TEMPLATE_ROWS (a test keeps them equal)

app = typer.Typer(
    name="ledger-xl",
    help="客户审核管理台账：生成模板、导入客户、校验、到期、汇总、分发与合并、演示。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(audit_app, name="audit")

ProtectionOpt = Annotated[
    Protection,
    typer.Option(
        "--protection",
        help="ledger：锁定公式列和规则表（默认，表格预留空行）；rules：只锁规则表，台账可自由排序扩展；"
        "none：不保护。",
    ),
]
PasswordOpt = Annotated[
    str | None, typer.Option("--password", help="工作表保护密码（默认无密码）。")
]
RowsOpt = Annotated[
    int,
    typer.Option("--rows", min=1, max=100_000, help="表格中预留的空行数（带公式，可直接录入）。"),
]


DEMO_FIRST = dt.date(2000, 1, 1)  # the demo's companies are founded from 1996 on


def _gather(paths: list[str]):
    """The files the arguments name, each once; notes about the rest go to stderr."""
    from ledger_xl.app.paths import gather

    gathered = gather(paths)
    for line in gathered.notes():
        terminal.notice(err_console, line)
    return gathered.files


@app.command()
@friendly
def template(
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="要写出的模板文件（.xlsx；.xlsm 为带按钮的宏工作簿）。"
        ),
    ],
    xlsm: Annotated[
        bool,
        typer.Option(
            "--xlsm",
            help="写出带按钮（校验、生成汇总、标记到期、登记审核）的宏工作簿，文件名须以 .xlsm 结尾。",
        ),
    ] = False,
    protection: ProtectionOpt = Protection.LEDGER,
    password: PasswordOpt = None,
    rows: RowsOpt = TEMPLATE_ROWS,
    force: ForceOpt = False,
) -> None:
    """写出一个空白台账模板（与 templates/ledger_template.xlsx 相同的规则和公式）。"""
    from ledger_xl.app import template as template_module

    _check_macro_suffix(output, xlsm)
    path = template_module.write_template(
        output, overwrite=force, protection=protection, password=password, rows=rows
    )
    kind = "宏工作簿（带按钮）" if output.suffix.lower() == ".xlsm" else "空白台账模板"
    console.print(f"已写出{kind}：{path}（模板版本 {TEMPLATE_VERSION}，预留 {rows} 行）")


def _check_macro_suffix(output: Path, xlsm: bool) -> None:
    """--xlsm needs a .xlsm name: Excel refuses a workbook whose suffix hides its macros."""
    if xlsm and output.suffix.lower() != ".xlsm":
        raise typer.BadParameter(
            f"--xlsm 写出的是宏工作簿，文件名须以 .xlsm 结尾（现为“{output.name}”）"
        )


@app.command()
@friendly
def new(
    source: Annotated[
        Path, typer.Option("--from", help="现有客户清单：.csv 或 .xlsx（首行为表头）。")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="要写出的台账文件（.xlsx；.xlsm 为带按钮的宏工作簿）。"
        ),
    ],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="源工作簿中的工作表名（默认自动查找）。")
    ] = None,
    protection: ProtectionOpt = Protection.LEDGER,
    password: PasswordOpt = None,
    rows: RowsOpt = 200,
    lang: Annotated[str, typer.Option("--lang", help="提示语言：zh 或 en。")] = "zh",
    force: ForceOpt = False,
) -> None:
    """把现有客户清单导入为新台账：按表头文字（含别名）匹配列，公式列自动计算。

    无法识别的值按原样保留并列出，不丢任何一行。
    """
    from ledger_xl.app.importer import import_customers
    from ledger_xl.app.paths import check_outputs
    from ledger_xl.io.output import check_writable
    from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

    check_outputs([output], [source])
    check_writable(output, force)
    result = import_customers(source, sheet=sheet, lang=lang)
    build_ledger_workbook(
        output,
        result.content,
        rules=result.rules,
        options=BuildOptions(spare_rows=rows, protection=protection, password=password),
        overwrite=force,
    )
    terminal.print_import(console, result, output)


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option("--out", help="演示文件写到这个目录。")] = Path(
        "ledger_xl_demo"
    ),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="基准日（默认今天），如 2026-11-23。")
    ] = None,
    xlsm: Annotated[
        bool, typer.Option("--xlsm", help="演示台账和各分公司台账写成带按钮的宏工作簿（.xlsm）。")
    ] = False,
    force: ForceOpt = False,
) -> None:
    """生成演示台账：数百个客户、多个分公司，含若干故意埋下的错误；再演示分发到分公司、
    分公司改动（新客户、改评分、新审核记录、篡改权重、加密文件）和收回合并。"""
    from ledger_xl.app import demo as demo_module  # generating data is only needed here

    day = parse_date(as_of)
    if day < DEMO_FIRST:
        raise typer.BadParameter(
            f"演示数据中的企业从 1996 年起成立，演示的基准日须在 {DEMO_FIRST.isoformat()} 之后"
        )
    result = demo_module.run_demo(out, day, overwrite=force, macros=xlsm)
    console.print(f"演示台账（全部分公司）：{result.master}")
    for branch, path in result.branch_files.items():
        console.print(f"  {branch}：{path}（{result.by_branch.get(branch, 0)} 个客户）")
    console.print(f"基准日 {day.isoformat()} 的情况：")
    for section, items in result.figures:
        console.print(f"  {section}：" + "，".join(f"{i.label} {i.count}" for i in items))
    counts = "，".join(f"{k} {v}" for k, v in result.due_counts.items())
    console.print(f"到期清单：{result.due_file}（{counts}）")
    console.print(f"汇总工作簿（含图表）：{result.summary_file}")
    console.print(f"客户审核报告（{result.report_customer}）：{result.report_file}")
    console.print(f"埋下的错误 {len(result.planted)} 处（供 ledger-xl 校验时发现）：")
    for mistake in result.planted:
        expect = f"（{mistake.expect[0]}）" if mistake.expect else ""
        console.print(f"  {mistake.customer_id} {mistake.key}：{mistake.description}{expect}")
    terminal.print_audit_demo(console, result.audit)
    if result.distributed is not None and result.collected is not None:
        console.print("分发与合并（总部 → 分公司 → 总部）：")
        terminal.print_distribute(console, result.distributed)
        console.print("各分公司退回前做的改动：")
        for line in result.branch_edits:
            console.print(f"  {line}")
        terminal.print_collect(console, result.collected, limit=8)
    console.print(
        "用 Excel、WPS 或 LibreOffice 打开即可看到下拉列表、填报提示、实时评分评级，"
        "以及标红（已逾期、准入不符、超限）和标黄（即将到期、评分偏差）的客户。"
    )


@app.command()
@friendly
def validate(
    paths: Annotated[
        list[str], typer.Argument(help="工作簿文件、文件夹（递归查找）或通配符，可多个。")
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="基准日（默认今天），如 2026-11-23。")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出格式：text（默认）或 json。")
    ] = "text",
    report: Annotated[
        Path | None, typer.Option("--report", help="另写一份问题清单工作簿（.xlsx）。")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="提示语言：zh（默认）或 en。")] = "zh",
    skip: Annotated[
        list[str], typer.Option("--skip", help="不报告这个代码的问题，可多次使用。")
    ] = [],  # noqa: B006
    only: Annotated[
        list[str], typer.Option("--only", help="只报告这个代码的问题，可多次使用。")
    ] = [],  # noqa: B006
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, max=64, help="并行进程数（默认为本机的 CPU 核数）。"),
    ] = None,
    standard: Annotated[
        Path | None,
        typer.Option(
            "--standard",
            help="总部标准台账（或模板）：各台账的规则表与它比较（默认与内置标准规则比较）。",
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record", help="把这次校验记入稽核档案（SQLite），供 audit status 跟踪整改。"
        ),
    ] = False,
    db: DbOpt = None,
    force: ForceOpt = False,
) -> None:
    """批量校验分公司台账：逐个单元格指出错在哪里、为什么、怎么改。

    退出码：0 没有错误（可有警告），1 发现错误，2 命令无法执行。
    """
    from ledger_xl import terminal as report_module
    from ledger_xl.app.paths import check_outputs
    from ledger_xl.core.findings import CATALOGUE
    from ledger_xl.io.output import check_writable

    if output_format not in ("text", "json"):
        raise typer.BadParameter("--format 只能是 text 或 json")
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang 只能是 zh 或 en")
    unknown = sorted(set(skip) | set(only) - set(CATALOGUE))
    if unknown:
        raise typer.BadParameter(f"未知的问题代码：{'、'.join(unknown)}（代码表见 README）")
    day = parse_date(as_of)
    files = _gather(paths)
    if not files:
        terminal.error(err_console, "没有找到要校验的工作簿")
        raise typer.Exit(2)
    if report is not None:
        check_outputs([report], files)
        check_writable(report, force)
    rules = None
    if standard is not None:
        from ledger_xl.app.validate import read_standard

        rules = read_standard(standard)
    recorder = None
    if record:  # opened before validating: a database that cannot be used stops us here
        from ledger_xl.app.audit import Recorder
        from ledger_xl.cli_audit import DEFAULT_DB

        recorder = Recorder(db or Path(DEFAULT_DB), files)
    elif db is not None:
        raise typer.BadParameter("--db 要与 --record 一起使用")
    from ledger_xl.io import isolated

    jobs = jobs or min(isolated.cores(), len(files)) or 1
    result = _validate_with_progress(
        files, day, lang, skip, only, jobs, show=output_format == "text", standard=rules
    )
    if output_format == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        report_module.render_terminal(result, console, lang=lang)
    if report is not None:
        from ledger_xl.io.xlsx.findings import build_findings_workbook

        build_findings_workbook(report, result, overwrite=force, lang=lang)
        terminal.say(err_console, "", f"问题清单工作簿：{report}", "")
    if recorder is not None:
        recorded = recorder.record(
            result, day, lang=lang, skip=skip, only=only, standard=str(standard or "")
        )
        terminal.print_recorded(err_console, recorded)
    raise typer.Exit(0 if result.valid else 1)


PathsArg = Annotated[
    list[str], typer.Argument(help="台账工作簿、文件夹（递归查找）或通配符，可多个。")
]


def _load_portfolio(
    paths: list[str],
    day: dt.date,
    outputs: tuple[Path | None, ...] = (),
    customer: str | None = None,
    reads=None,
):
    """Expand the arguments and read the workbooks; unreadable files are named, not fatal.
    An output that is one of the inputs is refused before anything is read. With
    `customer`, only what that customer's report needs is computed; `reads`, what the
    command uses of the rows (`core.portfolio.Reads`; default everything)."""
    from ledger_xl.app.portfolio import load
    from ledger_xl.core.portfolio import EVERYTHING

    files, jobs = _portfolio_files(paths, outputs)
    return _loaded(load(files, day, jobs, customer=customer, reads=reads or EVERYTHING))


def _load_computed(
    paths: list[str], day: dt.date, outputs: tuple[Path | None, ...], reads, compute
):
    """`_load_portfolio` and `compute(portfolio)` (`app.portfolio.computed`: for one workbook
    computed in its reading child, the portfolio returned holding the customers' counts
    only). Returns (portfolio, result)."""
    from ledger_xl.app.portfolio import computed

    files, jobs = _portfolio_files(paths, outputs)
    result, value = computed(files, day, jobs, compute, reads)
    return _loaded(result), value


def _portfolio_files(paths: list[str], outputs: tuple[Path | None, ...]) -> tuple[list, int]:
    """The workbooks the arguments name, and how many to read at a time."""
    from ledger_xl.app.paths import check_outputs
    from ledger_xl.io import isolated

    files = _gather(paths)
    if not files:
        terminal.error(err_console, "没有找到台账工作簿")
        raise typer.Exit(2)
    check_outputs(outputs, files)
    # Each file is read in a child process: two at a time use both cores of HQ's machine.
    return files, min(2, isolated.cores())


def _loaded(result):
    """The loaded portfolio, once the files it could not read are named (none read: exit 2)
    and a 客户编号 in more than one file is warned of."""
    from ledger_xl.core.portfolio import shared_customer_ids

    for name, reason in result.unreadable:
        terminal.notice(err_console, f"{name}：{reason}", label="跳过无法读取的文件：")
    if not result.files:
        terminal.error(err_console, "没有一个工作簿能读取，请先用 ledger-xl validate 检查")
        raise typer.Exit(2)
    shared = shared_customer_ids(result)
    if shared:
        example = next(iter(shared))
        where = "、".join(shared[example])
        terminal.notice(
            err_console,
            f"{len(shared)} 个客户编号出现在不止一个文件中（如 {example}：{where}），"
            "清单和汇总会把它们各算一次；总部台账和分公司台账请不要一起给出",
        )
    return result


@app.command()
@friendly
def due(
    paths: PathsArg,
    as_of: AsOfOpt = None,
    within: Annotated[
        int | None,
        typer.Option(
            "--within",
            min=0,
            max=3660,
            help="提前多少天提醒审核（默认取各台账的审核提醒天数，30）。",
        ),
    ] = None,
    doc_within: Annotated[
        int | None,
        typer.Option(
            "--doc-within",
            min=0,
            max=3660,
            help="提前多少天提醒证件到期（默认取各台账的证件提醒天数，60）。",
        ),
    ] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="只看这个分公司。")] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出格式：table（默认）或 json。")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="另写一份到期清单工作簿（.xlsx）。")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="有已逾期的客户或已过期的证件时退出码为 1（供定时任务判断）。"
        ),
    ] = False,
    show: Annotated[
        int,
        typer.Option(
            "--show",
            min=0,
            help="终端里每个清单最多显示多少行（按紧急程度，默认 50；0 为全部）。"
            "完整清单见 -o 或 --format json。",
        ),
    ] = terminal.DUE_ROWS_SHOWN,
    force: ForceOpt = False,
) -> None:
    """列出到期审核与到期证件：已逾期、应提前复审、即将到期、从未审核的客户，待审核和审核中
    客户的等待天数，已过期或即将过期的资信证明，以及风险预警。已停用、审核未通过的客户不排
    复审；按紧急程度排序（逾期最久的在前）。"""
    from ledger_xl.core import due as due_module

    if output_format not in ("table", "json"):
        raise typer.BadParameter("--format 只能是 table 或 json")
    day = parse_date(as_of)
    if output is not None:
        from ledger_xl.io.output import check_writable

        check_writable(output, force)
    data, lists = _load_computed(
        paths,
        day,
        (output,),
        due_module.READS,
        functools.partial(
            due_module.portfolio_due, within=within, document_within=doc_within, branch=branch
        ),
    )
    if output_format == "json":
        from ledger_xl.core import jsontext

        document = {
            "as_of": day.isoformat(),
            "files": data.files,
            "unreadable": [{"path": p, "reason": r} for p, r in data.unreadable],
            **{name: due_module.records(frame) for name, frame in lists.items()},
        }
        sys.stdout.write(jsontext.dumps(document) + "\n")
    else:
        terminal.print_due(console, data, lists, branch, show)
    if output is not None:
        from ledger_xl.io.xlsx.due_list import build_due_workbook

        build_due_workbook(
            output,
            lists,
            data,
            overwrite=force,
            within=within,
            document_within=doc_within,
            branch=branch,
        )
        terminal.say(err_console, "", f"到期清单工作簿：{output}", "")
    lapsed = due_module.lapsed(lists)
    if strict and lapsed:
        raise typer.Exit(1)


@app.command()
@friendly
def summarize(
    paths: PathsArg,
    as_of: AsOfOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="要写出的汇总工作簿（.xlsx，含图表）；不给则只在终端显示。"
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """汇总台账：客户数按审核状态、评级、风险等级、分公司的分布，逾期与即将到期，
    评分分布，未来12个月每月到期数，风险预警；-o 写出带原生图表的汇总工作簿。"""
    from ledger_xl.core import summary

    day = parse_date(as_of)
    if output is not None:
        from ledger_xl.io.output import check_writable

        check_writable(output, force)
    data, tables = _load_computed(paths, day, (output,), summary.reads(), summary.summary_tables)
    terminal.print_summary(console, data, tables)
    if output is not None:
        from ledger_xl.io.xlsx.summary import build_summary_workbook

        build_summary_workbook(output, tables, data, overwrite=force)
        console.print(f"汇总工作簿：{output}")


@app.command()
@friendly
def report(
    paths: PathsArg,
    customer: Annotated[str, typer.Option("--customer", help="客户编号，如 SH000377。")],
    as_of: AsOfOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="要写出的审核报告（.xlsx，默认 审核报告_客户编号.xlsx）。"
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF（与 .xlsx 同名）。")
    ] = False,
    force: ForceOpt = False,
) -> None:
    """为一个客户生成一页的客户审核报告（A4，可打印签字）。"""
    from ledger_xl.io.output import check_writable
    from ledger_xl.io.xlsx import review_report

    day = parse_date(as_of)
    target = output or Path(f"审核报告_{customer.strip()}.xlsx")
    check_writable(target, force)
    pdf_target = target.with_suffix(".pdf")
    if pdf:
        check_writable(pdf_target, force)
    data = _load_portfolio(paths, day, (target, pdf_target if pdf else None), customer)
    review_report.build_review_report(target, data, customer, overwrite=force)
    console.print(f"客户审核报告：{target}")
    if pdf:
        review_report.render_pdf(target, pdf_target, overwrite=force)
        console.print(f"PDF：{pdf_target}")


# ---------------------------------------------------------------- branches


@app.command()
@friendly
def distribute(
    master: Annotated[
        Path | None,
        typer.Argument(
            help="总部台账（.xlsx）；不给时为 --branches 中的每个分公司发一份空白台账。"
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="分公司工作簿写到这个目录。")] = Path("分发"),
    branches: Annotated[
        Path | None,
        typer.Option(
            "--branches",
            help="分公司清单 CSV：分公司、密码（加密该分公司的文件）、遮蔽列（如 资信证明.证件号码）。"
            "不给则按台账中的所属分公司分发，不加密、不遮蔽。",
        ),
    ] = None,
    xlsm: Annotated[
        bool,
        typer.Option(
            "--xlsm", help="写出带按钮（校验、生成汇总、标记到期、登记审核）的宏工作簿 .xlsm。"
        ),
    ] = False,
    force: ForceOpt = False,
) -> None:
    """把台账按分公司分发：每个分公司一个工作簿（只含本分公司的客户及其资信证明、审核记录），
    所属分公司固定、规则表受保护、记录分发编号和发出的内容；可加密、可遮蔽证件号码；
    另写分发清单（CSV 和 JSON，含校验和）。"""
    from ledger_xl.app import branches as branches_module

    options = branches_module.read_branch_options(branches) if branches is not None else None
    result = branches_module.distribute(master, out, options, overwrite=force, macros=xlsm)
    terminal.print_distribute(console, result)


@app.command()
@friendly
def collect(
    paths: Annotated[
        list[str], typer.Argument(help="分公司退回的工作簿：文件、文件夹（递归查找）或通配符。")
    ],
    into: Annotated[Path, typer.Option("--into", help="总部台账（只读，不会被改动）。")],
    output: Annotated[Path, typer.Option("-o", "--output", help="合并后新的总部台账（.xlsx）。")],
    passwords: Annotated[
        Path | None,
        typer.Option("--passwords", help="分公司清单 CSV（分公司、密码），用来打开加密的文件。"),
    ] = None,
    accept_rules: Annotated[
        bool,
        typer.Option("--accept-rules", help="规则表与总部台账不同的文件也合并（默认拒收）。"),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="合并报告工作簿（默认：新台账名_合并报告.xlsx）。"),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option("--archive", help="收件归档目录（默认：新台账旁的“收件归档”）。"),
    ] = None,
    as_of: AsOfOpt = None,
    force: ForceOpt = False,
) -> None:
    """收回分公司台账并合并：逐个校验、归档（按日期和分公司，带校验和），然后合并进新的总部台账：
    改动的客户更新、新客户加入、审核记录只追加；两边都改过的、被两个分公司认领的、
    统一社会信用代码重复的列为冲突，不自动决定；写出合并报告。

    退出码：0 全部合并，1 有冲突或拒收（见合并报告），2 命令无法执行。
    """
    from ledger_xl.app import branches as branches_module

    day = parse_date(as_of)
    options = branches_module.read_branch_options(passwords) if passwords else ()
    result = branches_module.collect(
        paths,
        into,
        output,
        passwords=options,
        accept_rules=accept_rules,
        report=report,
        archive=archive,
        overwrite=force,
        as_of=day,
    )
    terminal.print_collect(console, result)
    raise typer.Exit(1 if result.needs_a_person else 0)


@app.command()
@friendly
def upgrade(
    old: Annotated[Path, typer.Argument(help="旧模板版本或其他规则的台账（只读）。")],
    output: Annotated[Path, typer.Option("-o", "--output", help="升级后的台账（.xlsx）。")],
    standard: Annotated[
        Path | None,
        typer.Option("--standard", help="总部标准台账：用它的规则表（默认内置标准规则）。"),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """把旧模板版本或其他规则的台账移到当前模板和总部规则上：台账、资信证明、审核记录的每一行都保留，
    并列出改动了什么（新规则没有的列并入备注，不丢任何值）。"""
    from ledger_xl.app import branches as branches_module

    rules = None
    if standard is not None:
        from ledger_xl.app.validate import read_standard

        rules = read_standard(standard)
    result = branches_module.upgrade(old, output, standard=rules, overwrite=force)
    terminal.print_upgrade(console, result)


def _validate_with_progress(files, day, lang, skip, only, jobs, show: bool, standard=None):
    from rich.progress import Progress

    from ledger_xl.app.validate import validate_paths

    if not show or len(files) < 2:
        return validate_paths(files, day, lang, skip, only, jobs, standard=standard)
    # No refresh thread: files are read in forked children, and a fork must not happen
    # while another thread holds a lock; the bar is redrawn as each file finishes.
    with Progress(console=err_console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("校验中", total=len(files))
        progress.refresh()
        return validate_paths(
            files,
            day,
            lang,
            skip,
            only,
            jobs,
            progress=lambda _: (progress.advance(task), progress.refresh()),
            standard=standard,
        )


def main() -> None:
    """Entry point: run the app; an unexpected error becomes one line, not a traceback."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("LEDGER_XL_DEBUG"):
            raise
        terminal.say(
            err_console,
            "内部错误：",
            f"{type(exc).__name__}: {exc}\n"
            "请把这条信息和所用的命令反馈给开发者（设 LEDGER_XL_DEBUG=1 可看详细信息）。",
            "red",
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
