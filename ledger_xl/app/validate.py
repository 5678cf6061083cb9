"""Validating files: one workbook (`validate_workbook`) or a batch (`validate_paths`), never
modifying a file. Each file is read by the one opener (`io.read.read_book`) and checked by the
pure core (`core.validate.validate_book`) in a child process of its own (`io.isolated`): a file
that cannot be read — or that takes its reader down — gives one file-level finding and the
batch goes on."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ledger_xl.app.collector import collector_paused
from ledger_xl.app.paths import WORKBOOK_SUFFIXES, gather
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.findings import (
    BatchResult,
    FileResult,
    finding,
    pack_findings,
    unpack_findings,
)
from ledger_xl.core.rules import Rules
from ledger_xl.core.rulesheets import read_rules
from ledger_xl.core.validate import Identity, check_book, cross_file_duplicates, file_result, select
from ledger_xl.io import isolated
from ledger_xl.io.read import explain_failure, memory_allowance, open_workbook, read_book

__all__ = [
    "WORKBOOK_SUFFIXES",
    "expand_paths",
    "read_standard",
    "validate_paths",
    "validate_workbook",
]


def validate_workbook(
    path: str | Path,
    as_of: dt.date | None = None,
    lang: str = "zh",
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    standard: Rules | None = None,
) -> FileResult:
    """Validate one workbook; the same result `ledger-xl validate` reports for it. Exactly
    `validate_book(read_book(path), as_of)` (the opener's file-level findings, then the
    checks'), done in a child process."""
    return validate_paths([Path(path)], as_of, lang, skip, only, standard=standard).files[0]


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
    """Validate a batch, each file in a child process (`jobs` at a time), then look for
    customers claimed by two files. Results are in the order of `paths`."""
    as_of = as_of or dt.date.today()
    paths = [Path(p) for p in paths]
    threads = isolated.spare_cores(jobs, len(paths))
    calls = [(p, as_of, lang, len(paths) > 1, standard, threads) for p in paths]
    outcomes: list[tuple[FileResult, tuple] | None] = [None] * len(calls)
    for index, outcome in isolated.run_each(
        _validate_one, calls, jobs, memory=lambda args: memory_allowance(args[0])
    ):
        packed, identities = _settled(paths[index], outcome, lang)
        # unpacked as it comes, while the children work, not all at the end
        outcomes[index] = _unpack_result(packed), identities
        if progress:
            progress(paths[index])
    done = [o for o in outcomes if o is not None]
    results = [r for r, _ in done]
    cross_file_duplicates(results, _shared_identities([i for _, i in done]), lang)
    skip, only = set(skip), set(only)
    return BatchResult(files=[select(r, skip, only) for r in results])


def _validate_one(
    path: Path, as_of: dt.date, lang: str, identities: bool, standard, threads: bool = True
):
    with collector_paused():  # the side sheets come in during the checks
        book = read_book(path, lang=lang, later=True, threads=threads)
        # The book's cells stay alive for the checks: out of the collector's passes, frozen
        # before it is back on (its first pass would walk every row read so far: 0.45 s at
        # 100,000 rows). In a child the collector stays off anyway (`io.isolated`).
        gc.freeze()
    try:
        # With a core to spare, the side tables' checks run in a second child beside the
        # others (a big book only: a fork costs more than a small one's checks).
        beside = _beside if threads and isolated.available() else None
        result, claims = check_book(
            book, as_of, lang=lang, standard=standard, identities=identities, beside=beside
        )
    finally:
        gc.unfreeze()
    isolated.keep_until_exit(book)  # alive to the end anyway: not freed cell by cell
    return _pack_result(result), _pack_identities(claims)


def _beside(fn: Callable, *args) -> Callable[[], object]:
    """`isolated.begin(fn, *args)` when the machine has the memory for a second child that
    may come to copy this one (measured on the 100k ledger: 1.8 GB for the two together
    became 2.9 GB); else nothing starts, and `check_book` runs those checks here."""
    if not isolated.room_for_a_copy():
        return lambda: None
    return isolated.begin(fn, *args)


def _settled(path: Path, outcome: object, lang: str) -> tuple:
    """A child's outcome, or one `file-unreadable` finding when it brought none back."""
    if isinstance(outcome, tuple):
        return outcome
    if isinstance(outcome, isolated.ChildFailed):
        detail = explain_failure(path, outcome.detail)
    else:  # an exception in our own code: this file fails, the batch goes on
        if isinstance(outcome, BaseException) and _debugging():
            raise outcome
        detail = f"处理此文件时出现内部错误（{type(outcome).__name__}: {outcome}），请反馈给开发者"
    item = finding("file-unreadable", lang=lang, file=str(path), detail=detail)
    return _pack_result(file_result(str(path), [item])), _pack_identities([])


def _debugging() -> bool:
    return bool(os.environ.get("LEDGER_XL_DEBUG"))


def _pack_result(result: FileResult) -> tuple:
    return result.path, result.valid, result.rows, result.branch, pack_findings(result.findings)


def _unpack_result(packed: tuple) -> FileResult:
    path, valid, rows, branch, findings = packed
    return FileResult.model_construct(
        path=path, valid=valid, rows=rows, branch=branch, findings=unpack_findings(findings)
    )


def _pack_identities(claims: list[Identity]) -> tuple:
    return tuple(zip(*(_identity_row(c) for c in claims), strict=True)) if claims else ()


def _identity_row(claim: Identity) -> tuple:
    return (
        claim.key,
        claim.value,
        claim.file,
        claim.sheet,
        claim.cell,
        claim.row,
        claim.customer_id,
    )


def _shared_identities(packs: list[tuple]) -> list[list[Identity]]:
    """Per file, the identities whose (key, value) another file of the batch also claims:
    all that `cross_file_duplicates` reports on. Only those become `Identity` objects (a
    batch of 200,000 customers usually shares a handful, and making the rest cost the
    parent more than a second while both children waited). The pairs are compared as sets
    (0.6 s → 0.15 s for 200 files of 1,000 customers: the parent does this alone at the end)."""
    seen: set[tuple[str, str]] = set()
    shared: set[tuple[str, str]] = set()
    files: set[str] = set()  # a file given twice is no second file
    for packed in packs:
        if packed and packed[2][0] not in files:
            files.add(packed[2][0])
            pairs = set(zip(packed[0], packed[1], strict=True))
            shared |= pairs & seen
            seen |= pairs
    del seen
    return [
        [Identity(*row) for row in zip(*packed, strict=True) if (row[0], row[1]) in shared]
        if packed and not shared.isdisjoint(zip(packed[0], packed[1], strict=True))
        else []
        for packed in packs
    ]


def expand_paths(arguments: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Files, folders (searched recursively) and glob patterns → workbook paths, in order,
    each file once; plus the arguments that matched nothing (see `app.paths.gather`)."""
    gathered = gather(arguments)
    return gathered.files, gathered.missing


def read_standard(path: str | Path) -> Rules:
    """HQ's standard rules from a workbook's rule sheets (填报规则 / 评分标准 / 审核周期), for
    `rules-changed`. Raises WorkbookReadError or RulesError naming the file and the cell."""
    try:
        return isolated.call(_read_standard, Path(path), memory=memory_allowance(Path(path)))
    except isolated.ChildFailed as exc:
        raise WorkbookReadError(path, explain_failure(Path(path), exc.detail)) from None


def _read_standard(path: Path) -> Rules:
    opened = open_workbook(path)
    return read_rules(opened.grid)
