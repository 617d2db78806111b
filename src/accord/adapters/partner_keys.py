"""A node's public keys as published at ``/.well-known/accord/node.json``, and pinned.

The document (``NodeKeys.public_jwks`` writes it)::

    {"node_id": "co-dijin", "country": "CO",
     "keys": [{"kty": "OKP", "crv": "Ed25519", "x": "...", "kid": "...", "use": "sig",
               "alg": "Ed25519", "status": "active"},
              {"kty": "OKP", "crv": "X25519", ..., "use": "enc", "status": "active"},
              {..., "status": "retiring", "not_after": "2026-07-01T00:00:00Z"}],
     "revoked": ["<kid>", ...],
     "proofs": ["<detached JWS over the document without proofs>", ...]}

``kid`` is the RFC 7638 thumbprint and is checked. A retiring key verifies
until ``not_after`` (signatures made before then keep verifying, so
agreements signed with it stay valid); a revoked kid never verifies again.
``fingerprint`` is what a liaison officer reads over the phone before pinning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from accord.adapters.compact import CompactError, b64url_decode, header, split
from accord.domain.canonical import canonical_json
from accord.domain.errors import AccordError, InvalidValue

# RFC 9864 fully-specified name; joserfc flags the older "EdDSA" as deprecated.
SIG_ALG = "Ed25519"
ENC_ALG = "ECDH-ES+A256KW"
ENC_ENC = "A256GCM"
CLOCK_SKEW = timedelta(minutes=5)
_CURVE = {"sig": "Ed25519", "enc": "X25519"}
_KEY_FIELDS = {"kty", "crv", "x", "kid", "use", "alg", "status", "not_after"}


def jws_registry(max_payload: int = 128_000) -> JWSRegistry:
    """A registry allowing only Ed25519, with our ``iat`` header and a payload limit."""
    registry = JWSRegistry(algorithms=[SIG_ALG],
                           header_registry={"iat": HeaderParameter("Issued at", "int")})
    registry.max_payload_length = max_payload
    return registry


class KeyRefused(AccordError):
    """A key that must not be used: unknown, revoked, past its grace period, wrong use."""

    code = "key_refused"
    status = 403

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason  # unknown_key | revoked_key | expired_key | unproven_update
        super().__init__(message)


@dataclass(frozen=True)
class PublicKey:
    kid: str
    use: str  # "sig" | "enc"
    key: OKPKey
    status: str = "active"  # "active" | "retiring"
    not_after: datetime | None = None

    def jwk(self) -> dict[str, Any]:
        alg = SIG_ALG if self.use == "sig" else ENC_ALG
        out: dict[str, Any] = {**self.key.as_dict(private=False), "kid": self.kid,
                               "use": self.use, "alg": alg, "status": self.status}
        if self.not_after is not None:
            out["not_after"] = _iso(self.not_after)
        return out


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PublicKeys:
    """A partner's pinned keys (or our own, to check our own signatures)."""

    node_id: str
    country: str
    keys: tuple[PublicKey, ...]
    revoked: frozenset[str] = frozenset()

    @classmethod
    def from_jwks(cls, doc: Any, *, where: str = "node.json") -> PublicKeys:
        """Parse and check a published node document; raises ``InvalidValue``."""
        if not isinstance(doc, Mapping):
            raise InvalidValue("must be a JSON object", where=where)
        unknown = sorted(set(doc) - {"node_id", "country", "keys", "revoked", "proofs"})
        if unknown:
            raise InvalidValue(f"unknown field(s) {', '.join(unknown)}", where=where)
        node_id, country = doc.get("node_id"), doc.get("country")
        if not isinstance(node_id, str) or not node_id:
            raise InvalidValue("is required", where=f"{where}.node_id")
        if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
            raise InvalidValue(f"{country!r} is not an ISO 3166 alpha-2 code",
                               where=f"{where}.country")
        raw_keys = doc.get("keys")
        if not isinstance(raw_keys, list) or not raw_keys:
            raise InvalidValue("must be a non-empty list", where=f"{where}.keys")
        revoked = doc.get("revoked", [])
        if not isinstance(revoked, list) or not all(isinstance(k, str) for k in revoked):
            raise InvalidValue("must be a list of kids", where=f"{where}.revoked")
        keys = tuple(_parse_key(k, f"{where}.keys[{i}]") for i, k in enumerate(raw_keys))
        for use in ("sig", "enc"):
            active = [k for k in keys if k.use == use and k.status == "active"]
            if len(active) != 1:
                raise InvalidValue(f"needs exactly one active {use} key, found {len(active)}",
                                   where=f"{where}.keys")
        if len({k.kid for k in keys}) != len(keys):
            raise InvalidValue("duplicate kid", where=f"{where}.keys")
        return cls(node_id, country.upper(), keys, frozenset(revoked))

    def to_jwks(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "country": self.country,
                "keys": [k.jwk() for k in self.keys], "revoked": sorted(self.revoked)}

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self)

    def encryption_key(self) -> PublicKey:
        """The active X25519 key to encrypt to."""
        return next(k for k in self.keys if k.use == "enc" and k.status == "active")

    def signing_key(self, kid: str, at: datetime) -> OKPKey:
        """The Ed25519 key ``kid`` if it may verify a signature made at ``at``."""
        if kid in self.revoked:
            raise KeyRefused("revoked_key", f"key {kid} of {self.node_id} is revoked")
        for k in self.keys:
            if k.kid == kid and k.use == "sig":
                if k.not_after is not None and at > k.not_after:
                    raise KeyRefused("expired_key", f"key {kid} of {self.node_id} retired at "
                                                    f"{_iso(k.not_after)}")
                return k.key
        raise KeyRefused("unknown_key", f"key {kid} is not a pinned signing key of "
                                        f"{self.node_id}")

    def verify_detached(self, payload: bytes, signature: str, *, at: datetime) -> str | None:
        """``PartyKeys`` for agreements: None if valid, else why not. The key must have
        been valid at the signature's ``iat``, which may not be later than ``at``."""
        try:
            parts = split(signature, 3, what="signature")
            head = header(parts[0], what="signature")
        except CompactError as exc:
            return str(exc)
        if parts[1]:
            return "signature is not detached"
        iat, kid = head.get("iat"), head.get("kid")
        if head.get("alg") != SIG_ALG or not isinstance(kid, str) or not isinstance(iat, int):
            return "signature header needs alg Ed25519, kid and iat"
        signed_at = datetime.fromtimestamp(iat, UTC)
        if signed_at > at + CLOCK_SKEW:
            return f"signed in the future ({_iso(signed_at)})"
        try:
            key = self.signing_key(kid, signed_at)
            jws.deserialize_compact(signature, key, registry=jws_registry(), payload=payload)
        except KeyRefused as exc:
            return exc.message
        except (JoseError, ValueError):
            return "signature does not verify"
        return None

    def with_revocations(self, kids: Iterable[str]) -> PublicKeys:
        """The same keys with more kids revoked (restrict-only: safe from any source)."""
        return replace(self, revoked=self.revoked | frozenset(kids))

    def accept_update(self, doc: Mapping[str, Any], *, now: datetime) -> PublicKeys:
        """Adopt a re-published document (key rotation) if one of its proofs is by a
        signing key pinned here and valid ``now``; revocations accumulate, never shrink.
        Raises ``KeyRefused("unproven_update")`` otherwise: re-pin by fingerprint."""
        new = PublicKeys.from_jwks(doc)
        if new.node_id != self.node_id:
            raise KeyRefused("unproven_update", f"document is for {new.node_id}, "
                                                f"not {self.node_id}")
        body = canonical_json({k: v for k, v in doc.items() if k != "proofs"})
        proofs = doc.get("proofs", [])
        for proof in proofs if isinstance(proofs, list) else []:
            if isinstance(proof, str) and self._proof_ok(body, proof, now):
                return replace(new, revoked=new.revoked | self.revoked)
        raise KeyRefused("unproven_update", f"no proof by a key pinned for {self.node_id}; "
                                            "check the new fingerprint out of band")

    def _proof_ok(self, body: bytes, proof: str, now: datetime) -> bool:
        try:
            kid = header(split(proof, 3, what="proof")[0], what="proof").get("kid")
            key = self.signing_key(str(kid), now)
            jws.deserialize_compact(proof, key, registry=jws_registry(), payload=body)
        except (CompactError, KeyRefused, JoseError, ValueError):
            return False
        return True


