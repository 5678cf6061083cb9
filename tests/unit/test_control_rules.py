"""The control rule sheets (准入标准, 审批权限, 授信标准, 评分细则): written from the defaults, read
back equal, part of the fingerprint; a broken value is refused with its sheet and cell."""

from __future__ import annotations

import pytest

from ledger_xl.core import a1, layout
from ledger_xl.core.checks.structure import rule_differences
from ledger_xl.core.controls import required_documents
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.errors import RulesError
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import ApprovalLevel, CreditCap
from ledger_xl.core.rulesheets import (
    read_admission,
    read_approval,
    read_credit,
    read_cycles,
    read_rubrics,
    read_rules,
)
from ledger_xl.io.read import open_calamine, sheet_grid
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

READERS = {
    layout.SHEET_ADMISSION: read_admission,
    layout.SHEET_APPROVAL: read_approval,
    layout.SHEET_CREDIT: read_credit,
    layout.SHEET_RUBRICS: read_rubrics,
}


@pytest.fixture(scope="module")
def grids(tmp_path_factory) -> dict[str, Grid]:
    path = build_ledger_workbook(
        tmp_path_factory.mktemp("rules") / "template.xlsx", options=BuildOptions(spare_rows=1)
    )
    book = open_calamine(path)
    return {name: sheet_grid(book, name) for name in layout.RULE_SHEETS}


