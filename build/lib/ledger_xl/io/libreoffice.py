"""LibreOffice, headless: recalculate a workbook with a real spreadsheet engine, or render a PDF.

LibreOffice keeps an xlsx file's cached values unless told otherwise, so a private profile
is set up whose OOXML recalculation mode is "always": every formula is recalculated on load.
The input file is never modified; results land in a separate output folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ledger_xl.core.errors import LedgerXLError

_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(LedgerXLError):
    """LibreOffice is missing or did not produce the expected output."""


def find_soffice() -> str | None:
    """Path of the soffice executable, or None when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def version() -> str:
    soffice = _require()
    result = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60)
    return result.stdout.strip()


def _require() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError(
            "未安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-calc-nogui）"
        )
    return soffice


def _convert(source: Path, out_dir: Path, target: str, timeout: float) -> Path:
    soffice = _require()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ledger_xl-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
        env = {**os.environ, "HOME": profile}
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, env=env
            )
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(
                f"LibreOffice 处理 {source.name} 超时（{timeout:.0f} 秒）"
            ) from exc
    produced = out_dir / (source.stem + "." + target.split(":")[0])
    if result.returncode != 0 or not produced.exists():
        raise LibreOfficeError(
            f"LibreOffice 未能转换 {source.name}：{result.stderr.strip() or result.stdout.strip()}"
        )
    return produced


def recalculate(source: str | Path, out_dir: str | Path, timeout: float = 600) -> Path:
    """Load `source` in LibreOffice, recalculate every formula, save as xlsx into `out_dir`.

    `out_dir` must differ from the source's folder, so the input is never overwritten.
    """
    source, out_dir = Path(source).resolve(), Path(out_dir).resolve()
    if out_dir == source.parent:
        raise LibreOfficeError("输出目录不能与输入文件所在目录相同")
    return _convert(source, out_dir, "xlsx:Calc MS Excel 2007 XML", timeout)


def to_pdf(source: str | Path, out_dir: str | Path, timeout: float = 600) -> Path:
    """Render `source` to PDF (formulas recalculated first) into `out_dir`."""
    return _convert(Path(source).resolve(), Path(out_dir).resolve(), "pdf", timeout)
