"""Network analysis on a node's picture: key players, brokers, cells, disruption, paths.

Each use case loads the node's network (``network_load.load_network``: canonical
entities, own or shared scope, time window and filters), runs one analysis of
``accord.analytics.network`` and returns a :class:`NetworkAnswer` whose
``to_dict()`` is what the CLI's ``--json`` and the API return: ``network`` (what
was analysed: scope, resolution used, entities, ties, contributing nodes) plus
the result, each entity with its label, schema, organisation and mentions.

The *focus* of key players, brokers and disruption: explicit ``subjects``
(canonical or mention ids) when given; otherwise (``focus="auto"``) the people
the node's material names as members of an organisation, or the network's
2-core when it names none; ``"members"`` and ``"core"`` force one of the two.

When ``reader`` is given (the user) the partners' statements the answer rests on
are recorded in the ledger as a read before the answer is returned (see
``material_reads``): the whole picture for rankings, cells and exports, the
ties shown for paths and ego networks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.adapters.store import Store
from accord.adapters.store.network_reads import statements_by_id
from accord.analytics.network import export as exp
from accord.analytics.network import paths as pth
from accord.analytics.network.graph import Tie
from accord.domain.errors import InvalidValue
from accord.domain.registry import Registry
from accord.domain.statement import Statement
from accord.services.material_reads import record_reads
from accord.services.network_load import (
    NetworkOptions,
    NodeNetwork,
    Progress,
    load_network,
)

FOCI = ("auto", "members", "core")
FORMATS = ("graphml", "gexf")
MAX_MENTIONS = 20  # mentions listed per entity


@dataclass(frozen=True)
class NetworkAnswer:
    """One analysis: what was analysed (``network``) and what came out (``result``)."""

    operation: str
    network: dict[str, Any]
    result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "network": self.network, **self.result}


@dataclass(frozen=True)
class Request:
    """What every analysis needs: the node, the picture, who asks (for the ledger)."""

    store: Store
    registry: Registry
    home: str
    options: NetworkOptions = NetworkOptions()
    reader: str | None = None
    progress: Progress | None = None

    def load(self) -> NodeNetwork:
        return load_network(self.store, self.registry, home=self.home, options=self.options,
                            progress=self.progress)

    def say(self, step: str) -> None:
        if self.progress is not None:
            self.progress(step)

    def answer(self, nn: NodeNetwork, operation: str, result: dict[str, Any],
               used: Iterable[Statement] | None = None) -> NetworkAnswer:
        record_reads(self.store, reader=self.reader, home=self.home,
                     subject=f"network/{operation}",
                     statements=nn.received if used is None else used)
        summary = nn.summary()
        return NetworkAnswer(operation, summary, result)


def entity_dict(nn: NodeNetwork, vertex: str) -> dict[str, Any]:
    """An entity as answers show it: id, label, schema, organisation, role, mentions."""
    info = nn.network.entity(vertex)
    mentions = nn.members.get(vertex, (vertex,))
    return {"id": vertex, "label": info.label or vertex, "schema": info.schema,
            "organisation": info.organisation, "role": info.role, "country": info.country,
            "identifiers": list(info.identifiers),
            "mentions": [{"id": m, "origin": nn.origins.get(m)}
                         for m in mentions[:MAX_MENTIONS]],
            "mention_count": len(mentions)}


def _focus(nn: NodeNetwork, subjects: Sequence[str] | None, focus: str
           ) -> tuple[list[str] | None, str]:
    """(subject vertices or None for the 2-core, what the focus is)."""
    if focus not in FOCI:
        raise InvalidValue(f"unknown focus {focus!r} (one of {', '.join(FOCI)})", where="focus")
    if subjects:
        return sorted({nn.vertex(s) for s in subjects}), "given subjects"
    if focus == "core" or (focus == "auto" and not nn.subjects):
        return None, "core entities"
    if not nn.subjects:
        raise InvalidValue("no entity is named as a member of an organisation in this "
                           "picture; use focus core or give subjects", where="focus")
    return list(nn.subjects), "organisation members"


def _only(nn: NodeNetwork, ids: Iterable[str], schemata: Collection[str] | None,
          registry: Registry) -> list[str]:
    if not schemata:
        return list(ids)
    allowed = {d.name for s in schemata for d in registry.descendants(s)}
    return [x for x in ids if nn.network.entity(x).schema in allowed]


def key_players(req: Request, *, subjects: Sequence[str] | None = None, focus: str = "auto",
                top: int = 20, only: Collection[str] | None = None) -> NetworkAnswer:
    """The key-player ranking with its reasons (``only``: list just these schemata)."""
    from accord.analytics.network import keyplayers as kp

    _positive(top, "top")
    nn = req.load()
    chosen, basis = _focus(nn, subjects, focus)
    req.say(f"ranking {nn.network.n:,} entities")
    ranked = kp.key_players(nn.network, subjects=chosen, top=nn.network.n)
    by_id = {p.id: p for p in ranked.players}
    keep = _only(nn, by_id, only, req.registry)[:top]
    players = []
    for rank, x in enumerate(keep, 1):
        p = by_id[x].to_dict()
        players.append({**p, "rank": rank, "entity": entity_dict(nn, x),
                        "nations": list(nn.network.nations_of(x))})
    head = ranked.to_dict()
    head.pop("players")
    return req.answer(nn, "key-players", {**head, "focus_kind": basis, "players": players})


def brokers(req: Request, *, subjects: Sequence[str] | None = None, focus: str = "auto",
            top: int = 20, only: Collection[str] | None = None) -> NetworkAnswer:
    """Who bridges organisations (as the material names them) or else Leiden communities."""
    from accord.analytics.network import brokers as brk

    _positive(top, "top")
    nn = req.load()
    chosen, basis = _focus(nn, subjects, focus)
    groups = {v: i.organisation for v, i in nn.network.entities.items() if i.organisation}
    by = "organisations"
    if len(set(groups.values())) < 2:
        groups, by = {}, "communities"
    req.say(f"ranking brokers between {by}")
    found = brk.brokers(nn.network, groups=groups or None, subjects=chosen, top=nn.network.n)
    keep = set(_only(nn, [b.id for b in found], only, req.registry)[:top])
    out: list[dict[str, Any]] = []
    for b in found:
        if b.id in keep:
            out.append({**b.to_dict(), "rank": len(out) + 1, "entity": entity_dict(nn, b.id)})
    return req.answer(nn, "brokers", {"groups": by, "focus_kind": basis, "brokers": out})


def communities(req: Request, *, seed: int = 0, resolution: float = 1.0, control_runs: int = 3,
                limit: int = 50) -> NetworkAnswer:
    """Leiden communities with the random-graph control; the ``limit`` largest listed."""
    from accord.analytics.network import communities as com

    _positive(limit, "limit")
    if not 0 <= control_runs <= 20:
        raise InvalidValue(f"control runs must be from 0 to 20, not {control_runs}",
                           where="control_runs")
    if not resolution > 0:
        raise InvalidValue(f"resolution must be positive, not {resolution}", where="resolution")
    nn = req.load()
    req.say(f"finding communities among {nn.network.n:,} entities")
    found = com.detect_communities(nn.network, seed=seed, resolution=resolution,
                                   control_runs=control_runs)
    body = found.to_dict()
    listed = body["communities"][:limit]
    for c in listed:
        c["labels"] = {x: nn.label(x) for x in c["members"][:MAX_MENTIONS]}
    body.update(communities=listed, total=len(found.communities), cells=len(found.cells()))
    return req.answer(nn, "communities", body)


def disrupt(req: Request, *, k: int | None = 5, arrest: Sequence[str] = (),
            subjects: Sequence[str] | None = None, focus: str = "auto",
            candidates: Collection[str] | None = ("Person",)) -> NetworkAnswer:
    """The ``k`` entities whose removal fragments the network most (KPP-Neg), or, with
    ``arrest``, the effect of removing those. ``candidates``: schemata that may be chosen
    (everyone when None, or when the picture has none of them)."""
    from accord.analytics.network import disrupt as dis
    from accord.analytics.network import keyplayers as kp

    nn = req.load()
    chosen, basis = _focus(nn, subjects, focus)
    focus_ids = chosen if chosen is not None else kp.core_entities(nn.network)
    if arrest:
        removed = [nn.vertex(x) for x in arrest]
        req.say(f"measuring the effect of {len(removed)} arrest(s)")
        effect = dis.arrest_effect(nn.network, removed, focus=focus_ids)
        result: dict[str, Any] = {"focus_kind": basis, "effect": effect.to_dict(),
                  "removed": [entity_dict(nn, x) for x in removed]}
        return req.answer(nn, "disrupt", result)
    if k is None or k < 1:
        raise InvalidValue(f"k must be at least 1, not {k}", where="k")
    pool = _only(nn, nn.network.ids, candidates, req.registry) or list(nn.network.ids)
    if k > len(pool):
        raise InvalidValue(f"k must be at most {len(pool)} (the candidates), not {k}",
                           where="k")
    req.say(f"searching the {k} most disruptive of {len(pool):,} candidates")
    plan = dis.kpp_neg(nn.network, k, candidates=pool, focus=focus_ids)
    return req.answer(nn, "disrupt", {"focus_kind": basis, "candidates": len(pool),
                                      **plan.to_dict(),
                                      "entities": [entity_dict(nn, x) for x in plan.ids]})


def path(req: Request, source: str, target: str, *, k: int = 1,
         cost: str = "hops") -> NetworkAnswer:
    """Up to ``k`` shortest paths, each hop with its evidence read from the store."""
    if not 1 <= k <= 50:
        raise InvalidValue(f"k must be from 1 to 50, not {k}", where="k")
    if cost not in pth.COSTS:
        raise InvalidValue(f"unknown cost {cost!r} (one of {', '.join(pth.COSTS)})",
                           where="cost")
    nn = req.load()
    a, b = nn.vertex(source), nn.vertex(target)
    if a == b:
        raise InvalidValue(f"{source!r} and {target!r} are the same entity ({a})",
                           where="target")
    found = pth.k_shortest_paths(nn.network, a, b, k, cost=cost)
    ties = [h.tie for p in found for h in p.hops]
    statements = _statements(req.store, ties)
    paths = []
    for p in found:
        body = p.to_dict()
        body["entities"] = [entity_dict(nn, x) for x in p.entities]
        body["hops"] = [{"source": h.source, "target": h.target,
                         "evidence": evidence(h.tie, statements)} for h in p.hops]
        paths.append(body)
    used = [s for t in ties for i in t.statements if (s := statements.get(i)) is not None]
    return req.answer(nn, "path", {"source": entity_dict(nn, a), "target": entity_dict(nn, b),
                                   "connected": bool(found), "paths": paths}, used)


def ego(req: Request, center: str, *, depth: int = 1) -> NetworkAnswer:
    """Everyone within ``depth`` hops of ``center``, with the ties among them."""
    if not 0 <= depth <= 5:
        raise InvalidValue(f"depth must be from 0 to 5, not {depth}", where="depth")
    nn = req.load()
    found = pth.ego_network(nn.network, nn.vertex(center), depth)
    ties = list(found.network.ties())
    entities = [{**entity_dict(nn, x), "distance": d}
                for x, d in sorted(found.distance.items(), key=lambda kv: (kv[1], kv[0]))]
    shown = {i for t in ties for i in t.statements}
    used = [s for s in nn.received if s.id in shown]
    return req.answer(nn, "ego", {"center": entity_dict(nn, found.center), "depth": depth,
                                  "entities": entities,
                                  "ties": [t.to_dict() for t in ties]}, used)


def export(req: Request, path_: Path, *, fmt: str | None = None,
           annotate: bool = False) -> NetworkAnswer:
    """Write the network as GraphML or GEXF (from ``fmt``, else the file's suffix).

    ``annotate`` adds each entity's community and key-player score as columns.
    """
    from accord.analytics.network import communities as com
    from accord.analytics.network import keyplayers as kp

    fmt = (fmt or path_.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InvalidValue(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)}; "
                           "or name the file .graphml or .gexf)", where="format")
    if not path_.parent.is_dir():
        raise InvalidValue(f"no directory {str(path_.parent)!r} to write into", where="path")
    nn = req.load()
    extra: dict[str, dict[str, float | int | str]] = {}
    if annotate and nn.network.n:
        req.say("annotating communities and key players")
        memb = com.detect_communities(nn.network, control_runs=0).membership
        extra["community"] = dict(zip(nn.network.ids, memb, strict=True))
        ranked = kp.key_players(nn.network, top=nn.network.n)
        extra["key_player_score"] = {p.id: p.score for p in ranked.players}
    req.say(f"writing {fmt}")
    writer = exp.write_graphml if fmt == "graphml" else exp.write_gexf
    writer(nn.network, path_, extra=extra)
    return req.answer(nn, "export", {"path": str(path_), "format": fmt,
                                     "entities": nn.network.n, "ties": nn.network.m,
                                     "columns": sorted(extra)})


def _positive(value: int, where: str) -> None:
    if value < 1:
        raise InvalidValue(f"{where} must be at least 1, not {value}", where=where)


def _statements(store: Store, ties: Iterable[Tie]) -> dict[str, Statement]:
    ids = {i for t in ties for i in t.statements}
    with store.unit_of_work(write=False) as uow:
        return statements_by_id(uow.session, ids)


def evidence(tie: Tie, statements: dict[str, Statement]) -> dict[str, Any]:
    """A hop's evidence: the tie, and per entity behind it (a call, a payment, a report
    naming both) its schema, reports, contributing nodes, and the values stated."""
    entities: dict[str, dict[str, Any]] = {}
    for sid in tie.statements:
        st = statements.get(sid)
        if st is None:
            continue  # retracted or purged since the network was read
        e = entities.setdefault(st.entity_id, {"id": st.entity_id, "schema": st.schema,
                                               "reports": set(), "nations": set(),
                                               "properties": {}})
        e["reports"].add(st.report_id)
        e["nations"].add(st.origin)
        e["properties"].setdefault(st.prop, []).append(st.value)
    listed = []
    for e in sorted(entities.values(), key=lambda x: x["id"]):
        listed.append({**e, "reports": sorted(e["reports"]), "nations": sorted(e["nations"]),
                       "properties": {p: sorted(v) for p, v in sorted(e["properties"].items())}})
    return {**tie.to_dict(), "schemata": sorted({e["schema"] for e in listed}),
            "reports": sorted({r for e in listed for r in e["reports"]}), "links": listed}
