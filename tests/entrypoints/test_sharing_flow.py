"""Agreements, four-eyes, explain and the live stream through the real API and CLI, between
three nodes served on loopback (uvicorn), each acting on its own SQLite store."""

from __future__ import annotations

import json
import queue
import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.federation_kit import clause, install, make_node, pin, report_doc, signed_agreement

from accord.bootstrap import Node, open_node
from accord.domain.users import Role
from accord.entrypoints.api.app import create_app
from accord.entrypoints.api.server import serving
from accord.services.users import add_user

from .conftest import run_cli

NAMES = {"co": ("co-dijin", "CO"), "mx": ("mx-fgr", "MX"), "pe": ("pe-dirandro", "PE")}


@dataclass
class Served:
    node: Node
    path: Path
    url: str
    tokens: dict[str, str]

    def api(self, method: str, path: str, role: str = "liaison", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=30,
                             **kw)

    def cli(self, *args: str) -> Any:
        result = run_cli(*args, "--node", str(self.path), "--json")
        return result.json()


@pytest.fixture(scope="session")
def three_nodes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sharing")
    for name, (node_id, country) in NAMES.items():
        make_node(root / name, node_id, country, poll_seconds=0.05)
    return root


@pytest.fixture
def fed(three_nodes: Path, tmp_path: Path) -> Iterator[dict[str, Served]]:
    shutil.copytree(three_nodes, tmp_path / "nodes")
    with ExitStack() as stack:
        served: dict[str, Served] = {}
        for name in NAMES:
            path = tmp_path / "nodes" / name
            node = stack.enter_context(open_node(path))
            tokens = {}
            for user, role in (("liaison", Role.LIAISON), ("ana", Role.ANALYST),
                               ("sam", Role.SUPERVISOR)):
                tokens[user if user == "liaison" else role.value] = add_user(
                    node.store, user, role)[1].secret
            url = stack.enter_context(serving(create_app(node)))
            served[name] = Served(node, path, url, tokens)
        for name, s in served.items():
            for other_name, other in served.items():
                if other_name != name:
                    pin(s.node, other.node, other.url)
        yield served


def agreement_doc(four_eyes: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"id": "agr-andes", "title": "Andean interdiction",
            "parties": [n for n, _ in NAMES.values()],
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=90)).isoformat(),
            "clauses": [{"id": "people", "schemas": ["Person", "Phone"], "max_tlp": "AMBER",
                         "purposes": ["interdiction"], "four_eyes": four_eyes}]}


def test_the_lifecycle_through_the_api_and_the_cli(fed: dict[str, Served]) -> None:
    co, mx, pe = fed["co"], fed["mx"], fed["pe"]
    drafted = co.api("POST", "/agreements", json=agreement_doc())
    assert drafted.status_code == 201, drafted.text
    assert (drafted.json()["status"], drafted.json()["in_force"]) == ("draft", False)
    bad = co.api("POST", "/agreements", json={**agreement_doc(), "id": "agr-x",
                                               "clauses": [{"id": "c", "schemas": ["Person"],
                                                            "max_tlp": "PURPLE",
                                                            "purposes": ["p"]}]})
    assert bad.status_code == 422
    assert bad.json()["error"]["where"] == "agreement.clauses[0].max_tlp"
    early = co.api("POST", "/agreements/agr-andes/sign")
    assert early.status_code == 409
    assert early.json()["error"] == {
        "code": "illegal_transition", "where": "agreement 'agr-andes' v1",
        "message": "cannot sign an agreement that is draft (only when proposed)"}

    proposed = co.api("POST", "/agreements/agr-andes/propose").json()
    assert [(d["party"], d["status"], d["their_status"]) for d in proposed["deliveries"]] == [
        ("mx-fgr", "accepted", "proposed"), ("pe-dirandro", "accepted", "proposed")]
    signed = mx.cli("agreement", "sign", "agr-andes")
    assert signed["agreement"]["signed_by"] == ["mx-fgr"]
    pe.cli("agreement", "sign", "agr-andes")
    last = co.api("POST", "/agreements/agr-andes/sign").json()
    assert (last["agreement"]["status"], last["agreement"]["in_force"]) == ("active", True)
    for s in fed.values():
        shown = s.cli("agreement", "show", "agr-andes")
        assert (shown["status"], shown["in_force"]) == ("active", True), s.node.node_id
        assert shown["signed_by"] == ["co-dijin", "mx-fgr", "pe-dirandro"]
    again = mx.cli("agreement", "sign", "agr-andes")
    assert again["error"]["code"] == "illegal_transition"
    assert "cannot sign an agreement that is active" in again["error"]["message"]

    revoked = pe.cli("agreement", "revoke", "agr-andes", "--reason", "audit finding")
    assert {d["their_status"] for d in revoked["deliveries"]} == {"revoked"}
    for s in (co, mx):
        [listed] = s.api("GET", "/agreements", role="analyst").json()["agreements"]
        assert (listed["status"], listed["in_force"]) == ("revoked", False)
        assert listed["not_in_force"] == {
            "code": "agreement_revoked", "reason": "agreement agr-andes was revoked by "
                                                   "pe-dirandro"}
        assert listed["revocation"]["reason"] == "audit finding"
    assert co.api("GET", "/agreements?status=active", role="analyst").json() == {
        "agreements": []}
    # nothing moves under it any more
    co.api("POST", "/reports", role="analyst", json=report_doc("r1"))
    why = co.cli("explain", "r1", "--to", "mx-fgr")
    assert why["decision"]["reason_codes"][0] == "agreement_revoked"


