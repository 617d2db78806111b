"""``accord query`` and ``accord deconflict`` (and their API routes) between two real nodes,
the partner reached through its federation routes in process."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.federation_kit import clause, install, make_node, report_doc, signed_agreement
from tests.query_mesh import Mesh
from typer.testing import CliRunner

from accord.adapters.query_transport import HttpQueryTransport
from accord.bootstrap import Node, open_node
from accord.domain.clause import Mode
from accord.domain.users import Role
from accord.entrypoints.api.app import create_app
from accord.entrypoints.cli.main import app as cli_app
from accord.services import query_wire, reports
from accord.services.users import add_user

PHONE = "+52 55 1234 5678"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("query-nodes")
    for name, node_id, country in (("co", "co-dijin", "CO"), ("mx", "mx-fgr", "MX"),
                                   ("pe", "pe-dirandro", "PE")):
        make_node(root / name, node_id, country)
    return root


@pytest.fixture
def mesh(templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mesh]:
    shutil.copytree(templates, tmp_path / "nodes")
    nodes = {name: open_node(tmp_path / "nodes" / name) for name in ("co", "mx", "pe")}
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx], clause(mode=Mode.HIT_ONLY)))
    reports.create_report(mx.store, report_doc("mx-r1", phone=PHONE), origin=mx.node_id,
                          registry=mx.registry)
    found = Mesh(nodes)
    # every command and route reaches partners through the in-process apps
    monkeypatch.setattr(query_wire, "HttpQueryTransport", lambda **_kw: HttpQueryTransport(
        client=httpx.Client(transport=httpx.MockTransport(found._route))))
    yield found
    found.close()
    for node in nodes.values():
        node.close()


def run(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(cli_app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def path(node: Node) -> str:
    return str(node.path)


def test_query_then_follow_up_from_the_command_line(mesh: Mesh) -> None:
    co, mx = mesh.nodes["co"], mesh.nodes["mx"]
    code, answer = run("query", "--node", path(co), "--partner", "mx-fgr",
                       "--phone", "(55) 1234-5678", "--country", "mx",
                       "--phone", "+52 55 9999 0000")
    assert code == 0, answer
    assert (answer["asked"], answer["hit_count"]) == (2, 1)
    [hit] = answer["hits"]
    assert (hit["asked"], hit["label"]) == ("phone:+525512345678", "H0")
    code, listed = run("query", "list", "--node", path(co))
    assert [q["hits"] for q in listed["queries"]] == [1]
    code, asked = run("query", "follow-up", "--node", path(co), hit["reference"],
                      "--purpose", "interdiction")
    assert code == 0 and asked["state"] == "requested"
    code, received = run("query", "follow-ups", "--node", path(mx), "--direction", "in")
    assert [(f["partner"], f["state"]) for f in received["follow_ups"]] == [
        ("co-dijin", "waiting")]


def test_query_refusals_and_bad_input_say_where_and_why(mesh: Mesh, tmp_path: Path) -> None:
    co, pe = mesh.nodes["co"], mesh.nodes["pe"]
    code, answer = run("query", "--node", path(co), "--phone", PHONE)
    assert (code, answer["error"]["where"]) == (1, "--partner")
    code, answer = run("query", "--node", path(co), "--partner", "mx-fgr",
                       "--passport", "AB123456")
    assert answer["error"]["message"] == "write a passport as COUNTRY:NUMBER (e.g. " \
                                         "co:AB123456)"
    code, answer = run("query", "--node", path(pe), "--partner", "mx-fgr", "--phone", PHONE,
                       "--purpose", "interdiction")
    assert (code, answer["error"]["code"]) == (1, "no_agreement")
    batch = tmp_path / "batch.csv"
    batch.write_text("kind,value,country\nphone,+525512345678,\nfax,123,\n",
                     encoding="utf-8")
    code, answer = run("query", "--node", path(co), "--partner", "mx-fgr", "--file",
                       str(batch))
    assert answer["error"]["code"] == "invalid_input"
    assert answer["error"]["problems"][0]["where"] == "batch.csv:3"
    batch.write_text('{"kind": "phone", "value": "+525512345678"}\n'
                     '{"name": "Ana Example"}\n', encoding="utf-8")
    jsonl = batch.rename(tmp_path / "batch.jsonl")
    code, answer = run("query", "--node", path(co), "--partner", "mx-fgr", "--file",
                       str(jsonl))
    assert code == 0 and answer["hit_count"] == 2  # the phone, and the person's name


def test_deconflict_commands(mesh: Mesh) -> None:
    co, mx = mesh.nodes["co"], mesh.nodes["mx"]
    window = ("--start", "2031-05-04T10:00:00Z", "--end", "2031-05-04T14:00:00Z")
    code, first = run("deconflict", "register-operation", "--node", path(mx), *window,
                      "--lat", "4.65", "--lon", "-74.05", "--radius", "200",
                      "--title", "Operación Norte")
    assert code == 0 and first["conflicts"] == [] and first["checked"] == ["co-dijin"]
    code, second = run("deconflict", "register-operation", "--node", path(co), *window,
                       "--lat", "4.651", "--lon", "-74.05")
    [conflict] = second["conflicts"]
    assert conflict["partner"] == "mx-fgr"
    code, listed = run("deconflict", "list", "--node", path(mx))
    assert [c["partner"] for c in listed["conflicts"]] == ["co-dijin"]
    assert listed["registrations"][0]["title"] == "Operación Norte"
    code, done = run("deconflict", "expire", "--node", path(mx), first["registration"]["id"])
    assert code == 0 and done["expired_by"].startswith("local/")
    code, again = run("deconflict", "register-operation", "--node", path(co), *window,
                      "--lat", "4.651", "--lon", "-74.05")
    assert again["conflicts"] == []
    code, target = run("deconflict", "register-target", "--node", path(co),
                       "--plate", "co:ABC123", "--expires", "2031-01-01T00:00:00Z")
    assert code == 0 and target["registration"]["items"] == ["plate:co:ABC123"]
    code, bad = run("deconflict", "register-operation", "--node", path(co),
                    "--start", "2031-05-04T10:00:00", "--end", "2031-05-04T11:00:00Z",
                    "--lat", "4.6", "--lon", "-74")
    assert (code, bad["error"]["where"]) == (1, "--start")
    code, bad = run("deconflict", "register-target", "--node", path(co))
    assert bad["error"]["message"].startswith("a target needs at least one identifier")


def test_the_api_asks_and_registers(mesh: Mesh) -> None:
    co = mesh.nodes["co"]
    token = add_user(co.store, "ana", Role.ANALYST)[1].secret
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(co)) as client:
        answer = client.post("/api/v1/queries", headers=headers, json={
            "partner": "mx-fgr", "identifiers": [{"kind": "phone", "value": PHONE}]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["hit_count"] == 1
        refused = client.post("/api/v1/queries", headers=headers, json={
            "partner": "pe-dirandro", "identifiers": [{"kind": "phone", "value": PHONE}]})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "no_agreement")
        bad = client.post("/api/v1/queries", headers=headers, json={
            "partner": "mx-fgr", "identifiers": [{"kind": "fax", "value": "1"}]})
        assert bad.status_code == 422 and "fax" in bad.json()["error"]["message"]
        made = client.post("/api/v1/deconfliction/operations", headers=headers, json={
            "start": "2031-05-04T10:00:00Z", "end": "2031-05-04T12:00:00Z",
            "lat": 4.65, "lon": -74.05, "radius_m": 100})
        assert made.status_code == 200 and made.json()["checked"] == ["mx-fgr"]
        listed = client.get("/api/v1/deconfliction", headers=headers).json()
        assert len(listed["registrations"]) == 1
        follow_ups = client.get("/api/v1/queries/follow-ups", headers=headers).json()
        assert follow_ups == {"follow_ups": []}
