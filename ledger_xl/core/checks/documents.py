"""Checks on 资信证明 and 审核记录, and how they agree with the ledger.

Codes: the cell codes on both tables, resident-id-invalid, id-stored-as-number, uscc-*,
approved-expired-document, last-review-mismatch, unknown-customer.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ledger_xl.core import layout, values
from ledger_xl.core.book import Table
from ledger_xl.core.checks import cells
from ledger_xl.core.checks.context import CheckContext, emits
from ledger_xl.core.checks.rows import APPROVED
from ledger_xl.core.identifiers import resident_id_problems
from ledger_xl.core.rules import FieldRule, FieldType

ID_CARD = "法定代表人身份证"
LICENCE = "营业执照"
ID_REASONS = {
    "length": "应为18位",
    "charset": "含有数字和末位 X 以外的字符",
    "birthdate": "出生日期不存在",
    "check": "校验位错误，请核对证件",
}
_SCORE_KEYS = {
    "score_financial",
    "score_credit",
    "score_history",
    "score_reputation",
    "composite_score",
}


def side_rule(column: layout.Column, allowed: tuple[str, ...] | None = None) -> FieldRule:
    """A side-table column as a field rule, so the ledger's cell checks apply to it
    (`allowed` overrides the column's list, e.g. the workbook's own approval levels)."""
    kind = {"date": FieldType.DATE, "number": FieldType.NUMBER, "choice": FieldType.CHOICE}.get(
        column.kind, FieldType.TEXT
    )
    bounds = {"minimum": 0, "maximum": 100} if column.key in _SCORE_KEYS else {}
    if column.key == "credit_limit":
        bounds = {"minimum": 0}
    return FieldRule(
        key=column.key,
        header=column.header,
        type=kind,
        allowed=column.allowed if allowed is None else allowed,
        required=column.key == "customer_id",
        **bounds,
    )


def _check_side_cells(ctx: CheckContext, table: Table, columns, skip: set[str]) -> None:
    for column in columns:
        if column.kind != "formula" and column.key in table.columns and column.key not in skip:
            allowed = ctx.rules.approval.names if column.key == "approval_level" else None
            cells.check_column(ctx, table, side_rule(column, allowed))


@emits("resident-id-invalid", "approved-expired-document", "unknown-customer")
def check_credentials(ctx: CheckContext) -> None:
    table = ctx.credentials
    if table is None or not len(table.frame):
        return
    _check_side_cells(ctx, table, layout.CREDENTIAL_COLUMNS, skip={"doc_number"})
    if {"doc_type", "doc_number"} <= set(table.columns):
        _document_numbers(ctx, table)
    _unknown_customers(ctx, table)
    _approved_expired(ctx, table)


def _document_numbers(ctx: CheckContext, table: Table) -> None:
    kinds_ = table.frame["doc_type"].tolist()
    numbers = table.frame["doc_number"].tolist()
    licences = pd.Series(
        [
            n if t == LICENCE and isinstance(n, str) else None
            for t, n in zip(kinds_, numbers, strict=True)
        ],
        dtype=object,
    )
    cells.check_uscc(ctx, table, "doc_number", licences)
    rows = [
        i
        for i, (kind, number) in enumerate(zip(kinds_, numbers, strict=True))
        if kind in (ID_CARD, LICENCE) and not values.is_blank(number)
    ]
    as_number = {
        i for i in rows if isinstance(numbers[i], int | float) and not isinstance(numbers[i], bool)
    }
    id_cards = [i for i in rows if i not in as_number and kinds_[i] == ID_CARD]
    reasons = dict(
        zip(
            id_cards,
            resident_id_problems([str(numbers[i]).strip() for i in id_cards]),
            strict=True,
        )
    )
    for i in rows:
        number = numbers[i]
        if i in as_number:
            ctx.emit("id-stored-as-number", table, i, "doc_number", value=f"{number:.5E}")
        elif reason := reasons.get(i):
            ctx.emit(
                "resident-id-invalid",
                table,
                i,
                "doc_number",
                value=number,
                detail=ID_REASONS[reason],
            )


def customer_keys(cells: list) -> list[str | None]:
    """Each 客户编号 as the side tables match it with the ledger: `str(v).strip()`, None for
    a blank cell (text of white space only included: the cell checks call it missing, so it
    is no customer the ledger lacks; other values through `values.is_blank`)."""
    out: list[str | None] = []
    for v in cells:
        if type(v) is str:
            out.append(v.strip() or None)  # white space only is blank (required-missing)
        else:
            out.append(None if values.is_blank(v) else str(v).strip())
    return out


def _customer_keys(ctx: CheckContext, table: Table) -> list[str | None]:
    """`customer_keys` of the table's 客户编号 column, once per check run."""
    return ctx.memo(
        ("customer_keys", id(table)),
        lambda: customer_keys(table.frame["customer_id"].tolist()),
    )


