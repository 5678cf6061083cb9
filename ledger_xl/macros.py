"""The buttons of the macro-enabled ledger, as handlers over an xlwings-like Book.

Each handler reads the open workbook in blocks (`ledger_xl.excel.workbook`: values with unsaved
edits, the ledger's formula text, properties), builds a `LedgerBook` with
`core.book.book_from_grids`, calls the core, and writes back in blocks:

- `validate` (校验): `core.validate.validate_book`; fills and annotates each cell with a
  finding and writes 校验结果 (a second click first takes the previous marks off);
- `summarize` (生成汇总): `core.summary.summary_tables` over `core.portfolio.from_books`,
  written to 汇总报表 with two charts;
- `mark_due` (标记到期): `core.due.portfolio_due`, written to 到期清单; 台账 filtered to the
  overdue customers;
- `register_review` (登记审核): the selected customer's review appended to 审核记录 and its
  最近审核日期 set.

In Excel, the VBA Subs of the buttons call the entry points at the bottom
(`RunPython "import ledger_xl.macros as m; m.validate_button()"`), which take the workbook
from `xw.Book.caller()`; in LibreOffice (and the tests) the handlers get the adapter's Book
(`ledger_xl.excel.uno_book`). Today's date is read here, at the edge, and passed to the core.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ledger_xl.core import due, layout, portfolio, scoring, summary
from ledger_xl.core.book import LedgerBook
from ledger_xl.core.findings import FileResult
from ledger_xl.core.validate import validate_book
from ledger_xl.excel import marks, reports
from ledger_xl.excel.host import AddinError, host_for
from ledger_xl.excel.workbook import Book, find_sheet, read_ledger_book, write_rows

LOG_FILE = Path(tempfile.gettempdir()) / "ledger_xl-addin.log"


# ---------------------------------------------------------------- outcomes


@dataclass
class Validated:
    """What 校验 did: the findings, the cells marked, the marks taken off first."""

    result: FileResult
    as_of: dt.date
    marked: int
    cleared: int

    @property
    def message(self) -> str:
        r = self.result
        head = "校验通过" if r.errors == 0 else "校验发现错误"
        return (
            f"{head}：{r.errors} 个错误，{r.warnings} 个警告（基准日 {self.as_of.isoformat()}）。"
            f"已标出 {self.marked} 个单元格，详见“{layout.SHEET_CHECK_RESULTS}”工作表。"
        )


@dataclass
class Summarised:
    tables: dict[str, pd.DataFrame]
    as_of: dt.date

    @property
    def message(self) -> str:
        total = (
            int(self.tables["key_figures"]["count"].iloc[0])
            if len(self.tables["key_figures"])
            else 0
        )
        return f"已生成“{layout.SHEET_SUMMARY_REPORT}”（基准日 {self.as_of.isoformat()}，{total} 个客户）。"


@dataclass
class DueMarked:
    lists: dict[str, pd.DataFrame]
    as_of: dt.date
    overdue: int
    filtered: bool

    @property
    def message(self) -> str:
        reviews, documents = self.lists["reviews"], self.lists["documents"]
        shown = (
            "台账已筛选出已逾期的客户。" if self.filtered else "没有已逾期的客户，台账显示全部。"
        )
        return (
            f"已写出“{layout.SHEET_DUE_LIST}”（基准日 {self.as_of.isoformat()}）："
            f"待审核客户 {len(reviews)} 个，其中已逾期 {self.overdue} 个；证件到期 {len(documents)} 份。{shown}"
        )


@dataclass
class Registered:
    customer_id: str
    sheet_row: int  # the 审核记录 row written (1-based)
    record: dict[str, Any] = field(default_factory=dict)  # by review column key

    @property
    def message(self) -> str:
        day = self.record.get("review_date")
        shown = day.isoformat() if isinstance(day, dt.date) else ""
        return (
            f"已登记 {self.customer_id} 的审核记录（{layout.SHEET_REVIEWS}第 {self.sheet_row} 行），"
            f"最近审核日期已改为 {shown}。"
        )


# ---------------------------------------------------------------- handlers


def validate(book: Book, *, as_of: dt.date | None = None, password: str | None = None) -> Validated:
    """校验: check the open workbook, mark each cell with a finding, write 校验结果."""
    host = host_for(book)
    with host.busy(book):
        cleared = marks.clear_marks(book, host, password)
        ledger_book = read_ledger_book(book)
        day = as_of or ledger_book.cached_as_of or dt.date.today()
        result = validate_book(ledger_book, day)
        made = marks.apply_marks(book, host, result.findings, password)
        reports.write_findings(book, result, day).activate()
    return Validated(result, day, len(made), cleared)


def summarize(book: Book, *, as_of: dt.date | None = None) -> Summarised:
    """生成汇总: the summary tables of this workbook, written to 汇总报表 with charts."""
    with host_for(book).busy(book):
        ledger_book, day = _usable(book, as_of)
        tables = summary.summary_tables(portfolio.from_books([ledger_book], day))
        reports.write_summary(book, tables, day).activate()
    return Summarised(tables, day)


def mark_due(book: Book, *, as_of: dt.date | None = None, password: str | None = None) -> DueMarked:
    """标记到期: 到期清单, and 台账 filtered to the overdue customers."""
    with host_for(book).busy(book):
        ledger_book, day = _usable(book, as_of)
        lists = due.portfolio_due(portfolio.from_books([ledger_book], day))
        reports.write_due_list(book, lists, day)
        overdue = int((lists["reviews"]["flag"] == layout.DUE_OVERDUE).sum())
        flag = layout.DUE_OVERDUE if overdue else None
        filtered = _filter_ledger(book, ledger_book, flag, password)
    return DueMarked(lists, day, overdue, filtered)


def register_review(
    book: Book,
    *,
    row: int | None = None,
    today: dt.date | None = None,
    password: str | None = None,
) -> Registered:
    """登记审核: append the customer's review (its row in 台账: `row`, or the selected one)
    to 审核记录 and set its 最近审核日期 to `today`."""
    day = today or dt.date.today()
    sheet_row = row or _selected_ledger_row(book)
    with host_for(book).busy(book):
        ledger_book, _ = _usable(book, day)
        ledger = ledger_book.ledger
        if sheet_row not in ledger.rows:
            raise AddinError(f"请先在“{layout.SHEET_LEDGER}”中选中一个客户所在的行，再点“登记审核”")
        record = review_record(ledger_book, ledger.rows.index(sheet_row), day)
        written = _append_review(book, ledger_book, record, password)
        ledger_sheet = find_sheet(book, layout.SHEET_LEDGER)
        column = ledger.columns["last_review"] + 1
        write_rows(ledger_sheet, sheet_row, column, [[day]])
    return Registered(str(record["customer_id"]), written, record)


# ---------------------------------------------------------------- helpers


def _usable(book: Book, as_of: dt.date | None) -> tuple[LedgerBook, dt.date]:
    """The open workbook as a LedgerBook whose ledger can be used, and its as-of date."""
    ledger_book = read_ledger_book(book, formulas=False)
    problem = portfolio.unusable(ledger_book)
    if problem:
        raise AddinError(f"无法使用本工作簿：{problem}")
    return ledger_book, as_of or ledger_book.cached_as_of or dt.date.today()


def _filter_ledger(
    book: Book, ledger_book: LedgerBook, flag: str | None, password: str | None
) -> bool:
    """Filter the ledger table to rows whose 到期提示 is `flag` (None: show every row)."""
    ledger = ledger_book.ledger
    sheet = find_sheet(book, layout.SHEET_LEDGER)
    if "due_flag" not in ledger.columns or sheet is None:
        return False
    table = _table(sheet, layout.TABLE_LEDGER)
    if table is None:
        return False
    field_index = ledger.columns["due_flag"] - table.range.column + 2
    with host_for(book).unprotected(sheet, password):
        if flag is None:
            table.autofilter.clear()
        else:
            table.autofilter.apply_values(field_index, [flag])
    sheet.activate()
    return flag is not None


def _table(sheet: Any, name: str) -> Any:
    """The sheet's table (Excel ListObject) called `name`, or None when it has none."""
    # xlwings raises pywintypes.com_error for an unknown name, the adapter KeyError
    try:
        return sheet.tables[name]
    except Exception:
        return None


