"""Brokers: Gould–Fernandez roles match enumeration; cross-group betweenness matches networkx."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.network.brokers import (
    ROLES,
    brokerage_roles,
    brokers,
    cross_group_betweenness,
)
from accord.analytics.network.graph import Edge, Network, build_network
from accord.analytics.network.planted import planted_world


def _enumerate_roles(net: Network, groups: dict[str, str]) -> list[dict[str, int]]:
    g = net.graph
    out = []
    for b in range(net.n):
        own = groups.get(net.ids[b], f"outsider {b}")
        roles = dict.fromkeys(ROLES, 0)
        for a, c in combinations(g.neighbors(b), 2):
            if g.are_adjacent(a, c):
                continue
            ga, gc = groups.get(net.ids[a]), groups.get(net.ids[c])
            if ga is None or gc is None:
                continue
            if ga == gc:
                roles["coordinator" if ga == own else "consultant"] += 1
            elif own in (ga, gc):
                roles["gatekeeper_representative"] += 1
            else:
                roles["liaison"] += 1
        out.append(roles)
    return out


@settings(max_examples=80, deadline=None)
@given(st.integers(3, 12).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
    st.lists(st.sampled_from(["A", "B", "C", None]), min_size=n, max_size=n))))
def test_role_counts_equal_enumerating_open_two_paths(case: tuple) -> None:  # type: ignore[type-arg]
    n, pairs, labels = case
    net = build_network([Edge(str(a), str(b)) for a, b in pairs if a != b]
                        + [Edge(str(v), f"x{v}") for v in range(n)])
    groups = {str(v): g for v, g in enumerate(labels) if g is not None}
    assert brokerage_roles(net, groups) == _enumerate_roles(net, groups)


def test_outsider_between_two_organisations_is_a_liaison() -> None:
    net = build_network([Edge("a1", "a2"), Edge("b1", "b2"), Edge("X", "a1"), Edge("X", "b1"),
                         Edge("X", "a2")])
    groups = {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    roles = brokerage_roles(net, groups)[net.index("X")]
    assert roles == {"coordinator": 0, "consultant": 0, "gatekeeper_representative": 0,
                     "liaison": 2}


def test_cross_group_betweenness_matches_networkx_subsets() -> None:
    g = nx.karate_club_graph()
    net = build_network(Edge(str(a), str(b)) for a, b in g.edges())
    club = {str(v): g.nodes[v]["club"] for v in g.nodes}
    values, exact = cross_group_betweenness(net, [club[x] for x in net.ids])
    mr = [v for v in g.nodes if club[str(v)] == "Mr. Hi"]
    off = [v for v in g.nodes if club[str(v)] != "Mr. Hi"]
    ref = nx.betweenness_centrality_subset(g, mr, off, normalized=False)
    # networkx halves undirected subset counts; each cross pair counts once here.
    assert exact and values == pytest.approx([2 * ref[int(x)] for x in net.ids])
    sampled, exact = cross_group_betweenness(net, [club[x] for x in net.ids], samples=10)
    assert not exact and len(sampled) == net.n


def test_brokers_between_planted_organisations() -> None:
    world = planted_world(organisations=4, brokers=3, decoys=4, benign=0,
                          pendant_contacts=True, seed=1)
    net = build_network(world.edges, world.entities)
    ranked = brokers(net, groups=world.organisation, top=5)
    assert {b.id for b in ranked[:3]} == set(world.brokers)
    first = ranked[0]
    assert first.group is None and first.groups_bridged >= 2
    assert first.roles["liaison"] > 0
    assert any(r.startswith("mostly a liaison") for r in first.reasons)
    assert first.to_dict()["roles"] == first.roles


def test_brokers_without_groups_use_communities_and_subjects_narrow_the_view() -> None:
    world = planted_world(organisations=3, brokers=2, decoys=2, benign=200, seed=3)
    net = build_network(world.edges, world.entities)
    ranked = brokers(net, top=3)
    assert len(ranked) == 3 and all(b.group and b.group.startswith("community") for b in ranked)
    narrowed = brokers(net, groups=world.organisation, subjects=list(world.organisation), top=5)
    assert set(world.brokers) <= {b.id for b in narrowed}
