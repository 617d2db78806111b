"""Identifier items: the exact strings two nodes compare by private set intersection.

An item is ``<kind>:<key>`` or, for identifiers issued per country (passports
and ID documents, vehicle plates), ``<kind>:<country>:<key>``. The key is the
foundation's match key (``accord.domain.values.identifier_key``), so a phone
written ``(300) 123-4567`` in Bogotá and ``+57 300 1234567`` in Mexico City give
the same item on both sides. The kind prefix keeps kinds apart: the MMSI
``366123456`` and a passport number ``366123456`` are different items, and a
node's PSI setup for one kind never answers for another.

Each kind has its own rate limit (see ``accord.domain.ratelimit``) because the
size of its domain decides how quickly a partner could enumerate it by asking:
IMO numbers have ~10^6 valid values, MMSIs ~10^8, a country's mobile numbers
~10^9, IBANs and e-mail addresses far more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from accord.domain.errors import InvalidValue, Problem
from accord.domain.values import get_type, identifier_key


class IdentifierKind(Enum):
    """What an item identifies; the value is its prefix in PSI items."""

    PHONE = "phone"
    EMAIL = "email"
    PASSPORT = "passport"  # passports and national ID documents: country + number
    IMO = "imo"
    MMSI = "mmsi"
    IBAN = "iban"
    CRYPTO = "crypto"  # wallet addresses (any chain)
    PLATE = "plate"  # vehicle registration plates: country + plate

    @classmethod
    def parse(cls, raw: str, *, where: str = "kind") -> IdentifierKind:
        """The kind called ``raw`` (case-insensitive); ``InvalidValue`` naming the choices."""
        for kind in cls:
            if kind.value == raw.strip().lower():
                return kind
        choices = ", ".join(k.value for k in cls)
        raise InvalidValue(f"{raw!r} is not an identifier kind (choose {choices})", where=where)

    @property
    def per_country(self) -> bool:
        """True when the same number may be issued by different countries."""
        return self in (IdentifierKind.PASSPORT, IdentifierKind.PLATE)


# The foundation's value type that normalises each kind.
_VALUE_TYPE = {
    IdentifierKind.PHONE: "phone",
    IdentifierKind.EMAIL: "email",
    IdentifierKind.PASSPORT: "identifier",
    IdentifierKind.IMO: "imo",
    IdentifierKind.MMSI: "mmsi",
    IdentifierKind.IBAN: "iban",
    IdentifierKind.CRYPTO: "identifier",
    IdentifierKind.PLATE: "identifier",
}


@dataclass(frozen=True, order=True)
class IdentifierItem:
    """One normalised identifier; ``str(item)`` is the PSI item string."""

    kind: IdentifierKind
    key: str
    country: str | None = None

    def __str__(self) -> str:
        if self.country is not None:
            return f"{self.kind.value}:{self.country}:{self.key}"
        return f"{self.kind.value}:{self.key}"


def identifier_item(
    kind: IdentifierKind, raw: str, *, country: str | None = None, where: str = "value"
) -> IdentifierItem:
    """Normalise ``raw`` as a ``kind`` identifier.

    ``country`` (a name or ISO code) is required for passports and plates, where it
    is the issuing country, and is a parsing hint for national phone numbers.
    Raises ``InvalidValue`` naming ``where`` and why.
    """
    code: str | None = None
    if country is not None:
        try:
            code = get_type("country").normalize(country)
        except InvalidValue as exc:
            raise InvalidValue(exc.message, where=f"{where}: country") from None
    if kind.per_country and code is None:
        raise InvalidValue(
            f"a {kind.value} needs its issuing country (e.g. country='co')", where=where)
    try:
        key = identifier_key(_VALUE_TYPE[kind], raw, country=code)
    except InvalidValue as exc:
        raise InvalidValue(exc.message, where=where) from None
    return IdentifierItem(kind, key, code if kind.per_country else None)


def psi_items(
    kind: IdentifierKind, raws: Iterable[str], *, country: str | None = None,
    where: str = "values",
) -> tuple[list[str], list[Problem]]:
    """PSI item strings of ``raws`` (deduplicated, in first-seen order) and the problems.

    Bad values do not stop the batch: each becomes a ``Problem`` naming its
    position, so a batch query can report them and ask about the rest.
    """
    items: dict[str, None] = {}
    problems: list[Problem] = []
    for i, raw in enumerate(raws):
        try:
            items[str(identifier_item(kind, raw, country=country))] = None
        except InvalidValue as exc:
            problems.append(Problem(f"{where}[{i}]", kind.value, exc.message))
    return list(items), problems
