"""A workbook too big for a plain zip container is refused with a clear answer, and no file
(nor temporary file) is left behind."""

from __future__ import annotations

import zipfile

import pytest

from ledger_xl.core.errors import OutputError
from ledger_xl.io.xlsx import kit


def test_a_workbook_past_the_zip_limit_is_a_clear_output_error(tmp_path, monkeypatch):
    target = tmp_path / "台账.xlsx"

    def too_large(self):
        raise zipfile.LargeZipFile("Filesize would require ZIP64 extensions")

    monkeypatch.setattr(kit.Workbook, "_store_workbook", too_large)
    with (
        pytest.raises(OutputError, match="工作簿太大") as raised,
        kit.written(target, title="t", kind="ledger") as wb,
    ):
        wb.add_worksheet("台账").write_string(0, 0, "x")
    assert "台账.xlsx" in str(raised.value) and "拆分" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_a_table_longer_than_a_sheet_is_refused_not_cut(tmp_path):
    with (
        pytest.raises(OutputError, match="最多 1,048,576 行"),
        kit.written(tmp_path / "x.xlsx", title="t", kind="ledger") as wb,
    ):
        ws = wb.add_worksheet("资信证明")
        ws.add_table_with_formulas(1, 0, 1_048_577, 1, {"columns": [{"header": "a"}, {}]})
