"""The network: entities tied by typed, weighted, dated edges that keep their provenance.

Input is a plain iterable of :class:`Edge` (one observed tie: a call, a payment,
an Associate link, a co-occurrence in a report ...). :func:`build_network`
merges every edge between the same two entities into one *tie* whose weight is
the sum of the edge weights and which remembers the kinds, the statement ids,
the contributing nations and the time span, so that every hop an analyst sees
can be traced back to the statements and nations behind it.

The graph is undirected and simple (no parallel edges, no self-loops): the
measures here ask who is *connected* to whom; direction stays visible in the
statements. A self-loop (an entity tied to itself, e.g. after two mentions were
resolved into one) carries no structure and is dropped and counted.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accord.domain.errors import InvalidInput, NotFound, Problem

MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Edge:
    """One observed tie between two entities (ids of canonical entities)."""

    source: str
    target: str
    kind: str = "link"
    weight: float = 1.0
    start: date | None = None
    end: date | None = None  # None: same as start (a call on one day) or open
    statements: tuple[str, ...] = ()
    nations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What the summaries and reasons may say about an entity (all optional)."""

    id: str
    label: str = ""
    schema: str = ""
    organisation: str | None = None
    role: str | None = None
    country: str | None = None
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Keep edges whose [start, end] overlaps [start, end] (either bound open)."""

    start: date | None = None
    end: date | None = None
    keep_undated: bool = True

    def admits(self, edge: Edge) -> bool:
        if edge.start is None and edge.end is None:
            return self.keep_undated
        first = edge.start or edge.end
        last = edge.end or edge.start
        assert first is not None and last is not None
        if self.start is not None and last < self.start:
            return False
        return not (self.end is not None and first > self.end)


@dataclass(frozen=True, slots=True)
class Tie:
    """All evidence between two entities, merged: what a hop on a path shows."""

    a: str
    b: str
    weight: float
    count: int
    kinds: tuple[str, ...]
    statements: tuple[str, ...]
    nations: tuple[str, ...]
    start: date | None
    end: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b, "weight": self.weight, "count": self.count,
            "kinds": list(self.kinds), "statements": list(self.statements),
            "nations": list(self.nations),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


@dataclass
class _Ties:
    """Per-tie evidence in parallel lists (lean at a million ties)."""

    weight: list[float] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    kinds: list[tuple[str, ...]] = field(default_factory=list)
    statements: list[tuple[str, ...]] = field(default_factory=list)
    nations: list[tuple[str, ...]] = field(default_factory=list)
    start: list[date | None] = field(default_factory=list)
    end: list[date | None] = field(default_factory=list)

    def append(self, e: Edge) -> None:
        self.weight.append(e.weight)
        self.count.append(1)
        self.kinds.append((e.kind,))
        self.statements.append(e.statements)
        self.nations.append(e.nations)
        self.start.append(e.start)
        self.end.append(e.end or e.start)

    def merge(self, i: int, e: Edge) -> None:
        self.weight[i] += e.weight
        self.count[i] += 1
        if e.kind not in self.kinds[i]:
            self.kinds[i] = self.kinds[i] + (e.kind,)
        if e.statements:
            self.statements[i] = self.statements[i] + e.statements
        extra = tuple(n for n in e.nations if n not in self.nations[i])
        if extra:
            self.nations[i] = self.nations[i] + extra
        first, last = e.start, e.end or e.start
        if first is not None and (self.start[i] is None or first < self.start[i]):  # type: ignore[operator]
            self.start[i] = first
        if last is not None and (self.end[i] is None or last > self.end[i]):  # type: ignore[operator]
            self.end[i] = last


class Network:
    """An undirected simple igraph ``Graph`` plus entity ids and tie evidence.

    Vertex ``i`` is entity ``ids[i]``; edge ``e`` of ``graph`` is tie ``e``.
    The graph's edge attribute ``weight`` holds the tie weights. Treat a
    Network as immutable: the functions in this package never modify it.
    """

    def __init__(self, ids: Sequence[str], pairs: list[tuple[int, int]], ties: _Ties,
                 entities: dict[str, EntityInfo], dropped_self_loops: int = 0) -> None:
        self.ids: tuple[str, ...] = tuple(ids)
        self._index = {v: i for i, v in enumerate(self.ids)}
        import igraph as ig  # here, not at import: `accord` commands that never build a graph

        self.graph = ig.Graph(n=len(self.ids), edges=pairs)
        self.graph.es["weight"] = ties.weight
        self._ties = ties
        self.entities = entities
        self.dropped_self_loops = dropped_self_loops

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return int(self.graph.ecount())

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._index

    def index(self, entity_id: str) -> int:
        """The vertex of ``entity_id``; :class:`NotFound` names the id if absent."""
        try:
            return self._index[entity_id]
        except KeyError:
            raise NotFound(f"entity {entity_id!r} is not in the network "
                           f"({self.n} entities, {self.m} ties)", where="network") from None

    def entity(self, entity_id: str) -> EntityInfo:
        """What is known about ``entity_id`` (an empty record if nothing was given)."""
        return self.entities.get(entity_id) or EntityInfo(id=entity_id)

    def tie(self, edge: int) -> Tie:
        """The merged evidence of graph edge ``edge``."""
        a, b = self.graph.es[edge].tuple
        t = self._ties
        return Tie(self.ids[a], self.ids[b], t.weight[edge], t.count[edge], t.kinds[edge],
                   t.statements[edge], t.nations[edge], t.start[edge], t.end[edge])

    def tie_between(self, a: str, b: str) -> Tie:
        """The tie between two entities; :class:`NotFound` if they are not tied."""
        e = self.graph.get_eid(self.index(a), self.index(b), error=False)
        if e < 0:
            raise NotFound(f"no tie between {a!r} and {b!r}", where="network")
        return self.tie(int(e))

    def tie_nations(self, edge: int) -> tuple[str, ...]:
        """The nations behind graph edge ``edge`` (cheaper than :meth:`tie`)."""
        return self._ties.nations[edge]

    def ties(self) -> Iterator[Tie]:
        for e in range(self.m):
            yield self.tie(e)

    def nations_of(self, entity_id: str) -> tuple[str, ...]:
        """Nations that contributed at least one tie of ``entity_id``, sorted."""
        seen: set[str] = set()
        for e in self.graph.incident(self.index(entity_id)):
            seen.update(self._ties.nations[e])
        return tuple(sorted(seen))

    def subnetwork(self, vertices: Iterable[int]) -> Network:
        """The network induced on ``vertices`` (ties among them, evidence kept)."""
        keep = sorted(set(vertices))
        new = {v: i for i, v in enumerate(keep)}
        pairs: list[tuple[int, int]] = []
        ties = _Ties()
        t = self._ties
        for e in self.graph.es.select(_within=keep) if keep else []:
            a, b = e.tuple
            i = e.index
            pairs.append((new[a], new[b]))
            ties.weight.append(t.weight[i])
            ties.count.append(t.count[i])
            ties.kinds.append(t.kinds[i])
            ties.statements.append(t.statements[i])
            ties.nations.append(t.nations[i])
            ties.start.append(t.start[i])
            ties.end.append(t.end[i])
        ids = [self.ids[v] for v in keep]
        ents = {i: self.entities[i] for i in ids if i in self.entities}
        return Network(ids, pairs, ties, ents)

    def without(self, entity_ids: Iterable[str]) -> Network:
        """The network with ``entity_ids`` (and their ties) removed."""
        gone = {self.index(x) for x in entity_ids}
        return self.subnetwork(v for v in range(self.n) if v not in gone)


def _check(i: int, e: Edge) -> list[Problem]:
    where = f"edge {i} ({e.source!r}-{e.target!r})"
    out: list[Problem] = []
    if not e.source or not e.target:
        out.append(Problem(where, "source" if not e.source else "target", "empty entity id"))
    if not (isinstance(e.weight, int | float) and math.isfinite(e.weight) and e.weight > 0):
        out.append(Problem(where, "weight", f"must be a positive finite number, got {e.weight!r}"))
    if e.start is not None and e.end is not None and e.end < e.start:
        out.append(Problem(where, "end", f"{e.end} is before start {e.start}"))
    return out


def build_network(edges: Iterable[Edge], entities: Iterable[EntityInfo] = (), *,
                  window: TimeWindow | None = None, kinds: Collection[str] | None = None,
                  nations: Collection[str] | None = None) -> Network:
    """Merge ``edges`` into a :class:`Network`.

    ``entities`` adds attributes (and isolated entities, which count in
    fragmentation). Filters: ``window`` keeps edges overlapping a time window,
    ``kinds`` keeps edges of those kinds, ``nations`` keeps edges contributed by
    at least one of those nations (and drops the other nations from their
    provenance, so the result is what those nations hold). Bad edges are all
    reported at once in :class:`InvalidInput`; nothing is built then.
    """
    ents = {x.id: x for x in entities}
    index: dict[str, int] = {}
    ids: list[str] = []
    for x in ents:
        index[x] = len(ids)
        ids.append(x)
    kind_set = set(kinds) if kinds is not None else None
    nation_set = set(nations) if nations is not None else None
    pair_edge: dict[tuple[int, int], int] = {}
    pairs: list[tuple[int, int]] = []
    ties = _Ties()
    problems: list[Problem] = []
    loops = 0
    for i, e in enumerate(edges):
        bad = _check(i, e)
        if bad:
            problems.extend(bad)
            if len(problems) >= MAX_PROBLEMS:
                raise InvalidInput(problems[:MAX_PROBLEMS], truncated=True)
            continue
        if window is not None and not window.admits(e):
            continue
        if kind_set is not None and e.kind not in kind_set:
            continue
        if nation_set is not None:
            seen = tuple(n for n in e.nations if n in nation_set)
            if not seen:
                continue
            if len(seen) != len(e.nations):
                e = Edge(e.source, e.target, e.kind, e.weight, e.start, e.end, e.statements, seen)
        if e.source == e.target:
            loops += 1
            continue
        a = index.get(e.source)
        if a is None:
            a = index[e.source] = len(ids)
            ids.append(e.source)
        b = index.get(e.target)
        if b is None:
            b = index[e.target] = len(ids)
            ids.append(e.target)
        key = (a, b) if a < b else (b, a)
        k = pair_edge.get(key)
        if k is None:
            pair_edge[key] = len(pairs)
            pairs.append(key)
            ties.append(e)
        else:
            ties.merge(k, e)
    if problems:
        raise InvalidInput(problems)
    return Network(ids, pairs, ties, ents, dropped_self_loops=loops)


def investigative_subnetwork(net: Network, subjects: Iterable[str], depth: int = 1) -> Network:
    """The subjects and every entity within ``depth`` hops of one of them.

    :class:`NotFound` names a subject that is not in the network.
    """
    seeds = sorted({net.index(x) for x in subjects})
    keep: set[int] = set(seeds)
    if seeds and depth > 0:
        for ball in net.graph.neighborhood(vertices=seeds, order=depth):
            keep.update(ball)
    return net.subnetwork(keep)
