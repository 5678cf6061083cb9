"""The audit history store (稽核档案): an embedded SQLite database, `稽核档案.sqlite` by default.

One file, opened with the standard library's sqlite3, readable with any SQLite tool. Created on
first use; its schema version lives in `PRAGMA user_version` and the ordered `MIGRATIONS` bring
an older file up to date when it is opened (each migration in its own transaction, so a file
is always at one version). `PRAGMA application_id` marks the file as ledger_xl's, so a
foreign database is refused instead of being written into.

Each recorded validation run is written in **one transaction** (`record_run`): a run killed
half-way leaves the database exactly as it was before it began — SQLite's rollback journal
undoes the partial write the next time the file is opened.

The tables (see README, "稽核档案的结构"): runs, files (with checksums and the rules
fingerprint), issues (one row per finding identity ever seen), findings (every finding of
every run), assignments (owner, deadline, progress, note: append-only, the newest row per
finding counts; view `current_assignments`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledger_xl.core.audit import (
    ASSIGNMENT_COLUMNS,
    FILE_COLUMNS,
    ISSUE_COLUMNS,
    OCCURRENCE_COLUMNS,
    RUN_COLUMNS,
    History,
    Identity,
)
from ledger_xl.core.errors import LedgerXLError
from ledger_xl.core.findings import Finding

DEFAULT_DB = "稽核档案.sqlite"
APPLICATION_ID = 0x4C584155  # "LXAU": ledger_xl audit
# Test-only: when set to a path, `record_run` writes that file inside its transaction and
# waits, so a test can kill the process mid-run (tests/audit/test_store.py).
PAUSE_ENV = "LEDGER_XL_TEST_PAUSE_IN_RECORD"

_V1 = (
    """CREATE TABLE runs (
    run_id       INTEGER PRIMARY KEY,
    as_of        TEXT    NOT NULL,
    recorded_at  TEXT    NOT NULL,
    tool_version TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    skip_codes   TEXT    NOT NULL DEFAULT '[]',
    only_codes   TEXT    NOT NULL DEFAULT '[]',
    standard     TEXT    NOT NULL DEFAULT '',
    file_count   INTEGER NOT NULL,
    errors       INTEGER NOT NULL,
    warnings     INTEGER NOT NULL
)""",
    """CREATE TABLE files (
    file_id              INTEGER PRIMARY KEY,
    run_id               INTEGER NOT NULL REFERENCES runs(run_id),
    path                 TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    scope                TEXT    NOT NULL,
    branch               TEXT    NOT NULL,
    checked              INTEGER NOT NULL,
    row_count            INTEGER NOT NULL,
    errors               INTEGER NOT NULL,
    warnings             INTEGER NOT NULL,
    size                 INTEGER,
    sha256               TEXT,
    modified             TEXT,
    template_version     TEXT    NOT NULL DEFAULT '',
    rules_fingerprint    TEXT    NOT NULL DEFAULT '',
    declared_fingerprint TEXT    NOT NULL DEFAULT ''
)""",
    "CREATE INDEX files_by_run ON files(run_id)",
    """CREATE TABLE issues (
    finding_id  TEXT    PRIMARY KEY,
    scope       TEXT    NOT NULL,
    sheet       TEXT    NOT NULL,
    customer_id TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    column_name TEXT    NOT NULL,
    locator     TEXT    NOT NULL,
    first_run   INTEGER NOT NULL REFERENCES runs(run_id)
)""",
    "CREATE INDEX issues_by_scope ON issues(scope, customer_id)",
    """CREATE TABLE findings (
    run_id     INTEGER NOT NULL REFERENCES runs(run_id),
    file_id    INTEGER NOT NULL REFERENCES files(file_id),
    finding_id TEXT    NOT NULL REFERENCES issues(finding_id),
    severity   TEXT    NOT NULL,
    sheet      TEXT    NOT NULL,
    cell       TEXT    NOT NULL,
    row_number INTEGER,
    value      TEXT    NOT NULL,
    message    TEXT    NOT NULL
)""",
    "CREATE INDEX findings_by_run ON findings(run_id, finding_id)",
    "CREATE INDEX findings_by_issue ON findings(finding_id, run_id)",
    """CREATE TABLE assignments (
    assignment_id INTEGER PRIMARY KEY,
    finding_id    TEXT    NOT NULL REFERENCES issues(finding_id),
    owner         TEXT    NOT NULL DEFAULT '',
    deadline      TEXT,
    progress      TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    source        TEXT    NOT NULL,
    assigned_at   TEXT    NOT NULL
)""",
    "CREATE INDEX assignments_by_issue ON assignments(finding_id, assignment_id)",
    """CREATE VIEW current_assignments AS
