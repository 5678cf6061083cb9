"""ledger_xl: the customer review ledger (客户审核管理台账) as a checked, scored, scheduled and
summarised Excel workbook.

The library calls below are imported on first use, so `import ledger_xl` stays light:

- `read_book(path)` — a workbook as data (`LedgerBook`: tables with cell addresses, rules,
  formula text, properties), through the one opener;
- `validate_book(book, as_of=...)` — the checks on a book, from a file or an open workbook;
- `validate_workbook(path, as_of=...)`, `validate_paths(paths, ...)` — findings per cell;
- `load_portfolio(paths, as_of)` — the customers, documents and reviews of workbooks;
- `due_reviews`, `waiting_reviews`, `expiring_documents`, `risk_warnings` — the due lists
  (DataFrames);
- `summary_tables(portfolio)` — every table of the summary workbook (DataFrames);
- `distribute`, `collect`, `upgrade` — the branch round trip over files; `merge(master,
  rules, incoming)` — the pure merge (frames in, frames out, every input row accounted for).
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "read_book": ("ledger_xl.io.read", "read_book"),
    "validate_book": ("ledger_xl.core.validate", "validate_book"),
    "validate_workbook": ("ledger_xl.app.validate", "validate_workbook"),
    "validate_paths": ("ledger_xl.app.validate", "validate_paths"),
    "load_portfolio": ("ledger_xl.app.portfolio", "load"),
    "portfolio_from_frames": ("ledger_xl.core.portfolio", "from_frames"),
    "due_reviews": ("ledger_xl.core.due", "due_reviews"),
    "waiting_reviews": ("ledger_xl.core.due", "waiting_reviews"),
    "expiring_documents": ("ledger_xl.core.due", "expiring_documents"),
    "risk_warnings": ("ledger_xl.core.due", "risk_warnings"),
    "summary_tables": ("ledger_xl.core.summary", "summary_tables"),
    "distribute": ("ledger_xl.app.branches", "distribute"),
    "collect": ("ledger_xl.app.branches", "collect"),
    "upgrade": ("ledger_xl.app.branches", "upgrade"),
    "merge": ("ledger_xl.core.merge", "merge"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ledger_xl' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    return getattr(importlib.import_module(module), attribute)
