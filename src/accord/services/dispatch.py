"""The dispatcher: delivers the outbox to partners, in order, until each message is settled.

For each partner we push to, ``push`` takes its pending messages in ``seq``
order, seals them afresh (the freshness window is minutes; each message id
stays the same, so a retry is recognised) in batch envelopes (one signature
and one encryption for many messages, ``accord.adapters.envelope_batch``; a
batch is split into several envelopes to keep each under the size limit),
posts them to the partner's inbox and reads the signed answer for each
message (one signature for all the receipts of a request):

* accepted or duplicate: delivered; the receipt is kept;
* refused for good (bad envelope, not allowed by the partner's agreement):
  settled as refused with the partner's reason, and the next one goes;
* anything else (no answer, a 5xx, a refusal the sender may cure, an answer
  whose receipt does not verify): the partner's queue stops *at that message*
  and is retried after an exponential backoff with jitter. Later messages
  never overtake it.

A crash at any point is harmless: the outbox row stays pending until a
receipt is recorded, and the partner answers a message it already has with
"duplicate" and its original receipt. ``run_forever`` loops (woken at once
when a local commit queued something) and also pulls the feeds of partners
marked ``pull`` and purges expired received material.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from accord.adapters.keys import NodeKeys
from accord.adapters.receipts import (
    ACCEPTED,
    DUPLICATE,
    REFUSED,
    ReceiptInvalid,
    SignedReceipt,
    verify_receipt,
)
from accord.adapters.store import Store, UnitOfWork
from accord.adapters.store.outbox import DELIVERED, OutboxMessage, Receipt
from accord.adapters.store.outbox import REFUSED as STATE_REFUSED
from accord.adapters.store.partners import Partner
from accord.adapters.transport import Transport, TransportError
from accord.config import FederationSettings
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import LedgerEntry
from accord.services import acts
from accord.services.receive import MAX_REQUEST_MESSAGES, RETRYABLE
from accord.services.sealing import message_body, seal_messages, split_batches
from accord.services.sealing import seal_message as seal_message  # the feed's, re-exported

if TYPE_CHECKING:
    from accord.services.feed import FeedPuller

log = logging.getLogger("accord.dispatch")


@dataclass
class DispatchStats:
    sent: int = 0  # envelopes posted (retries included)
    delivered: int = 0
    refused: int = 0
    failures: int = 0  # partner batches that failed and were put back for a retry
    pulled: int = 0  # envelopes taken from partners' feeds
    purged: int = 0  # received reports purged after their retention

    def add(self, other: DispatchStats) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Batch:
    """Messages to one partner and the envelopes (one or more) that carry them, in order."""

    messages: list[OutboxMessage]
    envelopes: list[str]


def settle(uow: UnitOfWork, partner: str, message: OutboxMessage, receipt: SignedReceipt,
           now: datetime) -> str | None:
    """Record a partner's signed answer for ``message``; the state it settles in, or None
    when the answer does not settle it (a refusal the sender retries)."""
    return settle_many(uow, partner, [(message, receipt)], now)[0]


def settle_many(uow: UnitOfWork, partner: str,
                answers: list[tuple[OutboxMessage, SignedReceipt]],
                now: datetime) -> list[str | None]:
    """Settle messages in order from the partner's receipts, stopping after the first one
    that does not settle them (its state is None); the states, one per answer looked at."""
    states: list[str | None] = []
    for message, receipt in answers:
        if receipt.issuer != partner or receipt.message_id != message.message_id:
            raise ReceiptInvalid(f"receipt of {receipt.issuer} for {receipt.message_id} does "
                                 f"not answer message {message.message_id} to {partner}")
        if receipt.status == REFUSED and receipt.reason in RETRYABLE:
            states.append(None)
            break
        states.append(DELIVERED if receipt.status in (ACCEPTED, DUPLICATE) else STATE_REFUSED)
    done = [(m, r, s) for (m, r), s in zip(answers, states, strict=False) if s is not None]
    # a receipt that came both ways (push and pull) settles once: only what was pending
    settled = uow.outbox.settle_pending(
        [(m.message_id, s, r.reason, r.detail) for m, r, s in done], now=now) if done else set()
    fresh = []
    for m, r, s in done:
        if m.message_id in settled:
            settled.discard(m.message_id)  # the same receipt twice in one call settles once
            fresh.append((m, r, s))
    uow.outbox.add_receipts([Receipt(m.message_id, partner, r.status, r.reason,
                                     r.ledger_index, r.token, now) for m, r, _s in fresh],
                            new=True)
    acts.record(uow, [_sent(partner, m, r, s, now) for m, r, s in fresh])
    return states


def _taken(result: object) -> bool:
    """Whether the partner settled a message for good (so the next batch may follow)."""
    if not isinstance(result, dict):
        return False
    status = result.get("status")
    return status in (ACCEPTED, DUPLICATE) or (
        status == REFUSED and result.get("reason") not in RETRYABLE)


def _sent(partner: str, message: OutboxMessage, receipt: SignedReceipt, state: str,
          now: datetime) -> LedgerEntry:
    details: dict[str, Any] = {"kind": message.kind, "report": message.report_id[:200],
                               "version": message.report_version, "seq": message.seq,
                               "partner_ledger_index": receipt.ledger_index}
    if state != DELIVERED:
        details["reason"] = receipt.reason or "refused"
    action = Act.ENVELOPE_SENT if state == DELIVERED else Act.ENVELOPE_REFUSED
    return LedgerEntry(action, actor="system", subject=message.message_id, partner=partner,
                       agreement=message.agreement_id, details=details, at=now)


class Dispatcher:
    """Pushes one node's outbox (and pulls its partners' feeds)."""

    def __init__(self, *, me: str, keys: NodeKeys, store: Store, settings: FederationSettings,
                 transport: Transport, puller: FeedPuller | None = None,
                 purge: Callable[[datetime], int] | None = None,
                 rng: random.Random | None = None) -> None:
        self.me, self.keys, self.store, self.settings = me, keys, store, settings
        self.transport = transport
        self.puller = puller
        self.purge = purge
        self.rng = rng or random.Random()
        self.wake = threading.Event()
        self._last_pull: datetime | None = None
        self._last_purge: datetime | None = None
        self._sender: ThreadPoolExecutor | None = None  # posts while the next batch is sealed

    def close(self) -> None:
        """Stop the sending thread and close the transport's connections."""
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None
        self.transport.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def notify(self, _events: list[object] | None = None) -> None:
        """Wake ``run_forever`` now (a store commit listener)."""
        self.wake.set()

    def run_once(self, *, now: datetime | None = None, force: bool = False) -> DispatchStats:
        """One round: push every due partner, pull feeds and purge when due.

        ``force`` ignores backoff and the pull/purge intervals.
        """
        now = now or datetime.now(UTC)
        stats = DispatchStats()
        # one read for the partners and the first messages due to each (an indexed look-up
        # per partner rather than a scan of the outbox for the partners with any pending)
        with self.store.unit_of_work(write=False) as uow:
            due = [(p, uow.outbox.pending(p.node_id, limit=self._limit()))
                   for p in uow.partners.list() if p.push and (
                       force or p.retry_at is None or p.retry_at <= now)]
        for partner, pending in due:
            if pending:
                stats.add(self.push(partner, pending))
        if self.puller is not None and (force or self._due(self._last_pull,
                                                           self.settings.pull_seconds, now)):
            self._last_pull = now
            stats.pulled += self.puller.pull_all(now=now)
        if self.purge is not None and (force or self._due(self._last_purge, 60.0, now)):
            self._last_purge = now
            stats.purged += self.purge(now)
        return stats

    def push(self, partner: Partner, pending: list[OutboxMessage] | None = None
             ) -> DispatchStats:
        """Deliver ``partner``'s pending messages in order until done or stopped.

        While one batch is on its way, the next is read and sealed; it is posted
        as soon as the partner's answer shows that it took every message of the
        first (nothing retryable, nothing skipped), and the first is settled while
        the partner handles the second. Otherwise it is dropped, and later
        messages never overtake an unsettled one. ``pending``: the first pending
        messages, if just read.
        """
        stats = DispatchStats()
        batch, full = self._next_batch(partner, after=None, pending=pending)
        in_flight = self._post(partner, batch, stats, background=full) if batch else None
        while in_flight is not None and batch is not None:
            following, full = self._next_batch(partner, after=batch.messages[-1].seq) if (
                full) else (None, False)
            try:
                results = in_flight.result()
            except TransportError as exc:
                self._failed(partner, str(exc), batch.messages, stats)
                return stats
            in_flight = None
            if following and all(map(_taken, results)):
                in_flight = self._post(partner, following, stats)
            stopped = self._settle_batch(partner, batch, results, stats)
            if stopped is not None:
                if in_flight is not None:  # its messages stay pending: they are sent again
                    with contextlib.suppress(TransportError):
                        in_flight.result()
                self._failed(partner, stopped, batch.messages, stats)
                return stats
            if partner.failures:
                with self.store.unit_of_work() as uow:
                    uow.partners.delivery_ok(partner.node_id)
                partner = _reset(partner)
            if following and in_flight is None:
                in_flight = self._post(partner, following, stats)
            batch = following
        return stats

    def _next_batch(self, partner: Partner, *, after: int | None,
                    pending: list[OutboxMessage] | None = None) -> tuple[_Batch | None, bool]:
        """The next pending messages (after seq ``after``; ``pending`` if read already) sealed
        now, within the batch size and half of ``max_batch_bytes``; and whether more may be
        waiting behind them."""
        limit = self._limit()
        if pending is None:
            with self.store.unit_of_work(write=False) as uow:
                pending = uow.outbox.pending(partner.node_id, limit=limit, after=after)
        if not pending:
            return None, False
        now = datetime.now(UTC)
        items = [(m, message_body(m)) for m in pending]
        budget = self.settings.max_batch_bytes // 2
        messages: list[OutboxMessage] = []
        envelopes: list[str] = []
        size = 0
        for run in split_batches(items, max_bytes=self.settings.max_envelope_bytes):
            envelope = seal_messages(self.keys, self.me, partner, run, now)
            if envelopes and size + len(envelope) > budget:
                return _Batch(messages, envelopes), True
            messages += [m for m, _ in run]
            envelopes.append(envelope)
            size += len(envelope)
        return _Batch(messages, envelopes), len(pending) == limit

    def _limit(self) -> int:
        """Messages per request: ``batch_size``, at most what a partner's inbox takes."""
        return max(1, min(self.settings.batch_size, MAX_REQUEST_MESSAGES))

    def _post(self, partner: Partner, batch: _Batch, stats: DispatchStats, *,
              background: bool = True) -> Future[list[dict[str, Any]]]:
        """Post ``batch`` to the partner's inbox: from the sending thread, or (nothing to
        seal meanwhile) from this one, with the answer in a future that is done."""
        stats.sent += len(batch.messages)
        if not background:
            done: Future[list[dict[str, Any]]] = Future()
            try:
                done.set_result(self.transport.post_inbox(partner.url, batch.envelopes,
                                                          messages=len(batch.messages)))
            except TransportError as exc:
                done.set_exception(exc)
            return done
        if self._sender is None:
            self._sender = ThreadPoolExecutor(1, thread_name_prefix="accord-post")
        return self._sender.submit(self.transport.post_inbox, partner.url, batch.envelopes,
                                   messages=len(batch.messages))

    def _settle_batch(self, partner: Partner, batch: _Batch, results: list[dict[str, Any]],
                      stats: DispatchStats) -> str | None:
        """Settle answers in order; the problem that stopped the queue, or None."""
        now = datetime.now(UTC)
        problem: str | None = None
        answers: list[tuple[OutboxMessage, SignedReceipt]] = []
        verified: dict[str, dict[str, Any]] = {}  # batch signatures checked once
        for message, result in zip(batch.messages, results, strict=True):
            token = result.get("receipt") if isinstance(result, dict) else None
            if not isinstance(token, str):
                problem = (f"message {message.seq} not settled: {result.get('status')} "
                           f"{result.get('reason')}: {result.get('detail')}")
                break
            try:
                answers.append((message, verify_receipt(
                    token, lambda n: partner.keys if n == partner.node_id else None, now=now,
                    verified=verified)))
            except ReceiptInvalid as exc:
                problem = f"message {message.seq}: {exc.message}"
                break
        try:
            with self.store.unit_of_work() as uow:
                states = settle_many(uow, partner.node_id, answers, now)
        except ReceiptInvalid as exc:
            return f"{exc.message}"
        for (message, receipt), state in zip(answers, states, strict=False):
            if state is None:
                return (f"message {message.seq} refused for now: {receipt.reason}: "
                        f"{receipt.detail}")
            if state == DELIVERED:
                stats.delivered += 1
            else:
                stats.refused += 1
        return problem

    def _failed(self, partner: Partner, error: str, messages: list[OutboxMessage],
                stats: DispatchStats) -> None:
        stats.failures += 1
        with self.store.unit_of_work() as uow:
            failures = (uow.partners.get(partner.node_id) or partner).failures + 1
            uow.partners.delivery_failed(partner.node_id, retry_at=datetime.now(UTC)
                                         + self.backoff(failures), error=error)
            uow.outbox.count_attempt([m.message_id for m in messages[:1]])
        log.warning("delivery to %s failed (%d in a row): %s", partner.node_id, failures, error)

    def backoff(self, failures: int) -> timedelta:
        """Exponential backoff with jitter: half the delay fixed, half random."""
        s = self.settings
        delay = min(s.backoff_max_seconds, s.backoff_base_seconds * 2 ** min(failures - 1, 30))
        return timedelta(seconds=delay / 2 + self.rng.uniform(0, delay / 2))

    def run_forever(self, stop: threading.Event) -> None:
        """Dispatch until ``stop`` is set; sleeps until woken, polled or a retry is due."""
        while not stop.is_set():
            self.wake.clear()
            try:
                stats = self.run_once()
            except Exception:  # keep going: the next round retries from the outbox
                log.exception("dispatch round failed")
                stats = DispatchStats(failures=1)
            if stats.sent and not stats.failures:
                continue  # there may be more right away (queued by another process)
            self.wake.wait(self._sleep())
        self.close()

    def _sleep(self) -> float:
        delay = self.settings.poll_seconds
        now = datetime.now(UTC)
        with self.store.unit_of_work(write=False) as uow:
            retry = [p.retry_at for p in uow.partners.list()
                     if p.retry_at is not None and p.retry_at > now]
        if retry:
            delay = max(0.01, min(delay, (min(retry) - now).total_seconds()))
        return delay

    @staticmethod
    def _due(last: datetime | None, interval: float, now: datetime) -> bool:
        return last is None or (now - last).total_seconds() >= interval


def _reset(partner: Partner) -> Partner:
    from dataclasses import replace

    return replace(partner, failures=0, retry_at=None, last_error="")
