"""Pre-flight check of an input file, before the real reader touches it (DESIGN principle 8).

`sniff(path)` looks at the few bytes that tell what a file is, and answers with file-level
findings: a corrupt, encrypted, legacy .xls, CSV, empty or hostile file gives exactly one
error finding with a plain explanation (the caller skips the file and the batch goes on);
a workbook that Excel holds open gives a `file-open-in-excel` warning besides (the file is
still read). It never raises, never writes, opens the file read-only, and reads only what
it needs: the zip's central directory, the first few KiB of every XML part, and the small
package parts in full (`_rels/.rels`, `xl/workbook.xml`, parsed with defusedxml). Worksheets
are never decompressed in full, so a large workbook is sniffed in milliseconds.

Checks, in order: missing → empty → OLE2 (encrypted .xlsx or legacy .xls) → not a zip
(CSV, web page / XML, other) → zip that cannot be opened (truncated) → parts missing → zip
bomb → DOCTYPE / ENTITY in any XML part's prolog (XML bomb) → the main part `_rels/.rels`
names is `xl/workbook.xml` (the part every reader reads: `io.package`) → workbook.xml parsed
→ the shared strings declare no more strings than their part can hold (python-calamine
reserves memory for the declared count before reading: a count in the billions aborts the
process) → no 台账 sheet.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from ledger_xl.core.findings import Finding, Severity, finding
from ledger_xl.core.layout import SHEET_LEDGER
from ledger_xl.io import package

__all__ = ["CODES", "OLE2_MAGIC", "SniffFailure", "excel_owner_files", "fatal", "sniff"]

# The file-level codes; the opener (`io.read`) reports them too, through the sniff's findings.
CODES = (
    "file-not-found",
    "file-not-zip",
    "file-truncated",
    "file-encrypted",
    "file-legacy-xls",
    "file-csv",
    "file-empty",
    "file-xml-bomb",
    "file-unreadable",
    "file-open-in-excel",
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_LOCAL = b"PK\x03\x04"
_ZIP_SIGNATURES = (ZIP_LOCAL, b"PK\x05\x06", b"PK\x07\x08")  # entry, empty archive, spanned

HEAD_BYTES = 8 * 1024  # what is read to tell text from binary
OLE_SEARCH_BYTES = 64 * 1024  # fallback: where encryption stream names are looked for
PROLOG_CHUNK = 4 * 1024  # first read of each XML part (a DOCTYPE precedes the root element)
PROLOG_LIMIT = 64 * 1024  # no root element within this many bytes: refused
# 4 GiB uncompressed: a workbook whose formula cells each hold their whole text (ledger_xl
# wrote them so before shared formulas; other programs may) makes a 100,000-row ledger's sheet
# about 1 GiB of XML (the ratio rule below is what stops a bomb: a member that large must also
# compress no more than 200:1).
MAX_MEMBER_SIZE = 4 << 30
MAX_RATIO = 200
RATIO_MIN_SIZE = 100 << 20  # the ratio rule applies above 100 MiB uncompressed
MAX_WORKBOOK_XML = 64 << 20  # xl/workbook.xml is parsed in full; a real one is a few KiB
MAX_OLE_SECTORS = 4096  # directory / DIFAT sectors followed at most
# Streams smaller than this live in the mini stream. MS-CFB: the header's cutoff field MUST
# be 4096, and readers use 4096 whatever it says (olefile does), so the sniff does too.
MINI_STREAM_CUTOFF = 4096
MAX_MEMBERS = 10_000  # a workbook has a few dozen parts; each XML part's prolog is read
# Shared strings: the declared count may not exceed what the part could hold (a string takes
# at least `<si><t/></si>`, 12 bytes; allow 8) nor, for a small part, this floor.
SST_BYTES_PER_STRING = 8
SST_COUNT_FLOOR = 16_000_000

ENCRYPTION_STREAMS = frozenset({"EncryptionInfo", "EncryptedPackage"})
WORKBOOK_STREAMS = frozenset({"Workbook", "Book"})  # BIFF8 / BIFF5 workbook stream

DETAIL_WEB = "这是网页/XML 格式，不是 xlsx；请在 Excel 中打开后“另存为” .xlsx"
DETAIL_NO_WORKBOOK = "缺少 xl/workbook.xml，不是 Excel 工作簿"
DETAIL_ZIP_BOMB = "压缩比异常（疑似 zip 炸弹）"
DETAIL_MAIN_PART = (
    "工作簿的主部件不在标准位置（{part}，应为 xl/workbook.xml），疑似被改造过的文件；"
    "请在 Excel 中打开后另存为 .xlsx"
)
DETAIL_SHARED_STRINGS = (
    "{part} 声明有 {count} 个共享字符串，远超该部件能容纳的数量，疑似恶意构造的文件，"
    "为安全起见拒绝读取"
)
DETAIL_SHARED_STRINGS_COUNT = (
    "{part} 声明的共享字符串个数“{count}”不是数字，文件已损坏或被改动过；请向提供方要回原文件"
)
DETAIL_NOT_REGULAR = "这不是普通文件（是文件夹、管道或设备），不能作为工作簿读取"
DETAIL_MEMBERS = "压缩包中有 {count} 个部件，数量异常，疑似恶意构造的文件"

_EXCEL_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_XML_SUFFIXES = (".xml", ".rels", ".vml")  # every XML part is checked, wherever it lies
_TRUNCATED_XML = {3, 5, 6, 20}  # expat: no element found, unclosed token, partial char, CDATA
_DELIMITERS = (",", "\t", ";", "|", "，")
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}


class SniffFailure(Exception):  # internal control flow, never escapes sniff()
    """One fatal file-level finding, raised inside the checks and returned by `sniff`."""

    def __init__(self, code: str, detail: str = "", value: object = None) -> None:
        super().__init__(code)
        self.code, self.detail, self.value = code, detail, value


def sniff(path: Path, lang: str = "zh", ledger: bool = True) -> list[Finding]:
    """File-level findings for `path`: at most one error (fatal: skip the file) and the
    `file-open-in-excel` warning when Excel's owner file lies beside it. [] means go ahead.

    `ledger=False` sniffs a list to import rather than a ledger: no 台账 sheet is needed, and
    a legacy .xls, an .xlsb or an OpenDocument spreadsheet is accepted (python-calamine
    reads them); the damage, encryption and bomb checks stay."""
    path = Path(path)

    def make(code: str, detail: str = "", value: object = None) -> Finding:
        return finding(code, lang=lang, file=str(path), detail=detail, value=value)

    try:  # a folder, a pipe or a device is not a file (and opening a pipe would block)
        is_file = path.is_file()
        exists = is_file or path.exists()
    except PermissionError:
        return [make("file-unreadable", "没有读取权限（所在文件夹不允许访问）")]
    except (OSError, ValueError):  # e.g. a name the OS refuses, a NUL in the path
        is_file = exists = False
    if not is_file:
        if exists:
            return [make("file-unreadable", DETAIL_NOT_REGULAR)]
        return [make("file-not-found")]

    found: list[Finding] = []
    try:
        _check(path, ledger)
    except SniffFailure as failure:
        found.append(make(failure.code, failure.detail, failure.value))
    except PermissionError:
        found.append(make("file-unreadable", "没有读取权限，或文件正被其他程序独占"))
    except OSError as exc:
        found.append(make("file-unreadable", f"读取文件出错（{exc.strerror or exc}）"))
    except Exception as exc:  # never a traceback: anything unforeseen is one clear finding
        found.append(make("file-unreadable", f"文件结构异常（{type(exc).__name__}）"))
    if _open_in_excel(path):
        found.append(make("file-open-in-excel"))
    return found


def _open_in_excel(path: Path) -> bool:
    try:
        return any(owner.exists() for owner in excel_owner_files(path))
    except (OSError, ValueError):
        return False


def fatal(findings: list[Finding]) -> bool:
    """True when `sniff` found a reason not to read the file at all."""
    return any(f.severity is Severity.ERROR for f in findings)


def excel_owner_files(path: Path) -> list[Path]:
    """Where Excel's owner (`~$`) file for `path` would be: `~$` + the name, and for long
    names `~$` + the name without its first characters (two from 8 characters before the
    extension on, one for exactly 7), as Office writes them."""
    path = Path(path)
    name, stem = path.name, path.stem
    if name.startswith("~$"):
        return []
    names = ["~$" + name]
    if len(stem) >= 8:
        names.append("~$" + name[2:])
    elif len(stem) == 7:
        names.append("~$" + name[1:])
    return [path.with_name(n) for n in names]


# -- the checks -----------------------------------------------------------------------------


def _check(path: Path, ledger: bool = True) -> None:
    with path.open("rb") as fh:  # read-only; nothing here writes
        size = _size(fh)
        if size == 0:
            raise SniffFailure("file-empty")
        head = fh.read(HEAD_BYTES)
        if head.startswith(OLE2_MAGIC):
            try:
                _check_ole(fh, size)
            except SniffFailure as failure:
                if ledger or failure.code != "file-legacy-xls":
                    raise
                return  # a legacy .xls list: python-calamine reads it
        if head[:4] not in _ZIP_SIGNATURES:
            _check_not_zip(path, head, size)
        _check_zip(fh, ledger)


def _size(fh: BinaryIO) -> int:
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(0)
    return size


# -- OLE2 compound files: password-protected .xlsx and legacy .xls ---------------------------


def _check_ole(fh: BinaryIO, size: int) -> None:
    try:
        ole = _ole_directory(fh, size)
    except (OSError, ValueError, struct.error, KeyError, IndexError):
        ole = None
    if ole is None:  # a directory we cannot walk: look for the names in the first bytes
        fh.seek(0)
        data = fh.read(OLE_SEARCH_BYTES)
        if any(n.encode("utf-16-le") in data for n in ENCRYPTION_STREAMS):
            raise SniffFailure("file-encrypted")
        raise SniffFailure("file-legacy-xls")
    names = set(ole.streams)
    if names & ENCRYPTION_STREAMS:
        raise SniffFailure("file-encrypted")
    if names & WORKBOOK_STREAMS:
        if _biff_password(fh, size, ole):
            raise SniffFailure("file-encrypted")  # a password-protected .xls
        raise SniffFailure("file-legacy-xls")
    if "WordDocument" in names:
        raise SniffFailure("file-unreadable", "这是 Word 文档（.doc），不是 Excel 工作簿")
    if "PowerPoint Document" in names:
        raise SniffFailure("file-unreadable", "这是 PowerPoint 文件（.ppt），不是 Excel 工作簿")
    # some other compound file (or one a tool wrote oddly): most likely a workbook of old
    raise SniffFailure("file-legacy-xls")


@dataclass
class _Ole:
    sector_size: int
    streams: dict[str, tuple[int, int]]  # name -> (first sector, size)


def _ole_directory(fh: BinaryIO, size: int) -> _Ole | None:
    """The directory of an OLE2 compound file (MS-CFB), following the directory sector
    chain through the FAT; reads only the header, the FAT sectors needed and the directory.
    None when the header is not usable (or names no directory sector at all)."""
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512:
        return None
    shift = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        return None
    ssize = 1 << shift
    per = ssize // 4  # FAT entries per sector
    (first_dir,) = struct.unpack_from("<I", header, 48)
    if first_dir >= 0xFFFFFFFA:  # no directory: a damaged header
        return None
    first_difat, n_difat = struct.unpack_from("<II", header, 68)
    difat = list(struct.unpack_from("<109I", header, 76))
    sector = first_difat
    for _ in range(min(n_difat, MAX_OLE_SECTORS)):  # more FAT sectors than the header holds
        if sector >= 0xFFFFFFFA:
            break
        block = _sector(fh, size, ssize, sector)
        entries = struct.unpack_from(f"<{per}I", block)
        difat.extend(entries[:-1])
        sector = entries[-1]

    fat_cache: dict[int, tuple[int, ...]] = {}

    def next_sector(s: int) -> int:
        index = s // per
        if index not in fat_cache:
            fat_cache[index] = struct.unpack_from(
                f"<{per}I", _sector(fh, size, ssize, difat[index])
            )
        return fat_cache[index][s % per]

    entries: list[tuple[str, int, int, int, int, tuple[int, int]] | None] = []
    seen: set[int] = set()
    sector = first_dir
    while sector < 0xFFFFFFFA and sector not in seen and len(seen) < MAX_OLE_SECTORS:
        seen.add(sector)
        block = _sector(fh, size, ssize, sector)
        for offset in range(0, ssize, 128):
            length, kind = struct.unpack_from("<HB", block, offset + 64)
            if kind in (1, 2, 5) and 2 <= length <= 64 and length % 2 == 0:
                name = block[offset : offset + length - 2].decode("utf-16-le", errors="replace")
                left, right, child = struct.unpack_from("<III", block, offset + 68)
                start = struct.unpack_from("<IQ", block, offset + 116)
                entries.append((name, kind, left, right, child, start))
            else:
                entries.append(None)
        sector = next_sector(sector)
    top = _top_level(entries)
    chosen = top if top is not None else [e for e in entries if e is not None]
    return _Ole(ssize, {e[0]: e[5] for e in chosen})


def _top_level(entries: list) -> list | None:
    """The entries directly under the root storage (its child and that child's siblings, a
    red-black tree), so that a stream inside an embedded object's storage (a workbook in a
    Word document) is not taken for the file's own. None when the tree cannot be followed
    (no root entry first, a link to nowhere or back): then every entry counts."""
    if not entries or entries[0] is None or entries[0][1] != 5:
        return None
    found, seen = [], set()
    pending = [entries[0][4]]
    while pending:
        at = pending.pop()
        if at == 0xFFFFFFFF:  # NOSTREAM
            continue
        if at in seen or at >= len(entries) or entries[at] is None or at == 0:
            return None
        seen.add(at)
        entry = entries[at]
        found.append(entry)
        pending += [entry[2], entry[3]]  # left and right siblings
    return found


def _biff_password(fh: BinaryIO, size: int, ole: _Ole) -> bool:
    """Whether the BIFF workbook stream starts with BOF then FILEPASS (an .xls with an
    opening password); reads the stream's first sector only."""
    start, length = ole.streams.get("Workbook") or ole.streams["Book"]  # one is there
    if length < MINI_STREAM_CUTOFF:
        return False  # in the mini stream: not a real workbook anyway (Excel pads to 4 KiB)
    try:
        block = _sector(fh, size, ole.sector_size, start)
    except ValueError:
        return False
    pos = 0
    for _ in range(16):
        if pos + 4 > len(block):
            break
        kind, record_length = struct.unpack_from("<HH", block, pos)
        if kind == 0x002F:  # FILEPASS
            return True
        if pos == 0 and kind & 0xFF != 0x09:  # not a BOF record: not BIFF
            return False
        pos += 4 + record_length
    return False


