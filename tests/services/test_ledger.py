"""Ledger services: recording, checkpoints, witnessing between nodes, and the auditor's
full verification catching every kind of tampering (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, delete, insert, select, update
from tests import ledger_tamper as tamper

from accord.adapters.ledger import LeafFilter, LedgerStore, create_ledger_tables
from accord.adapters.ledger.tables import checkpoints, head, leaf_index, leaves, tiles
from accord.adapters.ledger.tree import LeafRow
from accord.adapters.store.engine import create_store_engine
from accord.domain.checkpoint import Checkpoint, SignedCheckpoint
from accord.domain.errors import NotFound
from accord.domain.ledger_entry import Action, LedgerEntry, decode_leaf, encode_leaf
from accord.domain.merkle import InvalidProof, verify_consistency
from accord.domain.signed_note import NoteSigner, SignatureInvalid
from accord.services import ledger
from accord.services.ledger_verify import VerifyReport, verify_all

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
CO = NoteSigner(ledger.origin_for("CO"), Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32))
MX = NoteSigner(ledger.origin_for("MX"), Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32))
PE = NoteSigner(ledger.origin_for("PE"), Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32))


class Uow:
    def __init__(self, engine: Engine) -> None:
        self.conn = engine.connect().execution_options(accord_write=True)
        self.ledger = LedgerStore(self.conn)


@contextmanager
def unit(engine: Engine) -> Iterator[Uow]:
    uow = Uow(engine)
    with uow.conn, uow.conn.begin():
        yield uow


def make_engine(url: str) -> Engine:
    eng = create_store_engine(url)
    with eng.begin() as conn:
        create_ledger_tables(conn)
    return eng


@pytest.fixture
def co(store_url: str) -> Iterator[Engine]:
    eng = make_engine(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def mx(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'mx.db'}")
    yield eng
    eng.dispose()


def act(i: int, **kw: object) -> LedgerEntry:
    action = kw.pop("action", Action.MATERIAL_READ)
    return LedgerEntry(action, actor=f"analyst{i % 2}", subject=f"R-{i}",  # type: ignore[arg-type]
                       at=T0 + timedelta(minutes=i), **kw)  # type: ignore[arg-type]


def witness_round(co: Engine, mx: Engine) -> None:
    """MX witnesses CO's latest checkpoint and CO keeps the co-signature."""
    with unit(mx) as uow:
        seen = uow.ledger.seen.origins().get(CO.name, 0)
    with unit(co) as uow:
        request = ledger.witness_request(uow, seen)
    with unit(mx) as uow:
        result = ledger.witness_partner(uow, log_key=CO.verifier, note=request.note,
                                        proof=request.proof, signer=MX)
    assert result.cosignature is not None and result.alert is None
    with unit(co) as uow:
        size = int(request.note.split("\n")[1])
        ledger.add_cosignature(uow, size, result.cosignature.line(), MX.verifier)


def build(co: Engine, mx: Engine) -> None:
    """A log of 100 acts and 3 checkpoints, each witnessed by MX."""
    for start, stop in [(0, 40), (40, 41), (41, 100)]:
        with unit(co) as uow:
            ledger.record_many(uow, [act(i) for i in range(start, stop)])
            ledger.checkpoint(uow, CO)
        witness_round(co, mx)


def verify(co: Engine) -> VerifyReport:
    with unit(co) as uow:
        return verify_all(uow, CO.verifier, [MX.verifier])


# -- recording, checkpoints, proofs --------------------------------------------------


def test_acts_get_consecutive_indices_and_the_auditor_reads_them_back(co: Engine) -> None:
    with unit(co) as uow:
        assert ledger.record(uow, act(0)) == 0
        assert ledger.record_many(uow, [act(1), act(2, agreement="AG-1")]) == range(1, 3)
        found = ledger.audit_log(uow, LeafFilter(agreement="AG-1"))
    assert [(e.index, e.entry.subject) for e in found] == [(2, "R-2")]
    assert found[0].to_dict()["index"] == 2
    with pytest.raises(RuntimeError), unit(co) as uow:
        ledger.record(uow, act(3))
        raise RuntimeError("the act failed")
    with unit(co) as uow:
        assert uow.ledger.tree.size() == 3


