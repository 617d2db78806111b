"""Search and entity pages show canonical entities: mentions, provenance, evidence, judgements.

Every test runs on SQLite and PostgreSQL (the ``store`` fixture). This node is
``mx-fgr``; reports of other origins stand for material received from partners.
"""

from __future__ import annotations

import pytest

from accord.adapters.ledger import LeafFilter
from accord.adapters.store import Store
from accord.domain.errors import NotFound
from accord.domain.registry import Registry, load_registry
from accord.domain.users import Role
from accord.services import ledger
from accord.services import resolve as service
from accord.services.canonical_view import canonical_page, entity_page, may_read_received
from accord.services.reports import create_report, retract_report
from accord.services.search import search_canonical

HOME = "mx-fgr"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def person(entity_id: str, name: str, **props: list[str]) -> dict[str, object]:
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name], **props}}


def seed(store: Store, registry: Registry) -> None:
    create_report(store, {"id": "MX-1", "title": "own", "markings": {"tlp": "AMBER",
                                                                     "handling": ["H2"]},
                          "entities": [person("mx-p1", "Guzmán Loera, Joaquín",
                                              birthDate=["1957-04-04"],
                                              phone=["+52 667 123 4567"]),
                                       person("mx-p2", "Ana Ruiz", birthDate=["1980-02-03"])]},
                  origin=HOME, registry=registry)
    create_report(store, {"id": "CO-1", "title": "theirs", "markings": {"tlp": "RED"},
                          "grading": "B2",
                          "entities": [person("co-p1", "Joaquín GUZMÁN LOERA",
                                              birthDate=["1957-04-04"], nationality=["mx"])]},
                  origin="co-dijin", registry=registry)
    create_report(store, {"id": "RU-1", "title": "theirs too", "entities": [
        person("ru-p1", "Хоакин Гусман Лоэра", birthDate=["1957-04-04"])]},
        origin="ru-x", registry=registry)
    service.resolve(store, registry)


def reads(store: Store) -> list[tuple[str, str, str | None]]:
    with store.unit_of_work(write=False) as uow:
        logged = ledger.audit_log(uow, LeafFilter(action="material.read"))
    return [(e.entry.actor, e.entry.subject, e.entry.partner) for e in logged]


def test_search_groups_hits_by_canonical_entity(store: Store, registry: Registry) -> None:
    seed(store, registry)
    found = search_canonical(store, "Joaquin Guzman", registry=registry, home=HOME).to_dict()
    [group] = [g for g in found["canonical"] if g["resolved"]]
    assert group["family"] == "Person" and group["size"] == 3
    assert group["canonical_id"].startswith("ce-") and 0.5 < group["confidence"] <= 1.0
    assert sorted(h["entity_id"] for h in group["hits"]) == ["co-p1", "mx-p1", "ru-p1"]
    assert sorted(group["mentions"]) == ["co-p1", "mx-p1", "ru-p1"]
    assert group["caption"] in {"Guzmán Loera, Joaquín", "Joaquín GUZMÁN LOERA",
                                "Хоакин Гусман Лоэра"}
    assert {h["canonical_id"] for h in found["hits"]} == {group["canonical_id"]}
    ana = search_canonical(store, "Ana Ruiz", registry=registry, home=HOME).canonical
    assert [(g.canonical_id, g.size) for g in ana][:1] == [(
        service.canonical_ids(store, ["mx-p2"])["mx-p2"], 1)]


