"""Quality of the network analysis against planted truth and the synthetic world's truth.json.

Planted worlds (``accord.analytics.network.planted``, seeds 0–4) in three settings:

* ``investigation``: benign background; the analyst's subjects are a random
  half of the organisations' members plus five wrongly suspected bystanders;
  ranking on the investigative subnetwork (subjects + contacts, depth 1);
* ``linkchart``: no background, the decoys' contacts are one-off numbers
  (a chart drawn from seized phones); no subjects;
* ``whole``: background and no subjects (the honest failure case).

Key players: precision@10 against leaders ∪ brokers, recall@20 of leaders and
of brokers, decoys in the top 10; beside a degree-only baseline and raw
betweenness on the same (sub)network. Stability: Spearman of the scores and
top-10 overlap after dropping 10/20/30% of the edges. Cells: Leiden vs true
organisations (ARI, NMI over members) and the random-graph control; Leiden on
a pure-noise graph must not report cells. Brokers: recall@10 of true brokers,
beside raw betweenness and lowest constraint. KPP-Neg: how often greedy + swaps
is optimal against exhaustive search, and fragmentation of the investigation
after removing its k=5 set vs the top-5 by degree or betweenness.

The synthetic world (``accord.synth``, small, seeds 1–3): the person network
with oracle resolution (``_synth_network``); key players against truth's
``key`` set (leaders, brokers, lieutenants) with subjects (members named in
Membership links) and without; and per nation alone vs with everything the
partners hold (full sharing). ``ratio`` = mean precision@10 of ours over the
mean of the degree baseline, over every setting.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from accord.analytics.network import centrality as c
from accord.analytics.network.brokers import brokers
from accord.analytics.network.communities import detect_communities
from accord.analytics.network.disrupt import component_sizes, fragmentation, kpp_neg
from accord.analytics.network.graph import (
    Edge,
    EntityInfo,
    Network,
    build_network,
    investigative_subnetwork,
)
from accord.analytics.network.keyplayers import key_players
from accord.analytics.network.planted import PlantedWorld, planted_world
from accord.analytics.network.sharing import precision_at_k, recall_at_k

Ranker = Callable[[Network, list[str] | None], list[str]]


def _subjects(world: PlantedWorld, seed: int) -> list[str]:
    rnd = random.Random(seed)
    members = sorted(world.organisation)
    benign = sorted(x for x, r in world.role.items() if r == "benign")
    return [x for x in members if rnd.random() < 0.5] + rnd.sample(benign, min(5, len(benign)))


def _scope(net: Network, subjects: list[str] | None) -> Network:
    return investigative_subnetwork(net, subjects) if subjects is not None else net


def ours(net: Network, subjects: list[str] | None) -> list[str]:
    return key_players(net, subjects=subjects, top=net.n).ids()


def by_degree(net: Network, subjects: list[str] | None) -> list[str]:
    sub = _scope(net, subjects)
    deg = c.degree(sub)
    return [sub.ids[v] for v in sorted(range(sub.n), key=lambda v: (-deg[v], sub.ids[v]))]


def by_betweenness(net: Network, subjects: list[str] | None) -> list[str]:
    sub = _scope(net, subjects)
    b = c.betweenness(sub).values
    return [sub.ids[v] for v in sorted(range(sub.n), key=lambda v: (-b[v], sub.ids[v]))]


METHODS: dict[str, Ranker] = {"ours": ours, "degree": by_degree, "betweenness": by_betweenness}


def _grade(ranking: Sequence[str], key: Sequence[str], leaders: Sequence[str],
           brokers_: Sequence[str], decoys: Sequence[str]) -> dict[str, float]:
    return {"p10": precision_at_k(ranking, key, 10),
            "leaders_r20": recall_at_k(ranking, leaders, 20),
            "brokers_r20": recall_at_k(ranking, brokers_, 20),
            "decoys10": float(len(set(ranking[:10]) & set(decoys)))}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([r[k] for r in rows])), 3) for k in rows[0]}


def _settings(seed: int) -> dict[str, tuple[Network, list[str] | None, PlantedWorld]]:
    world = planted_world(seed=seed)
    chart = planted_world(seed=seed, benign=0, pendant_contacts=True)
    net = build_network(world.edges, world.entities)
    return {"investigation": (net, _subjects(world, seed), world),
            "linkchart": (build_network(chart.edges, chart.entities), None, chart),
            "whole": (net, None, world)}


def planted_key_players(seeds: range, out: dict[str, Any], p10: dict[str, list[float]]) -> None:
    rows: dict[tuple[str, str], list[dict[str, float]]] = {}
    for seed in seeds:
        for name, (net, subjects, world) in _settings(seed).items():
            for method, rank in METHODS.items():
                graded = _grade(rank(net, subjects), world.key_players, world.leaders,
                                world.brokers, world.decoys)
                rows.setdefault((name, method), []).append(graded)
    for (name, method), graded in rows.items():
        for k, v in _mean(graded).items():
            out[f"planted_{name}_{method}_{k}"] = v
        if method != "betweenness":
            p10[method].append(_mean(graded)["p10"])


def _scores(net: Network, subjects: list[str] | None, method: str) -> dict[str, float]:
    if method == "ours":
        return {p.id: p.score for p in key_players(net, subjects=subjects, top=net.n).players}
    sub = _scope(net, subjects)
    return dict(zip(sub.ids, map(float, c.degree(sub)), strict=True))


def stability(seeds: range, out: dict[str, Any]) -> None:
    for name in ("investigation", "linkchart"):
        for drop in (0.1, 0.2, 0.3):
            for method in ("ours", "degree"):
                rhos, overlaps = [], []
                for seed in seeds:
                    net, subjects, world = _settings(seed)[name]
                    rnd = random.Random(seed + 100)
                    kept = [e for e in world.edges if rnd.random() >= drop]
                    thin = build_network(kept, world.entities)
                    subj = [x for x in subjects if x in thin] if subjects is not None else None
                    full, part = _scores(net, subjects, method), _scores(thin, subj, method)
                    common = sorted(set(full) & set(part))
                    rhos.append(c.spearman([full[x] for x in common], [part[x] for x in common]))
                    top_full = sorted(full, key=lambda x: (-full[x], x))[:10]
                    top_part = sorted(part, key=lambda x: (-part[x], x))[:10]
                    overlaps.append(len(set(top_full) & set(top_part)) / 10)
                tag = f"stability_{name}_drop{int(drop * 100)}_{method}"
                out[f"{tag}_spearman"] = round(float(np.mean(rhos)), 3)
                out[f"{tag}_top10_overlap"] = round(float(np.mean(overlaps)), 3)


def _agreement(net: Network, membership: Sequence[int],
               truth: dict[str, str]) -> tuple[float, float]:
    idx = [v for v, x in enumerate(net.ids) if x in truth]
    true = [truth[net.ids[v]] for v in idx]
    found = [membership[v] for v in idx]
    return (round(float(adjusted_rand_score(true, found)), 3),
            round(float(normalized_mutual_info_score(true, found)), 3))


def cells(seeds: range, out: dict[str, Any]) -> None:
    rows: dict[str, list[tuple[float, ...]]] = {}
    for seed in seeds:
        for name, (net, subjects, world) in _settings(seed).items():
            sub = _scope(net, subjects)
            found = detect_communities(sub, seed=seed, control_runs=2)
            ari, nmi = _agreement(sub, found.membership, world.organisation)
            control = found.control
            assert control is not None
            rows.setdefault(name, []).append((ari, nmi, found.modularity, control.modularity_mean,
                                              control.z, len(found.cells())))
    for name, vals in rows.items():
        mean = np.mean(np.asarray(vals), axis=0)
        for k, v in zip(("ari", "nmi", "modularity", "control_modularity", "control_z", "cells"),
                        mean, strict=True):
            out[f"cells_{name}_{k}"] = round(float(v), 3)
    rnd = random.Random(7)
    pairs = {tuple(sorted(rnd.sample(range(2000), 2))) for _ in range(6000)}
    noise = detect_communities(build_network(Edge(str(a), str(b)) for a, b in pairs), seed=1)
    out["cells_noise_modularity"] = round(noise.modularity, 3)
    out["cells_noise_control_z"] = round(noise.control.z, 2) if noise.control else None
    out["cells_noise_reported"] = len(noise.cells())


def broker_recall(seeds: range, out: dict[str, Any]) -> None:
    rows: dict[str, list[float]] = {"ours": [], "betweenness": [], "constraint": []}
    for seed in seeds:
        net, subjects, world = _settings(seed)["investigation"]
        assert subjects is not None
        groups = {x: world.organisation[x] for x in subjects if x in world.organisation}
        ranked = [b.id for b in brokers(net, groups=groups, subjects=subjects, top=10)]
        rows["ours"].append(recall_at_k(ranked, world.brokers, 10))
        rows["betweenness"].append(recall_at_k(by_betweenness(net, subjects), world.brokers, 10))
        sub = _scope(net, subjects)
        con = np.nan_to_num(np.asarray(sub.graph.constraint(), float), nan=1.0)
        low = [sub.ids[v] for v in np.argsort(con, kind="stable")]
        rows["constraint"].append(recall_at_k(low, world.brokers, 10))
    for k, v in rows.items():
        out[f"brokers_investigation_{k}_r10"] = round(float(np.mean(v)), 3)


def kpp(graphs: int, seeds: range, out: dict[str, Any]) -> None:
    optimal = total = 0
    for t in range(graphs):
        rnd = random.Random(t)
        n = rnd.randint(6, 14)
        pairs = {tuple(sorted(rnd.sample(range(n), 2))) for _ in range(rnd.randint(n - 1, 2 * n))}
        net = build_network([Edge(str(a), str(b)) for a, b in pairs],
                            [EntityInfo(str(v)) for v in range(n)])
        for k in (2, 3):
            best = max(fragmentation(component_sizes(net.graph, combo), n - k)
                       for combo in combinations(range(n), k))
            total += 1
            optimal += kpp_neg(net, k).fragmentation >= best - 1e-12
    out["kpp_optimal_share"] = round(optimal / total, 3)
    out["kpp_optimal_graphs"] = total
    rows: dict[str, list[float]] = {"kpp": [], "degree": [], "betweenness": []}
    for seed in seeds:
        net, subjects, _ = _settings(seed)["investigation"]
        sub = _scope(net, subjects)
        rows["kpp"].append(kpp_neg(sub, 5).fragmentation)
        for name, rank in (("degree", by_degree), ("betweenness", by_betweenness)):
            top = [sub.index(x) for x in rank(sub, None)[:5]]
            rows[name].append(fragmentation(component_sizes(sub.graph, top), sub.n - 5))
    for k, v in rows.items():
        out[f"kpp_investigation_k5_{k}_fragmentation"] = round(float(np.mean(v)), 4)


def synth(seeds: Sequence[int], out: dict[str, Any], p10: dict[str, list[float]]) -> None:
    try:
        from accord.synth.generate import generate
        from benchmarks._synth_network import load_synth_network
    except ImportError:  # the synthetic world is not available in this checkout
        out["synth"] = "unavailable"
        return
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-network-synth-") as tmp:
        for seed in seeds:
            where = Path(tmp) / f"w{seed}"
            generate(where, scale="small", seed=seed)
            sn = load_synth_network(where)
            key, persons = sn.key_players, sn.persons
            net = build_network(sn.edges)
            union = sorted(x for x in set().union(*sn.subjects.values()) if x in net)

            def person_rank(rank: Ranker, n: Network, s: list[str] | None,
                            persons: set[str] = persons) -> list[str]:
                return [x for x in rank(n, s) if x in persons]

            for label, subjects in (("subjects", union), ("core", None)):
                for method in ("ours", "degree"):
                    ranked = person_rank(METHODS[method], net, subjects)
                    for k, v in _grade(ranked, key, sn.leaders, sn.brokers, []).items():
                        if k != "decoys10":
                            rows.setdefault(f"synth_{label}_{method}_{k}", []).append(v)
            found = detect_communities(net, seed=seed)
            ari, nmi = _agreement(net, found.membership, sn.organisation)
            rows.setdefault("synth_cells_ari", []).append(ari)
            rows.setdefault("synth_cells_nmi", []).append(nmi)
            for nation in sn.truth.nations:
                own = [e for e in sn.edges if nation in e.nations]
                alone = build_network(own)
                mine = sorted(x for x in sn.subjects[nation] if x in alone)
                for method in ("ours", "degree"):
                    a = person_rank(METHODS[method], alone, mine or None)
                    s = person_rank(METHODS[method], net, union)
                    rows.setdefault(f"synth_{nation}_alone_{method}_p10", []).append(
                        precision_at_k(a, key))
                    rows.setdefault(f"synth_{nation}_shared_{method}_p10", []).append(
                        precision_at_k(s, key))
    for k, v in rows.items():
        out[k] = round(float(np.mean(v)), 3)
    for method in ("ours", "degree"):
        p10[method] += [out[f"synth_subjects_{method}_p10"], out[f"synth_core_{method}_p10"]]
    out["synth_seeds"] = list(seeds)


def run(quick: bool) -> dict[str, Any]:
    seeds = range(2) if quick else range(5)
    out: dict[str, Any] = {"planted_seeds": len(seeds)}
    p10: dict[str, list[float]] = {"ours": [], "degree": []}
    ig.set_random_number_generator(random.Random(0))  # igraph's own RNG, for rewiring
    planted_key_players(seeds, out, p10)
    stability(seeds, out)
    cells(seeds, out)
    broker_recall(seeds, out)
    kpp(100 if quick else 600, seeds, out)
    synth([1] if quick else [1, 2, 3], out, p10)
    out["mean_p10_ours"] = round(float(np.mean(p10["ours"])), 3)
    out["mean_p10_degree"] = round(float(np.mean(p10["degree"])), 3)
    out["ratio"] = round(out["mean_p10_ours"] / max(out["mean_p10_degree"], 0.01), 2)
    return out
