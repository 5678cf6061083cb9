"""The credit controls of the demo sample (准入标准, 审批权限, 授信标准, 评分细则): the fields they
read, documents that meet 准入标准, limits within 授信标准, scores near the rubrics, approval
chains in 审核记录 — and one planted mistake for each control's finding.

A mixin of `demo_data._Generator`. Its draws come from a second random stream (`self.rng2`),
so the rest of the sample is drawn exactly as before. The default rules are the standard the
clean customers meet; the planted ones break exactly one control each (their knock-on effects
are listed in tests/workbook/test_demo_controls.py).
"""

from __future__ import annotations

import contextlib
import math
from datetime import date, timedelta

from ledger_xl.core import controls
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.rules import RUBRIC_AT_MOST

RULES = DEFAULT_RULES
LEVELS = RULES.approval.names  # 分公司经理, 总部风控, 总经理
APPROVED, REJECTED, PENDING, IN_REVIEW = "审核通过", "审核未通过", "待审核", "审核中"
TOLERANCE_MARGIN = 3.0  # fitted suggestions stay this far inside the rubric's tolerance

SCOPES = {
    "批发业": ("五金交电、建材批发", "日用百货批发", "医疗器械批发", "食品、饮料批发"),
    "零售业": ("日用百货零售", "连锁超市经营", "家用电器零售"),
    "通用设备制造业": ("通用机械设备制造、销售", "泵、阀门制造", "液压动力机械制造"),
    "电气机械和器材制造业": ("电线电缆制造", "配电开关控制设备制造", "照明器具制造"),
    "房屋建筑业": ("房屋建筑工程施工", "建筑工程总承包"),
    "建筑装饰和装修业": ("建筑装饰装修工程", "室内装饰设计施工"),
    "道路运输业": ("普通货物道路运输", "冷链物流运输"),
    "装卸搬运和仓储业": ("普通仓储服务", "供应链管理服务"),
    "软件和信息技术服务业": ("软件开发、信息系统集成", "数据处理和存储服务"),
    "商务服务业": ("企业管理咨询", "会议及展览服务"),
}
SOURCES = (
    "客户提供",
    "客户提供、实地走访",
    "国家企业信用信息公示系统",
    "信用报告",
    "客户提供、信用报告",
)
APPROVAL_OPINIONS = ("同意。", "同意，按核定额度执行。", "同意，请关注回款。")
# Debt-ratio interval of each band of the 财务状况 rubric (the last one: above 100%).
_RATIO_SPANS = ((0.2, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 0.85), (0.85, 1.0), (1.0, 1.1))
_EXTERNAL_SPANS = ((850, 950), (750, 849), (650, 749), (550, 649), (450, 549), (300, 449))
_YEAR_SPANS = ((10.0, 15.0), (5.0, 9.9), (3.0, 4.9), (1.0, 2.9), (0.0, 0.9))


def _rubric(dimension: str):
    return next(r for r in RULES.rubrics.rubrics if r.dimension == dimension)


def suggestion(dimension: str, value: float, counts: dict[str, float] | None = None) -> float:
    """The default rubric's 建议分 for a value (and the deduction columns' counts)."""
    rubric = _rubric(dimension)
    if rubric.direction == RUBRIC_AT_MOST:
        band = sum(1 for b in rubric.bounds if b < value)
    else:
        band = sum(1 for b in rubric.bounds if b > value)
    score = rubric.bands[band].score
    for deduction in rubric.deductions:
        score -= (counts or {}).get(deduction.column, 0.0) * deduction.points
    return max(0.0, score)


def credit_cap(grade: str, revenue: object) -> float:
    """额度上限 under the default 授信标准 (the grade's maximum and the 营业收入 share)."""
    cap = RULES.credit.cap_for(grade)
    cap = 0.0 if cap is None else cap
    share = RULES.credit.revenue_share
    if share is not None and isinstance(revenue, float):
        cap = min(cap, revenue * share)
    return cap


def required_level(limit: object, risk: object) -> int:
    """需审批级别 (0-based) under the default 审批权限."""
    amount = limit if isinstance(limit, float) else 0.0
    for k in range(len(RULES.approval.levels) - 1, 0, -1):
        level = RULES.approval.levels[k]
        if amount > level.above or risk in level.risks:
            return k
    return 0


def needed_documents(row: dict) -> list[str]:
    return controls.required_documents(RULES.admission, row["risk_level"], row["category"])


