"""The agreements this node holds: their lifecycle, and the set in force for the engine.

Storage: ``store_agreement`` keeps a document in any lifecycle state (draft
... revoked), recording the step in the ledger (``agreement_entry``).
``PolicyCache.index`` gives the agreements in force for this node — active,
within validity, every party's signature verified against the keys pinned
for it — compiled for ``accord.domain.policy.decide``; it is cached until an
agreement or a partner's keys change.

Lifecycle (what ``accord agreement ...`` and ``/api/v1/agreements`` call), each
step one transaction recorded in the ledger with the acting user:

* ``draft_agreement``: parse a YAML/JSON document (this node must be a party);
  re-drafting is allowed until it is proposed;
* ``propose_agreement``: draft -> proposed, then sent to every other party's
  node (``accord.services.agreement_exchange``); every party must be a pinned
  partner first;
* ``sign_agreement``: this node's detached JWS over the canonical form, sent
  to every other party; an agreement becomes active on a node as soon as that
  node holds every party's signature and each verifies against the pinned
  keys (so each node activates it on its own, with no coordinator);
* ``revoke_agreement``: a signed revocation, applied here at once (releases
  waiting under it are cancelled) and sent to every other party, each of which
  checks the revoking party's signature before applying it;
* ``agreement_views`` / ``agreement_view``: what is held, whether it is in
  force here and, if not, why. Time moves agreements too: a signed agreement
  whose validity has begun is activated, one past ``valid_until`` expires;
  every step and view applies that first (``timely``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import String, Table, literal, select, text, union_all
from sqlalchemy import cast as sa_cast

from accord.adapters.partner_keys import PublicKeys
from accord.adapters.store import Store, UnitOfWork
from accord.adapters.store.federation_models import AgreementRow, PartnerRow
from accord.domain.agreement import (
    Agreement,
    AgreementStatus,
    IllegalTransition,
    PartyKeys,
    active_agreements,
    parse_agreement,
)
from accord.domain.canonical import canonical_json
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.ledger_entry import MAX_TEXT, Detail, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.policy import PolicyIndex
from accord.domain.values.storable import string_problem, unstorable
from accord.services import approvals, ledger

if TYPE_CHECKING:
    from accord.adapters.agreement_transport import AgreementTransport
    from accord.bootstrap import Node
    from accord.services.agreement_exchange import Delivery

CACHE_SECONDS = 60.0
_LIVE = (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.SIGNED,
         AgreementStatus.ACTIVE)


def store_agreement(store: Store, agreement: Agreement, *, actor: str = "system") -> None:
    """Keep ``agreement`` (replacing the one held under its id), in one transaction, and
    record the lifecycle step it makes (drafted, proposed, signed, revoked) in the ledger."""
    with store.unit_of_work() as uow:
        keep(uow, uow.agreements.get(agreement.id), agreement, actor)


def keep(uow: UnitOfWork, before: Agreement | None, after: Agreement, actor: str) -> None:
    """Store ``after`` over ``before`` in the caller's transaction, with its ledger entry.

    A revocation also cancels what waits to leave under the agreement (held and
    pending releases): a revoked agreement allows nothing, not even what it
    allowed a moment ago."""
    uow.agreements.put(after)
    entry = agreement_entry(before, after, actor)
    if entry is not None:
        ledger.record(uow, entry)
    if after.status is AgreementStatus.REVOKED and (
            before is None or before.status is not AgreementStatus.REVOKED):
        approvals.cancel_for_agreement(uow, after.id, reason=approvals.AGREEMENT_REVOKED,
                                       now=datetime.now(UTC))


def agreement_entry(before: Agreement | None, after: Agreement,
                    actor: str) -> LedgerEntry | None:
    """The ledger leaf for storing ``after`` over ``before`` (None: no lifecycle step)."""
    signed = sorted(set(after.signatures) - set(before.signatures if before else ()))
    if after.status is AgreementStatus.REVOKED:
        if before is not None and before.status is AgreementStatus.REVOKED:
            return None
        action = Act.AGREEMENT_REVOKED
    elif signed or (after.status is AgreementStatus.ACTIVE
                    and (before is None or before.status is not AgreementStatus.ACTIVE)):
        action = Act.AGREEMENT_SIGNED
    elif after.status is AgreementStatus.PROPOSED and (before is None or
                                                      before.status is not after.status):
        action = Act.AGREEMENT_PROPOSED
    elif before is None or before.version != after.version or (
            before.content_dict() != after.content_dict()):
        action = Act.AGREEMENT_DRAFTED
    else:
        return None
    details: dict[str, Detail] = {"status": after.status.value, "version": after.version,
                                  "parties": after.parties}
    if signed:
        details["signed_by"] = tuple(signed)
    if after.revocation is not None:
        details["revoked_by"] = after.revocation.party
    return LedgerEntry(action, actor=actor, subject=f"agreement/{after.id}"[:MAX_TEXT],
                       agreement=after.id[:MAX_TEXT],
                       hashes={"agreement": ledger.sha256(canonical_json(after.to_dict()))},
                       details=details)


def get_agreement(store: Store, agreement_id: str) -> Agreement:
    with store.unit_of_work(write=False) as uow:
        found = _get(uow, agreement_id)
    if found is None:
        raise NotFound(f"no agreement {agreement_id!r} in this node", where="agreement")
    return found


def list_agreements(store: Store, *, status: AgreementStatus | None = None) -> list[Agreement]:
    with store.unit_of_work(write=False) as uow:
        return uow.agreements.list(status=status)


# -- the lifecycle ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementView:
    """An agreement as held here: whether it is in force at this node and, if not, why."""

    agreement: Agreement
    in_force: bool
    reason_code: str | None = None
    reason: str | None = None
    unpinned: tuple[str, ...] = ()  # parties whose keys this node has not pinned

    def to_dict(self) -> dict[str, Any]:
        return {**self.agreement.to_dict(), "signed_by": sorted(self.agreement.signatures),
                "in_force": self.in_force, "not_in_force": None if self.in_force else {
                    "code": self.reason_code, "reason": self.reason},
                "unpinned_parties": list(self.unpinned)}


@dataclass(frozen=True)
class Step:
    """A lifecycle step taken here, and what each other party's node made of it."""

    view: AgreementView
    deliveries: tuple[Delivery, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"agreement": self.view.to_dict(),
                "deliveries": [d.to_dict() for d in self.deliveries]}


