"""The finding catalogue, the README's table and the tests stay in step."""

from __future__ import annotations

from pathlib import Path

from ledger_xl.core.findings import CATALOGUE, finding

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_has_its_line_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        code
        for code in CATALOGUE
        if f"| `{code}` | {CATALOGUE[code].severity.value} |" not in readme
    ]
    assert missing == []


def test_every_code_is_asserted_by_some_test():
    tests = "".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "tests").rglob("test_*.py")
        if p.name != "test_catalogue.py"
    )
    assert [code for code in CATALOGUE if f'"{code}"' not in tests] == []


def test_every_message_renders_in_both_languages():
    for code in CATALOGUE:
        for lang in ("zh", "en"):
            item = finding(code, lang=lang, value="x", allowed="a", detail="d", column="列")
            assert item.message and "{" not in item.message, (code, lang)
