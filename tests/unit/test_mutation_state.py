"""scripts/mutation_state.py: mutmut's results survive a fresh checkout exactly."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _state():
    spec = importlib.util.spec_from_file_location(
        "mutation_state", ROOT / "scripts" / "mutation_state.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


META = {
    "exit_code_by_key": {
        "ledger_xl.core.due.x_records__mutmut_1": 1,
        "ledger_xl.core.due.x_records__mutmut_3": 0,
        "ledger_xl.core.due.x_records__mutmut_2": None,
        "ledger_xl.core.due.xǁ_FollowerSiǁ__missing____mutmut_1": 36,
        "ledger_xl.core.due.x_sort__mutmut_12": 33,
    },
    "hash_by_function_name": {
        "x_records": "aa",
        "xǁ_FollowerSiǁ__missing__": "bb",
        "x_sort": "cc",
        "x_untouched": "dd",
    },
    "type_check_error_by_key": {},
    "durations_by_key": {"ledger_xl.core.due.x_records__mutmut_1": 1.5},
    "estimated_durations_by_key": {},
}


def test_compact_then_expand_gives_back_every_result_and_hash():
    state = _state()
    functions = state.compact(META)
    assert functions["x_records"] == ["aa", [1, None, 0]]
    assert functions["x_untouched"] == ["dd", []]
    back = state.expand("ledger_xl/core/due.py", functions)
    # mutants missing from the numbering (x_sort's 1..11) come back as "not run"
    expected = dict(META["exit_code_by_key"])
    expected.update({f"ledger_xl.core.due.x_sort__mutmut_{n}": None for n in range(1, 12)})
    assert back["exit_code_by_key"] == expected
    assert back["hash_by_function_name"] == META["hash_by_function_name"]
    assert back["durations_by_key"] == {}


def test_save_and_restore_through_the_files(tmp_path, monkeypatch):
    state = _state()
    monkeypatch.setattr(state, "MUTANTS", tmp_path / "mutants")
    monkeypatch.setattr(state, "SAVED", tmp_path / "results.json")
    meta_path = tmp_path / "mutants" / "ledger_xl" / "core" / "due.py.meta"
    meta_path.parent.mkdir(parents=True)
    meta_path.write_text(json.dumps(META), encoding="utf-8")
    assert state.save() == 0
    meta_path.unlink()
    assert state.restore() == 0
    restored = json.loads(meta_path.read_text(encoding="utf-8"))
    assert restored["exit_code_by_key"]["ledger_xl.core.due.x_records__mutmut_3"] == 0
    assert set(restored) == set(META)  # the keys mutmut's loader insists on, no more
    # a module mutants/ still holds is left as it is
    meta_path.write_text(json.dumps(META), encoding="utf-8")
    state.restore()
    assert json.loads(meta_path.read_text(encoding="utf-8")) == META


def test_nothing_to_save_says_so(tmp_path, monkeypatch, capsys):
    state = _state()
    monkeypatch.setattr(state, "MUTANTS", tmp_path / "mutants")
    monkeypatch.setattr(state, "SAVED", tmp_path / "results.json")
    assert state.save() == 1
    assert not (tmp_path / "results.json").exists()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


KEEP = "def keep(a):\n    return a + 1\n"
CHANGE = "def change(a):\n    return a - 1\n"
METHOD = "class Box:\n    def put(self, a):\n        return [a]\n"


def test_function_hashes_follow_mutmuts_rule():
    state = _state()
    hashes = state.function_hashes(KEEP + CHANGE + METHOD)
    assert set(hashes) == {"x_keep", "x_change", "xǁBoxǁput"}
    # mutmut hashes the AST: a comment or the layout changes nothing, the code does
    assert (
        state.function_hashes("def keep(a):  # one more\n    return (a + 1)\n")["x_keep"]
        == (hashes["x_keep"])
    )
    assert state.function_hashes("def keep(a):\n    return a + 2\n")["x_keep"] != hashes["x_keep"]
    assert state.function_hashes("def broken(:\n") == {}


def _history(tmp_path: Path) -> tuple[Path, Path, dict]:
    """A repository whose tests/mutation_equivalent.txt names mutants of ledger_xl/m.py: keep()
    and Box.put unchanged since, change() edited after its line was committed, and a line
    written against the edit but not committed. Returns (repo, mutants/, the .meta)."""
    repo = tmp_path / "repo"
    (repo / "ledger_xl").mkdir(parents=True)
    (repo / "tests").mkdir()
    source = repo / "ledger_xl" / "m.py"
    equivalent = repo / "tests" / "mutation_equivalent.txt"
    source.write_text(KEEP + CHANGE + METHOD, encoding="utf-8")
    equivalent.write_text(
        "# header\n"
        "ledger_xl.m.x_keep__mutmut_2  # why\n"
        "ledger_xl.m.x_change__mutmut_1  # why\n"
        "ledger_xl.m.xǁBoxǁput__mutmut_1  # why\n",
        encoding="utf-8",
    )
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    source.write_text(KEEP + CHANGE.replace("- 1", "- 2") + METHOD, encoding="utf-8")
    with equivalent.open("a", encoding="utf-8") as out:
        out.write("ledger_xl.m.x_change__mutmut_3  # written against the edit\n")
    names = [f"ledger_xl.m.x_keep__mutmut_{n}" for n in (1, 2, 3)] + [
        "ledger_xl.m.x_change__mutmut_1",
        "ledger_xl.m.x_change__mutmut_3",
        "ledger_xl.m.xǁBoxǁput__mutmut_1",
    ]
    codes = dict.fromkeys(names)
    codes["ledger_xl.m.x_keep__mutmut_3"] = 1  # killed: never touched
    meta = {
        "exit_code_by_key": codes,
        "hash_by_function_name": _state().function_hashes(source.read_text(encoding="utf-8")),
    }
    mutants = tmp_path / "mutants"
    (mutants / "ledger_xl").mkdir(parents=True)
    (mutants / "ledger_xl" / "m.py.meta").write_text(json.dumps(meta), encoding="utf-8")
    return repo, mutants, meta


def _point_at(state, monkeypatch, repo: Path, mutants: Path) -> None:
    monkeypatch.setattr(state, "ROOT", repo)
    monkeypatch.setattr(state, "MUTANTS", mutants)
    monkeypatch.setattr(state, "EQUIVALENT", repo / "tests" / "mutation_equivalent.txt")


def test_seed_gives_back_only_equivalents_of_unchanged_functions(tmp_path, monkeypatch, capsys):
    """An equivalent keeps its result only while its function is the one it was written down
    against: committed, changed after, or written down but not committed."""
    state = _state()
    repo, mutants, meta = _history(tmp_path)
    _point_at(state, monkeypatch, repo, mutants)
    assert state.written_down()["ledger_xl.m.x_change__mutmut_3"] == state.UNCOMMITTED
    assert state.stale_equivalents({"ledger_xl/m.py": meta}) == {"ledger_xl.m.x_change__mutmut_1"}
    assert state.seed() == 0
    after = json.loads((mutants / "ledger_xl" / "m.py.meta").read_text(encoding="utf-8"))
    assert after["exit_code_by_key"] == {
        "ledger_xl.m.x_keep__mutmut_1": None,  # not written down
        "ledger_xl.m.x_keep__mutmut_2": 0,
        "ledger_xl.m.x_keep__mutmut_3": 1,
        "ledger_xl.m.x_change__mutmut_1": None,  # its function changed since
        "ledger_xl.m.x_change__mutmut_3": 0,  # written down against the working tree
        "ledger_xl.m.xǁBoxǁput__mutmut_1": 0,
    }
    assert after["hash_by_function_name"] == meta["hash_by_function_name"]
    out = capsys.readouterr().out
    assert "3 given the result" in out and "1 written down against an earlier version" in out
    # without git history (or git) nothing is seeded
    monkeypatch.setattr(state, "ROOT", tmp_path)
    monkeypatch.setattr(state, "EQUIVALENT", tmp_path / "absent.txt")
    assert state.written_down() == {}


def test_summary_shows_a_stale_equivalent_that_survived_again(tmp_path, monkeypatch, capsys):
    """A survivor written down against an earlier version of its function is listed for a
    second look, not counted as equivalent."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import mutation_state
    import mutation_summary

    repo, mutants, meta = _history(tmp_path)
    meta["exit_code_by_key"].update(dict.fromkeys(meta["exit_code_by_key"], 0))
    meta["exit_code_by_key"]["ledger_xl.m.x_keep__mutmut_3"] = 1
    (mutants / "ledger_xl" / "m.py.meta").write_text(json.dumps(meta), encoding="utf-8")
    _point_at(mutation_state, monkeypatch, repo, mutants)
    monkeypatch.setattr(mutation_state, "SAVED", tmp_path / "absent.json")
    monkeypatch.setattr(mutation_summary, "ROOT", tmp_path)
    equivalent = repo / "tests" / "mutation_equivalent.txt"
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "mutation_equivalent.txt").write_text(
        equivalent.read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert mutation_summary.main([]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("ledger_xl/m.py"))
    # mutants, killed, survived, equivalent, timeout, not run, other
    assert row.split()[1:8] == ["6", "1", "2", "3", "0", "0", "0"]
    assert (
        "ledger_xl.m.x_change__mutmut_1  (written down against an earlier version of its "
        "function)" in out
    )
    assert "  ledger_xl.m.x_keep__mutmut_1\n" in out
