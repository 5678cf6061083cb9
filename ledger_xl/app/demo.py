"""`ledger-xl demo`: a realistic sample ledger, one workbook per branch, and what they show."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ledger_xl.app import audit_demo
from ledger_xl.app import branches as branch_round
from ledger_xl.app.demo_data import DemoData, PlantedMistake, branch_content, generate_demo
from ledger_xl.app.portfolio import load as load_portfolio
from ledger_xl.core import due, layout, schedule, summary, twins
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.distribution import Tables
from ledger_xl.core.errors import OutputError
from ledger_xl.core.identifiers import uscc_check_char
from ledger_xl.core.merge import tables_from_book
from ledger_xl.core.rules import Rules
from ledger_xl.io import crypto
from ledger_xl.io.output import atomic_output, check_writable
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx.due_list import build_due_workbook
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook
from ledger_xl.io.xlsx.review_report import build_review_report
from ledger_xl.io.xlsx.summary import build_summary_workbook

MASTER_NAME = "客户审核台账_演示.xlsx"
BRANCH_FOLDER = "分公司"
DUE_NAME = "到期清单.xlsx"
SUMMARY_NAME = "汇总.xlsx"
# The round trip: HQ hands the master out, branches edit, HQ collects.
DISTRIBUTION_FOLDER = "分发"
BRANCH_LIST_NAME = "分公司清单.csv"
HQ_MASTER_NAME = "总部台账_分发后.xlsx"  # HQ's master, with an edit made after distribution
MERGED_NAME = "合并后台账.xlsx"
MERGE_REPORT_NAME = "合并报告.xlsx"
ARCHIVE_NAME = "收件归档"
ENCRYPTED_BRANCH, ENCRYPTED_PASSWORD = "广州分公司", "gz-2026"
MASKED_BRANCH = "上海分公司"


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
    audit: audit_demo.AuditDemo | None = None
    distributed: branch_round.DistributeResult | None = None
    collected: branch_round.CollectResult | None = None
    branch_edits: tuple[str, ...] = ()


def run_demo(
    out_dir: str | Path,
    as_of: dt.date,
    overwrite: bool = False,
    n_customers: int = 360,
    macros: bool = False,
    round_trip: bool = True,
) -> DemoResult:
    """Write the demo into `out_dir`; `macros` makes the ledgers (all branches and each
    branch's) macro-enabled .xlsm workbooks with the add-in's buttons; `round_trip` adds the
    distribution to branches, their edits and the collection back (`branch_round_trip`)."""
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
    audit_demo.check_outputs(out_dir, data.branches, overwrite)
    options = BuildOptions(cache_date=as_of)
    build_ledger_workbook(master, branch_content(data, None), options=options, overwrite=overwrite)
    for branch, path in branch_files.items():
        build_ledger_workbook(
            path, branch_content(data, branch), options=options, overwrite=overwrite
        )
    computed = twins.ledger_formulas(
        data.ledger, DEFAULT_RULES, as_of, credentials=data.credentials
    )
    docs = twins.credential_formulas(data.credentials, DEFAULT_RULES, as_of)
    inactive = schedule.inactive_owners(
        data.credentials["customer_id"], data.ledger["customer_id"], data.ledger["status"]
    )
    figures = summary.key_figures(
        data.ledger, computed, docs["doc_status"], DEFAULT_RULES, as_of, doc_inactive=inactive
    )
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
    distributed, collected, edits = (
        branch_round_trip(data, master, out_dir, as_of, overwrite)
        if round_trip
        else (None, None, ())
    )
    flags = lists["reviews"]["flag"].value_counts()
    audit = audit_demo.run_audit_demo(out_dir, data, as_of, branch_files, overwrite)
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
                    layout.DUE_EARLY,
                    layout.DUE_NEVER,
                    layout.DUE_UNKNOWN,
                    layout.DUE_SOON,
                )
            },
            "审核等待": len(lists["waiting"]),
            "证件": len(lists["documents"]),
            "预警": len(lists["warnings"]),
        },
        audit,
        distributed=distributed,
        collected=collected,
        branch_edits=edits,
    )


# ---------------------------------------------------------------- the round trip


def branch_round_trip(
    data: DemoData, master: Path, out_dir: Path, as_of: dt.date, overwrite: bool
) -> tuple[branch_round.DistributeResult, branch_round.CollectResult, tuple[str, ...]]:
    """Distribute the demo master, edit the branch workbooks as branches would, let HQ edit
    its master meanwhile, and collect everything back into a new master."""
    branch_list = out_dir / BRANCH_LIST_NAME
    hq_master = out_dir / HQ_MASTER_NAME
    merged, report = out_dir / MERGED_NAME, out_dir / MERGE_REPORT_NAME
    for path in (branch_list, hq_master, merged, report):
        check_writable(path, overwrite)
    lines = ["分公司,密码,遮蔽列"]
    for branch in data.branches:
        password = ENCRYPTED_PASSWORD if branch == ENCRYPTED_BRANCH else ""
        masked = "资信证明.证件号码" if branch == MASKED_BRANCH else ""
        lines.append(f"{branch},{password},{masked}")
    with atomic_output(branch_list, overwrite) as temp:
        temp.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    options = branch_round.read_branch_options(branch_list)
    sent_at = dt.datetime.combine(as_of, dt.time(9, 0))
    distributed = branch_round.distribute(
        master, out_dir / DISTRIBUTION_FOLDER, options, overwrite=overwrite, now=sent_at
    )
    files = {f.branch: f.path for f in distributed.files}
    edits = branch_edits(data, files)
    hq_content = branch_content(data, None)
    hq_content.ledger = hq_content.ledger.copy()  # HQ's edit must not reach the demo's data
    changed_at_hq = _hq_edit(hq_content.ledger, _first_customer(data, edits_branch="上海分公司"))
    build_ledger_workbook(
        hq_master, hq_content, options=BuildOptions(cache_date=as_of), overwrite=overwrite
    )
    collected = branch_round.collect(
        [str(out_dir / DISTRIBUTION_FOLDER)],
        hq_master,
        merged,
        passwords=options,
        report=report,
        archive=out_dir / ARCHIVE_NAME,
        overwrite=overwrite,
        as_of=as_of,
    )
    return distributed, collected, (*edits, changed_at_hq)


def _first_customer(data: DemoData, edits_branch: str, offset: int = 0) -> str:
    ledger = data.ledger
    ids = ledger.loc[ledger["branch"] == edits_branch, "customer_id"].tolist()
    once = ledger["customer_id"].value_counts()
    ids = [i for i in ids if once[i] == 1]
    return ids[offset]


def _hq_edit(ledger: pd.DataFrame, customer_id: str) -> str:
    ledger.loc[ledger["customer_id"] == customer_id, "score_credit"] = 66.0
    return f"总部：分发后把 {customer_id} 的信用记录改为 66（上海分公司也改了它 → 冲突）"


def edit_as_branch(
    path: Path,
    edit: Callable[[Tables], Tables],
    *,
    password: str | None = None,
    rules: Rules | None = None,
) -> None:
    """Rebuild a distributed branch workbook with edited content, as a branch leaves it: its
    tables read (decrypted with `password`), `edit`ed, and built again by the one builder
    with the same distribution record (and encrypted again). `rules` replaces its rule
    sheets (a tampered weight). Only for workbooks this program wrote (the demo, tests)."""
    if password:
        with crypto.decrypted(path, password) as plain:
            book = read_book(plain, formulas=False)
    else:
        book = read_book(path, formulas=False)
    record = book.distribution
    assert record is not None, f"{path} was not handed out by distribute"
    tables = edit(tables_from_book(book))
    content = LedgerContent(tables.ledger, tables.credentials, tables.reviews)
    options = BuildOptions(distribution=record, fixed_values={"branch": (record.branch,)})
    rules = rules or book.rules
    if password:
        with tempfile.TemporaryDirectory(prefix="ledger_xl-plain-") as private:
            plain = Path(private) / path.name
            build_ledger_workbook(plain, content, rules, options)
            crypto.encrypt(plain, path, password, overwrite=True)
    else:
        build_ledger_workbook(path, content, rules, options, overwrite=True)


def tampered_rules(rules: Rules) -> Rules:
    """The rules with the first two weights moved by 5 points (a branch "adjusting" them)."""
    dims = list(rules.scoring.dimensions)
    dims[0] = dims[0].model_copy(update={"weight": round(dims[0].weight + 0.05, 6)})
    dims[1] = dims[1].model_copy(update={"weight": round(dims[1].weight - 0.05, 6)})
    scoring = rules.scoring.model_copy(update={"dimensions": tuple(dims)})
    return rules.model_copy(update={"scoring": scoring})


def _append(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    return pd.concat([frame, pd.DataFrame(rows, dtype=object)], ignore_index=True)


def branch_edits(data: DemoData, files: dict[str, Path]) -> tuple[str, ...]:
    """What the demo's branches do to their workbooks before sending them back."""
    done: list[str] = []
    new_uscc = "91310115MA1K4DEM0X"
    new_uscc = new_uscc[:17] + uscc_check_char(new_uscc[:17])

    def shanghai(t: Tables) -> Tables:
        ledger = t.ledger.copy()
        first, second = (_first_customer(data, "上海分公司", k) for k in (0, 1))
        ledger.loc[ledger["customer_id"] == first, "score_credit"] = 92.0
        ledger.loc[ledger["customer_id"] == second, "score_financial"] = 88.0
        new = {
            **{k: ledger[k].iloc[0] for k in ledger.columns if k != layout.ROW_KEY},
            "customer_id": "SH009001",
            "name": "上海新立贸易有限公司",
            "uscc": new_uscc,
            "status": "待审核",
            "last_review": None,
            "reviewer": None,
        }
        review = {
            "review_id": f"{second}-DEMO",
            "customer_id": second,
            "name": ledger.loc[ledger["customer_id"] == second, "name"].iloc[0],
            "review_date": dt.datetime(2026, 11, 20),
            "stage": "终审",
            "result": "审核通过",
            "reviewer": "演示审核员",
            "opinion": "分公司新增的审核记录",
        }
        done.extend(
            (
                f"上海分公司：{first} 信用记录改为 92，{second} 财务状况改为 88",
                "上海分公司：新增客户 SH009001，新增一条审核记录",
            )
        )
        return Tables(_append(ledger, [new]), t.credentials, _append(t.reviews, [review]))

    def chengdu(t: Tables) -> Tables:
        ledger = t.ledger.copy()
        gone = _first_customer(data, "成都分公司", 2)
        claimed = {
            **{k: ledger[k].iloc[0] for k in ledger.columns if k != layout.ROW_KEY},
            "customer_id": "CD009001",
            "name": "上海新立贸易有限公司成都办事处",
            "uscc": new_uscc,
        }
        reviews = t.reviews.copy()
        if len(reviews):
            reviews.loc[reviews.index[0], "opinion"] = "（成都分公司改写了这条历史记录）"
        done.extend(
            (
                f"成都分公司：删掉了客户 {gone}",
                "成都分公司：新增一个与上海分公司新客户统一社会信用代码相同的客户",
                "成都分公司：改写了一条已有的审核记录",
            )
        )
        ledger = ledger[ledger["customer_id"] != gone]
        return Tables(_append(ledger, [claimed]), t.credentials, reviews)

    def guangzhou(t: Tables) -> Tables:
        ledger = t.ledger.copy()
        who = _first_customer(data, "广州分公司")
        ledger.loc[ledger["customer_id"] == who, "contact"] = "新联系人"
        done.append(f"广州分公司（加密）：{who} 联系人改为“新联系人”")
        return Tables(ledger, t.credentials, t.reviews)

    def beijing(t: Tables) -> Tables:
        ledger = t.ledger.copy()
        ledger.loc[ledger.index[0], "notes"] = "北京分公司调整了评分权重"
        done.append("北京分公司：把评分标准中财务状况的权重从 30% 改成 35%（篡改规则）")
        return Tables(ledger, t.credentials, t.reviews)

    if "上海分公司" in files:
        edit_as_branch(files["上海分公司"], shanghai)
    if "成都分公司" in files:
        edit_as_branch(files["成都分公司"], chengdu)
    if ENCRYPTED_BRANCH in files:
        edit_as_branch(files[ENCRYPTED_BRANCH], guangzhou, password=ENCRYPTED_PASSWORD)
    if "北京分公司" in files:
        edit_as_branch(files["北京分公司"], beijing, rules=tampered_rules(DEFAULT_RULES))
    return tuple(done)


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
