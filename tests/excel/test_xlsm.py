"""The macro-enabled template: built from code and committed VBA source, up to date, its VBA
read back by a real parser (olevba), its buttons bound to those Subs, and LibreOffice opens it
and lists the modules."""

from __future__ import annotations

import importlib.util
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser

from ledger_xl import macros
from ledger_xl.app.template import COMMITTED_MACRO_TEMPLATE, write_template
from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx import addin
from ledger_xl.io.xlsx.vba_project import decompress

MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _modules(path: Path) -> dict[str, str]:
    """Every VBA module's source as olevba extracts it, by module name."""
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_all_macros()}
    finally:
        parser.close()


def _vml(path: Path) -> str:
    parts = _parts(path)
    return "".join(v.decode("utf-8") for k, v in parts.items() if k.endswith(".vml"))


def test_committed_xlsm_is_up_to_date(tmp_path):
    fresh = write_template(tmp_path / "fresh.xlsm")
    committed, rebuilt = _parts(COMMITTED_MACRO_TEMPLATE), _parts(fresh)
    assert sorted(committed) == sorted(rebuilt)
    stale = [name for name in committed if committed[name] != rebuilt[name]]
    assert stale == [], (
        f"templates/ledger_template.xlsm is out of date in {stale}; "
        "regenerate it with: python -m ledger_xl.app.template"
    )


def test_vba_project_bytes_are_deterministic(tmp_path):
    one, two = write_template(tmp_path / "a.xlsm"), write_template(tmp_path / "b.xlsm")
    assert _parts(one)["xl/vbaProject.bin"] == _parts(two)["xl/vbaProject.bin"]


def test_package_is_macro_enabled_with_code_names():
    parts = _parts(COMMITTED_MACRO_TEMPLATE)
    assert MACRO_CONTENT_TYPE in parts["[Content_Types].xml"].decode()
    assert b"vbaProject.bin" in parts["xl/_rels/workbook.xml.rels"]
    assert b'codeName="ThisWorkbook"' in parts["xl/workbook.xml"]
    modules = _modules(COMMITTED_MACRO_TEMPLATE)
    sheet_names = re.findall(
        rb'codeName="(Sheet\d+)"',
        b"".join(v for k, v in parts.items() if k.startswith("xl/worksheets/sheet")),
    )
    assert len(sheet_names) == len(layout.SHEET_ORDER)
    for name in [b"ThisWorkbook", *sheet_names]:
        assert name.decode() in modules  # a document module per codeName, as Excel keeps them


def test_olevba_reads_the_runpython_call_of_every_button():
    modules = _modules(COMMITTED_MACRO_TEMPLATE)
    assert {"LedgerButtons", "xlwings", "Dictionary"} <= set(modules)
    source = modules["LedgerButtons"]
    for button in addin.BUTTONS:
        body = re.search(rf"Public Sub {button.macro}\(\)(.*?)End Sub", source, re.DOTALL)
        assert body, f"no Sub {button.macro} in LedgerButtons"
        if button.handler is None:
            assert "ImportPythonUDFs" in body.group(1)
            continue
        call = f'RunPython "import ledger_xl.macros as m; m.{button.handler}()"'
        assert call in body.group(1)
        assert callable(getattr(macros, button.handler))
    assert "Public Function RunPython(" in modules["xlwings"]
    assert "Sub ImportPythonUDFs()" in modules["xlwings"]


