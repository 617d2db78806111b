"""accord network ... and /api/v1/network/...: thin over the service, JSON and files that parse."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pytest
from fastapi.testclient import TestClient
from tests.network_kit import PARTNER, seed

from accord.adapters.ledger import LeafFilter
from accord.bootstrap import Node
from accord.services import ledger, resolve

from .conftest import NodeFixture, auth, run_cli


@pytest.fixture
def picture(node: Node) -> Node:
    seed(node.store, node.registry, node.node_id)
    resolve.resolve(node.store, node.registry)
    return node


def test_cli_commands_answer_in_json(picture: Node, node_dir: NodeFixture,
                                     tmp_path: Path) -> None:
    where = ["--node", str(node_dir.path)]
    ranked = run_cli("network", *where, "key-players", "--json")
    assert ranked.exit_code == 0, ranked.stderr
    body = ranked.json()
    assert body["operation"] == "key-players" and body["network"]["resolution"] == "resolver"
    assert body["network"]["ties_by_origin"] == {picture.node_id: 2, PARTNER: 1}
    own = run_cli("network", "key-players", *where, "--scope", "own", "--json").json()
    assert own["network"]["ties_by_origin"] == {picture.node_id: 2}
    found = run_cli("network", *where, "path", "H-P3", "P-P4", "--json").json()
    assert [h["evidence"]["reports"] for h in found["paths"][0]["hops"]] == [
        ["H-1"], ["H-1"], ["P-1"]]
    ego = run_cli("network", *where, "ego", "P-P1", "--depth", "2", "--json").json()
    assert len(ego["entities"]) == 4
    plan = run_cli("network", *where, "disrupt", "--k", "1", "--focus", "core", "--json")
    assert plan.json()["entities"][0]["mention_count"] == 2  # Guzmán, both mentions
    window = run_cli("network", *where, "communities", "--since", "2025-03", "--json").json()
    assert window["network"]["ties"] == 1
    # a logged read of the partner's material, by the command line's user
    with picture.store.unit_of_work(write=False) as uow:
        logged = ledger.audit_log(uow, LeafFilter(action="material.read"))
    assert {e.entry.subject for e in logged} >= {"network/key-players", "network/path"}
    assert all(e.entry.actor.startswith("local/") for e in logged)
    human = run_cli("network", *where, "path", "H-P3", "P-P4")
    assert human.exit_code == 0 and "Transaction" in human.stdout and "P-1" in human.stdout


def test_cli_exports_files_that_parse(picture: Node, node_dir: NodeFixture,
                                      tmp_path: Path) -> None:
    where = ["--node", str(node_dir.path)]
    graphml = tmp_path / "net.graphml"
    done = run_cli("network", *where, "export", str(graphml), "--annotate", "--json")
    assert done.exit_code == 0, done.stderr
    g = ig.Graph.Read_GraphML(str(graphml))
    assert (g.vcount(), g.ecount()) == (4, 3)
    assert "Luis Pérez Soto" in g.vs["label"] and "key_player_score" in g.vs.attributes()
    assert {k for ks in g.es["kinds"] for k in ks.split(";")} == {
        "Associate", "Communication", "Transaction"}
    gexf = tmp_path / "net.gexf"
    assert run_cli("network", *where, "export", str(gexf), "--json").exit_code == 0
    ns = {"g": "http://gexf.net/1.3"}
    root = ET.parse(gexf).getroot()
    assert len(root.findall(".//g:node", ns)) == 4 and len(root.findall(".//g:edge", ns)) == 3


def test_cli_bad_input_names_the_option(picture: Node, node_dir: NodeFixture) -> None:
    where = ["--node", str(node_dir.path)]
    bad = run_cli("network", *where, "key-players", "--scope", "world", "--json")
    assert bad.exit_code == 1
    assert bad.json()["error"] == {"code": "invalid_value", "where": "scope",
                                   "message": "unknown scope 'world' (own or shared)"}
    when = run_cli("network", *where, "brokers", "--since", "March", "--json").json()["error"]
    assert when["where"] == "--since" and "'March' is not a date" in when["message"]
    ghost = run_cli("network", *where, "ego", "ghost", "--json").json()["error"]
    assert ghost["code"] == "not_found" and "'ghost'" in ghost["message"]
    fmt = run_cli("network", *where, "export", "net.txt", "--json").json()["error"]
    assert fmt["where"] == "format"


def test_api_routes_are_for_analysts_and_answer_as_the_cli(
        picture: Node, client: TestClient, tokens: dict[str, str]) -> None:
    analyst = auth(tokens["analyst"])
    for role in ("auditor", "liaison", "admin"):
        refused = client.get("/api/v1/network/key-players", headers=auth(tokens[role]))
        assert refused.status_code == 403, role
    ranked = client.get("/api/v1/network/key-players", headers=analyst,
                        params={"scope": "shared", "only": ["Person"], "top": 2})
    assert ranked.status_code == 200 and len(ranked.json()["players"]) == 2
    found = client.get("/api/v1/network/path", headers=analyst,
                       params={"source": "H-P3", "target": "P-P4", "k": 2}).json()
    assert found["connected"] and found["paths"][0]["hops"][-1]["evidence"]["links"][0][
        "id"] == "P-T1"
    assert client.get("/api/v1/network/ego/P-P4", headers=analyst,
                      params={"scope": "own"}).status_code == 404
    exported = client.get("/api/v1/network/export", headers=analyst,
                          params={"format": "gexf"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/gexf+xml")
    assert ET.fromstring(exported.content).tag.endswith("gexf")
    bad = client.get("/api/v1/network/communities", headers=analyst,
                     params={"until": "2025-13"})
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "query.until"
    with picture.store.unit_of_work(write=False) as uow:
        logged = ledger.audit_log(uow, LeafFilter(action="material.read"))
    assert {e.entry.actor for e in logged} == {"analyst-1"}
