"""The planted world is deterministic and its truth matches its edges."""

from __future__ import annotations

from accord.analytics.network.graph import build_network
from accord.analytics.network.planted import planted_world


def test_same_seed_same_world_and_truth_consistent_with_edges() -> None:
    one = planted_world(organisations=3, brokers=2, decoys=2, benign=200, seed=9)
    assert one.edges == planted_world(organisations=3, brokers=2, decoys=2, benign=200,
                                      seed=9).edges
    net = build_network(one.edges, one.entities)
    assert len(one.leaders) == 3 and len(one.brokers) == 2 and len(one.decoys) == 2
    assert one.ranking[:5] == one.key_players
    for decoy in one.decoys:
        assert net.graph.degree(net.index(decoy)) >= 40
    for broker in one.brokers:
        orgs = {one.organisation.get(net.ids[u]) for u in net.graph.neighbors(net.index(broker))}
        assert len(orgs - {None}) >= 2  # ties into at least two organisations
    assert {n for e in one.edges for n in e.nations} <= set(one.nations)
    assert all(e.statements for e in one.edges)


def test_pendant_contacts_and_single_nation() -> None:
    chart = planted_world(organisations=2, brokers=1, decoys=1, benign=0, pendant_contacts=True,
                          nations=("CO",), seed=1)
    net = build_network(chart.edges, chart.entities)
    contacts = [x for x, r in chart.role.items() if r == "contact"]
    assert contacts and all(net.graph.degree(net.index(x)) == 1 for x in contacts)
    assert {n for e in chart.edges for n in e.nations} == {"CO"}