def _parse_key(raw: Any, where: str) -> PublicKey:
    if not isinstance(raw, Mapping):
        raise InvalidValue("must be a JWK object", where=where)
    if "d" in raw:
        raise InvalidValue("contains private key material ('d'); never publish it",
                           where=where)
    unknown = sorted(set(raw) - _KEY_FIELDS)
    if unknown:
        raise InvalidValue(f"unknown member(s) {', '.join(unknown)}", where=where)
    use, status = raw.get("use"), raw.get("status", "active")
    if use not in _CURVE:
        raise InvalidValue(f"use {use!r} must be sig or enc", where=f"{where}.use")
    if raw.get("kty") != "OKP" or raw.get("crv") != _CURVE[use]:
        raise InvalidValue(f"a key with use {use} must be OKP {_CURVE[use]}", where=where)
    try:
        if len(b64url_decode(str(raw.get("x", "")), what="x")) != 32:
            raise CompactError("x must be 32 bytes")
        key = OKPKey.import_key({"kty": "OKP", "crv": raw["crv"], "x": raw["x"]})
    except (CompactError, JoseError, ValueError) as exc:
        raise InvalidValue(f"bad public key: {exc}", where=f"{where}.x") from None
    if raw.get("kid") != key.thumbprint():
        raise InvalidValue("kid is not the key's RFC 7638 thumbprint", where=f"{where}.kid")
    not_after = None
    if status == "retiring":
        try:
            not_after = datetime.fromisoformat(str(raw.get("not_after")).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue("a retiring key needs not_after (ISO 8601)",
                               where=f"{where}.not_after") from None
        if not_after.tzinfo is None:
            not_after = not_after.replace(tzinfo=UTC)
    elif status != "active":
        raise InvalidValue(f"status {status!r} must be active or retiring",
                           where=f"{where}.status")
    return PublicKey(key.thumbprint(), use, key, status, not_after)


def _fingerprint(keys: PublicKeys) -> str:
    active = sorted((k.use, k.kid) for k in keys.keys if k.status == "active")
    digest = hashlib.sha256(canonical_json({
        "node_id": keys.node_id, "country": keys.country,
        "keys": [{"use": use, "kid": kid} for use, kid in active],
    })).hexdigest()
    # 160 bits in ten groups of four: short enough to read aloud, long enough to trust
    return " ".join(digest[i:i + 4] for i in range(0, 40, 4))


def fingerprint(jwks: Mapping[str, Any]) -> str:
    """Human-checkable fingerprint of a node document: node id, country and active keys."""
    return _fingerprint(PublicKeys.from_jwks(jwks))


def fingerprints_match(a: str, b: str) -> bool:
    """Compare fingerprints ignoring case, spaces and colons."""
    def norm(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch not in " :-")
    return norm(a) == norm(b) and len(norm(a)) >= 40
