"""Every API route authenticates (401) and authorises by role (403), in one error shape.

The table of who may call what is read from the routes themselves (each
declares ``require(Action.X)``), so a new route is covered without editing
this file, and a route without an auth dependency fails the test.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from accord.domain.users import Role
from accord.entrypoints.api.app import API_PREFIX
from accord.services.users import Action, allowed

from .conftest import auth

PUBLIC = {"/healthz"}
# Node-to-node routes carry no bearer token: a partner's published keys are public
# by design, and the others authenticate each request by signature (envelopes,
# signed requests, signed receipts; routers/federation.py). The federation
# tests check that each one refuses what is not signed by a pinned partner.
SIGNED_BY_PARTNERS = {"/.well-known/accord/node.json", "/federation/v1/inbox",
                      "/federation/v1/feed", "/federation/v1/receipts",
                      # The ledger's (routers/ledger_federation.py): checkpoints are signed
                      # by this node and proofs are hashes only; a co-signature is kept
                      # only if it verifies with a pinned partner's key (tests/services/
                      # test_witnessing.py checks that strangers are refused).
                      "/federation/v1/checkpoint", "/federation/v1/consistency",
                      "/federation/v1/cosign",
                      # Agreements between parties' nodes come in envelopes signed by the
                      # sending node (tests/services/test_agreement_lifecycle.py).
                      "/federation/v1/agreements",
                      # Private queries, follow-up requests and deconfliction: envelopes
                      # signed by the asking node, answers sealed to it (tests/services/
                      # test_queries.py checks that strangers and forgeries are refused).
                      "/federation/v1/queries", "/federation/v1/follow-ups",
                      "/federation/v1/deconfliction"}


def api_routes(client: TestClient) -> list[tuple[str, set[str], APIRoute]]:
    """(full path, methods, route) of every route under the API prefix."""
    out = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, APIRoute) and (context.path or "").startswith(API_PREFIX):
            out.append((str(context.path), set(context.methods or ()), route))
    return out


def route_action(route: APIRoute) -> Action | None:
    """The Action a route requires; None for routes open to any authenticated user."""
    names = [dep.call.__name__ for dep in route.dependant.dependencies if dep.call]
    for name in names:
        if name.startswith("require_"):
            return Action[name.removeprefix("require_").upper()]
    assert "current_user" in names, f"{route.path} has no authentication dependency"
    return None


def calls(client: TestClient) -> list[tuple[str, str, Action | None]]:
    out = []
    for full_path, methods, route in api_routes(client):
        path = re.sub(r"\{[^}]*id\}", "1", full_path)
        path = re.sub(r"\{[^}]+\}", "x", path)
        for method in sorted(methods):
            out.append((method, path, route_action(route)))
    return out


def test_every_api_route_requires_a_token(client: TestClient) -> None:
    assert calls(client), "no routes found"
    for method, path, _action in calls(client):
        for headers in ({}, auth("acc_not-a-real-token"), {"Authorization": "Basic abc"}):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            error = response.json()["error"]
            assert error["code"] == "unauthorized"
            assert error["where"] == "Authorization"
            assert response.headers["www-authenticate"] == "Bearer"


def test_missing_and_wrong_tokens_say_what_is_wrong(client: TestClient) -> None:
    missing = client.get(f"{API_PREFIX}/me").json()["error"]["message"]
    assert missing == "missing API token; send the header 'Authorization: Bearer <token>'"
    wrong = client.get(f"{API_PREFIX}/me", headers=auth("acc_wrong")).json()["error"]["message"]
    assert wrong.startswith("the API token is not valid (unknown, revoked or mistyped)")


@pytest.mark.parametrize("role", list(Role))
def test_every_route_refuses_roles_without_the_right(client: TestClient,
                                                     tokens: dict[str, str], role: Role) -> None:
    checked = 0
    for method, path, action in calls(client):
        if action is None or allowed(role, action):
            continue
        checked += 1
        response = client.request(method, path, headers=auth(tokens[role.value]), json={})
        assert response.status_code == 403, (role, method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "forbidden"
        assert f"has role '{role.value}', which may not {action.value}" in error["message"]
    assert checked, f"no route is closed to {role.value}"


def test_a_revoked_token_stops_working(client: TestClient, tokens: dict[str, str]) -> None:
    admin = auth(tokens["admin"])
    created = client.post(f"{API_PREFIX}/users/analyst-1/tokens", headers=admin,
                          json={"label": "laptop"}).json()
    assert client.get(f"{API_PREFIX}/me", headers=auth(created["token"])).status_code == 200
    token_id = created["token_record"]["id"]
    assert client.post(f"{API_PREFIX}/tokens/{token_id}/revoke", headers=admin).status_code == 200
    assert client.get(f"{API_PREFIX}/me", headers=auth(created["token"])).status_code == 401


def test_healthz_needs_no_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "node": {
        "node_id": "mx-test", "country": "MX", "name": "Test agency",
        "contact": "desk@example.org"}}


def test_openapi_lists_the_routes_and_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert f"{API_PREFIX}/me" in document["paths"]
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_every_route_outside_the_api_is_public_or_signed(client: TestClient) -> None:
    outside = {str(context.path) for context in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
               if isinstance(context.original_route, APIRoute)
               and not str(context.path).startswith(API_PREFIX)}
    assert outside - PUBLIC - SIGNED_BY_PARTNERS == set(), "a route without authentication"
