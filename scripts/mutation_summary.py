"""Summarise the last mutmut run per module (after scripts/mutation.sh).

Usage: python scripts/mutation_summary.py [--markdown] [pattern ...]
  pattern: mutant-name globs such as "ledger_xl.core.identifiers.*" (default: every mutant).

Reads mutants/**/*.meta (mutmut's results; for a module it holds none, the results saved in
tests/mutation_results.json by scripts/mutation_state.py) and tests/mutation_equivalent.txt (one mutant
name a line, then " # reason"), and prints one line per module: mutants, killed, survived,
equivalent (survivors listed as equivalent), timeouts, not run, and the kill rate among the
non-equivalent mutants. Then it lists the survivors not yet written down as equivalent.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutation_state import saved, stale_equivalents

ROOT = Path(__file__).resolve().parents[1]
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {24, -24, 36, 152, 255}
NOT_RUN = {None, 5, 33, 34}


def equivalent_names() -> set[str]:
    """Mutant names written down as equivalent in tests/mutation_equivalent.txt."""
    path = ROOT / "tests" / "mutation_equivalent.txt"
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.add(name)
    return names


def main(patterns: list[str], markdown: bool = False) -> int:
    """Print the per-module table and the unexplained survivors; 0 when there are none."""
    equivalent = equivalent_names()
    counts: dict[str, Counter] = defaultdict(Counter)
    unexplained: list[str] = []
    metas = saved()  # tests/mutation_results.json, for modules mutants/ holds no results of
    for meta in sorted((ROOT / "mutants").glob("ledger_xl/**/*.py.meta")):
        source = meta.relative_to(ROOT / "mutants").as_posix().removesuffix(".meta")
        metas[source] = json.loads(meta.read_text(encoding="utf-8"))
    # written down against an earlier version of their function: the name may mean another
    # mutant now, so a survivor among them is shown again, not counted as equivalent
    stale = stale_equivalents(metas)
    for module, meta in sorted(metas.items()):
        for name, code in meta["exit_code_by_key"].items():
            if patterns and not any(fnmatch.fnmatch(name, p) for p in patterns):
                continue
            row = counts[module]
            row["mutants"] += 1
            if code in KILLED:
                row["killed"] += 1
            elif code in SURVIVED and name in equivalent and name not in stale:
                row["equivalent"] += 1
            elif code in SURVIVED:
                row["survived"] += 1
                unexplained.append(name)
            elif code in TIMEOUT:
                row["timeout"] += 1
            elif code in NOT_RUN:
                row["not run"] += 1
            else:
                row["other"] += 1
    columns = ["mutants", "killed", "survived", "equivalent", "timeout", "not run", "other"]
    if markdown:
        print("| module | " + " | ".join(columns) + " | killed / non-equivalent |")
        print("| --- |" + " ---: |" * (len(columns) + 1))
    else:
        print(
            f"{'module':42s} " + " ".join(f"{c:>10s}" for c in columns) + "  killed/non-equivalent"
        )
    for module, row in counts.items():
        live = row["mutants"] - row["equivalent"] - row["not run"]
        rate = f"{100 * (row['killed'] + row['timeout']) / live:.1f}%" if live else "-"
        if markdown:
            print(f"| `{module}` | " + " | ".join(str(row[c]) for c in columns) + f" | {rate} |")
        else:
            print(f"{module:42s} " + " ".join(f"{row[c]:10d}" for c in columns) + f"  {rate}")
    if unexplained:
        print(f"\n{len(unexplained)} survivors not written down as equivalent:")
        for name in unexplained:
            again = "  (written down against an earlier version of its function)"
            print(f"  {name}{again if name in stale else ''}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main([a for a in args if a != "--markdown"], markdown="--markdown" in args))