SELECT a.* FROM assignments AS a
WHERE a.assignment_id = (
    SELECT MAX(b.assignment_id) FROM assignments AS b WHERE b.finding_id = a.finding_id
)""",
)

# Ordered migrations: MIGRATIONS[i] takes a file from version i to version i + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


class AuditStoreError(LedgerXLError):
    """The audit database cannot be used: missing, foreign, newer, locked or damaged."""


# ---------------------------------------------------------------- what a run records


@dataclass
class FileRecord:
    """One validated file of a run, with its findings and their identities."""

    path: str
    name: str
    scope: str
    branch: str
    checked: bool
    rows: int
    errors: int
    warnings: int
    size: int | None = None
    sha256: str | None = None
    modified: str | None = None
    template_version: str = ""
    rules_fingerprint: str = ""
    declared_fingerprint: str = ""
    findings: list[tuple[Identity, Finding]] = field(default_factory=list)


@dataclass
class RunRecord:
    """One `ledger-xl validate --record` run."""

    as_of: dt.date
    files: list[FileRecord]
    tool_version: str
    lang: str = "zh"
    skip: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    standard: str = ""
    recorded_at: str = ""


@dataclass(frozen=True)
class Assignment:
    """A change to a finding's follow-up; None leaves that field as it was."""

    finding_id: str
    owner: str | None = None
    deadline: dt.date | None = None
    progress: str | None = None
    note: str | None = None
    clear_deadline: bool = False


