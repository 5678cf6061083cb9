"""What every `ledger-xl` command module shares: the consoles, the error wrapper, the date
options and their checks. Light on purpose (typer, rich, the core's errors): `ledger-xl --help`
loads it and nothing heavy."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from typing import Annotated

import typer

from ledger_xl import terminal
from ledger_xl.core.errors import LedgerXLError

# Piped output has no terminal width to respect: a wide console keeps each finding on a line.
_PIPED_WIDTH = None if sys.stdout.isatty() else 200
console = terminal.make_console(width=_PIPED_WIDTH)
err_console = terminal.make_console(stderr=True)

ForceOpt = Annotated[bool, typer.Option("--force", help="输出文件已存在时覆盖它。")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="基准日（默认今天），如 2026-11-23。")]

# Dates within what every list, summary and workbook can compute: review dates run years past
# the day, and Excel holds dates from 1900 to 9999.
AS_OF_FIRST, AS_OF_LAST = dt.date(1900, 1, 1), dt.date(9899, 12, 31)


def friendly(command):
    """Turn ledger_xl's own errors into one clear line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LedgerXLError as exc:
            terminal.error(err_console, str(exc))
            raise typer.Exit(2) from None

    return wrapper


def parse_date(text: str | None, option: str = "--as-of") -> dt.date:
    """An option's date (today when not given); a bad or out-of-range one is a usage error
    (exit 2) saying what to write."""
    if text is None:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{option}“{text}”不是日期，请写成 2026-11-23") from None
    if not AS_OF_FIRST <= day <= AS_OF_LAST:
        raise typer.BadParameter(
            f"{option} {day.isoformat()} 超出可用范围，须在 {AS_OF_FIRST.isoformat()} 到 "
            f"{AS_OF_LAST.isoformat()} 之间"
        )
    return day
