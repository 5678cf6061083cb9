"""Summary figures over a ledger (pure). The template's 汇总 sheet shows the same figures with
native COUNTIFS formulas; `KeyFigure.formula` is that formula and `count` its Python twin."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger_xl.core import formulas, layout, twins, values
from ledger_xl.core.portfolio import Reads, grade_labels
from ledger_xl.core.rules import Rules

GRADE_SECTION = "按评级"
TIMING_SECTION = "下次审核时间（不含已停用）"
MONTHS_SECTION = "未来12个月每月到期（不含已停用）"
CONTROL_SECTION = "准入与授信"
NO_NEXT_REVIEW = "无下次审核日期（未审核、未通过或无法判断）"
UNKNOWN = "（未填写或无法识别）"
BLANK_BRANCH = "（未填写）"
TOTAL = "合计"
MONTHS_AHEAD = 12


@dataclass(frozen=True)
class KeyFigure:
    """A figure of the 汇总 sheet: its label, Python's count and the formula that counts it.

    `label_formula`, when set, is written in the label's cell instead of the text (the month
    rows show a date computed from 基准日)."""

    label: str
    count: int
    formula: str
    label_formula: str | None = None


def _ref(key_or_header: str, table: str = layout.TABLE_LEDGER) -> str:
    return formulas.column(key_or_header, table)


def _countifs(column_header: str, criterion: str, table: str = layout.TABLE_LEDGER) -> str:
    return f'=COUNTIFS({_ref(column_header, table)},"{criterion}")'


def _counts(cells) -> Counter:
    """How many cells hold each text, as COUNTIFS(column, label) counts a label: one pass
    over the column for all its labels."""
    return Counter(values.texts(cells).tolist())


def _month(k: int) -> str:
    """Formula text: the first day of the k-th month after 基准日's month."""
    return f"DATE(YEAR({layout.NAME_AS_OF}),MONTH({layout.NAME_AS_OF})+{k},1)"


DOCUMENTS_RULE = "不含已停用客户的证件"


