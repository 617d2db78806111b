"""Envelopes: what one node sends another. A signed message inside an encrypted one.

``seal`` signs the message (JWS, Ed25519, header ``kid`` and ``typ``) and
encrypts the signed token to the recipient (JWE, ECDH-ES+A256KW over X25519,
A256GCM). The signed payload binds sender (``iss``), recipient (``aud``),
message id (``jti``) and issue time (``iat``); the same four travel in the
JWE protected header so the recipient can route and refuse early, and must
match after decryption.

``open_envelope`` refuses, each with its own exception and ``code``:

- ``envelope_too_large``: over ``max_bytes`` (checked before anything is parsed);
- ``envelope_malformed``: not a well-formed envelope, or tampered (any byte);
- ``envelope_wrong_recipient``: addressed to another node, or to a key we do not hold;
- ``envelope_unsigned``: the encrypted content is not a signed message;
- ``envelope_unpinned_key``: no pinned keys for the sender, or an unknown kid;
- ``envelope_revoked_key``: a revoked key, or a retiring one past its grace period;
- ``envelope_bad_signature``: the signature does not verify;
- ``envelope_header_mismatch``: signed iss/aud/jti/iat differ from the outer header;
- ``envelope_not_fresh``: issued in the future beyond the skew, or too old;
- ``envelope_replayed``: this sender's message id was already accepted.

Re-seal at every send attempt (the freshness window is minutes); keep the
message id, so a retry of something already received is refused as
``envelope_replayed``, which an inbox can answer as "already have it".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import OKPKey
from joserfc.registry import HeaderParameter

from accord.adapters.compact import CompactError, header, split
from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import (
    ENC_ALG,
    ENC_ENC,
    SIG_ALG,
    KeyRefused,
    PublicKey,
    PublicKeys,
    jws_registry,
)
from accord.adapters.replay_cache import ReplayCache
from accord.domain.canonical import canonical_json
from accord.domain.errors import AccordError

ENVELOPE_TYP = "accord-envelope+jwe"
MESSAGE_TYP = "accord-message+jws"
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_AGE = timedelta(minutes=5)
DEFAULT_SKEW = timedelta(seconds=30)


class EnvelopeRefused(AccordError):
    """Base of every refusal; ``code`` is stable, ``message`` says why."""

    code = "envelope_refused"
    status = 400


class EnvelopeTooLarge(EnvelopeRefused):
    code = "envelope_too_large"
    status = 413


class EnvelopeMalformed(EnvelopeRefused):
    code = "envelope_malformed"


class EnvelopeWrongRecipient(EnvelopeRefused):
    code = "envelope_wrong_recipient"
    status = 421


class EnvelopeUnsigned(EnvelopeRefused):
    code = "envelope_unsigned"
    status = 401


class EnvelopeUnpinnedKey(EnvelopeRefused):
    code = "envelope_unpinned_key"
    status = 401


class EnvelopeRevokedKey(EnvelopeRefused):
    code = "envelope_revoked_key"
    status = 401


class EnvelopeBadSignature(EnvelopeRefused):
    code = "envelope_bad_signature"
    status = 401


class EnvelopeHeaderMismatch(EnvelopeRefused):
    code = "envelope_header_mismatch"


class EnvelopeNotFresh(EnvelopeRefused):
    code = "envelope_not_fresh"


class EnvelopeReplayed(EnvelopeRefused):
    code = "envelope_replayed"
    status = 409

    def __init__(self, message: str, *, sender: str, message_id: str) -> None:
        self.sender = sender
        self.message_id = message_id
        super().__init__(message)


@dataclass(frozen=True)
class OpenedEnvelope:
    sender: str
    recipient: str
    message_id: str
    issued_at: datetime
    payload: dict[str, Any]
    sender_kid: str


def _jwe_registry(max_bytes: int, max_header: int = 1024) -> JWERegistry:
    registry = JWERegistry(algorithms=[ENC_ALG, ENC_ENC], header_registry={
        "iss": HeaderParameter("Sender node", "str"),
        "aud": HeaderParameter("Recipient node", "str"),
        "jti": HeaderParameter("Message id", "str"),
        "iat": HeaderParameter("Issued at", "int"),
        "ids": HeaderParameter("Message ids of a batch", "list[str]"),
    })
    registry.max_ciphertext_length = max_bytes
    registry.max_protected_header_length = max_header
    return registry


def encryption_key(recipient_enc_public_jwk: Mapping[str, Any] | PublicKey
                   ) -> tuple[OKPKey, str]:
    """The recipient's X25519 key and its kid."""
    if isinstance(recipient_enc_public_jwk, PublicKey):
        return recipient_enc_public_jwk.key, recipient_enc_public_jwk.kid
    jwk = {k: v for k, v in recipient_enc_public_jwk.items() if k in ("kty", "crv", "x")}
    enc_key = OKPKey.import_key(jwk)
    return enc_key, enc_key.thumbprint()


