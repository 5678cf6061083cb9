"""Build small ledgers with exactly one fault, validate them, and look findings up."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd

from ledger_xl.app.validate import validate_workbook
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.identifiers import resident_id_check_char, uscc_check_char
from ledger_xl.core.rules import Rules
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 3, 31)


def uscc(seed: int) -> str:
    first = f"913101{seed:06d}MA1B2C"[:17]
    return first + uscc_check_char(first)


def resident_id(seed: int) -> str:
    first = f"11010519800101{seed:03d}"
    return first + resident_id_check_char(first)


def good_row(n: int = 1, **changes) -> dict:
    row = {
        "customer_id": f"SH{n:06d}",
        "name": f"上海测试{n}号有限公司",
        "uscc": uscc(n),
        "branch": "上海分公司",
        "account_manager": "王芳",
        "industry": "批发业",
        "business_scope": "五金交电批发",
        "category": "一般",
        "risk_level": "低",
        "contact": "张三",
        "phone": "13812345678",
        "email": "zhang@example.com",
        "address": "上海市浦东新区世纪大道1号",
        "legal_rep": "李四",
        "registered_capital": 1000.0,
        "founded": dt.date(2010, 5, 4),
        "revenue": 5000.0,
        "total_assets": 8000.0,
        "total_liabilities": 3000.0,
        "external_credit": 720.0,
        "overdue_count": 0.0,
        "litigation_count": 0.0,
        "dishonest": "否",
        "credit_report_date": dt.date(2026, 1, 10),
        "info_source": "客户提供",
        "coop_years": 3.5,
        "score_financial": 80.0,
        "score_credit": 85.0,
        "score_history": 75.0,
        "score_reputation": 90.0,
        "credit_limit": 100.0,
        "stage": "终审",
        "status": "审核通过",
        "submitted": dt.date(2026, 1, 5),
        "last_review": dt.date(2026, 1, 15),
        "reviewer": "赵六",
        "approval_level": "分公司经理",
        "approver": "钱七",
        "approval_date": dt.date(2026, 1, 16),
        "opinion": "资信良好",
        "notes": None,
    }
    row.update(changes)
    return row


def good_credentials(n: int = 1) -> list[dict]:
    return [
        {
            "customer_id": f"SH{n:06d}",
            "name": f"上海测试{n}号有限公司",
            "doc_type": "营业执照",
            "doc_number": uscc(n),
            "issued": dt.date(2010, 5, 4),
            "expires": dt.date(2099, 12, 31),
            "verified_by": "赵六",
            "verified_on": dt.date(2026, 1, 15),
        },
        {
            "customer_id": f"SH{n:06d}",
            "name": f"上海测试{n}号有限公司",
            "doc_type": "法定代表人身份证",
            "doc_number": resident_id(n),
            "issued": dt.date(2020, 1, 1),
            "expires": dt.date(2040, 1, 1),
            "verified_by": "赵六",
            "verified_on": dt.date(2026, 1, 15),
        },
    ]


def good_review(n: int = 1, **changes) -> dict:
    review = {
        "review_id": f"SH{n:06d}-2026-01",
        "customer_id": f"SH{n:06d}",
        "name": f"上海测试{n}号有限公司",
        "review_date": dt.date(2026, 1, 15),
        "stage": "终审",
        "score_financial": 80.0,
        "score_credit": 85.0,
        "score_history": 75.0,
        "score_reputation": 90.0,
        "composite_score": 82.5,
        "grade": "B",
        "credit_limit": 100.0,
        "result": "审核通过",
        "reviewer": "赵六",
        "opinion": "资信良好",
    }
    review.update(changes)
    return review


def good_approval(n: int = 1, level: str = "分公司经理", **changes) -> dict:
    """An approval row of 审核记录: one level approving customer n's review of 2026-01-15."""
    approval = {
        "review_id": f"SH{n:06d}-2026-01-{level}",
        "customer_id": f"SH{n:06d}",
        "name": f"上海测试{n}号有限公司",
        "review_date": dt.date(2026, 1, 15),
        "result": "审核通过",
        "approval_level": level,
        "approver": {"分公司经理": "钱七", "总部风控": "孙八", "总经理": "周九"}[level],
        "approval_date": dt.date(2026, 1, 16),
        "opinion": "同意",
    }
    approval.update(changes)
    return approval


