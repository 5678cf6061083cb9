"""The vbaProject.bin writer against independent readers: oletools' decompressor and olevba,
olefile in strict mode (compound file), and the values Excel wrote into xlwings' own file."""

from __future__ import annotations

import random
import struct

import olefile
import pytest
from oletools.olevba import decompress_stream

from ledger_xl.io.xlsx import vba_project as vp
from ledger_xl.io.xlsx.addin import XLWINGS_DIR


def _oletools(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


SIZES = [1, 2, 3, 8, 9, 100, 4095, 4096, 4097, 8192, 12289]
CASES = [
    (n, kind)
    for n in SIZES
    for kind in ("random", "repeat", "text")
    if (n, kind) != (4095, "random")  # a short incompressible chunk: see the test below
]


@pytest.mark.parametrize(("n", "kind"), CASES)
def test_compress_round_trip(n: int, kind: str) -> None:
    rnd = random.Random(n)
    if kind == "random":
        data = bytes(rnd.getrandbits(8) for _ in range(n))
    elif kind == "repeat":
        data = (b"ab" * n)[:n]
    else:
        data = ((XLWINGS_DIR / "xlwings.bas").read_bytes() * 2)[:n]
    packed = vp.compress(data)
    assert _oletools(packed) == data
    assert vp.decompress(packed) == data


def test_short_incompressible_final_chunk_is_refused() -> None:
    # A raw chunk always holds 4096 bytes; a shorter one would decode with padding. Real VBA
    # source never gets there (it compresses), so the writer refuses rather than pad.
    rnd = random.Random(4095)
    data = bytes(rnd.getrandbits(8) for _ in range(4095))
    with pytest.raises(ValueError, match="incompressible"):
        vp.compress(data)


def test_spec_example_decodes() -> None:
    # [MS-OVBA] 3.2.2 example input; our token choices may differ, the decoded bytes may not.
    data = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
    assert _oletools(vp.compress(data)) == data
    uncompressed = b"abcdefghijklmnopqrstuv."  # 3.2.1: no repeats -> literal tokens only
    assert (
        vp.compress(uncompressed).hex()
        == "0119b000616263646566676800696a6b6c6d6e6f7000717273747576" + "2e"
    )


def _rb_check(ole: olefile.OleFileIO) -> None:
    """Every storage's children form a valid red-black BST in CFB name order."""
    entries = ole.direntries

    def key(e):
        return (len(e.name), e.name.upper())

    def walk(sid: int, lo, hi) -> int:
        if sid == olefile.NOSTREAM:
            return 1
        e = entries[sid]
        assert (lo is None or key(lo) < key(e)) and (hi is None or key(e) < key(hi))
        if e.color == 0:  # red: children black
            for c in (e.sid_left, e.sid_right):
                assert c == olefile.NOSTREAM or entries[c].color == 1
        left, right = walk(e.sid_left, lo, e), walk(e.sid_right, e, hi)
        assert left == right
        return left + (1 if e.color == 1 else 0)

    for e in entries:
        if e is not None and e.sid_child != olefile.NOSTREAM:
            walk(e.sid_child, None, None)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 20, 64])
def test_compound_file_strict(count: int) -> None:
    rnd = random.Random(count)
    streams = {}
    for i in range(count):
        size = rnd.choice([0, 1, 63, 64, 65, 4095, 4096, 4097, 70000])
        streams[f"S{'x' * (i % 5)}{i}"] = bytes(rnd.getrandbits(8) for _ in range(size))
    streams["VBA/dir"] = b"dir"
    streams["VBA/Module1"] = b"m" * 5000
    blob = vp.build_compound_file(streams)
    ole = olefile.OleFileIO(blob, raise_defects=olefile.DEFECT_INCORRECT)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data
    _rb_check(ole)
    assert len(blob) % 512 == 0


def test_project_streams_and_modules() -> None:
    modules = [
        vp.document_module("ThisWorkbook", host="workbook"),
        vp.document_module("Sheet1"),
        vp.standard_module("Module1", 'Sub Hi()\n    MsgBox "hi"\nEnd Sub\n'),
        vp.module_from_export((XLWINGS_DIR / "Dictionary.cls").read_text("cp1252")),
    ]
    blob = vp.build_vba_project(modules)
    assert blob == vp.build_vba_project(modules)  # deterministic
    ole = olefile.OleFileIO(blob, raise_defects=olefile.DEFECT_INCORRECT)
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert "Document=ThisWorkbook/&H00000000\r\nDocument=Sheet1/&H00000000\r\n" in project
    assert "Module=Module1\r\nClass=Dictionary\r\n" in project
    for m in modules:
        text = vp.decompress(ole.openstream(f"VBA/{m.name}").read()).decode("cp1252")
        assert text == vp.stored_source(m)
    head = vp.stored_source(modules[3]).split("\r\n")[:8]
    assert head[1] == 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'
    assert head[7] == "Attribute VB_Customizable = False"


def test_non_ascii_source_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="vba_string_expr"):
        vp.build_vba_project([vp.standard_module("M", 'Sub A()\nMsgBox "校验"\nEnd Sub')])
    assert vp.vba_string_expr('校验 "x"') == 'ChrW(26657) & ChrW(39564) & " ""x"""'


def test_encryption_round_trip() -> None:
    pid = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
    # values Excel/Aspose wrote into xlwings' quickstart_standalone.xlsm
    assert vp.decrypt_project_data(pid, bytes.fromhex("8D8FA61394EA98EA98EA98EA98")) == bytes(4)
    assert vp.decrypt_project_data(pid, bytes.fromhex("8D8FA61394EF95EF9510")) == b"\xff"
    for seed in range(256):
        blob = vp.encrypt_project_data(pid, b"\0", seed)
        assert vp.decrypt_project_data(pid, blob) == b"\0"
        assert len(blob) == 3 + (seed & 6) // 2 + 4 + 1


def test_dir_stream_layout() -> None:
    blob = vp.build_vba_project([vp.standard_module("Module1", "")])
    ole = olefile.OleFileIO(blob)
    d = vp.decompress(ole.openstream("VBA/dir").read())
    ids = []
    pos = 0
    while pos < len(d):
        rec, size = struct.unpack_from("<HI", d, pos)
        ids.append(rec)
        pos += 6 + (6 if rec == 0x0009 else size)
    assert ids[:4] == [0x01, 0x02, 0x14, 0x03] and ids[-1] == 0x10
    assert ids.count(0x0D) == 2 and 0x0F in ids and 0x2C in ids
