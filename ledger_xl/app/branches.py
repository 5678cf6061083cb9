"""Branches over files: `distribute` (one workbook per branch, built fresh, with what was sent
recorded inside), `collect` (read what came back, archive it, validate it, merge it into a
new master, write the merge report) and `upgrade` (an older workbook onto the current
template and HQ's rules, every row kept).

The decisions are pure (`core.distribution`, `core.merge`); this module reads, encrypts,
decrypts, archives and writes. Inputs are never modified: the master and every returned
workbook are read-only; outputs are new files written atomically, never over an existing
one without `overwrite`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledger_xl.app.collector import collector_paused
from ledger_xl.app.validate import expand_paths
from ledger_xl.core import jsontext, layout
from ledger_xl.core.book import LedgerBook, book_from_grids
from ledger_xl.core.checks.structure import rule_differences
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.distribution import (
    CREDENTIALS,
    LEDGER,
    REVIEWS,
    SHEET_OF,
    TABLES,
    Tables,
    branch_share,
    branches_in,
    headers,
    input_keys,
    is_blank,
    looks_masked,
    shared_values,
    split_by_branch,
    with_row_keys,
)
from ledger_xl.core.errors import InputError, OutputError, WorkbookReadError
from ledger_xl.core.findings import FileResult, Finding, finding
from ledger_xl.core.merge import (
    Incoming,
    Issue,
    MergeResult,
    incoming_from_book,
    merge,
    tables_from_book,
)
from ledger_xl.core.rules import Rules
from ledger_xl.core.validate import validate_book
from ledger_xl.io import crypto, isolated
from ledger_xl.io.output import atomic_output, check_writable
from ledger_xl.io.read import (
    custom_properties,
    explain_failure,
    memory_allowance,
    open_workbook,
    read_book,
)
from ledger_xl.io.text_table import read_csv_rows
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

MANIFEST_NAME = "分发清单"  # .csv and .json beside the branch workbooks
ARCHIVE_NAME = "收件归档"
CHECKSUMS_NAME = "SHA256SUMS"
RETURNED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


# ---------------------------------------------------------------- 分公司.csv


@dataclass(frozen=True)
class BranchOptions:
    """One line of 分公司.csv: a branch, the password of its file, the columns it sees masked."""

    branch: str
    password: str = ""
    mask: tuple[str, ...] = ()  # the 遮蔽列 as written (headers, or 资信证明.证件号码)
    line: str = ""  # where it was written, for messages

    def masked(self, rules: Rules) -> dict[str, tuple[str, ...]]:
        """The masked columns as table → column keys under `rules` (InputError names the
        line of a column that is not there)."""
        return _masked_columns(self.mask, rules, self.line or self.branch)


_BRANCH_HEADERS = {
    "branch": ("分公司", "分公司名称", "所属分公司", "branch"),
    "password": ("密码", "打开密码", "文件密码", "password"),
    "masked": ("遮蔽列", "遮蔽", "隐藏列", "mask", "masked"),
}
_SPLIT = re.compile(r"[、,，;；/|]")


def read_branch_options(path: str | Path, rules: Rules = DEFAULT_RULES) -> list[BranchOptions]:
    """分公司.csv (UTF-8, UTF-8 with BOM or GBK): columns 分公司, 密码 (optional), 遮蔽列
    (optional: ledger or 资信证明/审核记录 headers, `资信证明.证件号码` to name the table;
    several separated by 、 , ;). Raises InputError naming the line of anything it cannot use."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到分公司清单 {path}")
    rows = read_csv_rows(path, delimiters=",")
    if not rows:
        raise InputError(f"{path}：文件是空的")
    header = [h.strip() for h in rows[0]]
    columns = {}
    for key, names in _BRANCH_HEADERS.items():
        for col, name in enumerate(header):
            if name in names or name.lower() in names:
                columns[key] = col
                break
    if "branch" not in columns:
        raise InputError(f"{path}：第1行缺少“分公司”列（可有“密码”“遮蔽列”列）")
    out: list[BranchOptions] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):

        def cell(key: str, row=row) -> str:
            col = columns.get(key)
            return row[col].strip() if col is not None and col < len(row) else ""

        branch = cell("branch")
        if not branch:
            continue
        if branch in seen:
            raise InputError(f"{path} 第{number}行：分公司“{branch}”出现了两次")
        seen.add(branch)
        mask = tuple(t.strip() for t in _SPLIT.split(cell("masked")) if t.strip())
        option = BranchOptions(branch, cell("password"), mask, f"{path} 第{number}行")
        option.masked(rules)  # names checked now against the built-in columns
        out.append(option)
    if not out:
        raise InputError(f"{path}：没有任何分公司")
    return out