def _sector(fh: BinaryIO, size: int, ssize: int, index: int) -> bytes:
    offset = (index + 1) * ssize
    if index >= 0xFFFFFFFA or offset + ssize > size:
        raise ValueError("sector out of range")
    fh.seek(offset)
    return fh.read(ssize)


# -- not a zip: CSV, a web page or XML saved as .xls, an Excel owner file, anything else -----


def _check_not_zip(path: Path, head: bytes, size: int) -> None:
    if path.name.startswith("~$") and size < 4096:
        raise SniffFailure(
            "file-unreadable", "这是 Excel 打开工作簿时留下的 ~$ 锁定文件，不是工作簿，可忽略"
        )
    text = _as_text(head, complete=size <= len(head))
    if text is None:
        raise SniffFailure("file-not-zip")
    stripped = text.lstrip("\ufeff \t\r\n\f\v")
    if not stripped:
        if size <= len(head):
            raise SniffFailure("file-empty")
        raise SniffFailure("file-not-zip")
    if stripped.startswith("<") or stripped[:40].lower().startswith("mime-version:"):
        raise SniffFailure("file-unreadable", DETAIL_WEB)
    if path.suffix.lower() in _TEXT_SUFFIXES or _looks_delimited(stripped):
        raise SniffFailure("file-csv")
    raise SniffFailure("file-not-zip")


