"""Agreements between the parties' nodes: every step is sent to every other party, and
whatever arrives is merged into what this node holds.

Each lifecycle step (propose, sign, revoke; ``accord.services.agreements``)
ends with ``send_to_parties``: the agreement *as this node holds it* goes to
each other party's node in an envelope (signed by this node, encrypted to the
partner; ``POST /federation/v1/agreements``). The partner merges it
(``receive_agreement``) and answers with its own copy, which this node merges
back, so one exchange also brings back signatures or a revocation it missed.
A party that was unreachable gets it with ``accord agreement send``.

``merge`` trusts no status written by the sender: it re-derives the state
from the content and the signatures it can verify itself.

* A signature is adopted only if it verifies against the signing party's
  pinned key; any bad one refuses the whole message.
* The same id and version with different content is a conflict; a higher
  version replaces a draft, proposed or signed one (an active one must be
  revoked first); a lower version changes nothing.
* A revocation is applied only if signed by the revoking party; revoked and
  expired are final.
* Each node activates the agreement itself once it holds every party's
  verified signature.

Answers: ``accepted`` (something changed here), ``unchanged``, ``refused``
(with a reason code and a sentence), and on the sending side ``unreachable``
or ``not_pinned``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from accord.adapters.agreement_signing import verify_revocation
from accord.adapters.agreement_transport import (
    AgreementTransport,
    AgreementTransportError,
    HttpAgreementTransport,
)
from accord.adapters.envelope import EnvelopeRefused, open_envelope, seal
from accord.adapters.partner_keys import PublicKeys
from accord.adapters.store import UnitOfWork
from accord.adapters.store.federation_models import AgreementRow
from accord.domain.agreement import Agreement, AgreementStatus
from accord.domain.errors import InvalidValue, NotFound
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import LedgerEntry
from accord.services import acts
from accord.services.agreements import keep, party_keys, strict, timely

if TYPE_CHECKING:
    from accord.bootstrap import Node

log = logging.getLogger("accord.agreements")

KIND = "accord-agreement"
ACCEPTED = "accepted"
UNCHANGED = "unchanged"
REFUSED = "refused"
UNREACHABLE = "unreachable"
NOT_PINNED = "not_pinned"

Lookup = Callable[[str], PublicKeys | None]


@dataclass(frozen=True)
class Merged:
    """What merging an incoming agreement gives: the state to keep (None: no change)."""

    agreement: Agreement | None
    status: str
    reason: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Delivery:
    """What one party's node made of what this node sent."""

    party: str
    status: str
    reason: str | None = None
    detail: str = ""
    their_status: str | None = None  # the party's copy after the exchange

    def to_dict(self) -> dict[str, Any]:
        return {"party": self.party, "status": self.status, "reason": self.reason,
                "detail": self.detail, "their_status": self.their_status}


def merge(held: Agreement | None, incoming: Agreement, *, sender: str, me: str,
          keys_of: Lookup, now: datetime) -> Merged:
    """Merge ``incoming`` (from ``sender``) into ``held`` (see the module docstring)."""
    for name, who in (("the sender", sender), ("this node", me)):
        if who not in incoming.parties:
            return _refused("not_a_party", f"{name} ({who}) is not a party to agreement "
                                           f"{incoming.id}")
    if held is not None and sender not in held.parties:
        return _refused("agreement_conflict", f"agreement {incoming.id} held here does not "
                                              f"name {sender} as a party")
    if incoming.status is AgreementStatus.DRAFT:
        return _refused("agreement_draft", "a draft is not shared; propose it first")
    if incoming.revocation is not None:
        return _revocation(held, incoming, keys_of, now)
    if held is not None:
        if held.status in (AgreementStatus.REVOKED, AgreementStatus.EXPIRED):
            return Merged(None, UNCHANGED, detail=f"already {held.status.value} here")
        if held.version > incoming.version:
            return Merged(None, UNCHANGED, detail=f"this node holds version {held.version}")
        if held.version == incoming.version \
                and held.signing_payload() != incoming.signing_payload():
            return _refused("agreement_conflict", f"version {held.version} held here differs "
                            "from the sender's; draft a new version under a new id")
        if held.version < incoming.version:
            if held.status is AgreementStatus.ACTIVE:
                return _refused("agreement_active", f"version {held.version} is active here; "
                                f"revoke it before version {incoming.version} replaces it")
            held = None
    adopted = {p: s for p, s in incoming.signatures.items()
               if held is None or p not in held.signatures}
    problem = _check_signatures(incoming, adopted, keys_of, now)
    if problem is not None:
        return problem
    if held is None or held.status is AgreementStatus.DRAFT:
        base = replace(incoming, status=AgreementStatus.PROPOSED, signatures={},
                       revocation=None)
    else:
        base = held
    merged = base
    for party, signature in sorted(adopted.items()):
        if merged.status is AgreementStatus.PROPOSED and party not in merged.signatures:
            merged = merged.sign(party, signature)
    merged = timely(merged, now, strict(keys_of))
    if merged == held:
        return Merged(None, UNCHANGED)
    return Merged(merged, ACCEPTED)


