"""Error values in input cells (`#N/A` pasted as a value from a failed VLOOKUP, `#DIV/0!`):
python-calamine reads them as blanks, so a required column said "为空" where the clerk sees
`#N/A` and an optional one said nothing. The formula scan lists them; each is reported as
`error-value`, in place of the blank's finding."""

from __future__ import annotations

import pytest

from ledger_xl.app.validate import validate_workbook
from ledger_xl.io.formulas_reader import ALL_COLUMNS, read_formulas

from .helpers import AS_OF, build, good_row, replace_cell, rewrite_sheet_xml
from .test_structure_codes import LEDGER

# 统一社会信用代码 (required) is C, 营业收入 (optional number) Q, 风险等级 (required list) I,
# 综合评分 (a formula) AF; customers are on rows 4 and 5.


def _with(path, cells: dict[str, str], part: str = LEDGER):
    def edit(xml: str) -> str:
        for ref, cell in cells.items():
            xml = replace_cell(xml, ref, cell)
        return xml

    return rewrite_sheet_xml(path, part, edit)


def _found(path):
    return [
        (f.code, f.cell, f.message)
        for f in validate_workbook(path, as_of=AS_OF).findings
        if f.code in ("error-value", "required-missing", "conditional-missing", "not-a-number")
    ]


