"""Custom functions for Excel (xlwings): the ledger's scores, grades, due dates and checks as
worksheet functions, each taking whole columns or tables and returning an array in one call.

The `xlwings.conf` sheet of every ledger names this module (UDF Modules = ledger_xl.udfs);
Excel imports it at every start, so it imports only the core (`import ledger_xl.udfs` is
measured in bench/README.md). Each function converts, calls the core and converts back:

    LEDGER_SCORE(scores, [weights])              综合评分          core.scoring
    LEDGER_GRADE(score, [bands])                 评级              core.scoring
    LEDGER_NEXT_DUE(last_review, risk, category) 下次审核日期      core.schedule
    LEDGER_DUE_STATUS(next_due, [as_of])         到期提示          core.schedule
    LEDGER_CHECK_USCC(codes)                     信用代码问题      core.checks.cells
    LEDGER_CHECK_ID(numbers)                     身份证号问题      core.identifiers
    LEDGER_CHECK_ROW(row_range, header_range)    整行的问题        core.validate

Defaults (weights, grade bands, review cycles, the due window, 基准日) come from the calling
workbook's own rule sheets (xlwings passes the calling cell as `caller`); called with no
workbook (tests, Python), from the default rules and today. A bad argument gives one text cell
`#LEDGER: <what is wrong>`, never a traceback.

Off Windows, xlwings' decorators return the function unchanged (and without xlwings they are
replaced by pass-throughs), so these are plain functions in the tests. The functions carry no
type hints on purpose: xlwings reads a UDF's annotations as converters.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import ValidationError

from ledger_xl.core import layout, schedule, scoring, values
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import LedgerXLError
from ledger_xl.core.rules import Dimension, GradeBand, Rules, ScoringRules

try:  # xlwings is the [excel] extra; the functions work (as plain functions) without it
    import xlwings as xw

    func, arg, ret = xw.func, xw.arg, xw.ret
except ImportError:  # pragma: no cover - exercised only where xlwings is not installed

    def func(f=None, **_kwargs):
        return f if f is not None else (lambda g: g)

    def arg(*_args, **_kwargs):
        return lambda f: f

    def ret(*_args, **_kwargs):
        return lambda f: f


PREFIX = "#LEDGER: "
CATEGORY = "ledger_xl"

Cells = list[list[Any]]  # a block of cell values, rows of equal length


class UdfError(LedgerXLError):
    """An argument a custom function cannot use; the message is shown in the cell."""


# ---------------------------------------------------------------- conversion


def as_grid(value: Any) -> Cells:
    """Any argument as a 2-D list: a scalar is 1×1, a flat list one column."""
    if value is None:
        return [[None]]
    if isinstance(value, list | tuple):
        if not value:
            return [[None]]
        if isinstance(value[0], list | tuple):  # xlwings' ndim=2: rows of equal length
            return value if isinstance(value, list) else list(value)
        return [[v] for v in value]
    return [[value]]


def as_column(value: Any, name: str) -> list[Any]:
    """A one-column (or one-row) argument as a flat list; UdfError for a wider table."""
    grid = as_grid(value)
    if len(grid[0]) == 1:
        return [row[0] for row in grid]
    if len(grid) == 1:
        return list(grid[0])
    raise UdfError(f"“{name}”应为一列（或一行），现为 {len(grid)} 行 {len(grid[0])} 列")


_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")


def excel_error(value: Any) -> bool:
    """True for an Excel error value as xlwings hands it over (`err_to_str`): "#N/A", …"""
    return isinstance(value, str) and value in _ERRORS


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(day: Any) -> Any:
    """A datetime64 / NaT as the cell value: a date, or "" for none."""
    if day is None or (isinstance(day, np.datetime64) and np.isnat(day)):
        return ""
    return day.astype("datetime64[D]").astype(dt.date) if isinstance(day, np.datetime64) else day


def guarded(udf: Callable[..., Any]) -> Callable[..., Any]:
    """Turn what a function cannot use into one `#LEDGER: ...` text cell instead of a
    traceback (a bug becomes `#LEDGER: 内部错误 ...`)."""

    @functools.wraps(udf)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return udf(*args, **kwargs)
        except LedgerXLError as exc:
            return [[PREFIX + str(exc)]]
        except Exception as exc:
            return [[f"{PREFIX}内部错误（{type(exc).__name__}: {exc}），请反馈给开发者"]]

    return call


# ---------------------------------------------------------------- the calling workbook


def workbook_context(caller: Any) -> tuple[Rules, dt.date]:
    """The rules and 基准日 of the workbook a function is called from (`caller` is the
    calling cell, an xlwings Range); the defaults and today without one."""
    if caller is None:
        return DEFAULT_RULES, dt.date.today()
    from ledger_xl.excel.host import AddinError
    from ledger_xl.excel.workbook import book_as_of, book_rules

    book = caller.sheet.book
    try:
        rules = book_rules(book)
    except AddinError as exc:
        raise UdfError(str(exc)) from None
    return rules, book_as_of(book) or dt.date.today()


# ---------------------------------------------------------------- pure parts


def read_weights(weights: Any, count: int) -> list[float]:
    """Weights from a row or column of numbers (fractions, or percentages written as whole
    numbers); UdfError unless there are `count` of them and they sum to 100%."""
    cells = [v for v in as_column(weights, "权重") if not _blank(v)]
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in cells):
        raise UdfError("权重应为数字（如 30% 或 0.3）")
    numbers = [float(v) for v in cells]
    if len(numbers) != count:
        raise UdfError(f"评分有 {count} 列，权重有 {len(numbers)} 个，两者应一一对应")
    if numbers and all(v > 1 for v in numbers) and abs(sum(numbers) - 100) < 1e-6:
        numbers = [v / 100 for v in numbers]  # typed as 30, 30, 20, 20
    if abs(sum(numbers) - 1) > 1e-6:
        raise UdfError(f"权重合计不为100%（现为 {sum(numbers):.2%}）")
    return numbers


def score_rows(scores: Cells, scoring_rules: ScoringRules) -> list[list[Any]]:
    """综合评分 of each row of dimension scores, as the template formula: the weighted sum
    rounded to 1 place, "" when a score is missing or not a number."""
    dims = scoring_rules.dimensions
    if len(scores[0]) != len(dims):
        names = "、".join(d.name for d in dims)
        raise UdfError(f"评分应有 {len(dims)} 列（{names}），现为 {len(scores[0])} 列")
    import pandas as pd  # the core's frames; loaded with the core already

    columns = dict(zip((d.column for d in dims), zip(*scores, strict=True), strict=True))
    result = scoring.composite_scores(pd.DataFrame(columns, dtype=object), scoring_rules)
    shown = result.astype(object)
    shown[np.isnan(result)] = ""
    return shown.reshape(-1, 1).tolist()


def scoring_with_weights(base: ScoringRules, weights: list[float]) -> ScoringRules:
    """`base` with these weights (dimension names kept when the counts agree)."""
    dims = [
        Dimension(
            name=base.dimensions[j].name if j < len(base.dimensions) else f"维度{j + 1}",
            column=f"评分{j + 1}",
            weight=w,
        )
        for j, w in enumerate(weights)
    ]
    return base.model_copy(update={"dimensions": tuple(dims)})


def read_bands(bands: Any, base: ScoringRules) -> ScoringRules:
    """Grade bands from a table laid out as 评分标准's (评级, 最低分[, 说明]), best first; a
    row without a lower bound names the grade below the last band."""
    grid = as_grid(bands)
    if len(grid[0]) < 2:
        raise UdfError("评级表应有两列：评级、最低分")
    parsed, fallback = [], base.fallback_grade
    for row in grid:
        grade, lower = row[0], row[1]
        if _blank(grade):
            continue
        if _blank(lower):
            fallback = str(grade).strip()
            continue
        if isinstance(lower, bool) or not isinstance(lower, int | float):
            raise UdfError(f"评级“{grade}”的最低分应为数字，现为“{lower}”")
        parsed.append(GradeBand(grade=str(grade).strip(), lower=float(lower)))
    if not parsed:
        raise UdfError("评级表中没有评级")
    try:
        return ScoringRules(
            dimensions=base.dimensions,
            bands=tuple(parsed),
            fallback_grade=fallback,
            incomplete_grade=base.incomplete_grade,
        )
    except ValidationError as exc:  # bands not strictly decreasing
        raise UdfError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


def grade_cells(scores: Cells, scoring_rules: ScoringRules) -> Cells:
    """评级 of each score (same shape): the incomplete label for a blank score, as the
    template formula; a text or error cell is named rather than graded."""
    out = []
    for row in scores:
        line = []
        for value in row:
            if _blank(value):
                line.append(scoring_rules.incomplete_grade)
            elif excel_error(value):
                line.append(f"{PREFIX}评分是错误值 {value}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                line.append(f"{PREFIX}“{value}”不是分数")
            else:
                line.append(scoring.grade_for(float(value), scoring_rules))
        out.append(line)
    return out


def next_due_rows(
    last: list[Any],
    risk: list[Any],
    category: list[Any],
    rules: Rules,
    status: list[Any] | None = None,
) -> Cells:
    """下次审核日期 per row: EDATE(最近审核日期, 审核周期(月)), "" where either is missing, and
    "" for a 审核未通过 customer when the workbook's 审核周期 takes them off the schedule (as
    the ledger's formula does) — when `status` is given."""
    lengths = [len(last), len(risk), len(category), *([len(status)] if status is not None else [])]
    if len(set(lengths)) > 1:
        shown = "、".join(str(n) for n in lengths)
        raise UdfError(f"各参数的行数应相同，现为 {shown} 行")
    months = schedule.cycle_months(risk, category, rules.cycles)
    if status is not None and rules.cycles.rejected_unscheduled:
        rejected = values.texts([None if excel_error(v) else v for v in status])
        months[rejected == layout.STATUS_REJECTED] = math.nan
    starts = values.dates([None if excel_error(v) else v for v in last])
    return [[_shown(day)] for day in schedule.edate(starts, months)]


