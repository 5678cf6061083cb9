"""The side tables' checks run in a second process beside the others (`check_book(...,
beside=...)`, what `validate` does with a core to spare): the result must be the one the checks
give one after the other — the same findings in the same order — whatever the book holds,
and whatever happens to the second process."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from ledger_xl.core import validate as validate_module
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.validate import BESIDE, check_book
from ledger_xl.io import isolated
from ledger_xl.io.read import read_book
from tests.fixtures.careless import careless_ledger

AS_OF = dt.date(2026, 11, 23)
# Tests of what children do (and of children that die): not where they cannot be started
# (LEDGER_XL_ISOLATE=0, as under mutation testing), where `begin` runs here.
needs_fork = pytest.mark.skipif(not isolated.available(), reason="needs fork")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def careless(tmp_path_factory) -> Path:
    return careless_ledger(tmp_path_factory.mktemp("split") / "careless.xlsx", AS_OF, 300)


def _outcome(path: Path, beside=None, later: bool = False, **options):
    book = read_book(path, later=later)
    result, claims = check_book(
        book, AS_OF, beside=beside, split_rows=0, identities=True, **options
    )
    return [f.model_dump() for f in result.findings], result.rows, result.branch, claims


@pytest.mark.parametrize("later", [False, True], ids=["read", "still reading"])
@pytest.mark.parametrize("which", ["careless", "messy"])
def test_split_checks_find_what_the_checks_in_turn_find(
    careless: Path, which: str, later: bool
) -> None:
    """Also with the side sheets still being read (`later`): the ledger's own checks
    (`EARLY`) run meanwhile, the fork waits for the reads."""
    path = careless if which == "careless" else FIXTURES / "messy_branch.xlsx"
    plain = _outcome(path)
    split = _outcome(path, beside=isolated.begin, later=later)
    assert split == plain
    sheets = {f["sheet"] for f in plain[0]}
    assert {"资信证明", "审核记录"} <= sheets, sheets  # the checks beside found something
    assert len(plain[0]) > 20


@needs_fork
def test_a_failed_second_process_leaves_its_checks_to_this_one(careless: Path) -> None:
    plain = _outcome(careless)

    def dies(fn, *args):
        return isolated.begin(os._exit, 3)  # the child ends without a word

    def raises(fn, *args):
        return lambda: RuntimeError("a bug beside")

    def half(fn, *args):  # an answer without every check's findings
        return lambda: ({BESIDE[0].__name__: []}, {})

    for beside in (dies, raises, half):
        assert _outcome(careless, beside=beside) == plain, beside.__name__


def test_small_books_and_unfinished_reads_are_not_split(careless: Path) -> None:
    def refuse(fn, *args):
        raise AssertionError("split")

    book = read_book(careless)
    plain, _ = check_book(book, AS_OF)
    assert check_book(read_book(careless), AS_OF, beside=refuse)[0] == plain  # 300 rows
    broken = read_book(careless)
    broken.formula_source = WorkbookReadError(str(careless), "formula text cut off")
    result, _ = check_book(broken, AS_OF, beside=refuse, split_rows=0)
    assert [f.code for f in result.findings][-1] == "file-truncated"


@needs_fork
def test_begin_gives_the_result_the_exception_or_the_death() -> None:
    assert isolated.begin(sum, [1, 2, 3])() == 6
    failed = isolated.begin(int, "not a number")()
    assert isinstance(failed, ValueError)
    died = isolated.begin(os._exit, 5)()
    assert isinstance(died, isolated.ChildFailed) and "5" in died.detail
    wait = isolated.begin(len, "abc")
    assert wait() == 3 and wait() == 3  # asked twice: the same answer, the child reaped once


def test_begin_runs_here_where_children_cannot(monkeypatch) -> None:
    monkeypatch.setenv("LEDGER_XL_ISOLATE", "0")
    pid = isolated.begin(os.getpid)()
    assert pid == os.getpid()
    assert isinstance(isolated.begin(int, "x")(), ValueError)


@needs_fork
def test_validate_splits_only_with_the_memory_for_a_copy(
    careless: Path, tmp_path: Path, monkeypatch
) -> None:
    """`validate` of one file (a core to spare) starts the second child only when the machine
    could hold a copy of the first; without, the same findings come from one process."""
    from ledger_xl.app import validate as app_validate

    monkeypatch.setattr(validate_module, "SPLIT_ROWS", 0)
    log = tmp_path / "started.txt"
    begin = isolated.begin

    def counted(fn, *args):  # called in the file's own child: counted in a file
        with log.open("a") as out:
            out.write(fn.__name__ + "\n")
        return begin(fn, *args)

    monkeypatch.setattr(isolated, "begin", counted)
    outcomes = {}
    for room in (True, False):
        monkeypatch.setattr(isolated, "room_for_a_copy", lambda room=room: room)
        result = app_validate.validate_paths([careless], AS_OF, jobs=1)
        outcomes[room] = [f.model_dump() for f in result.files[0].findings]
    if isolated.spare_cores(1, 1):  # a machine of one core never splits
        assert log.read_text().split() == ["_run_checks"]  # once: with room
    assert outcomes[True] == outcomes[False] and len(outcomes[True]) > 20


def test_room_for_a_copy_reads_this_machine() -> None:
    assert isolated.room_for_a_copy(spare=0) is True  # a test process is small
    assert isolated.room_for_a_copy(spare=1 << 60) is False


@needs_fork
def test_children_run_without_the_cyclic_collector() -> None:
    """A child makes one call and exits: its collector stays off (`isolated._collector_off`);
    this process's is left as it was."""
    import gc

    assert gc.isenabled()
    assert isolated.begin(gc.isenabled)() is False
    assert isolated.call(gc.isenabled) is False
    assert [outcome for _, outcome in isolated.run_each(gc.isenabled, [(), ()])] == [False] * 2
    assert gc.isenabled()


