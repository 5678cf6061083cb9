"""The customers of one or more ledger workbooks as typed tables, with every formula column
computed by its Python twin, as of one date: the input of the due lists, risk warnings,
summaries and review reports.

`from_frames` is pure (frames keyed by field key, as read or as generated); `load` reads
workbooks read-only and enriches each with its own rules, so a branch that changed its
weights is scored by its weights. Rows are never dropped: a value the formulas cannot read
stays visible (the raw text is kept) and lands in an "unknown" bucket downstream.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ledger_xl.core import layout, schedule, twins, values
from ledger_xl.core.book import LedgerBook
from ledger_xl.core.defaults import DEFAULT_FIELDS, DEFAULT_RULES
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.rules import FieldType, Rules

# Columns every enriched frame carries besides the field keys.
FILE = "file"
ROW = "row"

# Text columns of the ledger that downstream tables show or group by.
_LEDGER_TEXT = (
    "customer_id",
    "name",
    "uscc",
    "branch",
    "account_manager",
    "industry",
    "category",
    "risk_level",
    "contact",
    "phone",
    "email",
    "address",
    "legal_rep",
    "stage",
    "status",
    "reviewer",
    "opinion",
    "notes",
    "business_scope",
    "info_source",
    "dishonest",
    "approval_level",
    "approver",
)

ID_DOCUMENT = "法定代表人身份证"

# Display names of the computed and bookkeeping columns (field keys use the rules' headers).
EXTRA_LABELS = {
    FILE: "来源文件",
    ROW: "行号",
    "last_review_raw": "最近审核日期（原值）",
    "last_review_unreadable": "最近审核日期无法识别",
    "due_soon_days": "审核提醒天数",
    "doc_soon_days": "证件提醒天数",
    "admission_problems": "未满足的准入条件",
    "suggested_scores": "评分细则建议分",
}


@dataclass
class Portfolio:
    """Customers, credit documents and review records of one or more workbooks, as of `as_of`.

    customers: one row per used ledger row; the field keys of the current template typed
        (text as str, numbers as float, dates as datetime64[D] with NaT; blank where the
        workbook lacks the column), the computed columns of `twins` (debt_ratio,
        composite_score, grade, cycle_months, next_review, days_to_due, due_flag), the
        control values of `controls.evaluate` (admission_check, admission_problems,
        credit_cap, limit_check, required_level, score_deviation, suggested_scores),
        last_review_raw / last_review_unreadable, due_soon_days, doc_soon_days, grade_rank
        (0 = best band; NaN for the incomplete label), file, row.
    documents: one row per used 资信证明 row: customer_id, name, doc_type, doc_number,
        issued, expires (datetime64), expires_raw, verified_by, verified_on, doc_notes,
        doc_status (已更新 when superseded by a renewal), doc_days, superseded,
        owner_inactive (the 客户编号 is 已停用 in the ledger: left out of lists and figures),
        plus the owning customer's branch and status (blank when the customer is not in the
        ledger), file, row.
    reviews: one row per used 审核记录 row: review_id, customer_id, name, review_date,
        stage, the four scores, composite_score, grade, credit_limit, result, reviewer,
        approval_level, approver, approval_date (approval rows have an approval_level),
        opinion, file, row.
    rules: the first workbook's rules (grade names and order for display);
        rules_by_file: each workbook's own rules (see `rules_for`).
    unreadable: (file, reason) for each workbook that could not be read.
    """

    as_of: dt.date
    customers: pd.DataFrame
    documents: pd.DataFrame
    reviews: pd.DataFrame
    rules: Rules = DEFAULT_RULES
    files: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    rules_by_file: dict[str, Rules] = field(default_factory=dict)
    # When `customers` holds only the rows one 客户编号 can match (`book_part(...,
    # customer=...)`): every used ledger row's customer_id, file and row, as `customers`
    # would have them whole — for what looks at every customer (near ids, shared ids).
    roster: pd.DataFrame | None = None

    def rules_for(self, file: str) -> Rules:
        """The rules a workbook's rows were computed with (its own 评分标准 and 审核周期)."""
        return self.rules_by_file.get(file, self.rules)

    def all_rules(self) -> list[Rules]:
        """Every workbook's rules, in file order (the portfolio's `rules` when it has none)."""
        return list(self.rules_by_file.values()) or [self.rules]

    def labels(self) -> dict[str, list[str]]:
        """The values a summary lists for 审核状态, 风险等级 and 评级: those of every
        workbook's rules, in order of first appearance."""
        every = self.all_rules()
        return {
            "status": _union(list(r.field("status").allowed) for r in every),
            "risk_level": _union(list(r.field("risk_level").allowed) for r in every),
            "grade": _union(grade_labels(r) for r in every),
        }

    def incomplete_grades(self) -> set[str]:
        """The 评级 label of an incomplete score in any workbook (待补充 by default)."""
        return {r.scoring.incomplete_grade for r in self.all_rules()}


