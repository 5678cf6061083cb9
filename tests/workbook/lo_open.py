"""Open a workbook in LibreOffice through UNO, with or without a password, and print what
its 台账 sheet holds. Run by the system Python that has LibreOffice's `uno` module
(Debian: python3-uno), not by the project's venv:

    /usr/bin/python3 tests/workbook/lo_open.py SOFFICE FILE [PASSWORD]

Prints `OPENED <A4 of 台账>` when the document loaded, `REFUSED <reason>` when it did not.
A private profile is used and the office is terminated before the script ends.
"""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def _prop(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def main(soffice: str, source: str, password: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="ledger_xl-lo-uno-") as profile:
        pipe = f"ledger_xl_{os.getpid()}"
        office = subprocess.Popen(
            [
                soffice,
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--nodefault",
                f"-env:UserInstallation={Path(profile).as_uri()}",
                f"--accept=pipe,name={pipe};urp;",
            ],
            env={**os.environ, "HOME": profile},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext(
                "com.sun.star.bridge.UnoUrlResolver", local
            )
            for _ in range(300):
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except NoConnectException:
                    time.sleep(0.2)
            else:
                print("REFUSED office did not start")
                return 2
            desktop = ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", ctx
            )
            props = [_prop("Hidden", True), _prop("ReadOnly", True)]
            if password is not None:
                props.append(_prop("Password", password))
            try:
                doc = desktop.loadComponentFromURL(
                    uno.systemPathToFileUrl(str(Path(source).resolve())), "_blank", 0, tuple(props)
                )
            except Exception as exc:  # an IOException for a file that cannot be opened
                doc = None
                reason = f"{type(exc).__name__}: {exc}"
            else:
                reason = "no document"
            if doc is None or not hasattr(doc, "Sheets"):
                print(f"REFUSED {reason}")
            else:
                sheet = doc.Sheets.getByName("台账")
                print(f"OPENED {sheet.getCellRangeByName('A4').getString()}")
                doc.close(True)
            with contextlib.suppress(Exception):  # the bridge closes as the office quits
                desktop.terminate()
        finally:
            try:
                office.wait(timeout=60)
            except subprocess.TimeoutExpired:
                office.kill()
                office.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
