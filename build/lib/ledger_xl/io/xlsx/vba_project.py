"""Build a source-only ``vbaProject.bin`` from VBA source text, in pure Python (stdlib only).

The result is what Excel expects inside an ``.xlsm``/``.xlam`` (``xl/vbaProject.bin``): an OLE
compound file ([MS-CFB] v3, 512-byte sectors) laid out as [MS-OVBA] describes::

    PROJECT            text: project properties, module list, CMG/DPB/GC, [Workspace]
    PROJECTwm          module names, MBCS + UTF-16
    VBA/_VBA_PROJECT   7 bytes: CC 61 FF FF 00 00 00 -- version 0xFFFF = "no performance cache,
                       compile from source"
    VBA/dir            compressed: project information, references, module records
    VBA/<module>       compressed module source (MODULEOFFSET 0: no p-code before it)

No compiled code (p-code) is written: Office sees version 0xFFFF in ``_VBA_PROJECT``, ignores
every performance cache and compiles the modules from their source on first use. This is the
same shape that EPPlus/VBASync and xlwings' own ``quickstart_standalone.xlsm`` use.

Public API (everything else is an implementation detail)::

    standard_module(name, code)                      # a .bas module
    class_module(name, code, ...)                    # a .cls module
    document_module(name, code="", host="worksheet") # ThisWorkbook / sheet code-behind
    module_from_export(text, name=None)              # parse an exported .bas / .cls file
    build_vba_project(modules, ...) -> bytes         # the vbaProject.bin
    compress(data) / decompress(data)                # [MS-OVBA] 2.4.1
    build_compound_file({"PATH/TO/STREAM": bytes})   # [MS-CFB] writer
    vba_string_expr("校验完成")                       # a VBA expression for non-ASCII text

Source text is stored in the project code page (default 1252). Keep VBA source ASCII and build
non-ASCII strings with :func:`vba_string_expr` (``ChrW``), because a VBA project's code page is
read with the *reader's* system ANSI code page: Chinese text stored as CP936 shows up as mojibake
on a non-Chinese Windows and vice versa. Button captions are not VBA source (XlsxWriter writes
them as UTF-8 XML), so they can be Chinese.
"""

from __future__ import annotations

import enum
import hashlib
import re
import struct
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_REFERENCES",
    "OFFICE_REFERENCE",
    "STDOLE_REFERENCE",
    "ModuleKind",
    "Reference",
    "VbaModule",
    "build_compound_file",
    "build_vba_project",
    "class_module",
    "compress",
    "decompress",
    "decrypt_project_data",
    "document_module",
    "encrypt_project_data",
    "module_from_export",
    "standard_module",
    "stored_source",
    "vba_string_expr",
]

# --------------------------------------------------------------------------------------------
# [MS-OVBA] 2.4.1 compression
# --------------------------------------------------------------------------------------------

_CHUNK = 4096
_MAX_CANDIDATES = 128  # hash-chain depth per position; bounds the time, any depth is valid


