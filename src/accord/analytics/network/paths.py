"""Paths between two entities, with the evidence on every hop, and ego networks.

A path is a list of hops; each hop carries the merged :class:`Tie` between its
two entities (kinds, statement ids, contributing nations, time span), so an
analyst can open the statements behind every link of the chain.

Cost: ``"hops"`` counts links; ``"evidence"`` makes well-evidenced ties short
(cost 1/weight), so that among equally long chains the better-documented one
comes first. k-shortest paths are loopless (Yen's algorithm, igraph).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from accord.analytics.network.graph import Network, Tie

COSTS = ("hops", "evidence")


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    tie: Tie

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "evidence": self.tie.to_dict()}


@dataclass(frozen=True)
class Path:
    entities: tuple[str, ...]
    hops: tuple[Hop, ...]
    cost: float

    @property
    def length(self) -> int:
        return len(self.hops)

    @property
    def nations(self) -> tuple[str, ...]:
        """Nations whose statements make up the path (all of them are needed)."""
        return tuple(sorted({n for h in self.hops for n in h.tie.nations}))

    def to_dict(self) -> dict[str, Any]:
        return {"entities": list(self.entities), "length": self.length, "cost": self.cost,
                "nations": list(self.nations), "hops": [h.to_dict() for h in self.hops]}


def _weights(net: Network, cost: str) -> list[float] | None:
    if cost not in COSTS:
        raise ValueError(f"unknown path cost {cost!r} (one of {', '.join(COSTS)})")
    return None if cost == "hops" else [1.0 / w for w in net.graph.es["weight"]]


def _path(net: Network, start: int, epath: list[int], weights: list[float] | None) -> Path:
    hops: list[Hop] = []
    here = start
    ents = [net.ids[start]]
    for e in epath:
        a, b = net.graph.es[e].tuple
        there = b if a == here else a
        hops.append(Hop(net.ids[here], net.ids[there], net.tie(e)))
        ents.append(net.ids[there])
        here = there
    cost = float(len(epath)) if weights is None else sum(weights[e] for e in epath)
    return Path(tuple(ents), tuple(hops), round(cost, 9))


def k_shortest_paths(net: Network, source: str, target: str, k: int = 1, *,
                     cost: str = "hops") -> list[Path]:
    """Up to ``k`` loopless paths, shortest first (empty if not connected).

    :class:`NotFound` names an entity that is not in the network; ``ValueError``
    for ``k < 1``, an unknown cost, or ``source == target``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    s, t = net.index(source), net.index(target)
    if s == t:
        raise ValueError(f"source and target are the same entity {source!r}")
    weights = _weights(net, cost)
    if not math.isfinite(net.graph.distances(source=s, target=t)[0][0]):
        return []  # (igraph would warn "couldn't reach some vertices")
    epaths = net.graph.get_k_shortest_paths(s, to=t, k=k, weights=weights, output="epath")
    return [_path(net, s, list(p), weights) for p in epaths if p]


def shortest_path(net: Network, source: str, target: str, *, cost: str = "hops") -> Path | None:
    """The shortest path with its evidence, or None if the two are not connected."""
    paths = k_shortest_paths(net, source, target, 1, cost=cost)
    return paths[0] if paths else None


@dataclass(frozen=True)
class Ego:
    center: str
    depth: int
    distance: dict[str, int]  # entity -> hops from the centre (centre: 0)
    network: Network  # induced on the centre and everyone within ``depth``

    def to_dict(self) -> dict[str, Any]:
        return {"center": self.center, "depth": self.depth, "distance": self.distance,
                "entities": self.network.n, "ties": [t.to_dict() for t in self.network.ties()]}


def ego_network(net: Network, center: str, depth: int = 1) -> Ego:
    """Everyone within ``depth`` hops of ``center``, with the ties among them."""
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, got {depth}")
    c = net.index(center)
    ball = net.graph.neighborhood(vertices=c, order=depth)
    dist = net.graph.distances(source=[c], target=ball)[0]
    distance = {net.ids[v]: int(d) for v, d in zip(ball, dist, strict=True)}
    return Ego(center, depth, distance, net.subnetwork(ball))
