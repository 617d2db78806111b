"""A node's own key pairs, as JWK files in the node's ``keys/`` directory.

- ``signing.jwk``: Ed25519 (OKP), signs releases, receipts and ledger checkpoints.
- ``encryption.jwk``: X25519 (OKP), partners encrypt envelopes to it (ECDH-ES).

Private key files are created with mode 0600 inside a 0700 directory, and
never overwritten: losing a node's keys must be a deliberate act.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from joserfc.jwk import OKPKey

from accord.domain.errors import AccordError, Conflict

SIGNING_FILE = "signing.jwk"
ENCRYPTION_FILE = "encryption.jwk"


class NodeKeysError(AccordError):
    """A key file is missing, unreadable or not the expected key type."""

    code = "node_keys"
    status = 500


@dataclass(frozen=True)
class NodeKeys:
    """The node's private keys (joserfc ``OKPKey``), each with its ``kid`` set."""

    signing: OKPKey
    encryption: OKPKey

    @property
    def signing_kid(self) -> str:
        return str(self.signing.kid)

    @property
    def encryption_kid(self) -> str:
        return str(self.encryption.kid)

    def public_jwks(self) -> dict[str, Any]:
        """Both public keys as a JWK Set, for partners."""
        return {"keys": [self.signing.as_dict(private=False),
                         self.encryption.as_dict(private=False)]}


def generate_node_keys(keys_dir: Path) -> None:
    """Create ``keys_dir`` (0700) with a fresh signing and encryption key (0600 each).

    Raises ``Conflict`` if either file already exists; nothing is overwritten.
    """
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    specs: tuple[tuple[str, Literal["Ed25519", "X25519"], str], ...] = (
        (SIGNING_FILE, "Ed25519", "sig"), (ENCRYPTION_FILE, "X25519", "enc"))
    for name, curve, use in specs:
        if (keys_dir / name).exists():
            raise Conflict("key file already exists; refusing to overwrite it",
                           where=str(keys_dir / name))
        key = OKPKey.generate_key(curve, parameters={"use": use}, private=True, auto_kid=True)
        _write_private(keys_dir / name, key.as_dict(private=True))


def load_node_keys(keys_dir: Path) -> NodeKeys:
    """Read both keys; raises ``NodeKeysError`` naming the file when one is missing or wrong."""
    return NodeKeys(
        signing=_read(keys_dir / SIGNING_FILE, "Ed25519"),
        encryption=_read(keys_dir / ENCRYPTION_FILE, "X25519"),
    )


def _write_private(path: Path, jwk: dict[str, Any]) -> None:
    # O_EXCL: never clobber an existing key; the mode is set at creation, so the
    # private key is never readable by others, not even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(jwk, out, indent=2)
        out.write("\n")


def _read(path: Path, curve: str) -> OKPKey:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        key = OKPKey.import_key(raw)
    except FileNotFoundError:
        raise NodeKeysError("key file is missing", where=str(path)) from None
    except (OSError, ValueError, TypeError) as exc:
        raise NodeKeysError(f"not a readable JWK: {exc}", where=str(path)) from None
    if raw.get("crv") != curve or not key.is_private:
        raise NodeKeysError(f"expected a private {curve} key", where=str(path))
    if not raw.get("kid"):
        key.ensure_kid()
    return key
