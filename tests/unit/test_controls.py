"""The Python twins of the control columns on the cases their formulas must get right: bands
and caps at their edges, documents as COUNTIFS counts them, the first unmet condition."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from ledger_xl.core import controls, formulas, twins, values
from ledger_xl.core.defaults import DEFAULT_RULES

AS_OF = dt.date(2026, 3, 31)
KEYS = [f.key for f in DEFAULT_RULES.fields]


def ledger(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), dtype=object)
    for key in KEYS:
        if key not in frame:
            frame[key] = None
    return frame


def base(**changes) -> dict:
    row = {
        "customer_id": "SH000001",
        "name": "上海测试有限公司",
        "risk_level": "低",
        "category": "一般",
        "stage": "终审",
        "status": "审核通过",
        "dishonest": "否",
        "score_financial": 80.0,
        "score_credit": 80.0,
        "score_history": 80.0,
        "score_reputation": 80.0,
        "total_assets": 1000.0,
        "total_liabilities": 300.0,
        "external_credit": 800.0,
        "coop_years": 6.0,
        "credit_limit": 100.0,
        "revenue": 100000.0,
    }
    row.update(changes)
    return row


DOCS = ("营业执照", "法定代表人身份证", "银行资信证明", "财务报表", "信用报告")


def documents(customer: str = "SH000001", **expiry) -> pd.DataFrame:
    rows = [
        {"customer_id": customer, "doc_type": t, "expires": expiry.get(t, dt.date(2099, 12, 31))}
        for t in DOCS
        if expiry.get(t, "") is not False
    ]
    return pd.DataFrame(rows, dtype=object)


def computed(frame: pd.DataFrame, credentials=None) -> pd.DataFrame:
    return twins.ledger_formulas(frame, DEFAULT_RULES, AS_OF, credentials=credentials)


# ---------------------------------------------------------------- 需审批级别


@pytest.mark.parametrize(
    ("limit", "risk", "level"),
    [
        (None, "低", "分公司经理"),
        ("100万", "低", "分公司经理"),  # text: the formula's N() reads 0
        (100.0, "低", "分公司经理"),
        (100.01, "低", "总部风控"),
        (0.0, "高", "总部风控"),
        (300.0, "中", "总部风控"),
        (300.01, "低", "总经理"),
        (300.01, "高", "总经理"),
    ],
)
def test_required_level_at_the_band_edges(limit, risk, level):
    out = computed(ledger(base(credit_limit=limit, risk_level=risk)))
    assert out["required_level"].tolist() == [level]


# ---------------------------------------------------------------- 额度上限 and 额度检查


@pytest.mark.parametrize(
    ("scores", "revenue", "limit", "cap", "check"),
    [
        ((95.0,) * 4, 100000.0, 500.0, 500.0, ""),
        ((95.0,) * 4, 100000.0, 500.01, 500.0, "超限"),
        ((80.0,) * 4, 600.0, 120.0, 120.0, ""),  # 营业收入 × 20%
        ((80.0,) * 4, 600.0, 120.5, 120.0, "超限"),
        ((80.0,) * 4, "600", 150.0, 200.0, ""),  # revenue as text: the share is not applied
        ((50.0,) * 4, 100000.0, 0.0, 0.0, ""),  # grade D: no credit, and none given
        ((50.0,) * 4, 100000.0, 1.0, 0.0, "超限"),
        ((None, 80.0, 80.0, 80.0), 100000.0, 10.0, None, "待评级"),
        ((None, 80.0, 80.0, 80.0), 100000.0, None, None, ""),
    ],
)
def test_cap_and_check(scores, revenue, limit, cap, check):
    keys = ("score_financial", "score_credit", "score_history", "score_reputation")
    row = base(revenue=revenue, credit_limit=limit, **dict(zip(keys, scores, strict=True)))
    out = computed(ledger(row))
    got = out["credit_cap"].iloc[0]
    assert (np.isnan(got) and cap is None) or got == cap
    assert out["limit_check"].tolist() == [check]


def _blank(value) -> bool:
    return value == "" or (isinstance(value, float) and np.isnan(value))


def test_control_columns_blank_on_unused_rows():
    out = computed(ledger(base(), {"customer_id": None}))
    for key in controls.CONTROL_KEYS:
        assert _blank(out[key].iloc[1]), key


def test_a_deactivated_customer_is_neither_checked_for_admission_nor_for_its_limit():
    out = computed(ledger(base(status="已停用", credit_limit=999.0, stage=None)))
    assert _blank(out["admission_check"].iloc[0]) and _blank(out["limit_check"].iloc[0])
    assert out["credit_cap"].iloc[0] == 200.0 and out["required_level"].iloc[0] == "总经理"


# ---------------------------------------------------------------- 评分细则


@pytest.mark.parametrize(
    ("liabilities", "suggested"),
    [(400.0, 90), (400.01, 80), (550.0, 80), (850.0, 60), (1000.0, 45), (1000.01, 30)],
)
def test_financial_suggestion_on_the_debt_ratio_bounds(liabilities, suggested):
    frame = ledger(base(total_liabilities=liabilities))
    got = controls.suggested_scores(frame, computed(frame), DEFAULT_RULES)
    assert got["财务状况"].tolist() == [suggested]


@pytest.mark.parametrize(
    ("external", "overdue", "sued", "suggested"),
    [
        (850.0, 0.0, 0.0, 95),
        (849.99, 0.0, 0.0, 85),
        (449.99, 0.0, 0.0, 40),
        (850.0, 2.0, 1.0, 75),  # 95 − 2 × 5 − 1 × 10
        (300.0, 9.0, 0.0, 0),  # never below 0
        (850.0, "3", None, 95),  # text and blank counts: N() reads 0
    ],
)
def test_credit_suggestion_with_deductions(external, overdue, sued, suggested):
    row = base(external_credit=external, overdue_count=overdue, litigation_count=sued)
    frame = ledger(row)
    got = controls.suggested_scores(frame, computed(frame), DEFAULT_RULES)
    assert got["信用记录"].tolist() == [suggested]


@pytest.mark.parametrize(("years", "suggested"), [(10.0, 95), (9.99, 85), (1.0, 65), (0.99, 55)])
def test_history_suggestion(years, suggested):
    frame = ledger(base(coop_years=years))
    got = controls.suggested_scores(frame, computed(frame), DEFAULT_RULES)
    assert got["合作历史"].tolist() == [suggested]


def test_deviation_words_and_tolerance():
    row = base(total_liabilities=950.0, score_financial=61.0, coop_years=12.0, score_history=79.0)
    out = computed(ledger(row))
    assert out["score_deviation"].tolist() == ["财务状况偏高；合作历史偏低"]
    exact = computed(ledger(base(total_liabilities=950.0, score_financial=60.0)))
    assert exact["score_deviation"].tolist() == [""]  # 15 points: within the tolerance


def test_excel_text_is_what_concatenation_shows():
    assert values.excel_text(80.0) == "80"
    assert values.excel_text(77.5) == "77.5"
    assert values.excel_text(0.1 + 0.2) == "0.3"
    assert values.excel_text(dt.date(2026, 3, 31)) == str(values.date_to_serial(AS_OF))
    assert values.excel_text("是") == "是" and values.excel_text(None) == ""


# ---------------------------------------------------------------- 准入检查


def test_admissible_customer_shows_nothing():
    assert computed(ledger(base()), documents())["admission_check"].tolist() == [""]


@pytest.mark.parametrize(
    ("change", "first"),
    [
        ({"stage": "深度评估"}, "未到终审"),
        ({"stage": None}, "未到终审"),
        ({"score_reputation": None}, "评分未填齐"),
        ({"score_financial": 30.0, "score_credit": 40.0}, "评分低于准入线"),
        ({"dishonest": None}, "失信被执行人未填写"),
        ({"dishonest": "是"}, "失信被执行人为是"),
        ({"risk_level": "高", "stage": "初筛"}, "未到终审"),  # the first of several
    ],
)
def test_first_unmet_condition(change, first):
    assert computed(ledger(base(**change)), documents())["admission_check"].tolist() == [first]


@pytest.mark.parametrize(
    ("expiry", "words"),
    [
        ({"银行资信证明": False}, "缺少银行资信证明"),
        ({"银行资信证明": AS_OF - dt.timedelta(days=1)}, "银行资信证明已失效"),
        ({"银行资信证明": AS_OF}, ""),
        ({"银行资信证明": None}, "银行资信证明已失效"),
        ({"银行资信证明": "2027年1月1日"}, "银行资信证明已失效"),
        ({"营业执照": False, "银行资信证明": False}, "缺少营业执照"),
    ],
)
def test_documents_as_countifs_sees_them(expiry, words):
    row = base(category="重要")
    assert computed(ledger(row), documents(**expiry))["admission_check"].tolist() == [words]


def test_validation_says_why_a_document_is_not_valid():
    row = base(category="重要")
    for expiry, detail in (
        (AS_OF - dt.timedelta(days=1), "银行资信证明已过期（有效期至 2026-03-30）"),
        (None, "银行资信证明无有效期（有效期至未填或不是日期）"),
    ):
        frame, docs = ledger(row), documents(银行资信证明=expiry)
        (found,) = controls.admission_conditions(frame, computed(frame), docs, DEFAULT_RULES, AS_OF)
        assert [c.detail for c in found] == [detail]


def test_no_customer_id_means_no_document_can_be_found():
    frame = ledger(base(customer_id=None))
    assert computed(frame, documents())["admission_check"].tolist() == ["客户编号未填"]


def test_documents_match_the_id_in_any_case_but_not_another_id():
    assert computed(ledger(base()), documents("sh000001"))["admission_check"].tolist() == [""]
    other = computed(ledger(base()), documents("SH000002"))
    assert other["admission_check"].tolist() == ["缺少营业执照"]


def test_every_unmet_condition_is_listed_in_order():
    frame = ledger(base(stage="初筛", dishonest="是", risk_level="高"))
    result = computed(frame)
    (found,) = controls.admission_conditions(frame, result, None, DEFAULT_RULES, AS_OF)
    assert [c.text for c in found] == [
        "未到终审",
        "失信被执行人为是",
        *(f"缺少{t}" for t in DOCS),
    ]
    assert [c.key for c in found[:2]] == ["stage", "dishonest"]


# ---------------------------------------------------------------- rules without the columns


def test_an_old_ledger_without_the_control_columns_gets_no_control_formulas():
    old = [f for f in DEFAULT_RULES.fields if f.key not in {*controls.CONTROL_KEYS, "dishonest"}]
    rules = DEFAULT_RULES.model_copy(update={"fields": tuple(old)})
    texts = formulas.ledger_formulas(rules)
    assert not set(texts) & set(controls.CONTROL_KEYS)
    out = twins.ledger_formulas(ledger(base()), rules, AS_OF)
    assert not set(out.columns) & set(controls.CONTROL_KEYS)
    frame = ledger(base(dishonest="是"))
    (found,) = controls.admission_conditions(frame, computed(frame), None, rules, AS_OF)
    assert "失信被执行人为是" not in [c.text for c in found]  # the column is not there


def test_formulas_read_rule_values_through_names_and_use_no_boolean_constants():
    texts = formulas.ledger_formulas(DEFAULT_RULES)
    assert "授信_上限" in texts["credit_cap"] and "500" not in texts["credit_cap"]
    assert "审批额度_2" in texts["required_level"] and "100" not in texts["required_level"]
    assert "评分容差" in texts["score_deviation"] and "细则分数_1" in texts["score_deviation"]
    assert "准入证件_3" in texts["admission_check"] and "准入最低评分" in texts["admission_check"]
    for key, text in texts.items():
        assert not re.search(r"\b(TRUE|FALSE)\b", text), key  # LibreOffice saves them as TRUE()
