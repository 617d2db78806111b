"""C2SP signed notes and checkpoints: byte-exact with the Go reference, strict parsing."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.domain.checkpoint import Checkpoint, SignedCheckpoint
from accord.domain.merkle import EMPTY_ROOT, leaf_hash
from accord.domain.signed_note import (
    InvalidNote,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    SignatureInvalid,
    SignedNote,
    key_id,
)

# golang.org/x/mod/sumdb/note reference key and note (Ed25519 is deterministic).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgY"
           "N1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def signer(name: str, seed: int = 1) -> NoteSigner:
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def test_signing_reproduces_the_go_reference_note_byte_for_byte() -> None:
    go = NoteSigner.from_skey(GO_SKEY)
    assert go.verifier.vkey() == GO_VKEY
    assert SignedNote(GO_TEXT).signed_by(go).format() == GO_NOTE
    note = SignedNote.parse(GO_NOTE)
    assert note.text == GO_TEXT
    assert note.verify([NoteVerifier.from_vkey(GO_VKEY)]) == [go.verifier]


def test_key_id_is_the_first_four_bytes_of_sha256_name_newline_type_key() -> None:
    s = signer("accord.node/CO")
    raw = base64.b64decode(s.verifier.vkey().split("+")[2])[1:]
    expected = hashlib.sha256(b"accord.node/CO\n\x01" + raw).digest()[:4]
    assert key_id("accord.node/CO", s.verifier.public_key) == expected
    assert s.sign("x\n").key_id == expected


def test_a_changed_text_or_signature_is_rejected() -> None:
    vkey = NoteVerifier.from_vkey(GO_VKEY)
    with pytest.raises(SignatureInvalid, match="the signature by PeterNeumann does not verify"):
        SignedNote.parse(GO_NOTE.replace("cryptography", "cryptographY")).verify([vkey])


def test_unknown_signers_are_ignored_but_one_known_signature_is_required() -> None:
    a, b = signer("a.example", 1), signer("b.example", 2)
    note = SignedNote("hello\n").signed_by(a).signed_by(b)
    assert note.verify([a.verifier]) == [a.verifier]
    with pytest.raises(SignatureInvalid, match=r"not signed by any known key \(known: c.example\)"):
        note.verify([signer("c.example", 3).verifier])
    # same name, other key: not "known", so ignored rather than failed
    impostor = signer("a.example", 9)
    assert SignedNote("hello\n").signed_by(impostor).signed_by(b).verify(
        [a.verifier, b.verifier]) == [b.verifier]


def test_notes_round_trip_and_parse_at_the_last_blank_line() -> None:
    a, b = signer("a.example", 1), signer("b.example", 2)
    text = "line one\n\nline three after an empty line\n"
    note = SignedNote(text).signed_by(a).signed_by(b)
    again = SignedNote.parse(note.format())
    assert again == note
    assert again.format() == note.format()
    assert [s.name for s in again.signatures] == ["a.example", "b.example"]


@pytest.mark.parametrize(("raw", "message"), [
    ("text\n\n", "no signature lines"),
    ("text\n", "no blank line between the text and the signatures"),
    ("text\n\n\u2014 a.example AAAA\n", "signature is shorter than its 4-byte key id"),
    ("text\n\n- a.example AAAAAAAA\n", "starts with an em dash"),
    ("text\n\n\u2014 a.example not*base64\n", "is not standard base64"),
    ("text\n\n\u2014 a example AAAAAAAA\n", "expected '\u2014 <name> <base64 signature>'"),
    ("text\n\n\u2014 a+b AAAAAAAA\n", "is not a key name"),
    ("te\txt\n\n\u2014 a.example AAAAAAAA\n", "control characters"),
    ("text\n\n\u2014 a.example AAAAAAAA", "ends with a newline"),
])
def test_malformed_notes_are_refused_saying_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidNote, match=message):
        SignedNote.parse(raw)


def test_bad_key_strings_are_refused() -> None:
    with pytest.raises(InvalidNote, match="key id c74f20a4 does not match the key"):
        NoteVerifier.from_vkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(InvalidNote, match="expected <name>"):
        NoteVerifier.from_vkey("PeterNeumann")
    with pytest.raises(InvalidNote, match="starts with PRIVATE"):
        NoteSigner.from_skey(GO_VKEY)
    with pytest.raises(InvalidNote, match="only Ed25519"):
        NoteVerifier.from_vkey("x+00000000+" + base64.b64encode(b"\x02" + bytes(32)).decode())


def test_checkpoint_body_follows_the_c2sp_format() -> None:
    cp = Checkpoint("accord.node/CO", 20852163, EMPTY_ROOT)
    assert cp.body() == ("accord.node/CO\n20852163\n"
                         + base64.b64encode(EMPTY_ROOT).decode() + "\n")
    assert Checkpoint.parse_body(cp.body()) == cp
    ext = Checkpoint("o", 0, EMPTY_ROOT, ("extension one",))
    assert Checkpoint.parse_body(ext.body()) == ext


@pytest.mark.parametrize(("body", "message"), [
    ("o\n012\n" + base64.b64encode(EMPTY_ROOT).decode() + "\n", "without leading zeros"),
    ("o\n-1\n" + base64.b64encode(EMPTY_ROOT).decode() + "\n", "without leading zeros"),
    ("o\n1\n" + base64.b64encode(b"short").decode() + "\n", "root hash is 5 bytes, not 32"),
    ("o\n1\n", "at least 3 lines"),
    ("\n1\n" + base64.b64encode(EMPTY_ROOT).decode() + "\n", "origin must be one non-empty"),
    ("o\n1\n" + base64.b64encode(EMPTY_ROOT).decode(), "must end with a newline"),
])
def test_malformed_checkpoints_are_refused_saying_why(body: str, message: str) -> None:
    with pytest.raises(InvalidNote, match=message):
        Checkpoint.parse_body(body)


def test_signed_checkpoints_carry_the_log_and_witness_signatures() -> None:
    log, w1, w2 = signer("accord.node/CO", 1), signer("accord.node/MX", 2), signer("x.org/w", 3)
    signed = SignedCheckpoint.sign(Checkpoint("accord.node/CO", 3, leaf_hash(b"r")), log)
    cosigned = signed.cosigned(w1).cosigned(w2)
    text = cosigned.format()
    assert text.startswith(signed.checkpoint.body() + "\n\u2014 accord.node/CO ")
    assert text.count("\n\u2014 ") == 3
    parsed = SignedCheckpoint.parse(text)
    assert parsed.verify(log.verifier, [w1.verifier]) == [w1.verifier]
    assert parsed.cosigners() == ["accord.node/MX", "x.org/w"]
    assert parsed.cosigned(w1) == parsed  # adding the same co-signature twice keeps one


def test_a_checkpoint_must_be_signed_by_its_own_log_key() -> None:
    log, other = signer("accord.node/CO", 1), signer("accord.node/MX", 2)
    cp = Checkpoint("accord.node/CO", 3, leaf_hash(b"r"))
    with pytest.raises(InvalidNote, match="not named after the origin"):
        SignedCheckpoint.sign(cp, other)
    only_witness = SignedCheckpoint(cp, SignedNote(cp.body()).signed_by(other))
    with pytest.raises(SignatureInvalid, match="size 3: not signed by the log key accord.node/CO"):
        only_witness.verify(log.verifier, [other.verifier])
    with pytest.raises(SignatureInvalid, match="is not for origin"):
        SignedCheckpoint.sign(cp, log).verify(other.verifier)
    tampered = SignedCheckpoint.parse(SignedCheckpoint.sign(cp, log).format().replace(
        "\n3\n", "\n4\n"))
    with pytest.raises(SignatureInvalid, match="does not verify"):
        tampered.verify(log.verifier)


def test_signature_lines_parse_back() -> None:
    sig = signer("a.example").sign("t\n")
    assert NoteSignature.parse_line(sig.line().rstrip("\n")) == sig