def _selected_ledger_row(book: Book) -> int | None:
    selection = book.selection
    if selection is None or selection.sheet.name != layout.SHEET_LEDGER:
        return None
    return int(selection.row)


def review_record(ledger_book: LedgerBook, i: int, day: dt.date) -> dict[str, Any]:
    """The 审核记录 row for ledger row `i` (0-based in the table), by review column key: every
    review column whose header is a ledger column takes that cell; 综合评分 and 评级 as the
    workbook's own rules compute them; 审核结果 from 审核状态; the date and a new record id.
    AddinError when the row cannot be recorded (no 客户编号, no 审核人, no result)."""
    rules = ledger_book.rules
    frame = ledger_book.ledger.frame
    by_header = {f.header: f.key for f in rules.fields}
    values = {key: frame[key].iloc[i] if key in frame else None for key in by_header.values()}
    customer = values.get("customer_id")
    if _blank(customer):
        raise AddinError("选中的行没有客户编号，无法登记审核")
    if _blank(values.get("reviewer")):
        raise AddinError(f"请先填写客户 {customer} 的“{rules.header('reviewer')}”，再登记审核")
    status = values.get("status")
    if status not in layout.REVIEW_RESULTS:
        results = " / ".join(r for r in layout.REVIEW_RESULTS if r in rules.field("status").allowed)
        raise AddinError(
            f"客户 {customer} 的审核状态为“{status or '空'}”；登记审核前请把审核状态改为审核结果（{results}）"
        )
    one = pd.DataFrame({key: [values[key]] for key in by_header.values()}, dtype=object)
    scored = scoring.score_ledger(one, rules).iloc[0]
    values["composite_score"] = (
        None if pd.isna(scored["composite_score"]) else float(scored["composite_score"])
    )
    values["grade"] = scored["grade"]
    record: dict[str, Any] = {}
    for column in layout.REVIEW_COLUMNS:
        if column.header in by_header:
            record[column.key] = values[by_header[column.header]]
    record.update(
        review_id=_record_id(ledger_book, str(customer), day),
        review_date=day,
        result=status,
    )
    return record


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _record_id(ledger_book: LedgerBook, customer: str, day: dt.date) -> str:
    taken = set()
    if ledger_book.reviews is not None and "review_id" in ledger_book.reviews.frame:
        taken = {str(v) for v in ledger_book.reviews.frame["review_id"] if v is not None}
    base = f"{customer}-{day:%Y%m%d}"
    n, candidate = 1, base
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _append_review(
    book: Book, ledger_book: LedgerBook, record: dict[str, Any], password: str | None
) -> int:
    """Write `record` in the first blank row of the 审核记录 table (growing the table by a
    row when none is left), and lock it when the sheet is protected; returns the sheet row."""
    reviews = ledger_book.reviews
    sheet = find_sheet(book, layout.SHEET_REVIEWS)
    if reviews is None or sheet is None:
        raise AddinError(f"找不到“{layout.SHEET_REVIEWS}”表，无法登记审核")
    target = (reviews.rows[-1] if reviews.rows else reviews.header_row + 1) + 1
    columns = sorted((col, key) for key, col in reviews.columns.items() if key in record)
    first, last = columns[0][0] + 1, columns[-1][0] + 1
    table = _table(sheet, layout.TABLE_REVIEWS)
    host = host_for(book)
    grow = table is not None and target > table.range.last_cell.row
    protected = host.is_protected(sheet)
    with host.unprotected(sheet, password) if (grow or protected) else contextlib.nullcontext():
        for run in _runs(columns):
            write_rows(sheet, target, run[0][0] + 1, [[record[key] for _, key in run]])
        if grow:
            whole = table.range
            table.resize(sheet.range((whole.row, whole.column), (target, whole.last_cell.column)))
        if protected:
            host.lock(sheet.range((target, first), (target, last)), True)
    return target


