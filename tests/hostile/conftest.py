"""Fixtures of the hostile-input tests: one honest branch ledger built per session, which
each test copies or cuts its hostile variant from (tests/fixtures/hostile.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import hostile


@pytest.fixture(scope="session")
def honest_book(tmp_path_factory) -> Path:
    return hostile.honest_ledger(tmp_path_factory.mktemp("honest") / "北京分公司.xlsx")


@pytest.fixture(scope="session")
def companion_book(tmp_path_factory) -> Path:
    """A second honest branch (other customers): the good file beside the hostile one."""
    return hostile.honest_ledger(
        tmp_path_factory.mktemp("companion") / "武汉分公司.xlsx", branch="上海分公司"
    )


@pytest.fixture
def honest(honest_book, tmp_path) -> Path:
    """A private copy of the honest ledger (no test can touch another's input)."""
    return Path(shutil.copy(honest_book, tmp_path / honest_book.name))


@pytest.fixture
def companion(companion_book, tmp_path) -> Path:
    return Path(shutil.copy(companion_book, tmp_path / companion_book.name))


def run_cli(*args: object, cwd: Path | None = None, timeout: float = 120):
    """`ledger-xl ARGS` in a fresh interpreter: an abort kills that process, not the tests
    (its exit code says so)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("LEDGER_XL_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", "from ledger_xl.cli import main; main()", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def json_of(done) -> dict:
    assert done.stdout.strip(), (done.returncode, done.stderr[-2000:])
    return json.loads(done.stdout)
