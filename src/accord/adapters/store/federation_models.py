"""Typed models of the federation tables (migration ``0003_federation``).

- ``partners``: pinned keys, URL, delivery settings, per-partner counters;
- ``agreements``: the signed agreement documents this node holds, with status;
- ``outbox``: messages to partners, written in the transaction of the report
  change that caused them, sent in ``seq`` order per partner;
- ``receipts``: the signed receipts partners gave for our messages;
- ``inbox``: messages accepted from partners (``(sender, message_id)`` unique:
  receiving twice changes nothing);
- ``refusals``: every envelope refused, with its reason;
- ``replay_cache``: message ids seen within the freshness window;
- ``received_reports``: reports held for a partner, with their retention deadline.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from accord.adapters.store.models import Base

_ID = BigInteger().with_variant(Integer(), "sqlite")  # INTEGER PRIMARY KEY is the rowid


class PartnerRow(Base):
    __tablename__ = "partners"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    url: Mapped[str] = mapped_column(Text)
    keys: Mapped[str] = mapped_column(Text)  # the pinned node document (JSON)
    fingerprint: Mapped[str] = mapped_column(String(60))
    fingerprint_checked: Mapped[bool] = mapped_column(Boolean)
    push: Mapped[bool] = mapped_column(Boolean)
    pull: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    out_seq: Mapped[int] = mapped_column(BigInteger)  # last seq given to a message to them
    feed_cursor: Mapped[int] = mapped_column(BigInteger)  # last seq taken from their feed
    failures: Mapped[int] = mapped_column(Integer)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text)
    added: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgreementRow(Base):
    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    document: Mapped[str] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(BigInteger)  # None while held for approval
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    report_id: Mapped[str] = mapped_column(String(200))
    report_version: Mapped[int] = mapped_column(Integer)
    agreement_id: Mapped[str | None] = mapped_column(String(200))
    clause_id: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("partner", "seq", name="uq_outbox_partner_seq"),
        Index("ix_outbox_partner_state_seq", "partner", "state", "seq"),
        Index("ix_outbox_report", "report_id"),
    )


class ReceiptRow(Base):
    __tablename__ = "receipts"

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(100))
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(Text)
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InboxRow(Base):
    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    report_id: Mapped[str] = mapped_column(String(200))
    report_version: Mapped[int] = mapped_column(Integer)
    agreement_id: Mapped[str | None] = mapped_column(String(200))
    clause_id: Mapped[str | None] = mapped_column(String(200))
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)
    receipt: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("sender", "message_id", name="uq_inbox_message"),)


class RefusalRow(Base):
    __tablename__ = "refusals"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sender: Mapped[str | None] = mapped_column(String(64))  # as claimed unless authenticated
    message_id: Mapped[str | None] = mapped_column(String(64))
    authenticated: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_refusals_message", "sender", "message_id"),)


class ReplayRow(Base):
    __tablename__ = "replay_cache"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ReceivedReportRow(Base):
    __tablename__ = "received_reports"

    report_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    sender: Mapped[str] = mapped_column(String(64))
    agreement_id: Mapped[str | None] = mapped_column(String(200))
    clause_id: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retain_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
