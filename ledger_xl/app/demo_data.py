"""A seeded, realistic sample of the three input tables, with planted mistakes.

`generate_demo` returns the ledger (台账), credentials (资信证明) and review history (审核记录)
as object-dtype frames keyed by column key, plus the list of mistakes planted in them.
Everything is drawn from one `random.Random(seed)`: a seed always gives the same data.
"Today" is `as_of`; nothing reads the clock.

Besides the random bulk, every sample holds hand-made edge cases (never planted on):

- newest scores on the grade boundaries: composite 84.95 (→ 85.0, A; naive float rounding
  gives 84.9), 85, 84.94 (→ 84.9, B), 70, 69.95 (→ 70.0), 60 and 59.94 (→ 59.9, D);
- month-end last-review dates that EDATE clamps (31 Jan, 31 Aug, 31 May, 30 Nov, 29 Feb
  2024), a review falling due exactly on `as_of` and one exactly `due_soon_days` later;
- every status, every risk × category combination and grades A–D.

Cell values are plain Python objects: str, float, datetime.date or None (blank).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from ledger_xl.app.demo_controls import ControlsMixin
from ledger_xl.core import layout, schedule, scoring
from ledger_xl.core.defaults import DEFAULT_CYCLES, DEFAULT_FIELDS, DEFAULT_SCORING
from ledger_xl.core.identifiers import (
    USCC_CHARSET,
    resident_id_check_char,
    uscc_check_char,
)
from ledger_xl.core.rules import FieldType
from ledger_xl.io.xlsx.ledger import LedgerContent

DEFAULT_SEED = 20261123
DEFAULT_AS_OF = date(2026, 11, 23)
MIN_CUSTOMERS = 80

LEDGER_KEYS = tuple(f.key for f in DEFAULT_FIELDS if f.is_input)
CREDENTIAL_KEYS = tuple(c.key for c in layout.CREDENTIAL_COLUMNS if c.kind != "formula")
REVIEW_KEYS = tuple(c.key for c in layout.REVIEW_COLUMNS)
SCORE_KEYS = tuple(f.key for f in DEFAULT_FIELDS if f.type is FieldType.SCORE)


@dataclass
class PlantedMistake:
    """One deliberate mistake: which table, customer and column, and what the cell holds
    (None for something left out). `expect` is (code, table, column key) of the finding it
    should produce, where that is stated (the control mistakes)."""

    table: str  # "ledger" | "credentials" | "reviews"
    customer_id: str
    key: str
    value: object
    description: str
    expect: tuple[str, str, str] | None = None


@dataclass
class DemoData:
    """The sample tables (object dtype, one column per key) and the mistakes planted in them."""

    ledger: pd.DataFrame
    credentials: pd.DataFrame
    reviews: pd.DataFrame
    planted: list[PlantedMistake]
    branches: tuple[str, ...]


# --- reference data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    """A branch office and the city its customers are registered in."""

    name: str
    code: str
    city: str
    area_code: str
    share: float  # of all customers
    districts: tuple[tuple[str, str], ...]  # (administrative division code, district name)
    roads: tuple[str, ...]


BRANCHES = (
    Branch(
        "上海分公司", "SH", "上海", "021", 0.28,
        (("310115", "浦东新区"), ("310104", "徐汇区"), ("310105", "长宁区"),
         ("310106", "静安区"), ("310112", "闵行区")),
        ("张江路", "世纪大道", "漕溪北路", "虹桥路", "南京西路", "浦东南路", "七莘路"),
    ),
    Branch(
        "北京分公司", "BJ", "北京", "010", 0.24,
        (("110105", "朝阳区"), ("110108", "海淀区"), ("110101", "东城区"),
         ("110102", "西城区"), ("110106", "丰台区")),
        ("建国路", "中关村大街", "朝阳门北大街", "西直门外大街", "东三环中路", "学院路", "望京街"),
    ),
    Branch(
        "广州分公司", "GZ", "广州", "020", 0.20,
        (("440106", "天河区"), ("440104", "越秀区"), ("440105", "海珠区"),
         ("440111", "白云区"), ("440113", "番禺区")),
        ("天河路", "黄埔大道西", "中山五路", "环市东路", "新港中路", "广州大道北", "番禺大道"),
    ),
    Branch(
        "成都分公司", "CD", "成都", "028", 0.15,
        (("510104", "锦江区"), ("510105", "青羊区"), ("510106", "金牛区"),
         ("510107", "武侯区"), ("510108", "成华区")),
        ("红星路", "人民南路", "蜀都大道", "一环路南三段", "科华北路", "建设路", "天府大道北段"),
    ),
    Branch(
        "武汉分公司", "WH", "武汉", "027", 0.13,
        (("420106", "武昌区"), ("420102", "江岸区"), ("420103", "江汉区"),
         ("420104", "硚口区"), ("420111", "洪山区")),
        ("中南路", "解放大道", "建设大道", "武珞路", "珞喻路", "中山大道", "光谷大道"),
    ),
)  # fmt: skip
_BRANCH_BY_NAME = {b.name: b for b in BRANCHES}
FOCUS_BRANCHES = ("GZ", "CD")  # where most planted mistakes go
_FOCUS_SHARE = 0.75


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """ "王wang 李li" → (("王", "wang"), ("李", "li"))."""
    return tuple(re.findall(r"([^\x00-\x7f]+)([a-z]+)", text))


SURNAMES = _pairs(
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma "
    "朱zhu 胡hu 郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han "
    "冯feng 邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 潘pan 袁yuan 蔡cai 蒋jiang 余yu "
    "杜du 叶ye 程cheng 魏wei 苏su 吕lv 丁ding 任ren 沈shen"
)
GIVEN_CHARS = _pairs(
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie "
    "娟juan 涛tao 明ming 超chao 霞xia 平ping 刚gang 辉hui 玲ling 华hua 鹏peng 飞fei 斌bin "
    "宇yu 浩hao 凯kai 婷ting 雪xue 琳lin 晨chen 欣xin 颖ying 佳jia 俊jun 峰feng 建jian "
    "国guo 志zhi 海hai 文wen 红hong 梅mei 丹dan 博bo 思si 雨yu 晓xiao 立li 德de 春chun "
    "永yong 庆qing 荣rong 家jia 宏hong 成cheng 秀xiu 英ying 桂gui 兰lan"
)
BRANDS = _pairs(
    "恒瑞hengrui 华信huaxin 鑫达xinda 永泰yongtai 宏远hongyuan 金鼎jinding 瑞丰ruifeng "
    "天成tiancheng 中诚zhongcheng 隆昌longchang 博远boyuan 盛世shengshi 新宇xinyu 汇通huitong "
    "嘉禾jiahe 锦程jincheng 祥和xianghe 鸿业hongye 富源fuyuan 明辉minghui 晟泰shengtai "
    "同舟tongzhou 百川baichuan 远航yuanhang 信和xinhe 安盛ansheng 泓泰hongtai 华启huaqi "
    "卓越zhuoyue 长鸿changhong 顺昌shunchang 宝丰baofeng 德润derun 弘毅hongyi 恒通hengtong "
    "联创lianchuang 益康yikang 启航qihang 昌隆changlong 聚源juyuan"
)
# Industry (国民经济行业分类, 大类) → words that go between the brand and 有限公司.
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "批发业": ("商贸", "贸易", "五金交电", "建材贸易", "医疗器械销售", "食品贸易"),
    "零售业": ("商业连锁", "超市", "百货"),
    "通用设备制造业": ("机电设备", "精密机械", "液压设备", "泵阀"),
    "电气机械和器材制造业": ("电气", "电器", "电缆", "照明科技"),
    "房屋建筑业": ("建设工程", "建筑安装", "建设集团"),
    "建筑装饰和装修业": ("装饰工程", "建筑装饰"),
    "道路运输业": ("物流", "货运", "运输"),
    "装卸搬运和仓储业": ("仓储", "供应链管理"),
    "软件和信息技术服务业": ("信息技术", "软件", "网络科技", "数据科技"),
    "商务服务业": ("商务咨询", "企业管理咨询", "会展服务"),
}
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "158", "159", "166", "177", "180", "181", "186", "187", "188", "189", "191", "198",
    "199",
)  # fmt: skip
FREE_MAIL = ("163.com", "126.com", "sina.com", "foxmail.com", "aliyun.com", "139.com")
CORPORATE_MAIL = ("{}.com", "{}.com.cn", "{}group.com", "{}.cn")
BANKS = (
    ("工行", "中国工商银行"),
    ("建行", "中国建设银行"),
    ("中行", "中国银行"),
    ("农行", "中国农业银行"),
    ("交行", "交通银行"),
    ("招行", "招商银行"),
)
# Administrative division codes for the place a legal representative's ID was issued.
ID_REGIONS = (
    "310115", "310104", "110105", "110108", "440106", "440104", "510104", "510107", "420106",
    "420111", "320102", "330106", "370102", "430102", "350102", "410105", "130102", "140105",
    "210102", "340102", "360102", "450102", "500103", "610102",
)  # fmt: skip
ROUND_CAPITALS = (100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000, 20000, 50000)
LONG_TERM = date(2099, 12, 31)

APPROVED, REJECTED, PENDING, IN_REVIEW = "审核通过", "审核未通过", "待审核", "审核中"
INACTIVE = layout.STATUS_INACTIVE
# Share of each status; the rest are 审核通过.
STATUS_SHARES = {PENDING: 0.07, IN_REVIEW: 0.09, REJECTED: 0.08, INACTIVE: 0.06}
# Share of overdue / due-soon last reviews among approved and rejected customers.
DUE_SHARES = {layout.DUE_OVERDUE: 0.12, layout.DUE_SOON: 0.13}
RISK_SHARES = {"高": 20, "中": 45, "低": 35}
IMPORTANT_SHARE = 0.3
RISK_SCORE_MEAN = {"高": 68, "中": 77, "低": 85}
RISK_DEBT_MODE = {"高": 0.72, "中": 0.55, "低": 0.4}
RISK_EXTERNAL_CREDIT = {"高": (300, 700), "中": (550, 850), "低": (680, 950)}
LIMIT_SHARE_OF_REVENUE = {"A": (0.08, 0.15), "B": (0.04, 0.08), "C": (0.01, 0.03), "D": (0, 0.01)}
DECLINING_CUSTOMERS = 6

APPROVE_OPINIONS = (
    "资料齐全，经营正常，同意通过。",
    "财务状况稳定，回款及时，维持现有信用额度。",
    "同意通过，建议关注应收账款账期。",
    "经营规模扩大，同意适当提高信用额度。",
    "征信记录良好，无涉诉，同意通过。",
)
APPROVE_C_OPINIONS = (
    "综合评分偏低，同意通过，信用额度下调并按季度跟踪。",
    "评级为C，同意通过，须提供担保后方可提高额度。",
)
REJECT_OPINIONS = (
    "近一年存在多起买卖合同纠纷，暂不通过。",
    "征信报告显示有逾期记录，需补充担保后重新提交。",
    "财务报表未经审计且数据前后矛盾，不予通过。",
    "资产负债率偏高，现金流紧张，暂不通过。",
)
REJECT_D_OPINIONS = (
    "综合评分低于60分，不予通过。",
    "评级为D，经营风险较大，不予通过。",
)
MORE_DOCS_OPINIONS = (
    "缺少最近一期财务报表，请补充后再审。",
    "银行资信证明已过期，请补充。",
)
IN_REVIEW_OPINIONS = (None, "复审中，待补充最近一期审计报告。", "复审中，已约客户现场走访。")
NOTES = (
    "集团客户，由总部统一授信。",
    "已签订最高额保证合同。",
    "关注应收账款账期。",
    "客户要求开具增值税专用发票。",
)
INACTIVE_NOTES = ("客户经营异常，已终止合作。", "客户已注销。", "客户主动终止合作。")
D_GRADE_APPROVED_OPINION = "评分偏低，但合作多年、回款正常，同意通过。"

# (last review, risk, category): month-end dates whose next review EDATE clamps.
MONTH_END_CASES = (
    (date(2026, 1, 31), "低", "一般"),  # +12 → 2027-01-31
    (date(2026, 8, 31), "中", "一般"),  # +6 → 2027-02-28 (clamped)
    (date(2026, 8, 31), "高", "重要"),  # +3 → 2026-11-30 (clamped), due soon
    (date(2026, 5, 31), "中", "一般"),  # +6 → 2026-11-30 (clamped), due soon
    (date(2025, 11, 30), "低", "一般"),  # +12 → 2026-11-30, due soon
    (date(2024, 2, 29), "低", "一般"),  # +12 → 2025-02-28 (clamped), long overdue
)
# (newest scores, status): composite scores on the grade boundaries.
BOUNDARY_CASES = (
    ((85.0, 84.5, 85.0, 85.5), APPROVED),  # 84.95 → 85.0, A
    ((90.0, 80.0, 85.0, 85.0), APPROVED),  # 85.0, A
    ((85.0, 84.8, 85.0, 85.0), APPROVED),  # 84.94 → 84.9, B
    ((80.0, 60.0, 70.0, 70.0), APPROVED),  # 70.0, B
    ((70.0, 69.5, 70.0, 70.5), APPROVED),  # 69.95 → 70.0, B
    ((65.0, 55.0, 60.0, 60.0), APPROVED),  # 60.0, C
    ((60.0, 59.8, 60.0, 60.0), REJECTED),  # 59.94 → 59.9, D
)


def generate_demo(
    n_customers: int = 360, seed: int = DEFAULT_SEED, as_of: date = DEFAULT_AS_OF
) -> DemoData:
    """A realistic sample ledger of `n_customers` customers as of `as_of`.

    Deterministic for a given seed. Raises ValueError for fewer than `MIN_CUSTOMERS`
    customers (too few to hold every edge case and planted mistake).
    """
    if n_customers < MIN_CUSTOMERS:
        raise ValueError(f"n_customers must be at least {MIN_CUSTOMERS}, got {n_customers}")
    return _Generator(n_customers, seed, as_of).run()


# --- pure helpers -----------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Excel EDATE (the ledger's twin)."""
    return schedule.add_months(day, months)


