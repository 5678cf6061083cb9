"""Where the formula reader cuts a sheet into pieces, against an obvious search.

`_segments` cuts its buffer at the last row start tag (`_last_row_start`), or, in a row longer
than the carry limit, at the last cell start (`_last_cell_start`). A cut one byte off, or a
row start missed, still gives whole cells in most pieces, so the scans' results rarely show
it; here each search is compared with a forward scan that keeps the last match, written from
the functions' contracts, on buffers drawn from the fragments that matter (prefixed and bare
tags, names that only begin like one, a tag at either end of the buffer).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger_xl.io.formulas_reader import _last_cell_start, _last_row_start

NAME_BYTES = "_.-"  # besides letters and digits, what a prefix may hold
TAG_END = b" \t\r\n>/"

FRAGMENTS = [
    b"<row ",
    b"<row>",
    b"<row/",
    b'<row r="2">',
    b"<x:row ",
    b"<x:row>",
    b"<a_b.c-1:row ",
    b"<:row ",  # an empty prefix: not a row start
    b"x:row ",  # a prefix without its "<"
    b"<x y:row ",  # a space inside the prefix
    b"<rows ",
    b"<rowx>",
    b"row",
    b"ro",
    b"w ",
    b"<",
    b":",
    b" ",
    b"\n",
    b">",
    b"/",
    b"\xc3\xa9",  # é in UTF-8: chr(0xc3) is a letter, chr(0xa9) is not
    b"\xc3",
    b"<c ",
    b"<c>",
    b"<c/",
    b"<x:c ",
    b'<c r="A1">',
    b"<col ",
    b"<cx ",
    b"c",
    b"</c>",
    b"</row>",
    b"<v>1</v>",
]

buffers = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(b"".join)


def _row_start_oracle(buffer: bytes, low: int) -> int:
    """The start of the last `<row` or `<prefix:row` tag (the name followed by white space,
    `>` or `/`) whose `row` begins at or after `low` and not at 0; -1 when there is none."""
    found = -1
    for at in range(max(low, 1), len(buffer) - 3):
        if buffer[at : at + 3] != b"row" or buffer[at + 3] not in TAG_END:
            continue
        if buffer[at - 1 : at] == b"<":
            found = at - 1
        elif buffer[at - 1 : at] == b":":
            start = at - 2
            while start >= 0 and (chr(buffer[start]).isalnum() or chr(buffer[start]) in NAME_BYTES):
                start -= 1
            if start >= 0 and buffer[start : start + 1] == b"<" and start < at - 2:
                found = start
    return found


def _cell_start_oracle(buffer: bytes, low: int) -> int:
    """The start of the last `<c` or `<prefix:c` tag (followed by white space, `>` or `/`)
    at or after `low`; -1 when there is none. A prefix: an ASCII letter or `_`, then ASCII
    letters, digits, `_`, `.` or `-`."""
    first = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
    rest = first | set(b"0123456789.-")
    found = -1
    for start in range(low, len(buffer)):
        if buffer[start : start + 1] != b"<":
            continue
        at = start + 1
        if at < len(buffer) and buffer[at] in first:
            end = at + 1
            while end < len(buffer) and buffer[end] in rest:
                end += 1
            if buffer[end : end + 1] == b":":
                at = end + 1  # the prefix and its colon
        if buffer[at : at + 1] == b"c" and at + 1 < len(buffer) and buffer[at + 1] in TAG_END:
            found = start
    return found


@given(buffers, st.integers(0, 200))
def test_last_row_start_is_the_last_row_tag(buffer, low):
    low = min(low, len(buffer))
    assert _last_row_start(buffer, low) == _row_start_oracle(buffer, low)


@given(buffers, st.integers(0, 200))
def test_last_cell_start_is_the_last_cell_tag(buffer, low):
    low = min(low, len(buffer))
    assert _last_cell_start(buffer, low) == _cell_start_oracle(buffer, low)


def test_hand_worked_cuts():
    assert _last_row_start(b'<row r="1"><c/></row><row r="2">', 0) == 21
    assert _last_row_start(b'<row r="1"></row><x:row r="2">', 0) == 17
    assert _last_row_start(b'<row r="1"></row><x:rows>', 0) == 0
    assert _last_row_start(b"<row", 0) == -1  # the name not yet ended: the tag may go on
    assert _last_row_start(b"row ", 0) == -1
    assert _last_row_start(b"<row ><row ", 7) == 6  # `row` at 7, its "<" before low
    assert _last_row_start(b"<row ><row ", 8) == -1
    assert _last_row_start(b"<:row ", 0) == -1
    # the walk back over the prefix starts at the byte before the colon: a "<" there means
    # an empty prefix, whatever stands before it
    assert _last_row_start(b"<<:row ", 0) == -1
    assert _last_row_start(b"<a<:row ", 0) == -1
    assert _last_row_start(b"<a :row ", 0) == -1  # a space ends no prefix
    assert _last_cell_start(b'<c r="A1"/><x:c r="B1"><v>1</v></x:c><col>', 0) == 11
    assert _last_cell_start(b"<c/><c/>", 5) == -1
