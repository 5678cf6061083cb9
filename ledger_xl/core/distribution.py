"""What HQ sends a branch, and the record of it that travels inside the branch's workbook.

Pure: tables in, tables out. `branch_share` picks one branch's customers with their 资信证明
and 审核记录 rows, gives every row a stable key (`layout.ROW_KEY`) and masks the columns the
branch must not see in full; `Distribution` is what was sent — per row its key, its 客户编号
and 统一社会信用代码 and one short hash per input field — so that `core.merge` can tell, field
by field, whether the branch changed a value, HQ changed it, or both (a three-way comparison
without storing the values themselves a second time).

The record is written to the very hidden, protected sheet `layout.SHEET_DISTRIBUTION` as a
grid (`distribution_grid`) and read back from it (`read_distribution`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.grid import Grid
from ledger_xl.core.rules import Rules

LEDGER, CREDENTIALS, REVIEWS = "ledger", "credentials", "reviews"
TABLES = (LEDGER, CREDENTIALS, REVIEWS)
SHEET_OF = {
    LEDGER: layout.SHEET_LEDGER,
    CREDENTIALS: layout.SHEET_CREDENTIALS,
    REVIEWS: layout.SHEET_REVIEWS,
}
TABLE_OF_SHEET = {sheet: table for table, sheet in SHEET_OF.items()}

MASK_CHAR = "*"
HASH_CHARS = 8  # hex characters per field hash (32 bits)


# ---------------------------------------------------------------- the three tables


@dataclass
class Tables:
    """The input rows of a ledger workbook: frames keyed by field / column key (object
    dtype, blanks None), with the row key in `layout.ROW_KEY` when the rows have one."""

    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    credentials: pd.DataFrame = field(default_factory=pd.DataFrame)
    reviews: pd.DataFrame = field(default_factory=pd.DataFrame)

    def get(self, table: str) -> pd.DataFrame:
        return getattr(self, table)

    def items(self) -> Iterable[tuple[str, pd.DataFrame]]:
        return ((t, self.get(t)) for t in TABLES)


def shared_values(tables: Tables) -> Tables:
    """The same tables with equal texts and equal dates held once: a reader makes one Python
    object per cell, and a ledger repeats its branch names, grades, statuses, reviewers and
    dates on every row (at 100,000 customers the master's input cells took 1.2 GB). Values
    are only replaced by equal ones of the same type (`str`, `datetime`); numbers are left
    as they are (-0.0 equals 0.0 but is not the same value)."""
    texts: dict[str, str] = {}
    dates: dict[dt.datetime, dt.datetime] = {}
    out = []
    for _, frame in tables.items():
        columns = {}
        for key in frame.columns:
            columns[key] = [
                texts.setdefault(v, v)
                if v.__class__ is str
                else dates.setdefault(v, v)
                if v.__class__ is dt.datetime
                else v
                for v in frame[key].tolist()
            ]
        out.append(pd.DataFrame(columns, index=frame.index, columns=frame.columns, dtype=object))
    return Tables(*out)


def input_keys(table: str, rules: Rules) -> tuple[str, ...]:
    """The input columns of a table (what a person types; formula columns excluded)."""
    if table == LEDGER:
        return tuple(f.key for f in rules.fields if f.is_input)
    columns = layout.CREDENTIAL_COLUMNS if table == CREDENTIALS else layout.REVIEW_COLUMNS
    return tuple(c.key for c in columns if c.kind != "formula")


def headers(table: str, rules: Rules) -> dict[str, str]:
    """Column key → header text of a table's input columns."""
    if table == LEDGER:
        return {f.key: f.header for f in rules.fields if f.is_input}
    columns = layout.CREDENTIAL_COLUMNS if table == CREDENTIALS else layout.REVIEW_COLUMNS
    return {c.key: c.header for c in columns if c.kind != "formula"}


# ---------------------------------------------------------------- values compared


def is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
        or value is pd.NaT
    )


