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

    def __reduce__(self):  # crosses from a reading child process (`io.isolated`)
        return (type(self), (self.sheet, self.cell, self.detail))


class WorkbookReadError(LedgerXLError):
    """A file that cannot be read as a ledger workbook (missing sheet, not xlsx, ...).

    `code` is the file-level finding it stands for when it is not the default
    (`file-truncated` for a damaged sheet); `finding` the sniff's finding, when it has one."""

    def __init__(self, path: object, message: str, code: str = "") -> None:
        self.path, self.detail, self.code = path, message, code
        super().__init__(f"{path}：{message}")

    def __reduce__(self):
        return (_read_error, (type(self), self.path, self.detail, self.code, self.__dict__))


def _read_error(cls, path, message, code, state):
    error = cls(path, message, code)
    error.__dict__.update(state)
    return error


class OutputError(LedgerXLError):
    """An output we will not write: it exists (and overwrite was not asked) or Excel holds it."""


class InputError(LedgerXLError):
    """An import source (CSV / xlsx list) that cannot be used at all."""
