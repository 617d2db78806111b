"""Node-to-node routes. They carry no bearer token: each request proves itself.

* ``GET /.well-known/accord/node.json``: the node's public keys (public by design);
* ``POST /federation/v1/inbox``: envelopes, each signed by its sender and
  encrypted to us; every one is checked (``accord.services.receive``);
* ``GET /federation/v1/feed``: messages for the caller, who signs the request
  (``Authorization: Accord-Signature <token>``);
* ``POST /federation/v1/receipts``: receipts, each signed by the partner that
  issued it.

With ``federation.bench_plain_endpoint`` set (benchmarks only, never by
default) two plain, unauthenticated routes are added for comparison.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from accord.adapters.receipts import verify_request
from accord.adapters.transport import FEED, SIGNATURE_SCHEME
from accord.bootstrap import Node
from accord.domain.errors import Unauthorized
from accord.entrypoints.api.deps import NodeDep
from accord.services.feed import MAX_FEED, accept_receipts, serve_feed

well_known = APIRouter(tags=["federation"])
router = APIRouter(prefix="/federation/v1", tags=["federation"])


class Envelopes(BaseModel):
    envelopes: list[str] = Field(max_length=1000, description="Compact JWE envelopes, in order.")


class Receipts(BaseModel):
    receipts: list[str] = Field(max_length=5000, description="Compact JWS receipts.")


@well_known.get("/.well-known/accord/node.json",
                summary="This node's id, country and public keys (JWKS), self-signed")
def node_document(node: NodeDep) -> dict[str, Any]:
    return node.keys.public_jwks(node.node_id, node.config.country)


@router.post("/inbox", summary="Deliver envelopes from a partner (authenticated by signature)")
def inbox(body: Envelopes, node: NodeDep) -> dict[str, Any]:
    results = node.receiver.receive(body.envelopes)
    return {"results": [r.to_dict() for r in results]}


@router.get("/feed", summary="Messages for the calling partner after a cursor (signed request)")
def feed(request: Request, node: NodeDep, since: Annotated[int, Query(ge=0)] = 0,
         limit: Annotated[int, Query(ge=1, le=MAX_FEED)] = 100) -> dict[str, Any]:
    caller = _signed_caller(request, node)
    return serve_feed(node.store, node.keys, me=node.node_id, caller=caller, since=since,
                      limit=limit)


@router.post("/receipts", summary="Receipts for messages a partner pulled (each signed)")
def receipts(body: Receipts, node: NodeDep) -> dict[str, Any]:
    return accept_receipts(node.store, body.receipts, me=node.node_id)


def _signed_caller(request: Request, node: Node) -> str:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme != SIGNATURE_SCHEME or not token.strip():
        raise Unauthorized(f"a partner signs this request: send 'Authorization: "
                           f"{SIGNATURE_SCHEME} <token>'", where="Authorization")
    with node.store.unit_of_work() as uow:
        return verify_request(token.strip(), uow.partners.keys_of, audience=node.node_id,
                              method=request.method, path=FEED, query=request.url.query,
                              now=datetime.now(UTC), replay_cache=uow.replay_cache)


def routers(node: Node) -> list[APIRouter]:
    """The federation routers for ``node`` (with the benchmark-only ones if enabled)."""
    out = [well_known, router]
    if node.config.federation.bench_plain_endpoint:
        from accord.entrypoints.api.routers.bench_plain import router as plain

        out.append(plain)
    return out