def edited(grid: Grid, ref: str, value: object) -> Grid:
    """A copy of the grid with one cell (A1 reference) changed."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    row, col = int(ref[len(letters) :]) - 1, a1.column_index(letters)
    rows = [list(r) for r in grid.rows]
    while len(rows) <= row:
        rows.append([])
    while len(rows[row]) <= col:
        rows[row].append(None)
    rows[row][col] = value
    return Grid(grid.sheet, rows)


def test_control_sheets_read_back_as_the_defaults(grids):
    assert read_rules(grids.get) == DEFAULT_RULES
    for name, reader in READERS.items():
        assert reader(grids[name], DEFAULT_RULES) == getattr(
            DEFAULT_RULES,
            {
                "准入标准": "admission",
                "审批权限": "approval",
                "授信标准": "credit",
                "评分细则": "rubrics",
            }[name],
        )


def test_the_fingerprint_covers_the_controls():
    changed = DEFAULT_RULES.model_copy(
        update={"rubrics": DEFAULT_RULES.rubrics.model_copy(update={"tolerance": 10.0})}
    )
    assert changed.fingerprint() != DEFAULT_RULES.fingerprint()


@pytest.mark.parametrize(
    ("sheet", "ref", "value", "words"),
    [
        (layout.SHEET_ADMISSION, "B4", "复审", "不在 初筛、深度评估、终审 之中"),
        (layout.SHEET_ADMISSION, "B5", "六十", "应为数字或留空"),
        (layout.SHEET_ADMISSION, "D9", "可能", "应填“是”或“否”"),
        (layout.SHEET_ADMISSION, "A10", "护照", "不在资信证明的类型中"),
        (layout.SHEET_ADMISSION, "F7", "极高", "不是审核周期表中的风险等级或客户类别"),
        (layout.SHEET_ADMISSION, "A17", "黑名单", "台账没有“黑名单”列"),
        (layout.SHEET_APPROVAL, "B6", "一百万", "应为不小于 0 的数字"),
        (layout.SHEET_APPROVAL, "B7", 50, "各审批级别的额度须从低到高排列"),
        (layout.SHEET_APPROVAL, "E4", "重要", "不是审核周期表中的风险等级"),
        (layout.SHEET_APPROVAL, "B10", "Y", "应填“是”或“否”"),
        (layout.SHEET_CREDIT, "B6", -10, "应为不小于 0 的数字"),
        (layout.SHEET_CREDIT, "A8", "E", "评级“E”不在评分标准中"),
        (layout.SHEET_CREDIT, "B11", -0.1, "大于 0 的百分数"),
        (layout.SHEET_RUBRICS, "B4", "十五", "应为不小于 0 的数字"),
        (layout.SHEET_RUBRICS, "D8", 0.3, "界限须从小到大严格排列"),
        (layout.SHEET_RUBRICS, "C12", "不高于", "最后一行比较应为“其余”"),
        (layout.SHEET_RUBRICS, "A7", "偿债能力", "不是评分标准中的维度"),
        (layout.SHEET_RUBRICS, "B7", "客户名称", "应为台账中的数值列或公式列"),
        (layout.SHEET_RUBRICS, "E7", 120, "建议分应在 0–100 之间"),
        (layout.SHEET_RUBRICS, "B27", "行业", "扣分列“行业”应为台账中的数值列"),
    ],
)
def test_broken_control_value_names_sheet_and_cell(grids, sheet, ref, value, words):
    broken = edited(grids[sheet], ref, value)
    with pytest.raises(RulesError) as info:
        READERS[sheet](broken, DEFAULT_RULES)
    assert info.value.sheet == sheet
    assert ref in info.value.cell or info.value.cell.startswith(ref[0]), info.value.cell
    assert words in str(info.value)


def test_each_rule_sheet_names_where_it_breaks_exactly(grids):
    """The cell named is the cell edited (where one cell is to blame)."""
    for sheet, ref in (
        (layout.SHEET_ADMISSION, "D9"),
        (layout.SHEET_APPROVAL, "B6"),
        (layout.SHEET_CREDIT, "B6"),
        (layout.SHEET_RUBRICS, "B4"),
    ):
        with pytest.raises(RulesError) as info:
            READERS[sheet](edited(grids[sheet], ref, "?"), DEFAULT_RULES)
        assert info.value.cell == ref, sheet


def test_a_grade_without_a_credit_maximum(grids):
    rows = [list(r) for r in grids[layout.SHEET_CREDIT].rows]
    del rows[7]  # the D row
    with pytest.raises(RulesError, match="缺少评级“D”的最高信用额度"):
        read_credit(Grid(layout.SHEET_CREDIT, rows), DEFAULT_RULES)


def test_edited_values_are_read(grids):
    admission = read_admission(
        edited(edited(grids[layout.SHEET_ADMISSION], "C10", "是"), "A22", "房地产业"),
        DEFAULT_RULES,
    )
    assert required_documents(admission, "中", "一般") == [
        "营业执照",
        "法定代表人身份证",
        "银行资信证明",
    ]
    assert admission.excluded_industries == ("房地产业",)
    credit = read_credit(edited(grids[layout.SHEET_CREDIT], "B12", 0.5), DEFAULT_RULES)
    assert credit.assets_share == 0.5
    cycles = read_cycles(edited(grids[layout.SHEET_CYCLES], "B11", 2))
    assert cycles.early_review_months == 2 and cycles.rejected_unscheduled


def test_an_old_cycle_sheet_keeps_rejected_customers_on_the_schedule(grids):
    rows = [list(r) for r in grids[layout.SHEET_CYCLES].rows[:10]]  # without the 1.1 rows
    cycles = read_cycles(Grid(layout.SHEET_CYCLES, rows))
    assert not cycles.rejected_unscheduled and cycles.early_review_months == 3


def test_rule_differences_name_the_control_changes():
    approval = DEFAULT_RULES.approval.model_copy(
        update={
            "levels": (
                DEFAULT_RULES.approval.levels[0],
                ApprovalLevel(name="总部风控", above=50, risks=("高", "中")),
                DEFAULT_RULES.approval.levels[2],
            ),
            "reviewer_not_manager": False,
        }
    )
    credit = DEFAULT_RULES.credit.model_copy(
        update={"caps": (CreditCap(grade="A", maximum=800), *DEFAULT_RULES.credit.caps[1:])}
    )
    admission = DEFAULT_RULES.admission.model_copy(
        update={"min_score": 65.0, "excluded_industries": ("房地产业",)}
    )
    rubrics = DEFAULT_RULES.rubrics.model_copy(update={"tolerance": 20.0})
    ours = DEFAULT_RULES.model_copy(
        update={"approval": approval, "credit": credit, "admission": admission, "rubrics": rubrics}
    )
    words = "；".join(rule_differences(ours, DEFAULT_RULES))
    for expected in (
        "准入最低综合评分为 65，标准为 60",
        "禁入行业为 房地产业，标准为 无",
        "“总部风控”审批额度超过 50 万元，标准为 100",
        "“总部风控”审批的风险等级为 中、高，标准为 高",
        "职责分离要求与标准不同",
        "评级 A 最高信用额度为 800 万元，标准为 500 万元",
        "评分容差为 20 分，标准为 15",
    ):
        assert expected in words, expected
    assert rule_differences(DEFAULT_RULES, DEFAULT_RULES) == []


def test_control_differences_word_every_change_exactly():
    """Each control table changed every way a branch might (a value changed, an entry only on
    one side, a list reordered): the differences, in order, word for word."""
    from ledger_xl.core.checks.structure import control_differences

    R = DEFAULT_RULES
    docs = R.admission.documents
    admission = R.admission.model_copy(
        update={
            "stage": "",
            "documents": (
                docs[0],
                docs[1].model_copy(update={"required_for": ("高",)}),
                *docs[2:4],  # 信用报告 gone
                docs[0].model_copy(update={"doc_type": "纳税证明", "required_for": ("中",)}),
            ),
            "flags": (),
            "excluded_industries": ("房地产业", "娱乐业"),
        }
    )
    levels = R.approval.levels
    approval = R.approval.model_copy(update={"levels": (levels[0], levels[2], levels[1])})
    caps = R.credit.caps
    credit = R.credit.model_copy(
        update={
            "caps": (*caps[:3], caps[0].model_copy(update={"grade": "E", "maximum": 10.0})),
            "revenue_share": 0.25,
            "assets_share": 0.1,
        }
    )
    rubric = R.rubrics.rubrics
    rubrics = R.rubrics.model_copy(
        update={"rubrics": (rubric[1], rubric[2], rubric[0].model_copy(update={"dimension": "新"}))}
    )
    ours = R.model_copy(
        update={"admission": admission, "approval": approval, "credit": credit, "rubrics": rubrics}
    )
    assert control_differences(ours, R) == [
        "准入审核阶段为 不要求，标准为 终审",
        "必备资信证明“信用报告”要求 无，标准为 高",
        "必备资信证明“法定代表人身份证”要求 高，标准为 中、低、高",
        "必备资信证明“纳税证明”要求 中，标准为 无",
        "准入标准的禁入条件与标准不同",
        "禁入行业为 娱乐业、房地产业，标准为 无",
        "审批级别为 分公司经理、总经理、总部风控，标准为 分公司经理、总部风控、总经理",
        "评级 D 最高信用额度为 未设定，标准为 0 万元",
        "评级 E 最高信用额度为 10 万元，标准为 未设定",
        "授信营业收入比例为 25%，标准为 20%",
        "授信资产总额比例为 10%，标准为 无",
        "评分细则“新”与标准不同",
        "评分细则“财务状况”与标准不同",
    ]
    # the other way round, each word on the other side
    back = control_differences(R, ours)
    assert back[0] == "准入审核阶段为 终审，标准为 不要求"
    assert "禁入行业为 无，标准为 娱乐业、房地产业" in back
    assert "授信资产总额比例为 无，标准为 10%" in back
    assert control_differences(R, R) == []
    segregated = R.model_copy(
        update={"approval": R.approval.model_copy(update={"approver_not_manager": False})}
    )
    assert control_differences(segregated, R) == ["审批权限的职责分离要求与标准不同"]


def test_rule_differences_word_a_changed_cycle_table():
    """审核周期 differs as a whole (a month or a reminder window): one line, in these words."""
    from ledger_xl.core.checks.structure import rule_differences

    for change in ({"due_soon_days": 45}, {"months": ((3, 3), (3, 6), (6, 24))}):
        ours = DEFAULT_RULES.model_copy(
            update={"cycles": DEFAULT_RULES.cycles.model_copy(update=change)}
        )
        assert rule_differences(ours, DEFAULT_RULES) == ["审核周期表或提醒天数与标准不同"]
