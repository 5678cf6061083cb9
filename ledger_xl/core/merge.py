"""Merging returned branch workbooks into the master ledger: frames in, frames out.

Identity of a row is its hidden row key (`layout.ROW_KEY`), then 客户编号, then 统一社会信用代码
— never its position. What a branch changed is told from what was sent (the `Distribution`
record in its workbook: a hash per field), so each field is a three-way comparison:

- changed only at the branch: the master takes the branch's value (a `Change`);
- changed only at HQ (or nowhere): the master keeps its value;
- changed at both, to different values: a conflict shown to a person, the master keeps HQ's.

New customers, 资信证明 and 审核记录 rows are added; 审核记录 is append-only (an edited or
removed review is a conflict, the master keeps the original); a customer or document sent
to a branch and missing from its file is flagged ("removed by branch?") and kept. A
customer claimed by two files, a 客户编号 or 统一社会信用代码 that already belongs to another
customer, a row whose 所属分公司 is another branch's: conflicts, not merged.

Every used input row gets exactly one `Outcome` (`MergeResult.outcomes`): it is in the new
master (unchanged, updated, added, already there) or in the report (conflict, refused) with
an issue at its row. The property test (tests/properties/test_merge_accounting.py) checks it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.a1 import column_letters
from ledger_xl.core.book import LedgerBook, Table
from ledger_xl.core.checks.structure import rule_differences
from ledger_xl.core.distribution import (
    CREDENTIALS,
    LEDGER,
    REVIEWS,
    SHEET_OF,
    TABLES,
    Distribution,
    Tables,
    field_hash,
    headers,
    input_keys,
    is_blank,
    joined_hashes,
    looks_masked,
    mask_value,
    new_row_keys,
    normalise,
    text_id,
    with_row_keys,
)
from ledger_xl.core.findings import Finding, Severity, finding
from ledger_xl.core.rules import Rules

# The codes a merge emits (tests/unit/test_layers.py: every code has one owner).
CODES = (
    "merge-both-changed",
    "merge-masked-edited",
    "merge-other-branch",
    "merge-claimed-twice",
    "merge-duplicate-in-file",
    "merge-duplicate-id",
    "merge-duplicate-uscc",
    "merge-branch-mismatch",
    "merge-no-identity",
    "merge-unknown-customer",
    "merge-review-edited",
    "merge-review-removed",
    "merge-review-id-taken",
    "merge-removed-by-branch",
    "merge-deleted-at-hq",
    "merge-rules-differ",
    "merge-no-distribution",
)


class Outcome(StrEnum):
    """What became of one input row."""

    UNCHANGED = "未改动"
    UPDATED = "已更新"
    ADDED = "已新增"
    ALREADY = "已在台账中"
    CONFLICT = "冲突"
    REFUSED = "拒收"

    @property
    def in_master(self) -> bool:
        return self in (Outcome.UNCHANGED, Outcome.UPDATED, Outcome.ADDED, Outcome.ALREADY)


@dataclass
class Incoming:
    """One returned branch workbook, as read: its tables (frames keyed by column key, with
    the row key when the file has the column), each frame row's 1-based sheet row and each
    column's 0-based sheet column (for cell addresses), and what was sent to it."""

    file: str
    branch: str
    tables: Tables
    rows: dict[str, list[int]] = field(default_factory=dict)
    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    distribution: Distribution | None = None
    rules: Rules | None = None  # the workbook's own rules (None: not compared)

    def cell(self, table: str, i: int, key: str | None) -> str:
        """`sheet!A1` of row i, column key (the row's first cell when the column is unknown)."""
        row = self.row(table, i)
        col = self.columns.get(table, {}).get(key) if key else None
        if col is None:
            col = 0
        return f"{column_letters(col)}{row}"

    def row(self, table: str, i: int) -> int:
        rows = self.rows.get(table)
        if rows and i < len(rows):
            return rows[i]
        header = layout.LEDGER_HEADER_ROW if table == LEDGER else layout.SIDE_HEADER_ROW
        return header + 2 + i


@dataclass(frozen=True, slots=True)
class Change:
    """A value the master took from a branch."""

    file: str
    branch: str
    table: str
    customer_id: str
    name: str
    column: str
    old: object
    new: object
    cell: str  # in the branch file, `sheet!A1`
    key: str = ""  # the field key
    row_key: str = ""  # the master row's key


@dataclass(frozen=True, slots=True)
class Added:
    """A row the master gained from a branch."""

    file: str
    branch: str
    table: str
    customer_id: str
    name: str
    cell: str
    row_key: str


@dataclass(frozen=True, slots=True)
class Issue:
    """A conflict, a refusal or a notice, with where it is and both sides' values."""

    finding: Finding
    branch: str
    table: str  # "" for a whole file
    hq_value: object = None
    branch_value: object = None

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def kind(self) -> str:
        """冲突 / 拒收 / 待确认 — how the report groups it."""
        if self.code in _REFUSALS:
            return "拒收"
        if self.finding.severity is Severity.WARNING:
            return "待确认"
        return "冲突"


_REFUSALS = {"merge-no-identity", "merge-unknown-customer", "merge-rules-differ"}


@dataclass(frozen=True, slots=True)
class RowOutcome:
    file: str
    table: str
    index: int  # position in the incoming frame
    row: int  # 1-based sheet row
    outcome: Outcome
    row_key: str = ""  # in the new master, when the row is there


@dataclass
class FileCounts:
    """One file's tally for the report's 概览."""

    file: str
    branch: str
    rows: int = 0
    unchanged: int = 0
    updated: int = 0
    fields_changed: int = 0
    added: int = 0
    already: int = 0
    conflicts: int = 0
    refused: int = 0
    removed: int = 0  # sent rows missing from the file
    refused_file: bool = False


@dataclass
class MergeResult:
    tables: Tables  # the new master's rows (every one keyed)
    changes: list[Change] = field(default_factory=list)
    added: list[Added] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    counts: dict[str, FileCounts] = field(default_factory=dict)

    def conflicts(self) -> list[Issue]:
        return [i for i in self.issues if i.kind == "冲突"]

    def refusals(self) -> list[Issue]:
        return [i for i in self.issues if i.kind == "拒收"]

    def notices(self) -> list[Issue]:
        return [i for i in self.issues if i.kind == "待确认"]


