"""The dispatcher keeps the next batch sealed while one is on its way: every message still
arrives once and in order, and a batch the partner does not take whole stops the queue
before anything after it is posted. Receipts posted after a pull settle in one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from tests.federation_kit import report_doc

from accord.adapters.compact import header
from accord.adapters.store.outbox import DELIVERED, PENDING
from accord.bootstrap import Node
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import decode_leaf
from accord.services import reports
from accord.services.dispatch import Dispatcher
from accord.services.feed import accept_receipts, serve_feed


class Loopback:
    """A ``Transport`` that hands each batch to the partner's real receiver in this process
    and remembers the sequence numbers it posted; ``stop_at`` makes the partner answer
    "refused, try again" for that message and "skipped" for the rest of its batch."""

    def __init__(self, partner: Node, stop_at: int | None = None) -> None:
        self.partner, self.stop_at = partner, stop_at
        self.posted: list[list[str]] = []

    def post_inbox(self, base_url: str, envelopes: Sequence[str], *,
                   messages: int | None = None) -> list[dict[str, Any]]:
        self.posted.append(list(envelopes))
        results = [r.to_dict() for r in self.partner.receiver.receive(list(envelopes))]
        if self.stop_at is None:
            return results
        seqs = self.seqs(envelopes)
        if self.stop_at not in seqs:
            return results
        cut = seqs.index(self.stop_at)
        return results[:cut] + [
            {"status": "refused", "reason": "inbox_unavailable", "receipt": None}] + [
            {"status": "skipped", "reason": "earlier_refused", "receipt": None}
            for _ in seqs[cut + 1:]]

    def seqs(self, envelopes: Sequence[str]) -> list[int]:
        """The sequence numbers of the messages ``envelopes`` carry, as the partner recorded
        them."""
        with self.partner.store.unit_of_work(write=False) as uow:
            by_id = {e.message_id: e.seq for e in uow.inbox.accepted(limit=10_000)}
        return [by_id[i] for e in envelopes for i in message_ids(e)]

    def close(self) -> None:
        pass


def message_ids(envelope: str) -> list[str]:
    """The message ids an envelope (a message or a batch) carries."""
    head = header(envelope.split(".")[0], what="envelope")
    return list(head.get("ids") or [head["jti"]])


def dispatcher(co: Node, transport: Loopback, batch_size: int) -> Dispatcher:
    settings = replace(co.config.federation, batch_size=batch_size)
    return Dispatcher(me=co.node_id, keys=co.keys, store=co.store, settings=settings,
                      transport=transport)  # type: ignore[arg-type]


def create_many(co: Node, count: int) -> None:
    for i in range(count):
        reports.create_report(co.store, report_doc(f"r{i:02d}", name=f"Juan Perez {i}"),
                              origin=co.node_id, registry=co.registry)


def outbox(co: Node) -> list[tuple[int | None, str]]:
    with co.store.unit_of_work(write=False) as uow:
        return sorted((m.seq, m.state) for m in uow.outbox.list(limit=1000))


def arrived(mx: Node) -> list[int]:
    with mx.store.unit_of_work(write=False) as uow:
        return [e.seq for e in uow.inbox.accepted(limit=1000)]


def test_batches_follow_each_other_in_order_until_the_queue_is_empty(
        co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    create_many(co, 10)
    transport = Loopback(mx)
    with dispatcher(co, transport, batch_size=3) as d:
        stats = d.run_once()
    assert (stats.sent, stats.delivered, stats.failures) == (10, 10, 0)
    assert [sum(len(message_ids(e)) for e in b) for b in transport.posted] == [3, 3, 3, 1]
    assert arrived(mx) == list(range(1, 11))
    assert outbox(co) == [(seq, DELIVERED) for seq in range(1, 11)]


def test_a_batch_not_taken_whole_stops_the_queue_before_the_next_is_posted(
        co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    create_many(co, 10)
    transport = Loopback(mx, stop_at=5)  # in the second batch of three
    with dispatcher(co, transport, batch_size=3) as d:
        stats = d.run_once()
        assert (stats.delivered, stats.failures) == (4, 1)
        assert len(transport.posted) == 2  # the third batch was sealed, never posted
        assert outbox(co) == [(s, DELIVERED) for s in range(1, 5)] + [
            (s, PENDING) for s in range(5, 11)]
        transport.stop_at = None
        stats = d.run_once(force=True)
    assert stats.delivered == 6
    # 5 and 6 had reached the partner before: they were answered "duplicate"
    assert arrived(mx) == list(range(1, 11))
    assert outbox(co) == [(seq, DELIVERED) for seq in range(1, 11)]


def test_receipts_posted_after_a_pull_settle_each_message_once_in_one_call(
        co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    create_many(co, 4)
    page = serve_feed(co.store, co.keys, me=co.node_id, caller=mx.node_id, since=0, limit=10)
    results = mx.receiver.receive([e["envelope"] for e in page["envelopes"]])
    tokens = [str(r.receipt) for r in results]
    answer = accept_receipts(co.store, [tokens[0], "not.a.receipt", *tokens[1:], tokens[2]],
                             me=co.node_id)["results"]
    assert [(a["ok"], a.get("state")) for a in answer] == [
        (True, DELIVERED), (False, None), (True, DELIVERED), (True, DELIVERED),
        (True, DELIVERED), (True, DELIVERED)]
    assert outbox(co) == [(seq, DELIVERED) for seq in range(1, 5)]
    with co.store.unit_of_work(write=False) as uow:
        sent = [decode_leaf(leaf.data)[1] for leaf in uow.ledger.tree.leaves()]
        kept = [uow.outbox.receipt(m.message_id) for m in uow.outbox.list(limit=10)]
    assert sorted(e.subject for e in sent if e.action is Act.ENVELOPE_SENT) == sorted(
        r.message_id for r in kept if r is not None)
    assert len([e for e in sent if e.action is Act.ENVELOPE_SENT]) == 4
