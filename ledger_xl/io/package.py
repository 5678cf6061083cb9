"""Where the parts of an xlsx package are, found the same way by every reader.

`_rels/.rels` names the main workbook part; the workbook's relationships name each sheet's part
and the shared strings. The sniff (`io.sniff`), the value reader (python-calamine, through
`io.read`) and the formula reader (`io.formulas_reader`) must agree on these parts, or a
crafted package could show one reader an honest decoy and another a hostile part. Every
writer we know (Excel, WPS, LibreOffice, openpyxl, XlsxWriter) puts the workbook at
`xl/workbook.xml`; the sniff refuses a package whose `_rels/.rels` points anywhere else
(`MAIN_PART`), so all three read the same parts.

The small XML parts read here are parsed with defusedxml; a DOCTYPE or entity declaration is
refused as `PackageError` (the sniff reports it as `file-xml-bomb` before this runs).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

MAIN_PART = "xl/workbook.xml"
MAX_SMALL_PART = 64 << 20  # a relationships part or workbook.xml is a few KiB

NS_REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"


class PackageError(Exception):
    """A part that is missing, not XML, or declares entities (`bomb`), or whose compressed
    data is damaged (`damaged`: a truncated or corrupted file)."""

    def __init__(self, detail: str, bomb: bool = False, damaged: bool = False) -> None:
        super().__init__(detail)
        self.detail, self.bomb, self.damaged = detail, bomb, damaged


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # the zip member name it resolves to (not checked to exist)


def member_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Lower-case member name → the name as stored (zip names are matched case-blind)."""
    return {name.lower(): name for name in archive.namelist()}


def parse_part(archive: zipfile.ZipFile, names: dict[str, str], part: str):
    """A small XML part as an element tree (defusedxml). Raises PackageError."""
    name = names.get(part.lower())
    if name is None:
        raise PackageError(f"缺少部件 {part}")
    info = archive.getinfo(name)
    if info.file_size > MAX_SMALL_PART:
        raise PackageError(f"部件 {part} 大小异常")
    try:
        with archive.open(info) as member:
            data = member.read(MAX_SMALL_PART + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError):
        raise PackageError(f"部件 {part} 已损坏，无法解压", damaged=True) from None
    try:
        return SafeElementTree.fromstring(data)
    except DefusedXmlException:
        raise PackageError(f"部件 {part} 含有 XML 实体定义", bomb=True) from None
    except ParseError as exc:
        raise PackageError(f"部件 {part} 不是有效的 XML（{exc}）") from None
    except LookupError as exc:  # an encoding declared that Python does not know
        raise PackageError(f"部件 {part} 声明了无法识别的字符编码（{exc}）") from None
    except (ValueError, RecursionError) as exc:  # e.g. a multi-byte encoding expat refuses
        raise PackageError(f"部件 {part} 不是有效的 XML（{exc}）") from None


def resolve(folder: str, target: str) -> str:
    """A relationship target as a zip member name: absolute ("/xl/...") or relative."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def relationships(archive: zipfile.ZipFile, names: dict[str, str], part: str) -> list[Relationship]:
    """The relationships of `part` (its `_rels/<name>.rels`); [] when it has none."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels.lower() not in names:
        return []
    root = parse_part(archive, names, rels)
    return [
        Relationship(
            rel.get("Id") or "", rel.get("Type") or "", resolve(folder, rel.get("Target") or "")
        )
        for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship")
        if (rel.get("TargetMode") or "").lower() != "external"
    ]


def workbook_part(archive: zipfile.ZipFile, names: dict[str, str] | None = None) -> str:
    """The main workbook part named by `_rels/.rels` (the member's stored name), or
    `xl/workbook.xml` when the package has no root relationships."""
    names = names or member_names(archive)
    if "_rels/.rels" in names:
        root = parse_part(archive, names, "_rels/.rels")
        for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
            if (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                target = resolve("", rel.get("Target") or "")
                return names.get(target.lower(), target)
    return names.get(MAIN_PART, MAIN_PART)


def sheet_parts(archive: zipfile.ZipFile, names: dict[str, str] | None = None) -> dict[str, str]:
    """Sheet name → the member holding it, in workbook order (sheets whose part is missing
    are left out)."""
    names = names or member_names(archive)
    main = workbook_part(archive, names)
    root = parse_part(archive, names, main)
    targets = {r.id: r.target for r in relationships(archive, names, main)}
    out: dict[str, str] = {}
    for sheet in root.iter():
        if not isinstance(sheet.tag, str) or sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(sheet.get(f"{{{NS_REL_DOC}}}id") or "")
        if target is not None and target.lower() in names:
            out[sheet.get("name") or ""] = names[target.lower()]
    return out


def shared_strings_parts(archive: zipfile.ZipFile, names: dict[str, str]) -> list[str]:
    """Every member a reader may take for the shared strings: the workbook's relationship
    target and any member called sharedStrings.xml."""
    found = {n for low, n in names.items() if low.rsplit("/", 1)[-1] == "sharedstrings.xml"}
    try:
        for rel in relationships(archive, names, workbook_part(archive, names)):
            if rel.type.endswith(_SHARED_STRINGS) and rel.target.lower() in names:
                found.add(names[rel.target.lower()])
    except PackageError:
        pass  # the sniff reports the broken part itself
    return sorted(found)


_UNIQUE_COUNT = re.compile(r"""\buniqueCount\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_SST_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?sst\b[^>]*>", re.DOTALL)


def declared_unique_count(head: str) -> str | None:
    """The `uniqueCount` attribute of the shared-strings root start tag in `head` (the part's
    first characters), "" when the tag has none, None when the whole tag is not in `head`."""
    root = _SST_START.search(head)
    if root is None:
        return None
    found = _UNIQUE_COUNT.search(root.group(0))
    return found.group(2) if found else ""
