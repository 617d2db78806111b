"""Envelopes: every refusal has its test, and no tampered byte gets through."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwe, jws

from accord.adapters.envelope import (
    ENVELOPE_TYP,
    MESSAGE_TYP,
    EnvelopeBadSignature,
    EnvelopeHeaderMismatch,
    EnvelopeMalformed,
    EnvelopeNotFresh,
    EnvelopeRefused,
    EnvelopeReplayed,
    EnvelopeRevokedKey,
    EnvelopeTooLarge,
    EnvelopeUnpinnedKey,
    EnvelopeUnsigned,
    EnvelopeWrongRecipient,
    OpenedEnvelope,
    _jwe_registry,
    open_envelope,
    seal,
)
from accord.adapters.keys import NodeKeys, generate_node_keys, load_node_keys, rotate_node_keys
from accord.adapters.partner_keys import PublicKeys, jws_registry
from accord.adapters.replay_cache import MemoryReplayCache
from accord.domain.canonical import canonical_json

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PAYLOAD = {"kind": "release", "report": {"id": "R1", "title": "Go-fast"}, "n": [1, 2]}


class Nodes:
    """Three nodes' keys, made once per module (key generation is the slow part)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.keys: dict[str, NodeKeys] = {}
        for name in ("co", "mx", "us"):
            generate_node_keys(root / name)
            self.keys[name] = load_node_keys(root / name)
        self.pinned = {n: k.public_keys(n, n.upper()) for n, k in self.keys.items()}

    def seal(self, sender: str = "co", recipient: str = "mx", *, message_id: str = "m-1",
             now: datetime = NOW, payload: dict[str, Any] | None = None) -> str:
        return seal(PAYLOAD if payload is None else payload, sender_keys=self.keys[sender],
                    sender_id=sender, recipient_id=recipient,
                    recipient_enc_public_jwk=self.pinned[recipient].encryption_key(),
                    message_id=message_id, now=now)

    def open(self, token: str | bytes, me: str = "mx", *, now: datetime = NOW,
             cache: MemoryReplayCache | None = None,
             lookup: Callable[[str], PublicKeys | None] | None = None,
             **kw: Any) -> OpenedEnvelope:
        return open_envelope(token, my_keys=self.keys[me], my_id=me,
                             sender_public_keys_lookup=lookup or self.pinned.get,
                             replay_cache=MemoryReplayCache() if cache is None else cache,
                             now=now, **kw)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Nodes:
    return Nodes(tmp_path_factory.mktemp("envelope-keys"))


def raw_envelope(nodes: Nodes, plaintext: bytes | str, *, header: dict[str, Any] | None = None,
                 to: str = "mx") -> str:
    """A JWE built by hand (what an attacker or a buggy partner could send)."""
    protected = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "typ": ENVELOPE_TYP,
                 "kid": nodes.pinned[to].encryption_key().kid, "iss": "co", "aud": to,
                 "jti": "m-1", "iat": int(NOW.timestamp()), **(header or {})}
    return jwe.encrypt_compact(protected, plaintext, nodes.pinned[to].encryption_key().key,
                               registry=_jwe_registry(1 << 20))


def signed(nodes: Nodes, claims: dict[str, Any], signer: str = "co",
           kid: str | None = None) -> str:
    key = nodes.keys[signer].signing
    return jws.serialize_compact({"alg": "Ed25519", "typ": MESSAGE_TYP, "kid": kid or key.kid},
                                 canonical_json(claims), key, registry=jws_registry())


CLAIMS = {"iss": "co", "aud": "mx", "jti": "m-1", "iat": int(NOW.timestamp()), "body": PAYLOAD}


def test_round_trip(nodes: Nodes) -> None:
    token = nodes.seal()
    opened = nodes.open(token)
    assert opened.payload == PAYLOAD
    assert (opened.sender, opened.recipient, opened.message_id) == ("co", "mx", "m-1")
    assert opened.issued_at == NOW and opened.sender_kid == nodes.keys["co"].signing_kid
    assert nodes.open(token.encode()).payload == PAYLOAD  # bytes off the wire
    assert "Go-fast" not in token  # encrypted, not just signed


def test_too_large_is_refused_before_anything_is_parsed(nodes: Nodes) -> None:
    with pytest.raises(EnvelopeTooLarge, match="over the limit of 100") as err:
        nodes.open("x" * 101, max_bytes=100)
    assert err.value.code == "envelope_too_large" and err.value.status == 413
    with pytest.raises(EnvelopeTooLarge):
        nodes.open(nodes.seal(), max_bytes=200)


