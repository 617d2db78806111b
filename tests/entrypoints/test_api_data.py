"""Reports, entities, search and import over the API, against a real SQLite node."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from fastapi.testclient import TestClient

from accord.bootstrap import open_node
from accord.entrypoints.api.app import API_PREFIX, create_app

from .bad_inputs import BAD_INPUTS
from .conftest import NodeFixture, auth

SAMPLE = (resources.files("accord") / "data" / "sample.jsonl").read_bytes()
REPORT = {
    "id": "MX-API-1", "title": "Vessel sighting", "narrative": "Seen at dawn.",
    "markings": {"tlp": "AMBER"}, "grading": "B2",
    "entities": [
        {"id": "api-p1", "schema": "Person", "properties": {"name": ["Ana Example"],
                                                            "phone": ["+57 310 555 0101"]}},
        {"id": "api-v1", "schema": "Vessel", "properties": {"name": ["Sea Example"]}},
    ],
}


@pytest.fixture
def analyst(tokens: dict[str, str]) -> dict[str, str]:
    return auth(tokens["analyst"])


def post_import(client: TestClient, headers: dict[str, str], content: bytes,
                **params: str) -> dict[str, object]:
    response = client.post(f"{API_PREFIX}/import", headers=headers, content=content,
                           params=params)
    body: dict[str, object] = response.json()
    body["_status"] = response.status_code
    return body


def test_report_lifecycle(client: TestClient, analyst: dict[str, str]) -> None:
    created = client.post(f"{API_PREFIX}/reports", headers=analyst, json=REPORT)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    assert {s["entity_id"] for s in created.json()["statements"]} == {"api-p1", "api-v1"}

    read = client.get(f"{API_PREFIX}/reports/MX-API-1", headers=analyst).json()
    assert read["title"] == "Vessel sighting" and read["origin"] == "mx-test"

    changed = {**REPORT, "title": "Vessel sighting (corrected)",
               "entities": REPORT["entities"][:1]}  # type: ignore[index]
    updated = client.put(f"{API_PREFIX}/reports/MX-API-1", headers=analyst, json=changed)
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    assert client.get(f"{API_PREFIX}/entities/api-v1", headers=analyst).status_code == 404

    retracted = client.post(f"{API_PREFIX}/reports/MX-API-1/retract", headers=analyst,
                            json={"reason": "source withdrawn"})
    assert retracted.json()["status"] == "retracted" and retracted.json()["version"] == 3
    history = client.get(f"{API_PREFIX}/reports/MX-API-1/history", headers=analyst).json()
    assert [v["version"] for v in history["versions"]] == [1, 2, 3]
    hidden = client.get(f"{API_PREFIX}/entities/api-p1", headers=analyst)
    assert hidden.status_code == 404
    assert "only in retracted reports" in hidden.json()["error"]["message"]
    listed = client.get(f"{API_PREFIX}/reports", headers=analyst).json()["reports"]
    assert [r["id"] for r in listed] == ["MX-API-1"]


def test_a_bad_report_names_the_entity_and_field_and_writes_nothing(
        client: TestClient, analyst: dict[str, str]) -> None:
    bad = {**REPORT, "entities": [{"id": "x", "schema": "Person",
                                   "properties": {"name": ["A"], "phone": ["+57 12"]}}]}
    response = client.post(f"{API_PREFIX}/reports", headers=analyst, json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["problems"][0]["where"] == "entities[0]"
    assert error["problems"][0]["field"] == "properties.phone[0]"
    assert client.get(f"{API_PREFIX}/reports/MX-API-1", headers=analyst).status_code == 404


def test_report_errors_have_the_stable_shape(client: TestClient,
                                             analyst: dict[str, str]) -> None:
    missing = client.get(f"{API_PREFIX}/reports/nope", headers=analyst)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "where": "report",
                                        "message": "no report 'nope' in this node"}}
    client.post(f"{API_PREFIX}/reports", headers=analyst, json=REPORT)
    twice = client.post(f"{API_PREFIX}/reports", headers=analyst, json=REPORT)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"
    not_object = client.post(f"{API_PREFIX}/reports", headers=analyst, json=["x"])
    assert not_object.status_code == 422
    assert not_object.json()["error"]["where"] == "body"


def test_entity_and_statements_with_provenance(client: TestClient,
                                               analyst: dict[str, str]) -> None:
    assert post_import(client, analyst, SAMPLE)["_status"] == 200
    entity = client.get(f"{API_PREFIX}/entities/mx-per-0001", headers=analyst).json()
    assert entity["schema"] == "Person"
    assert {r["id"] for r in entity["reports"]} == {"MX-DEMO-2026-0001", "MX-DEMO-2026-0002"}
    statements = client.get(f"{API_PREFIX}/entities/mx-per-0001/statements",
                            headers=analyst).json()["statements"]
    phone = [s for s in statements if s["prop"] == "phone"]
    assert {s["report_id"] for s in phone} == {"MX-DEMO-2026-0001", "MX-DEMO-2026-0002"}
    assert all(s["value"] == "+526675550142" and s["origin"] == "mx-test" for s in phone)
    assert {s["markings"]["tlp"] for s in phone} == {"AMBER", "RED"}


@pytest.mark.parametrize("query", ["Joaquin Zambrano", "ZAMBRANO, joaquín",
                                   "Хоакин Замбрано"])
def test_search_finds_name_variants(client: TestClient, analyst: dict[str, str],
                                    query: str) -> None:
    post_import(client, analyst, SAMPLE)
    hits = client.get(f"{API_PREFIX}/search", headers=analyst, params={"q": query}).json()
    assert hits["hits"][0]["entity_id"] == "mx-per-0001"


def test_search_identifier_and_validation(client: TestClient, analyst: dict[str, str]) -> None:
    post_import(client, analyst, SAMPLE)
    hits = client.get(f"{API_PREFIX}/search", headers=analyst,
                      params={"q": "GB82 WEST 1234 5698 7654 32"}).json()["hits"]
    assert [h["entity_id"] for h in hits] == ["mx-acc-0001"]
    no_q = client.get(f"{API_PREFIX}/search", headers=analyst)
    assert no_q.status_code == 422 and no_q.json()["error"]["where"] == "query.q"
    bad_limit = client.get(f"{API_PREFIX}/search", headers=analyst,
                           params={"q": "x", "limit": 0})
    assert bad_limit.json()["error"]["where"] == "query.limit"


def test_import_counts_and_is_idempotent(client: TestClient, analyst: dict[str, str]) -> None:
    first = post_import(client, analyst, SAMPLE)
    assert first["_status"] == 200 and first["reports_new"] == 2
    assert first["files"] == ["upload.jsonl"] and first["rejects"] == []
    again = post_import(client, analyst, SAMPLE)
    assert again["statements_new"] == 0 and again["reports_unchanged"] == 2


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_import_rejects_bad_input_naming_the_upload(client: TestClient,
                                                    analyst: dict[str, str],
                                                    case: str) -> None:
    content, line, field, reason = BAD_INPUTS[case]
    body = post_import(client, analyst, content, filename="cases.jsonl")
    assert body["_status"] == 422
    error = body["error"]
    assert isinstance(error, dict) and error["code"] == "invalid_input"
    assert any(p["where"] == f"cases.jsonl:{line}" and p["field"] == field
               and p["reason"].startswith(reason) for p in error["problems"]), error
    assert "/tmp" not in str(error) and "accord-import-" not in str(error)
    assert client.get(f"{API_PREFIX}/reports", headers=analyst).json()["reports"] == []


def test_import_skip_invalid_lists_rejects(client: TestClient, analyst: dict[str, str]) -> None:
    content, _line, _field, reason = BAD_INPUTS["invalid IMO"]
    body = post_import(client, analyst, content, skip_invalid="true")
    assert body["_status"] == 200 and body["rejected"] == 1
    rejects = body["rejects"]
    assert isinstance(rejects, list) and rejects[0]["file"] == "upload.jsonl"
    assert rejects[0]["problems"][0]["reason"].startswith(reason)
    assert [r["id"] for r in client.get(f"{API_PREFIX}/reports",
                                        headers=analyst).json()["reports"]] == ["R1"]


def test_import_empty_body(client: TestClient, analyst: dict[str, str]) -> None:
    body = post_import(client, analyst, b"")
    assert body["_status"] == 422
    assert body["error"]["problems"][0]["reason"].startswith(  # type: ignore[index]
        "the request body is empty")


def test_import_over_the_node_limit_is_413_and_writes_nothing(node_dir: NodeFixture,
                                                              tokens: dict[str, str]) -> None:
    config_path = node_dir.path / "node.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["api"]["max_import_bytes"] = 1000
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with open_node(node_dir.path) as node, TestClient(create_app(node)) as client:
        headers = auth(tokens["analyst"])
        body = post_import(client, headers, SAMPLE)
        assert body["_status"] == 413
        assert body["error"] == {"code": "payload_too_large", "where": None, "message":
                                 "request body is larger than this node accepts (1000 bytes)"}
        assert client.get(f"{API_PREFIX}/reports", headers=headers).json()["reports"] == []


def test_liaison_reads_but_cannot_write(client: TestClient, tokens: dict[str, str],
                                        analyst: dict[str, str]) -> None:
    post_import(client, analyst, SAMPLE)
    liaison = auth(tokens["liaison"])
    assert client.get(f"{API_PREFIX}/entities/mx-per-0001", headers=liaison).status_code == 200
    denied = client.post(f"{API_PREFIX}/reports", headers=liaison, json=REPORT)
    assert denied.status_code == 403
    assert client.get(f"{API_PREFIX}/reports/MX-API-1", headers=liaison).status_code == 404


