"""Entity resolution use cases: resolve, judge, and read canonical entities.

``resolve`` brings the node's canonical entities in line with its statements (its
own and those received from partners): incrementally by default, from scratch
with ``full=True`` (keeping the trained models unless ``retrain=True``).
``resolve_entities`` does the same for just some entities (a hook for import and
receive). ``judge`` records an analyst's judgement, re-clusters what it touches
and writes the act to the ledger, in one transaction. The read functions give a
canonical entity with every mention and its provenance, the evidence for a link,
and the mapping from mention ids to canonical ids that network analysis uses.

Each function is one unit of work; errors are ``accord.domain.errors`` classes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from accord.adapters.store import Store
from accord.adapters.store.resolution_repo import (
    SqlResolutionRepository,
    resolvable_statements,
    state_token,
)
from accord.analytics.resolve.cluster import Cluster
from accord.analytics.resolve.context import GROUPS, HELD, add_context, relations
from accord.analytics.resolve.features import FAMILIES, Mention, mention_of
from accord.analytics.resolve.incremental import Resolver, RunSummary
from accord.analytics.resolve.judgements import Judgement, JudgementRecord, Pair
from accord.analytics.resolve.splink_model import MIN_TRAIN
from accord.domain.errors import Conflict, InvalidValue, NotFound, SchemaError
from accord.domain.ledger_entry import Action, LedgerEntry
from accord.domain.registry import Registry
from accord.services import ledger
from accord.services.canonical_view import CanonicalPage, best_name, canonical_page
from accord.services.resolution_staging import StagedRepository


def resolvable_schemata(registry: Registry) -> list[str]:
    """Every schema whose entities are resolved (Person, Company, Vessel, ...)."""
    return sorted({s.name for family in FAMILIES for s in registry.descendants(family)})


def _mentions(bind: Any, registry: Registry,
              entity_ids: Collection[str] | None = None) -> list[Mention]:
    out: list[Mention] = []
    for entity_id, schemata, properties in resolvable_statements(
            bind, resolvable_schemata(registry), entity_ids):
        schema = _most_specific(registry, schemata)
        if schema is None:
            continue
        mention = mention_of(registry, SimpleNamespace(id=entity_id, schema=schema,
                                                       properties=properties))
        if mention is not None:
            out.append(mention)
    return out


Related = dict[str, set[tuple[str, str, str | None]]]


def _related(bind: Any, registry: Registry,
             entity_ids: Collection[str] | None = None) -> Related:
    """What each person mention holds (phones, accounts) or belongs to (organisations),
    read from the node's Phone, Account and Membership entities (``context.relations``)."""
    schemata = sorted({s.name for name in (*HELD, *GROUPS) for s in registry.descendants(name)})
    entities = []
    for entity_id, kinds, properties in resolvable_statements(bind, schemata, entity_ids):
        schema = _most_specific(registry, kinds)
        if schema is not None:
            entities.append(SimpleNamespace(id=entity_id, schema=schema, properties=properties))
    return relations(registry, entities)


def _most_specific(registry: Registry, schemata: set[str]) -> str | None:
    ordered = sorted(schemata)
    schema = ordered[0]
    for other in ordered[1:]:
        try:
            schema = registry.common(schema, other).name
        except SchemaError:
            return None  # contradictory statements: not resolved until they agree
    return schema


@dataclass
class ResolveResult:
    """What a resolution run did, and the node's canonical entities afterwards."""

    run: RunSummary
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        families: dict[str, Any] = {}
        for family in sorted(set(self.run.families) | set(self.counts)):
            done = self.run.families.get(family)
            families[family] = {**(done.to_dict() if done else {"mode": "unchanged"}),
                                **self.counts.get(family, {})}
        return {
            "families": families,
            "mentions": sum(c["mentions"] for c in self.counts.values()),
            "canonical_entities": sum(c["canonical_entities"] for c in self.counts.values()),
            "merged_mentions": sum(c["merged_mentions"] for c in self.counts.values()),
            "seconds": round(self.run.seconds, 3),
        }


def resolve(store: Store, registry: Registry, *, full: bool = False, retrain: bool = False,
            refit: Collection[str] = (), threads: int = 2) -> ResolveResult:
    """Resolve the node's entities (see the module docstring).

    ``refit`` names families to train again and match from scratch (the others are
    resolved as usual). Matching runs under a read transaction; what it changes is
    written at the end in one short write transaction (``resolution_staging``), so
    imports and receipts do not wait for it. ``Conflict`` if the resolution tables
    kept changing meanwhile.
    """
    unknown = set(refit) - set(FAMILIES)
    if unknown:
        raise InvalidValue(f"unknown family {sorted(unknown)[0]!r} (choose "
                           f"{', '.join(FAMILIES)})", where="refit")

    def work(repo: StagedRepository, session: Any) -> RunSummary:
        for family in refit:
            repo.forget_model(family)
        return Resolver(repo, threads=threads).run(_mentions(session, registry), full=full,
                                                   retrain=retrain,
                                                   related=_related(session, registry))

    return _staged(store, work)


