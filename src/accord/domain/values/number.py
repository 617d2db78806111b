"""Plain numbers (durations, tonnage, percentages, speed)."""

from __future__ import annotations

from accord.domain.values._decimal import AmbiguousNumber, format_decimal, parse_decimal
from accord.domain.values.base import ValueType


class NumberType(ValueType):
    """A decimal: ``1,200.50`` and ``1.200,50`` become ``1200.5``; ``1.200`` is refused."""

    name = "number"
    label = "number"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        try:
            value = parse_decimal(text)
        except AmbiguousNumber as exc:
            raise self.invalid(raw, str(exc)) from None
        if value is None:
            raise self.invalid(raw, "write digits with an optional decimal point")
        return format_decimal(value)
