"""Speed of the network analysis against networkx, on planted worlds of 100k and 1M ties.

Each world (``accord.analytics.network.planted``: organisations, brokers,
decoys, a benign background sized to reach the tie count) is built once; its
generation is not timed. Then, in this process:

* ours: ``build_network``; degree; PageRank; betweenness sampled from
  ``BTW_SOURCES`` sources; Leiden (igraph's engine; leidenalg too up to 200k
  ties, for the record); then the analyst's pipeline: the full
  ``key_players`` ranking with its defaults, Leiden with its random-graph
  control (one rewired copy), and KPP-Neg k=5 (greedy + swaps, every entity a
  candidate, second start from the key players' betweenness).
* networkx 3.6 on the same ties: degree; PageRank; ``betweenness_centrality``
  with the same number of sampled sources; Louvain (networkx has no Leiden);
  KPP-Neg's work, i.e. one fragmentation pass per evaluation our run made, with
  networkx's biconnected components and the same block-cut arithmetic.

networkx's sampled betweenness costs one Brandes pass per source; above
``NX_FULL_BTW_TIES`` it is timed on ``NX_BTW_SOURCES`` sources and scaled
linearly to ``BTW_SOURCES`` (reported as ``nx_betweenness_extrapolated``).
``ratio`` is networkx's time over ours for the like-for-like measures (degree,
PageRank, betweenness, communities, KPP-Neg's search without its closing F/DF
report) at the largest size.

All single measures are *CPU seconds* of this process (both libraries run on
one thread), so that other work on the shared machine does not tilt the
ratios; ``analysis_wall_s`` is the wall-clock time of the whole 1M-tie
analysis an analyst would wait for (build, key players, cells with control,
disruption set).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import networkx as nx

from accord.analytics.network.centrality import betweenness, degree, pagerank, sampling_error
from accord.analytics.network.communities import detect_communities
from accord.analytics.network.disrupt import arrest_effect, cut_vertex_pieces, kpp_neg
from accord.analytics.network.graph import build_network
from accord.analytics.network.keyplayers import key_players
from accord.analytics.network.planted import planted_world

T = TypeVar("T")
BTW_SOURCES = 256
NX_BTW_SOURCES = 8
NX_FULL_BTW_TIES = 300_000
WORLD = {"organisations": 20, "brokers": 15, "decoys": 30, "benign_degree": 12.5}
SIZES = {"100k": 18_000, "1M": 180_000}
QUICK = {"20k": 3_600}


WALL: dict[str, float] = {}


def _timed(fn: Callable[[], T], wall: str = "") -> tuple[T, float]:
    """Result and CPU seconds of this process (wall seconds kept in ``WALL[wall]``)."""
    start, clock = time.process_time(), time.perf_counter()
    result = fn()
    if wall:
        WALL[wall] = time.perf_counter() - clock
    return result, time.process_time() - start


def _nx_pairs_after(g: nx.Graph, removed: set[Any]) -> dict[Any, int]:
    """networkx twin of ``disrupt.connected_pairs_after`` (same block-cut arithmetic)."""
    h = g.subgraph(n for n in g if n not in removed)
    comps = list(nx.connected_components(h))
    comp_of = {v: i for i, c in enumerate(comps) for v in c}
    sizes = [len(c) for c in comps]
    base = sum(s * (s - 1) for s in sizes)
    blocks = [list(b) for b in nx.biconnected_components(h)]
    seen: dict[Any, int] = {}
    for b in blocks:
        for v in b:
            seen[v] = seen.get(v, 0) + 1
    cuts = {v for v, k in seen.items() if k > 1}
    after = {v: base - 2 * (sizes[comp_of[v]] - 1) for v in h}
    for v, pieces in cut_vertex_pieces(blocks, cuts, comp_of, sizes).items():  # type: ignore[arg-type]
        s = sizes[comp_of[v]]
        after[v] = base - s * (s - 1) + sum(p * (p - 1) for p in pieces)
    return after


def _one(label: str, benign: int) -> dict[str, Any]:
    world = planted_world(seed=0, benign=benign, **WORLD)  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    net, t_build = _timed(lambda: build_network(world.edges, world.entities), "build")
    out[f"ties_{label}"], out[f"entities_{label}"] = net.m, net.n
    _, t_deg = _timed(lambda: degree(net))
    _, t_pr = _timed(lambda: pagerank(net))
    btw, t_btw = _timed(lambda: betweenness(net, samples=BTW_SOURCES, seed=1))
    comms, t_leiden = _timed(lambda: detect_communities(net, seed=1, control_runs=0))
    if net.m <= 200_000:  # the leidenalg engine, for the record (28 s at 1M ties)
        alg, t_alg = _timed(lambda: detect_communities(net, seed=1, control_runs=0,
                                                       engine="leidenalg"))
        out[f"leidenalg_s_{label}"] = round(t_alg, 2)
        out[f"leidenalg_modularity_{label}"] = round(alg.modularity, 4)
    # The analyst's pipeline: key players, cells with their control, and a disruption
    # set started from the key players' betweenness (wall-clock kept too).
    ranking, t_kp = _timed(lambda: key_players(net, top=20, seed=1), "key_players")
    controlled, t_controlled = _timed(lambda: detect_communities(net, seed=1, control_runs=1),
                                      "cells")
    start = [ranking.betweenness.get(x, 0.0) for x in net.ids]
    plan, t_kpp = _timed(lambda: kpp_neg(net, 5, betweenness_values=start, seed=1), "kpp")
    # kpp_neg ends with a report (F and DF before/after); networkx's side times only the
    # search passes, so the like-for-like figure is the search without that report.
    _, t_report = _timed(lambda: arrest_effect(net, plan.ids, seed=1))
    t_search = max(t_kpp - t_report, 1e-9)
    ours = t_deg + t_pr + t_btw + t_leiden + t_search
    out.update({
        f"build_s_{label}": round(t_build, 2), f"degree_s_{label}": round(t_deg, 3),
        f"pagerank_s_{label}": round(t_pr, 2), f"betweenness_s_{label}": round(t_btw, 2),
        f"leiden_s_{label}": round(t_leiden, 2), f"leiden_engine_{label}": comms.engine,
        f"leiden_modularity_{label}": round(comms.modularity, 4),
        f"control_s_{label}": round(t_controlled - t_leiden, 2),
        f"kpp_s_{label}": round(t_kpp, 2), f"kpp_search_s_{label}": round(t_search, 2),
        f"kpp_evaluations_{label}": plan.evaluations,
        f"kpp_fragmentation_{label}": round(plan.fragmentation, 6),
        f"key_players_s_{label}": round(t_kp, 2),
        f"key_players_sources_{label}": ranking.betweenness_sources,
        f"structured_{label}": controlled.structured,
        f"analysis_cpu_s_{label}": round(t_build + t_kp + t_controlled + t_kpp, 1),
        f"analysis_wall_s_{label}": round(sum(WALL.values()), 1),
    })
    err, t_err = _timed(lambda: sampling_error(net, BTW_SOURCES, nodes=5000, seed=2))
    out[f"btw_error_spearman_{label}"] = err.spearman
    out[f"btw_error_top{err.top_k}_overlap_{label}"] = err.top_overlap
    out[f"btw_error_check_s_{label}"] = round(t_err, 1)

    pairs = [(net.ids[a], net.ids[b]) for a, b in net.graph.get_edgelist()]
    g, t_nx_build = _timed(lambda: nx.Graph(pairs))
    _, n_deg = _timed(lambda: dict(g.degree()))
    _, n_pr = _timed(lambda: nx.pagerank(g))
    full = net.m <= NX_FULL_BTW_TIES
    k = BTW_SOURCES if full else NX_BTW_SOURCES
    _, n_btw = _timed(lambda: nx.betweenness_centrality(g, k=k, seed=1, normalized=False))
    n_btw *= BTW_SOURCES / k
    louvain, n_louvain = _timed(lambda: nx.community.louvain_communities(g, seed=1))
    _, n_one = _timed(lambda: _nx_pairs_after(g, set()))
    n_kpp = n_one * plan.evaluations
    theirs = n_deg + n_pr + n_btw + n_louvain + n_kpp
    out.update({
        f"nx_build_s_{label}": round(t_nx_build, 2), f"nx_pagerank_s_{label}": round(n_pr, 2),
        f"nx_betweenness_s_{label}": round(n_btw, 1),
        f"nx_betweenness_extrapolated_{label}": not full,
        f"nx_louvain_s_{label}": round(n_louvain, 1),
        f"nx_louvain_modularity_{label}": round(nx.community.modularity(g, louvain), 4),
        f"nx_kpp_s_{label}": round(n_kpp, 1),
        f"ours_s_{label}": round(ours, 2), f"nx_s_{label}": round(theirs, 1),
        f"ratio_{label}": round(theirs / ours, 1),
        f"ratio_betweenness_{label}": round(n_btw / t_btw, 1),
        f"ratio_pagerank_{label}": round(n_pr / t_pr, 1),
        f"ratio_communities_{label}": round(n_louvain / t_leiden, 1),
        f"ratio_kpp_{label}": round(n_kpp / t_search, 1),
    })
    return out


def run(quick: bool) -> dict[str, Any]:
    sizes = QUICK if quick else SIZES
    out: dict[str, Any] = {"betweenness_sources": BTW_SOURCES}
    for label, benign in sizes.items():
        out.update(_one(label, benign))
    last = list(sizes)[-1]
    out["ratio"] = out[f"ratio_{last}"]
    return out
