"""Resolution computed under a read transaction, written in a short write transaction.

Matching (DuckDB, Splink) can take seconds, a first training minutes. Holding the
store's write lock that long would make imports and receipts wait (SQLite has one
writer; its busy timeout is 10 s). ``StagedRepository`` lets the resolver run
against a read-only view of the resolution tables: every write the resolver makes
is kept in memory (and seen by its later reads, as the SQL repository would show
them) and logged; ``replay`` then applies the log to the SQL repository in a write
transaction, which takes milliseconds to a few seconds.

``state_token`` tells whether someone else (``accord judge``, another run) changed
the resolution tables between the read and the write: the caller then discards
the staged work and tries again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from accord.adapters.store.resolution_repo import SqlResolutionRepository
from accord.analytics.resolve.cluster import Cluster
from accord.analytics.resolve.evidence import Link
from accord.analytics.resolve.features import FAMILIES, Mention
from accord.analytics.resolve.judgements import JudgementRecord, JudgementSet
from accord.analytics.resolve.splink_model import FamilyModel


class StagedRepository:
    """A ``ResolutionRepository``: reads ``base`` through the writes staged so far.

    Mirrors ``SqlResolutionRepository``: dropping a mention drops its keys and
    links; a mention put again has no canonical entity until ``replace_clusters``
    gives it one; ``members`` reads the mentions' canonical ids; ``clear(family)``
    hides the family's stored mentions, keys, links and clusters.
    """

    def __init__(self, base: SqlResolutionRepository) -> None:
        self.base = base
        self.ops: list[tuple[str, tuple[Any, ...]]] = []
        self._models: dict[str, FamilyModel | None] = {}
        self._cleared: set[str] = set()
        self._dropped: set[str] = set()  # ids whose stored rows are gone
        self._mentions: dict[str, Mention] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._index: dict[tuple[str, str], set[str]] = {}
        self._links: dict[tuple[str, str], Link] = {}
        self._adjacent: dict[str, set[tuple[str, str]]] = {}
        self._canon: dict[str, str | None] = {}  # staged canonical id of a mention
        self._judgements: JudgementSet | None = None

    @property
    def changed(self) -> bool:
        return bool(self.ops)

    def replay(self, target: SqlResolutionRepository) -> None:
        """Apply the staged writes to ``target`` (in the caller's write transaction)."""
        for name, args in self.ops:
            getattr(target, name)(*args)

    # -- what is hidden ------------------------------------------------------------------
    def _visible(self, mention: Mention) -> bool:
        return mention.id not in self._dropped and mention.family not in self._cleared

    def _link_visible(self, link: Link) -> bool:
        return (link.family not in self._cleared and link.left not in self._dropped
                and link.right not in self._dropped)

    # -- models --------------------------------------------------------------------------
    def model(self, family: str) -> FamilyModel | None:
        if family not in self._models:
            self._models[family] = self.base.model(family)
        return self._models[family]

    def forget_model(self, family: str) -> None:
        """Read ``family`` as having no model, so that the resolver trains one (its
        ``save_model`` then replaces the stored one)."""
        self._models[family] = None

    def save_model(self, model: FamilyModel) -> None:
        self._models[model.family] = model
        self.ops.append(("save_model", (model,)))

    # -- mentions ------------------------------------------------------------------------
    def fingerprints(self, family: str | None = None) -> dict[str, str]:
        families = [family] if family is not None else list(FAMILIES)
        out: dict[str, str] = {}
        for fam in families:
            if fam in self._cleared:
                continue
            out.update({i: fp for i, fp in self.base.fingerprints(fam).items()
                        if i not in self._dropped})
        out.update({i: m.fingerprint for i, m in self._mentions.items()
                    if family is None or m.family == family})
        return out

    def mentions(self, ids: Collection[str]) -> dict[str, Mention]:
        wanted = set(ids)
        out = {i: self._mentions[i] for i in wanted if i in self._mentions}
        rest = wanted - set(out) - self._dropped
        if rest:
            out.update({i: m for i, m in self.base.mentions(rest).items() if self._visible(m)})
        return out

    def sharing(self, family: str, keys: Collection[str]) -> set[str]:
        out: set[str] = set()
        if family not in self._cleared:
            out = self.base.sharing(family, keys) - self._dropped
        for key in keys:
            out |= self._index.get((family, key), set())
        return out

    def put_mentions(self, mentions: Sequence[Mention],
                     keys: Mapping[str, frozenset[str]]) -> None:
        self._drop([m.id for m in mentions])
        for m in mentions:
            self._mentions[m.id] = m
            self._keys[m.id] = keys.get(m.id, frozenset())
            self._canon[m.id] = None
            for key in self._keys[m.id]:
                self._index.setdefault((m.family, key), set()).add(m.id)
        self.ops.append(("put_mentions", (list(mentions), dict(keys))))

    def drop_mentions(self, ids: Collection[str]) -> None:
        self._drop(ids)
        self.ops.append(("drop_mentions", (list(ids),)))

    def _drop(self, ids: Collection[str]) -> None:
        for i in ids:
            self._dropped.add(i)
            self._canon[i] = None
            mention = self._mentions.pop(i, None)
            for key in self._keys.pop(i, frozenset()):
                if mention is not None:
                    self._index.get((mention.family, key), set()).discard(i)
            for pair in list(self._adjacent.get(i, ())):
                self._links.pop(pair, None)
                for end in pair:
                    self._adjacent.get(end, set()).discard(pair)

    def clear(self, family: str) -> None:
        self._cleared.add(family)
        self._drop([i for i, m in self._mentions.items() if m.family == family])
        self.ops.append(("clear", (family,)))

    # -- links ---------------------------------------------------------------------------
    def put_links(self, links: Sequence[Link]) -> None:
        for link in links:
            pair = (link.left, link.right)
            self._links[pair] = link
            for end in pair:
                self._adjacent.setdefault(end, set()).add(pair)
        self.ops.append(("put_links", (list(links),)))

    def links_touching(self, ids: Collection[str]) -> list[Link]:
        found = {(lk.left, lk.right): lk for lk in self.base.links_touching(ids)
                 if self._link_visible(lk)}
        for i in ids:
            for pair in self._adjacent.get(i, ()):
                found[pair] = self._links[pair]
        return [found[p] for p in sorted(found)]

    # -- clusters ------------------------------------------------------------------------
    def clusters_of(self, ids: Collection[str]) -> dict[str, str]:
        wanted = set(ids)
        staged = {i for i in wanted if i in self._canon}
        out = {i: c for i, c in self.base.clusters_of(wanted - staged).items()}
        out.update({i: c for i in staged if (c := self._canon[i]) is not None})
        return out

    def members(self, canonical_ids: Collection[str]) -> dict[str, list[str]]:
        wanted = set(canonical_ids)
        out: dict[str, set[str]] = {}
        for cid, ids in self.base.members(wanted).items():
            kept = {i for i in ids if i not in self._canon}
            if kept:
                out[cid] = kept
        for i, staged in self._canon.items():
            if staged is not None and staged in wanted:
                out.setdefault(staged, set()).add(i)
        return {cid: sorted(ids) for cid, ids in out.items()}

    def replace_clusters(self, old: Collection[str], clusters: Sequence[Cluster]) -> None:
        for found in clusters:
            for member in found.members:
                self._canon[member] = found.id
        self.ops.append(("replace_clusters", (list(old), list(clusters))))

    # -- judgements ----------------------------------------------------------------------
    def judgements(self) -> JudgementSet:
        if self._judgements is None:
            self._judgements = self.base.judgements()
        return self._judgements

    def put_judgement(self, record: JudgementRecord) -> None:
        raise NotImplementedError("judgements are written in their own transaction "
                                  "(services.resolve.judge), never staged")
