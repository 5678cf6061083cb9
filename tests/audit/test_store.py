"""The history store (稽核档案.sqlite): created on first use, migrated, refused when foreign,
one transaction per run — a run killed half-way leaves the earlier runs exactly as they were."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger_xl.app import audit_store
from ledger_xl.app.audit_store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Assignment,
    AuditStore,
    AuditStoreError,
    FileRecord,
    RunRecord,
)
from ledger_xl.core import audit
from ledger_xl.core.findings import finding

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 23)
TABLES = {"runs", "files", "issues", "findings", "assignments"}


def _run(day: dt.date, customers: list[str], scope: str = "北京分公司") -> RunRecord:
    items = [
        finding(
            "email-invalid",
            value="x@@y",
            file=f"{scope}.xlsx",
            sheet="台账",
            cell=f"K{i + 4}",
            row=i + 4,
            customer_id=c,
            column="电子邮箱",
        )
        for i, c in enumerate(customers)
    ]
    file = FileRecord(
        path=f"{scope}.xlsx",
        name=f"{scope}.xlsx",
        scope=scope,
        branch=scope,
        checked=True,
        rows=10,
        errors=len(items),
        warnings=0,
        sha256="0" * 64,
        findings=[(audit.identity(f, scope), f) for f in items],
    )
    return RunRecord(as_of=day, files=[file], tool_version="test")


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_created_on_first_use_with_version_and_application_id(tmp_path):
    path = tmp_path / "稽核档案.sqlite"
    with pytest.raises(AuditStoreError, match="不存在"):
        AuditStore.open(path)
    with AuditStore.open(path, create=True) as store:
        assert store.version == SCHEMA_VERSION
        assert store.integrity() == "ok"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        views = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert names >= TABLES
    assert "current_assignments" in views


def test_a_run_is_recorded_with_its_files_findings_and_identities(tmp_path):
    path = tmp_path / "a.sqlite"
    with AuditStore.open(path, create=True) as store:
        first = store.record_run(_run(AS_OF, ["BJ1", "BJ2"]))
        second = store.record_run(_run(AS_OF + dt.timedelta(days=30), ["BJ2", "BJ3"]))
        history = store.history()
    assert (first, second) == (1, 2)
    assert _count(path, "issues") == 3  # BJ2 once
    assert _count(path, "findings") == 4
    assert list(history.runs["as_of"]) == [AS_OF, AS_OF + dt.timedelta(days=30)]
    assert set(history.occurrences["run_id"]) == {1, 2}
    assert history.occurrences["count"].tolist() == [1, 1, 1, 1]


def test_assignments_are_appended_on_top_of_the_current_one(tmp_path):
    path = tmp_path / "a.sqlite"
    with AuditStore.open(path, create=True) as store:
        store.record_run(_run(AS_OF, ["BJ1"]))
        fid = store.history().issues["finding_id"].iloc[0]
        assert store.assign([Assignment(fid, owner="张三")], source="test") == 1
        assert store.assign([Assignment(fid, deadline=dt.date(2026, 12, 31))], source="t") == 1
        assert store.assign([Assignment(fid, owner="张三")], source="test") == 0  # no change
        history = store.assignment_history(fid)
        current = store.history().assignments.iloc[0]
        with pytest.raises(AuditStoreError, match="没有问题编号"):
            store.assign([Assignment("000000000000", owner="李四")], source="test")
    assert list(history["owner"]) == ["张三", "张三"]
    assert history["deadline"].isna().tolist() == [True, False]
    assert history["deadline"].iloc[1] == "2026-12-31"
    assert (current["owner"], current["deadline"]) == ("张三", dt.date(2026, 12, 31))
    assert _count(path, "assignments") == 2  # the refused batch wrote nothing


def test_a_foreign_or_damaged_file_is_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("这不是数据库" * 200, encoding="utf-8")
    with pytest.raises(AuditStoreError, match="不是 SQLite 数据库"):
        AuditStore.open(text)
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(AuditStoreError, match="别的程序"):
        AuditStore.open(foreign)
    assert _count(foreign, "t") == 0  # not written into
    with pytest.raises(AuditStoreError, match="文件夹"):
        AuditStore.open(tmp_path, create=True)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "a.sqlite"
    AuditStore.open(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(AuditStoreError, match="更新版本"):
        AuditStore.open(path)


def test_an_older_file_is_migrated_in_order_keeping_its_data(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite"
    with AuditStore.open(path, create=True) as store:
        store.record_run(_run(AS_OF, ["BJ1"]))
    extra = ("ALTER TABLE runs ADD COLUMN operator TEXT NOT NULL DEFAULT ''",)
    monkeypatch.setattr(audit_store, "MIGRATIONS", (*audit_store.MIGRATIONS, extra))
    monkeypatch.setattr(audit_store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with AuditStore.open(path) as store:
        assert store.version == SCHEMA_VERSION + 1
        assert len(store.history().runs) == 1
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
    assert "operator" in columns


def test_a_failing_migration_leaves_the_file_at_its_version(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite"
    AuditStore.open(path, create=True).close()
    broken = ("ALTER TABLE runs ADD COLUMN note2 TEXT", "THIS IS NOT SQL")
    monkeypatch.setattr(audit_store, "MIGRATIONS", (*audit_store.MIGRATIONS, broken))
    monkeypatch.setattr(audit_store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(sqlite3.OperationalError):
        AuditStore.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "note2" not in [r[1] for r in db.execute("PRAGMA table_info(runs)")]


def _demo_branch(tmp_path: Path) -> Path:
    from ledger_xl.app.demo_data import generate_demo
    from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

    data = generate_demo(n_customers=80, as_of=AS_OF)
    ledger = data.ledger[data.ledger["branch"] == "广州分公司"].reset_index(drop=True)
    ids = set(ledger["customer_id"])
    content = LedgerContent(
        ledger,
        data.credentials[data.credentials["customer_id"].isin(ids)].reset_index(drop=True),
        data.reviews[data.reviews["customer_id"].isin(ids)].reset_index(drop=True),
    )
    path = tmp_path / "广州分公司.xlsx"
    build_ledger_workbook(path, content, options=BuildOptions(cache_date=AS_OF))
    return path


def _validate_command(path: Path, db: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ledger_xl.cli",
        "validate",
        str(path),
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "json",
        "--record",
        "--db",
        str(db),
    ]


def test_a_run_killed_mid_transaction_leaves_the_earlier_runs_intact(tmp_path):
    branch = _demo_branch(tmp_path)
    db = tmp_path / "稽核档案.sqlite"
    done = subprocess.run(_validate_command(branch, db), capture_output=True, text=True, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr
    findings_before = _count(db, "findings")
    assert findings_before > 0

    marker = tmp_path / "inside-transaction"
    env = {**os.environ, audit_store.PAUSE_ENV: str(marker)}
    process = subprocess.Popen(
        _validate_command(branch, db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, "the recording process ended before pausing"
            assert time.monotonic() < deadline, "the recording process never paused"
            time.sleep(0.05)
        assert Path(f"{db}-journal").exists()  # the second run is half-written
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    with AuditStore.open(db) as store:  # the hot journal is rolled back on opening
        assert store.integrity() == "ok"
        history = store.history()
    assert list(history.runs["run_id"]) == [1]
    assert _count(db, "files") == 1
    assert _count(db, "findings") == findings_before

    again = subprocess.run(_validate_command(branch, db), capture_output=True, text=True, cwd=ROOT)
    assert again.returncode in (0, 1), again.stderr
    assert "第 2 次校验" in again.stderr
    assert _count(db, "findings") == 2 * findings_before


def test_a_killed_run_that_already_wrote_pages_is_rolled_back(tmp_path):
    """With a one-page cache the half-written run spills into the database file itself; the
    rollback journal restores it when the file is next opened."""
    db = tmp_path / "稽核档案.sqlite"
    with AuditStore.open(db, create=True) as store:
        store.record_run(_run(AS_OF, ["BJ1", "BJ2"]))
    before = db.read_bytes()
    marker = tmp_path / "inside-transaction"
    code = (
        "import datetime as dt\n"
        "from tests.audit.test_store import _run\n"
        "from ledger_xl.app.audit_store import AuditStore\n"
        f"store = AuditStore.open({str(db)!r})\n"
        "store._db.execute('PRAGMA cache_size = 1')\n"
        "store.record_run(_run(dt.date(2026, 12, 23), [f'BJ{i}' for i in range(3000)]))\n"
    )
    env = {**os.environ, audit_store.PAUSE_ENV: str(marker)}
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, "the recording process ended before pausing"
            assert time.monotonic() < deadline, "the recording process never paused"
            time.sleep(0.05)
        assert db.read_bytes() != before  # pages of the unfinished run are in the file
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with AuditStore.open(db) as store:
        assert store.integrity() == "ok"
        assert list(store.history().runs["run_id"]) == [1]
    assert _count(db, "findings") == 2
    assert not Path(f"{db}-journal").exists()  # the hot journal was played back
