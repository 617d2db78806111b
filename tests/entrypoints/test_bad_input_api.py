"""Bad requests get 4xx in the API's error shape naming where and why, never a 500.

Found by running schemathesis against the OpenAPI document and by hand: ids and
offsets beyond 64 bits, bodies that are not JSON, values the store cannot hold
(NUL, lone surrogates), versions and times that are not.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import auth

HUGE = "1070068954104035599712256"  # beyond 64 bits


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code and body["message"] and "where" in body
    return body


@pytest.mark.parametrize(("role", "method", "path", "where"), [
    ("supervisor", "GET", f"/api/v1/approvals/{HUGE}", "path.approval_id"),
    ("supervisor", "POST", f"/api/v1/approvals/{HUGE}/approve", "path.approval_id"),
    ("supervisor", "POST", f"/api/v1/approvals/{HUGE}/refuse", "path.approval_id"),
    ("supervisor", "GET", f"/api/v1/approvals?after={HUGE}", "query.after"),
    ("supervisor", "GET", f"/api/v1/reports?offset={HUGE}", "query.offset"),
    ("admin", "POST", f"/api/v1/tokens/{HUGE}/revoke", "path.token_id"),
])
def test_numbers_beyond_64_bits_are_refused_naming_the_parameter(
        client: TestClient, tokens: dict[str, str], role: str, method: str, path: str,
        where: str) -> None:
    response = client.request(method, path, headers=auth(tokens[role]))
    assert _error(response, 422, "invalid_request")["where"] == where


def test_a_number_the_store_cannot_hold_is_the_request_s_error_anywhere(
        client: TestClient, tokens: dict[str, str]) -> None:
    # The safety net: a route without a bound still answers 422, not 500.
    response = client.get(f"/api/v1/audit/proof/{HUGE}", headers=auth(tokens["auditor"]))
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"]["code"] in ("not_found", "invalid_request")


def test_a_body_that_is_not_json_says_so(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/reports", content=b'{"title": "x",',
                           headers={**auth(tokens["analyst"]),
                                    "Content-Type": "application/json"})
    body = _error(response, 422, "invalid_request")
    assert body["where"] == "body"
    assert body["message"].startswith("body: the body is not valid JSON: ")
    assert "at character" in body["message"]


@pytest.mark.parametrize(("document", "where", "field", "reason"), [
    ('{"title": "a\\u0000"}', "report", "title", "contains a NUL character"),
    ('{"title": "\\ud800"}', "report", "title", "contains a lone surrogate (U+D800)"),
    ('{"title": "t", "version": "abc"}', "report", "version", "'abc' is not a version"),
    ('{"title": "t", "created": "9999-12-31T23:59:59-23:00"}', "report", "created",
     "'9999-12-31T23:59:59-23:00' is not an ISO 8601 time"),
    ('{"title": "t", "narrative": ["x"]}', "report", "narrative", "must be a string"),
    ('{"title": "t", "entities": [{"id": "p\\ud800", "schema": "Person",'
     ' "properties": {"name": ["A"]}}]}', "entities[0]", "id", "contains a lone surrogate"),
    ('{"title": "t", "entities": [{"id": "p1", "schema": "Person",'
     ' "properties": {"name": ["A\\u0000"]}}]}', "entities[0]", "properties.name[0]",
     "contains a NUL character"),
])
def test_report_values_the_store_cannot_hold_are_named(
        client: TestClient, tokens: dict[str, str], document: str, where: str, field: str,
        reason: str) -> None:
    headers = {**auth(tokens["analyst"]), "Content-Type": "application/json"}
    response = client.post("/api/v1/reports", content=document.encode(), headers=headers)
    (problem,) = _error(response, 422, "invalid_input")["problems"]
    assert (problem["where"], problem["field"]) == (where, field)
    assert problem["reason"].startswith(reason)
    listed = client.get("/api/v1/reports", headers=auth(tokens["analyst"])).json()
    assert listed["reports"] == []


def test_agreement_values_the_store_cannot_hold_are_named(
        client: TestClient, tokens: dict[str, str]) -> None:
    liaison = {**auth(tokens["liaison"]), "Content-Type": "application/json"}
    for text, reason in [("agr-\\ud800", "contains a lone surrogate"),
                         ("agr-\\u0000", "contains a NUL character")]:
        document = (f'{{"id": "{text}", "title": "t", "parties": ["mx-test", "co-x"],'
                    ' "valid_from": "2026-01-01", "valid_until": "2027-01-01", "clauses": []}')
        response = client.post("/api/v1/agreements", content=document.encode(),
                               headers=liaison)
        body = _error(response, 422, "invalid_value")
        assert body["where"] == "agreement.id" and body["message"].startswith(reason)
    response = client.get("/api/v1/agreements/agr%00", headers=auth(tokens["liaison"]))
    _error(response, 404, "not_found")


def test_token_label_and_user_with_a_nul(client: TestClient, tokens: dict[str, str]) -> None:
    admin = auth(tokens["admin"])
    response = client.post("/api/v1/users/admin/tokens", json={"label": "x\x00"}, headers=admin)
    assert _error(response, 422, "invalid_value")["where"] == "label"
    response = client.get("/api/v1/tokens", params={"user": "a\x00"}, headers=admin)
    assert _error(response, 404, "not_found")["where"] == "user"
    response = client.get("/api/v1/reports/R%00", headers=auth(tokens["analyst"]))
    _error(response, 404, "not_found")


def test_a_header_that_is_not_bearer_says_so(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": f"Basic {tokens['analyst']}"})
    body = _error(response, 401, "unauthorized")
    assert body["message"].startswith("the Authorization header must be 'Bearer <token>', "
                                      "not 'Basic'")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer"})
    assert _error(response, 401, "unauthorized")["message"].startswith("missing API token")


def test_unknown_routes_and_methods_name_what_was_asked(client: TestClient,
                                                        tokens: dict[str, str]) -> None:
    response = client.get("/api/v1/nope", headers=auth(tokens["analyst"]))
    assert _error(response, 404, "not_found")["message"].startswith(
        "no such route: GET /api/v1/nope")
    response = client.delete("/api/v1/reports", headers=auth(tokens["analyst"]))
    message = _error(response, 405, "method_not_allowed")["message"]
    assert message.startswith("DELETE is not allowed on /api/v1/reports (allowed: ")
    assert "GET" in message and "POST" in message


def test_a_body_nested_too_deeply_is_refused_naming_the_body(
        client: TestClient, tokens: dict[str, str]) -> None:
    document = '{"title": "t", "narrative": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post("/api/v1/reports", content=document.encode(),
                           headers={**auth(tokens["analyst"]),
                                    "Content-Type": "application/json"})
    body = _error(response, 400, "bad_request")
    assert body["where"] == "body" and "nested too deeply" in body["message"]


@pytest.mark.parametrize(("role", "path", "body"), [
    ("admin", "/api/v1/users", {"name": "ana", "role": "analyst", "rol": "admin"}),
    ("admin", "/api/v1/users/admin/tokens", {"label": "x", "expires": "never"}),
    ("analyst", "/api/v1/reports/R1/retract", {"reason": "x", "force": True}),
    ("supervisor", "/api/v1/approvals/1/approve", {"note": "x", "nota": "y"}),
    ("liaison", "/api/v1/agreements/a1/revoke", {"reason": "x", "why": "y"}),
])
def test_unknown_fields_in_request_bodies_are_named(
        client: TestClient, tokens: dict[str, str], role: str, path: str,
        body: dict[str, Any]) -> None:
    response = client.post(path, json=body, headers=auth(tokens[role]))
    error = _error(response, 422, "invalid_request")
    extra = next(iter(set(body) - {"name", "role", "label", "reason", "note"}))
    assert error["where"] == f"body.{extra}"
    assert error["message"] == f"body.{extra}: unknown field {extra!r}"
