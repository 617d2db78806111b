"""Batch envelopes and batch receipts: many messages under one signature and one encryption,
every check made on the batch as a whole, replay per message; any changed byte refused; one
signature for many receipts, each still verifiable alone and bound to its own message."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from joserfc import jwe
from tests.adapters.test_envelope import NOW, Nodes

from accord.adapters.compact import b64url_decode, b64url_encode
from accord.adapters.envelope import (
    EnvelopeHeaderMismatch,
    EnvelopeMalformed,
    EnvelopeNotFresh,
    EnvelopeRefused,
    EnvelopeUnpinnedKey,
    EnvelopeWrongRecipient,
    _jwe_registry,
    outer_header,
    seal_signed,
)
from accord.adapters.envelope_batch import (
    BATCH_MESSAGE_TYP,
    BATCH_TYP,
    MAX_HEADER,
    OpenedBatch,
    open_batch,
    seal_batch,
    sealed_size,
)
from accord.adapters.keys import generate_node_keys, load_node_keys
from accord.adapters.receipts import (
    ReceiptInvalid,
    receipt_leaf,
    sign_receipt,
    sign_receipts,
    verify_receipt,
)
from accord.adapters.replay_cache import MemoryReplayCache


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Nodes:
    return Nodes(tmp_path_factory.mktemp("batch-keys"))


def body(i: int) -> dict[str, Any]:
    return {"kind": "release", "seq": i, "report_id": f"r{i}", "note": "é" * (i % 7)}


def messages(n: int, prefix: str = "m") -> list[tuple[str, dict[str, Any]]]:
    return [(f"{prefix}-{i:040d}", body(i)) for i in range(n)]


def seal_for(nodes: Nodes, items: list[tuple[str, Any]], *, sender: str = "co",
             recipient: str = "mx", now: datetime = NOW, batch_id: str = "b-1") -> str:
    return seal_batch(items, sender_keys=nodes.keys[sender], sender_id=sender,
                      recipient_id=recipient,
                      recipient_enc_public_jwk=nodes.pinned[recipient].encryption_key(),
                      batch_id=batch_id, now=now)


def open_for(nodes: Nodes, token: str | bytes, me: str = "mx", *,
             cache: MemoryReplayCache | None = None, now: datetime = NOW,
             **kw: Any) -> OpenedBatch:
    text, outer = outer_header(token, max_bytes=kw.pop("max_bytes", 4 << 20))
    return open_batch(text, outer, my_keys=nodes.keys[me], my_id=me,
                      sender_public_keys_lookup=kw.pop("lookup", nodes.pinned.get),
                      replay_cache=MemoryReplayCache() if cache is None else cache, now=now,
                      **kw)


def test_a_large_batch_round_trips_with_each_message_its_own_id(nodes: Nodes) -> None:
    items = messages(300)  # the ids alone make the protected header far over 1 KiB
    token = seal_for(nodes, items)
    estimate = sealed_size([orjson.dumps(b) for _, b in items], [m for m, _ in items])
    assert len(token) <= estimate < len(token) * 1.1
    opened = open_for(nodes, token)
    assert (opened.sender, opened.batch_id, opened.replayed) == ("co", "b-1", frozenset())
    assert [(m.message_id, m.payload, m.sender, m.recipient) for m in opened.messages] == [
        (m, b, "co", "mx") for m, b in items]


def test_a_batch_for_another_node_is_refused(nodes: Nodes) -> None:
    with pytest.raises(EnvelopeWrongRecipient, match="addressed to 'us'"):
        open_for(nodes, seal_for(nodes, messages(3), recipient="us"), me="mx")
    # encrypted to mx but addressed (and signed) for us: still refused by mx
    with pytest.raises(EnvelopeWrongRecipient):
        open_for(nodes, forged(nodes, header={"aud": "us"}, claims={"aud": "us"}))


def test_a_batch_from_an_unpinned_sender_or_stale_is_refused(nodes: Nodes) -> None:
    token = seal_for(nodes, messages(2))
    with pytest.raises(EnvelopeUnpinnedKey):
        open_for(nodes, token, lookup=lambda _n: None)
    with pytest.raises(EnvelopeNotFresh):
        open_for(nodes, token, now=NOW + timedelta(minutes=10))


def forged(nodes: Nodes, *, header: dict[str, Any] | None = None,
           claims: dict[str, Any] | None = None, items: Any = None) -> str:
    """A batch signed by co's real key but with chosen header and claims."""
    ids = ["m-1", "m-2"]
    bound = {"iss": "co", "aud": "mx", "jti": "b-1", "iat": int(NOW.timestamp()), "ids": ids}
    signed_claims = {**bound, "messages": [{"jti": i, "body": {"n": 1}} for i in ids]
                     if items is None else items, **(claims or {})}
    return seal_signed(orjson.dumps(signed_claims), {**bound, **(header or {})},
                       sender_keys=nodes.keys["co"],
                       recipient_enc_public_jwk=nodes.pinned["mx"].encryption_key(),
                       typ=BATCH_TYP, cty=BATCH_MESSAGE_TYP)


