"""Paths carry the evidence of every hop; k-shortest paths are loopless and ordered."""

from __future__ import annotations

from datetime import date

import pytest

from accord.analytics.network.graph import Edge, build_network
from accord.analytics.network.paths import ego_network, k_shortest_paths, shortest_path
from accord.domain.errors import NotFound


def _net():  # type: ignore[no-untyped-def]
    return build_network([
        Edge("A", "B", "call", 1.0, date(2024, 1, 1), None, ("s1",), ("CO",)),
        Edge("B", "D", "Transaction", 1.0, date(2024, 2, 1), None, ("s2",), ("MX",)),
        Edge("A", "C", "Associate", 5.0, None, None, ("s3", "s4"), ("US",)),
        Edge("C", "D", "call", 5.0, None, None, ("s5",), ("US", "PA")),
        Edge("D", "E", "call", 1.0, None, None, ("s6",), ("ES",)),
        Edge("X", "Y"),
    ])


def test_shortest_path_shows_the_evidence_on_each_hop() -> None:
    path = shortest_path(_net(), "A", "E")
    assert path is not None and path.length == 3 and path.cost == 3.0
    assert path.entities[0] == "A" and path.entities[-1] == "E"
    first = path.hops[0]
    assert first.source == "A" and first.tie.statements in (("s1",), ("s3", "s4"))
    assert path.hops[-1].tie.kinds == ("call",) and path.hops[-1].tie.nations == ("ES",)
    assert "ES" in path.nations
    body = path.to_dict()
    assert body["hops"][2]["evidence"]["statements"] == ["s6"]


def test_evidence_cost_prefers_the_better_documented_chain() -> None:
    path = shortest_path(_net(), "A", "D", cost="evidence")
    assert path is not None and path.entities == ("A", "C", "D")
    assert path.cost == pytest.approx(0.4)
    assert path.nations == ("PA", "US")


def test_k_shortest_paths_are_ordered_and_loopless() -> None:
    paths = k_shortest_paths(_net(), "A", "D", k=5)
    assert [p.entities for p in paths] == [("A", "B", "D"), ("A", "C", "D")] or \
        [p.entities for p in paths] == [("A", "C", "D"), ("A", "B", "D")]
    assert all(len(set(p.entities)) == len(p.entities) for p in paths)
    weighted = k_shortest_paths(_net(), "A", "D", k=2, cost="evidence")
    assert [p.entities for p in weighted] == [("A", "C", "D"), ("A", "B", "D")]
    assert weighted[0].cost < weighted[1].cost


def test_unconnected_and_bad_requests() -> None:
    net = _net()
    assert shortest_path(net, "A", "X") is None
    assert k_shortest_paths(net, "A", "Y", k=3) == []
    with pytest.raises(NotFound, match="entity 'Q' is not in the network"):
        shortest_path(net, "A", "Q")
    with pytest.raises(ValueError, match="unknown path cost 'miles'"):
        shortest_path(net, "A", "D", cost="miles")
    with pytest.raises(ValueError, match="k must be at least 1"):
        k_shortest_paths(net, "A", "D", k=0)
    with pytest.raises(ValueError, match="source and target are the same entity 'A'"):
        k_shortest_paths(net, "A", "A")


def test_ego_network_to_a_depth() -> None:
    net = _net()
    one = ego_network(net, "D", 1)
    assert one.distance == {"D": 0, "B": 1, "C": 1, "E": 1}
    assert one.network.m == 3  # the ties among B, C, E and D: D-B, D-C, D-E
    two = ego_network(net, "D", 2)
    assert two.distance["A"] == 2 and two.network.m == 5
    assert ego_network(net, "D", 0).distance == {"D": 0}
    assert two.to_dict()["entities"] == 5
    with pytest.raises(ValueError, match="depth must be 0 or more"):
        ego_network(net, "D", -1)