def test_checkpoints_are_signed_recorded_and_not_reissued_for_bookkeeping(co: Engine) -> None:
    with unit(co) as uow:
        ledger.record_many(uow, [act(i) for i in range(5)])
        first = ledger.checkpoint(uow, CO)
        assert (first.checkpoint.size, first.verify(CO.verifier)) == (5, [])
        assert uow.ledger.tree.size() == 6  # + the checkpoint.signed leaf
        assert ledger.checkpoint(uow, CO) == first
        again = ledger.checkpoint(uow, CO, force=True)
        assert again.checkpoint.size == 6
        ledger.record(uow, act(9))
        assert ledger.checkpoint(uow, CO).checkpoint.size == 8
        signed = ledger.audit_log(uow, LeafFilter(action="checkpoint.signed"))
    assert [(e.index, e.entry.details["size"]) for e in signed] == [(5, 5), (6, 6), (8, 8)]


def test_inclusion_and_consistency_proofs_for_receipts(co: Engine) -> None:
    with unit(co) as uow:
        ledger.record_many(uow, [act(i) for i in range(30)])
        uncovered = ledger.prove_inclusion(uow, 3)  # no checkpoint yet: the current size
        assert (uncovered.size, uncovered.checkpoint) == (30, None)
        uncovered.verify()
        cp = ledger.checkpoint(uow, CO)
        proof = ledger.prove_inclusion(uow, 17)
        proof.verify()
        assert proof.size == 30 and proof.root == cp.checkpoint.root
        assert proof.checkpoint == cp.format()
        assert decode_leaf(proof.leaf)[0] == 17 and proof.to_dict()["index"] == 17
        ledger.prove_inclusion(uow, 30, size=31).verify()
        assert ledger.prove_inclusion(uow, 30).size == 31  # beyond the checkpoint: current
        with pytest.raises(NotFound, match="no leaf 40 in a log of size 30"):
            ledger.prove_inclusion(uow, 40, size=30)
        with pytest.raises(NotFound, match="the log has 31 leaves, fewer than 99"):
            ledger.prove_inclusion(uow, 1, size=99)
        old, new = uow.ledger.tree.root(10), uow.ledger.tree.root(31)
        verify_consistency(10, 31, old, new, ledger.prove_consistency(uow, 10))
        with pytest.raises(NotFound, match="fewer than 99 leaves"):
            ledger.prove_consistency(uow, 10, 99)


# -- witnessing ------------------------------------------------------------------------


def test_partners_witness_each_checkpoint_and_the_node_keeps_their_cosignatures(
        co: Engine, mx: Engine) -> None:
    build(co, mx)
    report = verify(co)
    assert report.ok, report.problems
    assert report.witnesses == {MX.name: 3}
    assert (report.size, report.latest_checkpoint) == (106, 104)
    with unit(co) as uow:
        witnessed = ledger.audit_log(uow, LeafFilter(action="checkpoint.witnessed"))
        assert [e.entry.partner for e in witnessed] == [MX.name] * 3
        with pytest.raises(SignatureInvalid, match="not by witness accord.node/PE"):
            ledger.add_cosignature(uow, 104, MX.sign("x\n"), PE.verifier)
        with pytest.raises(SignatureInvalid, match="co-signature by accord.node/MX does not"):
            ledger.add_cosignature(uow, 104, MX.sign("another text\n"), MX.verifier)
        with pytest.raises(NotFound, match="no checkpoint of size 7"):
            ledger.add_cosignature(uow, 7, MX.sign("x\n"), MX.verifier)
    with unit(mx) as uow:
        cosigned = ledger.audit_log(uow, LeafFilter(action="witness.cosigned"))
        assert [e.entry.details["size"] for e in cosigned] == [40, 43, 104]


def test_a_node_that_rewrites_its_history_is_caught_by_its_witness(
        co: Engine, mx: Engine) -> None:
    build(co, mx)
    rewrite_consistently(co, 7, "a read that never happened")
    with unit(co) as uow:
        ledger.record(uow, act(200))
        forged = ledger.checkpoint(uow, CO)  # signed with the node's real key
        request = ledger.witness_request(uow, 104)  # the proof the forged log can give
    with unit(mx) as uow:
        result = ledger.witness_partner(uow, log_key=CO.verifier, note=request.note,
                                        proof=request.proof, signer=MX)
    assert result.cosignature is None and result.alert is not None
    assert "not an extension of the last checkpoint" in result.alert.reason
    with unit(mx) as uow:
        (alert,) = uow.ledger.seen.alerts(CO.name)
        assert alert.new_note == forged.format() and alert.proof == request.proof
        assert uow.ledger.seen.origins() == {CO.name: 104}  # still what it had co-signed
        (leaf,) = ledger.audit_log(uow, LeafFilter(action="witness.alert"))
        assert leaf.entry.details["origin"] == CO.name
        assert leaf.entry.details["old_size"] == 104
    assert not verify(co).ok


