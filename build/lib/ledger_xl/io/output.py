"""Writing outputs safely: to a temporary file beside the target, then moved into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ledger_xl.core.errors import OutputError
from ledger_xl.io.sniff import excel_owner_files


def check_writable(path: Path, overwrite: bool) -> None:
    """Refuse a folder, a workbook Excel holds open, an existing file (unless `overwrite`)."""
    if path.is_dir():
        raise OutputError(f"{path} 是一个文件夹，请给出要写入的文件名")
    for owner in excel_owner_files(path):
        if owner.exists():
            raise OutputError(
                f"{path} 正在被 Excel 打开（发现 {owner.name}），请先在 Excel 中关闭它再写入"
            )
    if path.exists() and not overwrite:
        raise OutputError(f"{path} 已存在；如确要覆盖，请加 --force")
    if not path.parent.exists():
        raise OutputError(f"目录 {path.parent} 不存在")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; move it onto `path` if the body succeeds."""
    target = Path(path)
    check_writable(target, overwrite)
    handle, temp_name = tempfile.mkstemp(
        prefix=".~ledger_xl-", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    temp = Path(temp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp's 0600 would hide the output from colleagues
    try:
        yield temp
        check_writable(target, overwrite)  # nothing appeared meanwhile
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
