"""Signing agreements and revocations with a node's key.

The domain (``accord.domain.agreement``) only stores detached signatures and
asks a ``PartyKeys`` whether one holds; ``PublicKeys.verify_detached`` is that
check, and this module makes the signatures. Every signature carries ``iat``
so that one made with a key that later retired keeps verifying.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import PublicKeys
from accord.domain.agreement import Agreement

AGREEMENT_TYP = "accord-agreement+jws"
REVOCATION_TYP = "accord-revocation+jws"


def sign_agreement(agreement: Agreement, party: str, keys: NodeKeys, *,
                   now: datetime) -> Agreement:
    """``party`` signs the proposed ``agreement`` (detached JWS over its canonical form)."""
    signature = keys.sign_detached(agreement.signing_payload(), typ=AGREEMENT_TYP, at=now)
    return agreement.sign(party, signature)


def revoke_agreement(agreement: Agreement, party: str, keys: NodeKeys, *, now: datetime,
                     reason: str) -> Agreement:
    """``party`` revokes ``agreement`` with a signed revocation partners can verify."""
    payload = agreement.revocation_payload(party, now, reason)
    signature = keys.sign_detached(payload, typ=REVOCATION_TYP, at=now)
    return agreement.revoke(party, now, reason, signature)


def verify_revocation(agreement: Agreement, keys_of: Callable[[str], PublicKeys | None],
                      *, at: datetime) -> str | None:
    """None if the agreement's revocation is signed by the revoking party; else why not.

    A partner applies a revocation it receives only when this holds (a forged
    one would otherwise stop sharing).
    """
    r = agreement.revocation
    if r is None:
        return "the agreement carries no revocation"
    keys = keys_of(r.party)
    if keys is None:
        return f"no pinned key for {r.party}"
    return keys.verify_detached(agreement.revocation_payload(r.party, r.at, r.reason),
                                r.signature, at=at)
