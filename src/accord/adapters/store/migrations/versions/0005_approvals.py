"""Four-eyes approvals of held releases (mirrors ``accord.adapters.store.approvals``).

Revision ID: 0005_approvals
Revises: 0004_ledger_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_approvals"
down_revision = "0004_ledger_index"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", _ID, primary_key=True, autoincrement=False),
        sa.Column("message_id", sa.String(64), nullable=False, unique=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(200), nullable=False),
        sa.Column("report_version", sa.Integer, nullable=False),
        sa.Column("agreement_id", sa.String(200)),
        sa.Column("clause_id", sa.String(200)),
        sa.Column("caused_by", sa.String(500), nullable=False),
        sa.Column("held_at", _TIME, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(500)),
        sa.Column("decided_at", _TIME),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_approvals_state", "approvals", ["state", "id"])
    op.create_index("ix_approvals_report", "approvals", ["report_id"])


def downgrade() -> None:
    op.drop_table("approvals")
