"""Shared fixtures. LibreOffice tests skip on a developer machine without it, fail in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ledger_xl.io import libreoffice


@pytest.fixture(scope="session")
def soffice() -> str:
    found = libreoffice.find_soffice()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have LibreOffice: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice not installed")
    return found


@pytest.fixture(scope="session")
def office(soffice) -> Iterator[object]:
    """One private headless LibreOffice for the session, driven through Python-UNO (the
    add-in's adapter); listening on 127.0.0.1 only, stopped at the end."""
    from ledger_xl.excel.office import Office, uno_available

    reason = uno_available()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have LibreOffice's Python bridge (scripts/test.sh): {reason}")
        pytest.skip(reason)
    with Office() as running:
        yield running
