"""The resolver: keeps a repository's links and clusters in line with the mentions.

``Resolver.run(mentions)`` compares the node's current mentions with what the
repository holds (by fingerprint) and does the least work that gives the same
answer as starting over:

- a family with no model yet (or ``full=True``) is matched from scratch: the
  model is trained (unless one is kept and ``retrain`` is false), every candidate
  pair scored, everything clustered;
- otherwise only new and changed mentions are matched, against the existing
  mentions that share a blocking key with them, with the kept model and stop list;
  removed mentions lose their links; then only the connected components that a
  change touched are clustered again.

Invariant (tested): incremental runs followed by a full re-run with the same
model give the same clusters, because a pair's score depends only on the pair and
the model, candidate pairs only on the mentions' keys and the kept stop list, and
a cluster only on the links and judgements of its component.

``Resolver.judge`` records a judgement and re-clusters what it touches.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.analytics.resolve import blocking, splink_model
from accord.analytics.resolve.cluster import Cluster, Clustering, cluster
from accord.analytics.resolve.context import add_context
from accord.analytics.resolve.evidence import Link
from accord.analytics.resolve.features import FAMILIES, Mention
from accord.analytics.resolve.judgements import Judgement, JudgementRecord, JudgementSet
from accord.analytics.resolve.pipeline import link_mentions, open_duckdb
from accord.analytics.resolve.repository import ResolutionRepository
from accord.domain.errors import InvalidValue, NotFound


@dataclass
class FamilySummary:
    family: str
    mode: str  # "full" | "incremental" | "unchanged"
    mentions: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    candidates: int = 0
    links: int = 0
    accepted: int = 0
    clusters_rebuilt: int = 0
    trained: bool = False
    largest_block: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RunSummary:
    families: dict[str, FamilySummary] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"families": {k: v.to_dict() for k, v in self.families.items()},
                "seconds": round(self.seconds, 3)}


class Resolver:
    """Resolution over a ``ResolutionRepository`` (see the module docstring)."""

    def __init__(self, repo: ResolutionRepository, *, max_block: int = blocking.MAX_BLOCK,
                 threshold: float = splink_model.THRESHOLD, threads: int = 2) -> None:
        self.repo = repo
        self.max_block = max_block
        self.threshold = threshold
        self.threads = threads

    # -- runs --------------------------------------------------------------------------
    def run(self, mentions: Iterable[Mention], *, full: bool = False,
            retrain: bool = False,
            related: Mapping[str, set[tuple[str, str, str | None]]] | None = None,
            ) -> RunSummary:
        """Bring the repository in line with ``mentions`` (all current mentions).

        With ``related`` (``context.relations`` of the node's entities), families
        compared by context (Person) are resolved last, each mention given the
        canonical ids of what it holds or belongs to (``context``).
        """
        started = time.perf_counter()
        by_family: dict[str, list[Mention]] = {}
        for mention in mentions:
            by_family.setdefault(mention.family, []).append(mention)
        summary = RunSummary()
        for family in sorted(FAMILIES, key=lambda f: FAMILIES[f].context):
            current = by_family.get(family, [])
            if related is not None and FAMILIES[family].context and current:
                things = {thing for found in related.values() for _, thing, _ in found}
                current = add_context(current, related, self.repo.clusters_of(things))
            stored = self.repo.fingerprints(family)
            if not current and not stored:
                continue
            model = self.repo.model(family)
            if full or retrain or model is None:
                summary.families[family] = self._full(family, current, model=None if retrain
                                                      else model)
                continue
            changed = [m for m in current if stored.get(m.id) != m.fingerprint]
            present = {m.id for m in current}
            removed = [i for i in stored if i not in present]
            summary.families[family] = self._update(family, model, changed, removed,
                                                    new=sum(m.id not in stored for m in changed))
        summary.seconds = time.perf_counter() - started
        return summary

    def update(self, changed: Sequence[Mention], removed: Collection[str] = ()) -> RunSummary:
        """Resolve just these new or changed mentions (and forget ``removed`` ids)."""
        started = time.perf_counter()
        summary = RunSummary()
        gone = self.repo.mentions(removed)
        families = sorted({m.family for m in changed} | {m.family for m in gone.values()})
        stored = self.repo.fingerprints()
        for family in families:
            mine = [m for m in changed if m.family == family]
            model = self.repo.model(family)
            if model is None:
                raise NotFound(f"no {family} model yet; run a full resolution first",
                               where="resolve")
            fresh = [m for m in mine if stored.get(m.id) != m.fingerprint]
            summary.families[family] = self._update(
                family, model, fresh, [i for i, m in gone.items() if m.family == family],
                new=sum(m.id not in stored for m in fresh))
        summary.seconds = time.perf_counter() - started
        return summary

    def _full(self, family: str, mentions: Sequence[Mention],
              model: splink_model.FamilyModel | None) -> FamilySummary:
        con = open_duckdb(self.threads)
        try:
            run = link_mentions(con, mentions, family=family, model=model,
                                max_block=self.max_block, threshold=self.threshold)
        finally:
            con.close()
        self.repo.clear(family)
        if model is None:
            self.repo.save_model(run.model)
        self.repo.put_mentions(mentions, run.keys)
        self.repo.put_links(run.links)
        clock = time.perf_counter()
        judgements = self.repo.judgements()
        found = cluster([m.id for m in mentions], run.links, judgements, family=family,
                        threshold=run.model.threshold,
                        identity={m.id: m.identity() for m in mentions})
        self.repo.replace_clusters((), found.clusters)
        seconds = dict(run.seconds, clustering=round(time.perf_counter() - clock, 3))
        return FamilySummary(
            family, "full", mentions=len(mentions), new=len(mentions),
            candidates=run.candidates, links=len(run.links),
            accepted=sum(lk.accepted(run.model.threshold) for lk in run.links),
            clusters_rebuilt=len(found.clusters), trained=run.model.trained,
            largest_block=run.largest_block, seconds=seconds)

    def _update(self, family: str, model: splink_model.FamilyModel,
                changed: Sequence[Mention], removed: Sequence[str], *,
                new: int) -> FamilySummary:
        summary = FamilySummary(family, "incremental", new=new, changed=len(changed) - new,
                                removed=len(removed))
        if not changed and not removed:
            summary.mode = "unchanged"
            summary.mentions = len(self.repo.fingerprints(family))
            return summary
        touched = [m.id for m in changed] + list(removed)
        seeds = set(touched)
        seeds |= {end for lk in self.repo.links_touching(touched) for end in (lk.left, lk.right)}
        old = set(self.repo.clusters_of(touched).values())
        seeds |= {m for members in self.repo.members(old).values() for m in members}
        self.repo.drop_mentions(touched)

        spec_keys = {m.id: frozenset(blocking.blocking_keys(m, FAMILIES[family])) for m in changed}
        wanted = set().union(*spec_keys.values()) - model.stoplist if spec_keys else set()
        existing_ids = self.repo.sharing(family, wanted) - set(spec_keys)
        existing = list(self.repo.mentions(existing_ids).values())
        links: list[Link] = []
        if changed:
            con = open_duckdb(self.threads)
            try:
                run = link_mentions(con, [*changed, *existing], family=family, model=model,
                                    only=list(spec_keys))
            finally:
                con.close()
            links = run.links
            summary.candidates = run.candidates
            summary.largest_block = run.largest_block
            summary.seconds = run.seconds
        self.repo.put_mentions(changed, spec_keys)
        self.repo.put_links(links)
        summary.links = len(links)
        summary.accepted = sum(lk.accepted(model.threshold) for lk in links)
        clock = time.perf_counter()
        rebuilt = self.recluster(family, seeds - set(removed), model.threshold, replacing=old)
        summary.seconds["clustering"] = round(time.perf_counter() - clock, 3)
        summary.clusters_rebuilt = len(rebuilt.clusters)
        summary.mentions = len(self.repo.fingerprints(family))
        return summary

    # -- clustering --------------------------------------------------------------------
    def component(self, seeds: Collection[str], threshold: float,
                  judgements: JudgementSet) -> tuple[set[str], list[Link]]:
        """The mentions connected to ``seeds`` by accepted links or SAME judgements."""
        withdrawn = set(judgements.pairs(Judgement.DIFFERENT) + judgements.pairs(
            Judgement.UNSURE))
        same: dict[str, set[str]] = {}
        for pair in judgements.pairs(Judgement.SAME):
            same.setdefault(pair.left, set()).add(pair.right)
            same.setdefault(pair.right, set()).add(pair.left)
        known = set(self.repo.mentions(seeds))
        seen = set(known)
        frontier = set(known)
        edges: dict[tuple[str, str], Link] = {}
        while frontier:
            nxt: set[str] = set()
            for link in self.repo.links_touching(frontier):
                if link.accepted(threshold) and link.pair not in withdrawn:
                    edges[(link.left, link.right)] = link
                    nxt.update((link.left, link.right))
            for x in frontier:
                nxt |= same.get(x, set())
            nxt = set(self.repo.mentions(nxt - seen))
            seen |= nxt
            frontier = nxt
        return seen, list(edges.values())

    def recluster(self, family: str, seeds: Collection[str], threshold: float | None = None,
                  *, replacing: Collection[str] = ()) -> Clustering:
        """Cluster again the components holding ``seeds``; store and return the result.

        The clusters of those components are replaced, and so are ``replacing`` (the
        former clusters of mentions that are gone).
        """
        model = self.repo.model(family)
        if threshold is None:
            threshold = model.threshold if model else self.threshold
        judgements = self.repo.judgements()
        ids, links = self.component(seeds, threshold, judgements)
        mentions = self.repo.mentions(ids)
        ids = {i for i, m in mentions.items() if m.family == family}
        found = cluster(ids, links, judgements, family=family, threshold=threshold,
                        identity={i: mentions[i].identity() for i in ids})
        old = set(self.repo.clusters_of(ids).values()) | set(replacing)
        self.repo.replace_clusters(old, found.clusters)
        return found

    # -- judgements --------------------------------------------------------------------
    def judge(self, record: JudgementRecord) -> list[Cluster]:
        """Record ``record`` and re-cluster; returns the clusters now holding its pair.

        ``NotFound`` if either id is not a resolved mention; ``InvalidValue`` if they
        are of different families; ``Conflict`` if other judgements rule it out.
        """
        a, b = record.pair.left, record.pair.right
        found = self.repo.mentions([a, b])
        for x in (a, b):
            if x not in found:
                raise NotFound(f"no resolved entity {x!r}; run 'accord resolve' first or "
                               "check the id (only Person, Organization, Company, Vessel, "
                               "Phone and Account entities are resolved)", where="judgement")
        if found[a].family != found[b].family:
            raise InvalidValue(f"{a!r} is a {found[a].family} and {b!r} a "
                               f"{found[b].family}: they cannot be the same entity",
                               where="judgement")
        self.repo.judgements().check(a, b, record.judgement)
        family = found[a].family
        seeds = {a, b}
        old = set(self.repo.clusters_of(seeds).values())
        seeds |= {m for members in self.repo.members(old).values() for m in members}
        self.repo.put_judgement(record)
        result = self.recluster(family, seeds)
        return [c for c in result.clusters if a in c.members or b in c.members]

