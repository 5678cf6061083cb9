"""Threads inside a reading child only where a core is free for them (`isolated.spare_cores`).

A batch with as many children as cores gains nothing from a child's reading threads (the
formula scan, the side sheets read ahead): they only add GIL hand-offs. With fewer children
than cores the threads use the idle ones. Results are the same either way
(`test_read_later.py`); here, which reads get threads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ledger_xl.app import portfolio, validate
from ledger_xl.io import isolated

AS_OF = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("cores", "jobs", "files", "spare"),
    [
        (2, 1, 200, True),  # one child, one core left for its threads
        (2, 2, 200, False),  # both cores run children
        (2, 2, 1, True),  # --jobs 2 but one file: one child
        (2, 3, 200, False),
        (8, 2, 200, True),
        (8, 8, 200, False),
        (8, 8, 5, True),
        (1, 1, 10, False),  # one core: never
        (2, 0, 10, True),  # jobs below 1 counts as 1
    ],
)
def test_spare_cores(monkeypatch, cores: int, jobs: int, files: int, spare: bool) -> None:
    monkeypatch.setattr(isolated, "cores", lambda: cores)
    assert isolated.spare_cores(jobs, files) is spare


def test_the_cores_this_process_may_use(monkeypatch) -> None:
    """A container or `taskset` limits the cores: the affinity counts, not the machine's."""
    monkeypatch.setattr(isolated.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(isolated.os, "cpu_count", lambda: 64)
    assert isolated.cores() == 1
    monkeypatch.delattr(isolated.os, "sched_getaffinity", raising=False)  # macOS, Windows
    assert isolated.cores() == 64
    monkeypatch.setattr(isolated.os, "cpu_count", lambda: None)
    assert isolated.cores() == 1


@pytest.mark.parametrize(("jobs", "threads"), [(1, True), (2, False)])
def test_batches_read_with_threads_only_beside_spare_cores(
    monkeypatch, tmp_path: Path, jobs: int, threads: bool
) -> None:
    """validate and the portfolio commands pass the rule on to every read of the batch."""
    monkeypatch.setenv("LEDGER_XL_ISOLATE", "0")  # the reads run here, where they are seen
    monkeypatch.setattr(isolated, "cores", lambda: 2)
    seen: list[bool] = []

    def spy(path, **kwargs):
        seen.append(kwargs["threads"])
        raise RuntimeError("stop here")

    monkeypatch.setattr(validate, "read_book", spy)
    monkeypatch.setattr(portfolio, "read_book", spy)
    paths = [tmp_path / f"b{i}.xlsx" for i in range(3)]
    validate.validate_paths(paths, AS_OF, jobs=jobs)
    portfolio.load(paths, AS_OF, jobs=jobs)
    assert seen == [threads] * 6