def resolve_entities(store: Store, registry: Registry, entity_ids: Iterable[str], *,
                     threads: int = 2, train: bool = False) -> ResolveResult:
    """Resolve just these entities (new, changed, retracted) against the existing clusters.

    Families without a model yet are left for the first ``resolve``; with ``train``,
    they are resolved from scratch now (all their entities, the model trained: the
    whole run is then ``resolve``'s).
    """
    wanted = set(entity_ids)

    def work(repo: StagedRepository, session: Any) -> RunSummary:
        # a new or changed phone, account or membership changes its holder's context
        people = set(wanted) | set(_related(session, registry, wanted))
        current = _mentions(session, registry, people)
        if train and any(repo.model(m.family) is None for m in current):
            return Resolver(repo, threads=threads).run(_mentions(session, registry),
                                                       related=_related(session, registry))
        current = [m for m in current if repo.model(m.family) is not None]
        gone = set(repo.mentions(wanted)) - {m.id for m in current}
        gone_families = {i: m.family for i, m in repo.mentions(gone).items()}
        resolver = Resolver(repo, threads=threads)
        # as in a full run: the things people hold first, then people with their context
        summary = resolver.update(
            [m for m in current if not FAMILIES[m.family].context],
            {i for i, f in gone_families.items() if not FAMILIES[f].context})
        persons = [m for m in current if FAMILIES[m.family].context]
        if persons:
            related = _related(session, registry)
            held = {thing for found in related.values() for _, thing, _ in found}
            persons = add_context(persons, related, repo.clusters_of(held))
        later = resolver.update(persons,
                                {i for i, f in gone_families.items() if FAMILIES[f].context})
        summary.families.update(later.families)
        summary.seconds += later.seconds
        return summary

    return _staged(store, work)


ATTEMPTS = 3
# Runs in one process (the API's and the serve worker's) take turns: they would only
# make each other start again. Runs of other processes are told apart by state_token.
_RUNS = threading.Lock()


def _staged(store: Store, work: Callable[[StagedRepository, Any], RunSummary]
            ) -> ResolveResult:
    with _RUNS:
        return _staged_once(store, work)


def _staged_once(store: Store, work: Callable[[StagedRepository, Any], RunSummary]
                 ) -> ResolveResult:
    for _ in range(ATTEMPTS):
        with store.unit_of_work(write=False) as uow:
            token = state_token(uow.session)
            staged = StagedRepository(SqlResolutionRepository(uow.session))
            run = work(staged, uow.session)
            if not staged.changed:
                return ResolveResult(run, staged.base.counts())
        with store.unit_of_work() as uow:
            if state_token(uow.session) != token:
                continue  # a judgement or another run wrote meanwhile: start again
            repo = SqlResolutionRepository(uow.session)
            staged.replay(repo)
            return ResolveResult(run, repo.counts())
    raise Conflict("the resolution tables kept changing during the run (other runs or "
                   "judgements at the same time); try again", where="resolve")


@dataclass(frozen=True)
class JudgeResult:
    record: JudgementRecord
    clusters: tuple[dict[str, Any], ...]  # the canonical entities now holding the pair
    ledger_index: int

    def to_dict(self) -> dict[str, Any]:
        return {"judgement": self.record.to_dict(), "canonical_entities": list(self.clusters),
                "ledger_index": self.ledger_index}


def judge(store: Store, a: str, b: str, judgement: str | Judgement, *, actor: str,
          reason: str = "", at: datetime | None = None) -> JudgeResult:
    """Record that ``a`` and ``b`` are the same / different / unsure, and re-cluster.

    ``InvalidValue`` for a bad verdict or an id judged against itself; ``NotFound``
    if an id is not a resolved entity; ``Conflict`` if other judgements rule it out.
    The judgement replaces any earlier one of the pair and is written to the ledger
    (ids and verdict; the reason only as a hash) in the same transaction.
    """
    verdict = Judgement.parse(judgement)
    if not isinstance(reason, str) or len(reason) > 2000:
        raise InvalidValue("the reason must be text of at most 2000 characters",
                           where="judgement: reason")
    record = JudgementRecord(Pair.of(a, b), verdict, actor=actor,
                             at=at or datetime.now(UTC), reason=reason.strip())
    with store.unit_of_work() as uow:
        repo = SqlResolutionRepository(uow.session)
        found = Resolver(repo).judge(record)
        hashes = {"reason": "sha256:" + hashlib.sha256(record.reason.encode()).hexdigest()}
        index = ledger.record(uow, LedgerEntry(
            Action.JUDGEMENT_MADE, actor=actor, subject=f"{record.pair.left}|{record.pair.right}",
            hashes=hashes if record.reason else {},
            details={"judgement": verdict.value, "left": record.pair.left,
                     "right": record.pair.right}, at=record.at))
        return JudgeResult(record, tuple(_summary(c) for c in found), index)


