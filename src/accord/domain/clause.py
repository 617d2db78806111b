"""Clauses: what one direction of an agreement lets through, and how.

A clause is an allow-list. It names who sends to whom (or "all parties"),
which schemas and properties may travel, which markings may travel (maximum
TLP, allowed handling codes), for which purposes, in which mode (push, on
request, hit/no-hit only), what the recipient may do with it (PAP), whether a
supervisor must approve each release (four-eyes), to which third parties the
recipient may pass it on, and how long the recipient may keep it.

Anything a clause does not name is not allowed. Defaults are the restrictive
choice: only unrestricted (H0) material, passive cross-checks only (PAP
AMBER), no onward transfer, no narrative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from accord.domain.errors import InvalidValue
from accord.domain.markings import PAP, TLP, HandlingCode

ALL = "all"


class Mode(Enum):
    """How material moves under a clause."""

    PUSH = "push"  # sent when a report is created or updated
    ON_REQUEST = "on-request"  # sent only in answer to a follow-up request
    HIT_ONLY = "hit-only"  # only hit/no-hit answers; content needs an approved request


def _frozen_map(raw: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType({k: frozenset(v) for k, v in raw.items()})


_EMPTY: Mapping[str, frozenset[str]] = MappingProxyType({})


@dataclass(frozen=True)
class Clause:
    """One directed permission of an agreement.

    ``senders`` / ``recipients`` are node ids, or ``None`` for "all parties".
    ``properties`` maps a schema to its allowed properties; a schema in
    ``schemas`` without an entry allows all its properties. ``redactions`` maps
    a schema to properties that never travel, whatever ``properties`` says.
    ``onward_transfer`` names the third parties the recipient may pass the
    material on to (empty: none).
    """

    id: str
    schemas: frozenset[str]
    purposes: frozenset[str]
    max_tlp: TLP
    senders: frozenset[str] | None = None
    recipients: frozenset[str] | None = None
    properties: Mapping[str, frozenset[str]] = field(default_factory=lambda: _EMPTY)
    redactions: Mapping[str, frozenset[str]] = field(default_factory=lambda: _EMPTY)
    handling_allowed: frozenset[HandlingCode] = frozenset({HandlingCode.H0})
    permitted_actions: PAP = PAP.AMBER
    mode: Mode = Mode.PUSH
    four_eyes: bool = False
    onward_transfer: frozenset[str] = frozenset()
    retention_days: int = 365
    narrative: bool = False

    def __post_init__(self) -> None:
        where = f"clause {self.id!r}"
        if not self.id:
            raise InvalidValue("a clause needs an id", where="clause.id")
        object.__setattr__(self, "schemas", frozenset(self.schemas))
        object.__setattr__(self, "purposes", frozenset(self.purposes))
        object.__setattr__(self, "properties", _frozen_map(self.properties))
        object.__setattr__(self, "redactions", _frozen_map(self.redactions))
        # H0 is implied by every marking, so it is always allowed.
        object.__setattr__(self, "handling_allowed",
                           frozenset(self.handling_allowed) | {HandlingCode.H0})
        object.__setattr__(self, "onward_transfer", frozenset(self.onward_transfer))
        if not self.schemas:
            raise InvalidValue("at least one schema is needed", where=f"{where}.schemas")
        if not self.purposes:
            raise InvalidValue("at least one purpose is needed", where=f"{where}.purposes")
        for name, mapping in (("properties", self.properties), ("redactions", self.redactions)):
            stray = sorted(set(mapping) - self.schemas)
            if stray:
                raise InvalidValue(f"schema(s) {', '.join(stray)} are not in this clause's "
                                   "schemas", where=f"{where}.{name}")
        if self.retention_days < 1:
            raise InvalidValue("must be at least 1", where=f"{where}.retention_days")

    def sends(self, sender: str, recipient: str) -> bool:
        """True when this clause covers material going from ``sender`` to ``recipient``."""
        return (sender != recipient
                and (self.senders is None or sender in self.senders)
                and (self.recipients is None or recipient in self.recipients))

    def allows_property(self, schema: str, prop: str) -> bool:
        """Scope only: schema and property allowed and not redacted."""
        if schema not in self.schemas or prop in self.redactions.get(schema, ()):
            return False
        allowed = self.properties.get(schema)
        return allowed is None or prop in allowed

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with every list sorted (it is part of what is signed)."""
        return {
            "id": self.id,
            "from": ALL if self.senders is None else sorted(self.senders),
            "to": ALL if self.recipients is None else sorted(self.recipients),
            "schemas": sorted(self.schemas),
            "properties": {k: sorted(v) for k, v in sorted(self.properties.items())},
            "redactions": {k: sorted(v) for k, v in sorted(self.redactions.items())},
            "max_tlp": self.max_tlp.value,
            "handling": [c.value for c in sorted(self.handling_allowed)],
            "purposes": sorted(self.purposes),
            "permitted_actions": self.permitted_actions.value,
            "mode": self.mode.value,
            "four_eyes": self.four_eyes,
            "onward_transfer": sorted(self.onward_transfer),
            "retention_days": self.retention_days,
            "narrative": self.narrative,
        }

    @classmethod
    def from_dict(cls, raw: Any, *, where: str, parties: Iterable[str] = (),
                  known_schemas: Iterable[str] | None = None) -> Clause:
        """Parse one clause; errors name the field (``where`` is its path)."""
        return _ClauseParser(raw, where, frozenset(parties), known_schemas).parse()


