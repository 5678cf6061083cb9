"""`ledger-xl demo`: a realistic sample ledger, one workbook per branch, and what they show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ledger_xl.app.demo_data import DemoData, PlantedMistake, generate_demo
from ledger_xl.app.portfolio import load as load_portfolio
from ledger_xl.core import due, layout, summary, twins
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import OutputError
from ledger_xl.io.output import check_writable
from ledger_xl.io.xlsx.due_list import build_due_workbook
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook
from ledger_xl.io.xlsx.review_report import build_review_report
from ledger_xl.io.xlsx.summary import build_summary_workbook

MASTER_NAME = "客户审核台账_演示.xlsx"
BRANCH_FOLDER = "分公司"
DUE_NAME = "到期清单.xlsx"
SUMMARY_NAME = "汇总.xlsx"


@dataclass
class DemoResult:
    master: Path
    branch_files: dict[str, Path]
    figures: list[tuple[str, list[summary.KeyFigure]]]
    by_branch: pd.Series
    planted: list[PlantedMistake]
    as_of: dt.date
    due_file: Path
    summary_file: Path
    report_file: Path
    report_customer: str
    due_counts: dict[str, int]


def branch_content(data: DemoData, branch: str | None) -> LedgerContent:
    """All of the demo, or one branch's customers with their documents and reviews."""
    if branch is None:
        return LedgerContent(data.ledger, data.credentials, data.reviews)
    ledger = data.ledger[data.ledger["branch"] == branch].reset_index(drop=True)
    ids = set(ledger["customer_id"])
    return LedgerContent(
        ledger,
        data.credentials[data.credentials["customer_id"].isin(ids)].reset_index(drop=True),
        data.reviews[data.reviews["customer_id"].isin(ids)].reset_index(drop=True),
    )


def run_demo(
    out_dir: str | Path,
    as_of: dt.date,
    overwrite: bool = False,
    n_customers: int = 360,
    macros: bool = False,
) -> DemoResult:
    """Write the demo into `out_dir`; `macros` makes the ledgers (all branches and each
    branch's) macro-enabled .xlsm workbooks with the add-in's buttons."""
    out_dir = Path(out_dir)
    data = generate_demo(n_customers=n_customers, as_of=as_of)
    suffix = ".xlsm" if macros else ".xlsx"
    master = (out_dir / MASTER_NAME).with_suffix(suffix)
    branch_files = {b: out_dir / BRANCH_FOLDER / f"{b}{suffix}" for b in data.branches}
    due_file, summary_file = out_dir / DUE_NAME, out_dir / SUMMARY_NAME
    customer = report_customer(data)
    report_file = out_dir / f"审核报告_{customer}.xlsx"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / BRANCH_FOLDER).mkdir(exist_ok=True)
    for path in (master, *branch_files.values(), due_file, summary_file, report_file):
        check_writable(path, overwrite)  # refuse before writing anything
    options = BuildOptions(cache_date=as_of)
    build_ledger_workbook(master, branch_content(data, None), options=options, overwrite=overwrite)
    for branch, path in branch_files.items():
        build_ledger_workbook(
            path, branch_content(data, branch), options=options, overwrite=overwrite
        )
    computed = twins.ledger_formulas(data.ledger, DEFAULT_RULES, as_of)
    docs = twins.credential_formulas(data.credentials, DEFAULT_RULES, as_of)
    figures = summary.key_figures(data.ledger, computed, docs["doc_status"], DEFAULT_RULES, as_of)
    # What HQ does with the branch workbooks once they are back: read them (read-only) and
    # write the due list, the summary and a review report.
    branches = load_portfolio(list(branch_files.values()), as_of)
    lists = due.portfolio_due(branches)
    build_due_workbook(due_file, lists, branches, overwrite=overwrite)
    build_summary_workbook(
        summary_file, summary.summary_tables(branches), branches, overwrite=overwrite
    )
    build_review_report(report_file, branches, customer, overwrite=overwrite)
    if not master.exists():
        raise OutputError(f"演示台账未写出：{master}")
    flags = lists["reviews"]["flag"].value_counts()
    return DemoResult(
        master,
        branch_files,
        figures,
        data.ledger["branch"].value_counts().sort_index(),
        data.planted,
        as_of,
        due_file,
        summary_file,
        report_file,
        customer,
        {
            **{
                k: int(flags.get(k, 0))
                for k in (
                    layout.DUE_OVERDUE,
                    layout.DUE_NEVER,
                    layout.DUE_UNKNOWN,
                    layout.DUE_SOON,
                )
            },
            "证件": len(lists["documents"]),
            "预警": len(lists["warnings"]),
        },
    )


def report_customer(data: DemoData) -> str:
    """The customer the demo's review report is for: approved, fully scored, with the longest
    review history, its id used once (ties: the first id)."""
    ledger = data.ledger
    scored = ledger[
        (ledger["status"] == "审核通过")
        & ledger[["score_financial", "score_credit", "score_history", "score_reputation"]]
        .notna()
        .all(axis=1)
    ]
    once = ledger["customer_id"].value_counts()
    scored = scored[scored["customer_id"].map(once) == 1]  # not a planted duplicate id
    reviews = data.reviews["customer_id"].value_counts()
    ids = sorted(scored["customer_id"], key=lambda c: (-int(reviews.get(c, 0)), c))
    return ids[0] if ids else str(ledger["customer_id"].iloc[0])