def composite_score(scores: tuple[float, ...]) -> float:
    """The default weights' 综合评分 of the four dimension scores (the ledger's twin)."""
    return scoring.composite_score(scores, DEFAULT_SCORING)


def grade_for(composite: float) -> str:
    """The default bands' 评级 (the ledger's twin)."""
    return scoring.grade_for(composite, DEFAULT_SCORING)


def _review_id(customer_id: str, when: date) -> str:
    return f"{customer_id}-{when.year}-{when.month:02d}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _org_code_check(digits8: str) -> str:
    """Check character of an organisation code (GB 11714)."""
    total = sum(int(c) * w for c, w in zip(digits8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _wrong_uscc_check(code: str) -> str:
    return code[:-1] + USCC_CHARSET[(USCC_CHARSET.index(code[-1]) + 1) % len(USCC_CHARSET)]


def _forbidden_letter(code: str) -> str:
    """The clerk's classic slip: a digit 0 or 1 in the organisation code typed as O or I."""
    for pos in range(8, 17):
        if code[pos] in "01":
            return code[:pos] + {"0": "O", "1": "I"}[code[pos]] + code[pos + 1 :]
    return code[:8] + "I" + code[9:]


def _wrong_id_check(number: str) -> str:
    chars = "0123456789X"
    return number[:-1] + chars[(chars.index(number[-1]) + 1) % len(chars)]


def _full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def _birth_date_of(resident_id: str) -> date:
    return date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))


