"""sniff() on OLE2 compound files: a legacy .xls, a password-protected .xls, the container of
an encrypted .xlsx, a Word or PowerPoint file — each gets its one finding, read from the
file's directory (walked through the FAT and the DIFAT) or, when the directory cannot be
walked, from the encryption stream names in the first 64 KiB.

Every file is built here by the small MS-CFB writer in tests/fixtures/compound.py (olefile
reads them back, first test), or is a real encrypted .xlsx written by msoffcrypto-tool.
"""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import olefile
import pytest

from ledger_xl.core.findings import Finding, Severity
from ledger_xl.io import crypto
from ledger_xl.io import sniff as sniff_module
from ledger_xl.io.sniff import HEAD_BYTES, MAX_OLE_SECTORS, OLE2_MAGIC, OLE_SEARCH_BYTES, sniff
from ledger_xl.io.xlsx.ledger import build_ledger_workbook
from tests.fixtures.compound import (
    BOF5,
    BOF8,
    CODEPAGE,
    END,
    FILEPASS5,
    FILEPASS8,
    FREE,
    LOCKED_BIFF8,
    MAXREGSECT,
    PLAIN_BIFF8,
    ROOT,
    STORAGE,
    STREAM,
    WRITEPROT,
    Compound,
    Entry,
    compound,
    record,
    workbook_stream,
)

LEGACY = "这是旧版 .xls 格式；请在 Excel 中“另存为” .xlsx 后再提交"
ENCRYPTED = "文件设置了打开密码，无法读取；请去掉密码后再提交"
WORD = "无法读取：这是 Word 文档（.doc），不是 Excel 工作簿"
POWERPOINT = "无法读取：这是 PowerPoint 文件（.ppt），不是 Excel 工作簿"
MESSAGES = {"file-legacy-xls": LEGACY, "file-encrypted": ENCRYPTED}


def finds(path: Path, code: str, message: str | None = None, **options) -> Finding:
    """`path` gets exactly one finding, the error `code` with its full message."""
    found = sniff(path, **options)
    assert [(f.code, f.severity) for f in found] == [(code, Severity.ERROR)], found
    assert found[0].file == str(path)
    assert found[0].message == (message or MESSAGES[code])
    return found[0]


def encrypted_container(**options) -> Compound:
    """The layout Excel writes for a password-protected .xlsx: the encrypted package and
    its encryption description in an OLE2 container (their bytes are stand-ins: the sniff
    reads names; test_a_real_encrypted_xlsx has a real one)."""
    return compound(
        [
            Entry("\x06DataSpaces", kind=STORAGE),
            Entry("EncryptionInfo", bytes(range(256)) + b"\x04\x00\x04\x00\x40\x00\x00\x00"),
            Entry("EncryptedPackage", struct.pack("<Q", 9000) + bytes(9000)),
        ],
        **options,
    )


def xls(workbook: bytes = PLAIN_BIFF8, name: str = "Workbook", **options) -> Compound:
    return compound([Entry(name, workbook), Entry("\x05SummaryInformation", bytes(200))], **options)


# -- the writer writes real compound files ---------------------------------------------------


@pytest.fixture(scope="module")
def huge_locked_xls() -> Compound:
    """A password-protected .xls of 15 MB whose directory lies in sectors 30207-30209: the
    FAT sectors that say where it goes on (235 and 236) are past the 109 the header lists,
    one in each of the file's two DIFAT sectors."""
    big = compound(
        [Entry("Workbook", LOCKED_BIFF8), Entry("Padding", bytes(8192))],
        free_entries=6,
        directory_at=30207,
    )
    assert big.directory == [30209, 30208, 30207]
    assert len(big.fat) == 237 and len(big.difat) == 2
    return big