class ControlsMixin:
    """The controls' part of the demo generator (see the module docstring)."""

    # --- the second stream ---------------------------------------------------------------

    @contextlib.contextmanager
    def _second_stream(self):
        """Draw from `rng2` inside the block (the generator's helpers use `self.rng`)."""
        first, self.rng = self.rng, self.rng2
        try:
            yield
        finally:
            self.rng = first

    def _make_approvers(self) -> None:
        with self._second_stream():
            self.approvers = {
                LEVELS[0]: {b: self._staff_member() for b in self.managers},
                LEVELS[1]: [self._staff_member() for _ in range(2)],
                LEVELS[2]: [self._staff_member()],
            }

    # --- the fields the controls read -----------------------------------------------------

    def _fill_controls(self) -> None:
        """业务范围, 信息来源, 失信被执行人, 违约/涉诉次数, 提交日期, 信用报告 recency."""
        with self._second_stream():
            rng = self.rng
            for i, row in enumerate(self.rows):
                status = row["status"]
                row["business_scope"] = rng.choice(SCOPES[str(row["industry"])])
                row["info_source"] = rng.choice(SOURCES)
                checked = status != PENDING or rng.random() < 0.7
                dishonest = "是" if status == REJECTED and rng.random() < 0.15 else "否"
                row["dishonest"] = dishonest if checked else None
                if status == REJECTED:
                    row["litigation_count"] = float(rng.choice((0, 0, 1, 2)))
                elif status == PENDING:
                    row["litigation_count"] = None if not checked else 0.0
                else:
                    row["litigation_count"] = 0.0
                row["submitted"] = self._submitted(i, row)
                report = row["credit_report_date"]
                stale = report is not None and report < self.as_of - timedelta(days=330)
                if status == APPROVED and row["risk_level"] == "高" and (report is None or stale):
                    row["credit_report_date"] = self._days_ago(15, 300)

    def _submitted(self, i: int, row: dict) -> date | None:
        rng = self.rng
        if row["status"] == PENDING:
            return self._days_ago(1, 90)
        if row["status"] == IN_REVIEW:
            return self._days_ago(5, 75) if rng.random() < 0.95 else None
        reviews = self.history.get(i)
        if not reviews:
            return None
        return reviews[-1]["review_date"] - timedelta(days=rng.randint(5, 40))

    # --- documents ------------------------------------------------------------------------

    def _complete_documents(self) -> None:
        """Every approved customer holds the documents 准入标准 asks for, in date; others
        often have 财务报表 / 信用报告 too."""
        with self._second_stream():
            for i, row in enumerate(self.rows):
                docs = self.docs[i]
                wanted = needed_documents(row) if row["status"] == APPROVED else []
                for doc_type in ("财务报表", "信用报告"):
                    if doc_type in wanted or self.rng.random() < 0.35:
                        docs.append(self._statement(row, doc_type))
                if row["status"] != APPROVED:
                    continue
                held = {d["doc_type"] for d in docs if d["expires"] >= self.as_of}
                if "营业执照" in wanted and "营业执照" not in held:
                    docs.insert(0, self._license(row))
                if "法定代表人身份证" in wanted and "法定代表人身份证" not in held:
                    docs.append(self._id_card(row, keep_valid=True))
                if "银行资信证明" in wanted and "银行资信证明" not in held:
                    docs.append(self._bank_letter(row, self._days_ago(10, 150), 12))

    def _statement(self, row: dict, doc_type: str) -> dict:
        """A 财务报表 (the latest annual or quarterly statements) or a 信用报告 (its date is the
        ledger's 信用报告日期), valid for a year."""
        if doc_type == "信用报告":
            issued = row["credit_report_date"] or self._days_ago(20, 300)
            number = f"信用报告（{issued:%Y%m%d}）{self.rng.randint(1000, 9999)}"
        else:
            issued = self._days_ago(20, 300)
            period = (
                f"{issued.year - 1}年度审计报告"
                if issued.month <= 6
                else f"{issued.year}年半年度报表"
            )
            number = period
        expires = issued + timedelta(days=365)
        if row["status"] == APPROVED and expires < self.as_of:
            expires = self.as_of + timedelta(days=self.rng.randint(30, 200))
        return self._doc(row, doc_type, number, issued, expires)

    # --- scores near the rubrics ----------------------------------------------------------

    def _fit_rubrics(self) -> None:
        """Set each scored customer's data (负债总额, 外部信用评分, 逾期次数, 合作年限) so that
        the rubrics suggest what was typed, within the tolerance. A planted score is left as
        typed (its distance from the rubric is part of that mistake)."""
        planted = {(p.customer_id, p.key) for p in self.planted}
        with self._second_stream():
            for i, row in enumerate(self.rows):
                skip = {k for cid, k in planted if cid == row["customer_id"]}
                if "total_assets" not in skip and "total_liabilities" not in skip:
                    self._fit_financial(row, skip)
                self._fit_credit(row, skip)
                self._fit_history(i, row, skip)

    @staticmethod
    def _near(typed: float, spans, score_of) -> int:
        """The band (index into `spans`) whose suggestion (`score_of(span)`) is nearest the
        typed score."""
        return min(range(len(spans)), key=lambda b: (abs(typed - score_of(spans[b])), b))

    def _fit_financial(self, row: dict, skip: set[str]) -> None:
        typed, assets = row["score_financial"], row["total_assets"]
        if (
            not isinstance(typed, float)
            or not isinstance(assets, float)
            or "score_financial" in skip
        ):
            return
        band = self._near(typed, _RATIO_SPANS, lambda s: suggestion("财务状况", (s[0] + s[1]) / 2))
        low, high = _RATIO_SPANS[band]
        for _ in range(100):
            liabilities = round(assets * self.rng.uniform(low + 0.004, high - 0.004), 2)
            if abs(typed - suggestion("财务状况", liabilities / assets)) <= self._room():
                row["total_liabilities"] = liabilities
                return

    def _room(self) -> float:
        return RULES.rubrics.tolerance - TOLERANCE_MARGIN

    def _fit_credit(self, row: dict, skip: set[str]) -> None:
        typed = row["score_credit"]
        if not isinstance(typed, float) or "score_credit" in skip:
            row["overdue_count"] = float(self.rng.choice((0, 0, 0, 1))) if typed is None else 0.0
            return
        litigation = row["litigation_count"] if isinstance(row["litigation_count"], float) else 0.0
        overdue = float(self.rng.choices((0, 1, 2), weights=(80, 15, 5))[0])
        for attempt in range(2):
            counts = {"逾期次数": overdue, "违约/涉诉次数": litigation}
            band = self._near(
                typed,
                _EXTERNAL_SPANS,
                lambda s, c=counts: suggestion("信用记录", (s[0] + s[1]) / 2, c),
            )
            low, high = _EXTERNAL_SPANS[band]
            external = float(self.rng.randint(low, high))
            if abs(typed - suggestion("信用记录", external, counts)) <= self._room() or attempt:
                row["external_credit"], row["overdue_count"] = external, overdue
                return
            overdue = 0.0

    def _fit_history(self, i: int, row: dict, skip: set[str]) -> None:
        typed = row["score_history"]
        if not isinstance(typed, float) or "score_history" in skip:
            return
        years = float(row["coop_years"])
        if abs(typed - suggestion("合作历史", years)) <= self._room():
            return
        floor = self._history_span(i)
        reachable = [s for s in _YEAR_SPANS if s[1] >= floor]
        band = min(reachable, key=lambda s: abs(typed - suggestion("合作历史", s[0])))
        years = round(self.rng.uniform(max(band[0], floor), band[1]), 1)
        years = max(years, round(floor + 0.05, 1))
        row["coop_years"] = min(years, 15.0)
        founded = self.as_of - timedelta(days=math.ceil(row["coop_years"] * 365.25) + 30)
        if isinstance(row["founded"], date) and row["founded"] > founded:
            row["founded"] = founded
        gap = typed - suggestion("合作历史", row["coop_years"])
        if abs(gap) > self._room() and i not in self.locked:
            self._shift_to_reputation(i, row, gap)

    def _history_span(self, i: int) -> float:
        reviews = self.history.get(i)
        if not reviews:
            return 0.0
        return (self.as_of - reviews[0]["review_date"]).days / 365.25

    def _shift_to_reputation(self, i: int, row: dict, gap: float) -> None:
        """Move the typed 合作历史 toward the rubric and 市场声誉 the other way by the same
        points (equal weights: the 综合评分 stays), when both stay in range."""
        from ledger_xl.app.demo_data import SCORE_KEYS, composite_score

        move = gap - math.copysign(self._room(), gap)
        history, reputation = row["score_history"] - move, row["score_reputation"] + move
        if not (20 <= history <= 100 and 20 <= reputation <= 100):
            return
        before = tuple(row[k] for k in SCORE_KEYS)
        after = (before[0], before[1], history, reputation)
        if composite_score(after) != composite_score(before):
            return
        row["score_history"], row["score_reputation"] = history, reputation
        newest = self.history[i][-1]
        newest["score_history"], newest["score_reputation"] = history, reputation

    # --- limits within 授信标准 -------------------------------------------------------------

    def _fit_limits(self) -> None:
        """Each 信用额度 within 额度上限; each review's 信用额度 recorded in 审核记录, lower at
        the review before a downgrade (the limit followed the grade)."""
        from ledger_xl.app.demo_data import composite_score, grade_for

        with self._second_stream():
            for i, row in enumerate(self.rows):
                limit = row["credit_limit"]
                reviews = self.history.get(i, [])
                if isinstance(limit, float) and limit > 0:
                    scores = tuple(
                        row[k]
                        for k in (
                            "score_financial",
                            "score_credit",
                            "score_history",
                            "score_reputation",
                        )
                    )
                    if all(isinstance(s, float) for s in scores):
                        grade = grade_for(composite_score(scores))
                        row["credit_limit"] = self._within(limit, credit_cap(grade, row["revenue"]))
                if reviews:
                    self._record_limits(row, reviews)

    def _within(self, limit: float, cap: float) -> float:
        if limit <= cap:
            return limit
        if cap < 10:
            return float(math.floor(cap))
        return float(max(10, math.floor(cap * self.rng.uniform(0.6, 1.0) / 10) * 10))

    def _record_limits(self, row: dict, reviews: list[dict]) -> None:
        """The 信用额度 each review granted: the newest is the ledger's; going back, the same
        at the same grade, higher before a downgrade, lower before an upgrade."""
        newest = reviews[-1]
        current = row["credit_limit"] if isinstance(row["credit_limit"], float) else None
        newest["credit_limit"] = current if newest["result"] == APPROVED else None
        rank = {g.grade: k for k, g in enumerate(RULES.scoring.bands)}
        rank[RULES.scoring.fallback_grade] = len(rank)
        later_limit, later_grade = current, str(newest["grade"])
        for review in reversed(reviews[:-1]):
            grade = str(review["grade"])
            if review["result"] != APPROVED:
                review["credit_limit"] = None
                continue
            cap = credit_cap(grade, row["revenue"])
            if later_limit is None:
                limit = self._within(cap, cap)
            elif rank[grade] == rank[later_grade]:
                limit = later_limit
            elif rank[grade] < rank[later_grade]:  # downgraded afterwards: it was higher
                raised = math.ceil(later_limit * self.rng.uniform(1.2, 1.6) / 10) * 10
                limit = float(max(later_limit + 10, min(raised, cap)))
            else:  # upgraded afterwards: it was lower
                limit = float(min(cap, math.floor(later_limit * self.rng.uniform(0.5, 0.8))))
            review["credit_limit"] = limit
            later_limit, later_grade = limit, grade

    # --- approval chains -------------------------------------------------------------------

    def _approve(self) -> None:
        """Each approved customer's newest review approved level by level up to 需审批级别
        (one 审核记录 row per step); the ledger holds the last level, approver and date."""
        with self._second_stream():
            for i, row in enumerate(self.rows):
                if row["status"] != APPROVED or not self.history.get(i):
                    continue
                need = required_level(row["credit_limit"], row["risk_level"])
                steps = self._chain(i, row, range(need + 1))
                self.history[i].extend(steps)
                last = steps[-1]
                row.update(
                    approval_level=last["approval_level"],
                    approver=last["approver"],
                    approval_date=last["approval_date"],
                )

    def _chain(self, i: int, row: dict, levels) -> list[dict]:
        newest = [r for r in self.history[i] if r["approval_level"] is None][-1]
        when = newest["review_date"]
        steps = []
        for k in levels:
            when = when + timedelta(days=self.rng.randint(0 if k else 1, 3))
            if newest["review_date"] <= self.as_of:  # (a review dated later is a mistake)
                when = min(when, self.as_of)
            steps.append(self._approval_row(row, newest, k, when))
        return steps

    def _approver(self, row: dict, k: int) -> str:
        if k == 0:
            code = str(row["customer_id"])[:2]
            return self.approvers[LEVELS[0]][code].name
        return self.rng.choice(self.approvers[LEVELS[k]]).name

    def _approval_row(self, row: dict, review: dict, k: int, when: date) -> dict:
        from ledger_xl.app.demo_data import REVIEW_KEYS

        step = dict.fromkeys(REVIEW_KEYS)
        step.update(
            review_id=f"{review['review_id']}-{k + 1}",
            customer_id=row["customer_id"],
            name=row["name"],
            review_date=review["review_date"],
            result=APPROVED,
            approval_level=LEVELS[k],
            approver=self._approver(row, k),
            approval_date=when,
            opinion=self.rng.choice(APPROVAL_OPINIONS),
        )
        return step

    # --- planted: one per control ------------------------------------------------------------

    def _plant_before_approval(self) -> None:
        """Mistakes the approval chains are then drawn for (so no other control breaks)."""
        with self._second_stream():
            self._plant_over_limit()
            self._plant_litigation()
            self._plant_off_rubric()
            self._plant_stuck_limit()

    def _plant_after_approval(self) -> None:
        with self._second_stream():
            self._plant_missing_step()
            self._plant_out_of_order()
            self._plant_wrong_level()
            self._plant_reviewer_is_manager()
            self._plant_missing_document()
            self._plant_foreign_licence()

    def _expect(self, code: str, table: str, key: str) -> None:
        """The finding the last recorded mistake should produce, and at which column."""
        self.planted[-1].expect = (code, table, key)

    def _approved(self, row: dict) -> bool:
        return row["status"] == APPROVED and row["last_review"] is not None

    def _plant_over_limit(self) -> None:
        from ledger_xl.app.demo_data import composite_score, grade_for

        def fits(row: dict) -> bool:
            scores = tuple(
                row[k]
                for k in ("score_financial", "score_credit", "score_history", "score_reputation")
            )
            return (
                self._approved(row)
                and all(isinstance(s, float) for s in scores)
                and grade_for(composite_score(scores)) == "B"
                and isinstance(row["revenue"], float)
                and row["revenue"] * 0.2 > 200
            )

        i = self._pick(fits)
        limit = 300.0
        self.rows[i]["credit_limit"] = limit
        self.history[i][-1]["credit_limit"] = limit
        self._record(
            "ledger",
            i,
            "credit_limit",
            limit,
            "评级 B 的客户信用额度 300 万元，超过授信标准的 200 万元",
        )
        self._expect("credit-limit-exceeded", "ledger", "credit_limit")

    def _plant_litigation(self) -> None:
        def fits(row: dict) -> bool:
            cycle = self._cycle(row) if row["risk_level"] and row["category"] else 0
            recent = row["last_review"] is not None and row["last_review"] > self.as_of - timedelta(
                days=60
            )
            return self._approved(row) and cycle > RULES.cycles.early_review_months and recent

        i = self._pick(fits)
        row = self.rows[i]
        row["litigation_count"] = 1.0
        self._fit_credit(row, set())  # the rubric already counts it: no score-off-rubric
        self._record("ledger", i, "litigation_count", 1.0, "已通过的客户新增一起涉诉，应提前复审")
        self._expect("early-review", "ledger", "next_review")

    def _plant_off_rubric(self) -> None:
        def fits(row: dict) -> bool:
            return (
                self._approved(row)
                and isinstance(row["score_financial"], float)
                and row["score_financial"] >= 75
                and isinstance(row["total_assets"], float)
            )

        i = self._pick(fits)
        row = self.rows[i]
        row["total_liabilities"] = round(row["total_assets"] * self.rng.uniform(0.93, 0.98), 2)
        self._record(
            "ledger",
            i,
            "score_financial",
            row["score_financial"],
            "资产负债率超过 90%，财务状况却打了高分（评分细则建议 45 分）",
        )
        self._expect("score-off-rubric", "ledger", "score_financial")

    def _plant_stuck_limit(self) -> None:
        """A downgraded customer whose 信用额度 stayed what the previous review granted."""
        order = {g.grade: k for k, g in enumerate(RULES.scoring.bands)}
        order[RULES.scoring.fallback_grade] = len(order)

        def fits(row: dict) -> bool:
            i = self.rows.index(row)
            scored = [r for r in self.history.get(i, []) if r["grade"] is not None]
            return (
                self._approved(row)
                and len(scored) >= 2
                and scored[-2]["result"] == APPROVED
                and order[str(scored[-2]["grade"])] < order[str(scored[-1]["grade"])]
                and isinstance(row["credit_limit"], float)
                and row["credit_limit"] > 0
            )

        i = self._pick(fits)
        scored = [r for r in self.history[i] if r["grade"] is not None]
        scored[-2]["credit_limit"] = self.rows[i]["credit_limit"]
        self._record(
            "ledger",
            i,
            "credit_limit",
            self.rows[i]["credit_limit"],
            f"评级由 {scored[-2]['grade']} 降为 {scored[-1]['grade']}，信用额度没有调整",
        )
        self._expect("limit-not-adjusted", "ledger", "credit_limit")

    def _chain_rows(self, i: int) -> list[dict]:
        return [r for r in self.history[i] if r["approval_level"] is not None]

    def _plant_missing_step(self) -> None:
        def fits(row: dict) -> bool:
            return (
                self._approved(row) and required_level(row["credit_limit"], row["risk_level"]) == 1
            )

        i = self._pick(fits)
        first = self._chain_rows(i)[0]
        self.history[i].remove(first)
        self._record(
            "reviews", i, "approval_level", LEVELS[1], "只有总部风控的审批，缺少分公司经理的审批"
        )
        self._expect("approval-missing", "ledger", "approval_level")

    def _plant_out_of_order(self) -> None:
        def fits(row: dict) -> bool:
            return (
                self._approved(row) and required_level(row["credit_limit"], row["risk_level"]) == 1
            )

        i = self._pick(fits)
        lower, higher = self._chain_rows(i)[:2]
        lower["approval_date"] = higher["approval_date"] + timedelta(days=2)
        self._record(
            "reviews", i, "approval_date", higher["approval_date"], "总部风控先于分公司经理审批"
        )
        self._expect("approval-out-of-order", "reviews", "approval_date")

    def _plant_wrong_level(self) -> None:
        def fits(row: dict) -> bool:
            return (
                self._approved(row)
                and row["risk_level"] != "高"
                and required_level(row["credit_limit"], row["risk_level"]) == 1
            )

        i = self._pick(fits)
        row = self.rows[i]
        chain = self._chain_rows(i)
        for step in chain[1:]:
            self.history[i].remove(step)
        row.update(
            approval_level=chain[0]["approval_level"],
            approver=chain[0]["approver"],
            approval_date=chain[0]["approval_date"],
        )
        self._record(
            "ledger", i, "approval_level", LEVELS[0], "信用额度超过 100 万元，只经分公司经理审批"
        )
        self._expect("approval-wrong-level", "ledger", "approval_level")

    def _plant_reviewer_is_manager(self) -> None:
        i = self._pick(self._approved)
        row = self.rows[i]
        row["reviewer"] = row["account_manager"]
        for review in self.history[i]:
            if review["approval_level"] is None and review["review_date"] == row["last_review"]:
                review["reviewer"] = row["account_manager"]
        self._record("ledger", i, "reviewer", row["reviewer"], "客户经理自己审核自己的客户")
        self._expect("reviewer-conflict", "ledger", "reviewer")

    def _plant_missing_document(self) -> None:
        def fits(row: dict) -> bool:
            i = self.rows.index(row)
            letters = [d for d in self.docs[i] if d["doc_type"] == "银行资信证明"]
            return (
                self._approved(row)
                and row["category"] == "重要"
                and row["risk_level"] != "高"
                and bool(letters)
            )

        i = self._pick(fits)
        self.docs[i] = [d for d in self.docs[i] if d["doc_type"] != "银行资信证明"]
        self._record(
            "credentials", i, "doc_type", None, "重要客户审核通过，资信证明中却没有银行资信证明"
        )
        self._expect("approved-not-admissible", "ledger", "admission_check")

    def _plant_foreign_licence(self) -> None:
        i = self._pick(
            lambda row: any(d["doc_type"] == "营业执照" for d in self.docs[self.rows.index(row)])
        )
        other = self._pick()
        licence = next(d for d in self.docs[i] if d["doc_type"] == "营业执照")
        licence["doc_number"] = self.rows[other]["uscc"]
        licence["name"] = self.rows[other]["name"]
        licence["_foreign"] = True  # keeps its name when the sample is put together
        self.used.discard(other)  # the other customer's own records are untouched
        self._record(
            "credentials",
            i,
            "doc_number",
            licence["doc_number"],
            "资信证明中的营业执照是另一家公司的（代码和名称都不符）",
        )
        self._expect("licence-mismatch", "credentials", "doc_number")