def test_a_checkpoint_from_someone_else_is_refused(co: Engine, mx: Engine) -> None:
    build(co, mx)
    with unit(co) as uow:
        note = ledger.latest_checkpoint(uow)
    assert note is not None
    with unit(mx) as uow, pytest.raises(SignatureInvalid, match="is not for origin"):
        ledger.witness_partner(uow, log_key=PE.verifier, note=note.format(), proof=(),
                               signer=MX)


# -- tampering: every change is caught, naming the first bad index ---------------------


def exec_(co: Engine, *statements: object) -> None:
    with co.begin() as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[call-overload]


def leaf_row(co: Engine, index: int) -> LeafRow:
    with unit(co) as uow:
        row = uow.ledger.tree.leaf(index)
    assert row is not None
    return row


def rewrite_consistently(co: Engine, index: int, subject: str) -> None:
    """What an administrator with full database access could do: change a leaf and
    recompute its hash, every tile and the head, so the tables agree with each other."""
    with unit(co) as uow:
        rows = list(uow.ledger.tree.leaves())
    old = rows[index]
    _, entry = decode_leaf(old.data)
    forged = LedgerEntry(entry.action, actor=entry.actor, subject=subject, at=entry.at)
    rows[index] = LeafRow.of(forged, index)
    exec_(co, delete(tiles), delete(leaves), delete(leaf_index), update(head).values(size=0))
    with unit(co) as uow:
        first = uow.ledger.tree.reserve(len(rows))
        uow.ledger.tree.write(first, rows)
        uow.ledger.tree.index_pending()


def tampered(co: Engine, how: Callable[[Connection], None]) -> None:
    with co.begin() as conn:
        how(conn)


def swap(co: Engine, i: int, j: int) -> None:
    a, b = leaf_row(co, i), leaf_row(co, j)
    tampered(co, lambda c: tamper.edit(c, i, lambda _: replace(b, index=i)))
    tampered(co, lambda c: tamper.edit(c, j, lambda _: replace(a, index=j)))


def edit_data(co: Engine, i: int) -> None:
    tampered(co, lambda c: tamper.edit_data(c, i, b"R-", b"X-"))


def edit_data_and_hash(co: Engine, i: int) -> None:
    tampered(co, lambda c: tamper.edit_data(c, i, b"R-", b"X-", rehash=True))
    exec_(co, update(leaf_index).where(leaf_index.c.idx == i).values(
        subject=decode_leaf(leaf_row(co, i).data)[1].subject))


def insert_leaf(co: Engine, i: int) -> None:
    """Shift leaves i.. up by one and slip a well-formed leaf in at i."""
    tampered(co, lambda c: tamper.insert_leaf(c, i, LeafRow.of(act(500), i)))


def strip_cosignature(co: Engine, size: int) -> None:
    with co.begin() as conn:
        note = conn.execute(select(checkpoints.c.note).where(checkpoints.c.size == size)).scalar()
        kept = "".join(line for line in str(note).splitlines(keepends=True)
                       if MX.name not in line)
        conn.execute(update(checkpoints).where(checkpoints.c.size == size).values(note=kept))


