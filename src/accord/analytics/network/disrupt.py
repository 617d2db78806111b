"""Disruption planning: Borgatti's key-player problem (KPP-Neg) and the effect of arrests.

Fragmentation (Borgatti 2006) of a network with ``n`` entities whose connected
components have sizes ``s_k``::

    F = 1 - Σ s_k (s_k - 1) / (n (n - 1))

the share of pairs of entities that can no longer reach each other (0: one
component; 1: everyone isolated). After removing a set, ``n`` counts the
entities that remain. The distance-weighted fragmentation also rewards
lengthening the paths that survive::

    DF = 1 - Σ_{i≠j} (1 / d_ij) / (n (n - 1))      (1/∞ = 0)

KPP-Neg asks for the ``k`` entities whose removal maximises F. No library
implements it; this is the greedy-plus-swaps heuristic Borgatti describes,
with one improvement in how candidates are scored: removing ``v`` splits only
its own component, and only if ``v`` is an articulation point; the sizes of
the pieces, for *every* ``v`` at once, follow from the block-cut tree of the
biconnected components (one O(n + m) pass). So every step considers every
entity as a candidate, at the cost of a single connected-components pass;
no restriction to the top-N by betweenness is needed. ``candidates`` may still
limit the choice (e.g. to persons), and a ``focus`` makes only pairs of focus
entities count (each vertex weighs 1 or 0 in the same arithmetic).

Algorithm (deterministic; ties go to the smaller entity id):

1. greedy: ``k`` times, remove the entity whose removal leaves the fewest
   connected pairs;
2. swaps: for each chosen entity, put it back and take the best entity of all
   in its place if that is strictly better; repeat until a full pass changes
   nothing (at most ``max_passes``);
3. the same swaps from a second start, the ``k`` highest-betweenness
   candidates; the better of the two results is kept. Ties between
   candidates go to the higher degree, then the smaller id.

The result is a local optimum, not a guaranteed global one (KPP-Neg is
NP-hard). Against exhaustive search on 1,200 random graphs of 6–14 entities
(k = 2, 3) it was optimal 96.7% of the time (greedy + swaps alone: 92%;
greedy alone with id tie-breaks: 78%); the tests check k = 1 is always exact.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import igraph as ig
import numpy as np

from accord.analytics.network.centrality import MAX_WORK, MIN_SAMPLES, betweenness
from accord.analytics.network.graph import Network

DF_MAX_WORK = MAX_WORK / 5


def fragmentation(sizes: Iterable[int], n: int | None = None) -> float:
    """Borgatti's F from component sizes (``n`` defaults to their sum); 1.0 if n < 2."""
    sizes = list(sizes)
    total = sum(sizes) if n is None else n
    if total < 2:
        return 1.0
    return 1.0 - sum(s * (s - 1) for s in sizes) / (total * (total - 1))


def _remaining(graph: Any, removed: Collection[int]) -> tuple[Any, list[int]]:
    gone = set(removed)
    keep = [v for v in range(graph.vcount()) if v not in gone]
    return graph.induced_subgraph(keep) if gone else graph, keep


def component_sizes(graph: Any, removed: Collection[int] = (),
                    focus: Collection[int] | None = None) -> list[int]:
    """Sizes of the connected components once ``removed`` vertices are gone.

    With ``focus``, a component's size counts only its focus vertices (and
    components without any are left out).
    """
    h, keep = _remaining(graph, removed)
    if focus is None:
        return [len(c) for c in h.connected_components()]
    inside = set(focus)
    sizes = [sum(1 for v in c if keep[v] in inside) for c in h.connected_components()]
    return [x for x in sizes if x]


