"""The agreements this node holds, and the set in force that the policy engine uses.

This is the storage side only: ``store_agreement`` keeps a document in any
lifecycle state (draft ... revoked) and the lifecycle itself (draft, propose,
sign, activate, revoke; ``accord.domain.agreement``) is driven by its callers.
``policy_index`` gives the agreements in force for this node — active, within
validity, every party's signature verified against the keys pinned for it —
compiled for ``accord.domain.policy.decide``; it is cached until an agreement
or a partner's keys change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from accord.adapters.partner_keys import PublicKeys
from accord.adapters.store import Store, UnitOfWork
from accord.domain.agreement import Agreement, AgreementStatus, active_agreements
from accord.domain.canonical import canonical_json
from accord.domain.errors import NotFound
from accord.domain.ledger_entry import MAX_TEXT, Detail, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.policy import PolicyIndex
from accord.services import ledger

CACHE_SECONDS = 60.0


def store_agreement(store: Store, agreement: Agreement, *, actor: str = "system") -> None:
    """Keep ``agreement`` (replacing the one held under its id), in one transaction, and
    record the lifecycle step it makes (drafted, proposed, signed, revoked) in the ledger."""
    with store.unit_of_work() as uow:
        before = uow.agreements.get(agreement.id)
        uow.agreements.put(agreement)
        entry = agreement_entry(before, agreement, actor)
        if entry is not None:
            ledger.record(uow, entry)


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
        found = uow.agreements.get(agreement_id)
    if found is None:
        raise NotFound(f"no agreement {agreement_id!r} in this node", where="agreement")
    return found


def list_agreements(store: Store, *, status: AgreementStatus | None = None) -> list[Agreement]:
    with store.unit_of_work(write=False) as uow:
        return uow.agreements.list(status=status)


class PolicyCache:
    """The compiled agreements in force, per (agreements, pinned keys) state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[object, tuple[float, PolicyIndex]] = {}

    def index(self, uow: UnitOfWork, *, me: str, own_keys: Callable[[], PublicKeys],
              now: datetime) -> PolicyIndex:
        """The agreements in force for ``me`` at ``now`` (signatures verified)."""
        stamp = (me, uow.agreements.fingerprint(status=AgreementStatus.ACTIVE),
                 uow.partners.stamp())
        clock = time.monotonic()
        with self._lock:
            found = self._entries.get(stamp)
            if found is not None and clock - found[0] < CACHE_SECONDS:
                return found[1]
        agreements = uow.agreements.list(status=AgreementStatus.ACTIVE) if stamp[1] else []
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
