"""Resolution through the store: canonical entities, judgements (ledgered), incremental runs.

Every test runs on SQLite and PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import pytest

from accord.adapters.ledger import LeafFilter
from accord.adapters.store import Store
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.registry import Registry, load_registry
from accord.services import ledger
from accord.services import resolve as service
from accord.services.reports import create_report, retract_report


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def person(entity_id: str, name: str, **props: list[str]) -> dict[str, object]:
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name], **props}}


def report(store: Store, registry: Registry, report_id: str, origin: str,
           *entities: dict[str, object]) -> None:
    create_report(store, {"id": report_id, "title": report_id, "entities": list(entities)},
                  origin=origin, registry=registry)


def seed(store: Store, registry: Registry) -> None:
    report(store, registry, "CO-1", "co-dijin",
           person("co-p1", "Joaquín GUZMÁN LOERA", birthDate=["1957-04-04"],
                  nationality=["mx"]),
           person("co-p2", "Ana Ruiz", birthDate=["1980-02-03"]),
           {"id": "co-v1", "schema": "Vessel", "properties": {"name": ["LIBERTAD I"],
                                                              "imoNumber": ["9815276"]}})
    report(store, registry, "MX-1", "mx-fgr",
           person("mx-p1", "Guzmán Loera, Joaquín", birthDate=["1957-04-04"],
                  phone=["+52 667 123 4567"]),
           {"id": "mx-v1", "schema": "Vessel", "properties": {"name": ["Libertad I"],
                                                              "imoNumber": ["IMO 9815276"]}})
    report(store, registry, "RU-1", "ru-x",
           person("ru-p1", "Хоакин Гусман Лоэра", birthDate=["1957-04-04"]))


def test_resolve_builds_canonical_entities_with_provenance_and_evidence(
        store: Store, registry: Registry) -> None:
    seed(store, registry)
    result = service.resolve(store, registry).to_dict()
    assert result["families"]["Person"]["mode"] == "full"
    assert (result["mentions"], result["canonical_entities"], result["merged_mentions"]) == (
        6, 3, 5)
    ids = service.canonical_ids(store, ["co-p1", "ru-p1", "co-p2", "nobody"])
    assert ids["co-p1"] == ids["ru-p1"] != ids["co-p2"] and ids["nobody"] == "nobody"

    view = service.canonical_entity(store, "ru-p1", registry=registry).to_dict()
    assert view["id"] == ids["co-p1"] and view["size"] == 3
    assert {m["id"]: m["statements"][0]["origin"] for m in view["members"]} == {
        "co-p1": "co-dijin", "mx-p1": "mx-fgr", "ru-p1": "ru-x"}
    levels = {a["level"] for link in view["links"] for a in link["agreements"]}
    assert "same date of birth" in levels
    vessel = service.explain(store, "co-v1", "mx-v1")
    assert vessel["same_canonical_entity"] and vessel["link"]["accepted"]
    assert vessel["link"]["hard_evidence"] == ["same imo: 9815276"]
    listed = service.canonical_entities(store, family="Person")
    assert [(c["size"], c["caption"]) for c in listed] == [(3, "Guzmán Loera, Joaquín")]


def test_judgements_override_survive_reruns_and_are_ledgered(store: Store,
                                                             registry: Registry) -> None:
    seed(store, registry)
    service.resolve(store, registry)
    done = service.judge(store, "ru-p1", "co-p1", "different", actor="ana",
                         reason="another man").to_dict()
    assert {tuple(c["members"]) for c in done["canonical_entities"]} == {
        ("co-p1", "mx-p1"), ("ru-p1",)}
    for full in (False, True):
        service.resolve(store, registry, full=full)
        ids = service.canonical_ids(store, ["co-p1", "ru-p1"])
        assert ids["co-p1"] != ids["ru-p1"]
    service.judge(store, "co-p2", "co-p1", "same", actor="ana")
    assert len(set(service.canonical_ids(store, ["co-p1", "co-p2", "mx-p1"]).values())) == 1
    assert [j.judgement.value for j in service.list_judgements(store)] == ["same", "different"]
    with store.unit_of_work(write=False) as uow:
        logged = ledger.audit_log(uow, LeafFilter(action="judgement.made"))
    assert [e.entry.details["judgement"] for e in logged] == ["different", "same"]
    assert logged[0].entry.subject == "co-p1|ru-p1" and "reason" in logged[0].entry.hashes
    assert "another man" not in str(logged[0].entry.to_dict())


def test_bad_judgements_say_why(store: Store, registry: Registry) -> None:
    seed(store, registry)
    service.resolve(store, registry)
    with pytest.raises(InvalidValue, match=r"'perhaps' is not a judgement"):
        service.judge(store, "co-p1", "mx-p1", "perhaps", actor="ana")
    with pytest.raises(InvalidValue, match="cannot judge 'co-p1' against itself"):
        service.judge(store, "co-p1", "co-p1", "same", actor="ana")
    with pytest.raises(NotFound, match="no resolved entity 'ghost'"):
        service.judge(store, "co-p1", "ghost", "same", actor="ana")
    with pytest.raises(InvalidValue, match="is a Person and 'co-v1' a Vessel"):
        service.judge(store, "co-p1", "co-v1", "same", actor="ana")
    service.judge(store, "co-p1", "co-p2", "same", actor="ana")
    service.judge(store, "co-p1", "mx-p1", "same", actor="ana")
    with pytest.raises(Conflict, match="'co-p2' and 'mx-p1' are already judged same"):
        service.judge(store, "mx-p1", "co-p2", "different", actor="ana")
    with pytest.raises(NotFound, match="no canonical entity or entity 'ghost'"):
        service.canonical_entity(store, "ghost", registry=registry)
    with pytest.raises(InvalidValue, match="unknown family 'Ship'"):
        service.canonical_entities(store, family="Ship")


def test_new_and_retracted_reports_are_resolved_incrementally(store: Store,
                                                              registry: Registry) -> None:
    seed(store, registry)
    service.resolve(store, registry)
    report(store, registry, "ES-1", "es-x",
           person("es-p1", "Joaquin Guzman", phone=["+526671234567"]))
    run = service.resolve(store, registry).to_dict()["families"]["Person"]
    assert (run["mode"], run["new"]) == ("incremental", 1)
    assert len(set(service.canonical_ids(store, ["es-p1", "mx-p1"]).values())) == 1
    retract_report(store, "RU-1")
    gone = service.resolve_entities(store, registry, ["ru-p1"]).to_dict()
    assert gone["families"]["Person"]["removed"] == 1
    assert service.canonical_ids(store, ["ru-p1"]) == {"ru-p1": "ru-p1"}
    before = {c["id"]: c["members"] for c in service.canonical_entities(store)}
    service.resolve(store, registry, full=True)
    assert {c["id"]: c["members"] for c in service.canonical_entities(store)} == before
