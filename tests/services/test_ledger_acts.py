"""Every security-relevant act lands in the ledger in the act's own transaction, on SQLite
and PostgreSQL: reports, imports, reads of partners' material, users and tokens, agreement
steps; and the federation acts recorded through ``uow.ledger`` (a received release, its
receipt's index)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.services.test_receive import post, release, sealed

from accord.adapters.ledger import LeafFilter
from accord.adapters.store import Store
from accord.adapters.store.reports import content_hash
from accord.bootstrap import Node
from accord.domain.agreement import Agreement, AgreementStatus
from accord.domain.errors import Conflict
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.registry import Registry, load_registry
from accord.domain.users import Role
from accord.entrypoints.api.app import create_app
from accord.services import ledger, reports, users
from accord.services.agreements import get_agreement, store_agreement
from accord.services.entities import entity_statements, get_entity
from accord.services.ingest import import_files
from accord.services.ledger_verify import verify_all

HOME = "mx-fgr"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def logged(store: Store, **where: object) -> list[tuple[int, LedgerEntry]]:
    with store.unit_of_work(write=False) as uow:
        found = ledger.audit_log(uow, LeafFilter(limit=1000, **where))  # type: ignore[arg-type]
    return [(e.index, e.entry) for e in found]


def actions(store: Store) -> list[str]:
    return [e.action.value for _, e in logged(store)]


def doc(report_id: str, name: str = "Ana Example") -> dict[str, object]:
    return {"id": report_id, "title": "Go-fast", "purpose": "interdiction",
            "markings": {"tlp": "AMBER"},
            "entities": [{"id": f"{report_id}-p", "schema": "Person",
                          "properties": {"name": [name]}}]}


def test_report_changes_are_recorded_with_who_and_content_hashes(store: Store,
                                                                 registry: Registry) -> None:
    made = reports.create_report(store, doc("r1"), origin=HOME, registry=registry, actor="ana")
    reports.update_report(store, "r1", doc("r1", "Ana B. Example"), registry=registry,
                          actor="ben")
    reports.retract_report(store, "r1", reason="wrong person", actor="ana")
    with pytest.raises(Conflict):  # the act fails: nothing is recorded
        reports.create_report(store, doc("r1"), origin=HOME, registry=registry, actor="eve")
    found = logged(store)
    assert [(e.action.value, e.actor, e.subject) for _, e in found] == [
        ("report.created", "ana", "r1"), ("report.updated", "ben", "r1"),
        ("report.retracted", "ana", "r1")]
    created = found[0][1]
    assert created.hashes["report"] == "sha256:" + content_hash(made.report)
    assert created.hashes["statements"] == ledger.ids_hash(s.id for s in made.statements)
    assert created.purpose == "interdiction" and created.details["version"] == 1
    assert found[2][1].details["version"] == 3
    # content never reaches the ledger, only its hashes
    with store.unit_of_work(write=False) as uow:
        data = b"".join(r.data for r in uow.ledger.tree.leaves())
    assert b"Ana" not in data and b"wrong person" not in data


def test_an_import_records_one_leaf_per_new_or_changed_report(store: Store, registry: Registry,
                                                              tmp_path: Path) -> None:
    lines: list[dict[str, object]] = [{"kind": "report", "id": f"imp-{i}", "title": f"T{i}"}
                                      for i in range(3)]
    lines += [{"kind": "entity", "id": f"p{i}", "schema": "Person", "report": f"imp-{i}",
               "properties": {"name": [f"Person {i}"]}} for i in range(3)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    import_files(store, [path], origin=HOME, registry=registry, actor="importer")
    import_files(store, [path], origin=HOME, registry=registry, actor="importer")  # unchanged
    lines[0]["title"] = "T0, revised"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    import_files(store, [path], origin=HOME, registry=registry, actor="importer")
    assert [(e.action.value, e.subject, e.details["version"]) for _, e in logged(store)] == [
        ("report.created", "imp-0", 1), ("report.created", "imp-1", 1),
        ("report.created", "imp-2", 1), ("report.updated", "imp-0", 2)]


def test_reads_of_partners_material_are_recorded_before_it_is_shown(
        store: Store, registry: Registry) -> None:
    reports.create_report(store, doc("own"), origin=HOME, registry=registry)
    received = reports.create_report(store, doc("theirs", "Juan Perez"), origin="co-dijin",
                                     registry=registry)
    before = len(logged(store))
    get_entity(store, "own-p", registry=registry, reader="ana", home=HOME)
    assert len(logged(store)) == before  # our own material: no record
    get_entity(store, "theirs-p", registry=registry)  # internal read (no reader): no record
    assert len(logged(store)) == before
    get_entity(store, "theirs-p", registry=registry, reader="ana", home=HOME)
    entity_statements(store, "theirs-p", reader="ben", home=HOME)
    reports.get_report(store, "theirs", reader="ana", home=HOME)
    reads = [e for _, e in logged(store, action="material.read")]
    assert [(e.actor, e.subject, e.partner) for e in reads] == [
        ("ana", "entity/theirs-p", "co-dijin"), ("ben", "entity/theirs-p", "co-dijin"),
        ("ana", "report/theirs", "co-dijin")]
    assert reads[0].hashes["statements"] == ledger.ids_hash(
        s.id for s in received.statements)
    assert reads[0].details["reports"] == ("theirs",)
    assert reads[2].purpose == "interdiction"


def test_user_and_token_changes_are_recorded_never_the_secret(store: Store) -> None:
    user, issued = users.add_user(store, "ana", Role.ANALYST, actor="root")
    second = users.create_token(store, "ana", label="laptop", actor="root")
    users.revoke_token(store, second.record.id, actor="root")
    users.revoke_token(store, second.record.id, actor="root")  # again: nothing new
    found = [(e.action.value, e.actor, e.subject, dict(e.details)) for _, e in logged(store)]
    assert found == [
        ("user.created", "root", "user/ana", {"role": "analyst"}),
        ("token.issued", "root", f"token/{issued.record.id}", {"user": "ana"}),
        ("token.issued", "root", f"token/{second.record.id}", {"user": "ana"}),
        ("token.revoked", "root", f"token/{second.record.id}", {"user": "ana"})]
    with store.unit_of_work(write=False) as uow:
        data = b"".join(r.data for r in uow.ledger.tree.leaves())
    for secret in (issued.secret, second.secret):
        assert secret.encode() not in data
        assert hashlib.sha256(secret.encode()).hexdigest().encode() not in data


def test_the_ledger_of_these_acts_verifies(store: Store, registry: Registry) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from accord.domain.signed_note import NoteSigner

    signer = NoteSigner(ledger.origin_for(HOME), Ed25519PrivateKey.generate())
    reports.create_report(store, doc("r1"), origin=HOME, registry=registry, actor="ana")
    with store.unit_of_work() as uow:
        ledger.checkpoint(uow, signer)
    users.add_user(store, "ana", Role.ANALYST)
    with store.unit_of_work(write=False) as uow:
        report = verify_all(uow, signer.verifier)
    assert report.ok and report.size == 4, report.problems  # 1 + checkpoint + 2


def test_a_received_release_is_recorded_and_its_receipt_names_the_leaf(
        co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    with TestClient(create_app(mx)) as inbox:
        [result] = post(inbox, sealed(co, mx, release()))
    assert result["status"] == "accepted" and result["ledger_index"] is not None
    with mx.store.unit_of_work(write=False) as uow:
        proof = ledger.prove_inclusion(uow, result["ledger_index"])
    proof.verify()
    arrival = json.loads(proof.leaf)
    assert (arrival["action"], arrival["partner"], arrival["agreement"]) == (
        "envelope.received", "co-dijin", "agr-1")
    # reading what arrived is recorded with the agreement it arrived under
    get_entity(mx.store, "p1", registry=mx.registry, reader="ana", home=mx.node_id)
    [read] = [e for _, e in logged(mx.store, action="material.read")]
    assert (read.actor, read.partner, read.agreement) == ("ana", "co-dijin", "agr-1")


def test_agreement_lifecycle_steps_are_recorded(co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    [signed] = [e for _, e in logged(mx.store, action="agreement.signed")]
    assert (signed.subject, signed.agreement, signed.details["status"]) == (
        "agreement/agr-1", "agr-1", "active")
    assert signed.details["signed_by"] == ("co-dijin", "mx-fgr")
    active = get_agreement(mx.store, "agr-1")
    draft = Agreement(id="agr-2", title="Draft", parties=("co-dijin", "mx-fgr"),
                      valid_from=active.valid_from, valid_until=active.valid_until,
                      clauses=active.clauses)
    store_agreement(mx.store, draft, actor="liaison")
    store_agreement(mx.store, draft, actor="liaison")  # nothing changed: nothing recorded
    store_agreement(mx.store, draft.propose(), actor="liaison")
    store_agreement(mx.store, replace(active, status=AgreementStatus.REVOKED), actor="liaison")
    steps = [(e.action.value, e.agreement, e.actor) for _, e in logged(mx.store)
             if e.action.value.startswith("agreement.")]
    assert steps == [("agreement.signed", "agr-1", "system"),
                     ("agreement.drafted", "agr-2", "liaison"),
                     ("agreement.proposed", "agr-2", "liaison"),
                     ("agreement.revoked", "agr-1", "liaison")]
