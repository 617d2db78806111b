"""Users and tokens over the API (admin), /me, and the error shape for bad bodies."""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord.entrypoints.api.app import API_PREFIX

from .conftest import auth


def test_admin_adds_a_user_who_can_then_call_me(client: TestClient,
                                                tokens: dict[str, str]) -> None:
    response = client.post(f"{API_PREFIX}/users", headers=auth(tokens["admin"]),
                           json={"name": "ana", "role": "analyst"})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "analyst"
    me = client.get(f"{API_PREFIX}/me", headers=auth(body["token"])).json()
    assert me["user"]["name"] == "ana"
    assert me["actions"] == ["analyse", "import", "query", "read", "search", "write_reports"]


def test_a_bad_user_body_is_422_with_the_field_path_and_writes_nothing(
        client: TestClient, tokens: dict[str, str]) -> None:
    admin = auth(tokens["admin"])
    before = client.get(f"{API_PREFIX}/users", headers=admin).json()
    response = client.post(f"{API_PREFIX}/users", headers=admin,
                           json={"name": "bob", "role": "chief"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["where"] == "body.role"
    assert error["message"].startswith("body.role: Input should be 'analyst'")
    assert client.get(f"{API_PREFIX}/users", headers=admin).json() == before


def test_a_bad_user_name_is_refused_by_the_service(client: TestClient,
                                                   tokens: dict[str, str]) -> None:
    response = client.post(f"{API_PREFIX}/users", headers=auth(tokens["admin"]),
                           json={"name": "no spaces", "role": "analyst"})
    assert response.status_code == 422
    assert response.json()["error"]["where"] == "name"


def test_duplicate_user_is_409(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(f"{API_PREFIX}/users", headers=auth(tokens["admin"]),
                           json={"name": "analyst-1", "role": "auditor"})
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "conflict", "where": "name",
                                         "message": "a user named 'analyst-1' already exists"}


def test_auditor_lists_users_but_admin_lists_tokens(client: TestClient,
                                                    tokens: dict[str, str]) -> None:
    users = client.get(f"{API_PREFIX}/users", headers=auth(tokens["auditor"])).json()["users"]
    assert {u["role"] for u in users} == {"admin", "analyst", "supervisor", "liaison", "auditor"}
    listed = client.get(f"{API_PREFIX}/tokens?user=auditor-1",
                        headers=auth(tokens["admin"])).json()["tokens"]
    assert [t["user"] for t in listed] == ["auditor-1"]
    assert tokens["auditor"] not in str(listed)


def test_malformed_json_is_422_in_the_error_shape(client: TestClient,
                                                  tokens: dict[str, str]) -> None:
    response = client.post(f"{API_PREFIX}/users", headers={**auth(tokens["admin"]),
                                                           "Content-Type": "application/json"},
                           content=b'{"name": ')
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["message"].startswith("body")


def test_oversize_body_is_413_in_the_error_shape(client: TestClient,
                                                 tokens: dict[str, str]) -> None:
    response = client.post(f"{API_PREFIX}/users", headers=auth(tokens["admin"]),
                           content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large", "where": None,
        "message": "request body is larger than this node accepts (1048576 bytes)"}


def test_oversize_chunked_body_is_413_too(client: TestClient, tokens: dict[str, str]) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b"x" * 65536 * 2

    response = client.post(f"{API_PREFIX}/users", headers=auth(tokens["admin"]),
                           content=chunks())  # type: ignore[arg-type]
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_route_is_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get(f"{API_PREFIX}/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
