"""A private headless LibreOffice, reached through its Python bridge (Python-UNO).

`Office()` starts `soffice` with a throw-away profile (set to recalculate every formula on
load, as `ledger_xl.io.libreoffice` does), listening on 127.0.0.1 only (or a named pipe), and
stops it — killing its whole process group if it hangs — on exit. `office.open(path)` gives the
workbook as an xlwings-like `ledger_xl.excel.uno_book.Book`::

    with Office() as office:
        book = office.open("台账.xlsx")
        ledger_xl.macros.validate(book)
        book.save()

`import_uno()` imports the bridge: Debian's `python3-uno` is built for the system Python
(Debian 12: 3.11); another CPython of the same minor version that is a shared-library build
(pyenv with --enable-shared, a venv made from it) can load it too. Other versions are refused.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ledger_xl.core.errors import LedgerXLError

if TYPE_CHECKING:
    from ledger_xl.excel.uno_book import Book

DEBIAN_UNO_DIR = "/usr/lib/python3/dist-packages"  # uno.py, unohelper.py (python3-uno)
LO_PROGRAM_DIR = "/usr/lib/libreoffice/program"  # pyuno.so, libpyuno.so
_ALLOW_MISMATCH = "LEDGER_XL_UNO_ALLOW_ABI_MISMATCH"  # for experiments only

# Recalculate every formula on load: XlsxWriter writes cached values that may be stale.
_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
_MACRO_NEVER, _MACRO_ALWAYS_NO_WARN = 0, 4
_QUIET_UPDATE = 1


class OfficeError(LedgerXLError):
    """LibreOffice could not be started, reached or asked to do something."""


# ---------------------------------------------------------------- the bridge


def bridge_python_version(program_dir: str = LO_PROGRAM_DIR) -> str | None:
    """The Python `X.Y` LibreOffice's libpyuno.so was linked against, or None if unknown."""
    try:
        data = Path(program_dir, "libpyuno.so").read_bytes()
    except OSError:
        return None
    found = re.search(rb"libpython(\d+\.\d+)\.so", data)
    return found.group(1).decode() if found else None


def import_uno() -> ModuleType:
    """Import `uno` in this interpreter, or raise OfficeError saying why it cannot be.

    A plain `import uno` first (the system Python, or a venv with system site packages).
    Otherwise, when LibreOffice's bridge was built for this very Python minor version, uno.py
    and unohelper.py are loaded from their Debian location by file — without putting all of
    dist-packages on sys.path — and the process is checked to hold a single libpython (a
    static build would load a second one: undefined behaviour, refused).
    """
    try:
        import uno  # type: ignore[import-not-found]

        return uno
    except ImportError:
        pass
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}"
    theirs = bridge_python_version()
    allowed = os.environ.get(_ALLOW_MISMATCH) == "1"
    if theirs is None or not Path(DEBIAN_UNO_DIR, "uno.py").exists():
        raise OfficeError(
            "LibreOffice 的 Python 桥接未安装（Debian/Ubuntu：apt-get install python3-uno）"
        )
    if theirs != ours and not allowed:
        raise OfficeError(
            f"LibreOffice 的 Python 桥接是为 Python {theirs} 编译的，当前是 Python {ours}；"
            f"请用 /usr/bin/python3（或由它创建的虚拟环境）运行"
        )
    for name in ("uno", "unohelper"):
        spec = importlib.util.spec_from_file_location(name, f"{DEBIAN_UNO_DIR}/{name}.py")
        if spec is None or spec.loader is None:
            raise OfficeError(f"找不到 {DEBIAN_UNO_DIR}/{name}.py（apt-get install python3-uno）")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)  # uno.py adds LO_PROGRAM_DIR for pyuno.so
        except BaseException:
            del sys.modules[name]
            raise
    loaded = _loaded_libpythons()
    if len(loaded) > 1 and not allowed:
        raise OfficeError(
            "导入 uno 时向进程加载了第二个 Python 运行库"
            f"（{', '.join(sorted(loaded))}）：当前 Python 不是共享库构建；"
            "请用 /usr/bin/python3（或由它创建的虚拟环境）运行"
        )
    return sys.modules["uno"]


