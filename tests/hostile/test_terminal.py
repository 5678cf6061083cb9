"""Data printed to the terminal is data: markup in file names, cell text and arguments prints
literally (rich markup is off, `terminal.make_console`), and control and bidirectional
characters are shown, not obeyed. Every command, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_xl import cli
from ledger_xl.app.demo_data import branch_content, generate_demo
from ledger_xl.cli import app
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook
from ledger_xl.terminal import plain
from tests.fixtures import hostile

AS_OF = hostile.AS_OF
runner = CliRunner()
CLOSE = "[/]"
BOLD = "[bold]粗[/bold]"
LINK = "[link=http://evil.example]点我[/link]"
PAYLOADS = (CLOSE, BOLD, LINK)
ESCAPES = "\x1b]8;;http://evil.example\x07点我\x1b]8;;\x07\x1b[2J"
BIDI = "\u202e司公限有技科达华\u202c"


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def wide_consoles():
    """Wide enough that no table folds a cell over two lines (a needle stays in one piece)."""
    saved = cli.console.width, cli.err_console.width
    cli.console.width = cli.err_console.width = 2000
    yield
    cli.console.width, cli.err_console.width = saved


def _clean(result, *needles: str) -> None:
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    ), result.output
    for needle in needles:
        assert needle in result.output, (needle, result.output[-1500:])
    for raw in ("\x1b", "\x07", "\u202e", "\u202c"):
        assert raw not in result.output, repr(raw)


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> Path:
    """A branch ledger whose customer names, 审核人, 所属分公司 and 注册资本 hold markup,
    terminal escapes and a bidi override; several of its customers are on every list."""
    data = generate_demo(n_customers=80, as_of=AS_OF)
    content = branch_content(data, "北京分公司")
    ledger = content.ledger
    texts = [*PAYLOADS, ESCAPES, BIDI]
    for i, text in enumerate(texts):
        ledger.loc[i, "name"] = f"{text}甲公司"
        ledger.loc[i, "reviewer"] = text
        ledger.loc[i, "last_review"] = None  # never reviewed: on the due list
        ledger.loc[i, "status"] = "待审核"
    ledger.loc[0, "branch"] = f"{CLOSE}北京分公司"
    ledger.loc[1, "branch"] = f"{LINK}北京分公司"
    # values that findings quote: not-a-number, value-not-allowed, email-invalid
    ledger.loc[2, "registered_capital"] = BOLD
    ledger.loc[3, "category"] = CLOSE
    ledger.loc[4, "email"] = LINK
    ledger.loc[5, "phone"] = ESCAPES
    folder = tmp_path_factory.mktemp("marked")
    return build_ledger_workbook(
        folder / "北京分公司.xlsx", content, options=BuildOptions(cache_date=AS_OF, spare_rows=5)
    )


def test_validate_prints_cell_text_literally(marked):
    result = _run("validate", marked, "--as-of", AS_OF)
    _clean(result, *PAYLOADS, "␛")


def test_due_prints_names_branches_and_reviewers_literally(marked):
    _clean(_run("due", marked, "--as-of", AS_OF), *PAYLOADS, "␛", "�司公限有技科达华�")


def test_summarize_prints_branch_names_literally(marked, tmp_path):
    result = _run("summarize", marked, "--as-of", AS_OF, "-o", tmp_path / "[bold]粗.xlsx")
    _clean(result, f"{CLOSE}北京分公司", f"{LINK}北京分公司", "[bold]粗.xlsx")


def test_report_prints_its_arguments_and_paths_literally(marked, tmp_path):
    folder = tmp_path / "[link=https:evil.example]点我["
    folder.mkdir()
    result = _run(
        "report", marked, "--as-of", AS_OF, "--customer", LINK, "-o", folder / "link].xlsx"
    )
    assert result.exit_code == 2
    _clean(result, LINK)
    customer = hostile.first_customer(marked)
    done = _run("report", marked, "--as-of", AS_OF, "--customer", customer, "-o", folder / "r.xlsx")
    _clean(done, str(folder / "r.xlsx"))


def test_file_names_with_markup_and_escapes(marked, tmp_path):
    """A POSIX name cannot hold "/": the closing tag comes from a folder `归档[` and a file
    `]坏.xlsx`, i.e. the path …/归档[/]坏.xlsx."""
    folder = tmp_path / "归档["
    folder.mkdir()
    bad = folder / "]坏.xlsx"
    bad.write_text("a,b\n1,2\n")
    good = Path(shutil.copy(marked, tmp_path / "\x1b[31m红\x1b[0m[bold].xlsx"))
    _clean(_run("validate", bad, good, "--as-of", AS_OF), "归档[/]坏.xlsx", "␛[31m红␛[0m[bold]")
    for command in ("due", "summarize"):  # these name only the files they skip
        _clean(_run(command, bad, good, "--as-of", AS_OF), "归档[/]坏.xlsx")
    missing = _run("validate", tmp_path / "[/]不存在.xlsx", "--as-of", AS_OF)
    assert missing.exit_code == 2
    _clean(missing, "[/]不存在.xlsx")


def test_options_with_markup_are_echoed_literally(marked, tmp_path):
    _clean(_run("due", marked, "--as-of", AS_OF, "--branch", CLOSE), CLOSE)
    _clean(_run("due", marked, "--as-of", AS_OF, "--branch", LINK), LINK)
    standard = _run("validate", marked, "--as-of", AS_OF, "--standard", tmp_path / "[/]标准.xlsx")
    assert standard.exit_code == 2
    _clean(standard, "[/]标准.xlsx")
    sheet = _run("new", "--from", marked, "--sheet", CLOSE, "-o", tmp_path / "n.xlsx")
    assert sheet.exit_code == 2
    _clean(sheet, CLOSE)


def test_new_prints_markup_in_names_and_values_literally(tmp_path):
    folder = tmp_path / "[link=https:evil.example]点我["
    folder.mkdir()
    row = list(hostile.LIST_ROW)
    row[1], row[6] = f"{LINK}公司", CLOSE  # 注册资本 "[/]": a finding quotes it
    other = list(hostile.LIST_ROW)
    other[0], other[4] = "SH000002", BOLD  # 客户类别 not in the list
    source = folder / "link]客户.csv"
    source.write_bytes(hostile.csv_bytes([hostile.LIST_HEADER, row, other]))
    result = _run("new", "--from", source, "-o", tmp_path / "[粗].xlsx")
    assert result.exit_code == 0, result.output
    _clean(result, "[link=https:evil.example]点我[/link]客户.csv", CLOSE, BOLD)


@pytest.mark.slow
def test_demo_prints_its_paths_literally(tmp_path):
    out = tmp_path / "[bold]演示"
    result = _run("demo", "--out", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    _clean(result, "[bold]演示")


def test_plain_keeps_one_character_for_one():
    text = "a\x1bb\u202ec\x07d\udcffe\n\tf"
    shown = plain(text)
    assert len(shown) == len(text)
    assert shown == "a␛b�c␇d�e\n\tf"
