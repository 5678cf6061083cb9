"""Exceptions: a broken rule set, an unreadable workbook, an output we refuse to write.

Each carries a Chinese message meant for the person at the keyboard; the CLI prints it as is.
"""

from __future__ import annotations


class LedgerXLError(Exception):
    """Base of every error ledger_xl raises on purpose."""


class RulesError(LedgerXLError):
    """A workbook's rule sheets (填报规则 / 评分标准 / 审核周期) are broken: names sheet and cell."""

    def __init__(self, sheet: str, cell: str, message: str) -> None:
        self.sheet, self.cell, self.detail = sheet, cell, message
        super().__init__(f"规则表“{sheet}”{cell} 单元格：{message}")


class WorkbookReadError(LedgerXLError):
    """A file that cannot be read as a ledger workbook (missing sheet, not xlsx, ...)."""

    def __init__(self, path: object, message: str) -> None:
        self.path, self.detail = path, message
        super().__init__(f"{path}：{message}")


class OutputError(LedgerXLError):
    """An output we will not write: it exists (and overwrite was not asked) or Excel holds it."""


class InputError(LedgerXLError):
    """An import source (CSV / xlsx list) that cannot be used at all."""
