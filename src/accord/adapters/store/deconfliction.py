"""Deconfliction registrations (targets, operations) and conflicts, over the caller's session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.adapters.store.codec import from_store
from accord.adapters.store.query_tables import ConflictRow, RegistrationRow

TARGET = "target"
OPERATION = "operation"


@dataclass(frozen=True)
class Registration:
    """One of this node's registrations (its own data: items and cells stay home)."""

    id: str
    kind: str
    title: str
    items: tuple[str, ...]
    cells: tuple[str, ...]
    start: datetime | None
    end: datetime | None
    expires: datetime
    expired_by: str | None
    actor: str
    created: datetime

    def active(self, now: datetime) -> bool:
        return now < self.expires

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "title": self.title,
            "expires": self.expires.isoformat(), "expired_by": self.expired_by,
            "actor": self.actor, "created": self.created.isoformat()}
        if self.kind == TARGET:
            out["items"] = list(self.items)
        else:
            out |= {"cells": len(self.cells),
                    "start": self.start.isoformat() if self.start else None,
                    "end": self.end.isoformat() if self.end else None}
        if now is not None:
            out["active"] = self.active(now)
        return out


@dataclass(frozen=True)
class Conflict:
    """A conflict with a partner's registration: whom to call, nothing else."""

    id: int
    registration_id: str
    partner: str
    kind: str
    contact: str
    their_ref: str
    notice_id: str
    found_by: str
    created: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "registration": self.registration_id, "partner": self.partner,
                "kind": self.kind, "contact": self.contact, "their_ref": self.their_ref,
                "notice_id": self.notice_id, "found_by": self.found_by,
                "created": self.created.isoformat()}


def _time(value: datetime | None) -> datetime:
    found = from_store(value)
    assert found is not None
    return found


def _registration(row: RegistrationRow) -> Registration:
    return Registration(row.id, row.kind, row.title, tuple(orjson.loads(row.items)),
                        tuple(orjson.loads(row.cells)), from_store(row.start),
                        from_store(row.end), _time(row.expires), row.expired_by, row.actor,
                        _time(row.created))


def _conflict(row: ConflictRow) -> Conflict:
    return Conflict(row.id, row.registration_id, row.partner, row.kind, row.contact,
                    row.their_ref, row.notice_id, row.found_by, _time(row.created))


class DeconflictionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, registration: Registration) -> None:
        r = registration
        self.session.add(RegistrationRow(
            id=r.id, kind=r.kind, title=r.title[:500],
            items=orjson.dumps(list(r.items)).decode(),
            cells=orjson.dumps(sorted(r.cells)).decode(), start=r.start, end=r.end,
            expires=r.expires, expired_by=r.expired_by, actor=r.actor[:500],
            created=r.created))
        self.session.flush()

    def get(self, registration_id: str) -> Registration | None:
        row = self.session.get(RegistrationRow, registration_id)
        return None if row is None else _registration(row)

    def active(self, kind: str, now: datetime) -> list[Registration]:
        stmt = (select(RegistrationRow).where(RegistrationRow.kind == kind,
                                              RegistrationRow.expires > now)
                .order_by(RegistrationRow.id))
        return [_registration(r) for r in self.session.scalars(stmt)]

    def recent(self, *, limit: int = 100) -> list[Registration]:
        stmt = select(RegistrationRow).order_by(RegistrationRow.created.desc()).limit(limit)
        return [_registration(r) for r in self.session.scalars(stmt)]

    def expire(self, registration_id: str, *, by: str, now: datetime) -> bool:
        """End a registration now; False if there is none or it had ended."""
        row = self.session.get(RegistrationRow, registration_id)
        if row is None or _time(row.expires) <= now:
            return False
        row.expires, row.expired_by = now, by[:500]
        return True

    def add_conflict(self, *, registration_id: str, partner: str, kind: str, contact: str,
                     their_ref: str, notice_id: str, found_by: str, now: datetime) -> Conflict:
        row = ConflictRow(registration_id=registration_id, partner=partner, kind=kind,
                          contact=contact[:500], their_ref=their_ref, notice_id=notice_id,
                          found_by=found_by, created=now)
        self.session.add(row)
        self.session.flush()
        return _conflict(row)

    def conflicts(self, *, registration_id: str | None = None,
                  limit: int = 1000) -> list[Conflict]:
        stmt = select(ConflictRow).order_by(ConflictRow.id).limit(limit)
        if registration_id is not None:
            stmt = stmt.where(ConflictRow.registration_id == registration_id)
        return [_conflict(r) for r in self.session.scalars(stmt)]

    def counts(self) -> dict[str, int]:
        registrations = self.session.scalar(select(func.count()).select_from(RegistrationRow))
        conflicts = self.session.scalar(select(func.count()).select_from(ConflictRow))
        return {"registrations": int(registrations or 0), "conflicts": int(conflicts or 0)}
