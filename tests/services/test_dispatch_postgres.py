"""Delivery from a node on PostgreSQL: batches settled by UPDATE ... RETURNING, pulled
receipts settled in one call, exactly as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.federation_kit import install, pin, report_doc, signed_agreement
from tests.services.test_dispatch_pipeline import Loopback, arrived, dispatcher, outbox

from accord.adapters.store.outbox import DELIVERED
from accord.bootstrap import Node, init_node, open_node
from accord.services import reports
from accord.services.feed import accept_receipts, serve_feed

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_node(postgres_url: str, tmp_path: Path, nodes: dict[str, Node]) -> Iterator[Node]:
    made = init_node(tmp_path / "pg", node_id="bo-felcn", country="BO", db_url=postgres_url)
    made.node.close()
    with open_node(tmp_path / "pg") as node:
        co = nodes["co"]
        pin(node, co, "http://co.test")
        pin(co, node, "http://bo.test")
        install([co, node], signed_agreement([co, node]))
        yield node


def create(node: Node, count: int, prefix: str = "bo") -> None:
    for i in range(count):
        reports.create_report(node.store, report_doc(f"{prefix}-{i}", name=f"Ana {i}"),
                              origin=node.node_id, registry=node.registry)


def test_a_postgres_sender_delivers_in_order_and_settles(
        pg_node: Node, nodes: dict[str, Node]) -> None:
    co = nodes["co"]
    create(pg_node, 5)
    with dispatcher(pg_node, Loopback(co), batch_size=2) as d:
        stats = d.run_once()
        assert (stats.delivered, stats.failures) == (5, 0)
        assert d.run_once().sent == 0  # nothing left pending
    assert arrived(co) == [1, 2, 3, 4, 5]
    assert outbox(pg_node) == [(seq, DELIVERED) for seq in range(1, 6)]


def test_receipts_of_a_pull_settle_a_postgres_outbox_once(
        pg_node: Node, nodes: dict[str, Node]) -> None:
    co = nodes["co"]
    create(pg_node, 3)
    page = serve_feed(pg_node.store, pg_node.keys, me=pg_node.node_id, caller=co.node_id,
                      since=0, limit=10)
    tokens = [str(r.receipt) for r in co.receiver.receive(
        [e["envelope"] for e in page["envelopes"]])]
    answer = accept_receipts(pg_node.store, tokens + tokens[:1], me=pg_node.node_id)
    assert [r["state"] for r in answer["results"]] == [DELIVERED] * 4
    assert outbox(pg_node) == [(seq, DELIVERED) for seq in range(1, 4)]
    with pg_node.store.unit_of_work(write=False) as uow:
        assert all(uow.outbox.receipt(m.message_id) for m in uow.outbox.list())
