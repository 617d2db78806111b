"""What a node keeps of what partners sent it: the inbox, refusals, the replay cache and
the reports it holds for partners (with their retention deadlines)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from accord.adapters.store.codec import from_store
from accord.adapters.store.federation_models import (
    InboxRow,
    ReceivedReportRow,
    RefusalRow,
    ReplayRow,
)


@dataclass(frozen=True)
class InboxEntry:
    id: int
    sender: str
    message_id: str
    seq: int
    kind: str
    report_id: str
    report_version: int
    agreement_id: str | None
    clause_id: str | None
    received: datetime
    ledger_index: int | None
    receipt: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sender": self.sender, "message_id": self.message_id,
                "seq": self.seq, "kind": self.kind, "report_id": self.report_id,
                "report_version": self.report_version, "agreement_id": self.agreement_id,
                "clause_id": self.clause_id, "received": self.received.isoformat(),
                "ledger_index": self.ledger_index}


@dataclass(frozen=True)
class Refusal:
    id: int
    at: datetime
    sender: str | None
    message_id: str | None
    authenticated: bool
    reason: str
    detail: str
    receipt: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "sender": self.sender,
                "message_id": self.message_id, "authenticated": self.authenticated,
                "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class HeldReport:
    """A report received from a partner, held until ``retain_until``."""

    report_id: str
    sender: str
    agreement_id: str | None
    clause_id: str | None
    version: int
    received: datetime
    retain_until: datetime


def _entry(row: InboxRow) -> InboxEntry:
    received = from_store(row.received)
    assert received is not None
    return InboxEntry(row.id, row.sender, row.message_id, row.seq, row.kind, row.report_id,
                      row.report_version, row.agreement_id, row.clause_id, received,
                      row.ledger_index, row.receipt)


def _refusal(row: RefusalRow) -> Refusal:
    at = from_store(row.at)
    assert at is not None
    return Refusal(row.id, at, row.sender, row.message_id, row.authenticated, row.reason,
                   row.detail, row.receipt)


def _held(row: ReceivedReportRow) -> HeldReport:
    received, until = from_store(row.received), from_store(row.retain_until)
    assert received is not None and until is not None
    return HeldReport(row.report_id, row.sender, row.agreement_id, row.clause_id, row.version,
                      received, until)


Key = tuple[str, str]  # (sender, message id)
_INBOX = cast(Table, InboxRow.__table__)
_REFUSALS = cast(Table, RefusalRow.__table__)
_HELD = cast(Table, ReceivedReportRow.__table__)
_CHUNK = 500  # ids per IN (...) list
_REPLAY = cast(Table, ReplayRow.__table__)

# The statements of the inbox's batch look-ups and writes, built once: building a
# statement costs several times what executing a cached one does.
_GET_MANY = select(_INBOX).where(_INBOX.c.sender == bindparam("b_sender"),
                                 _INBOX.c.message_id.in_(bindparam("b_ids", expanding=True)))
_REFUSALS_OF = select(_REFUSALS).where(
    _REFUSALS.c.sender == bindparam("b_sender"),
    _REFUSALS.c.message_id.in_(bindparam("b_ids", expanding=True)),
    _REFUSALS.c.authenticated.is_(True)).order_by(_REFUSALS.c.id)
_HELD_MANY = select(_HELD).where(_HELD.c.report_id.in_(bindparam("b_ids", expanding=True)))
_REPLAY_OF = select(_REPLAY.c.message_id, _REPLAY.c.expires).where(
    _REPLAY.c.sender == bindparam("b_sender"),
    _REPLAY.c.message_id.in_(bindparam("b_ids", expanding=True)))
_INSERT_INBOX, _INSERT_REFUSALS, _INSERT_HELD = insert(_INBOX), insert(_REFUSALS), insert(_HELD)
#: Which of a sender's message ids the inbox, the authenticated refusals or the replay
#: cache know: one query instead of three when (as usual) none of them does.
INBOX, REFUSAL, REPLAY = "inbox", "refusal", "replay"
_SEEN = union_all(
    select(literal(INBOX), _INBOX.c.message_id).where(
        _INBOX.c.sender == bindparam("b_sender"),
        _INBOX.c.message_id.in_(bindparam("b_ids", expanding=True))),
    select(literal(REFUSAL), _REFUSALS.c.message_id).where(
        _REFUSALS.c.sender == bindparam("b_sender"),
        _REFUSALS.c.message_id.in_(bindparam("b_ids", expanding=True)),
        _REFUSALS.c.authenticated.is_(True)),
    select(literal(REPLAY), _REPLAY.c.message_id).where(
        _REPLAY.c.sender == bindparam("b_sender"),
        _REPLAY.c.message_id.in_(bindparam("b_ids", expanding=True))))


def _by_sender(keys: Iterable[Key]) -> Iterator[tuple[str, list[str]]]:
    """``(sender, message ids)`` chunks of ``keys``, for ``IN (...)`` look-ups."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for sender, message_id in set(keys):
        grouped[sender].append(message_id)
    for sender, ids in grouped.items():
        for start in range(0, len(ids), _CHUNK):
            yield sender, ids[start:start + _CHUNK]


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- accepted messages -----------------------------------------------------------
    def get(self, sender: str, message_id: str) -> InboxEntry | None:
        t = InboxRow.__table__.c
        row = self.session.execute(select(InboxRow.__table__).where(
            t.sender == sender, t.message_id == message_id)).first()
        return None if row is None else _entry(row)  # type: ignore[arg-type]

    def add(self, *, sender: str, message_id: str, seq: int, kind: str, report_id: str,
            report_version: int, agreement_id: str | None, clause_id: str | None,
            received: datetime, ledger_index: int | None, receipt: str) -> None:
        self.session.execute(insert(InboxRow), [{
            "sender": sender, "message_id": message_id, "seq": seq, "kind": kind,
            "report_id": report_id, "report_version": report_version,
            "agreement_id": agreement_id, "clause_id": clause_id, "received": received,
            "ledger_index": ledger_index, "receipt": receipt}])

    def get_many(self, keys: Iterable[Key]) -> dict[Key, InboxEntry]:
        """``get`` for many ``(sender, message id)`` pairs: those found, by pair."""
        out: dict[Key, InboxEntry] = {}
        for sender, ids in _by_sender(keys):
            rows = self.session.execute(_GET_MANY, {"b_sender": sender, "b_ids": ids})
            out.update(((row.sender, row.message_id), _entry(row))  # type: ignore[arg-type]
                       for row in rows)
        return out

    def seen(self, keys: Iterable[Key]) -> dict[str, set[Key]]:
        """Which of these ``(sender, message id)`` pairs the inbox (``INBOX``), the
        authenticated refusals (``REFUSAL``) and the replay cache (``REPLAY``) hold, by
        table; one query per sender (and 500 ids) for all three."""
        out: dict[str, set[Key]] = {INBOX: set(), REFUSAL: set(), REPLAY: set()}
        for sender, ids in _by_sender(keys):
            for table, message_id in self.session.execute(
                    _SEEN, {"b_sender": sender, "b_ids": ids}):
                out[table].add((sender, message_id))
        return out

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """``add`` for several messages (dicts with its keyword names), in this order."""
        if rows:
            self.session.execute(_INSERT_INBOX, list(rows))

    def accepted(self, *, sender: str | None = None, limit: int = 100,
                 after_id: int = 0) -> list[InboxEntry]:
        """Accepted messages in arrival order (after ``after_id``)."""
        stmt = select(InboxRow).where(InboxRow.id > after_id).order_by(InboxRow.id).limit(limit)
        if sender is not None:
            stmt = stmt.where(InboxRow.sender == sender)
        return [_entry(r) for r in self.session.scalars(stmt)]

    def count(self, *, sender: str | None = None) -> int:
        stmt = select(func.count()).select_from(InboxRow)
        if sender is not None:
            stmt = stmt.where(InboxRow.sender == sender)
        return int(self.session.scalar(stmt) or 0)

    # -- refusals --------------------------------------------------------------------
    def refuse(self, *, at: datetime, sender: str | None, message_id: str | None,
               authenticated: bool, reason: str, detail: str, receipt: str | None) -> None:
        self.session.execute(insert(RefusalRow), [{
            "at": at, "sender": (sender or "")[:64] or None,
            "message_id": (message_id or "")[:64] or None, "authenticated": authenticated,
            "reason": reason, "detail": detail[:2000], "receipt": receipt}])

    def refuse_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """``refuse`` for several envelopes (dicts with its keyword names), in this order."""
        if rows:
            self.session.execute(_INSERT_REFUSALS, [{
                "at": r["at"], "sender": (r["sender"] or "")[:64] or None,
                "message_id": (r["message_id"] or "")[:64] or None,
                "authenticated": r["authenticated"], "reason": r["reason"],
                "detail": r["detail"][:2000], "receipt": r["receipt"]} for r in rows])

    def refusals_of(self, keys: Iterable[Key]) -> dict[Key, Refusal]:
        """``refusal_of`` for many ``(sender, message id)`` pairs: those refused, by pair."""
        out: dict[Key, Refusal] = {}
        for sender, ids in _by_sender(keys):
            rows = self.session.execute(_REFUSALS_OF, {"b_sender": sender, "b_ids": ids})
            for row in rows:
                out.setdefault((row.sender, row.message_id), _refusal(row))  # type: ignore[arg-type]
        return out

    def refusal_of(self, sender: str, message_id: str) -> Refusal | None:
        """The first refusal of an authenticated message (what a retry is answered with)."""
        t = RefusalRow.__table__.c
        row = self.session.execute(select(RefusalRow.__table__).where(
            t.sender == sender, t.message_id == message_id,
            t.authenticated.is_(True)).order_by(t.id).limit(1)).first()
        return None if row is None else _refusal(row)  # type: ignore[arg-type]

    def refusals(self, *, limit: int = 100, reason: str | None = None) -> list[Refusal]:
        stmt = select(RefusalRow).order_by(RefusalRow.id.desc()).limit(limit)
        if reason is not None:
            stmt = stmt.where(RefusalRow.reason == reason)
        return [_refusal(r) for r in self.session.scalars(stmt)]

    # -- reports held for partners ---------------------------------------------------
    def held(self, report_id: str) -> HeldReport | None:
        row = self.session.execute(select(ReceivedReportRow.__table__).where(
            ReceivedReportRow.__table__.c.report_id == report_id)).first()
        return None if row is None else _held(row)  # type: ignore[arg-type]

    def held_many(self, report_ids: Iterable[str]) -> dict[str, HeldReport]:
        """``held`` for many reports: those held, by report id."""
        ids = list(set(report_ids))
        out: dict[str, HeldReport] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = self.session.execute(_HELD_MANY, {"b_ids": ids[start:start + _CHUNK]})
            out.update((row.report_id, _held(row)) for row in rows)  # type: ignore[arg-type]
        return out

    def hold_many(self, reports: Sequence[HeldReport]) -> None:
        """Record holds on several newly received reports at once."""
        if reports:
            self.session.execute(_INSERT_HELD, [{
                "report_id": r.report_id, "sender": r.sender, "agreement_id": r.agreement_id,
                "clause_id": r.clause_id, "version": r.version, "received": r.received,
                "retain_until": r.retain_until} for r in reports])

    def hold(self, report: HeldReport, *, new: bool) -> None:
        """Record (``new``) or renew the hold on a received report."""
        values = {"sender": report.sender, "agreement_id": report.agreement_id,
                  "clause_id": report.clause_id, "version": report.version,
                  "received": report.received, "retain_until": report.retain_until}
        if new:
            self.session.execute(insert(ReceivedReportRow),
                                 [{"report_id": report.report_id, **values}])
        else:
            self.session.execute(update(ReceivedReportRow).where(
                ReceivedReportRow.report_id == report.report_id).values(**values))

    def expired(self, now: datetime, *, limit: int = 500) -> list[HeldReport]:
        stmt = (select(ReceivedReportRow).where(ReceivedReportRow.retain_until <= now)
                .order_by(ReceivedReportRow.retain_until).limit(limit))
        return [_held(r) for r in self.session.scalars(stmt)]

    def release_hold(self, report_id: str) -> None:
        self.session.execute(delete(ReceivedReportRow).where(
            ReceivedReportRow.report_id == report_id))


