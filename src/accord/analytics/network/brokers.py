"""Brokers: who bridges organisations (or communities), and in which role.

Three views, reported side by side for each entity:

* **cross-group betweenness**: betweenness counting only shortest paths whose
  two ends are in *different* groups (organisations when known, else Leiden
  communities). Entities without a group are never ends, but can lie between.
* **Burt's constraint** (igraph): how much an entity's contacts are tied to
  each other; low constraint means structural holes, i.e. brokerage chances.
* **Gould–Fernandez brokerage roles**: for every open two-path a–b–c (a and c
  not tied) through broker b, the role by the groups of a, b and c:
  coordinator (all one group), consultant (a, c in one group, b outside),
  gatekeeper/representative (b shares a group with one end only) and liaison
  (three different groups). The network here is undirected, so Gould and
  Fernandez's gatekeeper and representative (which differ only in the
  direction of flow) are counted together.

Counting roles needs no enumeration of two-paths: for broker b, the pairs of
neighbours in each role follow from the neighbour counts per group, and the
closed pairs (triangles through b) are subtracted; cost O(ties + triangles).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.analytics.network import centrality as c
from accord.analytics.network.communities import detect_communities
from accord.analytics.network.graph import Network, investigative_subnetwork

ROLES = ("coordinator", "consultant", "gatekeeper_representative", "liaison")


@dataclass(frozen=True)
class Broker:
    id: str
    rank: int
    score: float  # mean percentile of cross-group betweenness and of pairs brokered
    group: str | None
    groups_bridged: int  # distinct groups among its contacts, other than its own
    cross_betweenness: float
    constraint: float
    roles: dict[str, int]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rank": self.rank, "score": self.score, "group": self.group,
                "groups_bridged": self.groups_bridged,
                "cross_betweenness": self.cross_betweenness, "constraint": self.constraint,
                "roles": self.roles, "reasons": list(self.reasons)}


def brokerage_roles(net: Network, groups: Mapping[str, str]) -> list[dict[str, int]]:
    """Gould–Fernandez role counts per vertex (undirected).

    Pairs with an end that has no group are skipped. A broker without a group
    is a group of its own (an outsider: consultant or liaison).
    """
    g = net.graph
    grp: list[str | None] = [groups.get(x) for x in net.ids]
    own_of = [k if k is not None else f"\0outsider {v}" for v, k in enumerate(grp)]
    out = [dict.fromkeys(ROLES, 0) for _ in range(net.n)]
    for b in range(net.n):
        own = own_of[b]
        counts = Counter(grp[u] for u in g.neighbors(b) if grp[u] is not None)
        same = counts.get(own, 0)
        other = sum(counts.values()) - same
        sq_other = sum(k * k for gname, k in counts.items() if gname != own)
        roles = out[b]
        roles["coordinator"] = same * (same - 1) // 2
        roles["consultant"] = sum(k * (k - 1) // 2 for gname, k in counts.items() if gname != own)
        roles["gatekeeper_representative"] = same * other
        roles["liaison"] = (other * other - sq_other) // 2
    for tri in g.list_triangles():
        for i in range(3):
            b, a, z = tri[i], tri[(i + 1) % 3], tri[(i + 2) % 3]
            role = _role(own_of[b], grp[a], grp[z])
            if role:
                out[b][role] -= 1  # a and z are tied: not an open two-path through b
    return out


def _role(b: str, a: str | None, z: str | None) -> str | None:
    if a is None or z is None:
        return None
    if a == z:
        return "coordinator" if a == b else "consultant"
    if b in (a, z):
        return "gatekeeper_representative"
    return "liaison"


def cross_group_betweenness(net: Network, group_of: Sequence[object | None], *,
                            samples: int | None = None, max_work: float = c.MAX_WORK,
                            seed: int = 0) -> tuple[list[float], bool]:
    """Betweenness over shortest paths between entities of different groups.

    Returns (values, exact). Sampled like :func:`centrality.betweenness`:
    ``samples`` source entities (with a group) drawn uniformly, scaled up.
    """
    pool = [v for v, k in enumerate(group_of) if k is not None]
    m = max(net.m, 1)
    if samples is None and len(pool) * m > max_work:
        samples = max(c.MIN_SAMPLES, int(max_work // m))
    exact = samples is None or samples >= len(pool)
    sources = pool if exact else sorted(random.Random(seed).sample(pool, samples or 0))
    by_group: dict[object, list[int]] = {}
    for v in sources:
        by_group.setdefault(group_of[v], []).append(v)
    total = np.zeros(net.n)
    for k, src in by_group.items():
        targets = [v for v in pool if group_of[v] != k]
        if targets:
            total += np.asarray(net.graph.betweenness(directed=False, sources=src,
                                                      targets=targets))
    # Each cross pair is met from both ends when exact, each half-counted by igraph.
    scale = 1.0 if exact else len(pool) / len(sources)
    return [float(x) * scale for x in total], exact


def brokers(net: Network, *, groups: Mapping[str, str] | None = None,
            subjects: Collection[str] | None = None, depth: int = 1, top: int = 20,
            samples: int | None = None, seed: int = 0) -> list[Broker]:
    """Rank entities as brokers between ``groups`` (else between Leiden communities).

    The score is the mean percentile of cross-group betweenness and of the
    open pairs it brokers between groups (consultant + gatekeeper/representative
    + liaison); constraint is reported, not scored, because a busy entity whose
    contacts do not know each other has a low constraint without brokering
    anything. With ``subjects`` the ranking is made on the investigative
    subnetwork (subjects and contacts to ``depth`` hops), which keeps paths
    through a large benign background out of it.
    """
    if subjects is not None:
        net = investigative_subnetwork(net, subjects, depth)
    if groups is None:
        memb = detect_communities(net, seed=seed, control_runs=0).membership
        groups = {x: f"community {k}" for x, k in zip(net.ids, memb, strict=True)}
    group_of = [groups.get(x) for x in net.ids]
    cross, exact = cross_group_betweenness(net, group_of, samples=samples, seed=seed)
    constraint = np.nan_to_num(np.asarray(net.graph.constraint(weights="weight"), float),
                               nan=1.0)
    roles = brokerage_roles(net, groups)
    g = net.graph
    bridged = [len({group_of[u] for u in g.neighbors(v) if group_of[u] is not None}
                   - {group_of[v]}) for v in range(net.n)]
    span = [r["liaison"] + r["gatekeeper_representative"] + r["consultant"] for r in roles]
    score = np.mean(np.vstack([c.percentiles(cross), c.percentiles(span)]), axis=0)
    order = sorted(range(net.n), key=lambda v: (-score[v], net.ids[v]))[:top]
    out = []
    for rank, v in enumerate(order, 1):
        reasons = [f"bridges {bridged[v]} other group(s) among its contacts"]
        if cross[v] > 0:
            reasons.append(f"on {cross[v]:.0f} shortest paths between different groups"
                           + ("" if exact else " (sampled)"))
        if constraint[v] < 0.5:
            reasons.append(f"constraint {constraint[v]:.2f}: its contacts are mostly unconnected")
        main = max(ROLES, key=lambda r: roles[v][r])
        if roles[v][main] > 0:
            reasons.append(f"mostly a {main.replace('_', '/')} ({roles[v][main]} open pairs)")
        out.append(Broker(net.ids[v], rank, round(float(score[v]), 4), group_of[v], bridged[v],
                          cross[v], float(constraint[v]), roles[v], tuple(reasons)))
    return out
