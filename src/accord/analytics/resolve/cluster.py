"""Clusters: canonical entities from accepted links, with judgements applied.

Without judgements or conflicts a cluster is a connected component of the
accepted links. Judgements and identity conflicts turn this into a constrained
version, built strongest link first (Kruskal's order):

1. SAME judgements join their mentions before anything else;
2. then hard-evidence links, then matcher links by falling weight (ties by ids);
3. a link that would put two mentions judged DIFFERENT — or two mentions with
   disjoint identity keys (two IMO numbers) — into one cluster is *cut*, unless
   it is a SAME judgement (an analyst's word overrides the matcher's conflicts).

So when a negative judgement falls inside a cluster, the cluster splits along the
weakest links on the paths between the two mentions: every stronger link is kept.
The outcome depends only on the links and judgements of one connected component
(never on the order mentions arrived), which is what lets ``incremental``
recluster just the components a change touches and still equal a full run.

Confidence of a cluster: the probability of the weakest link holding it together
(1.0 for a SAME judgement or a single mention; at least 0.99 for hard evidence).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from accord.analytics.resolve.evidence import Link
from accord.analytics.resolve.judgements import Judgement, JudgementSet, Pair

HARD_CONFIDENCE = 0.99


def canonical_id(members: Iterable[str]) -> str:
    """The canonical entity id of a cluster: stable while its smallest member stays."""
    first = min(members)
    return "ce-" + hashlib.sha1(first.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Cluster:
    id: str
    family: str
    members: tuple[str, ...]  # sorted
    confidence: float
    links: tuple[Link, ...] = ()  # the links holding it together (a spanning tree)
    judged: tuple[Pair, ...] = ()  # SAME judgements used

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Cut:
    """An accepted link left out of the clusters, and why."""

    link: Link
    reason: str


@dataclass
class Clustering:
    clusters: list[Cluster] = field(default_factory=list)
    cut: list[Cut] = field(default_factory=list)

    def membership(self) -> dict[str, str]:
        """``{mention id: canonical id}``."""
        return {m: c.id for c in self.clusters for m in c.members}


class _Sets:
    """Union-find with, per set, the ids it must not meet and its identity keys."""

    def __init__(self, identity: Mapping[str, Mapping[str, frozenset[str]]]) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}
        self.forbid: dict[str, set[str]] = {}
        self.identity = {k: {c: set(v) for c, v in cols.items()} for k, cols in identity.items()}

    def add(self, x: str) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.size[x] = 1

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def why_not(self, ra: str, rb: str) -> str | None:
        small, other = (ra, rb) if len(self.forbid.get(ra, ())) <= len(
            self.forbid.get(rb, ())) else (rb, ra)
        for x in self.forbid.get(small, ()):
            if self.find(x) == other:
                return "would join mentions judged different"
        ia, ib = self.identity.get(ra, {}), self.identity.get(rb, {})
        for column in sorted(set(ia) & set(ib)):
            if ia[column] and ib[column] and not ia[column] & ib[column]:
                return f"would join mentions with different {column}"
        return None

    def union(self, ra: str, rb: str) -> None:
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if rb in self.forbid:
            self.forbid.setdefault(ra, set()).update(self.forbid.pop(rb))
        if rb in self.identity:
            into = self.identity.setdefault(ra, {})
            for column, keys in self.identity.pop(rb).items():
                into.setdefault(column, set()).update(keys)


def cluster(ids: Iterable[str], links: Iterable[Link], judgements: JudgementSet, *,
            family: str, threshold: float,
            identity: Mapping[str, Mapping[str, frozenset[str]]] | None = None) -> Clustering:
    """Cluster mentions ``ids`` of one family (see the module docstring).

    ``links`` may include rejected ones (below ``threshold``); links and
    judgements touching ids outside ``ids`` are ignored. ``identity`` maps an id
    to its identity keys (``Mention.identity()``).
    """
    members = sorted(set(ids))
    wanted = set(members)
    sets = _Sets({k: v for k, v in (identity or {}).items() if k in wanted and v})
    for x in members:
        sets.add(x)
    inside = sets.parent.keys()
    for pair in judgements.pairs(Judgement.DIFFERENT):
        if pair.left in inside and pair.right in inside:
            sets.forbid.setdefault(pair.left, set()).add(pair.right)
            sets.forbid.setdefault(pair.right, set()).add(pair.left)
    withdrawn = {p for p in (judgements.pairs(Judgement.DIFFERENT)
                             + judgements.pairs(Judgement.UNSURE))}

    spanning: dict[str, list[Link]] = {}
    judged: dict[str, list[Pair]] = {}
    result = Clustering()
    for pair in judgements.pairs(Judgement.SAME):
        if pair.left in inside and pair.right in inside:
            ra, rb = sets.find(pair.left), sets.find(pair.right)
            if ra != rb:
                sets.union(ra, rb)
                judged.setdefault(pair.left, []).append(pair)

    accepted = [lk for lk in links if lk.left in inside and lk.right in inside
                and lk.accepted(threshold) and lk.pair not in withdrawn]
    accepted.sort(key=lambda lk: (not lk.hard, -lk.weight, lk.left, lk.right))
    for link in accepted:
        ra, rb = sets.find(link.left), sets.find(link.right)
        if ra == rb:
            continue
        reason = sets.why_not(ra, rb)
        if reason:
            result.cut.append(Cut(link, reason))
            continue
        sets.union(ra, rb)
        spanning.setdefault(link.left, []).append(link)

    groups: dict[str, list[str]] = {}
    for x in members:
        groups.setdefault(sets.find(x), []).append(x)
    by_root_links: dict[str, list[Link]] = {}
    for start, found in spanning.items():
        by_root_links.setdefault(sets.find(start), []).extend(found)
    by_root_pairs: dict[str, list[Pair]] = {}
    for start, pairs in judged.items():
        by_root_pairs.setdefault(sets.find(start), []).extend(pairs)
    for root, group in groups.items():
        held = sorted(by_root_links.get(root, []), key=lambda lk: (lk.left, lk.right))
        confidence = min((max(lk.probability, HARD_CONFIDENCE) if lk.hard else lk.probability
                          for lk in held), default=1.0)
        result.clusters.append(Cluster(
            id=canonical_id(group), family=family, members=tuple(group),
            confidence=round(confidence, 6), links=tuple(held),
            judged=tuple(sorted(by_root_pairs.get(root, [])))))
    result.clusters.sort(key=lambda c: c.id)
    return result
