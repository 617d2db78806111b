"""Sharing: when a report changes, decide for every partner and fill the outbox.

``ShareHandler`` is subscribed to the store (``Store.subscribe``) by the
composition root. It runs inside the transaction of the report change, so the
outbox rows it writes commit together with the change or not at all (a
transactional outbox): a crash can never lose a release nor send one for a
change that did not happen.

For each changed report and each active partner:

* created or updated: ``decide`` (the policy engine) against the agreements in
  force; an allowed projection becomes a *release* (held for a supervisor
  when the decision needs approval); a partner that holds an earlier version
  but may no longer have it gets a *withdrawal*;
* retracted: every partner holding the report gets a *retraction* (no
  decision: it carries no content and only restricts).

Each decision with a partner that shares an agreement with us is recorded in
the ledger. Messages to one partner are numbered (``seq``) in commit order and
the dispatcher sends them in that order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from accord.adapters.partner_keys import PublicKeys
from accord.adapters.store import Store, UnitOfWork
from accord.adapters.store.codec import dumps
from accord.adapters.store.outbox import HELD, PENDING, REFUSED, OutboxMessage
from accord.adapters.store.partners import Partner
from accord.domain.decision import Decision, Outcome
from accord.domain.events import ReportChange, ReportChanged
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.messages import Message, MessageKind
from accord.domain.policy import decide
from accord.domain.report import Report, ReportContent
from accord.services import acts, approvals
from accord.services.agreements import PolicyCache

if TYPE_CHECKING:
    from accord.bootstrap import Node

SYSTEM = "system"


@dataclass(frozen=True)
class Queued:
    """One message put in the outbox."""

    partner: str
    kind: MessageKind
    report_id: str
    message_id: str
    held: bool


class ShareHandler:
    """The store event handler that turns report changes into outbox messages."""

    def __init__(self, me: str, own_keys: Callable[[], PublicKeys],
                 cache: PolicyCache | None = None) -> None:
        self.me = me
        self.own_keys = own_keys
        self.cache = cache or PolicyCache()

    @classmethod
    def for_node(cls, node: Node, cache: PolicyCache) -> ShareHandler:
        return cls(node.node_id, lambda: node.keys.public_keys(node.node_id, node.config.country),
                   cache)

    def __call__(self, uow: UnitOfWork, events: list[object]) -> None:
        changes: dict[str, ReportChanged] = {}
        for event in events:
            if isinstance(event, ReportChanged):
                changes[event.report_id] = event  # the last change of a report wins
        if changes:
            self.share(uow, list(changes.values()), now=datetime.now(UTC))

    def share(self, uow: UnitOfWork, changes: list[ReportChanged], *,
              now: datetime) -> list[Queued]:
        """Decide and queue for every change; returns what was queued."""
        partners = uow.partners.list()
        if not partners:
            return []
        index = self.cache.index(uow, me=self.me, own_keys=self.own_keys, now=now)
        if not any(index.are_partners(self.me, p.node_id) for p in partners) and all(
                c.change is ReportChange.CREATED for c in changes):
            return []  # no agreement with anyone, and nobody can hold these reports yet
        queue: list[_Message] = []
        entries: list[LedgerEntry] = []
        # every report with its statements in one query (an import changes thousands)
        read = uow.reports.get_many_with_statements(c.report_id for c in changes)
        stored = {rid: report for rid, (report, _s) in read.items()}
        statements = {rid: s for rid, (_r, s) in read.items()}
        for change in changes:
            report = stored.get(change.report_id)
            if report is None:
                continue
            # a report just created cannot have been sent to anyone yet
            holders = (set() if change.change is ReportChange.CREATED
                       else _holders(uow.outbox.for_report(report.id)))
            if change.change is ReportChange.RETRACTED or report.retracted:
                queue += [_Message(p, report, MessageKind.RETRACTION) for p in partners
                          if p.node_id in holders]
                continue
            content = ReportContent(report, tuple(statements.get(report.id, ())))
            for partner in partners:
                held = partner.node_id in holders
                if not held and not index.are_partners(self.me, partner.node_id):
                    continue
                decision = decide(content, partner.node_id, index, report.purpose,
                                  sender=self.me, now=now, recipient_country=partner.country)
                entries.append(_decided(report, decision, now))
                if decision.outcome is Outcome.ALLOW:
                    queue.append(_Message(partner, report, MessageKind.RELEASE, decision))
                elif held:
                    queue.append(_Message(partner, report, MessageKind.WITHDRAWAL, decision))
        acts.record(uow, entries)
        queued = self._enqueue(uow, queue, now)
        waiting = [q.message_id for q in queued if q.held]
        if waiting:  # four-eyes: a supervisor sees who caused each held release
            approvals.hold(uow, waiting, {c.report_id: c.actor for c in changes}, now=now)
        return queued

    def _enqueue(self, uow: UnitOfWork, queue: list[_Message], now: datetime) -> list[Queued]:
        """Number the messages per partner (one UPDATE each) and insert them at once."""
        numbered = [m for m in queue if not m.held]
        first: dict[str, int] = {}
        for node_id in sorted({m.partner.node_id for m in numbered}):
            count = sum(1 for m in numbered if m.partner.node_id == node_id)
            first[node_id] = uow.partners.take_seqs(node_id, count)
        rows: list[dict[str, object]] = []
        queued: list[Queued] = []
        for message in queue:
            seq = None
            if not message.held:
                seq = first[message.partner.node_id]
                first[message.partner.node_id] += 1
            row = message.row(seq, now)
            rows.append(row)
            queued.append(Queued(message.partner.node_id, message.kind, message.report.id,
                                 str(row["message_id"]), message.held))
        uow.outbox.add_many(rows)
        return queued


@dataclass(frozen=True)
class _Message:
    partner: Partner
    report: Report
    kind: MessageKind
    decision: Decision | None = None
    in_reply_to: str = ""  # a follow-up request's id: always held for a supervisor

    @property
    def held(self) -> bool:
        """A release that a supervisor must approve first (four-eyes, follow-ups)."""
        return bool(self.kind is MessageKind.RELEASE and self.decision
                    and (self.decision.needs_approval or self.in_reply_to))

    def row(self, seq: int | None, now: datetime) -> dict[str, object]:
        decision, report, kind = self.decision, self.report, self.kind
        release = Message(
            kind, 1, report.id, report.version,
            agreement_id=decision.agreement_id if decision else None,
            clause_id=decision.clause_id if decision else None,
            purpose=decision.purpose if decision else report.purpose,
            content=decision.projection if kind is MessageKind.RELEASE and decision else None,
            reason=decision.reason_code if kind is MessageKind.WITHDRAWAL and decision else "",
            in_reply_to=self.in_reply_to)
        body = release.to_body()
        del body["seq"]  # the number travels with the envelope (it is known at send time)
        return {"partner": self.partner.node_id, "seq": seq, "message_id": uuid.uuid4().hex,
                "kind": kind.value, "report_id": report.id, "report_version": report.version,
                "agreement_id": release.agreement_id, "clause_id": release.clause_id,
                "body": dumps(body), "state": HELD if self.held else PENDING, "created": now}


def queue_response(uow: UnitOfWork, partner: Partner, report: Report, decision: Decision, *,
                   in_reply_to: str, caused_by: str, now: datetime) -> int:
    """Queue the release ``decision`` allows in answer to follow-up ``in_reply_to``, held
    for a supervisor (``accord.services.approvals``), in the caller's transaction; the
    decision must be an ``ALLOW`` made with ``Action.RESPOND``. Returns the approval id."""
    if decision.outcome is not Outcome.ALLOW or decision.projection is None:
        raise ValueError(f"report {report.id} is not allowed to {partner.node_id}")
    message = _Message(partner, report, MessageKind.RELEASE, decision, in_reply_to)
    row = message.row(None, now)
    acts.record(uow, [_decided(report, decision, now)])
    uow.outbox.add_many([row])
    ids = approvals.hold(uow, [str(row["message_id"])], {report.id: caused_by}, now=now)
    return ids[0]


def _holders(history: list[OutboxMessage]) -> set[str]:
    """Partners whose last message about a report gave them content they still hold."""
    last: dict[str, str] = {}
    for message in history:
        if message.state not in (HELD, REFUSED):
            last[message.partner] = message.kind
    return {p for p, kind in last.items() if kind == MessageKind.RELEASE.value}


def _decided(report: Report, decision: Decision, now: datetime) -> LedgerEntry:
    return LedgerEntry(Act.RELEASE_DECIDED, actor=SYSTEM, subject=report.id,
                       agreement=decision.agreement_id, purpose=decision.purpose or None,
                       partner=decision.recipient,
                       details={"outcome": decision.outcome.value,
                                "clause": decision.clause_id,
                                "reasons": tuple(decision.reason_codes),
                                "version": report.version}, at=now)


def release_held(store: Store, outbox_id: int) -> OutboxMessage | None:
    """Send a held release (a supervisor approved it): it is numbered and queued now.

    Returns None when there is no such held message. Four-eyes approval itself
    (who may approve, recording the decision) belongs to the caller.
    """
    with store.unit_of_work() as uow:
        row = next((m for m in uow.outbox.list(state=HELD, limit=10_000) if m.id == outbox_id),
                   None)
        if row is None:
            return None
        return uow.outbox.release_held(outbox_id, uow.partners.next_seq(row.partner))
