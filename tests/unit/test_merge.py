"""The pure merge: identity by key, then 客户编号, then 统一社会信用代码; three-way field
comparison; append-only reviews; conflicts and refusals shown, never resolved silently."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ledger_xl.core import layout
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.distribution import (
    CREDENTIALS,
    HASH_CHARS,
    LEDGER,
    REVIEWS,
    SentRow,
    Tables,
    branch_share,
    mask_value,
    with_row_keys,
)
from ledger_xl.core.merge import Incoming, Outcome, merge
from tests.validation.helpers import good_credentials, good_review, good_row

SH, BJ = "上海分公司", "北京分公司"
WHEN = dt.datetime(2026, 11, 1, 9, 30)


def master(n: int = 4) -> Tables:
    rows = [good_row(i, branch=SH if i % 2 else BJ) for i in range(1, n + 1)]
    creds = [c for i in range(1, n + 1) for c in good_credentials(i)]
    reviews = [good_review(i) for i in range(1, n + 1)]
    tables = Tables(
        pd.DataFrame(rows, dtype=object),
        pd.DataFrame(creds, dtype=object),
        pd.DataFrame(reviews, dtype=object),
    )
    return Tables(*(with_row_keys(frame, "d1", t) for t, frame in tables.items()))


def share(tables: Tables, branch: str = SH, masked=None):
    return branch_share(
        tables,
        DEFAULT_RULES,
        branch,
        distribution_id="d1",
        distributed_at=WHEN,
        template_version=layout.TEMPLATE_VERSION,
        masked=masked,
    )


def returned(sent, branch: str = SH, file: str | None = None, **tables) -> Incoming:
    out = Tables(
        *(tables.get(t, sent.tables.get(t)).copy() for t in (LEDGER, CREDENTIALS, REVIEWS))
    )
    return Incoming(
        file=file or f"{branch}.xlsx",
        branch=branch,
        tables=out,
        distribution=sent.record,
        rules=DEFAULT_RULES,
    )


def codes(result) -> list[str]:
    return sorted(i.code for i in result.issues)


def ledger_row(result, customer_id: str) -> dict:
    frame = result.tables.ledger
    rows = frame[frame["customer_id"] == customer_id]
    assert len(rows) == 1, (customer_id, len(rows))
    return rows.iloc[0].to_dict()


def test_unchanged_return_changes_nothing_and_accounts_for_every_row():
    tables = master()
    sent = share(tables)
    result = merge(tables, DEFAULT_RULES, [returned(sent)])
    assert result.issues == [] and result.changes == [] and result.added == []
    assert {o.outcome for o in result.outcomes} == {Outcome.UNCHANGED}
    assert len(result.outcomes) == sum(len(f) for _, f in sent.tables.items())
    assert len(result.tables.ledger) == len(tables.ledger)


def test_branch_edit_is_applied_whatever_the_row_order():
    tables = master()
    sent = share(tables)
    ledger = sent.tables.ledger.iloc[::-1].reset_index(drop=True).copy()
    ledger.loc[ledger["customer_id"] == "SH000001", "score_financial"] = 55.0
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert ledger_row(result, "SH000001")["score_financial"] == 55.0
    (change,) = result.changes
    assert (change.customer_id, change.column, change.old, change.new) == (
        "SH000001",
        "财务状况",
        80.0,
        55.0,
    )
    assert change.cell.startswith("台账!")


def test_change_at_both_sides_is_a_conflict_and_hq_value_stays():
    tables = master()
    sent = share(tables)
    hq = tables.ledger.copy()
    hq.loc[hq["customer_id"] == "SH000001", "score_credit"] = 60.0
    ledger = sent.tables.ledger.copy()
    ledger.loc[ledger["customer_id"] == "SH000001", "score_credit"] = 95.0
    ledger.loc[ledger["customer_id"] == "SH000001", "contact"] = "新联系人"
    current = Tables(hq, tables.credentials, tables.reviews)
    result = merge(current, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert codes(result) == ["merge-both-changed"]
    (issue,) = result.issues
    assert (issue.hq_value, issue.branch_value) == (60.0, 95.0)
    assert issue.finding.column == "信用记录" and issue.finding.cell
    row = ledger_row(result, "SH000001")
    assert row["score_credit"] == 60.0 and row["contact"] == "新联系人"


def test_same_change_at_both_sides_is_no_conflict():
    tables = master()
    sent = share(tables)
    hq = tables.ledger.copy()
    hq.loc[hq["customer_id"] == "SH000001", "phone"] = "13900000000"
    ledger = sent.tables.ledger.copy()
    ledger.loc[ledger["customer_id"] == "SH000001", "phone"] = "13900000000"
    result = merge(
        Tables(hq, tables.credentials, tables.reviews),
        DEFAULT_RULES,
        [returned(sent, ledger=ledger)],
    )
    assert result.issues == [] and result.changes == []


def test_new_customer_is_added_with_a_key_and_its_documents_follow():
    tables = master()
    sent = share(tables)
    new = good_row(9, branch=SH)
    ledger = pd.concat([sent.tables.ledger, pd.DataFrame([new], dtype=object)], ignore_index=True)
    creds = pd.concat(
        [sent.tables.credentials, pd.DataFrame(good_credentials(9), dtype=object)],
        ignore_index=True,
    )
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger, credentials=creds)])
    assert result.issues == []
    row = ledger_row(result, "SH000009")
    assert row[layout.ROW_KEY]
    assert [a.table for a in result.added] == [LEDGER, CREDENTIALS, CREDENTIALS]


def test_customer_missing_from_the_branch_file_is_flagged_and_kept():
    tables = master()
    sent = share(tables)
    ledger = sent.tables.ledger[sent.tables.ledger["customer_id"] != "SH000003"]
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert codes(result) == ["merge-removed-by-branch"]
    assert result.issues[0].kind == "待确认"
    ledger_row(result, "SH000003")


def test_edited_review_is_a_conflict_and_the_original_stays():
    tables = master()
    sent = share(tables)
    reviews = sent.tables.reviews.copy()
    reviews.loc[0, "opinion"] = "改过的意见"
    result = merge(tables, DEFAULT_RULES, [returned(sent, reviews=reviews)])
    assert codes(result) == ["merge-review-edited"]
    assert "改过的意见" not in result.tables.reviews["opinion"].tolist()


def test_removed_review_is_a_conflict_and_kept():
    tables = master()
    sent = share(tables)
    result = merge(tables, DEFAULT_RULES, [returned(sent, reviews=sent.tables.reviews.iloc[1:])])
    assert codes(result) == ["merge-review-removed"]
    assert len(result.tables.reviews) == len(tables.reviews)


def test_new_review_is_appended():
    tables = master()
    sent = share(tables)
    new = good_review(1, review_id="SH000001-2026-11", review_date=dt.date(2026, 11, 20))
    reviews = pd.concat([sent.tables.reviews, pd.DataFrame([new], dtype=object)])
    result = merge(tables, DEFAULT_RULES, [returned(sent, reviews=reviews.reset_index(drop=True))])
    assert result.issues == []
    assert "SH000001-2026-11" in result.tables.reviews["review_id"].tolist()


def test_same_new_customer_from_two_branches_is_claimed_twice():
    tables = master()
    sh, bj = share(tables, SH), share(tables, BJ)
    new = pd.DataFrame([good_row(20, branch=SH)], dtype=object)
    new_bj = pd.DataFrame([good_row(20, branch=BJ, customer_id="BJ000020")], dtype=object)
    result = merge(
        tables,
        DEFAULT_RULES,
        [
            returned(sh, SH, ledger=pd.concat([sh.tables.ledger, new], ignore_index=True)),
            returned(bj, BJ, ledger=pd.concat([bj.tables.ledger, new_bj], ignore_index=True)),
        ],
    )
    assert codes(result) == ["merge-claimed-twice", "merge-claimed-twice"]
    assert "SH000020" not in result.tables.ledger["customer_id"].tolist()


def test_customer_of_another_branch_and_a_taken_uscc_are_conflicts():
    tables = master()
    sent = share(tables, SH)
    other = tables.ledger[tables.ledger["branch"] == BJ].iloc[[0]].drop(columns=layout.ROW_KEY)
    other = other.assign(branch=SH)
    taken = pd.DataFrame([good_row(30, branch=SH, uscc=tables.ledger["uscc"].iloc[1])])
    ledger = pd.concat([sent.tables.ledger, other, taken], ignore_index=True)
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert codes(result) == ["merge-duplicate-uscc", "merge-other-branch"]


def test_row_copied_with_its_key_falls_back_to_its_customer_id():
    tables = master()
    sent = share(tables)
    copy = sent.tables.ledger.iloc[[0]].assign(customer_id="SH000041", uscc=None)
    copy = copy.assign(uscc=good_row(41)["uscc"], name="复制出来的新客户")
    ledger = pd.concat([sent.tables.ledger, copy], ignore_index=True)
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert result.issues == []
    assert ledger_row(result, "SH000041")["name"] == "复制出来的新客户"
    keys = result.tables.ledger[layout.ROW_KEY]
    assert keys.is_unique and keys.notna().all()


def test_duplicate_row_in_the_file_is_a_conflict():
    tables = master()
    sent = share(tables)
    ledger = pd.concat([sent.tables.ledger, sent.tables.ledger.iloc[[0]]], ignore_index=True)
    ledger.loc[len(ledger) - 1, layout.ROW_KEY] = None
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert codes(result) == ["merge-duplicate-in-file"]


def test_row_of_another_branch_and_a_row_without_identity():
    tables = master()
    sent = share(tables)
    ledger = sent.tables.ledger.copy()
    ledger.loc[0, "branch"] = BJ
    nobody = pd.DataFrame([good_row(50, customer_id=None, uscc=None)], dtype=object)
    ledger = pd.concat([ledger, nobody], ignore_index=True)
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert codes(result) == ["merge-branch-mismatch", "merge-no-identity"]
    refused = [o for o in result.outcomes if o.outcome is Outcome.REFUSED]
    assert len(refused) == 1


def test_masked_value_back_unchanged_keeps_the_real_one():
    tables = master()
    sent = share(tables, masked={CREDENTIALS: ("doc_number",)})
    shown = sent.tables.credentials["doc_number"].tolist()
    assert all("********" in v for v in shown if len(v) == 18)
    result = merge(tables, DEFAULT_RULES, [returned(sent)])
    assert result.issues == [] and result.changes == []
    assert (
        result.tables.credentials["doc_number"].tolist()
        == tables.credentials["doc_number"].tolist()
    )


def test_masked_value_edited_still_masked_is_a_conflict_full_value_is_an_update():
    tables = master()
    sent = share(tables, masked={CREDENTIALS: ("doc_number",)})
    creds = sent.tables.credentials.copy()
    creds.loc[1, "doc_number"] = "110105********9999"
    creds.loc[3, "doc_number"] = "110105198001010019"
    result = merge(tables, DEFAULT_RULES, [returned(sent, credentials=creds)])
    assert codes(result) == ["merge-masked-edited"]
    assert [c.new for c in result.changes] == ["110105198001010019"]


def test_mask_keeps_head_and_tail():
    assert mask_value("11010519800101002X") == "110105********002X"
    assert mask_value("13812345678") == "138****5678"
    assert mask_value(None) is None


def test_differing_rules_refuse_the_file_unless_accepted():
    tables = master()
    sent = share(tables)
    scoring = DEFAULT_RULES.scoring
    dims = list(scoring.dimensions)
    dims[0] = dims[0].model_copy(update={"weight": 0.35})
    dims[1] = dims[1].model_copy(update={"weight": 0.25})
    tampered = DEFAULT_RULES.model_copy(
        update={"scoring": scoring.model_copy(update={"dimensions": tuple(dims)})}
    )
    incoming = returned(sent)
    incoming.rules = tampered
    result = merge(tables, DEFAULT_RULES, [incoming])
    assert codes(result) == ["merge-rules-differ"]
    assert "财务状况" in result.issues[0].finding.message
    assert {o.outcome for o in result.outcomes} == {Outcome.REFUSED}
    accepted = merge(tables, DEFAULT_RULES, [incoming], accept_rules=True)
    assert accepted.issues == []


def test_file_without_distribution_record_merges_by_customer_id():
    tables = master()
    sent = share(tables)
    ledger = sent.tables.ledger.drop(columns=layout.ROW_KEY).copy()
    ledger.loc[0, "notes"] = "分公司补充"
    incoming = Incoming("旧版.xlsx", SH, Tables(ledger, pd.DataFrame(), pd.DataFrame()))
    result = merge(tables, DEFAULT_RULES, [incoming])
    assert codes(result) == ["merge-no-distribution"]
    assert ledger_row(result, ledger.loc[0, "customer_id"])["notes"] == "分公司补充"


def test_customer_deleted_at_hq_since_distribution():
    tables = master()
    sent = share(tables)
    hq = tables.ledger[tables.ledger["customer_id"] != "SH000001"].reset_index(drop=True)
    result = merge(Tables(hq, tables.credentials, tables.reviews), DEFAULT_RULES, [returned(sent)])
    assert "merge-deleted-at-hq" in codes(result)
    assert "SH000001" not in result.tables.ledger["customer_id"].tolist()


@pytest.mark.parametrize("table", [LEDGER, CREDENTIALS, REVIEWS])
def test_new_master_rows_all_have_unique_keys(table):
    tables = master()
    result = merge(tables, DEFAULT_RULES, [returned(share(tables))])
    keys = result.tables.get(table)[layout.ROW_KEY]
    assert keys.notna().all() and keys.is_unique


def test_renaming_a_customer_to_a_taken_id_is_a_conflict_the_rest_applies():
    tables = master()
    sent = share(tables)
    ledger = sent.tables.ledger.copy()
    ledger.loc[0, "customer_id"] = "SH000002"  # 北京分公司's customer
    ledger.loc[0, "contact"] = "改过"
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert codes(result) == ["merge-duplicate-id"]
    assert ledger_row(result, "SH000001")["contact"] == "改过"


def test_documents_of_a_customer_that_is_not_the_branchs_are_refused():
    tables = master()
    sent = share(tables)
    stray = pd.DataFrame(good_credentials(2)[:1], dtype=object)  # 北京分公司's customer
    creds = pd.concat([sent.tables.credentials, stray], ignore_index=True)
    result = merge(tables, DEFAULT_RULES, [returned(sent, credentials=creds)])
    assert codes(result) == ["merge-unknown-customer"]
    assert result.refusals()[0].finding.sheet == "资信证明"


def test_new_review_with_a_taken_review_id_is_a_conflict():
    tables = master()
    sent = share(tables)
    clash = good_review(1, opinion="另一条意见")  # same 记录编号 as the sent review
    reviews = pd.concat([sent.tables.reviews, pd.DataFrame([clash], dtype=object)])
    result = merge(tables, DEFAULT_RULES, [returned(sent, reviews=reviews.reset_index(drop=True))])
    assert codes(result) == ["merge-review-id-taken"]


def test_split_by_branch_gives_the_same_share_as_the_whole():
    from ledger_xl.core.distribution import split_by_branch

    tables = master(6)
    parts = split_by_branch(tables, [SH, BJ])
    for branch in (SH, BJ):
        whole, part = share(tables, branch), share(parts[branch], branch)
        for table in (LEDGER, CREDENTIALS, REVIEWS):
            assert whole.tables.get(table).equals(part.tables.get(table)), table
        assert whole.record.rows == part.record.rows


def test_edited_review_conflict_shows_both_values():
    tables = master()
    sent = share(tables)
    reviews = sent.tables.reviews.copy()
    reviews.loc[0, "opinion"] = "改过的意见"
    (issue,) = merge(tables, DEFAULT_RULES, [returned(sent, reviews=reviews)]).issues
    assert (issue.hq_value, issue.branch_value) == ("资信良好", "改过的意见")
    assert issue.finding.column == "审核意见"


def test_shared_values_hold_equal_texts_and_dates_once_and_change_nothing():
    """The collect/distribute reading holds equal values once; no value changes type."""
    import math

    from ledger_xl.core.distribution import Tables, shared_values

    day = dt.datetime(2024, 1, 5)
    ledger = pd.DataFrame(
        {
            "branch": ["上海" + "分公司", "上海分公司", None, "北京分公司"],
            "since": [day, dt.datetime(2024, 1, 5), dt.date(2024, 1, 5), float("nan")],
            "score": [-0.0, 0.0, 1, True],
        },
        dtype=object,
    )
    reviews = pd.DataFrame({"branch": ["".join(["上海", "分公司"])]}, dtype=object)
    out = shared_values(Tables(ledger, pd.DataFrame(), reviews))
    assert out.ledger["branch"][0] is out.ledger["branch"][1] is out.reviews["branch"][0]
    assert out.ledger["since"][0] is out.ledger["since"][1]
    assert type(out.ledger["since"][2]) is dt.date and math.isnan(out.ledger["since"][3])
    assert out.ledger["branch"][2] is None
    scores = out.ledger["score"].tolist()
    assert math.copysign(1, scores[0]) == -1 and [type(v) for v in scores] == [
        float,
        float,
        int,
        bool,
    ]
    assert out.ledger.equals(ledger) and out.reviews.equals(reviews)
    assert list(out.ledger.columns) == list(ledger.columns) and out.credentials.empty


def test_a_column_the_record_did_not_hash_is_compared_with_the_master():
    """A record that hashed fewer columns than the file holds (written by an earlier
    version): a row whose hashed fields are all as sent may still carry an edit in a column
    the record knows nothing of, found by comparing with the master, not taken as unchanged."""
    tables = master()
    sent = share(tables)
    record = sent.record
    fields = list(record.fields[LEDGER])
    at = fields.index("notes")
    cut = lambda joined: joined[: at * HASH_CHARS] + joined[(at + 1) * HASH_CHARS :]  # noqa: E731
    record.rows[LEDGER] = {
        key: SentRow.of(key, row.customer_id, row.uscc, cut(row.joined), len(fields) - 1)
        for key, row in record.sent(LEDGER).items()
    }
    record.fields[LEDGER] = tuple(fields[:at] + fields[at + 1 :])
    ledger = sent.tables.ledger.copy()
    ledger.loc[ledger["customer_id"] == "SH000001", "notes"] = "分公司补充的说明"
    result = merge(tables, DEFAULT_RULES, [returned(sent, ledger=ledger)])
    assert ledger_row(result, "SH000001")["notes"] == "分公司补充的说明"
    (change,) = result.changes
    assert (change.customer_id, change.column, change.new) == (
        "SH000001",
        "备注",
        "分公司补充的说明",
    )
    outcomes = {(o.table, o.outcome) for o in result.outcomes}
    assert (LEDGER, Outcome.UPDATED) in outcomes
