"""Identifiers without a dedicated type: passports, ID cards, plates, containers, wallets.

The value keeps its original spelling for display, only trimmed: uppercasing
would corrupt case-sensitive ones (Base58 crypto addresses). The match key is
the uppercase letters and digits alone, so ``AB-123 456`` meets ``ab123456``.
"""

from __future__ import annotations

import unicodedata

from accord.domain.values.base import ValueType


def identifier_code(value: str) -> str:
    """Uppercase letters and digits only (NFKC first, so full-width digits count)."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if ch.isalnum()).upper()


class IdentifierType(ValueType):
    name = "identifier"
    label = "identifier"
    identifier = True

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        if not identifier_code(text):
            raise self.invalid(raw, "it has no letters or digits")
        return text

    def key(self, value: str) -> str:
        return identifier_code(value)
