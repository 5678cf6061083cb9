"""Every button handler on a real workbook open in LibreOffice (through the UNO adapter): what
the workbook holds afterwards — cells, colours, notes, new sheets, filters, appended rows — and
that a second 校验 leaves no stale marks."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from xlsxwriter.utility import xl_col_to_name

from ledger_xl import macros
from ledger_xl.app.demo import run_demo
from ledger_xl.app.validate import validate_workbook
from ledger_xl.core import layout
from ledger_xl.core.checks.formula_cells import normalise_formula
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.formulas import ledger_formulas
from ledger_xl.core.validate import validate_book
from ledger_xl.excel import marks
from ledger_xl.excel.host import AddinError
from ledger_xl.excel.workbook import find_sheet, formula_text, read_ledger_book, sheet_grid
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

from ..validation.helpers import AS_OF, good_approval, good_credentials, good_review, good_row

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

TODAY = dt.date(2026, 4, 2)
KEYS = [f.key for f in DEFAULT_RULES.fields]


def at(key: str, row: int) -> str:
    """The 台账 cell of a column (by field key) in a sheet row: the letters follow the rules."""
    return f"{xl_col_to_name(KEYS.index(key))}{row}"


USER_FILL = (0xDD, 0xEE, 0xFF)


def build(tmp_path: Path, *, password: str | None = None, spare: int = 5, name="台账.xlsm") -> Path:
    rows = [
        good_row(1),
        good_row(2, email="zhang@@example"),
        good_row(3, uscc="123"),
        good_row(4, revenue="2,433.94"),
        good_row(
            5,
            risk_level="高",
            last_review=dt.date(2025, 1, 1),
            approval_level="总部风控",
            approver="孙八",
            approval_date=dt.date(2025, 1, 2),
        ),
        good_row(6, customer_id="SH000001"),
        good_row(7, status="审核中", reviewer=None),
    ]
    credentials = [c for n in range(1, 8) for c in good_credentials(n)]
    credentials += [  # a high-risk customer's further documents (准入标准)
        {**credentials[8], "doc_type": kind, "doc_number": kind, "expires": dt.date(2026, 12, 31)}
        for kind in ("银行资信证明", "财务报表", "信用报告")
    ]
    reviews = [r for n in range(1, 8) for r in (good_review(n), good_approval(n))]
    old = dt.date(2025, 1, 1)  # SH000005's last review, approved by both levels
    reviews[8:10] = [
        good_review(5, review_date=old),
        good_approval(5, review_date=old, approval_date=dt.date(2025, 1, 2)),
        good_approval(5, "总部风控", review_date=old, approval_date=dt.date(2025, 1, 2)),
    ]
    content = LedgerContent(
        pd.DataFrame(rows, dtype=object),
        pd.DataFrame(credentials, dtype=object),
        pd.DataFrame(reviews, dtype=object),
    )
    options = BuildOptions(fixed_as_of=AS_OF, spare_rows=spare, password=password)
    return build_ledger_workbook(tmp_path / name, content, options=options)


@pytest.fixture
def workbook(office, tmp_path):
    book = office.open(build(tmp_path))
    yield book
    book.close()


def _ledger(book):
    return book.sheets[layout.SHEET_LEDGER]


def _snapshot(book, cells: list[tuple[str, str]]) -> dict:
    """(fill, note text) of cells, to compare before and after."""
    out = {}
    for sheet_name, cell in cells:
        rng = book.sheets[sheet_name].range(cell)
        note = rng.note
        out[(sheet_name, cell)] = (rng.color, note.text if note else None)
    return out


# ---------------------------------------------------------------- 校验


def test_validate_marks_every_cell_and_writes_the_results_sheet(workbook, tmp_path):
    ledger = _ledger(workbook)
    ledger.range(at("email", 5)).color = USER_FILL  # the clerk's own colour and note on a bad cell
    ledger.range(at("email", 5)).add_note("客户说下周改邮箱")
    done = macros.validate(workbook)
    expected = validate_workbook(tmp_path / "台账.xlsm", as_of=AS_OF)
    assert done.as_of == AS_OF
    assert [(f.code, f.sheet, f.cell) for f in done.result.findings] == [
        (f.code, f.sheet, f.cell) for f in expected.findings
    ]
    codes = {f.code for f in done.result.findings}
    assert {"email-invalid", "uscc-length", "number-as-text", "duplicate-customer-id"} <= codes
    for (sheet, cell), items in marks.by_cell(done.result.findings).items():
        rng = workbook.sheets[sheet].range(cell)
        worst = any(f.severity.value == "error" for f in items)
        assert rng.color == (marks.ERROR_FILL if worst else marks.WARNING_FILL)
        assert all(f.message in rng.note.text for f in items)
    assert ledger.range(at("email", 5)).note.text.startswith(
        "客户说下周改邮箱\n\n" + marks.NOTE_TITLE
    )
    assert done.marked == len(marks.by_cell(done.result.findings))

    results = workbook.sheets[layout.SHEET_CHECK_RESULTS]
    grid = sheet_grid(results)
    assert "个错误" in grid.value(0, 0)
    header = [grid.value(3, c) for c in range(8)]
    assert header == ["序号", "级别", "位置", "客户编号", "列", "问题代码", "值", "说明"]
    listed = [(grid.value(r, 5), grid.value(r, 2)) for r in range(4, grid.height)]
    assert sorted(listed) == sorted((f.code, f"{f.sheet}!{f.cell}") for f in done.result.findings)
    first = results.range("C5")
    sheet, cell = first.value.split("!")
    assert first.formula == f'=HYPERLINK("#\'{sheet}\'!{cell}","{sheet}!{cell}")'
    hidden = find_sheet(workbook, layout.SHEET_MARKS)
    assert hidden is not None and not hidden.visible
    assert len(marks.recorded_marks(workbook)) == done.marked


def test_second_validate_clears_the_first_and_leaves_no_stale_marks(workbook):
    ledger = _ledger(workbook)
    ledger.range(at("email", 5)).color = USER_FILL
    ledger.range(at("email", 5)).add_note("客户说下周改邮箱")
    ledger.range("B4").color = USER_FILL  # a colour on a clean cell
    before = _snapshot(
        workbook,
        [
            (layout.SHEET_LEDGER, c)
            for c in (at("email", 5), "B4", "C6", at("revenue", 7), "A9", "A4")
        ],
    )
    first = macros.validate(workbook)
    touched = list(marks.by_cell(first.result.findings))
    # between the clicks the clerk fixes the e-mail and the USCC
    ledger.range(at("email", 5)).value = "zhang@example.com"
    ledger.range("C6").value = good_row(3)["uscc"]
    second = macros.validate(workbook)
    assert second.cleared == first.marked
    assert _snapshot(
        workbook, [(layout.SHEET_LEDGER, at("email", 5)), (layout.SHEET_LEDGER, "C6")]
    ) == {
        key: before[key]
        for key in ((layout.SHEET_LEDGER, at("email", 5)), (layout.SHEET_LEDGER, "C6"))
    }
    assert len(second.result.findings) < len(first.result.findings)
    assert len(marks.recorded_marks(workbook)) == second.marked
    # everything else fixed: a third click leaves every cell as the clerk had it
    ledger.range(at("revenue", 7)).value = 2433.94
    ledger.range("A9").value = "SH000006"
    third = macros.validate(workbook)
    assert (third.result.errors, third.result.warnings) == (0, 0), third.result.findings
    assert _snapshot(workbook, list(before)) == before
    for sheet, cell in touched:
        rng = workbook.sheets[sheet].range(cell)
        assert rng.color not in (marks.ERROR_FILL, marks.WARNING_FILL)
        assert rng.note is None or marks.NOTE_TITLE not in rng.note.text
    assert "没有发现问题" in str(sheet_grid(workbook.sheets[layout.SHEET_CHECK_RESULTS]).rows)
    assert [s.name for s in workbook.sheets].count(layout.SHEET_CHECK_RESULTS) == 1
    assert marks.recorded_marks(workbook) == []


def test_validate_respects_a_user_colour_changed_after_marking(workbook):
    ledger = _ledger(workbook)
    macros.validate(workbook)
    ledger.range(at("email", 5)).color = (0, 200, 0)  # the clerk recolours a marked cell
    ledger.range(at("email", 5)).value = "ok@example.com"
    macros.validate(workbook)
    assert ledger.range(at("email", 5)).color == (0, 200, 0)  # left as the clerk left it
    assert ledger.range(at("email", 5)).note is None


def test_the_add_in_sees_unsaved_edits(workbook):
    _ledger(workbook).range(at("email", 4)).value = "bad@@mail"
    found = {(f.code, f.cell) for f in macros.validate(workbook).result.findings}
    assert ("email-invalid", at("email", 4)) in found


def test_password_protected_workbook_needs_the_password(office, tmp_path):
    book = office.open(build(tmp_path, password="s3cret"))
    try:
        with pytest.raises(AddinError, match="设有保护密码"):
            macros.validate(book)
        done = macros.validate(book, password="s3cret")
        assert done.marked > 0
        ledger = _ledger(book)
        assert ledger.api.isProtected()
        ledger.api.unprotect("s3cret")  # protected again, with the same password
    finally:
        book.close()


# ---------------------------------------------------------------- the add-in reads what the CLI reads


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, dt.date(2026, 11, 23), round_trip=False)


def test_open_workbook_findings_equal_the_files_on_the_demo_branches(office, demo, tmp_path):
    for path in sorted(demo.branch_files.values()):
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        book = office.open(copy, read_only=True)
        try:
            opened = read_ledger_book(book)
            day = dt.date(2026, 11, 23)
            from_book = validate_book(opened, day)
            from_file = validate_workbook(copy, as_of=day)
            assert [f.model_dump(exclude={"file"}) for f in from_book.findings] == [
                f.model_dump(exclude={"file"}) for f in from_file.findings
            ]
            assert from_book.rows == from_file.rows
        finally:
            book.close()


def test_formula_text_libreoffice_gives_normalises_to_the_template(workbook):
    text = formula_text(_ledger(workbook))
    template = ledger_formulas(DEFAULT_RULES)
    top = layout.LEDGER_HEADER_ROW
    for col, field in enumerate(DEFAULT_RULES.fields):
        if field.is_input:
            continue
        found = text[(top + 1, col)]
        assert normalise_formula(found) == normalise_formula(template[field.key]), field.key
        raw = _ledger(workbook).api.getCellByPosition(col, top + 1).getFormula()  # LO's own
        if "COM.SUN.STAR" not in raw:  # EDATE is an add-in there; the adapter renames it
            assert normalise_formula(raw) == normalise_formula(template[field.key]), field.key


# ---------------------------------------------------------------- 生成汇总


def test_summary_writes_the_report_sheet_with_charts(workbook):
    done = macros.summarize(workbook)
    sheet = workbook.sheets[layout.SHEET_SUMMARY_REPORT]
    grid = sheet_grid(sheet)
    labels = {grid.value(r, 1): grid.value(r, 2) for r in range(grid.height)}
    assert labels["客户总数"] == 7
    titles = {grid.value(r, 0) for r in range(grid.height)}
    assert {"关键数字", "分公司 × 审核状态", "分公司 × 评级", "评级分布", "数据说明"} <= titles
    assert len(sheet.charts) == 2
    names = [s.name for s in workbook.sheets]
    assert names.index(layout.SHEET_SUMMARY_REPORT) == names.index(layout.SHEET_SUMMARY) + 1
    assert "7 个客户" in done.message
    macros.summarize(workbook)  # again: replaced, not duplicated
    assert [s.name for s in workbook.sheets].count(layout.SHEET_SUMMARY_REPORT) == 1
    assert len(workbook.sheets[layout.SHEET_SUMMARY_REPORT].charts) == 2


# ---------------------------------------------------------------- 标记到期


def test_mark_due_writes_the_list_and_filters_the_overdue_rows(workbook):
    done = macros.mark_due(workbook)
    assert done.overdue == 1 and done.filtered
    sheet = workbook.sheets[layout.SHEET_DUE_LIST]
    grid = sheet_grid(sheet)
    assert grid.value(4, 0) == "到期提示" and grid.value(5, 0) == layout.DUE_OVERDUE
    assert grid.value(5, 1) == "SH000005"
    assert sheet.range("A6").color == (0xFF, 0xC7, 0xCE)
    assert sheet.range("B6").formula == '=HYPERLINK("#\'台账\'!A8","SH000005")'
    ledger = _ledger(workbook)
    filtered = ledger.tables[layout.TABLE_LEDGER].autofilter.hidden_rows
    assert 8 not in filtered and {4, 5, 6, 7, 9, 10} <= set(filtered)
    # the customer is reviewed: a second click shows every row again
    ledger.range(at("last_review", 8)).value = AS_OF
    again = macros.mark_due(workbook)
    assert again.overdue == 0 and not again.filtered
    assert ledger.tables[layout.TABLE_LEDGER].autofilter.hidden_rows == []


# ---------------------------------------------------------------- 登记审核


def _review_rows(book) -> list[list]:
    grid = sheet_grid(book.sheets[layout.SHEET_REVIEWS])
    return [
        [grid.value(r, c) for c in range(len(layout.REVIEW_COLUMNS))]
        for r in range(layout.SIDE_HEADER_ROW + 1, grid.height)
        if grid.value(r, 0) is not None
    ]


def test_register_review_appends_the_selected_customer(workbook):
    before = _review_rows(workbook)
    ledger = _ledger(workbook)
    ledger.range("D5").select()  # SH000002's row
    done = macros.register_review(workbook, today=TODAY)
    after = _review_rows(workbook)
    assert after[: len(before)] == before  # history only appended
    assert len(after) == len(before) + 1
    record = dict(zip([c.key for c in layout.REVIEW_COLUMNS], after[-1], strict=True))
    assert record["review_id"] == "SH000002-20260402"
    assert record["customer_id"] == "SH000002"
    assert record["review_date"] == dt.datetime(2026, 4, 2)
    assert (record["score_financial"], record["composite_score"], record["grade"]) == (
        80.0,
        82.5,
        "B",
    )
    assert (record["result"], record["reviewer"], record["opinion"]) == (
        "审核通过",
        "赵六",
        "资信良好",
    )
    assert ledger.range(at("last_review", 5)).value == dt.datetime(2026, 4, 2)
    reviews = workbook.sheets[layout.SHEET_REVIEWS]
    assert reviews.api.isProtected()
    assert reviews.range((done.sheet_row, 1)).api.CellProtection.IsLocked
    assert not reviews.range((done.sheet_row + 1, 1)).api.CellProtection.IsLocked
    second = macros.register_review(workbook, row=5, today=TODAY)
    assert second.record["review_id"] == "SH000002-20260402-2"


def test_register_review_grows_a_full_table(office, tmp_path):
    book = office.open(build(tmp_path, spare=1))
    try:
        table = book.sheets[layout.SHEET_REVIEWS].tables[layout.TABLE_REVIEWS]
        last = table.range.last_cell.row
        first = macros.register_review(book, row=4, today=TODAY)
        assert first.sheet_row == last  # the one blank row
        second = macros.register_review(book, row=4, today=TODAY)
        assert second.sheet_row == last + 1
        assert table.range.last_cell.row == last + 1
        assert book.sheets[layout.SHEET_REVIEWS].api.isProtected()
        assert len(_review_rows(book)) == 15 + 2  # 7 reviews, 8 approval steps, 2 added
    finally:
        book.close()


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (None, "请先在“台账”中选中一个客户所在的行"),
        (10, "请先填写客户 SH000007 的“审核人”"),
        (30, "请先在“台账”中选中一个客户所在的行"),
    ],
)
def test_register_review_refuses_with_a_reason(workbook, row, says):
    workbook.sheets[layout.SHEET_REVIEWS].range("A1").select()  # nothing on 台账 selected
    with pytest.raises(AddinError, match=says):
        macros.register_review(workbook, row=row, today=TODAY)


def test_register_review_needs_a_result(workbook):
    _ledger(workbook).range(at("notes", 10)).value = None
    _ledger(workbook).range(at("reviewer", 10)).value = "钱七"
    with pytest.raises(AddinError, match="审核状态为“审核中”"):
        macros.register_review(workbook, row=10, today=TODAY)


# ---------------------------------------------------------------- the button entry point


def test_run_button_tells_the_user(workbook, monkeypatch, tmp_path):
    host = workbook.ledger_xl_host
    text = macros.run_button(macros.validate, workbook)
    assert text.startswith("校验发现错误") and host.messages[-1] == text
    text = macros.run_button(macros.register_review, workbook)
    assert "选中一个客户所在的行" in text

    def broken(book):
        raise RuntimeError("boom")

    monkeypatch.setattr(macros, "LOG_FILE", tmp_path / "addin.log")
    text = macros.run_button(broken, workbook)
    assert text.startswith("内部错误：RuntimeError: boom")
    assert "Traceback" in (tmp_path / "addin.log").read_text(encoding="utf-8")
