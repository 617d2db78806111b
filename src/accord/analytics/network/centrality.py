"""Centrality measures: degree, betweenness (exact or sampled), reach, PageRank, eigenvector.

Every function returns one value per vertex of ``net.graph`` (in the order of
``net.ids``). Measures that follow shortest paths count *hops*: an analyst asks
"through whom does it pass", and tie weights (how much evidence) are not
distances.

Betweenness is exact while ``sources × ties`` stays under ``max_work``
(2.5·10⁸ source × tie visits: e.g. 10⁴ entities with 2.5·10⁴ ties, seconds;
on 10⁶ ties the same work took 28 s here, as memory access dominates). Beyond that it is
estimated from uniformly sampled source entities (Brandes & Pich 2007: the
dependencies of ``k`` random sources, scaled by ``n/k``), which is unbiased but
noisy on homogeneous graphs; :func:`sampling_error` measures that noise against
exact betweenness on a snowball subsample of the same network.

A ``focus`` (the subjects of an investigation) restricts betweenness to
shortest paths *between subjects* and reach to distances *to subjects*.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from accord.analytics.network.graph import Network

MAX_WORK = 2.5e8  # source-vertex × tie visits allowed before betweenness is sampled
MIN_SAMPLES = 64


@dataclass(frozen=True)
class SamplingError:
    """Sampled vs exact betweenness on a snowball subsample of ``nodes`` entities."""

    nodes: int
    sources: int
    spearman: float
    top_k: int
    top_overlap: float  # share of the exact top-k that the sampled top-k also holds

    def to_dict(self) -> dict[str, float | int]:
        return {"nodes": self.nodes, "sources": self.sources, "spearman": self.spearman,
                "top_k": self.top_k, "top_overlap": self.top_overlap}


@dataclass(frozen=True)
class Betweenness:
    """Per-vertex betweenness (unordered pairs, unnormalised) and how it was obtained."""

    values: list[float]
    exact: bool
    sources: int  # source entities whose shortest paths were followed
    focus: int | None  # number of subjects when restricted to paths between subjects
    error: SamplingError | None = None


def percentiles(values: Sequence[float]) -> np.ndarray:
    """Percentile rank in (0, 1] of each value; ties share their average rank."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return x
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(1, x.size + 1)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray(sums[inverse] / counts[inverse] / x.size)


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties); 1.0 for constant inputs."""
    ra, rb = percentiles(a), percentiles(b)
    if ra.size < 2 or np.std(ra) == 0 or np.std(rb) == 0:
        return 1.0
    return float(np.corrcoef(ra, rb)[0, 1])


def top_overlap(exact: Sequence[float], estimate: Sequence[float], k: int) -> float:
    """Share of the ``k`` highest of ``exact`` that are among the ``k`` highest of ``estimate``."""
    k = min(k, len(exact))
    if k == 0:
        return 1.0
    a = set(np.argsort(-np.asarray(exact), kind="stable")[:k].tolist())
    b = set(np.argsort(-np.asarray(estimate), kind="stable")[:k].tolist())
    return len(a & b) / k


def degree(net: Network) -> list[int]:
    return [int(d) for d in net.graph.degree()]


def strength(net: Network) -> list[float]:
    """Sum of tie weights: how much evidence ties the entity to others."""
    return [float(s) for s in net.graph.strength(weights="weight")]


def _focus_vertices(net: Network, focus: Collection[str] | None) -> list[int] | None:
    if focus is None:
        return None
    return sorted({net.index(x) for x in focus})


def betweenness(net: Network, *, focus: Collection[str] | None = None,
                samples: int | None = None, max_work: float = MAX_WORK, seed: int = 0,
                check_error: bool = False) -> Betweenness:
    """Betweenness, exact when affordable, else from ``samples`` random sources.

    With ``focus``, only shortest paths between two focus entities count.
    ``samples`` forces sampling with that many sources (if fewer than the
    candidates). ``check_error`` adds :func:`sampling_error` when sampled.
    """
    fv = _focus_vertices(net, focus)
    pool = fv if fv is not None else list(range(net.n))
    m = max(net.m, 1)
    if samples is None and len(pool) * m > max_work:
        samples = max(MIN_SAMPLES, int(max_work // m))
    if samples is None or samples >= len(pool):
        raw = net.graph.betweenness(directed=False, sources=fv, targets=fv)
        return Betweenness([float(x) for x in raw], True, len(pool),
                           len(fv) if fv is not None else None)
    chosen = sorted(random.Random(seed).sample(pool, samples))
    raw = net.graph.betweenness(directed=False, sources=chosen, targets=fv)
    # Each sampled source stands for len(pool)/samples sources (unbiased estimator).
    scale = len(pool) / samples
    error = sampling_error(net, samples, seed=seed) if check_error and fv is None else None
    return Betweenness([float(x) * scale for x in raw], False, samples,
                       len(fv) if fv is not None else None, error)


def snowball(net: Network, size: int, *, seed: int = 0) -> Network:
    """A connected subsample: breadth-first from a random entity, the first ``size`` reached.

    A prefix of a breadth-first order is connected (each vertex's parent comes
    earlier), so the subsample keeps the local structure of the network.
    """
    rnd = random.Random(seed)
    g = net.graph
    giant = max(g.connected_components(), key=len) if net.n else []
    if not giant:
        return net.subnetwork([])
    start = rnd.choice(giant)
    seen = {start}
    order = [start]
    frontier = [start]
    while frontier and len(order) < size:
        nxt: list[int] = []
        for v in frontier:
            for u in g.neighbors(v):
                if u not in seen:
                    seen.add(u)
                    nxt.append(u)
        rnd.shuffle(nxt)
        order += nxt
        frontier = nxt
    return net.subnetwork(order[:size])


def sampling_error(net: Network, sources: int, *, nodes: int = 5000, seed: int = 0,
                   top_k: int = 100) -> SamplingError:
    """Error of ``sources``-sampled betweenness against exact, on a snowball subsample.

    The same number of sources is used on the subsample, so the sampled share
    of sources is *larger* there than on the full network: read the figure as
    a lower bound on the full network's error.
    """
    sub = snowball(net, nodes, seed=seed)
    exact = betweenness(sub, max_work=math.inf).values
    est = betweenness(sub, samples=min(sources, sub.n), seed=seed + 1).values
    k = min(top_k, max(sub.n // 10, 1))
    return SamplingError(sub.n, min(sources, sub.n), round(spearman(exact, est), 4), k,
                         round(top_overlap(exact, est, k), 4))


def harmonic_reach(net: Network, *, focus: Collection[str] | None = None,
                   samples: int | None = None, max_work: float = MAX_WORK,
                   seed: int = 0) -> list[float]:
    """Mean of 1/distance to the focus entities (or to everyone), in [0, 1].

    High for an entity that reaches the subjects in few hops. Estimated from
    sampled targets under the same work rule as :func:`betweenness`.
    """
    fv = _focus_vertices(net, focus)
    pool = fv if fv is not None else list(range(net.n))
    if not pool:
        return [0.0] * net.n
    m = max(net.m, 1)
    if samples is None and len(pool) * m > max_work:
        samples = max(MIN_SAMPLES, int(max_work // m))
    chosen = pool if samples is None or samples >= len(pool) else sorted(
        random.Random(seed).sample(pool, samples))
    total = np.zeros(net.n)
    for i in range(0, len(chosen), 16):
        d = np.asarray(net.graph.distances(source=chosen[i:i + 16]), dtype=float)
        with np.errstate(divide="ignore"):
            inv = np.where(d > 0, 1.0 / d, 0.0)  # self (0) and unreachable (inf) add nothing
        total += inv.sum(axis=0)
    # Exclude each entity's own distance from the count of targets it is judged against.
    own = np.zeros(net.n)
    own[chosen] = 1.0
    denom = np.maximum(len(chosen) - own, 1.0)
    return [float(x) for x in total / denom]


def pagerank(net: Network, *, weighted: bool = True, damping: float = 0.85) -> list[float]:
    """PageRank (weights as tie strength when ``weighted``); sums to 1."""
    if net.n == 0:
        return []
    # ARPACK, not PRPACK: same values (to 1e-17 on 1M ties), but PRPACK's OpenMP
    # threads spin on a busy machine (50x the CPU time on 25k ties, 2 cores shared).
    pr = net.graph.pagerank(directed=False, damping=damping, implementation="arpack",
                            weights="weight" if weighted else None)
    return [float(x) for x in pr]


def eigenvector(net: Network, *, weighted: bool = True) -> list[float]:
    """Eigenvector centrality within the largest connected component (0 elsewhere).

    Scaled so that the maximum is 1. Outside the largest component the leading
    eigenvector is zero anyway; computing it there only raises a warning.
    """
    out = [0.0] * net.n
    if net.m == 0:
        return out
    giant = max(net.graph.connected_components(), key=len)
    sub = net.graph.induced_subgraph(giant)
    # (``directed=False`` is rejected by igraph 1.0 on undirected graphs; it is the default.)
    with warnings.catch_warnings():
        # igraph warns when some values are "nearly zero" (a star's leaves): expected, not wrong.
        warnings.filterwarnings("ignore", message="Some eigenvector centralities are nearly zero")
        ev = sub.eigenvector_centrality(weights="weight" if weighted else None)
    top = max(ev) or 1.0
    for v, x in zip(giant, ev, strict=True):
        out[v] = float(x) / top
    return out