# ---------------------------------------------------------------- the master as it grows


class _State:
    """One table of the new master as Python lists, with indices by key and identifiers."""

    def __init__(self, frame: pd.DataFrame, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        n = len(frame)
        self.cells = {
            k: (frame[k].tolist() if k in frame.columns else [None] * n)
            for k in [*self.keys, layout.ROW_KEY]
        }
        self.n = n
        self.by_key = {
            str(k): i for i, k in enumerate(self.cells[layout.ROW_KEY]) if not is_blank(k)
        }
        self.by_id: dict[str, list[int]] = defaultdict(list)
        self.by_uscc: dict[str, list[int]] = defaultdict(list)
        for i in range(n):
            self._index(i)

    def _index(self, i: int) -> None:
        if "customer_id" in self.cells and (cid := text_id(self.cells["customer_id"][i])):
            self.by_id[cid].append(i)
        if "uscc" in self.cells and (uscc := text_id(self.cells["uscc"][i])):
            self.by_uscc[uscc].append(i)

    def get(self, i: int, key: str) -> object:
        column = self.cells.get(key)
        return None if column is None else column[i]

    def set(self, i: int, key: str, value: object) -> None:
        if key in ("customer_id", "uscc"):
            index = self.by_id if key == "customer_id" else self.by_uscc
            old = text_id(self.cells[key][i])
            if old and i in index.get(old, []):
                index[old].remove(i)
            if new := text_id(value):
                index[new].append(i)
        self.cells[key][i] = value

    def append(self, values: dict[str, object], row_key: str) -> int:
        i = self.n
        for key, column in self.cells.items():
            column.append(row_key if key == layout.ROW_KEY else values.get(key))
        self.n += 1
        self.by_key[row_key] = i
        self._index(i)
        return i

    def sent_form(self, i: int, key: str, masked: bool) -> object:
        value = self.get(i, key)
        return mask_value(value) if masked else value

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.cells, dtype=object)


# ---------------------------------------------------------------- one incoming file


@dataclass
class _Side:
    """An incoming table as lists: used rows only."""

    cells: dict[str, list[object]]
    used: list[int]  # frame indices of rows holding anything besides the key

    @classmethod
    def of(cls, frame: pd.DataFrame, keys: Sequence[str]) -> _Side:
        n = len(frame)
        cells = {
            k: (frame[k].tolist() if k in frame.columns else [None] * n)
            for k in [*keys, layout.ROW_KEY]
        }
        present = [k for k in keys if k in frame.columns]
        used = [i for i in range(n) if any(not is_blank(cells[k][i]) for k in present)]
        return cls(cells, used)

    def get(self, i: int, key: str) -> object:
        return self.cells[key][i]

    def key(self, i: int) -> str:
        value = self.cells[layout.ROW_KEY][i]
        return "" if is_blank(value) else str(value).strip()


@dataclass(slots=True)
class _Claim:
    """A ledger row of an incoming file and the master customer it resolved to."""

    file_index: int
    i: int
    master: int | None  # index in the master ledger; None for a new customer
    sent_key: str | None  # the key it was sent under (three-way base), if any


