"""Validating files: one workbook (`validate_workbook`) or a batch (`validate_paths`, in
processes), never modifying a file. Each file is read by the one opener (`io.read.read_book`)
and checked by the pure core (`core.validate.validate_book`); a file that cannot be read gives
one file-level finding and the batch goes on."""

from __future__ import annotations

import datetime as dt
import glob
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ledger_xl.core.findings import BatchResult, FileResult
from ledger_xl.core.rules import Rules
from ledger_xl.core.rulesheets import read_rules
from ledger_xl.core.validate import Identity, check_book, cross_file_duplicates, select
from ledger_xl.io.read import open_workbook, read_book

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xls", ".xlsb", ".ods", ".csv"}


def validate_workbook(
    path: str | Path,
    as_of: dt.date | None = None,
    lang: str = "zh",
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    standard: Rules | None = None,
) -> FileResult:
    """Validate one workbook; the same result `ledger-xl validate` reports for it. Exactly
    `validate_book(read_book(path), as_of)`: the opener's file-level findings, then the
    checks'."""
    book = read_book(path, lang=lang)
    result, _ = check_book(
        book, as_of or dt.date.today(), lang=lang, standard=standard, identities=False
    )
    return select(result, set(skip), set(only))


def validate_paths(
    paths: Sequence[Path],
    as_of: dt.date | None = None,
    lang: str = "zh",
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    standard: Rules | None = None,
) -> BatchResult:
    """Validate a batch, in `jobs` processes, then look for customers claimed by two files."""
    as_of = as_of or dt.date.today()
    args = [(Path(p), as_of, lang, len(paths) > 1, standard) for p in paths]
    outcomes = []
    if jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for outcome in pool.map(_validate_args, args):
                outcomes.append(outcome)
                if progress:
                    progress(Path(outcome[0].path))
    else:
        for arg in args:
            outcomes.append(_validate_args(arg))
            if progress:
                progress(arg[0])
    results = [r for r, _ in outcomes]
    cross_file_duplicates(results, [ids for _, ids in outcomes], lang)
    skip, only = set(skip), set(only)
    return BatchResult(files=[select(r, skip, only) for r in results])


def _validate_args(
    args: tuple[Path, dt.date, str, bool, Rules | None],
) -> tuple[FileResult, list[Identity]]:
    path, as_of, lang, identities, standard = args
    book = read_book(path, lang=lang)
    return check_book(book, as_of, lang=lang, standard=standard, identities=identities)


def expand_paths(arguments: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Files, folders (searched recursively) and glob patterns → workbook paths, in order,
    without duplicates; plus the arguments that matched nothing."""
    found: list[Path] = []
    missing: list[str] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if _candidate(p))
        elif any(ch in argument for ch in "*?["):
            matches = sorted(
                Path(p) for p in glob.glob(argument, recursive=True) if _candidate(Path(p))
            )
        else:
            matches = [path] if path.exists() else []
        if not matches:
            missing.append(argument)
        found.extend(m for m in matches if m not in found)
    return found, missing


def _candidate(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix.lower() in WORKBOOK_SUFFIXES
        and not path.name.startswith(("~$", ".~ledger_xl-"))
    )


def read_standard(path: str | Path) -> Rules:
    """HQ's standard rules from a workbook's rule sheets (填报规则 / 评分标准 / 审核周期), for
    `rules-changed`. Raises WorkbookReadError or RulesError naming the file and the cell."""
    opened = open_workbook(path)
    return read_rules(opened.grid)
