"""The 使用说明 sheet: how to fill in the ledger, what protection means, what each button does."""

from __future__ import annotations

from ledger_xl.core import layout
from ledger_xl.core.layout import TEMPLATE_VERSION
from ledger_xl.core.rules import RUBRIC_AT_MOST, Rules
from ledger_xl.core.values import number_text
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


def control_lines(rules: Rules) -> list[str]:
    """How this workbook's 准入标准, 审批权限, 授信标准 and 评分细则 work, in the words of its
    own rules (the defaults are what a Chinese credit department would start from)."""
    admission, approval, credit = rules.admission, rules.approval, rules.credit
    floor = f"综合评分不低于 {admission.min_score:g} 分" if admission.min_score is not None else ""
    stage = f"审核阶段为“{admission.stage}”" if admission.stage else ""
    flags = "、".join(f"“{f.column}”为“{f.required}”" for f in admission.flags)
    conditions = "，".join(x for x in (stage, floor, flags) if x)
    documents = "；".join(
        f"{d.doc_type}（{'、'.join(d.required_for)}）"
        for d in admission.documents
        if d.required_for
    )
    industries = "、".join(admission.excluded_industries) or "暂无，可在准入标准表中填写"
    levels = [approval.levels[0].name + "（所有审核通过的客户）"]
    for level in approval.levels[1:]:
        why = [f"信用额度超过 {number_text(level.above)} 万元"] + [f"{r}风险" for r in level.risks]
        levels.append(f"{level.name}（{'或'.join(why)}）")
    caps = "、".join(f"{c.grade} {number_text(c.maximum)} 万元" for c in credit.caps)
    shares = [
        f"{name}的 {share:.0%}"
        for name, share in (("营业收入", credit.revenue_share), ("资产总额", credit.assets_share))
        if share is not None
    ]
    share_text = f"，且不超过{'、'.join(shares)}" if shares else ""
    rubrics = "；".join(_rubric_text(rules, r) for r in rules.rubrics.rubrics)
    cycles = rules.cycles
    rejected = (
        "审核未通过的客户不再排定复审：到期提示显示“未通过”，没有下次审核日期。"
        if cycles.rejected_unscheduled
        else "审核未通过的客户仍按审核周期排定复审（审核周期表中可改为移出）。"
    )
    return [
        f"准入（准入标准表）：审核通过须{conditions}；必备资信证明须在有效期内（有效期至不早于基准日）："
        f"{documents}——客户的风险等级或客户类别在括号中即须具备。禁入行业：{industries}。"
        "台账“准入检查”列显示第一项未满足的条件，如 缺少银行资信证明、银行资信证明已失效（已过期"
        "或没有有效期至）（审核通过的标红，尚未通过的标黄）；校验会逐项列出每一项及过期日期。",
        f"审批（审批权限表）：逐级审批，{' → '.join(levels)}。“需审批级别”列自动计算；"
        "每一级审批在审核记录中记一行（填审批级别、审批人、审批日期，审核日期与所审批的审核相同，"
        "审核结果填“审核通过”），按级别从低到高依次审批；台账的审批级别、审批人、审批日期填最后一级。"
        "审核人不得是客户经理，也不得兼任同一次审核的审批人；审批人不得是客户经理。",
        f"授信（授信标准表）：最高信用额度 {caps}{share_text}；营业收入、资产总额未填或不是数字时"
        "只按评级上限。“额度上限”列自动计算，信用额度超过上限显示“超限”（红色）。评级下调后信用额度"
        "应随之调整，额度不变的校验会提示。",
        f"评分细则：{rubrics}，市场声誉由审核人判断；所填评分与建议分相差超过 "
        f"{rules.rubrics.tolerance:g} 分时“评分偏差”列提示（如“财务状况偏高”，黄色），建议分见审核报告和"
        "校验结果；请复核或在审核意见中写明理由。",
        f"提前复审：已通过的客户综合评分比上次审核下降 10 分以上、有违约/涉诉、或列为失信被执行人时，"
        f"下次审核应不晚于最近审核日期后 {cycles.early_review_months} 个月；ledger-xl due 把这些客户"
        "列为“提前复审”并写明原因。",
        f"{rejected}待审核、审核中的客户按“提交日期”计算已等待天数，ledger-xl due 的“审核等待”"
        "清单从等得最久的排起。",
        "旧版台账（模板 1.0、1.1，没有以上规则表和列）：校验按总部标准规则检查它已有的列（资信证明、"
        "信用额度、评分），没有的列（审批级别、失信被执行人等）相关检查跳过，并提示缺少哪张规则表；"
        "请用 ledger-xl upgrade 升级到新模板。",
    ]


