#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then lint and run the whole suite.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v soffice >/dev/null 2>&1; then
  echo "== installing LibreOffice (libreoffice-calc-nogui) for the spreadsheet-engine tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui fonts-noto-cjk poppler-utils >/dev/null
fi
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  echo "== installing poppler-utils (pdftotext, pdfinfo) for the PDF rendering tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    poppler-utils >/dev/null
fi
soffice --version
# LibreOffice's Python bridge (UNO): the encryption test opens a password-protected branch
# workbook in LibreOffice with the system Python (tests/workbook/lo_open.py).
if ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
  echo "== installing python3-uno for the LibreOffice password test"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    python3-uno >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"

.venv/bin/ruff check ledger_xl tests bench
.venv/bin/python -m pytest "$@"
