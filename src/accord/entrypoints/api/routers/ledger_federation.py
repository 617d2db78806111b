"""The ledger's node-to-node routes: checkpoints for witnesses, co-signatures back.

No bearer token: what is served is signed by this node (checkpoints) or only
hashes (proofs), and what is accepted proves itself (a co-signature must
verify with a pinned partner's key). See docs/ledger.md, "Witnessing".

* ``GET /federation/v1/checkpoint``: the latest signed checkpoint (with the
  co-signatures it has);
* ``GET /federation/v1/consistency?from=M``: the same with the RFC 9162
  consistency proof from size ``M`` (what a witness last co-signed);
* ``POST /federation/v1/cosign``: a witness's co-signature on one of our checkpoints.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from accord.entrypoints.api.deps import NodeDep
from accord.services import checkpointing

router = APIRouter(prefix="/federation/v1", tags=["federation"])


class Cosignature(BaseModel):
    size: int = Field(ge=1, description="The size of the checkpoint co-signed.")
    cosignature: str = Field(max_length=1000,
                             description="The witness's signature line: '— <name> <base64>'.")


@router.get("/checkpoint", summary="This node's latest signed ledger checkpoint")
def checkpoint(node: NodeDep) -> dict[str, Any]:
    return checkpointing.published(node.store)


@router.get("/consistency",
            summary="The latest checkpoint with a consistency proof from an older size")
def consistency(node: NodeDep, from_: Annotated[int, Query(
        alias="from", ge=0, description="The tree size the witness last co-signed.")] = 0,
                ) -> dict[str, Any]:
    return checkpointing.published(node.store, from_)


@router.post("/cosign", summary="A partner's co-signature on one of this node's checkpoints")
def cosign(body: Cosignature, node: NodeDep) -> dict[str, Any]:
    signed = checkpointing.accept_cosignature(node.store, body.size, body.cosignature)
    return {"checkpoint": signed.format(), "size": signed.checkpoint.size}
