"""Value types: validation, normalisation and match keys for property values.

``get_type(name)`` returns the type a schema property declares; each type lives
in its own module. ``name_key``/``name_keys`` and ``identifier_key`` are the keys
search and matching use.
"""

from __future__ import annotations

from functools import cache

from accord.domain.errors import InvalidValue, SchemaError
from accord.domain.values.base import ValueType
from accord.domain.values.coordinates import CoordinatesType
from accord.domain.values.country import CountryType
from accord.domain.values.date import DateType
from accord.domain.values.email import EmailType
from accord.domain.values.entity import EntityType
from accord.domain.values.iban import IbanType
from accord.domain.values.identifier import IdentifierType
from accord.domain.values.imo import ImoType
from accord.domain.values.mmsi import MmsiType
from accord.domain.values.money import MoneyType
from accord.domain.values.name import NameType
from accord.domain.values.namekeys import (
    name_key,
    name_keys,
    name_tokens,
    skeleton,
    token_keys,
)
from accord.domain.values.number import NumberType
from accord.domain.values.phone import PhoneType
from accord.domain.values.quantity import QuantityType
from accord.domain.values.text import StringType, TextType

__all__ = [
    "InvalidValue", "ValueType", "get_type", "identifier_key", "name_key", "name_keys",
    "name_tokens", "skeleton", "token_keys", "types",
]

_TYPES: tuple[type[ValueType], ...] = (
    NameType, TextType, StringType, NumberType, DateType, CountryType, PhoneType, IbanType,
    ImoType, MmsiType, EmailType, IdentifierType, CoordinatesType, QuantityType, MoneyType,
    EntityType,
)


@cache
def types() -> dict[str, ValueType]:
    """Every value type by name (one stateless instance each)."""
    return {cls.name: cls() for cls in _TYPES}


def get_type(name: str) -> ValueType:
    """The value type called ``name``; ``SchemaError`` if there is none."""
    try:
        return types()[name]
    except KeyError:
        known = ", ".join(sorted(types()))
        raise SchemaError(f"unknown value type {name!r} (known: {known})") from None


def identifier_key(type_name: str, value: str, *, country: str | None = None) -> str:
    """The exact-match key of a raw identifier, however it was formatted.

    ``identifier_key("phone", "(300) 123-4567", country="co") == "+573001234567"``;
    IBANs compact, IMO/MMSI digits, e-mail lowercased, other identifiers uppercase
    letters and digits. Raises ``InvalidValue`` when the value is not valid.
    """
    kind = get_type(type_name)
    return kind.key(kind.normalize(value, country=country))
