"""Names of people, organisations, vessels: kept in their original script.

The stored value is the name as written (Unicode NFC, whitespace collapsed);
matching goes through ``name_keys`` (see ``accord.domain.values.namekeys``),
which survive accents, case, word order, transliteration and common spelling
variants across scripts.
"""

from __future__ import annotations

from accord.domain.values.base import ValueType
from accord.domain.values.namekeys import name_keys


class NameType(ValueType):
    name = "name"
    label = "name"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        if not any(ch.isalnum() for ch in text):
            raise self.invalid(raw, "it has no letters or digits")
        return text

    def keys(self, value: str) -> set[str]:
        return name_keys(value)
