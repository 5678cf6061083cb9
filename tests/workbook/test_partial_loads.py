"""Commands that read less than the whole portfolio must show what the whole gives.

`report` types only the rows that could be the customer's (`book_part(..., customer=...)`):
checked against the plain path (every row typed) for every 客户编号 of two ledgers with
awkward ids planted, and the selection's rule checked as a property against every comparison
of 客户编号 the code makes. `due` and `summarize` type only the columns they read
(`load(..., reads=...)`): their tables, JSON and workbooks checked against the whole book's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_xl.app.demo_data import generate_demo
from ledger_xl.core import portfolio, values
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.portfolio import _selection, book_part, from_parts, shared_customer_ids
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook
from ledger_xl.io.xlsx.review_report import CustomerNotFound, ReportData, find_customer

AS_OF = dt.date(2026, 11, 23)


def _plant(demo) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The demo's tables with 客户编号 written every awkward way a clerk or a program might."""
    ledger = demo.ledger.copy().astype(object)
    credentials = demo.credentials.copy().astype(object)
    reviews = demo.reviews.copy().astype(object)
    ids = [str(v) for v in ledger["customer_id"].tolist()]

    def side(frame: pd.DataFrame, cid: str, new: object) -> None:
        mine = frame["customer_id"].astype(str).str.strip() == cid
        frame.loc[mine, "customer_id"] = new

    ledger.loc[0, "customer_id"] = ids[0].lower()  # the ledger lower-case, its documents not
    side(credentials, ids[1], f"  {ids[1]} ")  # spaces around, in the side sheets
    side(reviews, ids[1], f"{ids[1]}\u3000")  # an ideographic space after
    ledger.loc[2, "customer_id"] = ids[2].replace("S", "\uff33")  # full-width Ｓ
    side(credentials, ids[3], ids[3].replace("S", "\u017f"))  # long ſ: folds to s
    side(reviews, ids[3], ids[3].replace("S", "\u017f"))
    ledger.loc[4, "customer_id"] = 900123.0  # a number; its documents say "900123"
    side(credentials, ids[4], "900123")
    side(reviews, ids[4], 900123)
    ledger.loc[5, "customer_id"] = ids[6].lower()  # two ids equal but for case
    side(credentials, ids[7], ids[7].replace("H", "\u041d"))  # Cyrillic Н: another customer
    ledger.loc[8, "customer_id"] = None  # a customer without an id (name only)
    ledger.loc[9, "customer_id"] = f" {ids[9]} "
    side(credentials, ids[10], ids[10].lower())
    return ledger, credentials, reviews


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list:
    """Two ledgers: the planted one, and a branch holding a few of the same customers."""
    folder = tmp_path_factory.mktemp("selection")
    demo = generate_demo(n_customers=90, as_of=AS_OF)
    ledger, credentials, reviews = _plant(demo)
    options = BuildOptions(spare_rows=3, cache_date=AS_OF)
    main = build_ledger_workbook(
        folder / "总部.xlsx", LedgerContent(ledger, credentials, reviews), options=options
    )
    few = ledger.iloc[[0, 3, 5, 11]].reset_index(drop=True)
    few.loc[3, "customer_id"] = str(few.loc[3, "customer_id"]).upper()
    keys = set(few["customer_id"].astype(str).str.strip())
    docs = credentials[credentials["customer_id"].astype(str).str.strip().isin(keys)]
    branch = build_ledger_workbook(
        folder / "分公司.xlsx", LedgerContent(few, docs, reviews.iloc[0:0]), options=options
    )
    return [read_book(path, formulas=False) for path in (main, branch)]


def _queries(whole) -> list[str]:
    """Every 客户编号 in any table, as typed and re-cased, and ids nobody has."""
    seen: list[str] = []
    for frame in (whole.customers, whole.documents, whole.reviews):
        seen += [str(v) for v in frame["customer_id"].tolist()]
    out: list[str] = []
    for cid in seen:
        out += [cid, cid.strip(), cid.lower(), cid.upper(), f" {cid} "]
    out += ["SH999999", "sh", "900123", "900123.0", "?", "*", "", "   "]
    return list(dict.fromkeys(out))


def _outcome(data, wanted: str):
    """What `report` shows for `wanted`: its report's data, or the refusal, in full."""
    try:
        position = find_customer(data, wanted)
    except CustomerNotFound as refused:
        return ("refused", str(refused), refused.suggestions, refused.matches)
    report = ReportData.of(data, position)
    return (
        "found",
        report.customer,
        report.reviews.reset_index(drop=True),
        report.documents.reset_index(drop=True),
        None if report.approvals is None else report.approvals.reset_index(drop=True),
        report.rules,
    )