def _ledger_ids(ctx: CheckContext) -> set[str]:
    if "customer_id" not in ctx.ledger.columns:
        return set()
    return ctx.memo("ledger_ids", lambda: set(_customer_keys(ctx, ctx.ledger)) - {None})


def _unknown_customers(ctx: CheckContext, table: Table) -> None:
    if "customer_id" not in table.columns or "customer_id" not in ctx.ledger.columns:
        return
    known = _ledger_ids(ctx)
    cells = table.frame["customer_id"].tolist()
    for i, key in enumerate(_customer_keys(ctx, table)):
        if key is not None and key not in known:
            ctx.emit(
                "unknown-customer", table, i, "customer_id", value=cells[i], detail=table.sheet
            )


def _approved_expired(ctx: CheckContext, table: Table) -> None:
    """An approved customer whose newest document of some type has expired."""
    needed = {"customer_id", "doc_type", "expires"}
    if not needed <= set(table.columns) or not {"customer_id", "status"} <= set(ctx.ledger.columns):
        return
    approved = {
        str(c).strip()
        for c, s in zip(ctx.ledger.frame["customer_id"], ctx.ledger.frame["status"], strict=True)
        if s == APPROVED and not values.is_blank(c)
    }
    expires = values.dates(table.frame["expires"])
    customers = np.array(_customer_keys(ctx, table), dtype=object)
    kinds_ = np.array(values.map_cells(table.frame["doc_type"].tolist(), str), dtype=object)
    # the newest document of each (customer, type): the first row with the latest 有效期至
    rows = np.flatnonzero(~np.isnat(expires) & (customers != None))  # noqa: E711 - elementwise
    if not len(rows):
        return
    who = pd.factorize(customers[rows])[0]  # texts only: equal codes for equal texts
    what = pd.factorize(kinds_[rows])[0]
    group = who.astype(np.int64) * (int(what.max()) + 1) + what
    days = expires[rows].astype(np.int64)
    order = np.lexsort((rows, -days, group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    newest = np.sort(rows[order[first]])
    as_of = np.datetime64(ctx.as_of, "D")
    held = np.fromiter(map(approved.__contains__, customers[newest]), dtype=bool, count=len(newest))
    for i in newest[held & (expires[newest] < as_of)].tolist():
        ctx.emit(
            "approved-expired-document",
            table,
            i,
            "expires",
            value=expires[i].astype(dt.date),
            detail=kinds_[i],
        )


@emits("last-review-mismatch")
def check_reviews(ctx: CheckContext) -> None:
    table = ctx.reviews
    if table is None or not len(table.frame):
        return
    _check_side_cells(ctx, table, layout.REVIEW_COLUMNS, skip=set())
    _unknown_customers(ctx, table)
    if not {"customer_id", "review_date"} <= set(table.columns) or not {
        "customer_id",
        "last_review",
    } <= set(ctx.ledger.columns):
        return
    reviewed = values.dates(table.frame["review_date"])
    keys = np.array(_customer_keys(ctx, table), dtype=object)
    dated = ~np.isnat(reviewed) & (keys != None)  # noqa: E711 - elementwise
    if not dated.any():
        return
    # the latest review of each 客户编号, looked up for each ledger row
    newest = pd.Series(reviewed[dated]).groupby(keys[dated]).max()
    ids = np.array(_customer_keys(ctx, ctx.ledger), dtype=object)
    known = ids != None  # noqa: E711 - elementwise
    at = newest.index.get_indexer(pd.Index(np.where(known, ids, ""), dtype=object))
    latest = np.where(at >= 0, newest.to_numpy("datetime64[D]")[at], np.datetime64("NaT"))
    last = values.dates(ctx.ledger.frame["last_review"])
    differs = known & ~np.isnat(latest) & ~np.isnat(last) & (last != latest)
    for i in np.flatnonzero(differs).tolist():
        ctx.emit(
            "last-review-mismatch",
            ctx.ledger,
            i,
            "last_review",
            value=last[i].astype(dt.date),
            detail=latest[i].astype(dt.date).isoformat(),
        )
