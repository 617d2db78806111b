"""Four-eyes approvals: releases held for a supervisor (docs/api.md).

A supervisor lists what waits, then approves (the release goes out in turn)
or refuses (it never leaves). Approving a release one caused oneself is
refused (403): the second pair of eyes is another person's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from accord.domain.users import User
from accord.entrypoints.api.deps import MAX_INT, NodeDep, require
from accord.services import approvals as service
from accord.services.users import Action

router = APIRouter(prefix="/approvals", tags=["approvals"])
Supervisor = Annotated[User, Depends(require(Action.APPROVE))]
ApprovalId = Annotated[int, Path(ge=0, le=MAX_INT, description="the approval's id")]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422

    note: str = Field(default="", max_length=500, description="Why (kept in the ledger).")


@router.get("", summary="Releases held for a supervisor (oldest first)")
def list_approvals(node: NodeDep, _user: Supervisor,
                   state: Annotated[str, Query(
                       description="held, approved, refused, cancelled or all")] = "held",
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   after: Annotated[int, Query(ge=0, le=MAX_INT, description="ids above this")] = 0,
                   ) -> dict[str, Any]:
    found = service.list_approvals(node.store, state=None if state == "all" else state,
                                   limit=limit, after=after)
    return {"approvals": [a.to_dict() for a in found]}


@router.get("/{approval_id}", summary="One held release and what became of it")
def get_approval(approval_id: ApprovalId, node: NodeDep, _user: Supervisor) -> dict[str, Any]:
    return service.get_approval(node.store, approval_id).to_dict()


@router.post("/{approval_id}/approve", summary="Approve a held release: it is sent in turn")
def approve(approval_id: ApprovalId, node: NodeDep, user: Supervisor,
            body: Decision | None = None) -> dict[str, Any]:
    return service.approve_release(node, approval_id, approver=user.name,
                                   note=body.note if body else "").to_dict()


@router.post("/{approval_id}/refuse", summary="Refuse a held release: it never leaves")
def refuse(approval_id: ApprovalId, node: NodeDep, user: Supervisor,
           body: Decision | None = None) -> dict[str, Any]:
    return service.refuse_release(node, approval_id, approver=user.name,
                                  note=body.note if body else "").to_dict()
