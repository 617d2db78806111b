"""The schema registry: entity and link types, declared as YAML data.

Each file in ``domain/schemata`` declares one schema: its ``name``, ``label``,
whether it is ``abstract``, the schemata it ``extends``, its ``properties``
(``type``, ``label``, ``range`` for entity references, ``strong`` for
identifying properties), ``required`` property names and, for links, an
``edge`` naming the source and target properties. A schema holds its inherited
properties too, so ``registry.get("Person").get("phone")`` works.

The loader validates the YAML itself (unknown value types, unknown parents,
inheritance cycles, edges or required names without a property) and raises
``SchemaError`` naming the file and the problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from accord.domain.errors import SchemaError
from accord.domain.values import ValueType, get_type

SCHEMATA_DIR = Path(__file__).parent / "schemata"
_SCHEMA_KEYS = {"name", "label", "abstract", "extends", "properties", "required", "edge",
                "caption"}
_PROPERTY_KEYS = {"type", "label", "range", "strong"}


@dataclass(frozen=True)
class Property:
    """One property: ``schema`` is the name of the schema that declares it."""

    name: str
    type: ValueType
    label: str
    range: str | None = None
    strong: bool = False
    schema: str = ""


@dataclass(frozen=True)
class Edge:
    """A link schema's endpoints: the names of its source and target properties."""

    source: str
    target: str
    directed: bool = True


@dataclass(frozen=True)
class Schema:
    name: str
    label: str
    abstract: bool
    extends: tuple[str, ...]
    properties: dict[str, Property]
    required: frozenset[str]
    edge: Edge | None = None
    #: this schema and every schema it extends, directly or not
    ancestors: frozenset[str] = field(default_factory=frozenset)
    #: properties to show as the entity's caption, best first
    caption: tuple[str, ...] = ()

    def is_a(self, name: str) -> bool:
        """True if this schema is ``name`` or extends it."""
        return name in self.ancestors

    def get(self, prop: str) -> Property:
        try:
            return self.properties[prop]
        except KeyError:
            raise SchemaError(f"schema {self.name} has no property {prop!r}"
                              f"{_suggest(prop, self.properties)}") from None

    def __hash__(self) -> int:
        return hash(self.name)


