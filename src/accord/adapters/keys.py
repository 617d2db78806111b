"""A node's own keys: generation, loading, rotation and revocation.

- ``signing.jwk``: Ed25519, signs releases, receipts, agreements and checkpoints.
- ``encryption.jwk``: X25519, partners encrypt envelopes to it (ECDH-ES).

Layout of the keys directory (0700; every file 0600)::

    signing.jwk      active Ed25519 private JWK (use "sig")
    encryption.jwk   active X25519 private JWK (use "enc")
    keyring.json     {"retiring": [{"jwk": {...}, "not_after": "..."}], "revoked": [kid]}

``kid`` is the RFC 7638 thumbprint. Rotation makes fresh keys active and keeps
the old ones as "retiring" until ``not_after`` (partners still accept the old
signing key, and we can still open envelopes sealed to the old encryption key,
during the grace period). Revocation is immediate: a revoked kid never
verifies, and revoking an active key replaces it at once.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from accord.adapters.partner_keys import (
    ENC_ALG,
    SIG_ALG,
    PublicKey,
    PublicKeys,
    fingerprint,
    fingerprints_match,
    jws_registry,
)
from accord.domain.canonical import canonical_json
from accord.domain.errors import AccordError, Conflict, NotFound

__all__ = ["NodeKeys", "NodeKeysError", "RetiringKey", "generate_node_keys", "load_node_keys",
           "rotate_node_keys", "revoke_key", "fingerprint", "fingerprints_match", "PublicKeys"]

SIGNING_FILE = "signing.jwk"
ENCRYPTION_FILE = "encryption.jwk"
KEYRING_FILE = "keyring.json"
DEFAULT_GRACE = timedelta(days=7)


class NodeKeysError(AccordError):
    """A key file is missing, unreadable, too widely readable or not the expected key."""

    code = "node_keys"
    status = 500


def _new_key(use: str) -> OKPKey:
    if use == "sig":
        key = OKPKey.generate_key("Ed25519", parameters={"use": use, "alg": SIG_ALG})
    else:
        key = OKPKey.generate_key("X25519", parameters={"use": use, "alg": ENC_ALG})
    key.ensure_kid()
    return key


@dataclass(frozen=True)
class RetiringKey:
    key: OKPKey  # private
    not_after: datetime

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    @property
    def use(self) -> str:
        return str(self.key.get("use"))


@dataclass(frozen=True)
class NodeKeys:
    """This node's private keys (active, retiring) and the kids it has revoked."""

    signing: OKPKey
    encryption: OKPKey
    retiring: tuple[RetiringKey, ...] = ()
    revoked: frozenset[str] = frozenset()

    @property
    def signing_kid(self) -> str:
        return str(self.signing.kid)

    @property
    def encryption_kid(self) -> str:
        return str(self.encryption.kid)

    def decryption_key(self, kid: str, at: datetime) -> OKPKey | None:
        """The private X25519 key ``kid`` if it may still open envelopes at ``at``."""
        if kid in self.revoked:
            return None
        if kid == self.encryption_kid:
            return self.encryption
        for r in self.retiring:
            if r.kid == kid and r.use == "enc" and at <= r.not_after:
                return r.key
        return None

    def sign_detached(self, payload: bytes, *, typ: str, at: datetime | None) -> str:
        """A detached compact JWS (Ed25519) over ``payload``; ``iat`` when ``at`` is given."""
        return self._sign(self.signing, payload, typ, at)

    @staticmethod
    def _sign(key: OKPKey, payload: bytes, typ: str, at: datetime | None) -> str:
        head: dict[str, Any] = {"alg": SIG_ALG, "kid": key.kid, "typ": typ}
        if at is not None:
            head["iat"] = int(at.timestamp())
        token = jws.serialize_compact(head, payload, key, registry=jws_registry())
        return str(jws.detach_content(token))

    def public_keys(self, node_id: str, country: str) -> PublicKeys:
        """Our own public keys, as partners pin them."""
        keys = [PublicKey(self.signing_kid, "sig", _public(self.signing)),
                PublicKey(self.encryption_kid, "enc", _public(self.encryption))]
        keys += [PublicKey(r.kid, r.use, _public(r.key), "retiring", r.not_after)
                 for r in self.retiring]
        return PublicKeys(node_id, country.upper(), tuple(keys), self.revoked)

    def public_jwks(self, node_id: str, country: str) -> dict[str, Any]:
        """The document to publish at ``/.well-known/accord/node.json``.

        ``proofs`` holds a detached signature over the rest of the document by the
        active signing key and by every retiring one, so that partners who pinned
        an older key can follow a rotation (``PublicKeys.accept_update``).
        """
        doc = self.public_keys(node_id, country).to_jwks()
        body = canonical_json(doc)
        signers = [self.signing] + [r.key for r in self.retiring if r.use == "sig"]
        doc["proofs"] = [self._sign(k, body, "accord-node+jws", None) for k in signers]
        return doc


def _public(key: OKPKey) -> OKPKey:
    return OKPKey.import_key(key.as_dict(private=False))


# -- files ---------------------------------------------------------------------