@pytest.mark.parametrize("shift", [9, 12])
def test_the_compound_files_built_here_are_read_by_olefile(
    tmp_path: Path, shift: int, huge_locked_xls: Compound
) -> None:
    entries = [
        Entry("Workbook", LOCKED_BIFF8),
        Entry("\x05SummaryInformation", b"summary" * 30),  # in the mini stream
        Entry("Storage", kind=STORAGE),
    ]
    streams = {"Workbook": LOCKED_BIFF8, "\x05SummaryInformation": b"summary" * 30}
    files = {
        "plain": (compound(entries, shift=shift), streams),
        "long directory": (compound(entries, shift=shift, free_entries=40), streams),
        "directory far on": (compound(entries, shift=shift, directory_at=300), streams),
    }
    if shift == 9:
        files["DIFAT"] = (huge_locked_xls, {"Workbook": LOCKED_BIFF8, "Padding": bytes(8192)})
    for label, (built, expected) in files.items():
        path = built.write(tmp_path / f"{label}.xls")
        with olefile.OleFileIO(str(path)) as ole:
            found = {"/".join(p): ole.openstream(p).read() for p in ole.listdir(storages=False)}
            kinds = {"/".join(p): ole.get_type(p) for p in ole.listdir(storages=True)}
        assert found == expected, label
        assert kinds.get("Storage") == (olefile.STGTY_STORAGE if label != "DIFAT" else None)


# -- honest files: the right finding, and no false alarm -------------------------------------


@pytest.mark.parametrize("shift", [9, 12], ids=["512-byte sectors", "4096-byte sectors"])
def test_legacy_xls(tmp_path: Path, shift: int) -> None:
    path = xls(shift=shift).write(tmp_path / "old.xls")
    finds(path, "file-legacy-xls")
    assert sniff(path, ledger=False) == []  # a list to import: python-calamine reads it


@pytest.mark.parametrize(
    "workbook", [b"", BOF8 + record(0x000A)], ids=["empty", "BOF and EOF only"]
)
def test_a_workbook_stream_in_the_mini_stream_is_not_looked_into(
    tmp_path: Path, workbook: bytes
) -> None:
    """Excel pads a workbook stream to at least 4 KiB; a smaller one (a stub a tool wrote)
    lies in the mini stream, and the sniff does not read it: an old workbook."""
    finds(xls(workbook).write(tmp_path / "stub.xls"), "file-legacy-xls")


def test_legacy_biff5_xls_renamed_xlsx(tmp_path: Path) -> None:
    path = xls(workbook_stream(BOF5, CODEPAGE), name="Book").write(tmp_path / "old.xlsx")
    finds(path, "file-legacy-xls")


@pytest.mark.parametrize(
    ("name", "workbook"),
    [
        ("Workbook", LOCKED_BIFF8),
        ("Workbook", workbook_stream(BOF8, WRITEPROT, FILEPASS8)),  # a write-protected one too
        ("Book", workbook_stream(BOF5, FILEPASS5)),  # BIFF5 (Excel 5/95)
    ],
    ids=["BIFF8", "BIFF8 write-protected", "BIFF5"],
)
@pytest.mark.parametrize("shift", [9, 12], ids=["512-byte sectors", "4096-byte sectors"])
def test_password_protected_xls(tmp_path: Path, name: str, workbook: bytes, shift: int) -> None:
    """A FILEPASS record after BOF means the .xls needs a password to open: encrypted,
    for a ledger and for a list to import alike (nobody can read it)."""
    path = xls(workbook, name=name, shift=shift).write(tmp_path / "locked.xls")
    finds(path, "file-encrypted")
    finds(path, "file-encrypted", ledger=False)


@pytest.mark.parametrize("shift", [9, 12], ids=["512-byte sectors", "4096-byte sectors"])
def test_encrypted_xlsx_container(tmp_path: Path, shift: int) -> None:
    path = encrypted_container(shift=shift).write(tmp_path / "locked.xlsx")
    finds(path, "file-encrypted")
    finds(path, "file-encrypted", ledger=False)


@pytest.fixture(scope="module")
def real_encrypted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("encrypted")
    plain = build_ledger_workbook(folder / "plain.xlsx")
    return crypto.encrypt(plain, folder / "locked.xlsx", "口令123")


