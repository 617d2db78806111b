"""Entities as views over their statements, with the provenance of every value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.adapters.store import Store
from accord.domain.entity import Entity
from accord.domain.errors import NotFound
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.domain.statement import Statement
from accord.services.material_reads import record_reads


@dataclass(frozen=True)
class EntityView:
    """An entity, its statements and the reports they come from (provenance)."""

    entity: Entity
    reports: tuple[Report, ...]

    @property
    def statements(self) -> tuple[Statement, ...]:
        return self.entity.statements

    def to_dict(self) -> dict[str, Any]:
        entity = self.entity
        return {
            "id": entity.id, "schema": entity.schema, "caption": entity.caption,
            "properties": entity.properties, "markings": entity.marking.to_dict(),
            "statements": [statement_dict(s) for s in entity.statements],
            "reports": [{"id": r.id, "title": r.title, "origin": r.origin,
                         "version": r.version, "status": r.status.value,
                         "markings": r.marking.to_dict()} for r in self.reports],
        }


def get_entity(store: Store, entity_id: str, *, registry: Registry,
               include_retracted: bool = False, reader: str | None = None,
               home: str | None = None) -> EntityView:
    """The entity ``entity_id`` assembled from its statements; ``NotFound`` if it has none.

    Statements of retracted reports are left out unless ``include_retracted``.
    With ``reader`` (the user) and ``home`` (this node's id), a read of statements
    received from partners is recorded in the ledger before they are returned.
    """
    with store.unit_of_work(write=False) as uow:
        statements = uow.statements.for_entity(entity_id, include_retracted=include_retracted)
        if not statements:
            hidden = (not include_retracted and
                      uow.statements.for_entity(entity_id, include_retracted=True))
            why = " (only in retracted reports)" if hidden else ""
            raise NotFound(f"no entity {entity_id!r} in this node{why}", where="entity")
        report_ids = sorted({s.report_id for s in statements})
        reports = tuple(r for r in (uow.reports.get(rid) for rid in report_ids) if r)
    record_reads(store, reader=reader, home=home, subject=f"entity/{entity_id}",
                 statements=statements)
    return EntityView(Entity.from_statements(registry, statements), reports)


def entity_statements(store: Store, entity_id: str, *, include_retracted: bool = False,
                      reader: str | None = None, home: str | None = None) -> list[Statement]:
    """The entity's statements (by property and value); ``NotFound`` if there are none.
    ``reader`` and ``home`` as for ``get_entity``."""
    with store.unit_of_work(write=False) as uow:
        statements = uow.statements.for_entity(entity_id, include_retracted=include_retracted)
    if not statements:
        raise NotFound(f"no entity {entity_id!r} in this node", where="entity")
    record_reads(store, reader=reader, home=home, subject=f"entity/{entity_id}",
                 statements=statements)
    return statements


def statement_dict(statement: Statement) -> dict[str, Any]:
    """A statement with its provenance, as the API and ``--json`` show it."""
    return {
        "id": statement.id, "entity_id": statement.entity_id, "schema": statement.schema,
        "prop": statement.prop, "value": statement.value,
        "original_value": statement.original_value, "report_id": statement.report_id,
        "origin": statement.origin, "markings": statement.marking.to_dict(),
        "grading": statement.grading.to_dict() if statement.grading else None,
        "first_seen": statement.first_seen.isoformat() if statement.first_seen else None,
        "last_seen": statement.last_seen.isoformat() if statement.last_seen else None,
    }