def party_keys(node: Node, uow: UnitOfWork) -> Callable[[str], PublicKeys | None]:
    """Keys of a party as this node knows them: its own, or those pinned for a partner."""
    own = node.keys.public_keys(node.node_id, node.config.country)

    def lookup(party: str) -> PublicKeys | None:
        return own if party == node.node_id else uow.partners.keys_of(party)

    return lookup


def strict(lookup: Callable[[str], PublicKeys | None]) -> Callable[[str], PartyKeys]:
    """``lookup`` raising ``LookupError`` for an unknown party (the domain's ``KeysOf``)."""

    def keys_of(party: str) -> PartyKeys:
        found = lookup(party)
        if found is None:
            raise LookupError(party)
        return found

    return keys_of


def timely(agreement: Agreement, now: datetime,
           keys_of: Callable[[str], PartyKeys]) -> Agreement:
    """``agreement`` after time has moved it: expired past ``valid_until``; activated
    once signed by every party, valid now and every signature verifies."""
    if agreement.status in _LIVE and now >= agreement.valid_until:
        return agreement.expire(now)
    if agreement.status is AgreementStatus.SIGNED:
        try:
            return agreement.activate(now, keys_of)
        except IllegalTransition:
            return agreement
    return agreement


def draft_agreement(node: Node, document: str | Mapping[str, Any], *, actor: str,
                    where: str = "agreement", now: datetime | None = None) -> AgreementView:
    """Parse an agreement document (YAML/JSON text or a mapping) and keep it as a draft.

    Refused: a document carrying status, signatures or revocation (the
    lifecycle writes those), one this node is not a party to, and one whose id
    is already held here beyond the draft stage."""
    known = [s.name for s in node.registry]
    if isinstance(document, str):
        agreement = parse_agreement(document, where=where, known_schemas=known)
    else:
        for name, reason in unstorable(dict(document)):
            raise InvalidValue(reason, where=f"{where}.{name}")
        agreement = Agreement.from_dict(document, where=where, known_schemas=known)
    if agreement.status is not AgreementStatus.DRAFT or agreement.signatures \
            or agreement.revocation is not None:
        raise InvalidValue("a draft carries no status, signatures or revocation: the "
                           "lifecycle writes them (propose, sign, revoke)", where=where)
    if node.node_id not in agreement.parties:
        raise InvalidValue(f"this node ({node.node_id}) is not a party; a node drafts only "
                           "agreements it is party to", where=f"{where}.parties")
    with node.store.unit_of_work() as uow:
        held = uow.agreements.get(agreement.id)
        if held is not None and held.status is not AgreementStatus.DRAFT:
            raise Conflict(f"agreement {agreement.id!r} is already {held.status.value} here "
                           f"(v{held.version}); draft under a new id", where=f"{where}.id")
        if held is not None:
            agreement = replace(agreement, version=max(agreement.version, held.version))
        keep(uow, held, agreement, actor)
        return _view(node, uow, agreement, now or datetime.now(UTC))


