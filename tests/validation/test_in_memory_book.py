"""Checks run on data, not files: a LedgerBook built from cell values read another way
(openpyxl here; the Excel add-in reads an open workbook's ranges) gets exactly the findings
that validating the file gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ledger_xl.app.demo import run_demo
from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout, schedule, values
from ledger_xl.core.book import LedgerBook, book_from_grids
from ledger_xl.core.grid import Grid
from ledger_xl.core.validate import validate_book

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AS_OF = dt.date(2026, 11, 23)


def openpyxl_book(path: Path, doubles: bool = False) -> LedgerBook:
    """The workbook as the add-in would see it: every sheet's values (cached results for
    formula cells), the ledger sheet's formula text and the custom document properties.
    With `doubles`, whole numbers are floats, as Excel holds every number (and calamine and
    xlwings give them); openpyxl makes an int of a value stored without a decimal point."""
    shown = openpyxl.load_workbook(path, data_only=True)
    typed = openpyxl.load_workbook(path, data_only=False)

    def cell(value):
        return float(value) if doubles and type(value) is int else value

    grids = {
        ws.title: Grid(ws.title, [[cell(v) for v in row] for row in ws.iter_rows(values_only=True)])
        for ws in shown.worksheets
    }
    formulas = {
        (cell.row - 1, cell.column - 1): cell.value.removeprefix("=")
        for row in typed[layout.SHEET_LEDGER].iter_rows()
        for cell in row
        if cell.data_type == "f"
    }
    properties = {p.name: str(p.value) for p in shown.custom_doc_props.props}
    return book_from_grids(str(path), grids, formulas=formulas, properties=properties)


def _as_data(result) -> list[dict]:
    return [f.model_dump() for f in result.findings]


@pytest.fixture(scope="module")
def demo_branches(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return sorted(run_demo(out, AS_OF, round_trip=False).branch_files.values())


def test_messy_fixture_same_findings_from_memory_as_from_the_file():
    path = FIXTURES / "messy_branch.xlsx"
    from_file = validate_workbook(path, as_of=AS_OF)
    from_memory = validate_book(openpyxl_book(path), AS_OF)
    assert len(from_file.findings) > 10
    assert _as_data(from_memory) == _as_data(from_file)
    assert (from_memory.rows, from_memory.branch) == (from_file.rows, from_file.branch)


def test_demo_branches_same_findings_from_memory_as_from_the_file(demo_branches):
    total = 0
    for path in demo_branches:
        from_file = validate_workbook(path, as_of=AS_OF)
        assert _as_data(validate_book(openpyxl_book(path), AS_OF)) == _as_data(from_file)
        total += len(from_file.findings)
    assert total > 20  # the planted mistakes are there to be found


def test_book_without_formula_text_checks_values_only(demo_branches):
    path = demo_branches[0]
    book = openpyxl_book(path)
    book.formula_source = None  # e.g. a reader that could not give formulas
    codes = {f.code for f in validate_book(book, AS_OF).findings}
    assert not codes & {"formula-overwritten", "formula-edited"}


def test_book_from_grids_without_a_ledger_sheet_says_so():
    book = book_from_grids("x.xlsx", {})
    assert not book.checkable
    codes = [f.code for f in book.findings]
    assert codes == ["rules-broken", "ledger-sheet-missing"]
    assert validate_book(book, AS_OF).findings == book.findings


# ---------------------------------------------------------------- the fast path against a plain one
#
# What HQ's commands compute fast (calamine and the streaming formula reader in a child
# process; vectorised typing, due lists and summaries) must equal what a plain path gives on
# the same file: openpyxl's cells through `book_from_grids`, and the slow obvious forms of what
# was vectorised, on a mid-sized ledger (over 2,000 rows: big enough for the code paths that
# only start at that size) with planted faults of every kind a person makes.

MID_SIZE = 2_400


def _planted_content():
    from ledger_xl.app.demo_data import generate_demo
    from ledger_xl.io.xlsx.ledger import LedgerContent

    demo = generate_demo(n_customers=MID_SIZE, as_of=AS_OF)
    ledger = demo.ledger.astype(object)
    credentials = demo.credentials.astype(object)
    reviews = demo.reviews.astype(object)
    plants = {  # column → values typed the way people type them, every 97th row from a start
        "revenue": ("1,234.5", "12万", " 800 ", "N/A"),  # numbers as text; N/A
        "total_assets": ("N/A", "-", "5 000"),
        "last_review": ("2025/03/01", "2025-13-45", "N/A", "2025年6月1日"),  # dates as text
        "credit_report_date": ("N/A", "2024.02.30"),
        "customer_id": (123456.0, 98765.0),  # IDs as numbers
        "uscc": (9.13101e17, 91310100123456.0),
        "status": ("N/A", "通过"),
        "risk_level": ("N/A",),
        "phone": (13812345678.0, "N/A"),
        "founded": ("N/A", 45000.0),
        "score_financial": ("八十", "85"),
    }
    for k, (key, typed) in enumerate(plants.items()):
        for j, row in enumerate(range(3 + k * 7, len(ledger), 97)):
            ledger.at[row, key] = typed[j % len(typed)]
    for j, row in enumerate(range(5, len(credentials), 89)):
        credentials.at[row, "expires"] = ("2027-01-01", "N/A", "长期")[j % 3]
    for row in range(11, len(credentials), 151):
        credentials.at[row, "doc_number"] = 110105198001011234.0
    for j, row in enumerate(range(7, len(reviews), 83)):
        reviews.at[row, "review_date"] = ("2025/01/02", "N/A")[j % 2]
    return LedgerContent(ledger, credentials, reviews)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The planted ledger, with formulas typed over in the ledger sheet's XML."""
    from xlsxwriter.utility import xl_col_to_name

    from ledger_xl.core.defaults import DEFAULT_RULES
    from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

    from .helpers import replace_cell, rewrite_sheet_xml

    built = build_ledger_workbook(
        tmp_path_factory.mktemp("planted") / "台账.xlsx",
        _planted_content(),
        options=BuildOptions(cache_date=AS_OF, spare_rows=20),
    )
    keys = [f.key for f in DEFAULT_RULES.fields]
    overwritten = [
        (key, row)
        for k, key in enumerate(("composite_score", "grade", "next_review", "due_flag"))
        for row in range(10 + k, MID_SIZE, 211)
    ]

    def type_over(xml: str) -> str:
        for key, row in overwritten:
            ref = f"{xl_col_to_name(keys.index(key))}{row + 4}"
            xml = replace_cell(xml, ref, f'<c r="{ref}"><v>88</v></c>')
        return xml

    return rewrite_sheet_xml(built, "xl/worksheets/sheet1.xml", type_over)


