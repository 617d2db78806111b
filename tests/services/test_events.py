"""The live stream's sources: what the store tail publishes (held releases, agreement
changes, arrivals, refusals) and the alerts other services raise in a committed unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.federation_kit import clause, install, report_doc, signed_agreement

from accord.adapters.bus import EventBus
from accord.bootstrap import Node
from accord.domain.alerts import Alert
from accord.services import reports
from accord.services.agreements import store_agreement
from accord.services.dispatch import seal_message
from accord.services.events import StoreTail, forward_alerts
from accord.services.receive import Receiver


def published(bus: EventBus, after: int = 0) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, dict(e.data)) for e in bus.recent(after)]


@pytest.fixture
def watched(nodes: dict[str, Node]) -> tuple[Node, Node, EventBus, StoreTail]:
    co, mx = nodes["co"], nodes["mx"]
    bus = EventBus()
    tail = StoreTail(co.store, bus)
    tail.start()  # from here on, what is written is published
    tail.stop()  # polled by hand below
    return co, mx, bus, tail


def test_held_releases_and_agreement_changes_become_alerts(
        watched: tuple[Node, Node, EventBus, StoreTail]) -> None:
    co, mx, bus, tail = watched
    agreement = signed_agreement([co, mx], clause(four_eyes=True))
    install([co], agreement)
    reports.create_report(co.store, report_doc("r1"), origin=co.node_id, registry=co.registry,
                          actor="ana")
    assert tail.poll_once() == 2
    (k1, held), (k2, changed) = published(bus)
    assert (k1, held["kind"], held["report_id"], held["partner"], held["caused_by"]) == (
        "alert", "release_held", "r1", "mx-fgr", "ana")
    assert held["message"].startswith("release of r1 v1 to mx-fgr waits for a supervisor")
    assert (k2, changed["kind"], changed["agreement"], changed["status"],
            changed["previous"]) == ("alert", "agreement", "agr-1", "active", None)
    store_agreement(co.store, agreement.revoke("mx-fgr", agreement.valid_from, "ended"))
    assert tail.poll_once() == 1
    [(_, revoked)] = published(bus, after=2)
    assert revoked["message"] == "agreement agr-1 v1 is now revoked (was active)"
    assert tail.poll_once() == 0


def test_arrivals_and_refusals_are_published(
        watched: tuple[Node, Node, EventBus, StoreTail]) -> None:
    co, mx, _bus, _tail = watched
    install([co, mx], signed_agreement([co, mx]))
    mx_bus, mx_tail = EventBus(), StoreTail(mx.store)
    mx_tail.bus = mx_bus
    mx_tail.start()
    mx_tail.stop()
    reports.create_report(co.store, report_doc("r1"), origin=co.node_id, registry=co.registry)
    with co.store.unit_of_work(write=False) as uow:
        [message] = uow.outbox.list(limit=5)
        partner = uow.partners.get("mx-fgr")
    assert partner is not None
    envelope = seal_message(co.keys, co.node_id, partner, message, datetime.now(UTC))
    receiver = Receiver.for_node(mx)
    receiver.receive([envelope, envelope[:-5] + "AAAAA"])
    assert mx_tail.poll_once() == 2
    (kind, arrival), (kind2, refusal) = published(mx_bus)
    assert (kind, arrival["sender"], arrival["message"], arrival["report_id"],
            arrival["version"], arrival["agreement"]) == (
        "arrival", "co-dijin", "release", "r1", 1, "agr-1")
    assert (kind2, refusal["reason"]) == ("refusal", "envelope_malformed")
    assert "narrative" not in arrival and "statements" not in arrival  # ids, never content


def test_alerts_raised_in_a_committed_unit_of_work_are_forwarded(nodes: dict[str, Node]) -> None:
    co = nodes["co"]
    bus = EventBus()
    co.store.on_commit(lambda events: forward_alerts(bus, events))
    with co.store.unit_of_work() as uow:
        uow.events.append(Alert("conflict", "two operations overlap", {"operation": "op-1"}))
    try:
        with co.store.unit_of_work() as uow:
            uow.events.append(Alert("never", "rolled back"))
            raise RuntimeError("rollback")
    except RuntimeError:
        pass
    assert published(bus) == [("alert", {"kind": "conflict", "message": "two operations "
                                                 "overlap", "operation": "op-1"})]
