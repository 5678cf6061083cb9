"""Row checks on the ledger: conditional requirements, uniqueness, consistency with 基准日.

Codes: conditional-missing, duplicate-customer-id, duplicate-uscc, date-after-as-of,
approved-grade-d, credit-report-stale.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from ledger_xl.core import layout, schedule, values
from ledger_xl.core.checks.cells import BLANK, kinds
from ledger_xl.core.checks.context import CheckContext, emits

APPROVED, REJECTED = layout.STATUS_APPROVED, layout.STATUS_REJECTED
MAX_OTHERS = 3


def _status(ctx: CheckContext) -> np.ndarray:
    if "status" not in ctx.ledger.columns:
        return np.full(len(ctx.ledger.frame), "", dtype=object)
    return ctx.memo("ledger_status_texts", lambda: values.texts(ctx.ledger.frame["status"]))


@emits("conditional-missing")
def check_conditional_presence(ctx: CheckContext) -> None:
    """审核通过 / 审核未通过 need the review date, reviewer and every score; 未通过 an opinion."""
    status = _status(ctx)
    decided = (status == APPROVED) | (status == REJECTED)
    needed = [
        "last_review",
        "reviewer",
        *(
            ctx.rules.fields[[f.header for f in ctx.rules.fields].index(d.column)].key
            for d in ctx.rules.scoring.dimensions
        ),
    ]
    for key in needed:
        if key not in ctx.ledger.columns:
            continue
        blank = kinds(ctx.ledger.frame[key].tolist()) == BLANK
        for i in ctx.rows_where(decided & blank):
            ctx.emit("conditional-missing", ctx.ledger, i, key, detail=f"审核状态为“{status[i]}”")
    if "opinion" in ctx.ledger.columns:
        blank = kinds(ctx.ledger.frame["opinion"].tolist()) == BLANK
        for i in ctx.rows_where((status == REJECTED) & blank):
            ctx.emit(
                "conditional-missing", ctx.ledger, i, "opinion", detail=f"审核状态为“{REJECTED}”"
            )


def duplicate_groups(keys: list[str | None]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key:
            groups[key].append(i)
    return {k: rows for k, rows in groups.items() if len(rows) > 1}


def normalised_ids(ctx: CheckContext, key: str) -> list[str | None]:
    """Identifier text as compared for uniqueness: trimmed, upper case; None when blank.
    Computed once per workbook (uniqueness and the batch's cross-file check both use it)."""
    return ctx.memo(("ids", key), lambda: _normalise_ids(ctx, key))


def _normalise_ids(ctx: CheckContext, key: str) -> list[str | None]:
    if key not in ctx.ledger.columns:
        return [None] * len(ctx.ledger.frame)
    out = []
    for used, value in zip(ctx.used, ctx.ledger.frame[key].tolist(), strict=True):
        if not used or values.is_blank(value):
            out.append(None)
        elif isinstance(value, float) and value.is_integer():
            out.append(str(int(value)))
        else:
            out.append(str(value).strip().upper())
    return out


@emits("duplicate-customer-id", "duplicate-uscc")
def check_uniqueness(ctx: CheckContext) -> None:
    for key, code in (("customer_id", "duplicate-customer-id"), ("uscc", "duplicate-uscc")):
        ids = normalised_ids(ctx, key)
        for value, rows in duplicate_groups(ids).items():
            for i in rows:
                others = [
                    f"{ctx.ledger.sheet}!{ctx.cell(ctx.ledger, j, key)}" for j in rows if j != i
                ]
                more = f" 等 {len(others)} 处" if len(others) > MAX_OTHERS else ""
                ctx.emit(
                    code,
                    ctx.ledger,
                    i,
                    key,
                    value=value,
                    detail="、".join(others[:MAX_OTHERS]) + more,
                )


@emits("date-after-as-of", "credit-report-stale", "approved-grade-d")
def check_consistency(ctx: CheckContext) -> None:
    frame = ctx.ledger.frame
    as_of = np.datetime64(ctx.as_of, "D")
    for key in ("last_review", "founded", "submitted", "approval_date"):
        if key in ctx.ledger.columns:
            days = values.dates(frame[key])
            for i in ctx.rows_where(~np.isnat(days) & (days > as_of)):
                ctx.emit(
                    "date-after-as-of",
                    ctx.ledger,
                    i,
                    key,
                    value=days[i].astype(dt.date),
                    detail=ctx.as_of.isoformat(),
                )
    if "credit_report_date" in ctx.ledger.columns:
        report = values.dates(frame["credit_report_date"])
        year_ago = np.datetime64(schedule.one_year_before(ctx.as_of), "D")
        for i in ctx.rows_where(~np.isnat(report) & (report < year_ago)):
            ctx.emit(
                "credit-report-stale",
                ctx.ledger,
                i,
                "credit_report_date",
                value=report[i].astype(dt.date),
            )
    _approved_grade_d(ctx)


def _approved_grade_d(ctx: CheckContext) -> None:
    if not {"customer_id", "name", "status"} <= set(ctx.ledger.columns):
        return
    scored = ctx.scores()
    worst = ctx.rules.scoring.fallback_grade
    grade = scored["grade"].to_numpy()
    key = "grade" if "grade" in ctx.ledger.columns else "status"
    for i in ctx.rows_where((_status(ctx) == APPROVED) & (grade == worst)):
        ctx.emit("approved-grade-d", ctx.ledger, i, key, value=worst)