def key_figures(
    ledger: pd.DataFrame,
    computed: pd.DataFrame,
    doc_status: pd.Series,
    rules: Rules,
    as_of: dt.date,
    labels: dict[str, list[str]] | None = None,
    doc_inactive: np.ndarray | pd.Series | None = None,
) -> list[tuple[str, list[KeyFigure]]]:
    """Sections of (label, count, formula): totals, by status, grade, risk, due flag, when the
    next reviews fall, documents, and reviews due per month for the next 12 months.

    `ledger` is keyed by field key (every table row, as in the workbook), `computed` is
    `twins.ledger_formulas(...)`, `doc_status` the 证件状态 column of 资信证明. Each
    breakdown ends with an unknown bucket (客户总数 minus the rest), so it sums to 客户总数.
    Counts mirror the formulas cell for cell, COUNTIFS semantics included.

    `labels` overrides the listed values of "status", "risk_level" and "grade" (default: from
    `rules`), for a portfolio whose workbooks have different rules (`Portfolio.labels`).

    Documents are counted by the due lists' rule: not those of an 已停用 customer
    (`doc_inactive`, from `schedule.inactive_owners`; the section's title says so).
    """
    shown = {
        "status": list(rules.field("status").allowed),
        "risk_level": list(rules.field("risk_level").allowed),
        "grade": grade_labels(rules),
        **(labels or {}),
    }
    h = rules.header
    used = ~twins.empty_rows(ledger)
    n_used = int(used.sum())
    id_col, name_col = _ref(h("customer_id")), _ref(h("name"))
    total_expr = f'SUMPRODUCT(--((({id_col}<>"")+({name_col}<>""))>0))'
    total = KeyFigure("客户总数", n_used, "=" + total_expr)

    def section(key: str, labels, cells, other: str = UNKNOWN) -> list[KeyFigure]:
        counts = _counts(cells)
        items = [KeyFigure(label, counts[label], _countifs(h(key), label)) for label in labels]
        return [*items, _rest(other, items)]

    def _rest(label: str, items: list[KeyFigure]) -> KeyFigure:
        minus = "".join("-" + i.formula.removeprefix("=") for i in items)
        return KeyFigure(label, n_used - sum(i.count for i in items), f"={total_expr}{minus}")

    status_text = values.texts(ledger["status"])
    active = status_text != layout.STATUS_INACTIVE
    inactive = KeyFigure(
        layout.STATUS_INACTIVE,
        int(np.sum(~active)),
        _countifs(h("status"), layout.STATUS_INACTIVE),
    )
    due_labels: tuple[str, ...] = (layout.DUE_OVERDUE, layout.DUE_SOON, layout.DUE_NEVER)
    if rules.cycles.rejected_unscheduled:
        due_labels += (layout.DUE_REJECTED,)
    due_labels += (layout.DUE_OK,)
    due_counts = _counts(computed["due_flag"])
    due_items = [
        KeyFigure(label, due_counts[label], _countifs(h("due_flag"), label)) for label in due_labels
    ]
    due_items.append(inactive)
    due_items.append(_rest(layout.DUE_UNKNOWN, due_items))

    next_col, status_col = _ref(h("next_review")), _ref(h("status"))
    not_inactive = f'{status_col},"<>{layout.STATUS_INACTIVE}"'
    next_review = np.asarray(computed["next_review"], dtype="datetime64[D]")
    known = ~np.isnat(next_review) & active
    day = np.datetime64(as_of, "D")
    starts = [np.datetime64(m, "D") for m in month_starts(as_of)]
    horizon = starts[-1]
    timing = [
        KeyFigure(
            layout.DUE_OVERDUE,
            int(np.sum(known & (next_review < day))),
            f'=COUNTIFS({next_col},"<"&{layout.NAME_AS_OF},{not_inactive})',
        ),
        KeyFigure(
            f"未来{MONTHS_AHEAD}个月内",
            int(np.sum(known & (next_review >= day) & (next_review < horizon))),
            f'=COUNTIFS({next_col},">="&{layout.NAME_AS_OF},'
            f'{next_col},"<"&{_month(MONTHS_AHEAD)},{not_inactive})',
        ),
        KeyFigure(
            f"{MONTHS_AHEAD}个月以后",
            int(np.sum(known & (next_review >= horizon))),
            f'=COUNTIFS({next_col},">="&{_month(MONTHS_AHEAD)},{not_inactive})',
        ),
    ]
    counted = [inactive, *timing]
    timing.append(
        KeyFigure(
            NO_NEXT_REVIEW,
            n_used - sum(i.count for i in counted),
            f"={total_expr}" + "".join("-" + i.formula.removeprefix("=") for i in counted),
        )
    )
    months = []
    for k in range(MONTHS_AHEAD):
        low = day if k == 0 else starts[k]
        low_expr = layout.NAME_AS_OF if k == 0 else _month(k)
        months.append(
            KeyFigure(
                f"{month_starts(as_of)[k].year}年{month_starts(as_of)[k].month}月",
                int(np.sum(known & (next_review >= low) & (next_review < starts[k + 1]))),
                f'=COUNTIFS({next_col},">="&{low_expr},{next_col},"<"&{_month(k + 1)},'
                f"{not_inactive})",
                label_formula=f"={_month(k)}",
            )
        )
    documents = _document_figures(doc_status, doc_inactive, rules)
    sections = [
        ("总体", [total]),
        ("按审核状态", section("status", shown["status"], ledger["status"])),
        (GRADE_SECTION, section("grade", shown["grade"], computed["grade"])),
        (
            "按风险等级",
            section("risk_level", shown["risk_level"], ledger["risk_level"]),
        ),
        ("按到期提示", due_items),
        (TIMING_SECTION, timing),
        (DOCUMENTS_SECTION, documents),
        (MONTHS_SECTION, months),
    ]
    controls = control_figures(ledger, computed, rules)
    if controls:
        sections.insert(-1, (CONTROL_SECTION, controls))
    return sections


def control_figures(ledger: pd.DataFrame, computed: pd.DataFrame, rules: Rules) -> list[KeyFigure]:
    """准入与授信 on 汇总, for the control columns the ledger has: approved customers whose
    准入检查 is not empty, limits 超限, and scores off the rubrics (评分偏差 not empty)."""
    h = rules.header
    status = values.texts(ledger["status"])
    items = []

    def shown(key: str) -> np.ndarray:
        return values.texts(computed[key]) != "" if key in computed else np.zeros(len(ledger), bool)

    if rules.has("admission_check"):
        items.append(
            KeyFigure(
                "审核通过但不符合准入标准",
                int(np.sum((status == layout.STATUS_APPROVED) & shown("admission_check"))),
                f'=SUMPRODUCT(({_ref(h("status"))}="{layout.STATUS_APPROVED}")'
                f'*({_ref(h("admission_check"))}<>""))',
            )
        )
    if rules.has("limit_check"):
        over = values.texts(computed["limit_check"]) == formulas.LIMIT_OVER
        items.append(
            KeyFigure(
                "信用额度超过授信上限",
                int(np.sum(over)),
                _countifs(h("limit_check"), formulas.LIMIT_OVER),
            )
        )
    if rules.has("score_deviation"):
        items.append(
            KeyFigure(
                "评分偏离评分细则",
                int(np.sum(shown("score_deviation"))),
                f'=SUMPRODUCT(--({_ref(h("score_deviation"))}<>""))',
            )
        )
    return items


