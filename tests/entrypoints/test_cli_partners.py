"""``accord partner add|list|remove`` and ``accord dispatch`` against a real partner server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.federation_kit import make_node

from accord.adapters.partner_keys import fingerprint
from accord.bootstrap import open_node
from accord.entrypoints.api.app import create_app
from accord.entrypoints.api.server import serving

from .conftest import NodeFixture, run_cli


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A partner node (co-dijin) served on loopback: (url, its fingerprint)."""
    path = make_node(tmp_path / "partner", "co-dijin", "CO")
    with open_node(path) as node, serving(create_app(node)) as url:
        yield url, fingerprint(node.keys.public_jwks(node.node_id, "CO"))


def test_a_fingerprint_mismatch_is_refused_and_nothing_is_pinned(
        node_dir: NodeFixture, partner: tuple[str, str]) -> None:
    url, _real = partner
    wrong = "0000 " * 10
    result = run_cli("partner", "add", "--node", str(node_dir.path), "--url", url,
                     "--fingerprint", wrong, "--json")
    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["code"] == "fingerprint_mismatch"
    assert error["where"] == "--fingerprint"
    assert "nothing was pinned" in error["message"]
    listed = run_cli("partner", "list", "--node", str(node_dir.path), "--json").json()
    assert listed == {"partners": []}


def test_add_list_remove(node_dir: NodeFixture, partner: tuple[str, str]) -> None:
    url, real = partner
    shown = run_cli("partner", "add", "--node", str(node_dir.path), "--url", url)
    assert shown.exit_code == 0
    assert real in shown.stdout and "Not checked" in shown.stdout
    added = run_cli("partner", "add", "--node", str(node_dir.path), "--url", url,
                    "--fingerprint", real.replace(" ", ":").upper(), "--pull", "--json").json()
    assert added["created"] is False
    assert (added["partner"]["fingerprint_checked"], added["partner"]["pull"]) == (True, True)
    [listed] = run_cli("partner", "list", "--node", str(node_dir.path), "--json").json()[
        "partners"]
    assert (listed["node_id"], listed["country"], listed["url"]) == ("co-dijin", "CO", url)
    removed = run_cli("partner", "remove", "co-dijin", "--node", str(node_dir.path), "--json")
    assert removed.json()["partner"]["status"] == "removed"
    assert run_cli("partner", "list", "--node", str(node_dir.path), "--json").json() == {
        "partners": []}
    missing = run_cli("partner", "remove", "nobody", "--node", str(node_dir.path), "--json")
    assert missing.json()["error"]["code"] == "not_found"


def test_an_unreachable_url_says_so(node_dir: NodeFixture) -> None:
    result = run_cli("partner", "add", "--node", str(node_dir.path), "--url",
                     "http://127.0.0.1:9", "--json")
    assert result.exit_code == 1
    assert result.json()["error"]["code"] == "partner_unreachable"
    assert "cannot fetch the partner's keys" in result.json()["error"]["message"]


def test_dispatch_once_with_nothing_to_do(node_dir: NodeFixture) -> None:
    result = run_cli("dispatch", "--node", str(node_dir.path), "--json")
    assert result.exit_code == 0
    assert result.json() == {"dispatch": {"sent": 0, "delivered": 0, "refused": 0,
                                          "failures": 0, "pulled": 0, "purged": 0}}