def _runs(columns: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Adjacent sheet columns grouped, so each run is written in one call."""
    runs: list[list[tuple[int, str]]] = []
    for col, key in columns:
        if runs and runs[-1][-1][0] == col - 1:
            runs[-1].append((col, key))
        else:
            runs.append([(col, key)])
    return runs


# ---------------------------------------------------------------- Excel entry points


def _caller() -> Book:
    import xlwings as xw

    return xw.Book.caller()


def run_button(handler: Callable[[Book], Any], book: Book) -> str:
    """Run a handler for a button click and tell the user what happened: its message, or the
    reason it could not run, or — for a bug — one line naming the log with the traceback."""
    host = host_for(book)
    try:
        text = handler(book).message
    except AddinError as exc:
        text = str(exc)
    except Exception as exc:  # a bug: one line for the user, the traceback in the log
        logging.getLogger("ledger_xl").error("%s", traceback.format_exc())
        with contextlib.suppress(OSError):
            LOG_FILE.write_text(traceback.format_exc(), encoding="utf-8")
        text = f"内部错误：{type(exc).__name__}: {exc}\n详细信息已写入 {LOG_FILE}，请反馈给开发者。"
    host.tell(book, text)
    return text


def validate_button() -> None:
    """校验 (VBA: ValidateButton)."""
    run_button(validate, _caller())


def summary_button() -> None:
    """生成汇总 (VBA: SummaryButton)."""
    run_button(summarize, _caller())


def mark_due_button() -> None:
    """标记到期 (VBA: MarkDueButton)."""
    run_button(mark_due, _caller())


def register_review_button() -> None:
    """登记审核 (VBA: RegisterReviewButton)."""
    run_button(register_review, _caller())
