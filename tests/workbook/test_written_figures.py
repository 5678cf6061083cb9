"""The workbooks we write, read back and compared with figures pinned by hand — not with the
tables the writer was given, so a wrong figure upstream and a wrong cell in the writer both
fail. The portfolio is the hand-worked one of tests/unit/test_summary_oracle.py; the findings
report is written for the messy fixture and must hold exactly its planned findings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ledger_xl.app.validate import validate_paths
from ledger_xl.core import due, layout, portfolio, summary
from ledger_xl.io.xlsx.due_list import build_due_workbook
from ledger_xl.io.xlsx.findings import build_findings_workbook
from ledger_xl.io.xlsx.review_report import SHEET_NAME, build_review_report
from ledger_xl.io.xlsx.summary import build_summary_workbook
from tests.unit.test_summary_oracle import (
    AS_OF,
    HAND_DOCS,
    HAND_FIGURES,
    HAND_MONTHS,
    HAND_QUALITY,
    HAND_ROWS,
)
from tests.workbook.test_summary_book import grid, list_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def hand() -> portfolio.Portfolio:
    return portfolio.from_frames(
        pd.DataFrame(HAND_ROWS, dtype=object),
        pd.DataFrame(HAND_DOCS, dtype=object),
        None,
        AS_OF,
        file="手算.xlsx",
    )


@pytest.fixture(scope="module")
def summary_book(tmp_path_factory, hand) -> Path:
    out = tmp_path_factory.mktemp("written") / "汇总.xlsx"
    return build_summary_workbook(out, summary.summary_tables(hand), hand)


def _overview_sections(path: Path) -> dict[str, dict[str, int]]:
    """概览's key-figure block, read back: section → label → count."""
    g = grid(path, "概览")
    out: dict[str, dict[str, int]] = {}
    current = None
    for r in range(5, g.height):
        label, count = g.value(r, 0), g.value(r, 1)
        if label is None:
            current = None
            continue
        if count == "数量":
            current = label
            out[current] = {}
        elif current is not None:
            out[current][label] = int(count)
    return out


def test_summary_workbook_shows_the_hand_worked_figures(summary_book):
    g = grid(summary_book, "概览")
    assert (g.value(3, 0), g.value(3, 1)) == ("客户总数", 8)
    written = _overview_sections(summary_book)
    for section, want in HAND_FIGURES.items():
        assert written[section] == want, section


def _rows(path: Path, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [r for r in book[sheet].iter_rows(values_only=True) if any(v is not None for v in r)]
    book.close()
    return rows


def test_summary_workbook_grades_scores_months_and_notes(summary_book):
    rows = _rows(summary_book, "评级与评分")
    grades = {r[0]: r[1] for r in rows[2:8]}
    assert grades == {"A": 1, "B": 4, "C": 1, "D": 1, "待补充": 1, summary.UNKNOWN: 0}
    top = next(i for i, r in enumerate(rows) if r[0] == "评分区间")
    bands = [r[:4] for r in rows[top + 1 : top + 8]]
    assert bands == [
        ("50分以下", 0, 50, 0),
        ("50–60", 50, 60, 1),
        ("60–70", 60, 70, 1),
        ("70–80", 70, 80, 1),
        ("80–90", 80, 90, 4),
        ("90–100", 90, 100, 0),
        ("未评分", None, None, 1),
    ]
    months = {r[0]: (r[1].date(), r[2]) for r in _rows(summary_book, "月度到期")[1:13]}
    assert len(months) == 12
    assert months["2026年3月"] == (dt.date(2026, 3, 1), 0)
    assert {k: n for k, (_, n) in months.items() if n} == HAND_MONTHS
    notes = {r[0]: r[1] for r in _rows(summary_book, "数据说明") if r[0] in HAND_QUALITY}
    assert notes == HAND_QUALITY


def test_due_workbook_lists_the_hand_worked_customers(tmp_path, hand):
    path = build_due_workbook(tmp_path / "到期.xlsx", due.portfolio_due(hand), hand)
    header, rows = list_rows(path, "待审核客户")
    flag, cid = header.index(due.LABELS["flag"]), header.index(due.LABELS["customer_id"])
    days = header.index(due.LABELS["days"])
    assert [(r[flag], r[cid], r[days]) for r in rows] == [
        (layout.DUE_OVERDUE, "SH000002", -30.0),
        (layout.DUE_NEVER, "SH000004", None),
        (layout.DUE_UNKNOWN, "SH000007", None),
        (layout.DUE_UNKNOWN, "SH000008", None),
        (layout.DUE_SOON, "SH000003", 15.0),
    ]
    header, rows = list_rows(path, "证件到期")
    status, cid = header.index(due.LABELS["doc_status"]), header.index(due.LABELS["customer_id"])
    kind = header.index(due.LABELS["doc_type"])
    assert [(r[status], r[cid], r[kind]) for r in rows] == [
        (layout.DOC_EXPIRED, "SH000002", "其他"),
        (layout.DUE_UNKNOWN, "SH000003", "其他"),
        (layout.DUE_UNKNOWN, "SH000007", "其他"),
        (layout.DOC_SOON, "SH000002", "银行资信证明"),
    ]
    header, rows = list_rows(path, "审核等待")
    assert [r[header.index(due.LABELS["customer_id"])] for r in rows] == ["SH000004"]


@pytest.mark.parametrize(
    ("cid", "score", "grade", "next_review", "flag"),
    [
        ("SH000002", 85.0, "A", dt.date(2026, 3, 1), layout.DUE_OVERDUE),
        ("SH000003", 70.0, "B", dt.date(2026, 4, 15), layout.DUE_SOON),
        ("SH000001", 82.5, "B", dt.date(2027, 1, 15), layout.DUE_OK),
    ],
)
def test_review_report_shows_the_hand_worked_customer(
    tmp_path, hand, cid, score, grade, next_review, flag
):
    ws = openpyxl.load_workbook(build_review_report(tmp_path / "报告.xlsx", hand, cid))[SHEET_NAME]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]

    def right_of(caption: str):
        cell = next(c for c in cells if c.value == caption)
        return ws.cell(cell.row, cell.column + 1)

    assert right_of("客户编号").value == cid
    score_cell = right_of("综合评分")
    assert score_cell.value == pytest.approx(score)
    assert ws.cell(score_cell.row, score_cell.column + 2).value.startswith(grade + "：")
    assert right_of("下次审核日期").value.date() == next_review
    assert any(c.value == flag for c in cells), flag


def test_findings_report_of_the_messy_fixture_holds_exactly_its_findings(tmp_path):
    plan = json.loads((FIXTURES / "messy_branch.expected.json").read_text("utf-8"))
    expected = [(e["code"], e["sheet"], e["cell"]) for e in plan["expected"]] + [
        tuple(f) for group in plan["consequences"] for f in group["findings"]
    ]
    batch = validate_paths([FIXTURES / "messy_branch.xlsx"], as_of=dt.date(2026, 11, 23))
    path = build_findings_workbook(tmp_path / "问题清单.xlsx", batch)
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    by_code = {r[0]: r[2] for r in book["按代码统计"].iter_rows(min_row=2, values_only=True)}
    book.close()
    written = sorted(
        (code, sheet or "", "" if cell == "（打开文件）" else cell or "")
        for _, sheet, cell, _, _, _, code, *_ in rows
    )
    assert written == sorted(expected)
    counts: dict[str, int] = {}
    for code, _, _ in expected:
        counts[code] = counts.get(code, 0) + 1
    assert by_code == counts
