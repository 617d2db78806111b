"""Batch envelopes through the real inbox: every message still checked, kept, ledgered and
receipted on its own; a tampered batch, a batch for another node and a message replayed
inside another batch are refused, each refusal logged and ledgered with its reason; the
dispatcher splits what it sends to stay under the partner's size limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.services.test_dispatch_pipeline import Loopback, create_many, message_ids
from tests.services.test_receive import post, release, sealed, stored

from accord.adapters.envelope_batch import seal_batch
from accord.adapters.receipts import verify_receipt
from accord.adapters.store.outbox import DELIVERED
from accord.bootstrap import Node
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import decode_leaf
from accord.entrypoints.api.app import create_app
from accord.services.dispatch import Dispatcher


@pytest.fixture
def inbox(co_mx: tuple[Node, Node]) -> Iterator[TestClient]:
    with TestClient(create_app(co_mx[1])) as client:
        yield client


def batch(co: Node, mx: Node, bodies: list[dict[str, Any]], *, ids: list[str] | None = None,
          recipient: str | None = None) -> tuple[str, list[str]]:
    ids = ids or [uuid.uuid4().hex for _ in bodies]
    token = seal_batch(list(zip(ids, bodies, strict=True)), sender_keys=co.keys,
                       sender_id=co.node_id, recipient_id=recipient or mx.node_id,
                       recipient_enc_public_jwk=mx.keys.public_keys(mx.node_id, "MX")
                       .encryption_key(), batch_id=uuid.uuid4().hex, now=datetime.now(UTC))
    return token, ids


def ledger(mx: Node) -> list[tuple[Act, str, dict[str, Any]]]:
    with mx.store.unit_of_work(write=False) as uow:
        entries = [decode_leaf(leaf.data)[1] for leaf in uow.ledger.tree.leaves()]
    return [(e.action, e.subject, dict(e.details)) for e in entries]


def refusals(mx: Node) -> list[tuple[str | None, str]]:
    with mx.store.unit_of_work(write=False) as uow:
        return [(r.message_id, r.reason) for r in reversed(uow.inbox.refusals())]


def pinned(mx: Node) -> Any:
    return lambda n: mx.keys.public_keys(n, "MX") if n == mx.node_id else None


def test_each_message_of_a_batch_is_kept_ledgered_and_receipted_on_its_own(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    token, ids = batch(co, mx, [release(f"co-r{i}", seq=i) for i in range(1, 6)])
    results = post(inbox, token)
    assert [(r["status"], r["message_id"]) for r in results] == [("accepted", m) for m in ids]
    memo: dict[str, dict[str, Any]] = {}
    for result, message_id, seq in zip(results, ids, range(1, 6), strict=True):
        receipt = verify_receipt(result["receipt"], pinned(mx), now=datetime.now(UTC),
                                 verified=memo)
        assert (receipt.message_id, receipt.seq, receipt.status) == (message_id, seq,
                                                                      "accepted")
        assert receipt.ledger_index == result["ledger_index"]
    assert len(memo) == 1  # one signature for the five receipts
    received = [(subject, d["seq"]) for act, subject, d in ledger(mx)
                if act is Act.ENVELOPE_RECEIVED]
    assert received == list(zip(ids, range(1, 6), strict=True))
    assert stored(mx) == (5, 5, 5)


def test_single_envelopes_and_batches_mix_in_one_request_in_order(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    token, ids = batch(co, mx, [release("co-r2", seq=2), release("co-r3", seq=3)])
    results = post(inbox, sealed(co, mx, release("co-r1", seq=1), message_id="one"), token,
                   sealed(co, mx, release("co-r4", seq=4), message_id="four"))
    assert [r["message_id"] for r in results] == ["one", *ids, "four"]
    assert {r["status"] for r in results} == {"accepted"}
    with mx.store.unit_of_work(write=False) as uow:
        assert [e.seq for e in uow.inbox.accepted()] == [1, 2, 3, 4]


def test_a_flipped_byte_anywhere_in_a_batch_refuses_every_message_with_its_reason(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    token, ids = batch(co, mx, [release(f"co-r{i}", seq=i) for i in (1, 2, 3)])
    segments = token.split(".")
    # a byte in the ciphertext, the tag, the IV, the wrapped key: never opened
    for part in (1, 2, 3, 4):
        changed = list(segments)
        middle = len(changed[part]) // 2
        changed[part] = (changed[part][:middle] + ("A" if changed[part][middle] != "A" else "B")
                         + changed[part][middle + 1:])
        results = post(inbox, ".".join(changed))
        assert [(r["status"], r["reason"], r["message_id"]) for r in results] == [
            ("refused", "envelope_malformed", m) for m in ids]
    assert stored(mx) == (0, 0, 0)
    assert refusals(mx) == [(m, "envelope_malformed") for m in ids] * 4
    refused = [(subject, d["reason"]) for act, subject, d in ledger(mx)
               if act is Act.ENVELOPE_REFUSED]
    assert refused == [(m, "envelope_malformed") for m in ids] * 4
    # the same batch untouched is then accepted whole
    assert {r["status"] for r in post(inbox, token)} == {"accepted"}


def test_a_batch_for_another_node_is_refused_and_ledgered(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    token, ids = batch(co, mx, [release(f"co-r{i}", seq=i) for i in (1, 2, 3)],
                       recipient="pe-dirandro")
    results = post(inbox, token)
    # the sender may cure this (pin the right keys): answered once, the rest not looked at
    assert [(r["status"], r["reason"]) for r in results] == [
        ("refused", "envelope_wrong_recipient"), ("skipped", "earlier_refused"),
        ("skipped", "earlier_refused")]
    assert refusals(mx) == [(ids[0], "envelope_wrong_recipient")]
    assert [(subject, d["reason"]) for act, subject, d in ledger(mx)
            if act is Act.ENVELOPE_REFUSED] == [(ids[0], "envelope_wrong_recipient")]
    assert stored(mx) == (0, 0, 0)


def test_a_message_replayed_inside_another_batch_is_refused_as_a_replay(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    first, ids = batch(co, mx, [release("co-r1", seq=1), release("co-r2", seq=2)])
    accepted = post(inbox, first)
    # a new, validly signed batch carrying one message already received and a new one
    second, _ = batch(co, mx, [release("co-r2", seq=2), release("co-r3", seq=3)],
                      ids=[ids[1], "fresh"])
    again = post(inbox, second)
    assert (again[0]["status"], again[0]["reason"]) == ("duplicate", "envelope_replayed")
    assert again[0]["receipt"] == accepted[1]["receipt"]  # the original receipt, unchanged
    assert again[1]["status"] == "accepted"
    assert (ids[1], "envelope_replayed") in refusals(mx)
    # a message refused before is refused again with the same answer inside another batch
    bad, [bad_id] = batch(co, mx, [{"kind": "release", "seq": 9}])
    [refused] = post(inbox, bad)
    replayed, _ = batch(co, mx, [{"kind": "release", "seq": 9}], ids=[bad_id])
    [refused_again] = post(inbox, replayed)
    assert refused["reason"] == refused_again["reason"] == "release_malformed"
    assert refused_again["receipt"] == refused["receipt"]
    assert stored(mx) == (3, 3, 3)


def test_the_dispatcher_splits_batches_to_stay_under_the_size_limit(
        co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    create_many(co, 12)
    transport = Loopback(mx)
    settings = replace(co.config.federation, batch_size=100, max_envelope_bytes=6_000)
    with Dispatcher(me=co.node_id, keys=co.keys, store=co.store, settings=settings,
                    transport=transport) as dispatcher:  # type: ignore[arg-type]
        stats = dispatcher.run_once()
    assert (stats.sent, stats.delivered, stats.failures) == (12, 12, 0)
    [posted] = transport.posted  # one request, several envelopes each under the limit
    assert len(posted) > 1 and all(len(e) <= 6_000 for e in posted)
    assert sum(len(message_ids(e)) for e in posted) == 12
    with mx.store.unit_of_work(write=False) as uow:
        assert [e.seq for e in uow.inbox.accepted()] == list(range(1, 13))
    with co.store.unit_of_work(write=False) as uow:
        assert {m.state for m in uow.outbox.list(limit=100)} == {DELIVERED}
        receipts = [uow.outbox.receipt(m.message_id) for m in uow.outbox.list(limit=100)]
    assert all(r is not None and r.ledger_index is not None for r in receipts)


def test_a_request_may_carry_at_most_a_thousand_messages(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    """A batch's ids are claimed before anything is authenticated, and each would get a
    logged, ledgered and receipted answer: a request is capped as it was with one message
    per envelope, before any of that."""
    co, mx = co_mx
    tokens = [batch(co, mx, [{"kind": "release"}] * 501)[0] for _ in range(2)]
    response = inbox.post("/federation/v1/inbox", json={"envelopes": tokens})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "inbox_too_many_messages"
    assert refusals(mx) == [] and stored(mx) == (0, 0, 0)
    assert {r["status"] for r in post(inbox, tokens[0])} == {"refused"}  # 501 alone: looked at
