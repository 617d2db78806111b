"""Entity resolution: run it, judge pairs, read canonical entities and link evidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services.users import Action

router = APIRouter(prefix="/resolution", tags=["resolution"])
Reader = Annotated[User, Depends(require(Action.READ))]
# Resolving and judging change what the node believes about its entities: an
# analyst's act, as writing a report is. (Handlers import the services when first
# called: resolution loads DuckDB and PyArrow, which serving nothing else needs.)
Writer = Annotated[User, Depends(require(Action.WRITE_REPORTS))]


class Run(BaseModel):
    full: bool = Field(default=False, description="match every entity again")
    retrain: bool = Field(default=False, description="train the models again first")


class JudgementBody(BaseModel):
    left: str = Field(min_length=1, max_length=200)
    right: str = Field(min_length=1, max_length=200)
    judgement: str = Field(description="same | different | unsure")
    reason: str = Field(default="", max_length=2000)


@router.post("/run", summary="Resolve entities into canonical entities (incremental)")
def run(node: NodeDep, _user: Writer, body: Run | None = None) -> dict[str, Any]:
    from accord.services.resolve import resolve

    options = body or Run()
    result = resolve(node.store, node.registry, full=options.full or options.retrain,
                     retrain=options.retrain)
    return result.to_dict()


@router.post("/judgements", status_code=201,
             summary="Judge two entities the same, different or unsure (ledgered)")
def judge(body: JudgementBody, node: NodeDep, user: Writer) -> dict[str, Any]:
    from accord.services.resolve import judge as record

    return record(node.store, body.left, body.right, body.judgement, actor=user.name,
                  reason=body.reason).to_dict()


@router.get("/judgements", summary="Every current judgement")
def judgements(node: NodeDep, _user: Reader) -> dict[str, Any]:
    from accord.services.resolve import list_judgements

    return {"judgements": [r.to_dict() for r in list_judgements(node.store)]}


@router.get("/canonical", summary="Canonical entities, largest first")
def canonical_entities(node: NodeDep, _user: Reader,
                       family: Annotated[str | None, Query()] = None,
                       min_size: Annotated[int, Query(ge=1)] = 2,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                       offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    from accord.services.resolve import canonical_entities as listed

    return {"canonical_entities": listed(
        node.store, family=family, min_size=min_size, limit=limit, offset=offset)}


@router.get("/canonical/{some_id}",
            summary="A canonical entity: its mentions with provenance, links and evidence")
def canonical_entity(some_id: str, node: NodeDep, user: Reader) -> dict[str, Any]:
    from accord.services.canonical_view import canonical_page, may_read_received

    return canonical_page(node.store, some_id, registry=node.registry, reader=user.name,
                          home=node.node_id,
                          include_received=may_read_received(user.role)).to_dict()


@router.get("/explain", summary="The matcher's evidence on two entities")
def explain(node: NodeDep, _user: Reader, left: Annotated[str, Query(min_length=1)],
            right: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    from accord.services.resolve import explain as evidence

    return evidence(node.store, left, right)