def _refused(code: str, detail: str) -> Merged:
    return Merged(None, REFUSED, code, detail)


def _check_signatures(incoming: Agreement, adopted: Mapping[str, str], keys_of: Lookup,
                      now: datetime) -> Merged | None:
    payload = incoming.signing_payload()
    for party, signature in sorted(adopted.items()):
        keys = keys_of(party)
        if keys is None:
            return _refused("agreement_unpinned_party", f"cannot check the signature of "
                            f"{party}: its keys are not pinned here ('accord partner add')")
        problem = keys.verify_detached(payload, signature, at=now)
        if problem:
            return _refused("agreement_bad_signature", f"the signature of {party} fails: "
                                                       f"{problem}")
    return None


def _revocation(held: Agreement | None, incoming: Agreement, keys_of: Lookup,
                now: datetime) -> Merged:
    problem = verify_revocation(incoming, keys_of, at=now)
    if problem:
        return _refused("agreement_bad_revocation", f"the revocation is not signed by the "
                                                    f"revoking party: {problem}")
    r = incoming.revocation
    assert r is not None
    revoked = replace(incoming, status=AgreementStatus.REVOKED)
    if held is None:
        return Merged(revoked, ACCEPTED)
    if held.status in (AgreementStatus.REVOKED, AgreementStatus.EXPIRED):
        return Merged(None, UNCHANGED, detail=f"already {held.status.value} here")
    if held.version > incoming.version:
        return Merged(None, UNCHANGED, detail=f"revokes version {incoming.version}; this node "
                                              f"holds version {held.version}")
    if held.version == incoming.version:
        revoked = held.revoke(r.party, r.at, r.reason, r.signature)
    return Merged(revoked, ACCEPTED)


# -- receiving --------------------------------------------------------------------------


