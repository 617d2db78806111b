"""Signed receipts and signed requests between nodes (compact JWS, Ed25519).

A *receipt* is the recipient's signed word about one message: accepted (with
the ledger index under which its arrival was recorded), a duplicate of one
accepted before, or refused (with the reason). The sender keeps it as proof.

A *signed request* authenticates a node calling another's federation API
where no envelope travels (the pull feed): it binds the caller, the callee,
the method, path and query, a time and a nonce.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from accord.adapters.compact import CompactError, header, split
from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import SIG_ALG, KeyRefused, PublicKeys, jws_registry
from accord.adapters.replay_cache import ReplayCache
from accord.domain.canonical import canonical_json
from accord.domain.errors import AccordError, Unauthorized

RECEIPT_TYP = "accord-receipt+jws"
REQUEST_TYP = "accord-request+jws"
REQUEST_MAX_AGE = timedelta(minutes=5)
REQUEST_SKEW = timedelta(seconds=30)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REFUSED = "refused"
STATUSES = (ACCEPTED, DUPLICATE, REFUSED)

KeysOf = Callable[[str], PublicKeys | None]


class ReceiptInvalid(AccordError):
    """A receipt that does not verify, or says something else than expected."""

    code = "receipt_invalid"
    status = 400


@dataclass(frozen=True)
class SignedReceipt:
    issuer: str  # the node that received the message and signed this
    sender: str  # the node that sent the message
    message_id: str
    status: str
    reason: str | None
    detail: str
    seq: int | None
    ledger_index: int | None
    at: datetime
    token: str

    def to_dict(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "sender": self.sender, "message_id": self.message_id,
                "status": self.status, "reason": self.reason, "detail": self.detail,
                "seq": self.seq, "ledger_index": self.ledger_index, "at": self.at.isoformat(),
                "receipt": self.token}


def _sign(keys: NodeKeys, typ: str, claims: dict[str, Any]) -> str:
    head = {"alg": SIG_ALG, "kid": keys.signing_kid, "typ": typ}
    return str(jws.serialize_compact(head, canonical_json(claims), keys.signing,
                                     registry=jws_registry()))


def _verify(token: str, typ: str, keys_of: KeysOf, issuer_claim: str,
            at: datetime) -> dict[str, Any]:
    """Claims of a compact JWS of ``typ`` signed by the node its ``issuer_claim`` names."""
    try:
        parts = split(token, 3, what=typ)
        head = header(parts[0], what=typ)
        claims = json.loads(jws.extract_compact(token.encode("ascii")).payload or b"")
    except (CompactError, JoseError, ValueError) as exc:
        raise ReceiptInvalid(f"not a signed {typ}: {exc}") from None
    if head.get("alg") != SIG_ALG or head.get("typ") != typ or not isinstance(claims, dict):
        raise ReceiptInvalid(f"expects alg {SIG_ALG} and typ {typ}")
    issuer = claims.get(issuer_claim)
    keys = keys_of(issuer) if isinstance(issuer, str) else None
    if keys is None:
        raise ReceiptInvalid(f"signed by {issuer!r}, which is not a pinned partner")
    try:
        key = keys.signing_key(str(head.get("kid")), at)
        jws.deserialize_compact(token, key, registry=jws_registry())
    except KeyRefused as exc:
        raise ReceiptInvalid(exc.message) from None
    except (JoseError, ValueError):
        raise ReceiptInvalid(f"signature of {issuer} does not verify") from None
    return claims


def sign_receipt(keys: NodeKeys, *, issuer: str, sender: str, message_id: str, status: str,
                 at: datetime, reason: str | None = None, detail: str = "",
                 seq: int | None = None, ledger_index: int | None = None) -> str:
    """The recipient's signed receipt for ``sender``'s message ``message_id``."""
    if status not in STATUSES:
        raise ValueError(f"unknown receipt status {status!r}")
    return _sign(keys, RECEIPT_TYP, {
        "iss": issuer, "sub": sender, "jti": message_id, "status": status, "reason": reason,
        "detail": detail[:500], "seq": seq, "ledger_index": ledger_index,
        "iat": int(at.timestamp())})


def verify_receipt(token: str, keys_of: KeysOf, *, now: datetime) -> SignedReceipt:
    """Check a receipt's signature against its issuer's pinned keys; ``ReceiptInvalid`` if bad."""
    claims = _verify(token, RECEIPT_TYP, keys_of, "iss", now)
    status, jti, sub, iat = (claims.get("status"), claims.get("jti"), claims.get("sub"),
                             claims.get("iat"))
    if status not in STATUSES or not isinstance(jti, str) or not isinstance(sub, str) or (
            not isinstance(iat, int)):
        raise ReceiptInvalid("receipt claims are incomplete")
    reason, seq, index = claims.get("reason"), claims.get("seq"), claims.get("ledger_index")
    return SignedReceipt(str(claims["iss"]), sub, jti, str(status),
                         reason if isinstance(reason, str) else None,
                         str(claims.get("detail") or ""),
                         seq if isinstance(seq, int) else None,
                         index if isinstance(index, int) else None,
                         datetime.fromtimestamp(iat, UTC), token)


def sign_request(keys: NodeKeys, *, issuer: str, audience: str, method: str, path: str,
                 query: str, now: datetime) -> str:
    """A token for the ``Authorization: Accord-Signature <token>`` header of one request."""
    return _sign(keys, REQUEST_TYP, {
        "iss": issuer, "aud": audience, "method": method.upper(), "path": path,
        "query": query, "iat": int(now.timestamp()), "jti": secrets.token_hex(16)})


def verify_request(token: str, keys_of: KeysOf, *, audience: str, method: str, path: str,
                   query: str, now: datetime, replay_cache: ReplayCache) -> str:
    """The calling node's id if ``token`` signs exactly this request, fresh and not replayed.

    Raises ``Unauthorized`` (where ``Authorization``) saying what is wrong.
    """
    try:
        claims = _verify(token, REQUEST_TYP, keys_of, "iss", now)
    except ReceiptInvalid as exc:
        raise Unauthorized(f"request signature refused: {exc.message}",
                           where="Authorization") from None
    expected = {"aud": audience, "method": method.upper(), "path": path, "query": query}
    for name, value in expected.items():
        if claims.get(name) != value:
            raise Unauthorized(f"request signature is for {name} {claims.get(name)!r}, "
                               f"not {value!r}", where="Authorization")
    iat, jti = claims.get("iat"), claims.get("jti")
    if not isinstance(iat, int) or not isinstance(jti, str):
        raise Unauthorized("request signature needs iat and jti", where="Authorization")
    issued = datetime.fromtimestamp(iat, UTC)
    if issued > now + REQUEST_SKEW or now - issued > REQUEST_MAX_AGE:
        raise Unauthorized(f"request signature issued {issued.isoformat()} is not fresh",
                           where="Authorization")
    issuer = str(claims["iss"])
    if not replay_cache.remember(issuer, f"req:{jti}", now=now,
                                 expires_at=issued + REQUEST_MAX_AGE + REQUEST_SKEW):
        raise Unauthorized("request signature was already used", where="Authorization")
    return issuer
