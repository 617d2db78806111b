"""Sharing: report changes fill the outbox in the same transaction, only where the policy
allows, and updates, withdrawals and retractions follow to the partners holding the report."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from tests.federation_kit import clause, install, report_doc, signed_agreement

from accord.adapters.store.outbox import HELD, PENDING, OutboxMessage
from accord.bootstrap import Node
from accord.domain.errors import InvalidInput
from accord.services import reports
from accord.services.ingest import import_files
from accord.services.share import release_held


def outbox(node: Node) -> list[OutboxMessage]:
    with node.store.unit_of_work(write=False) as uow:
        return sorted(uow.outbox.list(limit=1000), key=lambda m: m.id)


def create(node: Node, report_id: str, **kw: object) -> None:
    reports.create_report(node.store, report_doc(report_id, **kw),  # type: ignore[arg-type]
                          origin=node.node_id, registry=node.registry)


def test_a_new_report_is_queued_for_the_partner_of_an_active_agreement(
        co_mx: tuple[Node, Node]) -> None:
    co, _mx = co_mx
    create(co, "r1", phone="+57 300 123 4567")
    [message] = outbox(co)
    assert (message.partner, message.kind, message.seq, message.state) == (
        "mx-fgr", "release", 1, PENDING)
    assert (message.agreement_id, message.clause_id, message.report_version) == ("agr-1", "c1", 1)
    body = orjson.loads(message.body)
    assert {s["prop"] for s in body["statements"]} == {"name", "number"}
    assert all(s["origin"] == "co-dijin" for s in body["statements"])
    # pe is a pinned partner with no agreement: it gets nothing


def test_no_agreement_no_outbox(nodes: dict[str, Node]) -> None:
    create(nodes["co"], "r1")
    assert outbox(nodes["co"]) == []


def test_the_outbox_is_written_in_the_transaction_of_the_change(
        co_mx: tuple[Node, Node]) -> None:
    co, _mx = co_mx
    with pytest.raises(InvalidInput):
        reports.create_report(co.store, {"id": "bad", "title": "x", "entities": [
            {"id": "p", "schema": "Person", "properties": {"nope": ["x"]}}]},
            origin=co.node_id, registry=co.registry)
    assert outbox(co) == []

    def explode(_uow: object, _events: list[object]) -> None:
        raise RuntimeError("crash before commit")

    co.store.subscribe(explode)  # runs after the share handler, in the same transaction
    with pytest.raises(RuntimeError):
        create(co, "r1")
    assert outbox(co) == []
    with co.store.unit_of_work(write=False) as uow:
        assert uow.reports.get("r1") is None  # neither the report nor its release


def test_denied_reports_are_not_queued(co_mx: tuple[Node, Node]) -> None:
    co, _mx = co_mx
    create(co, "red", tlp="RED")
    create(co, "other-purpose", purpose="tax audit")
    assert outbox(co) == []


def test_updates_withdrawals_and_retractions_follow(co_mx: tuple[Node, Node]) -> None:
    co, _mx = co_mx
    create(co, "r1")
    reports.update_report(co.store, "r1", report_doc("r1", name="Ana María Example"),
                          registry=co.registry)
    reports.update_report(co.store, "r1", report_doc("r1", tlp="RED"), registry=co.registry)
    reports.update_report(co.store, "r1", report_doc("r1"), registry=co.registry)
    reports.retract_report(co.store, "r1")
    reports.retract_report(co.store, "r1")  # already retracted: nothing more
    assert [(m.kind, m.report_version, m.seq) for m in outbox(co)] == [
        ("release", 1, 1), ("release", 2, 2), ("withdrawal", 3, 3), ("release", 4, 4),
        ("retraction", 5, 5)]
    assert orjson.loads(outbox(co)[2].body)["reason"] == "tlp_red"


def test_a_retraction_goes_only_to_partners_holding_the_report(
        co_mx: tuple[Node, Node]) -> None:
    co, _mx = co_mx
    create(co, "red", tlp="RED")
    reports.retract_report(co.store, "red")
    assert outbox(co) == []


def test_imports_are_shared_too(co_mx: tuple[Node, Node], tmp_path: Path) -> None:
    co, _mx = co_mx
    lines = []
    for i in range(3):
        lines.append({"kind": "report", "id": f"imp-{i}", "title": "Imported",
                      "purpose": "interdiction"})
        lines.append({"kind": "entity", "id": f"imp-{i}-p", "schema": "Person",
                      "report": f"imp-{i}", "properties": {"name": [f"Person {i}"]}})
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    import_files(co.store, [path], origin=co.node_id, registry=co.registry)
    assert [(m.report_id, m.seq) for m in outbox(co)] == [("imp-0", 1), ("imp-1", 2),
                                                          ("imp-2", 3)]
    import_files(co.store, [path], origin=co.node_id, registry=co.registry)  # unchanged
    assert len(outbox(co)) == 3


def test_four_eyes_releases_are_held_until_released(nodes: dict[str, Node]) -> None:
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx], clause(four_eyes=True)))
    create(co, "r1")
    create(co, "r2")
    held = outbox(co)
    assert [(m.state, m.seq) for m in held] == [(HELD, None), (HELD, None)]
    released = release_held(co.store, held[1].id)
    assert released is not None and (released.state, released.seq) == (PENDING, 1)
    assert release_held(co.store, held[1].id) is None  # not held any more


def test_each_partner_gets_its_own_sequence(nodes: dict[str, Node]) -> None:
    co, mx, pe = nodes["co"], nodes["mx"], nodes["pe"]
    install([co, mx, pe], signed_agreement([co, mx, pe]))
    create(co, "r1")
    create(co, "r2")
    seqs = [(m.partner, m.seq) for m in outbox(co)]
    assert seqs == [("mx-fgr", 1), ("pe-dirandro", 1), ("mx-fgr", 2), ("pe-dirandro", 2)]
