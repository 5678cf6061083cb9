"""The macro-enabled ledger (.xlsm): buttons on 台账 bound to VBA Subs that hand over to Python.

The ledger builder calls `install(workbook)` when the target is a `.xlsm` file. It puts one
form button per entry of `BUTTONS` in the row between 基准日 and the table header (that row
is frozen with the header, so the buttons stay visible), and embeds a VBA project built from
source in this package:

- `vba/LedgerButtons.bas` (ours, ASCII): one `Public Sub` per button, each
  `RunPython "import ledger_xl.macros as m; m.<handler>()"`;
- `vba/xlwings/xlwings.bas` and `vba/xlwings/Dictionary.cls`: xlwings' standalone VBA
  (`RunPython`, `ImportPythonUDFs`, reading the `xlwings.conf` sheet), vendored byte for byte
  from the xlwings package (BSD-3 and MIT; their notices stay in the module headers and sit
  beside them in `vba/xlwings/`), so the xlwings add-in is optional;
- one empty document module per sheet and for the workbook (`ThisWorkbook`, `Sheet1`…), named
  as the codeNames XlsxWriter writes, as Excel itself keeps them.

How `xl/vbaProject.bin` is made: `ledger_xl.io.xlsx.vba_project` writes it in pure Python — an
OLE compound file with the `dir` stream, the [MS-OVBA]-compressed module source and a
`_VBA_PROJECT` stream of version 0xFFFF ("no compiled code: compile from source"), the shape
LibreOffice, EPPlus and xlwings' own `quickstart_standalone.xlsm` use. The bytes are
deterministic, so the committed template can be checked up to date. XlsxWriter embeds the
project (`add_vba_project`) and writes the buttons (`insert_button`, a VML shape whose
`FmlaMacro` names the Sub).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from ledger_xl.core import layout
from ledger_xl.io.xlsx.vba_project import (
    VbaModule,
    build_vba_project,
    document_module,
    module_from_export,
)

VBA_DIR = Path(__file__).resolve().parent / "vba"
BUTTON_MODULE = VBA_DIR / "LedgerButtons.bas"
XLWINGS_DIR = VBA_DIR / "xlwings"
XLWINGS_VERSION = "0.37.8"  # the vendored VBA's version; the Python package must match
WORKBOOK_CODENAME = "ThisWorkbook"
MACRO_SUFFIX = ".xlsm"

BUTTON_ROW = 1  # 0-based: the row between 基准日 (row 0) and the table header (row 2)
BUTTON_ROW_HEIGHT = 27  # points
BUTTON_FIRST_COL = 2  # the buttons start in column C (A1:B1 hold 基准日)
BUTTON_WIDTH, BUTTON_HEIGHT, BUTTON_GAP = 84, 30, 8  # pixels


@dataclass(frozen=True)
class Button:
    """A button on 台账: its caption, the VBA Sub it runs and the Python handler that Sub
    calls (`ledger_xl.macros.<handler>`; None when the Sub is xlwings' own)."""

    caption: str
    macro: str
    handler: str | None
    tip: str


BUTTONS: tuple[Button, ...] = (
    Button("校验", "ValidateButton", "validate_button", "检查本工作簿，标出有问题的单元格"),
    Button("生成汇总", "SummaryButton", "summary_button", "写出汇总报表工作表（含图表）"),
    Button("标记到期", "MarkDueButton", "mark_due_button", "写出到期清单，筛选出已逾期的客户"),
    Button(
        "登记审核", "RegisterReviewButton", "register_review_button", "把选中客户的审核记入审核记录"
    ),
    Button("导入函数", "ImportFunctionsButton", None, "把 LEDGER_* 自定义函数导入本工作簿"),
)


def is_macro_path(path: str | Path) -> bool:
    """True when a workbook written to `path` is macro-enabled (Excel decides by the suffix)."""
    return Path(path).suffix.lower() == MACRO_SUFFIX


def _read_module(path: Path) -> VbaModule:
    # Files exported by the VBA editor are in the ANSI code page; ours and xlwings' are ASCII.
    return module_from_export(path.read_text(encoding="cp1252"))


def code_modules() -> list[VbaModule]:
    """The standard and class modules of the ledger's VBA project, in project order."""
    return [
        _read_module(BUTTON_MODULE),
        _read_module(XLWINGS_DIR / "xlwings.bas"),
        _read_module(XLWINGS_DIR / "Dictionary.cls"),
    ]


def install(wb: xlsxwriter.Workbook) -> bytes:
    """Add the buttons to 台账 and embed the VBA project; call after every sheet was added.
    Returns the vbaProject.bin bytes."""
    ledger = wb.get_worksheet_by_name(layout.SHEET_LEDGER)
    if ledger is None:
        raise ValueError(f"no sheet {layout.SHEET_LEDGER} to put the buttons on")
    ledger.set_row(BUTTON_ROW, BUTTON_ROW_HEIGHT)
    for i, button in enumerate(BUTTONS):
        ledger.insert_button(
            BUTTON_ROW,
            BUTTON_FIRST_COL,
            {
                "macro": button.macro,
                "caption": button.caption,
                "description": button.tip,
                "width": BUTTON_WIDTH,
                "height": BUTTON_HEIGHT,
                "x_offset": 2 + i * (BUTTON_WIDTH + BUTTON_GAP),
                "y_offset": 2,
            },
        )
    return embed_project(wb, code_modules())


def embed_project(wb: xlsxwriter.Workbook, modules: list[VbaModule]) -> bytes:
    """Give the workbook and every sheet a codeName, add their (empty) document modules, build
    the project from `modules` and embed it. Returns the vbaProject.bin bytes."""
    wb.set_vba_name(WORKBOOK_CODENAME)
    documents = [document_module(WORKBOOK_CODENAME, host="workbook")]
    for index, sheet in enumerate(wb.worksheets()):
        if sheet.vba_codename is None:
            sheet.set_vba_name(f"Sheet{index + 1}")  # XlsxWriter's own default
        documents.append(document_module(sheet.vba_codename))
    project = build_vba_project([*documents, *modules])
    wb.add_vba_project(io.BytesIO(project), is_stream=True)
    return project
