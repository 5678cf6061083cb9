"""The working papers (稽核底稿): the columns of the paper an auditor fills in for each sampled
customer, and what a completed paper says for the audit report — customers checked, problems
by kind, rectification and overdue items.

Pure: the layout both the writer (`ledger_xl.io.xlsx.working_papers`) and the reader share,
and the paper's cells (a `Table` found by its headers with `core.book.read_table`) in, tables
out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ledger_xl.core import values
from ledger_xl.core.a1 import column_letters
from ledger_xl.core.audit import TOTAL, CellNote, Period, normalise_customer
from ledger_xl.core.book import Table
from ledger_xl.core.grid import Grid
from ledger_xl.core.parsing import parse_date_text
from ledger_xl.core.portfolio import mask_id

PAPER_SHEET = "稽核底稿"
METHOD_SHEET = "抽样方法"
DOCUMENTS_SHEET = "证件明细"
REVIEWS_SHEET = "审核记录"
METHOD_AS_OF = "基准日"  # the label on 抽样方法 whose right-hand cell dates the paper

ANSWERS = ("是", "否", "不适用")
CONCLUSION_OK = "无问题"
CONCLUSION_PROBLEM = "有问题"
CONCLUSIONS = (CONCLUSION_OK, CONCLUSION_PROBLEM, "待核实")
RECTIFIED = "已整改"
RECTIFICATION = ("未整改", "整改中", RECTIFIED)
PROBLEM_OTHER = "其他问题"

# (key, checklist header, the problem a 否 means)
CHECKLIST: tuple[tuple[str, str, str], ...] = (
    ("docs_complete", "资料齐全", "资料不齐全"),
    ("info_true", "信息真实", "信息不真实"),
    ("score_fair", "评分合理", "评分不合理"),
    ("approval_ok", "审批合规", "审批不合规"),
)
PROBLEM_KINDS = (*(problem for _, _, problem in CHECKLIST), PROBLEM_OTHER)


@dataclass(frozen=True)
class PaperColumn:
    """A column of the 稽核底稿 sheet. `auditor`: filled in by the auditor (unlocked, with a
    drop-down when `allowed`); otherwise written from the ledger and locked."""

    key: str
    header: str
    kind: str  # "text" | "date" | "number" | "whole" | "choice"
    width: float
    auditor: bool = False
    allowed: tuple[str, ...] = ()
    hint: str = ""


PAPER_COLUMNS: tuple[PaperColumn, ...] = (
    PaperColumn("sample_no", "序号", "whole", 6),
    PaperColumn("branch", "所属分公司", "text", 12),
    PaperColumn("customer_id", "客户编号", "text", 11),
    PaperColumn("name", "客户名称", "text", 24),
    PaperColumn("uscc", "统一社会信用代码", "text", 20),
    PaperColumn("category", "客户类别", "text", 8),
    PaperColumn("risk_level", "风险等级", "text", 8),
    PaperColumn("status", "审核状态", "text", 10),
    PaperColumn("grade", "评级", "text", 6),
    PaperColumn("composite_score", "综合评分", "number", 8),
    PaperColumn("credit_limit", "信用额度(万元)", "number", 10),
    PaperColumn("last_review", "最近审核日期", "date", 11),
    PaperColumn("next_review", "下次审核日期", "date", 11),
    PaperColumn("reviewer", "审核人", "text", 8),
    PaperColumn("opinion", "审核意见", "text", 28),
    PaperColumn("documents", "资信证明", "text", 36),
    PaperColumn("latest_record", "最近一次审核记录", "text", 30),
    PaperColumn("open_items", "未整改问题", "text", 26),
    PaperColumn("reasons", "抽样理由", "text", 24),
    PaperColumn("weight", "抽样权重", "number", 8),
    PaperColumn("file", "来源文件", "text", 16),
    PaperColumn("row", "行号", "whole", 6),
    *(
        PaperColumn(
            key,
            header,
            "choice",
            9,
            auditor=True,
            allowed=ANSWERS,
            hint=f"核对纸质档案后选：是 / 否 / 不适用。选“否”即记为“{problem}”。",
        )
        for key, header, problem in CHECKLIST
    ),
    PaperColumn(
        "conclusion",
        "结论",
        "choice",
        9,
        auditor=True,
        allowed=CONCLUSIONS,
        hint="无问题 / 有问题 / 待核实。",
    ),
    PaperColumn("description", "问题描述", "text", 30, auditor=True, hint="发现的问题。"),
    PaperColumn("owner", "整改责任人", "text", 10, auditor=True),
    PaperColumn("deadline", "整改期限", "date", 11, auditor=True, hint="日期，如 2026-12-31。"),
    PaperColumn(
        "rectification",
        "整改情况",
        "choice",
        9,
        auditor=True,
        allowed=RECTIFICATION,
        hint="跟踪整改后填写：未整改 / 整改中 / 已整改。",
    ),
    PaperColumn("auditor", "稽核人", "text", 8, auditor=True),
    PaperColumn("audit_date", "稽核日期", "date", 11, auditor=True, hint="完成核对的日期。"),
)

# Columns the report needs from a completed paper.
REQUIRED_KEYS = ("branch", "customer_id", "conclusion")


def paper_headers() -> dict[str, tuple[str, ...]]:
    """Column key → header, for `core.book.read_table`."""
    return {c.key: (c.header,) for c in PAPER_COLUMNS}


def header_of(key: str) -> str:
    """The 稽核底稿 header of a column key."""
    return next(c.header for c in PAPER_COLUMNS if c.key == key)


# ---------------------------------------------------------------- what a paper shows


def of_customers(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """The rows of a documents or reviews frame whose 客户编号 (normalised) is in `ids`."""
    if frame.empty:
        return frame
    return frame[frame["customer_id"].map(normalise_customer).isin(ids)]


def documents_lines(documents: pd.DataFrame, ids: set[str]) -> dict[str, str]:
    """Normalised 客户编号 → its current credit documents in one line: type, number (ID
    masked), valid until, status."""
    lines: dict[str, list[str]] = {}
    mine = of_customers(documents, ids)
    if not mine.empty:
        mine = mine[~mine["superseded"].astype(bool)]
    for row in mine.to_dict("records"):
        expires = row["expires"]
        until = (
            pd.Timestamp(expires).strftime("%Y-%m-%d")
            if not pd.isna(expires)
            else (row["expires_raw"] or "未填")
        )
        number = mask_id(str(row["doc_number"])) if row["doc_number"] else ""
        status = row["doc_status"] or "无法判断"
        kind = row["doc_type"] or "（未填类型）"
        text = " ".join(p for p in (kind, number, f"至{until}（{status}）") if p)
        lines.setdefault(normalise_customer(row["customer_id"]), []).append(text)
    return {cid: "；".join(parts) for cid, parts in lines.items()}


def latest_review_lines(reviews: pd.DataFrame, ids: set[str]) -> dict[str, str]:
    """Normalised 客户编号 → its newest 审核记录 in one line: date, stage, result, score,
    grade, reviewer."""
    mine = of_customers(reviews, ids)
    if mine.empty:
        return {}
    mine = mine[~mine["review_date"].isna()].sort_values("review_date", kind="stable")
    out = {}
    for row in mine.to_dict("records"):  # later rows overwrite: the newest wins
        score = row["composite_score"]
        parts = [
            pd.Timestamp(row["review_date"]).strftime("%Y-%m-%d"),
            row["stage"],
            row["result"],
            "" if pd.isna(score) else f"评分 {score:g}",
            f"评级 {row['grade']}" if row["grade"] else "",
            row["reviewer"],
        ]
        out[normalise_customer(row["customer_id"])] = " ".join(str(p) for p in parts if p)
    return out


# ---------------------------------------------------------------- reading a completed paper

PAPER_ROW_COLUMNS = (
    "source",
    "row",
    "branch",
    "customer_id",
    "name",
    *(key for key, _, _ in CHECKLIST),
    "conclusion",
    "description",
    "owner",
    "deadline",
    "rectification",
    "auditor",
    "audit_date",
    "date",
    "problems",
    "has_problem",
    "rectified",
)


def method_date(grid: Grid | None) -> dt.date | None:
    """The paper's 基准日 from its 抽样方法 sheet (the cell right of the 基准日 label)."""
    if grid is None:
        return None
    for row in range(min(grid.height, 40)):
        if str(grid.value(row, 0) or "").strip() == METHOD_AS_OF:
            return _date(grid.value(row, 1))
    return None


