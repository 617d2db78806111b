"""accord init, serve, schema and the behaviour every command shares (--json, --node, errors)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from accord.bootstrap import open_node
from accord.entrypoints.api.server import free_port

from .conftest import NodeFixture, run_cli

UNREACHABLE_PG = "postgresql://accord@127.0.0.1:1/nowhere"


def test_init_creates_config_keys_store_and_an_admin_token(tmp_path: Path) -> None:
    target = tmp_path / "mx"
    result = run_cli("init", "--node", str(target), "--node-id", "mx-fgr", "--country", "mx",
                     "--name", "Fiscalía (demo)", "--contact", "desk@example.org", "--json")
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert out["node"]["node_id"] == "mx-fgr"
    assert out["node"]["country"] == "MX"
    assert out["node"]["name"] == "Fiscalía (demo)"
    assert out["admin"]["name"] == "admin"
    token = out["admin"]["token"]
    assert token.startswith("acc_")

    config = yaml.safe_load((target / "node.yaml").read_text(encoding="utf-8"))
    assert config["node_id"] == "mx-fgr" and config["db_url"] == "sqlite:///accord.db"
    assert stat.S_IMODE((target / "node.yaml").stat().st_mode) == 0o600
    assert stat.S_IMODE((target / "keys").stat().st_mode) == 0o700
    for name in ("signing.jwk", "encryption.jwk"):
        assert stat.S_IMODE((target / "keys" / name).stat().st_mode) == 0o600
    with open_node(target) as node:
        admin = node.store.resolve_token(token)
        assert admin is not None and admin.name == "admin"
        assert node.keys.signing_kid == out["keys"]["signing_kid"]


def test_init_prints_the_token_in_human_mode(tmp_path: Path) -> None:
    result = run_cli("init", "--node", str(tmp_path / "n"), "--node-id", "co", "--country", "CO")
    assert result.exit_code == 0
    assert "shown once" in result.stdout
    assert "acc_" in result.stdout


def test_init_refuses_an_initialised_node_and_changes_nothing(node_dir: NodeFixture) -> None:
    before = (node_dir.path / "node.yaml").read_bytes()
    keys_before = (node_dir.path / "keys" / "signing.jwk").read_bytes()
    result = run_cli("init", "--node", str(node_dir.path), "--node-id", "other", "--country",
                     "CO", "--json")
    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == ("already an Accord node (it has node.yaml); "
                                "refusing to initialise it again")
    assert error["where"] == str(node_dir.path)
    assert "refusing to initialise it again" in result.stderr
    assert (node_dir.path / "node.yaml").read_bytes() == before
    assert (node_dir.path / "keys" / "signing.jwk").read_bytes() == keys_before


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("init", "--node", str(tmp_path), "--node-id", "x", "--country", "MX",
                     "--json")
    assert result.exit_code == 1
    assert "the directory is not empty" in result.json()["error"]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_with_an_unreachable_database_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "new-node"
    result = run_cli("init", "--node", str(target), "--node-id", "x", "--country", "MX",
                     "--db", UNREACHABLE_PG, "--json")
    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["code"] == "store_unavailable"
    assert error["message"].startswith("cannot reach the PostgreSQL at 127.0.0.1:1/nowhere")
    assert not target.exists()  # the directory init created is gone again


def test_init_in_an_existing_empty_directory_leaves_it_empty_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    result = run_cli("init", "--node", str(target), "--node-id", "x", "--country", "MX",
                     "--db", UNREACHABLE_PG)
    assert result.exit_code == 1
    assert "cannot reach the PostgreSQL" in result.stderr
    assert result.stdout == ""
    assert target.is_dir() and list(target.iterdir()) == []


def test_init_rejects_a_bad_country_and_node_id_before_creating_anything(tmp_path: Path) -> None:
    bad_country = run_cli("init", "--node", str(tmp_path / "a"), "--node-id", "x",
                          "--country", "XX", "--json")
    assert bad_country.exit_code == 1
    assert bad_country.json()["error"] == {
        "code": "invalid_value", "where": "country",
        "message": "'XX' is not an ISO 3166-1 alpha-2 country code (e.g. CO, MX)"}
    bad_id = run_cli("init", "--node", str(tmp_path / "b"), "--node-id", "has space",
                     "--country", "MX", "--json")
    assert bad_id.json()["error"]["where"] == "node_id"
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_node_falls_back_to_the_environment(node_dir: NodeFixture) -> None:
    result = run_cli("user", "list", "--json", env={"ACCORD_NODE": str(node_dir.path)})
    assert result.exit_code == 0
    assert [u["name"] for u in result.json()["users"]] == ["admin"]


def test_no_node_anywhere_is_a_clear_error() -> None:
    result = run_cli("user", "list", "--json", env={"ACCORD_NODE": ""})
    assert result.exit_code == 1
    assert result.json()["error"] == {
        "code": "node_config", "where": "--node",
        "message": "no node directory: pass --node DIR or set $ACCORD_NODE"}


def test_a_directory_that_is_not_a_node(tmp_path: Path) -> None:
    result = run_cli("user", "list", "--node", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{tmp_path} is not an Accord node (no node.yaml)" in result.stderr


def test_usage_errors_are_json_too_with_json(tmp_path: Path) -> None:
    result = run_cli("init", "--node", str(tmp_path / "n"), "--country", "MX", "--json")
    assert result.exit_code == 2
    assert result.json() == {"error": {"code": "usage_error", "where": "--node-id",
                                       "message": "Missing option '--node-id'."}}


def test_schema_prints_the_json_schema_of_an_import_line() -> None:
    result = run_cli("schema", "--json")
    assert result.exit_code == 0
    document = result.json()
    assert document["$schema"].startswith("https://json-schema.org/")
    assert {"$ref": "#/$defs/entity.Person"} in document["oneOf"]


def test_serve_serves_the_api_until_stopped(node_dir: NodeFixture) -> None:
    port = free_port()
    env = {**os.environ, "ACCORD_NODE": str(node_dir.path)}
    with subprocess.Popen(
        [sys.executable, "-m", "accord.entrypoints.cli.main", "serve", "--port", str(port),
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            announced = proc.stdout.readline()
            assert f"http://127.0.0.1:{port}/api/v1" in announced
            deadline = time.monotonic() + 30
            while True:  # poll until uvicorn listens (not a timing assertion)
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.05)
            assert health.json()["node"]["node_id"] == "mx-test"
        finally:
            proc.terminate()
            proc.wait(timeout=30)