def test_a_real_encrypted_xlsx(real_encrypted: Path, tmp_path: Path) -> None:
    """What msoffcrypto-tool writes (ECMA-376 agile encryption, as Excel does), and the same
    file cut in half by a download: still a password-protected file, never "legacy"."""
    finds(real_encrypted, "file-encrypted")
    data = real_encrypted.read_bytes()
    for keep in (len(data) // 2, 4096):
        cut = tmp_path / f"cut{keep}.xlsx"
        cut.write_bytes(data[:keep])
        finds(cut, "file-encrypted")


@pytest.mark.parametrize("shift", [9, 12], ids=["512-byte sectors", "4096-byte sectors"])
def test_word_and_powerpoint_files_are_not_workbooks(tmp_path: Path, shift: int) -> None:
    word = compound([Entry("WordDocument", bytes(5000)), Entry("1Table", bytes(300))], shift=shift)
    finds(word.write(tmp_path / "letter.xls"), "file-unreadable", WORD)
    finds(word.write(tmp_path / "letter.xls"), "file-unreadable", WORD, ledger=False)
    slides = compound(
        [Entry("PowerPoint Document", bytes(5000)), Entry("Current User", bytes(60))], shift=shift
    )
    finds(slides.write(tmp_path / "slides.xls"), "file-unreadable", POWERPOINT)


@pytest.mark.parametrize("shift", [9, 12], ids=["512-byte sectors", "4096-byte sectors"])
def test_a_workbook_embedded_in_a_document_is_not_the_files_own(tmp_path: Path, shift: int):
    """A Word or PowerPoint file holding an Excel object keeps the object's streams in a
    storage of its own (ObjectPool/_1234 in Word, an OLE object storage in PowerPoint): the
    file is still a document, not a legacy .xls."""
    word = compound(
        [
            Entry("WordDocument", bytes(5000)),
            Entry("ObjectPool", kind=STORAGE),
            Entry("_1700000001", kind=STORAGE, parent="ObjectPool"),
            Entry("Workbook", PLAIN_BIFF8, parent="_1700000001"),
            Entry("1Table", bytes(300)),
        ],
        shift=shift,
    )
    assert olefile.OleFileIO(bytes(word.data)).exists("ObjectPool/_1700000001/Workbook")
    finds(word.write(tmp_path / "letter.xls"), "file-unreadable", WORD)
    slides = compound(
        [
            Entry("PowerPoint Document", bytes(5000)),
            Entry("MBD0001", kind=STORAGE),
            Entry("Workbook", LOCKED_BIFF8, parent="MBD0001"),
            Entry("EncryptionInfo", bytes(200), parent="MBD0001"),
        ],
        shift=shift,
    )
    finds(slides.write(tmp_path / "slides.xls"), "file-unreadable", POWERPOINT)


@pytest.mark.parametrize("free_entries", [0, 1], ids=["packed", "an unused entry after the root"])
def test_names_inside_a_storage_of_a_workbook_do_not_count(
    tmp_path: Path, free_entries: int
) -> None:
    """An .xls whose own workbook stream is plain is a legacy .xls, whatever an embedded
    object's storage holds (an encrypted package's names there are the object's); an unused
    entry between the root and the others changes nothing."""
    built = compound(
        [
            Entry("Workbook", PLAIN_BIFF8),
            Entry("MBD0002", kind=STORAGE),
            Entry("EncryptionInfo", bytes(200), parent="MBD0002"),
            Entry("EncryptedPackage", bytes(5000), parent="MBD0002"),
        ],
        free_entries=free_entries,
    )
    finds(built.write(tmp_path / "book.xls"), "file-legacy-xls")


@pytest.mark.parametrize("first", ["unused", "a storage", "a stream"])
def test_a_directory_not_starting_with_the_root_falls_back_to_every_name(
    tmp_path: Path, first: str
) -> None:
    """The tree starts at the root entry, the directory's first: when that entry is unused or
    of another type, the tree is not followed and every named entry counts."""
    built = compound(
        [Entry("WordDocument", bytes(5000)), Entry("EncryptionInfo", bytes(200), parent="x")]
    )
    root = built.entry_offsets["WordDocument"] - 128
    kind = {"unused": 0, "a storage": STORAGE, "a stream": STREAM}[first]
    struct.pack_into("<B", built.data, root + 66, kind)
    finds(built.write(tmp_path / "odd.doc"), "file-encrypted")


@pytest.mark.parametrize("link", ["loop", "past the end", "to the root", "to a free entry"])
def test_a_tree_that_cannot_be_followed_falls_back_to_every_name(tmp_path: Path, link: str):
    """A damaged tree (a sibling link that loops, points past the directory, back to the
    root or to an unused entry): every named entry counts, as before the tree was followed."""
    built = compound(
        [Entry("WordDocument", bytes(5000)), Entry("EncryptionInfo", bytes(200), parent="x")],
        free_entries=1,
    )
    target = {"loop": 2, "past the end": 1000, "to the root": 0, "to a free entry": 1}[link]
    struct.pack_into("<I", built.data, built.entry_offsets["WordDocument"] + 72, target)
    finds(built.write(tmp_path / "damaged.doc"), "file-encrypted")


@pytest.mark.parametrize("length", [0, 3, 66, 0x100])
def test_a_tree_through_an_entry_whose_name_length_is_impossible_falls_back(
    tmp_path: Path, length: int
) -> None:
    """A stream entry whose name length is odd, or past the 64 bytes a name has, is no entry:
    a tree that links to it cannot be followed, and every named entry counts."""
    built = compound(
        [Entry("WordDocument", bytes(5000)), Entry("EncryptionInfo", bytes(200), parent="x")],
        free_entries=1,
    )
    free = built.entry_offsets["WordDocument"] - 128  # the unused entry just before it
    struct.pack_into("<HB", built.data, free + 64, length, STREAM)
    struct.pack_into("<III", built.data, free + 68, FREE, FREE, FREE)  # no links of its own
    struct.pack_into("<I", built.data, built.entry_offsets["WordDocument"] + 72, 1)
    finds(built.write(tmp_path / "damaged.doc"), "file-encrypted")


def test_a_red_black_tree_is_followed_through_left_and_right_siblings(tmp_path: Path) -> None:
    """Excel writes the root's entries as a red-black tree, each with a left and a right
    sibling: every branch is followed, not only the last one met."""
    built = compound(
        [
            Entry("EncryptionInfo", bytes(200)),
            Entry("Workbook", PLAIN_BIFF8),
            Entry("\x05SummaryInformation", bytes(200)),
        ]
    )
    offsets = built.entry_offsets
    root = offsets["EncryptionInfo"] - 128
    struct.pack_into("<I", built.data, root + 76, 2)  # the root's child: the middle entry
    struct.pack_into("<II", built.data, offsets["Workbook"] + 68, 1, 3)  # its left and right
    for leaf in ("EncryptionInfo", "\x05SummaryInformation"):
        struct.pack_into("<II", built.data, offsets[leaf] + 68, FREE, FREE)
    ole = olefile.OleFileIO(bytes(built.data))
    assert sorted(ole.listdir()) == [["\x05SummaryInformation"], ["EncryptionInfo"], ["Workbook"]]
    finds(built.write(tmp_path / "locked.xls"), "file-encrypted")


def test_another_compound_file_is_taken_for_an_old_workbook(tmp_path: Path) -> None:
    """A compound file with none of the names the sniff knows (here only property sets):
    most likely a workbook of old, or one a tool wrote oddly."""
    other = compound([Entry("\x05SummaryInformation", bytes(300)), Entry("Contents", bytes(5000))])
    finds(other.write(tmp_path / "odd.xls"), "file-legacy-xls")


def test_english_messages(tmp_path: Path) -> None:
    (found,) = sniff(xls().write(tmp_path / "old.xls"), lang="en")
    assert (found.code, found.message) == (
        "file-legacy-xls",
        "This is a legacy .xls file; save it as .xlsx",
    )


# -- walking the directory: FAT, DIFAT, odd ends ---------------------------------------------


def test_a_directory_of_many_sectors_is_followed_through_the_fat(tmp_path: Path) -> None:
    # 40 unused entries push the names into the 11th directory sector
    built = encrypted_container(free_entries=40)
    assert len(built.directory) == 11
    finds(built.write(tmp_path / "locked.xlsx"), "file-encrypted")


def test_a_directory_reached_through_the_difat(tmp_path: Path, huge_locked_xls: Compound) -> None:
    finds(huge_locked_xls.write(tmp_path / "huge.xls"), "file-encrypted")


@pytest.mark.parametrize("first", [MAXREGSECT, END, FREE], ids=hex)
def test_a_difat_chain_that_ends_at_once(tmp_path: Path, first: int) -> None:
    """The header counts a DIFAT sector but its chain starts at a special value
    (0xFFFFFFFA and up): there is none, the header's FAT list is used."""
    built = xls(LOCKED_BIFF8)
    built.set_header(68, "<II", first, 1)
    finds(built.write(tmp_path / "locked.xls"), "file-encrypted")


@pytest.mark.parametrize("last", [MAXREGSECT, FREE], ids=hex)
def test_a_directory_chain_ends_at_any_special_sector_number(tmp_path: Path, last: int) -> None:
    built = xls(LOCKED_BIFF8, free_entries=8)
    assert len(built.directory) == 3
    built.set_fat(built.directory[-1], last)
    finds(built.write(tmp_path / "locked.xls"), "file-encrypted")


def sniff_in_time(path: Path, seconds: float = 20.0) -> list[Finding]:
    """sniff(path), failing (not hanging) when it does not come back."""
    result: list[list[Finding]] = []
    worker = threading.Thread(target=lambda: result.append(sniff(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, "sniff did not come back: a FAT loop was followed for ever"
    return result[0]


@pytest.mark.parametrize("back_to", [0, -1], ids=["first sector", "itself"])
def test_a_directory_chain_that_loops_is_followed_once(tmp_path: Path, back_to: int) -> None:
    built = xls(LOCKED_BIFF8, free_entries=8)
    built.set_fat(built.directory[-1], built.directory[back_to])
    path = built.write(tmp_path / "loop.xls")
    assert [f.code for f in sniff_in_time(path)] == ["file-encrypted"]


@pytest.mark.parametrize(("sector", "code"), [(4096, "file-encrypted"), (4097, "file-legacy-xls")])
def test_the_directory_is_followed_for_at_most_4096_sectors(
    tmp_path: Path, sector: int, code: str
) -> None:
    """A hostile directory chain could be millions of sectors long: the sniff follows 4096
    (16,384 entries) — names in the 4096th sector count, in the 4097th they are not read."""
    assert MAX_OLE_SECTORS == 4096
    per_sector = 4
    built = compound(
        [Entry("EncryptionInfo", bytes(100))], free_entries=(sector - 1) * per_sector - 1
    )
    assert len(built.directory) == sector
    finds(built.write(tmp_path / "long.xlsx"), code)


def test_an_entry_name_that_is_not_utf16_does_not_stop_the_walk(tmp_path: Path) -> None:
    built = compound([Entry("\ud800\udc00\ud800junk", bytes(10)), Entry("Workbook", LOCKED_BIFF8)])
    finds(built.write(tmp_path / "locked.xls"), "file-encrypted")


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (STREAM, "file-encrypted"),
        (STORAGE, "file-encrypted"),
        (ROOT, "file-legacy-xls"),  # a second root is in no storage: it does not count
        (0, "file-legacy-xls"),  # unused: a stale name in a freed entry does not count
        (3, "file-legacy-xls"),
        (4, "file-legacy-xls"),
        (6, "file-legacy-xls"),
    ],
)
def test_the_names_of_streams_storages_and_the_root_count(
    tmp_path: Path, kind: int, code: str
) -> None:
    """The sniff judges a compound file by the names of the entries directly under its root
    (a stream or a storage); an unused entry's leftover name, an entry outside the tree and
    the other entry types do not count."""
    built = compound([Entry("Workbook", PLAIN_BIFF8), Entry("EncryptionInfo", kind=kind)])
    finds(built.write(tmp_path / "odd.xls"), code)


def test_garbage_in_the_high_half_of_a_stream_size_is_tolerated(tmp_path: Path) -> None:
    """MS-CFB: some old writers left the high 32 bits of a version-3 stream size
    uninitialised; the workbook stream is still looked at."""
    built = xls(LOCKED_BIFF8)
    struct.pack_into("<I", built.data, built.entry_offsets["Workbook"] + 124, 0xDEADBEEF)
    finds(built.write(tmp_path / "locked.xls"), "file-encrypted")


# -- a directory that cannot be walked: the names in the first 64 KiB ------------------------


def test_a_fat_pointing_outside_the_file_falls_back_to_the_name_search(tmp_path: Path) -> None:
    locked = encrypted_container(free_entries=8)
    locked.set_fat(locked.directory[0], 1_000_000)  # the rest of the directory: nowhere
    finds(locked.write(tmp_path / "locked.xlsx"), "file-encrypted")
    word = compound([Entry("WordDocument", bytes(5000))], free_entries=8)
    word.set_fat(word.directory[0], 1_000_000)
    finds(word.write(tmp_path / "letter.doc"), "file-legacy-xls")


def test_a_fat_sector_the_header_does_not_list_is_not_read(tmp_path: Path) -> None:
    """The directory (sector 140) goes on in the FAT's second sector, which the header's
    list marks free: the walk stops there (the header itself is never read as a FAT) and
    the file is judged by the names in its first 64 KiB — none, the directory lies past."""
    built = xls(LOCKED_BIFF8, directory_at=140)
    assert built.offset(140) > OLE_SEARCH_BYTES and len(built.fat) == 2
    built.set_header(76 + 4, "<I", FREE)
    finds(built.write(tmp_path / "damaged.xls"), "file-legacy-xls")


@pytest.mark.parametrize("first", [MAXREGSECT, END, FREE], ids=hex)
def test_a_header_that_lost_its_directory_falls_back_to_the_name_search(
    tmp_path: Path, first: int
) -> None:
    locked = encrypted_container()
    locked.set_header(48, "<I", first)  # the first directory sector: none
    finds(locked.write(tmp_path / "locked.xlsx"), "file-encrypted")
    old = xls(LOCKED_BIFF8)
    old.set_header(48, "<I", first)
    finds(old.write(tmp_path / "old.xls"), "file-legacy-xls")


def test_a_free_directory_start_is_not_read_as_the_header(tmp_path: Path) -> None:
    """Sector numbers are unsigned: 0xFFFFFFFF (free) is not sector -1, the header. Read as
    a directory sector, the header's FAT entry would lead on through the 109th FAT sector
    to sector 13,950 — where this 7 MB file's workbook entry lies."""
    built = compound([Entry("Workbook", LOCKED_BIFF8)], free_entries=3, directory_at=13950)
    assert built.directory == [13951, 13950] and len(built.fat) > 108
    finds(built.write(tmp_path / "intact.xls"), "file-encrypted")
    built.set_header(48, "<I", FREE)
    finds(built.write(tmp_path / "damaged.xls"), "file-legacy-xls")


def test_an_unusable_header_falls_back_to_the_name_search(tmp_path: Path) -> None:
    data = encrypted_container().data
    struct.pack_into("<H", data, 30, 7)  # an impossible sector size
    path = tmp_path / "odd.xlsx"
    path.write_bytes(bytes(data))
    finds(path, "file-encrypted")
    data[512:] = bytes(len(data) - 512)  # no names anywhere
    path.write_bytes(bytes(data))
    finds(path, "file-legacy-xls")
    path.write_bytes(OLE2_MAGIC + bytes(300))  # shorter than a header
    finds(path, "file-legacy-xls")


@pytest.mark.parametrize(("end", "code"), [(65536, "file-encrypted"), (65537, "file-legacy-xls")])
def test_the_name_search_reads_exactly_the_first_64_kib(
    tmp_path: Path, end: int, code: str
) -> None:
    assert OLE_SEARCH_BYTES == 65536
    name = "EncryptionInfo".encode("utf-16-le")
    header = bytearray(OLE2_MAGIC + bytes(504))
    struct.pack_into("<H", header, 30, 7)  # unusable: the directory is not walked
    data = bytes(header).ljust(end - len(name), b"\0") + name + bytes(1000)
    path = tmp_path / "odd.xlsx"
    path.write_bytes(data)
    finds(path, code)


# -- the BIFF records of the workbook stream -------------------------------------------------

FILLER = record(0x0042, struct.pack("<H", 1200))  # CODEPAGE, 6 bytes


@pytest.mark.parametrize(
    ("records", "code"),
    [
        ((BOF8, *[FILLER] * 14, FILEPASS8), "file-encrypted"),  # the 16th record
        ((BOF8, *[FILLER] * 15, FILEPASS8), "file-legacy-xls"),  # the 17th: not looked at
        ((BOF8, record(0x00FC, bytes(484)), FILEPASS8), "file-encrypted"),  # header at 508
        ((BOF8, record(0x00FC, bytes(486)), FILEPASS8), "file-legacy-xls"),  # cut at 510
        ((record(0x0001, bytes(4)), FILEPASS8), "file-legacy-xls"),  # not BIFF: no BOF first
    ],
    ids=["16th", "17th", "at 508", "at 510", "no BOF"],
)
def test_filepass_is_looked_for_in_the_first_sector_and_16_records(
    tmp_path: Path, records: tuple[bytes, ...], code: str
) -> None:
    """FILEPASS follows BOF (MS-XLS); the sniff reads the records that start in the
    stream's first sector, at most 16 of them, and only in a stream that starts like BIFF."""
    built = xls(workbook_stream(*records))
    finds(built.write(tmp_path / "book.xls"), code)


def test_record_lengths_are_unsigned(tmp_path: Path) -> None:
    """A record of 0xFFF4 bytes runs past the first sector (it is not 12 bytes back, onto
    bytes inside another record that happen to read 2F 00)."""
    inside = record(0x00FC, FILEPASS8[:8])  # a record whose data looks like FILEPASS
    workbook = workbook_stream(BOF8, inside, struct.pack("<HH", 0x00EB, 0xFFF4))
    finds(xls(workbook).write(tmp_path / "book.xls"), "file-legacy-xls")


def test_a_workbook_stream_starting_past_the_end_of_the_file(tmp_path: Path) -> None:
    """A damaged or cut file whose directory says the workbook starts past its end: an old
    workbook that cannot be read, not a password-protected one."""
    built = xls(LOCKED_BIFF8)
    struct.pack_into("<I", built.data, built.entry_offsets["Workbook"] + 116, 50_000)
    finds(built.write(tmp_path / "cut.xls"), "file-legacy-xls")


@pytest.mark.parametrize("cutoff", [0, 0x10000, 0xFFFFFFFF])
def test_the_mini_stream_cutoff_is_4096_whatever_the_header_says(
    tmp_path: Path, cutoff: int
) -> None:
    """MS-CFB: the cutoff MUST be 4096 (olefile, too, uses 4096 whatever the header says):
    a 4 KiB workbook stream lies in regular sectors and is looked at."""
    built = xls(LOCKED_BIFF8, cutoff_field=cutoff)
    finds(built.write(tmp_path / "locked.xls"), "file-encrypted")


def test_a_sector_is_read_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "short.xls"
    path.write_bytes(bytes(512) + b"A" * 512 + b"B" * 100)
    with path.open("rb") as fh:
        assert sniff_module._sector(fh, 1124, 512, 0) == b"A" * 512
        for index in (1, 2, MAXREGSECT, END, FREE):  # cut short, past the end, special
            with pytest.raises(ValueError):
                sniff_module._sector(fh, 1124, 512, index)


# -- reading only what it needs --------------------------------------------------------------


class _Counted:
    """A file object that counts the bytes read through it."""

    def __init__(self, fh, counts: list[int]) -> None:
        self._fh, self._counts = fh, counts

    def read(self, n: int | None = -1) -> bytes:
        data = self._fh.read(n)
        self._counts.append(len(data))
        return data

    def __getattr__(self, name: str):
        return getattr(self._fh, name)

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def bytes_read_by_sniff(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Finding], int]:
    counts: list[int] = []

    class CountingPath(type(Path())):
        def open(self, *args, **kwargs):
            return _Counted(super().open(*args, **kwargs), counts)

    monkeypatch.setattr(sniff_module, "Path", CountingPath)
    found = sniff(path)
    monkeypatch.undo()
    return found, sum(counts)


def test_a_large_xls_is_sniffed_reading_a_few_kib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, huge_locked_xls: Compound
) -> None:
    path = huge_locked_xls.write(tmp_path / "huge.xls")
    found, read = bytes_read_by_sniff(path, monkeypatch)
    assert [f.code for f in found] == ["file-encrypted"]
    # the first 8 KiB, the header, a FAT sector per directory sector, the directory, DIFAT
    # sectors and the workbook stream's first sector
    assert read <= HEAD_BYTES + 16 * 512, read


def test_the_name_search_reads_only_the_first_64_kib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = bytearray(OLE2_MAGIC + bytes(504))
    struct.pack_into("<H", header, 30, 7)
    path = tmp_path / "odd.xls"
    path.write_bytes(bytes(header) + bytes(2_000_000))
    found, read = bytes_read_by_sniff(path, monkeypatch)
    assert [f.code for f in found] == ["file-legacy-xls"]
    assert read <= HEAD_BYTES + 512 + OLE_SEARCH_BYTES, read