def read_stream(url: str, token: str, out: queue.Queue[tuple[str, dict[str, Any]]],
                until: str) -> None:
    """Read server-sent events into ``out`` until an event named ``until`` arrives."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", f"{url}/api/v1/stream", headers=headers, timeout=30) as response:
        name = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                out.put((name, json.loads(line.split(":", 1)[1])))
                if name == until:
                    return


def wait_for(events: queue.Queue[tuple[str, dict[str, Any]]],
             name: str) -> dict[str, Any]:
    while True:
        got, data = events.get(timeout=30)
        if got == name:
            return data


def test_four_eyes_explain_and_the_live_stream(fed: dict[str, Served]) -> None:
    co, mx = fed["co"], fed["mx"]
    install([co.node, mx.node], signed_agreement([co.node, mx.node], clause(four_eyes=True)))
    # two analysts watch mx's stream
    streams = [queue.Queue[tuple[str, dict[str, Any]]]() for _ in range(2)]
    readers = [threading.Thread(target=read_stream, args=(mx.url, mx.tokens["analyst"], q,
                                                          "arrival"), daemon=True)
               for q in streams]
    for reader in readers:
        reader.start()
    for q in streams:
        assert wait_for(q, "ready")["node"] == "mx-fgr"

    assert co.api("POST", "/reports", role="analyst", json=report_doc("r1")).status_code == 201
    assert co.api("POST", "/reports", role="supervisor", json=report_doc("r2")).status_code \
        == 201
    held = co.api("GET", "/approvals", role="supervisor").json()["approvals"]
    assert [(a["report_id"], a["caused_by"], a["state"]) for a in held] == [
        ("r1", "ana", "held"), ("r2", "sam", "held")]
    why = co.api("GET", "/reports/r1/explain", role="analyst", params={"to": "mx-fgr"}).json()
    assert why["decision"]["outcome"] == "allow" and why["decision"]["needs_approval"]
    assert "held until a supervisor approves" in why["explanation"]

    own = co.api("POST", f"/approvals/{held[1]['id']}/approve", role="supervisor")
    assert own.status_code == 403
    assert own.json()["error"]["message"].startswith("four-eyes: 'sam' caused release")
    ok = co.api("POST", f"/approvals/{held[0]['id']}/approve", role="supervisor",
                json={"note": "checked with the desk"})
    assert (ok.status_code, ok.json()["state"], ok.json()["decided_by"]) == (
        200, "approved", "sam")
    refused = co.cli("approval", "refuse", str(held[1]["id"]), "--as", "sam")
    assert refused["state"] == "refused"
    denied = co.cli("approval", "approve", str(held[1]["id"]), "--as", "ana")
    assert denied["error"]["code"] == "forbidden"
    assert co.cli("approval", "list") == {"approvals": []}

    co.cli("dispatch")
    for q in streams:  # both readers see r1 arrive; r2 never leaves co
        arrival = wait_for(q, "arrival")
        assert (arrival["sender"], arrival["report_id"], arrival["message"]) == (
            "co-dijin", "r1", "release")
        assert arrival["agreement"] == "agr-1" and arrival["id"] >= 1
    for reader in readers:
        reader.join(30)
    with mx.node.store.unit_of_work(write=False) as uow:
        assert uow.reports.get("r1") is not None and uow.reports.get("r2") is None


def test_the_stream_needs_a_reader_and_known_kinds(fed: dict[str, Served]) -> None:
    mx = fed["mx"]
    assert httpx.get(f"{mx.url}/api/v1/stream", timeout=10).status_code == 401
    wrong = mx.api("GET", "/stream", role="analyst", params={"kinds": "arrival,gossip"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["message"] == (
        "unknown kind(s) gossip (choose from arrival, refusal, alert)")
