"""What the handlers need beyond xlwings' Book API, per application.

xlwings has no API for a workbook's custom document properties, for sheet protection, for a
cell's Locked flag or for asking the user a password; the handlers call these through a
`Host`. `host_for(book)` picks it: the LibreOffice adapter's `Book` carries its own
(`ledger_xl.excel.uno_book.UnoHost`); any other book is xlwings' and gets `ExcelHost`, which
goes through COM (`.api`, pywin32) and so only runs in Excel on Windows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Protocol

from ledger_xl.core.errors import LedgerXLError

# Excel's Worksheet.Protection flags, re-applied when a sheet is protected again.
_ALLOW = (
    "AllowFormattingCells",
    "AllowFormattingColumns",
    "AllowFormattingRows",
    "AllowInsertingColumns",
    "AllowInsertingRows",
    "AllowInsertingHyperlinks",
    "AllowDeletingColumns",
    "AllowDeletingRows",
    "AllowSorting",
    "AllowFiltering",
    "AllowUsingPivotTables",
)


class AddinError(LedgerXLError):
    """A button or custom function cannot do what was asked; the message says why, in Chinese,
    and what to do (shown to the user instead of a traceback)."""


class Host(Protocol):
    """The per-application operations of the add-in."""

    def properties(self, book: Any) -> dict[str, str]:
        """The workbook's custom document properties (template version, rules fingerprint)."""
        ...

    def is_protected(self, sheet: Any) -> bool:
        """True when the sheet's contents are protected."""
        ...

    def unprotected(
        self, sheet: Any, password: str | None = None
    ) -> contextlib.AbstractContextManager:
        """A block inside which the sheet is unprotected; protected again as before after it."""
        ...

    def lock(self, rng: Any, locked: bool = True) -> None:
        """Set the cells' Locked flag (takes effect while the sheet is protected)."""
        ...

    def tell(self, book: Any, text: str) -> None:
        """Show `text` to the user."""
        ...

    def busy(self, book: Any) -> contextlib.AbstractContextManager:
        """A block of many changes: the application redraws (and re-lays out) once, after."""
        ...


def host_for(book: Any) -> Host:
    """The host of `book`: the LibreOffice adapter's own, or Excel's."""
    host = getattr(book, "ledger_xl_host", None)
    return host if host is not None else ExcelHost()


class ExcelHost:
    """Excel through xlwings' `.api` (pywin32 COM objects)."""

    def properties(self, book: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for prop in book.api.CustomDocumentProperties:
            with contextlib.suppress(Exception):  # a linked property without a value
                out[str(prop.Name)] = str(prop.Value)
        return out

    def is_protected(self, sheet: Any) -> bool:
        return bool(sheet.api.ProtectContents)

    @contextlib.contextmanager
    def unprotected(self, sheet: Any, password: str | None = None) -> Iterator[None]:
        ws = sheet.api
        if not ws.ProtectContents:
            yield
            return
        allowed = {name: bool(getattr(ws.Protection, name)) for name in _ALLOW}
        drawing, scenarios = bool(ws.ProtectDrawingObjects), bool(ws.ProtectScenarios)
        selection = ws.EnableSelection
        secret = password or ""
        try:
            ws.Unprotect(secret)
        except Exception:  # pywintypes.com_error: wrong or missing password
            if password is None:
                answer = ws.Application.InputBox(
                    f"工作表“{sheet.name}”设有保护密码。请输入密码（只用于这一次操作，不会保存）：",
                    "ledger_xl",
                )
                if isinstance(answer, str) and answer:
                    secret = answer
            try:
                ws.Unprotect(secret)
            except Exception:
                raise AddinError(f"工作表“{sheet.name}”的保护密码不对，操作已取消") from None
        try:
            yield
        finally:
            ws.Protect(
                Password=secret,
                DrawingObjects=drawing,
                Contents=True,
                Scenarios=scenarios,
                **allowed,
            )
            ws.EnableSelection = selection

    def lock(self, rng: Any, locked: bool = True) -> None:
        rng.api.Locked = locked

    def tell(self, book: Any, text: str) -> None:
        book.app.alert(text, title="ledger_xl")

    @contextlib.contextmanager
    def busy(self, book: Any) -> Iterator[None]:
        app = book.app
        updating = app.screen_updating
        app.screen_updating = False
        app.status_bar = "ledger_xl 正在处理，请稍候…"
        try:
            yield
        finally:
            app.status_bar = False
            app.screen_updating = updating
