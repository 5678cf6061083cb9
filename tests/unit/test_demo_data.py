from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from ledger_xl.app.demo_data import (
    DEFAULT_AS_OF,
    MIN_CUSTOMERS,
    DemoData,
    PlantedMistake,
    generate_demo,
)
from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_CYCLES, DEFAULT_FIELDS
from ledger_xl.core.identifiers import looks_like_mangled_id, resident_id_problem, uscc_problem
from ledger_xl.core.rules import FORMATS, REGEX_PREFIX, FieldType

AS_OF = DEFAULT_AS_OF
SCORES = ("score_financial", "score_credit", "score_history", "score_reputation")
WEIGHTS = (Decimal("0.3"), Decimal("0.3"), Decimal("0.2"), Decimal("0.2"))
REVIEWED = ("审核通过", "审核未通过", "已停用")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo()


# --- independent re-implementations of the rules the sample must follow ------------------


def composite(scores) -> float:
    total = sum(Decimal(str(s)) * w for s, w in zip(scores, WEIGHTS, strict=True))
    return float(total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def grade(score: float) -> str:
    return "A" if score >= 85 else "B" if score >= 70 else "C" if score >= 60 else "D"


def edate(day: date, months: int) -> date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def planted_keys(demo: DemoData, table: str, key: str) -> set[str]:
    return {p.customer_id for p in demo.planted if p.table == table and p.key == key}


def planted_customers(demo: DemoData) -> set[str]:
    return {p.customer_id for p in demo.planted}


def clean_ledger(demo: DemoData) -> pd.DataFrame:
    return demo.ledger[~demo.ledger.customer_id.isin(planted_customers(demo))]


def review_rows(demo: DemoData) -> pd.DataFrame:
    """The reviews of 审核记录 (approval rows, which carry a 审批级别, left out)."""
    return demo.reviews[demo.reviews.approval_level.isna()]


def approval_rows(demo: DemoData) -> pd.DataFrame:
    return demo.reviews[demo.reviews.approval_level.notna()]


def newest_reviews(demo: DemoData) -> pd.DataFrame:
    reviews = review_rows(demo).sort_values(["customer_id", "review_date"], kind="stable")
    return reviews.groupby("customer_id").tail(1).set_index("customer_id")


# --- shape and types --------------------------------------------------------------------


def test_same_seed_gives_the_same_sample(demo):
    again = generate_demo()
    pd.testing.assert_frame_equal(demo.ledger, again.ledger)
    pd.testing.assert_frame_equal(demo.credentials, again.credentials)
    pd.testing.assert_frame_equal(demo.reviews, again.reviews)
    assert demo.planted == again.planted


def test_another_seed_gives_another_sample(demo):
    other = generate_demo(seed=7)
    assert not demo.ledger.equals(other.ledger)


def test_columns_follow_rules_and_layout(demo):
    assert list(demo.ledger.columns) == [f.key for f in DEFAULT_FIELDS if f.is_input]
    credential_keys = [c.key for c in layout.CREDENTIAL_COLUMNS if c.kind != "formula"]
    assert list(demo.credentials.columns) == credential_keys
    assert list(demo.reviews.columns) == [c.key for c in layout.REVIEW_COLUMNS]
    assert len(demo.ledger) == 360


@pytest.mark.parametrize("table", ["ledger", "credentials", "reviews"])
def test_cells_are_plain_python_values(demo, table):
    frame = getattr(demo, table)
    assert all(dtype is object or dtype == "object" for dtype in frame.dtypes)
    kinds = Counter(type(v) for column in frame.columns for v in frame[column])
    assert set(kinds) <= {str, float, date, type(None)}, kinds
    assert not any(isinstance(v, float) and v != v for col in frame for v in frame[col])


def test_small_samples_are_refused_and_others_work():
    with pytest.raises(ValueError):
        generate_demo(n_customers=MIN_CUSTOMERS - 1)
    small = generate_demo(n_customers=MIN_CUSTOMERS, seed=3, as_of=date(2025, 6, 30))
    assert len(small.ledger) == MIN_CUSTOMERS
    assert len(planted_customers(small)) >= 20


def test_branches(demo):
    assert len(demo.branches) in (4, 5)
    assert set(demo.ledger.branch) == set(demo.branches)
    pairs = set(zip(demo.ledger.branch, demo.ledger.customer_id.str[:2], strict=True))
    assert len(pairs) == len(demo.branches)  # one code per branch


# --- identifiers and formats ------------------------------------------------------------


def test_customer_ids_unique_except_the_planted_duplicate(demo):
    counts = demo.ledger.customer_id.value_counts()
    duplicated = set(counts[counts > 1].index)
    assert duplicated == planted_keys(demo, "ledger", "customer_id")
    assert counts.max() == 2
    pattern = re.compile(r"^[A-Z]{2}\d{6}$")
    assert all(pattern.match(cid) for cid in demo.ledger.customer_id)


def test_usccs_valid_and_unique_unless_planted(demo):
    bad = planted_keys(demo, "ledger", "uscc")
    clean = demo.ledger[~demo.ledger.customer_id.isin(bad)]
    assert all(uscc_problem(code) is None for code in clean.uscc)
    assert clean.uscc.is_unique
    assert all(re.match(FORMATS["统一社会信用代码"], code) for code in clean.uscc)
    assert all(code.startswith("91") for code in clean.uscc)
    reasons = {uscc_problem(v) for v in demo.ledger.uscc} - {None}
    assert reasons == {"check", "charset"}


def test_business_licences_carry_valid_codes(demo):
    licences = demo.credentials[demo.credentials.doc_type == "营业执照"]
    assert len(licences) > 300
    assert all(uscc_problem(code) is None for code in licences.doc_number)


def test_resident_ids_valid_unless_planted(demo):
    bad = planted_keys(demo, "credentials", "doc_number")
    ids = demo.credentials[demo.credentials.doc_type == "法定代表人身份证"]
    clean = ids[~ids.customer_id.isin(bad)]
    assert len(clean) > 250
    assert all(resident_id_problem(n) is None for n in clean.doc_number)
    assert any(n.endswith("X") for n in clean.doc_number)
    planted = ids[ids.customer_id.isin(bad)].doc_number
    assert {type(v) for v in planted} == {str, float}


def test_names_are_unique_and_plausible(demo):
    assert demo.ledger.name.is_unique
    assert all(re.search(r"(股份)?有限公司$", name) for name in demo.ledger.name)
    for column in ("contact", "account_manager"):
        assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", v) for v in demo.ledger[column])


def test_phones_and_emails_match_the_formats_unless_planted(demo):
    ledger = clean_ledger(demo)
    phones = ledger.phone
    assert all(re.match(FORMATS["手机或座机"], p) for p in phones)
    assert 0.6 < phones.str.match(r"^1\d{10}$").mean() < 0.95  # mostly mobiles
    emails = ledger.email.dropna()
    assert all(re.match(FORMATS["电子邮箱"], e) for e in emails)
    assert len(emails) > 0.7 * len(ledger)


def test_clean_rows_satisfy_the_field_rules(demo):
    ledger = clean_ledger(demo)
    for f in DEFAULT_FIELDS:
        if not f.is_input:
            continue
        values = ledger[f.key]
        if f.required:
            assert values.notna().all(), f.key
        present = values.dropna()
        if f.allowed:
            assert set(present) <= set(f.allowed), f.key
        if f.format.startswith(REGEX_PREFIX):
            assert all(re.match(f.format[len(REGEX_PREFIX) :], v) for v in present), f.key
        if f.type in (FieldType.NUMBER, FieldType.SCORE):
            assert all(type(v) is float for v in present), f.key
            low = -float("inf") if f.minimum is None else f.minimum
            high = float("inf") if f.maximum is None else f.maximum
            assert all(low <= v <= high for v in present), f.key
        if f.type is FieldType.DATE:
            assert all(type(v) is date and v <= AS_OF for v in present), f.key


def test_numbers_are_in_plausible_ranges(demo):
    ledger = clean_ledger(demo)
    assert ledger.registered_capital.between(100, 50_000).all()
    assert ledger.external_credit.between(300, 950).all()
    assert ledger.coop_years.between(0, 15).all()
    ratio = ledger.total_liabilities / ledger.total_assets
    assert ratio.between(0.2, 0.9).mean() > 0.8


# --- categories, statuses, scores -------------------------------------------------------


def test_every_risk_category_combination_occurs(demo):
    combos = set(zip(demo.ledger.risk_level, demo.ledger.category, strict=True))
    expected = {(r, c) for r in DEFAULT_CYCLES.risk_levels for c in DEFAULT_CYCLES.categories}
    assert combos == expected
    assert 0.2 < (demo.ledger.category == "重要").mean() < 0.4


def test_statuses_and_stages_are_consistent(demo):
    ledger = clean_ledger(demo)
    assert set(ledger.status) == {"审核通过", "审核未通过", "待审核", "审核中", "已停用"}
    assert (ledger.status == "审核通过").mean() > 0.5
    decided = ledger[ledger.status.isin(["审核通过", "审核未通过"])]
    assert (decided.stage == "终审").all()
    pending = ledger[ledger.status == "待审核"]
    assert pending.last_review.isna().all() and pending[list(SCORES)].isna().all().all()
    rejected = ledger[ledger.status == "审核未通过"]
    assert rejected.opinion.notna().all()
    in_review = ledger[ledger.status == "审核中"]
    assert set(in_review.stage) <= {"初筛", "深度评估"}


def test_all_grades_occur_and_approved_customers_are_not_d(demo):
    ledger = clean_ledger(demo)
    scored = ledger.dropna(subset=list(SCORES))
    grades = {grade(composite(row)) for row in scored[list(SCORES)].itertuples(index=False)}
    assert grades == {"A", "B", "C", "D"}
    approved = scored[scored.status == "审核通过"]
    assert all(grade(composite(r)) != "D" for r in approved[list(SCORES)].itertuples(index=False))


def test_boundary_composites_are_included(demo):
    scored = demo.ledger.dropna(subset=list(SCORES))
    rows = [tuple(r) for r in scored[list(SCORES)].itertuples(index=False)]
    raw = {sum(Decimal(str(s)) * w for s, w in zip(r, WEIGHTS, strict=True)) for r in rows}
    for value in ("84.95", "85", "70", "69.95", "60", "59.94"):
        assert Decimal(value) in raw, value
    assert any(s != int(s) for r in rows for s in r if s is not None)  # some one-decimal scores


def test_some_scores_are_partly_filled_in(demo):
    in_review = demo.ledger[demo.ledger.status == "审核中"]
    filled = in_review[list(SCORES)].notna().sum(axis=1)
    assert ((filled > 0) & (filled < 4)).any()


# --- review history ---------------------------------------------------------------------


def test_newest_review_matches_the_ledger(demo):
    newest = newest_reviews(demo)
    ledger = clean_ledger(demo)
    assert ledger[ledger.status.isin(REVIEWED)].last_review.notna().all()
    reviewed = ledger[ledger.last_review.notna()]
    assert len(reviewed) > 250
    for row in reviewed.itertuples(index=False):
        review = newest.loc[row.customer_id]
        assert review.review_date == row.last_review, row.customer_id
        assert review.reviewer == row.reviewer
        assert tuple(review[k] for k in SCORES) == tuple(getattr(row, k) for k in SCORES)
        if row.status in ("审核通过", "审核未通过"):
            assert review.result == row.status


def test_future_last_review_is_also_in_the_history(demo):
    (customer,) = planted_keys(demo, "ledger", "last_review") - {
        p.customer_id for p in demo.planted if isinstance(p.value, str)
    }
    assert newest_reviews(demo).loc[customer].review_date > AS_OF


def test_unreviewed_customers_have_no_history(demo):
    unreviewed = clean_ledger(demo).query("last_review.isna()", engine="python")
    assert set(unreviewed.status) == {"待审核", "审核中"}
    assert not set(unreviewed.customer_id) & set(demo.reviews.customer_id)


def test_review_rows_are_scored_and_graded(demo):
    assert demo.reviews.review_id.is_unique
    reviews = review_rows(demo)
    assert all(re.fullmatch(r"[A-Z]{2}\d{6}-\d{4}-\d{2}", rid) for rid in reviews.review_id)
    for row in reviews.itertuples(index=False):
        scores = tuple(getattr(row, k) for k in SCORES)
        assert row.composite_score == composite(scores)
        assert row.grade == grade(row.composite_score)
        assert row.result in layout.REVIEW_RESULTS
    assert set(reviews.grade) == {"A", "B", "C", "D"}


def test_histories_are_ascending_and_one_to_four_long(demo):
    for _, rows in review_rows(demo).groupby("customer_id"):
        dates = list(rows.review_date)
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert 1 <= len(dates) <= 4
    assert review_rows(demo).groupby("customer_id").size().max() == 4


def test_some_customers_declined_since_their_previous_review(demo):
    declines = 0
    for _, rows in review_rows(demo).groupby("customer_id"):
        if len(rows) < 2:
            continue
        previous, newest = rows.iloc[-2], rows.iloc[-1]
        if previous.composite_score - newest.composite_score >= 10:
            declines += 1
    assert declines >= 3


def test_due_dates_are_mixed(demo):
    active = clean_ledger(demo)
    active = active[(active.status != "已停用") & active.last_review.notna()]
    states = Counter()
    for row in active.itertuples(index=False):
        cycle = DEFAULT_CYCLES.cycle_for(row.risk_level, row.category)
        days = (edate(row.last_review, cycle) - AS_OF).days
        states["overdue" if days < 0 else "soon" if days <= 30 else "ok"] += 1
    assert states["overdue"] >= 10 and states["soon"] >= 10
    assert states["ok"] > 0.6 * sum(states.values())


def test_month_end_last_reviews_are_included(demo):
    dates = set(demo.ledger.last_review)
    for day in (date(2026, 1, 31), date(2026, 8, 31), date(2025, 11, 30), date(2024, 2, 29)):
        assert day in dates
    # a review that falls due exactly on as_of, and one on the last day of "due soon"
    assert edate(AS_OF, -3) in dates
    assert edate(date(2026, 12, 23), -3) in dates


# --- credentials ------------------------------------------------------------------------


def test_credentials_cover_most_customers(demo):
    creds = demo.credentials
    assert set(creds.customer_id) <= set(demo.ledger.customer_id)
    by_type = creds.groupby("doc_type").customer_id.nunique()
    assert by_type["营业执照"] > 0.9 * len(demo.ledger)
    assert by_type["法定代表人身份证"] > 0.7 * len(demo.ledger)
    assert by_type["银行资信证明"] > 0.4 * len(demo.ledger)
    assert set(creds.doc_type) <= set(layout.DOCUMENT_TYPES)
    assert (creds.issued <= creds.expires).all() and (creds.issued <= AS_OF).all()
    assert (creds.issued <= creds.verified_on).all() and (creds.verified_on <= AS_OF).all()


def test_bank_letters_are_mixed_and_current_for_approved_customers(demo):
    letters = demo.credentials[demo.credentials.doc_type == "银行资信证明"]
    days = letters.expires.map(lambda d: (d - AS_OF).days)
    assert (days < 0).sum() >= 5 and days.between(0, 60).sum() >= 5 and (days > 60).mean() > 0.5
    months = (letters.expires - letters.issued).map(lambda d: d.days / 30.4)
    assert months.between(5.9, 12.2).all()
    approved = set(clean_ledger(demo).query("status == '审核通过'").customer_id)
    latest = letters.sort_values("issued").groupby("customer_id").tail(1)
    latest = latest[latest.customer_id.isin(approved)]
    assert (latest.expires >= AS_OF).all()


def test_licences_are_long_dated(demo):
    licences = demo.credentials[demo.credentials.doc_type == "营业执照"]
    assert (licences.expires == date(2099, 12, 31)).mean() > 0.7
    assert (licences.expires > date(2030, 1, 1)).all()


# --- planted mistakes -------------------------------------------------------------------


def test_planted_mistakes_are_recorded(demo):
    planted = demo.planted
    assert 28 <= len(planted) <= 36
    assert all(isinstance(p, PlantedMistake) for p in planted)
    assert len({p.customer_id for p in planted}) == len(planted)  # distinct customers
    assert {p.table for p in planted} == {"ledger", "credentials", "reviews"}
    branches = Counter(cid[:2] for cid in planted_customers(demo))
    top_two = sum(n for _, n in branches.most_common(2))
    assert top_two >= 0.6 * len(planted)
    assert all(re.search(r"[\u4e00-\u9fff]", p.description) for p in planted)


def test_every_planted_value_is_in_its_cell(demo):
    for p in demo.planted:
        frame = getattr(demo, p.table)
        cells = list(frame.loc[frame.customer_id == p.customer_id, p.key])
        assert cells, p
        if p.value is None and p.expect is not None:  # something left out of the table
            continue
        if p.value is None:
            assert any(v is None for v in cells), p
        else:
            assert any(type(v) is type(p.value) and v == p.value for v in cells), p


def test_the_planted_catalogue(demo):
    values = {(p.key, p.value) for p in demo.planted if isinstance(p.value, str | float)}
    for expected in [
        ("score_financial", 105.0),
        ("score_credit", -5.0),
        ("last_review", "2024年13月5日"),
        ("founded", "2025/3/5"),
        ("phone", "1234567"),
        ("email", "zhang@@example"),
        ("total_assets", "N/A"),
        ("notes", '=HYPERLINK("http://x")'),
        ("status", "审核通过"),
    ]:
        assert expected in values, expected
    by_key = Counter(p.key for p in demo.planted if p.expect is None)
    assert by_key["uscc"] == 3 and by_key["doc_number"] == 2 and by_key["phone"] == 2
    revenue = next(p.value for p in demo.planted if p.key == "revenue")
    assert isinstance(revenue, str) and "," in revenue
    capital = next(p.value for p in demo.planted if p.key == "registered_capital")
    assert re.fullmatch(r"[０-９]+", capital)


def test_planted_identifier_mistakes_are_what_they_claim(demo):
    reasons = sorted(uscc_problem(p.value) or "valid" for p in demo.planted if p.key == "uscc")
    assert reasons == ["charset", "check", "valid"]  # the valid one is the duplicate
    duplicate = next(p.value for p in demo.planted if p.key == "uscc" and not uscc_problem(p.value))
    owners = demo.ledger[demo.ledger.uscc == duplicate]
    assert len(owners) == 2 and owners.branch.nunique() == 2
    mangled, wrong = sorted(
        (p.value for p in demo.planted if p.key == "doc_number" and p.expect is None),
        key=lambda v: type(v).__name__,
    )
    assert isinstance(mangled, float) and looks_like_mangled_id(mangled)
    assert float(f"{mangled:.15g}") == mangled  # only 15 significant digits survive
    assert resident_id_problem(wrong) == "check"


def test_planted_cross_field_mistakes(demo):
    ledger = demo.ledger.set_index("customer_id", drop=False)
    approved_d = next(p.customer_id for p in demo.planted if p.key == "status")
    row = ledger.loc[approved_d]
    assert row.status == "审核通过" and grade(composite([row[k] for k in SCORES])) == "D"
    silent = next(p.customer_id for p in demo.planted if p.key == "opinion")
    assert ledger.loc[silent].status == "审核未通过" and ledger.loc[silent].opinion is None
    expired = next(p for p in demo.planted if p.key == "expires")
    assert expired.value < AS_OF and ledger.loc[expired.customer_id].status == "审核通过"


# --- credit controls ----------------------------------------------------------------------


def control_plants(demo: DemoData) -> set[str]:
    return {p.customer_id for p in demo.planted if p.expect is not None}


def test_each_control_is_planted_once(demo):
    codes = Counter(p.expect[0] for p in demo.planted if p.expect is not None)
    assert codes == {
        code: 1
        for code in (
            "approved-not-admissible",
            "approval-missing",
            "approval-out-of-order",
            "approval-wrong-level",
            "reviewer-conflict",
            "credit-limit-exceeded",
            "licence-mismatch",
            "score-off-rubric",
            "limit-not-adjusted",
            "early-review",
        )
    }


def test_approved_customers_are_approved_level_by_level(demo):
    approved = clean_ledger(demo).query("status == '审核通过'")
    approvals = approval_rows(demo)
    levels = ("分公司经理", "总部风控", "总经理")
    for row in approved.itertuples(index=False):
        chain = approvals[
            (approvals.customer_id == row.customer_id) & (approvals.review_date == row.last_review)
        ]
        need = (
            2
            if row.credit_limit > 300
            else 1
            if row.credit_limit > 100 or row.risk_level == "高"
            else 0
        )
        assert list(chain.approval_level) == list(levels[: need + 1]), row.customer_id
        assert list(chain.approval_date) == sorted(chain.approval_date)
        assert (chain.approval_date >= row.last_review).all() and (chain.result == "审核通过").all()
        assert row.approval_level == levels[need] and row.approver == chain.approver.iloc[-1]
        names = {row.reviewer, row.account_manager}
        assert not names & set(chain.approver) and row.reviewer != row.account_manager


def test_limits_stay_within_the_credit_standard(demo):
    caps = {"A": 500, "B": 200, "C": 50, "D": 0}
    for row in clean_ledger(demo).itertuples(index=False):
        if row.credit_limit is None or row.score_financial is None:
            continue
        scores = [getattr(row, k) for k in SCORES]
        if None in scores:
            continue
        assert row.credit_limit <= caps[grade(composite(scores))], row.customer_id
        assert row.credit_limit <= 0.2 * row.revenue + 1e-9, row.customer_id


def test_approved_customers_hold_the_documents_admission_asks_for(demo):
    approved = clean_ledger(demo).query("status == '审核通过'")
    creds = demo.credentials
    for row in approved.itertuples(index=False):
        held = set(
            creds[(creds.customer_id == row.customer_id) & (creds.expires >= AS_OF)].doc_type
        )
        needed = {"营业执照", "法定代表人身份证"}
        if row.risk_level == "高" or row.category == "重要":
            needed.add("银行资信证明")
        if row.risk_level == "高":
            needed |= {"财务报表", "信用报告"}
        assert needed <= held, (row.customer_id, needed - held)
        assert row.dishonest == "否" and row.litigation_count == 0


def test_waiting_customers_have_a_submission_date(demo):
    waiting = clean_ledger(demo).query("status in ['待审核', '审核中']")
    assert waiting.submitted.notna().mean() > 0.9
    assert all(d <= AS_OF for d in waiting.submitted.dropna())
