"""``accord audit``: verify (exit 1 naming the first bad index), proof, log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, update
from tests import ledger_tamper as tamper
from tests.federation_kit import make_node, pin

from accord.adapters.ledger import LeafFilter, LeafRow
from accord.adapters.ledger.tables import checkpoints, head, leaf_index, leaves, tiles
from accord.bootstrap import open_node
from accord.domain.ledger_entry import Action, LedgerEntry
from accord.domain.signed_note import NoteSigner
from accord.entrypoints.api.app import create_app
from accord.entrypoints.api.server import serving
from accord.services import ledger
from accord.services.auditing import verify_node
from accord.services.checkpointing import node_signer, sign_checkpoint

from .conftest import NodeFixture, run_cli

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
WITNESS = NoteSigner(ledger.origin_for("co-test"),
                     Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32))


B = 2  # leaves already in a new node's ledger: its first admin and token (accord init)


def fill(node_dir: NodeFixture) -> None:
    """20 acts, a checkpoint co-signed by a partner, then 2 more acts (after ``B``)."""
    with open_node(node_dir.path) as node:
        signer = node_signer(node)
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
        tamper.edit_data(db, B + 7, b"analyst1", b"analyst0")
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


def test_checkpoint_signs_the_head_once_per_change(node_dir: NodeFixture) -> None:
    path = str(node_dir.path)
    first = run_cli("audit", "checkpoint", "--node", path, "--json")
    assert first.exit_code == 0, first.stderr
    body = first.json()
    assert body["size"] == B and body["checkpoint"].startswith(f"accord.node/mx-test\n{B}\n")
    again = run_cli("audit", "checkpoint", "--node", path, "--json").json()
    assert again["size"] == B  # only its own bookkeeping since: not re-issued
    forced = run_cli("audit", "checkpoint", "--node", path, "--force", "--json").json()
    assert forced["size"] == B + 1
    human = run_cli("audit", "checkpoint", "--node", path)
    assert human.exit_code == 0 and "— accord.node/mx-test " in human.stdout


def test_witness_round_over_loopback_cosigns_then_alerts_on_a_rewrite(
        node_dir: NodeFixture, tmp_path: Path) -> None:
    other = make_node(tmp_path / "co", "co-test", "CO")
    with open_node(node_dir.path) as mx, open_node(other) as co, \
            serving(create_app(co)) as co_url, serving(create_app(mx)) as mx_url:
        pin(mx, co, co_url)
        pin(co, mx, mx_url)
        with co.store.unit_of_work() as uow:
            ledger.record_many(uow, [LedgerEntry(Action.MATERIAL_READ, actor="ana",
                                                 subject=f"R-{i}") for i in range(20)])
        sign_checkpoint(co)
        result = run_cli("audit", "witness", "--node", str(node_dir.path), "--json")
        assert result.exit_code == 0, result.stderr
        [outcome] = result.json()["partners"]
        assert (outcome["partner"], outcome["status"]) == ("co-test", "cosigned")
        assert verify_node(co).witnesses == {"accord.node/mx-test": 1}
        with co.store.unit_of_work() as uow:  # co's administrator rewrites leaf 5
            conn = uow.ledger.conn
            rows = list(uow.ledger.tree.leaves())
            rows[5] = LeafRow.of(LedgerEntry(Action.MATERIAL_READ, actor="ana",
                                             subject="forged"), 5)
            for table in (tiles, leaves, leaf_index, checkpoints):
                conn.execute(delete(table))
            conn.execute(update(head).values(size=0))
            uow.ledger.tree.write(uow.ledger.tree.reserve(len(rows)), rows)
        sign_checkpoint(co)
        caught = run_cli("audit", "witness", "--node", str(node_dir.path))
        assert caught.exit_code == 1
        assert "alert" in caught.stdout and "co-test" in caught.stdout
