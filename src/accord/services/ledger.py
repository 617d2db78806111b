"""Ledger use cases: record acts, sign checkpoints, witness partners, prove, list.

Every function works inside the caller's unit of work (``uow.ledger``, see
``ledger_ports``) and never commits: a leaf is written in the same
transaction as the act it records, so either both happen or neither does.

Typical wiring::

    with uow:                                   # one transaction
        ...do the act...
        index = ledger.record(uow, LedgerEntry(Action.REPORT_CREATED, actor=user,
                                               subject=report.id,
                                               hashes={"report": content_hash}))
        uow.commit()

``verify_all`` (the auditor's check) is in ``accord.services.ledger_verify``.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from accord.adapters.ledger.tree import LeafFilter, index_columns
from accord.adapters.store.reports import content_hash
from accord.domain.checkpoint import Checkpoint, SignedCheckpoint
from accord.domain.errors import NotFound
from accord.domain.ledger_entry import MAX_TEXT, Action, LedgerEntry, decode_leaf, utcnow
from accord.domain.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    range_hashes,
    verify_consistency,
    verify_inclusion,
)
from accord.domain.report import Report
from accord.domain.signed_note import NoteSignature, NoteSigner, NoteVerifier, SignatureInvalid
from accord.domain.statement import Statement
from accord.domain.witness import InconsistentHistory, witness
from accord.services.ledger_ports import LedgerUnitOfWork

SYSTEM = "system"
# Leaves about checkpoints themselves: a checkpoint is not re-issued for these
# alone, or two nodes witnessing each other would checkpoint forever.
BOOKKEEPING = {Action.CHECKPOINT_SIGNED.value, Action.CHECKPOINT_WITNESSED.value}


def local_actor() -> str:
    """Who acts through the command line: ``local/<operating-system user>`` (the CLI has
    no API token; whoever can run it on the node's host acts as that account)."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        name = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"local/{name}"[:MAX_TEXT]


def origin_for(node_id: str) -> str:
    """The log origin (and note key name) of a node: ``accord.node/<node id>``."""
    return f"accord.node/{node_id}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def note_hash(note: str) -> str:
    return sha256(note.encode("utf-8"))


def sha256(data: bytes) -> str:
    """A content hash as leaves carry it: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def ids_hash(ids: Iterable[str]) -> str:
    """One content hash for a set of ids (statement ids are themselves content hashes)."""
    return sha256("\n".join(sorted(set(ids))).encode("utf-8"))


# -- recording -------------------------------------------------------------------------


def record(uow: LedgerUnitOfWork, entry: LedgerEntry) -> int:
    """Append one act; returns its ledger index (for receipts and proofs)."""
    return uow.ledger.tree.append([entry])


def record_many(uow: LedgerUnitOfWork, entries: Sequence[LedgerEntry]) -> range:
    """Append several acts in order, in one batch; returns their indices."""
    first = uow.ledger.tree.append(entries)
    return range(first, first + len(entries))


def report_entry(action: Action, report: Report, statements: Iterable[Statement],
                 actor: str) -> LedgerEntry:
    """The leaf for a report created, updated or retracted (ids and hashes only)."""
    hashes = {"report": "sha256:" + content_hash(report)}
    ids = [s.id for s in statements]
    if ids:
        hashes["statements"] = ids_hash(ids)
    return LedgerEntry(action, actor=actor, subject=report.id[:MAX_TEXT],
                       purpose=report.purpose[:MAX_TEXT] or None, hashes=hashes,
                       details={"version": report.version, "origin": report.origin[:MAX_TEXT],
                                "statements": len(ids)})


# -- checkpoints -----------------------------------------------------------------------


def checkpoint(uow: LedgerUnitOfWork, signer: NoteSigner, *, force: bool = False,
               at: datetime | None = None) -> SignedCheckpoint:
    """Sign the current tree head, store it and record that it was signed.

    Returns the latest checkpoint unchanged when nothing but checkpoint
    bookkeeping happened since (unless ``force``) or the size is unchanged.
    """
    ledger = uow.ledger
    size = ledger.tree.reserve(0)  # locks the head: checkpoints are issued one at a time
    latest = ledger.checkpoints.latest()
    if latest is not None:
        if latest.size == size or (not force and _only_bookkeeping(uow, latest.size, size)):
            return SignedCheckpoint.parse(latest.note)
    ledger.tree.index_pending()  # the auditor's index catches up in batches, here
    root = range_hashes([(0, size)], ledger.tree)[0]
    signed = SignedCheckpoint.sign(Checkpoint(signer.name, size, root), signer)
    ledger.checkpoints.add(signed, at)
    record(uow, LedgerEntry(Action.CHECKPOINT_SIGNED, actor=SYSTEM, subject=f"checkpoint/{size}",
                            details={"size": size, "root": b64(root)}, at=at or utcnow()))
    return signed


def latest_checkpoint(uow: LedgerUnitOfWork) -> SignedCheckpoint | None:
    latest = uow.ledger.checkpoints.latest()
    return None if latest is None else SignedCheckpoint.parse(latest.note)


def add_cosignature(uow: LedgerUnitOfWork, size: int, cosignature: NoteSignature | str,
                    witness_key: NoteVerifier) -> SignedCheckpoint:
    """Keep a partner's co-signature on our checkpoint at ``size`` (verified first).

    ``cosignature`` is a ``NoteSignature`` or its signature line. Raises
    ``NotFound`` for an unknown checkpoint, ``SignatureInvalid`` if the
    signature is not ``witness_key``'s over that checkpoint.
    """
    ledger = uow.ledger
    ledger.tree.reserve(0)  # serialise with other note updates
    sig = (NoteSignature.parse_line(cosignature.rstrip("\n"), where="co-signature")
           if isinstance(cosignature, str) else cosignature)
    stored = ledger.checkpoints.get(size)
    if stored is None:
        raise NotFound(f"no checkpoint of size {size}", where="co-signature")
    signed = SignedCheckpoint.parse(stored.note, where=f"checkpoint {size}")
    if not witness_key.matches(sig):
        raise SignatureInvalid(f"the co-signature is by {sig.name} ({sig.key_id.hex()}), "
                               f"not by witness {witness_key.name} ({witness_key.key_id.hex()})",
                               where=f"checkpoint {size}")
    if not witness_key.verify(signed.note.text, sig):
        raise SignatureInvalid(f"the co-signature by {witness_key.name} does not verify",
                               where=f"checkpoint {size}")
    if sig in signed.note.signatures:
        return signed
    updated = signed.with_signature(sig)
    ledger.checkpoints.replace_note(updated)
    cp = signed.checkpoint
    record(uow, LedgerEntry(Action.CHECKPOINT_WITNESSED, actor=SYSTEM, partner=witness_key.name,
                            subject=f"checkpoint/{size}",
                            details={"size": size, "root": b64(cp.root),
                                     "witness": witness_key.name,
                                     "key_id": witness_key.key_id.hex()}))
    return updated


@dataclass(frozen=True)
class WitnessRequest:
    """What a node hands a witness: its latest checkpoint and the proof from ``from_size``."""

    note: str
    from_size: int
    proof: tuple[bytes, ...]

    def to_dict(self) -> dict[str, object]:
        return {"checkpoint": self.note, "from_size": self.from_size,
                "proof": [b64(p) for p in self.proof]}


def witness_request(uow: LedgerUnitOfWork, from_size: int) -> WitnessRequest:
    """Our latest checkpoint and the consistency proof from ``from_size`` (what the
    witness last saw; 0 on first contact). Raises ``NotFound`` before any checkpoint."""
    latest = uow.ledger.checkpoints.latest()
    if latest is None:
        raise NotFound("this node has not signed a checkpoint yet", where="ledger")
    if from_size > latest.size:
        raise NotFound(f"no checkpoint covers size {from_size}; the latest is {latest.size}",
                       where="ledger")
    proof = consistency_proof(from_size, latest.size, uow.ledger.tree)
    return WitnessRequest(latest.note, from_size, tuple(proof))


@dataclass(frozen=True)
class WitnessResult:
    """Either a co-signature to send back, or an alert (already recorded)."""

    cosignature: NoteSignature | None
    alert: InconsistentHistory | None = None


def witness_partner(uow: LedgerUnitOfWork, *, log_key: NoteVerifier, note: str,
                    proof: Sequence[bytes], signer: NoteSigner,
                    earlier_keys: Sequence[NoteVerifier] = ()) -> WitnessResult:
    """Witness a partner's checkpoint ``note`` (signed by ``log_key``).

    Co-signs if it is consistent with the last checkpoint seen from that
    partner (kept per origin), and records the co-signing. If the partner
    rewrote its history, stores the evidence, records a ``witness.alert`` leaf
    and returns the alert instead of raising, so the caller can commit the
    record. Raises ``SignatureInvalid`` / ``InvalidNote`` for a checkpoint
    the partner did not sign.
    """
    ledger = uow.ledger
    new = SignedCheckpoint.parse(note, where=f"checkpoint from {log_key.name}")
    origin = new.checkpoint.origin
    ledger.tree.reserve(0)
    last_note = ledger.seen.get(origin, for_update=True)
    last = None if last_note is None else SignedCheckpoint.parse(last_note)
    try:
        done = witness(log_key=log_key, last_seen=last, new=new, proof=proof, signer=signer,
                       earlier_keys=earlier_keys)
    except InconsistentHistory as alert:
        ledger.seen.add_alert(origin, alert.reason, alert.old.format(), alert.new.format(), proof)
        record(uow, LedgerEntry(
            Action.WITNESS_ALERT, actor=SYSTEM, partner=origin, subject=f"log/{origin}",
            hashes={"old_checkpoint": note_hash(alert.old.format()),
                    "new_checkpoint": note_hash(alert.new.format())},
            details={"origin": origin, "reason": alert.reason[:400],
                     "old_size": alert.old.checkpoint.size,
                     "new_size": alert.new.checkpoint.size}))
        return WitnessResult(None, alert)
    if last is None or last.checkpoint.size != new.checkpoint.size:
        ledger.seen.put(done.checkpoint)
        record(uow, LedgerEntry(
            Action.WITNESS_COSIGNED, actor=SYSTEM, partner=origin, subject=f"log/{origin}",
            details={"origin": origin, "size": new.checkpoint.size,
                     "root": b64(new.checkpoint.root)}))
    return WitnessResult(done.cosignature)


# -- proofs and the auditor's log ------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    """Leaf ``index`` is in the tree of ``size`` whose root is ``root``."""

    index: int
    size: int
    leaf: bytes
    path: tuple[bytes, ...]
    root: bytes
    checkpoint: str | None  # the signed checkpoint of that size, when there is one

    def verify(self) -> None:
        """Raises ``InvalidProof`` unless the proof checks out."""
        verify_inclusion(leaf_hash(self.leaf), self.index, self.size, self.path, self.root)

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, "size": self.size, "leaf": self.leaf.decode("utf-8"),
                "leaf_hash": b64(leaf_hash(self.leaf)), "path": [b64(p) for p in self.path],
                "root": b64(self.root), "checkpoint": self.checkpoint}


def prove_inclusion(uow: LedgerUnitOfWork, index: int, size: int | None = None) -> InclusionProof:
    """Proof that leaf ``index`` is in the log at ``size``.

    ``size`` defaults to the latest checkpoint when it covers ``index`` (so the
    proof checks against a signed, witnessed tree head: what a partner holding
    a receipt wants), else to the current size (``checkpoint`` is then None).
    """
    ledger = uow.ledger
    current = ledger.tree.size()
    if size is None:
        latest = ledger.checkpoints.latest()
        size = latest.size if latest is not None and index < latest.size else current
    elif size > current:
        raise NotFound(f"the log has {current} leaves, fewer than {size}", where="ledger proof")
    row = ledger.tree.leaf(index)
    if row is None or not 0 <= index < size:
        raise NotFound(f"no leaf {index} in a log of size {size}", where="ledger proof")
    path = inclusion_proof(index, size, ledger.tree)
    stored = ledger.checkpoints.get(size)
    return InclusionProof(index, size, row.data, tuple(path),
                          range_hashes([(0, size)], ledger.tree)[0],
                          None if stored is None else stored.note)


def prove_consistency(uow: LedgerUnitOfWork, old_size: int,
                      new_size: int | None = None) -> tuple[bytes, ...]:
    """``PROOF(old_size, D[new_size])``; ``new_size`` defaults to the current size."""
    tree = uow.ledger.tree
    new_size = tree.size() if new_size is None else new_size
    if new_size > tree.size():
        raise NotFound(f"the log has fewer than {new_size} leaves", where="ledger proof")
    proof = tuple(consistency_proof(old_size, new_size, tree))
    old_root, new_root = range_hashes([(0, old_size), (0, new_size)], tree)
    verify_consistency(old_size, new_size, old_root, new_root, proof)  # never serve a bad one
    return proof


@dataclass(frozen=True)
class LoggedEntry:
    index: int
    entry: LedgerEntry

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, **self.entry.to_dict()}


def audit_log(uow: LedgerUnitOfWork, where: LeafFilter) -> list[LoggedEntry]:
    """The auditor's view: entries matching ``where``, oldest first (read from the leaf
    data itself, not from the query columns)."""
    out = []
    for row in uow.ledger.tree.search(where):
        index, entry = decode_leaf(row.data, where=f"leaf {row.index}")
        out.append(LoggedEntry(index, entry))
    return out


def _only_bookkeeping(uow: LedgerUnitOfWork, start: int, stop: int) -> bool:
    if stop - start > 64:
        return False
    rows = uow.ledger.tree.leaves(start, stop)
    return all(index_columns(row.data)[2] in BOOKKEEPING for row in rows)