def test_entity_page_shows_the_canonical_entity_with_provenance_and_evidence(
        store: Store, registry: Registry) -> None:
    seed(store, registry)
    service.judge(store, "mx-p1", "mx-p2", "different", actor="ana", reason="not her")
    before = len(reads(store))
    page = entity_page(store, "mx-p1", registry=registry, reader="ana", home=HOME)
    assert page["kind"] == "entity" and page["id"] == "mx-p1" and page["schema"] == "Person"
    canon = page["canonical"]
    assert canon["resolved"] and canon["size"] == 3
    assert (canon["own_mentions"], canon["received_mentions"]) == (1, 2)
    assert canon["origins"] == ["co-dijin", "mx-fgr", "ru-x"]
    members = {m["id"]: m for m in canon["members"]}
    assert not members["mx-p1"]["received"] and members["co-p1"]["received"]
    [co_report] = members["co-p1"]["reports"]
    assert (co_report["id"], co_report["origin"], co_report["received"]) == (
        "CO-1", "co-dijin", True)
    assert co_report["markings"]["tlp"] == "RED" and members["co-p1"]["gradings"] == ["B2"]
    assert members["mx-p1"]["markings"]["handling"] == ["H2"]
    # merged properties: each value with its sources
    [dob] = canon["properties"]["birthDate"]
    assert dob["value"] == "1957-04-04" and dob["mentions"] == 3
    assert {(s["entity_id"], s["origin"], s["received"]) for s in dob["sources"]} == {
        ("mx-p1", HOME, False), ("co-p1", "co-dijin", True), ("ru-p1", "ru-x", True)}
    # the evidence for each link, and the judgements
    assert canon["links"] and all(lk["accepted"] for lk in canon["links"])
    levels = {a["level"] for lk in canon["links"] for a in lk["agreements"]}
    assert "same date of birth" in levels
    assert [(j["left"], j["right"], j["judgement"]) for j in canon["judgements"]] == [
        ("mx-p1", "mx-p2", "different")]
    # one record per partner whose material was shown
    assert sorted(reads(store)[before:]) == [("ana", "entity/mx-p1", "co-dijin"),
                                             ("ana", "entity/mx-p1", "ru-x")]
    by_canonical = entity_page(store, canon["id"], registry=registry, home=HOME)
    assert by_canonical["kind"] == "canonical" and by_canonical["canonical"]["size"] == 3


def test_without_clearance_for_received_material_it_stays_hidden(
        store: Store, registry: Registry) -> None:
    seed(store, registry)
    service.judge(store, "co-p1", "ru-p1", "same", actor="ana")
    assert may_read_received(Role.ANALYST) and not may_read_received(Role.AUDITOR)
    canon = canonical_page(store, "mx-p1", registry=registry, reader="eve", home=HOME,
                           include_received=False).to_dict()
    assert [m["id"] for m in canon["members"]] == ["mx-p1"]
    assert canon["hidden_mentions"] == 2 and canon["links"] == []
    assert canon["judgements"] == [] and canon["origins"] == [HOME]
    assert canon["caption"] == "Guzmán Loera, Joaquín"
    assert {s["origin"] for values in canon["properties"].values() for v in values
            for s in v["sources"]} == {HOME}
    assert "co-dijin" not in str(canon) and "Хоакин" not in str(canon)
    assert reads(store) == []  # nothing received was shown
    found = search_canonical(store, "Joaquin Guzman", registry=registry, home=HOME,
                             include_received=False).to_dict()
    assert [h["entity_id"] for h in found["hits"]] == ["mx-p1"]
    assert [(g["size"], g["mentions"]) for g in found["canonical"]] == [(1, ["mx-p1"])]
    with pytest.raises(NotFound, match="no entity 'co-p1' in this node"):
        entity_page(store, "co-p1", registry=registry, home=HOME, include_received=False)
    with pytest.raises(NotFound):
        canonical_page(store, "ru-p1", registry=registry, home=HOME, include_received=False)


def test_unresolved_entities_are_their_own_canonical_entity(store: Store,
                                                            registry: Registry) -> None:
    create_report(store, {"id": "MX-9", "title": "one", "entities": [
        person("mx-p9", "Luis Mora"),
        {"id": "mx-s9", "schema": "Vehicle", "properties": {"registrationNumber": ["ABC123"]}}]},
        origin=HOME, registry=registry)
    page = entity_page(store, "mx-p9", registry=registry, home=HOME)
    assert page["canonical"]["resolved"] is False
    assert [m["id"] for m in page["canonical"]["members"]] == ["mx-p9"]
    found = search_canonical(store, "Luis Mora", registry=registry, home=HOME)
    assert [(g.canonical_id, g.resolved) for g in found.canonical] == [("mx-p9", False)]
    service.resolve(store, registry)
    assert canonical_page(store, "mx-s9", registry=registry).resolved is False
    with pytest.raises(NotFound, match="no entity 'ghost' in this node"):
        entity_page(store, "ghost", registry=registry)
    retract_report(store, "MX-9")
    stale = entity_page(store, "mx-p9", registry=registry, include_retracted=True)
    assert [m["stale"] for m in stale["canonical"]["members"]] == [True]  # until resolved
    service.resolve(store, registry)
    with pytest.raises(NotFound, match="only in retracted reports"):
        entity_page(store, "mx-p9", registry=registry)
    old = entity_page(store, "mx-p9", registry=registry, include_retracted=True)
    assert old["id"] == "mx-p9" and old["canonical"] is None
