#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then lint and run the whole suite.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# LibreOffice recalculates and renders built workbooks; its Python bridge (python3-uno) runs
# the add-in's button handlers against workbooks open in it, and opens an encrypted branch
# workbook with its password (tests/workbook/lo_open.py).
packages=()
command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-calc-nogui)
[ -f /usr/lib/python3/dist-packages/uno.py ] || packages+=(python3-uno)
# The PDF tests render Chinese text (CJK fonts) and read the pages back (poppler's pdftotext
# and pdfinfo): installed whenever missing, whether or not LibreOffice was already there.
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  packages+=(fonts-noto-cjk)
fi
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  packages+=(poppler-utils)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "== installing ${packages[*]} for the spreadsheet-engine and PDF tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >/dev/null
fi
soffice --version

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"

.venv/bin/ruff check ledger_xl tests bench
.venv/bin/python -m pytest "$@"