_FIELDS = {"id", "from", "to", "schemas", "properties", "redactions", "max_tlp", "handling",
           "purposes", "permitted_actions", "mode", "four_eyes", "onward_transfer",
           "retention_days", "narrative"}
_REQUIRED = ("id", "schemas", "purposes", "max_tlp")


class _ClauseParser:
    def __init__(self, raw: Any, where: str, parties: frozenset[str],
                 known: Iterable[str] | None) -> None:
        self.raw = raw
        self.where = where
        self.parties = parties
        self.known = None if known is None else frozenset(known)

    def parse(self) -> Clause:
        raw, w = self.raw, self.where
        if not isinstance(raw, Mapping):
            raise InvalidValue("a clause must be an object", where=w)
        unknown = sorted(set(map(str, raw)) - _FIELDS)
        if unknown:
            raise InvalidValue(f"unknown field(s) {', '.join(unknown)} (allowed: "
                               f"{', '.join(sorted(_FIELDS))})", where=w)
        for name in _REQUIRED:
            if raw.get(name) in (None, "", []):
                raise InvalidValue("is required", where=f"{w}.{name}")
        schemas = self.strings("schemas")
        if self.known is not None:
            bad = sorted(set(schemas) - self.known)
            if bad:
                raise InvalidValue(f"unknown schema(s) {', '.join(bad)}", where=f"{w}.schemas")
        retention = raw.get("retention_days", 365)
        if isinstance(retention, bool) or not isinstance(retention, int) or retention < 1:
            raise InvalidValue(f"{retention!r} is not a whole number of days (at least 1)",
                               where=f"{w}.retention_days")
        return Clause(
            id=self.string("id"),
            schemas=frozenset(schemas),
            purposes=frozenset(self.strings("purposes")),
            max_tlp=TLP.parse(self.string("max_tlp"), where=f"{w}.max_tlp"),
            senders=self.parties_or_all("from"),
            recipients=self.parties_or_all("to"),
            properties=self.schema_map("properties", schemas),
            redactions=self.schema_map("redactions", schemas),
            handling_allowed=frozenset(
                HandlingCode.parse(h, where=f"{w}.handling")
                for h in self.strings("handling", default=["H0"])
            ),
            permitted_actions=PAP.parse(str(raw.get("permitted_actions", "AMBER")),
                                        where=f"{w}.permitted_actions"),
            mode=self.mode(),
            four_eyes=self.boolean("four_eyes"),
            onward_transfer=self.onward(),
            retention_days=retention,
            narrative=self.boolean("narrative"),
        )

    def string(self, name: str) -> str:
        value = self.raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidValue(f"{value!r} is not a non-empty string", where=f"{self.where}.{name}")
        return value.strip()

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.raw.get(name, default)
        where = f"{self.where}.{name}"
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise InvalidValue("must be a list of strings", where=where)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise InvalidValue(f"{item!r} is not a non-empty string (YAML reads unquoted "
                                   "no/yes/on/off as booleans: quote it)", where=f"{where}[{i}]")
            out.append(item.strip())
        return out

    def boolean(self, name: str) -> bool:
        value = self.raw.get(name, False)
        if not isinstance(value, bool):
            raise InvalidValue(f"{value!r} is not true or false", where=f"{self.where}.{name}")
        return value

    def parties_or_all(self, name: str) -> frozenset[str] | None:
        value = self.raw.get(name, ALL)
        if value == ALL or value == "all parties":
            return None
        names = frozenset(self.strings(name))
        stray = sorted(names - self.parties)
        if self.parties and stray:
            raise InvalidValue(f"{', '.join(stray)} not among the agreement's parties",
                               where=f"{self.where}.{name}")
        return names

    def onward(self) -> frozenset[str]:
        value = self.raw.get("onward_transfer", "none")
        if value in ("none", None, []):
            return frozenset()
        return frozenset(self.strings("onward_transfer"))

    def schema_map(self, name: str, schemas: list[str]) -> dict[str, frozenset[str]]:
        value = self.raw.get(name, {})
        where = f"{self.where}.{name}"
        if not isinstance(value, Mapping):
            raise InvalidValue("must map a schema to a list of properties", where=where)
        out: dict[str, frozenset[str]] = {}
        for schema, props in value.items():
            if schema not in schemas:
                raise InvalidValue(f"{schema!r} is not in this clause's schemas",
                                   where=f"{where}.{schema}")
            if props == ALL and name == "properties":
                continue  # same as leaving the schema out: every property
            out[str(schema)] = frozenset(
                _ClauseParser(value, where, self.parties, None).strings(str(schema))
            )
        return out

    def mode(self) -> Mode:
        value = self.raw.get("mode", Mode.PUSH.value)
        try:
            return Mode(value)
        except ValueError:
            choices = ", ".join(m.value for m in Mode)
            raise InvalidValue(f"{value!r} is not a mode (choose {choices})",
                               where=f"{self.where}.mode") from None