def due_status_cells(next_due: Cells, as_of: dt.date, soon_days: int) -> Cells:
    """到期提示 of each date against `as_of`: 已逾期 / 即将到期 (≤ `soon_days`) / 正常;
    "" for a blank or a cell that is not a date."""
    out = []
    for row in next_due:
        days = schedule.days_between(
            values.dates([None if excel_error(v) else v for v in row]), as_of
        )
        line = []
        for d in days:
            if math.isnan(d):
                line.append("")
            elif d < 0:
                line.append(layout.DUE_OVERDUE)
            elif d <= soon_days:
                line.append(layout.DUE_SOON)
            else:
                line.append(layout.DUE_OK)
        out.append(line)
    return out


def _check_cells(grid: Cells, check: Callable[[list[Any]], list[str]]) -> Cells:
    flat = [v for row in grid for v in row]
    messages = check(flat)
    width = len(grid[0])
    return [messages[i : i + width] for i in range(0, len(messages), width)]


def uscc_messages(codes: Sequence[Any], rules: Rules = DEFAULT_RULES) -> list[str]:
    """For each value: "" when blank or a valid 统一社会信用代码, else what the validator says
    of it in the ledger's 统一社会信用代码 column (length, characters, check character, or a
    code Excel stored as a number)."""
    import pandas as pd

    from ledger_xl.core.book import LedgerBook, Table
    from ledger_xl.core.checks import cells
    from ledger_xl.core.checks.context import CheckContext

    rule = rules.field("uscc").model_copy(update={"required": False})
    cleaned = [None if _blank(v) else v for v in codes]
    frame = pd.DataFrame({rule.key: cleaned}, dtype=object)
    table = Table(layout.SHEET_LEDGER, frame, list(range(1, len(cleaned) + 1)), {rule.key: 0}, 0)
    ctx = CheckContext(LedgerBook("", rules=rules, ledger=table), dt.date.today())
    cells.check_column(ctx, table, rule)
    out = [""] * len(cleaned)
    for item in ctx.findings:
        i = (item.row or 1) - 1
        if item.code != "formula-text":
            out[i] = "；".join(filter(None, (out[i], item.message)))
    for i, value in enumerate(cleaned):
        if excel_error(value):
            out[i] = f"{PREFIX}单元格是错误值 {value}"
    return out


