"""Private queries between nodes (docs/queries.md, "Protocol").

No bearer token: each request is an envelope signed by the asking node
(checked against its pinned keys, with freshness and replay checks) and
encrypted to this node; the answer is an envelope signed by this node and
encrypted to the asker. Refusals (no agreement, purpose, rate limit) use the
API's error shape and are ledgered like the answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from accord.entrypoints.api.deps import NodeDep

router = APIRouter(prefix="/federation/v1", tags=["federation"])


class QueryEnvelope(BaseModel):
    envelope: str = Field(max_length=4 * 1024 * 1024,
                          description="A compact JWE from a partner node.")


@router.post("/queries", summary="A partner's hit/no-hit query (signed, encrypted); "
                                 "answered sealed to it")
def queries(body: QueryEnvelope, node: NodeDep) -> dict[str, Any]:
    from accord.services.query_answers import answer_query

    return answer_query(node, body.envelope)


@router.post("/follow-ups", summary="A partner's follow-up request after a hit")
def follow_ups(body: QueryEnvelope, node: NodeDep) -> dict[str, Any]:
    from accord.services.follow_ups import receive_follow_up

    return receive_follow_up(node, body.envelope)


@router.post("/deconfliction", summary="A partner's deconfliction check or conflict notice")
def deconfliction(body: QueryEnvelope, node: NodeDep) -> dict[str, Any]:
    from accord.services.deconfliction import deconfliction_exchange

    return deconfliction_exchange(node, body.envelope)
