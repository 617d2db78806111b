"""The secrets behind private queries: this node's query secret and what is derived from it.

* The **query secret** (32 random bytes, ``keys/query.secret``, 0600) is made on
  first use and never leaves the node. From it come, per partner, the PSI keys
  (one per kind and epoch: ``accord.adapters.psi.derive_key``) and the
  reference keys (one per kind, stable across epochs, so a follow-up can quote a
  hit's reference days later).
* The **linkage secret** of two nodes, which keys their person CLKs, is agreed
  without sending anything: X25519 between this node's encryption key and the
  partner's pinned one (both sides compute the same value), through HKDF. A key
  rotation on either side changes it; person queries then miss until both
  nodes hold each other's new keys.
* **Ledger hashes** of what was asked are HMACs under the query secret, so a
  ledger leaf never lets anyone test a guessed phone number against it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from accord.adapters.keys import NodeKeys
from accord.adapters.partner_keys import PublicKeys
from accord.adapters.psi import derive_key
from accord.domain.errors import InvalidValue

SECRET_FILE = "query.secret"
SECRET_BYTES = 32
EPOCH = timedelta(days=1)

_lock = threading.Lock()
_secrets: dict[Path, bytes] = {}


def query_secret(keys_dir: Path) -> bytes:
    """This node's query secret, made (0600, exclusively) on first use."""
    path = Path(keys_dir) / SECRET_FILE
    with _lock:
        found = _secrets.get(path)
        if found is not None:
            return found
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            found = path.read_bytes()
        else:
            found = secrets.token_bytes(SECRET_BYTES)
            with os.fdopen(fd, "wb") as out:
                out.write(found)
        if len(found) != SECRET_BYTES:  # another process is still writing it
            found = path.read_bytes()
        _secrets[path] = found
        return found


def epoch_of(now: datetime) -> tuple[str, datetime]:
    """The PSI key epoch at ``now`` (a UTC day) and when it ends."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.date().isoformat(), day + EPOCH


def psi_key(secret: bytes, partner: str, kind: str, epoch: str) -> bytes:
    """The owner's PSI key for ``partner``'s queries of ``kind`` during ``epoch``."""
    return derive_key(secret, f"psi/{partner}/{kind}/{epoch}")


def reference_key(secret: bytes, partner: str, kind: str) -> bytes:
    """The key of the references this node gives ``partner`` for ``kind`` (stable)."""
    return _hkdf(secret, f"accord/reference/{partner}/{kind}")


def linkage_secret(keys: NodeKeys, partner: PublicKeys, *, me: str) -> bytes:
    """The secret two nodes share for CLKs (the same on both sides)."""
    theirs = partner.encryption_key().key.public_key
    mine = keys.encryption.private_key
    if not isinstance(mine, X25519PrivateKey) or not isinstance(theirs, X25519PublicKey):
        raise InvalidValue("encryption keys must be X25519", where="linkage secret")
    shared = mine.exchange(theirs)
    pair = "/".join(sorted((me, partner.node_id)))
    return _hkdf(shared, f"accord/linkage/{pair}")


def ledger_hash(secret: bytes, items: Iterable[str]) -> str:
    """``sha256:<hex>`` of what was asked: an HMAC under the query secret, never guessable."""
    digest = hmac.new(secret, "\n".join(sorted(items)).encode(), hashlib.sha256).hexdigest()
    return f"sha256:{digest}"


def _hkdf(secret: bytes, info: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=b"accord/queries/v1", info=info.encode()).derive(secret)
