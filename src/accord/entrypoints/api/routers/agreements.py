"""Agreements: draft, propose, sign, revoke, send again, list, read (docs/api.md).

Drafting and the lifecycle steps need the liaison officer's right
(``manage sharing agreements``); reading them, any role that reads. Propose,
sign and revoke answer with the agreement as held here and what each other
party's node made of it (``deliveries``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from accord.domain.agreement import AgreementStatus
from accord.domain.errors import InvalidValue
from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services import agreements as service
from accord.services.users import Action

router = APIRouter(prefix="/agreements", tags=["agreements"])
Reader = Annotated[User, Depends(require(Action.READ))]
Liaison = Annotated[User, Depends(require(Action.MANAGE_AGREEMENTS))]
Document = Annotated[dict[str, Any], Body(
    description="The agreement document (docs/agreements.md), as JSON: id, title, parties, "
                "valid_from, valid_until, clauses.",
    examples=[{"id": "agr-co-mx", "title": "CO-MX maritime", "parties": ["co-dijin", "mx-fgr"],
               "valid_from": "2026-01-01", "valid_until": "2027-01-01",
               "clauses": [{"id": "vessels", "schemas": ["Vessel"], "max_tlp": "AMBER",
                            "purposes": ["maritime interdiction"]}]}])]


class Revocation(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422

    reason: str = Field(min_length=1, max_length=500, description="Why it is revoked.")


@router.get("", summary="Agreements held by this node, each with whether it is in force")
def list_agreements(node: NodeDep, _user: Reader,
                    status: Annotated[str | None, Query(
                        description="draft, proposed, signed, active, expired or revoked")
                    ] = None) -> dict[str, Any]:
    wanted = None
    if status is not None:
        try:
            wanted = AgreementStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in AgreementStatus)
            raise InvalidValue(f"{status!r} is not a status (choose {choices})",
                               where="status") from None
    return {"agreements": [v.to_dict() for v in service.agreement_views(node, status=wanted)]}


@router.post("", status_code=201, summary="Draft an agreement (this node must be a party)")
def draft_agreement(document: Document, node: NodeDep, user: Liaison) -> dict[str, Any]:
    return service.draft_agreement(node, document, actor=user.name).to_dict()


@router.get("/{agreement_id}", summary="One agreement, with whether it is in force here")
def get_agreement(agreement_id: str, node: NodeDep, _user: Reader) -> dict[str, Any]:
    return service.agreement_view(node, agreement_id).to_dict()


@router.post("/{agreement_id}/propose",
             summary="Propose a draft to the other parties (sent to their nodes)")
def propose_agreement(agreement_id: str, node: NodeDep, user: Liaison) -> dict[str, Any]:
    return service.propose_agreement(node, agreement_id, actor=user.name).to_dict()


@router.post("/{agreement_id}/sign",
             summary="Sign a proposed agreement with this node's key (sent to the parties)")
def sign_agreement(agreement_id: str, node: NodeDep, user: Liaison) -> dict[str, Any]:
    return service.sign_agreement(node, agreement_id, actor=user.name).to_dict()


@router.post("/{agreement_id}/revoke",
             summary="Revoke an agreement here and at every other party")
def revoke_agreement(agreement_id: str, body: Revocation, node: NodeDep,
                     user: Liaison) -> dict[str, Any]:
    return service.revoke_agreement(node, agreement_id, actor=user.name,
                                    reason=body.reason).to_dict()


@router.post("/{agreement_id}/send",
             summary="Send the agreement as held here to the other parties again")
def send_agreement(agreement_id: str, node: NodeDep, _user: Liaison) -> dict[str, Any]:
    return service.send_agreement(node, agreement_id).to_dict()
