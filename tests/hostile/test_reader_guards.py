"""What a file can do to the value reader (python-calamine), and the guards against it.

A real cell at XFD1048576 makes calamine allocate 550 GB and abort the process (SIGABRT: no
`except` catches it); a shared-strings count of 2^64-1 raises pyo3's PanicException (a
BaseException); a cell at A1048576 costs 1.3 GB and ten seconds and becomes a customer.
Guards: reading in a child process with a memory cap (`io.isolated`), the sniff's checks of
declared counts and of the parts `_rels/.rels` names, and the extent check (`io.extent`).
Tests that would abort without their guard run in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zipfile

import pytest

from ledger_xl.core.errors import RulesError, WorkbookReadError
from ledger_xl.core.findings import Severity
from ledger_xl.io import extent, isolated
from ledger_xl.io import sniff as sniff_module
from ledger_xl.io.formulas_reader import ALL_COLUMNS, LAST_ROW, read_formulas
from ledger_xl.io.read import read_book
from ledger_xl.io.sniff import sniff
from tests.fixtures import hostile

needs_fork = pytest.mark.skipif(not isolated.available(), reason="needs fork")


# ---------------------------------------------------------------- the child process


def _echo_or_abort(value: str) -> str:
    if value == "abort":
        os.abort()
    return value


class _Panic(BaseException):  # what pyo3's PanicException is: not an Exception
    pass


def _panic() -> None:
    raise _Panic("capacity overflow")


def _allocate(gigabytes: int) -> int:
    return len(bytearray(gigabytes << 30))


def _raise(error: Exception) -> None:
    raise error


@needs_fork
def test_an_abort_ends_only_its_child_and_the_others_go_on():
    outcomes = dict(isolated.run_each(_echo_or_abort, [("a",), ("abort",), ("b",)], jobs=2))
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], isolated.ChildFailed)
    assert outcomes[1].signal == signal.SIGABRT
    assert "中止" in outcomes[1].detail


@needs_fork
def test_a_rust_panic_comes_back_as_a_failure_not_a_crash():
    with pytest.raises(isolated.ChildFailed, match=r"内部出错.*capacity overflow"):
        isolated.call(_panic)


def test_without_fork_a_panic_still_becomes_a_failure(monkeypatch):
    monkeypatch.setenv("LEDGER_XL_ISOLATE", "0")
    assert not isolated.available()
    outcome = next(isolated.run_each(_panic, [()]))[1]
    assert isinstance(outcome, isolated.ChildFailed)


@needs_fork
def test_a_child_cannot_take_more_memory_than_it_is_allowed():
    with pytest.raises(isolated.ChildFailed, match="内存"):
        isolated.call(_allocate, 3, memory=256 << 20)


@needs_fork
def test_our_errors_cross_back_with_their_details(tmp_path):
    error = WorkbookReadError(tmp_path / "x.xlsx", "坏了", code="file-unreadable")
    with pytest.raises(WorkbookReadError) as caught:
        isolated.call(_raise, error)
    assert (caught.value.path, caught.value.detail, caught.value.code) == (
        error.path,
        "坏了",
        "file-unreadable",
    )
    with pytest.raises(RulesError) as rules:
        isolated.call(_raise, RulesError("评分标准", "B3", "权重合计不是100%"))
    assert (rules.value.sheet, rules.value.cell) == ("评分标准", "B3")


# ---------------------------------------------------------------- the sniff


@pytest.mark.parametrize(
    "count", ["4000000000", "300000000", "18446744073709551615", "99999999999999999999999", "-1"]
)
def test_a_shared_strings_count_the_part_cannot_hold_is_refused(honest, tmp_path, count):
    bad = hostile.shared_strings_count(honest, tmp_path / "bad.xlsx", count)
    found = sniff(bad)
    assert [f.code for f in found] == ["file-unreadable"]
    assert "sharedStrings.xml" in found[0].message and "共享字符串" in found[0].message


def test_an_honest_or_slightly_wrong_count_is_read(honest, tmp_path):
    with zipfile.ZipFile(honest) as z:
        real = int(z.read("xl/sharedStrings.xml").split(b'uniqueCount="')[1].split(b'"')[0])
    for count in (str(real), str(real * 3), "0"):  # writers get the count wrong, harmlessly
        assert sniff(hostile.shared_strings_count(honest, tmp_path / f"{count}.xlsx", count)) == []


def test_a_workbook_part_elsewhere_is_refused(honest, tmp_path):
    found = sniff(hostile.main_part_elsewhere(honest, tmp_path / "main.xlsx"))
    assert [f.code for f in found] == ["file-unreadable"]
    assert "xl/main.xml" in found[0].message


def test_a_doctype_in_the_part_the_root_relationships_name_is_an_xml_bomb(honest, tmp_path):
    found = sniff(hostile.main_part_elsewhere(honest, tmp_path / "bomb.xlsx", doctype=True))
    assert [f.code for f in found] == ["file-xml-bomb"]


def test_a_workbook_in_another_folder_is_refused_not_read_past_a_decoy(honest, tmp_path):
    found = sniff(hostile.workbook_in_other_folder(honest, tmp_path / "wb.xlsx"))
    assert [f.code for f in found] == ["file-unreadable"]


def test_a_doctype_in_a_sheet_part_anywhere_is_an_xml_bomb(honest, tmp_path):
    found = sniff(hostile.sheet_with_doctype_in_subfolder(honest, tmp_path / "deep.xlsx"))
    assert [f.code for f in found] == ["file-xml-bomb"]


def test_the_formula_reader_reports_a_doctype_as_a_read_error(honest, tmp_path):
    bomb = hostile.main_part_elsewhere(honest, tmp_path / "bomb.xlsx", doctype=True)
    with pytest.raises(WorkbookReadError, match="实体"):
        read_formulas(bomb, hostile.LEDGER, ALL_COLUMNS, 0, LAST_ROW)


def test_a_pipe_named_like_a_workbook_is_not_opened(tmp_path):
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    found = sniff(fifo)  # opening it would block for ever
    assert [f.code for f in found] == ["file-unreadable"]
    assert "不是普通文件" in found[0].message


# ---------------------------------------------------------------- how far a sheet reaches


def _extent(path):
    with zipfile.ZipFile(path) as archive:
        return extent.scan(archive, hostile.sheet_part(path, hostile.LEDGER))


@pytest.mark.parametrize(
    ("ref", "rows", "cols"),
    [("XFD1048576", 1_048_576, 16_384), ("A1048576", 1_048_576, None), ("XFD3", None, 16_384)],
)
def test_the_extent_scan_finds_the_far_cell(honest, tmp_path, ref, rows, cols):
    found = _extent(hostile.far_cell(honest, tmp_path / "far.xlsx", ref))
    assert found.cols == (cols or _extent(honest).cols)  # a far row keeps the table's width
    if rows:
        assert found.rows == rows
        assert found.far(extent.budget(1000)) == [ref]


def test_formatting_far_away_and_a_lying_dimension_change_nothing(honest, tmp_path):
    for made in (
        hostile.empty_styled_far_cell(honest, tmp_path / "styled.xlsx"),
        hostile.dimension_lie(honest, tmp_path / "dimension.xlsx"),
    ):
        found = _extent(made)
        assert (found.rows, found.cols) == (_extent(honest).rows, _extent(honest).cols)
        assert [f.code for f in read_book(made).findings] == []


_READ_IN_PROCESS = """
import json, sys
from ledger_xl.io.read import read_book
book = read_book(sys.argv[1])
print(json.dumps([[f.code, f.message] for f in book.findings], ensure_ascii=False))
"""


@pytest.mark.parametrize(
    ("sheet", "ref", "inner"),
    [
        (hostile.LEDGER, "XFD1048576", None),
        (hostile.CREDENTIALS, "XFD1048576", None),
        (hostile.FIELD_RULES, "XFD1048576", None),
        (hostile.LEDGER, "A1048576", None),
        (hostile.LEDGER, "A9999999", None),
        (hostile.LEDGER, "XFD1048576", '<f>""</f><v></v>'),  # what ="" filled down leaves
    ],
)
def test_a_sheet_reaching_too_far_is_refused_before_the_reader(honest, tmp_path, sheet, ref, inner):
    """In a process that is not an isolated child (a library caller), the extent is checked
    before calamine allocates: one finding names the far cell; nothing aborts."""
    attrs = ' t="str"' if inner else ""
    far = hostile.far_cell(honest, tmp_path / "far.xlsx", ref, sheet, inner, attrs)
    done = subprocess.run(
        [sys.executable, "-c", _READ_IN_PROCESS, str(far)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-500:]
    findings = json.loads(done.stdout)
    assert [code for code, _ in findings] == ["file-unreadable"]
    assert f"工作表“{sheet}”" in findings[0][1] and ref in findings[0][1]


@needs_fork
@pytest.mark.parametrize("ref", ["XFD1048576", "A1048576", "A9999999"])
def test_in_a_child_a_far_cell_costs_the_child_and_is_explained(honest, tmp_path, ref):
    """Commands read in children without the pre-scan; a far cell makes the child fail fast
    (its memory cap) or be refused from calamine's extent, and the parent names the cell."""
    from ledger_xl.app.validate import validate_workbook

    result = validate_workbook(hostile.far_cell(honest, tmp_path / "far.xlsx", ref), hostile.AS_OF)
    assert [f.code for f in result.findings] == ["file-unreadable"]
    assert ref in result.findings[0].message and result.rows == 0


