"""Witnessing: co-sign extensions of what was seen, raise an alert on rewritten history."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.domain.checkpoint import Checkpoint, SignedCheckpoint
from accord.domain.merkle import LeafHashes, consistency_proof, leaf_hash, root
from accord.domain.signed_note import NoteSigner, SignatureInvalid
from accord.domain.witness import InconsistentHistory, witness

LOG = NoteSigner("accord.node/CO", Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32))
WITNESS = NoteSigner("accord.node/MX", Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32))


def log_of(n: int, *, rewrite: int | None = None) -> LeafHashes:
    leaves = [leaf_hash(f"act {i}".encode()) for i in range(n)]
    if rewrite is not None:
        leaves[rewrite] = leaf_hash(b"a rewritten act")
    return LeafHashes(leaves)


def signed(tree: LeafHashes, size: int) -> SignedCheckpoint:
    return SignedCheckpoint.sign(Checkpoint(LOG.name, size, root(tree, size)), LOG)


def test_first_contact_is_co_signed() -> None:
    tree = log_of(10)
    done = witness(log_key=LOG.verifier, last_seen=None, new=signed(tree, 10), proof=[],
                   signer=WITNESS)
    assert done.checkpoint.verify(LOG.verifier, [WITNESS.verifier]) == [WITNESS.verifier]
    assert done.cosignature.name == WITNESS.name


def test_an_extension_of_the_last_checkpoint_is_co_signed() -> None:
    tree = log_of(1000)
    for old, new in [(10, 1000), (1, 2), (512, 513), (999, 1000), (700, 700)]:
        done = witness(log_key=LOG.verifier, last_seen=signed(tree, old), new=signed(tree, new),
                       proof=consistency_proof(old, new, tree), signer=WITNESS)
        assert WITNESS.verifier.verify(done.checkpoint.note.text, done.cosignature)


@pytest.mark.parametrize("changed", [0, 5, 99])
def test_a_log_that_rewrote_history_is_caught(changed: int) -> None:
    honest, forged = log_of(100), log_of(150, rewrite=changed)
    seen = signed(honest, 100)
    new = signed(forged, 150)
    with pytest.raises(InconsistentHistory, match="not an extension of the last checkpoint") as e:
        witness(log_key=LOG.verifier, last_seen=seen, new=new,
                proof=consistency_proof(100, 150, forged), signer=WITNESS)
    alert = e.value
    assert (alert.origin, alert.old, alert.new) == (LOG.name, seen, new)
    assert alert.to_dict()["code"] == "inconsistent_history"
    assert "last seen size 100, new size 150" in str(alert)


def test_a_fork_at_the_same_size_and_a_shrunk_log_are_caught() -> None:
    honest, forged = log_of(100), log_of(100, rewrite=3)
    with pytest.raises(InconsistentHistory, match="same size, different root: the log forked"):
        witness(log_key=LOG.verifier, last_seen=signed(honest, 100), new=signed(forged, 100),
                proof=[], signer=WITNESS)
    with pytest.raises(InconsistentHistory, match="the log shrank"):
        witness(log_key=LOG.verifier, last_seen=signed(honest, 100), new=signed(honest, 90),
                proof=[], signer=WITNESS)


def test_a_checkpoint_not_signed_by_the_log_is_refused_not_alerted() -> None:
    tree = log_of(10)
    impostor = NoteSigner(LOG.name, Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32))
    fake = SignedCheckpoint.sign(Checkpoint(LOG.name, 10, root(tree, 10)), impostor)
    with pytest.raises(SignatureInvalid, match="size 10: not signed by the log key accord.node/CO"):
        witness(log_key=LOG.verifier, last_seen=None, new=fake, proof=[], signer=WITNESS)
