"""Typed models of the query and deconfliction tables (migration ``0007_queries``).

- ``queries``: every hit/no-hit query this node asked (its own log: partner,
  kind, how many asked, how many hits, or the partner's refusal);
- ``query_hits``: each hit, with what was asked (this node's own data), the
  owner's handling-code label, its opaque reference and point of contact;
- ``follow_ups``: follow-up requests, ``out`` (this node asked a partner) and
  ``in`` (a partner asked this node), with their state;
- ``query_rate_buckets``: the token bucket of each (partner, kind), so a limit
  holds across processes and restarts;
- ``deconfliction_registrations``: this node's targets and operations;
- ``deconfliction_conflicts``: every conflict found or notified, with the
  partner's point of contact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.adapters.store.models import Base

OUT = "out"  # this node asked
IN = "in"  # a partner asked this node


class QueryRow(Base):
    __tablename__ = "queries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    exchange: Mapped[str] = mapped_column(String(20))  # identifier | person
    kind: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(500))
    asked: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)
    refused: Mapped[str | None] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(500))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_queries_created", "created"),)


class HitRow(Base):
    __tablename__ = "query_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    query_id: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    asked: Mapped[str] = mapped_column(Text)  # the PSI item or the person asked (ours)
    label: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(500))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_query_hits_reference", "reference"),
                      Index("ix_query_hits_query", "query_id"))


class FollowUpRow(Base):
    __tablename__ = "follow_ups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    partner: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text)
    reports: Mapped[str] = mapped_column(Text)  # JSON list of report ids
    approvals: Mapped[str] = mapped_column(Text)  # JSON list of approval ids (owner side)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_follow_ups_partner", "partner", "direction"),)


class RateBucketRow(Base):
    __tablename__ = "query_rate_buckets"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegistrationRow(Base):
    __tablename__ = "deconfliction_registrations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # target | operation
    title: Mapped[str] = mapped_column(String(500))
    items: Mapped[str] = mapped_column(Text)  # JSON list of PSI items (targets)
    cells: Mapped[str] = mapped_column(Text)  # JSON list of H3 cells (operations)
    start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expired_by: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(500))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_deconfliction_registrations_expires", "kind", "expires"),)


class ConflictRow(Base):
    __tablename__ = "deconfliction_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_id: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(500))
    their_ref: Mapped[str] = mapped_column(String(80))
    notice_id: Mapped[str] = mapped_column(String(64))
    found_by: Mapped[str] = mapped_column(String(64))  # the node that found it
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_deconfliction_conflicts_registration", "registration_id"),)