def test_error_values_of_the_side_sheets_survive_the_split(tmp_path: Path) -> None:
    """`check_error_values` runs here but asks of the side tables what their checks beside
    found (`cells.side_blanks`, sent back with their findings): errors pasted into 资信证明
    and 审核记录 are reported as with the checks in turn, in place of their blanks'."""
    from .helpers import build
    from .test_error_values import CREDENTIALS, REVIEWS, _side

    path = _side(
        build(tmp_path),
        CREDENTIALS,
        {"A4": '<c r="A4" t="e"><v>#N/A</v></c>', "F5": '<c r="F5" t="e"><v>#REF!</v></c>'},
    )
    path = _side(path, REVIEWS, {"D4": '<c r="D4" t="e"><v>#N/A</v></c>'})
    plain = _outcome(path)
    assert [(f["code"], f["sheet"], f["cell"]) for f in plain[0] if f["sheet"] != "台账"] == [
        ("error-value", "资信证明", "A4"),
        ("error-value", "资信证明", "F5"),
        ("error-value", "审核记录", "D4"),
    ]
    assert _outcome(path, beside=isolated.begin) == plain

    def findings_only(fn, *args):  # beside, but its answers are not sent back
        wait = isolated.begin(fn, *args)
        return lambda: (wait()[0], {})

    assert _outcome(path, beside=findings_only) == plain  # the last check computes them here


@pytest.mark.parametrize("pasted", [True, False], ids=["errors pasted", "clean"])
def test_the_answers_sent_back_are_what_the_last_check_asks(tmp_path: Path, pasted) -> None:
    """The checks beside send back, of their memo, exactly the answer `check_error_values`
    asks of each side table (is a used row blank in a column every row fills?) — nothing
    else of the memo, and none missing, or the last check works it out again here."""
    from .helpers import build
    from .test_error_values import CREDENTIALS, REVIEWS, _side

    path = build(tmp_path)
    if pasted:
        path = _side(path, CREDENTIALS, {"F5": '<c r="F5" t="e"><v>#REF!</v></c>'})
        path = _side(path, REVIEWS, {"D4": '<c r="D4" t="e"><v>#N/A</v></c>'})
    sent = []

    def recording(fn, *args):
        wait = isolated.begin(fn, *args)

        def result():
            outcome = wait()
            sent.append(outcome[1])
            return outcome

        return result

    book = read_book(path)
    check_book(book, AS_OF, beside=recording, split_rows=0, identities=True)
    [answers] = sent
    assert answers == {
        ("blank where filled", id(book.credentials)): pasted,
        ("blank where filled", id(book.reviews)): pasted,
    }
