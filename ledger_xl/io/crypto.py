"""Real OOXML encryption (ECMA-376 agile, what Excel writes for 文件 → 信息 → 用密码进行加密)
with msoffcrypto-tool: Excel, WPS and LibreOffice ask for the password when opening.

`encrypt` writes the encrypted copy atomically; `decrypted` yields a private plain copy of an
encrypted file (a 0700 temporary folder, always removed, the user's file never re-saved);
`try_passwords` tells which of several passwords opens a file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import msoffcrypto
from msoffcrypto import exceptions as crypto_errors
from msoffcrypto.format.ooxml import OOXMLFile

from ledger_xl.core.errors import LedgerXLError
from ledger_xl.io.output import atomic_output
from ledger_xl.io.sniff import OLE2_MAGIC

# The codes of reading an encrypted returned workbook (`collect`).
CODES = ("file-password-missing", "file-wrong-password")


class PasswordError(LedgerXLError):
    """No given password opens the file."""


def encrypt(
    plain: str | os.PathLike, target: str | os.PathLike, password: str, *, overwrite: bool = False
) -> Path:
    """Write `plain` (an .xlsx) encrypted with `password` to `target`, atomically."""
    if not password:
        raise ValueError("an empty password encrypts nothing")
    with (
        atomic_output(target, overwrite) as temp,
        Path(plain).open("rb") as source,
        temp.open("wb") as out,
    ):
        OOXMLFile(source).encrypt(password, out)
    return Path(target)


def is_encrypted(path: str | os.PathLike) -> bool:
    """True when the file is an OLE2 container holding an encrypted OOXML package."""
    try:
        with Path(path).open("rb") as fh:
            if fh.read(len(OLE2_MAGIC)) != OLE2_MAGIC:
                return False
            fh.seek(0)
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except (OSError, crypto_errors.FileFormatError, ValueError):
        return False


def opens_with(path: str | os.PathLike, password: str) -> bool:
    """True when `password` opens the encrypted file (the key is verified, nothing kept)."""
    try:
        with Path(path).open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            office.load_key(password=password, verify_password=True)
        return True
    except (crypto_errors.InvalidKeyError, crypto_errors.DecryptionError):
        return False
    except crypto_errors.FileFormatError:
        return False


def try_passwords(path: str | os.PathLike, passwords: Iterable[str]) -> str | None:
    """The first of `passwords` that opens the file, or None."""
    for password in passwords:
        if password and opens_with(path, password):
            return password
    return None


@contextlib.contextmanager
def decrypted(path: str | os.PathLike, password: str) -> Iterator[Path]:
    """A plain copy of the encrypted `path` in a private temporary folder, removed on exit.
    Raises PasswordError when the password does not open it."""
    source = Path(path)
    folder = Path(tempfile.mkdtemp(prefix="ledger_xl-plain-"))  # mode 0700
    try:
        plain = folder / (source.stem + ".xlsx")
        try:
            with source.open("rb") as fh:
                office = msoffcrypto.OfficeFile(fh)
                office.load_key(password=password, verify_password=True)
                with plain.open("wb") as out:
                    office.decrypt(out)
        except (crypto_errors.InvalidKeyError, crypto_errors.DecryptionError) as exc:
            raise PasswordError(f"{source}：密码不对") from exc
        yield plain
    finally:
        shutil.rmtree(folder, ignore_errors=True)
