"""Reading the side sheets while the ledger's own checks run (`read_book(..., later=True)`).

validate reads 资信证明 and 审核记录 in a thread and settles them when a check first needs
them. Whatever the file holds, the result must be the one a plain read gives: the same
findings in the same order, and a damaged side sheet still ends the file with the one
file-level finding, not with the ledger's findings beside it.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ledger_xl.core import layout
from ledger_xl.core.errors import WorkbookReadError
from ledger_xl.core.portfolio import book_part
from ledger_xl.core.validate import check_book
from ledger_xl.io import package, read
from ledger_xl.io.read import read_book
from ledger_xl.io.sniff import sniff
from tests.fixtures.careless import careless_ledger

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True, params=["thread", "in turn"])
def ahead(request, monkeypatch):
    """Every test twice: the side sheets read in a thread (as for a big ledger), and read in
    turn (below READ_AHEAD_BYTES, as for a branch's small one)."""
    if request.param == "thread":
        monkeypatch.setattr(read, "READ_AHEAD_BYTES", 0)
    else:
        monkeypatch.setattr(read, "READ_AHEAD_BYTES", 1 << 62)
    return request.param


@pytest.fixture(scope="module")
def careless(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo ledger of 400 customers with findings in the ledger and in both side sheets."""
    return careless_ledger(tmp_path_factory.mktemp("later") / "careless.xlsx", AS_OF)


def _result(path: Path, later: bool, threads: bool = True):
    result, claims = check_book(read_book(path, later=later, threads=threads), AS_OF)
    return [f.model_dump() for f in result.findings], result.rows, result.branch, claims


def _member(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return package.sheet_parts(archive)[sheet]


def _wrong_crc(src: Path, dst: Path, member: str) -> Path:
    """A copy whose `member` inflates but fails its CRC-32: the sniff reads only a sheet's
    first KiB, so the damage shows when the sheet is read."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as archive:
        info = archive.getinfo(member)
    wrong = struct.pack("<I", info.CRC ^ 0x5A5A5A5A)
    data[info.header_offset + 14 : info.header_offset + 18] = wrong
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len].decode() == member:
            data[pos + 16 : pos + 20] = wrong
            break
        pos += 4
    dst.write_bytes(bytes(data))
    return dst


def test_the_later_read_finds_what_the_plain_read_finds(careless: Path) -> None:
    later = _result(careless, later=True)
    assert later == _result(careless, later=False)
    assert later == _result(careless, later=True, threads=False)
    codes = {(f["code"], f["sheet"]) for f in later[0]}
    # the planted faults of all three sheets are there, so each sheet was really checked
    assert ("date-impossible", layout.SHEET_LEDGER) in codes
    assert ("uscc-check", layout.SHEET_LEDGER) in codes
    assert ("not-a-date", layout.SHEET_CREDENTIALS) in codes
    assert ("not-a-date", layout.SHEET_REVIEWS) in codes


@pytest.mark.parametrize("sheet", [layout.SHEET_CREDENTIALS, layout.SHEET_REVIEWS])
def test_a_damaged_side_sheet_ends_the_file_as_a_plain_read_does(
    careless: Path, tmp_path: Path, sheet: str
) -> None:
    path = _wrong_crc(careless, tmp_path / "damaged.xlsx", _member(careless, sheet))
    assert sniff(path) == []  # the damage lies past what the sniff reads
    later = _result(path, later=True)
    assert later == _result(path, later=False)
    assert later == _result(path, later=True, threads=False)
    findings, rows, _, claims = later
    assert [f["code"] for f in findings] == ["file-truncated"]
    assert rows == 0 and claims == []


def test_settling_raises_the_side_sheets_error_once(careless: Path, tmp_path: Path) -> None:
    path = _wrong_crc(careless, tmp_path / "damaged.xlsx", _member(careless, "资信证明"))
    book = read_book(path, later=True)
    assert book.checkable and book.credentials is None  # not read yet
    with pytest.raises(WorkbookReadError):
        book.settle()
    assert not book.checkable
    assert [f.code for f in book.findings] == ["file-truncated"]
    book.settle()  # once: the book now says why
    assert [f.code for f in book.findings] == ["file-truncated"]


def test_a_settled_book_holds_every_side_table(careless: Path, ahead: str) -> None:
    book = read_book(careless, later=True)
    opened = read.open_workbook(careless)
    opened.read_ahead([layout.SHEET_CREDENTIALS, layout.SHEET_REVIEWS])
    assert bool(opened._ahead) == (ahead == "thread")
    book.settle()
    plain = read_book(careless)
    assert book.credentials.frame.equals(plain.credentials.frame)
    assert book.reviews.frame.equals(plain.reviews.frame)
    assert book.credentials.rows == plain.credentials.rows
    assert book.distribution == plain.distribution
    assert book.formulas() == plain.formulas()


def test_an_unthreaded_read_starts_no_thread(careless: Path, monkeypatch) -> None:
    """`threads=False` (a batch whose children take every core) reads the side sheets and the
    formula text in the caller's thread, whatever their size, and gives the same book."""

    def refuse(*args, **kwargs):
        raise AssertionError("a thread was started")

    plain = read_book(careless)
    monkeypatch.setattr(read, "ThreadPoolExecutor", refuse)
    book = read_book(careless, later=True, threads=False)
    book.settle()
    assert book.credentials.frame.equals(plain.credentials.frame)
    assert book.reviews.frame.equals(plain.reviews.frame)
    assert book.formulas() == plain.formulas()


def _part(path: Path, later: bool, threads: bool = True):
    return book_part(read_book(path, formulas=False, later=later, threads=threads), AS_OF)


def test_a_portfolio_part_read_later_is_the_plain_one(careless: Path) -> None:
    """due, summarize and report type the ledger while the side sheets are read
    (`book_part` settles the book when 准入检查 first needs 资信证明): the same frames."""
    plain = _part(careless, later=False)
    assert plain.problem == "" and len(plain.customers) == 400
    assert len(plain.documents) > 400 and len(plain.reviews) > 0
    for later in (_part(careless, later=True), _part(careless, later=True, threads=False)):
        assert later.problem == ""
        for name in ("customers", "documents", "reviews"):
            pd.testing.assert_frame_equal(getattr(later, name), getattr(plain, name))


def test_settling_the_credentials_leaves_the_reviews_for_later(careless: Path) -> None:
    """`settle(资信证明)` takes in that sheet alone (its rows can be typed while 审核记录 is still
    being read); `settle()` then takes in the rest, as a plain read has it."""
    plain = read_book(careless)
    book = read_book(careless, later=True)
    book.settle(layout.SHEET_CREDENTIALS)
    assert book.credentials.frame.equals(plain.credentials.frame)
    assert book.reviews is None and book.unsettled is not None
    book.settle(layout.SHEET_CREDENTIALS)  # already in: nothing more is read
    assert book.reviews is None
    book.settle()
    assert book.unsettled is None
    assert book.reviews.frame.equals(plain.reviews.frame)
    assert book.distribution == plain.distribution


@pytest.mark.parametrize("sheet", [layout.SHEET_CREDENTIALS, layout.SHEET_REVIEWS])
def test_a_damaged_side_sheet_shows_when_it_is_taken_in_and_the_part_is_unusable(
    careless: Path, tmp_path: Path, sheet: str
) -> None:
    path = _wrong_crc(careless, tmp_path / "damaged.xlsx", _member(careless, sheet))
    book = read_book(path, later=True)
    if sheet == layout.SHEET_REVIEWS:  # 资信证明 comes in whole; the damage waits
        book.settle(layout.SHEET_CREDENTIALS)
        assert book.checkable and book.credentials is not None
        with pytest.raises(WorkbookReadError):
            book.settle()
    else:
        with pytest.raises(WorkbookReadError):
            book.settle(layout.SHEET_CREDENTIALS)
    assert not book.checkable
    assert [f.code for f in book.findings] == ["file-truncated"]
    book.settle()  # once: the book now says why
    assert [f.code for f in book.findings] == ["file-truncated"]
    # and the portfolio's part of it is unusable, as from a plain read
    plain = _part(path, later=False)
    later = _part(path, later=True)
    assert plain.problem and later.problem == plain.problem
    assert later.customers is None and later.documents is None and later.reviews is None
