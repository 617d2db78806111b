"""A node's network, read from its store: canonical entities tied by what its statements say.

``load_network`` reads, once each and in batches, the node's link statements
(calls, payments, associations, ownership, ...), the holders of phones and
accounts, and the memberships; maps every mention to its canonical entity with
the node's entity resolution; and builds a :class:`Network`
(``accord.analytics.network``) whose ties keep their statement ids and the
nodes that contributed them. Calls between lines and payments between accounts
become ties between the people who hold them.

Scope: ``own`` reads only the statements this node wrote (origin = the node);
``shared`` adds what partners released to it. The own picture is resolved on
its own material too: its mentions are clustered again with only the matcher's
links between own mentions (a partner's record that bridged two of our
mentions is not ours to use), with the node's models and judgements. Until
``accord resolve`` has run, every mention is its own entity, and the summary
says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from accord.adapters.store import Store
from accord.adapters.store import network_reads as reads
from accord.analytics.network.graph import Edge, EntityInfo, Network, TimeWindow, build_network
from accord.analytics.network.statements import (
    HOLDERS,
    cooccurrence_edges,
    edge_specs,
    edges_from_statements,
    holders,
)
from accord.domain.errors import InvalidValue, NotFound
from accord.domain.registry import Registry
from accord.domain.statement import Statement

if TYPE_CHECKING:
    from accord.adapters.store.resolution_repo import SqlResolutionRepository

Progress = Callable[[str], None]
COOCCURRENCE = "co-occurrence"
# Entities that are not ends of co-occurrence ties: positions of a track say nothing
# about who knows whom (links and memberships are ties of their own).
NOT_COOCCURRING = ("Membership", "Movement")
MAX_IDENTIFIERS = 10


class Scope(Enum):
    OWN = "own"  # this node's own statements only
    SHARED = "shared"  # its own and those received from partners

    @classmethod
    def parse(cls, value: str | Scope) -> Scope:
        if isinstance(value, Scope):
            return value
        try:
            return cls(value)
        except ValueError:
            raise InvalidValue(f"unknown scope {value!r} (own or shared)", where="scope") from None


@dataclass(frozen=True)
class NetworkOptions:
    """Which picture to build: scope, time window, kinds of tie, kinds of entity."""

    scope: Scope = Scope.SHARED
    since: date | None = None
    until: date | None = None
    kinds: frozenset[str] | None = None  # link schemata and/or "co-occurrence"
    schemata: frozenset[str] | None = None  # keep entities of these schemata (and narrower)
    cooccurrence: bool = False  # add weak ties between entities named in one report

    def check(self, registry: Registry) -> None:
        """``InvalidValue`` naming the first bad option."""
        if self.since and self.until and self.until < self.since:
            raise InvalidValue(f"until {self.until} is before since {self.since}",
                               where="until")
        known = set(edge_specs(registry)) | {COOCCURRENCE}
        for kind in sorted(self.kinds or ()):
            if kind not in known:
                raise InvalidValue(f"unknown kind of tie {kind!r} (one of "
                                   f"{', '.join(sorted(known))})", where="kind")
        for name in sorted(self.schemata or ()):
            if name not in registry:
                raise InvalidValue(f"unknown schema {name!r}", where="schema")

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope.value,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "kinds": sorted(self.kinds) if self.kinds is not None else None,
                "schemata": sorted(self.schemata) if self.schemata is not None else None,
                "cooccurrence": self.cooccurrence}


@dataclass
class NodeNetwork:
    """The network of one node's picture, and how its vertices map back to mentions."""

    network: Network
    home: str
    options: NetworkOptions
    resolution: str  # "resolver", "resolver, own mentions only" or "identity"
    note: str | None  # what the analyst should know about the resolution used
    canonical: dict[str, str]  # mention id (also phones, accounts) -> vertex id
    members: dict[str, tuple[str, ...]]  # vertex id -> its mentions in scope
    origins: dict[str, str]  # mention id -> the node whose statement named it first
    subjects: tuple[str, ...]  # vertices named as members of an organisation
    statements: int  # statements read
    received: list[Statement] = field(default_factory=list, repr=False)  # partners' ones used

    def vertex(self, some_id: str) -> str:
        """The vertex of a canonical id or of any mention id; ``NotFound`` names it."""
        if some_id in self.network:
            return some_id
        found = self.canonical.get(some_id)
        if found is not None and found in self.network:
            return found
        raise NotFound(f"entity {some_id!r} is not in this network ({self.options.scope.value} "
                       f"scope, {self.network.n} entities): check the id, the scope and the "
                       "time window", where="entity")

    def label(self, vertex: str) -> str:
        return self.network.entity(vertex).label or vertex

    def summary(self) -> dict[str, Any]:
        ties_by_origin: Counter[str] = Counter()
        for e in range(self.network.m):
            ties_by_origin.update(self.network.tie_nations(e))
        return {"home": self.home, **self.options.to_dict(), "resolution": self.resolution,
                "note": self.note, "entities": self.network.n, "ties": self.network.m,
                "statements": self.statements, "received_statements": len(self.received),
                "subjects": len(self.subjects),
                "ties_by_origin": dict(sorted(ties_by_origin.items()))}


