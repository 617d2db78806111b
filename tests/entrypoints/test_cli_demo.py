"""accord demo: five nations' nodes as real servers, agreements signed, releases flowing;
one JSON summary; the nodes stay inspectable with the other commands afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_cli

NODES = {"co-dijin", "mx-fgr", "us-dea", "pa-senan", "es-udyco"}


@pytest.mark.slow
def test_the_demo_runs_headless_to_one_summary_and_leaves_inspectable_nodes(
        tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    result = run_cli("demo", "--headless", "--json", "--workdir", str(workdir))
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = result.json()

    assert {n["id"] for n in summary["nodes"]} == NODES
    assert all(n["url"].startswith("http://127.0.0.1:") for n in summary["nodes"])
    assert summary["workdir"] == str(workdir)

    releases = summary["releases"]
    assert releases["delivered"] > 0 and releases["pending"] == 0
    reasons = releases["withheld_by_reason"]
    assert releases["withheld"] == sum(reasons.values()) > 0
    # every kind of refusal the agreements were written to show
    assert {"tlp_red", "tlp_above_max", "handling_not_allowed", "nothing_in_scope",
            "hit_only", "mode_on_request", "refused_by_supervisor"} <= set(reasons)
    assert {"redacted", "source_identifying"} <= set(releases["partially_withheld"])
    routes = {(r["from"], r["to"]) for r in releases["routes"]}
    assert ("co-dijin", "us-dea") in routes and ("es-udyco", "co-dijin") in routes
    assert not any(a == "mx-fgr" and b == "es-udyco" for a, b in routes)  # no agreement

    latency = summary["latency_ms"]
    assert latency["count"] > 0 and 0 < latency["p50"] <= latency["p99"]
    assert latency["import"]["count"] > 0

    signed = summary["agreements"]["signed"]
    assert len(signed) == 5
    assert all(set(a["status"].values()) == {"active"} for a in signed)
    revoked = summary["agreements"]["revoked"]
    assert set(revoked["status"].values()) == {"revoked"}
    approvals = summary["approvals"]
    assert sum(v.get("refused", 0) for v in approvals.values()) == 1
    assert sum(v.get("approved", 0) for v in approvals.values()) > 0
    assert summary["stream"]["by_kind"]["arrival"] > 0
    queries = summary["queries"]  # hit/no-hit, a follow-up released, an outsider refused
    assert queries["asked"] > queries["hits"] > 0 and queries["follow_ups_released"] == 1
    assert "no_agreement" in queries["refused"]["reason"]
    conflicts = summary["deconfliction"]
    assert conflicts["registrations"] > 0 and conflicts["conflicts"] > 0
    assert conflicts["planted_found"] == conflicts["planted_between_partners"] > 0
    network = summary["network"]  # key players alone and with partners' releases
    assert set(network["nations"]) == {"CO", "MX", "US", "PA", "ES"}
    assert all(0 <= n["alone"] <= 1 and 0 <= n["shared"] <= 1
               for n in network["nations"].values())
    assert network["mean"]["shared"] >= network["mean"]["alone"]
    for node_id, ledger in summary["ledger"].items():
        assert ledger["verified"] is True, node_id
        assert len(ledger["witnesses"]) == len(NODES) - 1, node_id

    # the nodes stay behind, and the other commands work on them
    found = run_cli("search", "--node", str(workdir / "us"), "Go-fast 3", "--json").json()
    assert any(h["caption"] == "Go-fast 3" for h in found["hits"]), found
    listed = run_cli("agreement", "list", "--node", str(workdir / "co"), "--json").json()
    assert {a["id"]: a["in_force"] for a in listed["agreements"]} == {
        "agr-caribbean-maritime": True, "agr-co-us-targets": True, "agr-es-co-atlantic": True}
    refused = run_cli("approval", "list", "--node", str(workdir / "co"), "--state", "refused",
                      "--json").json()["approvals"]
    assert len(refused) + len(run_cli("approval", "list", "--node", str(workdir / "es"),
                                      "--state", "refused", "--json").json()["approvals"]) == 1


def test_the_demo_refuses_a_work_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    result = run_cli("demo", "--headless", "--json", "--workdir", str(tmp_path))
    assert result.exit_code == 1
    error = result.json()["error"]
    assert (error["code"], error["where"]) == ("conflict", str(tmp_path))
    assert error["message"] == "the demo needs a new or empty directory"