def seal_signed(body: bytes, bound: Mapping[str, Any], *, sender_keys: NodeKeys,
                recipient_enc_public_jwk: Mapping[str, Any] | PublicKey,
                typ: str = ENVELOPE_TYP, cty: str = MESSAGE_TYP) -> str:
    """Sign ``body`` (JSON bytes holding ``bound``) and encrypt it, ``bound`` in the header."""
    enc_key, kid = encryption_key(recipient_enc_public_jwk)
    signed = jws.serialize_compact(
        {"alg": SIG_ALG, "kid": sender_keys.signing_kid, "typ": cty}, body,
        sender_keys.signing, registry=jws_registry(max(len(body), 1)))
    protected = {"alg": ENC_ALG, "enc": ENC_ENC, "kid": kid, "typ": typ, "cty": cty, **bound}
    head = 2 * len(json.dumps(protected)) + 1024  # with the ephemeral key, base64url
    return jwe.encrypt_compact(protected, signed, enc_key,
                               registry=_jwe_registry(max(len(signed) + 64, 1024), head))


def seal(payload: Mapping[str, Any], *, sender_keys: NodeKeys, sender_id: str,
         recipient_id: str, recipient_enc_public_jwk: Mapping[str, Any] | PublicKey,
         message_id: str, now: datetime) -> str:
    """Sign ``payload`` as ``sender_id`` and encrypt it to ``recipient_id``'s X25519 key."""
    bound = {"iss": sender_id, "aud": recipient_id, "jti": message_id,
             "iat": int(now.timestamp())}
    return seal_signed(canonical_json({**bound, "body": dict(payload)}), bound,
                       sender_keys=sender_keys, recipient_enc_public_jwk=recipient_enc_public_jwk)


@dataclass(frozen=True)
class Verified:
    """An envelope whose every check but the replay check passed."""

    outer: dict[str, Any]
    claims: dict[str, Any]
    issued_at: datetime
    sender_kid: str


def outer_header(token: str | bytes, *, max_bytes: int) -> tuple[str, dict[str, Any]]:
    """The token as text and its (unauthenticated) protected header; refuses what is too
    large or not a compact JWE."""
    if len(token) > max_bytes:
        raise EnvelopeTooLarge(f"{len(token)} bytes, over the limit of {max_bytes}")
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise EnvelopeMalformed("not ASCII text") from None
    try:
        return token, header(split(token, 5, what="envelope")[0], what="envelope")
    except CompactError as exc:
        raise EnvelopeMalformed(str(exc)) from None