def test_an_honest_workbook_passes_every_guard(honest):
    book = read_book(honest)
    assert [f for f in book.findings if f.severity is Severity.ERROR] == []
    assert book.checkable and len(book.ledger.frame) > 10


def test_a_portfolio_read_in_children_equals_one_read_here(honest, companion):
    """What crosses back from the reading children (text columns as codes) rebuilds the
    same frames, whatever the order the children finish in."""
    import pandas as pd

    from ledger_xl.app.portfolio import load
    from ledger_xl.core.portfolio import from_books

    isolated_read = load([honest, companion], hostile.AS_OF, jobs=2)
    here = from_books(
        [read_book(honest, formulas=False), read_book(companion, formulas=False)], hostile.AS_OF
    )
    for name in ("customers", "documents", "reviews"):
        pd.testing.assert_frame_equal(getattr(isolated_read, name), getattr(here, name))
    assert isolated_read.files == here.files


def test_text_columns_travel_as_codes_and_come_back_equal():
    import numpy as np
    import pandas as pd

    from ledger_xl.app.portfolio import _Packed

    n = 5000
    frame = pd.DataFrame(
        {
            "branch": ["北京分公司", "上海分公司", ""] * (n // 3) + ["北京分公司"] * (n % 3),
            "name": [f"客户{i}" for i in range(n)],
            "score": np.arange(n, dtype=float),
        }
    )
    packed = _Packed(frame)
    assert packed.columns[0][1] is not None and packed.columns[1][1] is None  # codes, as is
    pd.testing.assert_frame_equal(packed.frame(), frame)


def _with_shared_strings(honest, path, body: bytes):
    return hostile.rezip(honest, path, replace={"xl/sharedStrings.xml": body})


def test_a_count_is_held_against_the_limit_exactly(honest, tmp_path):
    # A part this small may declare up to SST_COUNT_FLOOR strings, not one more.
    floor = str(sniff_module.SST_COUNT_FLOOR)
    assert sniff(hostile.shared_strings_count(honest, tmp_path / "floor.xlsx", floor)) == []
    over = str(sniff_module.SST_COUNT_FLOOR + 1)
    found = sniff(hostile.shared_strings_count(honest, tmp_path / "over.xlsx", over))
    assert [f.code for f in found] == ["file-unreadable"]
    detail = sniff_module.DETAIL_SHARED_STRINGS.format(part="xl/sharedStrings.xml", count=over)
    assert detail in found[0].message


@pytest.mark.parametrize(
    ("count", "shown"),
    [("9" * 30, "9" * 30), ("9" * 31, "9" * 30 + "…"), ("x" * 200, "x" * 30 + "…")],
)
def test_a_long_refused_count_is_shown_cut_to_thirty_characters(honest, tmp_path, count, shown):
    found = sniff(hostile.shared_strings_count(honest, tmp_path / "long.xlsx", count))
    assert [f.code for f in found] == ["file-unreadable"]
    template = sniff_module.DETAIL_SHARED_STRINGS
    if not count.isdigit():
        template = sniff_module.DETAIL_SHARED_STRINGS_COUNT
    detail = template.format(part="xl/sharedStrings.xml", count=shown)
    assert detail in found[0].message
    assert count not in found[0].message or count == shown


def test_a_count_left_empty_or_left_out_is_read(honest, tmp_path):
    with zipfile.ZipFile(honest) as z:
        sst = z.read("xl/sharedStrings.xml")
    empty = re.sub(rb'uniqueCount="\d+"', b'uniqueCount=""', sst, count=1)
    absent = re.sub(rb'\s*uniqueCount="\d+"', b"", sst, count=1)
    assert empty != sst and absent != sst
    for name, body in (("empty", empty), ("absent", absent)):
        assert sniff(_with_shared_strings(honest, tmp_path / f"{name}.xlsx", body)) == []


def test_leading_zeros_in_a_count_count_for_nothing(honest, tmp_path):
    # A count is a number: zeros in front neither make it too long nor change its value.
    with zipfile.ZipFile(honest) as z:
        sst = z.read("xl/sharedStrings.xml")
    real = re.search(rb'uniqueCount="(\d+)"', sst).group(1).decode()
    too_many = str(sniff_module.SST_COUNT_FLOOR + 1)
    for count, refused in (
        ("0" * 40 + real, False),
        ("0" * (19 - len(real)) + real, False),
        ("0" * (20 - len(real)) + real, False),
        ("0" * 3, False),
        ("0" * 40 + too_many, True),
        ("²", None),  # a digit to str.isdigit, not to int(): no number
        ("５", None),  # full-width digits: no xsd:unsignedInt
        ("١٢", None),
        ("1 2", None),
    ):
        body = re.sub(rb'uniqueCount="\d+"', f'uniqueCount="{count}"'.encode(), sst, count=1)
        found = sniff(_with_shared_strings(honest, tmp_path / "zeros.xlsx", body))
        assert [f.code for f in found] == ([] if refused is False else ["file-unreadable"]), count
        if refused is None:
            detail = sniff_module.DETAIL_SHARED_STRINGS_COUNT
            assert found[0].message.endswith(
                detail.format(part="xl/sharedStrings.xml", count=count)
            )


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@pytest.mark.parametrize("size", [sniff_module.PROLOG_CHUNK, 5000, sniff_module.PROLOG_LIMIT + 10])
def test_shared_strings_whose_root_tag_is_not_near_the_start_are_refused(honest, tmp_path, size):
    # Another root element, `size` bytes long: from the first read's size on, a part whose
    # <sst> start tag is not in its head is refused (the count cannot be checked).
    head = _DECLARATION + b"<other>"
    body = head + b" " * (size - len(head) - len(b"</other>")) + b"</other>"
    assert len(body) == size
    found = sniff(_with_shared_strings(honest, tmp_path / "other.xlsx", body))
    assert [f.code for f in found] == ["file-unreadable"]
    assert "xl/sharedStrings.xml 开头异常" in found[0].message


def test_a_small_part_without_an_sst_root_is_left_to_the_reader(honest, tmp_path):
    head = _DECLARATION + b"<other>"
    body = head + b" " * (sniff_module.PROLOG_CHUNK - 1 - len(head) - 8) + b"</other>"
    assert len(body) == sniff_module.PROLOG_CHUNK - 1
    assert sniff(_with_shared_strings(honest, tmp_path / "small.xlsx", body)) == []


def test_an_sst_start_tag_longer_than_the_head_is_refused(honest, tmp_path):
    # The start tag itself padded past what the sniff reads: its count is out of sight, so
    # the part is refused rather than read whole to find it.
    with zipfile.ZipFile(honest) as z:
        sst = z.read("xl/sharedStrings.xml")
    padding = b' xmlns:pad="' + b"p" * sniff_module.PROLOG_LIMIT + b'"'
    body = re.sub(rb"<sst\b", b"<sst" + padding, sst, count=1)
    assert body != sst
    found = sniff(_with_shared_strings(honest, tmp_path / "padded.xlsx", body))
    assert [f.code for f in found] == ["file-unreadable"]
    assert "xl/sharedStrings.xml 开头异常" in found[0].message


def test_a_workbook_part_over_its_limit_is_refused_and_one_at_it_is_read(
    honest, tmp_path, monkeypatch
):
    """xl/workbook.xml is parsed whole, so its declared size is bounded first (64 MiB; a
    real one is a few KiB): the bound itself is read, one byte over it is refused."""
    with zipfile.ZipFile(honest) as z:
        size = z.getinfo("xl/workbook.xml").file_size
    monkeypatch.setattr(sniff_module, "MAX_WORKBOOK_XML", size)
    assert sniff(honest) == []
    monkeypatch.setattr(sniff_module, "MAX_WORKBOOK_XML", size - 1)
    found = sniff(honest)
    assert [f.code for f in found] == ["file-unreadable"]
    assert found[0].message == "无法读取：xl/workbook.xml 大小异常"
