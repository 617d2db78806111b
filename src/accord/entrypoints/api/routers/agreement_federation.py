"""Agreements between parties' nodes: ``POST /federation/v1/agreements``.

No bearer token: the envelope is signed by the sending node (checked against
its pinned keys, with freshness and replay checks) and encrypted to this
node; every signature inside the agreement is checked again before it is
kept (``accord.services.agreement_exchange``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from accord.entrypoints.api.deps import NodeDep
from accord.services.agreement_exchange import receive_agreement

router = APIRouter(prefix="/federation/v1", tags=["federation"])


class AgreementEnvelope(BaseModel):
    envelope: str = Field(max_length=4 * 1024 * 1024,
                          description="A compact JWE: the agreement as the sender holds it.")


@router.post("/agreements",
             summary="An agreement from a party's node (signed, encrypted); merged here")
def agreements(body: AgreementEnvelope, node: NodeDep) -> dict[str, Any]:
    return receive_agreement(node, body.envelope)