DOCUMENTS_SECTION = f"资信证明（{DOCUMENTS_RULE}）"


def _document_figures(doc_status, doc_inactive, rules: Rules) -> list[KeyFigure]:
    """资信证明已过期 / 即将到期, leaving out the documents of 已停用 customers: in the
    workbook, the documents with the status less those whose 客户编号 is 已停用 in 台账."""
    headers = {c.key: c.header for c in layout.CREDENTIAL_COLUMNS}
    status_col = _ref(headers["doc_status"], layout.TABLE_CREDENTIALS)
    id_col = _ref(headers["customer_id"], layout.TABLE_CREDENTIALS)
    ledger_ids, ledger_status = _ref(rules.header("customer_id")), _ref(rules.header("status"))
    inactive = (
        np.zeros(len(doc_status), dtype=bool)
        if doc_inactive is None
        else np.asarray(doc_inactive, dtype=bool)
    )
    status = values.texts(doc_status)
    out = []
    for label in (layout.DOC_EXPIRED, layout.DOC_SOON):
        owned_by_inactive = (
            f'SUMPRODUCT(({status_col}="{label}")*({id_col}<>"")*'
            f'(COUNTIFS({ledger_ids},{id_col},{ledger_status},"{layout.STATUS_INACTIVE}")>0))'
        )
        out.append(
            KeyFigure(
                f"资信证明{label}",
                int(np.sum((status == label) & ~inactive)),
                f'=COUNTIFS({status_col},"{label}")-{owned_by_inactive}',
            )
        )
    return out


def branch_counts(
    ledger: pd.DataFrame, cells: pd.Series | np.ndarray, branches: list[str], labels: list[str]
) -> pd.DataFrame:
    """The 汇总 branch table's twin: per branch, COUNTIFS(所属分公司, branch, column, label)
    for each label, 其他 (the branch's rows minus those) and 合计 (the branch's rows)."""
    branch = values.texts(ledger["branch"])
    column = values.texts(cells)
    rows = {}
    for name in branches:
        mine = branch == name
        counts = {label: int(np.sum(mine & (column == label))) for label in labels}
        rows[name] = {
            **counts,
            UNKNOWN: int(mine.sum()) - sum(counts.values()),
            TOTAL: int(mine.sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*labels, UNKNOWN, TOTAL])


# ---------------------------------------------------------------- summary tables (HQ)

SCORE_BINS = ((0.0, 50.0), (50.0, 60.0), (60.0, 70.0), (70.0, 80.0), (80.0, 90.0), (90.0, 100.0))
NOT_SCORED = "未评分"


