"""The layers: the pure core imports no file, terminal or Excel library and never the edges;
every finding code has exactly one owner."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import ledger_xl.core
from ledger_xl.app import importer
from ledger_xl.core import book, merge
from ledger_xl.core.checks import CHECKS
from ledger_xl.core.findings import CATALOGUE
from ledger_xl.io import crypto, sniff

CORE = Path(ledger_xl.core.__file__).parent
CORE_MODULES = sorted(m.name for m in pkgutil.walk_packages([str(CORE)], prefix="ledger_xl.core."))
PURE_LIBRARIES = {"numpy", "pandas", "pydantic"}
NOT_IN_CORE = (
    "python_calamine",
    "xlsxwriter",
    "rich",
    "typer",
    "openpyxl",
    "defusedxml",
    "xlwings",
    "ledger_xl.io",
    "ledger_xl.app",
    "ledger_xl.cli",
    "ledger_xl.terminal",
    "ledger_xl.udfs",
    "ledger_xl.macros",
    "ledger_xl.excel",
    "uno",
)


def test_core_modules_are_found():
    assert {"ledger_xl.core.book", "ledger_xl.core.validate", "ledger_xl.core.checks.cells"} <= set(
        CORE_MODULES
    )


def test_importing_the_core_loads_no_edge_library():
    code = (
        "import importlib, json, sys\n"
        f"for name in {CORE_MODULES!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    offending = [m for m in loaded if any(m == x or m.startswith(x + ".") for x in NOT_IN_CORE)]
    assert offending == []


def test_core_source_imports_only_stdlib_numpy_pandas_pydantic_and_core():
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                if root == "ledger_xl":
                    assert name.startswith("ledger_xl.core"), f"{path.name} imports {name}"
                else:
                    assert root in sys.stdlib_module_names or root in PURE_LIBRARIES, (
                        f"{path.name} imports {name}"
                    )


def test_every_catalogue_code_has_exactly_one_owner():
    owners: dict[str, tuple[str, ...]] = {
        "io.sniff": sniff.CODES,
        "core.book (opener)": book.CODES,
        "app.importer": importer.CODES,
        "core.merge": merge.CODES,
        "io.crypto (collect's decryption)": crypto.CODES,
        **{f"check {check.__name__}": check.codes for check in CHECKS},
    }
    declared = Counter(code for codes in owners.values() for code in codes)
    assert set(declared) == set(CATALOGUE), set(CATALOGUE) ^ set(declared)
    assert [code for code, n in declared.items() if n > 1] == []