class RemovalScorer:
    """Scores the removal of every vertex of one graph, for changing removed sets.

    Keeps the graph's edge array, so each :meth:`pairs_after` costs one copy
    with the removed vertices' ties deleted, one connected-components pass and
    one biconnected-components pass (all in igraph's C), plus numpy.
    """

    def __init__(self, graph: Any, focus: Collection[int] | None = None) -> None:
        self.graph = graph
        self.n = int(graph.vcount())
        self.edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        # Only pairs of focus vertices count; everyone counts without a focus.
        self.weight = np.ones(self.n, dtype=np.int64)
        if focus is not None:
            self.weight[:] = 0
            self.weight[list(focus)] = 1

    def _without(self, removed: Collection[int]) -> tuple[Any, np.ndarray]:
        g = self.graph
        gone = sorted({e for v in removed for e in g.incident(v)})
        if not gone:
            return g, self.edges
        # Vertex ids stay; the removed become isolated (no pairs). igraph keeps the
        # order of the remaining edges, so the cached array is just filtered.
        h = g.copy()
        h.delete_edges(gone)
        keep = np.ones(len(self.edges), dtype=bool)
        keep[gone] = False
        return h, self.edges[keep]

    def _sizes(self, h: Any) -> tuple[np.ndarray, np.ndarray, int]:
        memb = np.asarray(h.connected_components().membership, dtype=np.int64)
        sizes = np.bincount(memb, weights=self.weight, minlength=1).astype(np.int64)
        return memb, sizes, int((sizes * (sizes - 1)).sum())

    def pairs(self, removed: Collection[int]) -> int:
        """Σ s(s-1) over components (s counting focus vertices) once ``removed`` are gone."""
        return self._sizes(self._without(removed)[0])[2]

    def focus_left(self, removed: Collection[int]) -> int:
        return int(self.weight.sum() - self.weight[list(set(removed))].sum())

    def pairs_after(self, removed: Collection[int]) -> np.ndarray:
        """Σ s(s-1) over components after removing ``removed`` and v, per vertex v.

        Entries of ``removed`` vertices are -1.
        """
        h, edges = self._without(removed)
        memb, sizes, base = self._sizes(h)
        own, w = sizes[memb], self.weight
        # Not a cut vertex: its component just loses v (if v counts).
        after = base - own * (own - 1) + (own - w) * (own - w - 1)
        trees, cuts = ig.GraphBase.biconnected_components(h, True)
        if cuts:
            cuts = sorted(cuts)
            weights, links = _forest(trees, cuts, edges, w)
            pieces = _forest_pieces(len(trees), weights, links, cuts,
                                    [int(own[v] - w[v]) for v in cuts],
                                    [int(w[v]) for v in cuts])
            for v, ps in pieces.items():
                s_v = int(own[v])
                after[v] = base - s_v * (s_v - 1) + sum(p * (p - 1) for p in ps)
        after[list(removed)] = -1
        return np.asarray(after)


def _forest(trees: list[list[int]], cuts: list[int], edges: np.ndarray,
            weight: np.ndarray) -> tuple[list[int], list[tuple[int, int]]]:
    """Block weights (weighted members that are not cut vertices) and block–cut links."""
    n = len(weight)
    lens = np.fromiter((len(t) for t in trees), dtype=np.int64, count=len(trees))
    ids = np.fromiter(chain.from_iterable(trees), dtype=np.int64, count=int(lens.sum()))
    block = np.repeat(np.arange(len(trees), dtype=np.int64), lens)
    # A block's spanning tree touches every vertex of the block: its members.
    key = np.unique(np.concatenate([block * n + edges[ids, 0], block * n + edges[ids, 1]]))
    kb, kv = key // n, key % n
    is_cut = np.zeros(n, dtype=bool)
    is_cut[cuts] = True
    plain = ~is_cut[kv]
    weights = np.bincount(kb[plain], weights=weight[kv[plain]],
                          minlength=len(trees)).astype(np.int64).tolist()
    node = np.full(n, -1, dtype=np.int64)
    node[cuts] = len(trees) + np.arange(len(cuts))
    hit = is_cut[kv]
    return weights, list(zip(kb[hit].tolist(), node[kv[hit]].tolist(), strict=True))


def connected_pairs_after(graph: Any, removed: Collection[int]) -> dict[int, int]:
    """For each remaining vertex v: Σ s(s-1) over components after also removing v."""
    after = RemovalScorer(graph).pairs_after(removed)
    gone = set(removed)
    return {v: int(after[v]) for v in range(graph.vcount()) if v not in gone}


def cut_vertex_pieces(blocks: list[list[Any]], cuts: set[Any], comp_of: Any,
                      sizes: Sequence[int]) -> dict[Any, list[int]]:
    """Sizes of the pieces each cut vertex leaves behind, for any vertex labels.

    ``blocks``: the biconnected components (vertex lists); ``cuts``: the
    articulation points; ``comp_of[v]``: v's connected component, whose size is
    ``sizes[...]``. (The plain-Python form of what :class:`RemovalScorer` does
    with numpy; the benchmark's networkx twin uses it.)
    """
    order = sorted(cuts)
    node = {v: len(blocks) + i for i, v in enumerate(order)}
    weights = [sum(1 for v in b if v not in cuts) for b in blocks]
    links = [(i, node[v]) for i, b in enumerate(blocks) for v in b if v in cuts]
    pieces = _forest_pieces(len(blocks), weights, links, list(range(len(order))),
                            [sizes[comp_of[v]] - 1 for v in order], [1] * len(order))
    return {order[i]: ps for i, ps in pieces.items()}


