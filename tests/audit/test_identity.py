"""A finding's identity: what it is about, never where it sits — it survives sorting the ledger
and inserting rows (real workbooks, validated and recorded)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ledger_xl.app import audit as audit_app
from ledger_xl.app.demo_data import generate_demo
from ledger_xl.app.validate import validate_paths
from ledger_xl.core import audit
from ledger_xl.core.findings import finding
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

AS_OF = dt.date(2026, 11, 23)
BRANCH = "广州分公司"


def _finding(**where):
    base = {"code": "email-invalid", "value": "a@@b", "file": "x.xlsx", "sheet": "台账"}
    base.update(where)
    code = base.pop("code")
    value = base.pop("value")
    return finding(code, value=value, **base)


def test_identity_ignores_cell_row_value_message_and_language():
    one = _finding(cell="K5", row=5, customer_id="GZ1", column="电子邮箱")
    other = finding(
        "email-invalid",
        lang="en",
        value="zz@@yy",
        file="y.xlsx",
        sheet="台账",
        cell="K90",
        row=90,
        customer_id="GZ1",
        column="电子邮箱",
    )
    assert audit.identity(one, BRANCH) == audit.identity(other, BRANCH)
    assert len(audit.identity(one, BRANCH).finding_id) == 12


@pytest.mark.parametrize(
    "change",
    [
        {"customer_id": "GZ2"},
        {"column": "联系电话"},
        {"sheet": "资信证明"},
        {"code": "phone-invalid"},
    ],
)
def test_identity_tells_apart_customer_column_sheet_and_code(change):
    where = {"cell": "K5", "row": 5, "customer_id": "GZ1", "column": "电子邮箱"}
    one = _finding(**where)
    other = _finding(**{**where, **change})
    assert audit.identity(one, BRANCH).finding_id != audit.identity(other, BRANCH).finding_id
    assert audit.identity(one, BRANCH) != audit.identity(one, "北京分公司")


def test_customer_ids_compare_trimmed_upper_case_and_full_width_folded():
    one = _finding(customer_id=" gz000１ ", column="电子邮箱")
    other = _finding(customer_id="GZ0001", column="电子邮箱")
    assert audit.identity(one, BRANCH) == audit.identity(other, BRANCH)


def test_what_has_no_customer_says_what_identifies_it():
    no_id = _finding(row=7, cell="A7", customer_id="", column="客户编号", code="required-missing")
    assert audit.identity(no_id, BRANCH).locator == "行7"
    unknown = finding("column-unknown", value="备用列", file="x.xlsx", sheet="台账", cell="AP3")
    other = finding("column-unknown", value="旧编号", file="x.xlsx", sheet="台账", cell="AQ3")
    assert audit.identity(unknown, BRANCH).locator == "备用列"
    assert audit.identity(unknown, BRANCH) != audit.identity(other, BRANCH)
    broken = finding("file-truncated", detail="x", file="x.xlsx")
    assert audit.identity(broken, BRANCH) == audit.Identity(BRANCH, "", "", "file-truncated", "")


def test_scope_is_the_branch_else_a_known_branch_in_the_name_else_the_name():
    known = {"广州分公司", "广州", "北京分公司"}
    assert audit.resolve_scope("x.xlsx", "上海分公司", known) == "上海分公司"
    assert audit.resolve_scope("广州分公司_2026年11月.xlsx", "", known) == "广州分公司"
    assert audit.resolve_scope("收到的文件.xlsx", "", known) == "收到的文件"


def test_fatal_codes_are_the_ones_that_stop_reading():
    assert {"file-truncated", "file-encrypted", "ledger-sheet-missing"} <= audit.FATAL_CODES
    assert "file-open-in-excel" not in audit.FATAL_CODES
    assert "rules-broken" not in audit.FATAL_CODES


# ---------------------------------------------------------------- real workbooks


@pytest.fixture(scope="module")
def branch_data():
    data = generate_demo(n_customers=120, as_of=AS_OF)
    ledger = data.ledger[data.ledger["branch"] == BRANCH].reset_index(drop=True)
    others = data.ledger[data.ledger["branch"] == "北京分公司"].head(3).copy()
    others["branch"] = BRANCH  # three customers moved in from another branch
    return data, ledger, others


def _content(data, ledger):
    ids = set(ledger["customer_id"])
    return LedgerContent(
        ledger,
        data.credentials[data.credentials["customer_id"].isin(ids)].reset_index(drop=True),
        data.reviews[data.reviews["customer_id"].isin(ids)].reset_index(drop=True),
    )


def test_identity_survives_sorting_and_inserted_rows(branch_data, tmp_path):
    data, ledger, others = branch_data
    before = tmp_path / "十月" / f"{BRANCH}.xlsx"
    after = tmp_path / "十一月" / f"{BRANCH}.xlsx"
    before.parent.mkdir()
    after.parent.mkdir()
    options = BuildOptions(cache_date=AS_OF)
    build_ledger_workbook(before, _content(data, ledger), options=options)
    # a month later: sorted by name descending, and three customers inserted at the top
    grown = pd.concat([others, ledger])
    changed = LedgerContent(
        pd.concat([others, ledger.sort_values("name", ascending=False)]).reset_index(drop=True),
        _content(data, grown).credentials,
        _content(data, grown).reviews,
    )
    build_ledger_workbook(after, changed, options=options)

    first, second = validate_paths([before], AS_OF), validate_paths([after], AS_OF)
    cells_first = {(f.code, f.customer_id): f.cell for f in first.files[0].findings}
    cells_second = {(f.code, f.customer_id): f.cell for f in second.files[0].findings}
    moved = [k for k in cells_first if k in cells_second and cells_first[k] != cells_second[k]]
    assert len(moved) >= len(cells_first) // 2  # the cells did move

    def ids(result):
        return {audit.identity(f, BRANCH).finding_id for f in result.files[0].findings}

    inserted = set(others["customer_id"])
    new_ids = ids(second) - ids(first)
    assert ids(first) <= ids(second)
    assert all(
        f.customer_id in inserted
        for f in second.files[0].findings
        if audit.identity(f, BRANCH).finding_id in new_ids
    )

    # recorded as two runs: nothing fixed, nothing new but the inserted rows' findings
    db = tmp_path / "稽核档案.sqlite"
    for result, path in ((first, before), (second, after)):
        audit_app.Recorder(db, [path]).record(result, AS_OF)
    table = audit_app.status(db, AS_OF).table
    assert set(table[table["status"] == audit.STATUS_OPEN]["finding_id"]) == ids(first)
    assert set(table[table["status"] == audit.STATUS_NEW]["finding_id"]) == new_ids
    assert (table["status"] != audit.STATUS_FIXED).all()