def build(
    tmp_path: Path,
    rows=None,
    credentials=None,
    reviews=None,
    rules: Rules = DEFAULT_RULES,
    name: str = "台账.xlsx",
    as_of: dt.date = AS_OF,
) -> Path:
    rows = [good_row(1), good_row(2)] if rows is None else rows
    if credentials is None:
        credentials = [c for n in range(1, len(rows) + 1) for c in good_credentials(n)]
    if reviews is None:
        reviews = [r for n in range(1, len(rows) + 1) for r in (good_review(n), good_approval(n))]
    content = LedgerContent(
        pd.DataFrame(rows, dtype=object),
        pd.DataFrame(credentials, dtype=object),
        pd.DataFrame(reviews, dtype=object),
    )
    return build_ledger_workbook(
        tmp_path / name, content, rules=rules, options=BuildOptions(spare_rows=5, cache_date=as_of)
    )


def codes(path: Path, as_of: dt.date = AS_OF) -> list[tuple[str, str, str, str]]:
    """(code, severity, sheet, cell) of every finding."""
    result = validate_workbook(path, as_of=as_of)
    return [(f.code, f.severity.value, f.sheet, f.cell) for f in result.findings]


def only(path: Path, code: str, as_of: dt.date = AS_OF, *, also: tuple[str, ...] = ()) -> list:
    """The findings of `code` — and it must be the only code found (besides those in `also`,
    what the fault rightly brings about): a false finding of another code fails the test."""
    findings = validate_workbook(path, as_of=as_of).findings
    others = sorted({f.code for f in findings} - {code, *also})
    assert not others, f"{code}: other codes found too: {others}"
    return [f for f in findings if f.code == code]


def rewrite_sheet_xml(path: Path, sheet_part: str, edit) -> Path:
    """A copy of `path` (a file the test built) with one sheet's XML edited: `edit(text)`."""
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == sheet_part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            dest.writestr(item, data)
    return out


def replace_cell(xml: str, ref: str, new_cell: str) -> str:
    """`xml` with the cell at `ref` replaced by `new_cell`, as Excel would save that edit.

    A formula column is written as one shared formula: its text in the first cell, a reference
    to it in the others. Replacing the first cell therefore hands its text (and the rest of
    its range) to the next cell of the group, as Excel does when a user types over it; the
    ledger's column formulas hold no relative A1 reference, so the text moves unchanged."""
    pattern = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
    found = pattern.search(xml)
    assert found, ref
    master = _SHARED_MASTER.search(found.group(0))
    xml = xml[: found.start()] + new_cell + xml[found.end() :]
    if master:
        si, end, text = master.group("si"), master.group("ref").split(":")[-1], master.group("f")
        follower = re.compile(rf'<c r="([A-Z]+\d+)"([^>]*)><f t="shared" si="{si}"/>')
        nxt = follower.search(xml, found.start() + len(new_cell))
        if nxt:
            xml = (
                xml[: nxt.start()]
                + f'<c r="{nxt.group(1)}"{nxt.group(2)}>'
                + f'<f t="shared" ref="{nxt.group(1)}:{end}" si="{si}">{text}</f>'
                + xml[nxt.end() :]
            )
    return xml


_SHARED_MASTER = re.compile(
    r'<f t="shared" ref="(?P<ref>[A-Z]+\d+(?::[A-Z]+\d+)?)" si="(?P<si>\d+)">(?P<f>.*?)</f>', re.S
)
