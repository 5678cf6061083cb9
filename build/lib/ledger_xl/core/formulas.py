"""The template's formulas, as text: one function per formula column.

They use only functions that Excel 2010, WPS and LibreOffice 7.4 evaluate, and structured
references in full form. `ledger_xl.core.twins` computes the same values in Python.
"""

from __future__ import annotations

from ledger_xl.core import layout
from ledger_xl.core.rules import Rules

_ESCAPED = "[]#'"


def this_row(header: str, table: str = layout.TABLE_LEDGER) -> str:
    """`Ledger[[#This Row],[列名]]`, with the characters structured references escape."""
    escaped = "".join("'" + ch if ch in _ESCAPED else ch for ch in header)
    return f"{table}[[#This Row],[{escaped}]]"


def column(header: str, table: str = layout.TABLE_LEDGER) -> str:
    escaped = "".join("'" + ch if ch in _ESCAPED else ch for ch in header)
    return f"{table}[{escaped}]"


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def ledger_formulas(rules: Rules) -> dict[str, str]:
    """Formula text (with leading '=') for each ledger formula column, keyed by field key."""
    h = rules.header
    ref = {key: this_row(h(key)) for key in (f.key for f in rules.fields)}
    unused = f'AND({ref["customer_id"]}="",{ref["name"]}="")'

    assets, liabilities = ref["total_assets"], ref["total_liabilities"]
    debt_ratio = (
        f"IF(AND(ISNUMBER({assets}),ISNUMBER({liabilities})),"
        f'IF({assets}=0,"",{liabilities}/{assets}),"")'
    )

    dims = rules.scoring.dimensions
    dim_refs = [this_row(d.column) for d in dims]
    weighted = "+".join(
        f"{r}*{layout.weight_name(d.name)}" for r, d in zip(dim_refs, dims, strict=True)
    )
    composite = f'IF(COUNT({",".join(dim_refs)})<{len(dims)},"",ROUND({weighted},1))'

    score = ref["composite_score"]
    ladder = _q(rules.scoring.fallback_grade)
    for band in reversed(rules.scoring.bands):
        ladder = f"IF({score}>={layout.band_name(band.grade)},{_q(band.grade)},{ladder})"
    grade = f'IF({unused},"",IF({score}="",{_q(rules.scoring.incomplete_grade)},{ladder}))'

    risk, category = ref["risk_level"], ref["category"]
    cycle = (
        f'IF(OR({risk}="",{category}=""),"",IFERROR(INDEX({layout.NAME_CYCLE_TABLE},'
        f"MATCH({risk},{layout.NAME_CYCLE_RISKS},0),"
        f'MATCH({category},{layout.NAME_CYCLE_CATEGORIES},0)),""))'
    )
    last, months = ref["last_review"], ref["cycle_months"]
    next_review = f'IF(AND(ISNUMBER({last}),ISNUMBER({months})),EDATE({last},{months}),"")'
    nxt = ref["next_review"]
    days = f'IF(ISNUMBER({nxt}),{nxt}-{layout.NAME_AS_OF},"")'
    d = ref["days_to_due"]
    due = (
        f'IF({unused},"",IF({ref["status"]}={_q(layout.STATUS_INACTIVE)},"",'
        f'IF({last}="",{_q(layout.DUE_NEVER)},IF(NOT(ISNUMBER({d})),"",'
        f"IF({d}<0,{_q(layout.DUE_OVERDUE)},"
        f"IF({d}<={layout.NAME_DUE_SOON_DAYS},{_q(layout.DUE_SOON)},{_q(layout.DUE_OK)}))))))"
    )
    formulas = {
        "debt_ratio": debt_ratio,
        "composite_score": composite,
        "grade": grade,
        "cycle_months": cycle,
        "next_review": next_review,
        "days_to_due": days,
        "due_flag": due,
    }
    return {key: "=" + text for key, text in formulas.items()}


def credential_formulas() -> dict[str, str]:
    """Formula text for the 资信证明 table's computed columns, keyed by column key."""
    headers = {c.key: c.header for c in layout.CREDENTIAL_COLUMNS}
    table = layout.TABLE_CREDENTIALS
    expires = this_row(headers["expires"], table)
    customer = this_row(headers["customer_id"], table)
    kind = this_row(headers["doc_type"], table)
    as_of = layout.NAME_AS_OF
    # A renewal is a new row: the older document of the same customer and type is 已更新.
    newer = (
        f"COUNTIFS({column(headers['customer_id'], table)},{customer},"
        f"{column(headers['doc_type'], table)},{kind},"
        f'{column(headers["expires"], table)},">"&{expires})>0'
    )
    status = (
        f'IF(ISNUMBER({expires}),IF(IF(OR({customer}="",{kind}=""),FALSE,{newer}),'
        f"{_q(layout.DOC_RENEWED)},"
        f"IF({expires}<{as_of},{_q(layout.DOC_EXPIRED)},"
        f"IF({expires}-{as_of}<={layout.NAME_DOC_SOON_DAYS},{_q(layout.DOC_SOON)},"
        f'{_q(layout.DOC_VALID)}))),"")'
    )
    days = f'IF(ISNUMBER({expires}),{expires}-{as_of},"")'
    return {"doc_status": "=" + status, "doc_days": "=" + days}
