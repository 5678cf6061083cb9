"""Which files a command reads (`app.paths.gather`), and what it writes where.

Each file is read once however it is named; a `**` pattern through a symbolic-link loop ends;
a name holding glob characters that exists is that file; interrupted writes, Excel's owner
files and our own outputs are not taken for ledgers; an output that is one of the inputs is
refused even with --force; a killed run's temporary file is cleaned up by the next write."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_xl.app.paths import gather
from ledger_xl.cli import app
from ledger_xl.io.output import TEMP_PREFIX, atomic_output, remove_stale_temporaries
from tests.fixtures import hostile

AS_OF = hostile.AS_OF
runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def folder(honest, companion, tmp_path) -> Path:
    d = tmp_path / "分公司"
    d.mkdir()
    shutil.move(honest, d / honest.name)
    shutil.move(companion, d / companion.name)
    return d


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_file_named_five_ways_is_read_once(folder, monkeypatch):
    monkeypatch.chdir(folder)
    first = sorted(folder.glob("*.xlsx"))[0]
    (folder / "link.xlsx").symlink_to(first.name)
    os.link(first, folder / "hard.xlsx")
    names = [first.name, f"./{first.name}", str(first), "link.xlsx", "hard.xlsx"]
    gathered = gather(names)
    assert gathered.files == [Path(first.name)]
    assert len(gathered.repeated) == 3  # ./x is x already
    assert all("同一个文件" in line for line in gathered.notes())
    result = _run("summarize", *names, "--as-of", AS_OF)
    assert "1 个工作簿" in result.output and result.exit_code == 0


def test_a_glob_through_symbolic_link_loops_ends_and_reads_each_file_once(folder):
    (folder / "loop").symlink_to(".")
    (folder / "a").symlink_to(".")
    (folder / "b").symlink_to("..")
    started = time.monotonic()
    gathered = gather([f"{folder}/**/*.xlsx"])
    assert time.monotonic() - started < 10
    assert sorted(p.name for p in gathered.files) == sorted(p.name for p in folder.glob("*.xlsx"))
    assert sorted(p.name for p in gather([str(folder)]).files) == sorted(
        p.name for p in gathered.files
    )


@pytest.mark.parametrize(
    "name", ["北京分公司[终版].xlsx", "上海分公司【2026】[1].xlsx", "x*?.xlsx"]
)
def test_an_existing_name_with_glob_characters_is_that_file(honest, tmp_path, name):
    literal = Path(shutil.copy(honest, tmp_path / name))
    assert gather([str(literal)]).files == [literal]
    result = _run("validate", literal, "--as-of", AS_OF, "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1)
    assert '"path"' in result.output


def test_temporary_files_and_owner_files_are_skipped_with_a_reason(folder):
    (folder / f"{TEMP_PREFIX}99999999-abc.xlsx").write_bytes(b"")
    (folder / "~$北京分公司.xlsx").write_bytes(b"\x00" * 165)
    gathered = gather([str(folder)])
    assert len(gathered.files) == 2
    reasons = " ".join(reason for _, reason in gathered.skipped)
    assert "临时文件" in reasons and "~$" in reasons


def test_a_stale_temporary_file_is_removed_by_the_next_write(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f"{TEMP_PREFIX}{dead.stdout.strip()}-x1.xlsx"  # its writer is gone
    stale.write_bytes(b"")
    alive = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-x2.xlsx"  # still being written
    alive.write_bytes(b"")
    folder_left = tmp_path / f"{TEMP_PREFIX}{dead.stdout.strip()}-pdf"
    folder_left.mkdir()
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted([stale, folder_left])
    assert alive.exists()


def test_a_killed_write_leaves_a_file_that_later_runs_skip_and_clean(folder, tmp_path):
    code = (
        "import os, sys\n"
        "from ledger_xl.io.output import atomic_output\n"
        "with atomic_output(sys.argv[1]) as temp:\n"
        "    temp.write_bytes(b'half')\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(folder / "汇总.xlsx")], check=False)
    left = list(folder.glob(f"{TEMP_PREFIX}*"))
    assert len(left) == 1
    gathered = gather([str(folder)])
    assert left[0] in [p for p, _ in gathered.skipped] and len(gathered.files) == 2
    with atomic_output(folder / "汇总.xlsx") as temp:
        temp.write_bytes(b"done")
    assert list(folder.glob(f"{TEMP_PREFIX}*")) == []


def test_our_outputs_in_the_folder_read_are_skipped_with_a_note(folder):
    customer = hostile.first_customer(sorted(folder.glob("*.xlsx"))[0])
    made = [
        _run("validate", folder, "--as-of", AS_OF, "--report", folder / "问题清单.xlsx"),
        _run("due", folder, "--as-of", AS_OF, "-o", folder / "到期清单.xlsx"),
        _run("summarize", folder, "--as-of", AS_OF, "-o", folder / "汇总.xlsx"),
        _run(
            "report", folder, "--as-of", AS_OF, "--customer", customer, "-o", folder / "报告.xlsx"
        ),
    ]
    assert [r.exit_code for r in made[1:]] == [0, 0, 0], [r.output for r in made]
    gathered = gather([str(folder)])
    assert len(gathered.files) == 2
    assert {p.name for p, _ in gathered.skipped} == {
        "问题清单.xlsx",
        "到期清单.xlsx",
        "汇总.xlsx",
        "报告.xlsx",
    }
    again = _run("validate", folder, "--as-of", AS_OF, "--format", "json")
    assert "不是台账" in again.output and again.output.count('"path"') == 2


@pytest.mark.parametrize(
    "command",
    [
        ("validate", "{input}", "--report", "{input}"),
        ("due", "{folder}", "-o", "{input}"),
        ("summarize", "{input}", "-o", "{input}"),
        ("report", "{input}", "--customer", "{customer}", "-o", "{input}"),
        ("new", "--from", "{input}", "-o", "{input}"),
        ("summarize", "{input}", "-o", "{link}"),
    ],
)
def test_an_output_that_is_an_input_is_refused_even_with_force(folder, command):
    victim = sorted(folder.glob("*.xlsx"))[0]
    link = folder.parent / "link.xlsx"
    link.symlink_to(victim)
    before = _digest(victim)
    values = {
        "input": victim,
        "folder": folder,
        "link": link,
        "customer": hostile.first_customer(victim),
    }
    args = [part.format(**values) for part in command]
    if args[0] != "new":
        args += ["--as-of", AS_OF.isoformat()]
    result = _run(*args, "--force")
    assert result.exit_code == 2, result.output
    assert "就是输入文件" in result.output
    assert _digest(victim) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_that_cannot_be_listed_is_noted(folder):
    closed = folder / "锁住的目录"
    closed.mkdir()
    closed.chmod(0)
    try:
        gathered = gather([str(folder)])
        assert any("锁住的目录" in line for line in gathered.notes())
    finally:
        closed.chmod(0o700)
