"""Typed SQLAlchemy 2 models: the tables every node has.

The schema itself is created by Alembic migrations (``migrations/versions``),
never by ``metadata.create_all``; these models mirror it so that queries are
typed. Dialect-specific objects (the SQLite FTS5 table, PostgreSQL tsvector and
pg_trgm indexes) exist only in the migrations and in ``search_index.py``.

Conventions: times are stored in UTC; markings and gradings are stored as
canonical JSON text (serialised once per record, identical on both stores).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ReportRow(Base):
    """The current version of each report."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    origin: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    narrative: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    marking: Mapped[str] = mapped_column(Text)
    grading: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # SHA-256 of the report's content without version and times: tells an
    # unchanged re-import from a real update.
    content_hash: Mapped[str] = mapped_column(String(64))


class ReportVersionRow(Base):
    """Every version of every report, as the JSON its ``Report.to_dict`` gives."""

    __tablename__ = "report_versions"

    report_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    recorded: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatementRow(Base):
    """One statement. ``pk`` is derived from ``id`` (see ``statement_pk``)."""

    __tablename__ = "statements"

    pk: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(200))
    schema: Mapped[str] = mapped_column(String(64))
    prop: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    original_value: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("reports.id", ondelete="CASCADE")
    )
    origin: Mapped[str] = mapped_column(String(100))
    marking: Mapped[str] = mapped_column(Text)
    grading: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the statement's report is retracted: kept for the record,
    # hidden from search and entity views by default.
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_statements_entity_id", "entity_id"),
        Index("ix_statements_report_id", "report_id"),
    )


class IdentifierKeyRow(Base):
    """Exact identifier keys (phone E.164, IBAN, IMO, passport...) of statements."""

    __tablename__ = "search_identifiers"

    statement_pk: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statements.pk", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), index=True)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TokenRow(Base):
    """An API token: only the SHA-256 of the secret is stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200), default="")
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
