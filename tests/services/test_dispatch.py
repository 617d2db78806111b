"""Delivery between real HTTP servers on loopback: in order, settled by signed receipts,
updates and retractions following to every recipient, offline partners catching up by
push or by pulling the feed, received material searchable until its retention ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.federation_kit import clause, install, pin, report_doc, signed_agreement

from accord.adapters.receipts import sign_request
from accord.adapters.store.outbox import DELIVERED, PENDING, REFUSED
from accord.adapters.transport import FEED, Transport, feed_query
from accord.bootstrap import Node
from accord.domain.report import ReportStatus
from accord.entrypoints.api.app import create_app
from accord.entrypoints.api.server import serving
from accord.services import reports
from accord.services.dispatch import Dispatcher
from accord.services.retention import purge_expired
from accord.services.search import search


@pytest.fixture
def served(nodes: dict[str, Node]) -> Iterator[dict[str, str]]:
    """Every node served on loopback; each pins the others at their real URLs."""
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serving(create_app(node)))
                for name, node in nodes.items()}
        for name, node in nodes.items():
            for other, url in urls.items():
                if other != name:
                    pin(node, nodes[other], url)
        yield urls


@pytest.fixture(autouse=True)
def _close_dispatchers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every dispatcher a test makes has its connections closed afterwards."""
    made: list[Dispatcher] = []
    original = Node.dispatcher

    def tracked(self: Node, transport: Transport | None = None) -> Dispatcher:
        made.append(original(self, transport))
        return made[-1]

    monkeypatch.setattr(Node, "dispatcher", tracked)
    yield
    for dispatcher in made:
        dispatcher.close()


def create(node: Node, report_id: str, **kw: object) -> None:
    reports.create_report(node.store, report_doc(report_id, **kw),  # type: ignore[arg-type]
                          origin=node.node_id, registry=node.registry)


def states(node: Node) -> list[tuple[str, int | None, str]]:
    with node.store.unit_of_work(write=False) as uow:
        return [(m.partner, m.seq, m.state)
                for m in sorted(uow.outbox.list(limit=1000), key=lambda m: m.id)]


def arrivals(node: Node) -> list[tuple[str, int, str, str]]:
    with node.store.unit_of_work(write=False) as uow:
        return [(e.sender, e.seq, e.kind, e.report_id) for e in uow.inbox.accepted(limit=1000)]


def test_releases_updates_and_retractions_reach_every_recipient(
        nodes: dict[str, Node], served: dict[str, str]) -> None:
    co, mx, pe = nodes["co"], nodes["mx"], nodes["pe"]
    install([co, mx, pe], signed_agreement([co, mx, pe]))
    dispatcher = co.dispatcher()
    create(co, "r1", name="Juan Perez")
    create(co, "r2", name="Ana Example")
    reports.update_report(co.store, "r1", report_doc("r1", name="Juan Perez Gomez"),
                          registry=co.registry)
    stats = dispatcher.run_once()
    assert (stats.delivered, stats.refused, stats.failures) == (6, 0, 0)
    for node in (mx, pe):
        assert [(seq, kind, r) for _s, seq, kind, r in arrivals(node)] == [
            (1, "release", "r1"), (2, "release", "r2"), (3, "release", "r1")]
        [hit] = search(node.store, "Juan Perez Gomez", registry=node.registry)
        assert hit.entity_id == "r1-p"
    reports.retract_report(co.store, "r1")
    assert dispatcher.run_once().delivered == 2
    for node in (mx, pe):
        with node.store.unit_of_work(write=False) as uow:
            report = uow.reports.get("r1")
        assert report is not None and report.status is ReportStatus.RETRACTED
        assert search(node.store, "Juan Perez Gomez", registry=node.registry) == []
        assert [h.entity_id for h in search(node.store, "Ana Example",
                                            registry=node.registry)] == ["r2-p"]
    assert {state for _p, _s, state in states(co)} == {DELIVERED}
    with co.store.unit_of_work(write=False) as uow:
        receipt = uow.outbox.receipt(uow.outbox.list(limit=1)[0].message_id)
    assert receipt is not None and receipt.partner in ("mx-fgr", "pe-dirandro")


def test_received_material_is_purged_after_its_retention(
        co_mx: tuple[Node, Node], served: dict[str, str]) -> None:
    co, mx = co_mx
    create(co, "r1", name="Juan Perez", phone="+57 300 123 4567")
    co.dispatcher().run_once()
    assert search(mx.store, "Juan Perez", registry=mx.registry)
    assert purge_expired(mx.store, now=datetime.now(UTC) + timedelta(days=29)).reports == ()
    purged = purge_expired(mx.store, now=datetime.now(UTC) + timedelta(days=31))
    assert purged.reports == ("r1",) and purged.statements == 2
    assert search(mx.store, "Juan Perez", registry=mx.registry) == []
    assert search(mx.store, "+573001234567", registry=mx.registry) == []
    with mx.store.unit_of_work(write=False) as uow:
        assert (uow.reports.count(), uow.statements.count()) == (0, 0)
    with co.store.unit_of_work(write=False) as uow:
        assert uow.reports.count() == 1  # the originator's own report is never purged


