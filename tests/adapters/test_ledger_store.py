"""The ledger's SQL store on SQLite and PostgreSQL: appends, tiles, proofs, no forks."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pymerkle import InmemoryTree
from sqlalchemy import Engine, delete, insert, inspect, update
from sqlalchemy.exc import IntegrityError

from accord.adapters.ledger import LeafFilter, LedgerError, LedgerStore, create_ledger_tables
from accord.adapters.ledger.tables import TILE_STRIDE, head, leaf_index, metadata
from accord.adapters.ledger.tree import INDEXED, LeafRow, LedgerTree, index_columns
from accord.adapters.store import Store
from accord.adapters.store.engine import create_store_engine
from accord.domain.ledger_entry import Action, LedgerEntry, decode_leaf, encode_leaf
from accord.domain.merkle import (
    EMPTY_ROOT,
    LeafHashes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An engine (the store's settings) with only the ledger tables, made by ``create_all``."""
    eng = create_store_engine(store_url)
    with eng.begin() as conn:
        create_ledger_tables(conn)
    yield eng
    eng.dispose()


def entry(i: int, action: Action = Action.REPORT_CREATED, **kw: object) -> LedgerEntry:
    args: dict[str, object] = {"actor": f"user{i % 3}", "subject": f"R-{i}",
                               "at": T0 + timedelta(seconds=i), **kw}
    return LedgerEntry(action, **args)  # type: ignore[arg-type]