def generate_node_keys(keys_dir: Path) -> None:
    """Create fresh signing and encryption keys in ``keys_dir``; refuse to overwrite."""
    keys_dir = Path(keys_dir)
    for name in (SIGNING_FILE, ENCRYPTION_FILE):
        if (keys_dir / name).exists():
            raise Conflict("keys already exist; refusing to overwrite them (rotate instead)",
                           where=str(keys_dir / name))
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(keys_dir, 0o700)
    _write(keys_dir / SIGNING_FILE, _new_key("sig").as_dict(private=True))
    _write(keys_dir / ENCRYPTION_FILE, _new_key("enc").as_dict(private=True))


def load_node_keys(keys_dir: Path) -> NodeKeys:
    """Load this node's keys; refuses missing, malformed or group/world-readable files."""
    keys_dir = Path(keys_dir)
    signing = _load_key(keys_dir / SIGNING_FILE, "sig")
    encryption = _load_key(keys_dir / ENCRYPTION_FILE, "enc")
    ring_path = keys_dir / KEYRING_FILE
    ring = _read_json(ring_path) if ring_path.exists() else {}
    retiring = []
    for i, entry in enumerate(ring.get("retiring", [])):
        where = f"{ring_path}: retiring[{i}]"
        try:
            key = _import_private(entry["jwk"], where)
            not_after = datetime.fromisoformat(str(entry["not_after"]).replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError):
            raise NodeKeysError("needs jwk and not_after", where=where) from None
        if key.kid not in (signing.kid, encryption.kid):  # a rotation cut short
            retiring.append(RetiringKey(key, not_after))
    return NodeKeys(signing, encryption, tuple(retiring),
                    frozenset(str(k) for k in ring.get("revoked", [])))


def rotate_node_keys(keys_dir: Path, *, now: datetime,
                     grace: timedelta = DEFAULT_GRACE, uses: tuple[str, ...] = ("sig", "enc"),
                     ) -> NodeKeys:
    """Make fresh keys active; the old ones keep working until ``now + grace``."""
    current = load_node_keys(keys_dir)
    not_after = now.astimezone(UTC) + grace
    retiring = list(current.retiring)
    new = current
    if "sig" in uses:
        retiring.append(RetiringKey(current.signing, not_after))
        new = replace(new, signing=_new_key("sig"))
    if "enc" in uses:
        retiring.append(RetiringKey(current.encryption, not_after))
        new = replace(new, encryption=_new_key("enc"))
    new = replace(new, retiring=tuple(retiring))
    _save(Path(keys_dir), new)  # keyring first: a crash leaves the old keys usable
    return new


def revoke_key(keys_dir: Path, kid: str, *, now: datetime) -> NodeKeys:
    """Revoke ``kid`` now. An active key is replaced at once, with no grace period."""
    current = load_node_keys(keys_dir)
    if kid in current.revoked:
        return current
    new = current
    if kid == current.signing_kid:
        new = replace(new, signing=_new_key("sig"))
    elif kid == current.encryption_kid:
        new = replace(new, encryption=_new_key("enc"))
    elif not any(r.kid == kid for r in current.retiring):
        raise NotFound(f"no key {kid} in this node's keys", where=str(keys_dir))
    new = replace(new, retiring=tuple(r for r in new.retiring if r.kid != kid),
                  revoked=current.revoked | {kid})
    _save(Path(keys_dir), new)
    return new


def _save(keys_dir: Path, keys: NodeKeys) -> None:
    _write(keys_dir / KEYRING_FILE, {
        "retiring": [{"jwk": r.key.as_dict(private=True),
                      "not_after": r.not_after.isoformat().replace("+00:00", "Z")}
                     for r in keys.retiring],
        "revoked": sorted(keys.revoked),
    })
    _write(keys_dir / SIGNING_FILE, keys.signing.as_dict(private=True))
    _write(keys_dir / ENCRYPTION_FILE, keys.encryption.as_dict(private=True))


def _write(path: Path, data: Any) -> None:
    """Write atomically, created 0600 (never briefly readable by others)."""
    tmp = path.with_name(f".{path.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise NodeKeysError("key file is missing (`accord init` creates the node's keys)",
                            where=str(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise NodeKeysError(f"is readable by others (mode {mode:o}); chmod 600 it",
                           where=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NodeKeysError("is not JSON", where=str(path)) from None
    if not isinstance(data, dict):
        raise NodeKeysError("must hold a JSON object", where=str(path))
    return data


def _load_key(path: Path, use: str) -> OKPKey:
    key = _import_private(_read_json(path), str(path))
    if key.get("use") != use:
        raise NodeKeysError(f"holds a {key.get('use')!r} key, expected {use!r}", where=str(path))
    return key


def _import_private(raw: Any, where: str) -> OKPKey:
    try:
        key = OKPKey.import_key(raw)
    except (JoseError, ValueError, TypeError) as exc:
        raise NodeKeysError(f"not a private OKP JWK: {exc}", where=where) from None
    if not key.is_private or key.get("use") not in ("sig", "enc"):
        raise NodeKeysError("must be a private OKP JWK with use sig or enc", where=where)
    if key.kid is None:
        key.ensure_kid()
    if key.kid != key.thumbprint():
        raise NodeKeysError("kid is not the key's RFC 7638 thumbprint", where=where)
    return key
