"""Federation: partners, agreements, outbox, receipts, inbox, refusals, replay cache,
received reports (mirrors ``accord.adapters.store.federation_models``).

Revision ID: 0003_federation
Revises: 0002_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_federation"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("node_id", sa.String(64), primary_key=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("keys", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(60), nullable=False),
        sa.Column("fingerprint_checked", sa.Boolean, nullable=False),
        sa.Column("push", sa.Boolean, nullable=False),
        sa.Column("pull", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("out_seq", sa.BigInteger, nullable=False),
        sa.Column("feed_cursor", sa.BigInteger, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("retry_at", _TIME),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("added", _TIME, nullable=False),
        sa.Column("updated", _TIME, nullable=False),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated", _TIME, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger),
        sa.Column("message_id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("report_id", sa.String(200), nullable=False),
        sa.Column("report_version", sa.Integer, nullable=False),
        sa.Column("agreement_id", sa.String(200)),
        sa.Column("clause_id", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.Column("delivered", _TIME),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(100)),
        sa.Column("detail", sa.Text, nullable=False),
        sa.UniqueConstraint("partner", "seq", name="uq_outbox_partner_seq"),
    )
    op.create_index("ix_outbox_partner_state_seq", "outbox", ["partner", "state", "seq"])
    op.create_index("ix_outbox_report", "outbox", ["report_id"])
    op.create_table(
        "receipts",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(100)),
        sa.Column("ledger_index", sa.BigInteger),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("received", _TIME, nullable=False),
    )
    op.create_table(
        "inbox",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("report_id", sa.String(200), nullable=False),
        sa.Column("report_version", sa.Integer, nullable=False),
        sa.Column("agreement_id", sa.String(200)),
        sa.Column("clause_id", sa.String(200)),
        sa.Column("received", _TIME, nullable=False),
        sa.Column("ledger_index", sa.BigInteger),
        sa.Column("receipt", sa.Text, nullable=False),
        sa.UniqueConstraint("sender", "message_id", name="uq_inbox_message"),
    )
    op.create_table(
        "refusals",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("sender", sa.String(64)),
        sa.Column("message_id", sa.String(64)),
        sa.Column("authenticated", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("receipt", sa.Text),
    )
    op.create_index("ix_refusals_message", "refusals", ["sender", "message_id"])
    op.create_table(
        "replay_cache",
        sa.Column("sender", sa.String(64), primary_key=True),
        sa.Column("message_id", sa.String(80), primary_key=True),
        sa.Column("expires", _TIME, nullable=False),
    )
    op.create_index("ix_replay_cache_expires", "replay_cache", ["expires"])
    op.create_table(
        "received_reports",
        sa.Column("report_id", sa.String(200),
                  sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.String(200)),
        sa.Column("clause_id", sa.String(200)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("received", _TIME, nullable=False),
        sa.Column("retain_until", _TIME, nullable=False),
    )
    op.create_index("ix_received_reports_retain_until", "received_reports", ["retain_until"])


def downgrade() -> None:
    for table in ("received_reports", "replay_cache", "refusals", "inbox", "receipts", "outbox",
                  "agreements", "partners"):
        op.drop_table(table)
