"""accord user add|list and accord token create|list|revoke."""

from __future__ import annotations

from accord.bootstrap import open_node

from .conftest import NodeFixture, run_cli


def test_user_add_prints_a_working_token_once(node_dir: NodeFixture) -> None:
    result = run_cli("user", "add", "ana", "--role", "analyst", "--node", str(node_dir.path),
                     "--json")
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert out["user"]["name"] == "ana" and out["user"]["role"] == "analyst"
    with open_node(node_dir.path) as node:
        user = node.store.resolve_token(out["token"])
        assert user is not None and user.name == "ana"
    listed = run_cli("token", "list", "--node", str(node_dir.path), "--json").json()
    assert out["token"] not in str(listed)  # secrets are never listed


def test_user_add_with_an_unknown_role_writes_nothing(node_dir: NodeFixture) -> None:
    result = run_cli("user", "add", "carl", "--role", "chief", "--node", str(node_dir.path),
                     "--json")
    assert result.exit_code == 1
    assert result.json()["error"] == {
        "code": "invalid_value", "where": "role",
        "message": "'chief' is not a role (choose analyst, supervisor, liaison, auditor, admin)"}
    names = [u["name"] for u in run_cli("user", "list", "--node", str(node_dir.path),
                                        "--json").json()["users"]]
    assert names == ["admin"]


def test_user_add_twice_is_a_conflict(node_dir: NodeFixture) -> None:
    run_cli("user", "add", "ana", "--role", "analyst", "--node", str(node_dir.path))
    again = run_cli("user", "add", "ana", "--role", "auditor", "--node", str(node_dir.path),
                    "--json")
    assert again.exit_code == 1
    assert again.json()["error"]["message"] == "a user named 'ana' already exists"


def test_user_list_shows_names_and_roles(node_dir: NodeFixture) -> None:
    run_cli("user", "add", "audrey", "--role", "auditor", "--node", str(node_dir.path))
    table = run_cli("user", "list", "--node", str(node_dir.path))
    assert table.exit_code == 0
    assert "audrey" in table.stdout and "auditor" in table.stdout
    users = run_cli("user", "list", "--node", str(node_dir.path), "--json").json()["users"]
    assert [(u["name"], u["role"]) for u in users] == [("admin", "admin"),
                                                       ("audrey", "auditor")]


def test_token_create_list_and_revoke(node_dir: NodeFixture) -> None:
    created = run_cli("token", "create", "admin", "--label", "ci", "--node", str(node_dir.path),
                      "--json").json()
    token_id = created["token_record"]["id"]
    assert created["token_record"]["label"] == "ci"
    listed = run_cli("token", "list", "--user", "admin", "--node", str(node_dir.path),
                     "--json").json()["tokens"]
    assert [t["id"] for t in listed] == [1, token_id]
    revoked = run_cli("token", "revoke", str(token_id), "--node", str(node_dir.path), "--json")
    assert revoked.exit_code == 0
    assert revoked.json()["token_record"]["active"] is False
    with open_node(node_dir.path) as node:
        assert node.store.resolve_token(created["token"]) is None
        assert node.store.resolve_token(node_dir.admin_token) is not None


def test_token_errors_name_what_is_missing(node_dir: NodeFixture) -> None:
    nobody = run_cli("token", "create", "nobody", "--node", str(node_dir.path), "--json")
    assert nobody.exit_code == 1
    assert nobody.json()["error"]["message"] == "no user named 'nobody'"
    missing = run_cli("token", "revoke", "999", "--node", str(node_dir.path), "--json")
    assert missing.json()["error"] == {"code": "not_found", "message": "no token with id 999",
                                       "where": "token"}
    no_user = run_cli("token", "list", "--user", "nobody", "--node", str(node_dir.path),
                      "--json")
    assert no_user.json()["error"]["message"] == "no user named 'nobody'"