def test_error_values_in_required_and_optional_columns(tmp_path):
    path = _with(
        build(tmp_path),
        {
            "C4": '<c r="C4" t="e"><v>#N/A</v></c>',
            "Q5": '<c r="Q5" s="1" t="e"><v>#DIV/0!</v></c>',
            "I5": '<c r="I5" t="e"><v>#REF!</v></c>',
        },
    )
    assert _found(path) == [
        (
            "error-value",
            "C4",
            "“统一社会信用代码”是错误值 #N/A，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
        (
            "error-value",
            "I5",
            "“风险等级”是错误值 #REF!，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
        (
            "error-value",
            "Q5",
            "“营业收入(万元)”是错误值 #DIV/0!，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
    ]


def test_a_truly_blank_required_cell_is_still_missing(tmp_path):
    path = build(tmp_path, rows=[good_row(1, uscc=None), good_row(2)])
    path = _with(path, {"C5": '<c r="C5" t="e"><v>#N/A</v></c>'})
    assert [(code, cell) for code, cell, _ in _found(path)] == [
        ("required-missing", "C4"),
        ("error-value", "C5"),
    ]


def test_a_formula_whose_result_is_an_error_is_no_error_value(tmp_path):
    """A formula cell typed "e" holds the formula's result: the formula check judges it."""
    path = _with(build(tmp_path), {"AF4": '<c r="AF4" t="e"><f>1/0</f><v>#DIV/0!</v></c>'})
    codes = {f.code for f in validate_workbook(path, as_of=AS_OF).findings}
    assert "error-value" not in codes and "formula-edited" in codes


@pytest.mark.parametrize(
    "cell",
    [
        "<c t='e' r='C4'><v>#N/A</v></c>",  # single quotes, `r` after `t`
        '<c r="C4" t="e" s="2"><v xml:space="preserve">#N/A</v></c>',
        '<c r="C4"\n t = "e"><v>#N/A</v></c>',
    ],
    ids=["single quotes", "v attributes", "spaces"],
)
def test_error_cells_as_other_writers_spell_them(tmp_path, cell):
    path = _with(build(tmp_path), {"C4": cell})
    assert [(code, cell) for code, cell, _ in _found(path)] == [("error-value", "C4")]


@pytest.mark.parametrize("full_scan", [False, True], ids=["fast scan", "full scan"])
def test_the_formula_scan_lists_error_cells_of_the_rows_read(tmp_path, full_scan):
    cells = {
        "C4": '<c r="C4" t="e"><v>#N/A</v></c>',
        "Q5": '<c r="Q5" t="e"><v>#VALUE!</v></c>',
        "B1": '<c r="B1" t="e"><v>#NAME?</v></c>',
    }
    path = build(tmp_path)

    def edit(xml: str) -> str:
        for ref, cell in cells.items():
            if f'<c r="{ref}"' in xml:
                xml = replace_cell(xml, ref, cell)
            else:  # B1 is blank: add it to row 1
                xml = xml.replace('<row r="1"', '<row r="1"', 1)
                start = xml.index('<row r="1"')
                close = xml.index(">", start) + 1
                xml = xml[:close] + cell + xml[close:]
        if full_scan:  # a formula cell without `r` sends the reader to its full scan
            xml = xml.replace('<c r="AF4"', "<c", 1)
        return xml

    edited = rewrite_sheet_xml(path, LEDGER, edit)
    assert read_formulas(edited, "台账", ALL_COLUMNS, 0, 10).errors == {
        (0, 1): "#NAME?",
        (3, 2): "#N/A",
        (4, 16): "#VALUE!",
    }
    assert read_formulas(edited, "台账", ALL_COLUMNS, 3, 3).errors == {(3, 2): "#N/A"}
    assert read_formulas(path, "台账", ALL_COLUMNS, 0, 10).errors == {}


def test_only_the_tables_input_cells_are_error_values(tmp_path):
    """An error pasted over a formula is the formula check's (formula-overwritten), one in the
    title rows or in the hidden 行键 is no input cell; 最近审核日期 of an approved customer
    is conditional: its error replaces the conditional-missing its blank gave."""
    path = _with(
        build(tmp_path),
        {
            "AF5": '<c r="AF5" t="e"><v>#N/A</v></c>',
            "B1": '<c r="B1" t="e"><v>#N/A</v></c>',
            "BB4": '<c r="BB4" t="e"><v>#N/A</v></c>',  # the hidden 行键: no input
            "AO4": '<c r="AO4" t="e"><v>#VALUE!</v></c>',
        },
    )
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [(f.code, f.cell, f.value) for f in found if f.code == "error-value"] == [
        ("error-value", "AO4", "#VALUE!")
    ]
    assert [(f.code, f.cell) for f in found if f.cell == "AF5"] == [("formula-overwritten", "AF5")]
    assert not [f for f in found if f.code == "conditional-missing"]


CREDENTIALS, REVIEWS = "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"
# 资信证明: A 客户编号 (required), E 签发日期, F 有效期至, I 证件状态 (a formula), L the hidden
# 行键; 审核记录: D 审核日期, I 市场声誉, M 审核结果. Rows 4 and 5 hold data in both.


def _side(path, part: str, cells: dict[str, str]):
    return _with(path, cells, part)


def test_error_values_in_the_side_sheets(tmp_path):
    """资信证明 and 审核记录 are read by python-calamine too: `#N/A` there was a blank, so
    a pasted error in 客户编号 said "为空" and one in 有效期至 or 审核日期 said nothing at the
    cell. Each input cell's error is reported where it is, in place of its blank's finding;
    an error over a formula column or in the hidden 行键 is no input."""
    path = _side(
        build(tmp_path),
        CREDENTIALS,
        {
            "A4": '<c r="A4" t="e"><v>#N/A</v></c>',
            "E4": "<c r='E4' s='4' t='e'><v>#REF!</v></c>",
            "F5": '<c r="F5" t="e"><v xml:space="preserve">#N/A</v></c>',
            "I5": '<c r="I5" t="e"><v>#VALUE!</v></c>',
            "L4": '<c r="L4" t="e"><v>#N/A</v></c>',
        },
    )
    path = _side(
        path,
        REVIEWS,
        {"D4": '<c r="D4" t="e"><v>#N/A</v></c>', "M4": '<c r="M4" t="e"><v>#DIV/0!</v></c>'},
    )
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [(f.sheet, f.cell, f.value, f.message) for f in found if f.code == "error-value"] == [
        (
            "资信证明",
            "A4",
            "#N/A",
            "“客户编号”是错误值 #N/A，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
        (
            "资信证明",
            "E4",
            "#REF!",
            "“签发日期”是错误值 #REF!，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
        (
            "资信证明",
            "F5",
            "#N/A",
            "“有效期至”是错误值 #N/A，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
        (
            "审核记录",
            "D4",
            "#N/A",
            "“审核日期”是错误值 #N/A，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
        (
            "审核记录",
            "M4",
            "#DIV/0!",
            "“审核结果”是错误值 #DIV/0!，不是数据（多为粘贴了公式的结果）；请填入实际内容",
        ),
    ]
    assert not [f for f in found if f.code == "required-missing"]


def test_side_sheet_errors_leave_the_ledgers_alone(tmp_path):
    """The same cell address on 台账 holds good data: only the side sheet's cell is reported,
    and a truly blank 客户编号 in 资信证明 is still `required-missing`."""
    path = _side(
        build(tmp_path),
        CREDENTIALS,
        {"A4": '<c r="A4" t="e"><v>#N/A</v></c>', "A5": '<c r="A5" s="1"/>'},
    )
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [(f.code, f.sheet, f.cell) for f in found if f.cell in ("A4", "A5")] == [
        ("required-missing", "资信证明", "A5"),
        ("error-value", "资信证明", "A4"),
    ]


def test_read_error_values_of_a_side_sheet(tmp_path):
    from ledger_xl.core.errors import WorkbookReadError
    from ledger_xl.io.formulas_reader import read_error_values

    path = build(tmp_path)
    assert read_error_values(path, "资信证明") == {}
    edited = _side(
        path,
        CREDENTIALS,
        {
            "F5": '<c r="F5"\n t = "e"><v>#N/A</v></c>',
            "J4": '<c r="J4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',  # a formula's result
        },
    )
    assert read_error_values(edited, "资信证明") == {(4, 5): "#N/A"}
    header = _side(path, CREDENTIALS, {"A1": '<c r="A1" t="e"><v>#REF!</v></c>'})
    assert read_error_values(header, "资信证明") == {(0, 0): "#REF!"}  # row 1 is read too
    with pytest.raises(WorkbookReadError) as missing:
        read_error_values(edited, "没有这张表")
    assert missing.value.path == edited  # the error names the file
    not_a_zip = tmp_path / "坏.xlsx"
    not_a_zip.write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(WorkbookReadError, match="无法读取错误值（BadZipFile") as damaged:
        read_error_values(not_a_zip, "资信证明")
    assert damaged.value.path == not_a_zip


def test_a_side_sheet_is_scanned_where_a_row_is_blank_in_a_column_every_row_fills(tmp_path):
    """Scanning a side sheet costs its whole XML again, so it is scanned only where an error
    read as a blank shows: a used row blank in 客户编号, 证明类型 or 有效期至 (资信证明), or in
    记录编号, 客户编号, 审核日期 or 审核结果 (审核记录). Then every input cell's error is
    found; an error only in an optional column of an otherwise complete sheet is not."""
    optional_only = {"E4": '<c r="E4" t="e"><v>#REF!</v></c>'}
    base = build(tmp_path)
    path = _side(base, CREDENTIALS, optional_only)
    assert not [f for f in validate_workbook(path, as_of=AS_OF).findings if f.sheet == "资信证明"]
    for blank in ("A5", "C5", "F5"):  # 客户编号, 证明类型, 有效期至 left blank in row 5
        edited = _side(base, CREDENTIALS, optional_only | {blank: ""})
        found = validate_workbook(edited, as_of=AS_OF).findings
        assert [(f.sheet, f.cell) for f in found if f.code == "error-value"] == [
            ("资信证明", "E4")
        ], blank
    for blank in ("A4", "B4", "D4", "M4"):  # 记录编号, 客户编号, 审核日期, 审核结果
        cells = {"F4": '<c r="F4" t="e"><v>#N/A</v></c>', blank: ""}
        edited = _side(base, REVIEWS, cells)
        found = validate_workbook(edited, as_of=AS_OF).findings
        assert [(f.sheet, f.cell) for f in found if f.code == "error-value"] == [
            ("审核记录", "F4")
        ], blank


def test_a_side_sheet_that_cannot_be_scanned_gives_no_error_values(tmp_path):
    """The side-sheet scan never raises: a sheet the file lacks, or a file gone (a decrypted
    copy removed) or not a zip, gives none — the sheet's own read reports any damage."""
    from ledger_xl.io.read import _side_errors

    path = _side(build(tmp_path), CREDENTIALS, {"A4": '<c r="A4" t="e"><v>#N/A</v></c>'})
    sides = frozenset({"资信证明", "审核记录"})
    assert _side_errors(path, sides, "资信证明") == {(3, 0): "#N/A"}
    assert _side_errors(path, frozenset({"审核记录"}), "资信证明") == {}
    assert _side_errors(tmp_path / "gone.xlsx", sides, "资信证明") == {}
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    assert _side_errors(bad, sides, "资信证明") == {}


def test_side_sheets_without_rows_are_scanned_without_their_cell_checks(tmp_path):
    """资信证明 and 审核记录 with no row at all: their cell checks do not run, so the side-sheet
    error scan types their columns itself (and finds no blank to look behind)."""
    path = build(tmp_path, credentials=[], reviews=[])
    found = validate_workbook(path, as_of=AS_OF).findings
    assert not [f for f in found if f.sheet in ("资信证明", "审核记录")]
    assert not [f for f in found if f.code in ("error-value", "internal-error")]


def test_error_values_in_cells_without_r_are_found_in_their_place(tmp_path):
    # A writer may leave `r` out: the cell's place is the one after the cell before it.
    path = _with(
        build(tmp_path),
        {"C4": '<c t="e"><v>#N/A</v></c>', "I5": '<c s="1" t="e"><v>#REF!</v></c>'},
    )
    assert [(code, cell) for code, cell, _ in _found(path)] == [
        ("error-value", "C4"),
        ("error-value", "I5"),
    ]


def test_side_formula_columns_are_not_checked_as_input(tmp_path):
    """证件状态 is a formula column: what stands in it is the formula's, not a clerk's input,
    so the input cells' checks (here `formula-text`, for a text that starts like a formula)
    do not apply to it, whatever it holds."""
    path = _side(
        build(tmp_path),
        CREDENTIALS,
        {
            "I4": '<c r="I4" t="inlineStr"><is><t>=已过期</t></is></c>',
            "I5": '<c r="I5" t="inlineStr"><is><t>-</t></is></c>',
        },
    )
    found = validate_workbook(path, as_of=AS_OF).findings
    assert [(f.code, f.cell) for f in found if f.sheet == "资信证明"] == []
