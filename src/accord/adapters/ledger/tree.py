"""The Merkle log in SQL: append leaves, read them back, serve subtree hashes for proofs.

``LedgerTree`` works on the caller's ``Connection`` and never commits: leaves
are appended in the same transaction as the act they record.

Appends first bump the size in ``ledger_head`` (``UPDATE ... RETURNING``).
That statement takes the write lock: the row lock on PostgreSQL, the database
write lock on SQLite. A second writer waits there until the first commits and
then reads the new size, so two transactions never write the same index — and
if one somehow did, the bundle primary key would refuse it. A fork is impossible.

An append writes its batch as bundle rows (one per ``BUNDLE_MAX`` leaves, see
``bundles``: leaf hashes, data and end offsets, each concatenated) and the
tiles it completes with one ``executemany`` (``folding``): the tiles come from
the incomplete right edge (the
"frontier", < 16 hashes per level, read in one query) and the new hashes,
folded in one pass per level, so an append costs O(batch + log n) hashes and
two statements besides the head. The auditor's query columns are not written
here; they are derived in batches by ``index_pending`` (at checkpoint time),
and ``search`` reads the few leaves after the index straight from their data.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from accord.adapters.ledger.bundles import (
    COLUMNS,
    Bundle,
    LeafRow,
    bundle_row,
    bundle_values,
    unpack_bundle,
)
from accord.adapters.ledger.filters import INDEXED, LeafFilter, index_columns
from accord.adapters.ledger.folding import merge_spans, tile_roots
from accord.adapters.ledger.tables import (
    BUNDLE_MAX,
    HASH_SIZE,
    HEAD_ID,
    TILE_STRIDE,
    TILE_WIDTH,
    LedgerError,
    head,
    leaf_index,
    tiles,
)
from accord.domain.ledger_entry import LedgerEntry, encode_leaves, format_time
from accord.domain.merkle import (
    LEAF_PREFIX,
    Node,
    perfect_root,
    range_hashes,
)

__all__ = ["INDEXED", "Bundle", "LeafFilter", "LeafRow", "LedgerTree", "bundle_values",
           "index_columns", "unpack_bundle"]

# Built once: every recorded act runs it, and building it costs more than running it.
_RESERVE = (f"UPDATE ledger_head SET size = size + {{m}} WHERE id = {HEAD_ID} "
            "RETURNING size")
# The first bundle that can hold leaf ``a`` (the last one starting at or before it).
_FROM = "COALESCE((SELECT MAX(first_idx) FROM ledger_bundles WHERE first_idx <= {m}), 0)"


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
        hashes: list[bytes] = []
        datas = encode_leaves(entries, first, hashes)
        self._insert(first, hashes, datas)
        return first

    def append_data(self, datas: Sequence[bytes]) -> int:
        """Append leaves already encoded (their data, hashed here); returns the first index.

        For imports and like-for-like measurements: the data must be the
        canonical leaf of its index (``encode_leaf``), which ``verify_all`` checks.
        """
        if not datas:
            return self.size()
        first = self.reserve(len(datas))
        sha, prefix = hashlib.sha256, LEAF_PREFIX  # hot loop
        self._insert(first, [sha(prefix + data).digest() for data in datas], list(datas))
        return first

    def reserve(self, count: int) -> int:
        """Lock the head and claim ``count`` indices; returns the first.

        Call ``write`` with exactly that many rows in the same transaction.
        """
        row = self.conn.exec_driver_sql(_RESERVE.format(m=self._mark), (count,)).first()
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
        if rows:
            self._insert(first, [r.leaf_hash for r in rows], [r.data for r in rows])

    def _insert(self, first: int, hashes: list[bytes], datas: list[bytes]) -> None:
        # Straight on the driver's cursor, inside the transaction the head update
        # began: SQLAlchemy's statement handling costs more than these statements
        # (see docs/benchmarks/ledger.md). Driver errors are wrapped as SQLAlchemy's.
        mark = self._mark
        bundle_sql = f"INSERT INTO ledger_bundles ({COLUMNS}) VALUES ({', '.join([mark] * 5)})"
        tile_sql = f"INSERT INTO ledger_tiles (level, idx, hash) VALUES ({mark}, {mark}, {mark})"
        dbapi_error = self.conn.dialect.loaded_dbapi.Error
        cursor = self.conn.connection.cursor()
        try:
            cursor.executemany(bundle_sql, [
                bundle_row(first + k, hashes[k:k + BUNDLE_MAX], datas[k:k + BUNDLE_MAX])
                for k in range(0, len(datas), BUNDLE_MAX)])
            new_tiles = self._new_tiles(first, hashes, cursor)
            if new_tiles:
                cursor.executemany(tile_sql, new_tiles)
        except dbapi_error as exc:
            raise DBAPIError.instance(bundle_sql, None, exc, dbapi_error,
                                      dialect=self.conn.dialect) from exc
        finally:
            cursor.close()

    def _new_tiles(self, first: int, hashes: list[bytes], cursor: Any,
                   ) -> list[tuple[int, int, bytes]]:
        """The tiles that leaves ``first ..`` with these hashes complete, folded with the
        right edge of each level before them (read in one query)."""
        stop = first + len(hashes)
        frontier: dict[int, list[tuple[int, int]]] = {}
        for level in range(0, stop.bit_length(), TILE_STRIDE):
            had = first >> level  # nodes at this level before the append
            if had & (TILE_WIDTH - 1):
                frontier[level] = [(had & ~(TILE_WIDTH - 1), had)]
        edge = self._ranges(frontier, cursor)
        new_tiles: list[tuple[int, int, bytes]] = []
        level, run = 0, hashes
        while run:
            had = first >> level
            start = had & ~(TILE_WIDTH - 1)
            try:
                run = [edge[(level, i)] for i in range(start, had)] + run
            except KeyError:
                raise LedgerError(f"the right edge of level {level} ({start}..{had - 1}) is "
                                  "incomplete: the ledger is damaged",
                                  where="ledger tiles") from None
            parents = tile_roots(run)
            level += TILE_STRIDE
            base = start >> TILE_STRIDE
            new_tiles.extend((level, base + i, h) for i, h in enumerate(parents))
            run = parents
        return new_tiles

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
        loads = orjson.loads
        rows = []
        # Raw rows and a plain loop: this runs under the head lock, so it is kept lean.
        for leaf in self.leaves(start, stop, chunk):
            raw = loads(leaf.data)
            rows.append((leaf.index, raw.get("at"), raw.get("actor"), raw.get("action"),
                         raw.get("subject", ""), raw.get("agreement"), raw.get("partner")))
            if len(rows) >= chunk:
                self.conn.exec_driver_sql(sql, rows)
                done += len(rows)
                rows = []
        if rows:
            self.conn.exec_driver_sql(sql, rows)
            done += len(rows)
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
        """Hashes of perfect subtrees (``merkle.NodeSource``), in one query."""
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
        found = self._read([index])
        return found[0] if found else None

    def leaves(self, start: int = 0, stop: int | None = None,
               chunk: int = 10_000) -> Iterator[LeafRow]:
        """Stored leaves with ``start <= index < stop`` in index order.

        Read in pages of bundles starting within ``chunk`` consecutive indices
        (so a page holds at most ``chunk + BUNDLE_MAX`` leaves), skipping gaps.
        """
        mark = self._mark
        found = self.conn.exec_driver_sql(
            f"SELECT {_FROM.format(m=mark)}", (max(start, 0),)).scalar()
        low = int(found or 0)
        page = (f"SELECT {COLUMNS} FROM ledger_bundles WHERE first_idx >= {mark} "
                f"AND first_idx < {mark} ORDER BY first_idx")
        while stop is None or low < stop:
            high = low + chunk if stop is None else min(low + chunk, stop)
            rows = self.conn.exec_driver_sql(page, (low, high)).all()
            if not rows:
                after = self.conn.exec_driver_sql(
                    f"SELECT MIN(first_idx) FROM ledger_bundles WHERE first_idx >= {mark}",
                    (high,)).scalar()
                if after is None:
                    return
                low = int(after)
                continue
            for row in rows:
                for leaf in Bundle(*row).rows():
                    if leaf.index >= start and (stop is None or leaf.index < stop):
                        yield leaf
            low = high

    def search(self, where: LeafFilter) -> list[LeafRow]:
        """Leaves matching ``where``, oldest first, after ``where.after_index``: from the
        auditor's index where it reaches, then from the data of the leaves after it."""
        found: list[LeafRow] = []
        indexed = self.indexed_size()
        since = None if where.since is None else format_time(where.since)
        if where.after_index + 1 < indexed:
            ix = leaf_index.c
            query = select(ix.idx).where(ix.idx > where.after_index)
            for column, value in ((ix.actor, where.actor), (ix.action, where.action),
                                  (ix.agreement, where.agreement), (ix.subject, where.subject)):
                if value is not None:
                    query = query.where(column == value)
            if since is not None:
                query = query.where(ix.at >= since)
            hits = self.conn.execute(query.order_by(ix.idx).limit(where.limit)).scalars()
            found = self._read(list(hits))
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
        """How many stored leaves have an index at or above ``index``."""
        mark = self._mark
        total = self.conn.exec_driver_sql(
            f"SELECT SUM(CASE WHEN first_idx >= {mark} THEN n ELSE first_idx + n - {mark} END) "
            f"FROM ledger_bundles WHERE first_idx >= {_FROM.format(m=mark)} "
            f"AND first_idx + n > {mark}", (index, index, index, index)).scalar()
        return int(total or 0)

    # -- helpers -------------------------------------------------------------------

    def _read(self, indices: Sequence[int]) -> list[LeafRow]:
        """Leaves ``indices`` (ascending; those stored), one query per bundle holding any.

        Whole bundles are read: SQLite walks a blob's overflow pages from the
        start for ``substr`` too, and measured 4-6x slower cutting single leaves
        out in SQL than reading the bundle once for all the leaves it holds.
        """
        out: list[LeafRow] = []
        mark = self._mark
        bundle: Bundle | None = None
        for index in indices:
            if bundle is None or not bundle.holds(index):
                row = self.conn.exec_driver_sql(
                    f"SELECT {COLUMNS} FROM ledger_bundles WHERE first_idx <= {mark} "
                    "ORDER BY first_idx DESC LIMIT 1", (index,)).first()
                if row is None:
                    continue
                bundle = Bundle(*row)
            if bundle.holds(index):
                out.append(bundle.row(index))
        return out

    def _ranges(self, wanted: Mapping[int, list[tuple[int, int]]],
                cursor: Any = None) -> dict[tuple[int, int], bytes]:
        # Raw SQL: building SQLAlchemy expressions for ~10 ranges costs more than
        # running the query, and proofs must stay well under a millisecond.
        mark = self._mark
        parts: list[str] = []
        params: list[int] = []
        spans0: list[tuple[int, int]] = []
        for level, spans in wanted.items():
            for a, b in merge_spans(spans):
                if level == 0:
                    # Every bundle overlapping a..b, with its whole run of leaf hashes.
                    parts.append(f"SELECT 0, first_idx, hashes FROM ledger_bundles "
                                 f"WHERE first_idx >= {_FROM.format(m=mark)} "
                                 f"AND first_idx < {mark}")
                    params += [a, b]
                    spans0.append((a, b))
                else:
                    parts.append(f"SELECT level, idx, hash FROM ledger_tiles "
                                 f"WHERE level = {mark} AND idx >= {mark} AND idx < {mark}")
                    params += [level, a, b]
        if not parts:
            return {}
        out: dict[tuple[int, int], bytes] = {}
        sql = " UNION ALL ".join(parts)
        if cursor is None:
            rows = self.conn.exec_driver_sql(sql, tuple(params)).all()
        else:
            cursor.execute(sql, tuple(params))
            rows = cursor.fetchall()
        for level, idx, hash_ in rows:
            if level:
                out[(int(level), int(idx))] = bytes(hash_)
                continue
            run, first = bytes(hash_), int(idx)
            if len(run) % HASH_SIZE:
                continue  # a damaged bundle: its leaves are missing here, so refused
            for a, b in spans0:
                for i in range(max(a, first), min(b, first + len(run) // HASH_SIZE)):
                    k = (i - first) * HASH_SIZE
                    out[(0, i)] = run[k:k + HASH_SIZE]
        return out
