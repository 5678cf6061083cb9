"""`ledger-xl validate` over a batch: exit codes, JSON equal to the library, inputs untouched,
a customer claimed by two branches, and broken files that do not stop the batch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ledger_xl.app.validate import validate_paths
from ledger_xl.cli import app

from .helpers import AS_OF, build, good_row, uscc

runner = CliRunner()


def _validate(*args: str):
    return runner.invoke(app, ["validate", "--as-of", AS_OF.isoformat(), *args])


@pytest.fixture
def batch(tmp_path):
    (tmp_path / "上海").mkdir()
    (tmp_path / "北京").mkdir()
    clean = build(tmp_path / "上海", name="上海分公司.xlsx")
    faulty = build(
        tmp_path / "北京",
        name="北京分公司.xlsx",
        rows=[
            good_row(3, phone=None, branch="北京分公司", customer_id="BJ000003"),
            good_row(1, branch="北京分公司", customer_id="BJ000004"),
        ],
    )
    return tmp_path, clean, faulty


def _hashes(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_exit_codes_and_inputs_untouched(batch):
    folder, clean, _ = batch
    before = _hashes(folder)
    assert _validate(str(clean)).exit_code == 0
    result = _validate(str(folder))
    assert result.exit_code == 1
    assert _hashes(folder) == before
    assert _validate(str(folder / "nothing-here")).exit_code == 2
    assert _validate(str(clean), "--only", "no-such-code").exit_code == 2


def test_json_equals_the_library(batch):
    folder, *_ = batch
    result = _validate(str(folder), "--format", "json")
    assert result.exit_code == 1
    cli = json.loads(result.stdout)
    files = sorted(p for p in folder.rglob("*.xlsx"))
    library = json.loads(validate_paths(files, as_of=AS_OF).to_json())
    assert cli == library
    first = cli["files"][0]["findings"][0]
    assert list(first) == [
        "code",
        "severity",
        "sheet",
        "cell",
        "row",
        "column",
        "customer_id",
        "value",
        "message",
    ]


def test_customer_claimed_by_two_branches(batch):
    _folder, clean, faulty = batch
    result = validate_paths([clean, faulty], as_of=AS_OF)
    claimed = [f for file in result.files for f in file.findings if f.code == "duplicate-uscc"]
    assert {f.file for f in claimed} == {str(clean), str(faulty)}
    assert all(f.value == uscc(1) for f in claimed)
    assert any("上海分公司.xlsx" in f.message for f in claimed)


def test_broken_files_get_one_finding_and_the_batch_goes_on(batch):
    folder, clean, _ = batch
    (folder / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    (folder / "空.xlsx").write_bytes(b"")
    (folder / "名单.csv").write_text("客户名称,电话\n甲,1\n", encoding="utf-8")
    truncated = folder / "半截.xlsx"
    truncated.write_bytes(clean.read_bytes()[: clean.stat().st_size // 2])
    result = json.loads(_validate(str(folder), "--format", "json").stdout)
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in result["files"]}
    assert [x["code"] for x in by_name["坏文件.xlsx"]["findings"]] == ["file-not-zip"]
    assert [x["code"] for x in by_name["空.xlsx"]["findings"]] == ["file-empty"]
    assert [x["code"] for x in by_name["名单.csv"]["findings"]] == ["file-csv"]
    assert [x["code"] for x in by_name["半截.xlsx"]["findings"]] == ["file-truncated"]
    assert by_name["上海分公司.xlsx"]["rows"] == 2


def test_open_in_excel_is_read_with_a_warning(batch):
    _folder, clean, _ = batch
    (clean.parent / ("~$" + clean.name)).write_bytes(b"owner")
    result = json.loads(_validate(str(clean), "--format", "json").stdout)
    assert [f["code"] for f in result["files"][0]["findings"]] == ["file-open-in-excel"]


def test_terminal_output_and_findings_workbook(batch, tmp_path_factory):
    folder, *_ = batch
    report = tmp_path_factory.mktemp("out") / "问题清单.xlsx"
    result = _validate(str(folder), "--report", str(report))
    assert result.exit_code == 1
    assert "必填项“联系电话”为空" in result.output
    listed = json.loads(_validate(str(folder), "--format", "json").stdout)
    expected = sorted(
        (Path(file["path"]).name, f["sheet"], f["cell"] or "（打开文件）", f["code"])
        for file in listed["files"]
        for f in file["findings"]
    )
    book = openpyxl.load_workbook(report, read_only=True)
    rows = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    book.close()
    written = sorted((Path(r[0]).name, r[1], r[2], r[6]) for r in rows)
    assert written == expected
    assert ("北京分公司.xlsx", "台账", "K4", "required-missing") in written
    again = _validate(str(folder), "--report", str(report))
    assert again.exit_code == 2 and "--force" in again.output


def test_parallel_jobs_give_the_same_result(batch):
    folder, *_ = batch
    files = sorted(folder.rglob("*.xlsx"))
    assert validate_paths(files, as_of=AS_OF, jobs=2) == validate_paths(files, as_of=AS_OF)


def test_english_summary(batch):
    folder, *_ = batch
    result = _validate(str(folder), "--lang", "en")
    assert "Required '联系电话' is blank" in result.output


def test_damaged_copies_never_raise(tmp_path):
    """Random byte damage anywhere in a workbook gives findings, never a traceback."""
    import random

    from ledger_xl.app.validate import validate_workbook

    original = build(tmp_path, name="原件.xlsx").read_bytes()
    rng = random.Random(0)
    for n in range(40):
        data = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged = tmp_path / f"damaged-{n}.xlsx"
        damaged.write_bytes(bytes(data))
        result = validate_workbook(damaged, as_of=AS_OF)
        assert all(f.message for f in result.findings)


def test_shared_identities_are_the_pairs_two_files_claim():
    """What the parent keeps of the children's claims: only the (key, value) pairs that a
    second file claims, per file in order; a pair repeated inside one file, the same file given
    twice, a 客户编号 equal to another file's 统一社会信用代码, a file without claims: none."""
    from ledger_xl.app.validate import _pack_identities, _shared_identities
    from ledger_xl.core.validate import Identity

    def claims(file: str, *pairs: tuple[str, str]) -> tuple:
        return _pack_identities(
            [
                Identity(k, v, file, "台账", f"A{4 + i}", 4 + i, "C")
                for i, (k, v) in enumerate(pairs)
            ]
        )

    a = claims("a.xlsx", ("customer_id", "X1"), ("uscc", "U1"), ("customer_id", "X1"))
    b = claims("b.xlsx", ("customer_id", "X2"), ("uscc", "U1"), ("customer_id", "U1"))
    c = claims("c.xlsx", ("customer_id", "X2"))
    again = claims("a.xlsx", ("customer_id", "X1"))
    shared = _shared_identities([a, (), b, again, c])
    assert [[(i.file, i.key, i.value, i.cell) for i in ids] for ids in shared] == [
        [("a.xlsx", "uscc", "U1", "A5")],
        [],
        [("b.xlsx", "customer_id", "X2", "A4"), ("b.xlsx", "uscc", "U1", "A5")],
        [],
        [("c.xlsx", "customer_id", "X2", "A4")],
    ]
    assert _shared_identities([a, again]) == [[], []]
