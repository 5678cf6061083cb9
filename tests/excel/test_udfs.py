"""The custom functions as plain functions (xlwings' decorators are pass-throughs off Windows):
on real inputs, blanks, error values and wrong shapes; against the core on the parity rows;
and against what LibreOffice's formulas compute, called the way Excel calls them (values read
from the open workbook, the calling cell as `caller`)."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ledger_xl import udfs
from ledger_xl.core import layout, scoring, twins
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.identifiers import resident_id_check_char, uscc_check_char
from ledger_xl.core.validate import validate_book
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

from ..validation.helpers import uscc
from ..workbook.parity_data import AS_OF, parity_ledger

ERROR = udfs.PREFIX
VALID_USCC = "91350100M000100Y4" + uscc_check_char("91350100M000100Y4")
VALID_ID = "11010519491231002" + resident_id_check_char("11010519491231002")


def column(values) -> list[list]:
    return [[v] for v in values]


def flat(grid) -> list:
    return [row[0] for row in grid]


def is_error(result) -> bool:
    return len(result) == 1 and isinstance(result[0][0], str) and result[0][0].startswith(ERROR)


# ---------------------------------------------------------------- LEDGER_SCORE


def test_score_weights_and_rounds_like_the_formula():
    result = udfs.LEDGER_SCORE([[80, 90, 70, 60], [84.95, 84.95, 84.95, 84.95], [100, 0, 0, 0]])
    assert flat(result) == [77.0, 85.0, 30.0]


def test_score_is_blank_when_a_dimension_is_missing_text_or_an_error():
    rows = [[None, 80, 80, 80], ["85", 80, 80, 80], ["#N/A", 80, 80, 80], [True, 80, 80, 80]]
    assert flat(udfs.LEDGER_SCORE(rows)) == ["", "", "", ""]


def test_score_with_weights_as_fractions_or_percent_numbers():
    scores = [[80, 90, 70, 60]]
    assert flat(udfs.LEDGER_SCORE(scores, [[0.4, 0.2, 0.2, 0.2]])) == [76.0]
    assert flat(udfs.LEDGER_SCORE(scores, [[40], [20], [20], [20]])) == [76.0]


@pytest.mark.parametrize(
    ("scores", "weights", "says"),
    [
        ([[80, 90, 70, 60]], [[0.3, 0.3, 0.2, 0.3]], "权重合计不为100%"),
        ([[80, 90, 70, 60]], [[0.5, 0.5]], "评分有 4 列，权重有 2 个"),
        ([[80, 90, 70, 60]], [["三成", 0.3, 0.2, 0.2]], "权重应为数字"),
        ([[80, 90, 70, 60]], [[0.3, 0.3], [0.2, 0.2]], "应为一列（或一行）"),
        ([[80, 90, 70]], None, "评分应有 4 列"),
    ],
)
def test_score_bad_arguments_say_what_is_wrong(scores, weights, says):
    result = udfs.LEDGER_SCORE(scores, weights)
    assert is_error(result) and says in result[0][0]


def test_score_of_a_single_blank_cell():
    assert udfs.LEDGER_SCORE(None) == [
        ["#LEDGER: 评分应有 4 列（财务状况、信用记录、合作历史、市场声誉），现为 1 列"]
    ]


# ---------------------------------------------------------------- LEDGER_GRADE


def test_grade_bands_blank_text_and_errors():
    result = udfs.LEDGER_GRADE([[84.95], [85], [70], [59.99], [None], ["x"], ["#DIV/0!"]])
    assert flat(result)[:5] == ["B", "A", "B", "D", "待补充"]
    assert flat(result)[5] == ERROR + "“x”不是分数"
    assert flat(result)[6] == ERROR + "评分是错误值 #DIV/0!"


def test_grade_keeps_the_shape_of_the_range():
    assert udfs.LEDGER_GRADE([[90, 65], [None, 71]]) == [["A", "C"], ["待补充", "B"]]


def test_grade_with_bands_from_a_table_like_the_rule_sheet():
    bands = [["甲", 90, "优"], ["乙", 75, ""], ["丙", None, "其余"]]
    assert flat(udfs.LEDGER_GRADE([[95], [80], [10]], bands)) == ["甲", "乙", "丙"]


@pytest.mark.parametrize(
    ("bands", "says"),
    [
        ([["A", 80], ["B", 90]], "评级下限必须从高到低严格递减"),
        ([["A", "高"]], "最低分应为数字"),
        ([["A"], ["B"]], "评级表应有两列"),
        ([[None, None]], "评级表中没有评级"),
    ],
)
def test_grade_bad_bands(bands, says):
    result = udfs.LEDGER_GRADE([[80]], bands)
    assert is_error(result) and says in result[0][0]


# ---------------------------------------------------------------- LEDGER_NEXT_DUE


def test_next_due_month_ends_and_cycles():
    last = [dt.datetime(2024, 1, 31), dt.datetime(2023, 11, 30), dt.datetime(2024, 8, 31)]
    result = udfs.LEDGER_NEXT_DUE(
        column(last), column(["高", "低", "中"]), column(["一般", "一般", "重要"])
    )
    assert flat(result) == [dt.date(2024, 4, 30), dt.date(2024, 11, 30), dt.date(2024, 11, 30)]


def test_next_due_blank_when_it_cannot_be_computed():
    last = [None, "2024年3月5日", dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1), "#N/A"]
    risk = ["高", "高", "极高", None, "高"]
    category = ["重要", "重要", "重要", "重要", "重要"]
    assert flat(udfs.LEDGER_NEXT_DUE(column(last), column(risk), column(category))) == [""] * 5


def test_next_due_takes_serial_numbers_as_dates():
    # a 最近审核日期 column without a date format reaches Python as serial numbers
    assert flat(udfs.LEDGER_NEXT_DUE([[45322.0]], [["高"]], [["重要"]])) == [dt.date(2024, 4, 30)]


def test_next_due_wrong_shapes():
    result = udfs.LEDGER_NEXT_DUE(column([None] * 3), column(["高"] * 2), column(["一般"] * 3))
    assert is_error(result) and "行数应相同" in result[0][0]
    result = udfs.LEDGER_NEXT_DUE(
        column([None] * 2), column(["高"] * 2), column(["一般"] * 2), column(["审核通过"])
    )
    assert is_error(result) and "2、2、2、1" in result[0][0]
    result = udfs.LEDGER_NEXT_DUE([[1, 2], [3, 4]], [["高"], ["中"]], [["一般"], ["一般"]])
    assert is_error(result) and "“最近审核日期”应为一列" in result[0][0]


# ---------------------------------------------------------------- LEDGER_DUE_STATUS


def test_due_status_windows():
    day = dt.datetime(2026, 11, 23)
    dates = [
        day - dt.timedelta(days=1),
        day,
        day + dt.timedelta(days=30),
        day + dt.timedelta(days=31),
    ]
    result = udfs.LEDGER_DUE_STATUS(column(dates), day)
    assert flat(result) == ["已逾期", "即将到期", "即将到期", "正常"]


def test_due_status_blank_for_blank_text_and_errors_and_as_of_as_serial():
    result = udfs.LEDGER_DUE_STATUS([[None, "明年", "#N/A"]], 46349.0)  # 2026-11-23
    assert result == [["", "", ""]]


def test_due_status_bad_as_of():
    result = udfs.LEDGER_DUE_STATUS([[dt.datetime(2026, 1, 1)]], "下周")
    assert is_error(result) and "基准日应为日期" in result[0][0]


# ---------------------------------------------------------------- LEDGER_CHECK_USCC / _ID


def test_check_uscc_reasons_match_the_validator():
    codes = [
        VALID_USCC,
        None,
        "  ",
        "91350100M000100Y4X",
        "abc",
        "91350100m000100y43",
        9.135e17,
        "#REF!",
    ]
    messages = flat(udfs.LEDGER_CHECK_USCC(column(codes)))
    assert messages[:3] == ["", "", ""]
    assert "校验位错误" in messages[3]
    assert "应为18位，现为 3 位" in messages[4]
    assert "含有不允许的字符" in messages[5]
    assert "被存成了数字" in messages[6]
    assert messages[7] == ERROR + "单元格是错误值 #REF!"
    # the same values in a ledger get the same messages from validate_book
    found = _ledger_findings("uscc", codes[:7])
    assert {m for m in messages[:7] if m} == found


def test_check_id_reasons_match_the_validator():
    numbers = [
        VALID_ID,
        "",
        "1101051949123100",
        "11010519491331002X",
        VALID_ID[:-1] + "0",
        1.1e17,
        "#N/A",
    ]
    messages = flat(udfs.LEDGER_CHECK_ID(column(numbers)))
    assert messages[:2] == ["", ""]
    assert "应为18位" in messages[2] and "出生日期不存在" in messages[3]
    assert "校验位错误" in messages[4] and "被存成了数字" in messages[5]
    assert messages[6] == ERROR + "单元格是错误值 #N/A"
    found = _credential_findings(numbers[:6])
    assert {m for m in messages[:6] if m} == found


def test_check_functions_keep_the_shape():
    result = udfs.LEDGER_CHECK_ID([[VALID_ID, "x"], [None, VALID_ID]])
    assert [[bool(m) for m in row] for row in result] == [[False, True], [False, False]]


def _ledger_findings(key: str, cells: list) -> set[str]:
    from ledger_xl.core.book import LedgerBook, Table

    frame = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(len(cells))], key: cells}, dtype=object
    )
    frame[key] = [
        None if (v is None or (isinstance(v, str) and not v.strip())) else v for v in cells
    ]
    table = Table(
        layout.SHEET_LEDGER, frame, list(range(4, 4 + len(cells))), {"customer_id": 0, key: 1}, 2
    )
    result = validate_book(LedgerBook("x", ledger=table), AS_OF)
    return {
        f.message
        for f in result.findings
        if f.column == DEFAULT_RULES.header(key)
        and (f.code.startswith("uscc-") or f.code == "id-stored-as-number")
    }


def _credential_findings(numbers: list) -> set[str]:
    from ledger_xl.core.book import LedgerBook, Table

    ledger = pd.DataFrame({"customer_id": ["C1"]}, dtype=object)
    credentials = pd.DataFrame(
        {
            "customer_id": ["C1"] * len(numbers),
            "doc_type": ["法定代表人身份证"] * len(numbers),
            "doc_number": [None if v == "" else v for v in numbers],
        },
        dtype=object,
    )
    book = LedgerBook(
        "x",
        ledger=Table(layout.SHEET_LEDGER, ledger, [4], {"customer_id": 0}, 2),
        credentials=Table(
            layout.SHEET_CREDENTIALS,
            credentials,
            list(range(3, 3 + len(numbers))),
            {"customer_id": 0, "doc_type": 2, "doc_number": 3},
            1,
        ),
    )
    result = validate_book(book, AS_OF)
    return {f.message for f in result.findings if f.column == "证件号码"}


# ---------------------------------------------------------------- LEDGER_CHECK_ROW


HEADERS = [f.header for f in DEFAULT_RULES.fields]


def _row(**values) -> list:
    keys = [f.key for f in DEFAULT_RULES.fields]
    return [values.get(k) for k in keys]


def test_check_row_lists_each_rows_findings():
    good = _row(customer_id="SH000001", name="上海甲有限公司", uscc=VALID_USCC, status="待审核")
    bad = _row(
        customer_id="SH000002", name="上海乙有限公司", uscc="123", email="a@@b", score_financial=120
    )
    result = udfs.LEDGER_CHECK_ROW([good, bad], [HEADERS])
    assert len(result) == 2
    text = result[1][0]
    assert "统一社会信用代码“123”应为18位" in text and "电子邮箱" in text
    assert "“财务状况”应为 0–100 的数值，现为 120" in text
    assert "；" in text


def test_check_row_clean_row_and_subset_of_columns():
    headers = ["客户编号", "客户名称", "统一社会信用代码", "电子邮箱"]
    rows = [["SH000001", "甲公司", uscc(1), "a@b.cn"], ["SH000002", "乙公司", uscc(2), "bad"]]
    result = udfs.LEDGER_CHECK_ROW(rows, [headers])
    assert result[0][0] == ""
    assert result[1][0] == "“电子邮箱”“bad”不是有效的电子邮箱"


def test_check_row_sees_a_hand_typed_composite_score():
    row = _row(
        customer_id="SH1",
        name="甲公司",
        score_financial=80,
        score_credit=80,
        score_history=80,
        score_reputation=80,
        composite_score=95,
        grade="A",
    )
    text = udfs.LEDGER_CHECK_ROW([row], [HEADERS])[0][0]
    assert "综合评分" in text and "按规则应为 80" in text


def test_check_row_duplicates_within_the_range():
    rows = [_row(customer_id="SH1", name="甲"), _row(customer_id="SH1", name="乙")]
    result = udfs.LEDGER_CHECK_ROW(rows, [HEADERS])
    assert all("客户编号“SH1”重复" in r[0] for r in result)


@pytest.mark.parametrize(
    ("rows", "headers", "says"),
    [
        ([["a", "b"]], [["客户编号", "客户名称", "行业"]], "表头有 3 列，数据有 2 列"),
        ([["a"]], [["客户编号"], ["客户名称"]], "表头应为一行"),
        ([["a", "b"]], [["甲", "乙"]], "表头中没有台账的列名"),
    ],
)
def test_check_row_wrong_shapes(rows, headers, says):
    result = udfs.LEDGER_CHECK_ROW(rows, headers)
    assert is_error(result) and says in result[0][0]


def test_an_unexpected_error_is_text_not_a_traceback(monkeypatch):
    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(udfs, "score_rows", broken)
    assert udfs.LEDGER_SCORE([[1, 2, 3, 4]]) == [
        [ERROR + "内部错误（RuntimeError: boom），请反馈给开发者"]
    ]


# ---------------------------------------------------------------- the core, on the parity rows


@pytest.fixture(scope="module")
def parity():
    ledger = parity_ledger()
    return ledger, twins.ledger_formulas(ledger, DEFAULT_RULES, AS_OF)


def _same(got, want) -> bool:
    if isinstance(want, pd.Timestamp) or want is pd.NaT:
        want = None if want is pd.NaT else want.date()
    if isinstance(want, np.datetime64):
        want = None if np.isnat(want) else want.astype("datetime64[D]").astype(dt.date)
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got == ""
    return got == want


def test_udfs_equal_the_core_on_the_parity_rows(parity):
    ledger, computed = parity
    dims = [
        DEFAULT_RULES.field(k)
        for k in ("score_financial", "score_credit", "score_history", "score_reputation")
    ]
    scores = ledger[[d.key for d in dims]].values.tolist()
    score = flat(udfs.LEDGER_SCORE(scores))
    assert all(_same(g, w) for g, w in zip(score, computed["composite_score"], strict=True))
    shown = column(["" if math.isnan(v) else v for v in computed["composite_score"]])
    used = ~twins.empty_rows(ledger)
    grades = flat(udfs.LEDGER_GRADE(shown))
    assert [g for g, u in zip(grades, used, strict=True) if u] == list(computed["grade"][used])
    by_rows = [ledger["last_review"], ledger["risk_level"], ledger["category"]]
    nxt = flat(udfs.LEDGER_NEXT_DUE(*(column(c) for c in by_rows), column(ledger["status"])))
    # With 审核状态, a 审核未通过 customer leaves the schedule, as in the ledger.
    assert all(_same(g, w) for g, w in zip(nxt, computed["next_review"], strict=True))
    # Without it, every customer is scheduled: the rest agree with the ledger.
    unaware = flat(udfs.LEDGER_NEXT_DUE(*(column(c) for c in by_rows)))
    scheduled = (ledger["status"] != layout.STATUS_REJECTED).to_numpy()
    assert not scheduled.all()
    assert all(
        _same(g, w)
        for g, w, s in zip(unaware, computed["next_review"], scheduled, strict=True)
        if s
    )
    flags = flat(udfs.LEDGER_DUE_STATUS(column(nxt), AS_OF))
    judged = (
        used
        & scheduled
        & ledger["last_review"].notna().to_numpy()
        & (ledger["status"] != layout.STATUS_INACTIVE).to_numpy()
    )
    assert [f for f, j in zip(flags, judged, strict=True) if j] == list(
        computed["due_flag"][judged]
    )
    assert judged.sum() > 600


def test_import_loads_only_the_core():
    code = (
        "import sys, json, ledger_xl.udfs\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('ledger_xl', "
        "'python_calamine', 'xlsxwriter', 'openpyxl', 'uno', 'typer', 'rich')))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert loaded - {"ledger_xl", "ledger_xl.udfs"} <= {
        m for m in loaded if m.startswith("ledger_xl.core")
    }


# ---------------------------------------------------------------- the formulas (LibreOffice)


@pytest.fixture(scope="module")
def opened(office, tmp_path_factory):
    ledger = parity_ledger()
    path = build_ledger_workbook(
        tmp_path_factory.mktemp("udf") / "parity.xlsx",
        LedgerContent(ledger=ledger),
        options=BuildOptions(fixed_as_of=AS_OF, spare_rows=5),
    )
    book = office.open(path)
    yield ledger, book
    book.close()


def _ledger_columns(book, n: int) -> dict[str, list]:
    sheet = book.sheets[layout.SHEET_LEDGER]
    top = layout.LEDGER_HEADER_ROW + 1
    block = sheet.range((top, 1), (top + n, len(DEFAULT_RULES.fields))).options(ndim=2).value
    headers = block[0]
    return {
        f.key: [row[headers.index(f.header)] for row in block[1:]] for f in DEFAULT_RULES.fields
    }


@pytest.mark.libreoffice
@pytest.mark.slow
def test_udfs_equal_what_the_formulas_compute_in_libreoffice(opened):
    ledger, book = opened
    caller = book.sheets[layout.SHEET_LEDGER].range("A1")  # rules and 基准日 from the workbook
    cells = _ledger_columns(book, len(ledger))
    keys = ("score_financial", "score_credit", "score_history", "score_reputation")
    scores = [list(r) for r in zip(*(cells[k] for k in keys), strict=True)]
    engine_score = ["" if v is None else v for v in cells["composite_score"]]
    assert flat(udfs.LEDGER_SCORE(scores, caller=caller)) == engine_score
    used = ~twins.empty_rows(ledger)
    grades = flat(udfs.LEDGER_GRADE(column(cells["composite_score"]), caller=caller))
    assert [g for g, u in zip(grades, used, strict=True) if u] == [
        v for v, u in zip(cells["grade"], used, strict=True) if u
    ]
    nxt = flat(
        udfs.LEDGER_NEXT_DUE(
            column(cells["last_review"]),
            column(cells["risk_level"]),
            column(cells["category"]),
            caller=caller,
        )
    )
    engine_next = ["" if v is None else v.date() for v in cells["next_review"]]
    scheduled = (ledger["status"] != layout.STATUS_REJECTED).to_numpy()  # see above
    assert [n for n, s in zip(nxt, scheduled, strict=True) if s] == [
        n for n, s in zip(engine_next, scheduled, strict=True) if s
    ]
    flags = flat(udfs.LEDGER_DUE_STATUS(column(cells["next_review"]), caller=caller))
    judged = (
        used
        & scheduled
        & ledger["last_review"].notna().to_numpy()
        & (ledger["status"] != layout.STATUS_INACTIVE).to_numpy()
    )
    engine_flags = ["" if v is None else v for v in cells["due_flag"]]
    assert [f for f, j in zip(flags, judged, strict=True) if j] == [
        v for v, j in zip(engine_flags, judged, strict=True) if j
    ]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_udfs_follow_the_workbooks_edited_weights(opened):
    _, book = opened
    sheet = book.sheets[layout.SHEET_SCORING]
    host = book.ledger_xl_host
    with host.unprotected(sheet):
        sheet.range("C5:C8").value = [[0.4], [0.2], [0.2], [0.2]]
    try:
        book.calculate()
        caller = book.sheets[layout.SHEET_LEDGER].range("A1")
        cells = _ledger_columns(book, 20)
        keys = ("score_financial", "score_credit", "score_history", "score_reputation")
        scores = [list(r) for r in zip(*(cells[k] for k in keys), strict=True)]
        got = flat(udfs.LEDGER_SCORE(scores, caller=caller))
        assert got == ["" if v is None else v for v in cells["composite_score"]]
        assert got != flat(udfs.LEDGER_SCORE(scores))  # the default weights give other scores
    finally:
        with host.unprotected(sheet):
            sheet.range("C5:C8").value = [[0.3], [0.3], [0.2], [0.2]]
        book.calculate()


@pytest.mark.libreoffice
@pytest.mark.slow
def test_broken_rule_sheet_of_the_caller_is_named(opened):
    _, book = opened
    sheet = book.sheets[layout.SHEET_SCORING]
    host = book.ledger_xl_host
    with host.unprotected(sheet):
        sheet.range("C5").value = 0.5
    try:
        result = udfs.LEDGER_SCORE([[1, 2, 3, 4]], caller=book.sheets[0].range("A1"))
        assert is_error(result) and "规则表有误" in result[0][0] and "权重合计" in result[0][0]
    finally:
        with host.unprotected(sheet):
            sheet.range("C5").value = 0.3


def test_scoring_twin_is_what_score_rows_uses():
    # LEDGER_SCORE is thin: the same function the validator and the template's twin use
    grid = [[80, 90, 70, 60]]
    table = pd.DataFrame(
        {d.column: [grid[0][j]] for j, d in enumerate(DEFAULT_RULES.scoring.dimensions)}
    )
    assert (
        udfs.score_rows(grid, DEFAULT_RULES.scoring)[0][0]
        == scoring.composite_scores(table, DEFAULT_RULES.scoring)[0]
    )


def test_the_add_in_does_not_load_the_file_layers():
    # Excel imports ledger_xl.macros for every click: only the core and the add-in's own edge
    code = (
        "import sys, json, ledger_xl.macros, ledger_xl.udfs\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('ledger_xl.io', "
        "'ledger_xl.app', 'ledger_xl.cli', 'python_calamine', 'xlsxwriter', 'openpyxl', 'uno')))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