# (what the tamperer does, expected first bad index, kind of the first problem)
TAMPERING: list[tuple[str, Callable[[Engine], None], int | None, str]] = [
    ("change a leaf's data", lambda e: edit_data(e, 23), 23, "leaf"),
    ("change data and hash", lambda e: edit_data_and_hash(e, 23), 16, "tiles"),
    ("change the auditor's index", lambda e: exec_(e, update(leaf_index).where(
        leaf_index.c.idx == 30).values(actor="nobody")), 30, "index"),
    ("delete a row of the auditor's index", lambda e: exec_(e, delete(leaf_index).where(
        leaf_index.c.idx == 31)), 31, "index"),
    ("delete a leaf", lambda e: tampered(e, lambda c: tamper.delete_leaf(c, 12)), 12,
     "missing"),
    ("cut a leaf out of its bundle", lambda e: tampered(e, lambda c: tamper.cut_leaf(c, 12)),
     12, "leaf"),
    ("delete the last leaf", lambda e: tampered(e, lambda c: tamper.delete_leaf(c, 105)),
     105, "missing"),
    ("delete a whole bundle", lambda e: exec_(e, delete(leaves).where(
        leaves.c.first_idx == 45)), 45, "missing"),
    ("damage a bundle's end offsets", lambda e: tampered(e, lambda c: tamper.damage_ends(c, 60)),
     45, "leaf"),
    ("slip in an overlapping bundle", lambda e: tampered(e, lambda c: tamper.add(
        c, 30, [LeafRow.of(act(30, purpose="slipped in"), 30)])), 30, "extra"),
    ("swap two leaves", lambda e: swap(e, 5, 60), 5, "leaf"),
    ("insert a leaf", lambda e: insert_leaf(e, 50), 50, "index"),  # and "leaf" at 51
    ("append a leaf behind the head", lambda e: exec_(e, insert(leaves).values(
        LeafRow.of(act(7), 106).values())), 106, "extra"),
    ("rewrite consistently", lambda e: rewrite_consistently(e, 7, "forged"), 0, "checkpoint"),
    ("alter a tile", lambda e: exec_(e, update(tiles).where(tiles.c.level == 4,
                                                            tiles.c.idx == 3)
                                     .values(hash=bytes(32))), 48, "tiles"),
    ("delete a checkpoint", lambda e: exec_(e, delete(checkpoints).where(
        checkpoints.c.size == 43)), 43, "checkpoint"),
    ("strip a co-signature", lambda e: strip_cosignature(e, 40), 41, "checkpoint"),
    ("change a checkpoint's size", lambda e: exec_(e, update(checkpoints).where(
        checkpoints.c.size == 40).values(size=39)), 40, "checkpoint"),
]


@pytest.mark.parametrize(("how", "tamper", "first_bad", "kind"), TAMPERING,
                         ids=[t[0] for t in TAMPERING])
def test_verify_all_catches_tampering_and_names_the_first_bad_index(
        co: Engine, mx: Engine, how: str, tamper: Callable[[Engine], None],
        first_bad: int | None, kind: str) -> None:
    build(co, mx)
    assert verify(co).ok
    tamper(co)
    report = verify(co)
    assert not report.ok, how
    assert report.first_bad_index == first_bad, report.problems
    first = min(report.problems, key=lambda p: (p.index is None, p.index or 0))
    assert first.kind == kind, report.problems
    assert report.to_dict()["ok"] is False


def test_a_forged_checkpoint_and_an_unknown_cosigner_are_reported(co: Engine,
                                                                  mx: Engine) -> None:
    build(co, mx)
    with unit(co) as uow:
        stored = uow.ledger.checkpoints.get(104)
        assert stored is not None
        note = SignedCheckpoint.parse(stored.note).cosigned(PE)
        uow.ledger.checkpoints.replace_note(note)
    report = verify(co)
    assert report.ok and report.unknown_signers == [PE.name]
    impostor = NoteSigner(CO.name, Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32))
    with unit(co) as uow:
        forged = SignedCheckpoint.sign(
            Checkpoint(CO.name, 50, uow.ledger.tree.root(50)), impostor)
        uow.ledger.checkpoints.add(forged)
    problems = verify(co).problems
    assert [p.message for p in problems if p.checkpoint == 50] == [
        "checkpoint accord.node/CO size 50: not signed by the log key accord.node/CO",
        "checkpoint 50 has no checkpoint.signed leaf: not issued by this log"]


def test_leaf_bytes_are_what_encode_leaf_gives(co: Engine) -> None:
    with unit(co) as uow:
        ledger.record(uow, act(0))
        row = uow.ledger.tree.leaf(0)
    assert row is not None and row.data == encode_leaf(act(0), 0)
    with pytest.raises(InvalidProof):
        verify_consistency(1, 2, bytes(32), bytes(32), [bytes(32)])
