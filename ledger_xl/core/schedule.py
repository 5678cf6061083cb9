"""Review cycles, next review dates (Excel EDATE semantics), due flags, document validity.

Pure functions; `as_of` (the workbook's 基准日) is always a parameter.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ledger_xl.core import layout, values
from ledger_xl.core.rules import CycleRules, Rules


def edate(start: np.ndarray, months: np.ndarray) -> np.ndarray:
    """EDATE over arrays: `months` after `start`, clamped to the month's end (31 Jan + 1 → 28/29 Feb).

    `start` is datetime64[D] (NaT allowed), `months` float (NaN allowed); fractions of a month
    are truncated as Excel does. Returns datetime64[D] with NaT where either input is missing,
    and where the result falls outside Excel's dates (1900-01-01 to 9999-12-31: EDATE gives
    #NUM! there).
    """
    start = np.asarray(start, dtype="datetime64[D]")
    months = np.asarray(months, dtype=float)
    valid = ~np.isnat(start) & ~np.isnan(months)
    result = np.full(start.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    if not valid.any():
        return result
    base = start[valid]
    month_start = base.astype("datetime64[M]")
    day = (base - month_start.astype("datetime64[D]")).astype(int)
    target = month_start + np.trunc(months[valid]).astype(int)
    target_first = target.astype("datetime64[D]")
    month_length = ((target + 1).astype("datetime64[D]") - target_first).astype(int)
    result[valid] = target_first + np.minimum(day, month_length - 1)
    result[(result < EXCEL_FIRST_DAY) | (result > EXCEL_LAST_DAY)] = np.datetime64("NaT")
    return result


EXCEL_FIRST_DAY = np.datetime64("1900-01-01", "D")
EXCEL_LAST_DAY = np.datetime64("9999-12-31", "D")


def add_months(day: dt.date, months: int) -> dt.date:
    """EDATE for one date: `months` later (or earlier), clamped to the end of a shorter month;
    the scalar form of `edate`, which it calls."""
    result = edate(np.array([day], dtype="datetime64[D]"), np.array([months], dtype=float))[0]
    return result.astype(dt.date)


def cycle_months(risk: pd.Series, category: pd.Series, cycles: CycleRules) -> np.ndarray:
    """审核周期(月) per row; NaN where the risk level or category is not in the cycle table."""
    return np.array(
        [
            np.nan if (m := cycles.cycle_for(r, c)) is None else float(m)
            for r, c in zip(values.texts(risk), values.texts(category), strict=True)
        ],
        dtype=float,
    )


def one_year_before(day: dt.date) -> dt.date:
    """The same day a year earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def days_between(later: np.ndarray, as_of: dt.date) -> np.ndarray:
    """`later − as_of` in days as float, NaN where `later` is NaT."""
    later = np.asarray(later, dtype="datetime64[D]")
    days = (later - np.datetime64(as_of, "D")).astype("timedelta64[D]").astype(float)
    days[np.isnat(later)] = np.nan
    return days


def due_flags(
    last_review: pd.Series,
    days_to_due: np.ndarray,
    status: pd.Series,
    cycles: CycleRules,
) -> np.ndarray:
    """到期提示 per row, as the template formula computes it: 未通过 for 审核未通过 when the
    cycle rules take them out of the periodic schedule, blank for 已停用."""
    last_blank = np.array([values.is_blank(v) for v in last_review], dtype=bool)
    text = values.texts(status)
    flags = np.full(len(days_to_due), "", dtype=object)
    known = ~np.isnan(days_to_due)
    flags[known] = layout.DUE_OK
    flags[known & (days_to_due <= cycles.due_soon_days)] = layout.DUE_SOON
    flags[known & (days_to_due < 0)] = layout.DUE_OVERDUE
    flags[last_blank] = layout.DUE_NEVER
    if cycles.rejected_unscheduled:
        flags[text == layout.STATUS_REJECTED] = layout.DUE_REJECTED
    flags[text == layout.STATUS_INACTIVE] = ""
    return flags


