"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then one line per
signature: ``— <key name> <base64(4-byte key id || Ed25519 signature)>``.
The key id is ``SHA-256(key name || 0x0A || 0x01 || public key)[:4]``.

Keys travel as Go ``sumdb/note`` strings, which every C2SP tool reads:
verifier ``<name>+<hex key id>+<base64(0x01 || public key)>`` and signer
``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>``.

The Ed25519 maths is ``cryptography``'s; this module only frames it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.domain.errors import AccordError

ALG_ED25519 = 0x01
DASH = "\u2014"
MAX_SIGNATURES = 32  # the spec asks verifiers to accept at least 16


class InvalidNote(AccordError):
    """A note, signature line or key string is malformed."""

    code = "invalid_note"
    status = 422


class SignatureInvalid(AccordError):
    """A signature from a known key does not verify, or no known key signed the note."""

    code = "signature_invalid"
    status = 422


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key id of an Ed25519 key (C2SP signed-note, type 0x01)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519])
                          + _raw_public(public_key)).digest()[:4]


def check_key_name(name: str, where: str = "key name") -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise InvalidNote(f"{name!r} is not a key name (non-empty, no spaces, no '+')",
                          where=where)
    return name


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: who (``name`` and ``key_id``) and the raw signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{DASH} {self.name} {blob}\n"

    @classmethod
    def parse_line(cls, line: str, *, where: str = "signature line") -> NoteSignature:
        """Parse ``— name base64`` (without the newline)."""
        prefix = DASH + " "
        if not line.startswith(prefix):
            raise InvalidNote("a signature line starts with an em dash and a space", where=where)
        parts = line[len(prefix):].split(" ")
        if len(parts) != 2:
            raise InvalidNote("expected '— <name> <base64 signature>'", where=where)
        name, blob = check_key_name(parts[0], where), _b64(parts[1], where)
        if len(blob) < 5:
            raise InvalidNote("signature is shorter than its 4-byte key id", where=where)
        return cls(name=name, key_id=blob[:4], signature=blob[4:])


@dataclass(frozen=True)
class NoteVerifier:
    """A public key that may have signed notes: ``name`` and an Ed25519 key."""

    name: str
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def matches(self, sig: NoteSignature) -> bool:
        return sig.name == self.name and sig.key_id == self.key_id

    def verify(self, text: str, sig: NoteSignature) -> bool:
        try:
            self.public_key.verify(sig.signature, text.encode("utf-8"))
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        """The Go ``sumdb/note`` verifier key string."""
        material = base64.b64encode(bytes([ALG_ED25519]) + _raw_public(self.public_key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def from_vkey(cls, vkey: str, *, where: str = "verifier key") -> NoteVerifier:
        name, hexid, material = _split_key(vkey, where)
        raw = _b64(material, where)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise InvalidNote("only Ed25519 keys (type 0x01, 32 bytes) are supported", where=where)
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(raw[1:]))
        if verifier.key_id.hex() != hexid:
            raise InvalidNote(f"key id {hexid} does not match the key", where=where)
        return verifier


@dataclass(frozen=True)
class NoteSigner:
    """A private key that signs notes under ``name``."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.private_key.public_key())

    def sign(self, text: str) -> NoteSignature:
        return NoteSignature(self.name, self.verifier.key_id,
                             self.private_key.sign(text.encode("utf-8")))

    @classmethod
    def from_skey(cls, skey: str, *, where: str = "signer key") -> NoteSigner:
        if not skey.startswith("PRIVATE+KEY+"):
            raise InvalidNote("a signer key starts with PRIVATE+KEY+", where=where)
        name, hexid, material = _split_key(skey[len("PRIVATE+KEY+"):], where)
        raw = _b64(material, where)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise InvalidNote("only Ed25519 keys (type 0x01, 32-byte seed)", where=where)
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.verifier.key_id.hex() != hexid:
            raise InvalidNote(f"key id {hexid} does not match the key", where=where)
        return signer


@dataclass(frozen=True)
class SignedNote:
    """Note ``text`` (ending in a newline) and its signatures, in order."""

    text: str
    signatures: tuple[NoteSignature, ...] = ()

    def __post_init__(self) -> None:
        _check_text(self.text)

    def format(self) -> str:
        return self.text + "\n" + "".join(sig.line() for sig in self.signatures)

    def signed_by(self, signer: NoteSigner) -> SignedNote:
        """This note with ``signer``'s signature added (or kept, if already there)."""
        return self.with_signature(signer.sign(self.text))

    def with_signature(self, sig: NoteSignature) -> SignedNote:
        """Add ``sig`` at the end, or in place of an earlier one from the same key."""
        same = [i for i, s in enumerate(self.signatures)
                if (s.name, s.key_id) == (sig.name, sig.key_id)]
        if not same:
            return SignedNote(self.text, (*self.signatures, sig))
        sigs = list(self.signatures)
        sigs[same[0]] = sig
        return SignedNote(self.text, tuple(s for i, s in enumerate(sigs) if i not in same[1:]))

    def verify(self, verifiers: Iterable[NoteVerifier], *, where: str = "signed note",
               require_one: bool = True) -> list[NoteVerifier]:
        """The known keys whose signatures verify (unknown signers are ignored, per spec).

        Raises ``SignatureInvalid`` if a known key's signature fails, or (with
        ``require_one``) if no known key signed at all.
        """
        known = list(verifiers)
        good: list[NoteVerifier] = []
        for sig in self.signatures:
            for verifier in known:
                if verifier.matches(sig):
                    if not verifier.verify(self.text, sig):
                        raise SignatureInvalid(f"the signature by {sig.name} does not verify",
                                               where=where)
                    good.append(verifier)
        if require_one and not good:
            names = ", ".join(v.name for v in known) or "none"
            raise SignatureInvalid(f"not signed by any known key (known: {names})", where=where)
        return good

    @classmethod
    def parse(cls, raw: str | bytes, *, where: str = "signed note") -> SignedNote:
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidNote("not UTF-8", where=where) from None
        if not raw.endswith("\n"):
            raise InvalidNote("a signed note ends with a newline", where=where)
        # The text ends at the *last* blank line; what follows are signatures.
        split = raw.rfind("\n\n")
        if split < 0:
            raise InvalidNote("no blank line between the text and the signatures", where=where)
        text, sig_block = raw[:split + 1], raw[split + 2:]
        lines = sig_block[:-1].split("\n") if sig_block else []
        if not lines:
            raise InvalidNote("no signature lines", where=where)
        if len(lines) > MAX_SIGNATURES:
            raise InvalidNote(f"more than {MAX_SIGNATURES} signatures", where=where)
        sigs = tuple(NoteSignature.parse_line(line, where=f"{where}: signature {i + 1}")
                     for i, line in enumerate(lines))
        try:
            return cls(text, sigs)
        except InvalidNote as exc:
            raise InvalidNote(exc.message, where=where) from None


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    return _raw_public(public_key)


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise InvalidNote("note text must end with a newline", where="note text")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise InvalidNote("control characters other than newline are not allowed",
                          where="note text")


def _split_key(key: str, where: str) -> tuple[str, str, str]:
    # maxsplit: base64 material may itself contain '+'.
    parts = key.split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise InvalidNote("expected <name>+<8 hex key id>+<base64 key>", where=where)
    try:
        bytes.fromhex(parts[1])
    except ValueError:
        raise InvalidNote(f"key id {parts[1]!r} is not hex", where=where) from None
    return check_key_name(parts[0], where), parts[1], parts[2]


def _b64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidNote(f"{text[:20]!r} is not standard base64", where=where) from None