def resident_id_messages(numbers: Sequence[Any]) -> list[str]:
    """For each value: "" when blank or a valid 18-character resident ID number, else what the
    validator says of it as a 法定代表人身份证 in 资信证明."""
    from ledger_xl.core.checks.documents import ID_REASONS
    from ledger_xl.core.findings import finding
    from ledger_xl.core.identifiers import resident_id_problem

    column = next(c.header for c in layout.CREDENTIAL_COLUMNS if c.key == "doc_number")
    out = []
    for value in numbers:
        if _blank(value):
            out.append("")
        elif excel_error(value):
            out.append(f"{PREFIX}单元格是错误值 {value}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(finding("id-stored-as-number", value=f"{value:.5E}", column=column).message)
        elif reason := resident_id_problem(str(value).strip()):
            out.append(
                finding("resident-id-invalid", value=value, detail=ID_REASONS[reason]).message
            )
        else:
            out.append("")
    return out


def row_messages(rows: Cells, headers: list[Any], rules: Rules, as_of: dt.date) -> list[list[str]]:
    """The findings of each ledger row (its messages joined by "；"; "" when clean): the
    rows as the ledger's cell, row and formula-value checks see them, under `headers`."""
    import pandas as pd

    from ledger_xl.core.book import (
        LedgerBook,
        Table,
        header_lookup,
        ledger_headers,
        normalise_header,
    )
    from ledger_xl.core.validate import validate_book

    if len(headers) != len(rows[0]):
        raise UdfError(f"表头有 {len(headers)} 列，数据有 {len(rows[0])} 列，两者应一致")
    lookup = header_lookup(ledger_headers(rules))
    columns: dict[str, int] = {}
    for j, header in enumerate(headers):
        key = lookup.get(normalise_header(header))
        if key is not None and key not in columns:
            columns[key] = j
    if not columns:
        raise UdfError("表头中没有台账的列名（请选台账的表头行）")
    top = layout.LEDGER_HEADER_ROW  # rows are numbered as if right under the ledger's header
    frame = pd.DataFrame(
        {key: [None if _blank(r[j]) else r[j] for r in rows] for key, j in columns.items()},
        dtype=object,
    )
    table = Table(
        layout.SHEET_LEDGER, frame, list(range(top + 2, top + 2 + len(rows))), columns, top
    )
    result = validate_book(LedgerBook("", rules=rules, ledger=table), as_of)
    out = [""] * len(rows)
    for item in result.findings:
        if item.row is not None and item.sheet == layout.SHEET_LEDGER:
            i = item.row - top - 2
            out[i] = "；".join(filter(None, (out[i], item.message)))
    return [[text] for text in out]


# ---------------------------------------------------------------- the functions


@func(category=CATEGORY)
@arg("scores", ndim=2, doc="各维度评分（每个客户一行，每个维度一列，按评分标准的顺序）")
@arg("weights", ndim=2, doc="可选：各维度权重（合计100%）；不填时取本工作簿评分标准中的权重")
@ret(expand="table")
@guarded
def LEDGER_SCORE(scores, weights=None, caller=None):
    """计算综合评分：各维度评分按权重加权求和，保留一位小数；任一维度未填或不是数字时为空。一次计算整列。"""
    rules, _ = workbook_context(caller)
    scoring_rules = rules.scoring
    grid = as_grid(scores)
    if weights is not None:
        scoring_rules = scoring_with_weights(scoring_rules, read_weights(weights, len(grid[0])))
    return score_rows(grid, scoring_rules)


@func(category=CATEGORY)
@arg("score", ndim=2, err_to_str=True, doc="综合评分（一列或一个区域）")
@arg("bands", ndim=2, doc="可选：评级表（评级、最低分两列，高分在前）；不填时取本工作簿评分标准")
@ret(expand="table")
@guarded
def LEDGER_GRADE(score, bands=None, caller=None):
    """按评级下限给出评级（如 A/B/C/D）；综合评分为空时为“待补充”。结果与所选区域形状相同。"""
    rules, _ = workbook_context(caller)
    scoring_rules = rules.scoring if bands is None else read_bands(bands, rules.scoring)
    return grade_cells(as_grid(score), scoring_rules)


@func(category=CATEGORY)
@arg("last_review", ndim=2, err_to_str=True, doc="最近审核日期（一列）")
@arg("risk", ndim=2, doc="风险等级（一列，与日期同样行数）")
@arg("category", ndim=2, doc="客户类别（一列，与日期同样行数）")
@arg("status", ndim=2, doc="可选：审核状态（一列）；审核未通过的客户不再排定期审核，结果为空")
@ret(expand="table")
@guarded
def LEDGER_NEXT_DUE(last_review, risk, category, status=None, caller=None):
    """下次审核日期 = 最近审核日期 + 审核周期（按风险等级×客户类别查本工作簿的审核周期表，月末对齐）；无法计算时为空；给出审核状态时，审核未通过的客户为空（与台账公式一致）。请把结果设为日期格式。"""
    rules, _ = workbook_context(caller)
    return next_due_rows(
        as_column(last_review, "最近审核日期"),
        as_column(risk, "风险等级"),
        as_column(category, "客户类别"),
        rules,
        None if status is None else as_column(status, "审核状态"),
    )


@func(category=CATEGORY)
@arg("next_due", ndim=2, err_to_str=True, doc="下次审核日期（一列或一个区域）")
@arg("as_of", doc="可选：基准日；不填时取本工作簿的基准日（台账!B1），没有时为今天")
@ret(expand="table")
@guarded
def LEDGER_DUE_STATUS(next_due, as_of=None, caller=None):
    """到期提示：已逾期 / 即将到期（审核提醒天数以内）/ 正常；日期为空或不是日期时为空。"""
    rules, workbook_day = workbook_context(caller)
    day = workbook_day
    if as_of is not None:
        if isinstance(as_of, dt.datetime):
            day = as_of.date()
        elif isinstance(as_of, dt.date):
            day = as_of
        elif isinstance(as_of, int | float) and not isinstance(as_of, bool):
            day = values.serial_to_date(float(as_of))
        else:
            raise UdfError(f"基准日应为日期，现为“{as_of}”")
    return due_status_cells(as_grid(next_due), day, rules.cycles.due_soon_days)


@func(category=CATEGORY)
@arg("codes", ndim=2, err_to_str=True, doc="统一社会信用代码（一列或一个区域）")
@ret(expand="table")
@guarded
def LEDGER_CHECK_USCC(codes, caller=None):
    """检查统一社会信用代码（18位、字符、校验位）：有效或为空时返回空，否则返回问题说明。"""
    rules, _ = workbook_context(caller)
    return _check_cells(as_grid(codes), lambda flat: uscc_messages(flat, rules))


@func(category=CATEGORY)
@arg("numbers", ndim=2, err_to_str=True, doc="身份证号码（一列或一个区域，以文本录入）")
@ret(expand="table")
@guarded
def LEDGER_CHECK_ID(numbers):
    """检查18位居民身份证号码（字符、出生日期、校验位）：有效或为空时返回空，否则返回问题说明。"""
    return _check_cells(as_grid(numbers), resident_id_messages)


@func(category=CATEGORY)
@arg("row_range", ndim=2, err_to_str=True, doc="要检查的台账行（可多行，与表头同样的列）")
@arg("header_range", ndim=2, doc="台账的表头行（列名）")
@ret(expand="table")
@guarded
def LEDGER_CHECK_ROW(row_range, header_range, caller=None):
    """按本工作簿的填报规则检查台账的每一行：没有问题时为空，否则列出该行的全部问题。"""
    rules, as_of = workbook_context(caller)
    headers = as_grid(header_range)
    if len(headers) != 1:
        raise UdfError(f"表头应为一行，现为 {len(headers)} 行")
    return row_messages(as_grid(row_range), headers[0], rules, as_of)
