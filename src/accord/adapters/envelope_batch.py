"""Batch envelopes: many messages to one partner under one signature and one encryption.

``seal_batch`` signs a list of messages at once (JWS Ed25519, ``typ``
``accord-batch+jws``) and encrypts the signed token to the recipient (JWE
ECDH-ES+A256KW over X25519, A256GCM, ``typ`` ``accord-batch+jwe``). The signed
payload binds sender (``iss``), recipient (``aud``), batch id (``jti``), issue
time (``iat``) and the ordered message ids (``ids``); the same five travel in
the JWE protected header (so the recipient can answer for each message even
when it cannot open the batch) and must match after decryption. Each message
keeps its own id, so replay and idempotency stay per message.

``open_batch`` makes every check of ``accord.adapters.envelope.open_envelope``
on the batch as a whole (size, well-formedness, any changed byte, addressing,
pinned and unrevoked key, signature, header binding, freshness); a refusal
there refuses every message of the batch. Then each message id goes through
the replay cache on its own: ``OpenedBatch.replayed`` names those seen before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from accord.adapters.envelope import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_BYTES,
    DEFAULT_SKEW,
    EnvelopeMalformed,
    OpenedEnvelope,
    open_signed,
    seal_signed,
)
from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import PublicKey, PublicKeys
from accord.adapters.replay_cache import ReplayCache

BATCH_TYP = "accord-batch+jwe"
BATCH_MESSAGE_TYP = "accord-batch+jws"
#: What sealing adds to the bodies' JSON: base64url twice (JWS, then JWE), headers, ids.
OVERHEAD_FACTOR = 16 / 9
OVERHEAD_BYTES = 2048
MAX_MESSAGES = 1000
#: The longest protected header of a batch: its ids (at most 64 characters each) and the
#: rest, base64url-encoded.
MAX_HEADER = 96 * MAX_MESSAGES + 2048
_BOUND = ("iss", "aud", "jti", "iat", "ids")


@dataclass(frozen=True)
class OpenedBatch:
    """A batch whose every check passed; one ``OpenedEnvelope`` per message, in order."""

    sender: str
    batch_id: str
    issued_at: datetime
    messages: list[OpenedEnvelope]
    replayed: frozenset[str]  # message ids the replay cache had seen before


def sealed_size(bodies: Sequence[bytes], ids: Sequence[str]) -> int:
    """An upper estimate of the batch envelope's length for these JSON bodies."""
    # the signed payload names each id twice (ids, and {"jti": ..., "body": ...})
    raw = sum(len(b) for b in bodies) + sum(2 * len(i) + 32 for i in ids)
    header = sum(len(i) + 3 for i in ids) * 4 // 3 + 1
    return int(raw * OVERHEAD_FACTOR) + header + OVERHEAD_BYTES


def seal_batch(messages: Sequence[tuple[str, Mapping[str, Any] | bytes]], *,
               sender_keys: NodeKeys, sender_id: str, recipient_id: str,
               recipient_enc_public_jwk: Mapping[str, Any] | PublicKey, batch_id: str,
               now: datetime) -> str:
    """Sign ``messages`` (``(message id, body)``; a body may be its JSON bytes already) as
    ``sender_id`` and encrypt them to ``recipient_id``, in one envelope."""
    if not messages or len(messages) > MAX_MESSAGES:
        raise ValueError(f"a batch holds 1-{MAX_MESSAGES} messages")
    ids = [m for m, _ in messages]
    bound = {"iss": sender_id, "aud": recipient_id, "jti": batch_id,
             "iat": int(now.timestamp()), "ids": ids}
    parts = [b'{"jti":' + orjson.dumps(m) + b',"body":'
             + (body if isinstance(body, bytes) else orjson.dumps(dict(body))) + b"}"
             for m, body in messages]
    payload = (orjson.dumps(bound)[:-1] + b',"messages":[' + b",".join(parts) + b"]}")
    return seal_signed(payload, bound, sender_keys=sender_keys,
                       recipient_enc_public_jwk=recipient_enc_public_jwk, typ=BATCH_TYP,
                       cty=BATCH_MESSAGE_TYP)


def claimed_ids(outer: Mapping[str, Any]) -> list[str] | None:
    """The message ids a batch's (unauthenticated) header claims, or None if it has none."""
    ids = outer.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_MESSAGES or not all(
            isinstance(i, str) for i in ids):
        return None
    return ids


def open_batch(token: str, outer: dict[str, Any], *, my_keys: NodeKeys, my_id: str,
               sender_public_keys_lookup: Callable[[str], PublicKeys | None],
               replay_cache: ReplayCache, now: datetime,
               max_age: timedelta = DEFAULT_MAX_AGE, max_bytes: int = DEFAULT_MAX_BYTES,
               max_skew: timedelta = DEFAULT_SKEW) -> OpenedBatch:
    """Check and open a batch envelope (``outer``: its header, from ``outer_header``);
    raises an ``EnvelopeRefused`` subclass for the batch as a whole."""
    if claimed_ids(outer) is None:
        raise EnvelopeMalformed(f"a batch header needs ids: 1-{MAX_MESSAGES} message ids")
    done = open_signed(token, outer, my_keys=my_keys, my_id=my_id,
                       sender_public_keys_lookup=sender_public_keys_lookup, now=now,
                       max_age=max_age, max_bytes=max_bytes, max_skew=max_skew, typ=BATCH_TYP,
                       cty=BATCH_MESSAGE_TYP, bound=_BOUND, max_header=MAX_HEADER)
    claims, sender, ids = done.claims, str(outer["iss"]), list(outer["ids"])
    items = claims.get("messages")
    if not isinstance(items, list) or len(items) != len(ids):
        raise EnvelopeMalformed("the signed messages do not match the batch's ids")
    if len(set(ids)) != len(ids):
        raise EnvelopeMalformed("a message id appears twice in the batch")
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    opened: list[OpenedEnvelope] = []
    for message_id, item in zip(ids, items, strict=True):
        if not isinstance(item, dict) or item.get("jti") != message_id or not isinstance(
                item.get("body"), dict):
            raise EnvelopeMalformed(f"message {message_id!r} of the batch is not "
                                    "{jti, body} with the id the header names")
        opened.append(OpenedEnvelope(sender, my_id, message_id, done.issued_at, item["body"],
                                     done.sender_kid))
    expires = done.issued_at + max_age + max_skew
    replayed = frozenset(m for m in ids if not replay_cache.remember(
        sender, m, now=now, expires_at=expires))
    return OpenedBatch(sender, str(outer["jti"]), done.issued_at, opened, replayed)