def _as_text(head: bytes, complete: bool) -> str | None:
    """`head` decoded as text (UTF-8 / UTF-16 with BOM / GB18030), or None for binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:  # an incremental decoder tolerates a character cut at the end of `head`
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f\v")
        if controls <= len(text) // 100:
            return text
    return None


def _looks_delimited(text: str) -> bool:
    lines = [line for line in text.splitlines()[:6] if line.strip()]
    if not lines:
        return False
    if len(lines) > 1:
        lines = lines[:-1]  # the last line in `head` may be cut short
    delimited = sum(1 for line in lines if any(d in line for d in _DELIMITERS))
    return delimited * 2 >= len(lines)


# -- the zip package ---------------------------------------------------------------------------


def _check_zip(fh: BinaryIO, ledger: bool = True) -> None:
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except Exception:  # BadZipFile, or a central directory pointing anywhere: damaged
        raise SniffFailure("file-truncated") from None
    with archive:
        infos = archive.infolist()
        if not infos:
            raise SniffFailure("file-empty")
        if len(infos) > MAX_MEMBERS:
            raise SniffFailure("file-unreadable", DETAIL_MEMBERS.format(count=len(infos)))
        members = {info.filename.lower(): info for info in infos}
        if not all(part.lower() in members for part in _EXCEL_PARTS):
            if not ledger and _other_spreadsheet(members):
                for info in infos:
                    _check_ratio(info)
                _check_prologs(archive, infos)
                return
            raise SniffFailure("file-unreadable", _not_a_workbook(members))
        for info in infos:
            _check_ratio(info)
        _check_prologs(archive, infos)
        _check_main_part(archive)
        names = _sheet_names(archive, members["xl/workbook.xml"])
        for part in package.shared_strings_parts(archive, package.member_names(archive)):
            _check_shared_strings(archive, archive.getinfo(part))
    if ledger and SHEET_LEDGER not in names:
        raise SniffFailure("ledger-sheet-missing", value=SHEET_LEDGER)


def _other_spreadsheet(members: dict[str, zipfile.ZipInfo]) -> bool:
    """An .xlsb or OpenDocument spreadsheet, which python-calamine reads for an import."""
    return "xl/workbook.bin" in members or ("mimetype" in members and "content.xml" in members)


def _not_a_workbook(members: dict[str, zipfile.ZipInfo]) -> str:
    if "xl/workbook.bin" in members:
        return "这是 .xlsb 二进制工作簿；请在 Excel 中“另存为” .xlsx"
    if "mimetype" in members and "content.xml" in members:
        return "这是 OpenDocument（.ods 等）文件；请“另存为” .xlsx"
    if "word/document.xml" in members:
        return "这是 Word 文档（.docx），不是 Excel 工作簿"
    return DETAIL_NO_WORKBOOK


def _check_ratio(info: zipfile.ZipInfo) -> None:
    size = info.file_size
    if size > MAX_MEMBER_SIZE or (
        size > RATIO_MIN_SIZE and size > MAX_RATIO * max(info.compress_size, 1)
    ):
        raise SniffFailure("file-unreadable", DETAIL_ZIP_BOMB)


def _check_prologs(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES) and not info.is_dir():
            _check_prolog(archive, info)


def _check_main_part(archive: zipfile.ZipFile) -> None:
    """The part `_rels/.rels` names as the workbook must be xl/workbook.xml: the sniff, the
    value reader and the formula reader then all read the same parts. The workbook's own
    relationships (which part holds which sheet) must parse too: python-calamine reads past
    a declared encoding the formula reader's parser refuses, and the two would disagree."""
    try:
        names = package.member_names(archive)
        main = package.workbook_part(archive, names)
        package.relationships(archive, names, main)
    except package.PackageError as exc:
        if exc.bomb:
            raise SniffFailure("file-xml-bomb") from None
        if exc.damaged:  # as `_read` answers for any other part
            raise SniffFailure("file-truncated") from None
        raise SniffFailure("file-unreadable", exc.detail) from None
    if main.lower() != package.MAIN_PART:
        raise SniffFailure("file-unreadable", DETAIL_MAIN_PART.format(part=main))