class _Merge:
    def __init__(
        self, master: Tables, rules: Rules, incoming: Sequence[Incoming], accept_rules: bool
    ) -> None:
        self.rules = rules
        self.incoming = list(incoming)
        self.accept_rules = accept_rules
        self.keys = {t: list(input_keys(t, rules)) for t in TABLES}
        self.headers = {t: headers(t, rules) for t in TABLES}
        # Every master row is keyed before anything else (a 1.0 master has no keys; a row
        # copied in Excel repeats one): outcomes and changes name rows by key.
        self.generated: dict[str, set[int]] = {
            t: _unkeyed(f) for t, f in master.items()
        }  # rows keyed here: they take the key a branch file carries for them
        master = Tables(*(with_row_keys(f, "master", t) for t, f in master.items()))
        self.state = {t: _State(master.get(t), self.keys[t]) for t in TABLES}
        self.result = MergeResult(tables=Tables())
        self.new_keys = _KeyMaker(master)
        # A key sent to a branch names the row it was sent for: a new row (a copy carrying
        # that key) never takes it.
        self.new_keys.reserved = {
            key
            for source in self.incoming
            if source.distribution is not None
            for t in TABLES
            for key in source.distribution.sent(t)
        }
        self.original_rows = {t: self.state[t].n for t in TABLES}
        self.matched: dict[str, set[int]] = {t: set() for t in TABLES}  # side rows found
        self.present = [
            {t: frozenset(s.tables.get(t).columns) for t in TABLES} for s in self.incoming
        ]
        self.original_ledger_rows = self.state[LEDGER].n
        self.pending_keys: list[tuple[int, str, int]] = []  # (outcome index, table, master row)
        self.pending_changes: list[tuple[int, str, int]] = []
        # (file, table) → per row, its field hashes joined as the record keeps them (`_as_sent`)
        self._joined: tuple[tuple[int, str], list[str] | None] | None = None

    # ------------------------------------------------------------ reporting

    def issue(
        self,
        code: str,
        source: Incoming,
        table: str,
        i: int | None,
        key: str | None = None,
        *,
        customer_id: str = "",
        value: object = None,
        detail: str = "",
        hq_value: object = None,
        branch_value: object = None,
    ) -> None:
        where: dict = {"file": source.file}
        if table:
            where["sheet"] = SHEET_OF[table]
        if key:
            where["column"] = self.headers[table].get(key, key)
        if i is not None:
            where["row"] = source.row(table, i)
            where["cell"] = source.cell(table, i, key)
        item = finding(code, value=value, detail=detail, customer_id=customer_id, **where)
        self.result.issues.append(Issue(item, source.branch, table, hq_value, branch_value))

    def outcome(
        self,
        n: int,
        source: Incoming,
        table: str,
        i: int,
        outcome: Outcome,
        key: str = "",
        master: int | None = None,
    ) -> None:
        """Record row i's outcome; `master` is the master row it is in (its key is read when
        the merge ends: a 1.0 master row takes its key from the first file that has it)."""
        if master is not None:
            self.pending_keys.append((len(self.result.outcomes), table, master))
        self.result.outcomes.append(
            RowOutcome(source.file, table, i, source.row(table, i), outcome, key)
        )
        counts = self.result.counts[self._count_key(n)]
        counts.rows += 1
        attribute = {
            Outcome.UNCHANGED: "unchanged",
            Outcome.UPDATED: "updated",
            Outcome.ADDED: "added",
            Outcome.ALREADY: "already",
            Outcome.CONFLICT: "conflicts",
            Outcome.REFUSED: "refused",
        }[outcome]
        setattr(counts, attribute, getattr(counts, attribute) + 1)

    def _count_key(self, n: int) -> str:
        return f"{n}:{self.incoming[n].file}"

    # ------------------------------------------------------------ the run

    def run(self) -> MergeResult:
        sides: list[dict[str, _Side] | None] = []
        for n, source in enumerate(self.incoming):
            self.result.counts[self._count_key(n)] = FileCounts(source.file, source.branch)
            sides.append(self._accept(n, source))
        claims = self._resolve_ledger(sides)
        self._merge_ledger(sides, claims)
        owned = self._owned_ids(sides, claims)
        for n, side in enumerate(sides):
            if side is not None:
                self._merge_credentials(n, side[CREDENTIALS], owned[n])
                self._merge_reviews(n, side[REVIEWS], owned[n])
        self.result.tables = Tables(*(self.state[t].frame() for t in TABLES))
        for pending, items in (
            (self.pending_keys, self.result.outcomes),
            (self.pending_changes, self.result.changes),
        ):
            for index, table, m in pending:
                key = str(self.state[table].get(m, layout.ROW_KEY))
                items[index] = replace(items[index], row_key=key)
        return self.result

    def _accept(self, n: int, source: Incoming) -> dict[str, _Side] | None:
        """The file's tables as lists, or None when the whole file is refused."""
        side = {t: _Side.of(source.tables.get(t), self.keys[t]) for t in TABLES}
        if source.rules is not None and not self.accept_rules:
            differences = rule_differences(source.rules, self.rules)
            if not differences and source.rules.fingerprint() != self.rules.fingerprint():
                differences = ["规则表内容不同"]
            if differences:
                self.issue("merge-rules-differ", source, "", None, detail="；".join(differences))
                self.result.counts[self._count_key(n)].refused_file = True
                for table in TABLES:
                    for i in side[table].used:
                        self.outcome(n, source, table, i, Outcome.REFUSED)
                return None
        if source.distribution is None:
            self.issue("merge-no-distribution", source, "", None)
        return side

    # ------------------------------------------------------------ ledger identities

    def _belongs(self, source: Incoming, m: int) -> str | None:
        """The key under which master customer m was sent to `source` (its key, or "" when
        the file has no record and the customer is of the file's branch); None when not
        this file's customer."""
        state = self.state[LEDGER]
        record = source.distribution
        if record is None:
            return "" if text_id(state.get(m, "branch")) == text_id(source.branch) else None
        key = state.get(m, layout.ROW_KEY)
        sent = record.sent(LEDGER)
        if not is_blank(key) and str(key) in sent:
            return str(key)
        return self._sent_by_id(record).get(m)

    def _sent_by_id(self, record: Distribution) -> dict[int, str]:
        """Master rows the record's keyless-matched rows point at (by sent 客户编号, then
        统一社会信用代码) → the sent key. Cached per record."""
        cache = self.__dict__.setdefault("_sent_cache", {})
        if id(record) not in cache:
            out: dict[int, str] = {}
            for key, sent in record.sent(LEDGER).items():
                m = self._master_of_sent(key, sent.customer_id, sent.uscc)
                if m is not None:
                    out.setdefault(m, key)
            cache[id(record)] = out
        return cache[id(record)]

    def _master_of_sent(self, key: str, customer_id: str, uscc: str) -> int | None:
        """Where a sent customer is in the master: by key, by 客户编号, by 统一社会信用代码."""
        state = self.state[LEDGER]
        if key in state.by_key and state.by_key[key] < self.original_ledger_rows:
            return state.by_key[key]
        for ident, index in ((customer_id, state.by_id), (uscc, state.by_uscc)):
            if ident:
                hits = [m for m in index.get(ident, []) if m < self.original_ledger_rows]
                if len(hits) == 1:
                    return hits[0]
        return None

    def _resolve_ledger(self, sides: list[dict[str, _Side] | None]) -> list[list[_Claim]]:
        """Every used ledger row → a master customer, a new customer, or an issue."""
        out: list[list[_Claim]] = []
        for n, side in enumerate(sides):
            claims: list[_Claim] = []
            out.append(claims)
            if side is None:
                continue
            source = self.incoming[n]
            ledger = side[LEDGER]
            record = source.distribution
            sent = record.sent(LEDGER) if record else {}
            # The owner of a key is the row holding it whose 客户编号 is the one sent (else
            # the first): a copied row carries the key too, and falls back to its 客户编号.
            owners: dict[str, int] = {}
            for i in ledger.used:
                key = ledger.key(i)
                if key not in sent:
                    continue
                matches_sent = text_id(ledger.get(i, "customer_id")) == sent[key].customer_id
                if key not in owners or (
                    matches_sent
                    and text_id(ledger.get(owners[key], "customer_id")) != sent[key].customer_id
                ):
                    owners[key] = i
            taken: dict[int, int] = {}  # master row → the row of this file that has it
            new_ids: dict[str, int] = {}
            new_usccs: dict[str, int] = {}
            pending: list[int] = []
            for i in ledger.used:
                key = ledger.key(i)
                if key in owners and owners[key] == i:
                    s = sent[key]
                    m = self._master_of_sent(key, s.customer_id, s.uscc)
                    if m is None:
                        self._deleted_at_hq(n, source, ledger, i, key)
                        continue
                    taken[m] = i
                    claims.append(_Claim(n, i, m, key))
                else:
                    pending.append(i)
            for i in pending:
                claim = self._resolve_keyless(n, source, ledger, i, taken, new_ids, new_usccs)
                if claim is not None:
                    claims.append(claim)
            self._missing_customers(n, source, taken)
        return self._cross_file(out)

    def _resolve_keyless(
        self,
        n: int,
        source: Incoming,
        ledger: _Side,
        i: int,
        taken: dict[int, int],
        new_ids: dict[str, int],
        new_usccs: dict[str, int],
    ) -> _Claim | None:
        state = self.state[LEDGER]
        cid = text_id(ledger.get(i, "customer_id"))
        uscc = text_id(ledger.get(i, "uscc"))
        if not cid and not uscc:
            self.issue("merge-no-identity", source, LEDGER, i, "customer_id")
            self.outcome(n, source, LEDGER, i, Outcome.REFUSED)
            return None
        for ident, index, key in ((cid, state.by_id, "customer_id"), (uscc, state.by_uscc, "uscc")):
            if not ident:
                continue
            hits = [m for m in index.get(ident, []) if m < self.original_ledger_rows]
            if not hits:
                continue
            m = hits[0]
            sent_key = self._belongs(source, m)
            if sent_key is None:
                code = "merge-other-branch" if key == "customer_id" else "merge-duplicate-uscc"
                owner = (
                    state.get(m, "branch") if key == "customer_id" else state.get(m, "customer_id")
                )
                self.issue(
                    code,
                    source,
                    LEDGER,
                    i,
                    key,
                    customer_id=cid,
                    value=ident,
                    detail=_text(owner) or "其他分公司",
                    hq_value=state.get(m, key),
                    branch_value=ledger.get(i, key),
                )
                self.outcome(n, source, LEDGER, i, Outcome.CONFLICT)
                return None
            if m in taken:
                self.issue(
                    "merge-duplicate-in-file",
                    source,
                    LEDGER,
                    i,
                    key,
                    customer_id=cid,
                    value=ident,
                    detail=f"{SHEET_OF[LEDGER]}!{source.cell(LEDGER, taken[m], key)}",
                )
                self.outcome(n, source, LEDGER, i, Outcome.CONFLICT)
                return None
            taken[m] = i
            return _Claim(n, i, m, sent_key or None)
        for ident, seen, key in ((cid, new_ids, "customer_id"), (uscc, new_usccs, "uscc")):
            if ident and ident in seen:
                self.issue(
                    "merge-duplicate-in-file",
                    source,
                    LEDGER,
                    i,
                    key,
                    customer_id=cid,
                    value=ident,
                    detail=f"{SHEET_OF[LEDGER]}!{source.cell(LEDGER, seen[ident], key)}",
                )
                self.outcome(n, source, LEDGER, i, Outcome.CONFLICT)
                return None
        if cid:
            new_ids[cid] = i
        if uscc:
            new_usccs[uscc] = i
        return _Claim(n, i, None, None)

    def _deleted_at_hq(self, n: int, source: Incoming, ledger: _Side, i: int, key: str) -> None:
        record = source.distribution
        assert record is not None
        base = record.base(LEDGER, key) or {}
        changed = any(
            k in base and field_hash(ledger.get(i, k)) != base[k]
            for k in self.keys[LEDGER]
            if k in self.incoming[n].tables.ledger.columns
        )
        self.issue(
            "merge-deleted-at-hq",
            source,
            LEDGER,
            i,
            "customer_id",
            customer_id=text_id(ledger.get(i, "customer_id")),
            value=ledger.get(i, "customer_id"),
            detail="分公司改动过这一行" if changed else "分公司未改动这一行",
        )
        self.outcome(n, source, LEDGER, i, Outcome.CONFLICT)

    def _missing_customers(self, n: int, source: Incoming, taken: dict[int, int]) -> None:
        record = source.distribution
        if record is None:
            return
        state = self.state[LEDGER]
        for key, sent in record.sent(LEDGER).items():
            m = self._master_of_sent(key, sent.customer_id, sent.uscc)
            if m is None or m in taken:
                continue
            self.issue(
                "merge-removed-by-branch",
                source,
                LEDGER,
                None,
                "customer_id",
                customer_id=sent.customer_id,
                value=sent.customer_id,
                detail=f"客户 {sent.customer_id} {_text(state.get(m, 'name'))}",
            )
            self.result.counts[self._count_key(n)].removed += 1

    def _cross_file(self, claims: list[list[_Claim]]) -> list[list[_Claim]]:
        """A master customer or a new 客户编号 / 统一社会信用代码 claimed by two files."""
        by_master: dict[int, list[_Claim]] = defaultdict(list)
        by_new: dict[tuple[str, str], list[_Claim]] = defaultdict(list)
        sides = {}
        for file_claims in claims:
            for claim in file_claims:
                if claim.master is not None:
                    by_master[claim.master].append(claim)
                else:
                    source = self.incoming[claim.file_index]
                    frame = source.tables.ledger
                    sides.setdefault(claim.file_index, frame)
                    for key in ("customer_id", "uscc"):
                        if key in frame.columns and (ident := text_id(frame[key].iloc[claim.i])):
                            by_new[(key, ident)].append(claim)
        rejected: set[tuple[int, int]] = set()
        for m, group in by_master.items():
            if len({c.file_index for c in group}) < 2:
                continue
            changed = [c for c in group if self._ledger_row_changed(c)]
            if len(changed) < 2:
                continue
            for claim in changed:
                self._claimed_twice(claim, changed, self.state[LEDGER].get(m, "customer_id"))
                rejected.add((claim.file_index, claim.i))
        for (_, ident), group in by_new.items():
            if len({c.file_index for c in group}) < 2:
                continue
            for claim in group:
                if (claim.file_index, claim.i) in rejected:
                    continue
                self._claimed_twice(claim, group, ident)
                rejected.add((claim.file_index, claim.i))
        return [[c for c in fc if (c.file_index, c.i) not in rejected] for fc in claims]

    def _claimed_twice(self, claim: _Claim, group: list[_Claim], ident: object) -> None:
        source = self.incoming[claim.file_index]
        others = [
            f"{self.incoming[c.file_index].branch or self.incoming[c.file_index].file} "
            f"{SHEET_OF[LEDGER]}!{self.incoming[c.file_index].cell(LEDGER, c.i, 'customer_id')}"
            for c in group
            if c.file_index != claim.file_index
        ]
        frame = source.tables.ledger
        cid = text_id(frame["customer_id"].iloc[claim.i]) if "customer_id" in frame else ""
        self.issue(
            "merge-claimed-twice",
            source,
            LEDGER,
            claim.i,
            "customer_id",
            customer_id=cid,
            value=ident,
            detail="、".join(dict.fromkeys(others)),
            hq_value=self.state[LEDGER].get(claim.master, "customer_id")
            if claim.master is not None
            else None,
            branch_value=ident,
        )
        self.outcome(claim.file_index, source, LEDGER, claim.i, Outcome.CONFLICT)

    def _ledger_row_changed(self, claim: _Claim) -> bool:
        source = self.incoming[claim.file_index]
        frame = source.tables.ledger
        base = (
            source.distribution.base(LEDGER, claim.sent_key)
            if source.distribution is not None and claim.sent_key
            else None
        )
        state = self.state[LEDGER]
        for key in self.keys[LEDGER]:
            if key not in frame.columns:
                continue
            value = frame[key].iloc[claim.i]
            if base is not None and key in base:
                if field_hash(value) != base[key]:
                    return True
            elif claim.master is not None and normalise(value) != normalise(
                state.get(claim.master, key)
            ):
                return True
        return False

    # ------------------------------------------------------------ ledger values

    def _merge_ledger(
        self, sides: list[dict[str, _Side] | None], claims: list[list[_Claim]]
    ) -> None:
        for n, file_claims in enumerate(claims):
            side = sides[n]
            if side is None:
                continue
            for claim in file_claims:
                if claim.master is None:
                    self._add_customer(n, side[LEDGER], claim.i)
                else:
                    self._update_row(n, LEDGER, side[LEDGER], claim.i, claim.master, claim.sent_key)

    def _branch_ok(self, n: int, ledger: _Side, i: int) -> bool:
        source = self.incoming[n]
        if not source.branch or "branch" not in source.tables.ledger.columns:
            return True
        value = ledger.get(i, "branch")
        if text_id(value) == text_id(source.branch):
            return True
        self.issue(
            "merge-branch-mismatch",
            source,
            LEDGER,
            i,
            "branch",
            customer_id=text_id(ledger.get(i, "customer_id")),
            value=value,
            detail=source.branch,
            branch_value=value,
        )
        self.outcome(n, source, LEDGER, i, Outcome.CONFLICT)
        return False

    def _add_customer(self, n: int, ledger: _Side, i: int) -> None:
        source = self.incoming[n]
        if not self._branch_ok(n, ledger, i):
            return
        state = self.state[LEDGER]
        cid = text_id(ledger.get(i, "customer_id"))
        uscc = text_id(ledger.get(i, "uscc"))
        # A new 客户编号 may already be another customer's once earlier files were merged.
        for ident, index, key, code in (
            (cid, state.by_id, "customer_id", "merge-duplicate-id"),
            (uscc, state.by_uscc, "uscc", "merge-duplicate-uscc"),
        ):
            if ident and index.get(ident):
                other = index[ident][0]
                self.issue(
                    code,
                    source,
                    LEDGER,
                    i,
                    key,
                    customer_id=cid,
                    value=ident,
                    detail=f"{_text(state.get(other, 'customer_id'))} "
                    f"{_text(state.get(other, 'name'))}",
                    hq_value=state.get(other, key),
                    branch_value=ledger.get(i, key),
                )
                self.outcome(n, source, LEDGER, i, Outcome.CONFLICT)
                return
        values = {k: ledger.get(i, k) for k in self.keys[LEDGER] if k in ledger.cells}
        row_key = self.new_keys.next(LEDGER, ledger.key(i))
        state.append(values, row_key)
        self.result.added.append(
            Added(
                source.file,
                source.branch,
                LEDGER,
                cid,
                _text(ledger.get(i, "name")),
                f"{SHEET_OF[LEDGER]}!{source.cell(LEDGER, i, 'customer_id')}",
                row_key,
            )
        )
        self.outcome(n, source, LEDGER, i, Outcome.ADDED, row_key)

    def _update_row(
        self, n: int, table: str, side: _Side, i: int, m: int, sent_key: str | None
    ) -> None:
        """Three-way, field by field; the row's outcome and its changes and conflicts."""
        source = self.incoming[n]
        if table == LEDGER and not self._branch_ok(n, side, i):
            return
        state = self.state[table]
        record = source.distribution
        self._adopt(table, m, sent_key)
        if record is not None and sent_key and self._as_sent(n, table, side, i, sent_key):
            # every field as sent: the loop below would skip each one
            self.outcome(n, source, table, i, Outcome.UNCHANGED, master=m)
            return
        base = record.base(table, sent_key) if record is not None and sent_key else None
        masked = record.masked.get(table, ()) if record is not None else ()
        present = self.present[n][table]
        updates: list[tuple[str, object, object]] = []
        side_cells, master_cells = side.cells, state.cells
        for key in self.keys[table]:
            if key not in present:
                continue
            new, old = side_cells[key][i], master_cells[key][m]
            if base is not None and field_hash(new) == base.get(key):
                continue  # the branch left it as sent: HQ's value stays, whatever it is
            cid = text_id(side.get(i, "customer_id")) or text_id(state.get(m, "customer_id"))
            hashed = base is not None and key in base
            if hashed:
                branch_changed = field_hash(new) != base[key]
            else:
                branch_changed = normalise(new) != normalise(old)
            if not branch_changed:
                continue
            if key in masked and looks_masked(new):
                self.issue(
                    "merge-masked-edited",
                    source,
                    table,
                    i,
                    key,
                    customer_id=cid,
                    value=new,
                    hq_value=mask_value(old),
                    branch_value=new,
                )
                continue
            if normalise(new) == normalise(old):
                continue  # the same change on both sides
            if hashed and field_hash(state.sent_form(m, key, key in masked)) != base[key]:
                shown_old = mask_value(old) if key in masked else old
                self.issue(
                    "merge-both-changed",
                    source,
                    table,
                    i,
                    key,
                    customer_id=cid,
                    value=new,
                    detail=f"总部现为“{_text(shown_old)}”，分公司改为“{_text(new)}”",
                    hq_value=shown_old,
                    branch_value=new,
                )
                continue
            if table == LEDGER and key in ("customer_id", "uscc") and self._taken(key, new, m):
                index = self.state[LEDGER].by_id if key == "customer_id" else state.by_uscc
                other = index[text_id(new)][0]
                self.issue(
                    "merge-duplicate-id" if key == "customer_id" else "merge-duplicate-uscc",
                    source,
                    table,
                    i,
                    key,
                    customer_id=cid,
                    value=text_id(new),
                    detail=f"{_text(state.get(other, 'customer_id'))} "
                    f"{_text(state.get(other, 'name'))}",
                    hq_value=old,
                    branch_value=new,
                )
                continue
            updates.append((key, old, new))
        if updates:
            cid = text_id(side.get(i, "customer_id")) or text_id(state.get(m, "customer_id"))
            name = _text(side.get(i, "name") if "name" in side.cells else None) or _text(
                state.get(m, "name")
            )
        for key, old, new in updates:
            state.set(m, key, new)
            self.pending_changes.append((len(self.result.changes), table, m))
            self.result.changes.append(
                Change(
                    source.file,
                    source.branch,
                    table,
                    cid,
                    name,
                    self.headers[table].get(key, key),
                    old,
                    new,
                    f"{SHEET_OF[table]}!{source.cell(table, i, key)}",
                    key,
                    str(state.get(m, layout.ROW_KEY)),
                )
            )
        self.result.counts[self._count_key(n)].fields_changed += len(updates)
        outcome = Outcome.UPDATED if updates else Outcome.UNCHANGED
        self.outcome(n, source, table, i, outcome, master=m)

    def _as_sent(self, n: int, table: str, side: _Side, i: int, sent_key: str) -> bool:
        """True when row i holds every field as it was sent under `sent_key` (the same hash
        for each), so `_update_row`'s field loop would leave every one as HQ has it. Only
        where each field that loop compares is one the record hashed; else False, and the
        loop decides."""
        record = self.incoming[n].distribution
        sent = record.sent(table).get(sent_key) if record is not None else None
        if sent is None:
            return False
        if self._joined is None or self._joined[0] != (n, table):
            fields = record.fields.get(table, ())
            compared = [k for k in self.keys[table] if k in self.present[n][table]]
            joined = None
            if set(compared) <= set(fields) and all(k in side.cells for k in fields):
                rows = len(side.cells[layout.ROW_KEY])
                joined = joined_hashes([side.cells[k] for k in fields], rows)
            self._joined = ((n, table), joined)
        joined = self._joined[1]
        return joined is not None and joined[i] == sent.joined

    def _adopt(self, table: str, m: int, sent_key: str | None) -> None:
        """A master row without a key of its own (template 1.0, or keyed in memory when it
        was handed out) takes the key it was sent under, so the next distribution keeps it."""
        if not sent_key or m not in self.generated[table]:
            return
        state = self.state[table]
        if sent_key in state.by_key or sent_key in self.new_keys.used:
            return
        del state.by_key[str(state.get(m, layout.ROW_KEY))]
        state.cells[layout.ROW_KEY][m] = sent_key
        state.by_key[sent_key] = m
        self.new_keys.used.add(sent_key)
        self.generated[table].discard(m)

    def _taken(self, key: str, value: object, m: int) -> bool:
        index = self.state[LEDGER].by_id if key == "customer_id" else self.state[LEDGER].by_uscc
        ident = text_id(value)
        return bool(ident) and any(other != m for other in index.get(ident, []))

    def _owned_ids(
        self, sides: list[dict[str, _Side] | None], claims: list[list[_Claim]]
    ) -> list[set[str]]:
        """Per file, the 客户编号 its 资信证明 and 审核记录 rows may name: its customers in
        the new master (sent to it, matched or added from it)."""
        state = self.state[LEDGER]
        out: list[set[str]] = []
        added_by = defaultdict(set)
        for outcome in self.result.outcomes:
            if outcome.table == LEDGER and outcome.outcome.in_master and outcome.row_key:
                m = state.by_key.get(outcome.row_key)
                if m is not None:
                    added_by[outcome.file].add(text_id(state.get(m, "customer_id")))
        for n, source in enumerate(self.incoming):
            ids: set[str] = set()
            if sides[n] is not None:
                record = source.distribution
                if record is not None:
                    ids |= {s.customer_id for s in record.sent(LEDGER).values() if s.customer_id}
                    ids |= {text_id(state.get(m, "customer_id")) for m in self._sent_by_id(record)}
                else:
                    ids |= {
                        text_id(state.get(m, "customer_id"))
                        for m in range(self.original_ledger_rows)
                        if text_id(state.get(m, "branch")) == text_id(source.branch)
                    }
                ids |= added_by[source.file]
            ids.discard("")
            out.append(ids)
        return out

    # ------------------------------------------------------------ 资信证明

    def _side_rows(self, n: int, table: str, side: _Side, owned: set[str]):
        """The used rows of a side table: (i, key it was sent under or None); rows of a
        customer that is not the file's are refused here."""
        source = self.incoming[n]
        record = source.distribution
        sent = record.sent(table) if record else {}
        owners: dict[str, int] = {}
        for i in side.used:
            key = side.key(i)
            if key in sent and key not in owners:
                owners[key] = i
        for i in side.used:
            key = side.key(i)
            cid = text_id(side.get(i, "customer_id"))
            is_owner = key in owners and owners[key] == i
            if not is_owner and cid not in owned:
                self.issue(
                    "merge-unknown-customer",
                    source,
                    table,
                    i,
                    "customer_id",
                    customer_id=cid,
                    value=side.get(i, "customer_id"),
                    detail=SHEET_OF[table],
                )
                self.outcome(n, source, table, i, Outcome.REFUSED)
                continue
            yield i, key if is_owner else None
        for key in sent:
            if key not in owners:
                yield None, key

    def _sent_in_master(self, table: str, record: Distribution, key: str) -> int | None:
        """Where a sent side row is in the master: by key, else the row of the same
        customer whose (masked) content still hashes to what was sent."""
        state = self.state[table]
        if key in state.by_key and state.by_key[key] < self.original_rows[table]:
            self.matched[table].add(state.by_key[key])
            return state.by_key[key]
        sent = record.sent(table)[key]
        taken = self.matched[table]
        for m in self._content_index(table, record).get((sent.customer_id, sent.joined), []):
            if m not in taken and str(state.get(m, layout.ROW_KEY)) not in record.sent(table):
                taken.add(m)
                return m
        return None

    def _content_index(self, table: str, record: Distribution) -> dict[tuple, list[int]]:
        """(客户编号, field hashes joined as the record would have sent them) → original
        master rows; built once per table, masking and field list."""
        masked = tuple(sorted(record.masked.get(table, ())))
        fields = record.fields[table]
        cache_key = (table, masked, fields)
        cache = self.__dict__.setdefault("_content_cache", {})
        if cache_key not in cache:
            state = self.state[table]
            index: dict[tuple, list[int]] = defaultdict(list)
            columns = [
                [mask_value(v) for v in state.cells.get(k, [None] * state.n)]
                if k in masked
                else state.cells.get(k, [None] * state.n)
                for k in fields
            ]
            ids = state.cells.get("customer_id", [None] * state.n)
            rows = self.original_rows[table]
            joined = joined_hashes([column[:rows] for column in columns], rows)
            for m, hashes in enumerate(joined):
                index[(text_id(ids[m]), hashes)].append(m)
            cache[cache_key] = index
        return cache[cache_key]

    def _merge_credentials(self, n: int, side: _Side, owned: set[str]) -> None:
        source = self.incoming[n]
        record = source.distribution
        for i, sent_key in list(self._side_rows(n, CREDENTIALS, side, owned)):
            if i is None:  # sent, not returned
                assert record is not None and sent_key is not None
                sent = record.sent(CREDENTIALS)[sent_key]
                self.issue(
                    "merge-removed-by-branch",
                    source,
                    CREDENTIALS,
                    None,
                    "customer_id",
                    customer_id=sent.customer_id,
                    value=sent.customer_id,
                    detail=f"{SHEET_OF[CREDENTIALS]}（客户 {sent.customer_id}）",
                )
                self.result.counts[self._count_key(n)].removed += 1
                continue
            if sent_key is not None:
                assert record is not None
                m = self._sent_in_master(CREDENTIALS, record, sent_key)
                if m is None:
                    self.issue(
                        "merge-deleted-at-hq",
                        source,
                        CREDENTIALS,
                        i,
                        "customer_id",
                        customer_id=text_id(side.get(i, "customer_id")),
                        value=side.get(i, "customer_id"),
                        detail="（资信证明）",
                    )
                    self.outcome(n, source, CREDENTIALS, i, Outcome.CONFLICT)
                    continue
                self._update_row(n, CREDENTIALS, side, i, m, sent_key)
                continue
            values = {k: side.get(i, k) for k in self.keys[CREDENTIALS]}
            existing = self._same_row(CREDENTIALS, values)
            if existing is not None:
                self.outcome(
                    n,
                    source,
                    CREDENTIALS,
                    i,
                    Outcome.ALREADY,
                    master=existing,
                )
                continue
            self._append(n, CREDENTIALS, side, i, values)

    def _same_row(self, table: str, values: dict[str, object]) -> int | None:
        state = self.state[table]
        wanted = [normalise(values.get(k)) for k in self.keys[table]]
        for m in state.by_id.get(text_id(values.get("customer_id")), []):
            if [normalise(state.get(m, k)) for k in self.keys[table]] == wanted:
                return m
        return None

    def _append(self, n: int, table: str, side: _Side, i: int, values: dict[str, object]) -> None:
        source = self.incoming[n]
        row_key = self.new_keys.next(table, side.key(i))
        self.state[table].append(values, row_key)
        self.result.added.append(
            Added(
                source.file,
                source.branch,
                table,
                text_id(values.get("customer_id")),
                _text(values.get("name")),
                f"{SHEET_OF[table]}!{source.cell(table, i, 'customer_id')}",
                row_key,
            )
        )
        self.outcome(n, source, table, i, Outcome.ADDED, row_key)

    # ------------------------------------------------------------ 审核记录 (append-only)

    def _review_ids(self) -> dict[str, list[int]]:
        """记录编号 → master review rows (built once, kept up to date as reviews are added)."""
        if not hasattr(self, "_by_review_id"):
            state = self.state[REVIEWS]
            index: dict[str, list[int]] = defaultdict(list)
            for m, value in enumerate(state.cells.get("review_id", [])):
                if rid := text_id(value):
                    index[rid].append(m)
            self._by_review_id = index
        return self._by_review_id

    def _merge_reviews(self, n: int, side: _Side, owned: set[str]) -> None:
        source = self.incoming[n]
        record = source.distribution
        state = self.state[REVIEWS]
        by_review_id = self._review_ids()
        for i, sent_key in list(self._side_rows(n, REVIEWS, side, owned)):
            if i is None:
                assert record is not None and sent_key is not None
                sent = record.sent(REVIEWS)[sent_key]
                m = self._sent_in_master(REVIEWS, record, sent_key)
                rid = _text(state.get(m, "review_id")) if m is not None else ""
                self.issue(
                    "merge-review-removed",
                    source,
                    REVIEWS,
                    None,
                    "review_id",
                    customer_id=sent.customer_id,
                    value=rid or f"（客户 {sent.customer_id}）",
                )
                continue
            values = {k: side.get(i, k) for k in self.keys[REVIEWS]}
            cid = text_id(values.get("customer_id"))
            if sent_key is not None:
                assert record is not None
                edited: list[str] = []
                if not self._as_sent(n, REVIEWS, side, i, sent_key):
                    base = record.base(REVIEWS, sent_key) or {}
                    present = self.present[n][REVIEWS]
                    edited = [
                        k
                        for k in self.keys[REVIEWS]
                        if k in base and k in present and field_hash(values.get(k)) != base[k]
                    ]
                m = self._sent_in_master(REVIEWS, record, sent_key)
                if m is None:  # HQ removed or corrected it since
                    self.issue(
                        "merge-deleted-at-hq",
                        source,
                        REVIEWS,
                        i,
                        "review_id",
                        customer_id=cid,
                        value=values.get("review_id"),
                        detail="审核记录" + ("，分公司也改动过" if edited else ""),
                    )
                    self.outcome(n, source, REVIEWS, i, Outcome.CONFLICT)
                    continue
                if not edited:
                    self._adopt(REVIEWS, m, sent_key)
                    self.outcome(n, source, REVIEWS, i, Outcome.UNCHANGED, master=m)
                    continue
                first = edited[0]
                self.issue(
                    "merge-review-edited",
                    source,
                    REVIEWS,
                    i,
                    first,
                    customer_id=cid,
                    value=values.get(first),
                    detail="改动的列：" + "、".join(self.headers[REVIEWS][k] for k in edited),
                    hq_value=state.get(m, first),
                    branch_value=values.get(first),
                )
                self.outcome(n, source, REVIEWS, i, Outcome.CONFLICT)
                continue
            rid = text_id(values.get("review_id"))
            existing = self._same_row(REVIEWS, values)
            if existing is not None:
                self.outcome(n, source, REVIEWS, i, Outcome.ALREADY, master=existing)
                continue
            if rid and by_review_id.get(rid):
                self.issue(
                    "merge-review-id-taken",
                    source,
                    REVIEWS,
                    i,
                    "review_id",
                    customer_id=cid,
                    value=values.get("review_id"),
                )
                self.outcome(n, source, REVIEWS, i, Outcome.CONFLICT)
                continue
            self._append(n, REVIEWS, side, i, values)
            if rid:
                by_review_id[rid].append(state.n - 1)


