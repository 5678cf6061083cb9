"""The committed template is what the builder makes today, and it holds what a clerk needs."""

from __future__ import annotations

import zipfile

from ledger_xl.app.template import COMMITTED_TEMPLATE, write_template
from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import TEMPLATE_VERSION
from ledger_xl.io.read import read_book


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_committed_template_is_up_to_date(tmp_path):
    fresh = write_template(tmp_path / "fresh.xlsx")
    committed, rebuilt = _parts(COMMITTED_TEMPLATE), _parts(fresh)
    assert sorted(committed) == sorted(rebuilt)
    stale = [name for name in committed if committed[name] != rebuilt[name]]
    assert stale == [], (
        f"templates/ledger_template.xlsx is out of date in {stale}; "
        "regenerate it with: python -m ledger_xl.app.template"
    )


def test_template_reads_back_with_default_rules_and_no_rows():
    book = read_book(COMMITTED_TEMPLATE)
    assert book.rules == DEFAULT_RULES
    assert len(book.ledger.frame) == 0
    assert book.properties[layout.PROP_TEMPLATE_VERSION] == TEMPLATE_VERSION
    assert book.properties[layout.PROP_RULES_FINGERPRINT] == DEFAULT_RULES.fingerprint()


def test_template_sheets_in_design_order():
    with zipfile.ZipFile(COMMITTED_TEMPLATE) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
    positions = [workbook_xml.index(f'name="{name}"') for name in layout.SHEET_ORDER]
    assert positions == sorted(positions)