def propose_agreement(node: Node, agreement_id: str, *, actor: str,
                      transport: AgreementTransport | None = None,
                      now: datetime | None = None) -> Step:
    """draft -> proposed here, then sent to every other party's node."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work() as uow:
        held = _require(uow, agreement_id)
        missing = [p for p in held.parties if p != node.node_id
                   and uow.partners.keys_of(p) is None]
        if missing:
            raise Conflict(f"parties {', '.join(missing)} are not pinned partners of this node; "
                           "pin each with 'accord partner add' first",
                           where=f"agreement {agreement_id!r}")
        proposed = held.propose()
        keep(uow, held, proposed, actor)
    return _send(node, proposed, transport, now)


def sign_agreement(node: Node, agreement_id: str, *, actor: str,
                   transport: AgreementTransport | None = None,
                   now: datetime | None = None) -> Step:
    """This node signs the proposed agreement (activating it here if every party has
    now signed), then sends its signature to every other party's node."""
    from accord.adapters.agreement_signing import sign_agreement as sign_with

    now = now or datetime.now(UTC)
    with node.store.unit_of_work() as uow:
        held = _require(uow, agreement_id)
        if node.node_id not in held.parties:
            raise IllegalTransition(f"this node ({node.node_id}) is not a party and cannot sign",
                                    where=f"agreement {agreement_id!r}")
        signed = timely(sign_with(held, node.node_id, node.keys, now=now), now,
                        strict(party_keys(node, uow)))
        keep(uow, held, signed, actor)
    return _send(node, signed, transport, now)


def revoke_agreement(node: Node, agreement_id: str, *, actor: str, reason: str,
                     transport: AgreementTransport | None = None,
                     now: datetime | None = None) -> Step:
    """Revoke the agreement here at once (a signed revocation; what waits under it is
    cancelled) and send the revocation to every other party's node."""
    from accord.adapters.agreement_signing import revoke_agreement as revoke_with

    now = now or datetime.now(UTC)
    if not reason.strip():
        raise InvalidValue("say why the agreement is revoked", where="reason")
    with node.store.unit_of_work() as uow:
        held = _require(uow, agreement_id)
        if node.node_id not in held.parties:
            raise IllegalTransition(f"this node ({node.node_id}) is not a party and cannot "
                                    "revoke", where=f"agreement {agreement_id!r}")
        revoked = revoke_with(held, node.node_id, node.keys, now=now, reason=reason.strip())
        keep(uow, held, revoked, actor)
    return _send(node, revoked, transport, now)