@pytest.mark.slow
def test_fast_path_equals_a_plain_path_on_a_planted_mid_sized_ledger(planted):
    from ledger_xl.app.portfolio import load
    from ledger_xl.core import due, portfolio, summary

    # findings: calamine + the formula reader in a child, against openpyxl's cells
    from_file = validate_workbook(planted, as_of=AS_OF)
    reference = openpyxl_book(planted, doubles=True)
    codes = {f.code for f in from_file.findings}
    for planted_kind in (
        "number-as-text",
        "not-a-number",
        "date-as-text",
        "not-a-date",
        "id-stored-as-number",
        "value-not-allowed",
        "formula-overwritten",
    ):
        assert planted_kind in codes, planted_kind
    assert _as_data(validate_book(reference, AS_OF)) == _as_data(from_file)

    # due lists and summary tables: the commands' loader against the openpyxl book
    fast = load([planted], AS_OF, jobs=1)
    plain = portfolio.from_books([reference], AS_OF)
    assert len(fast.customers) == len(plain.customers) > 2_000
    fast_lists, plain_lists = due.portfolio_due(fast), due.portfolio_due(plain)
    for name in ("reviews", "waiting", "documents", "warnings"):
        assert len(fast_lists[name]), name
        assert due.records(fast_lists[name]) == due.records(plain_lists[name]), name
    fast_tables, plain_tables = summary.summary_tables(fast), summary.summary_tables(plain)
    assert fast_tables.keys() == plain_tables.keys()
    for name, table in fast_tables.items():
        pd.testing.assert_frame_equal(table, plain_tables[name], check_dtype=False, obj=name)

    # the vectorised parts against their slow obvious forms
    assert due.records(fast_lists["warnings"]) == due.records(_reference_warnings(fast))
    documents = reference.credentials.frame
    expires = values.dates(documents["expires"])
    assert schedule.renewed(
        expires, documents["customer_id"], documents["doc_type"]
    ).tolist() == _reference_renewed(expires, documents["customer_id"], documents["doc_type"])
    for column in reference.ledger.frame.columns:
        cells = reference.ledger.frame[column].tolist()
        assert portfolio._texts(cells).tolist() == [portfolio.text(v) for v in cells]
        assert [values.criterion_key(v) for v in cells] == [_criterion_key(v) for v in cells]
        assert [values.fold(v) for v in cells] == [_fold(v) for v in cells]


