"""Witnessing a partner's log: co-sign a checkpoint only if it extends the last one seen.

A witness keeps, per origin, the last checkpoint it co-signed. Given a new
checkpoint and a consistency proof from that old size, it co-signs when:

- the log's own signature verifies (else ``SignatureInvalid``: not the log's
  fault necessarily, just not evidence);
- the new tree is at least as large as the old one, and
- the proof shows the old tree is a prefix of the new one.

Otherwise the partner has rewritten (or forked) its history: ``witness``
raises ``InconsistentHistory``, carrying both signed checkpoints as evidence
(two checkpoints signed by the same key that cannot both be true).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accord.domain.checkpoint import SignedCheckpoint
from accord.domain.errors import AccordError
from accord.domain.merkle import InvalidProof, verify_consistency
from accord.domain.signed_note import NoteSignature, NoteSigner, NoteVerifier


class InconsistentHistory(AccordError):
    """A partner's new checkpoint contradicts one it signed before: an alert, with evidence."""

    code = "inconsistent_history"
    status = 409

    def __init__(self, reason: str, *, origin: str, old: SignedCheckpoint,
                 new: SignedCheckpoint) -> None:
        self.reason = reason
        self.origin = origin
        self.old = old
        self.new = new
        super().__init__(
            f"{reason} (last seen size {old.checkpoint.size}, new size {new.checkpoint.size})",
            where=f"log {origin}",
        )

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body.update(origin=self.origin, reason=self.reason,
                    old_checkpoint=self.old.format(), new_checkpoint=self.new.format())
        return body


@dataclass(frozen=True)
class Cosigned:
    """The outcome of a successful witnessing: the co-signature and the new state to keep."""

    cosignature: NoteSignature
    checkpoint: SignedCheckpoint  # the new checkpoint, with the co-signature added


def witness(*, log_key: NoteVerifier, last_seen: SignedCheckpoint | None,
            new: SignedCheckpoint, proof: Sequence[bytes], signer: NoteSigner,
            earlier_keys: Sequence[NoteVerifier] = ()) -> Cosigned:
    """Check ``new`` against ``last_seen`` (``None``: first contact) and co-sign it.

    ``proof`` is the consistency proof from ``last_seen``'s size to ``new``'s
    (ignored on first contact). ``last_seen`` may have been signed by one of
    ``earlier_keys`` (the log rotated its key since). Raises ``SignatureInvalid``
    if the log did not sign ``new`` (or ``last_seen``), ``InconsistentHistory``
    if it rewrote history.
    """
    new.verify(log_key)
    origin = new.checkpoint.origin
    if last_seen is not None:
        first = last_seen.note.signatures[0] if last_seen.note.signatures else None
        last_key = next((k for k in earlier_keys if first is not None and k.matches(first)),
                        log_key)
        last_seen.verify(last_key)
        old, cur = last_seen.checkpoint, new.checkpoint
        if old.origin != origin:
            raise ValueError(f"last seen checkpoint is from {old.origin}, not {origin}")
        if cur.size < old.size:
            raise InconsistentHistory("the log shrank: a checkpoint smaller than one it "
                                      "signed before", origin=origin, old=last_seen, new=new)
        try:
            verify_consistency(old.size, cur.size, old.root, cur.root, proof)
        except InvalidProof as exc:
            reason = ("same size, different root: the log forked"
                      if cur.size == old.size else f"not an extension of the last checkpoint: "
                                                   f"{exc.message}")
            raise InconsistentHistory(reason, origin=origin, old=last_seen, new=new) from None
    sig = signer.sign(new.checkpoint.body())
    return Cosigned(sig, new.with_signature(sig))
