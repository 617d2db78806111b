"""A node's side of checkpoints: its note keys, signing the head, publishing it, keeping
partners' co-signatures, and doing both on a timer while the node serves.

The node signs checkpoints with its active Ed25519 signing key under its log
origin (``accord.node/<node id>``); a partner's note key is its pinned
signing key under the partner's origin, so no key is exchanged for the
ledger beyond what pinning a partner already did (``accord partner add``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord.adapters.store import Store
from accord.adapters.store.partners import Partner
from accord.domain.checkpoint import SignedCheckpoint
from accord.domain.errors import AccordError, InvalidValue, NotFound
from accord.domain.signed_note import NoteSignature, NoteSigner, NoteVerifier, SignatureInvalid
from accord.services import ledger

if TYPE_CHECKING:
    from accord.bootstrap import Node

log = logging.getLogger("accord.ledger")
ORIGIN_PREFIX = "accord.node/"


def node_signer(node: Node) -> NoteSigner:
    """The node's checkpoint signer: its signing key under its log origin."""
    private = node.keys.signing.private_key
    if not isinstance(private, Ed25519PrivateKey):
        raise InvalidValue("the node's signing key is not Ed25519", where="keys/signing.jwk")
    return NoteSigner(ledger.origin_for(node.node_id), private)


def node_verifier(node: Node) -> NoteVerifier:
    """The node's own checkpoint key (what its auditor and its witnesses check)."""
    return node_signer(node).verifier


def retired_verifiers(node: Node) -> list[NoteVerifier]:
    """The node's earlier checkpoint keys: its retiring signing keys (checkpoints signed
    before a rotation stay verifiable; revoked keys are not among them)."""
    out = []
    for retiring in node.keys.retiring:
        private = retiring.key.private_key
        if retiring.use == "sig" and retiring.kid not in node.keys.revoked \
                and isinstance(private, Ed25519PrivateKey):
            out.append(NoteVerifier(ledger.origin_for(node.node_id), private.public_key()))
    return out


def partner_verifiers(partner: Partner, at: datetime | None = None, *,
                      retired: bool = False) -> list[NoteVerifier]:
    """A partner's note keys: each pinned signing key that may verify at ``at`` (now);
    with ``retired``, also those past their retirement (for notes signed before it)."""
    at = at or datetime.now(UTC)
    out = []
    for key in partner.keys.keys:
        if key.use != "sig" or key.kid in partner.keys.revoked:
            continue
        if key.not_after is not None and at > key.not_after and not retired:
            continue
        public = key.key.public_key
        if isinstance(public, Ed25519PublicKey):
            out.append(NoteVerifier(ledger.origin_for(partner.node_id), public))
    return out


def witness_keys(store: Store) -> list[NoteVerifier]:
    """The note keys of every partner (removed ones too: their old co-signatures still
    count), for ``verify_all``."""
    with store.unit_of_work(write=False) as uow:
        partners = uow.partners.list(include_removed=True)
    return [v for p in partners for v in partner_verifiers(p)]


def sign_checkpoint(node: Node, *, force: bool = False) -> SignedCheckpoint:
    """Sign the current head (unless nothing but checkpoint bookkeeping happened since
    the last one, or ``force``); returns the latest checkpoint either way."""
    with node.store.unit_of_work() as uow:
        return ledger.checkpoint(uow, node_signer(node), force=force)


def published(store: Store, from_size: int | None = None) -> dict[str, Any]:
    """What ``GET /federation/v1/checkpoint`` and ``.../consistency?from=M`` answer:
    the latest checkpoint, with the consistency proof from ``from_size`` when given.
    ``NotFound`` before the first checkpoint, or when ``from_size`` is beyond it."""
    with store.unit_of_work(write=False) as uow:
        if from_size is None:
            latest = ledger.latest_checkpoint(uow)
            if latest is None:
                raise NotFound("this node has not signed a checkpoint yet", where="ledger")
            return {"checkpoint": latest.format(), "size": latest.checkpoint.size}
        if from_size < 0:
            raise InvalidValue(f"{from_size} is not a tree size", where="from")
        request = ledger.witness_request(uow, from_size)
    body = request.to_dict()
    body["size"] = SignedCheckpoint.parse(request.note).checkpoint.size
    return body


def accept_cosignature(store: Store, size: int, line: str) -> SignedCheckpoint:
    """Keep a partner's co-signature (its signature line) on our checkpoint of ``size``.

    The signer must be a pinned partner (named ``accord.node/<partner id>``) and the
    signature must verify with one of its keys: ``NotFound`` for an unknown partner or
    checkpoint, ``SignatureInvalid`` otherwise. Keeping it again changes nothing.
    """
    sig = NoteSignature.parse_line(line.rstrip("\n"), where="cosignature")
    if not sig.name.startswith(ORIGIN_PREFIX):
        raise SignatureInvalid(f"{sig.name!r} is not a node's log key name "
                               f"({ORIGIN_PREFIX}<node id>)", where="cosignature")
    partner_id = sig.name[len(ORIGIN_PREFIX):]
    with store.unit_of_work() as uow:
        partner = uow.partners.get(partner_id)
        if partner is None or not partner.active:
            raise NotFound(f"{partner_id!r} is not a partner of this node", where="cosignature")
        keys = [v for v in partner_verifiers(partner) if v.matches(sig)]
        if not keys:
            raise SignatureInvalid(f"the co-signature's key {sig.key_id.hex()} is not a "
                                   f"pinned signing key of {partner_id}", where="cosignature")
        return ledger.add_cosignature(uow, size, sig, keys[0])


class LedgerKeeper:
    """While the node serves: sign a checkpoint every ``checkpoint_seconds`` (when there is
    something new) and run a witnessing round every ``witness_seconds``."""

    def __init__(self, node: Node, *, checkpoint_seconds: float, witness_seconds: float,
                 witness: Callable[[], object] | None = None) -> None:
        self.node = node
        self.checkpoint_seconds = checkpoint_seconds
        self.witness_seconds = witness_seconds
        self.witness = witness

    def run_forever(self, stop: threading.Event) -> None:
        next_witness = 0.0
        waited = 0.0
        while not stop.is_set():
            self.tick(witness=self.witness is not None and waited >= next_witness)
            if waited >= next_witness:
                next_witness = waited + self.witness_seconds
            stop.wait(self.checkpoint_seconds)
            waited += self.checkpoint_seconds

    def tick(self, *, witness: bool) -> None:
        """One round; failures are logged, never raised (the next round tries again)."""
        try:
            sign_checkpoint(self.node)
        except AccordError as exc:
            log.warning("could not sign a checkpoint: %s", exc)
        if witness and self.witness is not None:
            try:
                self.witness()
            except Exception:  # a partner's failure must not stop the node's checkpoints
                log.exception("witnessing round failed")
