"""Canonical entities as analysts read them: every mention with its provenance and why.

``canonical_page(store, some_id)`` gives the canonical entity named by its id
(``ce-...``) or by any of its mentions' ids: each mention (an entity of one of
this node's reports or of a partner's) with its statements and where they come
from — own or received, the originating node, the report, its markings
(handling code, TLP...), grading and, for received material, the agreement it
arrived under — the merged properties (each value with its sources), the links
that hold the cluster together with the evidence for each (which comparisons
agreed, at which level, with what weight; shared strong identifiers) and the
analysts' judgements. An entity that is not resolved (never run, or a schema
that is not resolved) is its own canonical entity of one mention.

``entity_page`` is the entity view (``accord show``, ``GET /entities/{id}``): the
mention as before, plus its canonical entity.

Who sees what: a caller that may not read material received from partners
(``include_received=False``) sees neither those mentions nor the links and
judgements that involve them, and the caption, size and merged properties are
made from the rest. Reading partners' material through these views is
recorded in the ledger before it is returned (``material_reads``), once per view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from accord.adapters.store import Store
from accord.adapters.store.resolution_repo import SqlResolutionRepository, origins_of
from accord.domain.entity import Entity
from accord.domain.errors import NotFound
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.domain.statement import Statement
from accord.domain.users import Role
from accord.services.entities import EntityView, get_entity, statement_dict
from accord.services.material_reads import record_reads
from accord.services.users import Action, allowed

MAX_SOURCES = 50  # sources listed per merged value


def may_read_received(role: Role) -> bool:
    """Whether a user of ``role`` may see material received from partners: those who may
    read entities (``Action.READ``: the rule ``GET /entities/{id}`` enforces)."""
    return allowed(role, Action.READ)


def best_name(captions: Iterable[str]) -> str:
    """The caption most mentions share (ties: the alphabetically first)."""
    counts = Counter(c for c in captions if c)
    return min(counts, key=lambda c: (-counts[c], c)) if counts else ""


@dataclass(frozen=True)
class CanonicalPage:
    """One canonical entity (see the module docstring); ``to_dict`` is the JSON shape."""

    id: str
    family: str | None
    resolved: bool
    confidence: float
    caption: str
    members: tuple[dict[str, Any], ...]
    properties: dict[str, list[dict[str, Any]]]
    links: tuple[dict[str, Any], ...]
    judgements: tuple[dict[str, Any], ...]
    hidden: int  # mentions the reader may not see
    statements: tuple[Statement, ...]  # what is shown (for the ledger), not serialised

    def to_dict(self) -> dict[str, Any]:
        own = sum(1 for m in self.members if not m["received"])
        return {"id": self.id, "family": self.family, "resolved": self.resolved,
                "caption": self.caption, "confidence": self.confidence,
                "size": len(self.members), "own_mentions": own,
                "received_mentions": len(self.members) - own, "hidden_mentions": self.hidden,
                "origins": sorted({o for m in self.members for o in m["origins"]}),
                "members": list(self.members), "properties": self.properties,
                "links": list(self.links), "judgements": list(self.judgements)}


def canonical_page(store: Store, some_id: str, *, registry: Registry,
                   reader: str | None = None, home: str | None = None,
                   include_received: bool = True) -> CanonicalPage:
    """The canonical entity of ``some_id`` (a canonical id or any entity id).

    ``NotFound`` if it names neither a canonical entity nor an entity of this node
    (nor one the reader may see). ``home`` is this node's id (what is "own");
    with ``reader``, a read of partners' material is ledgered before returning.
    """
    page = _build(store, some_id, registry=registry, home=home,
                  include_received=include_received)
    record_reads(store, reader=reader, home=home, subject=f"canonical/{page.id}",
                 statements=page.statements)
    return page


def entity_page(store: Store, entity_id: str, *, registry: Registry,
                include_retracted: bool = False, reader: str | None = None,
                home: str | None = None, include_received: bool = True) -> dict[str, Any]:
    """The entity ``entity_id`` (as ``get_entity``) with ``"canonical"``: its canonical entity.

    A canonical id gives ``{"id", "kind": "canonical", "canonical"}``; an entity
    ``{..., "kind": "entity", "canonical"}``. ``NotFound`` as ``get_entity`` (also
    for a received entity the reader may not see). One ledger record for the view.
    """
    try:
        view = get_entity(store, entity_id, registry=registry,
                          include_retracted=include_retracted)
    except NotFound:
        if not _is_canonical_id(store, entity_id):
            raise
        whole = canonical_page(store, entity_id, registry=registry, reader=reader, home=home,
                               include_received=include_received)
        return {"id": whole.id, "kind": "canonical", "canonical": whole.to_dict()}
    shown = list(view.statements)
    if not include_received and home is not None:
        shown = [s for s in shown if s.origin == home]
        if not shown:
            raise NotFound(f"no entity {entity_id!r} in this node", where="entity")
    try:
        page: CanonicalPage | None = _build(store, entity_id, registry=registry, home=home,
                                            include_received=include_received)
    except NotFound:  # only in retracted reports (include_retracted): in no canonical entity
        page = None
    used = {s.report_id for s in shown}
    body = EntityView(Entity.from_statements(registry, shown),
                      tuple(r for r in view.reports if r.id in used)).to_dict()
    record_reads(store, reader=reader, home=home, subject=f"entity/{entity_id}",
                 statements=_unique([*shown, *(page.statements if page else ())]))
    return {**body, "kind": "entity", "canonical": page.to_dict() if page else None}


def _is_canonical_id(store: Store, some_id: str) -> bool:
    with store.unit_of_work(write=False) as uow:
        return bool(SqlResolutionRepository(uow.session).cluster_rows([some_id]))


def _unique(statements: Iterable[Statement]) -> list[Statement]:
    return list({s.id: s for s in statements}.values())


# -- building ------------------------------------------------------------------------------


def _build(store: Store, some_id: str, *, registry: Registry, home: str | None,
           include_received: bool) -> CanonicalPage:
    with store.unit_of_work(write=False) as uow:
        repo = SqlResolutionRepository(uow.session)
        cid = repo.clusters_of([some_id]).get(some_id)
        if cid is None and repo.cluster_rows([some_id]):
            cid = some_id
        row = repo.cluster_rows([cid]).get(cid) if cid is not None else None
        if cid is None or row is None:  # not resolved: its own canonical entity
            cid, row, member_ids = some_id, None, [some_id]
        else:
            member_ids = repo.members([cid]).get(cid, [])
        statements = uow.statements.for_entities(member_ids)
        if row is None and not statements.get(some_id):
            raise NotFound(f"no canonical entity or entity {some_id!r} in this node; check "
                           "the id", where="canonical")
        report_ids = {s.report_id for group in statements.values() for s in group}
        reports = uow.reports.get_many(report_ids)
        holds = uow.inbox.held_many(report_ids)
        links, judged, names, labels, threshold = [], [], [], {}, None
        if row is not None:
            model = repo.model(row["family"])
            if model is not None:
                names = [c["output_column_name"] for c in model.settings["comparisons"]]
                labels, threshold = model.labels(), model.threshold
            links = [lk for lk in (repo.link(a, b) for a, b in row["links"]) if lk is not None]
            judged = [r for r in repo.judgements()
                      if r.pair.left in member_ids or r.pair.right in member_ids]
        others = {x for r in judged for x in (r.pair.left, r.pair.right)} - set(member_ids)
        other_origins = origins_of(uow.session, others) if others else {}
        stale = set(repo.mentions([m for m in member_ids if not statements.get(m)]))

    def mine(s: Statement) -> bool:
        return include_received or home is None or s.origin == home

    visible: dict[str, list[Statement]] = {}
    hidden = 0
    for member in member_ids:
        shown = [s for s in statements.get(member, []) if mine(s)]
        if shown or (member in stale and include_received):
            visible[member] = shown
        else:
            hidden += 1
    if not visible or (some_id != cid and some_id not in visible):
        raise NotFound(f"no canonical entity or entity {some_id!r} in this node; check the "
                       "id", where="canonical")
    members = tuple(_member(registry, m, visible[m], reports, holds, home) for m in visible)

    def seen(x: str) -> bool:
        if x in visible:
            return True
        if x in member_ids:
            return False
        return include_received or home is None or home in other_origins.get(x, set())

    return CanonicalPage(
        id=cid, family=row["family"] if row else None, resolved=row is not None,
        confidence=float(row["confidence"]) if row else 1.0,
        caption=best_name(m["caption"] for m in members if not m.get("stale")),
        members=members,
        properties=_merged([s for group in visible.values() for s in group], home),
        links=tuple({**lk.to_dict(names, labels),
                     "accepted": lk.accepted(threshold) if threshold is not None else True}
                    for lk in links if lk.left in visible and lk.right in visible),
        judgements=tuple(r.to_dict() for r in judged
                         if seen(r.pair.left) and seen(r.pair.right)),
        hidden=hidden,
        statements=tuple(s for group in visible.values() for s in group))


def _member(registry: Registry, entity_id: str, statements: list[Statement],
            reports: Mapping[str, Report], holds: Mapping[str, Any],
            home: str | None) -> dict[str, Any]:
    if not statements:  # retracted or purged since the last resolution
        return {"id": entity_id, "schema": None, "caption": entity_id, "stale": True,
                "received": False, "origins": [], "markings": None, "reports": [],
                "statements": []}
    entity = Entity.from_statements(registry, statements)
    origins = sorted({s.origin for s in statements})
    used = sorted({s.report_id for s in statements})
    return {
        "id": entity_id, "schema": entity.schema, "caption": entity.caption, "stale": False,
        "received": home is not None and any(o != home for o in origins),
        "origins": origins, "markings": entity.marking.to_dict(),
        "gradings": sorted({s.grading.code for s in statements if s.grading is not None}),
        "reports": [_report(reports[r], holds.get(r), home) for r in used if r in reports],
        "statements": [statement_dict(s) for s in statements],
    }


def _report(report: Report, held: Any, home: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": report.id, "title": report.title, "origin": report.origin,
        "version": report.version, "status": report.status.value,
        "received": home is not None and report.origin != home,
        "markings": report.marking.to_dict(),
        "grading": report.grading.to_dict() if report.grading else None}
    if held is not None:
        out["agreement"] = held.agreement_id
        out["sender"] = held.sender
        out["received_at"] = held.received.isoformat()
    return out


def _merged(statements: Iterable[Statement], home: str | None
            ) -> dict[str, list[dict[str, Any]]]:
    by_value: dict[tuple[str, str], list[Statement]] = {}
    for s in statements:
        by_value.setdefault((s.prop, s.value), []).append(s)
    out: dict[str, list[dict[str, Any]]] = {}
    for (prop, value), group in sorted(by_value.items(),
                                       key=lambda item: (item[0][0], -len(item[1]),
                                                         item[0][1])):
        group.sort(key=lambda s: (s.entity_id, s.report_id, s.id))
        out.setdefault(prop, []).append({
            "value": value, "mentions": len({s.entity_id for s in group}),
            "sources": [{"entity_id": s.entity_id, "report_id": s.report_id,
                         "origin": s.origin,
                         "received": home is not None and s.origin != home,
                         "markings": s.marking.to_dict(),
                         "grading": s.grading.to_dict() if s.grading else None}
                        for s in group[:MAX_SOURCES]]})
    return out