def _forest_pieces(nb: int, weights: list[int], links: list[tuple[int, int]],
                   cut_keys: list[Any], rest: list[int],
                   cut_weights: list[int]) -> dict[Any, list[int]]:
    """Subtree sums on the block-cut forest: blocks 0..nb-1, then one node per cut vertex.

    ``cut_keys[i]`` names the cut vertex of node ``nb + i`` in the result;
    ``rest[i]`` is the weight of its component without it, shared among its pieces.
    """
    weight = list(weights) + list(cut_weights)
    adj: list[list[int]] = [[] for _ in weight]
    for b, c in links:
        adj[b].append(c)
        adj[c].append(b)
    parent = [-1] * len(weight)
    seen = [False] * len(weight)
    subtree = list(weight)
    for root in range(nb):  # root every tree at a block, so every cut vertex has a parent
        if seen[root]:
            continue
        seen[root] = True
        order = [root]
        stack = [root]
        while stack:
            x = stack.pop()
            for y in adj[x]:
                if not seen[y]:
                    seen[y] = True
                    parent[y] = x
                    order.append(y)
                    stack.append(y)
        for x in reversed(order[1:]):
            subtree[parent[x]] += subtree[x]
    out: dict[Any, list[int]] = {}
    for i, key in enumerate(cut_keys):
        node = nb + i
        children = [subtree[y] for y in adj[node] if parent[y] == node]
        out[key] = children + [rest[i] - sum(children)]
    return out


@dataclass(frozen=True)
class Effect:
    """What removing entities (arrests) does to the network."""

    removed: tuple[str, ...]
    fragmentation_before: float
    fragmentation_after: float
    distance_fragmentation_before: float
    distance_fragmentation_after: float
    distance_exact: bool
    components_before: int
    components_after: int
    largest_before: int
    largest_after: int

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["removed"] = list(self.removed)
        return out


@dataclass(frozen=True)
class DisruptionPlan:
    ids: tuple[str, ...]  # the key-player set, in the order chosen
    greedy_ids: tuple[str, ...]  # the greedy set before swaps
    fragmentation: float  # F after removing ``ids``
    greedy_fragmentation: float
    swaps: int
    evaluations: int  # biconnected-component passes made
    effect: Effect
    focus: int | None = None  # focus entities whose pairs count (None: everyone)

    def to_dict(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "greedy_ids": list(self.greedy_ids),
                "fragmentation": self.fragmentation,
                "greedy_fragmentation": self.greedy_fragmentation, "swaps": self.swaps,
                "evaluations": self.evaluations, "effect": self.effect.to_dict(),
                "focus": self.focus}


def _best(scores: np.ndarray, allowed: set[int] | None, degree: Sequence[int],
          ids: Sequence[str]) -> int:
    # Ties (common on a plateau where no single removal disconnects anything) go to
    # the busier entity, which is the likelier cut vertex once others are gone.
    valid = scores >= 0
    if allowed is not None:
        mask = np.zeros(len(scores), dtype=bool)
        mask[list(allowed)] = True
        valid &= mask
    low = scores[valid].min()
    tied = np.flatnonzero(valid & (scores == low)).tolist()
    return min(tied, key=lambda v: (-degree[v], ids[v]))


def _swap(scorer: RemovalScorer, chosen: list[int], current: int, allowed: set[int] | None,
          degree: Sequence[int], ids: Sequence[str], max_passes: int) -> tuple[int, int, int]:
    """Improve ``chosen`` in place; returns (connected pairs, swaps, evaluations)."""
    swaps = evaluations = 0
    for _ in range(max_passes):
        changed = False
        for i in range(len(chosen)):
            rest = chosen[:i] + chosen[i + 1:]
            scores = scorer.pairs_after(rest)
            evaluations += 1
            best = _best(scores, allowed, degree, ids)
            if scores[best] < current:
                chosen[i], current = best, int(scores[best])
                swaps += 1
                changed = True
        if not changed:
            break
    return current, swaps, evaluations


