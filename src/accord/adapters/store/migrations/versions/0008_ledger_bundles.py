"""Ledger: leaves move from one row each (``ledger_leaves``) to bundles, one row per
appended batch (``ledger_bundles``: leaf hashes, data and end offsets concatenated).

Mirrors ``accord.adapters.ledger.tables``. Existing leaves are copied in runs of
consecutive indices, at most ``BUNDLE_MAX`` to a bundle, their data and stored
hashes byte for byte (a gap or a damaged row stays exactly as it was, for the
auditor to find); the tiles (levels 4, 8, ...) are unchanged, so every root and
proof is the same before and after. The downgrade splits bundles back into rows.

Revision ID: 0008_ledger_bundles
Revises: 0007_queries
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from itertools import accumulate

import sqlalchemy as sa
from alembic import op

revision = "0008_ledger_bundles"
down_revision = "0007_queries"
branch_labels = None
depends_on = None

_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BUNDLE_MAX = 256  # as accord.adapters.ledger.tables (any size reads back)
PAGE = 20_000


def upgrade() -> None:
    op.create_table(
        "ledger_bundles",
        sa.Column("first_idx", _INDEX, primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
        sa.Column("ends", sa.LargeBinary, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":  # no pglz on the append path (see tables.py)
        for column in ("hashes", "ends", "data"):
            op.execute(f"ALTER TABLE ledger_bundles ALTER COLUMN {column} SET STORAGE EXTERNAL")
    insert = sa.text("INSERT INTO ledger_bundles (first_idx, n, hashes, ends, data) "
                     "VALUES (:first_idx, :n, :hashes, :ends, :data)")
    run: list[tuple[int, bytes, bytes]] = []
    for idx, leaf_hash, data in _old_leaves(conn):
        if run and (idx != run[-1][0] + 1 or len(run) == BUNDLE_MAX):
            conn.execute(insert, _bundle(run))
            run = []
        run.append((idx, bytes(leaf_hash), bytes(data)))
    if run:
        conn.execute(insert, _bundle(run))
    op.drop_table("ledger_leaves")


def downgrade() -> None:
    op.create_table(
        "ledger_leaves",
        sa.Column("idx", _INDEX, primary_key=True, autoincrement=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    conn = op.get_bind()
    insert = sa.text("INSERT INTO ledger_leaves (idx, leaf_hash, data) "
                     "VALUES (:idx, :leaf_hash, :data)")
    after = -1
    while True:
        rows = conn.execute(sa.text(
            "SELECT first_idx, n, hashes, ends, data FROM ledger_bundles "
            "WHERE first_idx > :after ORDER BY first_idx LIMIT 100"), {"after": after}).all()
        if not rows:
            break
        out = []
        for first, n, hashes, ends, data in rows:
            hashes, ends, data = bytes(hashes), bytes(ends), bytes(data)
            offsets = struct.unpack(f">{len(ends) // 4}I", ends[:len(ends) // 4 * 4])
            start = 0
            for k in range(n):
                end = offsets[k] if k < len(offsets) else len(data)
                out.append({"idx": first + k, "leaf_hash": hashes[32 * k:32 * k + 32],
                            "data": data[start:end]})
                start = end
        if out:
            conn.execute(insert, out)
        after = rows[-1][0]
    op.drop_table("ledger_bundles")


def _old_leaves(conn: sa.Connection) -> Iterator[tuple[int, bytes, bytes]]:
    after = -1
    while True:
        rows = conn.execute(sa.text(
            "SELECT idx, leaf_hash, data FROM ledger_leaves WHERE idx > :after "
            "ORDER BY idx LIMIT :page"), {"after": after, "page": PAGE}).all()
        if not rows:
            return
        for row in rows:
            yield int(row[0]), row[1], row[2]
        after = int(rows[-1][0])


def _bundle(run: list[tuple[int, bytes, bytes]]) -> dict[str, object]:
    datas = [data for _, _, data in run]
    return {"first_idx": run[0][0], "n": len(run),
            "hashes": b"".join(h for _, h, _ in run),
            "ends": struct.pack(f">{len(datas)}I", *accumulate(map(len, datas))),
            "data": b"".join(datas)}
