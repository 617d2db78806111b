"""Fixtures for the CLI and API tests: a real SQLite node in a temporary directory."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord.bootstrap import Node, init_node, open_node
from accord.domain.users import Role
from accord.entrypoints.api.app import create_app
from accord.entrypoints.cli.main import app as cli_app
from accord.services.users import add_user


@dataclass
class NodeFixture:
    path: Path
    admin_token: str


@dataclass
class Invocation:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(scope="session")
def template_node(tmp_path_factory: pytest.TempPathFactory) -> NodeFixture:
    """One initialised node per session; tests get copies (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "node"
    made = init_node(path, node_id="mx-test", country="MX", name="Test agency",
                     contact="desk@example.org")
    made.node.close()
    return NodeFixture(path, made.admin_token)


@pytest.fixture
def node_dir(template_node: NodeFixture, tmp_path: Path) -> NodeFixture:
    """A fresh, initialised SQLite node of its own (a copy of the session's template)."""
    shutil.copytree(template_node.path, tmp_path / "node")
    return NodeFixture(tmp_path / "node", template_node.admin_token)


@pytest.fixture
def node(node_dir: NodeFixture) -> Iterator[Node]:
    with open_node(node_dir.path) as opened:
        yield opened


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node)) as test_client:
        yield test_client


@pytest.fixture
def tokens(node: Node, node_dir: NodeFixture) -> dict[str, str]:
    """One bearer token per role (the admin's is the one ``accord init`` printed)."""
    out = {"admin": node_dir.admin_token}
    for role in Role:
        if role is not Role.ADMIN:
            _user, issued = add_user(node.store, f"{role.value}-1", role)
            out[role.value] = issued.secret
    return out


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None
            ) -> Invocation:
    """Run ``accord ARGS`` in-process; stdout and stderr kept apart."""
    result = CliRunner().invoke(cli_app, list(args), env=env, input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Invocation(result.exit_code, result.stdout, result.stderr)