def test_batched_appends_keep_tiles_roots_and_proofs_right(engine: Engine) -> None:
    rng = random.Random(3)
    expected = LeafHashes()
    with engine.begin() as conn:
        tree = LedgerStore(conn).tree
        n = 0
        for batch in [1, 1, 14, 1, 16, 17, 200, 3, 4096, 5, 1, 300]:
            first = tree.append([entry(n + i) for i in range(batch)])
            assert first == n
            n += batch
            assert tree.size() == n
            for row in tree.leaves(first):
                expected.append(row.leaf_hash)
            assert tree.root() == root(expected, n)
        counts = tree.tile_counts()
        assert counts == {lvl: n >> lvl for lvl in range(TILE_STRIDE, n.bit_length(), TILE_STRIDE)}
        for size in [1, 15, 16, 17, 255, 256, 257, 4111, 4112, n]:
            top = tree.root(size)
            assert top == root(expected, size)
            for index in {0, size - 1, size // 2, rng.randrange(size)}:
                proof = inclusion_proof(index, size, tree)
                assert proof == inclusion_proof(index, size, expected)
                verify_inclusion(expected.leaves[index], index, size, proof, top)
            for m in {0, 1, size // 3, size - 1, size}:
                proof = consistency_proof(m, size, tree)
                assert proof == consistency_proof(m, size, expected)
                verify_consistency(m, size, tree.root(m), top, proof)


def test_leaves_carry_their_index_and_can_be_searched(engine: Engine) -> None:
    with engine.begin() as conn:
        tree = LedgerStore(conn).tree
        tree.append([entry(i) for i in range(10)])
        tree.append([entry(10, action=Action.AGREEMENT_SIGNED, agreement="AG-1"),
                     entry(11, action=Action.MATERIAL_READ, agreement="AG-1")])
        row = tree.leaf(10)
        assert row is not None and decode_leaf(row.data)[0] == 10
        assert tree.leaf(99) is None
        assert [r.index for r in tree.leaves(3, 6)] == [3, 4, 5]
        assert [r.index for r in tree.leaves(0, None, chunk=4)] == list(range(12))
        # Not indexed, partly indexed (the rest read from the leaves), fully indexed:
        # the auditor sees the same answers.
        for indexed in (0, 7, 12):
            if indexed:
                conn.execute(delete(leaf_index))
                _index_up_to(tree, indexed)
            assert tree.indexed_size() == indexed
            assert [r.index for r in tree.search(LeafFilter(actor="user1"))] == [1, 4, 7, 10]
            assert [r.index for r in tree.search(LeafFilter(agreement="AG-1"))] == [10, 11]
            assert [r.index for r in tree.search(LeafFilter(action="material.read"))] == [11]
            assert [r.index for r in tree.search(
                LeafFilter(since=T0 + timedelta(seconds=9)))] == [9, 10, 11]
            assert [r.index for r in tree.search(LeafFilter(after_index=5, limit=2))] == [6, 7]
            assert [r.index for r in tree.search(LeafFilter(actor="user1", limit=3))] \
                == [1, 4, 7]
            (found,) = tree.search(LeafFilter(subject="R-4"))
            assert decode_leaf(found.data)[1].at == T0 + timedelta(seconds=4)


def _index_up_to(tree: LedgerTree, stop: int) -> None:
    rows = [(r.index, *index_columns(r.data)) for r in tree.leaves(0, stop)]
    tree.conn.execute(insert(leaf_index), [dict(zip(("idx", *INDEXED), row, strict=True))
                                           for row in rows])


def test_the_auditor_index_catches_up_in_batches(engine: Engine) -> None:
    with engine.begin() as conn:
        tree = LedgerStore(conn).tree
        tree.append([entry(i) for i in range(25)])
        assert tree.indexed_size() == 0
        assert tree.index_pending(chunk=10) == 25
        assert tree.index_pending() == 0
        tree.append([entry(25, agreement="AG-9")])
        assert tree.index_pending() == 1
        assert tree.index_rows(24, 30) == {
            24: ("2026-03-04T10:00:24.000000Z", "user0", "report.created", "R-24", None, None),
            25: ("2026-03-04T10:00:25.000000Z", "user1", "report.created", "R-25", "AG-9",
                 None)}


def test_a_missing_head_or_misnumbered_rows_are_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        tree = LedgerStore(conn).tree
        with pytest.raises(LedgerError, match="indices must follow on from the claimed"):
            tree.write(0, [LeafRow.of(entry(0), 1)])
        conn.execute(delete(head))
        with pytest.raises(LedgerError, match="ledger_head: the ledger head row is missing"):
            tree.append([entry(0)])


def _hammer(engine: Engine, writers: int, batches: int) -> None:
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for b in range(batches):
                with engine.connect().execution_options(accord_write=True) as conn:
                    with conn.begin():
                        LedgerStore(conn).tree.append(
                            [entry(w * 1000 + b * 10 + i) for i in range(1 + (w + b) % 7)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_concurrent_writers_never_fork_the_log(engine: Engine) -> None:
    _hammer(engine, writers=4, batches=15)
    total = sum(1 + (w + b) % 7 for w in range(4) for b in range(15))
    with engine.connect() as conn:
        tree = LedgerStore(conn).tree
        rows = list(tree.leaves())
        assert tree.size() == total
        assert [r.index for r in rows] == list(range(total))
        assert [decode_leaf(r.data)[0] for r in rows] == list(range(total))
        hashes = LeafHashes(r.leaf_hash for r in rows)
        assert tree.root() == root(hashes, total)
        assert tree.tile_counts().get(4, 0) == total >> 4


def test_the_migration_creates_the_same_tables_and_sessions_work(store: Store,
                                                                 engine: Engine) -> None:
    migrated, made = inspect(store.engine), inspect(engine)
    for table in metadata.sorted_tables:
        assert [c["name"] for c in migrated.get_columns(table.name)] \
            == [c["name"] for c in made.get_columns(table.name)], table.name
        assert migrated.get_pk_constraint(table.name)["constrained_columns"] \
            == made.get_pk_constraint(table.name)["constrained_columns"]
        assert sorted(i["name"] for i in migrated.get_indexes(table.name)) \
            == sorted(i["name"] for i in made.get_indexes(table.name))
    with store.unit_of_work() as uow:
        ledger = LedgerStore(uow.session)
        assert ledger.tree.append([entry(0), entry(1)]) == 0
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        LedgerStore(uow.session).tree.append([entry(2)])
        raise RuntimeError("the act failed, so its leaf must go too")
    with store.unit_of_work(write=False) as uow:
        assert LedgerStore(uow.session).tree.size() == 2


def test_a_leaf_index_is_written_once_whatever_the_head_says(engine: Engine) -> None:
    with engine.begin() as conn:
        LedgerStore(conn).tree.append([entry(0), entry(1)])
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the bundle key refuses it
        conn.execute(update(head).values(size=0))
        tree = LedgerStore(conn).tree
        tree.write(tree.reserve(1), [LeafRow.of(entry(5), 0)])
    with engine.connect() as conn:
        assert [r.index for r in LedgerStore(conn).tree.leaves()] == [0, 1]


def test_already_encoded_leaves_append_like_entries(engine: Engine) -> None:
    made = [entry(i) for i in range(40)]
    with engine.begin() as conn:
        tree = LedgerStore(conn).tree
        assert tree.append(made[:21]) == 0
        assert tree.append_data([encode_leaf(e, i) for i, e in enumerate(made[21:], 21)]) == 21
        assert tree.append_data([]) == 40
        rows = list(tree.leaves())
        assert [decode_leaf(r.data) for r in rows] == list(enumerate(made))
        assert tree.root() == root(LeafHashes(leaf_hash(r.data) for r in rows), 40)


def test_the_stored_tree_agrees_with_pymerkle_at_every_size_up_to_2000(engine: Engine) -> None:
    """Roots and inclusion paths read from bundles (single leaves, batches, rows split at
    BUNDLE_MAX) and tiles, against pymerkle as an oracle, at every size 0..2000."""
    rng = random.Random(20)
    oracle = InmemoryTree()
    datas = [rng.randbytes(rng.randrange(1, 60)) for _ in range(2000)]
    for data in datas:
        oracle.append_entry(data)
    with engine.begin() as conn:
        tree = LedgerStore(conn).tree
        n = 0
        while n < len(datas):
            batch = rng.choice([1, 1, 2, 15, 16, 17, 100, 300])
            tree.append_data(datas[n:n + batch])
            n = min(n + batch, len(datas))
        assert tree.root(0) == EMPTY_ROOT
        for size in range(1, len(datas) + 1):
            assert tree.root(size) == oracle.get_root(size), size
            for index in {0, size - 1, rng.randrange(size)}:
                theirs = oracle.prove_inclusion(index + 1, size).path[1:]  # leaf first, from 1
                assert inclusion_proof(index, size, tree) == list(theirs), (index, size)
