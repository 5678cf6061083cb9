"""Inputs that used to end in an internal error (exit 3): extreme values, odd lists for `new`,
an --as-of out of range, outputs that cannot be written, names that are not UTF-8. Each now
gets a finding or a clear refusal (exit 2), never a traceback."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_xl.app.importer import import_customers
from ledger_xl.app.portfolio import load
from ledger_xl.app.validate import validate_workbook
from ledger_xl.cli import app
from ledger_xl.core import due, summary
from ledger_xl.core.errors import InputError, OutputError
from ledger_xl.io.output import check_writable
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx.ledger import build_ledger_workbook
from tests.fixtures import hostile

AS_OF = hostile.AS_OF
runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _codes(result) -> Counter:
    return Counter(f.code for f in result.findings)


# ---------------------------------------------------------------- values in a workbook


@pytest.mark.parametrize("serial", ["2958465", "2958466", "-1", "1e15"])
def test_date_serials_at_and_past_excels_range(honest, tmp_path, serial):
    """9999-12-31 (the last day Excel holds) in 最近审核日期 made the next review fall in
    year 10000; past the range, a serial is no date."""
    cells = {
        (hostile.LEDGER, hostile.ledger_cell("last_review", 5)): serial,
        (hostile.LEDGER, hostile.ledger_cell("founded", 6)): serial,
    }
    cells[(hostile.CREDENTIALS, "F3")] = serial
    bad = hostile.cell_values(honest, tmp_path / "dates.xlsx", cells)
    result = validate_workbook(bad, AS_OF)
    assert result.rows > 10
    if serial != "2958465":
        assert _codes(result)["not-a-date"] >= 2
    data = load([bad], AS_OF)  # lists and summary go on without that date
    due.portfolio_due(data)
    summary.summary_tables(data)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("NaN", "nan"),
        ("1e308", "1e+308"),
        ("-1e308", "-1e+308"),
        (
            "9.999999999999992E+307",
            "9.999999999999992e+307",
        ),  # the next double past Excel's largest
    ],
)
def test_numbers_no_excel_cell_can_hold(honest, tmp_path, raw, shown):
    where = [
        hostile.ledger_cell("registered_capital", 5),
        hostile.ledger_cell("total_assets", 6),
        hostile.ledger_cell("score_financial", 7),
    ]
    bad = hostile.cell_values(
        honest, tmp_path / "numbers.xlsx", {(hostile.LEDGER, c): raw for c in where}
    )
    result = validate_workbook(bad, AS_OF)
    # exactly one finding a cell, the value as the program wrote it (no out-of-range beside it)
    assert sorted((f.cell, f.code, f.value) for f in result.findings if f.cell in where) == sorted(
        (c, "not-a-number", shown) for c in where
    )
    data = load([bad], AS_OF)
    summary.summary_tables(data)


@pytest.mark.parametrize("raw", ["9.99999999999999E+307", "-9.99999999999999E+307"])
def test_excels_largest_number_is_a_number(honest, tmp_path, raw):
    """±9.99999999999999E+307, the largest number an Excel cell takes, is not `not-a-number`
    (a score that large is out of its 0–100 range, as any other)."""
    where = {
        hostile.ledger_cell("registered_capital", 5): [] if raw[0] != "-" else ["out-of-range"],
        hostile.ledger_cell("total_assets", 6): [] if raw[0] != "-" else ["out-of-range"],
        hostile.ledger_cell("score_financial", 7): ["out-of-range"],
    }
    bad = hostile.cell_values(
        honest, tmp_path / "big.xlsx", {(hostile.LEDGER, c): raw for c in where}
    )
    result = validate_workbook(bad, AS_OF)
    for cell, codes in where.items():
        assert [f.code for f in result.findings if f.cell == cell] == codes, cell


@pytest.mark.parametrize("raw", ["inf", "NaN", "1e309", "-1e309"])
def test_numbers_no_cell_can_hold_in_every_input_column_of_every_table(honest, tmp_path, raw):
    """The same class of value in each input column of 台账, 资信证明 and 审核记录 (one
    customer's row per column): a 失信被执行人 of inf ended the file in an internal error (its
    admission condition printed the value); NaN in a date cell read as 1899-12-30 and passed.
    Every column now gets its finding or none, and the lists, the summary and the review report
    go on. (-inf and -1e309 in a date cell stop python-calamine: the next test; here the date
    columns of -1e309 keep their honest values.)"""
    from xlsxwriter.utility import xl_col_to_name

    from ledger_xl.core import layout
    from ledger_xl.core.defaults import DEFAULT_RULES
    from ledger_xl.core.rules import FieldType

    fields = [f for f in DEFAULT_RULES.fields if f.is_input and f.key != "customer_id"]
    if raw.startswith("-"):
        fields = [f for f in fields if f.type is not FieldType.DATE]
    with zipfile.ZipFile(honest) as archive:  # cells the honest ledger wrote (blanks are not)
        written = set(
            re.findall(
                r'<c r="([A-Z]+[0-9]+)"',
                archive.read(hostile.sheet_part(honest, hostile.LEDGER)).decode(),
            )
        )
    ledger_refs = {}
    for i, f in enumerate(fields):
        rows = [r for r in range(4 + i, 84) if hostile.ledger_cell(f.key, r) in written]
        if rows:  # a column the demo leaves blank throughout has no cell to set
            ledger_refs[f.key] = hostile.ledger_cell(f.key, rows[0])
    cells = {(hostile.LEDGER, ref): raw for ref in ledger_refs.values()}
    assert {f.key for f in fields} - set(ledger_refs) <= {"notes"}  # the demo writes few 备注
    side = {
        hostile.CREDENTIALS: layout.CREDENTIAL_COLUMNS,
        layout.SHEET_REVIEWS: layout.REVIEW_COLUMNS,
    }
    for sheet, columns in side.items():
        for col, column in enumerate(columns):
            if column.kind not in ("formula", "date" if raw.startswith("-") else "") and (
                column.key != "customer_id"
            ):
                cells[(sheet, f"{xl_col_to_name(col)}{3 + col}")] = raw
    bad = hostile.cell_values(honest, tmp_path / "numbers.xlsx", cells)
    result = validate_workbook(bad, AS_OF)
    assert "file-unreadable" not in _codes(result), result.findings[:1]
    assert not {"column-missing", "column-unknown"} & set(_codes(result))  # data rows only
    at = {(f.sheet, f.cell) for f in result.findings}
    judged = (FieldType.NUMBER, FieldType.SCORE, FieldType.DATE, FieldType.CHOICE)
    for field in fields:
        if field.type in judged and field.key in ledger_refs:  # a number in a text column is
            assert (hostile.LEDGER, ledger_refs[field.key]) in at, field.key  # text ("inf")
    for sheet, columns in side.items():
        for col, column in enumerate(columns):
            ref = f"{xl_col_to_name(col)}{3 + col}"
            if column.kind in ("number", "date", "choice") and (sheet, ref) in cells:
                assert (sheet, ref) in at, (sheet, column.key)
    data = load([bad], AS_OF)
    due.portfolio_due(data)
    summary.summary_tables(data)
    customer = hostile.first_customer(bad)
    for command in (
        ("due", bad, "-o", tmp_path / "d.xlsx"),
        ("summarize", bad, "-o", tmp_path / "s.xlsx"),
        ("report", bad, "--customer", customer, "-o", tmp_path / "r.xlsx"),
    ):
        ran = _run(*command, "--as-of", AS_OF.isoformat())
        assert ran.exception is None or isinstance(ran.exception, SystemExit), command
        assert ran.exit_code in (0, 1), (command, ran.output[-800:])


@pytest.mark.parametrize("raw", ["-inf", "-1e15", "-1E+300"])
def test_a_date_cell_no_date_can_be_named_when_the_reader_gives_up(honest, tmp_path, raw):
    """python-calamine panics on a date-formatted cell holding a number far below any date
    (-1e15 is a slip of the keyboard away): the file was called damaged. The answer now names
    the sheet and the cells, and leaves the numbers in plain cells alone."""
    founded, reviewed = hostile.ledger_cell("founded", 5), hostile.ledger_cell("last_review", 9)
    capital = hostile.ledger_cell("registered_capital", 6)
    cells = {(hostile.LEDGER, ref): raw for ref in (founded, reviewed, capital)}
    bad = hostile.cell_values(honest, tmp_path / "dates.xlsx", cells)
    (found,) = validate_workbook(bad, AS_OF).findings
    assert found.code == "file-unreadable"
    assert found.message == (
        f"无法读取：工作表“台账”的单元格 {founded}（{raw}）、{reviewed}（{raw}）设为日期格式，"
        "但保存的数值远超日期的范围，无法读取（Excel 不会保存这样的值，文件可能由其他程序写出）；"
        "请在 Excel 中改正这些单元格后另存"
    )
    side = hostile.cell_values(honest, tmp_path / "side.xlsx", {(hostile.CREDENTIALS, "F4"): raw})
    (found,) = validate_workbook(side, AS_OF).findings
    assert "工作表“资信证明”的单元格 F4（" in found.message


# ---------------------------------------------------------------- lists for `new --from`


def _import(path: Path, data: bytes):
    path.write_bytes(data)
    return import_customers(path)


def test_csv_with_old_mac_line_ends(tmp_path):
    rows = [
        hostile.LIST_HEADER,
        hostile.LIST_ROW,
        ["SH000002", "上海乙公司", *hostile.LIST_ROW[2:]],
    ]
    result = _import(tmp_path / "客户.csv", hostile.csv_bytes(rows, nl="\r"))
    assert result.rows == 2
    assert result.content.ledger["name"].tolist() == ["上海甲公司", "上海乙公司"]


@pytest.mark.parametrize(("name", "sep"), [("客户.txt", "\t"), ("客户.csv", ",")])
def test_utf16_text_as_excel_saves_unicode_text(tmp_path, name, sep):
    data = b"\xff\xfe" + hostile.csv_bytes(
        [hostile.LIST_HEADER, hostile.LIST_ROW], sep=sep, nl="\r\n", encoding="utf-16-le"
    )
    result = _import(tmp_path / name, data)
    assert result.content.ledger["customer_id"].tolist() == ["SH000001"]


def test_a_field_longer_than_a_cell_is_cut_and_reported(tmp_path):
    row = list(hostile.LIST_ROW)
    row[1] = "长" * 200_000
    result = _import(tmp_path / "客户.csv", hostile.csv_bytes([hostile.LIST_HEADER, row]))
    assert [f.code for f in result.report.findings if f.severity == "error"] == [
        "import-text-too-long"
    ]
    assert len(result.content.ledger["name"].iat[0]) == 32_767
    build_ledger_workbook(tmp_path / "台账.xlsx", result.content)


def test_control_characters_are_removed_and_reported(tmp_path):
    data = hostile.csv_bytes([hostile.LIST_HEADER, hostile.LIST_ROW])
    data = data.replace("上海甲公司".encode(), "上海\x00甲公司".encode())
    result = _import(tmp_path / "客户.csv", data)
    assert "import-control-characters" in {f.code for f in result.report.findings}
    assert result.content.ledger["name"].iat[0] == "上海甲公司"


def test_numbers_and_dates_excel_cannot_hold_are_kept_as_text(tmp_path):
    row = list(hostile.LIST_ROW)
    row[6], row[7], row[8] = "9" * 400, "0001-01-01", "1900-02-29"
    result = _import(tmp_path / "客户.csv", hostile.csv_bytes([hostile.LIST_HEADER, row]))
    codes = sorted(f.code for f in result.report.findings if f.severity == "error")
    assert codes == ["not-a-date", "not-a-date", "not-a-number"]
    out = build_ledger_workbook(tmp_path / "台账.xlsx", result.content)
    frame = read_book(out).ledger.frame
    assert frame["founded"].iat[0] == "0001-01-01"


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ({"111111": "inf"}, ["not-a-number"]),
        ({"111111": "NaN", "222222": "1e308"}, ["not-a-date", "not-a-number"]),
        ({"222222": "2958466", "333333": "-1"}, ["not-a-date", "not-a-date"]),
    ],
)
def test_a_workbook_list_with_values_no_cell_holds(tmp_path, raw, codes):
    source = hostile.xlsx_list(tmp_path / "客户.xlsx", raw)
    result = import_customers(source)
    assert sorted(f.code for f in result.report.findings if f.severity == "error") == codes
    build_ledger_workbook(tmp_path / "台账.xlsx", result.content)  # no NAN/INF TypeError


def test_new_writes_what_it_imported_through_the_command(tmp_path):
    source = hostile.xlsx_list(tmp_path / "客户.xlsx", {"111111": "inf"})
    result = _run("new", "--from", source, "-o", tmp_path / "台账.xlsx")
    assert result.exit_code == 0, result.output
    assert "现为“inf”" in result.output


# ---------------------------------------------------------------- options and outputs


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_an_as_of_out_of_range_is_refused_by_every_command(companion, tmp_path, day):
    customer = hostile.first_customer(companion)
    commands = [
        ("validate", companion),
        ("due", companion),
        ("due", companion, "-o", tmp_path / "d.xlsx"),
        ("summarize", companion, "-o", tmp_path / "s.xlsx"),
        ("report", companion, "--customer", customer, "-o", tmp_path / "r.xlsx"),
        ("demo", "--out", tmp_path / "demo"),
        ("validate", companion, "--record", "--db", tmp_path / "a.sqlite"),
        ("audit", "status", "--db", tmp_path / "a.sqlite"),
        ("audit", "sample", companion, "--size", "3", "-o", tmp_path / "p.xlsx"),
        ("collect", companion, "--into", companion, "-o", tmp_path / "m.xlsx"),
    ]
    for command in commands:
        result = _run(*command, "--as-of", day)
        assert result.exit_code == 2, (command, result.output)
        assert "超出可用范围" in result.output and "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("day", ["1900-01-01", "9899-12-31"])
def test_the_ends_of_the_as_of_range_work_for_every_command(companion, tmp_path, day):
    customer = hostile.first_customer(companion)
    commands = [
        ("validate", companion),
        ("due", companion, "-o", tmp_path / "d.xlsx"),
        ("summarize", companion, "-o", tmp_path / "s.xlsx"),
        ("report", companion, "--customer", customer, "-o", tmp_path / "r.xlsx"),
    ]
    if day >= "2000":  # the demo's companies are founded from 1996 on
        commands.append(("demo", "--out", tmp_path / "demo"))
    else:
        refused = _run("demo", "--out", tmp_path / "demo", "--as-of", day)
        assert refused.exit_code == 2 and "1996" in refused.output
    for command in commands:
        result = _run(*command, "--as-of", day, "--force")
        assert result.exception is None or isinstance(result.exception, SystemExit), command
        assert result.exit_code in (0, 1), (command, result.output[-800:])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_output_folder_without_write_permission(tmp_path):
    locked = tmp_path / "锁住"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="权限"):
            check_writable(locked / "s.xlsx", overwrite=False)
    finally:
        locked.chmod(0o700)


def test_an_output_that_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="不是普通文件"):
        check_writable(fifo, overwrite=True)


def test_a_workbook_whose_name_is_not_utf8(companion, tmp_path):
    """A zip made on Windows: GBK bytes in the name. It is read, and its name is written into
    the findings, due-list and summary workbooks without an encoding error."""
    raw = os.fsencode(tmp_path) + b"/\xff\xfe\xb0\xa1.xlsx"
    name = os.fsdecode(raw)
    shutil.copy(companion, name)
    checked = _run("validate", name, "--as-of", AS_OF, "--report", tmp_path / "问题.xlsx")
    assert checked.exception is None or isinstance(checked.exception, SystemExit)  # no traceback
    assert checked.exit_code in (0, 1), checked.output
    assert "无法读取" not in checked.output
    for command in (("due", "-o", tmp_path / "d.xlsx"), ("summarize", "-o", tmp_path / "s.xlsx")):
        result = _run(command[0], name, "--as-of", AS_OF, *command[1:])
        assert result.exit_code == 0 and result.exception is None, result.output
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "问题.xlsx").worksheets[0]
    links = [c.hyperlink for row in sheet.iter_rows() for c in row if c.hyperlink]
    assert links  # each finding links to its cell: the name went into the link and its tip


def test_an_unknown_file_type_for_new(tmp_path):
    source = tmp_path / "客户.docx"
    source.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError):
        import_customers(source)
    assert isinstance(AS_OF, dt.date)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_a_device_given_as_a_workbook_is_named_not_read(tmp_path, kind):
    """Opening a pipe blocks for ever and /dev/zero never ends: neither is ever opened."""
    from tests.hostile.conftest import run_cli

    if kind == "fifo":
        target = tmp_path / "管道.xlsx"
        os.mkfifo(target)
    else:
        target = Path("/dev/zero")
    done = run_cli("validate", target, "--as-of", AS_OF, timeout=60)
    assert done.returncode == 1, done.stderr[-1000:]
    assert "不是普通文件" in done.stdout
