"""Keep mutmut's results in the repository, so a run goes on where the last one stopped.

Usage: python scripts/mutation_state.py save | restore

mutmut keeps its results in mutants/ (git-ignored), one ``<source>.meta`` file per mutated
module: each mutant's exit code, and a hash of each function's source. A fresh checkout has
no mutants/, so every mutant ran again from the start — hours a module. ``save`` writes the
results (not the timings) to tests/mutation_results.json, compactly: per module, per function,
its hash and its mutants' exit codes in mutant order. ``restore`` writes a .meta file back for
each module mutants/ has none of; mutmut then regenerates the mutants and keeps the result of
every function whose hash has not changed (a function edited since gets its mutants run again:
mutmut's own rule). scripts/mutation.sh restores before a run and saves after it, also when
the run is stopped; scripts/mutation_summary.py reads the saved results when mutants/ has none.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "tests" / "mutation_results.json"
MUTANTS = ROOT / "mutants"
_KEY = re.compile(r"^(?P<module>.+)\.(?P<function>[^.]+)__mutmut_(?P<number>\d+)$")


def _metas() -> dict[str, dict]:
    """mutmut's .meta files under mutants/, by source path (ledger_xl/core/due.py)."""
    found = {}
    for meta in sorted(MUTANTS.glob("ledger_xl/**/*.py.meta")):
        source = meta.relative_to(MUTANTS).as_posix().removesuffix(".meta")
        found[source] = json.loads(meta.read_text(encoding="utf-8"))
    return found


def compact(meta: dict) -> dict[str, list]:
    """One module's results: function name -> [hash, [exit code of mutant 1, 2, ...]]."""
    by_function: dict[str, dict[int, int | None]] = {}
    for key, code in meta["exit_code_by_key"].items():
        match = _KEY.match(key)
        if match is None:
            raise ValueError(f"unexpected mutant name {key!r}")
        by_function.setdefault(match["function"], {})[int(match["number"])] = code
    hashes = meta.get("hash_by_function_name", {})
    result = {}
    for function in sorted(set(by_function) | set(hashes)):
        codes = by_function.get(function, {})
        size = max(codes, default=0)
        result[function] = [hashes.get(function), [codes.get(n) for n in range(1, size + 1)]]
    return result


def expand(source: str, functions: dict[str, list]) -> dict:
    """A .meta file's contents from `compact`'s form (no timings: mutmut measures again)."""
    module = source.removesuffix(".py").replace("/", ".")
    codes = {}
    hashes = {}
    for function, (digest, exit_codes) in functions.items():
        if digest is not None:
            hashes[function] = digest
        for number, code in enumerate(exit_codes, start=1):
            codes[f"{module}.{function}__mutmut_{number}"] = code
    return {
        "exit_code_by_key": codes,
        "hash_by_function_name": hashes,
        "type_check_error_by_key": {},
        "durations_by_key": {},
        "estimated_durations_by_key": {},
    }


def saved() -> dict[str, dict]:
    """The saved results, as .meta contents by source path (empty when nothing was saved)."""
    if not SAVED.exists():
        return {}
    data = json.loads(SAVED.read_text(encoding="utf-8"))
    return {source: expand(source, functions) for source, functions in data.items()}


def save() -> int:
    metas = _metas()
    if not metas:
        print("mutants/ holds no results: nothing saved", file=sys.stderr)
        return 1
    data = {}
    if SAVED.exists():  # modules mutants/ no longer holds keep their saved results
        data = json.loads(SAVED.read_text(encoding="utf-8"))
    for source, meta in metas.items():
        data[source] = compact(meta)
    text = (
        "{\n"
        + ",\n".join(
            f"{json.dumps(source)}: {{\n"
            + ",\n".join(
                f"  {json.dumps(function)}: {json.dumps(entry, separators=(',', ':'))}"
                for function, entry in functions.items()
            )
            + "\n}"
            for source, functions in sorted(data.items())
        )
        + "\n}\n"
    )
    handle, temporary = tempfile.mkstemp(dir=SAVED.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, SAVED)
    print(f"saved the results of {len(metas)} modules to {SAVED}")
    return 0


def restore() -> int:
    restored = 0
    for source, meta in saved().items():
        path = MUTANTS / (source + ".meta")
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(meta), encoding="utf-8")
        restored += 1
    print(f"restored the saved results of {restored} modules into mutants/")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) == 2 else ""
    if command not in {"save", "restore"}:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(save() if command == "save" else restore())
