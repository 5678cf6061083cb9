"""The audit sample (core.sampling): reproducible, weighted towards risk, never 已停用 unless
asked, per branch independent of the other branches."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import layout, portfolio, sampling
from ledger_xl.core.sampling import SampleSize, SampleWeights, draw_sample, risk_table

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def book():
    data = generate_demo(n_customers=200, as_of=AS_OF)
    return portfolio.from_frames(
        data.ledger, data.credentials, data.reviews, AS_OF, file="演示.xlsx"
    )


@pytest.fixture(scope="module")
def table(book):
    return risk_table(book, {}, SampleWeights())


def _ids(sample) -> list[tuple[str, str]]:
    return list(zip(sample.drawn["sample_branch"], sample.drawn["customer_id"], strict=True))


def test_same_seed_same_sample_other_seed_other_sample(table):
    size = SampleSize(rate=0.2)
    one = draw_sample(table, size, 42, as_of=AS_OF)
    again = draw_sample(table, size, 42, as_of=AS_OF)
    other = draw_sample(table, size, 43, as_of=AS_OF)
    assert _ids(one) == _ids(again)
    assert _ids(one) != _ids(other)


def test_the_order_of_the_rows_does_not_matter(table):
    shuffled = table.sample(frac=1, random_state=3).reset_index(drop=True)
    size = SampleSize(count=5)
    assert sorted(_ids(draw_sample(table, size, 7, as_of=AS_OF))) == sorted(
        _ids(draw_sample(shuffled, size, 7, as_of=AS_OF))
    )


def test_a_branch_is_drawn_the_same_without_the_others(table):
    size = SampleSize(count=4)
    full = draw_sample(table, size, 11, as_of=AS_OF)
    alone = draw_sample(table[table["sample_branch"] == "北京分公司"], size, 11, as_of=AS_OF)
    assert [i for i in _ids(full) if i[0] == "北京分公司"] == _ids(alone)


def test_inactive_customers_only_when_asked(table):
    inactive = set(table.loc[table["status"] == layout.STATUS_INACTIVE, "customer_id"])
    assert inactive
    everyone = SampleSize(rate=1.0)
    without = draw_sample(table, everyone, 1, as_of=AS_OF)
    assert not set(without.drawn["customer_id"]) & inactive
    assert len(without.drawn) == int((table["status"] != layout.STATUS_INACTIVE).sum())
    with_them = draw_sample(table, everyone, 1, as_of=AS_OF, include_inactive=True)
    assert inactive <= set(with_them.drawn["customer_id"])
    counts = without.branches.set_index("branch")
    assert (counts["customers"] - counts["inactive"] == counts["eligible"]).all()


def test_sizes_per_branch(table):
    rate = draw_sample(table, SampleSize(rate=0.1), 5, as_of=AS_OF).branches
    assert (rate["sampled"] == np.maximum(1, np.ceil(rate["eligible"] * 0.1))).all()
    big = draw_sample(table, SampleSize(count=10_000), 5, as_of=AS_OF).branches
    assert (big["sampled"] == big["eligible"]).all()
    drawn = draw_sample(table, SampleSize(count=3), 5, as_of=AS_OF).drawn
    assert (
        drawn.groupby("sample_branch")["draw_rank"].apply(list).map(lambda r: r == [1, 2, 3]).all()
    )
    assert list(drawn["sample_no"]) == list(range(1, len(drawn) + 1))


def test_a_heavier_customer_is_drawn_in_proportion_to_its_weight():
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "file": ["f", "f"],
            "row": [1, 2],
            "status": ["审核通过", "审核通过"],
            "sample_branch": ["X", "X"],
            "weight": [1.0, 9.0],
            **{c: [False, False] for c in sampling.FACTOR_COLUMNS},
        }
    )
    picks = [
        draw_sample(frame, SampleSize(count=1), seed, as_of=AS_OF).drawn["customer_id"].iloc[0]
        for seed in range(2000)
    ]
    assert picks.count("B") / len(picks) == pytest.approx(0.9, abs=0.025)


def test_risk_factors_and_weights(book):
    weights = SampleWeights(base=1, high_risk=3, recent_approval=2, override=5, open_findings=4)
    customers = book.customers
    some_id = customers["customer_id"].iloc[0]
    table = risk_table(book, {some_id: 2}, weights)
    assert (table["high_risk"] == (customers["risk_level"] == "高")).all()
    expected = (
        1
        + 3 * table["high_risk"]
        + 2 * table["recent_approval"]
        + 5 * table["override"]
        + 4 * table["open_findings"]
    )
    assert np.allclose(table["weight"], expected)
    assert table.loc[table["customer_id"] == some_id, "open_count"].iloc[0] == 2
    assert "有未整改问题 2 项" in table.loc[table["customer_id"] == some_id, "reasons"].iloc[0]
    # 例外审批: approved with the lowest grade (the demo plants one)
    worst = table[(table["status"] == "审核通过") & (table["grade"] == "D")]
    assert len(worst) and worst["override"].all()
    assert worst["override_reason"].str.contains("评级D仍审核通过").all()
    # 近期审核通过: approved, reviewed within 90 days
    days = (
        (np.datetime64(AS_OF, "D") - table["last_review"].to_numpy(dtype="datetime64[D]"))
        .astype("timedelta64[D]")
        .astype(float)
    )
    recent = (table["status"] == "审核通过") & (days >= 0) & (days <= 90)
    assert (table["recent_approval"] == recent).all()
    assert (
        table.loc[
            ~table["override"]
            & ~table["high_risk"]
            & ~table["recent_approval"]
            & ~table["open_findings"],
            "reasons",
        ]
        == "随机抽取"
    ).all()


def test_weights_from_a_rule_sheet_or_options():
    weights = sampling.weights_from_pairs([("高风险", 5), ("近期天数", "60"), ("override", 0)])
    assert (weights.high_risk, weights.recent_days, weights.override) == (5, 60, 0)
    assert weights.base == SampleWeights().base
    for pairs, message in (
        ([("特别关注", 1)], "未知的抽样因素"),
        ([("高风险", -1)], "不小于 0"),
        ([("高风险", "很多")], "不小于 0"),
        ([("近期天数", 30.5)], "整数"),
        ([("基础权重", 0)], "须大于 0"),
    ):
        with pytest.raises(ValueError, match=message):
            sampling.weights_from_pairs(pairs)
    rows = sampling.weight_rows(weights)
    assert [name for name, _, _ in rows][:2] == ["基础权重", "高风险"]


@pytest.mark.parametrize(
    ("text", "rate"), [("10%", 0.1), ("12.5 %", 0.125), ("0.3", 0.3), ("100％", 1.0)]
)
def test_rates(text, rate):
    assert sampling.parse_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["0%", "150%", "十", "-5%"])
def test_bad_rates(text):
    with pytest.raises(ValueError):
        sampling.parse_rate(text)


def test_a_size_needs_exactly_one_of_count_and_rate():
    with pytest.raises(ValueError):
        SampleSize()
    with pytest.raises(ValueError):
        SampleSize(count=2, rate=0.1)
    assert SampleSize(rate=0.1).of(0) == 0
    assert SampleSize(rate=0.1).of(3) == 1
    assert SampleSize(rate=0.1).of(30) == 3
    assert SampleSize(rate=0.1).of(31) == 4
