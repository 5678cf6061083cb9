"""The workbook of `ledger-xl due`: who must be reviewed, which credit documents lapse, which
customers need a second look.

Built fresh with XlsxWriter (DESIGN principle 2) and written atomically (principle 7) from
`due.portfolio_due`. Sheets: 待审核客户 (提前复审 included), 审核等待, 证件到期, 风险预警 (Excel
tables with filters, overdue rows red and those falling due amber, see `list_sheets`), and 说明
(基准日, the windows used, how many rows each list holds).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ledger_xl.core.due import (
    DOCUMENT_COLUMNS,
    DUE_COLUMNS,
    WAITING_COLUMNS,
    WARNING_COLUMNS,
    WARNING_KINDS,
)
from ledger_xl.io.xlsx import kit
from ledger_xl.io.xlsx.kit import portrait
from ledger_xl.io.xlsx.list_sheets import (
    DOCUMENT_FLAGS,
    REVIEW_FLAGS,
    WAITING_FLAGS,
    ListSpec,
    ListWriter,
    as_datetime,
    check_rows,
    document_spec,
    flag_counts,
    list_formats,
    review_spec,
    window_text,
    write_notes,
)

TITLE = "客户审核到期清单"
SHEET_NOTES = "说明"

# Key of `due.portfolio_due` → its sheet, and the column counted per value on 说明.
LIST_SPECS: dict[str, ListSpec] = {
    "reviews": review_spec(
        "待审核客户",
        "DueReviews",
        DUE_COLUMNS,
        "没有逾期、提前复审、即将到期、未审核或无法判断的客户。",
    ),
    "waiting": ListSpec(
        "审核等待", "WaitingReviews", WAITING_COLUMNS, "没有待审核或审核中的客户。"
    ),
    "documents": document_spec(
        "证件到期",
        "DueDocuments",
        DOCUMENT_COLUMNS,
        "没有已过期、即将到期或有效期无法识别的资信证明。",
    ),
    "warnings": ListSpec("风险预警", "RiskWarnings", WARNING_COLUMNS, "没有风险预警。"),
}
_COUNTED = {
    "reviews": ("flag", REVIEW_FLAGS),
    "waiting": ("status", WAITING_FLAGS),
    "documents": ("doc_status", DOCUMENT_FLAGS),
    "warnings": ("warning", WARNING_KINDS),
}

SHEET_ORDER = (*(spec.sheet for spec in LIST_SPECS.values()), SHEET_NOTES)


def build_due_workbook(
    path: str | os.PathLike,
    lists: dict[str, pd.DataFrame],
    portfolio,
    overwrite: bool = False,
    *,
    within: int | None = None,
    document_within: int | None = None,
    branch: str | None = None,
) -> Path:
    """Write the lists of `due.portfolio_due(portfolio, within, document_within, branch)` to
    `path`, atomically; never over an existing file unless `overwrite`. `within`,
    `document_within` and `branch` only word the 说明 sheet. Returns the path."""
    target = Path(path)
    check_rows({LIST_SPECS[key].sheet: lists[key] for key in LIST_SPECS})
    with kit.written(target, overwrite, kind="due_list", title=TITLE) as wb:
        formats = list_formats(wb)
        writer = ListWriter(wb, formats)
        sheets = [writer.write(spec, lists[key]) for key, spec in LIST_SPECS.items()]
        _write_notes(wb, formats, lists, portfolio, within, document_within, branch)
        sheets[0].activate()
    return target


def _write_notes(wb, f: kit.Formats, lists, portfolio, within, document_within, branch) -> None:
    ws = wb.add_worksheet(SHEET_NOTES)
    ws.write_string(0, 0, TITLE, f.title)
    ws.set_row(0, 24)
    settings = [
        ("基准日", None),
        ("来源文件数", None),
        ("审核提醒窗口", window_text(within, portfolio, "due_soon_days", "审核提醒天数")),
        (
            "证件提醒窗口",
            window_text(document_within, portfolio, "document_soon_days", "证件提醒天数"),
        ),
        ("分公司", branch.strip() if branch and branch.strip() else "全部"),
    ]
    row = 2
    for label, value in settings:
        ws.write_string(row, 0, label, f.bold)
        if label == "基准日":
            ws.write_datetime(row, 1, as_datetime(portfolio.as_of), f.date)
        elif label == "来源文件数":
            ws.write_number(row, 1, len(portfolio.files), f.info_number)
            if portfolio.unreadable:
                names = "、".join(Path(name).name for name, _ in portfolio.unreadable)
                ws.write_string(
                    row, 2, f"另有 {len(portfolio.unreadable)} 个无法读取：{names}", f.note
                )
        else:
            ws.write_string(row, 1, value, f.text)
        row += 1

    row += 1
    for j, name in enumerate(("清单", "条数")):
        ws.write_string(row, j, name, f.header)
    row += 1
    for key, spec in LIST_SPECS.items():
        frame = lists[key]
        column, labels = _COUNTED[key]
        ws.write_string(row, 0, spec.sheet, f.total)
        ws.write_number(row, 1, len(frame), f.total_count)
        row += 1
        for label, n in flag_counts(frame, column, labels):
            ws.write_string(row, 0, label, f.indent)
            ws.write_number(row, 1, n, f.count)
            row += 1

    row += 1
    notes = (
        "已停用的客户不列入任何清单。",
        "待审核客户：已逾期标红、即将到期标黄；未审核为没有最近审核日期；"
        "无法判断的说明列写明原因。最紧急的排在前面。审核未通过的客户不在定期复审之列。",
        "提前复审（标红）：已通过的客户自上次审核以来出现风险信号（综合评分下降10分以上、"
        "违约/涉诉、列为失信被执行人），应在最近审核日期后的提前复审周期内复审，说明列写明原因。",
        "审核等待：待审核、审核中的客户，按自提交日期起已等待的天数从长到短排列；"
        "未填提交日期的排在最后。",
        "证件到期：已过期标红、即将到期标黄；法定代表人身份证号码中间八位已隐藏。"
        "已停用客户的证件不列入（台账中该客户编号为已停用；汇总的资信证明已过期、即将到期"
        "按同一口径计数）。",
        "风险预警：评分下降（比上次审核低 10 分以上）、评级下调、证件过期仍为审核通过、"
        "信用报告超过一年、最低评级仍为审核通过。",
        "各表均可筛选、排序，颜色随行移动。",
    )
    write_notes(ws, row, notes, f.wrap, 2, 24 + 12 + 50)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 50)
    portrait(ws)
