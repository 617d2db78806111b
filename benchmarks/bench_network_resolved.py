"""The synthetic-world network evaluation with the real resolver instead of oracle resolution.

``bench_network_quality``'s synthetic part maps every mention to its true id
from truth.json (oracle resolution: the upper bound). Here the same worlds
(``accord synth``, small, seeds 1-3) go through the real pipeline: every
nation's file is imported into one SQLite store under its own origin, the
store is resolved (``accord.services.resolve``), and the network is read by
``accord.services.network_load.load_network`` (canonical entities, phones and
accounts through their holders). Each ranked vertex is graded as the true
person most of its mentions are; a true person ranked twice (the resolver
split them) counts once, the second place as a miss.

Settings as in ``bench_network_quality``: all nations' material with the
union of their subjects (people named in Membership links) and without
subjects (2-core); per nation its own statements alone (``scope=own``: its
mentions clustered with links between its own mentions only) and everything
(full sharing, the upper bound of agreements). The oracle figures are
computed in the same process for comparison; ``ratio`` = mean precision@10
of ours over the degree baseline, resolved.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from accord.adapters.store import open_store
from accord.analytics.network.communities import detect_communities
from accord.analytics.network.sharing import precision_at_k, recall_at_k
from accord.domain.registry import load_registry
from accord.services import resolve
from accord.services.ingest import import_files
from accord.services.network_load import NetworkOptions, NodeNetwork, Scope, load_network
from accord.synth import generate, load_truth
from accord.synth.truth import Truth
from benchmarks.bench_network_quality import METHODS, synth
from benchmarks.bench_network_quality import _mean as mean_rows


def true_ids(nn: NodeNetwork, truth: Truth, nation_of: dict[str, str]) -> dict[str, str]:
    """Vertex -> the true person most of its mentions are (or the vertex id itself)."""
    out: dict[str, str] = {}
    for v, mentions in nn.members.items():
        found = [truth.true_id(nation_of[nn.origins[m]], m) for m in mentions
                 if nn.origins.get(m) in nation_of]
        known = [t for t in found if t is not None]
        out[v] = max(sorted(set(known)), key=known.count) if known else v
    return out


def graded(ranking: list[str], nn: NodeNetwork, true: dict[str, str]) -> list[str]:
    """People only, as true ids; a repeated true person becomes a miss."""
    seen: set[str] = set()
    out = []
    for v in ranking:
        if nn.network.entity(v).schema != "Person":
            continue
        t = true.get(v, v)
        out.append(t if t not in seen else f"{v}#again")
        seen.add(t)
    return out


def score(ranking: list[str], key: list[str], leaders: list[str],
          brokers: list[str]) -> dict[str, float]:
    return {"p10": precision_at_k(ranking, key), "leaders_r20": recall_at_k(ranking, leaders, 20),
            "brokers_r20": recall_at_k(ranking, brokers, 20)}


def world(root: Path, seed: int) -> dict[str, Any]:
    registry = load_registry()
    summary = generate(root / "world", scale="small", seed=seed)
    store = open_store(f"sqlite:///{root / 'node.db'}")
    begun = time.process_time()
    for nation, stats in summary.files.items():
        import_files(store, [stats.path], origin=stats.node, registry=registry, country=nation)
    imported = time.process_time()
    done = resolve.resolve(store, registry).to_dict()
    resolved = time.process_time()
    truth = load_truth(root / "world")
    nation_of = {stats.node: nation for nation, stats in summary.files.items()}
    raw = truth.raw
    key = [k["person"] for k in raw["key_players"] if k["key"]]
    leaders = [k["person"] for k in raw["key_players"] if k["role"] == "leader"]
    brokers = [b["person"] for b in raw["brokers"]]
    organisation = {m["person"]: org for org, o in raw["organisations"].items()
                    for m in o["members"]}
    rows: dict[str, dict[str, float]] = {}
    home = next(iter(nation_of))
    everything = load_network(store, registry, home=home)
    true = true_ids(everything, truth, nation_of)
    for label, subjects in (("subjects", list(everything.subjects)), ("core", None)):
        for method in ("ours", "degree"):
            ranked = graded(METHODS[method](everything.network, subjects), everything, true)
            rows[f"{label}_{method}"] = score(ranked, key, leaders, brokers)
    found = detect_communities(everything.network, seed=seed)
    by_true = {true[v]: found.membership[everything.network.index(v)]
               for v in everything.network.ids if true[v] in organisation}
    ari, nmi = _agreement_ids(sorted(by_true), [by_true[t] for t in sorted(by_true)],
                              organisation)
    rows["cells"] = {"ari": ari, "nmi": nmi}
    for node_id, nation in nation_of.items():
        alone = load_network(store, registry, home=node_id,
                             options=NetworkOptions(scope=Scope.OWN))
        mine = true_ids(alone, truth, nation_of)
        for method in ("ours", "degree"):
            a = graded(METHODS[method](alone.network, list(alone.subjects) or None), alone, mine)
            s = graded(METHODS[method](everything.network, list(everything.subjects)),
                       everything, true)
            rows[f"{nation}_alone_{method}"] = {"p10": precision_at_k(a, key)}
            rows[f"{nation}_shared_{method}"] = {"p10": precision_at_k(s, key)}
    store.close()
    return {"rows": rows, "merged_mentions": done["merged_mentions"],
            "mentions": done["mentions"], "canonical_entities": done["canonical_entities"],
            "import_cpu_s": imported - begun, "resolve_cpu_s": resolved - imported,
            "entities": everything.network.n, "ties": everything.network.m}


def _agreement_ids(ids: list[str], membership: list[int],
                   truth: dict[str, str]) -> tuple[float, float]:
    """ARI and NMI of communities against true organisations, over true members."""
    true = [truth[i] for i in ids]
    return (round(float(adjusted_rand_score(true, membership)), 3),
            round(float(normalized_mutual_info_score(true, membership)), 3))


def run(quick: bool) -> dict[str, Any]:
    seeds = [1] if quick else [1, 2, 3]
    out: dict[str, Any] = {"seeds": seeds}
    per: dict[str, list[dict[str, float]]] = {}
    extra: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-network-resolved-") as tmp:
        for seed in seeds:
            got = world(Path(tmp) / f"w{seed}", seed)
            for name, row in got.pop("rows").items():
                per.setdefault(name, []).append(row)
            for k, v in got.items():
                extra.setdefault(k, []).append(float(v))
    for name, rows in per.items():
        for k, v in mean_rows(rows).items():
            out[f"resolved_{name}_{k}"] = v
    for k, vs in extra.items():
        out[k] = round(float(np.mean(vs)), 3)
    oracle: dict[str, Any] = {}
    synth(seeds, oracle, {"ours": [], "degree": []})
    for k, v in oracle.items():
        if k.startswith("synth_") and k != "synth_seeds":
            out["oracle_" + k.removeprefix("synth_")] = v
    ours = [out[f"resolved_{s}_ours_p10"] for s in ("subjects", "core")]
    degree = [out[f"resolved_{s}_degree_p10"] for s in ("subjects", "core")]
    out["mean_p10_ours"] = round(float(np.mean(ours)), 3)
    out["mean_p10_degree"] = round(float(np.mean(degree)), 3)
    out["ratio"] = round(out["mean_p10_ours"] / max(out["mean_p10_degree"], 0.01), 2)
    return out

