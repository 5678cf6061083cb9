"""Building audit histories by hand for the pure tests."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ledger_xl.core import audit
from ledger_xl.core.audit import History, Identity

D = dt.date


def ident(scope: str, customer: str, code: str = "email-invalid", column: str = "电子邮箱"):
    sheet = "" if code.startswith("file-") else "台账"
    return Identity(scope, sheet, customer, code, column if sheet else "")


def make_history(runs, assignments=()) -> History:
    """`runs`: dicts with run_id, as_of, files {scope: checked}, shown [Identity], and
    optionally skip / only (codes). `assignments`: (Identity, deadline, owner)."""
    run_rows, file_rows, issue_rows, occurrence_rows = [], [], {}, []
    for run in runs:
        run_rows.append(
            {
                "run_id": run["run_id"],
                "as_of": run["as_of"],
                "skip_codes": tuple(run.get("skip", ())),
                "only_codes": tuple(run.get("only", ())),
            }
        )
        for scope, checked in run["files"].items():
            file_rows.append({"run_id": run["run_id"], "scope": scope, "checked": checked})
        for item in run["shown"]:
            issue_rows[item.finding_id] = {
                "finding_id": item.finding_id,
                "scope": item.scope,
                "sheet": item.sheet,
                "customer_id": item.customer_id,
                "code": item.code,
                "column": item.column,
                "locator": item.locator,
            }
            occurrence_rows.append(
                {
                    "run_id": run["run_id"],
                    "finding_id": item.finding_id,
                    "severity": "error",
                    "file": f"{item.scope}.xlsx",
                    "cell": "A1",
                    "row": 1,
                    "value": "",
                    "message": f"{item.code} {item.customer_id}",
                    "count": 1,
                }
            )
    assignment_rows = [
        {
            "finding_id": item.finding_id,
            "owner": owner,
            "deadline": deadline,
            "note": "",
            "progress": "",
            "assigned_at": "2026-01-01T00:00:00+00:00",
        }
        for item, deadline, owner in assignments
    ]

    def frame(rows, columns):
        return pd.DataFrame(rows, columns=list(columns)) if rows else audit._frame(columns)

    return History(
        frame(run_rows, audit.RUN_COLUMNS),
        frame(file_rows, audit.FILE_COLUMNS),
        frame(list(issue_rows.values()), audit.ISSUE_COLUMNS),
        frame(occurrence_rows, audit.OCCURRENCE_COLUMNS),
        frame(assignment_rows, audit.ASSIGNMENT_COLUMNS),
    )


def statuses(table: pd.DataFrame) -> dict[str, str]:
    """finding_id → status."""
    return dict(zip(table["finding_id"], table["status"], strict=True))
