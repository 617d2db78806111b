"""Ledger: the auditor's query columns move from every leaf row to a derived, indexed
table (``ledger_index``), so an append writes only ``(idx, leaf_hash, data)``.

Mirrors ``accord.adapters.ledger.tables``. Existing leaves keep their data and
hashes; their query columns are copied into the new table first.

Revision ID: 0004_ledger_index
Revises: 0003_federation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ledger_index"
down_revision = "0003_federation"
branch_labels = None
depends_on = None

_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOVED = ("at", "actor", "action", "subject", "agreement", "partner")


def upgrade() -> None:
    op.create_table(
        "ledger_index",
        sa.Column("idx", _INDEX, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("actor", sa.String(500), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("agreement", sa.String(500)),
        sa.Column("partner", sa.String(500)),
    )
    columns = ", ".join(("idx", *_MOVED))
    op.execute(f"INSERT INTO ledger_index ({columns}) SELECT {columns} FROM ledger_leaves")
    for name in ("actor", "action", "agreement"):
        op.create_index(f"ledger_index_{name}", "ledger_index", [name, "idx"])
    # SQLite has had DROP COLUMN since 3.35; a batch (copy) would rewrite the whole log.
    for name in _MOVED:
        op.drop_column("ledger_leaves", name)


def downgrade() -> None:
    for name, type_ in (("at", sa.String(27)), ("actor", sa.String(500)),
                        ("action", sa.String(40)), ("subject", sa.String(500)),
                        ("agreement", sa.String(500)), ("partner", sa.String(500))):
        op.add_column("ledger_leaves", sa.Column(name, type_))
        # Leaves not yet indexed get NULL here: the leaf data is the source of truth.
        op.execute(f"UPDATE ledger_leaves SET {name} = (SELECT i.{name} FROM ledger_index i "
                   "WHERE i.idx = ledger_leaves.idx)")
    op.drop_table("ledger_index")
