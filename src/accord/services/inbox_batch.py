"""One inbox batch: what the receiver reads once and writes once for all its envelopes.

``Receiver.receive`` handles a batch of envelopes in one transaction. Instead
of a handful of statements per envelope, an ``InboxBatch``

* reads up front what the checks need to know of the ids the envelopes claim
  (one query says which the inbox, the refusals and the replay cache know; only
  those are then read: accepted before, refused before, replay entries) and of
  the reports they carry (``prefetch``: held, stored);
* buffers the new reports (``NewReports``), the accepted messages, the
  refusals, the replay-cache entries and the ledger entries, and writes each
  kind with one statement in ``finish``, in message order. The arrivals'
  ledger indices are known only then, so the receipts are made there: every
  receipt of the batch (arrivals and refusals) under one signature
  (``accord.adapters.receipts.sign_receipts``).

Everything happens in the caller's transaction: a crash, or an error in
``finish``, leaves nothing of the batch behind, and the sender sends it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from accord.adapters.store import UnitOfWork
from accord.adapters.store.inbox import (
    INBOX,
    REFUSAL,
    REPLAY,
    BatchReplayCache,
    InboxEntry,
    Key,
)
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.messages import Message
from accord.domain.registry import Registry
from accord.services import acts
from accord.services.received import NewReports, ReportStates


class BatchConflict(Exception):
    """Another transaction remembered one of the batch's message ids first: roll back and
    handle the batch again (it then finds those messages and answers accordingly)."""


@dataclass
class Arrival:
    """A message accepted in this batch; ``finish`` records it and signs its receipt."""

    sender: str
    message_id: str
    release: Message
    entry: int  # the position of its ledger entry among the batch's
    received: datetime
    ledger_index: int | None = None
    receipt: str | None = None


#: The answer given to a message refused before: (reason, detail, receipt).
Refused = tuple[str, str, str | None]
#: Signs a batch's receipt leaves at once: one receipt per leaf, in order.
SignAll = Callable[[list[dict[str, Any]]], list[str]]


class InboxBatch:
    """Look-ups and buffered writes of one inbox batch (see the module docstring)."""

    def __init__(self, uow: UnitOfWork, registry: Registry,
                 claimed: Sequence[tuple[str | None, str | None]]) -> None:
        keys = [(s, m) for s, m in claimed if s is not None and m is not None]
        self.uow = uow
        self._looked_up = set(keys)
        # one query says which ids the inbox, the refusals and the replay cache know (as a
        # rule none); only what it finds is read in full
        seen = uow.inbox.seen(keys)
        self._accepted: dict[Key, InboxEntry | Arrival] = (
            dict(uow.inbox.get_many(seen[INBOX])) if seen[INBOX] else {})
        self._refused: dict[Key, dict[str, Any]] = {
            k: {"reason": r.reason, "detail": r.detail, "receipt": r.receipt}
            for k, r in (uow.inbox.refusals_of(seen[REFUSAL]) if seen[REFUSAL] else {}).items()}
        self.replay_cache = BatchReplayCache(uow.session, keys, stored=seen[REPLAY])
        self.new_reports = NewReports(uow, registry)
        self.reports = ReportStates(uow, (), self.new_reports)
        self.arrivals: list[Arrival] = []
        self._entries: list[LedgerEntry] = []
        self._refusals: list[dict[str, Any]] = []
        # what gets a receipt, in message order: a refusal's row and its leaf, or an arrival
        self._receipts: list[tuple[dict[str, Any], dict[str, Any]] | Arrival] = []

    def prefetch(self, report_ids: Iterable[str]) -> None:
        """Read what the store holds of these reports, one query for all."""
        self.reports = ReportStates(self.uow, report_ids, self.new_reports)

    def accepted_before(self, sender: str, message_id: str) -> InboxEntry | Arrival | None:
        """The earlier acceptance of this message, in the store or in this batch."""
        key = (sender, message_id)
        if key in self._accepted or key in self._looked_up:
            return self._accepted.get(key)
        return self.uow.inbox.get(sender, message_id)

    def refused_before(self, sender: str, message_id: str) -> Refused | None:
        """The first refusal of this authenticated message, in the store or in this batch."""
        key = (sender, message_id)
        if key in self._refused or key in self._looked_up:
            row = self._refused.get(key)
        else:
            found = self.uow.inbox.refusal_of(sender, message_id)
            row = None if found is None else {"reason": found.reason, "detail": found.detail,
                                              "receipt": found.receipt}
        return None if row is None else (row["reason"], row["detail"], row["receipt"])

    def refuse(self, *, at: datetime, sender: str | None, message_id: str | None,
               authenticated: bool, reason: str, detail: str,
               leaf: dict[str, Any] | None = None,
               entry: LedgerEntry | None = None) -> Callable[[], str | None]:
        """Log a refusal (and its ledger entry, if any), written by ``finish``, with a
        receipt for ``leaf`` if given; what gives the receipt once ``finish`` made it."""
        row = {"at": at, "sender": sender, "message_id": message_id,
               "authenticated": authenticated, "reason": reason, "detail": detail,
               "receipt": None}
        self._refusals.append(row)
        if leaf is not None:
            self._receipts.append((row, leaf))
        if authenticated and sender and message_id:
            self._refused.setdefault((sender, message_id), row)
        if entry is not None:
            self._entries.append(entry)
        return lambda: cast(str | None, row["receipt"])

    def accept(self, sender: str, message_id: str, release: Message, entry: LedgerEntry,
               now: datetime) -> Arrival:
        """Record an accepted message and the ledger entry of its arrival."""
        arrival = Arrival(sender, message_id, release, len(self._entries), now)
        self._entries.append(entry)
        self.arrivals.append(arrival)
        self._accepted[(sender, message_id)] = arrival
        self._receipts.append(arrival)
        return arrival

    def finish(self, leaf: Callable[[Arrival], dict[str, Any]], sign_all: SignAll) -> None:
        """Write everything buffered, in message order. Once the arrivals' ledger indices
        are known, ``leaf`` says what each one's receipt says and ``sign_all`` signs every
        receipt of the batch at once. Raises ``BatchConflict`` (see there)."""
        uow = self.uow
        self.new_reports.flush()
        indices = acts.record(uow, self._entries)
        for arrival in self.arrivals:
            arrival.ledger_index = indices[arrival.entry] if indices else None
        leaves = [leaf(r) if isinstance(r, Arrival) else r[1] for r in self._receipts]
        for item, token in zip(self._receipts, sign_all(leaves), strict=True):
            if isinstance(item, Arrival):
                item.receipt = token
            else:
                item[0]["receipt"] = token
        uow.inbox.refuse_many(self._refusals)
        uow.inbox.add_many([_inbox_row(a) for a in self.arrivals])
        if not self.replay_cache.flush():
            raise BatchConflict("a message id of this batch was remembered concurrently")


def _inbox_row(arrival: Arrival) -> dict[str, Any]:
    release = arrival.release
    return {"sender": arrival.sender, "message_id": arrival.message_id, "seq": release.seq,
            "kind": release.kind.value, "report_id": release.report_id,
            "report_version": release.version, "agreement_id": release.agreement_id,
            "clause_id": release.clause_id, "received": arrival.received,
            "ledger_index": arrival.ledger_index, "receipt": arrival.receipt}