@pytest.mark.parametrize("token", ["", "not an envelope", "a.b.c.d.e", "é.b.c.d.e"])
def test_garbage_is_malformed(nodes: Nodes, token: str) -> None:
    with pytest.raises(EnvelopeMalformed):
        nodes.open(token)


def test_addressed_to_another_node(nodes: Nodes) -> None:
    with pytest.raises(EnvelopeWrongRecipient, match="addressed to 'us', this node is 'mx'"):
        nodes.open(nodes.seal(recipient="us"), me="mx")
    # sealed to mx's key but claiming to be for us: still not for mx
    with pytest.raises(EnvelopeWrongRecipient):
        nodes.open(raw_envelope(nodes, signed(nodes, CLAIMS), header={"aud": "us"}))
    # addressed to mx but encrypted to another node's key
    sneaky = raw_envelope(nodes, signed(nodes, CLAIMS), to="us", header={"aud": "mx"})
    with pytest.raises(EnvelopeWrongRecipient, match="not encrypted to a current key"):
        nodes.open(sneaky)


def test_unsigned_content_is_refused(nodes: Nodes) -> None:
    with pytest.raises(EnvelopeUnsigned, match="not signed") as err:
        nodes.open(raw_envelope(nodes, json.dumps(CLAIMS)))
    assert err.value.code == "envelope_unsigned"
    with pytest.raises(EnvelopeMalformed, match="not a signed message"):
        nodes.open(raw_envelope(nodes, b"\x00\x01binary"))


def test_sender_without_pinned_keys(nodes: Nodes) -> None:
    with pytest.raises(EnvelopeUnpinnedKey, match="no pinned keys for sender 'co'"):
        nodes.open(nodes.seal(), lookup=lambda _: None)
    # keys pinned for another node handed back under co's name
    with pytest.raises(EnvelopeUnpinnedKey):
        nodes.open(nodes.seal(), lookup=lambda _: nodes.pinned["us"])


def test_signed_by_an_unpinned_key(nodes: Nodes) -> None:
    forged = raw_envelope(nodes, signed(nodes, CLAIMS, signer="us"))  # us posing as co
    with pytest.raises(EnvelopeUnpinnedKey, match="is not a pinned signing key of co"):
        nodes.open(forged)


def test_signed_by_a_revoked_or_retired_key(nodes: Nodes, tmp_path: Path) -> None:
    pinned = nodes.pinned["co"].with_revocations([nodes.keys["co"].signing_kid])
    with pytest.raises(EnvelopeRevokedKey, match="is revoked") as err:
        nodes.open(nodes.seal(), lookup={"co": pinned}.get)
    assert err.value.code == "envelope_revoked_key"
    # a key rotated out keeps working for its grace period only
    generate_node_keys(tmp_path / "pa")
    old = load_node_keys(tmp_path / "pa")
    new = rotate_node_keys(tmp_path / "pa", now=NOW, grace=timedelta(hours=1))
    follow = {"pa": new.public_keys("pa", "PA")}
    later = NOW + timedelta(hours=2)

    def from_pa(keys: NodeKeys, at: datetime, message_id: str) -> str:
        return seal(PAYLOAD, sender_keys=keys, sender_id="pa", recipient_id="mx",
                    recipient_enc_public_jwk=nodes.pinned["mx"].encryption_key(),
                    message_id=message_id, now=at)

    assert nodes.open(from_pa(old, NOW, "a"), lookup=follow.get).sender == "pa"
    assert nodes.open(from_pa(new, later, "b"), lookup=follow.get, now=later).sender == "pa"
    with pytest.raises(EnvelopeRevokedKey, match="retired at"):
        nodes.open(from_pa(old, later, "c"), lookup=follow.get, now=later)


def test_bad_signature(nodes: Nodes) -> None:
    # signed by us's key but naming co's kid: the signature cannot verify
    forged = signed(nodes, CLAIMS, signer="us", kid=nodes.keys["co"].signing_kid)
    with pytest.raises(EnvelopeBadSignature, match="does not verify with co's key"):
        nodes.open(raw_envelope(nodes, forged))


