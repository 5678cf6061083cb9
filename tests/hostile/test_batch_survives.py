"""A batch survives every file, for every reading command: hostile files among good ones give
the good ones' results and one clear answer per bad file, never an abort (exit 134), a
traceback or an internal error (exit 3).

Each command runs in a fresh interpreter (`run_cli`): without the guards an abort would end
that process, not the tests, and show as its exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import hostile
from tests.hostile.conftest import json_of, run_cli

pytestmark = pytest.mark.slow
AS_OF = hostile.AS_OF.isoformat()

# name -> how to make it from an honest ledger, at most one file-level finding expected
BUILDERS = {
    "far_XFD1048576": lambda src, dst: hostile.far_cell(src, dst, "XFD1048576"),
    "far_credentials": lambda src, dst: hostile.far_cell(
        src, dst, "XFD1048576", hostile.CREDENTIALS
    ),
    "far_rules": lambda src, dst: hostile.far_cell(src, dst, "XFD1048576", hostile.FIELD_RULES),
    "far_A1048576": lambda src, dst: hostile.far_cell(src, dst, "A1048576"),
    "far_A9999999": lambda src, dst: hostile.far_cell(src, dst, "A9999999"),
    "empty_text_formula_far": lambda src, dst: hostile.far_cell(  # what ="" filled down leaves
        src, dst, "XFD1048576", inner='<f>""</f><v></v>', attrs=' t="str"'
    ),
    "sst_4e9": lambda src, dst: hostile.shared_strings_count(src, dst, "4000000000"),
    "sst_2^64-1": lambda src, dst: hostile.shared_strings_count(src, dst, "18446744073709551615"),
    "main_part_doctype": lambda src, dst: hostile.main_part_elsewhere(src, dst, doctype=True),
    "main_part_other": lambda src, dst: hostile.main_part_elsewhere(src, dst),
    "other_folder": hostile.workbook_in_other_folder,
    "deep_sheet_doctype": hostile.sheet_with_doctype_in_subfolder,
    "array_whole_sheet": lambda src, dst: hostile.array_formulas(
        src, dst, "A1:XFD1048576", [hostile.ledger_cell("notes", 5)]
    ),
    "serial_9999": lambda src, dst: hostile.cell_values(
        src,
        dst,
        {
            (hostile.LEDGER, hostile.ledger_cell("last_review", 5)): "2958465",
            (hostile.CREDENTIALS, "F3"): "2958465",
        },
    ),
    "numbers_inf_nan": lambda src, dst: hostile.cell_values(
        src,
        dst,
        {
            (hostile.LEDGER, hostile.ledger_cell("registered_capital", 5)): "inf",
            (hostile.LEDGER, hostile.ledger_cell("total_assets", 6)): "NaN",
        },
    ),
}
REFUSED = {  # files no reader should open: exactly one file-level finding
    "far_XFD1048576",
    "far_credentials",
    "far_rules",
    "far_A1048576",
    "far_A9999999",
    "empty_text_formula_far",
    "sst_4e9",
    "sst_2^64-1",
    "main_part_doctype",
    "main_part_other",
    "other_folder",
    "deep_sheet_doctype",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, honest_book, companion_book) -> tuple[list[Path], Path]:
    folder = tmp_path_factory.mktemp("batch")
    made = [build(honest_book, folder / f"{name}.xlsx") for name, build in BUILDERS.items()]
    good = folder / companion_book.name
    good.write_bytes(companion_book.read_bytes())
    return made, good


def _survived(done) -> None:
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr and "内部错误" not in done.stderr, done.stderr[-3000:]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_validate_reports_the_good_file_and_one_finding_per_refused_file(batch, jobs):
    made, good = batch
    done = run_cli("validate", *made, good, "--as-of", AS_OF, "--format", "json", "--jobs", jobs)
    _survived(done)
    files = {Path(f["path"]).stem: f for f in json_of(done)["files"]}
    assert files[good.stem]["rows"] > 10
    for name in BUILDERS:
        findings = files[name]["findings"]
        if name in REFUSED:
            assert len(findings) == 1 and files[name]["rows"] == 0, (name, findings)
            assert findings[0]["code"] in ("file-unreadable", "file-xml-bomb"), name
        else:
            assert files[name]["rows"] > 10, name


def test_due_lists_the_good_file_and_names_the_refused_ones(batch):
    made, good = batch
    done = run_cli("due", *made, good, "--as-of", AS_OF, "--format", "json")
    _survived(done)
    document = json_of(done)
    assert str(good) in document["files"]
    skipped = {Path(u["path"]).stem for u in document["unreadable"]}
    assert skipped == REFUSED
    assert any(r["file"] == str(good) for r in document["reviews"])


def test_summarize_writes_the_summary_of_the_readable_files(batch, tmp_path):
    made, good = batch
    out = tmp_path / "汇总.xlsx"
    done = run_cli("summarize", *made, good, "--as-of", AS_OF, "-o", out)
    _survived(done)
    assert out.exists()
    assert done.stderr.count("跳过无法读取的文件") == len(REFUSED)


def test_report_finds_its_customer_beside_the_hostile_files(batch, tmp_path):
    made, good = batch
    out = tmp_path / "报告.xlsx"
    customer = hostile.first_customer(good)
    done = run_cli("report", *made, good, "--as-of", AS_OF, "--customer", customer, "-o", out)
    _survived(done)
    assert out.exists()


# `new` reads the first sheet holding a customer header (台账): a far cell in a sheet it
# does not read changes nothing for it.
UNREAD_BY_NEW = {"far_credentials", "far_rules"}


@pytest.mark.parametrize("name", sorted(REFUSED - UNREAD_BY_NEW))
def test_new_refuses_a_hostile_workbook_with_one_line(batch, tmp_path, name):
    made, _ = batch
    source = next(p for p in made if p.stem == name)
    done = run_cli("new", "--from", source, "-o", tmp_path / "台账.xlsx")
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stderr.strip().startswith("错误：") and "Traceback" not in done.stderr
    assert not (tmp_path / "台账.xlsx").exists()
