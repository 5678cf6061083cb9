"""The workbook of `ledger-xl due`: the three lists as filterable tables (overdue red, due soon
amber) and a 说明 sheet with the as-of date, the windows and the counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_xl.core import due
from ledger_xl.core.errors import OutputError
from ledger_xl.io.read import open_calamine
from ledger_xl.io.xlsx.due_list import LIST_SPECS, SHEET_ORDER, build_due_workbook
from ledger_xl.io.xlsx.list_sheets import REVIEW_FLAGS
from tests.workbook.test_summary_book import (
    AS_OF,
    assert_flag_colours,
    assert_list_sheet,
    assert_table_sheet,
    conditional_rules,
    demo_portfolio,
    grid,
    list_rows,
)


@pytest.fixture(scope="module")
def data():
    p = demo_portfolio()
    return p, due.portfolio_due(p)


@pytest.fixture(scope="module")
def book(tmp_path_factory, data) -> Path:
    p, lists = data
    return build_due_workbook(tmp_path_factory.mktemp("due") / "到期清单.xlsx", lists, p)


def _notes(path: Path) -> dict[str, object]:
    """Column A → column B of the 说明 sheet."""
    g = grid(path, "说明")
    return {g.value(r, 0): g.value(r, 1) for r in range(g.height) if g.value(r, 0)}


def _counts(path: Path) -> dict[str, tuple[int, dict[str, int]]]:
    """The 清单 / 条数 block of 说明: each list's row count and its count per flag."""
    g = grid(path, "说明")
    sheets = {spec.sheet for spec in LIST_SPECS.values()}
    out: dict[str, tuple[int, dict[str, int]]] = {}
    current = None
    for r in range(g.find_row("清单", 0) + 1, g.height):
        label, count = g.value(r, 0), g.value(r, 1)
        if count is None:
            break
        if label in sheets:
            current = label
            out[current] = (count, {})
        else:
            out[current][1][label] = count
    return out


def test_sheets_in_order(book):
    assert open_calamine(book).sheet_names == list(SHEET_ORDER)
    assert list(SHEET_ORDER) == ["待审核客户", "审核等待", "证件到期", "风险预警", "说明"]


@pytest.mark.parametrize("key", list(LIST_SPECS))
def test_lists_equal_input(book, data, key):
    _, lists = data
    spec = LIST_SPECS[key]
    assert len(lists[key]), "the demo should fill every list"
    assert_list_sheet(book, spec.sheet, lists[key], spec.columns)
    assert_table_sheet(book, spec.sheet, len(spec.columns), len(lists[key]))


def test_reviews_most_urgent_first_with_colours(book, data):
    _, lists = data
    reviews = lists["reviews"]
    _, rows = list_rows(book, "待审核客户")
    assert [r[1] for r in rows] == reviews["customer_id"].tolist()
    assert [r[0] for r in rows] == reviews["flag"].tolist()
    assert rows[0][0] == "已逾期"
    spec = LIST_SPECS["reviews"]
    assert_flag_colours(book, spec.sheet, len(reviews), len(spec.columns), "已逾期", "即将到期")


def test_documents_expired_red(book, data):
    _, lists = data
    spec = LIST_SPECS["documents"]
    n = len(lists["documents"])
    assert_flag_colours(book, spec.sheet, n, len(spec.columns), "已过期", "即将到期")
    _, rows = list_rows(book, spec.sheet)
    numbers = [r[spec.columns.index("doc_number")] for r in rows]
    assert numbers == lists["documents"]["doc_number"].tolist()  # masked as given
    assert conditional_rules(book, "风险预警") == []


def test_notes_sheet(book, data):
    _, lists = data
    notes = _notes(book)
    assert notes["基准日"] == AS_OF
    assert notes["来源文件数"] == 1
    assert notes["审核提醒窗口"] == "按各工作簿的审核提醒天数（30 天）"
    assert notes["证件提醒窗口"] == "按各工作簿的证件提醒天数（60 天）"
    assert notes["分公司"] == "全部"
    counts = _counts(book)
    assert list(counts) == [spec.sheet for spec in LIST_SPECS.values()]
    for key, column in (
        ("reviews", "flag"),
        ("waiting", "status"),
        ("documents", "doc_status"),
        ("warnings", "warning"),
    ):
        total, by_flag = counts[LIST_SPECS[key].sheet]
        assert total == len(lists[key])
        assert by_flag == lists[key][column].value_counts().to_dict()
        assert sum(by_flag.values()) == total
    # most urgent first, as the list is sorted
    shown = set(lists["reviews"]["flag"])
    assert list(counts["待审核客户"][1]) == [f for f in REVIEW_FLAGS if f in shown]
    assert {"已逾期", "提前复审", "未审核", "即将到期"} <= shown


def test_notes_name_the_windows_and_branch(tmp_path):
    p = demo_portfolio()
    lists = due.portfolio_due(p, within=45, document_within=90, branch="上海分公司")
    path = build_due_workbook(
        tmp_path / "到期.xlsx", lists, p, within=45, document_within=90, branch="上海分公司"
    )
    notes = _notes(path)
    assert notes["审核提醒窗口"] == "45 天内到期（命令行指定）"
    assert notes["证件提醒窗口"] == "90 天内到期（命令行指定）"
    assert notes["分公司"] == "上海分公司"
    _, rows = list_rows(path, "待审核客户")
    assert rows and {r[3] for r in rows} == {"上海分公司"}


def test_empty_lists(tmp_path, data):
    p, lists = data
    empty = {key: frame.iloc[0:0] for key, frame in lists.items()}
    path = build_due_workbook(tmp_path / "到期.xlsx", empty, p)
    for spec in LIST_SPECS.values():
        header, rows = list_rows(path, spec.sheet)
        assert header == [due.LABELS[k] for k in spec.columns]
        assert rows == []
        assert grid(path, spec.sheet).value(2, 0) == spec.empty
        assert_table_sheet(path, spec.sheet, len(spec.columns), 0)
    assert list(_counts(path).values()) == [(0, {})] * len(LIST_SPECS)


def test_refuses_to_overwrite(tmp_path, data):
    p, lists = data
    target = tmp_path / "到期.xlsx"
    build_due_workbook(target, lists, p)
    with pytest.raises(OutputError):
        build_due_workbook(target, lists, p)
    assert build_due_workbook(target, lists, p, overwrite=True) == target
    assert [f.name for f in tmp_path.iterdir()] == ["到期.xlsx"]