class _KeyMaker:
    """Keys for rows the master gains: the branch's key when it is free, else a new one."""

    def __init__(self, master: Tables) -> None:
        self.used = {
            str(k)
            for _, frame in master.items()
            if layout.ROW_KEY in frame.columns
            for k in frame[layout.ROW_KEY].tolist()
            if not is_blank(k)
        }
        self.count = 0
        self.reserved: set[str] = set()

    def next(self, table: str, preferred: str = "") -> str:
        if preferred and preferred not in self.used and preferred not in self.reserved:
            self.used.add(preferred)
            return preferred
        while True:
            (key,) = new_row_keys("merge", table, 1, self.count)
            self.count += 1
            if key not in self.used:
                self.used.add(key)
                return key


def _unkeyed(frame: pd.DataFrame) -> set[int]:
    """Positions of rows with a blank or repeated row key."""
    if layout.ROW_KEY not in frame.columns:
        return set(range(len(frame)))
    seen: set[str] = set()
    out = set()
    for i, key in enumerate(frame[layout.ROW_KEY].tolist()):
        text = "" if is_blank(key) else str(key).strip()
        if not text or text in seen:
            out.add(i)
        seen.add(text)
    return out


def _text(value: object) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def merge(
    master: Tables, rules: Rules, incoming: Sequence[Incoming], *, accept_rules: bool = False
) -> MergeResult:
    """Merge the returned branch workbooks into the master's tables (never modified).

    `rules` are the master's; a file whose own rules differ is refused (every row of it
    `Outcome.REFUSED`, the differences named) unless `accept_rules`. Files are taken in
    order; a customer claimed by two of them is a conflict in both."""
    return _Merge(master, rules, incoming, accept_rules).run()


