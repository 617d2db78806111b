"""Benchmark-only plain routes (``federation.bench_plain_endpoint``); never mounted by default.

No authentication on purpose: they exist to measure what security costs.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, Field

from accord.entrypoints.api.deps import NodeDep
from accord.services.bench_plain import send_plain, store_plain
from accord.services.partners import get_partner

router = APIRouter(prefix="/federation/v1/plain", tags=["benchmark"])
_clients: list[httpx.Client] = []  # one kept-alive client, as the dispatcher keeps one


class PlainInbox(BaseModel):
    sender: str
    messages: list[dict[str, Any]] = Field(max_length=1000)


class PlainSend(BaseModel):
    partner: str
    messages: list[dict[str, Any]]
    batch: int = Field(default=1, ge=1, le=1000)


@router.post("/inbox", summary="Benchmark only: store release bodies without any check")
def plain_inbox(body: PlainInbox, node: NodeDep) -> dict[str, Any]:
    return {"stored_at": store_plain(node.store, node.registry, body.messages,
                                     sender=body.sender)}


@router.post("/send", summary="Benchmark only: POST release bodies to a partner's plain inbox")
def plain_send(body: PlainSend, node: NodeDep) -> dict[str, Any]:
    partner = get_partner(node.store, body.partner)
    if not _clients:
        _clients.append(httpx.Client(timeout=60.0))
    return send_plain(_clients[0], partner.url, body.messages, sender=node.node_id,
                      batch=body.batch)
