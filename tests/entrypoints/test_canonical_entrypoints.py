"""accord search / show and GET /search, /entities/{id}: canonical entities with provenance."""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord.adapters.ledger import LeafFilter
from accord.bootstrap import Node
from accord.services import ledger
from accord.services.reports import create_report
from accord.services.resolve import resolve

from .conftest import NodeFixture, auth, run_cli


def person(entity_id: str, name: str) -> dict[str, object]:
    return {"id": entity_id, "schema": "Person",
            "properties": {"name": [name], "birthDate": ["1957-04-04"]}}


def seed(node: Node) -> None:
    create_report(node.store, {"id": "MX-1", "title": "own", "markings": {"tlp": "AMBER"},
                               "entities": [person("mx-1", "Guzmán Loera, Joaquín")]},
                  origin=node.node_id, registry=node.registry)
    create_report(node.store, {"id": "CO-1", "title": "received", "markings": {"tlp": "RED"},
                               "entities": [person("co-1", "Joaquín GUZMÁN LOERA"),
                                            {"id": "co-2", "schema": "Person",
                                             "properties": {"name": ["Ana Ruiz"]}}]},
                  origin="co-dijin", registry=node.registry)
    create_report(node.store, {"id": "RU-1", "title": "received too", "entities": [
        person("ru-1", "Хоакин Гусман Лоэра")]}, origin="ru-x", registry=node.registry)
    resolve(node.store, node.registry)


def reads(node: Node) -> list[tuple[str, str, str | None]]:
    with node.store.unit_of_work(write=False) as uow:
        logged = ledger.audit_log(uow, LeafFilter(action="material.read"))
    return [(e.entry.actor, e.entry.subject, e.entry.partner) for e in logged]


def test_api_search_and_entity_pages_show_canonical_entities(
        node: Node, client: TestClient, tokens: dict[str, str]) -> None:
    seed(node)
    analyst, auditor = auth(tokens["analyst"]), auth(tokens["auditor"])
    found = client.get("/api/v1/search", params={"q": "Joaquin Guzman"}, headers=analyst)
    assert found.status_code == 200
    [group] = [g for g in found.json()["canonical"] if g["resolved"]]
    assert group["size"] == 3 and group["family"] == "Person"
    assert {h["canonical_id"] for h in found.json()["hits"]} == {group["canonical_id"]}
    page = client.get("/api/v1/entities/mx-1", headers=analyst).json()
    assert page["kind"] == "entity" and page["schema"] == "Person"
    canon = page["canonical"]
    assert canon["id"] == group["canonical_id"] and canon["received_mentions"] == 2
    received = {m["id"]: m["reports"][0]["markings"]["tlp"] for m in canon["members"]
                if m["received"]}
    assert received == {"co-1": "RED", "ru-1": "AMBER"}
    assert canon["links"] and canon["properties"]["birthDate"][0]["mentions"] == 3
    assert sorted(r for r in reads(node) if r[0] == "analyst-1") == [
        ("analyst-1", "entity/mx-1", "co-dijin"), ("analyst-1", "entity/mx-1", "ru-x")]
    by_id = client.get(f"/api/v1/entities/{canon['id']}", headers=analyst).json()
    assert by_id["kind"] == "canonical" and by_id["canonical"]["size"] == 3
    alone = client.get("/api/v1/entities/mx-1", params={"canonical": "false"},
                       headers=analyst).json()
    assert "canonical" not in alone and alone["id"] == "mx-1"
    # those who may not read (auditors, admins) see neither entities nor canonical ones
    for path in ("/api/v1/entities/mx-1", f"/api/v1/entities/{canon['id']}",
                 "/api/v1/resolution/canonical/mx-1"):
        assert client.get(path, headers=auditor).status_code == 403
    assert client.get("/api/v1/search", params={"q": "Joaquin"},
                      headers=auditor).status_code == 403
    assert not [r for r in reads(node) if r[0] == "auditor-1"]
    missing = client.get("/api/v1/entities/ce-0000", headers=analyst)
    assert missing.status_code == 404


def test_cli_search_and_show_give_the_canonical_entity(node_dir: NodeFixture,
                                                        node: Node) -> None:
    seed(node)
    where = ["--node", str(node_dir.path)]
    found = run_cli("search", "Joaquin Guzman", *where, "--json")
    assert found.exit_code == 0, found.stderr
    groups = [g for g in found.json()["canonical"] if g["resolved"]]
    assert [g["size"] for g in groups] == [3]
    table = run_cli("search", "Joaquin Guzman", *where)
    assert groups[0]["canonical_id"] in table.stdout and "mx-1" in table.stdout
    shown = run_cli("show", "co-1", *where, "--json").json()
    assert shown["id"] == "co-1" and shown["canonical"]["size"] == 3
    assert {m["id"] for m in shown["canonical"]["members"]} == {"mx-1", "co-1", "ru-1"}
    human = run_cli("show", "co-1", *where)
    assert "Canonical entity" in human.stdout and "received" in human.stdout
    canon = run_cli("show", groups[0]["canonical_id"], *where, "--json").json()
    assert canon["kind"] == "canonical"
    listed = run_cli("canonical", "ru-1", *where)
    assert listed.exit_code == 0 and "same date of birth" in listed.stdout
    lonely = run_cli("show", "co-2", *where)
    assert lonely.exit_code == 0 and "1 mention" in lonely.stdout


def test_serves_worker_thread_resolves_what_arrives(node: Node) -> None:
    import threading

    from accord.services.resolution_worker import WorkerSettings, worker_thread
    from accord.services.resolve import canonical_ids

    seed(node)
    stop = threading.Event()
    thread = worker_thread(node, stop, WorkerSettings(poll_seconds=0.05, quiet_seconds=0.1))
    thread.start()
    try:
        create_report(node.store, {"id": "ES-1", "title": "later", "entities": [
            person("es-1", "Joaquin Guzman Loera")]}, origin="es-x", registry=node.registry)
        pause = threading.Event()
        for _ in range(600):  # until resolved (about a minute at most on a busy machine)
            ids = canonical_ids(node.store, ["es-1", "mx-1"])
            if ids["es-1"] == ids["mx-1"]:
                break
            pause.wait(0.1)
        assert ids["es-1"] == ids["mx-1"]
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