def _loaded_libpythons() -> set[str]:
    """Paths of the libpython*.so files mapped into this process (Linux)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            return {line.split()[-1] for line in maps if "/libpython" in line}
    except OSError:
        return set()


def uno_available() -> str | None:
    """None when LibreOffice and its Python bridge can be used here, else the reason."""
    if find_soffice() is None:
        return "LibreOffice 未安装（apt-get install libreoffice-calc-nogui）"
    try:
        import_uno()
    except OfficeError as exc:
        return str(exc)
    return None


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def props(**values: Any) -> tuple[Any, ...]:
    """UNO PropertyValues from keyword arguments."""
    uno = import_uno()
    out = []
    for name, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


# ---------------------------------------------------------------- the process


class Office:
    """A private headless soffice, started on enter and shut down (or killed) on exit.

    `connection="socket"` listens on 127.0.0.1 at a free port; `"pipe"` uses a named local
    pipe and needs no port. Each Office has its own throw-away profile: two soffice processes
    must never share one (the second would hand its arguments to the first and exit).
    """

    def __init__(
        self,
        *,
        connection: str = "socket",
        startup_timeout: float = 60.0,
        shutdown_timeout: float = 15.0,
        soffice: str | None = None,
    ) -> None:
        if connection not in ("socket", "pipe"):
            raise ValueError("connection is 'socket' or 'pipe'")
        found = soffice or find_soffice()
        if found is None:
            raise OfficeError("LibreOffice 未安装（apt-get install libreoffice-calc-nogui）")
        self.soffice = found
        self.connection = connection
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.desktop: Any = None
        self._profile: str | None = None
        self.startup_seconds = 0.0

    def __enter__(self) -> Office:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start soffice and connect to it (retrying until `startup_timeout`)."""
        uno = import_uno()
        started = time.monotonic()
        self._profile = tempfile.mkdtemp(prefix="ledger_xl-uno-")
        user = Path(self._profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
        if self.connection == "socket":
            accept = f"socket,host=127.0.0.1,port={_free_port()},tcpNoDelay=1;urp;"
        else:
            accept = f"pipe,name=ledger_xl_{uuid.uuid4().hex};urp;"
        command = [
            self.soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={Path(self._profile).as_uri()}",
            f"--accept={accept}",
        ]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": self._profile},  # nothing lands in the real home
            start_new_session=True,  # own process group: oosplash and soffice.bin die together
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        no_connect = uno.getClass("com.sun.star.connection.NoConnectException")
        deadline = started + self.startup_timeout
        while True:
            try:
                context = resolver.resolve(f"uno:{accept}StarOffice.ComponentContext")
                break
            except no_connect:
                code = self.process.poll()
                if code is not None:
                    self._cleanup()
                    raise OfficeError(f"soffice 启动后立即退出（退出码 {code}）") from None
                if time.monotonic() > deadline:
                    self.stop()
                    raise OfficeError(
                        f"soffice 在 {self.startup_timeout:.0f} 秒内没有接受连接"
                    ) from None
                time.sleep(0.1)
        self.desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        """Close every document, ask soffice to quit, kill its process group if it will not."""
        proc = self.process
        if proc is None:
            return
        if self.desktop is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                components = self.desktop.getComponents().createEnumeration()
                while components.hasMoreElements():
                    with contextlib.suppress(Exception):
                        components.nextElement().close(True)
            with contextlib.suppress(Exception):  # the bridge drops while terminating
                self.desktop.terminate()
        self.desktop = None
        try:
            proc.wait(self.shutdown_timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything left in the group (normally none)
        self._cleanup()

    def _cleanup(self) -> None:
        self.process = None
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    def open(
        self, path: str | os.PathLike[str], *, read_only: bool = False, macros: bool = False
    ) -> Book:
        """Open a workbook, hidden. `macros=True` lets its VBA/Basic macros run (only for
        files we built)."""
        from ledger_xl.excel.uno_book import Book

        target = Path(path).resolve()
        if not target.exists():
            raise OfficeError(f"找不到文件：{target}")
        doc = self._desktop().loadComponentFromURL(
            target.as_uri(),
            "_blank",
            0,
            props(
                Hidden=True,
                ReadOnly=read_only,
                MacroExecutionMode=_MACRO_ALWAYS_NO_WARN if macros else _MACRO_NEVER,
                UpdateDocMode=_QUIET_UPDATE,
            ),
        )
        if doc is None or not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            with contextlib.suppress(Exception):
                doc.close(True)
            raise OfficeError(f"LibreOffice 无法把 {target.name} 作为电子表格打开")
        return Book(doc)

    def new(self) -> Book:
        """A new, empty spreadsheet document."""
        from ledger_xl.excel.uno_book import Book

        return Book(
            self._desktop().loadComponentFromURL(
                "private:factory/scalc", "_blank", 0, props(Hidden=True)
            )
        )

    def _desktop(self) -> Any:
        if self.desktop is None:
            raise OfficeError("LibreOffice 没有在运行")
        return self.desktop


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL, to the whole process group of a hung office."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
            os.killpg(proc.pid, signal.SIGCONT)  # a stopped process would not act on TERM
        try:
            proc.wait(5)
            return
        except subprocess.TimeoutExpired:
            continue