@pytest.mark.parametrize(("field", "value"), [
    ("aud", "us"), ("iss", "us"), ("jti", "m-2"), ("iat", int(NOW.timestamp()) - 1),
])
def test_outer_header_must_match_the_signed_claims(nodes: Nodes, field: str,
                                                    value: object) -> None:
    inner = signed(nodes, {**CLAIMS, field: value})
    with pytest.raises(EnvelopeHeaderMismatch, match=f"signed {field}"):
        nodes.open(raw_envelope(nodes, inner))


def test_freshness_window(nodes: Nodes) -> None:
    token = nodes.seal(now=NOW)
    assert nodes.open(token, now=NOW + timedelta(minutes=5)).sender == "co"
    with pytest.raises(EnvelopeNotFresh, match="older than 0:05:00"):
        nodes.open(token, now=NOW + timedelta(minutes=5, seconds=1))
    assert nodes.open(token, now=NOW - timedelta(seconds=30)).sender == "co"  # clock skew
    with pytest.raises(EnvelopeNotFresh, match="in the future"):
        nodes.open(token, now=NOW - timedelta(seconds=31))
    with pytest.raises(EnvelopeNotFresh):
        nodes.open(token, now=NOW + timedelta(seconds=61), max_age=timedelta(minutes=1))


def test_replay_is_refused_even_when_resealed(nodes: Nodes) -> None:
    cache = MemoryReplayCache()
    nodes.open(nodes.seal(message_id="m-7"), cache=cache)
    with pytest.raises(EnvelopeReplayed) as err:
        nodes.open(nodes.seal(message_id="m-7"), cache=cache)
    assert (err.value.sender, err.value.message_id) == ("co", "m-7")
    assert nodes.open(nodes.seal(message_id="m-8"), cache=cache).message_id == "m-8"
    # the same id from another sender is another message
    assert nodes.open(nodes.seal("us", message_id="m-7"), cache=cache).sender == "us"


def test_refused_envelopes_do_not_poison_the_replay_cache(nodes: Nodes) -> None:
    cache = MemoryReplayCache()
    forged = raw_envelope(nodes, signed(nodes, CLAIMS, signer="us"))
    with pytest.raises(EnvelopeUnpinnedKey):
        nodes.open(forged, cache=cache)
    assert cache.size == 0
    assert nodes.open(nodes.seal(), cache=cache).message_id == "m-1"


def test_replay_cache_forgets_only_what_could_no_longer_be_fresh() -> None:
    cache = MemoryReplayCache(max_entries=2)
    assert cache.remember("co", "a", now=NOW, expires_at=NOW + timedelta(minutes=5))
    assert not cache.remember("co", "a", now=NOW + timedelta(minutes=5),
                              expires_at=NOW + timedelta(minutes=10))
    assert cache.remember("co", "b", now=NOW, expires_at=NOW + timedelta(minutes=6))
    with pytest.raises(OverflowError):
        cache.remember("co", "c", now=NOW, expires_at=NOW + timedelta(minutes=6))
    assert cache.remember("co", "c", now=NOW + timedelta(minutes=5, seconds=1),
                          expires_at=NOW + timedelta(minutes=11))
    assert cache.size == 2


SEALED: dict[str, str] = {}


@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.characters(codec="utf-8"))
def test_any_changed_character_is_refused(nodes: Nodes, position: int, replacement: str) -> None:
    token = SEALED.setdefault("t", nodes.seal())
    position %= len(token)
    if token[position] == replacement:
        return
    tampered = token[:position] + replacement + token[position + 1:]
    with pytest.raises(EnvelopeRefused):
        nodes.open(tampered)


@settings(max_examples=100, deadline=None)
@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_flipped_bit_is_refused(nodes: Nodes, position: int, bit: int) -> None:
    raw = bytearray(SEALED.setdefault("t", nodes.seal()).encode())
    raw[position % len(raw)] ^= 1 << bit
    with pytest.raises(EnvelopeRefused):
        nodes.open(bytes(raw))


def test_padding_bits_of_the_last_character_are_not_ignored(nodes: Nodes) -> None:
    token = nodes.seal()
    tag = token.rsplit(".", 1)[1]  # 16 bytes: 22 characters, the last carries 2 spare bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = alphabet[alphabet.index(tag[-1]) ^ 1]  # differs only in a spare bit
    with pytest.raises(EnvelopeMalformed, match="not canonical base64url"):
        nodes.open(token[:-1] + sibling)
