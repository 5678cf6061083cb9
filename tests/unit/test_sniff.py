"""sniff(): every kind of bad input gets exactly one clear file-level finding, never a traceback.

Every fixture is made here, as small as it can be: one built ledger workbook (shared by the
module), and zip rewrites, text files and random bytes derived from it. OLE2 compound files
(legacy and password-protected .xls, encrypted .xlsx): test_sniff_ole.py.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from ledger_xl.core.findings import CATALOGUE, Finding, Severity
from ledger_xl.core.layout import SHEET_LEDGER
from ledger_xl.io import sniff as sniff_module
from ledger_xl.io.sniff import (
    DETAIL_NO_WORKBOOK,
    DETAIL_WEB,
    DETAIL_ZIP_BOMB,
    OLE2_MAGIC,
    excel_owner_files,
    fatal,
    sniff,
)
from ledger_xl.io.xlsx.ledger import build_ledger_workbook
from tests.fixtures.compound import Entry, compound
from tests.fixtures.hostile import corrupt_deflate

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
    )
    + "]>\n"
)


@pytest.fixture(scope="module")
def ok_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ledger_workbook(tmp_path_factory.mktemp("built") / "ok.xlsx")


@pytest.fixture
def ok(ok_book: Path, tmp_path: Path) -> Path:
    """A private copy of the built workbook, so no test can touch another's input."""
    return Path(shutil.copy(ok_book, tmp_path / "ok.xlsx"))


def only(findings: list[Finding], code: str, path: Path, severity=Severity.ERROR) -> Finding:
    assert [f.code for f in findings] == [code], findings
    found = findings[0]
    assert found.severity is severity
    assert found.file == str(path)
    assert found.message.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in found.message)  # the Chinese message
    return found


def rewrite(src: Path, dst: Path, replace: dict[str, bytes] | None = None) -> Path:
    """A NEW zip: `src`'s members, some replaced (never modifies `src`)."""
    replace = replace or {}
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info)))
    return dst


def with_doctype(xml: bytes, doctype: str = BILLION_LAUGHS, padding: str = "") -> bytes:
    """`xml` with `padding` and a DOCTYPE put right after its XML declaration."""
    declaration, _, rest = xml.partition(b"?>")
    return declaration + b"?>\n" + (padding + doctype).encode() + rest


# -- the good file -------------------------------------------------------------------------


def test_built_workbook_has_no_findings(ok: Path) -> None:
    assert sniff(ok) == []
    assert not fatal(sniff(ok))


def test_xlsxwriter_workbook_with_ledger_sheet_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet(SHEET_LEDGER)
    book.close()
    assert sniff(path) == []


