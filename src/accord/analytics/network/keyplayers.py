"""The combined key-player ranking, with the reasons for each place.

Raw degree and raw betweenness both reward the busy: a phone-shop owner with a
hundred ordinary customers and one courier among them lies on many shortest
paths and has the most contacts. So the ranking

1. measures everything against a *focus*: the subjects of the investigation
   when given (and then ranks only the subjects and their contacts to
   ``depth`` hops), otherwise the network's 2-core (what remains after
   peeling dead-end contacts, who add degree and paths but no structure);
2. averages the *percentile ranks* (raw values differ by orders of magnitude) of

   * betweenness between focus entities: through whom their shortest paths
     pass (brokers; lieutenants and leaders between cells);
   * reach: the mean inverse distance to the focus entities (a leader is one
     hop from the lieutenants and two from everyone);

3. scales that down for low *engagement*, the share of the entity's ties (in
   the whole network) that go to focus entities: below ``ENGAGEMENT_FLOOR``
   (a quarter) the score is multiplied by engagement / floor. A busy but
   peripheral entity (a hundred ordinary contacts, one courier) has a tiny
   engagement and drops; anyone with a quarter of their ties inside is left
   alone. (Ranking engagement as a third percentile was tried and rejected:
   most entities have engagement 1.0, so a leader with two outside contacts
   fell to the bottom third; measured in docs/benchmarks/network.md.)

Degree, PageRank, eigenvector and Burt's constraint are reported beside the
score for the analyst but do not enter it. No structural measure can tell a
criminal network from a larger benign one it is embedded in: without subjects
a hub of the benign background ranks high (measured in
``benchmarks/bench_network_quality.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from accord.analytics.network import centrality as c
from accord.analytics.network.graph import Network, investigative_subnetwork

ENGAGEMENT_FLOOR = 0.25


@dataclass(frozen=True)
class KeyPlayer:
    id: str
    rank: int
    score: float  # mean percentile of betweenness and reach, scaled for low engagement
    measures: dict[str, float]
    percentiles: dict[str, float]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "rank": self.rank, "score": self.score,
                "measures": self.measures, "percentiles": self.percentiles,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class KeyPlayers:
    players: list[KeyPlayer]
    scored: int  # entities ranked (the investigative subnetwork)
    betweenness_exact: bool
    betweenness_sources: int
    focus: int  # subjects (or core entities) the paths and reach are measured between
    basis: str  # "subjects" or "core entities"
    betweenness: dict[str, float] = field(default_factory=dict, repr=False)  # every scored one

    def ids(self) -> list[str]:
        return [p.id for p in self.players]

    def to_dict(self) -> dict[str, object]:
        return {"scored": self.scored, "betweenness_exact": self.betweenness_exact,
                "betweenness_sources": self.betweenness_sources, "focus": self.focus,
                "basis": self.basis,
                "players": [p.to_dict() for p in self.players]}


def _engagement(net: Network, sub: Network, subjects: set[int]) -> tuple[list[float], list[int]]:
    share: list[float] = []
    hits: list[int] = []
    g = net.graph
    for x in sub.ids:
        v = net.index(x)
        nbrs = g.neighbors(v)
        k = sum(1 for u in nbrs if u in subjects)
        hits.append(k)
        share.append(k / len(nbrs) if nbrs else 0.0)
    return share, hits


def core_entities(net: Network) -> list[str]:
    """The 2-core: what is left after peeling dead ends (entities with one tie) repeatedly.

    The default *subjects* when none are given: a dead-end contact (a number
    seen once) adds paths and degree to whoever it called, but no structure.
    """
    core = [net.ids[v] for v, k in enumerate(net.graph.coreness()) if k >= 2]
    return core or list(net.ids)


def key_players(net: Network, *, subjects: Collection[str] | None = None, depth: int = 1,
                top: int = 20, samples: int | None = None, max_work: float = c.MAX_WORK,
                seed: int = 0) -> KeyPlayers:
    """Rank entities by the combined score; the first ``top`` with measures and reasons.

    ``subjects``: the entities under investigation; the ranking covers them and
    their contacts to ``depth`` hops. Without subjects the whole network is
    ranked and its 2-core (:func:`core_entities`) plays the subjects' part.
    Ties in the score are broken by entity id, so the ranking is deterministic.
    """
    if subjects is not None:
        sub = investigative_subnetwork(net, subjects, depth)
        focus = [x for x in subjects if x in sub]
    else:
        sub, focus = net, core_entities(net)
    btw = c.betweenness(sub, focus=focus, samples=samples, max_work=max_work, seed=seed)
    reach = c.harmonic_reach(sub, focus=focus, samples=samples, max_work=max_work, seed=seed)
    deg = c.degree(net)
    full_deg = [deg[net.index(x)] for x in sub.ids] if sub is not net else deg
    share, hits = _engagement(net, sub, {net.index(x) for x in focus})
    parts = {"betweenness": c.percentiles(btw.values), "reach": c.percentiles(reach)}
    damp = np.minimum(1.0, np.asarray(share, dtype=float) / ENGAGEMENT_FLOOR)
    score = (parts["betweenness"] + parts["reach"]) / 2 * damp if sub.n else np.zeros(0)
    # Rounded so that float noise in equal means does not decide between equals.
    order = sorted(range(sub.n), key=lambda v: (-round(float(score[v]), 9), sub.ids[v]))[:top]
    pr = c.pagerank(sub)
    ev = c.eigenvector(sub)
    constraint = [float(x) for x in sub.graph.constraint(weights="weight")]
    deg_pct = c.percentiles(full_deg)
    basis = "subjects" if subjects is not None else "core entities"
    players: list[KeyPlayer] = []
    for rank, v in enumerate(order, 1):
        measures = {"degree": float(full_deg[v]), "betweenness": btw.values[v],
                    "reach": reach[v], "engagement": share[v], "focus_ties": float(hits[v]),
                    "pagerank": pr[v], "eigenvector": ev[v], "constraint": constraint[v]}
        pcts = {k: round(float(p[v]), 4) for k, p in parts.items()}
        pcts["degree"] = round(float(deg_pct[v]), 4)
        players.append(KeyPlayer(sub.ids[v], rank, round(float(score[v]), 4), measures, pcts,
                                 _reasons(measures, pcts, btw, sub.n, basis)))
    return KeyPlayers(players, sub.n, btw.exact, btw.sources, len(focus), basis,
                      dict(zip(sub.ids, btw.values, strict=True)))


def _top(p: float) -> str:
    return f"top {max(1, round((1 - p) * 100 + 0.5))}%" if p > 0.5 else "lower half"


def _reasons(m: dict[str, float], p: dict[str, float], btw: c.Betweenness, n: int,
             basis: str) -> tuple[str, ...]:
    out: list[str] = []
    how = "" if btw.exact else f" (estimated from {btw.sources} sampled sources)"
    if m["betweenness"] > 0:
        out.append(f"on {m['betweenness']:.0f} shortest paths between {basis}{how}, "
                   f"{_top(p['betweenness'])} of {n}")
    out.append(f"reach {m['reach']:.2f} (mean 1/hops to the {basis}), {_top(p['reach'])}")
    deg, ties = int(m["degree"]), int(m["focus_ties"])
    if m["engagement"] < ENGAGEMENT_FLOOR:
        busy = "busy but peripheral: " if p["degree"] > 0.8 else ""
        out.append(f"{busy}only {ties} of {deg} contacts are {basis} "
                   f"(score x{m['engagement'] / ENGAGEMENT_FLOOR:.2f})")
    else:
        out.append(f"{ties} of {deg} contacts are {basis}")
    if 0 < m["constraint"] < 0.25:
        out.append(f"low constraint {m['constraint']:.2f}: contacts who do not know each other")
    return tuple(out)
