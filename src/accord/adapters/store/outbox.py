"""The outbox (messages to partners, in order) and the receipts partners gave for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from accord.adapters.store.codec import from_store
from accord.adapters.store.federation_models import OutboxRow, ReceiptRow

HELD = "held"  # waiting for a supervisor (four-eyes); no seq yet
PENDING = "pending"
DELIVERED = "delivered"
REFUSED = "refused"


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    partner: str
    seq: int | None
    message_id: str
    kind: str
    report_id: str
    report_version: int
    agreement_id: str | None
    clause_id: str | None
    body: str  # canonical JSON of the message body, without "seq"
    state: str
    created: datetime
    delivered: datetime | None
    attempts: int
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "partner": self.partner, "seq": self.seq,
                "message_id": self.message_id, "kind": self.kind, "report_id": self.report_id,
                "report_version": self.report_version, "agreement_id": self.agreement_id,
                "clause_id": self.clause_id, "state": self.state,
                "created": self.created.isoformat(),
                "delivered": self.delivered.isoformat() if self.delivered else None,
                "attempts": self.attempts, "reason": self.reason}


@dataclass(frozen=True)
class Receipt:
    """A partner's signed word about one of our messages."""

    message_id: str
    partner: str
    status: str  # accepted | duplicate | refused
    reason: str | None
    ledger_index: int | None
    token: str
    received: datetime


_OUTBOX = cast(Table, OutboxRow.__table__)
# The dispatcher's statements, built once (building one costs more than running it).
_PENDING = (select(_OUTBOX).where(_OUTBOX.c.partner == bindparam("b_partner"),
                                  _OUTBOX.c.state == PENDING)
            .order_by(_OUTBOX.c.seq).limit(bindparam("b_limit")))
_PENDING_AFTER = _PENDING.where(_OUTBOX.c.seq > bindparam("b_after"))
_PARTNERS_PENDING = select(_OUTBOX.c.partner).where(_OUTBOX.c.state == PENDING).distinct()
_GET_MANY = select(_OUTBOX).where(_OUTBOX.c.message_id.in_(bindparam("b_ids", expanding=True)))
_SETTLE = (update(_OUTBOX).where(_OUTBOX.c.message_id.in_(bindparam("b_ids", expanding=True)),
                                 _OUTBOX.c.state == PENDING)
           .values(state=bindparam("b_state"), delivered=bindparam("b_now"),
                   reason=bindparam("b_reason"), detail=bindparam("b_detail"))
           .returning(_OUTBOX.c.message_id))
_INSERT_RECEIPTS = insert(cast(Table, ReceiptRow.__table__))
_INSERT = insert(_OUTBOX)  # Core: several times cheaper per call than the ORM's bulk insert


