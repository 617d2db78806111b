"""Ledger: batched append rate vs pymerkle, inclusion-proof latency at 1M / 10M leaves,
full verify rate.

- append, on the same leaves (the issue's goal, ``ratio``): our store given the leaf bytes
  (``LedgerTree.append_data``: it hashes them, writes their bundle and the tiles they
  complete, takes the head lock) against pymerkle's ``SqliteTree.append_entries`` of the
  *same leaf bytes* (it hashes and stores them, maintains nothing), 1 000 per transaction,
  on SQLite files with the node's settings (WAL, synchronous=NORMAL), same pragmas for both.
  ``ratio`` = our rate / pymerkle's.
- append from entries (``entries_ratio``): ``ledger.record_many`` of ``LedgerEntry``
  objects, which must also produce each leaf's canonical JSON first, against the same
  pymerkle appends. All three are interleaved batch by batch in one process.
- proofs: latency of ``inclusion_proof`` from the tables at 1M and 10M leaves (quick: 100k).
  Building 10M leaves through ``record`` would take most of an hour, so those leaves are
  generated straight into the tables in bulk (synthetic ~230-byte leaf data, its RFC 9162
  leaf hash, the tiles computed in Python, raw sqlite3 with synchronous=OFF); the proofs
  are then read through the ordinary ``LedgerTree``. Proofs are checked against the root.
- pymerkle proof latency on its own tree of the append size, for context.
- the auditor's index: catching up the appended leaves (as a checkpoint does), with and
  without its three secondary indexes, and a filtered search for a rare actor before and
  after (the leaves read from their data vs the index).
- verify: ``verify_all`` over the appended ledger (every leaf decoded and checked, every
  tile and the checkpoint recomputed), leaves/s.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymerkle import SqliteTree
from sqlalchemy import Connection, Engine

from accord.adapters.ledger import LeafFilter, LedgerStore, create_ledger_tables
from accord.adapters.ledger.tables import BUNDLE_MAX, TILE_STRIDE, TILE_WIDTH
from accord.adapters.ledger.tree import bundle_values
from accord.adapters.store.engine import create_store_engine
from accord.domain.ledger_entry import Action, LedgerEntry, encode_leaves
from accord.domain.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    perfect_root,
    verify_inclusion,
)
from accord.domain.signed_note import NoteSigner
from accord.services import ledger
from accord.services.ledger_verify import verify_all

BATCH = 1_000
T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
ACTIONS = [Action.MATERIAL_READ, Action.REPORT_CREATED, Action.RELEASE_DECIDED,
           Action.ENVELOPE_RECEIVED, Action.QUERY_ASKED]
NODE = NoteSigner(ledger.origin_for("BENCH"), Ed25519PrivateKey.from_private_bytes(bytes(32)))


class _Uow:
    def __init__(self, store: LedgerStore) -> None:
        self.ledger = store


def entries(n: int) -> list[LedgerEntry]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        action = ACTIONS[i % len(ACTIONS)]
        details: dict[str, object] = {}
        if action is Action.RELEASE_DECIDED:
            details = {"outcome": "allow", "clause": "c1", "reasons": ["in scope"]}
        partner = "MX" if action in (Action.RELEASE_DECIDED, Action.ENVELOPE_RECEIVED,
                                     Action.QUERY_ASKED) else None
        out.append(LedgerEntry(
            action, actor=f"analyst{rng.randrange(40)}", subject=f"R-{rng.randrange(10**6)}",
            agreement=f"AG-{rng.randrange(8)}", purpose="investigation", partner=partner,
            hashes={"report": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest()},
            details=details, at=T0 + timedelta(milliseconds=i)))  # type: ignore[arg-type]
    return out


def node_engine(path: Path) -> Engine:
    engine = create_store_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_ledger_tables(conn)
    return engine


def append_ours(conn: Connection, batch: list[LedgerEntry]) -> None:
    with conn.begin():  # one write transaction (BEGIN IMMEDIATE) per batch
        ledger.record_many(_Uow(LedgerStore(conn)), batch)


def append_store(conn: Connection, first: int, leaves: list[bytes]) -> None:
    with conn.begin():
        assert LedgerStore(conn).tree.append_data(leaves) == first


def measure_append(tmp: Path, n: int) -> dict[str, float]:
    made = entries(n)
    datas = encode_leaves(made, 0)
    ours, store = node_engine(tmp / "ours.db"), node_engine(tmp / "store.db")
    theirs = SqliteTree(str(tmp / "pymerkle.db"))
    theirs.con.execute("PRAGMA journal_mode=WAL")
    theirs.con.execute("PRAGMA synchronous=NORMAL")
    spent = {"ours": 0.0, "store": 0.0, "pymerkle": 0.0}
    # Each keeps one connection open, as pymerkle's tree does, with one transaction per
    # batch; interleaved by batch, so that load from other processes falls on all alike.
    ours_conn = ours.connect().execution_options(accord_write=True)
    store_conn = store.connect().execution_options(accord_write=True)
    for k in range(0, n, BATCH):
        t = time.perf_counter()
        append_ours(ours_conn, made[k:k + BATCH])
        spent["ours"] += time.perf_counter() - t
        t = time.perf_counter()
        append_store(store_conn, k, datas[k:k + BATCH])
        spent["store"] += time.perf_counter() - t
        t = time.perf_counter()
        theirs.append_entries(datas[k:k + BATCH])
        spent["pymerkle"] += time.perf_counter() - t
    ours_conn.close()
    store_conn.close()
    t = time.perf_counter()
    for k in range(0, n, BATCH):  # as an append encodes them
        encode_leaves(made[k:k + BATCH], k)
    encode = time.perf_counter() - t
    rng = random.Random(1)
    pm_ms = []
    for index in rng.sample(range(1, n + 1), 20):
        t = time.perf_counter()
        theirs.prove_inclusion(index)
        pm_ms.append((time.perf_counter() - t) * 1000)
    with ours.connect() as conn:
        tree = LedgerStore(conn).tree
        assert tree.root() == theirs.get_root(), "pymerkle and the ledger disagree on the root"
        our_ms = proof_latencies(tree, n, 200, check=False)
    theirs.close()
    with store.connect().execution_options(accord_write=True) as conn, conn.begin():
        for name in ("actor", "action", "agreement"):  # what the secondary indexes cost
            conn.exec_driver_sql(f"DROP INDEX ledger_index_{name}")
        t = time.perf_counter()
        LedgerStore(conn).tree.index_pending()
        bare = time.perf_counter() - t
    store.dispose()
    result = {
        "append_n": n,
        "append_per_s": round(n / spent["store"]),  # the same leaf bytes as pymerkle
        "entries_append_per_s": round(n / spent["ours"]),  # record_many of LedgerEntry
        "pymerkle_append_per_s": round(n / spent["pymerkle"]),
        "ratio": round(spent["pymerkle"] / spent["store"], 3),  # the goal: same leaves in
        "entries_ratio": round(spent["pymerkle"] / spent["ours"], 3),
        "encode_us_per_leaf": round(encode / n * 1e6, 2),
        "pymerkle_proof_ms_median": round(statistics.median(pm_ms), 3),
        "proof_ms_median_same_tree": our_ms["median"],
    }
    result["index_catch_up_us_per_leaf_without_secondary"] = round(bare / n * 1e6, 2)
    result.update(measure_index(ours, n))
    result.update(measure_verify(ours, n))
    ours.dispose()
    return result


def measure_index(engine: Engine, n: int) -> dict[str, float]:
    """The auditor's index: catching up ``n`` leaves (what checkpoints do, in batches),
    and a filtered ``search`` for a rare actor over the indexed log vs the same search
    over leaves not yet indexed (read from their data)."""
    rare = LeafFilter(actor="analyst7", agreement="AG-3", limit=10_000)
    with engine.connect() as conn:
        t = time.perf_counter()
        scanned = LedgerStore(conn).tree.search(rare)
        scan = time.perf_counter() - t
    with engine.connect().execution_options(accord_write=True) as conn, conn.begin():
        t = time.perf_counter()
        assert LedgerStore(conn).tree.index_pending() == n
        spent = time.perf_counter() - t
    with engine.connect() as conn:
        t = time.perf_counter()
        found = LedgerStore(conn).tree.search(rare)
        indexed = time.perf_counter() - t
    assert [r.index for r in found] == [r.index for r in scanned]
    return {"index_catch_up_us_per_leaf": round(spent / n * 1e6, 2),
            "search_rare_ms_unindexed": round(scan * 1000, 1),
            "search_rare_ms_indexed": round(indexed * 1000, 2),
            "search_rare_hits": len(found)}


def measure_verify(engine: Engine, n: int) -> dict[str, float]:
    with engine.connect().execution_options(accord_write=True) as conn, conn.begin():
        ledger.checkpoint(_Uow(LedgerStore(conn)), NODE)
    with engine.connect() as conn:
        t = time.perf_counter()
        report = verify_all(_Uow(LedgerStore(conn)), NODE.verifier)
        spent = time.perf_counter() - t
    assert report.ok, report.problems[:3]
    return {"verify_leaves": report.leaves_checked,
            "verify_leaves_per_s": round(report.leaves_checked / spent)}


def proof_latencies(tree: object, size: int, samples: int, *, check: bool = True,
                    ) -> dict[str, float]:
    rng = random.Random(size)
    indices = [rng.randrange(size) for _ in range(samples)]
    for index in indices[:50]:  # warm the statement cache and the first pages
        inclusion_proof(index, size, tree)  # type: ignore[arg-type]
    times = []
    for index in indices:
        t = time.perf_counter()
        proof = inclusion_proof(index, size, tree)  # type: ignore[arg-type]
        times.append((time.perf_counter() - t) * 1000)
        if check:
            verify_inclusion(tree.leaf(index).leaf_hash,  # type: ignore[attr-defined]
                             index, size, proof, tree.root(size))  # type: ignore[attr-defined]
    times.sort()
    return {"median": round(statistics.median(times), 3),
            "p99": round(times[int(len(times) * 0.99) - 1], 3)}


class BulkLoader:
    """Writes synthetic leaves and their tiles straight into the tables (see module doc)."""

    CHUNK = 1 << 16  # a multiple of TILE_WIDTH**4 (tiles up to level 16 close per chunk)
    # and of BUNDLE_MAX (full bundles, as record_many of large batches writes them)

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.size = 0
        self.pending: dict[int, list[bytes]] = {}  # level -> nodes not yet in a parent
        self.done: dict[int, int] = {}  # level -> parents already made from it

    def grow(self, target: int) -> None:
        while self.size < target:
            n = min(self.CHUNK, target - self.size)
            self._chunk(self.size, n)
            self.size += n
        self.conn.execute("UPDATE ledger_head SET size = ? WHERE id = 1", (self.size,))

    def _chunk(self, first: int, n: int) -> None:
        rows, hashes = [], []
        for index in range(first, first + n):
            data = (b'{"action":"material.read","actor":"analyst%d","agreement":"AG-%d",'
                    b'"at":"2026-03-04T10:00:00.000000Z","hashes":{"report":"sha256:%064x"},'
                    b'"index":%d,"purpose":"investigation","subject":"R-%d","v":1}'
                    % (index % 40, index % 8, index, index, index * 7919 % 10**6))
            h = leaf_hash(data)
            hashes.append(h)
            rows.append((index, h, data))
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO ledger_bundles (first_idx, n, hashes, ends, data) VALUES (?,?,?,?,?)",
            [tuple(bundle_values(first + k, hashes[k:k + BUNDLE_MAX],
                                 [r[2] for r in rows[k:k + BUNDLE_MAX]]).values())
             for k in range(0, n, BUNDLE_MAX)])
        tiles = []
        level, nodes = 0, hashes
        while nodes:
            run = self.pending.pop(level, []) + nodes
            whole = len(run) - len(run) % TILE_WIDTH
            parents = [perfect_root(run[i:i + TILE_WIDTH]) for i in range(0, whole, TILE_WIDTH)]
            if whole < len(run):
                self.pending[level] = run[whole:]
            up = level + TILE_STRIDE
            start = self.done.get(up, 0)
            tiles += [(up, start + i, p) for i, p in enumerate(parents)]
            self.done[up] = start + len(parents)
            level, nodes = up, parents
        self.conn.executemany("INSERT INTO ledger_tiles VALUES (?,?,?)", tiles)
        self.conn.execute("COMMIT")


def measure_proofs(tmp: Path, sizes: list[int], samples: int) -> dict[str, float]:
    path = tmp / "bulk.db"
    engine = node_engine(path)
    loader = BulkLoader(path)
    out: dict[str, float] = {}
    for size in sizes:
        t = time.perf_counter()
        loader.grow(size)
        label = f"{size // 1_000_000}m" if size >= 1_000_000 else f"{size // 1000}k"
        out[f"bulk_load_s_{label}"] = round(time.perf_counter() - t, 1)
        with engine.connect() as conn:
            tree = LedgerStore(conn).tree
            assert tree.size() == size
            lat = proof_latencies(tree, size, samples)
            out[f"proof_ms_median_{label}"] = lat["median"]
            out[f"proof_ms_p99_{label}"] = lat["p99"]
            rng = random.Random(2)
            times = []
            for _ in range(200):
                m = rng.randrange(1, size)
                s = time.perf_counter()
                consistency_proof(m, size, tree)
                times.append((time.perf_counter() - s) * 1000)
            out[f"consistency_ms_median_{label}"] = round(statistics.median(times), 3)
    out["bulk_db_mb"] = round(os.path.getsize(path) / 2**20)
    loader.conn.close()
    engine.dispose()
    return out


def run(quick: bool) -> dict[str, object]:
    append_n = 10_000 if quick else 200_000
    sizes = [100_000] if quick else [1_000_000, 10_000_000]
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        result: dict[str, object] = dict(measure_append(Path(tmp), append_n))
        result.update(measure_proofs(Path(tmp), sizes, 2_000 if quick else 5_000))
    result["tile_stride"] = TILE_STRIDE
    return result
