"""Rules: defaults, fingerprint, and rule sheets read back — or refused with sheet and cell."""

from __future__ import annotations

import pytest

from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import RulesError
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import Dimension, FieldRule, FieldType, ScoringRules
from ledger_xl.core.rulesheets import FIELD_HEADERS, read_cycles, read_field_rules, read_scoring


def test_default_weights_sum_to_one_and_fingerprint_is_stable():
    assert sum(d.weight for d in DEFAULT_RULES.scoring.dimensions) == pytest.approx(1)
    assert DEFAULT_RULES.fingerprint() == DEFAULT_RULES.model_copy().fingerprint()


def test_changed_weight_changes_fingerprint():
    dims = list(DEFAULT_RULES.scoring.dimensions)
    dims[0], dims[1] = (
        dims[0].model_copy(update={"weight": 0.4}),
        dims[1].model_copy(update={"weight": 0.2}),
    )
    edited = DEFAULT_RULES.model_copy(
        update={"scoring": DEFAULT_RULES.scoring.model_copy(update={"dimensions": tuple(dims)})}
    )
    assert edited.fingerprint() != DEFAULT_RULES.fingerprint()


def test_weights_must_sum_to_100_percent():
    with pytest.raises(ValueError, match="100%"):
        ScoringRules(
            dimensions=(Dimension(name="x", column="x", weight=0.5),),
            bands=DEFAULT_RULES.scoring.bands,
        )


def _scoring_grid(weights) -> Grid:
    rows = [["评分标准"], [], [], ["维度", "台账列名", "权重", "说明"]]
    for name, weight in zip(("财务状况", "信用记录", "合作历史", "市场声誉"), weights, strict=True):
        rows.append([name, name, weight, ""])
    rows += [
        ["合计", None, sum(w for w in weights if isinstance(w, float))],
        [],
        ["评级", "最低分", "说明"],
        ["A", 85],
        ["B", 70],
        ["C", 60],
        ["D", None],
    ]
    return Grid(layout.SHEET_SCORING, rows)


def test_scoring_sheet_reads_back():
    scoring = read_scoring(_scoring_grid([0.3, 0.3, 0.2, 0.2]))
    assert scoring == DEFAULT_RULES.scoring.model_copy(
        update={
            "dimensions": tuple(
                d.model_copy(update={"description": ""}) for d in DEFAULT_RULES.scoring.dimensions
            ),
            "bands": tuple(
                b.model_copy(update={"description": ""}) for b in DEFAULT_RULES.scoring.bands
            ),
        }
    )


def test_weights_not_summing_to_100_name_the_cells():
    with pytest.raises(RulesError) as info:
        read_scoring(_scoring_grid([0.3, 0.3, 0.3, 0.2]))
    assert info.value.sheet == "评分标准" and info.value.cell == "C5:C8"
    assert "110.00%" in str(info.value)


def test_weight_that_is_text_names_its_cell():
    with pytest.raises(RulesError) as info:
        read_scoring(_scoring_grid([0.3, "三成", 0.2, 0.2]))
    assert info.value.cell == "C6"


def _field_grid(**override) -> Grid:
    header = list(FIELD_HEADERS)
    row = {
        "字段键": "name",
        "列名": "客户名称",
        "类型": "文本",
        "必填": "是",
        "格式": "",
        "允许值": "",
        "最小值": None,
        "最大值": None,
        "别名": "公司名称、客户",
        "列宽": 20,
        "填报要求": "必填",
    }
    row.update(override)
    return Grid(layout.SHEET_FIELD_RULES, [["填报规则"], [], header, [row[h] for h in header]])


def test_field_rules_read_back():
    (field,) = read_field_rules(_field_grid())
    assert (field.header, field.required, field.aliases) == ("客户名称", True, ("公司名称", "客户"))


@pytest.mark.parametrize(
    ("override", "cell", "words"),
    [
        ({"类型": "字符串"}, "C4", "未知的类型"),
        ({"必填": "Y"}, "D4", "必填应为"),
        ({"格式": "网址"}, "E4", "未知的格式"),
        ({"类型": "列表", "允许值": ""}, "B4", "允许值"),
        ({"最小值": "零"}, "G4", "应为数字"),
    ],
)
def test_broken_field_rule_names_sheet_and_cell(override, cell, words):
    with pytest.raises(RulesError) as info:
        read_field_rules(_field_grid(**override))
    assert info.value.sheet == "填报规则" and info.value.cell == cell
    assert words in str(info.value)


