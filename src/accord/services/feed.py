"""The pull feed, for partners that cannot be reached by push.

Serving side (``serve_feed``, ``accept_receipts``): a partner asks, with a
signed request, for the messages addressed to it after a cursor (its last
``seq``); it gets them sealed to it now, in order, and later posts the signed
receipts its own inbox produced, which settle our outbox exactly as a push
answer would.

Pulling side (``FeedPuller``): for each partner marked ``pull``, fetch after
our cursor, hand the envelopes to our own ``Receiver`` (the same checks as the
inbox), advance the cursor past every settled message and post the receipts
back. Stopping at the first message not settled keeps the order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import PublicKeys
from accord.adapters.receipts import (
    REFUSED,
    ReceiptInvalid,
    SignedReceipt,
    sign_request,
    verify_receipt,
)
from accord.adapters.store import Store
from accord.adapters.store.outbox import OutboxMessage
from accord.adapters.transport import FEED, Transport, TransportError, feed_query
from accord.domain.errors import InvalidValue
from accord.services.dispatch import settle_many
from accord.services.receive import RETRYABLE, SKIPPED, Receiver
from accord.services.sealing import seal_message

log = logging.getLogger("accord.feed")
MAX_FEED = 500


def serve_feed(store: Store, keys: NodeKeys, *, me: str, caller: str, since: int, limit: int,
               now: datetime | None = None) -> dict[str, Any]:
    """Messages to ``caller`` after ``since``, sealed to it now, oldest first."""
    if since < 0 or not 1 <= limit <= MAX_FEED:
        raise InvalidValue(f"since must be >= 0 and limit 1..{MAX_FEED}", where="query")
    now = now or datetime.now(UTC)
    with store.unit_of_work(write=False) as uow:
        partner = uow.partners.get(caller)
        messages = uow.outbox.feed(caller, since=since, limit=limit) if partner else []
    assert partner is not None or not messages
    envelopes = [{"seq": m.seq, "message_id": m.message_id,
                  "envelope": seal_message(keys, me, partner, m, now)}
                 for m in messages if partner is not None]
    return {"envelopes": envelopes, "next": messages[-1].seq if messages else since}


def accept_receipts(store: Store, tokens: Sequence[str], *, me: str,
                    now: datetime | None = None) -> dict[str, Any]:
    """Settle our outbox with receipts a partner posts after pulling; per-receipt results.

    All in one transaction: the messages are looked up at once and each partner's
    receipts settled together (``settle_many``), in the order given.
    """
    now = now or datetime.now(UTC)
    results: list[dict[str, Any] | None] = [None] * len(tokens)
    with store.unit_of_work() as uow:
        pinned: dict[str, PublicKeys | None] = {}

        def keys_of(node_id: str) -> PublicKeys | None:
            if node_id not in pinned:
                pinned[node_id] = uow.partners.keys_of(node_id)
            return pinned[node_id]

        verified: list[tuple[int, SignedReceipt]] = []
        signatures: dict[str, dict[str, Any]] = {}  # a batch's signature checked once
        for i, token in enumerate(tokens):
            try:
                verified.append((i, verify_receipt(token, keys_of, now=now,
                                                   verified=signatures)))
            except ReceiptInvalid as exc:
                results[i] = {"ok": False, "reason": exc.code, "detail": exc.message}
        messages = uow.outbox.get_many([r.message_id for _i, r in verified])
        by_partner: dict[str, list[tuple[int, OutboxMessage, SignedReceipt]]] = {}
        for i, receipt in verified:
            message = messages.get(receipt.message_id)
            if receipt.sender != me or message is None or message.partner != receipt.issuer:
                wrong = ReceiptInvalid("not a receipt for a message of ours to its issuer")
                results[i] = {"ok": False, "reason": wrong.code, "detail": wrong.message}
            elif receipt.status == REFUSED and receipt.reason in RETRYABLE:
                results[i] = {"ok": True, "message_id": receipt.message_id, "state": "pending"}
            else:
                by_partner.setdefault(receipt.issuer, []).append((i, message, receipt))
        for partner, items in by_partner.items():
            states = settle_many(uow, partner, [(m, r) for _i, m, r in items], now)
            for (i, _m, receipt), state in zip(items, states, strict=True):
                results[i] = {"ok": True, "message_id": receipt.message_id,
                              "state": state or "pending"}
    return {"results": results}


class FeedPuller:
    """Pulls the feeds of partners marked ``pull`` into our own inbox."""

    def __init__(self, *, me: str, keys: NodeKeys, store: Store, receiver: Receiver,
                 transport: Transport, limit: int = 200) -> None:
        self.me, self.keys, self.store = me, keys, store
        self.receiver, self.transport, self.limit = receiver, transport, limit

    def pull_all(self, *, now: datetime | None = None) -> int:
        """Pull every ``pull`` partner until caught up; the number of envelopes taken."""
        with self.store.unit_of_work(write=False) as uow:
            partners = [p.node_id for p in uow.partners.list() if p.pull]
        return sum(self.pull(node_id) for node_id in partners)

    def pull(self, node_id: str) -> int:
        taken = 0
        while True:
            with self.store.unit_of_work(write=False) as uow:
                partner = uow.partners.get(node_id)
            if partner is None or not partner.active:
                return taken
            now = datetime.now(UTC)
            since = partner.feed_cursor
            token = sign_request(self.keys, issuer=self.me, audience=node_id, method="GET",
                                 path=FEED, query=feed_query(since, self.limit), now=now)
            try:
                page = self.transport.get_feed(partner.url, since=since, limit=self.limit,
                                               authorization=token)
            except TransportError as exc:
                log.warning("pulling the feed of %s failed: %s", node_id, exc)
                return taken
            items = page.get("envelopes")
            if not isinstance(items, list) or not items:
                return taken
            results = self.receiver.receive([str(i.get("envelope", "")) for i in items])
            cursor, receipts = since, []
            for item, result in zip(items, results, strict=True):
                if result.status == SKIPPED or result.receipt is None or (
                        result.status == "refused" and result.reason in RETRYABLE):
                    break
                receipts.append(result.receipt)
                cursor = int(item.get("seq", cursor))
            taken += len(receipts)
            with self.store.unit_of_work() as uow:
                uow.partners.set_feed_cursor(node_id, cursor)
            if receipts:
                try:
                    self.transport.post_receipts(partner.url, receipts)
                except TransportError as exc:  # they will offer these again: duplicates
                    log.warning("posting receipts to %s failed: %s", node_id, exc)
            if cursor == since or len(items) < self.limit:
                return taken

