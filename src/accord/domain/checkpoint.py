"""Checkpoints: signed tree heads in the C2SP format (https://c2sp.org/tlog-checkpoint).

A checkpoint is a signed note whose text is::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 RFC 9162 root hash>
    [extension lines, non-empty]

The node signs it under its origin name; each witness adds its own signature
line (a co-signature) after checking consistency with the last checkpoint it
saw from that origin (see ``accord.domain.witness``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from accord.domain.merkle import HASH_SIZE
from accord.domain.signed_note import (
    InvalidNote,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    SignatureInvalid,
    SignedNote,
)

_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log (``origin``), how many leaves, which root."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise InvalidNote("origin must be one non-empty line", where="checkpoint: origin")
        if self.size < 0:
            raise InvalidNote(f"tree size {self.size} is negative", where="checkpoint: size")
        if len(self.root) != HASH_SIZE:
            raise InvalidNote(f"root hash is {len(self.root)} bytes, not {HASH_SIZE}",
                              where="checkpoint: root")
        if any(not line or "\n" in line for line in self.extensions):
            raise InvalidNote("extension lines must be non-empty single lines",
                              where="checkpoint: extensions")

    def body(self) -> str:
        """The note text that is signed."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(),
                 *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse_body(cls, text: str, *, where: str = "checkpoint") -> Checkpoint:
        if not text.endswith("\n"):
            raise InvalidNote("checkpoint text must end with a newline", where=where)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidNote("a checkpoint has at least 3 lines: origin, size, root hash",
                              where=where)
        origin, size, root_b64, *extensions = lines
        if not _SIZE.match(size):
            raise InvalidNote(f"tree size {size!r} is not a decimal without leading zeros",
                              where=f"{where}: line 2")
        try:
            root = base64.b64decode(root_b64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidNote("root hash is not standard base64",
                              where=f"{where}: line 3") from None
        if base64.b64encode(root).decode() != root_b64:
            raise InvalidNote("root hash is not canonical base64", where=f"{where}: line 3")
        try:
            return cls(origin, int(size), root, tuple(extensions))
        except InvalidNote as exc:
            raise InvalidNote(exc.message, where=where) from None


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with its signature lines (the log's and its witnesses')."""

    checkpoint: Checkpoint
    note: SignedNote

    @classmethod
    def sign(cls, checkpoint: Checkpoint, signer: NoteSigner) -> SignedCheckpoint:
        """Sign as the log. The signer's name must be the origin (C2SP recommends it;
        Accord requires it, so a partner knows which key to expect)."""
        if signer.name != checkpoint.origin:
            raise InvalidNote(f"the log key {signer.name!r} is not named after the origin "
                              f"{checkpoint.origin!r}", where="checkpoint signer")
        return cls(checkpoint, SignedNote(checkpoint.body()).signed_by(signer))

    @classmethod
    def parse(cls, raw: str | bytes, *, where: str = "checkpoint") -> SignedCheckpoint:
        note = SignedNote.parse(raw, where=where)
        return cls(Checkpoint.parse_body(note.text, where=where), note)

    def format(self) -> str:
        return self.note.format()

    def cosigned(self, witness: NoteSigner) -> SignedCheckpoint:
        """This checkpoint with ``witness``'s co-signature added."""
        return SignedCheckpoint(self.checkpoint, self.note.signed_by(witness))

    def with_signature(self, sig: NoteSignature) -> SignedCheckpoint:
        return SignedCheckpoint(self.checkpoint, self.note.with_signature(sig))

    def verify(self, log_key: NoteVerifier,
               witnesses: Iterable[NoteVerifier] = ()) -> list[NoteVerifier]:
        """Check the log's signature (required) and any known witnesses' co-signatures.

        Returns the witnesses whose co-signature verified. Raises
        ``SignatureInvalid`` if the log did not sign, or any known key's
        signature fails; unknown signers are ignored, as the spec requires.
        """
        where = f"checkpoint {self.checkpoint.origin} size {self.checkpoint.size}"
        if log_key.name != self.checkpoint.origin:
            raise SignatureInvalid(f"log key {log_key.name!r} is not for origin "
                                   f"{self.checkpoint.origin!r}", where=where)
        good = self.note.verify([log_key, *witnesses], where=where, require_one=False)
        if log_key not in good:
            raise SignatureInvalid(f"not signed by the log key {log_key.name}", where=where)
        return [v for v in good if v != log_key]

    def cosigners(self) -> list[str]:
        """Names on the signature lines other than the origin's (not verified)."""
        return [s.name for s in self.note.signatures if s.name != self.checkpoint.origin]