def send_agreement(node: Node, agreement_id: str, *,
                   transport: AgreementTransport | None = None,
                   now: datetime | None = None) -> Step:
    """Send the agreement as held here to every other party again (after one was
    unreachable); what they answer is merged back, so this also catches up."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work(write=False) as uow:
        held = _require(uow, agreement_id)
    if held.status is AgreementStatus.DRAFT:
        raise IllegalTransition("a draft is not shared; propose it first",
                                where=f"agreement {agreement_id!r}")
    return _send(node, held, transport, now)


def agreement_views(node: Node, *, status: AgreementStatus | None = None,
                    now: datetime | None = None) -> list[AgreementView]:
    """Every agreement held here (of ``status``), each with whether it is in force."""
    now = now or datetime.now(UTC)
    _catch_up(node, now)
    with node.store.unit_of_work(write=False) as uow:
        return [_view(node, uow, a, now) for a in uow.agreements.list(status=status)]


def agreement_view(node: Node, agreement_id: str, *,
                   now: datetime | None = None) -> AgreementView:
    now = now or datetime.now(UTC)
    _catch_up(node, now)
    with node.store.unit_of_work(write=False) as uow:
        return _view(node, uow, _require(uow, agreement_id), now)


def _catch_up(node: Node, now: datetime) -> None:
    """Apply what time did (activation once valid, expiry), writing only on a change."""
    with node.store.unit_of_work(write=False) as uow:
        due = [a for a in uow.agreements.list() if a.status in _LIVE and (
            now >= a.valid_until or a.status is AgreementStatus.SIGNED)]
    if not due:
        return
    with node.store.unit_of_work() as uow:
        keys_of = strict(party_keys(node, uow))
        for agreement in due:
            held = uow.agreements.get(agreement.id)
            if held is not None and (moved := timely(held, now, keys_of)) != held:
                keep(uow, held, moved, "system")


def _get(uow: UnitOfWork, agreement_id: str) -> Agreement | None:
    # An id no store can hold (a NUL, a lone surrogate) names no agreement.
    return uow.agreements.get(agreement_id) if string_problem(agreement_id) is None else None


def _require(uow: UnitOfWork, agreement_id: str) -> Agreement:
    found = _get(uow, agreement_id)
    if found is None:
        raise NotFound(f"no agreement {agreement_id!r} in this node (see 'accord agreement "
                       "list')", where="agreement")
    return found


def _view(node: Node, uow: UnitOfWork, agreement: Agreement, now: datetime) -> AgreementView:
    lookup = party_keys(node, uow)
    unpinned = tuple(p for p in agreement.parties if lookup(p) is None)
    problem = agreement.check_active(now, strict(lookup))
    if problem is None:
        return AgreementView(agreement, True, unpinned=unpinned)
    return AgreementView(agreement, False, problem.code, problem.text, unpinned)


def _send(node: Node, agreement: Agreement, transport: AgreementTransport | None,
          now: datetime) -> Step:
    from accord.services.agreement_exchange import send_to_parties

    deliveries = send_to_parties(node, agreement.id, transport=transport, now=now)
    return Step(agreement_view(node, agreement.id, now=now), tuple(deliveries))


_AGREEMENT_T = cast(Table, AgreementRow.__table__)
_PARTNER_T = cast(Table, PartnerRow.__table__)
#: The policy cache's freshness check, built once: both tables' change stamps in one query.
_FRESHNESS = union_all(
    select(literal("a"), _AGREEMENT_T.c.id, sa_cast(_AGREEMENT_T.c.version, String),
           _AGREEMENT_T.c.updated).where(_AGREEMENT_T.c.status == AgreementStatus.ACTIVE.value),
    select(literal("p"), _PARTNER_T.c.node_id, _PARTNER_T.c.status, _PARTNER_T.c.updated),
).order_by(text("1"), text("2"))


class PolicyCache:
    """The compiled agreements in force, per (agreements, pinned keys) state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[object, tuple[float, PolicyIndex]] = {}

    def index(self, uow: UnitOfWork, *, me: str, own_keys: Callable[[], PublicKeys],
              now: datetime) -> PolicyIndex:
        """The agreements in force for ``me`` at ``now`` (signatures verified)."""
        # one statement tells whether anything the index depends on changed: (id, version,
        # updated) of each active agreement and (node id, status, updated) of each partner
        state = tuple((k, i, str(v), str(u)) for k, i, v, u in uow.session.execute(_FRESHNESS))
        stamp = (me, state)
        clock = time.monotonic()
        with self._lock:
            found = self._entries.get(stamp)
            if found is not None and clock - found[0] < CACHE_SECONDS:
                return found[1]
        agreements = (uow.agreements.list(status=AgreementStatus.ACTIVE)
                      if any(k == "a" for k, *_ in state) else [])
        parties = sorted({p for a in agreements for p in a.parties})
        keys: dict[str, PublicKeys | None] = {
            p: own_keys() if p == me else uow.partners.keys_of(p) for p in parties}

        def keys_of(party: str) -> PublicKeys:
            k = keys.get(party)
            if k is None:
                raise LookupError(party)
            return k

        held = [a for a in agreements if me in a.parties]
        index = PolicyIndex(active_agreements(held, now, keys_of))
        with self._lock:
            if len(self._entries) > 64:
                self._entries.clear()
            self._entries[stamp] = (clock, index)
        return index
