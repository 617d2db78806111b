"""The network keeps every edge's provenance, merges parallel edges and filters by time."""

from __future__ import annotations

from datetime import date

import pytest

from accord.analytics.network.graph import (
    Edge,
    EntityInfo,
    TimeWindow,
    build_network,
    investigative_subnetwork,
)
from accord.domain.errors import InvalidInput, NotFound


def _edges() -> list[Edge]:
    return [
        Edge("A", "B", "call", 1.0, date(2024, 1, 5), None, ("s1",), ("CO",)),
        Edge("B", "A", "Transaction", 2.0, date(2024, 3, 1), date(2024, 3, 2), ("s2",), ("MX",)),
        Edge("B", "C", "Associate", 1.0, date(2023, 6, 1), None, ("s3",), ("CO", "US")),
        Edge("C", "D", "call", 1.0, None, None, ("s4",), ("US",)),
    ]


def test_parallel_edges_merge_into_one_tie_that_keeps_all_evidence() -> None:
    net = build_network(_edges())
    assert (net.n, net.m) == (4, 3)
    tie = net.tie_between("A", "B")
    assert tie.weight == 3.0 and tie.count == 2
    assert tie.kinds == ("call", "Transaction")
    assert tie.statements == ("s1", "s2")
    assert tie.nations == ("CO", "MX")
    assert (tie.start, tie.end) == (date(2024, 1, 5), date(2024, 3, 2))
    assert net.nations_of("B") == ("CO", "MX", "US")
    assert net.graph.es[net.graph.get_eid(net.index("A"), net.index("B"))]["weight"] == 3.0


def test_time_window_keeps_overlapping_edges_and_optionally_undated() -> None:
    net = build_network(_edges(), window=TimeWindow(date(2024, 2, 1), date(2024, 12, 31)))
    assert net.tie_between("A", "B").statements == ("s2",)
    assert "D" in net and net.m == 2  # the undated call C-D is kept by default
    strict = build_network(_edges(), window=TimeWindow(date(2024, 2, 1), None,
                                                         keep_undated=False))
    assert strict.m == 1 and "C" not in strict


def test_kind_and_nation_filters_show_what_those_nations_hold() -> None:
    co = build_network(_edges(), nations={"CO"})
    assert co.m == 2
    assert co.tie_between("B", "C").nations == ("CO",)  # the US part is not CO's to show
    calls = build_network(_edges(), kinds={"call"})
    assert sorted(calls.ids) == ["A", "B", "C", "D"] and calls.m == 2


def test_self_loops_are_dropped_and_counted_and_entities_may_be_isolated() -> None:
    net = build_network([Edge("A", "A"), Edge("A", "B")], [EntityInfo("Z", role="leader")])
    assert net.dropped_self_loops == 1
    assert net.m == 1 and "Z" in net and net.graph.degree(net.index("Z")) == 0
    assert net.entity("Z").role == "leader"
    assert net.entity("A") == EntityInfo("A")


def test_bad_edges_are_all_reported_with_where_and_why() -> None:
    with pytest.raises(InvalidInput) as err:
        build_network([Edge("A", "B"), Edge("", "B"), Edge("A", "C", weight=-1.0),
                       Edge("A", "C", start=date(2024, 2, 1), end=date(2024, 1, 1))])
    text = str(err.value)
    assert "3 problem(s); nothing was written" in text
    assert "edge 1 (''-'B'): source: empty entity id" in text
    assert "edge 2 ('A'-'C'): weight: must be a positive finite number, got -1.0" in text
    assert "edge 3 ('A'-'C'): end: 2024-01-01 is before start 2024-02-01" in text


def test_unknown_entity_is_named() -> None:
    net = build_network(_edges())
    with pytest.raises(NotFound, match="entity 'X' is not in the network"):
        net.index("X")
    with pytest.raises(NotFound, match="no tie between 'A' and 'D'"):
        net.tie_between("A", "D")


def test_subnetworks_keep_evidence() -> None:
    net = build_network(_edges())
    sub = net.without(["C"])
    assert sorted(sub.ids) == ["A", "B", "D"] and sub.m == 1
    assert sub.tie_between("A", "B").statements == ("s1", "s2")
    inv = investigative_subnetwork(net, ["A"], depth=1)
    assert sorted(inv.ids) == ["A", "B"]
    assert sorted(investigative_subnetwork(net, ["A"], depth=2).ids) == ["A", "B", "C"]
