"""People are resolved with what they hold (phones, accounts) and belong to, on both stores:
in a full run and when a new phone held by someone arrives later (incremental)."""

from __future__ import annotations

import pytest

from accord.adapters.store import Store
from accord.adapters.store.resolution_repo import SqlResolutionRepository
from accord.domain.registry import Registry, load_registry
from accord.services import resolve as service
from accord.services.reports import create_report


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def phone(entity_id: str, number: str, holder: str) -> dict[str, object]:
    return {"id": entity_id, "schema": "Phone",
            "properties": {"number": [number], "holder": [holder]}}


def person(entity_id: str, name: str) -> dict[str, object]:
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name]}}


def contexts(store: Store, ids: list[str]) -> dict[str, set[str]]:
    with store.engine.connect() as conn:
        found = SqlResolutionRepository(conn).mentions(ids)
    return {i: set(m.context) for i, m in found.items()}


def test_people_carry_the_canonical_phones_they_hold(store: Store, registry: Registry) -> None:
    create_report(store, {"id": "CO-1", "title": "t", "entities": [
        person("co-p1", "Ana Ruiz"), phone("co-ph1", "+57 300 123 4567", "co-p1")]},
        origin="co", registry=registry)
    create_report(store, {"id": "MX-1", "title": "t", "entities": [
        person("mx-p1", "La Güera"), phone("mx-ph1", "+573001234567", "mx-p1"),
        person("mx-p2", "Beto")]}, origin="mx", registry=registry)
    service.resolve(store, registry)
    ids = service.canonical_ids(store, ["co-ph1", "mx-ph1"])
    assert ids["co-ph1"] == ids["mx-ph1"]  # one line, written two ways
    found = contexts(store, ["co-p1", "mx-p1", "mx-p2"])
    assert found["co-p1"] == found["mx-p1"] == {f"h:{ids['co-ph1']}"}
    assert found["mx-p2"] == set()

    # later a phone held by mx-p2 arrives: its holder's context follows, incrementally
    create_report(store, {"id": "MX-2", "title": "t", "entities": [
        phone("mx-ph2", "+57 300 123 4567", "mx-p2")]}, origin="mx", registry=registry)
    result = service.resolve_entities(store, registry, ["mx-ph2"]).to_dict()
    assert result["families"]["Person"]["mode"] != "full"
    assert contexts(store, ["mx-p2"])["mx-p2"] == {f"h:{ids['co-ph1']}"}