def _masked_columns(items: Sequence[str], rules: Rules, where: str) -> dict[str, tuple[str, ...]]:
    masked: dict[str, list[str]] = {t: [] for t in TABLES}
    for item in items:
        sheet, _, name = item.rpartition(".")
        tables = [t for t in TABLES if not sheet or SHEET_OF[t] == sheet]
        found = False
        for table in tables:
            for key, header in headers(table, rules).items():
                if name in (header, key) and key not in ("customer_id", "uscc"):
                    masked[table].append(key)
                    found = True
        if not found:
            raise InputError(
                f"{where}：遮蔽列“{item}”不是台账、资信证明或审核记录的录入列"
                "（客户编号和统一社会信用代码用于识别客户，不能遮蔽）"
            )
    return {t: tuple(dict.fromkeys(k)) for t, k in masked.items() if k}


def file_name(branch: str) -> str:
    """A branch's workbook name: the branch name with characters no file system takes
    replaced."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", branch).strip(" .") or "分公司"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- distribute


@dataclass
class SentFile:
    branch: str
    path: Path
    customers: int
    credentials: int
    reviews: int
    encrypted: bool
    masked: list[str]
    sha256: str
    size: int


@dataclass
class DistributeResult:
    distribution_id: str
    distributed_at: dt.datetime
    master: Path | None
    files: list[SentFile]
    not_sent: dict[str, int]  # branch ("" for blank) → customers not handed out
    manifest_csv: Path
    manifest_json: Path
    seconds: dict[str, float] = field(default_factory=dict)  # wall clock per stage
    peak_mb: dict[str, float] = field(default_factory=dict)  # peak memory so far, per stage


def read_master(path: str | Path) -> LedgerBook:
    """The master ledger, read-only; refused (WorkbookReadError) when it cannot be read or its
    rule sheets are broken."""
    book = read_book(path, formulas=False)
    if book.fatal is not None:
        raise WorkbookReadError(path, book.fatal.message)
    if book.rules_error is not None:
        raise WorkbookReadError(path, f"规则表有误：{book.rules_error}")
    return book


def distribute(
    master: str | Path | None,
    out_dir: str | Path,
    branches: Sequence[BranchOptions] | None = None,
    *,
    overwrite: bool = False,
    now: dt.datetime | None = None,
    macros: bool = False,
) -> DistributeResult:
    """One workbook per branch in `out_dir` (`<分公司>.xlsx`), and the manifest.

    With a master: each branch's customers (所属分公司) with their 资信证明 and 审核记录; with
    `branches`, only those branches (a listed branch with no customers gets an empty
    workbook). With no master: empty workbooks (built-in rules) for `branches`. `macros`
    writes macro-enabled `.xlsm` workbooks with the add-in's buttons."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    out_dir = Path(out_dir)
    if master is None and not branches:
        raise InputError("没有总部台账时，请用 --branches 分公司.csv 给出要分发的分公司")
    distribution_id = f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    clock = _Clock()
    if master is not None:
        rules, tables = _read_master_inputs(master)
    else:
        rules = DEFAULT_RULES
        tables = Tables(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    tables = Tables(*(with_row_keys(f, distribution_id, t) for t, f in tables.items()))
    options = list(branches) if branches else [BranchOptions(b) for b in branches_in(tables.ledger)]
    if not options:
        raise InputError(f"{master}：台账中没有填写所属分公司的客户，无法分发")
    masks = {o.branch: o.masked(rules) for o in options}
    suffix = ".xlsm" if macros else ".xlsx"
    targets = {o.branch: out_dir / f"{file_name(o.branch)}{suffix}" for o in options}
    if len(set(targets.values())) < len(targets):
        raise InputError("有几个分公司的名称去掉特殊字符后相同，无法各写一个文件")
    manifest_csv = out_dir / f"{MANIFEST_NAME}.csv"
    manifest_json = out_dir / f"{MANIFEST_NAME}.json"
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in (*targets.values(), manifest_csv, manifest_json):
        check_writable(path, overwrite)  # refuse before writing anything
    parts = split_by_branch(tables, [o.branch for o in options])
    clock.lap("读总部台账")
    # Each branch's workbook is written in a child, as many at a time as there are cores
    # (one at a time here when children cannot be used): writing is most of distribute's time.
    calls = [
        (
            option,
            parts[option.branch],
            rules,
            distribution_id,
            now,
            masks[option.branch],
            targets[option.branch],
            overwrite,
        )
        for option in options
    ]
    written: dict[int, SentFile] = {}
    jobs = min(isolated.cores(), len(calls))
    for index, outcome in isolated.run_each(_send_branch, calls, jobs, memory=_write_allowance):
        if isinstance(outcome, isolated.ChildFailed):
            raise OutputError(f"{targets[options[index].branch]}：写出失败（{outcome.detail}）")
        if isinstance(outcome, BaseException):
            raise outcome
        written[index] = outcome
    sent = [written[index] for index in range(len(calls))]
    listed = {o.branch for o in options}
    not_sent: dict[str, int] = {}
    if len(tables.ledger) and "branch" in tables.ledger.columns:
        for value in tables.ledger["branch"].tolist():
            name = "" if is_blank(value) else str(value).strip()
            if name not in listed:
                not_sent[name] = not_sent.get(name, 0) + 1
    result = DistributeResult(
        distribution_id,
        now,
        Path(master) if master else None,
        sent,
        not_sent,
        manifest_csv,
        manifest_json,
    )
    clock.lap("生成各分公司工作簿")
    _write_manifest(result, rules, overwrite)
    clock.lap("写分发清单")
    result.seconds, result.peak_mb = clock.laps, clock.peaks
    return result


def _write_allowance(call: tuple) -> int:
    """The memory a child writing one branch's workbook may add (`io.isolated`): generous
    for its rows (an honest write of 100,000 customers peaks at 0.8 GB)."""
    part: Tables = call[1]
    rows = sum(len(frame) for _, frame in part.items())
    return max(isolated.MEMORY_FLOOR, rows * (8 << 10))


def _send_branch(
    option: BranchOptions,
    part: Tables,
    rules: Rules,
    distribution_id: str,
    now: dt.datetime,
    masked: dict,
    target: Path,
    overwrite: bool,
) -> SentFile:
    """One branch's workbook written to `target` (encrypted when it has a password), and
    what the manifest says of it."""
    share = branch_share(
        part,
        rules,
        option.branch,
        distribution_id=distribution_id,
        distributed_at=now,
        template_version=layout.TEMPLATE_VERSION,
        masked=masked,
    )
    content = LedgerContent(share.tables.ledger, share.tables.credentials, share.tables.reviews)
    build = BuildOptions(
        cache_date=now.date(),
        distribution=share.record,
        fixed_values={"branch": (option.branch,)},
        title=f"客户审核管理台账（{option.branch}）",
    )
    with collector_paused(collect_after=True):
        if option.password:
            with tempfile.TemporaryDirectory(prefix="ledger_xl-plain-") as private:
                plain = Path(private) / target.name
                build_ledger_workbook(plain, content, rules, build)
                crypto.encrypt(plain, target, option.password, overwrite=overwrite)
        else:
            build_ledger_workbook(target, content, rules, build, overwrite=overwrite)
    return SentFile(
        option.branch,
        target,
        len(share.tables.ledger),
        len(share.tables.credentials),
        len(share.tables.reviews),
        bool(option.password),
        [
            f"{SHEET_OF[t]}.{headers(t, rules)[k]}"
            for t, keys in share.record.masked.items()
            for k in keys
        ],
        sha256(target),
        target.stat().st_size,
    )


_MANIFEST_COLUMNS = (
    "分发编号",
    "分发时间",
    "分公司",
    "文件",
    "客户数",
    "资信证明行数",
    "审核记录行数",
    "加密",
    "遮蔽列",
    "SHA256",
    "字节数",
)


def _write_manifest(result: DistributeResult, rules: Rules, overwrite: bool) -> None:
    rows = [
        (
            result.distribution_id,
            result.distributed_at.isoformat(),
            f.branch,
            f.path.name,
            f.customers,
            f.credentials,
            f.reviews,
            "是" if f.encrypted else "否",
            "、".join(f.masked),
            f.sha256,
            f.size,
        )
        for f in result.files
    ]
    with atomic_output(result.manifest_csv, overwrite) as temp:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_MANIFEST_COLUMNS)
        writer.writerows(rows)
        temp.write_text(buffer.getvalue(), encoding="utf-8-sig")
    document = {
        "distribution_id": result.distribution_id,
        "distributed_at": result.distributed_at.isoformat(),
        "master": str(result.master) if result.master else None,
        "master_sha256": sha256(result.master) if result.master else None,
        "template_version": layout.TEMPLATE_VERSION,
        "rules_fingerprint": rules.fingerprint(),
        "files": [
            {
                "branch": f.branch,
                "file": f.path.name,
                "customers": f.customers,
                "credentials": f.credentials,
                "reviews": f.reviews,
                "encrypted": f.encrypted,
                "masked": f.masked,
                "sha256": f.sha256,
                "bytes": f.size,
            }
            for f in result.files
        ],
        "not_sent": [{"branch": b, "customers": n} for b, n in sorted(result.not_sent.items())],
    }
    with atomic_output(result.manifest_json, overwrite) as temp:
        temp.write_text(jsontext.dumps(document) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- collect


@dataclass
class Received:
    """One returned file: where it came from, its archived copy, and what became of it."""

    path: Path
    branch: str
    sha256: str
    size: int
    archived: Path | None = None
    encrypted: bool = False
    validation: FileResult | None = None
    refusal: Finding | None = None  # the file could not be read at all


@dataclass
class CollectResult:
    master: Path
    output: Path
    report: Path
    archive: Path
    received: list[Received]
    merge: MergeResult
    file_refusals: list[Issue]
    seconds: dict[str, float] = field(default_factory=dict)  # wall clock per stage
    peak_mb: dict[str, float] = field(default_factory=dict)  # peak memory so far, per stage

    @property
    def needs_a_person(self) -> bool:
        """True when anything is a conflict or was refused (the exit code is 1)."""
        return bool(self.file_refusals or self.merge.conflicts() or self.merge.refusals())


def default_report(output: Path) -> Path:
    return output.with_name(f"{output.stem}_合并报告.xlsx")


def default_archive(output: Path) -> Path:
    return output.parent / ARCHIVE_NAME


def returned_files(
    arguments: Sequence[str], exclude: Sequence[Path]
) -> tuple[list[Path], list[str]]:
    """The workbooks among files, folders and globs (folders: workbooks only, not the
    manifest), without the master and the outputs."""
    files, missing = expand_paths(arguments)
    skip = {p.resolve() for p in exclude}
    explicit = {Path(a).resolve() for a in arguments if Path(a).is_file()}
    kept = [
        p
        for p in files
        if p.resolve() not in skip
        and (p.resolve() in explicit or p.suffix.lower() in RETURNED_SUFFIXES)
        and ARCHIVE_NAME not in p.parts
    ]
    return kept, missing


def collect(
    paths: Sequence[str],
    master: str | Path,
    output: str | Path,
    *,
    passwords: Sequence[BranchOptions] = (),
    accept_rules: bool = False,
    report: str | Path | None = None,
    archive: str | Path | None = None,
    overwrite: bool = False,
    as_of: dt.date | None = None,
    lang: str = "zh",
    received_on: dt.date | None = None,
) -> CollectResult:
    """Read every returned workbook (decrypting with `passwords`), archive it, validate it,
    merge the readable ones into a new master written to `output`, and write the report.
    `as_of` is the day the workbooks are validated against; the archive folder is named by
    `received_on` (default today), the day they came in."""
    from ledger_xl.io.xlsx.merge_report import build_merge_report

    as_of = as_of or dt.date.today()
    master, output = Path(master), Path(output)
    report = Path(report) if report else default_report(output)
    archive = Path(archive) if archive else default_archive(output)
    if output.resolve() == master.resolve():
        raise OutputError("新的总部台账不能写到输入的总部台账上；请用 -o 给出另一个文件名")
    for target in (output, report):
        check_writable(target, overwrite)
    files, missing = returned_files(paths, [master, output, report])
    if not files:
        raise InputError(
            "没有找到分公司退回的工作簿" + (f"（{'、'.join(missing)} 不存在）" if missing else "")
        )
    clock = _Clock()
    rules, tables = _read_master_inputs(master)
    clock.lap("读总部台账")
    received: list[Received] = []
    incoming = []
    refusals: list[Issue] = []
    # Each returned file is read, decrypted and validated in a child, as many at a time as
    # there are cores: only what the merge takes comes back (a book's cells stay there).
    calls = [(path, passwords, rules, as_of, lang) for path in files]
    jobs = min(isolated.cores(), len(calls))
    outcomes: dict[int, tuple[Received, Incoming | None]] = {}
    for index, outcome in isolated.run_each(
        _taken, calls, jobs, memory=lambda call: memory_allowance(call[0])
    ):
        if isinstance(outcome, isolated.ChildFailed):
            outcome = _unreadable_return(files[index], outcome, lang)
        elif isinstance(outcome, BaseException):
            raise outcome
        outcomes[index] = outcome
    for index in range(len(files)):
        item, taken = outcomes.pop(index)
        received.append(item)
        if taken is None:
            refusals.append(Issue(item.refusal, item.branch, ""))
        else:
            incoming.append(taken)
    clock.lap("读取、解密、校验退回的文件")
    day_folder = archive / (received_on or dt.date.today()).isoformat()
    for item in received:
        item.archived = _archive(item, day_folder)
    clock.lap("归档")
    with collector_paused():
        result = merge(tables, rules, incoming, accept_rules=accept_rules)
    # The new master is written from the merge's tables alone: the master and the returned
    # files as read are let go first (at 100,000 customers, gigabytes held through the write).
    del tables
    incoming.clear()
    clock.lap("合并（纯计算）")
    collected = CollectResult(master, output, report, day_folder, received, result, refusals)
    # The merge report is written in a child while the new master is written here; it is
    # moved into place once the master is in (no report of a master that was not written).
    with tempfile.TemporaryDirectory(prefix=".ledger_xl-report-", dir=report.parent) as draft:
        drafted = Path(draft) / report.name
        wait = isolated.begin(build_merge_report, drafted, collected)
        try:
            with collector_paused(collect_after=True):
                build_ledger_workbook(
                    output,
                    LedgerContent(
                        result.tables.ledger, result.tables.credentials, result.tables.reviews
                    ),
                    rules,
                    BuildOptions(cache_date=as_of),
                    overwrite=overwrite,
                )
        finally:
            written = wait()  # reaped even when the master could not be written
        clock.lap("写新的总部台账")
        if isinstance(written, isolated.ChildFailed):  # its child died: written here instead
            written = build_merge_report(drafted, collected)
        if isinstance(written, BaseException):
            raise written
        check_writable(report, overwrite)
        os.replace(drafted, report)
    clock.lap("写合并报告")
    collected.seconds, collected.peak_mb = clock.laps, clock.peaks
    return collected


def _read_master_inputs(path: str | Path) -> tuple[Rules, Tables]:
    """The master's rules and its input rows (`tables_from_book`) with only the columns
    distribute and collect use — the input columns and the row key; the formula columns'
    values, read with the rest, are let go with the book — and equal values held once
    (`shared_values`)."""
    book = read_master(path)
    tables = tables_from_book(book)
    return book.rules, shared_values(
        Tables(
            *(
                frame[
                    [k for k in frame.columns if k in {*input_keys(t, book.rules), layout.ROW_KEY}]
                ]
                for t, frame in tables.items()
            )
        )
    )


class _Clock:
    """Wall-clock seconds per stage and the process's peak memory (MB) at the end of each
    (for the benchmark's figures; no peak where the platform does not report it)."""

    def __init__(self) -> None:
        import time

        self._now = time.perf_counter
        self._last = self._now()
        self.laps: dict[str, float] = {}
        self.peaks: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = self._now()
        self.laps[name] = now - self._last
        self._last = now
        try:
            import resource

            self.peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        except (ImportError, OSError):
            pass


def _taken(
    path: Path, passwords: Sequence[BranchOptions], standard: Rules, as_of: dt.date, lang: str
) -> tuple[Received, Incoming | None]:
    """`_receive`, and what the merge takes of the book (None when it was refused)."""
    item, book = _receive(path, passwords, standard, as_of, lang)
    if book is None:  # refused (item.refusal says why)
        return item, None
    taken = incoming_from_book(book, item.branch)
    taken.tables = shared_values(taken.tables)
    return item, taken


def _unreadable_return(path: Path, failed: isolated.ChildFailed, lang: str) -> tuple:
    """A returned file whose reader died: refused with the reason, the others go on."""
    item = Received(path, "", sha256(path), path.stat().st_size)
    detail = explain_failure(path, failed.detail)
    item.refusal = finding("file-unreadable", lang=lang, file=str(path), detail=detail)
    return item, None


def _receive(
    path: Path, passwords: Sequence[BranchOptions], standard: Rules, as_of: dt.date, lang: str
) -> tuple[Received, LedgerBook | None]:
    item = Received(path, "", sha256(path), path.stat().st_size)
    guess = next((o for o in passwords if file_name(o.branch) == path.stem), None)
    item.branch = guess.branch if guess else ""
    if crypto.is_encrypted(path):
        item.encrypted = True
        given = [o.password for o in passwords if o.password]
        if not given:
            item.refusal = finding("file-password-missing", lang=lang, file=str(path))
            return item, None
        order = ([guess.password] if guess and guess.password else []) + given
        password = crypto.try_passwords(path, dict.fromkeys(order))
        if password is None:
            item.refusal = finding(
                "file-wrong-password",
                lang=lang,
                file=str(path),
                detail=f"试过 {len(set(given))} 个密码",
            )
            return item, None
        # checked while the decrypted copy exists: a check may scan a sheet of it again
        with crypto.decrypted(path, password) as plain:
            book = read_book(plain, lang=lang, source=str(path))
            book.findings = [f.model_copy(update={"file": str(path)}) for f in book.findings]
            return _checked(item, book, standard, as_of, lang)
    return _checked(item, read_book(path, lang=lang), standard, as_of, lang)


def _checked(
    item: Received, book: LedgerBook, standard: Rules, as_of: dt.date, lang: str
) -> tuple[Received, LedgerBook | None]:
    if book.fatal is not None:
        item.refusal = book.fatal
        return item, None
    if book.rules_error is not None:
        item.refusal = next(f for f in book.findings if f.code == "rules-broken")
        return item, None
    record = book.distribution
    item.branch = (
        (record.branch if record else "")
        or book.properties.get(layout.PROP_BRANCH, "")
        or item.branch
        or incoming_from_book(book).branch
    )
    validation = validate_book(book, as_of, lang=lang, standard=standard)
    if record is not None and any(record.masked.values()):
        validation = _without_masking_noise(validation, book)
    item.validation = validation
    return item, book


def _without_masking_noise(result: FileResult, book: LedgerBook) -> FileResult:
    """Findings about a masked value as it was sent (110105********002X is no valid ID) are
    the masking, not the branch's doing."""
    record = book.distribution
    assert record is not None
    masked_headers = {
        (SHEET_OF[t], headers(t, book.rules)[k]) for t, keys in record.masked.items() for k in keys
    }
    kept = [
        f
        for f in result.findings
        if not ((f.sheet, f.column) in masked_headers and looks_masked(f.value))
        and not (f.code == "resident-id-invalid" and looks_masked(f.value))
    ]
    return result.model_copy(update={"findings": kept})


def _archive(item: Received, day_folder: Path) -> Path:
    """Copy the file as received (encrypted stays encrypted) into <date>/<branch>/, never
    over a different file of the same name, and record its checksum in SHA256SUMS."""
    folder = day_folder / file_name(item.branch or "未识别分公司")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / item.path.name
    counter = 2
    while target.exists():
        if sha256(target) == item.sha256:
            return target  # the same bytes are already archived
        target = folder / f"{item.path.stem}_{counter}{item.path.suffix}"
        counter += 1
    with atomic_output(target) as temp:
        shutil.copyfile(item.path, temp)
    if sha256(target) != item.sha256:
        raise OutputError(f"归档副本 {target} 与原文件校验和不一致")
    sums = folder / CHECKSUMS_NAME
    with sums.open("a", encoding="utf-8") as fh:
        fh.write(f"{item.sha256}  {target.name}\n")
    return target


# ---------------------------------------------------------------- upgrade


@dataclass
class UpgradeResult:
    output: Path
    from_version: str
    rows: dict[str, tuple[int, int]]  # sheet → (rows read, rows written)
    changes: list[str]


def upgrade(
    old: str | Path,
    output: str | Path,
    *,
    standard: Rules | None = None,
    overwrite: bool = False,
    as_of: dt.date | None = None,
) -> UpgradeResult:
    """Move a workbook onto the current template and HQ's rules (`standard`, default the
    built-in rules), keeping every row of 台账, 资信证明 and 审核记录. A column the new rules
    lack is carried in 备注 (资信证明: 备注; 审核记录: 审核意见) as 【列名】值, never dropped."""
    old, output = Path(old), Path(output)
    if output.resolve() == old.resolve():
        raise OutputError("升级结果不能写回原文件；请用 -o 给出另一个文件名")
    check_writable(output, overwrite)
    opened = open_workbook(old)
    book = book_from_grids(str(old), opened.grid, properties=custom_properties(old))
    if not book.checkable:
        raise WorkbookReadError(old, book.fatal.message if book.fatal else "找不到台账表")
    if book.rules_error is not None:
        raise WorkbookReadError(old, f"规则表有误：{book.rules_error}")
    rules = standard or DEFAULT_RULES
    version = book.properties.get(layout.PROP_TEMPLATE_VERSION, "") or "未知"
    changes: list[str] = []
    if version != layout.TEMPLATE_VERSION:
        changes.append(f"模板版本 {version} → {layout.TEMPLATE_VERSION}")
    changes += [f"规则：{d}" for d in rule_differences(book.rules, rules)]
    read = tables_from_book(book)
    notes_key = {LEDGER: "notes", CREDENTIALS: "doc_notes", REVIEWS: "opinion"}
    out = {}
    for table in TABLES:
        frame = read.get(table)
        source = {LEDGER: book.ledger, CREDENTIALS: book.credentials, REVIEWS: book.reviews}[table]
        moved = _carry_columns(table, frame, book.rules, rules)
        extra = (
            _unknown_columns(opened.grid, source, input_keys(table, book.rules))
            if source is not None
            else {}
        )
        moved.update(extra)
        frame = _rename_keys(table, frame, book.rules, rules)
        if moved:
            target = notes_key[table]
            carried = [
                "；".join(
                    f"【{name}】{_shown(values[i])}"
                    for name, values in moved.items()
                    if not is_blank(values[i])
                )
                for i in range(len(frame))
            ]
            current = frame[target].tolist() if target in frame.columns else [None] * len(frame)
            frame[target] = pd.Series(
                [
                    "；".join(p for p in (_shown(c), extra_text) if p) or None
                    for c, extra_text in zip(current, carried, strict=True)
                ],
                index=frame.index,
                dtype=object,
            )
            header = headers(table, rules).get(target, target)
            for name, values in moved.items():
                count = sum(not is_blank(v) for v in values)
                changes.append(
                    f"{SHEET_OF[table]}的“{name}”列不在新规则中，{count} 个值并入“{header}”"
                )
        missing = [
            h
            for k, h in headers(table, rules).items()
            if k not in frame.columns and table == LEDGER
        ]
        if missing:
            changes.append(f"新增的空列：{'、'.join(missing)}")
        keyless = (
            int(frame[layout.ROW_KEY].isna().sum())
            if layout.ROW_KEY in frame.columns
            else len(frame)
        )
        if keyless:
            changes.append(f"{SHEET_OF[table]}：{keyless} 行加上了行键")
        out[table] = with_row_keys(frame, f"upgrade:{sha256(old)}", table)
    build_ledger_workbook(
        output,
        LedgerContent(out[LEDGER], out[CREDENTIALS], out[REVIEWS]),
        rules,
        BuildOptions(cache_date=as_of or dt.date.today()),
        overwrite=overwrite,
    )
    written = tables_from_book(read_book(output, formulas=False))
    rows = {SHEET_OF[t]: (len(read.get(t)), len(written.get(t))) for t in TABLES}
    lost = {t: r for t, r in rows.items() if r[0] != r[1]}
    if lost:  # a self-check: never report success for a workbook that lost rows
        raise OutputError(f"升级后的行数与原工作簿不符：{lost}；请把原文件反馈给开发者")
    return UpgradeResult(output, version, rows, changes)


def _rename_keys(table: str, frame: pd.DataFrame, old: Rules, new: Rules) -> pd.DataFrame:
    """Ledger columns whose key the new rules lack but whose header they know: renamed."""
    if table != LEDGER:
        return frame
    new_keys = {f.key for f in new.fields}
    by_header = {f.header: f.key for f in new.fields}
    renames = {
        f.key: by_header[f.header]
        for f in old.fields
        if f.key in frame.columns and f.key not in new_keys and f.header in by_header
    }
    return frame.rename(columns=renames)


def _carry_columns(table: str, frame: pd.DataFrame, old: Rules, new: Rules) -> dict[str, list]:
    """The old rules' input columns the new rules have neither by key nor by header."""
    if table != LEDGER:
        return {}
    keys = {f.key for f in new.fields} | {f.header for f in new.fields}
    moved = {}
    for f in old.fields:
        if f.is_input and f.key in frame.columns and f.key not in keys and f.header not in keys:
            moved[f.header] = frame[f.key].tolist()
    return moved


def _unknown_columns(grid_of, table, keys: Sequence[str]) -> dict[str, list]:
    """Values of the columns the reader did not know, for the rows `tables_from_book` keeps
    (those with any input value), in the same order."""
    if not table.unknown_headers:
        return {}
    grid = grid_of(table.sheet)
    present = [k for k in keys if k in table.frame.columns]
    used = table.frame[present].notna().any(axis=1).tolist() if present else []
    rows = [r for r, u in zip(table.rows, used, strict=True) if u]
    out = {}
    for col in range(grid.width):
        name = grid.value(table.header_row, col)
        if isinstance(name, str) and name.strip() in table.unknown_headers:
            out[name.strip()] = [grid.value(r - 1, col) for r in rows]
    return out


def _shown(value: object) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
