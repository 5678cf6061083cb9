"""The checks of a ledger workbook, in the order they run. Each declares the catalogue codes it
owns (`check.codes`); a test asserts every code has exactly one owner (a check here, the sniff
or the opener)."""

from __future__ import annotations

from ledger_xl.core.checks import cells, controls, documents, formula_cells, rows, structure
from ledger_xl.core.checks.context import Check, CheckContext, emits

CHECKS: tuple[Check, ...] = (
    structure.check_columns,
    structure.check_provenance,
    cells.check_ledger_cells,
    rows.check_conditional_presence,
    rows.check_uniqueness,
    rows.check_consistency,
    documents.check_credentials,
    documents.check_reviews,
    controls.check_admission_and_limits,
    controls.check_approvals,
    controls.check_licences,
    controls.check_review_signals,
    formula_cells.check_formulas,
    cells.check_error_values,
)

__all__ = ["CHECKS", "Check", "CheckContext", "emits"]