def _same(one, other, wanted: str) -> None:
    assert one[0] == other[0], wanted
    if one[0] == "refused":
        assert one == other, wanted
        return
    pd.testing.assert_series_equal(
        one[1].reset_index(drop=True), other[1].reset_index(drop=True), check_names=False
    )
    for a, b in zip(one[2:5], other[2:5], strict=True):
        if a is None or b is None:
            assert a is None and b is None, wanted
        else:
            pd.testing.assert_frame_equal(a, b)
    assert one[5] is other[5] or one[5] == other[5]


def _cells(workbook: Path) -> dict:
    """Every non-empty cell of every sheet: its value and number format."""
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    return {
        (sheet.title, c.coordinate): (c.value, c.number_format)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    }


def test_every_customers_report_is_what_the_whole_book_gives(books):
    whole = from_parts([book_part(b, AS_OF) for b in books], AS_OF)
    assert whole.roster is None
    queries = _queries(whole)
    assert len(queries) > 250
    found = 0
    for wanted in queries:
        selected = from_parts([book_part(b, AS_OF, wanted) for b in books], AS_OF)
        expected = _outcome(whole, wanted)
        _same(_outcome(selected, wanted), expected, wanted)
        assert shared_customer_ids(selected) == shared_customer_ids(whole), wanted
        found += expected[0] == "found"
        if selected.roster is not None and wanted.strip():
            assert len(selected.customers) < len(whole.customers) / 4, wanted  # a selection
    assert found > 100


def test_the_roster_is_every_used_row_as_the_whole_book_has_it(books):
    whole = from_parts([book_part(b, AS_OF) for b in books], AS_OF)
    selected = from_parts([book_part(b, AS_OF, "SH000001") for b in books], AS_OF)
    roster = selected.roster
    assert roster is not None
    expected = whole.customers[["customer_id", "file", "row"]]
    assert roster["customer_id"].tolist() == expected["customer_id"].tolist()
    assert roster["file"].tolist() == expected["file"].tolist()
    assert roster["row"].tolist() == expected["row"].tolist()


def test_ids_this_shortcut_does_not_cover_type_every_row(books):
    """A 客户编号 with characters beyond ASCII, or none, types the whole book (and gives no
    roster): the selection's argument holds for ASCII only."""
    rows = len(from_parts([book_part(books[0], AS_OF)], AS_OF).customers)
    for wanted in ("ＳＨ000003", "客户一", "", "  ", None):
        part = book_part(books[0], AS_OF, wanted)
        assert part.roster is None and len(part.customers) == rows, wanted
    assert _selection("SH1", DEFAULT_RULES) is not None
    no_id = DEFAULT_RULES.model_copy(
        update={"fields": [f for f in DEFAULT_RULES.fields if f.key != "customer_id"]}
    )
    assert _selection("SH1", no_id) is None


# -- the selection's rule, against every comparison of 客户编号 in the code ------------------