# ---------------------------------------------------------------- from a read workbook


def _table_of(book: LedgerBook, table: str) -> Table | None:
    return {LEDGER: book.ledger, CREDENTIALS: book.credentials, REVIEWS: book.reviews}[table]


def tables_from_book(book: LedgerBook) -> Tables:
    """A workbook's input rows (blank lines dropped), keyed by column key, row keys kept."""
    out = {}
    for table in TABLES:
        read = _table_of(book, table)
        if read is None:
            out[table] = pd.DataFrame()
            continue
        frame = read.frame
        keys = [k for k in input_keys(table, book.rules) if k in frame.columns]
        used = frame[keys].notna().any(axis=1) if keys else pd.Series(False, index=frame.index)
        out[table] = frame[used.to_numpy()].reset_index(drop=True)
    return Tables(out[LEDGER], out[CREDENTIALS], out[REVIEWS])


def incoming_from_book(book: LedgerBook, branch: str = "") -> Incoming:
    """A returned workbook as the merge takes it: every table row (its input columns and
    row key) with its sheet row and column positions, what was sent to it, and its own
    rules. The branch is the one it was sent to (its 分发记录), else `branch`, else the most
    common 所属分公司 in it."""
    frames, rows, columns = {}, {}, {}
    for table in TABLES:
        read = _table_of(book, table)
        if read is None:
            frames[table] = pd.DataFrame()
        else:  # the merge compares input columns only: the formula columns' values go
            wanted = {*input_keys(table, book.rules), layout.ROW_KEY}
            frames[table] = read.frame[[k for k in read.frame.columns if k in wanted]]
        rows[table] = list(read.rows) if read is not None else []
        columns[table] = dict(read.columns) if read is not None else {}
    record = book.distribution
    if record is not None:
        branch = record.branch
    elif not branch and "branch" in frames[LEDGER].columns:
        names = [text_id(v) and str(v).strip() for v in frames[LEDGER]["branch"]]
        counts = pd.Series([n for n in names if n], dtype=object).value_counts()
        branch = str(counts.index[0]) if len(counts) else ""
    return Incoming(
        file=book.source,
        branch=branch,
        tables=Tables(frames[LEDGER], frames[CREDENTIALS], frames[REVIEWS]),
        rows=rows,
        columns=columns,
        distribution=record,
        rules=book.rules,
    )
