"""The Merkle log in SQL: append leaves, read them back, serve subtree hashes for proofs.

``LedgerTree`` works on the caller's ``Connection`` and never commits: leaves
are appended in the same transaction as the act they record.

Appends first bump the size in ``ledger_head`` (``UPDATE ... RETURNING``).
That statement takes the write lock: the row lock on PostgreSQL, the database
write lock on SQLite. A second writer waits there until the first commits and
then reads the new size, so two transactions never write the same index — and
if one somehow did, the leaf primary key would refuse it. A fork is impossible.

An append writes the narrow leaf rows ``(idx, leaf_hash, data)`` with one
``executemany`` and the tiles they complete (see ``tables``) with another:
the tiles come from the incomplete right edge (the "frontier", < 16 rows per
level) and the new hashes, folded in one pass per level, so an append costs
O(batch + log n) rows. The auditor's query columns are not written here; they
are derived in batches by ``index_pending`` (at checkpoint time), and
``search`` reads the few leaves after the index straight from their data.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Integer, Row, bindparam, func, select, update

from accord.adapters.ledger.tables import (
    HEAD_ID,
    TILE_STRIDE,
    TILE_WIDTH,
    LedgerError,
    head,
    leaf_index,
    leaves,
    tiles,
)
from accord.domain.ledger_entry import LedgerEntry, encode_leaf_at, format_time
from accord.domain.merkle import (
    LEAF_PREFIX,
    NODE_PREFIX,
    Node,
    leaf_hash,
    perfect_root,
    range_hashes,
)

INDEXED = ("at", "actor", "action", "subject", "agreement", "partner")
# Built once: every recorded act runs it, and building it costs more than running it.
_RESERVE = (update(head).where(head.c.id == HEAD_ID)
            .values(size=head.c.size + bindparam("b_count", type_=Integer))
            .returning(head.c.size))
"""The auditor's query columns of ``ledger_index``, in table order after ``idx``."""


@dataclass(frozen=True)
class LeafRow:
    """A stored leaf: its index, hash and data (the canonical JSON of the entry)."""

    index: int
    leaf_hash: bytes
    data: bytes

    @classmethod
    def of(cls, entry: LedgerEntry, index: int) -> LeafRow:
        data = encode_leaf_at(entry, index)[0]
        return cls(index, leaf_hash(data), data)

    def values(self) -> dict[str, object]:
        return {"idx": self.index, "leaf_hash": self.leaf_hash, "data": self.data}


def index_columns(data: bytes) -> tuple[Any, ...]:
    """The query columns ``INDEXED`` of a leaf, read from its data (raises on bad JSON)."""
    raw = orjson.loads(data)
    return (raw.get("at"), raw.get("actor"), raw.get("action"), raw.get("subject", ""),
            raw.get("agreement"), raw.get("partner"))


@dataclass(frozen=True)
class LeafFilter:
    """What the auditor's ``log`` view asks for; ``None`` means any."""

    actor: str | None = None
    action: str | None = None
    agreement: str | None = None
    subject: str | None = None
    since: datetime | None = None
    after_index: int = -1
    limit: int = 100

    def matches(self, columns: tuple[Any, ...], since: str | None) -> bool:
        """Whether a leaf with these ``INDEXED`` columns passes (``since`` pre-formatted)."""
        at, actor, action, subject, agreement, _partner = columns
        return ((self.actor is None or actor == self.actor)
                and (self.action is None or action == self.action)
                and (self.agreement is None or agreement == self.agreement)
                and (self.subject is None or subject == self.subject)
                and (since is None or at >= since))


