"""accord resolve / judge / canonical and the /api/v1/resolution routes: thin over the service."""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord.bootstrap import Node
from accord.services.reports import create_report

from .conftest import NodeFixture, auth, run_cli


def seed(node: Node) -> None:
    people = [("co-1", "Joaquín GUZMÁN LOERA"), ("mx-1", "Guzmán Loera, Joaquín"),
              ("ru-1", "Хоакин Гусман Лоэра"), ("co-2", "Ana Ruiz")]
    create_report(node.store, {"id": "R1", "title": "targets", "entities": [
        {"id": i, "schema": "Person", "properties": {"name": [n], "birthDate": ["1957-04-04"]}}
        for i, n in people]}, origin=node.node_id, registry=node.registry)


def test_cli_resolve_judge_and_show(node: Node, node_dir: NodeFixture) -> None:
    seed(node)
    where = ["--node", str(node_dir.path)]
    done = run_cli("resolve", *where, "--json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["families"]["Person"]["merged_mentions"] == 3
    shown = run_cli("canonical", "mx-1", *where, "--json").json()
    assert sorted(m["id"] for m in shown["members"]) == ["co-1", "mx-1", "ru-1"]
    judged = run_cli("judge", "ru-1", "co-1", "different", *where, "--reason", "not him",
                     "--json").json()
    assert judged["judgement"]["actor"].startswith("local/")
    listed = run_cli("canonical", *where, "--json").json()["canonical_entities"]
    assert [c["members"] for c in listed] == [["co-1", "mx-1"]]
    bad = run_cli("judge", "co-1", "mx-1", "maybe", *where, "--json")
    assert bad.exit_code == 1 and bad.json()["error"]["code"] == "invalid_value"
    human = run_cli("resolve", *where, "--full")
    assert human.exit_code == 0 and "Person" in human.stdout


def test_api_resolution_routes(node: Node, client: TestClient, tokens: dict[str, str]) -> None:
    seed(node)
    analyst, auditor = auth(tokens["analyst"]), auth(tokens["auditor"])
    assert client.post("/api/v1/resolution/run", headers=auditor).status_code == 403
    run = client.post("/api/v1/resolution/run", headers=analyst)
    assert run.status_code == 200 and run.json()["canonical_entities"] == 2
    entity = client.get("/api/v1/resolution/canonical/ru-1", headers=analyst).json()
    assert entity["size"] == 3 and entity["links"]
    why = client.get("/api/v1/resolution/explain", params={"left": "co-1", "right": "ru-1"},
                     headers=analyst).json()
    assert why["link"]["accepted"]
    judged = client.post("/api/v1/resolution/judgements", headers=analyst, json={
        "left": "co-1", "right": "ru-1", "judgement": "different", "reason": "not him"})
    assert judged.status_code == 201 and judged.json()["judgement"]["actor"] == "analyst-1"
    listed = client.get("/api/v1/resolution/judgements", headers=analyst).json()
    assert [j["judgement"] for j in listed["judgements"]] == ["different"]
    sizes = client.get("/api/v1/resolution/canonical", headers=analyst).json()
    assert [c["size"] for c in sizes["canonical_entities"]] == [2]
    missing = client.get("/api/v1/resolution/canonical/ghost", headers=analyst)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