def test_an_unreachable_partner_blocks_its_queue_then_catches_up_in_order(
        co_mx: tuple[Node, Node], served: dict[str, str]) -> None:
    co, mx = co_mx
    pin(co, mx, "http://127.0.0.1:9")  # nothing listens there
    dispatcher = co.dispatcher()
    for i in range(5):
        create(co, f"r{i}")
    stats = dispatcher.run_once()
    assert (stats.delivered, stats.failures) == (0, 1)
    with co.store.unit_of_work(write=False) as uow:
        partner = uow.partners.get("mx-fgr")
    assert partner is not None and partner.failures == 1 and partner.retry_at is not None
    assert "ConnectError" in partner.last_error
    # until its retry time the partner is left alone
    assert dispatcher.run_once(now=partner.retry_at - timedelta(microseconds=1)).sent == 0
    pin(co, mx, served["mx"])
    assert dispatcher.run_once(force=True).delivered == 5
    assert [seq for _s, seq, _k, _r in arrivals(mx)] == [1, 2, 3, 4, 5]
    with co.store.unit_of_work(write=False) as uow:
        partner = uow.partners.get("mx-fgr")
    assert partner is not None and (partner.failures, partner.retry_at) == (0, None)


def test_backoff_grows_exponentially_with_jitter(co_mx: tuple[Node, Node]) -> None:
    dispatcher = co_mx[0].dispatcher()
    delays = [dispatcher.backoff(n).total_seconds() for n in range(1, 8)]
    for n, delay in enumerate(delays, start=1):
        cap = min(0.2, 0.05 * 2 ** (n - 1))
        assert cap / 2 <= delay <= cap
    assert delays[-1] > delays[0]


def test_a_release_the_recipient_refuses_is_settled_and_the_queue_moves_on(
        nodes: dict[str, Node], served: dict[str, str]) -> None:
    co, mx = nodes["co"], nodes["mx"]
    install([co], signed_agreement([co, mx]))
    install([mx], signed_agreement([co, mx], clause(schemas=frozenset({"Person"}))))
    create(co, "with-phone", phone="+57 300 123 4567")
    create(co, "plain")
    stats = co.dispatcher().run_once()
    assert (stats.delivered, stats.refused) == (1, 1)
    assert states(co) == [("mx-fgr", 1, REFUSED), ("mx-fgr", 2, DELIVERED)]
    with co.store.unit_of_work(write=False) as uow:
        refused = uow.outbox.list(state=REFUSED)[0]
    assert refused.reason == "not_allowed"
    assert [r for _s, _q, _k, r in arrivals(mx)] == ["plain"]


def test_a_partner_that_cannot_be_reached_pulls_the_feed(
        co_mx: tuple[Node, Node], served: dict[str, str]) -> None:
    co, mx = co_mx
    pin(co, mx, served["mx"], push=False)  # co never pushes to mx
    pin(mx, co, served["co"], pull=True)  # mx pulls from co
    for i in range(7):
        create(co, f"r{i}")
    assert co.dispatcher().run_once().sent == 0
    stats = mx.dispatcher().run_once()
    assert stats.pulled == 7
    assert [seq for _s, seq, _k, _r in arrivals(mx)] == list(range(1, 8))
    assert {state for _p, _s, state in states(co)} == {DELIVERED}  # settled by receipts
    create(co, "r-late")
    assert mx.dispatcher().run_once().pulled == 1
    assert states(co)[-1] == ("mx-fgr", 8, DELIVERED)


def test_the_feed_answers_only_signed_fresh_requests(
        co_mx: tuple[Node, Node], served: dict[str, str]) -> None:
    co, mx = co_mx
    create(co, "r1")
    url = served["co"] + FEED
    query = feed_query(0, 10)
    assert httpx.get(f"{url}?{query}").status_code == 401
    now = datetime.now(UTC)
    token = sign_request(mx.keys, issuer=mx.node_id, audience=co.node_id, method="GET",
                         path=FEED, query=query, now=now)
    header = {"Authorization": f"Accord-Signature {token}"}
    other = httpx.get(f"{url}?{feed_query(0, 20)}", headers=header)
    assert other.status_code == 401 and "query" in other.json()["error"]["message"]
    fresh = sign_request(mx.keys, issuer=mx.node_id, audience=co.node_id, method="GET",
                         path=FEED, query=query, now=now)
    ok = httpx.get(f"{url}?{query}", headers={"Authorization": f"Accord-Signature {fresh}"})
    assert ok.status_code == 200 and [e["seq"] for e in ok.json()["envelopes"]] == [1]
    again = httpx.get(f"{url}?{query}", headers={"Authorization": f"Accord-Signature {fresh}"})
    assert again.status_code == 401
    assert again.json()["error"]["message"] == "request signature was already used"
    stranger = sign_request(co.keys, issuer=co.node_id, audience=co.node_id, method="GET",
                            path=FEED, query=query, now=now)
    refused = httpx.get(f"{url}?{query}",
                        headers={"Authorization": f"Accord-Signature {stranger}"})
    assert refused.status_code == 401  # co is not its own pinned partner
    assert states(co) == [("mx-fgr", 1, PENDING)]  # reading the feed settles nothing


def test_forged_receipts_settle_nothing(co_mx: tuple[Node, Node],
                                        served: dict[str, str]) -> None:
    co, _mx = co_mx
    create(co, "r1")
    response = httpx.post(served["co"] + "/federation/v1/receipts",
                          json={"receipts": ["not.a.receipt", "a.b.c"]})
    assert response.status_code == 200
    assert [r["ok"] for r in response.json()["results"]] == [False, False]
    assert states(co) == [("mx-fgr", 1, PENDING)]