class LedgerTree:
    """Leaves and tiles of one node's log, over the caller's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- appending -----------------------------------------------------------------

    def append(self, entries: Sequence[LedgerEntry]) -> int:
        """Append ``entries`` in order; returns the index of the first one."""
        if not entries:
            return self.size()
        first = self.reserve(len(entries))
        sha, prefix, encode = hashlib.sha256, LEAF_PREFIX, encode_leaf_at  # hot loop
        rows = []
        for index_, entry in enumerate(entries, first):
            data = encode(entry, index_)[0]
            rows.append((index_, sha(prefix + data).digest(), data))
        self._insert(first, rows)
        return first

    def reserve(self, count: int) -> int:
        """Lock the head and claim ``count`` indices; returns the first.

        Call ``write`` with exactly that many rows in the same transaction.
        """
        row = self.conn.execute(_RESERVE, {"b_count": count}).first()
        if row is None:
            raise LedgerError("the ledger head row is missing: the ledger tables were not "
                              "created (run the store migrations)", where="ledger_head")
        return int(row[0]) - count

    def write(self, first: int, rows: Sequence[LeafRow]) -> None:
        """Insert leaves ``first ..`` (claimed with ``reserve``) and the tiles they complete.

        For bulk loads and repairs; ``append`` is the normal way in.
        """
        if any(row.index != first + i for i, row in enumerate(rows)):
            raise LedgerError("leaf indices must follow on from the claimed first index",
                              where=f"ledger append at {first}")
        self._insert(first, [(r.index, r.leaf_hash, r.data) for r in rows])

    def _insert(self, first: int, rows: list[tuple[int, bytes, bytes]]) -> None:
        # Raw executemany with tuples: SQLAlchemy's per-row parameter handling would
        # cost more than the inserts themselves (see docs/benchmarks/ledger.md).
        mark = self._mark
        self.conn.exec_driver_sql(
            f"INSERT INTO ledger_leaves (idx, leaf_hash, data) VALUES ({mark}, {mark}, {mark})",
            rows)
        new_tiles: list[tuple[int, int, bytes]] = []
        level, hashes = 0, [r[1] for r in rows]
        while hashes:
            had = first >> level  # nodes at this level before the append
            start = had & ~(TILE_WIDTH - 1)
            parents = _tile_roots(self._level_hashes(level, start, had) + hashes)
            level += TILE_STRIDE
            base = start >> TILE_STRIDE
            new_tiles.extend((level, base + i, h) for i, h in enumerate(parents))
            hashes = parents
        if new_tiles:
            self.conn.exec_driver_sql(
                f"INSERT INTO ledger_tiles (level, idx, hash) VALUES ({mark}, {mark}, {mark})",
                new_tiles)

    @property
    def _mark(self) -> str:
        return "?" if self.conn.dialect.paramstyle == "qmark" else "%s"

    # -- the auditor's index -------------------------------------------------------

    def indexed_size(self) -> int:
        """How many leaves (from index 0) the auditor's index covers."""
        found = self.conn.execute(select(func.max(leaf_index.c.idx))).scalar()
        return 0 if found is None else int(found) + 1

    def index_pending(self, chunk: int = 20_000) -> int:
        """Copy the query columns of every leaf not yet indexed; returns how many.

        Run in a write transaction (``ledger.checkpoint`` does, under the head lock).
        """
        start, stop, done = self.indexed_size(), self.size(), 0
        mark = self._mark
        sql = (f"INSERT INTO ledger_index (idx, {', '.join(INDEXED)}) "
               f"VALUES ({', '.join([mark] * (len(INDEXED) + 1))})")
        read = (f"SELECT idx, data FROM ledger_leaves WHERE idx >= {mark} AND idx < {mark} "
                "ORDER BY idx")
        loads = orjson.loads
        while start < stop:
            rows = []
            # Raw rows and a plain loop: this runs under the head lock, so it is kept lean.
            for idx, data in self.conn.exec_driver_sql(read, (start, min(stop, start + chunk))):
                raw = loads(data)
                rows.append((idx, raw.get("at"), raw.get("actor"), raw.get("action"),
                             raw.get("subject", ""), raw.get("agreement"), raw.get("partner")))
            if not rows:
                break
            self.conn.exec_driver_sql(sql, rows)
            done += len(rows)
            start = rows[-1][0] + 1
        return done

    def index_rows(self, start: int, stop: int) -> dict[int, tuple[Any, ...]]:
        """Stored index rows with ``start <= idx < stop``: ``idx -> INDEXED`` columns."""
        ix = leaf_index.c
        rows = self.conn.execute(select(leaf_index).where(ix.idx >= start, ix.idx < stop))
        return {int(r[0]): tuple(r[1:]) for r in rows}

    # -- reading -------------------------------------------------------------------

    def size(self) -> int:
        """The number of leaves (from the head row)."""
        value = self.conn.execute(select(head.c.size).where(head.c.id == HEAD_ID)).scalar()
        if value is None:
            raise LedgerError("the ledger head row is missing", where="ledger_head")
        return int(value)

    def node_hashes(self, nodes: Sequence[Node]) -> Mapping[Node, bytes]:
        """Hashes of perfect subtrees (``merkle.NodeSource``), in one query per table."""
        wanted: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for level, index in nodes:
            base, rest = level - level % TILE_STRIDE, level % TILE_STRIDE
            wanted[base].append((index << rest, (index + 1) << rest))
        stored = self._ranges(wanted)
        out: dict[Node, bytes] = {}
        for level, index in nodes:
            base, rest = level - level % TILE_STRIDE, level % TILE_STRIDE
            try:
                row = [stored[(base, i)] for i in range(index << rest, (index + 1) << rest)]
            except KeyError as exc:
                raise LedgerError(f"no stored hash for level {exc.args[0][0]} index "
                                  f"{exc.args[0][1]}: the tree is smaller or damaged",
                                  where="ledger tiles") from None
            out[(level, index)] = perfect_root(row)
        return out

    def root(self, size: int | None = None) -> bytes:
        """The root hash at ``size`` (default: now)."""
        size = self.size() if size is None else size
        return range_hashes([(0, size)], self)[0]

    def leaf(self, index: int) -> LeafRow | None:
        row = self.conn.execute(select(leaves).where(leaves.c.idx == index)).first()
        return None if row is None else _leaf(row)

    def leaves(self, start: int = 0, stop: int | None = None,
               chunk: int = 10_000) -> Iterator[LeafRow]:
        """Stored leaves with ``start <= index < stop`` in index order (keyset pages)."""
        after = start - 1
        while True:
            query = select(leaves).where(leaves.c.idx > after)
            if stop is not None:
                query = query.where(leaves.c.idx < stop)
            rows = self.conn.execute(query.order_by(leaves.c.idx).limit(chunk)).all()
            if not rows:
                return
            for row in rows:
                yield _leaf(row)
            after = rows[-1].idx

    def search(self, where: LeafFilter) -> list[LeafRow]:
        """Leaves matching ``where``, oldest first, after ``where.after_index``: from the
        auditor's index where it reaches, then from the data of the leaves after it."""
        found: list[LeafRow] = []
        indexed = self.indexed_size()
        since = None if where.since is None else format_time(where.since)
        if where.after_index + 1 < indexed:
            ix = leaf_index.c
            query = (select(leaves).join(leaf_index, ix.idx == leaves.c.idx)
                     .where(ix.idx > where.after_index))
            for column, value in ((ix.actor, where.actor), (ix.action, where.action),
                                  (ix.agreement, where.agreement), (ix.subject, where.subject)):
                if value is not None:
                    query = query.where(column == value)
            if since is not None:
                query = query.where(ix.at >= since)
            rows = self.conn.execute(query.order_by(ix.idx).limit(where.limit)).all()
            found = [_leaf(row) for row in rows]
        for row in self.leaves(max(indexed, where.after_index + 1)):
            if len(found) >= where.limit:
                break
            if where.matches(index_columns(row.data), since):
                found.append(row)
        return found

    def tiles(self, level: int, start: int, stop: int) -> dict[int, bytes]:
        """Stored tiles at ``level`` with ``start <= index < stop``."""
        rows = self.conn.execute(select(tiles.c.idx, tiles.c.hash).where(
            tiles.c.level == level, tiles.c.idx >= start, tiles.c.idx < stop)).all()
        return {int(r.idx): bytes(r.hash) for r in rows}

    def tile_counts(self) -> dict[int, int]:
        rows = self.conn.execute(select(tiles.c.level, func.count()).group_by(tiles.c.level))
        return {int(level): int(count) for level, count in rows}

    def count_from(self, index: int) -> int:
        """How many leaf rows have an index at or above ``index``."""
        return int(self.conn.execute(
            select(func.count()).select_from(leaves).where(leaves.c.idx >= index)).scalar_one())

    # -- helpers -------------------------------------------------------------------

    def _level_hashes(self, level: int, start: int, stop: int) -> list[bytes]:
        if start == stop:
            return []
        found = self._ranges({level: [(start, stop)]})
        try:
            return [found[(level, i)] for i in range(start, stop)]
        except KeyError:
            raise LedgerError(f"the right edge of level {level} ({start}..{stop - 1}) is "
                              "incomplete: the ledger is damaged", where="ledger tiles") from None

    def _ranges(self, wanted: Mapping[int, list[tuple[int, int]]]) -> dict[tuple[int, int], bytes]:
        # Raw SQL: building SQLAlchemy expressions for ~10 ranges costs more than
        # running the query, and proofs must stay well under a millisecond.
        mark = self._mark
        parts: list[str] = []
        params: list[int] = []
        for level, spans in wanted.items():
            for a, b in _merge(spans):
                if level == 0:
                    parts.append(f"SELECT 0, idx, leaf_hash FROM ledger_leaves "
                                 f"WHERE idx >= {mark} AND idx < {mark}")
                    params += [a, b]
                else:
                    parts.append(f"SELECT level, idx, hash FROM ledger_tiles "
                                 f"WHERE level = {mark} AND idx >= {mark} AND idx < {mark}")
                    params += [level, a, b]
        if not parts:
            return {}
        rows = self.conn.exec_driver_sql(" UNION ALL ".join(parts), tuple(params))
        return {(int(level), int(idx)): bytes(hash_) for level, idx, hash_ in rows}


def _merge(spans: list[tuple[int, int]], gap: int = TILE_WIDTH) -> list[tuple[int, int]]:
    """Sorted spans, with those less than ``gap`` rows apart joined (fewer, longer reads)."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a - merged[-1][1] < gap:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _tile_roots(run: list[bytes]) -> list[bytes]:
    """Roots of the complete ``TILE_WIDTH``-wide tiles in ``run`` (which starts on a tile
    boundary), folded level by level across the whole run: one list pass per level."""
    sha, prefix = hashlib.sha256, NODE_PREFIX
    level = run[:len(run) - len(run) % TILE_WIDTH]
    for _ in range(TILE_STRIDE):
        level = [sha(prefix + level[i] + level[i + 1]).digest()
                 for i in range(0, len(level), 2)]
    return level


def _leaf(row: Row[Any]) -> LeafRow:
    r = row._mapping
    return LeafRow(int(r["idx"]), bytes(r["leaf_hash"]), bytes(r["data"]))