def text(value: object) -> str:
    """A cell as display text: blanks "", whole floats without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _texts(column: Iterable[object]) -> np.ndarray:
    # Most cells are text: strip those inline, `text` for the rest (same result, a third of
    # the time).
    cells = values.cells_of(column)
    return np.array([v.strip() if type(v) is str else text(v) for v in cells], dtype=object)


def _column(frame: pd.DataFrame, key: str) -> pd.Series:
    if key in frame.columns:
        return frame[key]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def enrich_ledger(
    ledger: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    file: str = "",
    rows: list[int] | None = None,
    credentials: pd.DataFrame | Callable[[], pd.DataFrame | None] | None = None,
    controls: bool = True,
    keys: Collection[str] | None = None,
) -> pd.DataFrame:
    """The used rows of a ledger frame keyed by field key, typed and with the twins' columns.

    The control values (准入检查 with every unmet condition, 额度上限, 额度检查, 需审批级别,
    评分偏差 and the suggested scores; see `controls.evaluate`) are there for every workbook,
    computed from its rules and `credentials` (its 资信证明) even where its template has no
    such column. A field of the current template that the workbook lacks is a blank column.
    `credentials` may be a callable that gives the frame: it is called once the ledger's own
    columns are typed, so a side sheet still being read in a thread comes in meanwhile.
    `controls=False` leaves the control values out (and `credentials` unused), `keys` types
    only those input columns (the computed ones all come): for a reader that uses no more,
    such as the due lists."""
    ledger = ledger.reset_index(drop=True)
    full = pd.DataFrame({f.key: _column(ledger, f.key) for f in rules.fields})
    computed, unused = twins.base_formulas(full, rules, as_of)
    used = ~unused
    out = pd.DataFrame(index=full.index)
    own = {f.key for f in rules.fields}
    for f in (*rules.fields, *(d for d in DEFAULT_FIELDS if d.key not in own)):
        if f.type is FieldType.FORMULA or (keys is not None and f.key not in keys):
            continue
        raw = full[f.key] if f.key in own else _column(full, f.key)
        if f.type in (FieldType.NUMBER, FieldType.SCORE):
            out[f.key] = values.numbers(raw)
        elif f.type is FieldType.DATE:
            out[f.key] = values.dates(raw)
        else:
            out[f.key] = _texts(raw)
    for key in _LEDGER_TEXT:  # a workbook whose rules lack a column still has it, blank
        if key not in out.columns and (keys is None or key in keys):
            out[key] = ""
    last_review_raw = _texts(full["last_review"])
    last_review_unreadable = (last_review_raw != "") & np.isnat(
        out["last_review"].to_numpy(dtype="datetime64[D]")
    )
    evaluated = pd.DataFrame(index=full.index)
    if controls:
        if callable(credentials):
            credentials = credentials()
        computed, evaluated = twins.with_controls(full, computed, unused, credentials, rules, as_of)
    for key in computed.columns:
        out[key] = computed[key].to_numpy()
    for key in evaluated.columns:
        if key not in computed.columns or key in ("admission_problems", "suggested_scores"):
            out[key] = evaluated[key].to_numpy()
    out["last_review_raw"] = last_review_raw
    out["last_review_unreadable"] = last_review_unreadable
    out["due_soon_days"] = rules.cycles.due_soon_days
    out["doc_soon_days"] = rules.cycles.document_soon_days
    out["grade_rank"] = grade_ranks(out["grade"], rules)
    out[FILE] = file
    out[ROW] = rows if rows is not None else list(range(len(out)))
    return out[used].reset_index(drop=True)


def grade_labels(rules: Rules) -> list[str]:
    """The grades best first, the fallback grade, then the incomplete label."""
    return [b.grade for b in rules.scoring.bands] + [
        rules.scoring.fallback_grade,
        rules.scoring.incomplete_grade,
    ]


def _union(lists: Iterable[list[str]]) -> list[str]:
    out: list[str] = []
    for items in lists:
        out.extend(item for item in items if item not in out)
    return out


def grade_ranks(grades: Iterable[str], rules: Rules) -> np.ndarray:
    """0 for the best band, one more per band down, the fallback grade last; NaN otherwise."""
    order = {b.grade: i for i, b in enumerate(rules.scoring.bands)}
    order[rules.scoring.fallback_grade] = len(rules.scoring.bands)
    return np.array([order.get(g, np.nan) for g in grades], dtype=float)


def enrich_documents(
    credentials: pd.DataFrame | None,
    customers: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    file: str = "",
    rows: list[int] | None = None,
) -> pd.DataFrame:
    """资信证明 rows typed, with 证件状态 / 剩余天数 and the customer's branch and status."""
    columns = [c.key for c in layout.CREDENTIAL_COLUMNS]
    if credentials is None or credentials.empty:
        return _empty(
            [*columns, "expires_raw", "superseded", "owner_inactive", "branch", "status", FILE, ROW]
        )
    frame = credentials.reset_index(drop=True)
    out = _typed(frame, layout.CREDENTIAL_COLUMNS)
    out["expires_raw"] = _texts(_column(frame, "expires"))
    status = twins.credential_formulas(frame, rules, as_of)
    out["doc_status"] = status["doc_status"].to_numpy()
    out["doc_days"] = status["doc_days"].to_numpy()
    out["superseded"] = out["doc_status"] == layout.DOC_RENEWED
    owners = customers.drop_duplicates("customer_id").set_index("customer_id")
    ids = out["customer_id"]
    out["owner_inactive"] = schedule.inactive_owners(
        ids, customers["customer_id"], customers["status"]
    )
    out["branch"] = ids.map(owners["branch"]).fillna("").to_numpy()
    out["status"] = ids.map(owners["status"]).fillna("").to_numpy()
    names = ids.map(owners["name"]).fillna("")
    out["name"] = np.where(out["name"] == "", names, out["name"])
    out[FILE] = file
    out[ROW] = rows if rows is not None else list(range(len(out)))
    used = (out["customer_id"] != "") | (out["doc_type"] != "") | (out["expires_raw"] != "")
    return out[used.to_numpy()].reset_index(drop=True)


