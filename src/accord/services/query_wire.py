"""Envelopes for private-query traffic: both directions signed and encrypted.

The asker seals its request to the partner (``call``); the partner opens it
(``open_request``: signature against the pinned key, freshness, replay), acts,
and seals its answer back to the asker (``seal_answer``), which the asker opens
the same way. So a query, its answer, a follow-up and a conflict notice are
each readable only by the node they are for, and each side knows who it talks
to. Refusals travel in the API's error shape (a refusal carries no secret).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from accord.adapters.envelope import OpenedEnvelope, open_envelope, seal
from accord.adapters.query_transport import HttpQueryTransport, PartnerUnreachable, QueryTransport
from accord.adapters.store import UnitOfWork
from accord.adapters.store.partners import Partner
from accord.domain.errors import InvalidValue, NotFound

if TYPE_CHECKING:
    from accord.bootstrap import Node


def partner_of(node: Node, partner_id: str) -> Partner:
    """The active pinned partner ``partner_id``; ``NotFound`` naming what to do otherwise."""
    with node.store.unit_of_work(write=False) as uow:
        found = uow.partners.get(partner_id)
    if found is None or not found.active:
        raise NotFound(f"{partner_id!r} is not a pinned partner of this node (see 'accord "
                       "partner list', 'accord partner add')", where="partner")
    return found


def transport_for(node: Node, transport: QueryTransport | None) -> tuple[QueryTransport, bool]:
    """``transport``, or a new HTTP one (True: the caller closes it)."""
    if transport is not None:
        return transport, False
    return HttpQueryTransport(timeout=node.config.federation.timeout_seconds), True


def call(node: Node, transport: QueryTransport, partner: Partner, path: str,
         body: Mapping[str, Any], *, expect: str) -> dict[str, Any]:
    """Send ``body`` to ``partner`` and return its opened answer (of type ``expect``)."""
    envelope = seal(body, sender_keys=node.keys, sender_id=node.node_id,
                    recipient_id=partner.node_id,
                    recipient_enc_public_jwk=partner.keys.encryption_key(),
                    message_id=uuid.uuid4().hex, now=datetime.now(UTC))
    answer = transport.exchange(partner.url, path, envelope, partner=partner.node_id)
    with node.store.unit_of_work() as uow:
        opened = open_request(node, uow, answer, now=datetime.now(UTC))
    if opened.sender != partner.node_id:
        raise PartnerUnreachable(f"the answer is signed by {opened.sender}, not "
                                 f"{partner.node_id}", where=f"partner {partner.node_id}")
    if opened.payload.get("type") != expect:
        raise PartnerUnreachable(f"expected an answer of type {expect!r}, got "
                                 f"{opened.payload.get('type')!r}",
                                 where=f"partner {partner.node_id}")
    return dict(opened.payload)


def open_request(node: Node, uow: UnitOfWork, envelope: str, *,
                 now: datetime) -> OpenedEnvelope:
    """Check and open an envelope addressed to this node (``EnvelopeRefused`` on doubt)."""
    settings = node.config.federation
    return open_envelope(envelope, my_keys=node.keys, my_id=node.node_id,
                         sender_public_keys_lookup=uow.partners.keys_of,
                         replay_cache=uow.replay_cache, now=now,
                         max_age=timedelta(seconds=settings.freshness_seconds),
                         max_bytes=settings.max_envelope_bytes)


def seal_answer(node: Node, uow: UnitOfWork, recipient: str, body: Mapping[str, Any]) -> str:
    """``body`` sealed to ``recipient`` (a pinned partner, who just asked)."""
    keys = uow.partners.keys_of(recipient)
    if keys is None:
        raise NotFound(f"{recipient} is not pinned here", where="partner")
    return seal(body, sender_keys=node.keys, sender_id=node.node_id, recipient_id=recipient,
                recipient_enc_public_jwk=keys.encryption_key(),
                message_id=uuid.uuid4().hex, now=datetime.now(UTC))


def text(body: Mapping[str, Any], name: str, where: str) -> str:
    """A required non-empty string field of a request body."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{name!r} must be a non-empty string", where=where)
    return value
