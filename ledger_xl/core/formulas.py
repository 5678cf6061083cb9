"""The template's formulas, as text: one function per formula column.

They use only functions that Excel 2010, WPS and LibreOffice 7.4 evaluate, and structured
references in full form; rule values are read through named cells of the rule sheets, so an
admin's edit of a rule value takes effect live. `ledger_xl.core.twins` and
`ledger_xl.core.controls` compute the same values in Python.

A formula column is written only when the workbook's 填报规则 lists it, and a control refers
only to the columns the ledger has (a workbook of an older template lacks the newer ones).
"""

from __future__ import annotations

from ledger_xl.core import layout
from ledger_xl.core.rules import RUBRIC_AT_MOST, YES, Rules

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
    status = ref["status"]
    next_review = f'IF(AND(ISNUMBER({last}),ISNUMBER({months})),EDATE({last},{months}),"")'
    rejected = f"{status}={_q(layout.STATUS_REJECTED)}"
    never = f'IF({last}="",{_q(layout.DUE_NEVER)},'
    if rules.cycles.rejected_unscheduled:  # 审核未通过 leaves the periodic schedule
        next_review = f'IF({rejected},"",{next_review})'
        never = f"IF({rejected},{_q(layout.DUE_REJECTED)}," + never
    nxt = ref["next_review"]
    days = f'IF(ISNUMBER({nxt}),{nxt}-{layout.NAME_AS_OF},"")'
    d = ref["days_to_due"]
    due = (
        f'IF({unused},"",IF({status}={_q(layout.STATUS_INACTIVE)},"",'
        f'{never}IF(NOT(ISNUMBER({d})),"",'
        f"IF({d}<0,{_q(layout.DUE_OVERDUE)},"
        f"IF({d}<={layout.NAME_DUE_SOON_DAYS},{_q(layout.DUE_SOON)},{_q(layout.DUE_OK)}))))))"
        + (")" if rules.cycles.rejected_unscheduled else "")
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
    formulas.update(control_formulas(rules, ref, unused))
    return {key: "=" + text for key, text in formulas.items() if rules.has(key)}


# ---------------------------------------------------------------- controls

BIG = "9.9E+307"  # "no cap" inside MIN (a text "" would make MIN an error)


def _if_chain(steps: list[tuple[str, str]], otherwise: str) -> str:
    """IF(c1,m1,IF(c2,m2,…,otherwise)): the first condition that holds gives the value."""
    text = otherwise
    for condition, value in reversed(steps):
        text = f"IF({condition},{value},{text})"
    return text


def _marked(row_name: str, header_name: str, key_ref: str) -> str:
    """TRUE when the rule row `row_name` holds 是 under the header equal to the cell (COUNTIFS:
    no error to catch; a blank cell matches no header)."""
    return f"COUNTIFS({header_name},{key_ref},{row_name},{_q(YES)})>0"


def control_formulas(rules: Rules, ref: dict[str, str], unused: str) -> dict[str, str]:
    """准入检查, 额度上限, 额度检查, 需审批级别 and 评分偏差 (without the leading '='), for the
    ones the rules' fields list. Each is blank on an unused row; 准入检查 and 额度检查 are blank
    for 已停用 customers too. (Short: every cell of a column holds the whole text.)"""
    out: dict[str, str] = {}
    inactive = f"{ref['status']}={_q(layout.STATUS_INACTIVE)}" if rules.has("status") else "0"
    if rules.has("admission_check"):
        out["admission_check"] = f'IF(OR({unused},{inactive}),"",{_admission(rules, ref)})'
    if rules.has("credit_cap") and rules.has("grade"):
        out["credit_cap"] = _credit_cap(rules, ref)  # an unused row has no grade: blank
    if rules.has("limit_check") and rules.has("credit_cap") and rules.has("credit_limit"):
        limit, cap = ref["credit_limit"], ref["credit_cap"]
        out["limit_check"] = (
            f'IF(OR({inactive},NOT(ISNUMBER({limit}))),"",IF(NOT(ISNUMBER({cap})),'
            f'IF({limit}>0,{_q(LIMIT_UNGRADED)},""),IF({limit}>{cap},{_q(LIMIT_OVER)},"")))'
        )
    if rules.has("required_level"):
        out["required_level"] = f'IF({unused},"",{_required_level(rules, ref)})'
    if rules.has("score_deviation"):
        parts = "&".join(_deviation_part(rules, k, r) for k, r in usable_rubrics(rules))
        out["score_deviation"] = f"MID({parts or chr(34) * 2},2,99)"  # unused: no scores
    return out


LIMIT_OVER = "超限"
LIMIT_UNGRADED = "待评级"


def _admission(rules: Rules, ref: dict[str, str]) -> str:
    admission = rules.admission
    steps: list[tuple[str, str]] = []
    if rules.has("stage"):
        stage, name = ref["stage"], layout.NAME_ADMISSION_STAGE
        steps.append((f'AND({name}<>"",{stage}<>{name})', f'"未到"&{name}'))
    if rules.has("composite_score"):
        score, floor = ref["composite_score"], layout.NAME_ADMISSION_MIN_SCORE
        steps.append((f'AND(ISNUMBER({floor}),{score}="")', _q(ADMISSION_INCOMPLETE)))
        steps.append((f"AND(ISNUMBER({floor}),N({score})<{floor})", _q(ADMISSION_LOW_SCORE)))
    for i, flag in usable_flags(rules):
        cell = this_row(flag.column)
        steps.append((f'{cell}=""', _q(flag.column + "未填写")))
        steps.append(
            (f"{cell}<>{layout.admission_flag_name(i)}", f"{_q(flag.column + '为')}&{cell}")
        )
    if rules.has("industry"):
        industry, listed = ref["industry"], layout.NAME_EXCLUDED_INDUSTRIES
        steps.append(
            (
                f'AND({industry}<>"",ISNUMBER(MATCH({industry},{listed},0)))',
                f"{_q(ADMISSION_INDUSTRY)}&{industry}",
            )
        )
    if (
        admission.documents
        and admission.columns
        and (rules.has("risk_level") or rules.has("category"))
    ):
        customer = ref["customer_id"]
        # Documents are looked up by 客户编号: without one there is nothing to look up (and
        # COUNTIFS treats a blank criterion differently in Excel and LibreOffice).
        steps.append((f'{customer}=""', _q(ADMISSION_NO_ID)))
        for i, doc in enumerate(admission.documents, start=1):
            needed = "+".join(
                f"COUNTIFS({layout.NAME_ADMISSION_DOC_HEADER},{ref[k]},"
                f"{layout.admission_doc_name(i)},{_q(YES)})"
                for k in ("risk_level", "category")
                if rules.has(k)
            )
            valid = _documents(customer, doc.doc_type, f'">="&{layout.NAME_AS_OF}')
            steps.append(
                (
                    f"AND({needed}>0,{valid}=0)",
                    f"IF({_documents(customer, doc.doc_type)}=0,{_q(DOC_MISSING + doc.doc_type)},"
                    f"{_q(doc.doc_type + DOC_LAPSED)})",
                )
            )
    return _if_chain(steps, '""')


ADMISSION_NO_ID = "客户编号未填"
DOC_MISSING = "缺少"  # no document of the type on file
DOC_LAPSED = "已失效"  # on file, but none in date (expired, or no 有效期至 date)
ADMISSION_INCOMPLETE = "评分未填齐"
ADMISSION_LOW_SCORE = "评分低于准入线"
ADMISSION_INDUSTRY = "禁入行业："


def _documents(customer: str, doc_type: str, expiry: str | None = None) -> str:
    """COUNTIFS of the customer's 资信证明 rows of a type (and an 有效期至 criterion)."""
    headers = {c.key: c.header for c in layout.CREDENTIAL_COLUMNS}
    table = layout.TABLE_CREDENTIALS
    text = (
        f"COUNTIFS({column(headers['customer_id'], table)},{customer},"
        f"{column(headers['doc_type'], table)},{_q(doc_type)}"
    )
    if expiry is not None:
        text += f",{column(headers['expires'], table)},{expiry}"
    return text + ")"


def usable_flags(rules: Rules):
    """(1-based position, flag) of the exclusion flags whose column the ledger has."""
    headers = {f.header for f in rules.fields}
    return [(i, f) for i, f in enumerate(rules.admission.flags, 1) if f.column in headers]


def usable_rubrics(rules: Rules):
    """(1-based position, rubric) of the rubrics whose dimension, score column and input
    column the ledger has (their deductions: see `usable_deductions`)."""
    headers = {f.header for f in rules.fields}
    columns = {d.name: d.column for d in rules.scoring.dimensions}
    return [
        (k, r)
        for k, r in enumerate(rules.rubrics.rubrics, 1)
        if columns.get(r.dimension) in headers and r.column in headers
    ]


def usable_deductions(rules: Rules, rubric):
    """(1-based position, deduction) of a rubric's deductions whose column the ledger has."""
    headers = {f.header for f in rules.fields}
    return [(j, d) for j, d in enumerate(rubric.deductions, 1) if d.column in headers]


def _credit_cap(rules: Rules, ref: dict[str, str]) -> str:
    grade = ref["grade"]
    terms = [f"INDEX({layout.NAME_CREDIT_CAPS},MATCH({grade},{layout.NAME_CREDIT_GRADES},0),1)"]
    for key, share in (
        ("revenue", layout.NAME_REVENUE_SHARE),
        ("total_assets", layout.NAME_ASSETS_SHARE),
    ):
        if rules.has(key):
            value = ref[key]
            terms.append(f"IF(AND(ISNUMBER({share}),ISNUMBER({value})),{value}*{share},{BIG})")
    return f'IFERROR(MIN({",".join(terms)}),"")'


def _required_level(rules: Rules, ref: dict[str, str]) -> str:
    approval = rules.approval
    limit = f"N({ref['credit_limit']})" if rules.has("credit_limit") else "0"
    steps = []
    for i, _ in enumerate(approval.levels[1:], start=2):
        conditions = [f"{limit}>{layout.approval_limit_name(i)}"]
        if approval.risk_columns and rules.has("risk_level"):
            conditions.append(
                _marked(
                    layout.approval_risk_name(i),
                    layout.NAME_APPROVAL_RISK_HEADER,
                    ref["risk_level"],
                )
            )
        steps.append((f"OR({','.join(conditions)})", layout.approval_level_name(i)))
    return _if_chain(list(reversed(steps)), layout.approval_level_name(1))


def _suggestion(rules: Rules, k: int, rubric) -> str:
    value = this_row(rubric.column)
    compare = "<" if rubric.direction == RUBRIC_AT_MOST else ">"
    band = f"SUMPRODUCT(--({layout.rubric_bounds_name(k)}{compare}{value}))+1"
    text = f"INDEX({layout.rubric_scores_name(k)},{band},1)"
    for j, deduction in usable_deductions(rules, rubric):
        text += f"-N({this_row(deduction.column)})*{layout.deduction_name(k, j)}"
    return f"MAX(0,{text})"


def _deviation_part(rules: Rules, k: int, rubric) -> str:
    """ "；财务状况偏高" when the typed score is more than the tolerance above the rubric's
    suggestion ("偏低" below it); the suggestion itself is in the review report and in
    validation's message."""
    dims = {d.name: d.column for d in rules.scoring.dimensions}
    typed, value = this_row(dims[rubric.dimension]), this_row(rubric.column)
    suggested = _suggestion(rules, k, rubric)
    tolerance = layout.NAME_TOLERANCE
    return (
        f"IF(AND(ISNUMBER({typed}),ISNUMBER({value})),"
        f"IF({typed}-{suggested}>{tolerance},{_q('；' + rubric.dimension + DEVIATION_HIGH)},"
        f"IF({suggested}-{typed}>{tolerance},{_q('；' + rubric.dimension + DEVIATION_LOW)},"
        '"")),"")'
    )


DEVIATION_HIGH = "偏高"
DEVIATION_LOW = "偏低"


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