def receive_agreement(node: Node, envelope: str, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """Open an agreement envelope from a party's node and merge it; the answer carries
    this node's copy (to the parties of it only). Raises the ``EnvelopeRefused``
    subclass (HTTP 4xx) for an envelope that fails a check, recorded in the ledger."""
    now = now or datetime.now(UTC)
    settings = node.config.federation
    try:
        with node.store.unit_of_work() as uow:
            opened = open_envelope(
                envelope, my_keys=node.keys, my_id=node.node_id,
                sender_public_keys_lookup=uow.partners.keys_of, replay_cache=uow.replay_cache,
                now=now, max_age=timedelta(seconds=settings.freshness_seconds),
                max_bytes=settings.max_envelope_bytes)
            return _apply(node, uow, opened.sender, opened.payload, now)
    except EnvelopeRefused as exc:
        with node.store.unit_of_work() as uow:
            acts.record(uow, [LedgerEntry(Act.ENVELOPE_REFUSED, actor="system",
                                          subject="agreement", partner="unknown",
                                          details={"reason": exc.code}, at=now)])
        raise


def _apply(node: Node, uow: UnitOfWork, sender: str, body: Mapping[str, Any],
           now: datetime) -> dict[str, Any]:
    raw = body.get("agreement")
    if body.get("type") != KIND or not isinstance(raw, Mapping):
        return _answer(_refused("agreement_malformed", f"expects type {KIND!r} with an "
                                                       "agreement object"), None, sender)
    try:
        incoming = Agreement.from_dict(raw, known_schemas=[s.name for s in node.registry])
    except InvalidValue as exc:
        return _answer(_refused("agreement_malformed", str(exc)), None, sender)
    # one merge at a time per agreement (PostgreSQL row lock; SQLite writes are serial)
    uow.session.execute(select(AgreementRow.id).where(AgreementRow.id == incoming.id)
                        .with_for_update())
    held = uow.agreements.get(incoming.id)
    merged = merge(held, incoming, sender=sender, me=node.node_id,
                   keys_of=party_keys(node, uow), now=now)
    if merged.agreement is not None:
        keep(uow, held, merged.agreement, f"partner/{sender}")
    if merged.status == REFUSED:
        log.info("agreement %s from %s refused: %s: %s", incoming.id, sender, merged.reason,
                 merged.detail)
    return _answer(merged, merged.agreement or held, sender)


def _answer(merged: Merged, current: Agreement | None, sender: str) -> dict[str, Any]:
    shown = current is not None and sender in current.parties
    return {"status": merged.status, "reason": merged.reason, "detail": merged.detail,
            "agreement": current.to_dict() if shown and current is not None else None}


# -- sending ------------------------------------------------------------------------------


def send_to_parties(node: Node, agreement_id: str, *,
                    transport: AgreementTransport | None = None,
                    now: datetime | None = None) -> list[Delivery]:
    """Send the agreement as held here to every other party; merge their answers back."""
    with node.store.unit_of_work(write=False) as uow:
        agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise NotFound(f"no agreement {agreement_id!r} in this node", where="agreement")
        partners = {p: uow.partners.get(p) for p in agreement.parties if p != node.node_id}
    own = transport is None
    sender = transport or HttpAgreementTransport(
        timeout=node.config.federation.timeout_seconds)
    body = {"type": KIND, "agreement": agreement.to_dict()}
    out: list[Delivery] = []
    try:
        for party, partner in partners.items():
            if partner is None or not partner.active:
                out.append(Delivery(party, NOT_PINNED, "not_pinned", f"{party} is not a pinned "
                                    "partner here; pin it with 'accord partner add'"))
                continue
            envelope = seal(body, sender_keys=node.keys, sender_id=node.node_id,
                            recipient_id=party, recipient_enc_public_jwk=partner.keys
                            .encryption_key(), message_id=uuid.uuid4().hex,
                            now=datetime.now(UTC))  # fresh: the window is minutes
            try:
                answer = sender.post_agreement(partner.url, envelope)
            except AgreementTransportError as exc:
                status = UNREACHABLE if exc.code is None else REFUSED
                out.append(Delivery(party, status, exc.code, str(exc)))
                continue
            theirs = answer.get("agreement")
            if isinstance(theirs, Mapping):
                _learn(node, party, agreement_id, theirs, now or datetime.now(UTC))
            out.append(Delivery(party, str(answer.get("status")), answer.get("reason"),
                                str(answer.get("detail") or ""),
                                theirs.get("status") if isinstance(theirs, Mapping) else None))
    finally:
        if own:
            sender.close()
    return out


def _learn(node: Node, party: str, agreement_id: str, theirs: Mapping[str, Any],
           now: datetime) -> None:
    """Merge a party's copy from its answer (signatures or a revocation we lacked)."""
    try:
        incoming = Agreement.from_dict(theirs, known_schemas=[s.name for s in node.registry])
    except InvalidValue as exc:
        log.warning("the copy of %s sent back by %s is not valid: %s", agreement_id, party, exc)
        return
    if incoming.id != agreement_id:
        return
    with node.store.unit_of_work() as uow:
        uow.session.execute(select(AgreementRow.id).where(AgreementRow.id == agreement_id)
                            .with_for_update())
        held = uow.agreements.get(agreement_id)
        merged = merge(held, incoming, sender=party, me=node.node_id,
                       keys_of=party_keys(node, uow), now=now)
        if merged.agreement is not None:
            keep(uow, held, merged.agreement, f"partner/{party}")
