"""Why a report would (not) go to a partner: ``GET /reports/{id}/explain?to=PARTNER``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services.explain import explain_release
from accord.services.users import Action

router = APIRouter(prefix="/reports", tags=["reports"])
Reader = Annotated[User, Depends(require(Action.READ))]


@router.get("/{report_id}/explain",
            summary="The sharing decision for a report and a partner, and why")
def explain(report_id: str, node: NodeDep, _user: Reader,
            to: Annotated[str, Query(min_length=1, max_length=64,
                                     description="The partner's node id.")],
            purpose: Annotated[str | None, Query(
                max_length=500, description="Default: the report's own purpose.")] = None,
            ) -> dict[str, Any]:
    return explain_release(node, report_id, to, purpose=purpose).to_dict()
