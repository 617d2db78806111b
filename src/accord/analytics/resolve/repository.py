"""What resolution keeps between runs, as a small repository protocol with an in-memory twin.

``ResolutionRepository`` is the port: mentions (with their blocking keys and
fingerprints), scored links, clusters, judgements and the trained models. The
store implements it on SQL tables (``accord.adapters.store.resolution_repo``);
``MemoryRepository`` here implements it on dictionaries, for tests and
benchmarks — the same resolver code runs on both.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from accord.analytics.resolve.cluster import Cluster
from accord.analytics.resolve.evidence import Link
from accord.analytics.resolve.features import Mention
from accord.analytics.resolve.judgements import JudgementRecord, JudgementSet
from accord.analytics.resolve.splink_model import FamilyModel


class ResolutionRepository(Protocol):
    def model(self, family: str) -> FamilyModel | None: ...
    def save_model(self, model: FamilyModel) -> None: ...
    def fingerprints(self, family: str | None = None) -> dict[str, str]: ...
    def mentions(self, ids: Collection[str]) -> dict[str, Mention]: ...
    def sharing(self, family: str, keys: Collection[str]) -> set[str]: ...
    def put_mentions(self, mentions: Sequence[Mention],
                     keys: Mapping[str, frozenset[str]]) -> None: ...
    def drop_mentions(self, ids: Collection[str]) -> None: ...
    def clear(self, family: str) -> None: ...
    def put_links(self, links: Sequence[Link]) -> None: ...
    def links_touching(self, ids: Collection[str]) -> list[Link]: ...
    def clusters_of(self, ids: Collection[str]) -> dict[str, str]: ...
    def members(self, canonical_ids: Collection[str]) -> dict[str, list[str]]: ...
    def replace_clusters(self, old: Collection[str], clusters: Sequence[Cluster]) -> None: ...
    def judgements(self) -> JudgementSet: ...
    def put_judgement(self, record: JudgementRecord) -> None: ...


class MemoryRepository:
    """``ResolutionRepository`` on dictionaries (nothing persists)."""

    def __init__(self) -> None:
        self.models: dict[str, FamilyModel] = {}
        self.by_id: dict[str, Mention] = {}
        self.keys: dict[str, frozenset[str]] = {}
        self.index: dict[tuple[str, str], set[str]] = {}  # (family, key) -> ids
        self.links: dict[tuple[str, str], Link] = {}
        self.adjacent: dict[str, set[tuple[str, str]]] = {}
        self.membership: dict[str, str] = {}
        self.clusters: dict[str, Cluster] = {}
        self.records: list[JudgementRecord] = []

    def model(self, family: str) -> FamilyModel | None:
        return self.models.get(family)

    def save_model(self, model: FamilyModel) -> None:
        self.models[model.family] = model

    def fingerprints(self, family: str | None = None) -> dict[str, str]:
        return {i: m.fingerprint for i, m in self.by_id.items()
                if family is None or m.family == family}

    def mentions(self, ids: Collection[str]) -> dict[str, Mention]:
        return {i: self.by_id[i] for i in ids if i in self.by_id}

    def sharing(self, family: str, keys: Collection[str]) -> set[str]:
        out: set[str] = set()
        for key in keys:
            out |= self.index.get((family, key), set())
        return out

    def put_mentions(self, mentions: Sequence[Mention],
                     keys: Mapping[str, frozenset[str]]) -> None:
        self.drop_mentions([m.id for m in mentions if m.id in self.by_id])
        for mention in mentions:
            self.by_id[mention.id] = mention
            self.keys[mention.id] = keys.get(mention.id, frozenset())
            for key in self.keys[mention.id]:
                self.index.setdefault((mention.family, key), set()).add(mention.id)

    def drop_mentions(self, ids: Collection[str]) -> None:
        for i in ids:
            mention = self.by_id.pop(i, None)
            if mention is None:
                continue
            for key in self.keys.pop(i, frozenset()):
                self.index.get((mention.family, key), set()).discard(i)
            for pair in list(self.adjacent.get(i, ())):
                self.links.pop(pair, None)
                for end in pair:
                    self.adjacent.get(end, set()).discard(pair)

    def clear(self, family: str) -> None:
        self.drop_mentions([i for i, m in self.by_id.items() if m.family == family])
        for cid in [c.id for c in self.clusters.values() if c.family == family]:
            self._drop_cluster(cid)

    def put_links(self, links: Sequence[Link]) -> None:
        for link in links:
            pair = (link.left, link.right)
            self.links[pair] = link
            for end in pair:
                self.adjacent.setdefault(end, set()).add(pair)

    def links_touching(self, ids: Collection[str]) -> list[Link]:
        pairs = {p for i in ids for p in self.adjacent.get(i, ())}
        return [self.links[p] for p in sorted(pairs)]

    def clusters_of(self, ids: Collection[str]) -> dict[str, str]:
        return {i: self.membership[i] for i in ids if i in self.membership}

    def members(self, canonical_ids: Collection[str]) -> dict[str, list[str]]:
        return {c: list(self.clusters[c].members) for c in canonical_ids if c in self.clusters}

    def replace_clusters(self, old: Collection[str], clusters: Sequence[Cluster]) -> None:
        for cid in old:
            self._drop_cluster(cid)
        for found in clusters:
            self.clusters[found.id] = found
            for member in found.members:
                self.membership[member] = found.id

    def _drop_cluster(self, cid: str) -> None:
        gone = self.clusters.pop(cid, None)
        if gone is not None:
            for member in gone.members:
                if self.membership.get(member) == cid:
                    del self.membership[member]

    def judgements(self) -> JudgementSet:
        return JudgementSet(self.records)

    def put_judgement(self, record: JudgementRecord) -> None:
        self.records.append(record)
