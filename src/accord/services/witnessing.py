"""Witnessing partners: fetch each one's latest checkpoint, check it extends the last one
this node co-signed, co-sign it and give the co-signature back.

``witness_partners(node, transport)`` runs one round over every active
partner (``accord audit witness``; ``accord serve`` runs rounds on a timer).
For each partner it asks for the checkpoint with a consistency proof from the
size it last co-signed (``GET /federation/v1/consistency?from=M``), checks it
with ``ledger.witness_partner`` in its own transaction (which records
``witness.cosigned``, or on a rewritten history stores the evidence and
records ``witness.alert``), and posts the co-signature back
(``POST /federation/v1/cosign``). A partner that answers "no checkpoint
covers size M" is asked for its latest checkpoint alone, so a log that
shrank is caught too. One partner's failure does not stop the round.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from accord.adapters.ledger_transport import LedgerTransport, LedgerTransportError
from accord.adapters.store.partners import Partner
from accord.domain.checkpoint import SignedCheckpoint
from accord.domain.errors import AccordError
from accord.domain.signed_note import NoteSigner
from accord.services import ledger
from accord.services.checkpointing import node_signer, partner_verifiers

if TYPE_CHECKING:
    from accord.adapters.store import Store
    from accord.bootstrap import Node

COSIGNED = "cosigned"  # co-signed and handed back
ALERT = "alert"  # the partner's log contradicts what it signed before (recorded)
NO_CHECKPOINT = "no_checkpoint"  # the partner has not signed one yet
UNREACHABLE = "unreachable"  # could not fetch, or could not hand the co-signature back
REFUSED = "refused"  # an answer that is not a checkpoint signed by the partner


@dataclass(frozen=True)
class WitnessOutcome:
    """What happened with one partner in a round."""

    partner: str
    status: str
    size: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"partner": self.partner, "status": self.status, "size": self.size,
                "detail": self.detail}


def witness_partners(node: Node, transport: LedgerTransport,
                     only: str | None = None) -> list[WitnessOutcome]:
    """One witnessing round over the node's active partners (or the partner ``only``)."""
    signer = node_signer(node)
    with node.store.unit_of_work(write=False) as uow:
        partners = [p for p in uow.partners.list() if only is None or p.node_id == only]
        seen = uow.ledger.seen.origins()
    return [witness_one(node.store, transport, p, signer,
                        seen.get(ledger.origin_for(p.node_id), 0)) for p in partners]


def witness_one(store: Store, transport: LedgerTransport, partner: Partner,
                signer: NoteSigner, last_size: int) -> WitnessOutcome:
    """Witness ``partner``'s log, having last co-signed it at ``last_size`` (0: never)."""
    name = partner.node_id
    try:
        note, proof = _fetch(transport, partner.url, last_size)
    except LedgerTransportError as exc:
        status = NO_CHECKPOINT if exc.status == 404 else UNREACHABLE
        return WitnessOutcome(name, status, detail=str(exc))
    except AccordError as exc:
        return WitnessOutcome(name, REFUSED, detail=str(exc))
    try:
        parsed = SignedCheckpoint.parse(note, where=f"checkpoint from {name}")
        first = parsed.note.signatures[0] if parsed.note.signatures else None
        keys = [k for k in partner_verifiers(partner) if first is not None and k.matches(first)]
        if not keys:
            return WitnessOutcome(name, REFUSED, parsed.checkpoint.size,
                                  "the checkpoint is not signed by a pinned key of the partner")
        with store.unit_of_work() as uow:
            result = ledger.witness_partner(
                uow, log_key=keys[0], note=note, proof=proof, signer=signer,
                earlier_keys=partner_verifiers(partner, retired=True))
    except AccordError as exc:
        return WitnessOutcome(name, REFUSED, detail=str(exc))
    size = parsed.checkpoint.size
    if result.alert is not None:
        return WitnessOutcome(name, ALERT, size, result.alert.reason)
    assert result.cosignature is not None
    if result.cosignature in parsed.note.signatures:
        return WitnessOutcome(name, COSIGNED, size, "already co-signed")
    try:
        transport.post_cosignature(partner.url, size, result.cosignature.line())
    except LedgerTransportError as exc:
        return WitnessOutcome(name, UNREACHABLE, size,
                              f"co-signed, but could not hand it back: {exc}")
    return WitnessOutcome(name, COSIGNED, size)


def _fetch(transport: LedgerTransport, url: str,
           last_size: int) -> tuple[str, tuple[bytes, ...]]:
    try:
        body = transport.get_consistency(url, last_size)
    except LedgerTransportError as exc:
        if exc.status != 404 or last_size == 0:
            raise
        # "no checkpoint covers size M": its latest is smaller than what we co-signed
        # (a rollback) or it has none; the latest alone lets witness_partner tell.
        body = {**transport.get_checkpoint(url), "from_size": last_size, "proof": []}
    note, proof, from_size = body.get("checkpoint"), body.get("proof"), body.get("from_size")
    if not isinstance(note, str) or not isinstance(proof, list) or from_size != last_size:
        raise LedgerTransportError(f"{url}: the answer is not a checkpoint with a "
                                   f"consistency proof from size {last_size}")
    try:
        hashes = tuple(base64.b64decode(p, validate=True) for p in proof if isinstance(p, str))
    except (binascii.Error, ValueError):
        raise LedgerTransportError(f"{url}: the consistency proof is not base64") from None
    if len(hashes) != len(proof):
        raise LedgerTransportError(f"{url}: the consistency proof is not a list of hashes")
    return note, hashes
