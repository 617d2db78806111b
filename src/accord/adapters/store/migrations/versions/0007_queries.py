"""Hit/no-hit queries, follow-up requests, rate buckets, deconfliction registrations and
conflicts (mirrors ``accord.adapters.store.query_tables``).

Revision ID: 0007_queries
Revises: 0006_resolution
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_queries"
down_revision = "0006_resolution"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queries",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("exchange", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("asked", sa.Integer, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("refused", sa.String(60)),
        sa.Column("actor", sa.String(500), nullable=False),
        sa.Column("created", _TIME, nullable=False),
    )
    op.create_index("ix_queries_created", "queries", ["created"])
    op.create_table(
        "query_hits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("query_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("asked", sa.Text, nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(80), nullable=False),
        sa.Column("contact", sa.String(500), nullable=False),
        sa.Column("created", _TIME, nullable=False),
    )
    op.create_index("ix_query_hits_reference", "query_hits", ["reference"])
    op.create_index("ix_query_hits_query", "query_hits", ["query_id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(500), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("reports", sa.Text, nullable=False),
        sa.Column("approvals", sa.Text, nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.Column("updated", _TIME, nullable=False),
    )
    op.create_index("ix_follow_ups_partner", "follow_ups", ["partner", "direction"])
    op.create_table(
        "query_rate_buckets",
        sa.Column("partner", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated", _TIME, nullable=False),
    )
    op.create_table(
        "deconfliction_registrations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
        sa.Column("start", _TIME),
        sa.Column("end", _TIME),
        sa.Column("expires", _TIME, nullable=False),
        sa.Column("expired_by", sa.String(500)),
        sa.Column("actor", sa.String(500), nullable=False),
        sa.Column("created", _TIME, nullable=False),
    )
    op.create_index("ix_deconfliction_registrations_expires", "deconfliction_registrations",
                    ["kind", "expires"])
    op.create_table(
        "deconfliction_conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("registration_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("contact", sa.String(500), nullable=False),
        sa.Column("their_ref", sa.String(80), nullable=False),
        sa.Column("notice_id", sa.String(64), nullable=False),
        sa.Column("found_by", sa.String(64), nullable=False),
        sa.Column("created", _TIME, nullable=False),
    )
    op.create_index("ix_deconfliction_conflicts_registration", "deconfliction_conflicts",
                    ["registration_id"])


def downgrade() -> None:
    for table in ("deconfliction_conflicts", "deconfliction_registrations",
                  "query_rate_buckets", "follow_ups", "query_hits", "queries"):
        op.drop_table(table)
