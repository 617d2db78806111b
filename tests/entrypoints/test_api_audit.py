"""The auditor's API (/api/v1/audit/...): only the auditor reads the ledger; what the API
does is itself in the ledger (users, tokens, reports); tampering shows in verify."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi.testclient import TestClient
from tests import ledger_tamper as tamper

from accord.bootstrap import Node
from accord.entrypoints.api.app import API_PREFIX
from accord.services import checkpointing

from .conftest import NodeFixture, auth

REPORT = {"id": "r1", "title": "Go-fast", "purpose": "interdiction",
          "entities": [{"id": "p1", "schema": "Person", "properties": {"name": ["Ana"]}}]}


def get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    response = client.get(f"{API_PREFIX}/audit/{path}", headers=auth(token), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_auditor_sees_who_did_what_and_can_prove_it(client: TestClient, node: Node,
                                                       tokens: dict[str, str]) -> None:
    created = client.post(f"{API_PREFIX}/reports", json=REPORT, headers=auth(tokens["analyst"]))
    assert created.status_code == 201, created.text
    checkpointing.sign_checkpoint(node)
    auditor = tokens["auditor"]
    log = get(client, auditor, "log")["entries"]
    assert [(e["action"], e["actor"]) for e in log][:2] == [("user.created", "system"),
                                                           ("token.issued", "system")]
    [made] = get(client, auditor, "log", actor="analyst-1", action="report.created")["entries"]
    assert made["subject"] == "r1" and made["hashes"]["report"].startswith("sha256:")
    assert "Ana" not in str(made)
    page = get(client, auditor, "log", after=made["index"] - 2, limit=1)["entries"]
    assert [e["index"] for e in page] == [made["index"] - 1]
    assert get(client, auditor, "log", since="2999-01-01T00:00")["entries"] == []
    proof = get(client, auditor, f"proof/{made['index']}")
    assert proof["index"] == made["index"] and proof["checkpoint"].startswith(
        "accord.node/mx-test\n")
    current = get(client, auditor, f"proof/{made['index']}", size=made["index"] + 2)
    assert current["size"] == made["index"] + 2 and current["checkpoint"] is None
    verdict = get(client, auditor, "verify")
    assert verdict["ok"] is True and verdict["latest_checkpoint"] == verdict["size"] - 1
    missing = client.get(f"{API_PREFIX}/audit/proof/9999", headers=auth(auditor))
    assert missing.status_code == 404
    assert missing.json()["error"]["message"].startswith("no leaf 9999 in a log of size")


def test_only_the_auditor_reads_the_ledger(client: TestClient, tokens: dict[str, str]) -> None:
    for role in ("admin", "analyst", "supervisor", "liaison"):
        answer = client.get(f"{API_PREFIX}/audit/log", headers=auth(tokens[role]))
        assert answer.status_code == 403
        assert "which may not read the ledger" in answer.json()["error"]["message"]


def test_verify_over_the_api_reports_tampering(client: TestClient, node_dir: NodeFixture,
                                               tokens: dict[str, str]) -> None:
    with sqlite3.connect(node_dir.path / "accord.db") as db:
        tamper.edit_data(db, 1, b"system", b"nobody")
    verdict = get(client, tokens["auditor"], "verify")
    assert verdict["ok"] is False and verdict["first_bad_index"] == 1
    assert verdict["problems"][0]["message"] == "leaf 1: stored hash is not the hash of its data"
