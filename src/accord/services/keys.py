"""Rotating and revoking this node's keys, and revoking a partner's key, with a ledger entry.

Rotation makes fresh signing and encryption keys active; the old ones keep
verifying (and decrypting) until the grace period ends, so partners that have
not yet fetched the new JWKS are not cut off. Revocation is immediate: a revoked
kid never verifies again. Each act is recorded in the node's ledger in the
same transaction as its record; the key files are replaced inside that
transaction, so a failure to write them leaves no ledger entry behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.adapters.keys import DEFAULT_GRACE, NodeKeys, revoke_key, rotate_node_keys
from accord.adapters.partner_keys import fingerprint
from accord.bootstrap import Node
from accord.domain.ledger_entry import Action, LedgerEntry
from accord.services import ledger
from accord.services.partners import revoke_partner_key


@dataclass(frozen=True)
class KeyState:
    """What changed: the node's active kids, retiring kids and the new fingerprint."""

    signing_kid: str
    encryption_kid: str
    retiring: tuple[tuple[str, str], ...]  # (kid, not-after ISO time)
    revoked: tuple[str, ...]
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "signing_kid": self.signing_kid,
            "encryption_kid": self.encryption_kid,
            "retiring": [{"kid": kid, "not_after": at} for kid, at in self.retiring],
            "revoked": list(self.revoked),
            "fingerprint": self.fingerprint,
        }


def key_state(node: Node, keys: NodeKeys | None = None) -> KeyState:
    keys = keys or node.keys
    doc = keys.public_jwks(node.node_id, node.config.country)
    return KeyState(
        signing_kid=keys.signing_kid,
        encryption_kid=keys.encryption_kid,
        retiring=tuple((r.kid, r.not_after.isoformat()) for r in keys.retiring),
        revoked=tuple(sorted(keys.revoked)),
        fingerprint=fingerprint(doc),
    )


def rotate_keys(node: Node, *, actor: str, grace: timedelta = DEFAULT_GRACE,
                now: datetime | None = None) -> KeyState:
    """Make fresh keys active; the old ones retire after ``grace``. Ledgered."""
    now = now or datetime.now(UTC)
    before = node.keys
    with node.store.unit_of_work() as uow:
        keys = rotate_node_keys(node.dir.keys_dir, now=now, grace=grace)
        ledger.record(uow, LedgerEntry(
            Action.KEY_ROTATED, actor=actor, subject=f"node/{node.node_id}",
            details={"retired": f"{before.signing_kid},{before.encryption_kid}",
                     "active": f"{keys.signing_kid},{keys.encryption_kid}",
                     "grace_seconds": int(grace.total_seconds())}, at=now))
    node.__dict__.pop("keys", None)  # the cached keys are stale now
    return key_state(node, keys)


def revoke_own_key(node: Node, kid: str, *, actor: str,
                   now: datetime | None = None) -> KeyState:
    """Revoke one of this node's keys at once (an active key is replaced). Ledgered."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work() as uow:
        keys = revoke_key(node.dir.keys_dir, kid, now=now)
        ledger.record(uow, LedgerEntry(
            Action.KEY_REVOKED, actor=actor, subject=f"node/{node.node_id}",
            details={"kid": kid}, at=now))
    node.__dict__.pop("keys", None)
    return key_state(node, keys)


def revoke_partners_key(node: Node, partner: str, kid: str, *, actor: str) -> None:
    """Stop accepting anything signed by a partner's key ``kid``. Ledgered."""
    revoke_partner_key(node.store, partner, kid)
    with node.store.unit_of_work() as uow:
        ledger.record(uow, LedgerEntry(
            Action.KEY_REVOKED, actor=actor, subject=f"partner/{partner}",
            details={"kid": kid}))
