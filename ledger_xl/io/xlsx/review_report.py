"""The review report (客户审核报告) of one customer: a one-page A4 form to print and sign.

Built fresh with XlsxWriter (DESIGN principle 2) and written atomically (principle 7) from a
`portfolio.Portfolio`, so every figure is the one the ledger's formulas show (the twins):
basic and financial data, the score per dimension with its weight and the rubric's suggested
score beside it, the grade and what it means, admission and credit (准入检查 with every unmet
condition, 信用额度 against 额度上限, the approval level needed and given), the review
schedule, the approval chain of the current review, the newest review records and the credit
documents, then a signature block. `render_pdf` turns it into a PDF with LibreOffice.

The sheet is a grid of eight columns. Form sections put label/value pairs in two column
pairs (A | B:D and E | F:H); table sections (评分, 审核记录, 资信证明) use the same columns
with merges. Values are real numbers and dates with number formats; blanks stay blank.
Row heights are set from the text they hold (neither Excel nor LibreOffice fits the height
of a merged cell), and the page is set to fit one A4 portrait page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import math
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import LedgerXLError
from ledger_xl.core.portfolio import FILE, ID_DOCUMENT, ROW, Portfolio, label, mask_id
from ledger_xl.core.rules import Rules
from ledger_xl.io import libreoffice
from ledger_xl.io.output import check_writable, temporary_folder
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.kit import AMBER, FILL_HEADER, RED

SHEET_NAME = "审核报告"
TITLE = "客户审核报告"
MAX_REVIEWS = 6  # newest review records shown; older ones are counted
MAX_DOCUMENTS = 8  # credit documents shown (current ones first)
FOOTER = "内部资料 注意保密 · 由 ledger_xl 生成"

# Column widths (Excel character units) of the eight-column grid, A..H: about one A4
# portrait width at 10 pt.
WIDTHS = (17, 11, 11, 11, 17, 11, 11, 11)
LAST_COL = len(WIDTHS) - 1
LEFT = (0, 1, 3)  # label column, first and last value column of the left pair
RIGHT = (4, 5, 7)  # the same for the right pair
FULL = (0, 1, 7)  # a pair spanning the whole row

# Text widths in pixels at 96 dpi, for row heights: a column is width × 7 + 5 px (Calibri
# 11, the workbook's default font); 10 pt text is about 13.5 px per CJK character and 7 px
# per other character in Excel (LibreOffice's are narrower: rows get some air there).
UNIT_PX = 7
CELL_PAD_PX = 5
CJK_PX = 13.5
OTHER_PX = 7
BASE_HEIGHT = 17.0  # points: one line of 10 pt text with some air
LINE_HEIGHT = 13.0  # points per extra wrapped line

FILL_LABEL = "#DDEBF7"
GREY = "#595959"

BASIC_KEYS = (
    "uscc",
    "branch",
    "account_manager",
    "industry",
    "category",
    "risk_level",
    "legal_rep",
    "contact",
    "phone",
    "email",
    "founded",
    "registered_capital",
    "coop_years",
    "info_source",
    "business_scope",
    "address",
)
FINANCE_KEYS = (
    "revenue",
    "total_assets",
    "total_liabilities",
    "debt_ratio",
    "external_credit",
    "credit_report_date",
    "overdue_count",
    "litigation_count",
)
CONTROL_KEYS = (
    "credit_limit",
    "credit_cap",
    "limit_check",
    "dishonest",
    "required_level",
    "approval_level",
    "approver",
    "approval_date",
)
REVIEW_KEYS = (
    "stage",
    "status",
    "last_review",
    "cycle_months",
    "next_review",
    "days_to_due",
    "due_flag",
    "reviewer",
)

# Number format (by name in _FORMATS) of the ledger fields the form shows; text otherwise.
_FIELD_FORMATS = {
    "registered_capital": "money",
    "revenue": "money",
    "total_assets": "money",
    "total_liabilities": "money",
    "credit_limit": "money",
    "debt_ratio": "percent",
    "external_credit": "integer",
    "coop_years": "one_decimal",
    "cycle_months": "integer",
    "days_to_due": "integer",
    "credit_cap": "money",
    "overdue_count": "integer",
    "litigation_count": "integer",
    "approval_date": "date",
    "submitted": "date",
    "founded": "date",
    "credit_report_date": "date",
    "last_review": "date",
    "next_review": "date",
}


class CustomerNotFound(LedgerXLError):
    """No customer, or more than one, has the asked 客户编号 in the workbooks read.

    `suggestions` lists near ids (when none matched); `matches` lists (file, row) of every
    customer that matched (when more than one did).
    """

    def __init__(
        self,
        message: str,
        customer_id: str,
        suggestions: tuple[str, ...] = (),
        matches: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.customer_id, self.suggestions, self.matches = customer_id, suggestions, matches
        super().__init__(message)


# ---------------------------------------------------------------- finding the customer


def find_customer(portfolio: Portfolio, customer_id: str) -> int:
    """The position (for `.iloc`) in `portfolio.customers` of the customer with this 客户编号.

    The id matches exactly after stripping blanks, else case-insensitively. Raises
    CustomerNotFound (a Chinese message naming the id and the files searched, with near ids
    when there are any) when nobody matches, and when several rows match: in different files
    (the message lists them; give only one of them) or twice in one ledger.
    """
    wanted = str(customer_id).strip()
    customers = portfolio.customers
    if "customer_id" in customers.columns:
        ids = [str(v).strip() for v in customers["customer_id"].tolist()]
    else:
        ids = []
    if not wanted:
        raise CustomerNotFound("请给出要生成报告的客户编号", wanted)
    hits = [i for i, v in enumerate(ids) if v == wanted]
    if not hits:
        folded = wanted.casefold()
        hits = [i for i, v in enumerate(ids) if v.casefold() == folded]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        if portfolio.roster is not None:  # `customers` holds only the rows that could match
            ids = [str(v).strip() for v in portfolio.roster["customer_id"].tolist()]
        raise _not_found(portfolio, wanted, ids)
    files = [str(customers[FILE].iloc[i]) if FILE in customers.columns else "" for i in hits]
    rows = [int(customers[ROW].iloc[i]) if ROW in customers.columns else 0 for i in hits]
    matches = tuple(zip(files, rows, strict=True))
    distinct = list(dict.fromkeys(files))
    if len(distinct) > 1:
        listed = "\n".join(f"  {f}" for f in distinct)
        message = (
            f"客户编号“{wanted}”同时出现在 {len(distinct)} 个文件中：\n{listed}\n"
            "无法确定是哪一位客户；请只给出其中一个文件再生成审核报告。"
        )
    else:
        where = "、".join(str(r) for r in rows)
        message = (
            f"客户编号“{wanted}”在 {distinct[0]} 的台账中出现 {len(hits)} 次（第 {where} 行），"
            "无法确定是哪一位客户；请先修正重复的客户编号。"
        )
    raise CustomerNotFound(message, wanted, matches=matches)


def _not_found(portfolio: Portfolio, wanted: str, ids: list[str]) -> CustomerNotFound:
    by_folded: dict[str, str] = {}
    for v in ids:
        if v:
            by_folded.setdefault(v.casefold(), v)
    near = difflib.get_close_matches(wanted.casefold(), list(by_folded), n=5, cutoff=0.6)
    suggestions = tuple(by_folded[n] for n in near)
    files = portfolio.files
    if files:
        shown = "、".join(files[:8]) + (f" 等 {len(files)} 个文件" if len(files) > 8 else "")
        message = f"找不到客户编号“{wanted}”（已查找：{shown}）。"
    else:
        message = f"找不到客户编号“{wanted}”：没有可读取的台账文件。"
    if suggestions:
        message += f"相近的客户编号：{'、'.join(suggestions)}。"
    if portfolio.unreadable:
        names = "、".join(name for name, _ in portfolio.unreadable[:8])
        message += f"另有 {len(portfolio.unreadable)} 个文件无法读取：{names}。"
    return CustomerNotFound(message, wanted, suggestions=suggestions)


# ---------------------------------------------------------------- the report


def build_review_report(
    path: str | os.PathLike,
    portfolio: Portfolio,
    customer_id: str,
    overwrite: bool = False,
) -> Path:
    """Write the review report of one customer to `path` (xlsx, atomically; never over an
    existing file unless `overwrite`). Raises CustomerNotFound as `find_customer` does.
    Returns the path."""
    position = find_customer(portfolio, customer_id)
    data = ReportData.of(portfolio, position)
    c = data.customer
    title = f"{TITLE} {_text(c.get('customer_id'))} {_text(c.get('name'))}"
    with kit.written(path, overwrite, kind="review_report", title=title, subject=TITLE) as wb:
        _Report(wb, data).build()
    return Path(path)


def render_pdf(xlsx: str | os.PathLike, pdf: str | os.PathLike, overwrite: bool = False) -> Path:
    """Render a report workbook to PDF with LibreOffice, into a temporary folder beside `pdf`
    and then moved into place; never over an existing file unless `overwrite`."""
    source, target = Path(xlsx), Path(pdf)
    check_writable(target, overwrite)
    if not source.is_file():
        raise LedgerXLError(f"找不到要转换的工作簿 {source}")
    with temporary_folder(target) as folder:
        produced = libreoffice.to_pdf(source, folder)
        check_writable(target, overwrite)  # nothing appeared meanwhile
        with contextlib.suppress(OSError):
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(produced, 0o666 & ~umask)
        os.replace(produced, target)
    return target


@dataclass
class ReportData:
    """What the report shows, taken from a portfolio: the customer's ledger row, its
    records (newest first) and credit documents (current first), and the rules it was
    scored with."""

    as_of: dt.date
    customer: pd.Series
    reviews: pd.DataFrame
    documents: pd.DataFrame
    rules: Rules
    approvals: pd.DataFrame | None = None  # the approval rows of the current review

    @classmethod
    def of(cls, portfolio: Portfolio, position: int) -> ReportData:
        customer = portfolio.customers.iloc[position]
        file = str(customer.get(FILE, ""))
        cid = str(customer.get("customer_id", "")).strip()
        records = _reviews_of(portfolio.reviews, file, cid)
        is_step = _approval_rows(records)
        return cls(
            portfolio.as_of,
            customer,
            records[~is_step],
            _documents_of(portfolio.documents, file, cid),
            portfolio.rules_for(file),
            _chain_of(records[is_step], customer.get("last_review")),
        )


def _owned(frame: pd.DataFrame, file: str, cid: str) -> pd.DataFrame:
    if frame.empty or "customer_id" not in frame.columns:
        return frame.iloc[0:0]
    ids = frame["customer_id"].astype(str).str.strip()
    mine = ids == cid
    if FILE in frame.columns:
        mine &= frame[FILE].astype(str) == file
    return frame[mine.to_numpy()]


def _reviews_of(reviews: pd.DataFrame, file: str, cid: str) -> pd.DataFrame:
    """The customer's review records, newest first (undated ones last)."""
    mine = _owned(reviews, file, cid)
    if mine.empty:
        return mine
    keys = [k for k in ("review_date", ROW) if k in mine.columns]
    return mine.sort_values(keys, ascending=False, na_position="last", kind="stable")


