"""The committed template, `templates/ledger_template.xlsx`, and how it is regenerated.

python -m ledger_xl.app.template        # rewrites templates/ledger_template.xlsx
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import Protection
from ledger_xl.core.rules import Rules
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

TEMPLATE_ROWS = 500
COMMITTED_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "ledger_template.xlsx"


def template_options(
    protection: Protection = Protection.LEDGER,
    password: str | None = None,
    rows: int = TEMPLATE_ROWS,
) -> BuildOptions:
    return BuildOptions(
        spare_rows=rows, protection=protection, password=password, reproducible=True
    )


def write_template(
    path: str | Path, overwrite: bool = False, rules: Rules = DEFAULT_RULES, **options
) -> Path:
    """An empty ledger workbook, pre-sized with `rows` blank, pre-formulated rows."""
    return build_ledger_workbook(
        path, rules=rules, options=template_options(**options), overwrite=overwrite
    )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else COMMITTED_TEMPLATE
    print(write_template(target, overwrite=True))
