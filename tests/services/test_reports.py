"""Reports: create, update (new version, statements replaced), retract, history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from accord.adapters.store import Store
from accord.domain.errors import Conflict, InvalidInput, NotFound
from accord.domain.registry import Registry, load_registry
from accord.domain.report import ReportStatus
from accord.services.reports import (
    create_report,
    get_report,
    list_reports,
    report_history,
    retract_report,
    update_report,
)
from accord.services.search import search

DOC: dict[str, Any] = {
    "id": "CO-R1", "title": "Go-fast departure from Tumaco", "markings": {"tlp": "AMBER"},
    "entities": [
        {"id": "p1", "schema": "Person",
         "properties": {"name": ["Joaquín Guzmán"], "phone": ["+57 300 123 4567"]}},
        {"id": "o1", "schema": "Organization", "properties": {"name": ["Cartel del Golfo"]}},
        {"id": "m1", "schema": "Membership",
         "properties": {"member": ["p1"], "organization": ["o1"]}},
    ],
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def rows(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_create_and_get(store: Store, registry: Registry) -> None:
    detail = create_report(store, DOC, origin="CO", registry=registry)
    assert (detail.report.version, detail.report.origin, len(detail.statements)) == (1, "CO", 5)
    got = get_report(store, "CO-R1")
    assert got.report == detail.report
    assert {s.id for s in got.statements} == {s.id for s in detail.statements}
    assert got.to_dict()["statements"][0]["report_id"] == "CO-R1"


def test_create_without_id_gets_one_and_duplicate_id_conflicts(store: Store,
                                                               registry: Registry) -> None:
    doc = {k: v for k, v in DOC.items() if k != "id"}
    made = create_report(store, doc, origin="CO", registry=registry)
    assert made.report.id.startswith("CO-")
    create_report(store, DOC, origin="CO", registry=registry)
    with pytest.raises(Conflict, match="report 'CO-R1' already exists; update it instead"):
        create_report(store, DOC, origin="CO", registry=registry)


def test_update_makes_a_new_version_and_replaces_statements(store: Store,
                                                            registry: Registry) -> None:
    create_report(store, DOC, origin="CO", registry=registry)
    revised = {**DOC, "title": "Go-fast departure (revised)",
               "entities": [{"id": "p1", "schema": "Person",
                             "properties": {"name": ["Joaquín Guzmán"]}}]}
    detail = update_report(store, "CO-R1", revised, registry=registry)
    assert detail.report.version == 2 and len(detail.statements) == 1
    assert rows(store, "statements") == 1
    assert rows(store, "search_identifiers") == 0  # the phone went with its statement
    assert [h.entity_id for h in search(store, "Cartel del Golfo", registry=registry)] == []
    history = report_history(store, "CO-R1")
    assert [(r.version, r.title) for r in history] == [
        (1, "Go-fast departure from Tumaco"), (2, "Go-fast departure (revised)")]
    assert history[0].created == history[1].created


def test_retract_keeps_statements_but_hides_them(store: Store, registry: Registry) -> None:
    create_report(store, DOC, origin="CO", registry=registry)
    retracted = retract_report(store, "CO-R1", reason="source withdrawn")
    assert retracted.status is ReportStatus.RETRACTED and retracted.version == 2
    assert "[retracted] source withdrawn" in retracted.narrative
    assert rows(store, "statements") == 5
    assert search(store, "Joaquin Guzman", registry=registry) == []
    assert [r.id for r in list_reports(store, include_retracted=False)] == []
    with pytest.raises(Conflict, match="report 'CO-R1' is retracted and cannot be updated"):
        update_report(store, "CO-R1", DOC, registry=registry)


def test_invalid_documents_name_the_entity_and_write_nothing(store: Store,
                                                             registry: Registry) -> None:
    bad = {**DOC, "entities": [
        {"id": "p1", "schema": "Person", "properties": {"name": ["X"], "phone": ["12"]}},
        {"id": "m1", "schema": "Membership",
         "properties": {"member": ["p1"], "organization": ["nobody"]}},
        "not an object",
    ]}
    with pytest.raises(InvalidInput) as caught:
        create_report(store, bad, origin="CO", registry=registry)
    assert [str(p) for p in caught.value.problems] == [
        "entities[0]: properties.phone[0]: '12' is not a valid phone number: "
        "no country code (+CC) and no country to read it in",
        "entities[1]: properties.organization: links to unknown entity 'nobody' "
        "(not in this input nor in the store)",
        "entities[2]: an entity must be an object",
    ]
    assert rows(store, "reports") == rows(store, "statements") == 0
    with pytest.raises(InvalidInput, match="report: title: title is required"):
        create_report(store, {"id": "X"}, origin="CO", registry=registry)


def test_unknown_reports_are_not_found(store: Store, registry: Registry) -> None:
    for call in (lambda: get_report(store, "nope"), lambda: report_history(store, "nope"),
                 lambda: retract_report(store, "nope"),
                 lambda: update_report(store, "nope", DOC, registry=registry)):
        with pytest.raises(NotFound, match="no report 'nope' in this node"):
            call()
