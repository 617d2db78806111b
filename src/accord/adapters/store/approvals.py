"""Four-eyes approvals: one row per release held for a supervisor (migration ``0005``).

A release whose decision needs approval sits in the outbox as ``held`` (no
sequence number, never sent). Its row here says who caused it and, once a
supervisor has looked at it, who decided what and when. ``id`` is the outbox
row's id, so the two are joined without a lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, func, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.adapters.store.codec import from_store
from accord.adapters.store.federation_models import _ID, OutboxRow
from accord.adapters.store.models import Base
from accord.adapters.store.outbox import HELD, REFUSED

WAITING = "held"  # waiting for a supervisor
APPROVED = "approved"  # released into the outbox (numbered, sent in turn)
DECLINED = "refused"  # a supervisor refused it: it never leaves
CANCELLED = "cancelled"  # the agreement was revoked (or the report retracted) meanwhile
STATES = (WAITING, APPROVED, DECLINED, CANCELLED)


class ApprovalRow(Base):
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=False)  # outbox id
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    partner: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(200))
    report_version: Mapped[int] = mapped_column(Integer)
    agreement_id: Mapped[str | None] = mapped_column(String(200))
    clause_id: Mapped[str | None] = mapped_column(String(200))
    caused_by: Mapped[str] = mapped_column(String(500))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_approvals_state", "state", "id"),
                      Index("ix_approvals_report", "report_id"))


@dataclass(frozen=True)
class Approval:
    """A held release and what became of it."""

    id: int
    message_id: str
    partner: str
    report_id: str
    report_version: int
    agreement_id: str | None
    clause_id: str | None
    caused_by: str
    held_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "message_id": self.message_id, "partner": self.partner,
                "report_id": self.report_id, "report_version": self.report_version,
                "agreement_id": self.agreement_id, "clause_id": self.clause_id,
                "caused_by": self.caused_by, "held_at": self.held_at.isoformat(),
                "state": self.state, "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
                "note": self.note}


def _approval(row: ApprovalRow) -> Approval:
    held_at = from_store(row.held_at)
    assert held_at is not None
    return Approval(row.id, row.message_id, row.partner, row.report_id, row.report_version,
                    row.agreement_id, row.clause_id, row.caused_by, held_at, row.state,
                    row.decided_by, from_store(row.decided_at), row.note)


class ApprovalRepository:
    """Held releases, over the caller's session (one unit of work)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hold(self, message_ids: Sequence[str], caused_by: dict[str, str], *,
             now: datetime) -> list[int]:
        """A row for each held outbox message in ``message_ids``; ``caused_by`` maps a
        report id to who caused its change. Returns the new approval ids."""
        if not message_ids:
            return []
        stmt = select(OutboxRow).where(OutboxRow.message_id.in_(list(message_ids)),
                                       OutboxRow.state == HELD)
        rows = [{"id": m.id, "message_id": m.message_id, "partner": m.partner,
                 "report_id": m.report_id, "report_version": m.report_version,
                 "agreement_id": m.agreement_id, "clause_id": m.clause_id,
                 "caused_by": caused_by.get(m.report_id, "system")[:500], "held_at": now,
                 "state": WAITING, "decided_by": None, "decided_at": None, "note": ""}
                for m in self.session.scalars(stmt)]
        if rows:
            self.session.execute(insert(ApprovalRow), rows)
        return [int(str(r["id"])) for r in rows]

    def get(self, approval_id: int, *, for_update: bool = False) -> Approval | None:
        stmt = select(ApprovalRow).where(ApprovalRow.id == approval_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        return None if row is None else _approval(row)

    def find(self, *, state: str | None = WAITING, limit: int = 100,
             after: int = 0) -> list[Approval]:
        """Oldest first; ``state`` None for every state."""
        stmt = (select(ApprovalRow).where(ApprovalRow.id > after)
                .order_by(ApprovalRow.id).limit(limit))
        if state is not None:
            stmt = stmt.where(ApprovalRow.state == state)
        return [_approval(r) for r in self.session.scalars(stmt)]

    def waiting_for(self, *, agreement_id: str | None = None,
                    report_id: str | None = None) -> list[Approval]:
        stmt = select(ApprovalRow).where(ApprovalRow.state == WAITING)
        if agreement_id is not None:
            stmt = stmt.where(ApprovalRow.agreement_id == agreement_id)
        if report_id is not None:
            stmt = stmt.where(ApprovalRow.report_id == report_id)
        return [_approval(r) for r in self.session.scalars(stmt.order_by(ApprovalRow.id))]

    def decide(self, approval_id: int, *, state: str, by: str, now: datetime,
               note: str = "") -> bool:
        """Settle a waiting approval; False if it was not waiting."""
        result = self.session.execute(update(ApprovalRow).where(
            ApprovalRow.id == approval_id, ApprovalRow.state == WAITING).values(
            state=state, decided_by=by[:500], decided_at=now, note=note[:2000]))
        return bool(getattr(result, "rowcount", 0))

    def drop_held(self, outbox_ids: Iterable[int], *, reason: str, now: datetime) -> None:
        """The held outbox messages will never be sent: settle them as refused."""
        ids = list(outbox_ids)
        if ids:
            self.session.execute(update(OutboxRow).where(
                OutboxRow.id.in_(ids), OutboxRow.state == HELD).values(
                state=REFUSED, delivered=now, reason=reason[:100], detail=""))

    def counts(self) -> dict[str, int]:
        stmt = select(ApprovalRow.state, func.count()).group_by(ApprovalRow.state)
        return {str(s): int(n) for s, n in self.session.execute(stmt)}

    def last_id(self) -> int:
        return int(self.session.scalar(select(func.max(ApprovalRow.id))) or 0)
