"""Writing outputs safely: to a temporary file beside the target, then moved into place.

A run killed while writing (Ctrl-C, SIGKILL, a power cut) leaves its temporary file behind:
its name (`.~ledger_xl-<pid>-….xlsx`) says which process wrote it, and the next write into
that folder removes the ones whose process is gone (or that are a day old). Readers skip
them (`app.paths`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ledger_xl.core.errors import OutputError
from ledger_xl.io.sniff import excel_owner_files

TEMP_PREFIX = ".~ledger_xl-"
STALE_SECONDS = 24 * 3600  # a temporary file this old is stale whoever wrote it
_OURS = re.compile(re.escape(TEMP_PREFIX) + r"(?:(\d+)-)?[\w-]*(?:\.\w+)?$")


def check_writable(path: Path, overwrite: bool) -> None:
    """Refuse a folder, a workbook Excel holds open, an existing file (unless `overwrite`), a
    missing or unwritable folder."""
    path = Path(path)
    try:
        if path.is_dir():
            raise OutputError(f"{path} 是一个文件夹，请给出要写入的文件名")
        for owner in excel_owner_files(path):
            if owner.exists():
                raise OutputError(
                    f"{path} 正在被 Excel 打开（发现 {owner.name}），请先在 Excel 中关闭它再写入；"
                    f"若 Excel 并未打开它（例如 Excel 曾意外退出），请删除 {owner.name} 后重试"
                )
        if path.exists() and not overwrite:
            raise OutputError(f"{path} 已存在；如确要覆盖，请加 --force")
        if path.exists() and not path.is_file():
            raise OutputError(f"{path} 不是普通文件，请给出要写入的文件名")
        if not path.parent.exists():
            raise OutputError(f"目录 {path.parent} 不存在")
    except OSError as exc:  # a folder we may not look into
        raise OutputError(f"无法访问 {path}（{exc.strerror or exc}）") from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise OutputError(f"没有写入目录 {path.parent} 的权限")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files of earlier ledger_xl writes in `folder` whose process is
    gone (or that are more than a day old). Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _OURS.match(entry.name)
        if match is None or entry.is_symlink():
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(match.group(1)) if match.group(1) else None
        if (
            age > STALE_SECONDS
            or (pid is not None and not _alive(pid))
            or (
                pid is None and age > 3600  # written before the pid was in the name
            )
        ):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)  # a folder a PDF was rendered into
                else:
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def temporary_folder(target: Path) -> tempfile.TemporaryDirectory:
    """A temporary folder beside `target`, named so that a later write cleans it up if this
    run is killed before it is removed."""
    remove_stale_temporaries(target.parent)
    return tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=target.parent)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or no way to tell: keep the file
    return True


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; move it onto `path` if the body succeeds."""
    target = Path(path)
    check_writable(target, overwrite)
    remove_stale_temporaries(target.parent)
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise OutputError(f"无法在 {target.parent} 中写入（{exc.strerror or exc}）") from None
    os.close(handle)
    temp = Path(temp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp's 0600 would hide the output from colleagues
    try:
        yield temp
        check_writable(target, overwrite)  # nothing appeared meanwhile
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise OutputError(f"无法写入 {target}（{exc.strerror or exc}）") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