def enrich_reviews(
    reviews: pd.DataFrame | None,
    file: str = "",
    rows: list[int] | None = None,
    keys: Collection[str] | None = None,
) -> pd.DataFrame:
    """审核记录 rows typed: dates as datetime64, scores as float, the rest as text. With
    `keys`, only those columns (and 客户编号, 审核日期, which tell the used rows) are typed."""
    wanted = [
        c
        for c in layout.REVIEW_COLUMNS
        if keys is None or c.key in keys or c.key in ("customer_id", "review_date")
    ]
    columns = [c.key for c in wanted]
    if reviews is None or reviews.empty:
        return _empty([*columns, FILE, ROW])
    frame = reviews.reset_index(drop=True)
    out = _typed(frame, tuple(wanted))
    out[FILE] = file
    out[ROW] = rows if rows is not None else list(range(len(out)))
    used = (out["customer_id"] != "") | ~np.isnat(out["review_date"].to_numpy())
    return out[used.to_numpy()].reset_index(drop=True)


def _typed(frame: pd.DataFrame, columns: tuple[layout.Column, ...]) -> pd.DataFrame:
    """A side table's input columns typed: dates as datetime64, numbers as float, the rest
    as text; formula columns are left for the caller to compute."""
    out = pd.DataFrame(index=frame.index)
    for c in columns:
        raw = _column(frame, c.key)
        if c.kind == "date":
            out[c.key] = values.dates(raw)
        elif c.kind == "number":
            out[c.key] = values.numbers(raw)
        elif c.kind != "formula":
            out[c.key] = _texts(raw)
    return out


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def from_frames(
    ledger: pd.DataFrame,
    credentials: pd.DataFrame | None,
    reviews: pd.DataFrame | None,
    as_of: dt.date,
    rules: Rules = DEFAULT_RULES,
    file: str = "",
) -> Portfolio:
    """A portfolio from frames keyed by field key (as the reader or the demo produce them)."""
    customers = enrich_ledger(ledger, rules, as_of, file, credentials=credentials)
    return Portfolio(
        as_of,
        customers,
        enrich_documents(credentials, customers, rules, as_of, file),
        enrich_reviews(reviews, file),
        rules,
        [file] if file else [],
        rules_by_file={file: rules},
    )


