"""Migration 0008: leaves written one row each (the old layout) become bundles with every
root, proof, leaf and check unchanged; and back (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, inspect
from tests.ledger_tamper import bundle_of

from accord.adapters.ledger import LedgerStore
from accord.adapters.ledger.tables import BUNDLE_MAX, TILE_STRIDE
from accord.adapters.store.engine import create_store_engine
from accord.adapters.store.migrate import _config
from accord.domain.ledger_entry import Action, LedgerEntry, encode_leaf
from accord.domain.merkle import LeafHashes, inclusion_proof, leaf_hash, perfect_root, root
from accord.domain.signed_note import NoteSigner
from accord.services.ledger_verify import verify_all

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
SIZE = 2 * BUNDLE_MAX + 37  # three bundles: two full, one partial


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = create_store_engine(store_url)
    yield eng
    eng.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = _config()
    with engine.connect().execution_options(accord_write=True) as conn, conn.begin():
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


class _Uow:
    def __init__(self, store: LedgerStore) -> None:
        self.ledger = store


def old_layout(engine: Engine, size: int) -> list[bytes]:
    """Write ``size`` leaves and their tiles as revision 0007 stored them; returns the
    leaf hashes."""
    datas = [encode_leaf(LedgerEntry(Action.MATERIAL_READ, actor=f"analyst{i % 5}",
                                     subject=f"R-{i}", at=T0 + timedelta(seconds=i)), i)
             for i in range(size)]
    hashes = [leaf_hash(d) for d in datas]
    tiles = [(level, i, perfect_root(hashes[i << level:(i + 1) << level]))
             for level in range(TILE_STRIDE, size.bit_length(), TILE_STRIDE)
             for i in range(size >> level)]
    with engine.begin() as conn:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"INSERT INTO ledger_leaves (idx, leaf_hash, data) "
                             f"VALUES ({mark}, {mark}, {mark})",
                             [(i, h, d) for i, (h, d) in enumerate(zip(hashes, datas,
                                                                       strict=True))])
        conn.exec_driver_sql(f"INSERT INTO ledger_tiles (level, idx, hash) "
                             f"VALUES ({mark}, {mark}, {mark})", tiles)
        conn.exec_driver_sql(f"UPDATE ledger_head SET size = {mark}", (size,))
    return hashes


def test_old_leaves_become_bundles_with_the_same_roots_and_proofs(engine: Engine) -> None:
    migrate(engine, "0007_queries")
    expected = LeafHashes(old_layout(engine, SIZE))
    migrate(engine, "head")
    assert "ledger_leaves" not in inspect(engine).get_table_names()
    rng = random.Random(8)
    with engine.connect() as conn:
        tree = LedgerStore(conn).tree
        assert [bundle_of(conn, i)[0] for i in (0, BUNDLE_MAX - 1, BUNDLE_MAX, SIZE - 1)] \
            == [0, 0, BUNDLE_MAX, 2 * BUNDLE_MAX]
        assert [r.leaf_hash for r in tree.leaves()] == expected.leaves
        for size in (1, 16, 17, BUNDLE_MAX, BUNDLE_MAX + 1, SIZE):
            assert tree.root(size) == root(expected, size)
            for index in {0, size - 1, rng.randrange(size)}:
                assert inclusion_proof(index, size, tree) == inclusion_proof(index, size,
                                                                             expected)
        report = verify_all(_Uow(LedgerStore(conn)), _NOBODY)
        assert report.ok, report.problems[:3]
        assert report.leaves_checked == SIZE
    with engine.begin() as conn:  # and the log goes on from there
        tree = LedgerStore(conn).tree
        assert tree.append([LedgerEntry(Action.MATERIAL_READ, actor="ana", at=T0)]) == SIZE
        added = tree.leaf(SIZE)
        assert added is not None
        assert tree.root() == root(LeafHashes([*expected.leaves, added.leaf_hash]), SIZE + 1)
    migrate(engine, "0007_queries", down=True)
    with engine.connect() as conn:
        back = conn.exec_driver_sql("SELECT idx, leaf_hash FROM ledger_leaves ORDER BY idx")
        assert [bytes(h) for _, h in back][:SIZE] == expected.leaves


_NOBODY = NoteSigner("accord.node/nobody", Ed25519PrivateKey.from_private_bytes(bytes(32))).verifier
