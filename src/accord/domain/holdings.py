"""What a node holds, as private-matching items: identifiers and persons in statements.

The owner's side of a hit/no-hit query compares the asker's items with the
identifiers and persons in the statements it may answer about (those a
follow-up could release: see ``accord.services.query_index``). This module
reads statements and says which item each one is:

* by value type: phone, email, IBAN, IMO, MMSI properties;
* by property: passport and ID numbers (``Person.passportNumber``,
  ``LegalEntity.idNumber``, ``Document.number``) and vehicle plates
  (``Vehicle.registrationNumber``, not vessels or aircraft) are issued per
  country, taken from the entity's nationality, country or jurisdiction in the
  same report (skipped without one: a number without its country is not an
  item); crypto wallets (``Account.cryptoAddress``).

A value that does not normalise is skipped, not an error: the owner's data
was validated on import, and a query must never fail on the owner's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accord.domain.errors import InvalidValue
from accord.domain.identifiers import IdentifierItem, IdentifierKind, identifier_item
from accord.domain.markings import Marking
from accord.domain.registry import Registry
from accord.domain.statement import Statement

_BY_TYPE = {"phone": IdentifierKind.PHONE, "email": IdentifierKind.EMAIL,
            "iban": IdentifierKind.IBAN, "imo": IdentifierKind.IMO,
            "mmsi": IdentifierKind.MMSI}
_DOCUMENT_PROPS = frozenset({"passportNumber", "idNumber"})
_COUNTRY_PROPS = ("nationality", "country", "jurisdiction")


@dataclass(frozen=True)
class Held:
    """One identifier item in one statement."""

    item: IdentifierItem
    statement: Statement


@dataclass(frozen=True)
class PersonRecord:
    """A person as CLKs encode it: ``{"name", "dob", "nationality"}``."""

    entity_id: str
    report_id: str
    name: str
    dob: str | None
    nationality: str | None
    marking: Marking

    def fields(self) -> dict[str, str | None]:
        return {"name": self.name, "dob": self.dob, "nationality": self.nationality}


def kind_of(registry: Registry, schema: str, prop: str) -> IdentifierKind | None:
    """The identifier kind of ``schema.prop`` values, or None if they are not identifiers."""
    if schema not in registry:
        return None
    found = registry.get(schema)
    declared = found.properties.get(prop)
    if declared is None:
        return None
    by_type = _BY_TYPE.get(declared.type.name)
    if by_type is not None:
        return by_type
    if prop in _DOCUMENT_PROPS or (found.is_a("Document") and prop == "number"):
        return IdentifierKind.PASSPORT
    if prop == "cryptoAddress":
        return IdentifierKind.CRYPTO
    if prop == "registrationNumber" and found.is_a("Vehicle") and not (
            found.is_a("Vessel") or found.is_a("Aircraft")):
        return IdentifierKind.PLATE
    return None


def held_items(registry: Registry, statements: Sequence[Statement]) -> list[Held]:
    """Every identifier item in ``statements`` (one report's, so countries can be read)."""
    countries: dict[str, str] = {}
    for s in statements:
        if s.prop in _COUNTRY_PROPS:
            # nationality first, then country, then jurisdiction
            rank = _COUNTRY_PROPS.index(s.prop)
            best = countries.get(s.entity_id)
            if best is None or rank < _COUNTRY_PROPS.index(best.split(":", 1)[0]):
                countries[s.entity_id] = f"{s.prop}:{s.value}"
    out: list[Held] = []
    for s in statements:
        kind = kind_of(registry, s.schema, s.prop)
        if kind is None:
            continue
        country = countries.get(s.entity_id, "").split(":", 1)[-1] or None
        if kind.per_country and country is None:
            continue
        try:
            out.append(Held(identifier_item(kind, s.value, country=country), s))
        except InvalidValue:
            continue
    return out


def person_records(registry: Registry, statements: Iterable[Statement]) -> list[PersonRecord]:
    """One record per (person, name) in ``statements``, with date of birth and nationality."""
    by_entity: dict[str, list[Statement]] = {}
    for s in statements:
        if s.schema in registry and registry.get(s.schema).is_a("Person"):
            by_entity.setdefault(s.entity_id, []).append(s)
    out = []
    for entity_id, found in sorted(by_entity.items()):
        dob = next((s.value for s in found if s.prop == "birthDate"), None)
        nationality = next((s.value for s in found if s.prop == "nationality"), None)
        for s in found:
            if s.prop in ("name", "alias"):
                out.append(PersonRecord(entity_id, s.report_id, s.value, dob, nationality,
                                        s.marking))
    return out


def label_of(markings: Iterable[Marking]) -> str:
    """The handling-code label a hit carries: every code of the markings, ``H0`` if none."""
    codes = sorted({c for m in markings for c in m.handling_codes if c != "H0"})
    return "+".join(codes) or "H0"