@dataclass(frozen=True)
class Reads:
    """What a command reads of the books' rows (`book_part`), when not everything: without
    `controls` the control values are left out (`enrich_ledger`); `ledger_keys` and
    `review_keys` are the only input columns of 台账 and 审核记录 typed (every computed column
    of 台账 and all of 资信证明 always come)."""

    controls: bool = True
    ledger_keys: tuple[str, ...] | None = None
    review_keys: tuple[str, ...] | None = None


EVERYTHING = Reads()


@dataclass
class BookPart:
    """One workbook's share of a portfolio: its rows typed and enriched with its own rules,
    or why it cannot join (`problem`). What a reading child process sends back."""

    source: str
    problem: str = ""
    rules: Rules = DEFAULT_RULES
    customers: pd.DataFrame | None = None
    documents: pd.DataFrame | None = None
    reviews: pd.DataFrame | None = None
    roster: pd.DataFrame | None = None  # see Portfolio.roster


def book_part(
    book: LedgerBook,
    as_of: dt.date,
    customer: str | None = None,
    reads: Reads = EVERYTHING,
) -> BookPart:
    """A book's rows, typed and enriched with its own rules (`from_books` joins them).

    With `customer` (a 客户编号, as `review_report.find_customer` looks for it), only the rows
    that could belong to that customer are typed — in every table, so that each of their
    computed values is what the whole book gives it — and `roster` lists every customer.
    `reads` is what the caller uses of them (`Reads`; `due.READS`, `summary.reads()`): the
    rest is not computed."""
    name = book.source
    problem = unusable(book)
    if problem:
        return BookPart(name, problem)
    keep = _selection(customer, book.rules)
    ledger, ledger_rows = _selected(book.ledger.frame, book.ledger.rows, keep)

    @functools.cache  # asked for by the ledger's twins, then for 资信证明's own rows
    def credentials() -> tuple[pd.DataFrame | None, list[int] | None]:
        # A book read with `later=True` settles here, its ledger typed while a thread read
        # the side sheets (资信证明 alone: 审核记录 comes in while it is typed); a side sheet
        # that cannot be read leaves the book unusable.
        with contextlib.suppress(WorkbookReadError):
            book.settle(layout.SHEET_CREDENTIALS)
        table = book.credentials if book.checkable else None
        return _selected(table.frame, table.rows, keep) if table else (None, None)

    customers = enrich_ledger(
        ledger,
        book.rules,
        as_of,
        name,
        ledger_rows,
        credentials=lambda: credentials()[0],
        controls=reads.controls,
        keys=reads.ledger_keys,
    )
    frame, rows = credentials()
    problem = unusable(book)
    if problem:
        return BookPart(name, problem)
    documents = enrich_documents(frame, customers, book.rules, as_of, name, rows)
    with contextlib.suppress(WorkbookReadError):
        book.settle()  # 审核记录
    problem = unusable(book)
    if problem:
        return BookPart(name, problem)
    reviews, review_rows = _selected(
        book.reviews.frame if book.reviews else None,
        book.reviews.rows if book.reviews else None,
        keep,
    )
    reviews = enrich_reviews(reviews, name, review_rows, reads.review_keys)
    roster = None if keep is None else _roster(book.ledger.frame, book.ledger.rows, name)
    return BookPart(name, "", book.rules, customers, documents, reviews, roster)


def _selection(customer: str | None, rules: Rules) -> Callable[[list], list[bool]] | None:
    """Which 客户编号 cells may belong to `customer`, or None for every row (no customer, or
    one this shortcut does not cover).

    A cell is kept when any comparison made of 客户编号 could pair it with the customer's
    own: `find_customer`'s (stripped, then case-insensitively), the twins' and the lookups'
    (COUNTIFS-like: case-insensitively, a number like its digits; stripped and upper-cased).
    For a 客户编号 of ASCII characters, a text cell of ASCII is kept when it equals it
    stripped and case-folded — between ASCII texts, each of those comparisons pairs only
    texts equal so — and every other cell that is not blank (a number, a date, a text with
    other characters) is kept, whatever it holds: a superset, closed under those comparisons."""
    wanted = (customer or "").strip()
    if not wanted or not wanted.isascii() or "customer_id" not in {f.key for f in rules.fields}:
        return None
    folded = wanted.casefold()

    def keep(cells: list) -> list[bool]:
        return [
            (v.strip().casefold() == folded or not v.isascii())
            if type(v) is str
            else not values.is_blank(v)
            for v in cells
        ]

    return keep


