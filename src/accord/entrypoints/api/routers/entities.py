"""Entities as views over their statements, with provenance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services import entities as service
from accord.services.users import Action

router = APIRouter(prefix="/entities", tags=["entities"])
Reader = Annotated[User, Depends(require(Action.READ))]
Retracted = Annotated[bool, Query(description="include statements of retracted reports")]


@router.get("/{entity_id}", summary="An entity (or a canonical id) with its canonical "
                                   "entity: every mention with provenance and evidence")
def get_entity(entity_id: str, node: NodeDep, user: Reader,
               include_retracted: Retracted = False,
               canonical: Annotated[bool, Query(
                   description="include its canonical entity (false: the entity alone)")]
               = True) -> dict[str, Any]:
    if not canonical:
        view = service.get_entity(node.store, entity_id, registry=node.registry,
                                  include_retracted=include_retracted, reader=user.name,
                                  home=node.node_id)
        return view.to_dict()
    from accord.services.canonical_view import entity_page, may_read_received

    return entity_page(node.store, entity_id, registry=node.registry,
                       include_retracted=include_retracted, reader=user.name,
                       home=node.node_id, include_received=may_read_received(user.role))


@router.get("/{entity_id}/statements", summary="An entity's statements with provenance")
def entity_statements(entity_id: str, node: NodeDep, user: Reader,
                      include_retracted: Retracted = False) -> dict[str, Any]:
    found = service.entity_statements(node.store, entity_id,
                                      include_retracted=include_retracted, reader=user.name,
                                      home=node.node_id)
    return {"entity_id": entity_id, "statements": [service.statement_dict(s) for s in found]}
