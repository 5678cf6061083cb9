"""The working papers (稽核底稿) of `ledger-xl audit sample`: one row per sampled customer,
with its ledger data, documents and last review, and the checklist the auditor fills in.

Built fresh with XlsxWriter and written atomically. Sheets:

- 稽核底稿 — an Excel table, one row per sampled customer (by branch, in draw order): the
  ledger's figures, a line of its credit documents, its newest 审核记录, its open findings,
  why it was likely to be drawn (抽样理由, 抽样权重), source file and row; then the
  checklist (pale yellow, unlocked): 资料齐全 / 信息真实 / 评分合理 / 审批合规 (是 / 否 /
  不适用), 结论 (无问题 / 有问题 / 待核实), 问题描述, 整改责任人, 整改期限, 整改情况, 稽核人,
  稽核日期 — with drop-downs and date validation. Rows whose 整改期限 has passed while not
  已整改 turn red. `ledger-xl audit report --papers` reads it back (the layout is
  `core.papers.PAPER_COLUMNS`).
- 证件明细 — every credit document of the sampled customers (ID numbers masked).
- 审核记录 — their review history, newest first.
- 抽样方法 — 基准日, seed, size, weights (a 因素 | 权重 table that `--weights` reads back),
  per branch how many customers, how many could be drawn and were drawn, and the files with
  their SHA-256: everything needed to draw the same sample again.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pandas as pd

from ledger_xl.core import audit, papers, sampling
from ledger_xl.core.errors import OutputError
from ledger_xl.core.portfolio import mask_id
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.audit_sheets import (
    Column,
    audit_formats,
    write_fill_in_sheet,
    write_pairs,
    write_table,
)
from ledger_xl.io.xlsx.kit import EXCEL_MAX_ROWS
from ledger_xl.io.xlsx.list_sheets import write_notes

TITLE = "稽核底稿"
HEADER_ROW = 3
TABLE_NAME = "AuditPapers"

_WRAPPED = {"opinion", "documents", "latest_record", "open_items", "reasons", "description", "name"}
COLUMNS: tuple[Column, ...] = tuple(
    Column(
        c.key,
        c.header,
        "wrap" if c.key in _WRAPPED else ("text" if c.kind == "choice" else c.kind),
        c.width,
        fill=c.auditor,
        allowed=c.allowed,
        hint=c.hint,
    )
    for c in papers.PAPER_COLUMNS
)

DOCUMENT_COLUMNS = (
    Column("customer_id", "客户编号", "text", 11),
    Column("name", "客户名称", "wrap", 24),
    Column("doc_type", "证明类型", "text", 14),
    Column("doc_number", "证件号码", "text", 21),
    Column("issued", "签发日期", "date", 11),
    Column("expires", "有效期至", "date", 11),
    Column("doc_status", "证件状态", "text", 9),
    Column("verified_by", "核验人", "text", 8),
    Column("verified_on", "核验日期", "date", 11),
    Column("file", "来源文件", "text", 16),
)
REVIEW_COLUMNS = (
    Column("customer_id", "客户编号", "text", 11),
    Column("name", "客户名称", "wrap", 24),
    Column("review_date", "审核日期", "date", 11),
    Column("stage", "审核阶段", "text", 9),
    Column("score_financial", "财务状况", "number", 8),
    Column("score_credit", "信用记录", "number", 8),
    Column("score_history", "合作历史", "number", 8),
    Column("score_reputation", "市场声誉", "number", 8),
    Column("composite_score", "综合评分", "number", 8),
    Column("grade", "评级", "text", 6),
    Column("result", "审核结果", "text", 10),
    Column("reviewer", "审核人", "text", 8),
    Column("opinion", "审核意见", "wrap", 36),
)


def build_working_papers(path: str | os.PathLike, outcome, *, overwrite: bool = False) -> Path:
    """Write the working papers of an `app.audit.SampleOutcome` to `path`, atomically; never
    over an existing file unless `overwrite`. Returns the path."""
    target = Path(path)
    sample: sampling.Sample = outcome.sample
    drawn = sample.drawn
    if len(drawn) >= EXCEL_MAX_ROWS - HEADER_ROW - 2:
        raise OutputError(f"抽样 {len(drawn)} 户，超过一张工作表的行数上限；请减小抽样数量")
    documents = outcome.portfolio.documents
    reviews = outcome.portfolio.reviews
    ids = {audit.normalise_customer(c) for c in drawn["customer_id"]} if len(drawn) else set()
    document_lines = papers.documents_lines(documents, ids)
    review_lines = papers.latest_review_lines(reviews, ids)
    rows = []
    for row in drawn.to_dict("records"):
        cid = audit.normalise_customer(row["customer_id"])
        rows.append(
            {
                **row,
                "file": Path(str(row["file"])).name,
                "documents": document_lines.get(cid, ""),
                "latest_record": review_lines.get(cid, ""),
                "open_items": "；".join(outcome.open_items.get(cid, [])),
            }
        )
    with kit.written(
        target, overwrite, kind="working_papers", title=TITLE, subject="ledger_xl 稽核底稿"
    ) as wb:
        f = audit_formats(wb)
        ws = wb.add_worksheet(papers.PAPER_SHEET)
        write_fill_in_sheet(
            ws,
            f,
            title=f"{TITLE}（抽样基准日 {sample.as_of.isoformat()}，随机种子 {sample.seed}，"
            f"{sample.size.text}，共 {len(rows)} 户）",
            note="请对照纸质档案逐户核对，在黄色列填写核对结论；“否”即记为问题。"
            "过了整改期限仍未整改的行显示为红色。抽样方法见“抽样方法”工作表。",
            top=HEADER_ROW,
            columns=COLUMNS,
            rows=rows,
            name=TABLE_NAME,
            freeze_cols=4,
            deadline_key="deadline",
            done_key="rectification",
            done_value=papers.RECTIFIED,
        )
        kit.print_setup(ws, HEADER_ROW)
        ws.fit_to_pages(3, 0)  # 33 columns: three pages wide, the header on each
        _side_sheet(
            wb, f, papers.DOCUMENTS_SHEET, DOCUMENT_COLUMNS, _documents(documents, ids), "Documents"
        )
        _side_sheet(wb, f, papers.REVIEWS_SHEET, REVIEW_COLUMNS, _reviews(reviews, ids), "Reviews")
        _method_sheet(wb, f, outcome)
        ws.activate()
    return target


def _documents(documents: pd.DataFrame, ids: set[str]) -> list[dict]:
    rows = []
    for row in papers.of_customers(documents, ids).to_dict("records"):
        rows.append(
            {
                **row,
                "doc_number": mask_id(str(row["doc_number"])) if row["doc_number"] else "",
                "expires": row["expires"] if not pd.isna(row["expires"]) else row["expires_raw"],
                "file": Path(str(row["file"])).name,
            }
        )
    return sorted(rows, key=lambda r: (r["customer_id"], str(r["doc_type"])))


def _reviews(reviews: pd.DataFrame, ids: set[str]) -> list[dict]:
    mine = papers.of_customers(reviews, ids)
    if mine.empty:
        return []
    mine = mine.sort_values(["customer_id", "review_date"], ascending=[True, False])
    return mine.to_dict("records")


def _side_sheet(wb, f: kit.Formats, name: str, columns, rows: list[dict], table: str) -> None:
    ws = wb.add_worksheet(name)
    ws.write_string(0, 0, f"抽中客户的{name}", f.subtitle)
    write_table(ws, f, 1, columns, rows, table, freeze_cols=2)
    if not rows:
        ws.write_string(3, 0, f"抽中的客户没有{name}。", f.note)
    kit.landscape(ws, 1)


def _method_sheet(wb, f: kit.Formats, outcome) -> None:
    sample: sampling.Sample = outcome.sample
    ws = wb.add_worksheet(papers.METHOD_SHEET)
    ws.write_string(0, 0, "抽样方法", f.title)
    ws.set_row(0, 24)
    command = ["ledger-xl", "audit", "sample", *(name for name, _ in outcome.files)]
    command += [
        "--as-of",
        sample.as_of.isoformat(),
        *(["--size", str(sample.size.count)] if sample.size.count else []),
        *(["--rate", f"{sample.size.rate:g}"] if sample.size.rate else []),
        "--seed",
        str(sample.seed),
        *(["--include-inactive"] if sample.include_inactive else []),
        "--weights",
        "本底稿.xlsx",
        *(["--db", str(outcome.db)] if outcome.db else []),
        "-o",
        "稽核底稿.xlsx",
    ]
    row = write_pairs(
        ws,
        f,
        2,
        [
            (papers.METHOD_AS_OF, sample.as_of),
            ("随机种子", str(sample.seed)),
            ("抽样方式", sample.size.text),
            ("已停用客户", "参与抽样" if sample.include_inactive else "不参与抽样"),
            ("权重来源", outcome.weights_source),
            (
                "稽核档案",
                str(outcome.db) if outcome.db else "未使用（“有未整改问题”一项不起作用）",
            ),
            ("抽中客户", len(sample.drawn)),
            ("重新抽取", shlex.join(command)),
        ],
    )
    row += 1
    ws.write_string(row, 0, "抽样权重", f.subtitle)
    row += 1
    for j, name in enumerate(("因素", "权重", "说明")):
        ws.write_string(row, j, name, f.header_line)
    for name, value, meaning in sampling.weight_rows(sample.weights):
        row += 1
        ws.write_string(row, 0, name, f.cell)
        ws.write_number(row, 1, value, f.count if float(value).is_integer() else f.cell)
        ws.write_string(row, 2, meaning, f.wrap_cell)
    row += 2
    lines = (
        "每户权重 = 基础权重 + 所具有的各项风险因素的权重。每个分公司分别抽取，不放回；"
        "每抽一户，剩余客户被抽中的机会与其权重成正比（Efraimidis–Spirakis 加权抽样）。",
        "随机数由随机种子和分公司名称决定（numpy PCG64），客户按客户编号排序后依次取数："
        "同样的种子、同样的文件，抽出的客户完全相同。",
        "修改上表的权重后，可用 --weights 本底稿.xlsx 按新权重重新抽取。",
    )
    row = write_notes(ws, row, lines, f.wrap, 2, 14 + 10 + 70)
    row += 1
    ws.write_string(row, 0, "各分公司抽样情况", f.subtitle)
    row += 1
    headers = (
        "分公司",
        "客户数",
        "已停用",
        "可抽样",
        "抽取数",
        "其中高风险",
        "近期审核通过",
        "例外审批",
        "有未整改问题",
    )
    keys = (
        "branch",
        "customers",
        "inactive",
        "eligible",
        "sampled",
        *(f"sampled_{c}" for c in sampling.FACTOR_COLUMNS),
    )
    for j, name in enumerate(headers):
        ws.write_string(row, j, name, f.header_line)
    for record in sample.branches.to_dict("records"):
        row += 1
        ws.write_string(row, 0, record["branch"], f.cell)
        for j, key in enumerate(keys[1:], start=1):
            ws.write_number(row, j, int(record[key]), f.count)
    row += 2
    ws.write_string(row, 0, "抽样所用的文件", f.subtitle)
    row += 1
    for j, name in enumerate(("文件", "字节数", "SHA-256")):
        ws.write_string(row, j, name, f.header_line)
    for name, facts in outcome.files:
        row += 1
        ws.write_string(row, 0, Path(name).name, f.cell)
        if facts.size is not None:
            ws.write_number(row, 1, facts.size, f.count)
        ws.write_string(row, 2, facts.sha256 or "（无法读取）", f.cell)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 70)
    ws.set_column(3, 8, 11)
    kit.landscape(ws)
