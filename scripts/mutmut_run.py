"""`mutmut run` with test ids cut to the test function (run by scripts/mutation.sh).

mutmut runs the whole test selection once in its own process, then hands pytest the ids of
the tests that reach each function, in the same process. pytest escapes a non-ASCII id given
in ``parametrize(ids=[...])`` each time it collects the module, so the second collection of
``test_each_edit_is_reported[date-impossible@台账!AF6]`` no longer matches the id recorded
the first time and pytest stops with "not found". Naming the test function instead (all its
parameters run) avoids that; a mutant that survives runs all of them anyway.

Second fix: mutmut learns which tests reach a function by watching the calls during each
test, so a module- or session-scoped fixture's calls are charged to the first test that asked
for it. `test_summary_oracle.py` computes `summary_tables` once in a module fixture: mutmut
ran only the module's first test against `summary_tables`' mutants, and a mutant that emptied
the data-quality table "survived" although `test_hand_worked_data_quality` fails on it. So
each test selected is widened to its whole test file.

Third: once the mutants are generated, mutants written down as equivalent whose function has
not changed since get back the result they were written down with (scripts/mutation_state.py
seed), so a fresh `mutants/` does not spend minutes on each of them again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import mutation_state  # scripts/, this script's folder
import mutmut.__main__ as mutmut_main
from mutmut.__main__ import cli
from mutmut.runners import harness

_regular_run = harness.PytestRunner._pytest_args_regular_run


def _by_file(self: harness.PytestRunner, tests: Iterable[str]) -> list[str]:
    files = list(dict.fromkeys(test.split("::", 1)[0] for test in tests))
    return _regular_run(self, files)


harness.PytestRunner._pytest_args_regular_run = _by_file  # type: ignore[method-assign]

_collect = mutmut_main.collect_source_file_mutation_data


def _pending(*, mutant_names):
    mutation_state.seed()
    mutants, by_path = _collect(mutant_names=mutant_names)
    if os.environ.get("MUTATION_PENDING") == "1":
        mutants = [(data, name, result) for data, name, result in mutants if result is None]
    return mutants, by_path


mutmut_main.collect_source_file_mutation_data = _pending

if __name__ == "__main__":
    sys.argv[0] = "mutmut"
    sys.exit(cli())
