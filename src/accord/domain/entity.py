"""Entities as views over statements, and the validation that turns input into statements.

``build_statements`` is the single gate between an input (an import line, an API
body) and the statement store: it checks the schema and every property value,
normalises each value with its type and collects *all* problems rather than
stopping at the first, so a rejected file lists everything to fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accord.domain.errors import InvalidValue, Problem, SchemaError
from accord.domain.grading import Grading
from accord.domain.markings import Marking
from accord.domain.registry import Registry, Schema
from accord.domain.statement import Statement

# Used when a schema declares no caption: the first of these it has a value for.
_CAPTION_FALLBACK = (
    "name", "alias", "number", "imoNumber", "mmsi", "registrationNumber", "iban",
    "accountNumber", "cryptoAddress", "containerNumber", "billOfLading", "full", "amount",
    "email", "phone", "lastName", "firstName", "weakAlias", "drug", "date", "time",
)


def build_statements(
    registry: Registry,
    *,
    entity_id: str,
    schema: str,
    properties: Mapping[str, object],
    report_id: str,
    origin: str,
    marking: Marking,
    grading: Grading | None,
    first_seen: datetime | None = None,
    country: str | None = None,
    where: str = "",
) -> tuple[list[Statement], list[Problem]]:
    """Validate and normalise one entity's properties into statements.

    Returns the statements and every problem found (field names such as
    ``properties.phone[1]``); the caller must write nothing when problems is
    non-empty. ``country`` (ISO alpha-2) reads national phone numbers. Whether
    entity references exist is the importer's check, not this function's.
    """
    problems: list[Problem] = []

    def problem(field_name: str, reason: str) -> None:
        problems.append(Problem(where, field_name, reason))

    if not isinstance(entity_id, str) or not entity_id.strip():
        problem("id", "an entity needs a non-empty string id")
    elif any(ch.isspace() for ch in entity_id):
        problem("id", f"entity id {entity_id!r} contains whitespace")
    try:
        resolved = registry.get(schema)
    except SchemaError as exc:
        problem("schema", exc.message)
        return [], problems
    if resolved.abstract:
        concrete = ", ".join(s.name for s in registry.descendants(resolved.name)
                             if not s.abstract)
        problem("schema", f"schema {resolved.name} is abstract; use one of: {concrete}")
    if not isinstance(properties, Mapping):
        problem("properties", "must be an object mapping property names to lists of strings")
        return [], problems

    statements: list[Statement] = []
    seen: set[tuple[str, str]] = set()
    filled: set[str] = set()
    for prop_name, values in properties.items():
        label = f"properties.{prop_name}"
        try:
            prop = resolved.get(str(prop_name))
        except SchemaError as exc:
            problem(label, exc.message)
            continue
        if not isinstance(values, list):
            kind = "a string" if isinstance(values, str) else type(values).__name__
            problem(label, f"must be a list of strings, not {kind}"
                    + (f" (write [{values!r}])" if isinstance(values, str) else ""))
            continue
        for index, raw in enumerate(values):
            at = f"{label}[{index}]"
            if not isinstance(raw, str):
                problem(at, f"must be a string, not {type(raw).__name__} {raw!r}")
                continue
            try:
                value = prop.type.normalize(raw, country=country)
            except InvalidValue as exc:
                problem(at, exc.message)
                continue
            filled.add(prop.name)
            if (prop.name, value) in seen:
                continue
            seen.add((prop.name, value))
            statements.append(Statement(
                entity_id=entity_id, schema=resolved.name, prop=prop.name, value=value,
                report_id=report_id, origin=origin, marking=marking, grading=grading,
                original_value=raw if raw != value else None, first_seen=first_seen,
            ))
    for req in sorted(resolved.required):
        if req not in filled and not _mentioned(properties, req):
            problem(f"properties.{req}", f"required property {req!r} of {resolved.name} "
                    "is missing")
    if not statements and not problems:
        problem("properties", "an entity needs at least one property value")
    return statements, problems


def _mentioned(properties: Mapping[str, object], prop: str) -> bool:
    """True if ``prop`` was given with at least one value (already reported if invalid)."""
    values = properties.get(prop)
    return isinstance(values, list | str) and len(values) > 0


@dataclass(frozen=True)
class Entity:
    """One entity as its statements describe it (possibly from several reports and nodes)."""

    id: str
    schema: str
    properties: dict[str, list[str]]
    statements: tuple[Statement, ...] = ()
    caption: str = ""
    #: the join of its statements' markings (the entity is as restricted as its parts)
    marking: Marking = field(default=Marking.UNRESTRICTED)

    @property
    def origins(self) -> set[str]:
        """The node ids the statements come from."""
        return {s.origin for s in self.statements}

    def provenance(self, prop: str) -> list[Statement]:
        """The statements behind ``prop``'s values, in statement order."""
        return [s for s in self.statements if s.prop == prop]

    def first(self, prop: str) -> str | None:
        values = self.properties.get(prop)
        return values[0] if values else None

    def to_ftm(self) -> dict[str, Any]:
        """FollowTheMoney entity JSON: ``{"id", "schema", "properties"}``."""
        return {"id": self.id, "schema": self.schema,
                "properties": {k: list(v) for k, v in self.properties.items()}}

    @classmethod
    def from_statements(cls, registry: Registry, statements: Iterable[Statement]) -> Entity:
        """Assemble an entity; its schema is the most specific one across the statements.

        Raises ``SchemaError`` if the statements are about different entities or
        their schemata are incompatible, ``ValueError`` if there are none.
        """
        stmts = tuple(statements)
        if not stmts:
            raise ValueError("an entity needs at least one statement")
        entity_id = stmts[0].entity_id
        schema: Schema = registry.get(stmts[0].schema)
        properties: dict[str, list[str]] = {}
        for stmt in stmts:
            if stmt.entity_id != entity_id:
                raise SchemaError(f"statements about {entity_id!r} and {stmt.entity_id!r} "
                                  "cannot form one entity")
            if stmt.schema != schema.name:
                schema = registry.common(schema, stmt.schema)
            values = properties.setdefault(stmt.prop, [])
            if stmt.value not in values:
                values.append(stmt.value)
        return cls(
            id=entity_id, schema=schema.name, properties=properties, statements=stmts,
            caption=_caption(schema, stmts) or entity_id,
            marking=Marking.join_all(s.marking for s in stmts),
        )


def _caption(schema: Schema, statements: tuple[Statement, ...]) -> str:
    """The most often stated value of the best caption property (first seen on ties)."""
    order = schema.caption or tuple(p for p in _CAPTION_FALLBACK if p in schema.properties)
    for prop in order:
        counts = Counter(s.value for s in statements if s.prop == prop)
        if counts:
            return counts.most_common(1)[0][0]
    return ""
