"""Cell checks, one column at a time: presence, types, list values, ranges, formats, identifiers.

Each column is classified in one pass (blank / text / number / date); only the cells that are
not what the column wants go through the slower per-cell path that writes a finding.

Codes: required-missing, not-a-number, number-as-text, not-a-date, date-as-text,
date-impossible, value-not-allowed, out-of-range, phone-invalid, email-invalid,
pattern-mismatch, uscc-length, uscc-charset, uscc-check, id-stored-as-number, formula-text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict

import numpy as np
import pandas as pd

from ledger_xl.core import layout, parsing, values
from ledger_xl.core.book import Table
from ledger_xl.core.checks.context import CheckContext, emits, used_rows
from ledger_xl.core.identifiers import USCC_CHARSET, USCC_LENGTH, USCC_WEIGHTS
from ledger_xl.core.rules import FORMATS, REGEX_PREFIX, FieldRule, FieldType
from ledger_xl.core.values import EXCEL_MAX_NUMBER

BLANK, TEXT, NUMBER, DATE, OTHER = 0, 1, 2, 3, 4
_KIND = {
    type(None): BLANK,
    str: TEXT,
    float: NUMBER,
    int: NUMBER,
    dt.date: DATE,
    dt.datetime: DATE,
    bool: OTHER,
}
_KIND_OF_TYPE = defaultdict(lambda: OTHER, _KIND)  # C-level lookups; unknown types → OTHER
FORMULA_START = ("=", "+", "-", "@")
_FIRST_DAY = dt.date(1900, 1, 1).toordinal()  # serial 1, the first day Excel holds
LONG_NUMBER = 1e15  # Excel keeps 15 significant digits: a longer ID typed as a number is lost
_USCC_SHAPE = re.compile(f"^[{USCC_CHARSET}]{{{USCC_LENGTH}}}$")


def kinds(cells: list) -> np.ndarray:
    """BLANK / TEXT / NUMBER / DATE / OTHER per value; whitespace-only text counts as blank."""
    out = np.fromiter(
        map(_KIND_OF_TYPE.__getitem__, map(type, cells)), dtype=np.int8, count=len(cells)
    )
    text_at = np.flatnonzero(out == TEXT).tolist()
    blank = [i for i in text_at if not (v := cells[i]) or v.isspace()]
    if blank:
        out[blank] = BLANK
    return out


@emits(
    "required-missing",
    "not-a-number",
    "number-as-text",
    "not-a-date",
    "date-as-text",
    "date-impossible",
    "value-not-allowed",
    "out-of-range",
    "phone-invalid",
    "email-invalid",
    "pattern-mismatch",
    "uscc-length",
    "uscc-charset",
    "uscc-check",
    "id-stored-as-number",
    "formula-text",
)
def check_ledger_cells(ctx: CheckContext) -> None:
    for rule in ctx.rules.fields:
        if rule.is_input and rule.key in ctx.ledger.columns:
            check_column(ctx, ctx.ledger, rule)


# The side sheets' columns every row fills: a blank in one of them (in a used row) is what an
# error value read as a blank looks like, and only then is the sheet scanned for error values
# (inflating a 100,000-row side sheet costs a few tenths of a second; a clean file pays
# nothing).
_FILLED_BY_EVERY_ROW = {
    layout.SHEET_CREDENTIALS: ("customer_id", "doc_type", "expires"),
    layout.SHEET_REVIEWS: ("review_id", "customer_id", "review_date", "result"),
}


@emits("error-value")
def check_error_values(ctx: CheckContext) -> None:
    """Input cells holding an error value and no formula (`#N/A` pasted as a value).
    python-calamine reads them as blanks; the formula scan lists them (`FormulaMap.errors`)
    for the ledger, and `side_errors` scans 资信证明 / 审核记录 where one of their rows has a
    blank in a column every row fills. Runs after the formula check (the scan is finished by
    then): each is reported as the error it is, in place of the `required-missing` or
    `conditional-missing` its blank gave."""
    found = ctx.book.formulas()
    if found is None:
        return
    inputs = {f.key for f in ctx.rules.fields if f.is_input}
    tables = [(ctx.ledger, getattr(found, "errors", None) or {}, inputs)]
    scan = getattr(found, "side_errors", None)
    for table, columns in (
        (ctx.credentials, layout.CREDENTIAL_COLUMNS),
        (ctx.reviews, layout.REVIEW_COLUMNS),
    ):
        if scan is not None and table is not None and _blank_where_filled(ctx, table):
            keys = {c.key for c in columns if c.kind != "formula"}
            tables.append((table, scan(table.sheet), keys))
    at: set[tuple[str, str]] = set()
    for table, errors, keys in tables:
        if not errors:
            continue
        index = {row - 1: i for i, row in enumerate(table.rows)}
        by_col = {col: key for key, col in table.columns.items() if key in keys}
        for (line, col), text in sorted(errors.items()):
            i, key = index.get(line), by_col.get(col)
            if i is not None and key is not None:
                ctx.emit("error-value", table, i, key, value=text)
                at.add((table.sheet, ctx.cell(table, i, key)))
    if at:
        blank = ("required-missing", "conditional-missing")
        ctx.findings[:] = [
            f for f in ctx.findings if not (f.code in blank and (f.sheet, f.cell) in at)
        ]


def _blank_where_filled(ctx: CheckContext, table: Table) -> bool:
    """True when a used row of the side table is blank in a column every row fills (once per
    run: `side_blanks` answers it where the side tables' own checks ran)."""
    return ctx.memo(("blank where filled", id(table)), lambda: _any_blank(ctx, table))


def _any_blank(ctx: CheckContext, table: Table) -> bool:
    used = _used(ctx, table)
    for key in _FILLED_BY_EVERY_ROW.get(table.sheet, ()):
        if key in table.columns:
            kind = _column_kinds(ctx, table, key)  # as the column's cell checks found them
            if ((kind == BLANK) & used).any():
                return True
    return False


def side_blanks(ctx: CheckContext) -> dict:
    """What `check_error_values` asks of the side tables, as memo entries for `ctx.adopt`:
    computed from the column kinds the side tables' checks found, so that a process that ran
    those checks answers it for one that did not (`core.validate`'s split). The keys hold the
    tables' `id`, the same in a forked copy of the context."""
    for table in (ctx.credentials, ctx.reviews):
        if table is not None:
            _blank_where_filled(ctx, table)
    return ctx.memos("blank where filled")


def _column_kinds(ctx: CheckContext, table: Table, key: str, cells: list | None = None):
    """`kinds` of a table's column (its `cells` when the caller has them), once per run."""
    return ctx.memo(
        ("kinds", id(table), key),
        lambda: kinds(table.frame[key].tolist() if cells is None else cells),
    )


def _used(ctx: CheckContext, table: Table) -> np.ndarray:
    """The table's used rows (`used_rows`), once per check run."""
    if table is ctx.ledger:
        return ctx.used
    return ctx.memo(("used", id(table)), lambda: used_rows(table))


def check_column(ctx: CheckContext, table: Table, rule: FieldRule) -> None:
    cells = table.frame[rule.key].tolist()
    kind = _column_kinds(ctx, table, rule.key, cells)
    used = _used(ctx, table)
    if rule.required:
        for i in np.flatnonzero((kind == BLANK) & used):
            ctx.emit("required-missing", table, i, rule.key)
    if rule.type in (FieldType.NUMBER, FieldType.SCORE):
        _numbers(ctx, table, rule, cells, kind)
    elif rule.type is FieldType.DATE:
        _dates(ctx, table, rule.key, cells, kind)
    else:
        _texts(ctx, table, rule, cells, kind)


def _numbers(ctx, table, rule: FieldRule, cells, kind) -> None:
    # the cells that are numbers (float or int) as floats, NaN elsewhere
    number_at = np.flatnonzero(kind == NUMBER).tolist()
    if len(number_at) == len(cells):
        numbers = np.array(cells, dtype=float)
    else:
        numbers = np.full(len(cells), np.nan)
        if number_at:
            numbers[number_at] = np.array(values.pick(cells, number_at), dtype=float)
    with np.errstate(invalid="ignore"):
        impossible = (kind == NUMBER) & ~(np.abs(numbers) <= EXCEL_MAX_NUMBER)
    for i in np.flatnonzero(impossible):  # NaN, ±inf, 1e308: written by a program, not Excel
        ctx.emit("not-a-number", table, i, rule.key, value=repr(float(cells[i])))
        numbers[i] = np.nan
    for i in np.flatnonzero(kind == TEXT):
        parsed, _ = parsing.parse_number_text(cells[i])
        if parsed is None:
            ctx.emit("not-a-number", table, i, rule.key, value=cells[i])
        else:
            ctx.emit("number-as-text", table, i, rule.key, value=cells[i])
            numbers[i] = parsed
    for i in np.flatnonzero((kind == DATE) | (kind == OTHER)):
        ctx.emit("not-a-number", table, i, rule.key, value=cells[i])
    low = -np.inf if rule.minimum is None else rule.minimum
    high = np.inf if rule.maximum is None else rule.maximum
    with np.errstate(invalid="ignore"):
        outside = (numbers < low) | (numbers > high)
    for i in np.flatnonzero(outside):
        ctx.emit("out-of-range", table, i, rule.key, value=numbers[i], allowed=rule.bounds)


def _dates(ctx, table, key: str, cells, kind) -> None:
    for i in np.flatnonzero(kind == TEXT):
        text = cells[i]
        if parsing.parse_date_text(text) is not None:
            ctx.emit("date-as-text", table, i, key, value=text)
        elif parsing.looks_like_date(text):
            ctx.emit("date-impossible", table, i, key, value=text)
        else:
            ctx.emit("not-a-date", table, i, key, value=text)
    for i in np.flatnonzero(kind == NUMBER):
        if not 1 <= cells[i] < 2958466:  # outside what a date serial can be
            ctx.emit("not-a-date", table, i, key, value=cells[i])
    at = np.flatnonzero(kind == DATE).tolist()
    if at and min(map(dt.date.toordinal, map(cells.__getitem__, at))) < _FIRST_DAY:
        for i in at:  # a day before serial 1: python-calamine's reading of NaN in a date cell
            if cells[i].toordinal() < _FIRST_DAY:
                ctx.emit("not-a-date", table, i, key, value=cells[i])
    for i in np.flatnonzero(kind == OTHER):
        ctx.emit("not-a-date", table, i, key, value=cells[i])


def _texts(ctx, table, rule: FieldRule, cells, kind) -> None:
    is_text = kind == TEXT
    if is_text.all():
        texts = list(cells)
    else:
        boxed = np.fromiter(cells, dtype=object, count=len(cells))  # never a nested array
        texts = np.where(is_text, boxed, None).tolist()
    present = is_text.copy()
    for i in np.flatnonzero(kind == NUMBER):
        number = cells[i]
        if rule.format == "统一社会信用代码" and abs(number) >= LONG_NUMBER:
            ctx.emit("id-stored-as-number", table, i, rule.key, value=f"{number:.5E}")
            continue
        texts[i] = str(int(number)) if float(number).is_integer() else str(number)
        present[i] = True
    for i in np.flatnonzero(kind == DATE):
        texts[i] = cells[i].isoformat()[:10]
        present[i] = True
    series = pd.Series(texts, dtype=object)
    if rule.type is FieldType.TEXT:
        # text cells only: a negative number (备注 -1) shows "-1" but is a number, not a
        # formula someone typed
        formulas = {t for t in set(texts) if t is not None and t.startswith(FORMULA_START)}
        starts = (
            [i for i, t in enumerate(texts) if t in formulas and is_text[i]] if formulas else []
        )
        for i in starts:
            ctx.emit("formula-text", table, i, rule.key, value=texts[i])
    if rule.type is FieldType.CHOICE:
        bad = present & ~series.isin(rule.allowed).to_numpy()
        for i in np.flatnonzero(bad):
            ctx.emit(
                "value-not-allowed",
                table,
                i,
                rule.key,
                value=texts[i],
                allowed="、".join(rule.allowed),
            )
    if rule.format == "统一社会信用代码":
        check_uscc(ctx, table, rule.key, series)
    elif rule.format:
        _pattern(ctx, table, rule, series, present)


def _pattern(ctx, table, rule: FieldRule, series: pd.Series, present: np.ndarray) -> None:
    if rule.format.startswith(REGEX_PREFIX):
        regex, code, allowed = rule.format[len(REGEX_PREFIX) :], "pattern-mismatch", rule.hint
    else:
        regex = FORMATS[rule.format]
        code = {"手机或座机": "phone-invalid", "电子邮箱": "email-invalid"}.get(
            rule.format, "pattern-mismatch"
        )
        allowed = rule.format
    full = _compiled(regex.strip("^$")).fullmatch
    texts = series.tolist()
    for i in np.flatnonzero(present).tolist():
        if full(texts[i].strip()) is None:
            ctx.emit(code, table, i, rule.key, value=texts[i], allowed=allowed)


@functools.lru_cache(maxsize=64)
def _compiled(regex: str) -> re.Pattern:
    return re.compile(regex)


def check_uscc(ctx: CheckContext, table: Table, key: str, series: pd.Series) -> None:
    """GB 32100-2015: length 18, charset, and the check character — vectorised."""
    present = series.notna().to_numpy()
    codes = series.fillna("").astype(str).str.strip()
    shaped = codes.str.fullmatch(_USCC_SHAPE.pattern.strip("^$")).to_numpy(dtype=bool)
    for i in np.flatnonzero(present & ~shaped):
        code = codes.iat[i]
        if len(code) != USCC_LENGTH:
            ctx.emit("uscc-length", table, i, key, value=code, detail=str(len(code)))
        else:
            ctx.emit("uscc-charset", table, i, key, value=code)
    index = np.flatnonzero(present & shaped)
    if not len(index):
        return
    lookup = np.full(256, 0, dtype=np.int64)
    for position, char in enumerate(USCC_CHARSET):
        lookup[ord(char)] = position
    raw = np.frombuffer("".join(codes.iloc[index]).encode("ascii"), dtype=np.uint8)
    digits = lookup[raw.reshape(-1, USCC_LENGTH)]
    expected = (31 - (digits[:, :-1] @ np.array(USCC_WEIGHTS)) % 31) % 31
    for j in np.flatnonzero(expected != digits[:, -1]):
        i = index[j]
        ctx.emit("uscc-check", table, i, key, value=codes.iat[i], detail=USCC_CHARSET[expected[j]])
