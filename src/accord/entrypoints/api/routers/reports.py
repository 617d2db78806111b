"""Reports: create, read, update, retract, history (the document format: docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from accord.domain.users import User
from accord.entrypoints.api.deps import MAX_INT, NodeDep, require
from accord.services import reports as service
from accord.services.users import Action

router = APIRouter(prefix="/reports", tags=["reports"])
Reader = Annotated[User, Depends(require(Action.READ))]
Writer = Annotated[User, Depends(require(Action.WRITE_REPORTS))]
Document = Annotated[dict[str, Any], Body(
    description="Report fields (id optional on create, title, narrative, purpose, markings, "
                "grading, review_date) and entities: a list of entity objects as in JSONL.",
    examples=[{"title": "Go-fast departure", "markings": {"tlp": "AMBER"},
               "entities": [{"id": "p1", "schema": "Person",
                             "properties": {"name": ["Ana Example"]}}]}])]


class Retraction(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422

    reason: str = Field(default="", max_length=2000)


@router.get("", summary="List reports, most recently updated first")
def list_reports(node: NodeDep, _user: Reader,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> dict[str, Any]:
    found = service.list_reports(node.store, limit=limit, offset=offset)
    return {"reports": [r.to_dict() for r in found]}


@router.post("", status_code=201, summary="Create a report with its entities")
def create_report(document: Document, node: NodeDep, user: Writer) -> dict[str, Any]:
    detail = service.create_report(node.store, document, origin=node.node_id,
                                   registry=node.registry, country=node.config.country,
                                   actor=user.name)
    return detail.to_dict()


@router.get("/{report_id}", summary="Read a report (current version) with its statements")
def get_report(report_id: str, node: NodeDep, user: Reader) -> dict[str, Any]:
    return service.get_report(node.store, report_id, reader=user.name,
                              home=node.node_id).to_dict()


@router.put("/{report_id}", summary="Update a report: the document becomes the next version")
def update_report(report_id: str, document: Document, node: NodeDep,
                  user: Writer) -> dict[str, Any]:
    detail = service.update_report(node.store, report_id, document, registry=node.registry,
                                   country=node.config.country, actor=user.name)
    return detail.to_dict()


@router.post("/{report_id}/retract", summary="Retract a report (a final version)")
def retract_report(report_id: str, node: NodeDep, user: Writer,
                   body: Retraction | None = None) -> dict[str, Any]:
    report = service.retract_report(node.store, report_id, reason=body.reason if body else "",
                                    actor=user.name)
    return report.to_dict()


@router.get("/{report_id}/history", summary="Every version of a report, oldest first")
def report_history(report_id: str, node: NodeDep, _user: Reader) -> dict[str, Any]:
    return {"versions": [r.to_dict() for r in service.report_history(node.store, report_id)]}
