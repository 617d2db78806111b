"""Search by name (any spelling or script) or identifier (any formatting)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services import search as service
from accord.services.users import Action

router = APIRouter(tags=["search"])
Searcher = Annotated[User, Depends(require(Action.SEARCH))]


@router.get("/search", summary="Search entities by name or identifier, grouped by canonical "
                               "entity")
def search(node: NodeDep, user: Searcher,
           q: Annotated[str, Query(description="names or an identifier")],
           schema: Annotated[str | None, Query(description="e.g. Person")] = None,
           limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 20) -> dict[str, Any]:
    from accord.services.canonical_view import may_read_received

    found = service.search_canonical(node.store, q, limit=limit, schema=schema,
                                     registry=node.registry, country=node.config.country,
                                     home=node.node_id,
                                     include_received=may_read_received(user.role))
    return {**found.to_dict(), "query": q}
