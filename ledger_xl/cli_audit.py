"""`ledger-xl audit …`: the audit department's commands (稽核), a typer sub-app of `ledger_xl.cli`.

status (follow-up of findings across recorded runs, 整改台账), assign (owners, deadlines,
progress), sample (risk-weighted working papers), report (the period's audit report), runs
(what the database holds). `ledger-xl validate … --record` feeds the database.

Like `cli.py`, this module starts light: only typer and the terminal printer load at start;
each command imports what it needs.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from ledger_xl import terminal
from ledger_xl.cli_support import AsOfOpt, ForceOpt, console, err_console, friendly, parse_date
from ledger_xl.core import jsontext

DEFAULT_DB = "稽核档案.sqlite"  # as ledger_xl.app.audit_store.DEFAULT_DB (a test keeps them equal)

audit_app = typer.Typer(
    name="audit",
    help="稽核：整改跟踪（status / assign）、抽样底稿（sample）、稽核报告（report）。",
    no_args_is_help=True,
    rich_markup_mode=None,
)

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help=f"稽核档案数据库（SQLite，默认当前目录下的 {DEFAULT_DB}）。"),
]
DefaultDaysOpt = Annotated[
    int | None,
    typer.Option(
        "--default-days",
        min=1,
        max=3660,
        help="未指定整改期限的问题，首次发现后多少天算逾期（默认不算）。",
    ),
]


def _db(db: Path | None) -> Path:
    return db if db is not None else Path(DEFAULT_DB)


# ---------------------------------------------------------------- status


@audit_app.command()
@friendly
def status(
    db: DbOpt = None,
    branch: Annotated[str | None, typer.Option("--branch", help="只看这个分公司。")] = None,
    as_of: AsOfOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出格式：table（默认）或 json。")
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="另写一份整改台账工作簿（.xlsx），发给分公司填写。"),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="同时列出以前各次校验已整改的问题。")
    ] = False,
    default_days: DefaultDaysOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="终端最多列出多少项未整改问题。")
    ] = 50,
    force: ForceOpt = False,
) -> None:
    """整改跟踪：对比最近一次与以前各次校验，把每个问题归为 新发现 / 仍未整改 / 逾期未整改 /
    已整改，并给出已持续天数；-o 写出整改台账，供分公司填写责任人、期限后交回。"""
    from ledger_xl.app import audit

    if output_format not in ("table", "json"):
        raise typer.BadParameter("--format 只能是 table 或 json")
    day = parse_date(as_of)
    if output is not None:
        from ledger_xl.io.output import check_writable

        check_writable(output, force)
    report = audit.status(
        _db(db),
        day,
        branch=branch,
        default_days=default_days,
        include_fixed="all" if show_all else "latest",
    )
    if output_format == "json":
        sys.stdout.write(jsontext.dumps(audit.status_json(report)) + "\n")
    else:
        terminal.print_audit_status(console, report, limit)
    if output is not None:
        from ledger_xl.io.xlsx.rectification import build_rectification_workbook

        build_rectification_workbook(
            output, report.table, day, db=report.db, counts=report.counts, overwrite=force
        )
        err_console.print(f"整改台账：{output}（{len(report.open)} 项未整改）")


# ---------------------------------------------------------------- assign


@audit_app.command()
@friendly
def assign(
    db: DbOpt = None,
    source: Annotated[
        Path | None,
        typer.Option("--from", help="分公司填写后交回的整改台账（.xlsx）。"),
    ] = None,
    ids: Annotated[
        list[str],
        typer.Option("--id", help="问题编号（可只写前 6 位以上），可多次使用。"),
    ] = [],  # noqa: B006
    branch: Annotated[
        str | None, typer.Option("--branch", help="这个分公司的全部未整改问题。")
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="与 --branch 同用：只取这个问题代码。")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="整改责任人。")] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="整改期限，如 2026-12-31。")
    ] = None,
    progress: Annotated[
        str | None,
        typer.Option("--progress", help="整改进度：未开始 / 整改中 / 已整改待复核 / 申请延期。"),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="整改说明。")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """登记整改责任人、整改期限、进度和说明：读入分公司交回的整改台账（--from），或在命令行
    指定问题编号（--id）或分公司（--branch）。每次登记都留有记录，不覆盖以前的。"""
    from ledger_xl.app import audit

    if source is not None and (ids or branch):
        raise typer.BadParameter("--from 与 --id / --branch 不能同时使用")
    if source is not None:
        if any(v is not None for v in (owner, deadline, progress, note)):
            raise typer.BadParameter("--from 时责任人、期限等取自工作簿，不要再给 --owner 等选项")
        outcome = audit.assign_from_list(_db(db), source)
    else:
        outcome = audit.assign_selected(
            _db(db),
            parse_date(as_of),
            ids=ids,
            branch=branch,
            code=code,
            owner=owner,
            deadline=parse_date(deadline, "--deadline") if deadline else None,
            progress=progress,
            note=note,
        )
    terminal.print_assign(console, outcome, _db(db))


# ---------------------------------------------------------------- sample


@audit_app.command()
@friendly
def sample(
    paths: Annotated[
        list[str], typer.Argument(help="台账工作簿、文件夹（递归查找）或通配符，可多个。")
    ],
    size: Annotated[
        int | None, typer.Option("--size", min=1, help="每个分公司抽取多少户。")
    ] = None,
    rate: Annotated[
        str | None, typer.Option("--rate", help="每个分公司按比例抽取，如 10%（至少 1 户）。")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            help="随机种子：同样的种子和文件抽出同样的客户（默认随机生成并记在底稿中）。",
        ),
    ] = None,
    include_inactive: Annotated[
        bool, typer.Option("--include-inactive", help="已停用的客户也参与抽样（默认不抽）。")
    ] = False,
    weights_file: Annotated[
        Path | None,
        typer.Option(
            "--weights", help="抽样权重表：含“因素 | 权重”表的工作簿（如以前的稽核底稿）。"
        ),
    ] = None,
    weight: Annotated[
        list[str],
        typer.Option("--weight", help="单项权重，如 高风险=3、近期天数=60，可多次使用。"),
    ] = [],  # noqa: B006
    as_of: AsOfOpt = None,
    db: DbOpt = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="要写出的稽核底稿（.xlsx）。")
    ] = Path("稽核底稿.xlsx"),
    force: ForceOpt = False,
) -> None:
    """按风险加权随机抽样，写出稽核底稿：每个分公司抽取 --size 户或 --rate 比例，高风险、
    近期审核通过、例外审批和有未整改问题的客户更可能被抽中；同样的种子和文件抽出同样的客户。"""
    from ledger_xl.app import audit
    from ledger_xl.app.validate import expand_paths
    from ledger_xl.core import sampling
    from ledger_xl.io.output import check_writable
    from ledger_xl.io.xlsx.working_papers import build_working_papers

    if (size is None) == (rate is None):
        raise typer.BadParameter("请给出 --size（每个分公司户数）或 --rate（比例）之一")
    try:
        how = sampling.SampleSize(count=size, rate=sampling.parse_rate(rate) if rate else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    day = parse_date(as_of)
    check_writable(output, force)
    weights, source = sampling.SampleWeights(), "默认"
    if weights_file is not None:
        weights, source = audit.read_weights(weights_file), weights_file.name
    if weight:
        pairs = []
        for item in weight:
            name, sep, value = item.replace("＝", "=").partition("=")
            if not sep:
                raise typer.BadParameter(f"--weight“{item}”应写成 因素=权重，如 高风险=3")
            pairs.append((name, value))
        try:
            weights = sampling.weights_from_pairs(pairs, weights)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        source = f"{source}，命令行 {'、'.join(weight)}"
    files, missing = expand_paths(paths)
    for argument in missing:
        terminal.notice(err_console, f"“{argument}”没有匹配到任何工作簿")
    if not files:
        terminal.error(err_console, "没有找到台账工作簿")
        raise typer.Exit(2)
    if seed is None:
        seed = secrets.randbelow(10**9)
    outcome = audit.draw(
        files,
        day,
        how,
        seed,
        include_inactive=include_inactive,
        weights=weights,
        weights_source=source,
        db=_db(db),
    )
    for name, reason in outcome.portfolio.unreadable:
        terminal.notice(err_console, f"{name}：{reason}", label="跳过无法读取的文件：")
    if not outcome.portfolio.files:
        terminal.error(err_console, "没有一个工作簿能读取，请先用 ledger-xl validate 检查")
        raise typer.Exit(2)
    build_working_papers(output, outcome, overwrite=force)
    terminal.print_sample(console, outcome, output)


# ---------------------------------------------------------------- report


@audit_app.command()
@friendly
def report(
    period: Annotated[
        str,
        typer.Option("--period", help="稽核期间：2026Q4（季度）、2026-11（月）、2026H2、2026。"),
    ],
    paper_paths: Annotated[
        list[Path],
        typer.Option("--papers", help="填写完成的稽核底稿（.xlsx），可多次使用。"),
    ] = [],  # noqa: B006
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    trend: Annotated[
        int, typer.Option("--trend", min=1, max=24, help="趋势包括多少个期间（含本期）。")
    ] = 4,
    default_days: DefaultDaysOpt = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="要写出的稽核报告（.xlsx）。")
    ] = Path("稽核报告.xlsx"),
    pdf: Annotated[
        bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF（与 .xlsx 同名）。")
    ] = False,
    force: ForceOpt = False,
) -> None:
    """稽核报告：按分公司列出本期抽查客户、发现的问题（按类别）、整改率和逾期事项，与以前
    各期比较的趋势（原生图表），以及未整改事项清单；首页一页打印。"""
    from ledger_xl.app import audit
    from ledger_xl.core.audit import parse_period
    from ledger_xl.io.output import check_writable
    from ledger_xl.io.xlsx.audit_report import build_audit_report

    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    day = parse_date(as_of)
    if chosen.start > day:
        raise typer.BadParameter(f"期间 {chosen.title} 还没有开始（基准日 {day.isoformat()}）")
    check_writable(output, force)
    pdf_target = output.with_suffix(".pdf")
    if pdf:
        check_writable(pdf_target, force)
    data = audit.report_data(
        chosen,
        day,
        db=_db(db),
        paper_paths=paper_paths,
        trend_count=trend,
        default_days=default_days,
    )
    build_audit_report(output, data, overwrite=force)
    terminal.print_audit_report(console, data, output)
    if pdf:
        from ledger_xl.io.xlsx.review_report import render_pdf

        render_pdf(output, pdf_target, overwrite=force)
        console.print(f"PDF：{pdf_target}")


# ---------------------------------------------------------------- runs


@audit_app.command()
@friendly
def runs(
    db: DbOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出格式：table（默认）或 json。")
    ] = "table",
) -> None:
    """列出稽核档案中记录的各次校验：基准日、记录时间、文件数、错误和警告数、分公司。"""
    from ledger_xl.app.audit import read_history

    if output_format not in ("table", "json"):
        raise typer.BadParameter("--format 只能是 table 或 json")
    _, table = read_history(_db(db))
    if output_format == "json":
        records = table.to_dict("records")
        sys.stdout.write(jsontext.dumps(records, default=str) + "\n")
    else:
        terminal.print_audit_runs(console, table, _db(db))
