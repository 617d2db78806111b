"""Entity resolution: models, mentions, blocking keys, links, clusters, judgements.

Mirrors ``accord.adapters.store.resolution_tables`` (which keeps its own MetaData).

Revision ID: 0006_resolution
Revises: 0005_approvals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_resolution"
down_revision = "0005_approvals"
branch_labels = None
depends_on = None

ID = 200


def upgrade() -> None:
    op.create_table(
        "resolution_models",
        sa.Column("family", sa.String(40), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "resolution_mentions",
        sa.Column("entity_id", sa.String(ID), primary_key=True),
        sa.Column("family", sa.String(40), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("canonical_id", sa.String(40)),
    )
    op.create_index("ix_resolution_mentions_family", "resolution_mentions", ["family"])
    op.create_index("ix_resolution_mentions_canonical", "resolution_mentions",
                    ["canonical_id"])
    op.create_table(
        "resolution_keys",
        sa.Column("family", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("entity_id", sa.String(ID), primary_key=True),
    )
    op.create_index("ix_resolution_keys_entity", "resolution_keys", ["entity_id"])
    op.create_table(
        "resolution_links",
        sa.Column("left_id", sa.String(ID), primary_key=True),
        sa.Column("right_id", sa.String(ID), primary_key=True),
        sa.Column("family", sa.String(40), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_resolution_links_right", "resolution_links", ["right_id"])
    op.create_table(
        "resolution_clusters",
        sa.Column("canonical_id", sa.String(40), primary_key=True),
        sa.Column("family", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_resolution_clusters_family", "resolution_clusters",
                    ["family", "size"])
    op.create_table(
        "resolution_judgements",
        sa.Column("left_id", sa.String(ID), primary_key=True),
        sa.Column("right_id", sa.String(ID), primary_key=True),
        sa.Column("judgement", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("resolution_judgements", "resolution_clusters", "resolution_links",
                  "resolution_keys", "resolution_mentions", "resolution_models"):
        op.drop_table(table)