@pytest.mark.parametrize(("header", "claims", "items", "error"), [
    ({"ids": ["m-1", "m-3"]}, None, None, EnvelopeHeaderMismatch),  # header names other ids
    (None, {"ids": ["m-2", "m-1"]}, None, EnvelopeHeaderMismatch),  # signed order differs
    (None, None, [{"jti": "m-2", "body": {}}, {"jti": "m-1", "body": {}}], EnvelopeMalformed),
    (None, None, [{"jti": "m-1", "body": {}}], EnvelopeMalformed),  # one message missing
    (None, None, [{"jti": "m-1", "body": {}}, {"jti": "m-2", "body": "x"}], EnvelopeMalformed),
    ({"ids": ["m-1", "m-1"]}, {"ids": ["m-1", "m-1"]},
     [{"jti": "m-1", "body": {}}, {"jti": "m-1", "body": {}}], EnvelopeMalformed),
    ({"ids": []}, {"ids": []}, [], EnvelopeMalformed),
])
def test_the_signed_messages_must_be_the_ones_the_header_names(
        nodes: Nodes, header: dict[str, Any] | None, claims: dict[str, Any] | None,
        items: Any, error: type[EnvelopeRefused]) -> None:
    with pytest.raises(error):
        open_for(nodes, forged(nodes, header=header, claims=claims, items=items))


def test_replay_is_per_message_even_inside_another_batch(nodes: Nodes) -> None:
    cache = MemoryReplayCache()
    first = open_for(nodes, seal_for(nodes, messages(3)), cache=cache)
    assert first.replayed == frozenset()
    # a new batch (new id, new signature) carrying one message already seen
    again = [messages(3)[1], ("m-new", body(9))]
    second = open_for(nodes, seal_for(nodes, again, batch_id="b-2"), cache=cache)
    assert second.replayed == {messages(3)[1][0]}
    assert [m.message_id for m in second.messages] == [again[0][0], "m-new"]


def test_a_refused_batch_does_not_poison_the_replay_cache(nodes: Nodes) -> None:
    cache = MemoryReplayCache()
    with pytest.raises(EnvelopeNotFresh):
        open_for(nodes, seal_for(nodes, messages(2), now=NOW - timedelta(hours=1)), cache=cache)
    assert cache.size == 0


@pytest.fixture(scope="module")
def sealed_batch(nodes: Nodes) -> str:
    return seal_for(nodes, messages(40))


def test_any_flipped_bit_anywhere_is_refused(nodes: Nodes, sealed_batch: str) -> None:
    raw = sealed_batch.encode()
    rng = random.Random(7)
    dots = [i for i, c in enumerate(raw) if c == ord(".")]
    positions = sorted({0, len(raw) - 1, *dots, *(d + 1 for d in dots), *(d - 1 for d in dots),
                        *rng.sample(range(len(raw)), 150)})
    for position in positions:
        for bit in (0, 3, 6):
            changed = bytearray(raw)
            changed[position] ^= 1 << bit
            with pytest.raises(EnvelopeRefused):
                open_for(nodes, bytes(changed))


def test_a_protected_header_larger_than_a_batch_needs_is_refused(nodes: Nodes) -> None:
    text, outer = outer_header(seal_for(nodes, messages(2)), max_bytes=1 << 20)
    huge = {**outer, "pad": "x" * MAX_HEADER}
    head = b64url_encode(__import__("json").dumps(huge).encode())
    with pytest.raises(EnvelopeMalformed):
        open_for(nodes, ".".join([head, *text.split(".")[1:]]))


def test_a_single_message_envelope_is_not_a_batch(nodes: Nodes) -> None:
    with pytest.raises(EnvelopeMalformed):
        open_for(nodes, nodes.seal())


def test_batch_header_too_large_for_the_default_registry_is_why_batches_raise_it(
        nodes: Nodes) -> None:
    token = seal_for(nodes, messages(100))
    with pytest.raises(Exception, match="Header size"):
        jwe.decrypt_compact(token, nodes.keys["mx"].decryption_key(
            outer_header(token, max_bytes=1 << 22)[1]["kid"], NOW), registry=_jwe_registry(1 << 22))


# -- batch receipts -------------------------------------------------------------------


