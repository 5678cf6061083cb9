#!/usr/bin/env bash
# Mutation testing of the core with mutmut (configured in pyproject.toml, [tool.mutmut]).
# Not part of the default test run or CI: it is slow. Rerun it when a core module changes and
# record the figures in tests/README.md ("Mutation testing").
#
# Usage: bash scripts/mutation.sh [module ...]
#   Without arguments: every mutant of the modules in [tool.mutmut] only_mutate that has no
#           result yet — a run that was stopped goes on where it stopped, and after an edit
#           mutmut itself forgets the results of the functions whose source changed.
#   module: a dotted module or package under ledger_xl, e.g. core.identifiers, core.checks,
#           io.sniff, to run every mutant of it again; or a mutant's full name
#           (ledger_xl.core.due.x_records__mutmut_25) to rerun that one.
#   --pending first: of the modules named, only the mutants without a result (a run that was
#           stopped, or functions changed since); without it every mutant of them runs again.
#   --recheck-survivors first: every surviving mutant not written down as equivalent
#           (tests/mutation_equivalent.txt) has no result again, so the run tries them again —
#           after new tests, or after a change to how tests are chosen (scripts/mutmut_run.py).
# Environment: MUTATION_JOBS (default 1) parallel mutant runs; everything runs under nice 19.
#
# mutmut copies ledger_xl/ and tests/ into mutants/ (git-ignored), runs the fast tests once to
# learn which tests call which function, then runs only those tests against each mutant.
# Afterwards: `.venv/bin/mutmut results` lists the survivors, `.venv/bin/mutmut show NAME`
# shows one mutant's diff.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/mutmut ] || .venv/bin/python -m pip install -q -e ".[test,mutation]"

# Results of an earlier run kept in the repository (tests/mutation_results.json): a fresh
# checkout goes on where that run stopped, and whatever this run decides is saved back when it
# ends, also when it is stopped (Ctrl-C, SIGTERM).
.venv/bin/python scripts/mutation_state.py restore
trap '.venv/bin/python scripts/mutation_state.py save || true' EXIT

recheck=0
if [ "${1:-}" = "--recheck-survivors" ]; then  # run every surviving mutant again (e.g. after
  shift                                         # new tests, or a change to how tests are chosen)
  recheck=1
fi
# Every test is traced again below (mutmut-stats.json removed), so a mutant that had no test
# reaching its function ("no tests", 33) gets no result: it may have tests now.
[ -d mutants ] && RECHECK=$recheck .venv/bin/python - <<'PY'
import json, os, pathlib, sys
sys.path.insert(0, "scripts")
from mutation_summary import equivalent_names  # written down: not worth another minute each
equivalent = equivalent_names() if os.environ["RECHECK"] == "1" else set()
for meta in pathlib.Path("mutants").rglob("*.py.meta"):
    data = json.loads(meta.read_text())
    codes = data.get("exit_code_by_key", {})
    untested = [k for k, v in codes.items() if v == 33]
    survived = [k for k, v in codes.items() if v == 0 and k not in equivalent]
    again = untested + (survived if os.environ["RECHECK"] == "1" else [])
    for key in again:
        codes[key] = None
    if again:
        meta.write_text(json.dumps(data))
        print(f"{meta}: {len(again)} to run again")
PY

if [ "${1:-}" = "--pending" ]; then  # the modules' mutants that have no result yet
  shift
  export MUTATION_PENDING=1
fi

patterns=()
summary=(
  "ledger_xl.core.identifiers.*" "ledger_xl.core.scoring.*" "ledger_xl.core.schedule.*"
  "ledger_xl.core.checks.*" "ledger_xl.core.due.*" "ledger_xl.core.summary.*"
  "ledger_xl.io.sniff.*" "ledger_xl.io.formulas_reader.*" "ledger_xl.core.controls.*"
)
if [ $# -gt 0 ]; then
  for module in "$@"; do
    if [[ "$module" == *__mutmut_* ]]; then  # one mutant, e.g. to check a new test kills it
      patterns+=("$module")
      continue
    fi
    module="${module#ledger_xl.}"
    patterns+=("ledger_xl.${module}.*")
  done
fi

# mutmut keeps which tests reach which function (mutants/mutmut-stats.json) and, on a later
# run, traces only tests that are new: a function added or changed since would be tried only
# against new tests, and survive the old ones that reach it. Trace every test again (a few
# minutes, against hours of mutants); the results of unchanged functions are kept.
rm -f mutants/mutmut-stats.json

# nice orders processes only within one scheduling group, and Linux (autogroup) makes a group
# of each session: a run in a session of its own (setsid, nohup from a script) competed with a
# benchmark or a test run in another session as an equal, nice 19 or not — a second process
# then took 1.4× as long instead of running beside it. A session that this script or its
# caller leads (setsid) and that has no terminal is this run's own: its group is lowered too.
# Any other session is left alone (lowering it would slow everything else in it): start the
# run as `setsid bash scripts/mutation.sh ... < /dev/null > LOG 2>&1 &`.
session=$(ps -o sid= -p $$ | tr -d ' ')
if [ -w /proc/self/autogroup ] && [ "$(ps -o tty= -p $$ | tr -d ' ')" = "?" ] \
  && { [ "$session" = "$$" ] || [ "$session" = "$PPID" ]; }; then
  echo 19 > /proc/self/autogroup 2>/dev/null || true
fi

# LEDGER_XL_ISOLATE=0: validate in this process, so mutmut sees which tests reach which
# function (it cannot follow the forked children io/isolated.py starts per file).
LEDGER_XL_ISOLATE=0 nice -n 19 .venv/bin/python scripts/mutmut_run.py run --max-children "${MUTATION_JOBS:-1}" "${patterns[@]}"
# One line per module: mutants, killed, survived, timeouts, others.
[ ${#patterns[@]} -gt 0 ] || patterns=("${summary[@]}")
.venv/bin/python scripts/mutation_summary.py "${patterns[@]}"