def _frame(rows: list[dict[str, object]], keys: tuple[str, ...]) -> pd.DataFrame:
    for row in rows:
        if set(row) != set(keys):
            raise ValueError(f"row keys differ from the columns: {set(row) ^ set(keys)}")
    columns = {k: pd.Series([row[k] for row in rows], dtype=object) for k in keys}
    return pd.DataFrame(columns, columns=list(keys))


# --- the generator ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    surname_py: str
    given_py: tuple[str, ...]


@dataclass
class _Plan:
    """How a reviewed customer's review history is to be drawn."""

    due: str | None = None  # target due state of the newest review (None: inactive)
    last_review: date | None = None  # a fixed newest review date
    scores: tuple[float, ...] | None = None  # fixed newest scores
    decline: bool = False  # the previous review scored at least 10 points higher


Row = dict[str, object]


class _Generator(ControlsMixin):
    """Builds one sample; every draw comes from `self.rng` in a fixed order, those of the
    credit controls from `self.rng2` (see `ControlsMixin`)."""

    def __init__(self, n: int, seed: int, as_of: date) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.rng2 = random.Random(seed * 7919 + 12)
        self.as_of = as_of
        self.rows: list[Row] = []
        self.history: dict[int, list[Row]] = {}
        self.docs: dict[int, list[Row]] = {}
        self.planted: list[PlantedMistake] = []
        self.locked: set[int] = set()  # edge-case customers: never planted on
        self.used: set[int] = set()  # customers already carrying a planted mistake
        self.taken: set[str] = set()  # company names, USCCs and staff names in use
        self.managers: dict[str, list[_Person]] = {}
        self.reviewers: dict[str, list[_Person]] = {}

    def run(self) -> DemoData:
        self._make_staff()
        self._make_approvers()
        statuses = self._quota(STATUS_SHARES, APPROVED, self.n)
        self.rng.shuffle(statuses)
        self.rows = self._make_customers(statuses)
        plans = self._plan_reviews()
        self._ensure_combinations()
        for i in range(self.n):
            self._fill_review(i, plans.get(i))
        for i in range(self.n):
            self.docs[i] = self._make_docs(self.rows[i])
        self._fill_controls()
        self._complete_documents()
        self._plant_mistakes()
        self._fit_rubrics()
        self._fit_limits()
        self._plant_before_approval()
        self._approve()
        self._plant_after_approval()
        return self._result()

    def _result(self) -> DemoData:
        def side(table: dict[int, list[Row]]) -> list[Row]:
            return [
                {
                    **{k: v for k, v in rec.items() if not k.startswith("_")},
                    "customer_id": row["customer_id"],
                    "name": rec["name"] if rec.get("_foreign") else row["name"],
                }
                for i, row in enumerate(self.rows)
                for rec in table.get(i, [])
            ]

        return DemoData(
            ledger=_frame(self.rows, LEDGER_KEYS),
            credentials=_frame(side(self.docs), CREDENTIAL_KEYS),
            reviews=_frame(side(self.history), REVIEW_KEYS),
            planted=self.planted,
            branches=tuple(b.name for b in BRANCHES),
        )

    # --- small draws --------------------------------------------------------------------

    def _quota(self, shares: dict[str, float], rest: str, total: int) -> list[str]:
        items = [value for value, share in shares.items() for _ in range(round(share * total))]
        return items + [rest] * (total - len(items))

    def _date_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def _days_ago(self, low: int, high: int) -> date:
        return self.as_of - timedelta(days=self.rng.randint(low, high))

    def _unique(self, draw: Callable[[], str]) -> str:
        for _ in range(10_000):
            value = draw()
            if value not in self.taken:
                self.taken.add(value)
                return value
        raise RuntimeError("ran out of distinct values; lower n_customers")

    def _person(self) -> _Person:
        surname, surname_py = self.rng.choice(SURNAMES)
        given = self.rng.sample(GIVEN_CHARS, 2 if self.rng.random() < 0.75 else 1)
        name = surname + "".join(c for c, _ in given)
        return _Person(name, surname_py, tuple(p for _, p in given))

    def _staff_member(self) -> _Person:
        while True:
            person = self._person()
            if person.name not in self.taken:
                self.taken.add(person.name)
                return person

    def _make_staff(self) -> None:
        for branch in BRANCHES:
            count = self.rng.randint(3, 5)
            self.managers[branch.code] = [self._staff_member() for _ in range(count)]
            count = self.rng.randint(2, 3)
            self.reviewers[branch.code] = [self._staff_member() for _ in range(count)]

    # --- customers ----------------------------------------------------------------------

    def _make_customers(self, statuses: list[str]) -> list[Row]:
        counts = {b.code: round(b.share * self.n) for b in BRANCHES[1:]}
        counts[BRANCHES[0].code] = self.n - sum(counts.values())
        rows: list[Row] = []
        for branch in BRANCHES:
            number = self.rng.randint(100, 900)
            for _ in range(counts[branch.code]):
                number += self.rng.randint(1, 3)
                customer_id = f"{branch.code}{number:06d}"
                rows.append(self._new_customer(branch, customer_id, statuses[len(rows)]))
        return rows

    def _new_customer(self, branch: Branch, customer_id: str, status: str) -> Row:
        rng = self.rng
        region, district = rng.choice(branch.districts)
        industry = rng.choice(tuple(INDUSTRIES))
        name, brand_py = self._company_name(branch, industry)
        legal_rep = self._person()
        contact = legal_rep if rng.random() < 0.2 else self._person()
        risk = rng.choices(tuple(RISK_SHARES), weights=tuple(RISK_SHARES.values()))[0]
        row: Row = dict.fromkeys(LEDGER_KEYS)
        row.update(
            customer_id=customer_id,
            name=name,
            uscc=self._uscc(region),
            branch=branch.name,
            account_manager=rng.choice(self.managers[branch.code]).name,
            industry=industry,
            category="重要" if rng.random() < IMPORTANT_SHARE else "一般",
            risk_level=risk,
            contact=contact.name,
            phone=self._phone(branch),
            email=self._email(contact, brand_py),
            address=self._address(branch, district),
            legal_rep=legal_rep.name,
            status=status,
        )
        row.update(self._financials(risk))
        row.update(self._background(status))
        return row

    def _company_name(self, branch: Branch, industry: str) -> tuple[str, str]:
        brand_py = ""

        def draw() -> str:
            nonlocal brand_py
            brand, brand_py = self.rng.choice(BRANDS)
            business = self.rng.choice(INDUSTRIES[industry])
            suffix = "股份有限公司" if self.rng.random() < 0.12 else "有限公司"
            if self.rng.random() < 0.12:
                return f"{brand}{business}（{branch.city}）{suffix}"
            return f"{branch.city}{brand}{business}{suffix}"

        return self._unique(draw), brand_py

    def _uscc(self, region: str) -> str:
        def draw() -> str:
            if self.rng.random() < 0.6:  # newer codes: "MA" + 7 characters
                org = "MA" + "".join(self.rng.choice(USCC_CHARSET) for _ in range(7))
            else:  # older codes carry the 9-character organisation code
                digits = _digits(self.rng, 8)
                org = digits + _org_code_check(digits)
            first17 = "91" + region + org
            return first17 + uscc_check_char(first17)

        return self._unique(draw)

    def _phone(self, branch: Branch) -> str:
        rng = self.rng
        if rng.random() < 0.8:
            return rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)
        number = f"{branch.area_code}-{rng.choice('3568')}{_digits(rng, 7)}"
        if rng.random() < 0.1:
            number += f"-{rng.randint(800, 8999)}"
        return number

    def _email(self, person: _Person, brand_py: str) -> str | None:
        rng = self.rng
        if rng.random() < 0.15:
            return None
        surname, given = person.surname_py, "".join(person.given_py)
        initials = "".join(p[0] for p in person.given_py)
        if rng.random() < 0.5:
            handle = rng.choice((f"{surname}.{given}", f"{given}.{surname}", surname + initials))
            return f"{handle}@{rng.choice(CORPORATE_MAIL).format(brand_py)}"
        if rng.random() < 0.3:
            return f"{rng.randint(10**7, 10**10 - 1)}@qq.com"
        number = rng.randint(1, 99)
        handle = rng.choice((surname + given, f"{surname}{given}{number}", f"{initials}{surname}"))
        return f"{handle}@{rng.choice(FREE_MAIL)}"

    def _address(self, branch: Branch, district: str) -> str:
        rng = self.rng
        suffix = rng.choice(
            (
                "",
                f"{rng.randint(2, 30)}楼",
                f"{rng.randint(1, 12)}幢{rng.randint(1, 20)}{rng.randint(1, 20):02d}室",
                f"A座{rng.randint(2, 28)}层",
            )
        )
        road = rng.choice(branch.roads)
        return f"{branch.city}市{district}{road}{rng.randint(1, 1999)}号{suffix}"

    def _financials(self, risk: str) -> Row:
        rng = self.rng
        capital = self._registered_capital()
        assets = round(capital * rng.uniform(0.8, 8.0), 2)
        low, high = RISK_EXTERNAL_CREDIT[risk]
        return {
            "registered_capital": capital,
            "revenue": round(assets * rng.uniform(0.3, 2.5), 2),
            "total_assets": assets,
            "total_liabilities": round(assets * self._debt_ratio(risk), 2),
            "external_credit": float(rng.randint(low, high)),
        }

    def _registered_capital(self) -> float:
        if self.rng.random() < 0.4:
            return float(self.rng.choice(ROUND_CAPITALS))
        raw = 10 ** self.rng.uniform(2, math.log10(50_000))
        return float(round(raw, 1 - int(math.log10(raw))))  # two significant digits

    def _debt_ratio(self, risk: str) -> float:
        roll = self.rng.random()
        if roll < 0.05:
            return self.rng.uniform(0.05, 0.2)
        if roll < 0.1:
            return self.rng.uniform(0.9, 1.08)
        return self.rng.triangular(0.2, 0.9, RISK_DEBT_MODE[risk])

    def _background(self, status: str) -> Row:
        founded = self._date_between(date(1996, 1, 1), self.as_of - timedelta(days=730))
        age = (self.as_of - founded).days / 365.25
        is_new = status in (PENDING, IN_REVIEW)
        coop = self.rng.uniform(0, 1.5) if is_new else self.rng.uniform(0.5, 15)
        report = None
        if status != PENDING or self.rng.random() < 0.6:
            report = (
                self._days_ago(5, 360) if self.rng.random() < 0.88 else self._days_ago(366, 720)
            )
        return {
            "founded": founded,
            "coop_years": round(min(coop, age), 1),
            "credit_report_date": report,
        }

    # --- review plans -------------------------------------------------------------------

    def _plan_reviews(self) -> dict[int, _Plan]:
        rng = self.rng
        plans: dict[int, _Plan] = {}
        for i, row in enumerate(self.rows):
            if row["status"] in (APPROVED, REJECTED, INACTIVE):
                plans[i] = _Plan()
            elif row["status"] == IN_REVIEW and rng.random() < 0.5:  # a re-review
                due = rng.choice((layout.DUE_SOON, layout.DUE_OVERDUE, layout.DUE_OK))
                plans[i] = _Plan(due=due)
        decided = [i for i, p in plans.items() if self.rows[i]["status"] in (APPROVED, REJECTED)]
        dues = self._quota(DUE_SHARES, layout.DUE_OK, len(decided))
        rng.shuffle(dues)
        for i, due in zip(decided, dues, strict=True):
            plans[i].due = due
        self._plan_edge_cases(plans)
        free = [i for i in decided if i not in self.locked]
        for i in rng.sample(free, DECLINING_CUSTOMERS):
            plans[i].decline = True
        return plans

    def _plan_edge_cases(self, plans: dict[int, _Plan]) -> None:
        by_status: dict[str, list[int]] = {APPROVED: [], REJECTED: []}
        for i in plans:
            by_status.get(self.rows[i]["status"], []).append(i)
        for pool in by_status.values():
            self.rng.shuffle(pool)
        for last, risk, category in self._last_review_cases():
            i = by_status[APPROVED].pop()
            self.rows[i].update(risk_level=risk, category=category)
            plans[i].last_review, plans[i].due = last, None
            self.locked.add(i)
        for scores, status in BOUNDARY_CASES:
            i = by_status[status].pop()
            plans[i].scores = scores
            self.locked.add(i)

    def _last_review_cases(self) -> list[tuple[date, str, str]]:
        earliest = self.as_of - timedelta(days=4 * 366)
        cases = [c for c in MONTH_END_CASES if earliest <= c[0] < self.as_of]
        due_in_window = self.as_of + timedelta(days=DEFAULT_CYCLES.due_soon_days)
        cases.append((add_months(self.as_of, -3), "高", "一般"))  # falls due on as_of
        cases.append((add_months(due_in_window, -3), "中", "重要"))  # last day of "due soon"
        return cases

    def _ensure_combinations(self) -> None:
        """Make every risk × category combination occur (only touching unlocked rows)."""
        combos = [(r, c) for r in DEFAULT_CYCLES.risk_levels for c in DEFAULT_CYCLES.categories]
        counts = Counter((row["risk_level"], row["category"]) for row in self.rows)
        for combo in combos:
            if counts[combo]:
                continue
            spare = [
                i
                for i, row in enumerate(self.rows)
                if i not in self.locked and counts[(row["risk_level"], row["category"])] > 1
            ]
            i = self.rng.choice(spare)
            counts[(self.rows[i]["risk_level"], self.rows[i]["category"])] -= 1
            self.rows[i]["risk_level"], self.rows[i]["category"] = combo
            counts[combo] += 1
            self.locked.add(i)

    def _cycle(self, row: Row) -> int:
        months = DEFAULT_CYCLES.cycle_for(str(row["risk_level"]), str(row["category"]))
        assert months is not None
        return months

    def _due_state(self, last: date, cycle: int) -> str:
        days = (add_months(last, cycle) - self.as_of).days
        if days < 0:
            return layout.DUE_OVERDUE
        return layout.DUE_SOON if days <= DEFAULT_CYCLES.due_soon_days else layout.DUE_OK

    def _draw_last_review(self, cycle: int, due: str | None) -> date:
        if due is None:  # inactive: an old review
            return self._days_ago(120, 480)
        span = min(480, cycle * 31 + 150)
        for _ in range(10_000):
            when = self._days_ago(1, span)
            if self._due_state(when, cycle) == due:
                return when
        raise RuntimeError(f"no last review date gives {due} for a {cycle}-month cycle")

    # --- reviews ------------------------------------------------------------------------

    def _fill_review(self, i: int, plan: _Plan | None) -> None:
        row = self.rows[i]
        status = row["status"]
        row["notes"] = self._notes(str(status))
        if plan is None:
            self._fill_unreviewed(row)
            return
        reviews = self._history(row, plan)
        self.history[i] = reviews
        newest = reviews[-1]
        row.update({k: newest[k] for k in SCORE_KEYS})
        row.update(last_review=newest["review_date"], reviewer=newest["reviewer"])
        if status == IN_REVIEW:
            row["stage"] = self.rng.choice(("初筛", "深度评估"))
            row["opinion"] = self.rng.choice(IN_REVIEW_OPINIONS)
        else:
            row["stage"], row["opinion"] = "终审", newest["opinion"]
        row["credit_limit"] = self._credit_limit(row, str(newest["grade"]))

    def _fill_unreviewed(self, row: Row) -> None:
        """待审核, or 审核中 for a new customer: no review yet, maybe a few scores entered."""
        rng = self.rng
        if row["status"] == PENDING:
            row["stage"] = "初筛" if rng.random() < 0.6 else None
            return
        row["stage"] = rng.choice(("初筛", "深度评估"))
        base = rng.gauss(RISK_SCORE_MEAN[str(row["risk_level"])], 6)
        for key in rng.sample(SCORE_KEYS, rng.randint(1, 3)):
            row[key] = self._one_score(base)

    def _history(self, row: Row, plan: _Plan) -> list[Row]:
        rng = self.rng
        cycle = self._cycle(row)
        newest_date = plan.last_review or self._draw_last_review(cycle, plan.due)
        newest_scores = plan.scores or self._newest_scores(row, plan)
        count = rng.choices((1, 2, 3, 4), weights=(30, 30, 25, 15))[0]
        count = max(count, 2) if plan.decline else count
        dates = [*self._earlier_dates(newest_date, cycle, count - 1), newest_date]
        scores = [*self._earlier_scores(newest_scores, count - 1, plan.decline), newest_scores]
        results = [self._earlier_result(s) for s in scores[:-1]]
        results.append(self._newest_result(str(row["status"]), newest_scores))
        self._fit_background(row, dates)
        return [self._review_row(row, *args) for args in zip(dates, scores, results, strict=True)]

    def _fit_background(self, row: Row, dates: list[date]) -> None:
        """Move `founded` before the first review and stretch `coop_years` over the history."""
        first = dates[0]
        if row["founded"] > first - timedelta(days=365):
            row["founded"] = first - timedelta(days=self.rng.randint(400, 3000))
        span = (self.as_of - first).days / 365.25
        if row["coop_years"] < span:
            row["coop_years"] = round(span + self.rng.uniform(0, 1), 1)

    def _earlier_dates(self, newest: date, cycle: int, count: int) -> list[date]:
        dates: list[date] = []
        current = newest
        for _ in range(count):
            current = add_months(current, -cycle) + timedelta(days=self.rng.randint(-20, 12))
            dates.insert(0, current)
        return dates

    def _earlier_scores(
        self, newest: tuple[float, ...], count: int, decline: bool
    ) -> list[tuple[float, ...]]:
        result: list[tuple[float, ...]] = []
        current = newest
        for step in range(count):
            current = self._raised(current) if decline and step == 0 else self._jittered(current)
            result.insert(0, current)
        return result

    def _jittered(self, scores: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(float(min(100, max(20, round(s + self.rng.gauss(0, 4))))) for s in scores)

    def _raised(self, scores: tuple[float, ...]) -> tuple[float, ...]:
        """Scores at least 10 composite points above `scores` (a customer in decline)."""
        bump = 12
        while True:
            raised = tuple(
                float(min(100, round(s) + bump + self.rng.randint(0, 4))) for s in scores
            )
            if composite_score(raised) - composite_score(scores) >= 10:
                return raised
            bump += 3

    def _newest_scores(self, row: Row, plan: _Plan) -> tuple[float, ...]:
        status = row["status"]
        if plan.decline:
            return self._draw_scores(64, ("C", "D") if status == REJECTED else ("B", "C"))
        if status == REJECTED:
            return self._draw_scores(56, ("C", "D"))
        grades = ("A", "B", "C", "D") if status == INACTIVE else ("A", "B", "C")
        return self._draw_scores(RISK_SCORE_MEAN[str(row["risk_level"])], grades)

    def _draw_scores(self, mean: float, grades: tuple[str, ...]) -> tuple[float, ...]:
        for _ in range(10_000):
            base = self.rng.gauss(mean, 6)
            scores = tuple(self._one_score(base) for _ in SCORE_KEYS)
            if grade_for(composite_score(scores)) in grades:
                return scores
        raise RuntimeError(f"could not draw scores graded {grades}")

    def _one_score(self, base: float) -> float:
        score = float(min(100, max(20, round(base + self.rng.gauss(0, 5)))))
        if score < 100 and self.rng.random() < 0.04:
            score += 0.5
        return score

    def _earlier_result(self, scores: tuple[float, ...]) -> str:
        if grade_for(composite_score(scores)) == "D":
            return REJECTED
        return "补充材料" if self.rng.random() < 0.1 else APPROVED

    def _newest_result(self, status: str, scores: tuple[float, ...]) -> str:
        if status == REJECTED:
            return REJECTED
        if status == INACTIVE and (
            grade_for(composite_score(scores)) == "D" or self.rng.random() < 0.4
        ):
            return REJECTED
        return APPROVED

    def _review_row(self, row: Row, when: date, scores: tuple[float, ...], result: str) -> Row:
        branch = _BRANCH_BY_NAME[str(row["branch"])]
        review: Row = {
            "review_id": _review_id(str(row["customer_id"]), when),
            "customer_id": row["customer_id"],
            "name": row["name"],
            "review_date": when,
            "stage": "深度评估" if result == "补充材料" else "终审",
            "result": result,
            "reviewer": self.rng.choice(self.reviewers[branch.code]).name,
            "credit_limit": None,
            "approval_level": None,
            "approver": None,
            "approval_date": None,
        }
        self._set_scores(review, scores)
        review["opinion"] = self._opinion(result, str(review["grade"]))
        return {k: review[k] for k in REVIEW_KEYS}

    def _set_scores(self, review: Row, scores: tuple[float, ...]) -> None:
        review.update(zip(SCORE_KEYS, scores, strict=True))
        review["composite_score"] = composite_score(scores)
        review["grade"] = grade_for(review["composite_score"])

    def _opinion(self, result: str, grade: str) -> str | None:
        rng = self.rng
        if result == REJECTED:
            return rng.choice(REJECT_D_OPINIONS if grade == "D" else REJECT_OPINIONS)
        if result == "补充材料":
            return rng.choice(MORE_DOCS_OPINIONS)
        if grade == "C":
            return rng.choice(APPROVE_C_OPINIONS)
        return rng.choice(APPROVE_OPINIONS) if rng.random() < 0.85 else None

    def _credit_limit(self, row: Row, grade: str) -> float:
        if row["status"] in (REJECTED, INACTIVE):
            return 0.0
        low, high = LIMIT_SHARE_OF_REVENUE[grade]
        limit = row["revenue"] * self.rng.uniform(low, high)
        return float(max(10, min(8000, round(limit / 10) * 10)))

    def _notes(self, status: str) -> str | None:
        if status == INACTIVE:
            return self.rng.choice(INACTIVE_NOTES)
        return self.rng.choice(NOTES) if self.rng.random() < 0.08 else None

    # --- credentials --------------------------------------------------------------------

    def _make_docs(self, row: Row) -> list[Row]:
        """Documents on file; an approved customer's current documents are all in date."""
        rng = self.rng
        keep_valid = row["status"] == APPROVED
        docs: list[Row] = []
        if rng.random() < 0.95:
            docs.append(self._license(row))
        if rng.random() < 0.85:
            docs.append(self._id_card(row, keep_valid))
        if rng.random() < 0.6:
            docs.extend(self._bank_letters(row, keep_valid))
        if rng.random() < 0.2:
            docs.append(self._account_permit(row))
        return docs

    def _doc(
        self,
        row: Row,
        doc_type: str,
        number: str,
        issued: date,
        expires: date,
        notes: str | None = None,
    ) -> Row:
        verifiers = [row["account_manager"], *(p.name for p in self._branch_reviewers(row))]
        start = max(issued, self.as_of - timedelta(days=730))
        return {
            "customer_id": row["customer_id"],
            "name": row["name"],
            "doc_type": doc_type,
            "doc_number": number,
            "issued": issued,
            "expires": expires,
            "verified_by": self.rng.choice(verifiers),
            "verified_on": self._date_between(start, self.as_of),
            "doc_notes": notes,
        }

    def _branch_reviewers(self, row: Row) -> list[_Person]:
        return self.reviewers[_BRANCH_BY_NAME[str(row["branch"])].code]

    def _license(self, row: Row) -> Row:
        founded = row["founded"]
        issued = self._date_between(founded, self.as_of - timedelta(days=30))
        if self.rng.random() < 0.85:
            notes = "营业期限：长期" if self.rng.random() < 0.3 else None
            return self._doc(row, "营业执照", row["uscc"], issued, LONG_TERM, notes)
        expires = add_months(founded, 12 * self.rng.choice((30, 50))) - timedelta(days=1)
        if expires < self.as_of + timedelta(days=3 * 365):
            expires = add_months(founded, 12 * 50) - timedelta(days=1)
        return self._doc(row, "营业执照", row["uscc"], issued, expires)

    def _id_card(self, row: Row, keep_valid: bool, digit_check: bool = False) -> Row:
        birth = self._date_between(
            add_months(self.as_of, -65 * 12), add_months(self.as_of, -28 * 12)
        )
        number = self._resident_id(birth, digit_check)
        issued, expires = self._id_validity(birth, keep_valid)
        return self._doc(row, "法定代表人身份证", number, issued, expires)

    def _resident_id(self, birth: date, digit_check: bool = False) -> str:
        while True:
            first17 = self.rng.choice(ID_REGIONS) + f"{birth:%Y%m%d}{self.rng.randint(1, 999):03d}"
            number = first17 + resident_id_check_char(first17)
            if not (digit_check and number.endswith("X")):
                return number

    def _id_validity(self, birth: date, keep_valid: bool) -> tuple[date, date]:
        """Issue and expiry dates: 10 years if issued before 26, 20 before 46, else 长期."""
        earliest = max(add_months(birth, 16 * 12), add_months(self.as_of, -20 * 12))
        while True:
            issued = self._date_between(earliest, self.as_of - timedelta(days=30))
            age = (issued - birth).days / 365.25
            years = 10 if age < 26 else 20 if age < 46 else None
            expires = LONG_TERM if years is None else add_months(issued, 12 * years)
            if not keep_valid or expires >= self.as_of:
                return issued, expires

    def _bank_letters(self, row: Row, keep_valid: bool) -> list[Row]:
        """A bank credit letter; an expired one of an approved customer has been renewed."""
        months = self.rng.choice((6, 6, 9, 12, 12))
        letter = self._bank_letter(row, self._days_ago(10, 330), months)
        if not keep_valid or letter["expires"] >= self.as_of:
            return [letter]
        return [letter, self._bank_letter(row, self._days_ago(5, 150), 12, renewed=True)]

    def _bank_letter(self, row: Row, issued: date, months: int, renewed: bool = False) -> Row:
        short, full = self.rng.choice(BANKS)
        number = f"{short}资信字（{issued.year}）第{self.rng.randint(1, 9999):05d}号"
        city = _BRANCH_BY_NAME[str(row["branch"])].city
        notes = f"{full}{city}分行" + ("，续开" if renewed else "")
        expires = add_months(issued, months)
        return self._doc(row, "银行资信证明", number, issued, expires, notes)

    def _account_permit(self, row: Row) -> Row:
        number = f"J{self.rng.randint(1000, 9999)}{_digits(self.rng, 9)}"
        issued = self._date_between(row["founded"], self.as_of - timedelta(days=30))
        return self._doc(row, "开户许可证", number, issued, LONG_TERM, "基本存款账户")

    # --- planted mistakes ---------------------------------------------------------------

    def _plant_mistakes(self) -> None:
        def reviewed(row: Row) -> bool:
            return row["last_review"] is not None

        cells: tuple[tuple[Callable[[Row], bool] | None, str, object, str], ...] = (
            (None, "uscc", lambda r: _wrong_uscc_check(r["uscc"]), "统一社会信用代码校验位错误"),
            (None, "uscc", lambda r: _forbidden_letter(r["uscc"]),
             "统一社会信用代码把数字 0/1 误录为字母 O/I"),
            (None, "phone", None, "联系电话（必填）为空"),
            (None, "legal_rep", None, "法定代表人（必填）为空"),
            (reviewed, "score_financial", 105.0, "财务状况评分 105，超出 0–100"),
            (reviewed, "score_credit", -5.0, "信用记录评分为负数（-5）"),
            (reviewed, "last_review", "2024年13月5日", "最近审核日期以文本录入，且月份 13 不存在"),
            (None, "phone", "1234567", "联系电话位数不对"),
            (None, "email", "zhang@@example", "电子邮箱格式错误"),
            (lambda r: r["revenue"] >= 1000, "revenue", lambda r: f"{r['revenue']:,.2f}",
             "营业收入是文本（带千分位逗号），不是数值"),
            (None, "registered_capital", lambda r: _full_width(f"{r['registered_capital']:.0f}"),
             "注册资本用了全角数字，是文本"),
            (None, "total_assets", "N/A", "资产总额填了 N/A"),
            (None, "notes", '=HYPERLINK("http://x")', "备注以“=”开头，Excel 会当作公式执行"),
        )  # fmt: skip
        for predicate, key, value, description in cells:
            i = self._pick(predicate)
            cell = value(self.rows[i]) if callable(value) else value
            self._plant_cell(i, key, cell, description)
        self._plant_founded_as_text()
        self._plant_duplicate_id()
        self._plant_duplicate_uscc()
        self._plant_d_grade_approved()
        self._plant_rejected_without_opinion()
        self._plant_future_review()
        self._plant_mangled_id()
        self._plant_wrong_id_check()
        self._plant_expired_bank_letter()

    def _pick(self, predicate: Callable[[Row], bool] | None = None) -> int:
        """A customer for the next mistake: unlocked, unused, mostly in a focus branch."""
        candidates = [
            i
            for i, row in enumerate(self.rows)
            if i not in self.locked and i not in self.used and (predicate is None or predicate(row))
        ]
        focus = [i for i in candidates if self._branch_code(i) in FOCUS_BRANCHES]
        pool = focus if focus and self.rng.random() < _FOCUS_SHARE else candidates
        if not pool:
            raise RuntimeError("too few customers to plant every mistake")
        i = self.rng.choice(pool)
        self.used.add(i)
        return i

    def _branch_code(self, i: int) -> str:
        return _BRANCH_BY_NAME[str(self.rows[i]["branch"])].code

    def _plant_cell(self, i: int, key: str, value: object, description: str) -> None:
        self.rows[i][key] = value
        self._record("ledger", i, key, value, description)

    def _record(self, table: str, i: int, key: str, value: object, description: str) -> None:
        customer_id = str(self.rows[i]["customer_id"])
        self.planted.append(PlantedMistake(table, customer_id, key, value, description))

    def _plant_founded_as_text(self) -> None:
        """A new customer's 成立日期 typed as text; its documents are dated to match."""
        i = self._pick(lambda r: r["status"] == PENDING)
        founded = date(2025, 3, 5)
        if founded > self.as_of - timedelta(days=90):
            founded = self.as_of - timedelta(days=200)
        row = self.rows[i]
        if row["credit_report_date"] is not None and row["credit_report_date"] < founded:
            row["credit_report_date"] = founded + timedelta(days=30)
        for doc in self.docs[i]:
            if doc["doc_type"] != "法定代表人身份证" and doc["issued"] < founded:
                self._reissue(doc, founded)
        text = f"{founded.year}/{founded.month}/{founded.day}"
        self._plant_cell(i, "founded", text, "成立日期以文本录入，不是日期")

    @staticmethod
    def _reissue(doc: Row, issued: date) -> None:
        """Move a document's issue date, keeping how long it is valid for."""
        if doc["expires"] != LONG_TERM:
            doc["expires"] += issued - doc["issued"]
        doc["issued"] = issued
        doc["verified_on"] = max(doc["verified_on"], issued)

    def _plant_duplicate_id(self) -> None:
        """A new customer entered under an existing customer's id (a copied row)."""
        new = self._pick(lambda r: r["status"] == PENDING)
        branch = self.rows[new]["branch"]
        old = self._pick(lambda r: r["branch"] == branch)
        shared = self.rows[old]["customer_id"]
        self.rows[new]["customer_id"] = shared
        self._record("ledger", old, "customer_id", shared, "客户编号重复，两个客户共用一个编号")

    def _plant_duplicate_uscc(self) -> None:
        copier = self._pick()
        branch = self.rows[copier]["branch"]
        owner = self._pick(lambda r: r["branch"] != branch)
        uscc = self.rows[owner]["uscc"]
        self._plant_cell(copier, "uscc", uscc, "统一社会信用代码与其他分公司的客户重复")

    def _plant_d_grade_approved(self) -> None:
        i = self._pick(lambda r: r["status"] == APPROVED)
        newest = self.history[i][-1]
        self._set_scores(newest, self._draw_scores(55, ("D",)))
        newest["opinion"] = D_GRADE_APPROVED_OPINION
        self.rows[i].update({k: newest[k] for k in SCORE_KEYS}, opinion=newest["opinion"])
        self.rows[i]["credit_limit"] = 0.0  # 授信标准 grants grade D no credit
        self._plant_cell(i, "status", APPROVED, "评级为 D 却审核通过")

    def _plant_rejected_without_opinion(self) -> None:
        i = self._pick(lambda r: r["status"] == REJECTED)
        self.history[i][-1]["opinion"] = None
        self._plant_cell(i, "opinion", None, "审核未通过但未填写审核意见")

    def _plant_future_review(self) -> None:
        i = self._pick(lambda r: r["status"] == APPROVED)
        when = self.as_of + timedelta(days=self.rng.randint(5, 40))
        newest = self.history[i][-1]
        newest["review_date"] = when
        newest["review_id"] = _review_id(str(self.rows[i]["customer_id"]), when)
        self._plant_cell(i, "last_review", when, "最近审核日期晚于基准日")

    def _id_doc(self, i: int, digit_check: bool = False) -> Row:
        """The customer's ID card record, added if missing; its number ends in a digit if asked."""
        docs = self.docs[i]
        doc = next((d for d in docs if d["doc_type"] == "法定代表人身份证"), None)
        if doc is None:
            doc = self._id_card(self.rows[i], keep_valid=True, digit_check=digit_check)
            docs.append(doc)
        if digit_check and str(doc["doc_number"]).endswith("X"):
            doc["doc_number"] = self._resident_id(_birth_date_of(str(doc["doc_number"])), True)
        return doc

    def _plant_mangled_id(self) -> None:
        i = self._pick()
        doc = self._id_doc(i, digit_check=True)
        doc["doc_number"] = float(str(doc["doc_number"])[:15] + "000")
        description = "身份证号被存成数字（科学计数法），第 15 位之后的数字丢失"
        self._record("credentials", i, "doc_number", doc["doc_number"], description)

    def _plant_wrong_id_check(self) -> None:
        i = self._pick()
        doc = self._id_doc(i)
        doc["doc_number"] = _wrong_id_check(str(doc["doc_number"]))
        self._record("credentials", i, "doc_number", doc["doc_number"], "身份证号校验位错误")

    def _plant_expired_bank_letter(self) -> None:
        i = self._pick(
            lambda r: (
                r["status"] == APPROVED and r["risk_level"] != "高" and r["category"] != "重要"
            )
        )
        docs = [d for d in self.docs[i] if d["doc_type"] != "银行资信证明"]
        letter = self._bank_letter(self.rows[i], self._days_ago(220, 400), 6)
        self.docs[i] = [*docs, letter]
        description = "审核通过的客户，银行资信证明已过期"
        self._record("credentials", i, "expires", letter["expires"], description)


def branch_content(data: DemoData, branch: str | None) -> LedgerContent:
    """All of the demo, or one branch's customers with their documents and reviews."""
    if branch is None:
        return LedgerContent(data.ledger, data.credentials, data.reviews)
    ledger = data.ledger[data.ledger["branch"] == branch].reset_index(drop=True)
    ids = set(ledger["customer_id"])
    return LedgerContent(
        ledger,
        data.credentials[data.credentials["customer_id"].isin(ids)].reset_index(drop=True),
        data.reviews[data.reviews["customer_id"].isin(ids)].reset_index(drop=True),
    )
