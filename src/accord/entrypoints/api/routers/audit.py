"""The auditor's view of the ledger (role auditor only): verify, proofs, the filtered log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from accord.adapters.ledger import LeafFilter
from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services import auditing
from accord.services.users import Action

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[User, Depends(require(Action.READ_LEDGER))]


@router.get("/verify", summary="Recompute the whole ledger; check checkpoints and co-signatures")
def verify(node: NodeDep, _user: Auditor) -> dict[str, Any]:
    return auditing.verify_node(node).to_dict()


@router.get("/proof/{index}", summary="Inclusion proof of a ledger leaf (checked)")
def proof(index: int, node: NodeDep, _user: Auditor,
          size: Annotated[int | None, Query(ge=1, description="tree size to prove against "
                                            "(default: the latest checkpoint covering the "
                                            "leaf, else the current size)")] = None,
          ) -> dict[str, Any]:
    return auditing.prove(node, index, size).to_dict()


@router.get("/log", summary="Ledger entries, oldest first, filtered")
def log(node: NodeDep, _user: Auditor,
        actor: Annotated[str | None, Query(max_length=500, description="who acted")] = None,
        action: Annotated[str | None, Query(max_length=40,
                                            description="e.g. material.read")] = None,
        agreement: Annotated[str | None, Query(max_length=500)] = None,
        since: Annotated[datetime | None, Query(description="from this time (ISO 8601; "
                                                "UTC if no offset)")] = None,
        after: Annotated[int, Query(ge=-1, description="only leaves after this index")] = -1,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> dict[str, Any]:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    where = LeafFilter(actor=actor, action=action, agreement=agreement, since=since,
                       after_index=after, limit=limit)
    return {"entries": [e.to_dict() for e in auditing.audit_log(node, where)]}
