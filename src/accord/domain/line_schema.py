"""The JSON Schema (draft 2020-12) of one line of the JSONL import format.

Generated from the registry so that it never drifts from the schemata: one
branch for a report line and one per concrete schema for entity lines, with
that schema's property names enumerated (anything else is refused). Value
formats (phone, IBAN, ...) are checked by the value types on import, not here;
each property's description names its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord.domain.markings import PAP, TLP, HandlingCode

if TYPE_CHECKING:
    from accord.domain.registry import Registry, Schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TIME = {"type": "string", "description": "ISO 8601 time, e.g. 2026-03-04T10:00:00Z"}


def import_line_schema(registry: Registry) -> dict[str, Any]:
    concrete = [s for s in sorted(registry, key=lambda s: s.name) if not s.abstract]
    defs: dict[str, Any] = {
        "values": {"type": "array", "items": {"type": "string"},
                   "description": "every property value is a list of strings"},
        "markings": _markings(),
        "grading": _grading(),
        "report": _report(),
    }
    for schema in concrete:
        defs[f"entity.{schema.name}"] = _entity(schema)
    return {
        "$schema": DIALECT,
        "$id": "https://accord.invalid/schema/import-line.json",
        "title": "Accord import line",
        "description": "One line of the Accord JSONL import format (docs/format.md).",
        "oneOf": [{"$ref": "#/$defs/report"}]
        + [{"$ref": f"#/$defs/entity.{s.name}"} for s in concrete],
        "$defs": defs,
    }


def _entity(schema: Schema) -> dict[str, Any]:
    props = {
        name: {"$ref": "#/$defs/values",
               "description": f"{prop.label} ({prop.type.name}"
                              + (f" -> {prop.range})" if prop.range else ")")}
        for name, prop in sorted(schema.properties.items())
    }
    properties: dict[str, Any] = {"type": "object", "properties": props,
                                  "additionalProperties": False}
    if schema.required:
        properties["required"] = sorted(schema.required)
    return {
        "type": "object",
        "title": schema.label,
        "properties": {
            "kind": {"const": "entity"},
            "id": {"type": "string", "minLength": 1, "pattern": r"^\S+$"},
            "schema": {"const": schema.name},
            "report": {"type": "string", "minLength": 1},
            "properties": properties,
            "markings": {"$ref": "#/$defs/markings"},
            "grading": {"$ref": "#/$defs/grading"},
            "first_seen": _TIME,
            "last_seen": _TIME,
            # What the source wrote, for values that normalisation changed:
            # {property: {stored value: original}} (export writes it).
            "originals": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": {"type": "string"}}},
        },
        "required": ["id", "schema", "properties", "report"],
        "additionalProperties": False,
    }


def _report() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "title": "Report",
        "properties": {
            "kind": {"const": "report"},
            "id": {"type": "string", "minLength": 1},
            "origin": text,
            "title": {"type": "string", "minLength": 1},
            "narrative": text,
            "purpose": text,
            "markings": {"$ref": "#/$defs/markings"},
            "grading": {"$ref": "#/$defs/grading"},
            "review_date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "created": _TIME,
            "updated": _TIME,
            "version": {"type": "integer", "minimum": 1},
            "status": {"enum": ["active", "retracted"]},
        },
        "required": ["kind", "id", "title"],
        "additionalProperties": False,
    }


def _markings() -> dict[str, Any]:
    codes = [c.value for c in HandlingCode]
    return {
        "type": "object",
        "properties": {
            "tlp": {"enum": [t.value for t in TLP]},
            "pap": {"enum": [p.value for p in PAP]},
            "handling": {"oneOf": [{"type": "array", "items": {"enum": codes}},
                                   {"type": "string"}]},
            "releasable_to": {"type": "array", "items": {"type": "string"}},
            "originator_control": {"type": "boolean"},
            "restrictions": {"oneOf": [{"type": "array", "items": {"type": "string"}},
                                       {"type": "string"}]},
        },
        "additionalProperties": False,
    }


def _grading() -> dict[str, Any]:
    return {
        "oneOf": [
            {"type": "string", "pattern": r"^[A-Fa-fXx1-6][1-6A-Ea-e][PCpc]?$",
             "description": "a code such as B2 (Admiralty) or 1AP (UK)"},
            {"type": "object",
             "properties": {"scale": {"enum": ["admiralty", "europol", "uk"]},
                            "source": {"type": "string"},
                            "information": {"type": "string"},
                            "handling": {"type": "string"}},
             "required": ["source", "information"],
             "additionalProperties": False},
        ]
    }
