"""Foundation: reports and their versions, statements, search index, users, tokens.

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

_ROLES = ("analyst", "supervisor", "liaison", "auditor", "admin")


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("origin", sa.String(100), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("narrative", sa.Text, nullable=False, server_default=""),
        sa.Column("purpose", sa.Text, nullable=False, server_default=""),
        sa.Column("marking", sa.Text, nullable=False),
        sa.Column("grading", sa.Text),
        sa.Column("review_date", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _when("created"),
        _when("updated"),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("status IN ('active', 'retracted')", name="ck_reports_status"),
    )
    op.create_table(
        "report_versions",
        sa.Column("report_id", sa.String(200),
                  sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        _when("recorded"),
    )
    op.create_table(
        "statements",
        sa.Column("pk", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("prop", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("original_value", sa.Text),
        sa.Column("report_id", sa.String(200),
                  sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("origin", sa.String(100), nullable=False),
        sa.Column("marking", sa.Text, nullable=False),
        sa.Column("grading", sa.Text),
        _when("first_seen", nullable=True),
        _when("last_seen", nullable=True),
        sa.Column("retracted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_statements_entity_id", "statements", ["entity_id"])
    op.create_index("ix_statements_report_id", "statements", ["report_id"])
    op.create_table(
        "search_identifiers",
        sa.Column("statement_pk", sa.BigInteger,
                  sa.ForeignKey("statements.pk", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
    )
    op.create_index("ix_search_identifiers_key", "search_identifiers", ["key"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_search()
    else:
        _sqlite_search()

    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        _when("created"),
        sa.CheckConstraint(f"role IN {_ROLES!r}", name="ck_users_role"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        _when("created"),
        _when("last_used", nullable=True),
        _when("revoked", nullable=True),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])


def _postgresql_search() -> None:
    # Long texts (notes) exceed a btree entry, so the value part is a prefix;
    # lookups compare the same prefix and then the full value.
    op.execute("CREATE INDEX ix_statements_prop_value ON statements (prop, substr(value, 1, 200))")
    op.execute(
        "DO $$ BEGIN "
        "IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN "
        "CREATE EXTENSION pg_trgm; END IF; END $$"
    )
    # Name keys are indexed verbatim: array_to_tsvector takes each key as a
    # lexeme without parsing, so matching is exactly key equality, as on SQLite.
    op.execute(
        "CREATE TABLE search_names ("
        " statement_pk BIGINT PRIMARY KEY REFERENCES statements(pk) ON DELETE CASCADE,"
        " keys TEXT NOT NULL,"
        " tsv TSVECTOR GENERATED ALWAYS AS"
        " (array_to_tsvector(string_to_array(keys, ' '))) STORED)"
    )
    op.execute("CREATE INDEX ix_search_names_tsv ON search_names USING gin (tsv)")
    op.execute("CREATE INDEX ix_search_names_trgm ON search_names USING gin (keys gin_trgm_ops)")


def _sqlite_search() -> None:
    op.execute("CREATE INDEX ix_statements_prop_value ON statements (prop, value)")
    # rowid = statements.pk; the trigger stands in for PostgreSQL's cascade.
    op.execute("CREATE VIRTUAL TABLE search_names USING fts5(keys, tokenize = 'unicode61')")
    op.execute(
        "CREATE TRIGGER trg_statements_search_names AFTER DELETE ON statements "
        "BEGIN DELETE FROM search_names WHERE rowid = old.pk; END"
    )


def downgrade() -> None:
    op.drop_table("tokens")
    op.drop_table("users")
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_statements_search_names")
    op.execute("DROP TABLE IF EXISTS search_names")
    op.drop_table("search_identifiers")
    op.drop_table("statements")
    op.drop_table("report_versions")
    op.drop_table("reports")
