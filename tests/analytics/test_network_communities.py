"""Cells: Leiden is stable under a seed, summaries say who is inside, noise is not reported."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from accord.analytics.network.communities import detect_communities, leiden
from accord.analytics.network.graph import Edge, EntityInfo, build_network
from accord.analytics.network.planted import planted_world


def _cells() -> tuple[list[Edge], list[EntityInfo]]:
    edges, ents = [], []
    for c, nation in zip("ABC", ("CO", "MX", "US"), strict=True):
        members = [f"{c}{i}" for i in range(8)]
        edges += [Edge(a, b, nations=(nation,)) for a, b in combinations(members, 2)]
        ents += [EntityInfo(m, role="leader" if m.endswith("0") else "courier",
                            organisation=f"ORG-{c}", country=nation,
                            identifiers=(f"+000{m}",)) for m in members]
    edges += [Edge("A0", "B0", nations=("PA",)), Edge("B1", "C1", nations=("PA",))]
    return edges, ents


def test_planted_cells_are_found_and_summarised() -> None:
    edges, ents = _cells()
    found = detect_communities(build_network(edges, ents), seed=1)
    assert found.structured and found.engine == "igraph"
    assert [c.size for c in found.communities] == [8, 8, 8]
    assert len(found.cells()) == 3
    by_org = {next(iter(c.organisations)): c for c in found.communities}
    a = by_org["ORG-A"]
    assert set(a.members) == {f"A{i}" for i in range(8)}
    assert a.roles == {"courier": 7, "leader": 1}
    assert a.countries == {"CO": 8} and a.nations == ("CO",)
    assert a.internal_ties == 28 and a.external_ties == 1
    assert a.embeddedness == pytest.approx(56 / 57)
    assert a.members[0] == "A0"  # the most internally connected member comes first
    assert "+000A0" in a.identifiers and len(a.identifiers) == 8
    assert found.to_dict()["communities"][0]["size"] == 8


def test_same_seed_same_cells_same_numbers() -> None:
    world = planted_world(organisations=3, brokers=2, decoys=2, benign=300, seed=5)
    net = build_network(world.edges, world.entities)
    one = detect_communities(net, seed=7, control_runs=1)
    two = detect_communities(net, seed=7, control_runs=1)
    assert one.membership == two.membership and one.modularity == two.modularity
    assert one.control == two.control
    sizes = [c.size for c in one.communities]
    assert sizes == sorted(sizes, reverse=True)  # numbered by size


def test_modularity_found_in_noise_is_not_reported_as_cells() -> None:
    rnd = random.Random(0)
    pairs = {tuple(sorted(rnd.sample(range(400), 2))) for _ in range(1200)}
    net = build_network(Edge(str(a), str(b)) for a, b in pairs)
    found = detect_communities(net, seed=2, control_runs=3)
    assert found.modularity > 0.25  # Leiden does find "communities" in noise ...
    assert found.control is not None and found.control.z < 3
    assert not found.structured and found.cells() == []  # ... and they are not reported


def test_leidenalg_engine_is_seeded_too_and_agrees_with_igraph() -> None:
    world = planted_world(organisations=3, brokers=2, decoys=2, benign=300, seed=5)
    net = build_network(world.edges, world.entities)
    one = detect_communities(net, seed=3, engine="leidenalg", control_runs=0)
    two = detect_communities(net, seed=3, engine="leidenalg", control_runs=0)
    assert one.engine == "leidenalg" and one.membership == two.membership
    assert one.control is None and one.structured
    ours = detect_communities(net, seed=3, control_runs=0)
    assert ours.modularity == pytest.approx(one.modularity, abs=0.02)
    with pytest.raises(ValueError, match="unknown Leiden engine 'louvain'"):
        leiden(net.graph, seed=0, engine="louvain")
