"""Free text and short strings: kept as written, only trimmed."""

from __future__ import annotations

import unicodedata

from accord.domain.errors import InvalidValue
from accord.domain.values.base import ValueType


class TextType(ValueType):
    """Narrative text (summaries, notes): line breaks are kept, no match keys."""

    name = "text"
    label = "text"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        if not isinstance(raw, str):
            raise InvalidValue(f"expected a string, got {type(raw).__name__} {raw!r}")
        text = unicodedata.normalize("NFC", raw).strip()
        if not text:
            raise InvalidValue("empty text")
        return text

    def keys(self, value: str) -> set[str]:
        # Text is searched by the full-text index, never matched as a whole.
        return set()


class StringType(ValueType):
    """A short label (a city, a drug, a role): whitespace collapsed, matched casefolded."""

    name = "string"
    label = "string"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        return self.clean(raw)

    def key(self, value: str) -> str:
        return value.casefold()
