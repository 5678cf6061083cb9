"""A damaged package part — any part but the sheets, any damage a careless tool or a bad copy
leaves — is one clear answer about that file, never an internal error that ends the batch.

The sheets' own damage is covered beside (`test_reader_guards.py`, `test_batch_survives.py`);
here every other part of an honest ledger (relationships, content types, workbook.xml,
styles, shared strings, theme, tables, document properties) is made not XML, given an
encoding no one knows or one expat refuses (GBK), or has its compressed data begin with an
invalid block. Found this way: a damaged docProps/custom.xml ended `validate` and `due`
over a whole folder with "内部错误：ParseError"; an unknown encoding anywhere in the
package gave a bare "文件结构异常（LookupError）".
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ledger_xl.io import package
from ledger_xl.io.read import custom_properties
from ledger_xl.io.sniff import sniff
from tests.fixtures import hostile
from tests.hostile.conftest import json_of, run_cli

AS_OF = hostile.AS_OF.isoformat()
FILE_LEVEL = {"file-unreadable", "file-truncated", "file-xml-bomb"}


def _parts(book: Path) -> list[str]:
    with zipfile.ZipFile(book) as archive:
        return [n for n in archive.namelist() if not n.startswith("xl/worksheets/sheet")]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory, honest_book) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("damaged")
    made = {}
    for number, member in enumerate(_parts(honest_book)):
        for damage in hostile.PART_DAMAGES:
            dst = folder / f"{number:02d}_{damage}.xlsx"
            made[member, damage] = hostile.damaged_part(honest_book, dst, member, damage)
    return made


def test_the_parts_are_every_part_but_the_sheets(honest_book):
    parts = set(_parts(honest_book))
    assert {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/sharedStrings.xml",
        "docProps/custom.xml",
        "docProps/core.xml",
        "docProps/app.xml",
    } <= parts
    assert any(p.startswith("xl/tables/") for p in parts)


@pytest.mark.slow
def test_validate_answers_each_damaged_file_and_still_reads_the_good_one(
    damaged, honest_book, companion_book, tmp_path
):
    good = Path(tmp_path / companion_book.name)
    good.write_bytes(companion_book.read_bytes())
    same = Path(tmp_path / "honest.xlsx")  # the undamaged file, for what each should find
    same.write_bytes(honest_book.read_bytes())
    done = run_cli("validate", *damaged.values(), same, good, "--as-of", AS_OF, "--format", "json")
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "内部错误" not in done.stderr, done.stderr[-3000:]
    files = {Path(f["path"]).name: f for f in json_of(done)["files"]}
    assert files[good.name]["rows"] > 10
    honest = sorted((f["code"], f["cell"]) for f in files[same.name]["findings"])
    rows = files[same.name]["rows"]
    refused = set()
    for (member, damage), path in damaged.items():
        result = files[path.name]
        found = sorted((f["code"], f["cell"]) for f in result["findings"])
        if member == "docProps/custom.xml" and damage != "bad_deflate":
            # counts as absent, as Excel's repair drops it: the template version is unknown
            assert result["rows"] == rows, damage
            assert found == sorted([*honest, ("template-version", "")]), damage
        elif result["rows"] == rows and found == honest:
            pass  # a part the readers do not need: read as the undamaged file
        else:  # refused: one file-level finding that says why, nothing else
            assert result["rows"] == 0 and len(found) == 1, (member, damage, found)
            assert found[0][0] in FILE_LEVEL, (member, damage, found)
            assert "文件结构异常" not in result["findings"][0]["message"], (member, damage)
            refused.add((member, damage))
    # the parts that say where the sheets are cannot be read past, whatever their damage
    for member in ("_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml"):
        assert {(member, d) for d in hostile.PART_DAMAGES} <= refused, member

    def message(member: str, damage: str) -> str:
        return files[damaged[member, damage].name]["findings"][0]["message"]

    assert message("xl/workbook.xml", "unknown_encoding") == (
        "无法读取：xl/workbook.xml 声明了无法识别的字符编码（unknown encoding: x-unknown）"
    )
    assert message("xl/workbook.xml", "multibyte_encoding") == (
        "无法读取：xl/workbook.xml 不是有效的 XML（multi-byte encodings are not supported）"
    )
    assert message("_rels/.rels", "multibyte_encoding") == (
        "无法读取：部件 _rels/.rels 不是有效的 XML（multi-byte encodings are not supported）"
    )
    assert message("xl/_rels/workbook.xml.rels", "not_xml").startswith(
        "无法读取：部件 xl/_rels/workbook.xml.rels 不是有效的 XML（unclosed token"
    )
    assert [f["code"] for f in files[damaged["_rels/.rels", "bad_deflate"].name]["findings"]] == [
        "file-truncated"
    ]


@pytest.mark.slow
def test_due_lists_the_good_file_beside_the_damaged_ones(damaged, companion_book, tmp_path):
    good = Path(tmp_path / companion_book.name)
    good.write_bytes(companion_book.read_bytes())
    custom = [p for (member, _), p in damaged.items() if member == "docProps/custom.xml"]
    done = run_cli("due", *custom, good, "--as-of", AS_OF, "--format", "json")
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "内部错误" not in done.stderr, done.stderr[-3000:]
    document = json_of(done)
    broken = str(damaged["docProps/custom.xml", "bad_deflate"])  # its data does not inflate
    assert set(document["files"]) == {str(good), *map(str, custom)} - {broken}
    assert [u["path"] for u in document["unreadable"]] == [broken]


@pytest.mark.parametrize("damage", hostile.PART_DAMAGES)
def test_damaged_custom_properties_count_as_absent(honest, tmp_path, damage):
    assert custom_properties(honest)  # the honest ledger has its ledger_xl properties
    bad = hostile.damaged_part(honest, tmp_path / "bad.xlsx", "docProps/custom.xml", damage)
    assert custom_properties(bad) == {}


@pytest.mark.parametrize(
    "damage, message",
    [
        ("not_xml", "部件 _rels/.rels 不是有效的 XML（"),
        (
            "unknown_encoding",
            "部件 _rels/.rels 声明了无法识别的字符编码（unknown encoding: x-unknown）",
        ),
        ("multibyte_encoding", "部件 _rels/.rels 不是有效的 XML（multi-byte encodings"),
        ("bad_deflate", "部件 _rels/.rels 已损坏，无法解压"),
    ],
)
def test_a_damaged_part_is_a_package_error_that_says_what(honest, tmp_path, damage, message):
    bad = hostile.damaged_part(honest, tmp_path / "bad.xlsx", "_rels/.rels", damage)
    with zipfile.ZipFile(bad) as archive, pytest.raises(package.PackageError) as raised:
        package.parse_part(archive, package.member_names(archive), "_rels/.rels")
    assert raised.value.detail.startswith(message)
    assert raised.value.damaged == (damage == "bad_deflate") and not raised.value.bomb


@pytest.mark.parametrize(
    "member, damage, code, message",
    [
        (
            "xl/workbook.xml",
            "unknown_encoding",
            "file-unreadable",
            "无法读取：xl/workbook.xml 声明了无法识别的字符编码（unknown encoding: x-unknown）",
        ),
        (
            "xl/workbook.xml",
            "multibyte_encoding",
            "file-unreadable",
            "无法读取：xl/workbook.xml 不是有效的 XML（multi-byte encodings are not supported）",
        ),
        (
            "_rels/.rels",
            "unknown_encoding",
            "file-unreadable",
            "无法读取：部件 _rels/.rels 声明了无法识别的字符编码（unknown encoding: x-unknown）",
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "multibyte_encoding",
            "file-unreadable",
            "无法读取：部件 xl/_rels/workbook.xml.rels 不是有效的 XML（multi-byte encodings are "
            "not supported）",
        ),
        ("_rels/.rels", "bad_deflate", "file-truncated", None),
        ("xl/_rels/workbook.xml.rels", "bad_deflate", "file-truncated", None),
        ("xl/workbook.xml", "bad_deflate", "file-truncated", None),
    ],
)
def test_the_sniff_says_which_part_and_why(honest, tmp_path, member, damage, code, message):
    """The sniff alone (in this process, fast): the parts that say where the sheets are."""
    found = sniff(hostile.damaged_part(honest, tmp_path / "bad.xlsx", member, damage))
    assert [f.code for f in found] == [code]
    if message is not None:
        assert found[0].message == message
