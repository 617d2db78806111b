"""The federation tables on PostgreSQL: a node on PostgreSQL receives (idempotently) and
queues releases in order, exactly as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.federation_kit import install, pin, report_doc, signed_agreement

from accord.bootstrap import Node, init_node, open_node
from accord.entrypoints.api.app import create_app
from accord.services import reports
from accord.services.dispatch import seal_message
from accord.services.search import search

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_node(postgres_url: str, tmp_path: Path) -> Iterator[Node]:
    made = init_node(tmp_path / "pg", node_id="bo-felcn", country="BO", db_url=postgres_url)
    made.node.close()
    with open_node(tmp_path / "pg") as node:
        yield node


def test_a_postgres_node_receives_and_shares(nodes: dict[str, Node], pg_node: Node) -> None:
    co = nodes["co"]
    pin(co, pg_node, "http://bo.test")
    pin(pg_node, co, "http://co.test")
    install([co, pg_node], signed_agreement([co, pg_node]))
    for i in range(3):
        reports.create_report(co.store, report_doc(f"r{i}", name=f"Juan Perez {i}"),
                              origin=co.node_id, registry=co.registry)
    with co.store.unit_of_work(write=False) as uow:
        partner = uow.partners.get(pg_node.node_id)
        pending = uow.outbox.pending(pg_node.node_id, limit=10)
    assert partner is not None
    envelopes = [seal_message(co.keys, co.node_id, partner, m, datetime.now(UTC))
                 for m in pending]
    with TestClient(create_app(pg_node)) as client:
        first = client.post("/federation/v1/inbox", json={"envelopes": envelopes}).json()
        again = client.post("/federation/v1/inbox", json={"envelopes": envelopes}).json()
    assert [r["status"] for r in first["results"]] == ["accepted"] * 3
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    with pg_node.store.unit_of_work(write=False) as uow:
        assert [e.seq for e in uow.inbox.accepted()] == [1, 2, 3]
    assert [h.entity_id for h in search(pg_node.store, "Juan Perez 1",
                                        registry=pg_node.registry)][:1] == ["r1-p"]
    # and it queues its own releases in order
    for i in range(2):
        reports.create_report(pg_node.store, report_doc(f"bo-{i}"), origin=pg_node.node_id,
                              registry=pg_node.registry)
    with pg_node.store.unit_of_work(write=False) as uow:
        assert [(m.seq, m.report_id) for m in uow.outbox.pending(co.node_id, limit=10)] == [
            (1, "bo-0"), (2, "bo-1")]