class Registry:
    """Every schema by name, resolved (inheritance applied)."""

    def __init__(self, schemata: Mapping[str, Schema]) -> None:
        self.schemata: dict[str, Schema] = dict(schemata)

    def get(self, name: str | Schema) -> Schema:
        """The schema called ``name``; ``SchemaError`` (with a suggestion) if unknown."""
        if isinstance(name, Schema):
            return name
        if not isinstance(name, str):
            raise SchemaError(f"a schema name must be a string, not {type(name).__name__}")
        try:
            return self.schemata[name]
        except KeyError:
            raise SchemaError(f"unknown schema {name!r}{_suggest(name, self.schemata)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.schemata

    def __iter__(self) -> Iterator[Schema]:
        return iter(self.schemata.values())

    def descendants(self, name: str) -> list[Schema]:
        """Every schema that is a ``name`` (including itself), sorted by name."""
        return sorted((s for s in self.schemata.values() if s.is_a(name)), key=lambda s: s.name)

    def common(self, a: str | Schema, b: str | Schema) -> Schema:
        """The more specific of two schemata when one extends the other; else SchemaError."""
        left, right = self.get(a), self.get(b)
        if left.is_a(right.name):
            return left
        if right.is_a(left.name):
            return right
        raise SchemaError(f"schemata {left.name} and {right.name} are not compatible "
                          "(neither extends the other)")

    def json_schema(self) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of one line of the JSONL import format."""
        from accord.domain.line_schema import import_line_schema

        return import_line_schema(self)


def load_registry(directory: Path | None = None) -> Registry:
    """Load and validate the schemata in ``directory`` (default: the packaged ones)."""
    if directory is None:
        return _default_registry()
    return _load(Path(directory))


@cache
def _default_registry() -> Registry:
    return _load(SCHEMATA_DIR)


def _load(directory: Path) -> Registry:
    raw: dict[str, dict[str, Any]] = {}
    files: dict[str, str] = {}
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise SchemaError(f"no schema files (*.yaml) in {directory}")
    for path in paths:
        data = _read(path)
        name = data["name"]
        if name in raw:
            raise SchemaError(f"schema {name} is declared twice", where=path.name)
        raw[name], files[name] = data, path.name
    resolved: dict[str, Schema] = {}
    for name in raw:
        _resolve(name, raw, files, resolved, ())
    return Registry(resolved)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"not valid YAML: {exc}", where=path.name) from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise SchemaError("a schema file must be a mapping with a 'name'", where=path.name)
    unknown = set(data) - _SCHEMA_KEYS
    if unknown:
        raise SchemaError(f"unknown key(s) {', '.join(sorted(unknown))}", where=path.name)
    props = data.get("properties") or {}
    if not isinstance(props, dict):
        raise SchemaError("'properties' must be a mapping", where=path.name)
    for prop, spec in props.items():
        if not isinstance(spec, dict) or "type" not in spec:
            raise SchemaError(f"property {prop!r} needs a mapping with a 'type'",
                              where=path.name)
        bad = set(spec) - _PROPERTY_KEYS
        if bad:
            raise SchemaError(f"property {prop!r}: unknown key(s) {', '.join(sorted(bad))}",
                              where=path.name)
    return data


def _resolve(name: str, raw: dict[str, dict[str, Any]], files: dict[str, str],
             done: dict[str, Schema], path: tuple[str, ...]) -> Schema:
    if name in done:
        return done[name]
    if name in path:
        cycle = " -> ".join((*path[path.index(name):], name))
        raise SchemaError(f"inheritance cycle: {cycle}", where=files[name])
    data, where = raw[name], files[name]
    extends = tuple(_names(data.get("extends"), "extends", where))
    properties: dict[str, Property] = {}
    required: set[str] = set()
    ancestors = {name}
    caption: tuple[str, ...] = ()
    for parent_name in extends:
        if parent_name not in raw:
            raise SchemaError(f"schema {name} extends unknown schema {parent_name!r}"
                              f"{_suggest(parent_name, raw)}", where=where)
        parent = _resolve(parent_name, raw, files, done, (*path, name))
        ancestors |= parent.ancestors
        required |= parent.required
        caption = caption or parent.caption
        for prop in parent.properties.values():
            _merge(properties, prop, name, where)
    for prop_name, spec in (data.get("properties") or {}).items():
        prop_range = spec.get("range")
        prop_type = _value_type(spec["type"], f"property {prop_name!r}", where)
        if prop_type.name == "entity" and (not prop_range or prop_range not in raw):
            raise SchemaError(f"property {prop_name!r} needs a 'range' naming a schema "
                              f"(got {prop_range!r})", where=where)
        if prop_type.name != "entity" and prop_range is not None:
            raise SchemaError(f"property {prop_name!r} has a range but is not of type entity",
                              where=where)
        _merge(properties, Property(
            name=prop_name, type=prop_type, label=str(spec.get("label", prop_name)),
            range=prop_range, strong=bool(spec.get("strong", False)), schema=name,
        ), name, where, override=True)
    for req in _names(data.get("required"), "required", where):
        if req not in properties:
            raise SchemaError(f"required property {req!r} is not a property of {name}",
                              where=where)
        required.add(req)
    edge = _edge(data.get("edge"), properties, name, where)
    own_caption = tuple(_names(data.get("caption"), "caption", where))
    for prop_name in own_caption:
        if prop_name not in properties:
            raise SchemaError(f"caption property {prop_name!r} is not a property of {name}",
                              where=where)
    schema = Schema(
        name=name, label=str(data.get("label", name)), abstract=bool(data.get("abstract")),
        extends=extends, properties=properties, required=frozenset(required), edge=edge,
        ancestors=frozenset(ancestors), caption=own_caption or caption,
    )
    done[name] = schema
    return schema


def _merge(properties: dict[str, Property], prop: Property, schema: str, where: str,
           *, override: bool = False) -> None:
    existing = properties.get(prop.name)
    if existing is not None and existing.type is not prop.type:
        raise SchemaError(
            f"property {prop.name!r} of {schema} is {prop.type.name} here but "
            f"{existing.type.name} in {existing.schema}", where=where)
    if existing is None or override:
        properties[prop.name] = prop


def _edge(raw: Any, properties: dict[str, Property], name: str, where: str) -> Edge | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"source", "target", "directed"}:
        raise SchemaError("'edge' must be {source, target, directed}", where=where)
    for end in ("source", "target"):
        prop = properties.get(str(raw.get(end)))
        if prop is None or prop.type.name != "entity":
            raise SchemaError(f"edge {end} {raw.get(end)!r} is not an entity property of {name}",
                              where=where)
    return Edge(str(raw["source"]), str(raw["target"]), bool(raw.get("directed", True)))


def _value_type(name: Any, what: str, where: str) -> ValueType:
    try:
        return get_type(str(name))
    except SchemaError as exc:
        raise SchemaError(f"{what}: {exc.message}", where=where) from None


def _names(raw: Any, key: str, where: str) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise SchemaError(f"{key!r} must be a list of names", where=where)
    return list(raw)


def _suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for a wrong case, a prefix or a near miss, else ''."""
    options = list(choices)
    folded = name.casefold()
    close = [c for c in options if c.casefold() == folded]
    close = close or [c for c in options if len(name) >= 3 and c.casefold().startswith(folded)]
    close = close or difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
