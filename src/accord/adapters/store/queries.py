"""The query log, hits, follow-up requests and rate buckets, over the caller's session.

Repositories in the style of ``approvals.py``: built on ``uow.session`` inside a
service's unit of work, never committing on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.adapters.store.codec import from_store
from accord.adapters.store.query_tables import (
    FollowUpRow,
    HitRow,
    QueryRow,
    RateBucketRow,
)
from accord.domain.errors import InvalidValue
from accord.domain.ratelimit import Bucket, BucketPolicy, Grant, take


@dataclass(frozen=True)
class StoredHit:
    """A hit as the asker keeps it (``asked`` is its own item, never sent)."""

    query_id: str
    partner: str
    kind: str
    asked: str
    label: str
    reference: str
    contact: str
    created: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"query_id": self.query_id, "partner": self.partner, "kind": self.kind,
                "asked": self.asked, "label": self.label, "reference": self.reference,
                "contact": self.contact, "created": self.created.isoformat()}


@dataclass(frozen=True)
class FollowUp:
    """A follow-up request, asked by this node (``out``) or of it (``in``)."""

    id: str
    direction: str
    partner: str
    reference: str
    kind: str
    purpose: str
    state: str
    actor: str
    detail: str
    reports: tuple[str, ...]
    approvals: tuple[int, ...]
    created: datetime
    updated: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "direction": self.direction, "partner": self.partner,
                "reference": self.reference, "kind": self.kind, "purpose": self.purpose,
                "state": self.state, "actor": self.actor, "detail": self.detail,
                "reports": list(self.reports), "approvals": list(self.approvals),
                "created": self.created.isoformat(), "updated": self.updated.isoformat()}


def _time(value: datetime | None) -> datetime:
    found = from_store(value)
    assert found is not None
    return found


def _hit(row: HitRow) -> StoredHit:
    return StoredHit(row.query_id, row.partner, row.kind, row.asked, row.label, row.reference,
                     row.contact, _time(row.created))


def _follow_up(row: FollowUpRow) -> FollowUp:
    return FollowUp(row.id, row.direction, row.partner, row.reference, row.kind, row.purpose,
                    row.state, row.actor, row.detail, tuple(orjson.loads(row.reports)),
                    tuple(orjson.loads(row.approvals)), _time(row.created), _time(row.updated))


class QueryRepository:
    """Queries asked, hits, follow-ups (see ``query_tables``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def log_query(self, *, query_id: str, partner: str, exchange: str, kind: str,
                  purpose: str, asked: int, hits: int, refused: str | None, actor: str,
                  now: datetime) -> None:
        self.session.add(QueryRow(id=query_id, partner=partner, exchange=exchange, kind=kind,
                                  purpose=purpose[:500], asked=asked, hits=hits,
                                  refused=refused, actor=actor[:500], created=now))

    def add_hits(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.session.add(HitRow(**row))

    def queries(self, *, limit: int = 100) -> list[dict[str, Any]]:
        stmt = select(QueryRow).order_by(QueryRow.created.desc()).limit(limit)
        return [{"id": r.id, "partner": r.partner, "exchange": r.exchange, "kind": r.kind,
                 "purpose": r.purpose, "asked": r.asked, "hits": r.hits, "refused": r.refused,
                 "actor": r.actor, "created": _time(r.created).isoformat()}
                for r in self.session.scalars(stmt)]

    def hits_of(self, query_ids: Sequence[str]) -> list[StoredHit]:
        stmt = select(HitRow).where(HitRow.query_id.in_(list(query_ids))).order_by(HitRow.id)
        return [_hit(r) for r in self.session.scalars(stmt)]

    def hit(self, reference: str) -> StoredHit | None:
        stmt = select(HitRow).where(HitRow.reference == reference).order_by(HitRow.id.desc())
        row = self.session.scalars(stmt.limit(1)).first()
        return None if row is None else _hit(row)

    def counts(self) -> dict[str, int]:
        asked = self.session.scalar(select(func.coalesce(func.sum(QueryRow.asked), 0)))
        hits = self.session.scalar(select(func.count()).select_from(HitRow))
        queries = self.session.scalar(select(func.count()).select_from(QueryRow))
        return {"queries": int(queries or 0), "asked": int(asked or 0), "hits": int(hits or 0)}

    # -- follow-ups ------------------------------------------------------------

    def add_follow_up(self, follow_up: FollowUp) -> None:
        self.session.add(FollowUpRow(
            id=follow_up.id, direction=follow_up.direction, partner=follow_up.partner,
            reference=follow_up.reference, kind=follow_up.kind,
            purpose=follow_up.purpose[:500], state=follow_up.state,
            actor=follow_up.actor[:500], detail=follow_up.detail[:2000],
            reports=orjson.dumps(list(follow_up.reports)).decode(),
            approvals=orjson.dumps(list(follow_up.approvals)).decode(),
            created=follow_up.created, updated=follow_up.updated))

    def follow_up(self, follow_up_id: str, *, direction: str | None = None) -> FollowUp | None:
        row = self.session.get(FollowUpRow, follow_up_id)
        if row is None or (direction is not None and row.direction != direction):
            return None
        return _follow_up(row)

    def set_follow_up(self, follow_up_id: str, *, state: str, now: datetime,
                      detail: str | None = None, reports: Sequence[str] | None = None) -> None:
        row = self.session.get(FollowUpRow, follow_up_id)
        if row is None:
            return
        row.state, row.updated = state, now
        if detail is not None:
            row.detail = detail[:2000]
        if reports is not None:
            row.reports = orjson.dumps(sorted(set(orjson.loads(row.reports)) | set(reports))
                                       ).decode()

    def follow_ups(self, *, direction: str | None = None, limit: int = 100) -> list[FollowUp]:
        stmt = select(FollowUpRow).order_by(FollowUpRow.created.desc()).limit(limit)
        if direction is not None:
            stmt = stmt.where(FollowUpRow.direction == direction)
        return [_follow_up(r) for r in self.session.scalars(stmt)]


class StoreLimiter:
    """A ``Limiter`` (``accord.domain.ratelimit``) whose buckets live in the store.

    Buckets are read and written in the caller's transaction, so a limit holds
    across the API's worker threads, the command line and restarts; a request
    that is refused (or whose transaction rolls back) spends nothing.
    """

    def __init__(self, session: Session, limits: Mapping[str, BucketPolicy], *,
                 now: datetime) -> None:
        self.session, self.limits, self.now = session, limits, now

    def take(self, partner: str, kind: str, cost: int) -> Grant:
        policy = self.limits.get(kind)
        if policy is None:
            raise InvalidValue(f"no rate limit for kind {kind!r} (known: "
                               f"{', '.join(sorted(self.limits))})", where="rate limit")
        stmt = select(RateBucketRow).where(RateBucketRow.partner == partner,
                                           RateBucketRow.kind == kind).with_for_update()
        row = self.session.scalars(stmt).first()
        bucket = None if row is None else Bucket(row.tokens, _time(row.updated))
        grant = take(policy, bucket, cost, self.now)
        if row is None:
            self.session.add(RateBucketRow(partner=partner, kind=kind,
                                           tokens=grant.bucket.tokens,
                                           updated=grant.bucket.updated))
        else:
            row.tokens, row.updated = grant.bucket.tokens, grant.bucket.updated
        self.session.flush()
        return grant
