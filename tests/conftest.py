"""Shared fixtures. LibreOffice tests skip on a developer machine without it, fail in CI."""

from __future__ import annotations

import os

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
