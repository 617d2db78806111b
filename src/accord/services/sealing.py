"""Sealing outbox messages for a partner: one message per envelope (the pull feed), or
many in batch envelopes kept under a size limit (the dispatcher)."""

from __future__ import annotations

import secrets
from datetime import datetime

import orjson

from accord.adapters.envelope import seal
from accord.adapters.envelope_batch import MAX_MESSAGES, seal_batch, sealed_size
from accord.adapters.keys import NodeKeys
from accord.adapters.store.outbox import OutboxMessage
from accord.adapters.store.partners import Partner


def seal_message(keys: NodeKeys, me: str, partner: Partner, message: OutboxMessage,
                 now: datetime) -> str:
    """The envelope of an outbox message for ``partner``, sealed now."""
    assert message.seq is not None
    body = orjson.loads(message.body)
    body["seq"] = message.seq
    return seal(body, sender_keys=keys, sender_id=me, recipient_id=partner.node_id,
                recipient_enc_public_jwk=partner.keys.encryption_key(),
                message_id=message.message_id, now=now)


def message_body(message: OutboxMessage) -> bytes:
    """The JSON of an outbox message as it is sent (its body with its ``seq``)."""
    assert message.seq is not None
    body = orjson.loads(message.body)
    body["seq"] = message.seq
    return orjson.dumps(body)


def seal_messages(keys: NodeKeys, me: str, partner: Partner,
                  messages: list[tuple[OutboxMessage, bytes]], now: datetime) -> str:
    """One batch envelope for ``messages`` (with their bodies from ``message_body``)."""
    return seal_batch([(m.message_id, body) for m, body in messages], sender_keys=keys,
                      sender_id=me, recipient_id=partner.node_id,
                      recipient_enc_public_jwk=partner.keys.encryption_key(),
                      batch_id=secrets.token_hex(12), now=now)


def split_batches(messages: list[tuple[OutboxMessage, bytes]], *, max_bytes: int
                  ) -> list[list[tuple[OutboxMessage, bytes]]]:
    """``messages`` in runs whose batch envelope stays within ``max_bytes`` (a message too
    large alone goes alone: the partner refuses it as too large)."""
    runs: list[list[tuple[OutboxMessage, bytes]]] = []
    size = 0
    for item in messages:
        grown = size + sealed_size([item[1]], [item[0].message_id])
        if not runs or grown > max_bytes or len(runs[-1]) >= MAX_MESSAGES:
            runs.append([])
            grown = sealed_size([item[1]], [item[0].message_id])
        runs[-1].append(item)
        size = grown
    return runs