def leaves(n: int) -> list[dict[str, Any]]:
    return [receipt_leaf(sender="co", message_id=f"m-{i}", status="accepted", seq=i + 1,
                         ledger_index=100 + i) if i % 5 else
            receipt_leaf(sender="co", message_id=f"m-{i}", status="refused",
                         reason="not_allowed", detail="no clause") for i in range(n)]


def keys_of(nodes: Nodes) -> Any:
    return lambda n: nodes.pinned.get(n)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 101])
def test_one_signature_many_receipts_each_verifiable_alone(nodes: Nodes, n: int) -> None:
    tokens = sign_receipts(nodes.keys["mx"], issuer="mx", at=NOW, leaves=leaves(n))
    assert len({t.split("~")[0] for t in tokens}) == 1  # one signature
    memo: dict[str, dict[str, Any]] = {}
    for i, token in enumerate(tokens):
        alone = verify_receipt(token, keys_of(nodes), now=NOW)
        assert alone == verify_receipt(token, keys_of(nodes), now=NOW, verified=memo)
        assert (alone.issuer, alone.sender, alone.message_id, alone.at) == (
            "mx", "co", f"m-{i}", NOW)
        if i % 5:
            assert (alone.status, alone.seq, alone.ledger_index) == ("accepted", i + 1, 100 + i)
        else:
            assert (alone.status, alone.reason, alone.detail) == (
                "refused", "not_allowed", "no clause")
    assert len(memo) == 1


def test_a_single_receipt_still_verifies(nodes: Nodes) -> None:
    token = sign_receipt(nodes.keys["mx"], issuer="mx", sender="co", message_id="m-1",
                         status="accepted", at=NOW, seq=1, ledger_index=5)
    assert verify_receipt(token, keys_of(nodes), now=NOW).ledger_index == 5


def test_a_batch_receipt_cannot_be_altered_or_moved(nodes: Nodes, tmp_path: Path) -> None:
    tokens = sign_receipts(nodes.keys["mx"], issuer="mx", at=NOW, leaves=leaves(9))
    signed, leaf, index, path = tokens[3].split("~")
    other = tokens[4].split("~")
    assert b"103" in b64url_decode(leaf, what="leaf")
    fake_leaf = b64url_encode(b64url_decode(leaf, what="leaf").replace(b"103", b"999"))
    bad = [
        f"{signed}~{fake_leaf}~{index}~{path}",  # another ledger index
        f"{signed}~{leaf}~4~{path}",  # another position
        f"{signed}~{other[1]}~{index}~{path}",  # another message's leaf on this path
        f"{signed}~{leaf}~{index}~{path[:-43]}",  # a hash short
        f"{signed}~{leaf}~{index}~{path}AAAA",
        f"{signed}~{leaf}~{index}",
        f"{signed}~{leaf}~-1~{path}",
        f"{_flipped(signed)}~{leaf}~{index}~{path}",  # the signature
    ]
    for token in bad:
        assert token != tokens[3]  # every tampering changes the bytes (no lucky no-op)
        with pytest.raises(ReceiptInvalid):
            verify_receipt(token, keys_of(nodes), now=NOW)
    # signed by a key that is not the issuer's pinned one
    generate_node_keys(tmp_path / "x")
    stranger = sign_receipts(load_node_keys(tmp_path / "x"), issuer="mx", at=NOW,
                             leaves=leaves(2))
    with pytest.raises(ReceiptInvalid):
        verify_receipt(stranger[0], keys_of(nodes), now=NOW)
    # a memo of checked signatures does not let an unchecked one through
    memo: dict[str, dict[str, Any]] = {}
    verify_receipt(tokens[0], keys_of(nodes), now=NOW, verified=memo)
    with pytest.raises(ReceiptInvalid):
        verify_receipt(stranger[1], keys_of(nodes), now=NOW, verified=memo)


def _flipped(signed: str) -> str:
    """``signed`` with a character in the middle of its signature changed (always: a fixed
    replacement such as "AA" at the end is a no-op for one signature in 256)."""
    head, _, signature = signed.rpartition(".")
    middle = len(signature) // 2
    swap = "B" if signature[middle] != "B" else "C"
    return f"{head}.{signature[:middle]}{swap}{signature[middle + 1:]}"


def test_a_leaf_may_not_claim_its_own_issuer_or_time(nodes: Nodes) -> None:
    [token] = sign_receipts(nodes.keys["mx"], issuer="mx", at=NOW,
                            leaves=[{**leaves(2)[1], "iss": "us"}])
    with pytest.raises(ReceiptInvalid):
        verify_receipt(token, keys_of(nodes), now=NOW)


def test_no_leaves_no_signature(nodes: Nodes) -> None:
    assert sign_receipts(nodes.keys["mx"], issuer="mx", at=datetime.now(UTC), leaves=[]) == []
