"""Value of sharing: precision@k alone and with partners' edges."""

from __future__ import annotations

import pytest

from accord.analytics.network.graph import Edge
from accord.analytics.network.planted import planted_world
from accord.analytics.network.sharing import (
    precision_at_k,
    recall_at_k,
    sharing_by_nation,
    value_of_sharing,
)


def test_precision_and_recall_at_k() -> None:
    assert precision_at_k(["a", "x", "b"], {"a", "b", "c"}, k=2) == 0.5
    assert precision_at_k(["a"], {"a"}, k=10) == 0.1  # a short ranking is not rewarded
    assert recall_at_k(["a", "x", "b"], {"a", "b", "c", "d"}, k=3) == 0.5
    assert recall_at_k(["a"], set(), k=3) == 1.0
    with pytest.raises(ValueError, match="k must be at least 1"):
        precision_at_k(["a"], {"a"}, k=0)


def test_partner_edges_reveal_the_bridge() -> None:
    # CO sees one cell, MX the other; only together is BROKER between them.
    co = [Edge(a, b, nations=("CO",)) for a, b in
          [("a1", "a2"), ("a2", "a3"), ("a3", "a1"), ("a1", "BROKER"), ("a2", "BROKER")]]
    mx = [Edge(a, b, nations=("MX",)) for a, b in
          [("b1", "b2"), ("b2", "b3"), ("b3", "b1"), ("b1", "BROKER"), ("b2", "BROKER")]]
    value = value_of_sharing("CO", co, mx, {"BROKER"}, k=1)
    assert value.shared == 1.0 and value.top_shared == ("BROKER",)
    assert value.alone == 0.0 and value.gain == 1.0
    assert (value.entities_alone, value.entities_shared) == (4, 7)
    assert (value.ties_alone, value.ties_shared) == (5, 10)
    assert value.to_dict()["gain"] == 1.0


def test_sharing_by_nation_on_a_planted_world() -> None:
    world = planted_world(organisations=4, brokers=3, decoys=3, benign=0,
                          pendant_contacts=True, seed=4)
    values = sharing_by_nation(world.edges, world.key_players, world.nations[:3], k=10)
    assert [v.nation for v in values] == list(world.nations[:3])
    for v in values:
        assert v.ties_alone < v.ties_shared
        assert 0.0 <= v.alone <= 1.0 and 0.0 <= v.shared <= 1.0
    assert sum(v.shared for v in values) >= sum(v.alone for v in values)
    none = sharing_by_nation(world.edges, world.key_players, ["CO"], released={}, k=10)
    assert none[0].ties_alone == none[0].ties_shared and none[0].gain == 0.0
