"""Key players: busy but peripheral entities do not outrank brokers, and each place is explained."""

from __future__ import annotations

import random
from itertools import combinations

from accord.analytics.network.centrality import degree
from accord.analytics.network.disrupt import kpp_neg
from accord.analytics.network.graph import Edge, Network, build_network
from accord.analytics.network.keyplayers import core_entities, key_players
from accord.analytics.network.planted import planted_world
from accord.analytics.network.sharing import precision_at_k


def _two_cells_a_broker_and_a_decoy() -> Network:
    """Two six-person cells joined by BROKER; DECOY calls 60 one-off numbers and one courier."""
    edges = [Edge(f"{cell}{a}", f"{cell}{b}") for cell in "PQ" for a, b in combinations(range(6), 2)
             if (a + b) % 3]
    edges += [Edge("BROKER", x) for x in ("P0", "P1", "Q0", "Q1")]
    edges += [Edge("DECOY", f"N{i}") for i in range(60)] + [Edge("DECOY", "P5")]
    return build_network(edges)


def test_decoy_has_the_highest_degree_but_the_broker_ranks_first() -> None:
    net = _two_cells_a_broker_and_a_decoy()
    deg = degree(net)
    assert net.ids[max(range(net.n), key=lambda v: deg[v])] == "DECOY"
    ranking = key_players(net, top=5)
    assert ranking.ids()[0] == "BROKER"
    assert "DECOY" not in ranking.ids()
    assert ranking.basis == "core entities" and ranking.betweenness_exact
    assert set(core_entities(net)) == {x for x in net.ids if x[0] in "PQB"}


def test_reasons_explain_the_place_and_the_decoy_is_called_peripheral() -> None:
    net = _two_cells_a_broker_and_a_decoy()
    ranking = key_players(net, top=net.n)
    first = ranking.players[0]
    assert first.rank == 1 and first.reasons[0].startswith("on ")
    assert "shortest paths between core entities" in first.reasons[0]
    assert "4 of 4 contacts are core entities" in first.reasons
    decoy = next(p for p in ranking.players if p.id == "DECOY")
    assert "busy but peripheral: only 1 of 61 contacts are core entities (score x0.07)" \
        in decoy.reasons
    assert decoy.measures["degree"] == 61.0
    assert set(first.percentiles) == {"betweenness", "reach", "degree"}
    assert ranking.to_dict()["players"][0]["id"] == "BROKER"  # JSON-able


def test_subjects_restrict_the_ranking_to_the_investigation() -> None:
    net = _two_cells_a_broker_and_a_decoy()
    ranking = key_players(net, subjects=["P0", "P2", "Q3", "Q4"], top=3)
    assert ranking.basis == "subjects" and ranking.focus == 4
    assert ranking.scored < net.n  # the one-off numbers are outside the investigation
    assert "BROKER" in ranking.ids()


def test_ranking_is_deterministic_and_keeps_every_betweenness_for_reuse() -> None:
    net = _two_cells_a_broker_and_a_decoy()
    ranking = key_players(net, top=10)
    assert ranking.ids() == key_players(net, top=10).ids()
    assert set(ranking.betweenness) == set(net.ids)
    start = [ranking.betweenness[x] for x in net.ids]
    plan = kpp_neg(net, 1, focus=core_entities(net), betweenness_values=start)
    assert plan.ids == ("BROKER",)


def test_planted_world_beats_the_degree_baseline_and_keeps_decoys_out() -> None:
    world = planted_world(organisations=4, brokers=3, decoys=6, benign=400, seed=2)
    net = build_network(world.edges, world.entities)
    rnd = random.Random(0)
    subjects = [x for x in world.organisation if rnd.random() < 0.5]
    top = key_players(net, subjects=subjects, top=10).ids()
    deg = degree(net)
    baseline = [net.ids[v] for v in sorted(range(net.n), key=lambda v: -deg[v])[:10]]
    assert not set(world.decoys) & set(top)
    assert precision_at_k(top, world.key_players) > precision_at_k(baseline, world.key_players)
