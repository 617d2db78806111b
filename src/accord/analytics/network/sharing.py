"""The value of sharing: the same analysis on a nation's own material and with partners'.

For a nation, *alone* is the network of the edges it contributed itself;
*shared* adds what partners released to it. The same ranking runs on both and
is scored against a truth ranking (``truth.json`` in the synthetic world) by
precision@k: the share of the top ``k`` that are true key players.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.analytics.network.graph import Edge, EntityInfo, Network, build_network
from accord.analytics.network.keyplayers import key_players

Ranker = Callable[[Network], list[str]]


def precision_at_k(ranking: Sequence[str], truth: Collection[str], k: int = 10) -> float:
    """Share of the first ``k`` of ``ranking`` that are in ``truth`` (missing places count 0)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    wanted = set(truth)
    return sum(1 for x in ranking[:k] if x in wanted) / k


def recall_at_k(ranking: Sequence[str], truth: Collection[str], k: int = 10) -> float:
    """Share of ``truth`` found in the first ``k`` of ``ranking`` (1.0 if truth is empty)."""
    wanted = set(truth)
    if not wanted:
        return 1.0
    return len(wanted & set(ranking[:k])) / len(wanted)


def default_ranker(top: int = 10) -> Ranker:
    """Key players without subjects (2-core focus)."""
    return lambda net: key_players(net, top=top).ids()


@dataclass(frozen=True)
class SharingValue:
    nation: str
    k: int
    alone: float  # precision@k on the nation's own edges
    shared: float  # precision@k with partners' released edges added
    entities_alone: int
    entities_shared: int
    ties_alone: int
    ties_shared: int
    top_alone: tuple[str, ...]
    top_shared: tuple[str, ...]

    @property
    def gain(self) -> float:
        return self.shared - self.alone

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["top_alone"], out["top_shared"] = list(self.top_alone), list(self.top_shared)
        out["gain"] = self.gain
        return out


def value_of_sharing(nation: str, own: Iterable[Edge], released: Iterable[Edge],
                     truth: Collection[str], *, entities: Iterable[EntityInfo] = (),
                     k: int = 10, rank: Ranker | None = None) -> SharingValue:
    """Rank on ``own`` edges, then on ``own`` + ``released``; precision@k of each."""
    rank = rank or default_ranker(k)
    own = list(own)
    ents = list(entities)
    alone = build_network(own, ents)
    shared = build_network(own + list(released), ents)
    top_a, top_s = rank(alone)[:k], rank(shared)[:k]
    return SharingValue(nation, k, precision_at_k(top_a, truth, k),
                        precision_at_k(top_s, truth, k), alone.n, shared.n, alone.m, shared.m,
                        tuple(top_a), tuple(top_s))


def sharing_by_nation(edges: Sequence[Edge], truth: Collection[str], nations: Iterable[str], *,
                      released: Mapping[str, Sequence[Edge]] | None = None,
                      entities: Iterable[EntityInfo] = (), k: int = 10,
                      rank: Ranker | None = None) -> list[SharingValue]:
    """:func:`value_of_sharing` per nation.

    A nation's own edges are those it contributed (``nation in edge.nations``);
    what it received is ``released[nation]`` when given, else every other edge
    (full sharing: the upper bound of what sharing can add).
    """
    ents = list(entities)
    out = []
    for nation in nations:
        own = [e for e in edges if nation in e.nations]
        if released is not None:
            extra: Sequence[Edge] = released.get(nation, [])
        else:
            extra = [e for e in edges if nation not in e.nations]
        out.append(value_of_sharing(nation, own, extra, truth, entities=ents, k=k, rank=rank))
    return out
