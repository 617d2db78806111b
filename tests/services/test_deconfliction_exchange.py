"""Deconfliction between nodes through the real federation route: conflicts found as the
plaintext rule finds them, both agencies alerted with each other's contact and nothing
else, expired registrations stop matching, partners without an agreement are not asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import h3
import pytest
from sqlalchemy import text
from tests.federation_kit import install, signed_agreement
from tests.query_mesh import Mesh

from accord.adapters.bus import EventBus
from accord.adapters.ledger import LeafFilter
from accord.bootstrap import Node
from accord.domain.deconfliction import conflicts_plain, make_operation
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.query_request import identifier
from accord.services import deconfliction as dc
from accord.services import ledger
from accord.services.events import forward_alerts

START = datetime(2031, 5, 4, 10, tzinfo=UTC)  # in the future: registrations stay live
BOGOTA = (4.6500, -74.0500)


@pytest.fixture
def mesh(nodes: dict[str, Node]) -> Iterator[Mesh]:
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx]))
    found = Mesh({"co": co, "mx": mx, "pe": nodes["pe"]})
    yield found
    found.close()


def operation(node: Node, mesh: Mesh, lat: float, lon: float, hours: tuple[int, int],
              radius: float = 150) -> dc.Registered:
    return dc.register_operation(node, start=START + timedelta(hours=hours[0]),
                                 end=START + timedelta(hours=hours[1]), point=(lat, lon),
                                 radius_m=radius, actor=f"{node.node_id}-analyst",
                                 transport=mesh.transport)


def listen(node: Node) -> EventBus:
    bus = EventBus()
    node.store.on_commit(lambda events: forward_alerts(bus, events))
    return bus


def test_overlapping_operations_alert_both_agencies_with_each_others_contact(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx, pe = nodes["co"], nodes["mx"], nodes["pe"]
    co_bus, mx_bus = listen(co), listen(mx)
    first = operation(mx, mesh, *BOGOTA, (0, 6))
    assert (first.checked, first.conflicts) == (["co-dijin"], [])  # pe: no agreement
    second = operation(co, mesh, BOGOTA[0] + 0.002, BOGOTA[1], (4, 8))
    [found] = second.conflicts
    assert (found["partner"], found["registration"], found["found_by"]) == (
        "mx-fgr", second.registration.id, "co-dijin")
    [theirs] = dc.list_deconfliction(mx)["conflicts"]
    assert (theirs["partner"], theirs["registration"], theirs["notice_id"]) == (
        "co-dijin", first.registration.id, found["notice_id"])
    assert found["contact"] == dc.contact_of(mx) and theirs["contact"] == dc.contact_of(co)
    for bus, mine, other in ((co_bus, second, "mx-fgr"), (mx_bus, first, "co-dijin")):
        [alert] = [e.data for e in bus.recent() if e.kind == "alert"]
        assert (alert["kind"], alert["registration"], alert["partner"]) == (
            "deconfliction_conflict", mine.registration.id, other)
    assert dc.list_deconfliction(pe) == {"registrations": [], "conflicts": []}
    # what crossed: tokens blinded, an opaque label, contacts; never a place or a time
    text = json.dumps(mesh.opened())
    for cell in list(first.registration.cells) + list(second.registration.cells):
        assert cell not in text
    assert "2031" not in text and "4.65" not in text and "-74.05" not in text


@pytest.mark.parametrize(("where", "hours"), [
    ((BOGOTA[0] + 0.004, BOGOTA[1]), (2, 5)),  # a few hundred metres away, same hours
    ((BOGOTA[0] + 0.05, BOGOTA[1]), (2, 5)),  # across town
    (BOGOTA, (7, 9)),  # same place, later
    (BOGOTA, (5, 9)),  # same place, overlapping the last hour
])
def test_conflicts_are_found_exactly_as_the_plaintext_rule_finds_them(
        nodes: dict[str, Node], mesh: Mesh, where: tuple[float, float],
        hours: tuple[int, int]) -> None:
    co, mx = nodes["co"], nodes["mx"]
    first = operation(mx, mesh, *BOGOTA, (0, 6))
    second = operation(co, mesh, *where, hours)
    grid = dc.GRID

    def plain(r: dc.Registration) -> object:
        assert r.start is not None and r.end is not None
        return make_operation(grid, r.id, r.cells, r.start, r.end)

    expected = conflicts_plain(grid, plain(first.registration),  # type: ignore[arg-type]
                               plain(second.registration))  # type: ignore[arg-type]
    assert bool(second.conflicts) is expected


def test_expired_registrations_stop_matching(nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    first = operation(mx, mesh, *BOGOTA, (0, 6))
    done = dc.expire_registration(mx, first.registration.id, actor="mx-analyst")
    assert done.expired_by == "mx-analyst"
    assert operation(co, mesh, *BOGOTA, (1, 2)).conflicts == []
    with pytest.raises(Conflict, match="has already expired"):
        dc.expire_registration(mx, first.registration.id, actor="mx-analyst")
    with pytest.raises(NotFound, match="no registration 'dec-nope'"):
        dc.expire_registration(mx, "dec-nope", actor="mx-analyst")
    # a target whose expiry has passed no longer answers either (time moved on)
    target = dc.register_target(mx, [identifier("phone", "+57 300 123 4567")],
                                expires=datetime.now(UTC) + timedelta(days=1), actor="mx",
                                transport=mesh.transport)
    assert len(dc.register_target(co, [identifier("phone", "+573001234567")], actor="co",
                                  transport=mesh.transport).conflicts) == 1
    with mx.store.unit_of_work() as uow:
        uow.session.execute(text("UPDATE deconfliction_registrations SET expires = :t "
                                 "WHERE id = :i"), {"t": datetime.now(UTC) - timedelta(
                                     seconds=1), "i": target.registration.id})
    assert dc.register_target(co, [identifier("phone", "+573001234567")], actor="co",
                              transport=mesh.transport).conflicts == []
    with mx.store.unit_of_work(write=False) as uow:
        expired = [e.entry for e in ledger.audit_log(uow, LeafFilter(
            action="deconfliction.expired"))]
    assert [(e.subject, e.actor) for e in expired] == [(first.registration.id, "mx-analyst")]


def test_a_shared_target_alerts_both_and_reveals_only_the_shared_item(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    dc.register_target(mx, [identifier("phone", "+57 300 123 4567"),
                            identifier("plate", "mx:XYZ-987")], title="Operación Cóndor",
                       actor="mx", transport=mesh.transport)
    mine = dc.register_target(co, [identifier("phone", "(300) 123 4567", country="co"),
                                   identifier("passport", "co:AB123456")],
                              actor="co", transport=mesh.transport)
    [found] = mine.conflicts
    assert (found["kind"], found["partner"]) == ("target", "mx-fgr")
    [theirs] = dc.list_deconfliction(mx)["conflicts"]
    assert theirs["kind"] == "target" and theirs["contact"] == dc.contact_of(co)
    text = json.dumps(mesh.opened(), ensure_ascii=False)
    for secret in ("XYZ987", "AB123456", "Cóndor", "3001234567"):
        assert secret not in text


def test_bad_registrations_are_refused_with_where_and_why(nodes: dict[str, Node],
                                                          mesh: Mesh) -> None:
    co = nodes["co"]
    with pytest.raises(InvalidValue, match="give either cells or a point"):
        dc.register_operation(co, start=START, end=START + timedelta(hours=1), actor="co",
                              transport=mesh.transport)
    with pytest.raises(InvalidValue, match="ends .* before it starts"):
        operation(co, mesh, *BOGOTA, (3, 1))
    with pytest.raises(InvalidValue, match="needs a timezone"):
        dc.register_operation(co, start=START.replace(tzinfo=None),
                              end=START.replace(tzinfo=None) + timedelta(hours=1),
                              cells=[h3.latlng_to_cell(*BOGOTA, 8)], actor="co",
                              transport=mesh.transport)
    with pytest.raises(InvalidValue, match="has passed"):
        dc.register_target(co, [identifier("phone", "+573001234567")],
                           expires=datetime.now(UTC) - timedelta(hours=1), actor="co",
                           transport=mesh.transport)
    assert dc.list_deconfliction(co)["registrations"] == []
