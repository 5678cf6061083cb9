"""What a clerk gets with no Python: lists, hints, range checks, colours, frozen header,
protection of formulas and rule sheets — checked in the built file."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.layout import Protection
from ledger_xl.core.rules import FieldType
from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

INPUTS = [f for f in DEFAULT_RULES.fields if f.is_input]
FORMULA_FIELDS = [f for f in DEFAULT_RULES.fields if not f.is_input]


def _col(key: str) -> str:
    return get_column_letter([f.key for f in DEFAULT_RULES.fields].index(key) + 1)


def _build(tmp_path, name="t.xlsx", rows=None, **options) -> openpyxl.Workbook:
    ledger = pd.DataFrame(rows or [], dtype=object)
    path = build_ledger_workbook(
        tmp_path / name,
        LedgerContent(ledger=ledger),
        options=BuildOptions(spare_rows=10, **options),
    )
    return openpyxl.load_workbook(path)


@pytest.fixture
def book(tmp_path):
    return _build(tmp_path)


def _validation_for(ws, column: str):
    first_data = layout.LEDGER_HEADER_ROW + 2
    for dv in ws.data_validations.dataValidation:
        if f"{column}{first_data}" in dv.sqref:
            return dv
    return None


def test_every_input_column_has_its_fill_in_hint(book):
    ws = book[layout.SHEET_LEDGER]
    for field in INPUTS:
        dv = _validation_for(ws, _col(field.key))
        assert dv is not None, field.header
        assert dv.showInputMessage and dv.prompt == field.hint[:255], field.header


def test_list_columns_have_drop_downs(book):
    ws = book[layout.SHEET_LEDGER]
    for field in (f for f in INPUTS if f.type is FieldType.CHOICE):
        dv = _validation_for(ws, _col(field.key))
        assert dv.type == "list"
        assert dv.formula1 == '"' + ",".join(field.allowed) + '"'


def test_scores_reject_out_of_range_and_dates_reject_non_dates(book):
    ws = book[layout.SHEET_LEDGER]
    score = _validation_for(ws, _col("score_financial"))
    assert score.type == "decimal" and score.operator in (None, "between")  # OOXML default
    assert (float(score.formula1), float(score.formula2)) == (0, 100)
    assert score.showErrorMessage and score.errorStyle in (None, "stop")
    date = _validation_for(ws, _col("last_review"))
    assert date.type == "date" and date.showErrorMessage


def test_formula_columns_refuse_typing(book):
    ws = book[layout.SHEET_LEDGER]
    for field in FORMULA_FIELDS:
        dv = _validation_for(ws, _col(field.key))
        assert dv.type == "custom" and dv.formula1 == "FALSE()", field.header


def test_overdue_red_and_due_soon_amber(book):
    ws = book[layout.SHEET_LEDGER]
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    by_text = {r.formula[0]: r for r in rules}
    first = layout.LEDGER_HEADER_ROW + 2
    overdue = by_text[f'${_col("due_flag")}{first}="{layout.DUE_OVERDUE}"']
    soon = by_text[f'${_col("due_flag")}{first}="{layout.DUE_SOON}"']
    assert overdue.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    assert soon.dxf.fill.bgColor.rgb.endswith("FFEB9C")


def test_header_frozen_and_table_has_formula_columns(book):
    ws = book[layout.SHEET_LEDGER]
    assert ws.freeze_panes == f"C{layout.LEDGER_HEADER_ROW + 2}"
    table = ws.tables[layout.TABLE_LEDGER]
    formulas = {c.name: c.calculatedColumnFormula for c in table.tableColumns}
    for field in FORMULA_FIELDS:
        assert formulas[field.header] is not None, field.header
    assert [c.name for c in table.tableColumns] == [
        *(f.header for f in DEFAULT_RULES.fields),
        layout.ROW_KEY_HEADER,
    ]


@pytest.mark.parametrize(
    "sheet", [layout.SHEET_LEDGER, layout.SHEET_CREDENTIALS, layout.SHEET_REVIEWS]
)
def test_each_table_ends_with_the_hidden_locked_row_key(book, sheet):
    ws = book[sheet]
    table = next(iter(ws.tables.values()))
    assert table.tableColumns[-1].name == layout.ROW_KEY_HEADER
    last = table.ref.split(":")[1].rstrip("0123456789")
    assert ws.column_dimensions[last].hidden
    first_data = int(table.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1
    assert ws[f"{last}{first_data}"].protection.locked is True


def test_ledger_protection_locks_formulas_not_inputs(book):
    ws = book[layout.SHEET_LEDGER]
    assert ws.protection.sheet and not ws.protection.password
    assert not ws.protection.autoFilter  # False means "allowed" in the OOXML attribute sense
    row = layout.LEDGER_HEADER_ROW + 2
    assert ws[f"{_col('name')}{row}"].protection.locked is False
    assert ws[f"{_col('composite_score')}{row}"].protection.locked is True
    assert ws["B1"].protection.locked is False  # 基准日 may be overwritten
    for name in (layout.SHEET_FIELD_RULES, layout.SHEET_SCORING, layout.SHEET_CYCLES):
        assert book[name].protection.sheet, name


def test_password_option_sets_a_password(tmp_path):
    book = _build(tmp_path, password="s3cret")
    assert book[layout.SHEET_LEDGER].protection.password
    assert book[layout.SHEET_SCORING].protection.password


def test_rules_only_protection_leaves_the_ledger_free(tmp_path):
    book = _build(tmp_path, protection=Protection.RULES)
    assert not book[layout.SHEET_LEDGER].protection.sheet
    assert book[layout.SHEET_SCORING].protection.sheet


def test_as_of_is_a_named_cell_defaulting_to_today(book):
    ws = book[layout.SHEET_LEDGER]
    assert ws["B1"].value == "=TODAY()"
    assert book.defined_names[layout.NAME_AS_OF].attr_text == f"{layout.SHEET_LEDGER}!$B$1"


def test_text_is_never_written_as_a_formula(tmp_path):
    rows = [
        {
            "customer_id": "SH000001",
            "name": '=HYPERLINK("http://x","点我")',
            "notes": "+86 138",
            "last_review": dt.date(2025, 1, 31),
        }
    ]
    ws = _build(tmp_path, rows=rows)[layout.SHEET_LEDGER]
    row = layout.LEDGER_HEADER_ROW + 2
    assert ws[f"{_col('name')}{row}"].data_type == "s"
    assert ws[f"{_col('notes')}{row}"].data_type == "s"
    assert ws[f"{_col('last_review')}{row}"].value == dt.datetime(2025, 1, 31)


def test_built_workbook_records_template_version_and_fingerprint(tmp_path):
    book = _build(tmp_path)
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props[layout.PROP_RULES_FINGERPRINT] == DEFAULT_RULES.fingerprint()
    assert layout.PROP_TEMPLATE_VERSION in props


def test_refuses_to_overwrite_or_write_over_an_open_workbook(tmp_path):
    from ledger_xl.core.errors import OutputError

    target = tmp_path / "台账.xlsx"
    build_ledger_workbook(target)
    before = target.read_bytes()
    with pytest.raises(OutputError, match="已存在"):
        build_ledger_workbook(target)
    (tmp_path / "~$台账.xlsx").write_bytes(b"owner")
    with pytest.raises(OutputError, match="正在被 Excel 打开"):
        build_ledger_workbook(target, overwrite=True)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~ledger_xl")] == []