def paper_rows(
    table: Table, paper_date: dt.date | None, source: str
) -> tuple[pd.DataFrame, list[CellNote]]:
    """One row per sampled customer of a completed paper (columns `PAPER_ROW_COLUMNS`), and
    notes on cells that could not be used (an answer outside the drop-down, a date that is not
    a date). A row's `date` is its 稽核日期, else the paper's 基准日; `problems` the kinds a
    “否” answer means (其他问题 when the conclusion is 有问题 without one)."""
    frame = table.frame
    notes: list[CellNote] = []

    def cell(i: int, key: str) -> str:
        return f"{column_letters(table.columns[key])}{table.rows[i]}"

    def text(i: int, key: str) -> str:
        if key not in frame.columns:
            return ""
        value = frame[key].iloc[i]
        if values.is_blank(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def choice(i: int, key: str, allowed: tuple[str, ...]) -> str:
        answer = text(i, key)
        if answer and answer not in allowed:
            notes.append(
                CellNote(
                    source,
                    cell(i, key),
                    f"“{header_of(key)}”应为 {' / '.join(allowed)}，现为“{answer}”，按未填写处理",
                )
            )
            return ""
        return answer

    def day(i: int, key: str) -> dt.date | None:
        if key not in frame.columns or values.is_blank(frame[key].iloc[i]):
            return None
        parsed = _date(frame[key].iloc[i])
        if parsed is None:
            notes.append(
                CellNote(
                    source,
                    cell(i, key),
                    f"“{header_of(key)}”“{text(i, key)}”不是日期，按未填写处理",
                )
            )
        return parsed

    out = []
    for i in range(len(frame)):
        customer = text(i, "customer_id")
        if not customer and not text(i, "name"):
            continue  # a blank line
        answers = {key: choice(i, key, ANSWERS) for key, _, _ in CHECKLIST}
        conclusion = choice(i, "conclusion", CONCLUSIONS)
        problems = [problem for key, _, problem in CHECKLIST if answers[key] == "否"]
        if conclusion == CONCLUSION_PROBLEM and not problems:
            problems = [PROBLEM_OTHER]
        audit_date = day(i, "audit_date")
        rectification = choice(i, "rectification", RECTIFICATION)
        out.append(
            {
                "source": source,
                "row": table.rows[i],
                "branch": text(i, "branch"),
                "customer_id": normalise_customer(customer),
                "name": text(i, "name"),
                **answers,
                "conclusion": conclusion,
                "description": text(i, "description"),
                "owner": text(i, "owner"),
                "deadline": day(i, "deadline"),
                "rectification": rectification,
                "auditor": text(i, "auditor"),
                "audit_date": audit_date,
                "date": audit_date or paper_date,
                "problems": tuple(problems),
                "has_problem": bool(problems),
                "rectified": bool(problems) and rectification == RECTIFIED,
            }
        )
    return pd.DataFrame(out, columns=list(PAPER_ROW_COLUMNS)), notes


def _date(value: object) -> dt.date | None:
    if isinstance(value, str):
        return parse_date_text(value)
    return values.excel_date(value)


def concat_rows(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The rows of several papers in one frame (`PAPER_ROW_COLUMNS` even when empty)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PAPER_ROW_COLUMNS})
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- figures

