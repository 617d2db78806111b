"""Receiving: open an envelope, check it, check it again against our own agreements,
keep what it carries with its provenance, and answer with a signed receipt.

``Receiver.receive`` handles a list of envelopes (the inbox endpoint and the
pull feed both call it), each a single message or a batch envelope of many
(``accord.adapters.envelope_batch``: checked as a whole, then each message on
its own), in order, in one transaction: it opens them all, reads once what the
checks need to know of their ids and reports, checks and applies each message
(one that writes at once does so under a savepoint), then writes what the
batch buffered (new reports, inbox rows, refusals, ledger entries:
``accord.services.inbox_batch``) and signs all the receipts at once
(``accord.adapters.receipts.sign_receipts``). For every message the answer is
one of

* ``accepted``: every check passed; the message, the report and its
  statements (origin node, markings, grading kept; markings as the recipient's
  own agreement tightens them), the retention deadline and the ledger entry of
  its arrival were committed together. The receipt carries that ledger index.
* ``duplicate``: this sender's message id was accepted before; nothing
  changes and the original receipt is returned (so retries are harmless).
* ``refused``: with a stable ``reason`` (the ``envelope_*`` codes of
  ``accord.adapters.envelope``, ``release_malformed``, ``not_allowed`` when
  our own active agreements do not allow it, ``report_id_conflict``), logged
  in ``refusals`` and the ledger; nothing else is stored. An authenticated
  message that was refused gets the same answer if it comes again.
* ``skipped``: not looked at, because an earlier envelope of the same sender in
  this batch was refused for a reason the sender may cure by retrying
  (``RETRYABLE``); the sender resends from there, so order is kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction

from accord.adapters.compact import CompactError, header
from accord.adapters.envelope import (
    EnvelopeRefused,
    EnvelopeReplayed,
    OpenedEnvelope,
    open_envelope,
    outer_header,
)
from accord.adapters.envelope_batch import BATCH_TYP, claimed_ids, open_batch
from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import PublicKeys
from accord.adapters.receipts import ACCEPTED, DUPLICATE, REFUSED, receipt_leaf, sign_receipts
from accord.adapters.store import Store, UnitOfWork
from accord.adapters.store.inbox import HeldReport, InboxEntry
from accord.config import FederationSettings
from accord.domain.decision import Action as PolicyAction
from accord.domain.decision import Outcome
from accord.domain.errors import AccordError, InvalidValue
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.messages import Message, MessageKind
from accord.domain.policy import PolicyIndex, decide_on_arrival
from accord.domain.registry import Registry
from accord.domain.report import Report, ReportStatus
from accord.services import follow_up_inbox
from accord.services.agreements import PolicyCache
from accord.services.inbox_batch import BatchConflict, InboxBatch
from accord.services.received import keep_release

if TYPE_CHECKING:
    from accord.bootstrap import Node

log = logging.getLogger("accord.receive")

SKIPPED = "skipped"
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Refusals a sender may cure by sending again (fresh envelope, keys pinned,
#: our store back): the sender retries them instead of giving the message up.
RETRYABLE = frozenset({"envelope_not_fresh", "envelope_unpinned_key",
                       "envelope_wrong_recipient", "inbox_unavailable"})
#: Messages one request may carry, over all its envelopes: a batch envelope names up to
#: 1000 ids in its unauthenticated header, and each gets an answer (a refusal is logged,
#: ledgered and receipted), so the work a request can cause stays what it was with one
#: message per envelope.
MAX_REQUEST_MESSAGES = 1000


class TooManyMessages(AccordError):
    code = "inbox_too_many_messages"
    status = 413


@dataclass(frozen=True)
class InboxResult:
    """The answer for one envelope (see the module docstring)."""

    status: str
    message_id: str | None
    reason: str | None = None
    detail: str = ""
    receipt: str | None = None
    ledger_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message_id": self.message_id, "reason": self.reason,
                "detail": self.detail, "receipt": self.receipt,
                "ledger_index": self.ledger_index}


#: An envelope's answer, or how to make it once the batch is written (its receipt).
_Answer = InboxResult | Callable[[], InboxResult]


class _Refuse(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        self.reason, self.detail = reason, detail
        super().__init__(detail)


class Receiver:
    """Receives envelopes for one node."""

    def __init__(self, *, me: str, country: str, keys: NodeKeys, store: Store,
                 registry: Registry, settings: FederationSettings,
                 cache: PolicyCache | None = None) -> None:
        self.me, self.country, self.keys = me, country, keys
        self.store, self.registry, self.settings = store, registry, settings
        self.cache = cache or PolicyCache()
        self.own = keys.public_keys(me, country)

    @classmethod
    def for_node(cls, node: Node, cache: PolicyCache | None = None) -> Receiver:
        return cls(me=node.node_id, country=node.config.country, keys=node.keys,
                   store=node.store, registry=node.registry, settings=node.config.federation,
                   cache=cache)

    def receive(self, envelopes: Sequence[str | bytes], *,
                now: datetime | None = None) -> list[InboxResult]:
        """Handle ``envelopes`` in order, in one transaction; one result per message (a
        single-message envelope has one, a batch envelope one per id its header names).

        If the store fails, nothing of the batch is kept and every message is
        answered ``inbox_unavailable`` (the sender sends them again).
        """
        per_envelope = [_claims(t) for t in envelopes]
        count = sum(map(len, per_envelope))
        if count > MAX_REQUEST_MESSAGES:
            raise TooManyMessages(f"the envelopes carry {count} messages; a request may carry "
                                  f"at most {MAX_REQUEST_MESSAGES}")
        for attempt in (1, 2):
            try:
                with self.store.unit_of_work() as uow:
                    return self._batch(uow, envelopes, per_envelope, now or datetime.now(UTC))
            except (IntegrityError, BatchConflict):
                # the same message accepted concurrently (push and pull at once):
                # the second look finds it and answers "duplicate"
                if attempt == 2:
                    raise
            except AccordError:
                raise
            except Exception as exc:  # the store failed: nothing was kept, the sender retries
                log.exception("inbox could not store a batch")
                return [InboxResult(REFUSED, message_id, "inbox_unavailable",
                                    f"{type(exc).__name__}; try again later")
                        for claims in per_envelope for _sender, message_id in claims]
        raise AssertionError("unreachable")

    def _batch(self, uow: UnitOfWork, envelopes: Sequence[str | bytes],
               per_envelope: list[list[tuple[str | None, str | None]]],
               now: datetime) -> list[InboxResult]:
        claimed = [c for claims in per_envelope for c in claims]
        batch = InboxBatch(uow, self.registry, claimed)
        pinned: dict[str, PublicKeys | None] = {}

        def keys_of(node_id: str) -> PublicKeys | None:
            if node_id not in pinned:
                pinned[node_id] = uow.partners.keys_of(node_id)
            return pinned[node_id]

        # 1. open every envelope (cryptography; the replay cache answers from memory).
        # After a refusal the sender may cure, its later messages are not looked at.
        opened: list[OpenedEnvelope | EnvelopeRefused | None] = []
        stopped: set[str | None] = set()
        for token, claims in zip(envelopes, per_envelope, strict=True):
            sender = claims[0][0]
            if sender in stopped:
                opened += [None] * len(claims)
                continue
            try:
                opened += self._open(token, keys_of, batch, now)
            except EnvelopeRefused as exc:
                if exc.code in RETRYABLE:  # answered once; the rest is sent again
                    stopped.add(sender)
                    opened += [exc] + [None] * (len(claims) - 1)
                else:
                    opened += [exc] * len(claims)
        # 2. what we hold of the reports they name, read once
        batch.prefetch(o.payload["report_id"] for o in opened if isinstance(o, OpenedEnvelope)
                       and isinstance(o.payload.get("report_id"), str))
        indices: list[PolicyIndex] = []

        def policy() -> PolicyIndex:  # the agreements in force, looked up once per batch
            if not indices:
                indices.append(self.cache.index(uow, me=self.me, own_keys=lambda: self.own,
                                                now=now))
            return indices[0]

        # 3. check and keep each, in order; 4. write the batch, sign the receipts at once
        answers = [self._receive(batch, claim, outcome, now, policy)
                   for claim, outcome in zip(claimed, opened, strict=True)]
        batch.finish(lambda a: receipt_leaf(sender=a.sender, message_id=a.message_id,
                                            status=ACCEPTED, seq=a.release.seq,
                                            ledger_index=a.ledger_index),
                     lambda leaves: sign_receipts(self.keys, issuer=self.me, at=now,
                                                  leaves=leaves))
        return [a if isinstance(a, InboxResult) else a() for a in answers]

    def _open(self, token: str | bytes, keys_of: Callable[[str], PublicKeys | None],
              batch: InboxBatch, now: datetime) -> list[OpenedEnvelope | EnvelopeRefused]:
        """Open one envelope: a message, or a batch's messages (replayed ids as refusals)."""
        settings = self.settings
        max_age = timedelta(seconds=settings.freshness_seconds)
        text, outer = outer_header(token, max_bytes=settings.max_envelope_bytes)
        if outer.get("typ") != BATCH_TYP:
            return [open_envelope(text, my_keys=self.keys, my_id=self.me,
                                  sender_public_keys_lookup=keys_of,
                                  replay_cache=batch.replay_cache, now=now, max_age=max_age,
                                  max_bytes=settings.max_envelope_bytes)]
        opened = open_batch(text, outer, my_keys=self.keys, my_id=self.me,
                            sender_public_keys_lookup=keys_of,
                            replay_cache=batch.replay_cache, now=now, max_age=max_age,
                            max_bytes=settings.max_envelope_bytes)
        return [EnvelopeReplayed(f"message {m.message_id} from {m.sender} was already "
                                 "received", sender=m.sender, message_id=m.message_id)
                if m.message_id in opened.replayed else m for m in opened.messages]

    # -- one envelope, inside the batch's transaction ---------------------------------
    def _receive(self, batch: InboxBatch, claimed: tuple[str | None, str | None],
                 outcome: OpenedEnvelope | EnvelopeRefused | None, now: datetime,
                 policy: Callable[[], PolicyIndex]) -> _Answer:
        sender, message_id = claimed
        if outcome is None:
            return InboxResult(SKIPPED, message_id, "earlier_refused",
                               "an earlier envelope of this sender was refused; "
                               "send again from there")
        if isinstance(outcome, EnvelopeReplayed):
            return self._again(batch, outcome.sender, outcome.message_id, now) or self._refused(
                batch, outcome.sender, outcome.message_id, True, outcome.code, outcome.message,
                now)
        if isinstance(outcome, EnvelopeRefused):
            return self._refused(batch, sender, message_id, False, outcome.code,
                                 outcome.message, now)
        opened = outcome
        if not _MESSAGE_ID.match(opened.message_id):
            return self._refused(batch, opened.sender, opened.message_id[:64], True,
                                 "release_malformed", "the message id must be 1-64 letters, "
                                 "digits, '-' or '_'", now)
        again = self._again(batch, opened.sender, opened.message_id, now)
        if again is not None:
            return again
        # A message refused half-way leaves nothing of itself behind: what it buffered
        # (a new report) is dropped back to the mark, and what it writes at once (a new
        # version, a retraction or withdrawal, a follow-up answer) is under a savepoint.
        mark: int | None = None
        savepoint: SessionTransaction | None = None
        try:
            release = Message.from_body(opened.payload, sender=opened.sender)
            held, stored = batch.reports.of(release.report_id)
            mark = batch.new_reports.mark()
            if release.in_reply_to or release.kind is not MessageKind.RELEASE or (
                    held is not None):
                savepoint = batch.uow.session.begin_nested()
            entry = self._apply(batch, opened.sender, opened.message_id, release, held,
                                stored, now, policy)
        except (_Refuse, InvalidValue) as exc:
            if savepoint is not None:
                savepoint.rollback()
            if mark is not None:
                batch.new_reports.rollback(mark)
            reason, detail = ((exc.reason, exc.detail) if isinstance(exc, _Refuse)
                              else ("release_malformed", str(exc)))
            return self._refused(batch, opened.sender, opened.message_id, True, reason,
                                 detail, now)
        if savepoint is not None:
            savepoint.commit()
        arrival = batch.accept(opened.sender, opened.message_id, release, entry, now)
        return lambda: InboxResult(ACCEPTED, arrival.message_id, receipt=arrival.receipt,
                                   ledger_index=arrival.ledger_index)

    def _again(self, batch: InboxBatch, sender: str, message_id: str,
               now: datetime) -> _Answer | None:
        """The answer already given to an authenticated message, if it came before."""
        prior = batch.accepted_before(sender, message_id)
        if prior is not None:
            batch.refuse(at=now, sender=sender, message_id=message_id, authenticated=True,
                         reason="envelope_replayed", detail="already accepted")

            def duplicate() -> InboxResult:  # the receipt of one accepted in this batch
                return InboxResult(DUPLICATE, message_id, "envelope_replayed",  # comes later
                                   "already accepted; the original receipt is attached",
                                   prior.receipt, prior.ledger_index)
            return duplicate() if isinstance(prior, InboxEntry) else duplicate
        refused = batch.refused_before(sender, message_id)
        if refused is not None and refused[0] != "envelope_replayed":
            # its receipt may be made with this batch's: read it when answering
            return lambda: InboxResult(REFUSED, message_id,
                                       *(batch.refused_before(sender, message_id) or refused))
        return None

    def _refused(self, batch: InboxBatch, sender: str | None, message_id: str | None,
                 authenticated: bool, reason: str, detail: str, now: datetime) -> _Answer:
        leaf = None
        if sender and message_id:
            leaf = receipt_leaf(sender=sender[:64], message_id=message_id[:64], status=REFUSED,
                                reason=reason, detail=detail)
        receipt = batch.refuse(
            at=now, sender=sender, message_id=message_id, authenticated=authenticated,
            reason=reason, detail=detail, leaf=leaf, entry=LedgerEntry(
                         Act.ENVELOPE_REFUSED, actor="system",
                         subject=(message_id or "unknown")[:64],
                         partner=(sender or "unknown")[:64],
                         details={"reason": reason, "authenticated": authenticated}, at=now))
        log.info("refused envelope %s from %s: %s: %s", message_id, sender, reason, detail)
        return lambda: InboxResult(REFUSED, message_id, reason, detail, receipt())

    def _apply(self, batch: InboxBatch, sender: str, message_id: str, release: Message,
               held: HeldReport | None, stored: Report | None, now: datetime,
               policy: Callable[[], PolicyIndex]) -> LedgerEntry:
        """Check the message against our own agreements and keep what it carries, given
        what we hold of its report; the ledger entry of its arrival (recorded with the
        batch)."""
        uow = batch.uow
        if stored is not None and (held is None or held.sender != sender):
            raise _Refuse("report_id_conflict", f"this node already holds a report "
                          f"{release.report_id!r} that did not come from {sender}")
        batch.reports.changing(release.report_id)
        if release.kind is MessageKind.RELEASE:
            self._store_release(batch, sender, release, held, now, policy())
        elif held is not None and stored is not None and held.version <= release.version:
            if release.kind is MessageKind.RETRACTION and not stored.retracted:
                uow.reports.replace(replace(stored, status=ReportStatus.RETRACTED,
                                            version=release.version, updated=now))
                uow.statements.set_retracted(stored.id, True)
            elif release.kind is MessageKind.WITHDRAWAL:
                uow.statements.delete(uow.statements.pks_for_report(stored.id))
                uow.inbox.release_hold(stored.id)
                uow.reports.delete(stored.id)
        return LedgerEntry(
            Act.ENVELOPE_RECEIVED, actor="system", subject=message_id, partner=sender,
            agreement=release.agreement_id, purpose=release.purpose or None,
            details={"kind": release.kind.value, "report": release.report_id[:200],
                     "version": release.version, "seq": release.seq}, at=now)

    def _store_release(self, batch: InboxBatch, sender: str, release: Message,
                       held: HeldReport | None, now: datetime, index: PolicyIndex) -> None:
        uow = batch.uow
        assert release.content is not None
        action = PolicyAction.RELEASE
        if release.in_reply_to:  # an answer to our follow-up request, if we made one
            problem = follow_up_inbox.response_problem(
                uow, sender=sender, follow_up_id=release.in_reply_to, purpose=release.purpose)
            if problem:
                raise _Refuse("not_requested", problem)
            action = PolicyAction.RESPOND
        decision = decide_on_arrival(release.content, sender=sender, me=self.me,
                                     agreements=index, purpose=release.purpose, now=now,
                                     action=action, my_country=self.country)
        if decision.outcome is not Outcome.ALLOW or decision.projection is None:
            raise _Refuse("not_allowed", f"{decision.reason_code}: "
                          + "; ".join(decision.reasons)[:1500])
        for i, s in enumerate(decision.projection.statements):
            try:
                schema = self.registry.get(s.schema)
            except AccordError:
                raise _Refuse("release_malformed", f"statements[{i}]: unknown schema "
                              f"{s.schema!r}") from None
            if s.prop not in schema.properties:
                raise _Refuse("release_malformed", f"statements[{i}]: {s.schema} has no "
                              f"property {s.prop!r}")
        if release.in_reply_to:  # answered, even if this version is held already
            follow_up_inbox.response_arrived(uow, sender=sender, report_id=release.report_id,
                                             follow_up_id=release.in_reply_to, now=now)
        if held is not None and held.version >= release.version:
            return  # an older version than the one held: nothing to change
        keep_release(uow, self.registry, decision.projection, sender=sender, held=held,
                     agreement_id=decision.agreement_id, clause_id=decision.clause_id,
                     retention_days=decision.retention_days or 1, now=now,
                     new_reports=batch.new_reports)


def _claims(token: str | bytes) -> list[tuple[str | None, str | None]]:
    """The sender and message id(s) an envelope claims (unauthenticated: for routing and
    answering only): one for a message, one per id a batch's header names."""
    try:
        text = token.decode("ascii") if isinstance(token, bytes) else token
        head = header(text[:text.index(".")] if "." in text else text, what="envelope")
    except (UnicodeDecodeError, CompactError, AttributeError):
        return [(None, None)]
    iss, jti = head.get("iss"), head.get("jti")
    sender = iss if isinstance(iss, str) else None
    if head.get("typ") == BATCH_TYP:
        ids = claimed_ids(head)
        if ids is not None:
            return [(sender, i) for i in ids]
    return [(sender, jti if isinstance(jti, str) else None)]
