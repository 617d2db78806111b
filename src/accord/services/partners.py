"""Partners: pin a partner node's keys (checked by fingerprint), list, remove, revoke a key.

``add_partner`` fetches the node document a partner publishes at
``/.well-known/accord/node.json``, checks that it is self-consistent (its
proof is signed by its own active signing key), shows the fingerprint and,
when one is given (read out of band, e.g. over the phone), refuses to pin
anything else. Re-adding a pinned partner follows a key rotation only when
the new document is signed by a key already pinned, or matches the given
fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from accord.adapters.partner_keys import KeyRefused, PublicKeys, fingerprints_match
from accord.adapters.store import Store
from accord.adapters.store.partners import REMOVED, Partner
from accord.adapters.transport import Transport, TransportError
from accord.domain.errors import AccordError, Conflict, InvalidValue, NotFound


class FingerprintMismatch(Conflict):
    code = "fingerprint_mismatch"


class PartnerUnreachable(AccordError):
    code = "partner_unreachable"
    status = 502


@dataclass(frozen=True)
class Pinned:
    """What ``add_partner`` did: the partner as pinned, and whether its keys changed."""

    partner: Partner
    created: bool
    keys_changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"partner": self.partner.to_dict(), "created": self.created,
                "keys_changed": self.keys_changed}


def add_partner(store: Store, url: str, *, me: str, transport: Transport,
                fingerprint: str | None = None, push: bool = True, pull: bool = False,
                now: datetime | None = None) -> Pinned:
    """Fetch the node document at ``url`` and pin it (see ``pin_partner``)."""
    if not url.startswith(("http://", "https://")):
        raise InvalidValue(f"{url!r} is not an http(s) URL", where="--url")
    try:
        document = transport.fetch_node_document(url)
    except TransportError as exc:
        raise PartnerUnreachable(f"cannot fetch the partner's keys: {exc}", where=url) from None
    return pin_partner(store, document, url=url, me=me, fingerprint=fingerprint, push=push,
                       pull=pull, now=now)


def pin_partner(store: Store, document: Mapping[str, Any], *, url: str, me: str,
                fingerprint: str | None = None, push: bool = True, pull: bool = False,
                now: datetime | None = None) -> Pinned:
    """Pin a partner's published node document. Raises ``InvalidValue`` (a bad document),
    ``FingerprintMismatch`` (nothing is pinned), ``KeyRefused`` (keys changed without a
    proof by a pinned key: check the new fingerprint and pass it), ``Conflict`` (our own)."""
    now = now or datetime.now(UTC)
    keys = PublicKeys.from_jwks(document, where=url)
    try:
        keys.accept_update(document, now=now)  # proof by its own active key: it holds it
    except KeyRefused:
        raise InvalidValue("the node document is not signed by its own signing key",
                           where=url) from None
    if keys.node_id == me:
        raise Conflict(f"{url} is this node ({me}); a node is not its own partner", where=url)
    if fingerprint is not None and not fingerprints_match(fingerprint, keys.fingerprint):
        raise FingerprintMismatch(
            f"fingerprint mismatch: expected {fingerprint}, the node at {url} presents "
            f"{keys.fingerprint}; nothing was pinned", where="--fingerprint")
    with store.unit_of_work() as uow:
        existing = uow.partners.get(keys.node_id)
        changed = existing is not None and _kids(existing.keys) != _kids(keys)
        if existing is not None and existing.active and changed and fingerprint is None:
            # a rotation is followed only with a proof by a key pinned before
            keys = existing.keys.accept_update(document, now=now)
        if existing is not None:
            keys = keys.with_revocations(existing.keys.revoked)
        checked = fingerprint is not None or bool(
            existing and existing.fingerprint_checked and not changed)
        partner = uow.partners.pin(keys, url=url, fingerprint_checked=checked, push=push,
                                   pull=pull, now=now)
    return Pinned(partner, existing is None, changed)


def list_partners(store: Store, *, include_removed: bool = False) -> list[Partner]:
    with store.unit_of_work(write=False) as uow:
        return uow.partners.list(include_removed=include_removed)


def get_partner(store: Store, node_id: str) -> Partner:
    with store.unit_of_work(write=False) as uow:
        found = uow.partners.get(node_id)
    if found is None:
        raise NotFound(f"no partner {node_id!r} (see 'accord partner list')", where="partner")
    return found


def remove_partner(store: Store, node_id: str) -> Partner:
    """Stop trusting and sending to a partner (its history and pending messages are kept)."""
    with store.unit_of_work() as uow:
        if uow.partners.get(node_id) is None:
            raise NotFound(f"no partner {node_id!r} (see 'accord partner list')",
                           where="partner")
        uow.partners.set_status(node_id, REMOVED, now=datetime.now(UTC))
        found = uow.partners.get(node_id)
    assert found is not None
    return found


def revoke_partner_key(store: Store, node_id: str, kid: str) -> Partner:
    """Stop accepting anything signed by the partner's key ``kid`` (restrict-only)."""
    with store.unit_of_work() as uow:
        partner = uow.partners.get(node_id)
        if partner is None:
            raise NotFound(f"no partner {node_id!r}", where="partner")
        uow.partners.replace_keys(partner.keys.with_revocations([kid]), now=datetime.now(UTC))
        found = uow.partners.get(node_id)
    assert found is not None
    return found


def _kids(keys: PublicKeys) -> set[tuple[str, str, str]]:
    """The keys themselves (revocations aside: they only ever accumulate)."""
    return {(k.kid, k.use, k.status) for k in keys.keys}
