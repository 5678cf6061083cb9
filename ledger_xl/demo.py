"""`ledger-xl demo`: a realistic sample ledger, one workbook per branch, and what they show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ledger_xl import schedule, summary, twins
from ledger_xl.demo_data import DemoData, PlantedMistake, generate_demo
from ledger_xl.errors import OutputError
from ledger_xl.io.build import BuildOptions, LedgerContent, build_ledger_workbook
from ledger_xl.io.output import check_writable
from ledger_xl.rules import DEFAULT_RULES

MASTER_NAME = "客户审核台账_演示.xlsx"
BRANCH_FOLDER = "分公司"


@dataclass
class DemoResult:
    master: Path
    branch_files: dict[str, Path]
    figures: list[tuple[str, list[summary.KeyFigure]]]
    by_branch: pd.Series
    planted: list[PlantedMistake]
    as_of: dt.date


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
    out_dir: str | Path, as_of: dt.date, overwrite: bool = False, n_customers: int = 360
) -> DemoResult:
    out_dir = Path(out_dir)
    data = generate_demo(n_customers=n_customers, as_of=as_of)
    master = out_dir / MASTER_NAME
    branch_files = {b: out_dir / BRANCH_FOLDER / f"{b}.xlsx" for b in data.branches}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / BRANCH_FOLDER).mkdir(exist_ok=True)
    for path in (master, *branch_files.values()):  # refuse before writing anything
        check_writable(path, overwrite)
    options = BuildOptions(cache_date=as_of)
    build_ledger_workbook(master, branch_content(data, None), options=options, overwrite=overwrite)
    for branch, path in branch_files.items():
        build_ledger_workbook(
            path, branch_content(data, branch), options=options, overwrite=overwrite
        )
    computed = twins.ledger_formulas(data.ledger, DEFAULT_RULES, as_of)
    docs = schedule.document_status(
        data.credentials["expires"],
        as_of,
        DEFAULT_RULES.cycles,
        data.credentials["customer_id"],
        data.credentials["doc_type"],
    )
    figures = summary.key_figures(data.ledger, computed, docs["doc_status"], DEFAULT_RULES, as_of)
    if not master.exists():
        raise OutputError(f"演示台账未写出：{master}")
    return DemoResult(
        master,
        branch_files,
        figures,
        data.ledger["branch"].value_counts().sort_index(),
        data.planted,
        as_of,
    )
