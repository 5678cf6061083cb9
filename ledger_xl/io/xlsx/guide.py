"""The 使用说明 sheet: how to fill in the ledger, what protection means, what each button does."""

from __future__ import annotations

from ledger_xl.core import layout
from ledger_xl.core.layout import TEMPLATE_VERSION
from ledger_xl.core.rules import Rules
from ledger_xl.io.xlsx import kit

_PROTECTION_TEXT = {
    "ledger": (
        "台账、资信证明的公式列（灰色）已锁定，录入列可直接填写；表格已预留空行，"
        "在下方空行继续录入即可，公式会自动计算。筛选可正常使用。"
        "需要排序或空行用完时：审阅 → 撤销工作表保护{pw}，拖动表格右下角扩大表格或排序，"
        "完成后再 审阅 → 保护工作表。审核记录中已有记录锁定，只能在空行追加。"
    ),
    "rules": (
        "只有规则表和汇总表受保护；台账可自由排序、筛选，在表格下方直接输入即自动扩展，"
        "公式列（灰色）设有数据验证，手工输入会被拒绝。"
    ),
    "none": "本工作簿未设保护，请勿改动灰色的公式列。",
}


GUIDE_WIDTH = 68  # fits portrait A4 in LibreOffice and Excel: one column too wide is cut


_BUTTONS_TEXT = (
    "校验：检查整个工作簿（包括尚未保存的修改），把有问题的单元格填色（错误红色、警告黄色）并加批注，"
    f"另写一张“{layout.SHEET_CHECK_RESULTS}”表，每个问题一行，点击“位置”即跳到该单元格。"
    "再次点击会先清除上一次的标记，您自己的填色和批注保持不变。",
    f"生成汇总：把按审核状态、评级、风险等级、分公司的统计表、评分分布、未来12个月每月到期数、"
    f"风险预警和两张图表写到“{layout.SHEET_SUMMARY_REPORT}”表（每次点击重新生成）。",
    f"标记到期：写出“{layout.SHEET_DUE_LIST}”表（已逾期、未审核、即将到期的客户，"
    "已过期或即将到期的资信证明），并在台账中筛选出已逾期的客户"
    "（数据 → 筛选 → 清除 即恢复显示全部）。",
    "登记审核：先在台账中选中一个客户所在的行（填好四项评分、审核状态、审核人、审核意见），"
    f"点击后把该客户当前的评分、评级、审核结果、审核人、意见和今天的日期追加到“{layout.SHEET_REVIEWS}”，"
    "并把最近审核日期改为今天。审核记录只增不改。",
    "自定义函数：LEDGER_SCORE（综合评分）、LEDGER_GRADE（评级）、LEDGER_NEXT_DUE（下次审核日期）、"
    "LEDGER_DUE_STATUS（到期提示）、LEDGER_CHECK_USCC（统一社会信用代码）、LEDGER_CHECK_ID（身份证号）、"
    "LEDGER_CHECK_ROW（整行校验），一次计算整列；默认规则取自本工作簿的规则表。",
)


def _button_lines(macros: bool) -> list[tuple[str, str]]:
    """Section 四: what the buttons and custom functions do, and where they are."""
    if macros:
        head = [
            (
                "bold",
                "四、按钮与自定义函数（按钮在台账第2行；本机需安装 Python 和 ledger_xl[excel]，"
                "安装步骤见 docs/excel.md）",
            ),
            ("cell", "打开时请“启用宏”。按钮运行期间请勿编辑工作簿。"),
        ]
        tail = [
            (
                "cell",
                "导入函数：第一次使用自定义函数前点一次（Excel 信任中心需勾选"
                "“信任对 VBA 工程对象模型的访问”），之后即可像普通函数一样输入 =LEDGER_SCORE(…)。",
            )
        ]
    else:
        head = [
            ("bold", "四、按钮与自定义函数（宏工作簿 .xlsm 中提供）"),
            (
                "cell",
                "本工作簿不含宏。下列按钮在宏工作簿（.xlsm）中：用 ledger-xl template --xlsm 生成，"
                "或向总部索取；安装步骤见 docs/excel.md。装有 ledger_xl 的 xlwings 加载项时，"
                "自定义函数在本工作簿中也可用（xlwings.conf 表已设置好）。",
            ),
        ]
        tail = []
    return [*head, *(("cell", text) for text in _BUTTONS_TEXT), *tail]


