"""scripts/mutation_state.py: mutmut's results survive a fresh checkout exactly."""

from __future__ import annotations

import importlib.util
import json
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
