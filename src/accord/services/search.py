"""Search: names across spellings and scripts, identifiers whatever their formatting.

A query is looked up two ways at once:

- **names**: each query token must match a name of the entity, either exactly
  (ASCII-folded: accents and case do not matter) or as a spelling variant
  (``name_keys`` skeletons: Joaquin / Хоакин / Khoakin), in any order;
- **identifiers**: if the query reads as a phone number, IBAN, IMO, MMSI,
  e-mail or document number, entities holding exactly that identifier are hits
  (``0057 3001234567`` finds ``+57 300 123 4567``).

The store finds candidates (FTS5 on SQLite, tsvector on PostgreSQL, both
matching keys exactly); ranking happens here, the same on both stores:
identifier hits score 1.0; a name hit scores by how many query tokens matched
exactly rather than as variants, and how much of the name the query covers.
Retracted reports are left out unless ``include_retracted``.

``search_canonical`` groups the hits by canonical entity (``accord resolve``):
each group gives the canonical id, family, confidence, how many mentions it
joins, its best name and the mentions that matched; an entity not resolved is a
group of its own. Every hit carries its ``canonical_id``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from accord.adapters.store import Store
from accord.adapters.store.search_index import Candidate
from accord.domain.entity import Entity
from accord.domain.errors import InvalidValue
from accord.domain.registry import Registry, load_registry
from accord.domain.values import identifier_key, name_keys, name_tokens, token_keys, types
from accord.services.ingest_write import identifier_index_key

MAX_LIMIT = 1000
MAX_QUERY = 500
_EXACT, _VARIANT, _REPEAT = 1.0, 0.6, 0.3


@dataclass(frozen=True)
class SearchHit:
    entity_id: str
    schema: str
    caption: str
    score: float
    matched: str  # "name" or "identifier"
    value: str  # the stored value that matched
    canonical_id: str = ""  # its canonical entity (``search_canonical``); itself if unresolved

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def search(
    store: Store,
    query: str,
    *,
    limit: int = 20,
    schema: str | None = None,
    registry: Registry | None = None,
    country: str | None = None,
    include_retracted: bool = False,
) -> list[SearchHit]:
    """The best ``limit`` entities for ``query``, best first (ties by entity id).

    ``schema`` keeps only entities of that schema or its descendants (``LegalEntity``
    finds people and companies); ``country`` reads national phone numbers.
    Raises ``InvalidValue`` for an empty or overlong query or a limit out of 1..1000,
    ``SchemaError`` for an unknown schema.
    """
    text = " ".join(query.split())
    if not text:
        raise InvalidValue("the search query is empty", where="query")
    if len(text) > MAX_QUERY:
        raise InvalidValue(f"the search query is longer than {MAX_QUERY} characters",
                           where="query")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}, not {limit}",
                           where="limit")
    registry = registry or load_registry()
    schemata = None
    if schema is not None:
        schemata = [s.name for s in registry.descendants(registry.get(schema).name)]
    tokens = name_tokens(text)
    id_keys = query_identifier_keys(text, country=country)
    wanted = max(limit * 10, 200)
    best: dict[str, tuple[float, str, str]] = {}
    with store.unit_of_work(write=False) as uow:
        if tokens:
            groups = [name_keys(t) for t in dict.fromkeys(tokens)]
            for cand in uow.search.names(groups, limit=wanted,
                                         schemata=schemata,
                                         include_retracted=include_retracted):
                score = name_score(tokens, cand.value)
                if score > 0:
                    _keep(best, cand, score, "name")
        for cand in uow.search.identifiers(id_keys, limit=wanted, schemata=schemata,
                                           include_retracted=include_retracted):
            _keep(best, cand, 1.0, "identifier")
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        statements = uow.statements.for_entities(
            [entity_id for entity_id, _ in ranked], include_retracted=include_retracted)
    hits = []
    for entity_id, (score, matched, value) in ranked:
        entity = Entity.from_statements(registry, statements[entity_id])
        hits.append(SearchHit(entity_id=entity_id, schema=entity.schema, caption=entity.caption,
                              score=score, matched=matched, value=value))
    return hits


@dataclass(frozen=True)
class CanonicalHit:
    """The hits of one canonical entity, with what the node knows of it."""

    canonical_id: str
    family: str | None
    resolved: bool
    confidence: float
    caption: str  # its best name (the caption most of its mentions share)
    size: int  # its mentions (those the reader may see)
    score: float  # its best hit's
    hits: tuple[SearchHit, ...]
    mentions: tuple[str, ...]  # the first MAX_MENTIONS of its mentions' ids

    def to_dict(self) -> dict[str, Any]:
        return {"canonical_id": self.canonical_id, "family": self.family,
                "resolved": self.resolved, "confidence": self.confidence,
                "caption": self.caption, "size": self.size, "score": self.score,
                "hits": [h.to_dict() for h in self.hits], "mentions": list(self.mentions)}


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[SearchHit, ...]
    canonical: tuple[CanonicalHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "hits": [h.to_dict() for h in self.hits],
                "canonical": [c.to_dict() for c in self.canonical]}


MAX_MENTIONS = 50


def search_canonical(store: Store, query: str, *, limit: int = 20, schema: str | None = None,
                     registry: Registry | None = None, country: str | None = None,
                     home: str | None = None, include_received: bool = True) -> SearchResult:
    """``search``, each hit with its canonical id, and the hits grouped by canonical entity
    (best group first). With ``include_received=False`` (and ``home``, this node's id),
    entities only partners' material names are neither hits nor counted in a group,
    and a group's name is made from this node's own mentions."""
    # resolution's modules load the analytics libraries: only when grouping is asked for
    from accord.adapters.store.resolution_repo import SqlResolutionRepository, origins_of
    from accord.services.canonical_view import best_name

    wide = limit if include_received or home is None else min(limit * 3, MAX_LIMIT)
    hits = search(store, query, limit=wide, schema=schema, registry=registry,
                  country=country)
    with store.unit_of_work(write=False) as uow:
        repo = SqlResolutionRepository(uow.session)
        hidden: set[str] = set()
        if not include_received and home is not None:
            seen = origins_of(uow.session, [h.entity_id for h in hits])
            hits = [h for h in hits if home in seen.get(h.entity_id, set())][:limit]
        canon = repo.clusters_of([h.entity_id for h in hits])
        rows = repo.cluster_rows(set(canon.values()))
        members = repo.members(set(rows))
        every = {m for ms in members.values() for m in ms}
        captions = {i: m.caption for i, m in repo.mentions(every).items()}
        if not include_received and home is not None:
            mine = origins_of(uow.session, every)
            hidden = {m for m in every if home not in mine.get(m, set())}
    hits = [replace(h, canonical_id=canon.get(h.entity_id, h.entity_id)) for h in hits]
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.canonical_id, []).append(hit)
    out = []
    for cid, found in groups.items():
        row = rows.get(cid)
        if row is None:
            out.append(CanonicalHit(cid, None, False, 1.0, found[0].caption, 1,
                                    found[0].score, tuple(found), (found[0].entity_id,)))
            continue
        visible = [m for m in members.get(cid, []) if m not in hidden]
        out.append(CanonicalHit(
            cid, row["family"], True, float(row["confidence"]),
            best_name(captions.get(m, "") for m in visible) or found[0].caption,
            len(visible), max(h.score for h in found), tuple(found),
            tuple(visible[:MAX_MENTIONS])))
    out.sort(key=lambda g: (-g.score, g.canonical_id))
    return SearchResult(query, tuple(hits), tuple(out))


def query_identifier_keys(text: str, *, country: str | None = None) -> list[str]:
    """The identifier-index keys ``text`` could be, one per identifier type that accepts it."""
    keys = []
    for value_type in types().values():
        if not value_type.identifier:
            continue
        try:
            key = identifier_key(value_type.name, text, country=country)
        except InvalidValue:
            continue
        if key:
            keys.append(identifier_index_key(value_type.name, key))
    return keys


def name_score(query_tokens: list[str], name: str) -> float:
    """How well ``name`` matches the query's tokens: 0 (some token is missing) to 1.

    Each query token takes a token of the name not taken yet: the same token
    counts 1, a spelling variant 0.6 (one of their outlines, ``token_keys``,
    is shared: Hernandez / Эрнандес, Jorge / Хорхе); a query token repeated
    more often than the name has it counts 0.3 (``jimenez jimenez elena``
    prefers Elena Jiménez Jiménez to Elena Jiménez). The score is 0.7 x the
    mean of those plus 0.3 x the share of the name's tokens the query took.
    """
    tokens = name_tokens(name)
    if not tokens or not query_tokens:
        return 0.0
    outlines = [token_keys(t) - {t} for t in tokens]
    free = [True] * len(tokens)
    total = 0.0
    for token in query_tokens:
        exact = [i for i, t in enumerate(tokens) if t == token]
        mine = set() if token.isdigit() else token_keys(token) - {token}
        variant = [i for i, theirs in enumerate(outlines) if mine & theirs]
        chosen = next((i for i in exact if free[i]), None)
        weight = _EXACT
        if chosen is None:
            chosen, weight = next((i for i in variant if free[i]), None), _VARIANT
        if chosen is None:
            if not exact and not variant:
                return 0.0
            total += _REPEAT
            continue
        free[chosen] = False
        total += weight
    coverage = free.count(False) / len(tokens)
    return round(0.7 * total / len(query_tokens) + 0.3 * coverage, 4)


def _keep(best: dict[str, tuple[float, str, str]], cand: Candidate, score: float,
          matched: str) -> None:
    if cand.entity_id not in best or best[cand.entity_id][0] < score:
        best[cand.entity_id] = (score, matched, cand.value)