def review_dates(ledger: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """审核周期(月) and 下次审核日期 (neither depends on 基准日) for a ledger frame keyed by
    field key (审核未通过 customers have no 下次审核日期 when they leave the periodic
    schedule)."""
    months = cycle_months(ledger["risk_level"], ledger["category"], rules.cycles)
    next_review = edate(values.dates(ledger["last_review"]), months)
    if rules.cycles.rejected_unscheduled:
        rejected = values.texts(ledger["status"]) == layout.STATUS_REJECTED
        next_review[rejected] = np.datetime64("NaT")
    return months, next_review


def schedule_ledger(
    ledger: pd.DataFrame,
    rules: Rules,
    as_of: dt.date,
    dates: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """审核周期(月), 下次审核日期, 距到期天数 and 到期提示 for a ledger frame keyed by field key
    (审核未通过 customers have no 下次审核日期 when they leave the periodic schedule).
    `dates`, when given, is `review_dates(ledger, rules)` already computed."""
    months, next_review = review_dates(ledger, rules) if dates is None else dates
    days = days_between(next_review, as_of)
    flags = due_flags(ledger["last_review"], days, ledger["status"], rules.cycles)
    return pd.DataFrame(
        {
            "cycle_months": months,
            "next_review": next_review,
            "days_to_due": days,
            "due_flag": flags,
        },
        index=ledger.index,
    )


def document_status(
    expires: pd.Series,
    as_of: dt.date,
    cycles: CycleRules,
    customer_ids: pd.Series | None = None,
    doc_types: pd.Series | None = None,
) -> pd.DataFrame:
    """证件状态 and 剩余天数 for credential rows: 已过期 / 即将到期 (≤ window) / 有效, and
    已更新 where the same customer has a document of the same type expiring later (a renewal
    is a new row; the old one no longer counts). Without ids and types nothing is 已更新."""
    day_values = values.dates(expires)
    days = days_between(day_values, as_of)
    status = np.full(len(days), "", dtype=object)
    known = ~np.isnan(days)
    status[known] = layout.DOC_VALID
    status[known & (days <= cycles.document_soon_days)] = layout.DOC_SOON
    status[known & (days < 0)] = layout.DOC_EXPIRED
    if customer_ids is not None and doc_types is not None:
        status[renewed(day_values, customer_ids, doc_types)] = layout.DOC_RENEWED
    return pd.DataFrame({"doc_status": status, "doc_days": days}, index=expires.index)


def renewed(expires: np.ndarray, customer_ids: pd.Series, doc_types: pd.Series) -> np.ndarray:
    """Rows with a real 有效期至 below the latest one of their (客户编号, 证明类型) group.

    Groups compare as COUNTIFS does: text case-insensitively; blank ids or types never group.
    """
    ids = np.array(list(map(values.criterion_key, values.cells_of(customer_ids))), dtype=object)
    kinds = np.array(list(map(values.criterion_key, values.cells_of(doc_types))), dtype=object)
    days = np.asarray(expires, dtype="datetime64[D]")
    grouped = (ids != "") & (kinds != "") & ~np.isnat(days)
    result = np.zeros(len(days), dtype=bool)
    if grouped.any():
        mine = days[grouped]
        frame = pd.DataFrame({"id": ids[grouped], "kind": kinds[grouped], "day": mine})
        latest = frame.groupby(["id", "kind"], sort=False)["day"].transform("max").to_numpy()
        result[grouped] = mine < latest.astype(mine.dtype)
    return result


def inactive_owners(
    doc_ids: pd.Series, ledger_ids: pd.Series, ledger_status: pd.Series
) -> np.ndarray:
    """For each credential row, whether its 客户编号 belongs to an 已停用 customer: the twin
    of `(客户编号<>"")*(COUNTIFS(Ledger[客户编号],客户编号,Ledger[审核状态],"已停用")>0)`,
    the rule by which 汇总 and the due lists leave such documents out."""
    status = values.texts(ledger_status)
    inactive = {
        key
        for key, state in zip(
            map(values.criterion_key, values.cells_of(ledger_ids)), status, strict=True
        )
        if key and state == layout.STATUS_INACTIVE
    }
    if not inactive:
        return np.zeros(len(doc_ids), dtype=bool)
    keys = map(values.criterion_key, values.cells_of(doc_ids))
    return np.fromiter(map(inactive.__contains__, keys), dtype=bool, count=len(doc_ids))