def utc_now() -> str:
    """Now, UTC, ISO 8601 to the second (what `recorded_at` and `assigned_at` hold)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- the store


class AuditStore:
    """An open audit database. Use `AuditStore.open(path, create=...)` as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path, self._db = path, connection

    # -------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = False) -> AuditStore:
        """Open (and migrate) the database at `path`; create it when `create` and missing.
        Raises AuditStoreError with a Chinese message for anything that stops its use."""
        path = Path(path)
        if path.is_dir():
            raise AuditStoreError(f"{path} 是一个文件夹；请用 --db 给出稽核档案数据库文件")
        if not path.exists():
            if not create:
                raise AuditStoreError(
                    f"稽核档案 {path} 不存在；先用 ledger-xl validate … --record 记录一次校验"
                    "（或用 --db 指定已有的稽核档案）"
                )
            if not path.parent.exists():
                raise AuditStoreError(f"目录 {path.parent} 不存在")
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise AuditStoreError(f"无法打开稽核档案 {path}：{exc}") from exc
        store = cls(path, connection)
        try:
            store._prepare()
        except BaseException:
            connection.close()
            raise
        return store

    def _prepare(self) -> None:
        db = self._db
        try:
            db.execute("PRAGMA foreign_keys = ON")
            application = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise AuditStoreError(
                f"{self.path} 不是 SQLite 数据库，不能用作稽核档案（{exc}）"
            ) from exc
        if application != APPLICATION_ID and (application != 0 or tables):
            raise AuditStoreError(
                f"{self.path} 是别的程序的 SQLite 数据库，不是 ledger-xl 的稽核档案；"
                "请用 --db 换一个文件名"
            )
        if version > SCHEMA_VERSION:
            raise AuditStoreError(
                f"稽核档案 {self.path} 由更新版本的 ledger-xl 创建（结构版本 {version}，"
                f"本程序支持到 {SCHEMA_VERSION}）；请升级 ledger-xl"
            )
        # One file: a rollback journal (not WAL's -wal and -shm files beside it), so the file
        # can be copied or mailed as it is; full sync before each commit.
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = FULL")
        while version < SCHEMA_VERSION:
            version = self._migrate(version)

    def _migrate(self, version: int) -> int:
        """Apply MIGRATIONS[version] in one transaction; returns the new version."""
        db = self._db
        with self._transaction():
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current != version:  # another process migrated meanwhile
                return current
            if version == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in MIGRATIONS[version]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
        return version + 1

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; ROLLBACK when the body raises."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise AuditStoreError(
                f"稽核档案 {self.path} 正被另一个程序写入，请稍后再试（{exc}）"
            ) from exc
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise AuditStoreError(f"写入稽核档案 {self.path} 失败：{exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    # -------------------------------------------------------- writing

    def record_run(self, run: RunRecord) -> int:
        """Store one validation run — the run, its files, every finding and any identity not
        seen before — in one transaction. Returns the run's id."""
        db = self._db
        with self._transaction():
            errors = sum(f.errors for f in run.files)
            warnings = sum(f.warnings for f in run.files)
            cursor = db.execute(
                "INSERT INTO runs (as_of, recorded_at, tool_version, lang, skip_codes, "
                "only_codes, standard, file_count, errors, warnings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.as_of.isoformat(),
                    run.recorded_at or utc_now(),
                    run.tool_version,
                    run.lang,
                    json.dumps(sorted(run.skip), ensure_ascii=False),
                    json.dumps(sorted(run.only), ensure_ascii=False),
                    run.standard,
                    len(run.files),
                    errors,
                    warnings,
                ),
            )
            run_id = int(cursor.lastrowid)
            for file in run.files:
                self._record_file(run_id, file)
            _pause_for_test()
        return run_id

    def _record_file(self, run_id: int, file: FileRecord) -> None:
        db = self._db
        cursor = db.execute(
            "INSERT INTO files (run_id, path, name, scope, branch, checked, row_count, errors, "
            "warnings, size, sha256, modified, template_version, rules_fingerprint, "
            "declared_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                file.path,
                file.name,
                file.scope,
                file.branch,
                int(file.checked),
                file.rows,
                file.errors,
                file.warnings,
                file.size,
                file.sha256,
                file.modified,
                file.template_version,
                file.rules_fingerprint,
                file.declared_fingerprint,
            ),
        )
        file_id = int(cursor.lastrowid)
        identities = {ident.finding_id: ident for ident, _ in file.findings}
        for fid, ident in identities.items():
            known = db.execute(
                "SELECT scope, sheet, customer_id, code, column_name, locator FROM issues "
                "WHERE finding_id = ?",
                (fid,),
            ).fetchone()
            fields_ = (
                ident.scope,
                ident.sheet,
                ident.customer_id,
                ident.code,
                ident.column,
                ident.locator,
            )
            if known is None:
                db.execute(
                    "INSERT INTO issues (finding_id, scope, sheet, customer_id, code, "
                    "column_name, locator, first_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (fid, *fields_, run_id),
                )
            elif tuple(known) != fields_:  # 48-bit ids: never expected in practice
                raise AuditStoreError(f"问题编号 {fid} 冲突：{known} 与 {fields_}")
        db.executemany(
            "INSERT INTO findings (run_id, file_id, finding_id, severity, sheet, cell, "
            "row_number, value, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    file_id,
                    ident.finding_id,
                    item.severity.value,
                    item.sheet,
                    item.cell,
                    item.row,
                    item.value,
                    item.message,
                )
                for ident, item in file.findings
            ],
        )

    def assign(self, changes: Iterable[Assignment], *, source: str, at: str | None = None) -> int:
        """Append the changes to `assignments` in one transaction, each on top of the finding's
        current assignment. Returns how many rows were appended. Raises AuditStoreError for an
        unknown 问题编号 (nothing is written then)."""
        at = at or utc_now()
        count = 0
        with self._transaction():
            for change in changes:
                if not self._db.execute(
                    "SELECT 1 FROM issues WHERE finding_id = ?", (change.finding_id,)
                ).fetchone():
                    raise AuditStoreError(f"稽核档案中没有问题编号 {change.finding_id}")
                current = self._db.execute(
                    "SELECT owner, deadline, progress, note FROM current_assignments "
                    "WHERE finding_id = ?",
                    (change.finding_id,),
                ).fetchone() or ("", None, "", "")
                owner, deadline, progress, note = current
                if change.owner is not None:
                    owner = change.owner
                if change.deadline is not None:
                    deadline = change.deadline.isoformat()
                if change.clear_deadline:
                    deadline = None
                if change.progress is not None:
                    progress = change.progress
                if change.note is not None:
                    note = change.note
                if (owner, deadline, progress, note) == tuple(current):
                    continue  # nothing changes
                self._db.execute(
                    "INSERT INTO assignments (finding_id, owner, deadline, progress, note, "
                    "source, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (change.finding_id, owner, deadline, progress, note, source, at),
                )
                count += 1
        return count

    # -------------------------------------------------------- reading

    def history(self) -> History:
        """Every recorded run as a `History` (one consistent snapshot)."""
        db = self._db
        db.execute("BEGIN")
        try:
            runs = pd.read_sql_query(
                "SELECT run_id, as_of, skip_codes, only_codes FROM runs ORDER BY run_id", db
            )
            files = pd.read_sql_query(
                "SELECT run_id, scope, checked, file_id, name FROM files ORDER BY file_id", db
            )
            issues = pd.read_sql_query(
                "SELECT finding_id, scope, sheet, customer_id, code, column_name AS column, "
                "locator FROM issues",
                db,
            )
            findings = pd.read_sql_query(
                "SELECT run_id, file_id, finding_id, severity, cell, row_number AS row, value, "
                "message FROM findings ORDER BY rowid",
                db,
            )
            assignments = pd.read_sql_query(
                "SELECT finding_id, owner, deadline, note, progress, assigned_at "
                "FROM current_assignments",
                db,
            )
        finally:
            db.execute("COMMIT")
        runs["as_of"] = [dt.date.fromisoformat(d) for d in runs["as_of"]]
        runs["skip_codes"] = [tuple(json.loads(s)) for s in runs["skip_codes"]]
        runs["only_codes"] = [tuple(json.loads(s)) for s in runs["only_codes"]]
        files["checked"] = files["checked"].astype(bool)
        names = dict(zip(files["file_id"], files["name"], strict=True))
        if len(findings):
            findings["file"] = findings["file_id"].map(names)
            counts = findings.groupby(["run_id", "finding_id"]).size().rename("count")
            first = findings.drop_duplicates(["run_id", "finding_id"]).set_index(
                ["run_id", "finding_id"]
            )
            occurrences = first.join(counts).reset_index()
            occurrences["row"] = [None if pd.isna(r) else int(r) for r in occurrences["row"]]
        else:
            occurrences = pd.DataFrame(columns=list(OCCURRENCE_COLUMNS))
        assignments["deadline"] = [
            dt.date.fromisoformat(d) if isinstance(d, str) and d else None
            for d in assignments["deadline"]
        ]
        return History(
            runs[list(RUN_COLUMNS)],
            files[list(FILE_COLUMNS)],
            issues[list(ISSUE_COLUMNS)],
            occurrences[list(OCCURRENCE_COLUMNS)],
            assignments[list(ASSIGNMENT_COLUMNS)],
        )

    def runs(self) -> pd.DataFrame:
        """The recorded runs: run_id, as_of, recorded_at, file_count, errors, warnings, and the
        branches each covered (branches, ；-separated)."""
        frame = pd.read_sql_query(
            "SELECT r.run_id, r.as_of, r.recorded_at, r.file_count, r.errors, r.warnings, "
            "group_concat(DISTINCT f.scope) AS branches "
            "FROM runs AS r LEFT JOIN files AS f ON f.run_id = r.run_id "
            "GROUP BY r.run_id ORDER BY r.as_of, r.run_id",
            self._db,
        )
        frame["branches"] = [
            "；".join(sorted(str(b).split(","))) if b else "" for b in frame["branches"]
        ]
        return frame

    def known_branches(self) -> set[str]:
        """Every branch a recorded file was filed under (for files whose branch is unknown)."""
        rows = self._db.execute("SELECT DISTINCT branch FROM files WHERE branch != ''")
        return {r[0] for r in rows}

    def scope_of_file(self, name: str) -> str | None:
        """The branch the latest file of this name was filed under, if any."""
        row = self._db.execute(
            "SELECT scope FROM files WHERE name = ? AND branch != '' ORDER BY file_id DESC LIMIT 1",
            (name,),
        ).fetchone()
        return row[0] if row else None

    def assignment_history(self, finding_id: str) -> pd.DataFrame:
        """Every assignment of one finding, oldest first."""
        return pd.read_sql_query(
            "SELECT owner, deadline, progress, note, source, assigned_at FROM assignments "
            "WHERE finding_id = ? ORDER BY assignment_id",
            self._db,
            params=(finding_id,),
        )

    def integrity(self) -> str:
        """SQLite's integrity check ("ok" when the file is sound)."""
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]


def _pause_for_test() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(300)