_CHARS = st.sampled_from(
    [*"SHshKk019 -_.*?~", "\u017f", "\u212a", "\uff33", "\u0131", "\u3000", "\t", "\u00a0"]
)
_CELLS = st.one_of(
    st.text(_CHARS, max_size=6),
    st.integers(-5, 1_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
)

_COMPARISONS = {
    "find_customer": lambda v: str(v).strip(),  # then case-insensitively: the next two
    "find_customer, ignoring case": lambda v: str(v).strip().casefold(),
    "the side tables' owner": lambda v: portfolio.text(v),  # _owned, drop_duplicates
    "COUNTIFS-like (twins, renewed, inactive owners)": values.criterion_key,
    "Excel's =": values.fold,
    "controls' keys": lambda v: "" if values.is_blank(v) else str(v).strip().casefold(),
    "controls' codes": lambda v: v.strip().upper() if isinstance(v, str) else str(v),
}


@settings(max_examples=400, deadline=None)
@given(wanted=st.text(_CHARS, min_size=1, max_size=6), cell=_CELLS)
def test_no_cell_any_comparison_pairs_with_the_customer_is_left_out(wanted, cell):
    keep = _selection(wanted, DEFAULT_RULES)
    if keep is None:  # not ASCII, or blank: every row is typed
        assert not wanted.strip() or not wanted.strip().isascii()
        return
    kept = keep([cell])[0]
    target = wanted.strip()
    if kept:
        return
    for name, key in _COMPARISONS.items():
        mine = key(target)
        if mine in ("", "\x00None"):
            continue
        assert key(cell) != mine, (name, target, cell)
    assert not (isinstance(cell, str) and cell.strip().casefold() == target.casefold())


def test_blank_cells_are_left_out_and_paired_cells_kept():
    keep = _selection(" sh01 ", DEFAULT_RULES)
    assert keep is not None
    cells = [
        "SH01",
        " sh01\t",
        "SH01 x",
        "ＳＨ01",
        1.0,
        None,
        "",
        "  ",
        np.nan,
        dt.date(2026, 1, 1),
    ]
    assert keep(cells) == [True, True, False, True, True, False, False, False, False, True]


def test_report_command_writes_what_the_whole_book_gives(books, tmp_path):
    """The command end to end, for a customer whose side rows carry spaces: its workbook holds
    cell for cell what the report of the whole book holds."""
    from typer.testing import CliRunner

    from ledger_xl.cli import app
    from ledger_xl.io.xlsx.review_report import build_review_report

    path = Path(books[0].source)
    whole = from_parts([book_part(books[0], AS_OF)], AS_OF)
    cid = str(whole.customers["customer_id"].iloc[1])
    assert (whole.documents["customer_id"] == cid).sum() > 0
    out = tmp_path / "报告.xlsx"
    result = CliRunner().invoke(
        app, ["report", str(path), "--customer", cid, "--as-of", "2026-11-23", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    reference = build_review_report(tmp_path / "整本.xlsx", whole, cid)

    written, expected = _cells(out), _cells(reference)
    assert len(expected) > 60
    assert written == expected


# -- due: the lean load ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("within", "document_within", "branch"),
    [(None, None, None), (90, 30, None), (0, 0, "北京分公司")],
)
def test_due_lists_from_the_lean_load_are_the_whole_books(books, within, document_within, branch):
    from ledger_xl.app.portfolio import load
    from ledger_xl.core import due
    from ledger_xl.core.jsontext import dumps

    paths = [b.source for b in books]
    whole, lean = load(paths, AS_OF), load(paths, AS_OF, reads=due.READS)  # as `due` loads
    assert "admission_check" in whole.customers and "admission_check" not in lean.customers
    assert "address" in whole.customers and "address" not in lean.customers
    assert "opinion" in whole.reviews and "opinion" not in lean.reviews
    assert len(lean.customers) == len(whole.customers)
    expected = due.portfolio_due(whole, within, document_within, branch)
    got = due.portfolio_due(lean, within, document_within, branch)
    assert list(got) == list(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
        assert dumps(due.records(got[name])) == dumps(due.records(frame)), name
    if branch is None:
        assert all(len(frame) for frame in expected.values()), {
            k: len(v) for k, v in expected.items()
        }


# One workbook is computed in its reading child (`app.portfolio.computed`), several in the
# parent after joining them: both ways against the whole books typed here.
WHICH = pytest.mark.parametrize("which", [[0, 1], [0], [1]], ids=["both", "main", "branch"])


@WHICH
def test_due_command_writes_what_the_whole_book_gives(books, tmp_path, which):
    import json

    from typer.testing import CliRunner

    from ledger_xl.cli import app
    from ledger_xl.core import due
    from ledger_xl.io.xlsx.due_list import build_due_workbook

    chosen = [books[i] for i in which]
    paths = [str(b.source) for b in chosen]
    whole = from_parts([book_part(b, AS_OF) for b in chosen], AS_OF)
    out = tmp_path / "到期.xlsx"
    result = CliRunner().invoke(
        app,
        ["due", *paths, "--as-of", "2026-11-23", "--format", "json", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    lists = due.portfolio_due(whole)
    reference = build_due_workbook(tmp_path / "整本.xlsx", lists, whole)

    written, expected = _cells(out), _cells(reference)
    assert len(expected) > 100
    assert written == expected
    shown = json.loads(result.stdout)
    assert shown["files"] == paths and shown["unreadable"] == []
    for name, frame in lists.items():
        assert shown[name] == json.loads(json.dumps(due.records(frame))), name
    shown = CliRunner().invoke(app, ["due", *paths, "--as-of", "2026-11-23"])
    assert shown.exit_code == 0, shown.output
    assert f"{len(whole.customers)} 个客户" in shown.output
    assert shown.output == _plain_output(["due", *paths, "--as-of", "2026-11-23"])


# -- summarize: the columns it reads ---------------------------------------------------------


@pytest.mark.parametrize("within", [None, 45])
def test_summary_tables_from_what_summarize_reads_are_the_whole_books(books, within):
    from ledger_xl.app.portfolio import load
    from ledger_xl.core import summary

    paths = [b.source for b in books]
    whole, read = load(paths, AS_OF), load(paths, AS_OF, reads=summary.reads())
    assert "address" in whole.customers and "address" not in read.customers
    assert "admission_check" in read.customers
    expected, got = summary.summary_tables(whole, within), summary.summary_tables(read, within)
    assert list(got) == list(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    assert all(len(frame) for frame in expected.values()), {k: len(v) for k, v in expected.items()}


@WHICH
def test_summarize_command_writes_what_the_whole_book_gives(books, tmp_path, which):
    from typer.testing import CliRunner

    from ledger_xl.cli import app
    from ledger_xl.core import summary
    from ledger_xl.io.xlsx.summary import build_summary_workbook

    chosen = [books[i] for i in which]
    paths = [str(b.source) for b in chosen]
    whole = from_parts([book_part(b, AS_OF) for b in chosen], AS_OF)
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(app, ["summarize", *paths, "--as-of", "2026-11-23", "-o", str(out)])
    assert result.exit_code == 0, result.output
    tables = summary.summary_tables(whole)
    reference = build_summary_workbook(tmp_path / "整本.xlsx", tables, whole)

    written, expected = _cells(out), _cells(reference)
    assert len(expected) > 100
    assert written == expected
    arguments = ["summarize", *paths, "--as-of", "2026-11-23"]
    shown = CliRunner().invoke(app, arguments)
    assert shown.exit_code == 0, shown.output
    assert "客户总数" in shown.output and shown.output == _plain_output(arguments)


def _plain_output(arguments: list[str]) -> str:
    """The command's terminal output with its figures computed in this process from the whole
    portfolio, not in a reading child (`computed` replaced by `load` and the computation)."""
    from typer.testing import CliRunner

    from ledger_xl.app import portfolio as app_portfolio
    from ledger_xl.cli import app

    def plain(files, day, jobs, compute, reads):
        loaded = app_portfolio.load(files, day, jobs, reads=reads)
        return loaded, compute(loaded)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_portfolio, "computed", plain)
        result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_book_typed_whole_beside_a_selection_is_its_own_roster(books):
    """A workbook whose rules have no 客户编号 column is typed whole even for a report: beside
    a selected one, the roster holds its customers as they are."""
    whole = from_parts([book_part(b, AS_OF) for b in books], AS_OF)
    selected = book_part(books[0], AS_OF, "SH000001")
    typed_whole = book_part(books[1], AS_OF)
    assert selected.roster is not None and typed_whole.roster is None
    mixed = from_parts([selected, typed_whole], AS_OF)
    assert mixed.roster["customer_id"].tolist() == whole.customers["customer_id"].tolist()
    assert mixed.roster["file"].tolist() == whole.customers["file"].tolist()
    assert shared_customer_ids(mixed) == shared_customer_ids(whole)


# -- computed in the reading child -----------------------------------------------------------


def test_one_workbook_is_computed_in_its_child_and_sends_the_counts_alone(books):
    from ledger_xl.app.portfolio import KEPT, computed, load
    from ledger_xl.core import summary

    path = books[0].source
    light, tables = computed([path], AS_OF, 1, summary.summary_tables, summary.reads())
    assert light.documents is None and light.reviews is None  # never sent
    assert list(light.customers.columns) == list(KEPT)
    full = load([path], AS_OF, reads=summary.reads())
    pd.testing.assert_frame_equal(light.customers, full.customers[list(KEPT)])
    assert light.files == full.files and light.rules_by_file == full.rules_by_file
    expected = summary.summary_tables(full)
    assert list(tables) == list(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)


def test_what_compute_raises_is_raised_here(books):
    from ledger_xl.app.portfolio import computed

    def broken(portfolio):
        raise ValueError(f"{len(portfolio.customers)} customers")

    for paths in ([books[0].source], [b.source for b in books]):
        with pytest.raises(ValueError, match="customers"):
            computed(paths, AS_OF, 1, broken)


def test_an_unreadable_workbook_is_named_and_nothing_computed(tmp_path, books):
    from ledger_xl.app.portfolio import computed

    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    portfolio, value = computed([bad], AS_OF, 1, lambda p: pytest.fail("computed"))
    assert value is None and portfolio.files == []
    assert [name for name, _ in portfolio.unreadable] == [str(bad)]
    both, value = computed([bad, books[1].source], AS_OF, 1, lambda p: len(p.customers))
    assert both.files == [str(books[1].source)] and value == len(both.customers) > 0
