"""Centrality measures agree with networkx; sampled betweenness is unbiased and its error known."""

from __future__ import annotations

import warnings

import networkx as nx
import pytest

from accord.analytics.network import centrality as c
from accord.analytics.network.graph import Edge, Network, build_network


def _karate() -> Network:
    return build_network(Edge(str(a), str(b)) for a, b in nx.karate_club_graph().edges())


def _as_nx(net: Network) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(net.ids)
    g.add_edges_from((t.a, t.b) for t in net.ties())
    return g


def test_exact_betweenness_matches_networkx() -> None:
    net = _karate()
    b = c.betweenness(net)
    assert b.exact and b.sources == net.n and b.focus is None
    ref = nx.betweenness_centrality(_as_nx(net), normalized=False)
    assert b.values == pytest.approx([ref[x] for x in net.ids])


def test_focus_betweenness_counts_only_paths_between_subjects() -> None:
    net = _karate()
    focus = ["0", "5", "16", "33", "26"]
    b = c.betweenness(net, focus=focus)
    ref = nx.betweenness_centrality_subset(_as_nx(net), focus, focus, normalized=False)
    assert b.values == pytest.approx([ref[x] for x in net.ids])
    assert b.focus == 5


def test_sampled_betweenness_is_deterministic_and_unbiased() -> None:
    net = _karate()
    exact = c.betweenness(net).values
    one = c.betweenness(net, samples=10, seed=3)
    assert not one.exact and one.sources == 10
    assert one.values == c.betweenness(net, samples=10, seed=3).values
    runs = [c.betweenness(net, samples=10, seed=s).values for s in range(200)]
    mean = [sum(r[v] for r in runs) / len(runs) for v in range(net.n)]
    top = max(range(net.n), key=lambda v: exact[v])
    assert mean[top] == pytest.approx(exact[top], rel=0.1)
    assert c.spearman(mean, exact) > 0.95


def test_work_budget_switches_to_sampling_and_error_is_measured() -> None:
    ba = nx.barabasi_albert_graph(300, 2, seed=1)
    big = build_network(Edge(str(a), str(b)) for a, b in ba.edges())
    b = c.betweenness(big, max_work=big.m * 100, check_error=True)
    assert not b.exact and b.sources == 100
    assert b.error is not None and b.error.sources == 100 and b.error.nodes == 300
    assert b.error.spearman > 0.5
    assert c.betweenness(big, max_work=big.m * 10).sources == c.MIN_SAMPLES
    net = _karate()
    err = c.sampling_error(net, 10, nodes=20, seed=1)
    assert err.nodes == 20 and err.sources == 10
    assert -1.0 <= err.spearman <= 1.0 and 0.0 <= err.top_overlap <= 1.0
    same = c.sampling_error(net, 40, nodes=34)  # all sources: no error at all
    assert same.spearman == 1.0 and same.top_overlap == 1.0


def test_snowball_subsample_is_connected() -> None:
    net = _karate()
    sub = c.snowball(net, 12, seed=4)
    assert sub.n == 12 and sub.graph.is_connected()


def test_harmonic_reach_matches_networkx_and_focus() -> None:
    net = _karate()
    reach = c.harmonic_reach(net)
    ref = nx.harmonic_centrality(_as_nx(net))
    assert reach == pytest.approx([ref[x] / (net.n - 1) for x in net.ids])
    focus = c.harmonic_reach(net, focus=["0", "33"])
    i33 = net.index("33")
    assert focus[i33] == pytest.approx(1 / nx.shortest_path_length(_as_nx(net), "0", "33"))


def test_pagerank_and_eigenvector_on_a_disconnected_network_do_not_warn() -> None:
    net = build_network([Edge("A", "B"), Edge("B", "C"), Edge("C", "A"), Edge("X", "Y")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = c.eigenvector(net)
        pr = c.pagerank(net)
    assert max(ev) == pytest.approx(1.0)
    assert ev[net.index("X")] == 0.0 and ev[net.index("Y")] == 0.0
    assert sum(pr) == pytest.approx(1.0)
    assert c.degree(net) == [2, 2, 2, 1, 1]
    assert c.strength(net) == [2.0, 2.0, 2.0, 1.0, 1.0]


def test_percentiles_share_ranks_between_ties() -> None:
    assert list(c.percentiles([5.0, 1.0, 5.0, 3.0])) == [0.875, 0.25, 0.875, 0.5]
    assert c.top_overlap([3, 2, 1, 0], [0, 2, 3, 1], 2) == 0.5
    assert c.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