def _check_shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a declared `uniqueCount` the part cannot hold: python-calamine reserves memory
    for it up front (billions abort the process; 2^64-1 panics)."""
    text = _decode_xml(_read(archive, info, lambda member: member.read(PROLOG_LIMIT)))
    declared = package.declared_unique_count(text)
    if declared is None:
        if len(text) >= PROLOG_CHUNK:  # the root start tag is not in the first 64 KiB
            raise SniffFailure("file-unreadable", f"{info.filename} 开头异常")
        return  # a tiny part without an <sst> root: the reader says what is wrong
    limit = max(SST_COUNT_FLOOR, info.file_size // SST_BYTES_PER_STRING)
    count = declared.strip()
    digits = count.lstrip("0")  # leading zeros count for nothing; the length keeps int() cheap
    number = count.isascii() and count.isdigit()  # "²".isdigit(), but int("²") fails
    if count and not (number and len(digits) <= 19 and int(digits or "0") <= limit):
        shown = count if len(count) <= 30 else count[:30] + "…"
        detail = DETAIL_SHARED_STRINGS if number else DETAIL_SHARED_STRINGS_COUNT
        raise SniffFailure("file-unreadable", detail.format(part=info.filename, count=shown))


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, reader: Callable) -> object:
    """Run `reader` on an open member, mapping damage and oddities to one finding."""
    try:
        with archive.open(info) as member:
            return reader(member)
    except RuntimeError as exc:  # zipfile: "... is encrypted, password required"
        if info.flag_bits & 0x1:
            raise SniffFailure("file-encrypted") from None
        raise SniffFailure("file-truncated") from exc
    except NotImplementedError:  # a compression method zipfile (and Excel) do not know
        raise SniffFailure("file-unreadable", f"{info.filename} 使用了不支持的压缩方式") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error, OSError):
        raise SniffFailure("file-truncated") from None


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DOCTYPE or an ENTITY: in its first 4 KiB, or anywhere in
    its prolog (what precedes the root element, where a DOCTYPE must stand)."""

    def read_prolog(member: BinaryIO) -> str:
        data = b""
        while len(data) < PROLOG_LIMIT:
            chunk = member.read(PROLOG_CHUNK)
            data += chunk
            text = _decode_xml(data)
            if len(data) <= PROLOG_CHUNK and _DECLARATION.search(text):
                return "doctype"
            verdict = _prolog_verdict(text)
            if verdict != "more" or not chunk:
                return verdict
        return "long"

    verdict = _read(archive, info, read_prolog)
    if verdict == "doctype":
        raise SniffFailure("file-xml-bomb")
    if verdict == "long":
        raise SniffFailure(
            "file-unreadable", f"{info.filename} 开头异常（根元素之前有超过 64 KiB 的内容）"
        )