def test_buttons_on_the_ledger_are_bound_to_those_subs():
    vml = _vml(COMMITTED_MACRO_TEMPLATE)
    shapes = re.findall(
        r"<font[^>]*>([^<]+)</font>.*?<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml, re.DOTALL
    )
    assert shapes == [(b.caption, b.macro) for b in addin.BUTTONS]
    # the VML drawing belongs to 台账 (the first sheet)
    rels = _parts(COMMITTED_MACRO_TEMPLATE)["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    assert "vmlDrawing1.vml" in rels


def test_vba_source_is_ascii():
    assert addin.BUTTON_MODULE.read_bytes().isascii()


def test_vendored_xlwings_vba_is_the_installed_packages():
    spec = importlib.util.find_spec("xlwings")
    assert spec is not None and spec.origin is not None
    package = Path(spec.origin).parent
    assert (addin.XLWINGS_DIR / "xlwings.bas").read_bytes() == (
        package / "xlwings.bas"
    ).read_bytes()
    assert (addin.XLWINGS_DIR / "Dictionary.cls").read_bytes() == (
        package / "addin" / "Dictionary.cls"
    ).read_bytes()
    text = (addin.XLWINGS_DIR / "xlwings.bas").read_text("cp1252")
    assert f'XLWINGS_VERSION As String = "{addin.XLWINGS_VERSION}"' in text
    assert "BSD 3-clause" in text  # the notice travels inside the embedded module
    assert "MIT" in (addin.XLWINGS_DIR / "Dictionary.cls").read_text("cp1252")


def test_embedded_modules_keep_the_licence_notices():
    modules = _modules(COMMITTED_MACRO_TEMPLATE)
    assert "xlwings is distributed under a BSD 3-clause license" in modules["xlwings"]
    assert "(c) Tim Hall" in modules["Dictionary"]


def test_xlsm_is_the_same_ledger_with_the_xlwings_conf_and_guide():
    book = read_book(COMMITTED_MACRO_TEMPLATE)
    assert book.rules == DEFAULT_RULES and len(book.ledger.frame) == 0
    parts = _parts(COMMITTED_MACRO_TEMPLATE)
    strings = parts["xl/sharedStrings.xml"].decode()
    assert "ledger_xl.udfs" in strings and "UDF Modules" in strings
    assert "按钮在台账第2行" in strings  # 使用说明 describes the buttons it carries
    plain = _parts(Path(COMMITTED_MACRO_TEMPLATE).with_suffix(".xlsx"))
    assert "xl/vbaProject.bin" not in plain
    assert "ledger-xl template --xlsm" in plain["xl/sharedStrings.xml"].decode()


def test_module_streams_decompress_to_the_committed_source():
    import olefile

    project = _parts(COMMITTED_MACRO_TEMPLATE)["xl/vbaProject.bin"]
    ole = olefile.OleFileIO(project, raise_defects=olefile.DEFECT_INCORRECT)
    stored = decompress(ole.openstream("VBA/LedgerButtons").read()).decode("cp1252")
    committed = addin.BUTTON_MODULE.read_text("cp1252")
    assert stored.replace("\r\n", "\n").strip() == committed.replace("\r\n", "\n").strip()


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_opens_the_xlsm_and_lists_the_modules_and_bindings(office, tmp_path):
    copy = tmp_path / "台账.xlsm"
    shutil.copy(COMMITTED_MACRO_TEMPLATE, copy)
    book = office.open(copy, read_only=True)
    try:
        doc = book.api
        assert doc.BasicLibraries.hasByName("VBAProject")
        library = doc.BasicLibraries.getByName("VBAProject")
        names = set(library.ElementNames)
        assert {"LedgerButtons", "xlwings", "Dictionary", "ThisWorkbook"} <= names
        code = library.getByName("LedgerButtons")
        assert 'RunPython "import ledger_xl.macros as m; m.validate_button()"' in code
        forms = doc.Sheets.getByName(layout.SHEET_LEDGER).DrawPage.Forms
        bound = {}
        for f in range(forms.getCount()):
            form = forms.getByIndex(f)
            for i in range(form.getCount()):
                for event in form.getScriptEvents(i):
                    bound[form.getByIndex(i).Label] = event.ScriptCode
        for button in addin.BUTTONS:
            assert (
                f"VBAProject.LedgerButtons.{button.macro}?language=Basic" in bound[button.caption]
            )
    finally:
        book.close()