def month_starts(as_of: dt.date, months: int = MONTHS_AHEAD) -> list[dt.date]:
    """The first day of the as-of month and of each following month (`months` + 1 dates)."""
    return [
        dt.date(as_of.year + (as_of.month - 1 + k) // 12, (as_of.month - 1 + k) % 12 + 1, 1)
        for k in range(months + 1)
    ]


def crosstab(customers: pd.DataFrame, column: str, labels: list[str]) -> pd.DataFrame:
    """所属分公司 × `column` (the template's branch table, `branch_counts`) for every branch in
    the data, the blank branch as （未填写）, and a 合计 row. Every row sums to its 合计."""
    branches = sorted(set(customers["branch"]), key=lambda b: b or BLANK_BRANCH)
    table = branch_counts(customers, customers[column], branches, labels)
    table = table.rename(index={"": BLANK_BRANCH})
    table.loc[TOTAL] = table.sum(axis=0)
    table.index.name = "所属分公司"
    return table.astype(int)


def score_distribution(customers: pd.DataFrame) -> pd.DataFrame:
    scores = customers["composite_score"].to_numpy(dtype=float)
    rows = []
    for i, (low, high) in enumerate(SCORE_BINS):
        last = i == len(SCORE_BINS) - 1
        hit = (scores >= low) & ((scores <= high) if last else (scores < high))
        label = f"{high:g}分以下" if i == 0 else f"{low:g}–{high:g}"
        rows.append({"band": label, "low": low, "high": high, "count": int(np.sum(hit))})
    rows.append(
        {"band": NOT_SCORED, "low": np.nan, "high": np.nan, "count": int(np.isnan(scores).sum())}
    )
    return pd.DataFrame(rows)


def reads():
    """What `summary_tables`, the summary workbook and the terminal's summary read of the books
    (`portfolio.book_part`): the control values, and the input columns of the due lists,
    which its lists are and beyond which its figures read none."""
    from ledger_xl.core import due  # due imports portfolio; keep summary importable on its own

    return Reads(controls=True, ledger_keys=due.LEDGER_KEYS, review_keys=due.PREVIOUS_REVIEW_KEYS)


def summary_tables(portfolio, within: int | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the summary workbook, as DataFrames (pure over the portfolio's frames).

    - key_figures: section, label, count. Every breakdown section ends with an
      unknown bucket and sums to 客户总数 (the timing section to the active customers).
    - branch_status, branch_grade: crosstabs with 合计 row and column.
    - grades: grade, count, share; scores: band, low, high, count;
      due_by_month: month, label, count for the next 12 months.
    - overdue, due_soon, never_reviewed: from `due.due_reviews`; documents, warnings.
    - data_quality: item, count, note — rows whose values could not be read.
    """
    from ledger_xl.core import due  # due imports portfolio; keep summary importable on its own

    customers, rules = portfolio.customers, portfolio.rules
    total = len(customers)
    # Each workbook keeps its own rules: the listed values are those of every workbook.
    shown = portfolio.labels()
    statuses, risks, grades = shown["status"], shown["risk_level"], shown["grade"]
    documents = portfolio.documents
    # The template's figures, over the used rows: the enriched frame holds the formula
    # columns too, and a renewed document's 证件状态 is 已更新, so it is not counted.
    figures = dict(
        key_figures(
            customers,
            customers,
            documents["doc_status"],
            rules,
            portfolio.as_of,
            labels=shown,
            doc_inactive=documents.get("owner_inactive"),
        )
    )
    months = figures.pop(MONTHS_SECTION)
    branches = customers.loc[customers["branch"] != "", "branch"].nunique()  # not （未填写）
    figures["总体"].append(KeyFigure("分公司数", int(branches), ""))
    key = pd.DataFrame(
        [
            {"section": name, "label": item.label, "count": item.count}
            for name, items in figures.items()
            for item in items
        ]
    )
    grade_counts = pd.DataFrame(
        [(i.label, i.count) for i in figures[GRADE_SECTION]], columns=["grade", "count"]
    )
    grade_counts["share"] = grade_counts["count"] / total if total else 0.0
    due_by_month = pd.DataFrame(
        {
            "month": month_starts(portfolio.as_of)[:MONTHS_AHEAD],
            "label": [i.label for i in months],
            "count": [i.count for i in months],
        }
    )
    lists = due.due_reviews(customers, within)
    quality = [
        (
            "最近审核日期无法识别",
            int(customers["last_review_unreadable"].sum()),
            "不是日期（如文本“2024-3-5”），到期提示无法判断；用 ledger-xl validate 查看具体单元格",
        ),
        (
            "审核周期无法确定",
            int(
                (
                    ~customers["last_review_unreadable"]
                    & (customers["last_review_raw"] != "")
                    & customers["cycle_months"].isna()
                ).sum()
            ),
            "风险等级或客户类别不在审核周期表中",
        ),
        (
            "审核状态未填写或不在列表中",
            int((~customers["status"].isin(statuses)).sum()),
            "计入“按审核状态”的未填写或无法识别",
        ),
        (
            "风险等级未填写或不在列表中",
            int((~customers["risk_level"].isin(risks)).sum()),
            "计入“按风险等级”的未填写或无法识别",
        ),
        ("所属分公司未填写", int((customers["branch"] == "").sum()), "分公司表中记为（未填写）"),
        (
            "评分不全（评级待补充）",
            int(customers["grade"].isin(portfolio.incomplete_grades()).sum()),
            "四项维度评分未填全，无法计算综合评分",
        ),
        (
            "资信证明有效期至无法识别",
            int(((documents["expires_raw"] != "") & documents["doc_days"].isna()).sum()),
            "有效期至不是日期",
        ),
        ("无法读取的工作簿", len(portfolio.unreadable), "见“数据说明”中的文件列表"),
    ]
    return {
        "key_figures": key,
        "branch_status": crosstab(customers, "status", statuses),
        "branch_grade": crosstab(customers, "grade", grades),
        "grades": grade_counts,
        "scores": score_distribution(customers),
        "due_by_month": due_by_month,
        "overdue": lists[lists["flag"] == layout.DUE_OVERDUE].reset_index(drop=True),
        "due_soon": lists[lists["flag"] == layout.DUE_SOON].reset_index(drop=True),
        "never_reviewed": lists[
            lists["flag"].isin([layout.DUE_NEVER, layout.DUE_UNKNOWN])
        ].reset_index(drop=True),
        "documents": due.expiring_documents(portfolio.documents),
        "warnings": due.risk_warnings(
            customers,
            portfolio.documents,
            portfolio.reviews,
            portfolio.as_of,
            rules,
            rules_by_file=portfolio.rules_by_file,
        ),
        "data_quality": pd.DataFrame(quality, columns=["item", "count", "note"]),
    }