@pytest.mark.slow
def test_batch_duplicates_and_shared_ids_equal_their_plain_forms(planted, tmp_path):
    """Two copies of the planted ledger: every customer in two files."""
    import shutil

    from ledger_xl.app.portfolio import load
    from ledger_xl.app.validate import validate_paths
    from ledger_xl.core import portfolio
    from ledger_xl.core.validate import check_book, cross_file_duplicates
    from ledger_xl.io.read import read_book

    copy = tmp_path / "副本.xlsx"
    shutil.copy(planted, copy)
    paths = [planted, copy]
    batch = validate_paths(paths, AS_OF)
    results, claims = [], []
    for path in paths:
        result, identities = check_book(read_book(path), AS_OF, identities=True)
        results.append(result)
        claims.append(identities)
    cross_file_duplicates(results, claims)  # every identity, as before the pre-filter
    assert [_as_data(r) for r in batch.files] == [_as_data(r) for r in results]
    assert sum(f.code == "duplicate-customer-id" for r in results for f in r.findings) > 2_000

    both = load(paths, AS_OF, jobs=2)
    claimed = both.customers[both.customers["customer_id"] != ""]
    files = claimed.groupby("customer_id")[portfolio.FILE].unique()
    plain = {cid: sorted(f) for cid, f in files.items() if len(f) > 1}
    assert portfolio.shared_customer_ids(both) == plain and len(plain) > 2_000
    one = load([planted], AS_OF)
    assert portfolio.shared_customer_ids(one) == {}


def _reference_renewed(expires, customer_ids, doc_types) -> list[bool]:
    """A document renewed by a later one of its (客户编号, 证明类型), one row at a time."""
    ids = [_criterion_key(v) for v in customer_ids]
    kinds = [_criterion_key(v) for v in doc_types]
    latest: dict = {}
    for i, key in enumerate(zip(ids, kinds, strict=True)):
        if (key[0] and key[1] and not np.isnat(expires[i])) and (
            key not in latest or expires[i] > latest[key]
        ):
            latest[key] = expires[i]
    return [
        bool(key in latest and not np.isnat(expires[i]) and expires[i] < latest[key])
        for i, key in enumerate(zip(ids, kinds, strict=True))
    ]


def _criterion_key(value) -> str:
    if values.is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).casefold()


def _fold(value) -> str:
    if values.is_blank(value):
        return ""
    if isinstance(value, str):
        return value.casefold()
    return f"\x00{value!r}"


def _reference_warnings(data) -> pd.DataFrame:
    """risk_warnings one customer at a time (each row's rules and DataFrame lookups)."""
    from ledger_xl.core import due
    from ledger_xl.core.portfolio import FILE, grade_ranks

    customers, documents = data.customers, data.documents
    frame = customers[customers["status"] != layout.STATUS_INACTIVE].reset_index(drop=True)
    previous = due.previous_reviews(frame, data.reviews)
    expired = documents[documents["doc_status"] == layout.DOC_EXPIRED]
    year_ago = due.schedule.one_year_before(AS_OF)
    rows = []
    for i in range(len(frame)):
        own = data.rules_by_file.get(frame[FILE].iat[i], data.rules)
        score, before = frame["composite_score"].iat[i], previous["previous_score"].iat[i]
        rank = frame["grade_rank"].iat[i]
        before_rank = grade_ranks([previous["previous_grade"].iat[i]], own)[0]
        approved = frame["status"].iat[i] == layout.STATUS_APPROVED
        if score <= before - due.SCORE_DROP_POINTS:
            rows.append((i, due.WARN_SCORE_DROP))
        if rank > before_rank:
            rows.append((i, due.WARN_GRADE_DOWN))
        mine = expired[
            (expired[FILE] == frame[FILE].iat[i])
            & (expired["customer_id"] == frame["customer_id"].iat[i])
        ]
        if approved and len(mine):
            rows.append((i, due.WARN_EXPIRED_DOCUMENT))
        report = frame["credit_report_date"].iat[i]
        if approved and not pd.isna(report) and report.date() < year_ago:
            rows.append((i, due.WARN_STALE_REPORT))
        if approved and frame["grade"].iat[i] == own.scoring.fallback_grade:
            rows.append((i, due.WARN_WORST_GRADE))
    fast = due.risk_warnings(
        customers, documents, data.reviews, AS_OF, data.rules, None, data.rules_by_file
    )
    # the same (customer, warning) pairs in the same order, and the same words for each
    pairs = [(frame["customer_id"].iat[i], kind) for i, kind in rows]
    kinds = {k: n for n, k in enumerate(due.WARNING_KINDS)}
    order = sorted(
        range(len(pairs)),
        key=lambda n: (kinds[pairs[n][1]], frame["branch"].iat[rows[n][0]], pairs[n][0]),
    )
    assert [pairs[n] for n in order] == list(zip(fast["customer_id"], fast["warning"], strict=True))
    return fast
