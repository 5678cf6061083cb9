"""Control checks: the credit department's rules (准入标准, 审批权限, 授信标准, 评分细则) kept by
every customer, with what they computed in `ledger_xl.core.controls`.

Codes: approved-not-admissible, credit-limit-exceeded, score-off-rubric (admission and limits);
approval-missing, approval-out-of-order, approval-wrong-level, reviewer-conflict (approval);
licence-mismatch (营业执照 against the ledger); limit-not-adjusted, early-review (since the
previous review). A control whose columns the workbook lacks (an older template) is skipped.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ledger_xl.core import controls, layout, values
from ledger_xl.core.checks.context import CheckContext, emits
from ledger_xl.core.portfolio import FILE, enrich_reviews, grade_ranks, text

APPROVED = layout.STATUS_APPROVED


def _status(ctx: CheckContext) -> np.ndarray:
    """审核状态 as text comparisons see it (once per run: read, never written to)."""
    return ctx.memo(
        "status_texts", lambda: values.texts(controls.column(ctx.full_ledger(), "status"))
    )


def _credentials(ctx: CheckContext) -> pd.DataFrame | None:
    return None if ctx.credentials is None else ctx.credentials.frame


def _emit(ctx: CheckContext, problem: controls.Problem) -> None:
    table = {"ledger": ctx.ledger, "reviews": ctx.reviews, "credentials": ctx.credentials}[
        problem.table
    ]
    ctx.emit(
        problem.code,
        table,
        problem.row,
        problem.key,
        value=problem.value,
        allowed=problem.allowed,
        detail=problem.detail,
    )


@emits("approved-not-admissible", "credit-limit-exceeded", "score-off-rubric")
def check_admission_and_limits(ctx: CheckContext) -> None:
    """Every 审核通过 customer meets 准入标准 (each unmet condition is a finding); no
    信用额度 above 额度上限; typed dimension scores near the rubrics' suggestions."""
    ledger, computed = ctx.full_ledger(), ctx.computed()
    status = _status(ctx)
    approved = ctx.rows_where(status == APPROVED)
    if len(approved):
        every = ctx.admission()  # found with 准入检查's twin (conditions are row by row)
        if every is not None:
            conditions = [every[i] for i in approved]
        else:
            conditions = controls.admission_conditions(
                ledger.iloc[approved],
                computed.iloc[approved],
                _credentials(ctx),
                ctx.rules,
                ctx.as_of,
                ctx.documents(),
            )
        where = "admission_check" if "admission_check" in ctx.ledger.columns else "customer_id"
        # Without a 资信证明 table (a book of ledger rows only, as the add-in's row check
        # builds) documents cannot be judged: not reported as missing.
        no_documents = ctx.credentials is None
        for i, unmet in zip(approved, conditions, strict=True):
            for condition in unmet:
                if no_documents and condition.kind in ("id", "document"):
                    continue
                ctx.emit(
                    "approved-not-admissible",
                    ctx.ledger,
                    i,
                    condition.key or where,
                    detail=condition.detail,
                )
    active = status != layout.STATUS_INACTIVE
    _limits(ctx, ledger, computed, active)
    _rubrics(ctx, ledger, computed, active)


def _limits(ctx: CheckContext, ledger: pd.DataFrame, computed: pd.DataFrame, active) -> None:
    rules = ctx.rules
    if not rules.has("credit_limit") or "credit_limit" not in ctx.ledger.columns:
        return
    grades = np.asarray(computed["grade"], dtype=object)
    caps = controls.credit_caps(ledger, grades, rules)
    limits = values.numbers(ledger["credit_limit"])
    with np.errstate(invalid="ignore"):
        over = limits > caps
    revenue = values.numbers(controls.column(ledger, "revenue"))
    assets = values.numbers(controls.column(ledger, "total_assets"))
    credit = rules.credit
    for i in ctx.rows_where(over & active):
        basis = [f"评级 {grades[i]} 最高 {values.excel_text(credit.cap_for(grades[i]))} 万元"]
        for key, share, figure, name in (
            ("revenue", credit.revenue_share, revenue[i], "营业收入"),
            ("total_assets", credit.assets_share, assets[i], "资产总额"),
        ):
            if share is not None and rules.has(key) and not np.isnan(figure):
                basis.append(f"{name}的 {share:.0%} 为 {figure * share:,.2f} 万元")
        ctx.emit(
            "credit-limit-exceeded",
            ctx.ledger,
            i,
            "credit_limit",
            value=limits[i],
            allowed=values.excel_text(caps[i]),
            detail="；".join(basis),
        )