def _rubric_text(rules: Rules, rubric) -> str:
    """“财务状况按资产负债率：≤40% 90 分、…、其余 30 分（每次逾期扣 5 分）”."""
    percent = any(f.key == "debt_ratio" and f.header == rubric.column for f in rules.fields)
    sign = "≤" if rubric.direction == RUBRIC_AT_MOST else "≥"
    bands = [
        f"{sign}{b.bound:.0%} {b.score:g}" if percent else f"{sign}{b.bound:g} {b.score:g}"
        for b in rubric.bands[:-1]
    ]
    bands.append(f"其余 {rubric.bands[-1].score:g}")
    text = f"{rubric.dimension}按{rubric.column}：{'、'.join(bands)} 分"
    if rubric.deductions:
        cuts = "、".join(
            f"每次{d.column.removesuffix('次数')}扣 {d.points:g} 分" for d in rubric.deductions
        )
        text += f"（{cuts}）"
    return text


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
    """Section 五: what the buttons and custom functions do, and where they are."""
    if macros:
        head = [
            (
                "bold",
                "五、按钮与自定义函数（按钮在台账第2行；本机需安装 Python 和 ledger_xl[excel]，"
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
            ("bold", "五、按钮与自定义函数（宏工作簿 .xlsm 中提供）"),
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
            "（资产负债率、综合评分、评级、评分偏差、额度上限、额度检查、审核周期、下次审核日期、"
            "距到期天数、到期提示、准入检查、需审批级别）。",
        ),
        (
            "cell",
            f"{layout.SHEET_CREDENTIALS}：营业执照、法定代表人身份证、银行资信证明等，"
            "按有效期自动提示已过期/即将到期。证件更新时新增一行，旧的一行自动显示“已更新”，不再提示。",
        ),
        (
            "cell",
            f"{layout.SHEET_REVIEWS}：每次审核记一行（日期、阶段、四项评分、信用额度、结果、审核人、"
            "意见），每一级审批再记一行（审批级别、审批人、审批日期），只增不改。",
        ),
        (
            "cell",
            f"{layout.SHEET_SUMMARY}：按审核状态、评级、风险等级、到期提示的实时统计，下次审核时间、"
            "未来12个月每月到期数，以及分公司×审核状态、分公司×评级两张表"
            "（分公司名称在第一张表第一列填写）。",
        ),
        (
            "cell",
            f"{layout.SHEET_FIELD_RULES} / {layout.SHEET_SCORING} / {layout.SHEET_CYCLES} / "
            f"{' / '.join(layout.CONTROL_SHEETS)}：本台账的规则，由管理员维护；校验、评分、到期计算"
            "和准入、审批、授信管控都以这些表为准。改动数值即时生效；增删表中的行须重新生成台账。",
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
        (
            "cell",
            "新增列：失信被执行人（查询中国执行信息公开网后选 是/否）、逾期次数和违约/涉诉次数"
            "（近两年，无则填 0）、业务范围、信息来源、提交日期（客户申请或本轮复审开始的日期）、"
            "审批级别、审批人、审批日期。",
        ),
        ("bold", "三、准入、审批与授信"),
        *(("cell", line) for line in control_lines(rules)),
        ("bold", "四、表格保护与新增客户"),
        ("cell", _PROTECTION_TEXT[str(options.protection)].format(pw=pw)),
        *_button_lines(macros),
        ("cell", "总部用命令行 ledger-xl 批量校验各分公司台账、列出到期审核、汇总和合并。"),
        (
            "cell",
            f"台账、资信证明、审核记录最右侧隐藏的“{layout.ROW_KEY_HEADER}”列是总部合并各分公司台账时"
            "识别每一行用的，请勿修改或删除；复制整行新增客户时，新行的行键会被重新编号。",
        ),
        ("bold", "六、版本"),
        ("cell", f"模板版本：{TEMPLATE_VERSION}"),
        ("cell", f"规则指纹：{rules.fingerprint()}（规则表被改动时指纹会变化，总部据此识别）"),
    ]
    for row, (style, text) in enumerate(lines):
        ws.write_string(row, 0, text, fmt("wrap" if style == "cell" else style))
    ws.set_column(0, 0, GUIDE_WIDTH)
    kit.wrapped_row_heights(ws, 0, [([t if s == "cell" else "" for s, t in lines], GUIDE_WIDTH)])
    kit.portrait(ws)  # one page wide: no line cut at the right edge
    return ws