def load_network(store: Store, registry: Registry, *, home: str,
                 options: NetworkOptions | None = None,
                 progress: Progress | None = None) -> NodeNetwork:
    """The node's network (see the module docstring). ``home`` is this node's id.

    ``InvalidValue`` for a bad option (see :meth:`NetworkOptions.check`).
    """
    options = options or NetworkOptions()
    options.check(registry)
    say = progress or (lambda _step: None)
    specs = edge_specs(registry)
    end_props = {p for pair in specs.values() for p in pair}
    origin = home if options.scope is Scope.OWN else None
    with store.unit_of_work(write=False) as uow:
        bind = uow.session
        say("reading links, holders and memberships")
        links = list(reads.statements_of_schemata(bind, specs, origin=origin))
        held = list(reads.statements_of_schemata(bind, HOLDERS, props={"holder"},
                                                 origin=origin))
        memberships = list(reads.statements_of_schemata(bind, ["Membership"], origin=origin))
        orgs = _memberships(memberships)
        say("mapping mentions to canonical entities")
        canon = Canonical(bind, options.scope, home)
        canon.add({st.value for st in links if st.prop in end_props}
                  | {st.entity_id for st in held} | {st.value for st in held}
                  | set(orgs) | {o for os_, _ in orgs.values() for o in os_})
        vertex_of = _through_holders(held, canon.map)
        edges = edges_from_statements(links, specs, canonical=vertex_of)
        read = len(links) + len(held) + len(memberships)
        if options.cooccurrence:
            say("reading reports for co-occurrence")
            co, count = _cooccurrence(bind, registry, specs, origin, canon, vertex_of)
            edges += co
            read += count
        say("describing entities")
        vertices = {v for e in edges for v in (e.source, e.target)}
        wanted = {m for v in vertices for m in canon.members.get(v, (v,))}
        wanted |= {st.entity_id for st in held if vertex_of.get(st.entity_id) in vertices}
        wanted |= {o for m, (os_, _) in orgs.items() for o in os_
                   if vertex_of.get(m, m) in vertices}
        infos, origins, count = _describe(bind, registry, wanted, origin, canon.members,
                                          vertex_of, orgs, specs)
        read += count
    kept = _filter(edges, options, registry, infos)
    used = {v for e in kept for v in (e.source, e.target)}
    say(f"building the network ({len(kept):,} edges)")
    net = build_network(kept, [infos[v] for v in sorted(used) if v in infos])
    subjects = tuple(sorted({vertex_of.get(m, m) for m in orgs} & used))
    received = [st for st in (*links, *held, *memberships) if st.origin != home]
    return NodeNetwork(net, home, options, canon.how, canon.note, vertex_of,
                       {v: canon.members.get(v, (v,)) for v in used}, origins, subjects, read,
                       received)


