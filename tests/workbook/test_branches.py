"""distribute → branch edits → collect, and upgrade, on real files: what each branch gets,
encryption, masking, the manifest, the archive, the merge report, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner
from xlsxwriter.utility import xl_col_to_name

from ledger_xl.app import branches
from ledger_xl.app.demo import edit_as_branch, tampered_rules
from ledger_xl.cli import app
from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.distribution import Tables, input_keys
from ledger_xl.core.layout import TEMPLATE_VERSION
from ledger_xl.core.merge import tables_from_book
from ledger_xl.io import crypto, isolated
from ledger_xl.io.read import read_book
from tests.validation.helpers import build, good_credentials, good_review, good_row

SH, BJ = "上海分公司", "北京分公司"
PASSWORD = "上海-密码-2026"
AS_OF = dt.date(2026, 3, 31)
needs_fork = pytest.mark.skipif(not isolated.available(), reason="children die in these")
RECEIVED = dt.date(2026, 4, 2)
FIXTURE_V1 = Path(__file__).resolve().parents[1] / "fixtures" / "template_v1_0.xlsx"
runner = CliRunner()


FINANCIAL = xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index("score_financial"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_master(folder: Path) -> Path:
    rows = [good_row(i, branch=SH if i <= 3 else BJ) for i in range(1, 7)]
    creds = [c for i in range(1, 7) for c in good_credentials(i)]
    reviews = [good_review(i) for i in range(1, 7)]
    return build(folder, rows, creds, reviews, name="总部台账.xlsx")


def branch_list(folder: Path, password: str = PASSWORD) -> Path:
    path = folder / "分公司.csv"
    path.write_text(
        f"分公司,密码,遮蔽列\n{SH},{password},\n{BJ},,资信证明.证件号码\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def sent(tmp_path):
    master = make_master(tmp_path)
    options = branches.read_branch_options(branch_list(tmp_path))
    result = branches.distribute(master, tmp_path / "分发", options, now=dt.datetime(2026, 3, 1))
    return tmp_path, master, options, result


def _files(result) -> dict[str, Path]:
    return {f.branch: f.path for f in result.files}


def _open(path: Path, password: str | None = None):
    if password:
        with crypto.decrypted(path, password) as plain:
            return read_book(plain, formulas=False)
    return read_book(path, formulas=False)


# ---------------------------------------------------------------- distribute


def test_each_branch_gets_its_customers_keyed_with_the_record(sent):
    _, _, _, result = sent
    book = _open(_files(result)[BJ])
    frame = book.ledger.frame
    assert frame["customer_id"].tolist() == ["SH000004", "SH000005", "SH000006"]
    assert set(frame["branch"]) == {BJ}
    assert frame[layout.ROW_KEY].notna().all()
    record = book.distribution
    assert record.branch == BJ and record.distribution_id == result.distribution_id
    assert set(record.sent("ledger")) == set(frame[layout.ROW_KEY])
    assert len(record.sent("credentials")) == 6 and len(record.sent("reviews")) == 3
    assert book.properties[layout.PROP_BRANCH] == BJ
    assert book.properties[layout.PROP_DISTRIBUTION_ID] == result.distribution_id
    assert book.properties[layout.PROP_DISTRIBUTED_AT].startswith("2026-03-01")
    assert book.properties[layout.PROP_RULES_FINGERPRINT] == DEFAULT_RULES.fingerprint()


def test_branch_is_fixed_rule_sheets_protected_record_very_hidden(sent):
    _, _, _, result = sent
    wb = openpyxl.load_workbook(_files(result)[BJ])
    ledger = wb[layout.SHEET_LEDGER]
    col = openpyxl.utils.get_column_letter(
        [f.key for f in DEFAULT_RULES.fields].index("branch") + 1
    )
    rules = [
        dv
        for dv in ledger.data_validations.dataValidation
        if str(dv.sqref).split(":")[0].rstrip("0123456789") == col
    ]
    assert [(dv.type, dv.formula1) for dv in rules] == [("list", f'"{BJ}"')]
    for name in (layout.SHEET_FIELD_RULES, layout.SHEET_SCORING, layout.SHEET_CYCLES):
        assert wb[name].protection.sheet, name
    assert wb[layout.SHEET_DISTRIBUTION].sheet_state == "veryHidden"


def test_masked_column_shows_head_and_tail_only(sent):
    _, _, _, result = sent
    numbers = _open(_files(result)[BJ]).credentials.frame["doc_number"].tolist()
    ids = [n for n in numbers if len(n) == 18 and "*" in n]
    assert len(ids) == 6  # licences (USCC) and ID cards, all masked
    assert all(n[6:14] == "********" for n in ids)
    unmasked = _open(_files(result)[SH], PASSWORD).credentials.frame["doc_number"]
    assert not any("*" in n for n in unmasked)


def test_password_encrypts_the_file_for_real(sent):
    _, _, _, result = sent
    path = _files(result)[SH]
    assert crypto.is_encrypted(path)
    assert not zipfile.is_zipfile(path)
    assert [f.code for f in read_book(path).findings] == ["file-encrypted"]
    assert crypto.opens_with(path, PASSWORD) and not crypto.opens_with(path, "wrong")
    assert len(_open(path, PASSWORD).ledger.frame) == 3


def test_manifest_says_what_went_where_with_checksums(sent):
    tmp_path, master, _, result = sent
    document = json.loads(result.manifest_json.read_text(encoding="utf-8"))
    assert document["master_sha256"] == digest(master)
    for entry in document["files"]:
        path = tmp_path / "分发" / entry["file"]
        assert entry["sha256"] == digest(path) and entry["bytes"] == path.stat().st_size
    assert {e["branch"]: e["encrypted"] for e in document["files"]} == {SH: True, BJ: False}
    lines = result.manifest_csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("分发编号,") and len(lines) == 3


def test_distribute_never_overwrites_without_force(sent):
    tmp_path, master, options, result = sent
    before = digest(_files(result)[BJ])
    with pytest.raises(branches.OutputError, match="--force"):
        branches.distribute(master, tmp_path / "分发", options)
    assert digest(_files(result)[BJ]) == before
    branches.distribute(master, tmp_path / "分发", options, overwrite=True)


@needs_fork
def test_a_branch_write_that_fails_in_its_child_stops_distribute_with_its_reason(
    tmp_path, monkeypatch
):
    """Each branch's workbook is written in a child process: an error raised there (a file
    Excel holds) is raised here as it is, and a child that dies names the file it was writing;
    the manifest is not written either way."""
    master = make_master(tmp_path)
    options = branches.read_branch_options(branch_list(tmp_path, password=""))
    build = branches.build_ledger_workbook

    def held(path, *args, **kwargs):
        if BJ in Path(path).name:
            raise branches.OutputError(f"{path}：文件正被 Excel 打开，请先关闭")
        return build(path, *args, **kwargs)

    monkeypatch.setattr(branches, "build_ledger_workbook", held)
    with pytest.raises(branches.OutputError, match="正被 Excel 打开"):
        branches.distribute(master, tmp_path / "甲", options)
    assert not list((tmp_path / "甲").glob("分发清单*"))

    def dies(path, *args, **kwargs):
        if BJ in Path(path).name:
            os._exit(7)
        return build(path, *args, **kwargs)

    monkeypatch.setattr(branches, "build_ledger_workbook", dies)
    with pytest.raises(branches.OutputError, match=f"{BJ}.xlsx：写出失败") as failed:
        branches.distribute(master, tmp_path / "乙", options)
    assert "7" in str(failed.value)
    assert not list((tmp_path / "乙").glob("分发清单*"))


def test_without_a_master_each_listed_branch_gets_an_empty_template(tmp_path):
    options = branches.read_branch_options(branch_list(tmp_path, password=""))
    result = branches.distribute(None, tmp_path / "空白", options)
    assert [f.customers for f in result.files] == [0, 0]
    book = read_book(_files(result)[SH])
    assert len(book.ledger.frame) == 0 and book.distribution.branch == SH


def test_branch_list_errors_name_the_line(tmp_path):
    path = tmp_path / "分公司.csv"
    path.write_text("分公司,遮蔽列\n上海分公司,不存在的列\n", encoding="gbk")
    with pytest.raises(branches.InputError, match="第2行"):
        branches.read_branch_options(path)
    path.write_text("名称\n上海分公司\n", encoding="utf-8")
    with pytest.raises(branches.InputError, match="分公司"):
        branches.read_branch_options(path)


# ---------------------------------------------------------------- collect


def _shanghai_edit(t: Tables) -> Tables:
    ledger = t.ledger.copy()
    ledger.loc[ledger["customer_id"] == "SH000002", "score_financial"] = 61.0
    new = {**good_row(7, branch=SH), "name": "上海新增七号有限公司"}
    review = good_review(1, review_id="SH000001-2026-03", review_date=dt.date(2026, 3, 20))
    return Tables(
        pd.concat([ledger.iloc[::-1], pd.DataFrame([new], dtype=object)], ignore_index=True),
        pd.concat([t.credentials, pd.DataFrame(good_credentials(7), dtype=object)]),
        pd.concat([t.reviews, pd.DataFrame([review], dtype=object)]),
    )


def test_round_trip_merges_edits_and_leaves_the_inputs_alone(sent):
    tmp_path, master, options, result = sent
    files = _files(result)
    edit_as_branch(files[SH], _shanghai_edit, password=PASSWORD)
    inputs = {p: digest(p) for p in (master, *files.values())}
    out = tmp_path / "新台账.xlsx"
    collected = branches.collect(
        [str(tmp_path / "分发")], master, out, passwords=options, as_of=AS_OF, received_on=RECEIVED
    )
    assert {p: digest(p) for p in inputs} == inputs  # nothing read was modified
    merged = read_book(out, formulas=False)
    frame = merged.ledger.frame
    assert len(frame) == 7 and frame[layout.ROW_KEY].is_unique
    assert frame.loc[frame["customer_id"] == "SH000002", "score_financial"].item() == 61.0
    assert "SH000001-2026-03" in merged.reviews.frame["review_id"].tolist()
    assert len(merged.credentials.frame) == 14
    (change,) = collected.merge.changes
    assert (change.customer_id, change.column, change.old, change.new) == (
        "SH000002",
        "财务状况",
        80.0,
        61.0,
    )
    assert (
        change.cell == f"台账!{FINANCIAL}5"
    )  # the branch sorted its rows: SH000002 is second from the end
    assert not collected.needs_a_person

    # the report workbook holds every change with its cell and both values
    report = openpyxl.load_workbook(collected.report)
    assert report.sheetnames == [
        "概览",
        "变更",
        "新增",
        "冲突",
        "拒收",
        "待确认",
        "校验问题",
        "收件归档",
    ]
    rows = list(report["变更"].iter_rows(min_row=2, values_only=True))
    assert rows == [
        (
            SH,
            f"{SH}.xlsx",
            "台账",
            "SH000002",
            "上海测试2号有限公司",
            "财务状况",
            80,
            61,
            f"台账!{FINANCIAL}5",
        )
    ]
    added = [r[2] for r in report["新增"].iter_rows(min_row=2, values_only=True)]
    assert sorted(added) == ["台账", "审核记录", "资信证明", "资信证明"]

    # the archive keeps the files as received (encrypted stays encrypted), with checksums
    day = tmp_path / "收件归档" / RECEIVED.isoformat()
    for branch, path in files.items():
        copy = day / branch / path.name
        assert digest(copy) == inputs[path]
        sums = (day / branch / "SHA256SUMS").read_text(encoding="utf-8")
        assert f"{inputs[path]}  {path.name}" in sums
    assert crypto.is_encrypted(day / SH / f"{SH}.xlsx")


def test_wrong_or_missing_password_is_one_finding_and_the_batch_goes_on(sent):
    tmp_path, master, _, result = sent
    files = _files(result)
    edit_as_branch(files[BJ], lambda t: _bj_new_customer(t))
    wrong = branches.read_branch_options(branch_list(tmp_path, password="不对的密码"))
    collected = branches.collect(
        [str(tmp_path / "分发")], master, tmp_path / "a.xlsx", passwords=wrong, as_of=AS_OF
    )
    assert [i.code for i in collected.file_refusals] == ["file-wrong-password"]
    assert collected.file_refusals[0].finding.file.endswith(f"{SH}.xlsx")
    assert "SH000008" in read_book(tmp_path / "a.xlsx").ledger.frame["customer_id"].tolist()
    assert collected.needs_a_person
    missing = branches.collect([str(tmp_path / "分发")], master, tmp_path / "b.xlsx", as_of=AS_OF)
    assert [i.code for i in missing.file_refusals] == ["file-password-missing"]
    report = openpyxl.load_workbook(missing.report)
    refused = list(report["拒收"].iter_rows(min_row=2, values_only=True))
    assert refused[0][1] == f"{SH}.xlsx" and refused[0][9] == "file-password-missing"


@needs_fork
def test_a_returned_file_whose_reader_dies_is_refused_and_the_others_merge(sent, monkeypatch):
    """Each returned file is read in a child: a reader that dies there (a native abort) costs
    that file alone — refused as unreadable, with the reason — and the others are merged."""
    tmp_path, master, options, result = sent
    files = _files(result)
    edit_as_branch(files[BJ], lambda t: _bj_new_customer(t))
    read = branches.read_book

    def aborts(path, *args, **kwargs):
        if kwargs.get("source", str(path)).endswith(f"{SH}.xlsx"):
            os.abort()
        return read(path, *args, **kwargs)

    monkeypatch.setattr(branches, "read_book", aborts)
    collected = branches.collect(
        [str(tmp_path / "分发")], master, tmp_path / "c.xlsx", passwords=options, as_of=AS_OF
    )
    assert [(i.code, Path(i.finding.file).name) for i in collected.file_refusals] == [
        ("file-unreadable", f"{SH}.xlsx")
    ]
    assert "中止" in collected.file_refusals[0].finding.message
    assert "SH000008" in read_book(tmp_path / "c.xlsx").ledger.frame["customer_id"].tolist()


@needs_fork
def test_the_merge_report_lands_only_beside_a_written_master(sent, monkeypatch):
    """The report is written in a child while the master is written here: when the master
    cannot be written there is no report either (nor a draft left behind); when the report's
    child dies, the report is written here instead."""
    tmp_path, master, options, _ = sent
    out = tmp_path / "新台账"
    out.mkdir()

    def held(path, *args, **kwargs):
        raise branches.OutputError(f"{path}：文件正被 Excel 打开，请先关闭")

    with monkeypatch.context() as patch:
        patch.setattr(branches, "build_ledger_workbook", held)
        with pytest.raises(branches.OutputError, match="正被 Excel 打开"):
            branches.collect(
                [str(tmp_path / "分发")], master, out / "a.xlsx", passwords=options, as_of=AS_OF
            )
    assert [p.name for p in out.iterdir()] == ["收件归档"]  # the files as they came in
    from ledger_xl.io.xlsx import merge_report

    build = merge_report.build_merge_report
    parent = os.getpid()

    def dies_in_a_child(path, *args, **kwargs):
        if os.getpid() != parent:
            os._exit(9)
        return build(path, *args, **kwargs)

    monkeypatch.setattr(merge_report, "build_merge_report", dies_in_a_child)
    collected = branches.collect(
        [str(tmp_path / "分发")], master, out / "b.xlsx", passwords=options, as_of=AS_OF
    )
    report = openpyxl.load_workbook(collected.report)
    assert collected.report.parent == out and "拒收" in report.sheetnames
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".xlsx") == [
        "b.xlsx",
        collected.report.name,
    ]


def _bj_new_customer(t: Tables) -> Tables:
    new = pd.DataFrame([good_row(8, branch=BJ)], dtype=object)
    return Tables(pd.concat([t.ledger, new], ignore_index=True), t.credentials, t.reviews)


def test_tampered_weight_is_refused_naming_the_rule_unless_accepted(sent, tmp_path):
    _, master, options, result = sent
    edit_as_branch(_files(result)[BJ], _bj_new_customer, rules=tampered_rules(DEFAULT_RULES))
    refused = branches.collect(
        [str(_files(result)[BJ])], master, tmp_path / "r.xlsx", passwords=options, as_of=AS_OF
    )
    (issue,) = refused.merge.refusals()
    assert issue.code == "merge-rules-differ" and "权重“财务状况”为 35%" in issue.finding.message
    assert "SH000008" not in read_book(tmp_path / "r.xlsx").ledger.frame["customer_id"].tolist()
    accepted = branches.collect(
        [str(_files(result)[BJ])],
        master,
        tmp_path / "ok.xlsx",
        passwords=options,
        accept_rules=True,
        as_of=AS_OF,
    )
    assert accepted.merge.refusals() == []
    assert "SH000008" in read_book(tmp_path / "ok.xlsx").ledger.frame["customer_id"].tolist()


def test_conflict_is_in_the_report_with_cell_and_both_values(sent):
    tmp_path, master, options, result = sent

    def edit(t: Tables) -> Tables:
        ledger = t.ledger.copy()
        ledger.loc[ledger["customer_id"] == "SH000005", "contact"] = "分公司改的"
        return Tables(ledger, t.credentials, t.reviews)

    edit_as_branch(_files(result)[BJ], edit)
    hq = tables_from_book(read_book(master))
    hq.ledger.loc[hq.ledger["customer_id"] == "SH000005", "contact"] = "总部改的"
    hq_master = build(
        tmp_path,
        hq.ledger.to_dict("records"),
        hq.credentials.to_dict("records"),
        hq.reviews.to_dict("records"),
        name="总部台账_新.xlsx",
    )
    collected = branches.collect(
        [str(_files(result)[BJ])], hq_master, tmp_path / "c.xlsx", passwords=options, as_of=AS_OF
    )
    (issue,) = collected.merge.conflicts()
    assert issue.code == "merge-both-changed"
    rows = list(openpyxl.load_workbook(collected.report)["冲突"].iter_rows(values_only=True))
    contact_cell = f"{xl_col_to_name([f.key for f in DEFAULT_RULES.fields].index('contact'))}5"
    assert rows[1][2:9] == ("台账", contact_cell, 5, "SH000005", "联系人", "总部改的", "分公司改的")
    contact = read_book(tmp_path / "c.xlsx").ledger.frame.set_index("customer_id")["contact"]
    assert contact["SH000005"] == "总部改的"


def test_collect_command_exit_codes(sent):
    tmp_path, master, _, result = sent
    args = ["collect", str(_files(result)[BJ]), "--into", str(master), "-o"]
    done = runner.invoke(app, [*args, str(tmp_path / "n.xlsx"), "--as-of", "2026-03-31"])
    assert done.exit_code == 0, done.output
    assert "已写出新的总部台账" in done.output
    again = runner.invoke(app, [*args, str(tmp_path / "n.xlsx")])
    assert again.exit_code == 2 and "--force" in again.output
    folder = runner.invoke(
        app,
        ["collect", str(tmp_path / "分发"), "--into", str(master), "-o", str(tmp_path / "m.xlsx")],
    )
    assert folder.exit_code == 1 and "file-password-missing" in folder.output
    same = runner.invoke(app, [*args, str(master)])
    assert same.exit_code == 2 and "不能写到输入的总部台账上" in same.output


def test_distribute_command(tmp_path):
    master = make_master(tmp_path)
    done = runner.invoke(
        app,
        [
            "distribute",
            str(master),
            "--out",
            str(tmp_path / "d"),
            "--branches",
            str(branch_list(tmp_path)),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "分发编号" in done.output and "分发清单" in done.output
    assert (tmp_path / "d" / f"{BJ}.xlsx").exists()


def test_macro_enabled_branch_workbooks_round_trip(tmp_path):
    master = make_master(tmp_path)
    options = branches.read_branch_options(branch_list(tmp_path))
    result = branches.distribute(master, tmp_path / "宏", options, macros=True)
    assert sorted(p.suffix for p in _files(result).values()) == [".xlsm", ".xlsm"]
    edit_as_branch(_files(result)[BJ], _bj_new_customer)
    with zipfile.ZipFile(_files(result)[BJ]) as package:
        assert "xl/vbaProject.bin" in package.namelist()
    collected = branches.collect(
        [str(tmp_path / "宏")], master, tmp_path / "合并.xlsx", passwords=options, as_of=AS_OF
    )
    assert not collected.needs_a_person
    assert [a.customer_id for a in collected.merge.added] == ["SH000008"]


# ---------------------------------------------------------------- upgrade


def _rows(path: Path) -> dict[str, list[dict]]:
    tables = tables_from_book(read_book(path, formulas=False))
    out = {}
    for name, frame in tables.items():
        keys = [k for k in input_keys(name, DEFAULT_RULES) if k in frame.columns]
        out[name] = frame[keys].to_dict("records")
    return out


def test_upgrade_keeps_every_row_of_a_workbook_built_by_template_1_0(tmp_path):
    old = read_book(FIXTURE_V1, formulas=False)
    assert old.properties[layout.PROP_TEMPLATE_VERSION] == "1.0"
    assert layout.ROW_KEY not in old.ledger.frame.columns
    before = digest(FIXTURE_V1)
    result = branches.upgrade(FIXTURE_V1, tmp_path / "新.xlsx", as_of=AS_OF)
    assert digest(FIXTURE_V1) == before
    assert result.from_version == "1.0"
    assert result.rows == {"台账": (23, 23), "资信证明": (70, 70), "审核记录": (41, 41)}
    assert f"模板版本 1.0 → {TEMPLATE_VERSION}" in result.changes
    new = read_book(tmp_path / "新.xlsx", formulas=False)
    assert new.properties[layout.PROP_TEMPLATE_VERSION] == layout.TEMPLATE_VERSION
    assert new.ledger.frame[layout.ROW_KEY].notna().all()
    old_rows, new_rows = _rows(FIXTURE_V1), _rows(tmp_path / "新.xlsx")
    for table in old_rows:
        kept = [
            {k: row[k] for k in old}
            for row, old in zip(new_rows[table], old_rows[table], strict=True)
        ]
        assert kept == old_rows[table], table
        added = {k for row in new_rows[table] for k in row} - {
            k for r in old_rows[table] for k in r
        }
        assert all(row[k] is None for row in new_rows[table] for k in added), table  # blank
    assert new.rules.admission == DEFAULT_RULES.admission  # the control sheets it lacked


def test_upgrade_onto_rules_without_a_column_keeps_its_values_in_notes(tmp_path):
    fields = tuple(f for f in DEFAULT_RULES.fields if f.key != "legal_rep")
    standard = DEFAULT_RULES.model_copy(update={"fields": fields})
    result = branches.upgrade(FIXTURE_V1, tmp_path / "新.xlsx", standard=standard, as_of=AS_OF)
    assert any("法定代表人" in line and "并入“备注”" in line for line in result.changes)
    old = read_book(FIXTURE_V1, formulas=False).ledger.frame
    notes = read_book(tmp_path / "新.xlsx", formulas=False).ledger.frame["notes"].tolist()
    for name, note in zip(old["legal_rep"], notes, strict=True):
        assert f"【法定代表人】{name}" in note


def test_upgrade_command_lists_what_changed(tmp_path):
    done = runner.invoke(app, ["upgrade", str(FIXTURE_V1), "-o", str(tmp_path / "u.xlsx")])
    assert done.exit_code == 0, done.output
    assert "台账 23 行" in done.output and f"1.0 → {TEMPLATE_VERSION}" in done.output


# ---------------------------------------------------------------- LibreOffice


SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin") or "/usr/bin/python3"


def _uno_python() -> str | None:
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=60, check=False
        )
    except OSError:
        return None
    return SYSTEM_PYTHON if done.returncode == 0 else None


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_opens_the_encrypted_branch_file_only_with_the_password(sent, soffice):
    python = _uno_python()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must have LibreOffice's Python bridge: scripts/test.sh installs python3-uno"
            )
        pytest.skip("python3-uno not installed")
    _, _, _, result = sent
    path = _files(result)[SH]
    script = str(Path(__file__).with_name("lo_open.py"))

    def open_in_libreoffice(*password: str) -> str:
        done = subprocess.run(
            [python, script, soffice, str(path), *password],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return done.stdout.strip()

    assert open_in_libreoffice(PASSWORD) == "OPENED SH000001"
    assert open_in_libreoffice().startswith("REFUSED")
    assert open_in_libreoffice("不对的密码").startswith("REFUSED")


def test_error_values_in_an_encrypted_returned_workbook_are_found(sent):
    """collect checks a decrypted copy: a side sheet is scanned for error values while that
    copy exists (`#N/A` pasted into 资信证明's 客户编号 is named as such, not "为空")."""
    from tests.validation.helpers import replace_cell, rewrite_sheet_xml

    tmp_path, master, options, result = sent
    path = _files(result)[SH]
    with crypto.decrypted(path, PASSWORD) as plain:
        edited = rewrite_sheet_xml(
            plain,
            "xl/worksheets/sheet2.xml",  # 资信证明
            lambda xml: replace_cell(xml, "A4", '<c r="A4" t="e"><v>#N/A</v></c>'),
        )
        crypto.encrypt(edited, path, PASSWORD, overwrite=True)
    collected = branches.collect(
        [str(path)], master, tmp_path / "新台账.xlsx", passwords=options, as_of=AS_OF
    )
    (item,) = collected.received
    assert [
        (f.code, f.sheet, f.cell, f.value)
        for f in item.validation.findings
        if f.cell == "A4" and f.sheet == "资信证明"
    ] == [("error-value", "资信证明", "A4", "#N/A")]


def test_merge_report_tables_keep_each_values_type_and_format(tmp_path):
    """The report's tables are written a column at a time (text kept compactly): a number
    stays a right-aligned number, a date a date, a boolean the text TRUE/FALSE, a blank no
    cell, text text ("@"), row by row whatever the mix in a column."""
    from ledger_xl.io.xlsx import kit
    from ledger_xl.io.xlsx.merge_report import _Report

    rows = [
        ("甲", 80, dt.date(2026, 1, 5), True, None),
        (61.5, "", dt.datetime(2026, 1, 5, 9, 30), "文本", "0012"),
        ("乙", None, "丙", False, 3),
    ]
    path = tmp_path / "r.xlsx"
    with kit.written(path, kind="merge_report", title="t") as wb:
        report = _Report(wb, None)
        ws = wb.add_worksheet("表")
        report.table(ws, 0, ["a", "b", "c", "d", "e"], rows, "（无）")
    sheet = openpyxl.load_workbook(path)["表"]
    got = [
        [(c.value, c.number_format) for c in row]
        for row in sheet.iter_rows(min_row=2, max_row=4, max_col=5)
    ]
    assert got == [
        [
            ("甲", "@"),
            (80, "General"),
            (dt.datetime(2026, 1, 5), "yyyy-mm-dd"),
            ("TRUE", "@"),
            (None, "General"),
        ],
        [
            (61.5, "General"),
            (None, "General"),
            (dt.datetime(2026, 1, 5, 9, 30), "yyyy-mm-dd"),
            ("文本", "@"),
            ("0012", "@"),
        ],
        [("乙", "@"), (None, "General"), ("丙", "@"), ("FALSE", "@"), (3, "General")],
    ]
    assert sheet["B2"].alignment.horizontal == "right" and sheet["A2"].alignment.vertical == "top"
