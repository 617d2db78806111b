"""``GET /healthz``: liveness and identity of the node, no authentication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accord.entrypoints.api.deps import NodeDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Is the node up (no token needed)")
def healthz(node: NodeDep) -> dict[str, Any]:
    return {"status": "ok", "node": node.info()}