# Plain SQL, the same on SQLite and PostgreSQL (compiled once, unlike a dialect insert).
_REMEMBER = text(
    "INSERT INTO replay_cache (sender, message_id, expires) VALUES (:s, :m, :e) "
    "ON CONFLICT (sender, message_id) DO UPDATE SET expires = excluded.expires "
    "WHERE replay_cache.expires < :now"
).bindparams(bindparam("e", type_=DateTime(timezone=True)),
             bindparam("now", type_=DateTime(timezone=True)))


class SqlReplayCache:
    """``ReplayCache`` on the ``replay_cache`` table, in the caller's transaction.

    Because the entry commits (or rolls back) with whatever the message caused,
    a crash between the two cannot leave a message marked seen but not stored.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def remember(self, sender: str, message_id: str, *, now: datetime,
                 expires_at: datetime) -> bool:
        # one statement: insert, or take over an entry that has expired; a live
        # entry is left alone and nothing is counted (a replay)
        result = self.session.execute(_REMEMBER, {"s": sender, "m": message_id,
                                                  "e": expires_at, "now": now})
        return bool(getattr(result, "rowcount", 0))

    def purge(self, now: datetime) -> int:
        result = self.session.execute(delete(ReplayRow).where(ReplayRow.expires < now))
        return int(getattr(result, "rowcount", 0) or 0)


class BatchReplayCache:
    """``ReplayCache`` for one inbox batch, in the caller's transaction.

    The entries of the ``keys`` that the batch's envelopes claim are read with
    one query up front and the ids remembered are written by ``flush`` in one
    statement, with the same rule as ``SqlReplayCache`` (an expired entry is
    taken over, a live one means a replay). Any other id goes to
    ``SqlReplayCache`` at once. ``flush`` returns False when the statement
    did not write every id: another transaction remembered one in between
    (PostgreSQL), and the caller must roll back and look again.
    """

    def __init__(self, session: Session, keys: Iterable[Key], *,
                 stored: Iterable[Key] | None = None) -> None:
        """``stored``: those of ``keys`` known to have an entry (``InboxRepository.seen``),
        if looked up already: only their entries are read."""
        self.session = session
        self._single = SqlReplayCache(session)
        self._known = set(keys)
        self._expires: dict[Key, datetime] = {}
        for sender, ids in _by_sender(self._known if stored is None else stored):
            rows = session.execute(_REPLAY_OF, {"b_sender": sender, "b_ids": ids})
            for message_id, expires in rows:
                found = from_store(expires)
                assert found is not None
                self._expires[(sender, message_id)] = found
        self._new: dict[Key, tuple[datetime, datetime]] = {}

    def remember(self, sender: str, message_id: str, *, now: datetime,
                 expires_at: datetime) -> bool:
        key = (sender, message_id)
        if key not in self._known:
            return self._single.remember(sender, message_id, now=now, expires_at=expires_at)
        if key in self._new:
            return False
        live = self._expires.get(key)
        if live is not None and not live < now:
            return False
        self._new[key] = (expires_at, now)
        return True

    def flush(self) -> bool:
        """Write the ids remembered since the last flush; False if another got in first."""
        if not self._new:
            return True
        params = [{"s": s, "m": m, "e": expires, "now": now}
                  for (s, m), (expires, now) in self._new.items()]
        self._expires.update((key, expires) for key, (expires, _now) in self._new.items())
        self._new = {}
        result = self.session.execute(_REMEMBER, params)
        if not self.session.get_bind().dialect.supports_sane_multi_rowcount:
            return True  # the inbox's unique key still refuses a second acceptance
        return int(getattr(result, "rowcount", 0)) == len(params)
