"""Which files a command reads: arguments (files, folders, globs) → workbooks, each once.

- A path that exists is that file, even when its name holds glob characters
  (`北京分公司[终版].xlsx`); only an argument that names nothing is a pattern.
- Folders are searched recursively and `**` patterns match at any depth, without following
  symbolic links to folders: a link back to a parent (`loop → .`) cannot make a search
  endless or read a file twice.
- The same file reached twice — `x.xlsx`, `./x.xlsx`, its absolute path, a symbolic or hard
  link — is read once (files are compared by device and inode), and the repeat is reported.
- Skipped, with a reason: Excel's `~$` owner files, the temporary files an interrupted
  ledger_xl write left behind (`.~ledger_xl-*`), and ledger_xl's own outputs (due lists,
  summaries, findings and review reports, recognised by their `ledger_xl.kind` document
  property) — written into the folder being read, they are not ledgers.
- `check_outputs` refuses an output that is one of the inputs, even with --force.
"""

from __future__ import annotations

import glob
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ledger_xl.core import layout
from ledger_xl.core.errors import OutputError
from ledger_xl.io import package
from ledger_xl.io.output import TEMP_PREFIX
from ledger_xl.io.read import custom_properties
from ledger_xl.io.xlsx.kit import KIND_LABELS, PROP_KIND

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xls", ".xlsb", ".ods", ".csv"}
OWNER_PREFIX = "~$"
_ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xltx"}


@dataclass
class Gathered:
    """The files to read, in the order given, and what was left out and why."""

    files: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # arguments that matched nothing
    repeated: list[tuple[Path, Path]] = field(default_factory=list)  # (name, same file as)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason)
    closed: list[tuple[str, str]] = field(default_factory=list)  # (folder, why) not searched

    def notes(self) -> list[str]:
        """One line per argument that matched nothing, repeated file, skipped file and folder
        that could not be searched."""
        lines = [f"“{argument}”没有匹配到任何工作簿" for argument in self.missing]
        lines += [
            f"无法查看文件夹 {folder}（{why}），其中的工作簿没有读取" for folder, why in self.closed
        ]
        lines += [f"“{name}”与“{first}”是同一个文件，只读取一次" for name, first in self.repeated]
        lines += [f"跳过 {path}：{reason}" for path, reason in self.skipped]
        return lines


def gather(arguments: Sequence[str], skip_outputs: bool = True) -> Gathered:
    """Files, folders (searched recursively) and glob patterns → the workbooks to read."""
    out = Gathered()
    seen: dict[tuple[int, int], Path] = {}
    for argument in arguments:
        matches = _matches(argument, out.closed)
        if not matches:
            out.missing.append(argument)
            continue
        for path in matches:
            reason = _skip_reason(path, skip_outputs)
            if reason:
                if (path, reason) not in out.skipped:
                    out.skipped.append((path, reason))
                continue
            key = _identity(path)
            if key is None:  # cannot be stat'ed: the reader reports it
                if path not in out.files:
                    out.files.append(path)
                continue
            if key in seen:
                if seen[key] != path and (path, seen[key]) not in out.repeated:
                    out.repeated.append((path, seen[key]))
                continue
            seen[key] = path
            out.files.append(path)
    return out


def _matches(argument: str, closed: list[tuple[str, str]]) -> list[Path]:
    path = Path(argument)
    if _is_file(path):
        return [path]  # an existing name is a name, whatever characters it holds
    if _is_dir(path):
        return _walk(path, closed)
    if glob.has_magic(argument):
        root, pattern = _split_pattern(argument)
        if not pattern:
            return []
        try:
            found = Path(root).glob(pattern)  # `**` does not follow symlinked folders
            return sorted(p for p in found if _candidate(p))
        except (OSError, ValueError):
            return []
    return [path] if os.path.lexists(path) else []


def _walk(folder: Path, closed: list[tuple[str, str]]) -> list[Path]:
    """The workbooks under `folder`, at any depth, not following symlinked folders; the
    folders that cannot be listed are added to `closed`."""

    def blocked(error: OSError) -> None:
        where = error.filename or str(folder)
        closed.append((str(where), error.strerror or type(error).__name__))

    found = []
    for root, folders, files in os.walk(folder, onerror=blocked, followlinks=False):
        folders.sort()
        found.extend(p for name in files if _candidate(p := Path(root) / name))
    return sorted(found)


def _split_pattern(argument: str) -> tuple[str, str]:
    """(the folder before the first component with glob characters, the rest)."""
    parts = Path(argument).parts
    for i, part in enumerate(parts):
        if glob.has_magic(part):
            root = Path(*parts[:i]) if i else Path(".")
            return str(root), "/".join(parts[i:])
    return argument, ""


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _candidate(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES and _is_file(path)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return None
    return stat.st_dev, stat.st_ino


def _skip_reason(path: Path, skip_outputs: bool) -> str:
    name = path.name
    if name.startswith(OWNER_PREFIX):
        return "这是 Excel 打开工作簿时留下的 ~$ 锁定文件，不是工作簿"
    if name.startswith(TEMP_PREFIX):
        return "这是 ledger_xl 写入中断时留下的临时文件（下次写入该文件夹时会自动清理）"
    if skip_outputs:
        kind = output_kind(path)
        if kind:
            return f"这是 ledger_xl 生成的{KIND_LABELS.get(kind, '输出文件')}，不是台账"
    return ""


def output_kind(path: Path) -> str:
    """What a workbook ledger_xl wrote is, when it is not a ledger: its `ledger_xl.kind`, or
    "output" for one written before outputs carried it (created by ledger_xl, no 台账 sheet).
    "" for a ledger, a template, or any other file."""
    if path.suffix.lower() not in _ZIP_SUFFIXES or not _is_file(path):
        return ""  # never open a pipe or a device: it would block
    kind = custom_properties(path).get(PROP_KIND, "")
    if kind:
        return "" if kind == "ledger" else kind
    return "output" if _older_output(path) else ""


def _older_output(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = package.member_names(archive)
            if "docprops/core.xml" not in names:
                return False
            core = package.parse_part(archive, names, "docProps/core.xml")
            creator = next(
                (
                    e.text
                    for e in core.iter()
                    if isinstance(e.tag, str) and e.tag.endswith("}creator")
                ),
                None,
            )
            if (creator or "").strip() != "ledger_xl":
                return False
            return layout.SHEET_LEDGER not in package.sheet_parts(archive, names)
    except (zipfile.BadZipFile, OSError, package.PackageError, KeyError, RuntimeError):
        return False


def check_outputs(outputs: Sequence[Path | None], inputs: Sequence[Path]) -> None:
    """Refuse an output that is one of the inputs (by name, link or inode), even with --force:
    writing it would replace a workbook being read."""
    for output in outputs:
        if output is None:
            continue
        key = _identity(output)
        target = _resolved(output)
        for source in inputs:
            if (key is not None and key == _identity(source)) or target == _resolved(source):
                raise OutputError(
                    f"输出文件 {output} 就是输入文件 {source}；不会覆盖正在读取的工作簿，"
                    "请换一个输出文件名"
                )


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