def _summary(cluster: Cluster) -> dict[str, Any]:
    return {"id": cluster.id, "family": cluster.family, "members": list(cluster.members),
            "size": cluster.size, "confidence": cluster.confidence}


# -- reading -------------------------------------------------------------------------------


def canonical_ids(store: Store, entity_ids: Iterable[str]) -> dict[str, str]:
    """``{entity id: canonical id}``; entities not (yet) resolved map to themselves."""
    wanted = set(entity_ids)
    with store.unit_of_work(write=False) as uow:
        found = SqlResolutionRepository(uow.session).clusters_of(wanted)
    return {i: found.get(i, i) for i in wanted}


def canonical_entities(store: Store, *, family: str | None = None, min_size: int = 2,
                       limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Canonical entities, largest first: id, family, size, confidence, members."""
    if family is not None and family not in FAMILIES:
        raise InvalidValue(f"unknown family {family!r} (choose {', '.join(FAMILIES)})",
                           where="family")
    if not 1 <= limit <= 1000:
        raise InvalidValue(f"limit must be from 1 to 1000, not {limit}", where="limit")
    with store.unit_of_work(write=False) as uow:
        repo = SqlResolutionRepository(uow.session)
        rows = repo.list_clusters(family=family, min_size=min_size, limit=limit,
                                  offset=offset)
        members = repo.members([r[0] for r in rows])
        mentions = repo.mentions({m for ms in members.values() for m in ms})
    return [{"id": cid, "family": fam, "size": size, "confidence": conf,
             "caption": _caption([mentions[m] for m in members.get(cid, []) if m in mentions]),
             "members": members.get(cid, [])} for cid, fam, size, conf in rows]


def _caption(mentions: list[Mention]) -> str:
    return best_name(m.caption for m in mentions)


CanonicalView = CanonicalPage  # the name this module used first


def canonical_entity(store: Store, some_id: str, *, registry: Registry,
                     reader: str | None = None, home: str | None = None,
                     include_received: bool = True) -> CanonicalPage:
    """The canonical entity ``some_id`` (a canonical id or any entity's id), with every
    mention's provenance, merged properties, link evidence and judgements
    (``canonical_view.canonical_page``). ``NotFound`` if it names neither."""
    return canonical_page(store, some_id, registry=registry, reader=reader, home=home,
                          include_received=include_received)


def explain(store: Store, a: str, b: str) -> dict[str, Any]:
    """The matcher's evidence on ``a`` and ``b``: each comparison's level and weight."""
    pair = Pair.of(a, b)
    with store.unit_of_work(write=False) as uow:
        repo = SqlResolutionRepository(uow.session)
        found = repo.mentions([pair.left, pair.right])
        for x in (pair.left, pair.right):
            if x not in found:
                raise NotFound(f"no resolved entity {x!r}", where="explain")
        link = repo.link(pair.left, pair.right)
        model = repo.model(found[pair.left].family)
        judged = repo.judgements().get(pair.left, pair.right)
        same = repo.clusters_of([pair.left, pair.right])
    body: dict[str, Any] = {
        "left": pair.left, "right": pair.right,
        "same_canonical_entity": len(same) == 2 and same[pair.left] == same[pair.right],
        "judgement": judged.value if judged else None, "threshold": model.threshold
        if model else None, "link": None}
    if link is not None and model is not None:
        names = [c["output_column_name"] for c in model.settings["comparisons"]]
        body["link"] = link.to_dict(names, model.labels())
        body["link"]["accepted"] = link.accepted(model.threshold)
    return body


def untrained_families(store: Store, *, growth: float = 2.0) -> list[str]:
    """Families whose model kept the priors (fewer than ``MIN_TRAIN`` mentions when it was
    made) and that have since grown ``growth`` times, or to ``MIN_TRAIN``: their prior
    (estimated on the mentions of that time) is worth estimating again."""
    with store.unit_of_work(write=False) as uow:
        repo = SqlResolutionRepository(uow.session)
        counts = repo.counts()
        models = repo.models()
    out = []
    for model in models:
        now = counts.get(model.family, {}).get("mentions", 0)
        if not model.trained and now > model.records and (
                now >= growth * max(model.records, 1) or now >= MIN_TRAIN):
            out.append(model.family)
    return out


def list_judgements(store: Store) -> list[JudgementRecord]:
    with store.unit_of_work(write=False) as uow:
        return list(SqlResolutionRepository(uow.session).judgements())
