"""Turning one input record into a report or into statements, with every problem named.

Both passes of the importer call these functions on the same record and get
the same answer (they are pure), so the first pass can validate without
keeping anything and the second can write without validating again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from accord.domain.entity import build_statements
from accord.domain.errors import InvalidValue, Problem
from accord.domain.grading import Grading
from accord.domain.markings import Marking
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.domain.statement import Statement
from accord.domain.values.storable import unstorable
from accord.interop.lines import SourceRecord

ENTITY_FIELDS = frozenset({"kind", "id", "schema", "report", "properties", "markings",
                           "grading", "first_seen", "last_seen", "originals"})


@dataclass(frozen=True)
class ReportInfo:
    """What an entity line takes from its report."""

    origin: str
    marking: Marking
    grading: Grading | None
    retracted: bool

    @classmethod
    def of(cls, report: Report) -> ReportInfo:
        return cls(report.origin, report.marking, report.grading, report.retracted)


@dataclass(frozen=True)
class Reference:
    """A link from a property to another entity, to be checked once all ids are known."""

    field: str
    target: str
    range: str | None


@dataclass
class ParsedEntity:
    entity_id: str
    schema: str
    report_id: str
    statements: list[Statement] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def record_kind(record: Mapping[str, Any]) -> str | None:
    """``"report"``, ``"entity"`` or None (a line with a schema and no kind is an entity)."""
    kind = record.get("kind")
    if kind is None:
        return "entity" if "schema" in record else None
    return kind if kind in ("report", "entity") else None


def parse_report(src: SourceRecord, record: Mapping[str, Any], *,
                 origin: str) -> tuple[Report | None, list[Problem]]:
    try:
        return Report.from_dict(record, origin=origin, where="report"), []
    except InvalidValue as exc:
        name = (exc.where or "").removeprefix("report").lstrip(".")
        return None, [src.rename(Problem(src.where, name, exc.message))]


def parse_entity(src: SourceRecord, record: Mapping[str, Any], *, registry: Registry,
                 report: ReportInfo | None, country: str | None) -> ParsedEntity:
    """Validate one entity record against its report (None: the report is unknown)."""
    entity_id = record.get("id")
    schema = record.get("schema")
    report_id = record.get("report")
    parsed = ParsedEntity(entity_id if isinstance(entity_id, str) else "",
                          schema if isinstance(schema, str) else "",
                          report_id if isinstance(report_id, str) else "")

    def problem(name: str, reason: str) -> None:
        parsed.problems.append(src.rename(Problem(src.where, name, reason)))

    unknown = set(record) - ENTITY_FIELDS
    if unknown:
        problem("", f"unknown field(s): {', '.join(sorted(unknown))}")
    bad_text = list(unstorable(dict(record)))
    for name, reason in bad_text:
        problem(name, reason)
        if name == "id":  # not an id anything can be checked against or stored under
            parsed.entity_id = ""
    if bad_text:
        return parsed
    if not isinstance(report_id, str) or not report_id.strip():
        problem("report", "an entity needs the id of its report (\"report\": \"...\")")
    elif report is None:
        problem("report", f"unknown report {report_id!r}: define it on an earlier line "
                "or import it first")
    if not isinstance(schema, str):
        problem("schema", "an entity needs a schema name (\"schema\": \"Person\")")
        return parsed
    marking = report.marking if report else Marking.DEFAULT
    grading = report.grading if report else None
    try:
        if record.get("markings") is not None:
            marking = Marking.from_dict(record["markings"], where="markings")
        if record.get("grading") is not None:
            grading = Grading.from_dict(record["grading"], where="grading")
    except InvalidValue as exc:
        problem(exc.where or "markings", exc.message)
    first_seen = _time(record.get("first_seen"), "first_seen", problem)
    last_seen = _time(record.get("last_seen"), "last_seen", problem)
    statements, problems = build_statements(
        registry, entity_id=parsed.entity_id, schema=schema,
        properties=record.get("properties", {}), report_id=parsed.report_id,
        origin=report.origin if report else "", marking=marking, grading=grading,
        first_seen=first_seen, country=country, where=src.where)
    parsed.problems.extend(src.rename(p) for p in problems)
    if "properties" not in record:
        problem("properties", "an entity needs its properties ({\"name\": [\"...\"]})")
    originals = _originals(record.get("originals"), problem)
    if last_seen is not None or originals:
        statements = [replace(
            s, last_seen=last_seen,
            original_value=originals.get((s.prop, s.value), s.original_value))
            for s in statements]
    parsed.statements = statements
    if schema in registry:
        resolved = registry.get(schema)
        parsed.schema = resolved.name
        for stmt in statements:
            prop = resolved.properties[stmt.prop]
            if prop.type.name == "entity":
                parsed.references.append(Reference(f"properties.{prop.name}", stmt.value,
                                                   prop.range))
    return parsed


def _time(raw: Any, name: str, problem: Any) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # a time near year 1 or 9999 may have no UTC form
        problem(name, f"{raw!r} is not an ISO 8601 time (2026-03-01T00:00:00Z)")
        return None


def _originals(raw: Any, problem: Any) -> dict[tuple[str, str], str]:
    """``originals``: ``{prop: {stored value: value as first written}}`` (export keeps them)."""
    if raw is None:
        return {}
    out: dict[tuple[str, str], str] = {}
    if not isinstance(raw, Mapping):
        problem("originals", "must be an object {property: {value: original}}")
        return out
    for prop, values in raw.items():
        if not isinstance(values, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
            problem(f"originals.{prop}", "must be an object mapping values to originals")
            continue
        for value, original in values.items():
            if original != value:
                out[(str(prop), value)] = original
    return out
