"""Entities as views over statements, with provenance."""

from __future__ import annotations

import pytest

from accord.adapters.store import Store
from accord.domain.errors import NotFound
from accord.domain.registry import Registry, load_registry
from accord.services.entities import entity_statements, get_entity
from accord.services.reports import create_report, retract_report


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def test_an_entity_gathers_statements_from_several_reports(store: Store,
                                                           registry: Registry) -> None:
    create_report(store, {"id": "R1", "title": "one", "markings": {"tlp": "GREEN"},
                          "entities": [{"id": "p1", "schema": "Person",
                                        "properties": {"name": ["Ana Ruiz"]}}]},
                  origin="CO", registry=registry)
    create_report(store, {"id": "R2", "title": "two", "markings": {"tlp": "RED"}, "entities": [
        {"id": "p1", "schema": "Person",
         "properties": {"name": ["Ana Ruiz"], "birthDate": ["1980-02-03"]},
         "grading": "B2"}]}, origin="CO", registry=registry)
    view = get_entity(store, "p1", registry=registry)
    assert view.entity.caption == "Ana Ruiz"
    assert view.entity.marking.tlp.value == "RED"
    assert [r.id for r in view.reports] == ["R1", "R2"]
    body = view.to_dict()
    birth = next(s for s in body["statements"] if s["prop"] == "birthDate")
    assert (birth["report_id"], birth["origin"], birth["grading"]["source"]) == ("R2", "CO", "B")
    retract_report(store, "R2")
    assert [s.prop for s in get_entity(store, "p1", registry=registry).statements] == ["name"]
    assert len(entity_statements(store, "p1", include_retracted=True)) == 3


def test_unknown_entity_is_not_found(store: Store, registry: Registry) -> None:
    with pytest.raises(NotFound, match="no entity 'ghost' in this node"):
        get_entity(store, "ghost", registry=registry)
    with pytest.raises(NotFound, match="no entity 'ghost' in this node"):
        entity_statements(store, "ghost")


def test_entity_only_in_retracted_reports_says_so(store: Store, registry: Registry) -> None:
    create_report(store, {"id": "R1", "title": "one", "entities": [
        {"id": "p1", "schema": "Person", "properties": {"name": ["Ana Ruiz"]}}]},
        origin="CO", registry=registry)
    retract_report(store, "R1")
    with pytest.raises(NotFound, match=r"no entity 'p1' in this node \(only in retracted"):
        get_entity(store, "p1", registry=registry)
