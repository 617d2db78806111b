"""accord demo: ends by itself, finds every variant, serves and calls the API."""

from __future__ import annotations

from pathlib import Path

from accord.bootstrap import open_node

from .conftest import run_cli


def test_demo_headless_json_runs_every_step_and_cleans_up() -> None:
    result = run_cli("demo", "--headless", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["import"]["reports_new"] == 2 and report["import"]["rejected"] == 0
    found = {s["query"]: s["hits"][0]["entity_id"] for s in report["search"]}
    assert found["Хоакин Замбрано"] == "mx-per-0001"
    assert found["zambrano iturbe joaquín"] == "mx-per-0001"
    assert found["Ivan Sokolov"] == "mx-per-0003"
    assert found["+52 (667) 555-0142"] == "mx-per-0001"
    assert found["IMO 9321483"] == "mx-ves-0001"
    api = report["api"]
    assert api["served"] and api["healthz"]["status"] == "ok"
    assert api["search_hits"] >= 1 and api["without_token"] == 401
    assert not Path(report["node"]["path"]).exists()
    assert report["kept"] is None
    ledger = report["ledger"]["mx-demo"]
    assert ledger["verified"] is True and ledger["witnesses"] == []
    # init (admin, token), the analyst and token, the 2 imported reports
    assert ledger["checkpoint"] >= 6 and ledger["size"] == ledger["checkpoint"] + 1


def test_demo_keep_leaves_a_working_node(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = run_cli("demo", "--keep", str(target), "--no-serve", "--headless")
    assert result.exit_code == 0, result.stderr
    assert "Try it yourself" in result.stdout
    with open_node(target / "mx") as node:
        assert node.node_id == "mx-demo"
        assert [u.name for u in node.store.list_users()] == ["admin", "analyst"]