def _approval_rows(records: pd.DataFrame) -> np.ndarray:
    """The approval rows among a customer's 审核记录 (they carry a 审批级别)."""
    if records.empty or "approval_level" not in records.columns:
        return np.zeros(len(records), dtype=bool)
    return np.array([bool(_text(v)) for v in records["approval_level"]], dtype=bool)


def _chain_of(steps: pd.DataFrame, last_review: object) -> pd.DataFrame:
    """The approval steps of the review held on `last_review`, in date order."""
    last = cell_value(last_review)
    if steps.empty or last is None:
        return steps.iloc[0:0]
    mine = steps[[cell_value(d) == last for d in steps["review_date"]]]
    keys = [k for k in ("approval_date", ROW) if k in mine.columns]
    return mine.sort_values(keys, na_position="last", kind="stable")


def _documents_of(documents: pd.DataFrame, file: str, cid: str) -> pd.DataFrame:
    """The customer's credit documents: current ones first, by document type, then by
    expiry (latest first); superseded ones after."""
    mine = _owned(documents, file, cid)
    if mine.empty:
        return mine
    order = {t: i for i, t in enumerate(layout.DOCUMENT_TYPES)}
    ranked = mine.assign(
        _old=mine["superseded"].fillna(False).astype(bool) if "superseded" in mine else False,
        _type=[order.get(t, len(order)) for t in mine.get("doc_type", [""] * len(mine))],
    )
    keys = ["_old", "_type"] + (["expires"] if "expires" in mine.columns else [])
    ranked = ranked.sort_values(
        keys, ascending=[True, True, False][: len(keys)], na_position="last", kind="stable"
    )
    return ranked.drop(columns=["_old", "_type"])