def kpp_neg(net: Network, k: int, *, candidates: Collection[str] | None = None,
            focus: Collection[str] | None = None, max_passes: int = 10,
            distance_samples: int | None = None,
            betweenness_values: Sequence[float] | None = None,
            seed: int = 0) -> DisruptionPlan:
    """The ``k`` entities whose removal fragments ``net`` most (greedy + swaps).

    With ``focus`` (the subjects, or ``core_entities(net)``), fragmentation
    counts only pairs of focus entities: the aim is to cut the subjects off
    from each other, not to strand a phone shop's customers (without a focus,
    the centre of any big star of one-off contacts wins).

    A second local search starts from the ``k`` highest-betweenness candidates
    (sampled betweenness on large networks) and the better result is kept: on
    a plateau where no single removal disconnects anything, greedy's first
    picks are blind, and betweenness is the usual guide there. Pass
    ``betweenness_values`` (per vertex) when already computed, e.g. from
    ``key_players(...).betweenness``.
    Raises ``ValueError`` if ``k`` is not between 1 and the number of candidates.
    """
    allowed = {net.index(x) for x in candidates} if candidates is not None else None
    pool = len(allowed) if allowed is not None else net.n
    if not 1 <= k <= pool:
        raise ValueError(f"k must be between 1 and {pool} (the candidates), got {k}")
    g, ids = net.graph, net.ids
    degree = g.degree()
    fv = sorted({net.index(x) for x in focus}) if focus is not None else None
    scorer = RemovalScorer(g, fv)
    chosen: list[int] = []
    evaluations = 0
    for _ in range(k):
        scores = scorer.pairs_after(chosen)
        evaluations += 1
        chosen.append(_best(scores, allowed, degree, ids))
    greedy = list(chosen)
    greedy_pairs = scorer.pairs(chosen)
    current, swaps, used = _swap(scorer, chosen, greedy_pairs, allowed, degree, ids, max_passes)
    evaluations += used
    btw = betweenness_values or betweenness(net, seed=seed).values
    ranked = sorted(allowed if allowed is not None else range(net.n),
                    key=lambda v: (-btw[v], -degree[v], ids[v]))
    second = ranked[:k]
    if set(second) != set(chosen):
        other, more, used = _swap(scorer, second, scorer.pairs(second), allowed, degree, ids,
                                  max_passes)
        evaluations += used
        if other < current:
            chosen, current, swaps = second, other, more
    removed = [ids[v] for v in chosen]
    effect = arrest_effect(net, removed, focus=focus, samples=distance_samples, seed=seed)
    return DisruptionPlan(tuple(removed), tuple(ids[v] for v in greedy),
                          _f(current, scorer.focus_left(chosen)),
                          _f(greedy_pairs, scorer.focus_left(greedy)), swaps, evaluations,
                          effect, len(fv) if fv is not None else None)


def _f(pairs: int, n: int) -> float:
    return 1.0 if n < 2 else 1.0 - pairs / (n * (n - 1))


def distance_fragmentation(graph: Any, removed: Collection[int] = (), *,
                           focus: Collection[int] | None = None,
                           samples: int | None = None, max_work: float = DF_MAX_WORK,
                           seed: int = 0) -> tuple[float, bool]:
    """DF after removing ``removed`` (over pairs of ``focus`` vertices if given).

    Exact within ``max_work``, else from sampled sources; DF is a report, not
    an objective, so its budget is a fifth of betweenness's (at least 64
    sampled sources). Returns (DF, exact).
    """
    h, keep = _remaining(graph, removed)
    where = {v: i for i, v in enumerate(keep)}
    pool = list(range(h.vcount())) if focus is None else sorted(
        where[v] for v in focus if v in where)
    n = len(pool)
    if n < 2:
        return 1.0, True
    if samples is None and n * max(h.ecount(), 1) > max_work:
        samples = max(MIN_SAMPLES, int(max_work // max(h.ecount(), 1)))
    exact = samples is None or samples >= n
    sources = pool if exact else sorted(random.Random(seed).sample(pool, samples or 0))
    target = None if focus is None else pool
    total = 0.0
    for i in range(0, len(sources), 16):
        d = np.asarray(h.distances(source=sources[i:i + 16], target=target), dtype=float)
        with np.errstate(divide="ignore"):
            total += float(np.where(d > 0, 1.0 / d, 0.0).sum())
    per_source = total / len(sources)
    return 1.0 - per_source * n / (n * (n - 1)), exact


def arrest_effect(net: Network, arrested: Iterable[str], *,
                  focus: Collection[str] | None = None, samples: int | None = None,
                  seed: int = 0) -> Effect:
    """Fragmentation, components and largest component before and after ``arrested``.

    With ``focus``, fragmentation and DF count pairs of focus entities only
    (components and the largest one still count everyone).
    :class:`NotFound` names an arrested entity that is not in the network.
    """
    removed_ids = tuple(dict.fromkeys(arrested))
    removed = [net.index(x) for x in removed_ids]
    fv = sorted({net.index(x) for x in focus}) if focus is not None else None
    g = net.graph
    before, after = component_sizes(g), component_sizes(g, removed)
    if fv is None:
        f_before, f_after = fragmentation(before), fragmentation(after)
    else:
        f_before = fragmentation(component_sizes(g, (), fv))
        f_after = fragmentation(component_sizes(g, removed, fv))
    df_before, exact_b = distance_fragmentation(g, focus=fv, samples=samples, seed=seed)
    df_after, exact_a = distance_fragmentation(g, removed, focus=fv, samples=samples,
                                               seed=seed)
    return Effect(removed_ids, f_before, f_after, round(df_before, 6), round(df_after, 6),
                  exact_b and exact_a, len(before), len(after), max(before, default=0),
                  max(after, default=0))

