"""Signed receipts and signed requests between nodes (compact JWS, Ed25519).

A *receipt* is the recipient's signed word about one message: accepted (with
the ledger index under which its arrival was recorded), a duplicate of one
accepted before, or refused (with the reason). The sender keeps it as proof.

*Batch receipts* answer many messages with one signature: the recipient
makes a leaf per message (its claims but ``iss`` and ``iat``), signs the
RFC 9162 Merkle root of the leaves once (``typ`` ``accord-receipts+jws``,
claims ``iss``, ``iat``, ``n`` leaves and ``root``), and hands each message
its own receipt: ``<signed root>~<leaf>~<index>~<inclusion path>`` (base64url
parts). Each is verifiable alone, like a single receipt, and says the same
(``verify_receipt`` reads both kinds); the sender checks the signature once
per batch (``verify_receipt``'s ``verified`` memo).

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

from accord.adapters.compact import CompactError, b64url_decode, b64url_encode, header, split
from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import SIG_ALG, KeyRefused, PublicKeys, jws_registry
from accord.adapters.replay_cache import ReplayCache
from accord.domain.canonical import canonical_json
from accord.domain.errors import AccordError, Unauthorized
from accord.domain.merkle import (
    HASH_SIZE,
    InvalidProof,
    leaf_hash,
    node_hash,
    split_point,
    verify_inclusion,
)

RECEIPT_TYP = "accord-receipt+jws"
BATCH_RECEIPT_TYP = "accord-receipts+jws"
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
    return _sign(keys, RECEIPT_TYP, {
        "iss": issuer, **receipt_leaf(sender=sender, message_id=message_id, status=status,
                                      reason=reason, detail=detail, seq=seq,
                                      ledger_index=ledger_index),
        "iat": int(at.timestamp())})


def receipt_leaf(*, sender: str, message_id: str, status: str, reason: str | None = None,
                 detail: str = "", seq: int | None = None,
                 ledger_index: int | None = None) -> dict[str, Any]:
    """What a receipt says about one message (all of a receipt's claims but iss and iat)."""
    if status not in STATUSES:
        raise ValueError(f"unknown receipt status {status!r}")
    return {"sub": sender, "jti": message_id, "status": status, "reason": reason,
            "detail": detail[:500], "seq": seq, "ledger_index": ledger_index}


def sign_receipts(keys: NodeKeys, *, issuer: str, at: datetime,
                  leaves: list[dict[str, Any]]) -> list[str]:
    """One receipt per leaf (``receipt_leaf``), all under one signature (a batch receipt)."""
    if not leaves:
        return []
    data = [canonical_json(leaf) for leaf in leaves]
    top, paths = _tree([leaf_hash(d) for d in data])
    signed = _sign(keys, BATCH_RECEIPT_TYP, {"iss": issuer, "iat": int(at.timestamp()),
                                             "n": len(leaves), "root": b64url_encode(top)})
    return [f"{signed}~{b64url_encode(d)}~{i}~{b64url_encode(b''.join(path))}"
            for i, (d, path) in enumerate(zip(data, paths, strict=True))]


def _tree(hashes: list[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """The RFC 9162 root of ``hashes`` (leaf hashes) and every leaf's inclusion path, each
    node hashed once."""
    if len(hashes) == 1:
        return hashes[0], [[]]
    k = split_point(len(hashes))
    left, left_paths = _tree(hashes[:k])
    right, right_paths = _tree(hashes[k:])
    for path in left_paths:
        path.append(right)
    for path in right_paths:
        path.append(left)
    return node_hash(left, right), left_paths + right_paths


def verify_receipt(token: str, keys_of: KeysOf, *, now: datetime,
                   verified: dict[str, dict[str, Any]] | None = None) -> SignedReceipt:
    """Check a receipt's signature against its issuer's pinned keys; ``ReceiptInvalid`` if bad.

    ``verified``, for a run of receipts checked at once with the same ``keys_of`` and
    ``now``, remembers the batch signatures already checked.
    """
    if "~" in token:
        claims = _batch_claims(token, keys_of, now, verified)
    else:
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


def _batch_claims(token: str, keys_of: KeysOf, now: datetime,
                  verified: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """The claims of one receipt of a batch: its leaf, under the signed root's iss and iat."""
    parts = token.split("~")
    if len(parts) != 4:
        raise ReceiptInvalid("a batch receipt has four parts")
    signed, leaf_part, index_part, path_part = parts
    top = verified.get(signed) if verified is not None else None
    if top is None:
        top = _verify(signed, BATCH_RECEIPT_TYP, keys_of, "iss", now)
        if verified is not None:
            verified[signed] = top
    try:
        data = b64url_decode(leaf_part, what="receipt leaf")
        path = b64url_decode(path_part, what="receipt path")
        root_hash = b64url_decode(str(top.get("root")), what="receipt root")
        size, index = top.get("n"), int(index_part)
        if not index_part.isdigit() or not isinstance(size, int) or len(path) % HASH_SIZE:
            raise ValueError("bad index, size or path")
        verify_inclusion(leaf_hash(data), index, size,
                         [path[i:i + HASH_SIZE] for i in range(0, len(path), HASH_SIZE)],
                         root_hash)
        leaf = json.loads(data)
    except (CompactError, InvalidProof, ValueError) as exc:
        raise ReceiptInvalid(f"not a receipt of the signed batch: {exc}") from None
    if not isinstance(leaf, dict) or "iss" in leaf or "iat" in leaf:
        raise ReceiptInvalid("a batch receipt's leaf is not a receipt")
    return {**leaf, "iss": top["iss"], "iat": top.get("iat")}


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