def _message(row: Any) -> OutboxMessage:
    created = from_store(row.created)
    assert created is not None
    return OutboxMessage(row.id, row.partner, row.seq, row.message_id, row.kind, row.report_id,
                         row.report_version, row.agreement_id, row.clause_id, row.body,
                         row.state, created, from_store(row.delivered), row.attempts, row.reason)


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, partner: str, seq: int | None, message_id: str, kind: str, report_id: str,
            report_version: int, agreement_id: str | None, clause_id: str | None, body: str,
            state: str, now: datetime) -> None:
        self.add_many([{
            "partner": partner, "seq": seq, "message_id": message_id, "kind": kind,
            "report_id": report_id, "report_version": report_version,
            "agreement_id": agreement_id, "clause_id": clause_id, "body": body, "state": state,
            "created": now}])

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert messages given as dicts with ``add``'s keyword names."""
        if rows:
            self.session.execute(_INSERT, [
                {**row, "delivered": None, "attempts": 0, "reason": None, "detail": ""}
                for row in rows])

    def get(self, message_id: str) -> OutboxMessage | None:
        row = self.session.scalars(select(OutboxRow).where(
            OutboxRow.message_id == message_id)).first()
        return None if row is None else _message(row)

    def get_many(self, message_ids: Sequence[str]) -> dict[str, OutboxMessage]:
        """``get`` for many messages: those found, by message id."""
        ids = list(set(message_ids))
        out: dict[str, OutboxMessage] = {}
        for start in range(0, len(ids), 500):
            rows = self.session.execute(_GET_MANY, {"b_ids": ids[start:start + 500]})
            out.update((row.message_id, _message(row)) for row in rows)
        return out

    def pending(self, partner: str, *, limit: int,
                after: int | None = None) -> list[OutboxMessage]:
        """The partner's undelivered messages, oldest first (seq order); with ``after``,
        only those numbered after it."""
        if after is None:
            rows = self.session.execute(_PENDING, {"b_partner": partner, "b_limit": limit})
        else:
            rows = self.session.execute(_PENDING_AFTER, {"b_partner": partner, "b_limit": limit,
                                                         "b_after": after})
        return [_message(r) for r in rows]

    def partners_pending(self) -> list[str]:
        return sorted(self.session.scalars(_PARTNERS_PENDING))

    def feed(self, partner: str, *, since: int, limit: int) -> list[OutboxMessage]:
        """Every numbered message to ``partner`` after ``since`` (any state), in order."""
        stmt = (select(OutboxRow).where(OutboxRow.partner == partner, OutboxRow.seq > since)
                .order_by(OutboxRow.seq).limit(limit))
        return [_message(r) for r in self.session.scalars(stmt)]

    def settle(self, message_id: str, *, state: str, now: datetime, reason: str | None = None,
               detail: str = "") -> bool:
        """Mark a pending message delivered or refused; False if it was not pending."""
        result = self.session.execute(update(OutboxRow).where(
            OutboxRow.message_id == message_id, OutboxRow.state == PENDING).values(
            state=state, delivered=now, reason=reason, detail=detail[:2000]))
        return bool(getattr(result, "rowcount", 0))

    def states(self, message_ids: Sequence[str]) -> dict[str, str]:
        """``{message id: state}`` of those of ``message_ids`` in the outbox."""
        stmt = select(OutboxRow.message_id, OutboxRow.state).where(
            OutboxRow.message_id.in_(list(message_ids)))
        return {m: s for m, s in self.session.execute(stmt)}

    def settle_many(self, settled: Sequence[tuple[str, str, str | None, str]], *,
                    now: datetime) -> None:
        """Mark pending messages ``(message id, state, reason, detail)`` settled at once."""
        if settled:
            t = cast(Table, OutboxRow.__table__)
            self.session.execute(
                update(t).where(t.c.message_id == bindparam("m"), t.c.state == PENDING)
                .values(state=bindparam("s"), delivered=now, reason=bindparam("r"),
                        detail=bindparam("d")),
                [{"m": m, "s": state, "r": reason, "d": detail[:2000]}
                 for m, state, reason, detail in settled])

    def settle_pending(self, settled: Sequence[tuple[str, str, str | None, str]], *,
                       now: datetime) -> set[str]:
        """Mark those of the messages ``(message id, state, reason, detail)`` that are still
        pending settled (one ``UPDATE ... RETURNING`` per kind of answer); the ids it
        settled. A message settled already (its receipt came both ways) is left alone."""
        groups: dict[tuple[str, str | None, str], list[str]] = {}
        for message_id, state, reason, detail in settled:
            groups.setdefault((state, reason, detail[:2000]), []).append(message_id)
        done: set[str] = set()
        for (state, reason, detail), ids in groups.items():
            for start in range(0, len(ids), 500):
                done.update(self.session.scalars(_SETTLE, {
                    "b_ids": ids[start:start + 500], "b_state": state, "b_now": now,
                    "b_reason": reason, "b_detail": detail}))
        return done

    def count_attempt(self, message_ids: Sequence[str]) -> None:
        if message_ids:
            self.session.execute(update(OutboxRow).where(
                OutboxRow.message_id.in_(list(message_ids))).values(
                attempts=OutboxRow.attempts + 1))

    def release_held(self, outbox_id: int, seq: int) -> OutboxMessage | None:
        """Give a held message its sequence number: it goes out next for its partner."""
        row = self.session.get(OutboxRow, outbox_id)
        if row is None or row.state != HELD:
            return None
        row.seq, row.state = seq, PENDING
        self.session.flush()
        return _message(row)

    def for_report(self, report_id: str) -> list[OutboxMessage]:
        stmt = select(OutboxRow).where(OutboxRow.report_id == report_id).order_by(OutboxRow.id)
        return [_message(r) for r in self.session.scalars(stmt)]

    def list(self, *, partner: str | None = None, state: str | None = None,
             limit: int = 100) -> list[OutboxMessage]:
        stmt = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
        if partner is not None:
            stmt = stmt.where(OutboxRow.partner == partner)
        if state is not None:
            stmt = stmt.where(OutboxRow.state == state)
        return [_message(r) for r in self.session.scalars(stmt)]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{partner: {state: count}}``."""
        out: dict[str, dict[str, int]] = {}
        stmt = select(OutboxRow.partner, OutboxRow.state, func.count()).group_by(
            OutboxRow.partner, OutboxRow.state)
        for partner, state, n in self.session.execute(stmt):
            out.setdefault(partner, {})[state] = int(n)
        return out

    # -- receipts --------------------------------------------------------------------
    def add_receipts(self, receipts: Iterable[Receipt], *, new: bool = False) -> None:
        """Keep receipts (one per message: a second one for a message is ignored; ``new``
        when the caller knows there is none yet, as for messages it just settled)."""
        rows = [{"message_id": r.message_id, "partner": r.partner, "status": r.status,
                 "reason": r.reason, "ledger_index": r.ledger_index, "token": r.token,
                 "received": r.received} for r in receipts]
        known = set(self.session.scalars(select(ReceiptRow.message_id).where(
            ReceiptRow.message_id.in_([r["message_id"] for r in rows])))) if (
            rows and not new) else set()
        fresh = [r for r in rows if r["message_id"] not in known]
        if fresh:
            self.session.execute(_INSERT_RECEIPTS, fresh)

    def receipt(self, message_id: str) -> Receipt | None:
        row = self.session.get(ReceiptRow, message_id)
        if row is None:
            return None
        received = from_store(row.received)
        assert received is not None
        return Receipt(row.message_id, row.partner, row.status, row.reason, row.ledger_index,
                       row.token, received)