def test_dimension_with_no_column_is_refused():
    from ledger_xl.core.rulesheets import read_rules

    fields_only_name = read_field_rules(_field_grid())
    grids = {
        layout.SHEET_FIELD_RULES: _field_grid(),
        layout.SHEET_SCORING: _scoring_grid([0.3, 0.3, 0.2, 0.2]),
        layout.SHEET_CYCLES: Grid(
            layout.SHEET_CYCLES,
            [
                [],
                [],
                [],
                ["风险等级＼客户类别", "重要", "一般"],
                ["高", 3, 3],
                ["中", 3, 6],
                ["低", 6, 12],
                [],
                ["审核到期提醒天数", 30],
                ["资信证明到期提醒天数", 60],
            ],
        ),
    }
    assert len(fields_only_name) == 1
    with pytest.raises(RulesError, match="财务状况"):
        read_rules(grids.get)


def test_cycle_sheet_refuses_non_positive_months():
    grid = Grid(
        layout.SHEET_CYCLES,
        [
            [],
            [],
            [],
            ["风险等级＼客户类别", "重要", "一般"],
            ["高", 3, 0],
            ["中", 3, 6],
            ["低", 6, 12],
            [],
            ["审核到期提醒天数", 30],
            ["资信证明到期提醒天数", 60],
        ],
    )
    with pytest.raises(RulesError) as info:
        read_cycles(grid)
    assert info.value.cell == "C5"


@pytest.mark.parametrize(
    ("minimum", "maximum", "shown"),
    [
        (0, 100, "0–100"),
        (0, None, "≥ 0"),
        (None, 100, "≤ 100"),
        (None, None, ""),
        (-1.5, 2.25, "-1.5–2.25"),
        (None, 1e6, "≤ 1000000"),  # not 1e+06
        (0, 1234567, "0–1234567"),  # not 1.23457e+06, which is another number
        (0.1, 99999999.5, "0.1–99999999.5"),
        (None, 1e20, "≤ 1e+20"),  # beyond Excel's 15 digits: as a float shows it
    ],
)
def test_field_bounds_as_findings_show_them(minimum, maximum, shown):
    rule = FieldRule(key="x", header="X", type=FieldType.NUMBER, minimum=minimum, maximum=maximum)
    assert rule.bounds == shown


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1e6, "1000000"),
        (1234567.0, "1234567"),  # `:g` gave 1.23457e+06: another number
        (0.3750000015, "0.3750000015"),  # `:g` gave 0.375
        (82.5, "82.5"),
        (-0.0, "0"),
        (0.1 + 0.2, "0.3"),  # Excel's 15 digits, not the binary noise
        (999999999999999.0, "999999999999999"),
        (1e15, "1e+15"),
        (2.5e-7, "2.5e-07"),
        (7, "7"),
    ],
)
def test_numbers_as_a_clerk_writes_them(number, text):
    from ledger_xl.core.values import number_text

    assert number_text(number) == text


def test_the_templates_input_message_states_a_large_bound_in_full(tmp_path):
    """A workbook's own rule 营业收入 ≤ 1000000 is stated so in the cell's input check."""
    import openpyxl

    from ledger_xl.core.defaults import DEFAULT_RULES
    from ledger_xl.core.layout import SHEET_LEDGER
    from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

    fields = tuple(
        f.model_copy(update={"maximum": 1234567.0}) if f.key == "revenue" else f
        for f in DEFAULT_RULES.fields
    )
    rules = DEFAULT_RULES.model_copy(update={"fields": fields})
    path = build_ledger_workbook(tmp_path / "t.xlsx", rules=rules, options=BuildOptions())
    sheet = openpyxl.load_workbook(path)[SHEET_LEDGER]
    messages = [
        v.error for v in sheet.data_validations.dataValidation if "营业收入" in (v.error or "")
    ]
    assert messages == ["“营业收入(万元)”须为 0–1234567 之间的数字。"]