def open_signed(token: str, outer: dict[str, Any], *, my_keys: NodeKeys, my_id: str,
                sender_public_keys_lookup: Callable[[str], PublicKeys | None], now: datetime,
                max_age: timedelta = DEFAULT_MAX_AGE, max_bytes: int = DEFAULT_MAX_BYTES,
                max_skew: timedelta = DEFAULT_SKEW, typ: str = ENVELOPE_TYP,
                cty: str = MESSAGE_TYP, bound: tuple[str, ...] = ("iss", "aud", "jti", "iat"),
                max_header: int = 1024) -> Verified:
    """Every check of an envelope of ``typ`` but the replay check (see ``open_envelope``);
    the signed claims must repeat the outer header's ``bound`` names, and the protected
    header may be ``max_header`` bytes long."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    _check_outer(outer, my_id, typ)
    dec_key = my_keys.decryption_key(str(outer.get("kid")), now)
    if dec_key is None:
        raise EnvelopeWrongRecipient("not encrypted to a current key of this node")
    try:
        plaintext = jwe.decrypt_compact(token, dec_key, registry=_jwe_registry(
            max_bytes, max_header)).plaintext
    except Exception:  # any failure here means tampered or garbage: the reason stays generic
        raise EnvelopeMalformed("cannot be decrypted: tampered, or not for this node") from None
    inner = _inner(plaintext or b"", cty)
    sender = outer["iss"]
    keys = sender_public_keys_lookup(sender)
    if keys is None or keys.node_id != sender:
        raise EnvelopeUnpinnedKey(f"no pinned keys for sender {sender!r}")
    try:
        key = keys.signing_key(str(inner.get("kid")), now)
    except KeyRefused as exc:
        cls = EnvelopeUnpinnedKey if exc.reason == "unknown_key" else EnvelopeRevokedKey
        raise cls(exc.message) from None
    try:
        payload = jws.deserialize_compact(plaintext or b"", key,
                                          registry=jws_registry(max_bytes)).payload
    except (JoseError, ValueError):
        raise EnvelopeBadSignature(f"signature does not verify with {sender}'s key") from None
    claims = _claims(payload)
    for name in bound:
        if claims.get(name) != outer.get(name):
            raise EnvelopeHeaderMismatch(f"signed {name} {claims.get(name)!r} differs from the "
                                         f"envelope's {outer.get(name)!r}")
    issued = datetime.fromtimestamp(claims["iat"], UTC)
    if issued > now + max_skew:
        raise EnvelopeNotFresh(f"issued {issued.isoformat()}, in the future")
    if now - issued > max_age:
        raise EnvelopeNotFresh(f"issued {issued.isoformat()}, older than {max_age}")
    return Verified(outer, claims, issued, str(inner["kid"]))


def open_envelope(token: str | bytes, *, my_keys: NodeKeys, my_id: str,
                  sender_public_keys_lookup: Callable[[str], PublicKeys | None],
                  replay_cache: ReplayCache, now: datetime,
                  max_age: timedelta = DEFAULT_MAX_AGE, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_skew: timedelta = DEFAULT_SKEW) -> OpenedEnvelope:
    """Check and open an envelope; raises an ``EnvelopeRefused`` subclass on any doubt.

    Only after every check has passed is the message id recorded in
    ``replay_cache`` (so forged envelopes cannot poison it).
    """
    text, outer = outer_header(token, max_bytes=max_bytes)
    done = open_signed(text, outer, my_keys=my_keys, my_id=my_id,
                       sender_public_keys_lookup=sender_public_keys_lookup, now=now,
                       max_age=max_age, max_bytes=max_bytes, max_skew=max_skew)
    claims, sender = done.claims, outer["iss"]
    if not isinstance(claims.get("body"), dict):
        raise EnvelopeMalformed("signed payload needs a body object")
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    if not replay_cache.remember(sender, claims["jti"], now=now,
                                 expires_at=done.issued_at + max_age + max_skew):
        raise EnvelopeReplayed(f"message {claims['jti']} from {sender} was already received",
                               sender=sender, message_id=claims["jti"])
    return OpenedEnvelope(sender, claims["aud"], claims["jti"], done.issued_at, claims["body"],
                          done.sender_kid)


def _check_outer(outer: dict[str, Any], my_id: str, typ: str) -> None:
    if (outer.get("alg"), outer.get("enc"), outer.get("typ")) != (ENC_ALG, ENC_ENC, typ):
        raise EnvelopeMalformed(f"expects alg {ENC_ALG}, enc {ENC_ENC}, typ {typ}")
    for name, kind in (("iss", str), ("aud", str), ("jti", str), ("iat", int), ("kid", str)):
        if not isinstance(outer.get(name), kind) or isinstance(outer.get(name), bool):
            raise EnvelopeMalformed(f"header {name} is missing or not a {kind.__name__}")
    if outer["aud"] != my_id:
        raise EnvelopeWrongRecipient(f"addressed to {outer['aud']!r}, this node is {my_id!r}")


def _inner(plaintext: bytes, cty: str) -> dict[str, Any]:
    """The signed message's header; refuses plain JSON (unsigned) and anything else."""
    try:
        text = plaintext.decode("ascii")
        head = header(split(text, 3, what="signed message")[0], what="signed message")
    except (UnicodeDecodeError, CompactError):
        try:
            json.loads(plaintext)
        except ValueError:
            raise EnvelopeMalformed("the encrypted content is not a signed message") from None
        raise EnvelopeUnsigned("the encrypted content is not signed") from None
    if head.get("alg") != SIG_ALG or head.get("typ") != cty:
        raise EnvelopeMalformed(f"signed message expects alg {SIG_ALG}, typ {cty}")
    if not isinstance(head.get("kid"), str):
        raise EnvelopeMalformed("signed message has no kid")
    return head


def _claims(payload: bytes | None) -> dict[str, Any]:
    try:
        claims = orjson.loads(payload or b"")
    except ValueError:
        raise EnvelopeMalformed("signed payload is not JSON") from None
    if not isinstance(claims, dict):
        raise EnvelopeMalformed("signed payload is not a JSON object")
    return claims
