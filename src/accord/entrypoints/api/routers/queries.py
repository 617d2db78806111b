"""Hit/no-hit queries, follow-up requests and deconfliction (docs/api.md, docs/queries.md).

An analyst asks a partner whether it holds identifiers or persons; a hit
gives a reference, the handling code and the partner's point of contact. A
follow-up request quotes a reference; the partner's supervisor decides. A
deconfliction registration (a target or an operation) is checked against
every partner at once and conflicts are reported to both sides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from accord.domain.query_request import QueryRequest, identifier, person
from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services.users import Action

router = APIRouter(prefix="/queries", tags=["queries"])
deconfliction_router = APIRouter(prefix="/deconfliction", tags=["deconfliction"])
Asker = Annotated[User, Depends(require(Action.QUERY))]


class IdentifierIn(BaseModel):
    kind: str = Field(description="phone, email, passport, imo, mmsi, iban, crypto or plate.")
    value: str = Field(max_length=500, description="As written; passports and plates may be "
                                                   "COUNTRY:NUMBER.")
    country: str | None = Field(default=None, max_length=60,
                                description="Issuing country (passports, plates).")


class PersonIn(BaseModel):
    name: str = Field(max_length=500)
    dob: str | None = Field(default=None, max_length=20, description="Date of birth.")
    nationality: str | None = Field(default=None, max_length=60)


class QueryIn(BaseModel):
    partner: str = Field(max_length=64, description="The partner node to ask.")
    purpose: str | None = Field(default=None, max_length=500,
                                description="Default: the only purpose the agreements allow.")
    identifiers: list[IdentifierIn] = Field(default=[], max_length=10_000)
    persons: list[PersonIn] = Field(default=[], max_length=1000)


class FollowUpIn(BaseModel):
    reference: str = Field(max_length=80, description="A hit's reference.")
    purpose: str = Field(max_length=500)


def request_of(identifiers: list[IdentifierIn], persons: list[PersonIn]) -> QueryRequest:
    return QueryRequest(
        tuple(identifier(i.kind, i.value, country=i.country, where=f"identifiers[{n}]")
              for n, i in enumerate(identifiers)),
        tuple(person(p.name, p.dob, p.nationality, where=f"persons[{n}]")
              for n, p in enumerate(persons)))


@router.post("", summary="Ask a partner: hit or no hit (identifiers by PSI, persons by CLK)")
def ask(body: QueryIn, node: NodeDep, user: Asker) -> dict[str, Any]:
    from accord.services import queries

    return queries.ask_partner(node, body.partner, request_of(body.identifiers, body.persons),
                               purpose=body.purpose, actor=user.name).to_dict()


@router.get("", summary="The queries this node asked, newest first, with their hits")
def list_queries(node: NodeDep, _user: Asker,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    from accord.services import queries

    return queries.list_queries(node, limit=limit)


@router.post("/follow-ups", summary="After a hit: ask its owner for the material, for a purpose")
def follow_up(body: FollowUpIn, node: NodeDep, user: Asker) -> dict[str, Any]:
    from accord.services import follow_ups

    return follow_ups.request_follow_up(node, body.reference, purpose=body.purpose,
                                        actor=user.name).to_dict()


@router.get("/follow-ups", summary="Follow-up requests made (out) and received (in)")
def list_follow_ups(node: NodeDep, _user: Asker,
                    direction: Annotated[str, Query(pattern="^(in|out|all)$")] = "all",
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    from accord.services import follow_ups

    return {"follow_ups": follow_ups.list_follow_ups(
        node, direction=None if direction == "all" else direction, limit=limit)}


class TargetIn(BaseModel):
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=1000)
    title: str = Field(default="", max_length=500, description="Your own label (stays here).")
    expires: datetime | None = Field(default=None, description="Default: in 30 days.")


class OperationIn(BaseModel):
    start: datetime
    end: datetime
    cells: list[str] = Field(default=[], max_length=2000, description="H3 cells, any "
                                                                      "resolution.")
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = Field(default=None, ge=0, le=50_000)
    expires: datetime | None = Field(default=None, description="Default: the end.")
    title: str = Field(default="", max_length=500)


@deconfliction_router.post("/targets", summary="Register a target; conflicts are reported")
def register_target(body: TargetIn, node: NodeDep, user: Asker) -> dict[str, Any]:
    from accord.services import deconfliction

    found = request_of(body.identifiers, [])
    return deconfliction.register_target(node, found.identifiers, title=body.title,
                                         expires=body.expires, actor=user.name).to_dict()


@deconfliction_router.post("/operations",
                           summary="Register an operation (place and time); conflicts reported")
def register_operation(body: OperationIn, node: NodeDep, user: Asker) -> dict[str, Any]:
    from accord.services import deconfliction

    point = None if body.lat is None or body.lon is None else (body.lat, body.lon)
    return deconfliction.register_operation(
        node, start=body.start, end=body.end, cells=body.cells, point=point,
        radius_m=body.radius_m, expires=body.expires, title=body.title,
        actor=user.name).to_dict()


@deconfliction_router.get("", summary="This node's registrations and their conflicts")
def list_registrations(node: NodeDep, _user: Asker,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    from accord.services import deconfliction

    return deconfliction.list_deconfliction(node, limit=limit)


@deconfliction_router.post("/{registration_id}/expire",
                           summary="End a registration now: it stops matching")
def expire(registration_id: str, node: NodeDep, user: Asker) -> dict[str, Any]:
    from accord.services import deconfliction

    return deconfliction.expire_registration(node, registration_id,
                                             actor=user.name).to_dict()
