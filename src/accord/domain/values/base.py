"""The value type: how one kind of property value is validated, normalised and matched.

A type turns what a source wrote (``raw``) into one canonical string (``normalize``),
and a canonical string into the keys that search and matching compare (``keys``).
``normalize`` is idempotent: ``normalize(normalize(x)) == normalize(x)``. It raises
``InvalidValue`` with a message that quotes the input and says why it was refused.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from typing import ClassVar

from accord.domain.errors import InvalidValue


class ValueType(ABC):
    """One kind of value (phone, IBAN, date, name, ...). Instances are stateless."""

    name: ClassVar[str]
    label: ClassVar[str]
    #: True for exact-match identifiers (phone, iban, imo, mmsi, email, identifier):
    #: two values are the same thing exactly when their ``key`` is equal.
    identifier: ClassVar[bool] = False

    @abstractmethod
    def normalize(self, raw: str, *, country: str | None = None) -> str:
        """The canonical form of ``raw``; ``country`` (ISO alpha-2) hints national formats."""

    def key(self, value: str) -> str:
        """The exact-match key of a normalised value (identity unless overridden)."""
        return value

    def keys(self, value: str) -> set[str]:
        """Search/match keys of a normalised value."""
        return {self.key(value)}

    def invalid(self, raw: object, why: str = "") -> InvalidValue:
        """An ``InvalidValue`` saying that ``raw`` is not a valid value of this type."""
        reason = f": {why}" if why else ""
        return InvalidValue(f"{raw!r} is not a valid {self.label}{reason}")

    def clean(self, raw: object) -> str:
        """``raw`` as a stripped string with whitespace collapsed; rejects non-strings/empty."""
        if not isinstance(raw, str):
            raise InvalidValue(f"expected a string, got {type(raw).__name__} {raw!r}")
        text = " ".join(unicodedata.normalize("NFC", raw).split())
        if not text:
            raise InvalidValue(f"empty {self.label}")
        return text

    def __repr__(self) -> str:
        return f"<ValueType {self.name}>"
