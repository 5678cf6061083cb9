"""The committed templates, `templates/ledger_template.xlsx` and its macro-enabled twin
`templates/ledger_template.xlsm` (the same workbook with the add-in's buttons and VBA), and how
they are regenerated.

python -m ledger_xl.app.template        # rewrites both committed templates
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import Protection
from ledger_xl.core.rules import Rules
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

TEMPLATE_ROWS = 500
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
COMMITTED_TEMPLATE = TEMPLATES / "ledger_template.xlsx"
COMMITTED_MACRO_TEMPLATE = TEMPLATES / "ledger_template.xlsm"


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
    """An empty ledger workbook, pre-sized with `rows` blank, pre-formulated rows; a `.xlsm`
    path gives the macro-enabled one (buttons and VBA)."""
    return build_ledger_workbook(
        path, rules=rules, options=template_options(**options), overwrite=overwrite
    )


if __name__ == "__main__":
    targets = [Path(a) for a in sys.argv[1:]] or [COMMITTED_TEMPLATE, COMMITTED_MACRO_TEMPLATE]
    for target in targets:
        print(write_template(target, overwrite=True))