def _selected(
    frame: pd.DataFrame | None, rows: list[int] | None, keep: Callable[[list], list[bool]] | None
) -> tuple[pd.DataFrame | None, list[int] | None]:
    """A table's frame and sheet rows, only the rows `keep` takes by their 客户编号."""
    if keep is None or frame is None:
        return frame, rows
    mask = np.array(keep(_column(frame, "customer_id").tolist()), dtype=bool)
    rows = rows if rows is not None else list(range(len(frame)))
    return frame[mask].reset_index(drop=True), [r for r, m in zip(rows, mask, strict=True) if m]


def _roster(ledger: pd.DataFrame, rows: list[int] | None, file: str) -> pd.DataFrame:
    """Every used row's customer_id, file and row, as `enrich_ledger` gives them."""
    ledger = ledger.reset_index(drop=True)
    ids, names = _column(ledger, "customer_id"), _column(ledger, "name")
    used = ~twins.empty_rows(pd.DataFrame({"customer_id": ids, "name": names}))
    rows = rows if rows is not None else list(range(len(ledger)))
    return pd.DataFrame(
        {
            "customer_id": _texts(ids)[used],
            FILE: file,
            ROW: np.asarray(rows, dtype=np.int64)[used],
        }
    )


def from_books(books: Iterable[LedgerBook], as_of: dt.date) -> Portfolio:
    """One portfolio from ledger books, each scored and scheduled with its own rules. A book
    that cannot be used (no ledger table, or broken rule sheets: its formulas and Python
    would not agree on anything) is listed in `unreadable` with the reason."""
    return from_parts((book_part(book, as_of) for book in books), as_of)


def from_parts(parts: Iterable[BookPart], as_of: dt.date) -> Portfolio:
    """One portfolio from `book_part`s, in order; the unusable ones listed in `unreadable`."""
    used: list[BookPart] = []
    unreadable: list[tuple[str, str]] = []
    for part in parts:
        if part.problem:
            unreadable.append((part.source, part.problem))
        else:
            used.append(part)
    if not used:
        empty = from_frames(
            pd.DataFrame({f.key: [] for f in DEFAULT_RULES.fields}), None, None, as_of
        )
        empty.unreadable = unreadable
        return empty
    files = [p.source for p in used]
    rules_by_file = {p.source: p.rules for p in used}
    return Portfolio(
        as_of,
        _concat([p.customers for p in used]),
        _concat([p.documents for p in used]),
        _concat([p.reviews for p in used]),
        used[0].rules,
        files,
        unreadable,
        rules_by_file,
        _roster_of(used),
    )


def _roster_of(parts: list[BookPart]) -> pd.DataFrame | None:
    """The parts' rosters joined (a part typed whole is its own roster); None when no part
    holds a selection."""
    if all(p.roster is None for p in parts):
        return None
    return _concat(
        [p.customers[["customer_id", FILE, ROW]] if p.roster is None else p.roster for p in parts]
    )


def unusable(book: LedgerBook) -> str:
    """Why a book cannot join a portfolio ("" when it can): the opener's fatal finding, or
    its broken rule sheets."""
    if book.fatal is not None:
        return book.fatal.message
    if not book.checkable:
        return "找不到台账表"
    return "" if book.rules_error is None else str(book.rules_error)


def shared_customer_ids(portfolio: Portfolio) -> dict[str, list[str]]:
    """客户编号 found in more than one file of the portfolio → the files (sorted). Lists and
    summaries count such a customer once per file (e.g. HQ's master given with a branch's)."""
    every = portfolio.customers if portfolio.roster is None else portfolio.roster
    claimed = every[every["customer_id"] != ""]
    if claimed.empty:
        return {}
    pairs = claimed[["customer_id", FILE]].drop_duplicates()
    shared = pairs[pairs["customer_id"].duplicated(keep=False)]
    if shared.empty:  # the usual case: no 客户编号 in two files
        return {}
    files = shared.groupby("customer_id")[FILE].unique()
    return {cid: sorted(f) for cid, f in files.items()}


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0] if frames else pd.DataFrame()
    return pd.concat(non_empty, ignore_index=True)


def mask_id(number: str) -> str:
    """A resident ID number with its middle hidden (110101********1234), for lists and
    reports that travel; other numbers are returned as they are."""
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    return number


def label(key: str, rules: Rules = DEFAULT_RULES) -> str:
    """The Chinese column name for a field key or an extra column."""
    if key in EXTRA_LABELS:
        return EXTRA_LABELS[key]
    for f in rules.fields:
        if f.key == key:
            return f.header
    for c in (*layout.CREDENTIAL_COLUMNS, *layout.REVIEW_COLUMNS):
        if c.key == key:
            return c.header
    return key
