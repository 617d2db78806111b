"""Network analysis over a small synthetic world imported into a SQLite node, then resolved.

Colombia's node holds its own file and what Mexico's file says (imported under
Mexico's origin, as received material is stored); truth.json grades it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.adapters.store import Store, open_store
from accord.analytics.network.sharing import precision_at_k
from accord.domain.registry import Registry, load_registry
from accord.services import network as service
from accord.services import resolve
from accord.services.ingest import import_files
from accord.services.network_load import NetworkOptions, NodeNetwork, Scope, load_network
from accord.synth import generate, load_truth
from accord.synth.truth import Truth

HOME = "co-dijin"
NATION = {"co-dijin": "CO", "mx-fgr": "MX"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory,
          registry: Registry) -> Iterator[tuple[Store, Truth]]:
    root = tmp_path_factory.mktemp("synth-network")
    summary = generate(root / "world", nations="CO,MX,US", days=30, target_statements=3000,
                       seed=9)
    store = open_store(f"sqlite:///{root / 'co.db'}")
    for code in ("CO", "MX"):
        stats = summary.files[code]
        import_files(store, [stats.path], origin=stats.node, registry=registry, country=code)
    resolve.resolve(store, registry)
    yield store, load_truth(root / "world")
    store.close()


def true_ids(players: list[dict[str, object]], truth: Truth) -> list[str | None]:
    out = []
    for p in players:
        entity = p["entity"]
        assert isinstance(entity, dict)
        found = [truth.true_id(NATION[m["origin"]], m["id"]) for m in entity["mentions"]]
        out.append(max(set(found), key=lambda x: (found.count(x), str(x))))
    return out


def test_shared_picture_joins_both_nations_mentions_and_ranks_better(
        world: tuple[Store, Truth], registry: Registry) -> None:
    store, truth = world
    own = load_network(store, registry, home=HOME, options=NetworkOptions(scope=Scope.OWN))
    shared = load_network(store, registry, home=HOME)
    assert shared.network.n > own.network.n and shared.network.m > own.network.m

    def joined(nn: NodeNetwork) -> int:  # vertices whose mentions come from both nations
        return sum(len({nn.origins.get(m) for m in ms}) > 1 for ms in nn.members.values())

    assert joined(own) == 0 < joined(shared)
    # every joined vertex is one true person (the resolver merged no two people here)
    for v, ms in shared.members.items():
        found = {truth.true_id(NATION[shared.origins[m]], m) for m in ms if m in shared.origins}
        assert len(found - {None}) <= 1, (v, ms)
    key = [k["person"] for k in truth.key_players if k["key"]]
    p10 = {}
    for scope in Scope:
        answer = service.key_players(service.Request(store, registry, HOME,
                                                     NetworkOptions(scope=scope)),
                                     top=10, only=["Person"]).to_dict()
        assert {p["entity"]["schema"] for p in answer["players"]} == {"Person"}
        p10[scope] = precision_at_k(true_ids(answer["players"], truth), key)
    assert p10[Scope.SHARED] >= max(p10[Scope.OWN], 0.5)


def test_the_whole_pipeline_runs_on_the_synthetic_node(world: tuple[Store, Truth],
                                                       registry: Registry,
                                                       tmp_path: Path) -> None:
    store, _truth = world
    req = service.Request(store, registry, HOME)
    cells = service.communities(req).to_dict()
    assert cells["total"] > 3 and cells["network"]["resolution"] == "resolver"
    brokers = service.brokers(req, top=5, only=["Person"]).to_dict()
    assert brokers["groups"] == "organisations" and len(brokers["brokers"]) == 5
    plan = service.disrupt(req, k=3).to_dict()
    assert plan["effect"]["fragmentation_after"] > plan["effect"]["fragmentation_before"]
    assert {e["schema"] for e in plan["entities"]} == {"Person"}
    out = service.export(req, tmp_path / "net.gexf", annotate=True).to_dict()
    assert out["columns"] == ["community", "key_player_score"]
    assert (tmp_path / "net.gexf").read_text(encoding="utf-8").count("<node ") == out["entities"]