PAPER_FIGURES = ("sampled", "audited", "with_problem", "fixed", "open", "overdue", "rate")
PAPER_LABELS = {
    "sampled": "抽查客户",
    "audited": "已完成稽核",
    "with_problem": "发现问题客户",
    "fixed": "已整改",
    "open": "未整改",
    "overdue": "逾期未整改",
    "rate": "整改率",
}


def in_period(rows: pd.DataFrame, period: Period, end: dt.date) -> pd.DataFrame:
    """The paper rows dated inside the period (up to `end`)."""
    if rows.empty:
        return rows
    keep = [d is not None and period.start <= d <= end for d in rows["date"]]
    return rows[keep]


def paper_figures(rows: pd.DataFrame, end: dt.date, scopes: Iterable[str] = ()) -> pd.DataFrame:
    """Per branch (合计 last): sampled, audited (a conclusion given), with_problem, fixed,
    open, overdue (open and past its 整改期限 at `end`), rate (fixed ÷ with_problem), and one
    column per problem kind (`PROBLEM_KINDS`)."""
    names = sorted(set(rows["branch"]) | set(scopes)) if len(rows) else sorted(set(scopes))
    out = []
    for name in [*names, TOTAL]:
        part = rows if name == TOTAL else rows[rows["branch"] == name]
        problem = part["has_problem"].astype(bool) if len(part) else pd.Series(dtype=bool)
        fixed = int(part["rectified"].astype(bool).sum()) if len(part) else 0
        open_rows = part[problem & ~part["rectified"].astype(bool)] if len(part) else part
        overdue = sum(1 for d in open_rows["deadline"] if d is not None and d < end)
        kinds = {k: sum(k in p for p in part["problems"]) for k in PROBLEM_KINDS}
        with_problem = int(problem.sum())
        out.append(
            {
                "scope": name,
                "sampled": len(part),
                "audited": int((part["conclusion"] != "").sum()) if len(part) else 0,
                "with_problem": with_problem,
                "fixed": fixed,
                "open": len(open_rows),
                "overdue": overdue,
                "rate": fixed / with_problem if with_problem else math.nan,
                **kinds,
            }
        )
    return pd.DataFrame(out, columns=["scope", *PAPER_FIGURES, *PROBLEM_KINDS])


def open_paper_items(rows: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """The problems of the papers not yet rectified, with days past the deadline at `end`."""
    if rows.empty:
        return rows.assign(overdue_days=pd.Series(dtype=int))
    part = rows[rows["has_problem"].astype(bool) & ~rows["rectified"].astype(bool)].copy()
    part["overdue_days"] = [
        (end - d).days if d is not None and d < end else 0 for d in part["deadline"]
    ]
    return part.sort_values(
        ["overdue_days", "branch", "customer_id"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)