class Canonical:
    """Mention -> canonical id as the node's resolution says, for the scope's mentions.

    ``how`` and ``note`` say which resolution was used. Mentions the resolver has
    not seen (all of them before ``accord resolve``) map to themselves.
    """

    def __init__(self, bind: Session, scope: Scope, home: str) -> None:
        from accord.adapters.store.resolution_repo import SqlResolutionRepository

        self.map: dict[str, str] = {}
        self.members: dict[str, tuple[str, ...]] = {}
        self._repo: SqlResolutionRepository | None = None
        self.note: str | None = None
        if not reads.resolution_has_run(bind):
            self.how = "identity"
            self.note = ("entity resolution has not been run on this node: every mention is "
                         "its own entity (run 'accord resolve' to merge them)")
        elif scope is Scope.SHARED:
            self.how = "resolver"
            self._repo = SqlResolutionRepository(bind)
        else:
            self.how = "resolver, own mentions only"
            self.note = ("own mentions clustered again with the matcher's links between own "
                         "mentions only (a partner's record bridges nothing here)")
            self._own(SqlResolutionRepository(bind), reads.resolved_mentions_of(bind, home))

    def add(self, mentions: Collection[str]) -> None:
        """Look up (shared scope) the canonical entities of ``mentions`` and their members."""
        if self._repo is None:
            return
        found = self._repo.clusters_of([m for m in mentions if m not in self.map])
        self.map.update(found)
        fresh = set(found.values()) - set(self.members)
        self.members.update({c: tuple(ms) for c, ms in self._repo.members(fresh).items()})

    def _own(self, repo: SqlResolutionRepository, own: list[str]) -> None:
        from accord.analytics.resolve.cluster import cluster

        mentions = repo.mentions(own)
        links = [lk for lk in repo.links_touching(own)
                 if lk.left in mentions and lk.right in mentions]
        judgements = repo.judgements()
        for family in sorted({m.family for m in mentions.values()}):
            model = repo.model(family)
            if model is None:
                continue
            ids = [i for i, m in mentions.items() if m.family == family]
            found = cluster(ids, [lk for lk in links if lk.family == family], judgements,
                            family=family, threshold=model.threshold,
                            identity={i: mentions[i].identity() for i in ids})
            for c in found.clusters:
                self.members[c.id] = tuple(sorted(c.members))
                self.map.update(dict.fromkeys(c.members, c.id))


def _through_holders(held: Iterable[Statement], canon: Mapping[str, str]) -> dict[str, str]:
    """Mention -> vertex: canonical ids, with phones and accounts replaced by their holder."""
    by_item = holders(held, canonical=canon)
    holder_of: dict[str, str] = {}
    for item, holder in by_item.items():
        key = canon.get(item, item)  # two mentions of one line: one holder for both
        if key not in holder_of or holder < holder_of[key]:
            holder_of[key] = holder
    out = dict(canon)
    for item in by_item:
        out[item] = holder_of[canon.get(item, item)]
    for mention, c in canon.items():
        if c in holder_of:
            out[mention] = holder_of[c]
    return out


def _memberships(statements: Iterable[Statement]) -> dict[str, tuple[list[str], list[str]]]:
    """Member mention -> (organisation mentions, roles), from Membership link entities."""
    links: dict[str, dict[str, list[str]]] = {}
    for st in statements:
        links.setdefault(st.entity_id, {}).setdefault(st.prop, []).append(st.value)
    out: dict[str, tuple[list[str], list[str]]] = {}
    for props in links.values():
        for member in props.get("member", []):
            orgs, roles = out.setdefault(member, ([], []))
            orgs += props.get("organization", [])
            roles += props.get("role", [])
    return out


def _cooccurrence(bind: Session, registry: Registry, specs: Collection[str],
                  origin: str | None, canon: Canonical,
                  vertex_of: dict[str, str]) -> tuple[list[Edge], int]:
    """Co-occurrence edges, reading each report's first statement about each entity."""
    skip = set(specs) | set(NOT_COOCCURRING)
    first: dict[tuple[str, str, str], Statement] = {}
    count = 0
    for st in reads.statements_of_schemata(
            bind, [s.name for s in registry if not s.abstract and s.name not in skip],
            origin=origin):
        count += 1
        first.setdefault((st.origin, st.report_id, st.entity_id), st)
    canon.add({e for (_, _, e) in first})
    for mention, c in canon.map.items():
        vertex_of.setdefault(mention, c)
    return cooccurrence_edges(first.values(), canonical=vertex_of), count


