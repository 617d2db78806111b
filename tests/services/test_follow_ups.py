"""Follow-up requests: a hit becomes a release only through the owner's supervisor and the
policy engine, arrives as an answer to the request, and nothing else can pose as one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.federation_kit import clause, install, report_doc, signed_agreement
from tests.query_mesh import Mesh

from accord.adapters.bus import EventBus
from accord.adapters.ledger import LeafFilter
from accord.adapters.query_transport import PartnerRefused
from accord.adapters.store.queries import QueryRepository
from accord.adapters.transport import HttpTransport
from accord.bootstrap import Node
from accord.domain.clause import Mode
from accord.domain.decision import Action
from accord.domain.errors import NotFound
from accord.domain.policy import decide
from accord.domain.query_request import QueryRequest, identifier
from accord.domain.report import ReportContent
from accord.services import approvals, follow_ups, ledger, queries, reports, share
from accord.services.events import forward_alerts

PHONE = "+52 55 1234 5678"


@pytest.fixture
def mesh(nodes: dict[str, Node]) -> Iterator[Mesh]:
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx], clause(
        mode=Mode.HIT_ONLY, redactions={"Person": frozenset({"birthDate"})})))
    doc = report_doc("mx-r1", name="Juan Pérez García", phone=PHONE)
    doc["entities"][0]["properties"]["birthDate"] = ["1980-03-04"]
    reports.create_report(mx.store, doc, origin=mx.node_id, registry=mx.registry)
    found = Mesh({"co": co, "mx": mx})
    yield found
    found.close()


def hit(co: Node, mesh: Mesh) -> str:
    result = queries.ask_partner(co, "mx-fgr", QueryRequest((identifier("phone", PHONE),)),
                                 actor="ana", transport=mesh.transport)
    [found] = result.hits
    return str(found["reference"])


def deliver(node: Node, mesh: Mesh) -> Any:
    client = httpx.Client(transport=httpx.MockTransport(mesh._route))
    dispatcher = node.dispatcher(HttpTransport(client=client))
    try:
        return dispatcher.run_once()
    finally:
        dispatcher.close()


def actions(node: Node) -> list[str]:
    with node.store.unit_of_work(write=False) as uow:
        return [e.entry.action.value for e in ledger.audit_log(uow, LeafFilter(limit=1000))]


def test_a_follow_up_becomes_a_release_once_the_owners_supervisor_approves(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    bus = EventBus()
    co.store.on_commit(lambda events: forward_alerts(bus, events))
    reference = hit(co, mesh)
    asked = follow_ups.request_follow_up(co, reference, purpose="interdiction", actor="ana",
                                         transport=mesh.transport)
    assert (asked.state, asked.partner, asked.detail) == (
        "requested", "mx-fgr", "1 release(s) wait for a supervisor at mx-fgr")
    [held] = approvals.list_approvals(mx.store)
    assert (held.report_id, held.partner, held.caused_by) == ("mx-r1", "co-dijin",
                                                              "partner/co-dijin")
    assert deliver(mx, mesh).sent == 0  # nothing leaves before the supervisor decides
    [received] = follow_ups.list_follow_ups(mx, direction="in")
    assert (received["state"], received["reports"]) == ("waiting", ["mx-r1"])

    approvals.approve_release(mx, held.id, approver="sam")
    assert deliver(mx, mesh).delivered == 1
    [mine] = follow_ups.list_follow_ups(co, direction="out")
    assert (mine["state"], mine["reports"]) == ("released", ["mx-r1"])
    assert follow_ups.list_follow_ups(mx, direction="in")[0]["state"] == "released"
    with co.store.unit_of_work(write=False) as uow:
        props = {s.prop for s in uow.statements.for_report("mx-r1")}
    assert "number" in props and "name" in props
    assert "birthDate" not in props  # the policy engine still applied the clause
    [alert] = [e.data for e in bus.recent() if e.data.get("kind") == "follow_up_released"]
    assert (alert["partner"], alert["report"], alert["follow_up"]) == ("mx-fgr", "mx-r1",
                                                                       asked.id)
    assert {"query.asked", "envelope.received"} <= set(actions(co))
    assert {"query.answered", "release.decided", "approval.decided",
            "envelope.sent"} <= set(actions(mx))


def test_a_refused_follow_up_never_leaves(nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    follow_ups.request_follow_up(co, hit(co, mesh), purpose="interdiction", actor="ana",
                                 transport=mesh.transport)
    [held] = approvals.list_approvals(mx.store)
    approvals.refuse_release(mx, held.id, approver="sam", note="source protection")
    assert deliver(mx, mesh).sent == 0
    assert follow_ups.list_follow_ups(mx, direction="in")[0]["state"] == "refused"
    assert follow_ups.list_follow_ups(co, direction="out")[0]["state"] == "requested"


def test_an_unknown_reference_is_refused_by_the_owner(nodes: dict[str, Node],
                                                      mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    with pytest.raises(NotFound, match="no hit with reference 'hit-nothing'"):
        follow_ups.request_follow_up(co, "hit-nothing", purpose="interdiction", actor="ana",
                                     transport=mesh.transport)
    reference = hit(co, mesh)
    with co.store.unit_of_work() as uow:  # a reference mx never gave, under a real hit
        uow.session.execute(text(
            "UPDATE query_hits SET reference = 'hit-forged' WHERE reference = :r"),
            {"r": reference})
    with pytest.raises(PartnerRefused) as refused:
        follow_ups.request_follow_up(co, "hit-forged", purpose="interdiction", actor="ana",
                                     transport=mesh.transport)
    assert refused.value.code == "not_found"
    assert "is not one this node gave co-dijin" in refused.value.message
    assert follow_ups.list_follow_ups(co)[0]["state"] == "refused"
    assert approvals.list_approvals(mx.store) == []


def test_a_release_posing_as_an_answer_to_a_request_never_made_is_refused(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    with mx.store.unit_of_work() as uow:
        report = uow.reports.get("mx-r1")
        assert report is not None
        content = ReportContent(report, tuple(uow.statements.for_report("mx-r1")))
        index = mx.policy_cache.index(uow, me=mx.node_id, now=report.created, own_keys=lambda: (
            mx.keys.public_keys(mx.node_id, "MX")))
        decision = decide(content, "co-dijin", index, "interdiction", sender=mx.node_id,
                          now=report.created, action=Action.RESPOND)
        partner = uow.partners.get("co-dijin")
        assert partner is not None
        approval = share.queue_response(uow, partner, report, decision, in_reply_to="f-nope",
                                        caused_by="partner/co-dijin", now=report.created)
    approvals.approve_release(mx, approval, approver="sam")
    stats = deliver(mx, mesh)
    assert (stats.sent, stats.refused) == (1, 1)
    with co.store.unit_of_work(write=False) as uow:
        assert uow.reports.get("mx-r1") is None
        assert QueryRepository(uow.session).follow_ups() == []
    with mx.store.unit_of_work(write=False) as uow:
        [message] = [m for m in uow.outbox.list(limit=10) if m.report_id == "mx-r1"]
    assert message.reason == "not_requested"