def _rubrics(ctx: CheckContext, ledger: pd.DataFrame, computed: pd.DataFrame, active) -> None:
    suggestions = controls.suggested_scores(ledger, computed, ctx.rules)
    if not len(suggestions.columns):
        return
    found = controls.deviations(ledger, suggestions, ctx.rules)
    tolerance = values.excel_text(ctx.rules.rubrics.tolerance)
    for i in ctx.rows_where(active):
        for deviation in found[i]:
            ctx.emit(
                "score-off-rubric",
                ctx.ledger,
                i,
                deviation.key,
                value=deviation.typed,
                allowed=values.excel_text(deviation.suggested),
                detail=tolerance,
            )


@emits("approval-missing", "approval-out-of-order", "approval-wrong-level", "reviewer-conflict")
def check_approvals(ctx: CheckContext) -> None:
    """Approval by the levels 审批权限 requires, in order (审核记录's approval rows of the
    review), and the segregation of duties (审核人 ≠ 客户经理 ≠ 审批人)."""
    ledger = ctx.full_ledger()
    reviews = ctx.reviews.frame if ctx.reviews is not None else None
    index = controls.ApprovalIndex(reviews, ctx.rules)
    status = _status(ctx)
    required = controls.required_levels(ledger, ctx.rules)
    approved = ctx.rows_where(status == APPROVED)
    for problem in controls.approval_problems(ledger, approved, required, index, ctx.rules):
        _emit(ctx, problem)
    active = ctx.rows_where(status != layout.STATUS_INACTIVE)
    for problem in controls.segregation_problems(ledger, active, index, ctx.rules):
        _emit(ctx, problem)


@emits("licence-mismatch")
def check_licences(ctx: CheckContext) -> None:
    """The customer's current 营业执照 in 资信证明 carries the ledger's USCC and name."""
    for problem in controls.licence_problems(ctx.full_ledger(), _credentials(ctx), ctx.used):
        _emit(ctx, problem)


@emits("limit-not-adjusted", "early-review")
def check_review_signals(ctx: CheckContext) -> None:
    """Against the previous review in 审核记录: a worse grade with the same 信用额度; a risk
    signal that should bring the next review forward (提前复审)."""
    from ledger_xl.core import due

    ledger, computed = ctx.full_ledger(), ctx.computed()
    status = _status(ctx)
    approved = (status == APPROVED) & ctx.used
    if not approved.any():
        return
    customers = pd.DataFrame(
        {
            FILE: "",
            "customer_id": [text(v) for v in controls.column(ledger, "customer_id")],
            "last_review": values.dates(controls.column(ledger, "last_review")),
        }
    )
    if ctx.reviews is not None and len(ctx.reviews.frame):
        reviews = enrich_reviews(ctx.reviews.frame, keys=due.PREVIOUS_REVIEW_KEYS)
        previous = due.previous_reviews(customers, reviews)
    else:
        previous = due.previous_reviews(customers, enrich_reviews(None))
    rules = ctx.rules
    grades = np.asarray(computed["grade"], dtype=object)
    limits = values.numbers(controls.column(ledger, "credit_limit"))
    if rules.has("credit_limit"):
        stuck = controls.limit_not_adjusted(
            approved,
            grade_ranks(grades, rules),
            grade_ranks(previous["previous_grade"], rules),
            limits,
            previous["previous_limit"].to_numpy(dtype=float),
        )
        for i in np.flatnonzero(stuck):
            ctx.emit(
                "limit-not-adjusted",
                ctx.ledger,
                i,
                "credit_limit",
                value=limits[i],
                detail=f"评级由 {previous['previous_grade'].iat[i]} 降为 {grades[i]}",
            )
    mask, reasons, early = controls.early_review(
        approved,
        np.asarray(computed["composite_score"], dtype=float),
        previous["previous_score"].to_numpy(dtype=float),
        values.texts(controls.column(ledger, "dishonest")),
        values.numbers(controls.column(ledger, "litigation_count")),
        customers["last_review"].to_numpy(),
        np.asarray(computed["next_review"], dtype="datetime64[D]"),
        rules,
    )
    nxt = np.asarray(computed["next_review"], dtype="datetime64[D]")
    for i in np.flatnonzero(mask):
        by = early[i].astype(dt.date).isoformat()
        ctx.emit(
            "early-review",
            ctx.ledger,
            i,
            "next_review",
            value=nxt[i].astype(dt.date),
            detail=f"{reasons[i]}，应于 {by} 前复审",
        )
