"""Keep mutmut's results in the repository, so a run goes on where the last one stopped.

Usage: python scripts/mutation_state.py save | restore | seed

mutmut keeps its results in mutants/ (git-ignored), one ``<source>.meta`` file per mutated
module: each mutant's exit code, and a hash of each function's source. A fresh checkout has
no mutants/, so every mutant ran again from the start — hours a module. ``save`` writes the
results (not the timings) to tests/mutation_results.json, compactly: per module, per function,
its hash and its mutants' exit codes in mutant order. ``restore`` writes a .meta file back for
each module mutants/ has none of; mutmut then regenerates the mutants and keeps the result of
every function whose hash has not changed (a function edited since gets its mutants run again:
mutmut's own rule). scripts/mutation.sh restores before a run and saves after it, also when
the run is stopped; scripts/mutation_summary.py reads the saved results when mutants/ has none.

``seed`` (run by scripts/mutmut_run.py once the mutants are generated) gives a mutant written
down as equivalent (tests/mutation_equivalent.txt) the result "survived" when it has none and
its function is, by mutmut's own hash, the function it was written down against: the one in
the commit that added its line (git blame; an uncommitted line, the working tree's). A
survivor costs every test that reaches its function (minutes); results lost with a worktree
would otherwise rerun hundreds of equivalents that nothing can kill. mutmut numbers mutants per
function, so an unchanged function means the same mutant; a function changed since keeps its
equivalents unseeded, and they run again like any other mutant.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "tests" / "mutation_results.json"
MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "tests" / "mutation_equivalent.txt"
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


def function_hashes(source: str) -> dict[str, str]:
    """Each function's hash as mutmut 3 computes it (mutation/file_mutation.py,
    compute_function_hashes): the mangled name (x_name, xǁClassǁname) -> the first 12 hex
    digits of the SHA-256 of its AST dump without field names — comments and layout do not
    count. Empty when the source does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    hashes: dict[str, str] = {}

    def visit(body: list[ast.stmt], class_name: str = "") -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                key = f"xǁ{class_name}ǁ{node.name}" if class_name else f"x_{node.name}"
                dump = ast.dump(node, annotate_fields=False).encode()
                hashes[key] = hashlib.sha256(dump).hexdigest()[:12]
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{class_name}.{node.name}" if class_name else node.name)

    visit(tree.body)
    return hashes


UNCOMMITTED = "0" * 40


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8"
        )
    except OSError:  # no git
        return None
    return done.stdout if done.returncode == 0 else None


def written_down() -> dict[str, str]:
    """Each mutant named in tests/mutation_equivalent.txt -> the commit that added its line
    (UNCOMMITTED for a line not committed yet). Empty without git or the file."""
    if not EQUIVALENT.exists():
        return {}
    out = _git("blame", "--line-porcelain", "--", str(EQUIVALENT.relative_to(ROOT)))
    if out is None:
        return {}
    found: dict[str, str] = {}
    commit = None
    for line in out.splitlines():
        if line.startswith("\t"):
            name = line[1:].split("#", 1)[0].strip()
            if name and commit is not None:
                found[name] = commit
        elif re.match(r"^[0-9a-f]{40} \d+ \d+", line):
            commit = line[:40]
    return found


def stale_equivalents(metas: dict[str, dict]) -> set[str]:
    """The mutants of `metas` (.meta contents by source path) written down as equivalent
    against another version of their function than the one there now (its hash then and now
    differ): mutmut numbers mutants per function, so the name may mean another mutant now.
    Empty where git or the history cannot say."""
    added = written_down()
    hashes_at: dict[tuple[str, str], dict[str, str]] = {}
    stale = set()
    for source, meta in metas.items():
        current = meta.get("hash_by_function_name", {})
        for key in meta["exit_code_by_key"]:
            commit = added.get(key)
            if commit is None:
                continue
            if (commit, source) not in hashes_at:
                if commit == UNCOMMITTED:
                    path = ROOT / source
                    text = path.read_text(encoding="utf-8") if path.exists() else None
                else:
                    text = _git("show", f"{commit}:{source}")
                hashes_at[commit, source] = function_hashes(text) if text is not None else {}
            function = _KEY.match(key)["function"]
            then = hashes_at[commit, source].get(function)
            if then is None or then != current.get(function):
                stale.add(key)
    return stale


def seed() -> int:
    """Give unchanged equivalents their result (see the module's doc); prints how many."""
    added = written_down()
    metas = _metas()
    stale = stale_equivalents(metas)
    seeded = 0
    for source, meta in metas.items():
        codes = meta["exit_code_by_key"]
        fresh = [k for k, code in codes.items() if code is None and k in added and k not in stale]
        for key in fresh:
            codes[key] = 0
        seeded += len(fresh)
        if fresh:
            path = MUTANTS / (source + ".meta")
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(meta, out)
            os.replace(temporary, path)
    print(
        f"equivalents: {seeded} given the result they were written down with (function "
        f"unchanged), {len(stale)} written down against an earlier version of their function "
        "(run again; if one survives, check it again and write it down anew)"
    )
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) == 2 else ""
    actions = {"save": save, "restore": restore, "seed": seed}
    if command not in actions:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(actions[command]())