# -- missing and empty ---------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.xlsx"
    only(sniff(path), "file-not-found", path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    found = only(sniff(folder), "file-unreadable", folder)
    assert "不是普通文件" in found.message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    only(sniff(path), "file-empty", path)


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\xef\xbb\xbf \r\n\r\n")
    only(sniff(path), "file-empty", path)


def test_empty_zip_archive_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "nothing.xlsx"
    zipfile.ZipFile(path, "w").close()
    only(sniff(path), "file-empty", path)


# -- not a zip -----------------------------------------------------------------------------


def test_random_bytes_are_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "noise.xlsx"
    path.write_bytes(bytes([0x00, 0x9F, 0xFF, 0x13]) + random.Random(1).randbytes(3000))
    only(sniff(path), "file-not-zip", path)


@pytest.mark.parametrize(
    "text",
    [
        "这是一段说明文字\n没有任何分隔符\n第三行\n",
        "XXX\n",  # a placeholder
        "\u3000\u3000\n\u3000\n",  # full-width spaces only: no line with content
        # a letter: one line with a comma among lines of prose is not a table
        "尊敬的客户，您好\n感谢您一直以来的支持\n特此通知\n此致敬礼\n",
        # the last line read is never counted (it may be cut short): a line of prose and
        # one line with commas is too little to call it a table
        "报表说明\n客户编号,客户名称\n",
        # only the first six lines are looked at (then without the last): 2 of 5 delimited
        "a,b\nc,d\n说明一\n说明二\n说明三\ne,f\ng,h\ni,j\n",
    ],
    ids=["prose", "XXX", "full-width spaces", "letter", "two lines", "first six lines"],
)
def test_plain_text_that_is_not_a_table_is_not_a_zip(tmp_path: Path, text: str) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text(text, encoding="utf-8")
    found = only(sniff(path), "file-not-zip", path)
    assert found.message == CATALOGUE["file-not-zip"].zh


def test_text_cut_inside_a_character_is_not_text(tmp_path: Path) -> None:
    """A file read whole that ends in half a UTF-8 character is not text (a CSV is never
    cut there); only the end of the first 8 KiB of a longer file may cut a character."""
    path = tmp_path / "odd.xlsx"
    path.write_bytes(b"a,b\nc,d" + "华".encode()[:1])
    only(sniff(path), "file-not-zip", path)


def test_blank_start_of_a_longer_file_is_not_empty(tmp_path: Path) -> None:
    """Only blanks in the first 8 KiB, something after them: not an empty file."""
    path = tmp_path / "spaced.xlsx"
    path.write_bytes(b" " * 9000 + "客户编号,客户名称\n".encode())
    only(sniff(path), "file-not-zip", path)


def test_truncated_workbook(ok: Path, tmp_path: Path) -> None:
    data = ok.read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(data[: len(data) // 2])
    only(sniff(path), "file-truncated", path)


def test_damaged_workbook_xml_is_truncated(ok: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read("xl/workbook.xml")
    path = rewrite(ok, tmp_path / "cut.xlsx", {"xl/workbook.xml": xml[: len(xml) // 2]})
    only(sniff(path), "file-truncated", path)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("renamed.xlsx", "客户编号,客户名称,分公司\nC001,华东机电有限公司,上海\n".encode()),
        ("real.csv", "\ufeff客户编号,客户名称\r\nC001,华东机电\r\n".encode()),
        ("gbk.csv", "客户编号,客户名称\nC001,华东机电\n".encode("gbk")),
        (
            "tabs.xls",
            "客户编号\t客户名称\nC001\t华东机电\n".encode("utf-16"),
        ),  # Excel "Unicode text"
        ("one_column.csv", "客户编号\nC001\nC002\n".encode()),
        ("big_endian.xls", b"\xfe\xff" + "客户编号\t客户名称\nC001\t华东\n".encode("utf-16-be")),
        # half of the lines counted (the first four of five) have a delimiter
        ("half.xlsx", "客户编号,客户名称\n说明\nC001,华东\n备注\n末行\n".encode()),
        # an old DOS program's Ctrl-Z at the end: 1 control character in 100 is still text
        ("dos.xlsx", (("C01,AB\r\n" * 20)[:99] + "\x1a").encode()),
    ],
)
def test_csv(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    found = only(sniff(path), "file-csv", path)
    assert found.message == CATALOGUE["file-csv"].zh


def test_csv_whose_first_8_kib_end_inside_a_character(tmp_path: Path) -> None:
    data = ("客户编号,客户名称\n" + "C0001,华东机电有限公司\n" * 600).encode()
    with pytest.raises(UnicodeDecodeError):
        data[: sniff_module.HEAD_BYTES].decode()  # the cut is inside a character
    path = tmp_path / "long.xlsx"
    path.write_bytes(data)
    only(sniff(path), "file-csv", path)


def test_more_control_characters_than_1_in_100_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "dos.xlsx"
    path.write_bytes((("C01,AB\r\n" * 20)[:98] + "\x1a").encode())  # 1 in 99
    only(sniff(path), "file-not-zip", path)


@pytest.mark.parametrize(
    "text",
    [
        "<html><body><table><tr><td>客户编号</td><td>客户名称</td></tr></table></body></html>",
        '\ufeff<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook/>',
        "\r\n  <table border=1><tr><td>C001</td></tr></table>",
        "\ufeff\ufeff<html><body>C001</body></html>",  # a tool that wrote its BOM twice
        # "single file web page" (.mht), what Excel writes for 另存为 单个文件网页
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart"\r\n',
        'mime-version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n',
    ],
    ids=["html", "xml", "blank lines first", "two BOMs", "mht", "mht lower case"],
)
def test_web_page_or_xml_saved_as_xls(tmp_path: Path, text: str) -> None:
    path = tmp_path / "export.xls"
    path.write_text(text, encoding="utf-8")
    found = only(sniff(path), "file-unreadable", path)
    assert found.message == "无法读取：" + DETAIL_WEB


@pytest.mark.parametrize("size", [165, 4095])
def test_excel_owner_file_itself_is_explained(tmp_path: Path, size: int) -> None:
    path = tmp_path / "~$ok.xlsx"
    owner = b"\x05Alice" + b" " * 48 + "Alice".encode("utf-16-le")
    path.write_bytes(owner.ljust(size, b"\0"))
    found = only(sniff(path), "file-unreadable", path)
    assert (
        found.message == "无法读取：这是 Excel 打开工作簿时留下的 ~$ 锁定文件，不是工作簿，可忽略"
    )


def test_a_large_file_named_like_an_owner_file_is_not_one(tmp_path: Path) -> None:
    """Excel's owner files are 165 bytes; from 4 KiB on, a ~$ name is just a name."""
    path = tmp_path / "~$ok.xlsx"
    path.write_bytes(b"\x05Alice".ljust(4096, b"\0"))
    only(sniff(path), "file-not-zip", path)


# -- zip contents --------------------------------------------------------------------------


def zip_of(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


XLSB = {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>"}
XLSB["xl/workbook.bin"] = "\x83\x01\x00"
ODS = {
    "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
    "content.xml": "<office:document-content/>",
    "META-INF/manifest.xml": "<manifest:manifest/>",
}


@pytest.mark.parametrize(
    ("members", "detail"),
    [
        ({"[Content_Types].xml": "<Types/>", "readme.txt": "hello"}, DETAIL_NO_WORKBOOK),
        (
            {"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"},
            "这是 Word 文档（.docx），不是 Excel 工作簿",
        ),
        (XLSB, "这是 .xlsb 二进制工作簿；请在 Excel 中“另存为” .xlsx"),
        (ODS, "这是 OpenDocument（.ods 等）文件；请“另存为” .xlsx"),
        (  # an e-book: a mimetype member, but no content.xml
            {
                "mimetype": "application/epub+zip",
                "META-INF/container.xml": "<container/>",
                "OEBPS/content.opf": "<package/>",
            },
            DETAIL_NO_WORKBOOK,
        ),
        ({"content.xml": "<document/>", "styles.xml": "<styles/>"}, DETAIL_NO_WORKBOOK),
    ],
    ids=["zip", "docx", "xlsb", "ods", "epub", "content.xml only"],
)
def test_a_zip_that_is_not_an_xlsx(tmp_path: Path, members: dict[str, str], detail: str) -> None:
    path = zip_of(tmp_path / "other.xlsx", members)
    found = only(sniff(path), "file-unreadable", path)
    assert found.message == "无法读取：" + detail


EPUB = {
    "mimetype": "application/epub+zip",
    "META-INF/container.xml": "<container/>",
    "OEBPS/content.opf": "<package/>",
}


@pytest.mark.parametrize(
    "members",
    [EPUB, {"content.xml": "<document/>", "styles.xml": "<styles/>"}],
    ids=["epub", "content.xml only"],
)
def test_a_zip_with_half_an_opendocument_is_no_list_to_import(tmp_path, members):
    """An OpenDocument file needs both its mimetype and its content.xml; either alone is some
    other zip, refused as a list to import as well as a ledger."""
    path = zip_of(tmp_path / "list.xlsx", members)
    found = only(sniff(path, ledger=False), "file-unreadable", path)
    assert found.message == "无法读取：" + DETAIL_NO_WORKBOOK


@pytest.mark.parametrize("members", [XLSB, ODS], ids=["xlsb", "ods"])
def test_xlsb_and_ods_lists_can_be_imported(tmp_path: Path, members: dict[str, str]) -> None:
    """python-calamine reads them: as a list to import (not a ledger) they pass."""
    assert sniff(zip_of(tmp_path / "list.xlsx", members), ledger=False) == []


def test_no_ledger_sheet(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Sheet1")
    book.close()
    found = only(sniff(path), "ledger-sheet-missing", path)
    assert found.value == SHEET_LEDGER
    assert SHEET_LEDGER in found.message


@pytest.mark.parametrize(
    "member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]
)
def test_billion_laughs(ok: Path, tmp_path: Path, member: str) -> None:
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read(member)
    path = rewrite(ok, tmp_path / "bomb.xlsx", {member: with_doctype(xml)})
    only(sniff(path), "file-xml-bomb", path)


def test_doctype_hidden_behind_a_long_comment(ok: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read("docProps/core.xml")
    padding = "<!--" + "x" * 10_000 + "-->\n"
    external = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    path = rewrite(
        ok, tmp_path / "xxe.xlsx", {"docProps/core.xml": with_doctype(xml, external, padding)}
    )
    only(sniff(path), "file-xml-bomb", path)


def test_defusedxml_refuses_what_the_prolog_scan_would_miss(
    ok: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read("xl/workbook.xml")
    path = rewrite(ok, tmp_path / "bomb.xlsx", {"xl/workbook.xml": with_doctype(xml)})
    monkeypatch.setattr(sniff_module, "_check_prolog", lambda archive, info: None)
    only(sniff(path), "file-xml-bomb", path)


def test_malformed_workbook_xml(ok: Path, tmp_path: Path) -> None:
    path = rewrite(ok, tmp_path / "bad.xlsx", {"xl/workbook.xml": b"<workbook><sheets></x>"})
    found = only(sniff(path), "file-unreadable", path)
    assert "xl/workbook.xml" in found.message


@pytest.mark.parametrize("declared", [3 << 30, 150 << 20])
def test_zip_bomb_sizes(ok: Path, tmp_path: Path, declared: int) -> None:
    """A member declaring 3 GiB, or 150 MiB at a ratio far above 200 (sizes as the central
    directory states them: the reader trusts them, so does sniff)."""
    path = tmp_path / "zipbomb.xlsx"
    with zipfile.ZipFile(ok) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        new.writestr("xl/media/big.bin", b"\0" * 100_000)
        new.getinfo("xl/media/big.bin").file_size = declared  # written to the central directory
    found = only(sniff(path), "file-unreadable", path)
    assert DETAIL_ZIP_BOMB in found.message


# -- Excel holds the file open -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("ok.xlsx", "~$ok.xlsx"),
        ("客户审核台账_演示.xlsx", "~$客户审核台账_演示.xlsx"),
        ("客户审核台账_演示.xlsx", "~$审核台账_演示.xlsx"),  # long name: first two dropped
        ("branch_east.xlsx", "~$anch_east.xlsx"),
    ],
)
def test_open_in_excel_warning(ok: Path, tmp_path: Path, name: str, owner: str) -> None:
    path = Path(shutil.copy(ok, tmp_path / name)) if name != ok.name else ok
    (tmp_path / owner).write_bytes(b"\x05Alice" + b" " * 48)
    found = only(sniff(path), "file-open-in-excel", path, Severity.WARNING)
    assert "~$" in found.message
    assert not fatal([found])


def test_open_in_excel_warning_comes_with_the_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "~$broken.xlsx").write_bytes(b"\x05Alice")
    found = sniff(path)
    assert [(f.code, f.severity) for f in found] == [
        ("file-truncated", Severity.ERROR),
        ("file-open-in-excel", Severity.WARNING),
    ]


def test_owner_file_names() -> None:
    folder = Path("/data")
    assert excel_owner_files(folder / "ab.xlsx") == [folder / "~$ab.xlsx"]
    assert excel_owner_files(folder / "abcdefgh.xlsx") == [
        folder / "~$abcdefgh.xlsx",
        folder / "~$cdefgh.xlsx",
    ]
    assert excel_owner_files(folder / "~$ab.xlsx") == []


# -- never raises, never writes ------------------------------------------------------------


def _mutations(valid: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for i in range(count):
        kind = i % 6
        if kind == 0:
            out.append(rng.randbytes(rng.randint(0, 3000)))
        elif kind == 1:  # flipped bytes anywhere
            data = bytearray(valid)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            out.append(bytes(data))
        elif kind == 2:  # cut anywhere
            out.append(valid[: rng.randrange(len(valid))])
        elif kind == 3:  # flipped bytes in the central directory and end record
            data = bytearray(valid)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data) - 3000, len(data))] = rng.randrange(256)
            out.append(bytes(data))
        elif kind == 4:  # an OLE2 header and noise
            out.append(OLE2_MAGIC + rng.randbytes(rng.randint(0, 5000)))
        else:  # a zip signature and noise, or a valid start and noise
            start = b"PK\x03\x04" if rng.random() < 0.5 else valid[: rng.randrange(len(valid))]
            out.append(start + rng.randbytes(rng.randint(0, 3000)))
    return out


def test_never_raises_on_random_bytes_and_mutations(ok: Path, tmp_path: Path) -> None:
    rng = random.Random(0)
    valid = ok.read_bytes()
    codes: set[str] = set()
    for i, data in enumerate(_mutations(valid, rng, 200)):
        path = tmp_path / f"fuzz{i}.xlsx"
        path.write_bytes(data)
        found = sniff(path)  # must not raise
        errors = [f for f in found if f.severity is Severity.ERROR]
        assert len(errors) <= 1, (i, found)
        for f in found:
            assert f.code in CATALOGUE
            assert f.message.strip()
        codes.update(f.code for f in found)
    assert {"file-not-zip", "file-truncated", "file-legacy-xls"} <= codes


def test_input_bytes_are_unchanged(ok: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read("xl/workbook.xml")
    paths = [
        ok,
        rewrite(ok, tmp_path / "bomb.xlsx", {"xl/workbook.xml": with_doctype(xml)}),
        compound(
            [Entry("EncryptionInfo", bytes(300)), Entry("EncryptedPackage", bytes(5000))]
        ).write(tmp_path / "locked.xlsx"),
    ]
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in paths}
    for p in paths:
        sniff(p)
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in paths}
    assert after == before


# -- damaged members: the central directory is fine, a member's bytes are not -------------


def _corrupt_crc(src: Path, dst: Path, member: str) -> Path:
    """A copy of `src` whose `member` inflates fine but does not match its recorded CRC-32."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as archive:
        info = archive.getinfo(member)
    wrong = struct.pack("<I", info.CRC ^ 0x5A5A5A5A)
    data[info.header_offset + 14 : info.header_offset + 18] = wrong  # local header
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:  # its central directory record
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len].decode() == member:
            data[pos + 16 : pos + 20] = wrong
            break
        pos += 4
    else:
        raise AssertionError(member)
    dst.write_bytes(bytes(data))
    return dst


def _xml_members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [i.filename for i in archive.infolist() if i.filename.endswith((".xml", ".rels"))]


def test_every_xml_member_with_bad_deflate_is_truncated(ok_book: Path, tmp_path: Path) -> None:
    """Whichever part's compressed bytes are damaged, the sniff refuses the file as damaged
    (the one finding `file-truncated`, not an accident of some later reader)."""
    members = _xml_members(ok_book)
    assert "xl/workbook.xml" in members and "xl/worksheets/sheet1.xml" in members
    for member in members:
        path = corrupt_deflate(ok_book, tmp_path / "bad.xlsx", member)
        only(sniff(path), "file-truncated", path)


def test_members_read_in_full_with_a_bad_crc_are_truncated(ok_book: Path, tmp_path: Path) -> None:
    """A member whose bytes inflate but whose CRC-32 is wrong: every part the sniff reads to
    its end (the package parts, and any part smaller than its first read)."""
    with zipfile.ZipFile(ok_book) as archive:
        sizes = {i.filename: i.file_size for i in archive.infolist()}
    read_in_full = [
        m
        for m in _xml_members(ok_book)
        if m in ("xl/workbook.xml", "_rels/.rels") or sizes[m] < sniff_module.PROLOG_CHUNK
    ]
    assert {"xl/workbook.xml", "_rels/.rels", "[Content_Types].xml"} <= set(read_in_full)
    for member in read_in_full:
        path = _corrupt_crc(ok_book, tmp_path / "crc.xlsx", member)
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() == member  # the damage is real
        only(sniff(path), "file-truncated", path)


def test_damage_past_the_sniffed_bytes_is_reported_by_the_reader(
    ok_book: Path, tmp_path: Path
) -> None:
    """The sniff reads only a worksheet's first KiB; damage deeper in the 台账 sheet is still
    one clear file-level finding when the file is read, never a traceback."""
    from ledger_xl.app.validate import validate_workbook

    path = _corrupt_crc(ok_book, tmp_path / "deep.xlsx", "xl/worksheets/sheet1.xml")
    assert sniff(path) == []
    result = validate_workbook(path)
    assert [(f.code, f.severity) for f in result.findings] == [("file-truncated", Severity.ERROR)]


# ---------------------------------------------------------------- branches no other test reached


def test_a_path_the_system_refuses_is_not_found(tmp_path: Path) -> None:
    """A NUL in the name (a program's mistake): the OS refuses the path outright."""
    path = tmp_path / "台账\x00.xlsx"
    only(sniff(path), "file-not-found", path)


def test_a_zip_of_more_members_than_a_workbook_has(ok: Path) -> None:
    with zipfile.ZipFile(ok, "a") as archive:
        for i in range(sniff_module.MAX_MEMBERS + 1):
            archive.writestr(f"x/{i}.txt", "")
    with zipfile.ZipFile(ok) as archive:
        count = len(archive.infolist())
    found = only(sniff(ok), "file-unreadable", ok)
    assert found.message == f"无法读取：压缩包中有 {count} 个部件，数量异常，疑似恶意构造的文件"


def test_an_empty_workbook_part_is_truncated(ok: Path, tmp_path: Path) -> None:
    path = rewrite(ok, tmp_path / "empty-part.xlsx", {"xl/workbook.xml": b""})
    only(sniff(path), "file-truncated", path)


def test_utf16_parts_are_read_as_utf16(ok: Path, tmp_path: Path) -> None:
    """A part saved in UTF-16 (with its byte-order mark) is a workbook like any other, and a
    DOCTYPE in it is found as in UTF-8."""
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read("xl/workbook.xml").decode("utf-8")
    as_utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = rewrite(ok, tmp_path / "utf16.xlsx", {"xl/workbook.xml": as_utf16.encode("utf-16")})
    assert sniff(path) == []
    bomb = with_doctype(as_utf16.encode("utf-8")).decode("utf-8").encode("utf-16")
    path = rewrite(ok, tmp_path / "utf16-bomb.xlsx", {"xl/workbook.xml": bomb})
    only(sniff(path), "file-xml-bomb", path)


def test_a_shared_strings_part_whose_root_is_beyond_64_kib(ok: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(ok) as archive:
        xml = archive.read("xl/sharedStrings.xml")
    padded = xml.replace(b"?>", b"?><!--" + b" " * 70_000 + b"-->", 1)
    path = rewrite(ok, tmp_path / "long-prolog.xlsx", {"xl/sharedStrings.xml": padded})
    found = only(sniff(path), "file-unreadable", path)
    assert found.message == (
        "无法读取：xl/sharedStrings.xml 开头异常（根元素之前有超过 64 KiB 的内容）"
    )
