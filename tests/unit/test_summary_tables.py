"""Summary tables: every breakdown sums to the number of customers, the lists agree with the
figures, unreadable values are counted where they can be, and Python's portfolio figures
equal the template twins' (the figures the 汇总 sheet's formulas compute)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import layout, portfolio, schedule, summary, twins
from ledger_xl.core.defaults import DEFAULT_RULES

from .test_summary_oracle import slow_key_figures

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo():
    data = generate_demo(n_customers=300, as_of=AS_OF)
    ledger = data.ledger.copy()
    # Values a careless clerk leaves: they must be counted, not dropped.
    ledger.loc[0, "last_review"] = "2025-13-40"
    ledger.loc[1, "status"] = "审核完成"
    ledger.loc[2, "risk_level"] = None
    ledger.loc[3, "branch"] = None
    data.ledger = ledger
    return data, portfolio.from_frames(
        ledger, data.credentials, data.reviews, AS_OF, DEFAULT_RULES, "演示.xlsx"
    )


@pytest.fixture(scope="module")
def tables(demo):
    return summary.summary_tables(demo[1])


def sections(tables) -> dict[str, dict[str, int]]:
    figures = tables["key_figures"]
    return {
        name: dict(zip(group["label"], group["count"], strict=True))
        for name, group in figures.groupby("section", sort=False)
    }


def test_every_breakdown_sums_to_the_customers(tables, demo):
    total = len(demo[1].customers)
    assert total == 300
    by = sections(tables)
    assert by["总体"]["客户总数"] == total
    for name in ("按审核状态", summary.GRADE_SECTION, "按风险等级", "按到期提示"):
        assert sum(by[name].values()) == total, name
    timing = by[summary.TIMING_SECTION]
    assert sum(timing.values()) + by["按到期提示"]["已停用"] == total
    assert by["按审核状态"][summary.UNKNOWN] == 1
    assert by["按风险等级"][summary.UNKNOWN] == 1
    slow = slow_key_figures(demo[0].ledger, demo[0].credentials, AS_OF)
    assert by["按到期提示"][layout.DUE_UNKNOWN] == slow["按到期提示"][layout.DUE_UNKNOWN]


def test_crosstabs_reconcile(tables, demo):
    total = len(demo[1].customers)
    for key in ("branch_status", "branch_grade"):
        table = tables[key]
        body = table.drop(index=summary.TOTAL)
        assert (body.drop(columns=summary.TOTAL).sum(axis=1) == body[summary.TOTAL]).all()
        assert (body.sum(axis=0) == table.loc[summary.TOTAL]).all()
        assert table.loc[summary.TOTAL, summary.TOTAL] == total
        assert summary.BLANK_BRANCH in table.index  # the customer without a branch
    by = sections(tables)
    for label, count in by["按审核状态"].items():
        assert tables["branch_status"].loc[summary.TOTAL, label] == count


def test_distributions_reconcile(tables, demo):
    total = len(demo[1].customers)
    assert tables["grades"]["count"].sum() == total
    assert tables["grades"]["share"].sum() == pytest.approx(1.0)
    assert tables["scores"]["count"].sum() == total
    graded = sections(tables)[summary.GRADE_SECTION]
    assert tables["scores"].iloc[-1]["count"] == graded[DEFAULT_RULES.scoring.incomplete_grade]
    months = tables["due_by_month"]
    assert len(months) == 12
    assert months["month"].iloc[0] == dt.date(2026, 11, 1)
    assert months["month"].iloc[-1] == dt.date(2027, 10, 1)
    assert months["count"].sum() == sections(tables)[summary.TIMING_SECTION]["未来12个月内"]


def test_lists_agree_with_the_figures(tables):
    by = sections(tables)["按到期提示"]
    assert len(tables["overdue"]) == by["已逾期"]
    assert len(tables["due_soon"]) == by["即将到期"]
    assert len(tables["never_reviewed"]) == by["未审核"] + by[layout.DUE_UNKNOWN]
    assert (tables["overdue"]["days"] < 0).all()
    assert tables["overdue"]["days"].is_monotonic_increasing


def test_data_quality_names_what_could_not_be_read(tables):
    quality = dict(
        zip(tables["data_quality"]["item"], tables["data_quality"]["count"], strict=True)
    )
    # the "2025-13-40" typed into row 0, and the demo's own plant "2024年13月5日"
    assert quality["最近审核日期无法识别"] == 2
    assert quality["所属分公司未填写"] == 1
    assert quality["资信证明有效期至无法识别"] == 0
    assert quality["无法读取的工作簿"] == 0
    assert quality["审核状态未填写或不在列表中"] == 1
    assert quality["风险等级未填写或不在列表中"] == 1
    assert quality["所属分公司未填写"] == 1


def _template_columns(data) -> tuple[pd.DataFrame, pd.Series]:
    """The template twins' ledger formula columns and 资信证明's 证件状态, as the workbook's
    formulas compute them for the demo."""
    computed = twins.ledger_formulas(
        data.ledger, DEFAULT_RULES, AS_OF, credentials=data.credentials
    )
    docs = schedule.document_status(
        data.credentials["expires"],
        AS_OF,
        DEFAULT_RULES.cycles,
        data.credentials["customer_id"],
        data.credentials["doc_type"],
    )
    return computed, docs["doc_status"]


def test_portfolio_and_template_figures_equal_the_slow_oracle(demo, tables):
    """The 汇总 sheet's figures (`key_figures` over the template twins, as the workbook's
    formulas compute them; parity-tested in LibreOffice) and HQ's summary (over the enriched
    portfolio) both equal the row-by-row oracle of tests/unit/test_summary_oracle.py, which
    calls neither."""
    data, _ = demo
    slow = slow_key_figures(data.ledger, data.credentials, AS_OF)
    slow_months = slow.pop("months")
    slow.pop("due")
    computed, doc_status = _template_columns(data)
    template = dict(
        summary.key_figures(
            data.ledger,
            computed,
            doc_status,
            DEFAULT_RULES,
            AS_OF,
            doc_inactive=schedule.inactive_owners(
                data.credentials["customer_id"], data.ledger["customer_id"], data.ledger["status"]
            ),
        )
    )
    assert {i.label: i.count for i in template.pop(summary.MONTHS_SECTION)} == slow_months
    hq = sections(tables)
    months = tables["due_by_month"]
    assert dict(zip(months["label"], months["count"], strict=True)) == slow_months
    for section, want in slow.items():
        assert hq[section] == want, section
        if section == "总体":
            want = {"客户总数": want["客户总数"]}  # 分公司数 is HQ's alone
        assert {i.label: i.count for i in template[section]} == want, section


def test_figures_are_reproducible_for_a_fixed_date(demo):
    first = summary.summary_tables(demo[1])
    again = summary.summary_tables(demo[1])
    for key, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[key])


def test_empty_ledger():
    empty = portfolio.from_frames(
        pd.DataFrame({"customer_id": [None], "name": [None]}), None, None, AS_OF
    )
    tables = summary.summary_tables(empty)
    assert sections(tables)["总体"]["客户总数"] == 0
    assert tables["branch_status"].loc[summary.TOTAL, summary.TOTAL] == 0
    assert np.all(tables["due_by_month"]["count"] == 0)
    assert tables["grades"]["share"].sum() == 0


def test_the_document_figures_formulas_name_the_credentials_table():
    """汇总's 资信证明 counts read 资信证明's table (Credentials) and leave out the documents
    of customers 已停用 in 台账 (Ledger): the formula text as written, each reference on its
    table."""
    docs = pd.Series([layout.DOC_EXPIRED, layout.DOC_SOON, layout.DOC_VALID], dtype=object)
    figures = summary._document_figures(docs, None, DEFAULT_RULES)
    assert [(f.label, f.count) for f in figures] == [("资信证明已过期", 1), ("资信证明即将到期", 1)]
    for figure, label in zip(figures, (layout.DOC_EXPIRED, layout.DOC_SOON), strict=True):
        assert figure.formula == (
            f'=COUNTIFS(Credentials[证件状态],"{label}")-SUMPRODUCT('
            f'(Credentials[证件状态]="{label}")*(Credentials[客户编号]<>"")*'
            '(COUNTIFS(Ledger[客户编号],Credentials[客户编号],Ledger[审核状态],"已停用")>0))'
        )


def test_the_key_figures_formulas_follow_their_rules(demo):
    """The 汇总 formulas as the template's design states them (LibreOffice's parity test
    computes them; this pins their shape where LibreOffice is not run): a breakdown's item
    counts its column with COUNTIFS on the item's label; each unknown bucket is 客户总数
    less the items before it; the timing and month counts leave 已停用 out; every formula is
    one complete expression."""
    data, _ = demo
    computed, doc_status = _template_columns(data)
    sections_ = dict(summary.key_figures(data.ledger, computed, doc_status, DEFAULT_RULES, AS_OF))
    h = DEFAULT_RULES.header
    (total,) = sections_["总体"]
    assert total.formula == '=SUMPRODUCT(--(((Ledger[客户编号]<>"")+(Ledger[客户名称]<>""))>0))'
    for name, key in (
        ("按审核状态", "status"),
        (summary.GRADE_SECTION, "grade"),
        ("按风险等级", "risk_level"),
        ("按到期提示", "due_flag"),
    ):
        *items, rest = sections_[name]
        for item in items:
            column = "status" if item.label == layout.STATUS_INACTIVE and key == "due_flag" else key
            assert item.formula == f'=COUNTIFS(Ledger[{h(column)}],"{item.label}")', (name, item)
        assert rest.formula == total.formula + "".join("-" + i.formula[1:] for i in items)
    inactive = f'Ledger[{h("status")}],"<>{layout.STATUS_INACTIVE}"'
    for item in [*sections_[summary.TIMING_SECTION][:3], *sections_[summary.MONTHS_SECTION]]:
        assert item.formula.startswith("=COUNTIFS(Ledger[下次审核日期],")
        assert item.formula.endswith(inactive + ")"), item
    months = sections_[summary.MONTHS_SECTION]
    assert len(months) == summary.MONTHS_AHEAD
    assert '"<"&' + layout.NAME_AS_OF in sections_[summary.TIMING_SECTION][0].formula
    # each month's formula, evaluated here: it counts [基准日 or the month's first day, the
    # next month's first day), and its label is the month's first day
    bound = re.compile(r'"(>=|<)"&(基准日|DATE\(YEAR\(基准日\),MONTH\(基准日\)\+(\d+),1\))')

    def day(text: str, ahead: str | None) -> dt.date:
        if ahead is None:
            return AS_OF
        total = AS_OF.month - 1 + int(ahead)
        return dt.date(AS_OF.year + total // 12, total % 12 + 1, 1)

    for k, item in enumerate(months):
        (low_op, low, low_k), (high_op, high, high_k) = bound.findall(item.formula)
        first = dt.date(AS_OF.year + (AS_OF.month - 1 + k) // 12, (AS_OF.month - 1 + k) % 12 + 1, 1)
        assert (low_op, high_op) == (">=", "<"), item
        assert day(low, low_k or None) == (AS_OF if k == 0 else first), item
        assert day(high, high_k or None) == summary.month_starts(AS_OF)[k + 1], item
        label = re.fullmatch(
            r"=DATE\(YEAR\(基准日\),MONTH\(基准日\)\+(\d+),1\)", item.label_formula
        )
        assert label and day("", label.group(1)) == first, item
        assert item.label == f"{first.year}年{first.month}月"
    assert [
        name
        for name, _ in summary.key_figures(data.ledger, computed, doc_status, DEFAULT_RULES, AS_OF)
    ] == [
        "总体",
        "按审核状态",
        summary.GRADE_SECTION,
        "按风险等级",
        "按到期提示",
        summary.TIMING_SECTION,
        summary.DOCUMENTS_SECTION,
        summary.CONTROL_SECTION,  # before the months, which 汇总 shows apart
        summary.MONTHS_SECTION,
    ]
    for figures in sections_.values():
        for item in figures:
            text = item.formula
            assert isinstance(text, str) and text.startswith("=") and "-=" not in text
            assert "None" not in text and "XX" not in text
            assert text.count("(") == text.count(")"), item


def test_the_control_figures_against_a_row_by_row_count(demo):
    """准入与授信 on 汇总: approved customers whose 准入检查 shows something, limits 超限,
    scores off the rubrics — counted here row by row from the twins' columns, and each
    formula as the template states it."""
    from ledger_xl.core import formulas

    data, _ = demo
    ledger = data.ledger
    computed, _ = _template_columns(data)

    def blank(v) -> bool:
        return v is None or (isinstance(v, float) and v != v) or str(v).strip() == ""

    rows = range(len(ledger))
    status = [str(s).strip() if not blank(s) else "" for s in ledger["status"]]
    admission = [not blank(computed["admission_check"].iat[i]) for i in rows]
    expected = {
        "审核通过但不符合准入标准": sum(
            1 for i in rows if status[i] == layout.STATUS_APPROVED and admission[i]
        ),
        "信用额度超过授信上限": sum(
            1 for i in rows if computed["limit_check"].iat[i] == formulas.LIMIT_OVER
        ),
        "评分偏离评分细则": sum(1 for i in rows if not blank(computed["score_deviation"].iat[i])),
    }
    assert all(expected.values()) and sum(admission) > expected["审核通过但不符合准入标准"]
    figures = summary.control_figures(ledger, computed, DEFAULT_RULES)
    assert {f.label: f.count for f in figures} == expected
    assert [f.formula for f in figures] == [
        '=SUMPRODUCT((Ledger[审核状态]="审核通过")*(Ledger[准入检查]<>""))',
        f'=COUNTIFS(Ledger[额度检查],"{formulas.LIMIT_OVER}")',
        '=SUMPRODUCT(--(Ledger[评分偏差]<>""))',
    ]
    lean = DEFAULT_RULES.model_copy(
        update={"fields": tuple(f for f in DEFAULT_RULES.fields if f.key != "admission_check")}
    )
    assert [f.label for f in summary.control_figures(ledger, computed, lean)] == [
        "信用额度超过授信上限",
        "评分偏离评分细则",
    ]
