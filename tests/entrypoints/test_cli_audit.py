"""``accord audit``: verify (exit 1 naming the first bad index), proof, log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.adapters.ledger import LeafFilter
from accord.bootstrap import open_node
from accord.domain.ledger_entry import Action, LedgerEntry
from accord.domain.signed_note import NoteSigner
from accord.services import ledger

from .conftest import NodeFixture, run_cli

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
WITNESS = NoteSigner(ledger.origin_for("co-test"),
                     Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32))


B = 2  # leaves already in a new node's ledger: its first admin and token (accord init)


def fill(node_dir: NodeFixture) -> None:
    """20 acts, a checkpoint co-signed by a partner, then 2 more acts (after ``B``)."""
    with open_node(node_dir.path) as node:
        signer = NoteSigner(ledger.origin_for(node.node_id), node.keys.signing.private_key)
        with node.store.unit_of_work() as uow:
            assert [e.entry.action for e in ledger.audit_log(uow, LeafFilter())] == [
                Action.USER_CREATED, Action.TOKEN_ISSUED]
            ledger.record_many(uow, [
                LedgerEntry(Action.MATERIAL_READ, actor=f"analyst{i % 2}", subject=f"R-{i}",
                            agreement="AG-1" if i % 5 == 0 else None,
                            at=T0 + timedelta(hours=i)) for i in range(20)])
            cp = ledger.checkpoint(uow, signer)
            ledger.add_cosignature(uow, B + 20, WITNESS.sign(cp.checkpoint.body()),
                                   WITNESS.verifier)
            ledger.record_many(uow, [
                LedgerEntry(Action.REPORT_CREATED, actor="analyst0", subject="R-99",
                            at=T0 + timedelta(days=2)) for _ in range(2)])


def test_verify_passes_on_an_untouched_ledger_and_counts_witnesses(node_dir: NodeFixture) -> None:
    fill(node_dir)
    plain = run_cli("audit", "verify", "--node", str(node_dir.path))
    assert plain.exit_code == 0, plain.stderr
    assert f"OK: {B + 24} of {B + 24} leaves, 1 checkpoints" in plain.stdout
    result = run_cli("audit", "verify", "--node", str(node_dir.path), "--json",
                     "--witness-key", WITNESS.verifier.vkey())
    body = result.json()
    assert result.exit_code == 0 and body["ok"] is True
    assert body["witnesses"] == {WITNESS.name: 1} and body["unknown_signers"] == []
    assert body["first_bad_index"] is None and body["latest_checkpoint"] == B + 20


def test_verify_fails_and_names_the_first_bad_index(node_dir: NodeFixture) -> None:
    fill(node_dir)
    with sqlite3.connect(node_dir.path / "accord.db") as db:
        data = db.execute("SELECT data FROM ledger_leaves WHERE idx = ?", (B + 7,)).fetchone()[0]
        db.execute("UPDATE ledger_leaves SET data = ? WHERE idx = ?",
                   (data.replace(b"analyst1", b"analyst0"), B + 7))
    result = run_cli("audit", "verify", "--node", str(node_dir.path), "--json")
    body = result.json()
    assert result.exit_code == 1
    assert body["ok"] is False and body["first_bad_index"] == B + 7
    assert body["unknown_signers"] == [WITNESS.name]
    human = run_cli("audit", "verify", "--node", str(node_dir.path))
    assert human.exit_code == 1 and f"first bad index: {B + 7}" in human.stdout
    assert f"leaf {B + 7}: stored hash is not the hash of its data" in human.stdout


def test_proof_prints_a_checked_proof_against_the_checkpoint(node_dir: NodeFixture) -> None:
    fill(node_dir)
    body = run_cli("audit", "proof", "--node", str(node_dir.path), "5", "--json").json()
    assert (body["index"], body["size"]) == (5, B + 20)
    assert body["checkpoint"].startswith(f"accord.node/mx-test\n{B + 20}\n")
    assert len(body["path"]) == 5
    latest = run_cli("audit", "proof", "--node", str(node_dir.path), str(B + 22),
                     "--json").json()
    assert (latest["size"], latest["checkpoint"]) == (B + 24, None)
    missing = run_cli("audit", "proof", "--node", str(node_dir.path), "99", "--json")
    assert missing.exit_code == 1
    assert missing.json()["error"]["message"] == f"no leaf 99 in a log of size {B + 24}"


def test_log_filters_and_pages(node_dir: NodeFixture) -> None:
    fill(node_dir)
    path = str(node_dir.path)
    by_agreement = run_cli("audit", "log", "--node", path, "--agreement", "AG-1", "--json")
    assert [e["index"] for e in by_agreement.json()["entries"]] == [B, B + 5, B + 10, B + 15]
    page = run_cli("audit", "log", "--node", path, "--actor", "analyst1", "--after",
                   str(B + 10), "--limit", "2", "--json").json()["entries"]
    assert [e["index"] for e in page] == [B + 11, B + 13]
    since = run_cli("audit", "log", "--node", path, "--since", "2026-03-06T00:00",
                    "--action", "report.created", "--json").json()["entries"]
    assert [e["index"] for e in since] == [B + 22, B + 23]
    assert since[0]["subject"] == "R-99"
    table = run_cli("audit", "log", "--node", path, "--action", "checkpoint.witnessed")
    assert table.exit_code == 0 and f"│ {B + 21} " in table.stdout  # the co-signature's leaf
    bad = run_cli("audit", "log", "--node", path, "--since", "yesterday", "--json")
    assert bad.exit_code == 1 and bad.json()["error"]["where"] == "--since"