def write_guide(workbook, fmt, rules: Rules, options, macros: bool = False) -> object:
    """使用说明 for a workbook built with `options`; `macros` when it carries the buttons."""
    ws = workbook.add_worksheet(layout.SHEET_GUIDE)
    pw = "（需输入管理员设定的密码）" if options.password else "（无密码）"
    dims = "、".join(f"{d.name} {d.weight:.0%}" for d in rules.scoring.dimensions)
    bands = "，".join(f"{b.grade} ≥ {b.lower:g}" for b in rules.scoring.bands)
    lines = [
        ("title", "客户审核管理台账 使用说明"),
        ("bold", "一、各工作表"),
        (
            "cell",
            f"{layout.SHEET_LEDGER}：每个客户一行。白色列由录入员填写，灰色列自动计算"
            "（资产负债率、综合评分、评级、审核周期、下次审核日期、距到期天数、到期提示）。",
        ),
        (
            "cell",
            f"{layout.SHEET_CREDENTIALS}：营业执照、法定代表人身份证、银行资信证明等，"
            "按有效期自动提示已过期/即将到期。证件更新时新增一行，旧的一行自动显示“已更新”，不再提示。",
        ),
        (
            "cell",
            f"{layout.SHEET_REVIEWS}：每次审核记一行（日期、阶段、四项评分、结果、审核人、意见），只增不改。",
        ),
        (
            "cell",
            f"{layout.SHEET_SUMMARY}：按审核状态、评级、风险等级、到期提示的实时统计，下次审核时间、"
            "未来12个月每月到期数，以及分公司×审核状态、分公司×评级两张表"
            "（分公司名称在第一张表第一列填写）。",
        ),
        (
            "cell",
            f"{layout.SHEET_FIELD_RULES} / {layout.SHEET_SCORING} / {layout.SHEET_CYCLES}："
            "本台账的规则，由管理员维护；校验、评分和到期计算都以这三张表为准。",
        ),
        ("bold", "二、填写要求"),
        ("cell", "选中任一录入列的单元格，会弹出该列的填报要求；带下拉箭头的列请从列表中选择。"),
        ("cell", "日期一律填成真正的日期（如 2024-03-05），不要填“2024年3月5日”这样的文字。"),
        (
            "cell",
            "统一社会信用代码、联系电话、身份证号以文本录入（这些列已设为文本格式），"
            "否则 Excel 会把18位号码变成科学计数法并丢失末几位。",
        ),
        (
            "cell",
            f"评分：{dims}；综合评分保留一位小数；评级：{bands}，"
            f"其余为 {rules.scoring.fallback_grade}；四项评分未填齐时评级为“"
            f"{rules.scoring.incomplete_grade}”。",
        ),
        (
            "cell",
            "审核周期按风险等级 × 客户类别查“审核周期”表；下次审核日期 = 最近审核日期 + 周期"
            "（月末对齐，如 1月31日 + 1个月 = 2月28/29日）。",
        ),
        (
            "cell",
            f"到期提示：未审核 / 已逾期（红色）/ 即将到期（{rules.cycles.due_soon_days}天内，"
            "黄色）/ 正常；已停用客户不提示。",
        ),
        (
            "cell",
            f"基准日（{layout.SHEET_LEDGER}!B1）默认为今天，可改填固定日期以查看某一天的到期情况。",
        ),
        ("bold", "三、表格保护与新增客户"),
        ("cell", _PROTECTION_TEXT[str(options.protection)].format(pw=pw)),
        *_button_lines(macros),
        ("cell", "总部用命令行 ledger-xl 批量校验各分公司台账、列出到期审核、汇总和合并。"),
        (
            "cell",
            f"台账、资信证明、审核记录最右侧隐藏的“{layout.ROW_KEY_HEADER}”列是总部合并各分公司台账时"
            "识别每一行用的，请勿修改或删除；复制整行新增客户时，新行的行键会被重新编号。",
        ),
        ("bold", "五、版本"),
        ("cell", f"模板版本：{TEMPLATE_VERSION}"),
        ("cell", f"规则指纹：{rules.fingerprint()}（规则表被改动时指纹会变化，总部据此识别）"),
    ]
    for row, (style, text) in enumerate(lines):
        ws.write_string(row, 0, text, fmt("wrap" if style == "cell" else style))
    ws.set_column(0, 0, GUIDE_WIDTH)
    kit.wrapped_row_heights(ws, 0, [([t if s == "cell" else "" for s, t in lines], GUIDE_WIDTH)])
    kit.portrait(ws)  # one page wide: no line cut at the right edge
    return ws