def normalise(value: object) -> str:
    """A cell's value as compared: its kind and its content, so that the text "2024-01-05"
    and the date 2024-01-05 differ, 5 and 5.0 do not, and surrounding spaces do not count."""
    if is_blank(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "b:" + ("1" if value else "0")
    if isinstance(value, int | float | np.integer | np.floating):
        return "n:" + repr(float(value))
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return "d:" + value.date().isoformat()
        return "d:" + value.isoformat()
    if isinstance(value, dt.date):
        return "d:" + value.isoformat()
    return "t:" + str(value).strip()


def same(a: object, b: object) -> bool:
    """True when two cells hold the same value as `normalise` compares them."""
    return normalise(a) == normalise(b)


def field_hash(value: object) -> str:
    """A short hash of a cell's normalised value (the blank cell hashes too)."""
    try:
        return _cached_hash(value)
    except TypeError:  # an unhashable value (never from a reader, but be safe)
        return _hash(value)


def _hash(value: object) -> str:
    digest = hashlib.blake2b(normalise(value).encode("utf-8"), digest_size=HASH_CHARS // 2)
    return digest.hexdigest()


# Ledgers repeat values (branch, grade, dates, scores): each distinct value is hashed once.
_cached_hash = functools.lru_cache(maxsize=1 << 20, typed=True)(_hash)


def row_hashes(frame: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """Per row, the field hashes of `keys` (in that order) joined into one string."""
    columns = [frame[k].tolist() if k in frame.columns else [None] * len(frame) for k in keys]
    return joined_hashes(columns, len(frame))


def joined_hashes(columns: Sequence[Sequence[object]], n: int) -> list[str]:
    """Per row of `n`, the field hashes of the `columns` (each `n` values, in that order)
    joined into one string: the form the record keeps (`SentRow.joined`). Hashed a column at
    a time and joined without a Python call per row or field: a 100,000-customer master has
    some 8 million fields."""
    if not columns:
        return [""] * n
    return list(map("".join, zip(*map(_column_hashes, columns), strict=True)))


def _column_hashes(values: Sequence[object]) -> list[str]:
    try:
        return list(map(_cached_hash, values))
    except TypeError:  # an unhashable value somewhere (never from a reader, but be safe)
        return [field_hash(v) for v in values]


def split_hashes(joined: str, n: int) -> tuple[str, ...]:
    return tuple(joined[i * HASH_CHARS : (i + 1) * HASH_CHARS] for i in range(n))


def mask_value(value: object) -> object:
    """What a masked column shows: the middle of a number hidden (110105********002X for an
    18-character ID; first 3 and last 4 kept of shorter ones). Blanks stay blank."""
    if is_blank(value):
        return value
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    text = text.strip()
    if len(text) >= 15:
        keep_head, keep_tail = 6, 4
    elif len(text) >= 8:
        keep_head, keep_tail = 3, 4
    else:
        keep_head, keep_tail = 1, 1 if len(text) > 2 else 0
    hidden = len(text) - keep_head - keep_tail
    return text[:keep_head] + MASK_CHAR * hidden + text[len(text) - keep_tail :]


def looks_masked(value: object) -> bool:
    """True when a value still carries the mask's run of asterisks."""
    return isinstance(value, str) and MASK_CHAR * 2 in value


def new_row_keys(seed: str, table: str, count: int, start: int = 0) -> list[str]:
    """`count` row keys, deterministic for (seed, table, position) and unique across seeds."""
    return [
        "R" + hashlib.blake2b(f"{seed}:{table}:{i}".encode(), digest_size=8).hexdigest().upper()
        for i in range(start, start + count)
    ]


def with_row_keys(frame: pd.DataFrame, seed: str, table: str) -> pd.DataFrame:
    """The frame with a key on every row: existing keys kept, blank (or repeated) ones
    replaced by new keys made from `seed`."""
    out = frame.copy()
    keys = out[layout.ROW_KEY].tolist() if layout.ROW_KEY in out.columns else [None] * len(out)
    fresh = iter(new_row_keys(seed, table, len(out)))
    seen: set[str] = set()
    result = []
    for key in keys:
        text = "" if is_blank(key) else str(key).strip()
        if not text or text in seen:
            text = next(fresh)
        seen.add(text)
        result.append(text)
    out[layout.ROW_KEY] = pd.Series(result, index=out.index, dtype=object)
    return out


def text_id(value: object) -> str:
    """An identifier as compared: trimmed, upper case, whole numbers without ".0"."""
    if value.__class__ is str:  # the usual case, answered first (a blank text gives "")
        return value.strip().upper()
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().upper()


# ---------------------------------------------------------------- the record


class SentRow(NamedTuple):
    """One row as it was sent: its key, identifiers and field hashes.

    The hashes are kept as the one string the record holds (`HASH_CHARS` per field, cut to
    `fields` of them) and split on demand: a 100,000-customer distribution has some 8
    million field hashes, and as separate strings they took about a gigabyte in `collect`.
    A named tuple, not a frozen dataclass: as immutable, and made in a fifth of the time (a
    frozen dataclass sets each field through `object.__setattr__`; a record has a row per
    customer, document and review sent)."""

    key: str
    customer_id: str
    uscc: str
    joined: str
    fields: int

    @classmethod
    def of(cls, key: str, customer_id: str, uscc: str, joined: str, fields: int) -> SentRow:
        return cls(key, customer_id, uscc, joined[: fields * HASH_CHARS], fields)

    @property
    def hashes(self) -> tuple[str, ...]:
        """One hash per field ("" for a field the record's text is too short to hold)."""
        return split_hashes(self.joined, self.fields)


@dataclass
class Distribution:
    """What one distributed workbook held when it left HQ."""

    distribution_id: str
    branch: str
    distributed_at: str
    template_version: str
    rules_fingerprint: str
    fields: dict[str, tuple[str, ...]]  # table → the keys hashed, in order
    masked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table → masked keys
    rows: dict[str, dict[str, SentRow]] = field(default_factory=dict)  # table → key → row

    def sent(self, table: str) -> dict[str, SentRow]:
        return self.rows.get(table, {})

    def base(self, table: str, key: str) -> dict[str, str] | None:
        """Field key → hash of the value sent, for the row with this key (None if unsent)."""
        row = self.sent(table).get(key)
        if row is None:
            return None
        return dict(zip(self.fields[table], row.hashes, strict=False))


_LABELS = {
    "distribution_id": "分发编号",
    "branch": "分公司",
    "distributed_at": "分发时间",
    "template_version": "模板版本",
    "rules_fingerprint": "规则指纹",
}
_FIELDS_LABEL = "字段"
_MASKED_LABEL = "遮蔽列"
ROWS_HEADER = ("表", "行键", "客户编号", "统一社会信用代码", "字段校验")
TITLE = "分发记录：ledger_xl 合并分公司台账时使用，请勿修改（隐藏、受保护）"


def distribution_grid(record: Distribution) -> list[list[object]]:
    """The record as the rows of the hidden sheet (strings only)."""
    rows: list[list[object]] = [[TITLE, ""]]
    for attribute, label in _LABELS.items():
        rows.append([label, getattr(record, attribute)])
    for table in TABLES:
        rows.append([f"{_FIELDS_LABEL}_{SHEET_OF[table]}", ",".join(record.fields.get(table, ()))])
        rows.append([f"{_MASKED_LABEL}_{SHEET_OF[table]}", ",".join(record.masked.get(table, ()))])
    rows.append([])
    rows.append(list(ROWS_HEADER))
    for table in TABLES:
        for sent in record.sent(table).values():
            rows.append([SHEET_OF[table], sent.key, sent.customer_id, sent.uscc, sent.joined])
    return rows


def read_distribution(grid: Grid | None) -> Distribution | None:
    """The record from the hidden sheet's grid; None when there is none or it is damaged."""
    if grid is None:
        return None
    labels = {}
    header = None
    for row in range(grid.height):
        label = grid.value(row, 0)
        if label == ROWS_HEADER[0] and grid.value(row, 1) == ROWS_HEADER[1]:
            header = row
            break
        if isinstance(label, str):
            value = grid.value(row, 1)
            labels[label.strip()] = "" if value is None else str(value).strip()
    if header is None:
        return None
    try:
        values = {attribute: labels[label] for attribute, label in _LABELS.items()}
    except KeyError:
        return None

    def keys(prefix: str, table: str) -> tuple[str, ...]:
        text = labels.get(f"{prefix}_{SHEET_OF[table]}", "")
        return tuple(k for k in text.split(",") if k)

    fields = {t: keys(_FIELDS_LABEL, t) for t in TABLES}
    masked = {t: keys(_MASKED_LABEL, t) for t in TABLES}
    rows: dict[str, dict[str, SentRow]] = {t: {} for t in TABLES}
    # The rows are read from the grid's lists, not cell by cell through `Grid.value`: a
    # branch of 20,000 customers has some 200,000 rows here. The same values: a short row
    # is padded with blanks.
    blank5 = (None,) * 5
    for cells in grid.rows[header + 1 :]:
        if len(cells) < 5:
            cells = (*cells, *blank5[len(cells) :])
        name, key, customer_id, uscc, joined = cells[:5]
        table = TABLE_OF_SHEET.get(str(name or "").strip())
        if table is None or not isinstance(key, str) or not key:
            continue
        rows[table][key] = SentRow.of(
            key,
            text_id(customer_id),  # "" and None alike give ""
            text_id(uscc),
            str(joined or ""),
            len(fields[table]),
        )
    return Distribution(fields=fields, masked=masked, rows=rows, **values)


# ---------------------------------------------------------------- one branch's share


@dataclass
class Share:
    """What one branch gets: its tables (keys on every row, masked columns masked) and the
    record of them."""

    tables: Tables
    record: Distribution


def customer_ids_of(ledger: pd.DataFrame) -> set[str]:
    if "customer_id" not in ledger.columns:
        return set()
    return {i for i in (text_id(v) for v in ledger["customer_id"]) if i}


def branch_share(
    tables: Tables,
    rules: Rules,
    branch: str,
    *,
    distribution_id: str,
    distributed_at: dt.datetime,
    template_version: str,
    masked: Mapping[str, Sequence[str]] | None = None,
) -> Share:
    """The branch's customers (所属分公司 equal to `branch`, trimmed) with the 资信证明 and
    审核记录 rows of their 客户编号. Every table must already carry row keys (`with_row_keys`).
    `masked` gives, per table, the column keys shown masked."""
    ledger = tables.ledger
    if len(ledger) and "branch" in ledger.columns:
        mine = np.array([text_id(v) == text_id(branch) for v in ledger["branch"]], dtype=bool)
    else:
        mine = np.zeros(len(ledger), dtype=bool)
    ledger = ledger[mine].reset_index(drop=True)
    ids = customer_ids_of(ledger)
    out = {LEDGER: ledger}
    for table in (CREDENTIALS, REVIEWS):
        frame = tables.get(table)
        if len(frame) and "customer_id" in frame.columns:
            keep = np.array([text_id(v) in ids for v in frame["customer_id"]], dtype=bool)
            frame = frame[keep].reset_index(drop=True)
        else:
            frame = frame.iloc[0:0]
        out[table] = frame
    masked = {t: tuple(k for k in (masked or {}).get(t, ()) if k) for t in TABLES}
    for table, keys in masked.items():
        frame = out[table].copy()
        for key in keys:
            if key in frame.columns:
                frame[key] = pd.Series(
                    [mask_value(v) for v in frame[key].tolist()], index=frame.index, dtype=object
                )
        out[table] = frame
    fields = {t: input_keys(t, rules) for t in TABLES}
    rows: dict[str, dict[str, SentRow]] = {}
    for table in TABLES:
        frame = out[table]
        hashes = row_hashes(frame, fields[table])
        ids_ = frame["customer_id"].tolist() if "customer_id" in frame.columns else []
        usccs = frame["uscc"].tolist() if "uscc" in frame.columns else []
        rows[table] = {
            key: SentRow.of(
                key,
                text_id(ids_[i]) if ids_ else "",
                text_id(usccs[i]) if usccs else "",
                hashes[i],
                len(fields[table]),
            )
            for i, key in enumerate(frame[layout.ROW_KEY].tolist())
        }
    record = Distribution(
        distribution_id=distribution_id,
        branch=branch,
        distributed_at=distributed_at.isoformat(timespec="seconds"),
        template_version=template_version,
        rules_fingerprint=rules.fingerprint(),
        fields=fields,
        masked={t: k for t, k in masked.items() if k},
        rows=rows,
    )
    return Share(Tables(out[LEDGER], out[CREDENTIALS], out[REVIEWS]), record)


def split_by_branch(tables: Tables, branches: Sequence[str]) -> dict[str, Tables]:
    """Each branch's rows, found in one pass over each table (what `branch_share` would pick
    for it; `branch_share` on a part gives the same share, faster)."""
    ledger = tables.ledger
    wanted = {text_id(b): b for b in branches}
    if len(ledger) and "branch" in ledger.columns:
        owner = [wanted.get(text_id(v)) for v in ledger["branch"].tolist()]
    else:
        owner = [None] * len(ledger)
    ids: dict[str, str] = {}
    if "customer_id" in ledger.columns:
        for cid, branch in zip(ledger["customer_id"].tolist(), owner, strict=True):
            if branch is not None and (key := text_id(cid)):
                ids.setdefault(key, branch)
    parts: dict[str, dict[str, pd.DataFrame]] = {b: {} for b in branches}
    positions = {b: [i for i, o in enumerate(owner) if o == b] for b in branches}
    for b in branches:
        parts[b][LEDGER] = ledger.iloc[positions[b]]
    for table in (CREDENTIALS, REVIEWS):
        frame = tables.get(table)
        cids = frame["customer_id"].tolist() if "customer_id" in frame.columns else []
        rows: dict[str, list[int]] = {b: [] for b in branches}
        for i, cid in enumerate(cids):
            branch = ids.get(text_id(cid))
            if branch is not None:
                rows[branch].append(i)
        for b in branches:
            parts[b][table] = frame.iloc[rows[b]] if len(frame.columns) else frame
    return {b: Tables(p[LEDGER], p[CREDENTIALS], p[REVIEWS]) for b, p in parts.items()}


def branches_in(ledger: pd.DataFrame) -> list[str]:
    """The distinct 所属分公司 names of a ledger (trimmed, non-blank), sorted."""
    if "branch" not in ledger.columns:
        return []
    return sorted({str(v).strip() for v in ledger["branch"] if not is_blank(v)})