def _describe(bind: Session, registry: Registry, wanted: set[str], origin: str | None,
              members: Mapping[str, tuple[str, ...]], vertex_of: Mapping[str, str],
              orgs: Mapping[str, tuple[list[str], list[str]]], specs: Collection[str]
              ) -> tuple[dict[str, EntityInfo], dict[str, str], int]:
    """EntityInfo per vertex from its mentions' statements (and its lines' and accounts').

    Also returns the node that first named each mention, and the statements read.
    """
    org_ids = {o for os_, _ in orgs.values() for o in os_}
    org_names: dict[str, Counter[str]] = {}
    names: dict[str, Counter[str]] = {}
    schemata: dict[str, Counter[str]] = {}
    countries: dict[str, Counter[str]] = {}
    idents: dict[str, set[str]] = {}
    origins: dict[str, str] = {}
    count = 0
    for st in reads.statements_of_entities(bind, wanted, origin=origin,
                                           exclude_schemata=[*specs, "Membership"]):
        count += 1
        origins.setdefault(st.entity_id, st.origin)
        if st.entity_id in org_ids and st.prop == "name":
            org_names.setdefault(st.entity_id, Counter())[st.value] += 1
        schema = registry.schemata.get(st.schema)
        prop = schema.properties.get(st.prop) if schema else None
        if prop is None:
            continue
        v = vertex_of.get(st.entity_id, st.entity_id)
        if prop.strong:
            idents.setdefault(v, set()).add(st.value)
        if st.entity_id != v and st.entity_id not in members.get(v, ()):
            continue  # a line or account of the holder: only its identifiers are the holder's
        schemata.setdefault(v, Counter())[st.schema] += 1
        if st.prop == "name":
            names.setdefault(v, Counter())[st.value] += 1
        elif prop.type.name == "country":
            countries.setdefault(v, Counter())[st.value] += 1
    roles: dict[str, Counter[str]] = {}
    organisations: dict[str, Counter[str]] = {}
    for member, (os_, rs) in orgs.items():
        v = vertex_of.get(member, member)
        for o in os_:
            label = _top(org_names.get(o)) or vertex_of.get(o, o)
            organisations.setdefault(v, Counter())[label] += 1
        roles.setdefault(v, Counter()).update(rs)
    out: dict[str, EntityInfo] = {}
    for v in set(schemata) | set(idents) | set(organisations):
        ids = tuple(sorted(idents.get(v, ())))
        out[v] = EntityInfo(v, label=_top(names.get(v)) or (ids[0] if ids else ""),
                            schema=_top(schemata.get(v)) or "",
                            organisation=_top(organisations.get(v)), role=_top(roles.get(v)),
                            country=_top(countries.get(v)),
                            identifiers=ids[:MAX_IDENTIFIERS])
    return out, origins, count


def _top(counts: Counter[str] | None) -> str | None:
    """The most frequent value (the smallest on ties), None if there is none."""
    if not counts:
        return None
    return min(counts, key=lambda k: (-counts[k], k))


def _filter(edges: list[Edge], options: NetworkOptions, registry: Registry,
            infos: Mapping[str, EntityInfo]) -> list[Edge]:
    window = TimeWindow(options.since, options.until) if options.since or options.until else None
    allowed: set[str] | None = None
    if options.schemata is not None:
        allowed = {d.name for s in options.schemata for d in registry.descendants(s)}

    def keep(e: Edge) -> bool:
        if options.kinds is not None and e.kind not in options.kinds:
            return False
        if window is not None and not window.admits(e):
            return False
        if allowed is not None:
            return all((infos[v].schema if v in infos else "") in allowed
                       for v in (e.source, e.target))
        return True

    return [e for e in edges if keep(e)]