# ---------------------------------------------------------------- values


def cell_value(value: object) -> object:
    """A frame value as a cell value: None for blanks (NaN, NaT, ""), datetimes for dates,
    floats for numbers, text otherwise."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return None if math.isnan(number) else number
    text = str(value).strip()
    return text or None


def masked_number(doc_type: str, number: str) -> str:
    """A document number as the report shows it: a resident ID with its middle hidden.

    `mask_id` hides the middle of an 18-character number; an ID number of another length
    (typed short, or stored as a number in scientific notation) is hidden as well, keeping
    only its ends, so no birth date travels with the report.
    """
    if doc_type != ID_DOCUMENT or not number:
        return number
    shown = mask_id(number)
    if shown != number:
        return shown
    if len(number) > 10:
        return number[:4] + "*" * (len(number) - 6) + number[-2:]
    return "*" * len(number)


def _text(value: object) -> str:
    value = cell_value(value)
    return "" if value is None else str(value)


# ---------------------------------------------------------------- formats

_FONT = {"font_size": 10, "valign": "vcenter"}
_BOX = {**_FONT, "border": 1, "text_wrap": True}
_FORMATS: dict[str, dict] = {
    "title": {"bold": True, "font_size": 18, "align": "center", "valign": "vcenter"},
    "section": {
        **_FONT,
        "bold": True,
        "font_size": 11,
        "font_color": "#FFFFFF",
        "bg_color": FILL_HEADER,
        "border": 1,
    },
    "label": {**_BOX, "bold": True, "bg_color": FILL_LABEL, "align": "center"},
    "head": {**_BOX, "bold": True, "bg_color": FILL_LABEL, "align": "center"},
    "text": {**_BOX, "align": "left"},
    "money": {**_BOX, "align": "left", "num_format": "#,##0.00"},
    "percent": {**_BOX, "align": "left", "num_format": "0.0%"},
    "weight": {**_BOX, "align": "center", "num_format": "0%"},
    "integer": {**_BOX, "align": "left", "num_format": "0"},
    "one_decimal": {**_BOX, "align": "left", "num_format": "0.0"},
    "score": {**_BOX, "align": "center", "num_format": "0.0"},
    "weighted": {**_BOX, "align": "center", "num_format": "0.00"},
    "date": {**_BOX, "align": "left", "num_format": "yyyy-mm-dd"},
    "cell": {**_BOX, "align": "center"},
    "cell_left": {**_BOX, "align": "left"},
    "cell_date": {**_BOX, "align": "center", "num_format": "yyyy-mm-dd"},
    "note": {**_FONT, "italic": True, "font_size": 9, "font_color": GREY},
    "sign_label": {**_FONT, "bold": True, "font_size": 11, "align": "right", "valign": "bottom"},
    "sign_line": {**_FONT, "bottom": 1, "valign": "bottom"},
    "footer": {**_FONT, "font_size": 9, "font_color": GREY, "align": "center"},
}
_TONES = {
    "red": RED,
    "amber": AMBER,
    "grey": {"font_color": GREY, "italic": True},
    "bold": {"bold": True},
}


class _Report:
    def __init__(self, wb: kit.Workbook, data: ReportData) -> None:
        self.data = data
        self.rules = data.rules
        self.customer = data.customer
        self.wb = wb
        self.ws = self.wb.add_worksheet(SHEET_NAME)
        self.fmt = kit.Formats(wb, _FORMATS, _TONES)
        self.heights: dict[int, float] = {}
        self.row = 0

    # ------------------------------------------------------------ plumbing

    def put(self, row: int, first: int, last: int, value: object, cell_format) -> None:
        """Write a typed value into columns first..last of `row` (merged when more than one)
        and make the row tall enough for its text."""
        value = cell_value(value)
        if last > first:
            self.ws.merge_range(row, first, row, last, None, cell_format)
        ws = self.ws
        if value is None:
            ws.write_blank(row, first, None, cell_format)
        elif isinstance(value, dt.datetime):
            ws.write_datetime(row, first, value, cell_format)
        elif isinstance(value, float):
            ws.write_number(row, first, value, cell_format)
        else:
            ws.write_string(row, first, value, cell_format)
            self.fit(row, value, first, last)

    def fit(self, row: int, text: str, first: int, last: int) -> None:
        room = sum(WIDTHS[first : last + 1]) * UNIT_PX + CELL_PAD_PX * (last - first)
        lines = sum(max(1, math.ceil(_text_px(part) / room)) for part in text.split("\n"))
        self.heights[row] = max(self.heights.get(row, BASE_HEIGHT), _height(lines))

    def section(self, title: str) -> None:
        self.put(self.row, 0, LAST_COL, title, self.fmt("section"))
        self.heights[self.row] = 19
        self.row += 1

    def field(self, key: str) -> tuple[str, object, str]:
        """(label, value, format name) of a ledger field of the customer."""
        name = label(key, self.rules)
        if name == key:  # not in this workbook's rules: the default header
            name = label(key, DEFAULT_RULES)
        return name, self.customer.get(key), _FIELD_FORMATS.get(key, "text")

    def pairs(self, items: list[tuple]) -> None:
        """Label/value pairs (caption, value, format name[, tones]), two to a row; an odd
        last item leaves an empty boxed pair beside it."""
        items = items + [("", None, "text")] * (len(items) % 2)
        for start in range(0, len(items), 2):
            for item, (lab, first, last) in zip(
                items[start : start + 2], (LEFT, RIGHT), strict=True
            ):
                caption, value, name = item[:3]
                tones = item[3] if len(item) > 3 else ()
                self.put(self.row, lab, lab, caption or None, self.fmt("label"))
                self.put(self.row, first, last, value, self.fmt(name, *tones))
            self.row += 1

    def full(self, caption: str, value: object, name: str = "text") -> None:
        self.put(self.row, FULL[0], FULL[0], caption, self.fmt("label"))
        self.put(self.row, FULL[1], FULL[2], value, self.fmt(name))
        self.row += 1

    def table_row(self, spans: tuple[tuple[int, int], ...], cells: list[tuple[object, object]]):
        for (first, last), (value, cell_format) in zip(spans, cells, strict=True):
            self.put(self.row, first, last, value, cell_format)
        self.row += 1

    def note(self, text: str) -> None:
        self.put(self.row, 0, LAST_COL, text, self.fmt("note"))
        self.row += 1

    # ------------------------------------------------------------ the sheet

    def build(self) -> None:
        for col, width in enumerate(WIDTHS):
            self.ws.set_column(col, col, width)
        self.write_heading()
        self.write_basic()
        self.write_finance()
        self.write_scores()
        self.write_controls()
        self.write_review()
        self.write_approvals()
        self.write_history()
        self.write_documents()
        self.write_signatures()
        for row, height in self.heights.items():
            self.ws.set_row(row, height)
        self.print_setup()
        self.ws.activate()

    def write_heading(self) -> None:
        c = self.customer
        self.put(0, 0, LAST_COL, TITLE, self.fmt("title"))
        self.heights[0] = 34
        self.row = 1
        self.pairs(
            [
                ("客户名称", c.get("name"), "text", ("bold",)),
                ("客户编号", c.get("customer_id"), "text", ("bold",)),
                ("基准日", self.data.as_of, "date"),
                ("来源文件", kit.file_label(c.get(FILE)), "text"),
            ]
        )
        self.spacer()

    def spacer(self, height: float = 6) -> None:
        self.heights[self.row] = height
        self.row += 1

    def write_basic(self) -> None:
        self.section("一、基本信息")
        self.pairs([self.field(k) for k in BASIC_KEYS])

    def write_finance(self) -> None:
        self.section("二、财务信息")
        self.pairs([self.field(k) for k in FINANCE_KEYS])

    def write_scores(self) -> None:
        scoring = self.rules.scoring
        c = self.customer
        self.section("三、评分")
        spans = ((0, 0), (1, 2), (3, 3), (4, 4), (5, 5), (6, 7))
        head = self.fmt("head")
        headers = ("维度", "说明", "权重", "评分", "细则建议分", "加权得分")
        self.table_row(spans, [(h, head) for h in headers])
        key_of = {f.header: f.key for f in self.rules.fields}
        suggested = c.get("suggested_scores")
        suggested = suggested if isinstance(suggested, dict) else {}
        tolerance = self.rules.rubrics.tolerance
        missing = []
        for dim in scoring.dimensions:
            score = cell_value(c.get(key_of.get(dim.column, ""), None))
            if not isinstance(score, float):
                missing.append(dim.name)
                score = None
            weighted = None if score is None else score * dim.weight
            tone = ("amber",) if score is None else ()
            hint = suggested.get(dim.name)
            off = hint is not None and score is not None and abs(score - hint) > tolerance
            self.table_row(
                spans,
                [
                    (dim.name, self.fmt("cell")),
                    (dim.description, self.fmt("cell_left")),
                    (dim.weight, self.fmt("weight")),
                    (score, self.fmt("score", *tone, *(("amber",) if off else ()))),
                    (hint, self.fmt("score", *(("amber",) if off else ()))),
                    (weighted, self.fmt("weighted", *tone)),
                ],
            )
        grade = _text(c.get("grade"))
        composite = cell_value(c.get("composite_score"))
        tone = ()
        if grade == scoring.incomplete_grade or composite is None:
            tone = ("amber",)
        self.put(self.row, 0, 0, "综合评分", self.fmt("label"))
        self.put(self.row, 1, 1, composite, self.fmt("score", "bold", *tone))
        self.put(self.row, 2, 2, "评级", self.fmt("label"))
        self.put(
            self.row,
            3,
            LAST_COL,
            grade_text(grade, scoring, missing),
            self.fmt("text", "bold", *tone),
        )
        self.row += 1

    def write_controls(self) -> None:
        """四、准入与授信: every unmet admission condition, 信用额度 against 额度上限, the
        approval level needed and given."""
        c = self.customer
        self.section("四、准入与授信")
        problems = c.get("admission_problems")
        problems = list(problems) if isinstance(problems, tuple | list) else []
        approved = _text(c.get("status")) == layout.STATUS_APPROVED
        if problems:
            words = "不符合：" + "；".join(problems)
            tone = ("red",) if approved else ("amber",)
        else:
            words, tone = "符合准入标准", ()
        self.put(self.row, FULL[0], FULL[0], "准入检查", self.fmt("label"))
        self.put(self.row, FULL[1], FULL[2], words, self.fmt("text", *tone))
        self.row += 1
        check = _text(c.get("limit_check"))
        limit_tone = {"超限": ("red",), "待评级": ("amber",)}.get(check, ())
        need = _text(c.get("required_level"))
        given = _text(c.get("approval_level"))
        ranks = self.rules.approval
        short = (
            approved
            and need
            and ((ranks.rank(given) is None) or ranks.rank(given) < (ranks.rank(need) or 0))
        )
        items = []
        for key in CONTROL_KEYS:
            caption, value, name = self.field(key)
            if key == "limit_check":
                judged = isinstance(cell_value(c.get("credit_limit")), float) and isinstance(
                    cell_value(c.get("credit_cap")), float
                )
                shown = check or ("未超限" if judged else None)
                items.append((caption, shown, name, limit_tone))
            elif key in ("credit_limit", "credit_cap"):
                items.append((caption, value, name, limit_tone))
            elif key == "approval_level":
                items.append((caption, value, name, ("red",) if short else ()))
            else:
                items.append((caption, value, name))
        self.pairs(items)

    def write_approvals(self) -> None:
        """六、审批流程: the approval steps of the current review, level by level."""
        steps = self.data.approvals
        self.section("六、审批流程（本次审核的逐级审批）")
        spans = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 7))
        head = self.fmt("head")
        self.table_row(
            spans, [(h, head) for h in ("审批级别", "审批人", "审批日期", "审批结果", "审批意见")]
        )
        if steps is None or steps.empty:
            self.put(self.row, 0, LAST_COL, "暂无审批记录", self.fmt("cell"))
            self.row += 1
            return
        for _, step in steps.iterrows():
            result = _text(step.get("result"))
            tone = ("red",) if result == layout.STATUS_REJECTED else ()
            self.table_row(
                spans,
                [
                    (step.get("approval_level"), self.fmt("cell")),
                    (step.get("approver"), self.fmt("cell")),
                    (step.get("approval_date"), self.fmt("cell_date")),
                    (result, self.fmt("cell", *tone)),
                    (step.get("opinion"), self.fmt("cell_left")),
                ],
            )

    def write_review(self) -> None:
        c = self.customer
        self.section("五、审核信息")
        flag = _text(c.get("due_flag"))
        tone = {layout.DUE_OVERDUE: ("red",), layout.DUE_SOON: ("amber",)}.get(flag, ())
        unreadable = bool(c.get("last_review_unreadable", False))
        items = []
        for key in REVIEW_KEYS:
            caption, value, name = self.field(key)
            if key == "last_review" and unreadable:
                value, name = f"{_text(c.get('last_review_raw'))}（无法识别为日期）", "text"
                items.append((caption, value, name, ("amber",)))
            elif key == "due_flag" and unreadable and not flag:
                items.append((caption, layout.DUE_UNKNOWN, name, ("amber",)))
            elif key in ("days_to_due", "due_flag"):
                items.append((caption, value, name, tone))
            else:
                items.append((caption, value, name))
        self.pairs(items)
        self.full(*self.field("opinion")[:2])

    def write_history(self) -> None:
        reviews = self.data.reviews
        self.section("七、审核记录（按审核日期从新到旧）")
        spans = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 7))
        head = self.fmt("head")
        headers = ("审核日期", "阶段", "综合评分", "评级", "结果", "审核人", "审核意见")
        self.table_row(spans, [(h, head) for h in headers])
        if reviews.empty:
            self.put(self.row, 0, LAST_COL, "暂无审核记录", self.fmt("cell"))
            self.row += 1
            return
        for _, r in reviews.head(MAX_REVIEWS).iterrows():
            result = _text(r.get("result"))
            tone = ("red",) if result == "审核未通过" else ()
            self.table_row(
                spans,
                [
                    (r.get("review_date"), self.fmt("cell_date")),
                    (r.get("stage"), self.fmt("cell")),
                    (r.get("composite_score"), self.fmt("score")),
                    (r.get("grade"), self.fmt("cell")),
                    (result, self.fmt("cell", *tone)),
                    (r.get("reviewer"), self.fmt("cell")),
                    (r.get("opinion"), self.fmt("cell_left")),
                ],
            )
        if len(reviews) > MAX_REVIEWS:
            self.note(
                f"另有 {len(reviews) - MAX_REVIEWS} 条较早记录，见台账“{layout.SHEET_REVIEWS}”表。"
            )

    def write_documents(self) -> None:
        documents = self.data.documents
        self.section("八、资信证明")
        spans = ((0, 0), (1, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7))
        head = self.fmt("head")
        headers = ("证明类型", "证件号码", "签发日期", "有效期至", "证件状态", "核验人", "核验日期")
        self.table_row(spans, [(h, head) for h in headers])
        if documents.empty:
            self.put(self.row, 0, LAST_COL, "暂无资信证明", self.fmt("cell"))
            self.row += 1
            return
        for _, d in documents.head(MAX_DOCUMENTS).iterrows():
            status = _text(d.get("doc_status"))
            tone = {
                layout.DOC_EXPIRED: ("red",),
                layout.DOC_SOON: ("amber",),
                layout.DOC_RENEWED: ("grey",),
            }.get(status, ())
            doc_type = _text(d.get("doc_type"))
            expires = cell_value(d.get("expires"))
            if expires is None:  # a date the formulas cannot read: show what was typed
                expires = _text(d.get("expires_raw")) or None
            self.table_row(
                spans,
                [
                    (doc_type, self.fmt("cell")),
                    (masked_number(doc_type, _text(d.get("doc_number"))), self.fmt("cell")),
                    (d.get("issued"), self.fmt("cell_date")),
                    (expires, self.fmt("cell_date", *tone)),
                    (status, self.fmt("cell", *tone)),
                    (d.get("verified_by"), self.fmt("cell")),
                    (d.get("verified_on"), self.fmt("cell_date")),
                ],
            )
        if len(documents) > MAX_DOCUMENTS:
            self.note(
                f"另有 {len(documents) - MAX_DOCUMENTS} 份证明未列出，见台账“{layout.SHEET_CREDENTIALS}”表。"
            )

    def write_signatures(self) -> None:
        self.spacer(10)
        self.section("九、审批意见")
        self.put(self.row, 0, LAST_COL, None, self.fmt("text"))
        self.heights[self.row] = 48
        self.row += 1
        for who in ("审核人", "审批人"):
            self.put(self.row, 0, 1, f"{who}（签字）：", self.fmt("sign_label"))
            self.put(self.row, 2, 4, None, self.fmt("sign_line"))
            self.put(self.row, 5, 5, "日期：", self.fmt("sign_label"))
            self.put(self.row, 6, 7, None, self.fmt("sign_line"))
            self.heights[self.row] = 30
            self.row += 1
        self.spacer(10)
        made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        self.put(self.row, 0, LAST_COL, f"{FOOTER} · {made}", self.fmt("footer"))
        self.last_row = self.row
        self.row += 1

    def print_setup(self) -> None:
        ws = self.ws
        ws.set_paper(9)  # A4
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.print_area(0, 0, self.last_row, LAST_COL)
        ws.hide_gridlines(2)
        ws.set_default_row(BASE_HEIGHT)


def _text_px(text: str) -> float:
    return sum(CJK_PX if unicodedata.east_asian_width(ch) in "WF" else OTHER_PX for ch in text)


def _height(lines: int) -> float:
    return BASE_HEIGHT + LINE_HEIGHT * (lines - 1)


def grade_text(grade: str, scoring, missing: list[str] | tuple[str, ...] = ()) -> str:
    """The grade with what it means: "B：良好客户，正常合作并定期关注"; for the incomplete
    label, which dimension scores are missing."""
    if not grade:
        return ""
    if grade == scoring.incomplete_grade:
        if missing:
            return f"{grade}：缺少{'、'.join(missing)}评分，评分填齐后才能评级"
        return f"{grade}：评分未填齐，填齐后才能评级"
    for band in scoring.bands:
        if band.grade == grade:
            return f"{grade}：{band.description}" if band.description else grade
    if grade == scoring.fallback_grade and scoring.bands:
        return f"{grade}：综合评分低于 {scoring.bands[-1].lower:g} 分"
    return grade
