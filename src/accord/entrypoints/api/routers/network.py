"""Network analysis: key players, brokers, communities, disruption, paths, ego, export.

Every route reads the node's picture with the same query parameters (``scope``,
``since``, ``until``, ``kind``, ``schema``, ``cooccurrence``) and makes one call
to ``accord.services.network``; reads of partners' material are ledgered
under the caller's name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from accord.analytics.network.statements import parse_partial_date
from accord.domain.errors import InvalidValue
from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services import network as service
from accord.services.network_load import NetworkOptions, Scope
from accord.services.users import Action

router = APIRouter(prefix="/network", tags=["network"])
Analyst = Annotated[User, Depends(require(Action.ANALYSE))]
MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}


def _date(value: str | None, where: str, *, end: bool = False) -> Any:
    if value is None:
        return None
    try:
        return parse_partial_date(value, end=end)
    except InvalidValue as exc:
        raise InvalidValue(exc.message, where=where) from None


def picture(scope: Annotated[str, Query(description="own or shared")] = "shared",
            since: Annotated[str | None, Query(description="YYYY[-MM[-DD]]")] = None,
            until: Annotated[str | None, Query(description="YYYY[-MM[-DD]]")] = None,
            kind: Annotated[list[str] | None, Query()] = None,
            schema: Annotated[list[str] | None, Query()] = None,
            cooccurrence: bool = False) -> NetworkOptions:
    """The picture to analyse, from the query string."""
    return NetworkOptions(scope=Scope.parse(scope), since=_date(since, "query.since"),
                          until=_date(until, "query.until", end=True),
                          kinds=frozenset(kind) if kind else None,
                          schemata=frozenset(schema) if schema else None,
                          cooccurrence=cooccurrence)


Picture = Annotated[NetworkOptions, Depends(picture)]
SubjectsQ = Annotated[list[str] | None, Query(description="entities under investigation")]
OnlyQ = Annotated[list[str] | None, Query(description="list only these schemata")]


def _request(node: NodeDep, user: User, options: NetworkOptions) -> service.Request:
    return service.Request(node.store, node.registry, node.node_id, options, reader=user.name)


@router.get("/key-players", summary="Key players with their measures and reasons")
def key_players(node: NodeDep, user: Analyst, options: Picture,
                subject: SubjectsQ = None, focus: str = "auto",
                top: Annotated[int, Query(ge=1, le=1000)] = 20,
                only: OnlyQ = None) -> dict[str, Any]:
    return service.key_players(_request(node, user, options), subjects=subject, focus=focus,
                               top=top, only=only).to_dict()


@router.get("/brokers", summary="Brokers between organisations or communities")
def brokers(node: NodeDep, user: Analyst, options: Picture, subject: SubjectsQ = None,
            focus: str = "auto", top: Annotated[int, Query(ge=1, le=1000)] = 20,
            only: OnlyQ = None) -> dict[str, Any]:
    return service.brokers(_request(node, user, options), subjects=subject, focus=focus,
                           top=top, only=only).to_dict()


@router.get("/communities", summary="Leiden communities against a random-graph control")
def communities(node: NodeDep, user: Analyst, options: Picture, seed: int = 0,
                resolution: float = 1.0,
                controls: Annotated[int, Query(ge=0, le=20)] = 3,
                limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    return service.communities(_request(node, user, options), seed=seed,
                               resolution=resolution, control_runs=controls,
                               limit=limit).to_dict()


@router.get("/disrupt", summary="The k most disruptive removals, or the effect of arrests")
def disrupt(node: NodeDep, user: Analyst, options: Picture,
            k: Annotated[int, Query(ge=1, le=100)] = 5,
            arrest: Annotated[list[str] | None, Query()] = None,
            subject: SubjectsQ = None, focus: str = "auto",
            candidates: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
    allowed = None if candidates and "any" in candidates else (candidates or ["Person"])
    return service.disrupt(_request(node, user, options), k=k, arrest=arrest or (),
                           subjects=subject, focus=focus, candidates=allowed).to_dict()


@router.get("/path", summary="Shortest paths between two entities, with evidence per hop")
def path(node: NodeDep, user: Analyst, options: Picture,
         source: Annotated[str, Query(min_length=1)],
         target: Annotated[str, Query(min_length=1)],
         k: Annotated[int, Query(ge=1, le=50)] = 1, cost: str = "hops") -> dict[str, Any]:
    return service.path(_request(node, user, options), source, target, k=k,
                        cost=cost).to_dict()


@router.get("/ego/{entity_id}", summary="An entity's ego network")
def ego(entity_id: str, node: NodeDep, user: Analyst, options: Picture,
        depth: Annotated[int, Query(ge=0, le=5)] = 1) -> dict[str, Any]:
    return service.ego(_request(node, user, options), entity_id, depth=depth).to_dict()


@router.get("/export", summary="The network as GraphML or GEXF")
def export(node: NodeDep, user: Analyst, options: Picture, format: str = "graphml",
           annotate: bool = False) -> Response:
    fmt = format.lower()
    if fmt not in MEDIA:
        raise InvalidValue(f"unknown export format {format!r} (graphml or gexf)",
                           where="query.format")
    with tempfile.TemporaryDirectory(prefix="accord-network-") as tmp:
        out = Path(tmp) / f"network.{fmt}"
        service.export(_request(node, user, options), out, fmt=fmt, annotate=annotate)
        body = out.read_bytes()
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{node.node_id}-network.{fmt}"'})