_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _decode_xml(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith((b"<\x00", b"\x00<")):
        encoding = "utf-16-le" if data[0] == 0x3C else "utf-16-be"
    else:
        encoding = "utf-8"
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(data)


def _prolog_verdict(text: str) -> str:
    """ "root" (the root element starts after a clean prolog), "doctype" (a declaration
    such as <!DOCTYPE stands before it) or "more" (the prolog goes on past `text`)."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in "\ufeff \t\r\n":
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return "more"
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return "more"
            i = end + 3
        elif text.startswith("<!", i):
            # only <!DOCTYPE can stand here in XML (anything else is malformed): refused
            return "more" if n - i < 4 and "<!--".startswith(text[i:]) else "doctype"
        else:
            return "root"  # the root element, or not XML at all (the parser will say so)
    return "more"


def _sheet_names(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[str]:
    if info.file_size > MAX_WORKBOOK_XML:
        raise SniffFailure("file-unreadable", "xl/workbook.xml 大小异常")
    data = _read(archive, info, lambda member: member.read(MAX_WORKBOOK_XML + 1))
    if not data:
        raise SniffFailure("file-truncated")
    try:
        root = SafeElementTree.fromstring(data)
    except DefusedXmlException:
        raise SniffFailure("file-xml-bomb") from None
    except ParseError as exc:
        if exc.code in _TRUNCATED_XML:
            raise SniffFailure("file-truncated") from None
        raise SniffFailure("file-unreadable", f"xl/workbook.xml 不是有效的 XML（{exc}）") from None
    except LookupError as exc:  # an encoding declared that Python does not know
        raise SniffFailure(
            "file-unreadable", f"xl/workbook.xml 声明了无法识别的字符编码（{exc}）"
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. a multi-byte encoding expat refuses
        raise SniffFailure("file-unreadable", f"xl/workbook.xml 不是有效的 XML（{exc}）") from None
    return [
        element.get("name", "")
        for element in root.iter()
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "sheet"
    ]