def _bit_count(difference: int) -> int:
    """BitCount of a CopyToken at ``difference`` bytes into the chunk (2.4.1.3.19.1)."""
    return max((difference - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    n = len(chunk)
    body = bytearray()
    chains: dict[bytes, list[int]] = {}
    pos = 0

    def remember(p: int) -> None:
        if p + 3 <= n:
            chains.setdefault(chunk[p : p + 3], []).append(p)

    while pos < n:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos + 3 <= n:
                candidates = chains.get(chunk[pos : pos + 3])
                if candidates:
                    bit_count = _bit_count(pos)
                    max_len = min((0xFFFF >> bit_count) + 3, n - pos)
                    for cand in reversed(candidates[-_MAX_CANDIDATES:]):  # nearest first
                        length = 3
                        while length < max_len and chunk[cand + length] == chunk[pos + length]:
                            length += 1
                        if length > best_len:  # strictly longer: the nearest wins ties
                            best_len, best_off = length, pos - cand
                            if length == max_len:
                                break
            if best_len >= 3:
                bit_count = _bit_count(pos)
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                for p in range(pos, pos + best_len):
                    remember(p)
                pos += best_len
            else:
                body.append(chunk[pos])
                remember(pos)
                pos += 1
        body[flag_at] = flags

    if len(body) <= _CHUNK:
        header = 0x8000 | 0x3000 | (len(body) + 2 - 3)  # flag=1, signature 0b011, size-3
        return struct.pack("<H", header) + bytes(body)
    # Incompressible: a raw chunk always carries exactly 4096 bytes (zero-padded, 2.4.1.3.10).
    # Only a full chunk can get here in practice (a short one would need > 3640 bytes with no
    # repeated 3-byte sequence), so the padding never reaches a real decompressed stream.
    if n < _CHUNK:
        raise ValueError("a short incompressible final chunk cannot be stored losslessly")
    return struct.pack("<H", 0x3000 | (_CHUNK + 2 - 3)) + chunk


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an [MS-OVBA] CompressedContainer (signature byte 0x01 + chunks)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data[start : start + _CHUNK])
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """Decompress an [MS-OVBA] CompressedContainer (for tests and for reading our own output)."""
    if not data or data[0] != 0x01:
        raise ValueError("not an MS-OVBA compressed container (signature byte != 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(data):
        (header,) = struct.unpack_from("<H", data, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at {pos}")
        end = min(pos + size, len(data))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += data[pos : pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if flags & (1 << bit):
                    (token,) = struct.unpack_from("<H", data, pos)
                    pos += 2
                    bit_count = _bit_count(len(out) - chunk_start)
                    length = (token & (0xFFFF >> bit_count)) + 3
                    offset = (token >> (16 - bit_count)) + 1
                    src = len(out) - offset
                    if src < chunk_start:
                        raise ValueError("copy token points before its chunk")
                    for i in range(length):  # byte by byte: copies may overlap
                        out.append(out[src + i])
                else:
                    out.append(data[pos])
                    pos += 1
    return bytes(out)


# --------------------------------------------------------------------------------------------
# [MS-CFB] writer (version 3: 512-byte sectors, 64-byte mini sectors, cutoff 4096)
# --------------------------------------------------------------------------------------------

_SECTOR = 512
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_TYPE_STORAGE, _TYPE_STREAM, _TYPE_ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN
    size: int = 0


def _cfb_key(name: str) -> tuple[int, str]:
    """Sibling order of [MS-CFB] 2.6.4: shorter names first, then upper-cased code points."""
    return (len(name), name.upper())


def _link_siblings(entries: list[_Entry]) -> int:
    """Make a red-black tree of one storage's children; return the root's stream id.

    Splitting the sorted list at its middle fills every level but the last, so colouring the
    nodes of the deepest level red (and every other node black) keeps all black heights equal.
    """
    ordered = sorted(entries, key=lambda e: _cfb_key(e.name))
    depths: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        mid = (lo + hi) // 2
        node = ordered[mid]
        depths[id(node)] = depth
        node.left = build(lo, mid, depth + 1)
        node.right = build(mid + 1, hi, depth + 1)
        return node.sid

    root = build(0, len(ordered), 0)
    deepest = max(depths.values(), default=0)
    for node in ordered:
        node.color = _RED if deepest > 0 and depths[id(node)] == deepest else _BLACK
    return root


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else _ENDOFCHAIN


def build_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """An [MS-CFB] v3 file holding ``streams`` (keys are ``/``-separated paths such as
    ``"VBA/dir"``; the storages on the way are created). Deterministic: no timestamps, no CLSIDs.
    """
    root = _Entry("Root Entry", _TYPE_ROOT)
    for path, data in streams.items():
        parts = path.strip("/").split("/")
        node = root
        for part in parts[:-1]:
            found = next((c for c in node.children if c.name == part), None)
            if found is None:
                found = _Entry(part, _TYPE_STORAGE)
                node.children.append(found)
            elif found.kind != _TYPE_STORAGE:
                raise ValueError(f"{part!r} is both a stream and a storage")
            node = found
        if any(c.name == parts[-1] for c in node.children):
            raise ValueError(f"duplicate entry {path!r}")
        node.children.append(_Entry(parts[-1], _TYPE_STREAM, bytes(data)))

    entries: list[_Entry] = []

    def number(node: _Entry) -> None:
        if len(node.name) > 31:
            raise ValueError(f"CFB names are at most 31 characters: {node.name!r}")
        node.sid = len(entries)
        entries.append(node)
        for c in node.children:
            number(c)

    number(root)
    for node in entries:
        if node.children:
            node.child = _link_siblings(node.children)

    # Mini stream (streams < 4096 bytes) and regular-sector streams.
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for node in entries:
        if node.kind != _TYPE_STREAM:
            continue
        node.size = len(node.data)
        if node.size == 0:
            node.start = _ENDOFCHAIN
        elif node.size < _MINI_CUTOFF:
            count = -(-node.size // _MINI_SECTOR)
            node.start = len(minifat)
            minifat.extend(range(node.start + 1, node.start + count))
            minifat.append(_ENDOFCHAIN)
            mini += node.data.ljust(count * _MINI_SECTOR, b"\0")
        else:
            big.append(node)

    n_dir = -(-len(entries) * 128 // _SECTOR)
    n_minifat = -(-len(minifat) * 4 // _SECTOR)
    n_mini = -(-len(mini) // _SECTOR)
    n_big = sum(-(-len(e.data) // _SECTOR) for e in big)
    n_other = n_dir + n_minifat + n_mini + n_big
    n_fat = 1
    while n_fat * (_SECTOR // 4) < n_other + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("file too large for a header-only DIFAT (about 6.8 MB)")

    fat = [_FREESECT] * (n_fat * (_SECTOR // 4))
    for i in range(n_fat):
        fat[i] = _FATSECT
    sector = n_fat
    dir_start = sector
    _chain(fat, sector, n_dir)
    sector += n_dir
    minifat_start = sector if n_minifat else _ENDOFCHAIN
    _chain(fat, sector, n_minifat)
    sector += n_minifat
    root.start = sector if n_mini else _ENDOFCHAIN
    root.size = len(mini)
    _chain(fat, sector, n_mini)
    sector += n_mini
    body = bytearray()
    for e in big:
        count = -(-len(e.data) // _SECTOR)
        e.start = sector
        _chain(fat, sector, count)
        sector += count
        body += e.data.ljust(count * _SECTOR, b"\0")

    difat = list(range(n_fat)) + [_FREESECT] * (109 - n_fat)
    header = (
        _CFB_SIGNATURE
        + bytes(16)  # header CLSID
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack(
            "<IIIIIIIII",
            0,  # number of directory sectors: MUST be 0 in version 3
            n_fat,
            dir_start,
            0,  # transaction signature
            _MINI_CUTOFF,
            minifat_start,
            n_minifat,
            _ENDOFCHAIN,  # first DIFAT sector: none
            0,
        )
        + struct.pack("<109I", *difat)
    )
    assert len(header) == _SECTOR

    directory = bytearray()
    for e in entries:
        name = e.name.encode("utf-16-le") + b"\0\0"
        directory += (
            name.ljust(64, b"\0")
            + struct.pack("<HBB", len(name), e.kind, e.color)
            + struct.pack("<III", e.left, e.right, e.child)
            + bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modified time
            + struct.pack("<IQ", e.start if e.kind != _TYPE_STORAGE else 0, e.size)
        )
    unused = bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", *[_NOSTREAM] * 3)
    unused += bytes(128 - len(unused))
    while len(directory) < n_dir * _SECTOR:
        directory += unused

    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
    minifat_bytes += struct.pack("<I", _FREESECT) * (
        (n_minifat * _SECTOR - len(minifat_bytes)) // 4
    )

    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += directory
    out += minifat_bytes
    out += bytes(mini).ljust(n_mini * _SECTOR, b"\0")
    out += body
    assert len(out) == _SECTOR * (1 + sector)
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------


class ModuleKind(enum.Enum):
    STANDARD = "standard"  # .bas  -> dir MODULETYPE 0x21, PROJECT "Module="
    CLASS = "class"  # .cls  -> dir MODULETYPE 0x22, PROJECT "Class="
    DOCUMENT = "document"  # ThisWorkbook / sheets -> 0x22, PROJECT "Document=<name>/&H00000000"


# VB_Base values Excel writes for its document modules and for class modules.
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")


@dataclass(frozen=True)
class VbaModule:
    """One module. ``header`` holds the ``Attribute VB_*`` lines exactly as stored (VB_Name
    first); ``code`` is the rest of the source. Use the factory functions below."""

    name: str
    kind: ModuleKind
    header: tuple[str, ...]
    code: str

    def __post_init__(self) -> None:
        if not _IDENTIFIER.match(self.name):
            raise ValueError(
                f"not a valid VBA module name (ASCII identifier, <= 31): {self.name!r}"
            )


def _crlf(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


def _attr(name: str, value: str) -> str:
    return f"Attribute {name} = {value}"


def _bool(value: bool) -> str:
    return "True" if value else "False"


def standard_module(name: str, code: str) -> VbaModule:
    return VbaModule(name, ModuleKind.STANDARD, (_attr("VB_Name", f'"{name}"'),), _crlf(code))


def _class_header(
    name: str,
    base: str,
    *,
    predeclared: bool,
    exposed: bool,
    customizable: bool,
    extra: Sequence[str] = (),
) -> tuple[str, ...]:
    # The order Excel itself stores (see xlwings' quickstart_standalone.xlsm).
    return (
        _attr("VB_Name", f'"{name}"'),
        _attr("VB_Base", f'"{base}"'),
        _attr("VB_GlobalNameSpace", "False"),
        _attr("VB_Creatable", "False"),
        _attr("VB_PredeclaredId", _bool(predeclared)),
        _attr("VB_Exposed", _bool(exposed)),
        _attr("VB_TemplateDerived", "False"),
        _attr("VB_Customizable", _bool(customizable)),
        *extra,
    )


def class_module(
    name: str,
    code: str,
    *,
    predeclared: bool = False,
    exposed: bool = False,
    extra_attributes: Sequence[str] = (),
) -> VbaModule:
    header = _class_header(
        name,
        CLASS_BASE,
        predeclared=predeclared,
        exposed=exposed,
        customizable=False,
        extra=extra_attributes,
    )
    return VbaModule(name, ModuleKind.CLASS, header, _crlf(code))


def document_module(name: str, code: str = "", host: str = "worksheet") -> VbaModule:
    """Code-behind of the workbook (``host="workbook"``, name = workbook codeName, normally
    ThisWorkbook) or of a worksheet (name = the sheet's codeName, e.g. Sheet1). The names must
    equal the ``codeName`` attributes XlsxWriter writes (``set_vba_name``)."""
    base = {"workbook": WORKBOOK_BASE, "worksheet": WORKSHEET_BASE}[host]
    header = _class_header(name, base, predeclared=True, exposed=True, customizable=True)
    return VbaModule(name, ModuleKind.DOCUMENT, header, _crlf(code))


_ATTRIBUTE_LINE = re.compile(r"^Attribute\s+(VB_\w+)\s*=\s*(.*)$", re.IGNORECASE)


def module_from_export(text: str, name: str | None = None) -> VbaModule:
    """Parse a file exported by the VBA editor (``.bas`` standard module or ``.cls`` class).

    ``.cls`` exports start with ``VERSION 1.0 CLASS / BEGIN ... END`` and lack the VB_Base,
    VB_TemplateDerived and VB_Customizable attributes that the stored form has; they are added
    back in Excel's order, so a module survives export -> build byte for byte.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    is_class = bool(lines) and lines[0].strip().upper().startswith("VERSION")
    if is_class:
        end = next(i for i, line in enumerate(lines) if line.strip().upper() == "END")
        lines = lines[end + 1 :]
    attrs: dict[str, str] = {}
    extra: list[str] = []
    i = 0
    while i < len(lines):
        m = _ATTRIBUTE_LINE.match(lines[i])
        if not m:
            break
        key = m.group(1)
        if key in {
            "VB_Name",
            "VB_GlobalNameSpace",
            "VB_Creatable",
            "VB_PredeclaredId",
            "VB_Exposed",
            "VB_Base",
            "VB_TemplateDerived",
            "VB_Customizable",
        }:
            attrs[key] = m.group(2).strip()
        else:
            extra.append(lines[i])
        i += 1
    declared = attrs.get("VB_Name", "").strip('"')
    name = name or declared
    if not name:
        raise ValueError("no module name: the export has no Attribute VB_Name line")
    code = "\n".join(lines[i:])
    if not is_class:
        header = (_attr("VB_Name", f'"{name}"'), *extra)
        return VbaModule(name, ModuleKind.STANDARD, header, _crlf(code))
    header = _class_header(
        name,
        CLASS_BASE,
        predeclared=attrs.get("VB_PredeclaredId", "False").lower() == "true",
        exposed=attrs.get("VB_Exposed", "False").lower() == "true",
        customizable=False,
        extra=extra,
    )
    return VbaModule(name, ModuleKind.CLASS, header, _crlf(code))


def stored_source(module: VbaModule) -> str:
    """The exact text stored (compressed) in the module's stream."""
    return "\r\n".join(module.header) + "\r\n" + module.code


def vba_string_expr(text: str) -> str:
    """A VBA expression for ``text`` that keeps the source ASCII: ``"abc" & ChrW(26657)``."""
    parts: list[str] = []
    run = ""
    for ch in text:
        if 32 <= ord(ch) < 127:
            run += '""' if ch == '"' else ch
        else:
            if run:
                parts.append(f'"{run}"')
                run = ""
            parts.append(f"ChrW({ord(ch)})" if ord(ch) <= 0xFFFF else _surrogates(ch))
    if run or not parts:
        parts.append(f'"{run}"')
    return " & ".join(parts)


def _surrogates(ch: str) -> str:
    hi, lo = struct.unpack("<HH", ch.encode("utf-16-le"))
    return f"ChrW({hi}) & ChrW({lo})"  # a UTF-16 surrogate pair


# --------------------------------------------------------------------------------------------
# Project streams
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A registered type library reference (REFERENCEREGISTERED, [MS-OVBA] 2.3.4.2.2.5)."""

    name: str
    libid: str


STDOLE_REFERENCE = Reference(
    "stdole",
    r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation",
)
OFFICE_REFERENCE = Reference(
    "Office",
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files"
    r"\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
)
# What a new Excel workbook references besides the implicit VBA and Excel libraries.
DEFAULT_REFERENCES: tuple[Reference, ...] = (STDOLE_REFERENCE, OFFICE_REFERENCE)

SYSKIND_WIN32 = 1
SYSKIND_MAC = 2
SYSKIND_WIN64 = 3

_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_VBA_PROJECT_STREAM = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00])


def _record(rec_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rec_id, len(payload)) + payload


def _u32(rec_id: int, value: int) -> bytes:
    return _record(rec_id, struct.pack("<I", value))


def _u16(rec_id: int, value: int) -> bytes:
    return _record(rec_id, struct.pack("<H", value))


def _text_pair(rec_id: int, unicode_id: int, text: str, codec: str) -> bytes:
    return _record(rec_id, text.encode(codec)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(
    project_name: str,
    modules: Sequence[VbaModule],
    references: Sequence[Reference],
    codepage: int,
    syskind: int,
    codec: str,
) -> bytes:
    out = bytearray()
    out += _u32(0x0001, syskind)  # PROJECTSYSKIND
    out += _u32(0x0002, 0x0409)  # PROJECTLCID (MUST be 0x409)
    out += _u32(0x0014, 0x0409)  # PROJECTLCIDINVOKE (MUST be 0x409)
    out += _u16(0x0003, codepage)  # PROJECTCODEPAGE
    out += _record(0x0004, project_name.encode(codec))  # PROJECTNAME
    out += _text_pair(0x0005, 0x0040, "", codec)  # PROJECTDOCSTRING
    out += _record(0x0006, b"") + _record(0x003D, b"")  # PROJECTHELPFILEPATH (twice)
    out += _u32(0x0007, 0)  # PROJECTHELPCONTEXT
    out += _u32(0x0008, 0)  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: Reserved=4, major, minor
    out += _text_pair(0x000C, 0x003C, "", codec)  # PROJECTCONSTANTS
    for ref in references:
        out += _text_pair(0x0016, 0x003E, ref.name, codec)  # REFERENCENAME
        libid = ref.libid.encode(codec)
        out += _record(0x000D, struct.pack("<I", len(libid)) + libid + bytes(6))  # REGISTERED
    out += _u16(0x000F, len(modules))  # PROJECTMODULES
    out += _u16(0x0013, 0xFFFF)  # PROJECTCOOKIE
    for m in modules:
        out += _record(0x0019, m.name.encode(codec))  # MODULENAME
        out += _record(0x0047, m.name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_pair(0x001A, 0x0032, m.name, codec)  # MODULESTREAMNAME
        out += _text_pair(0x001C, 0x0048, "", codec)  # MODULEDOCSTRING
        out += _u32(0x0031, 0)  # MODULEOFFSET: source starts at 0, no p-code
        out += _u32(0x001E, 0)  # MODULEHELPCONTEXT
        out += _u16(0x002C, 0xFFFF)  # MODULECOOKIE
        out += _record(0x0021 if m.kind is ModuleKind.STANDARD else 0x0022, b"")  # MODULETYPE
        out += _record(0x002B, b"")  # module terminator
    out += struct.pack("<HI", 0x0010, 0)  # dir terminator
    return bytes(out)


def encrypt_project_data(project_id: str, data: bytes, seed: int) -> bytes:
    """[MS-OVBA] 2.4.3.2 data encryption, used for PROJECT's CMG, DPB and GC values."""
    version = 2
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    seed &= 0xFF
    version_enc = seed ^ version
    proj_key_enc = seed ^ proj_key
    out = bytearray([seed, version_enc, proj_key_enc])
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key_enc, version_enc

    def put(byte: int) -> None:
        nonlocal unencrypted_1, encrypted_1, encrypted_2
        enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte

    for _ in range((seed & 6) // 2):  # IgnoredLength bytes of any value
        put(0)
    for byte in struct.pack("<I", len(data)) + data:
        put(byte)
    return bytes(out)


def decrypt_project_data(project_id: str, blob: bytes) -> bytes:
    """Inverse of :func:`encrypt_project_data` (checks Version and ProjKey)."""
    seed, version_enc, proj_key_enc = blob[0], blob[1], blob[2]
    if seed ^ version_enc != 2:
        raise ValueError("encrypted data: version is not 2")
    proj_key = seed ^ proj_key_enc
    if proj_key != sum(project_id.encode("ascii")) & 0xFF:
        raise ValueError("encrypted data: project key does not match the project ID")
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key_enc, version_enc
    plain = bytearray()
    for enc in blob[3:]:
        byte = enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", plain, ignored)
    data = bytes(plain[ignored + 4 :])
    if len(data) != length:
        raise ValueError(f"encrypted data: length {length} != {len(data)}")
    return data


def _seed(project_id: str, what: str) -> int:
    return hashlib.sha256(f"{project_id}/{what}".encode()).digest()[0]


def _project_stream(
    project_id: str, project_name: str, modules: Sequence[VbaModule], codec: str
) -> bytes:
    def hexed(what: str, data: bytes) -> str:
        return encrypt_project_data(project_id, data, _seed(project_id, what)).hex().upper()

    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind is ModuleKind.DOCUMENT:
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind is ModuleKind.CLASS:
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{hexed("CMG", bytes(4))}"',  # protection state: none
        f'DPB="{hexed("DPB", bytes(1))}"',  # password: none
        f'GC="{hexed("GC", bytes([0xFF]))}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{m.name}=0, 0, 0, 0, C" for m in modules),
    ]
    return ("\r\n".join(lines) + "\r\n").encode(codec)


def _project_wm(modules: Sequence[VbaModule], codec: str) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(codec) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def build_vba_project(
    modules: Iterable[VbaModule],
    *,
    project_name: str = "VBAProject",
    references: Sequence[Reference] = DEFAULT_REFERENCES,
    codepage: int = 1252,
    syskind: int = SYSKIND_WIN64,
    project_id: str | None = None,
) -> bytes:
    """The bytes of a source-only vbaProject.bin holding ``modules`` (in that order).

    ``project_id`` defaults to a GUID derived from the module names, so the same input gives
    the same bytes (reproducible builds; the file can be compared in tests).
    """
    mods = list(modules)
    names = [m.name.lower() for m in mods]
    if len(set(names)) != len(names):
        raise ValueError("module names must be unique (case-insensitively)")
    if not _IDENTIFIER.match(project_name):
        raise ValueError(f"not a valid VBA project name: {project_name!r}")
    codec = f"cp{codepage}"
    if project_id is None:
        seed = "|".join([project_name, *names])
        project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "vba:" + seed)).upper() + "}"
    streams: dict[str, bytes] = {
        "PROJECT": _project_stream(project_id, project_name, mods, codec),
        "PROJECTwm": _project_wm(mods, codec),
        "VBA/_VBA_PROJECT": _VBA_PROJECT_STREAM,
        "VBA/dir": compress(_dir_stream(project_name, mods, references, codepage, syskind, codec)),
    }
    for m in mods:
        source = stored_source(m)
        try:
            raw = source.encode(codec)
        except UnicodeEncodeError as exc:
            bad = source[exc.start : exc.end]
            raise ValueError(
                f"module {m.name}: {bad!r} is not in code page {codepage}; keep VBA source "
                "ASCII and build such strings with vba_string_expr() (ChrW)"
            ) from exc
        streams[f"VBA/{m.name}"] = compress(raw)
    return build_compound_file(streams)
