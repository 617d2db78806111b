"""Quantities of drugs and goods, as a mass in kilograms: ``1.2 t`` becomes ``1200 kg``.

Only units of mass are accepted. "ton" is refused: a metric, short or long ton
differ by up to 12%, and a seizure's weight must not be guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from accord.domain.values._decimal import AmbiguousNumber, format_decimal, parse_decimal
from accord.domain.values.base import ValueType

_KG = {
    "kg": Decimal(1), "kgs": Decimal(1), "kilo": Decimal(1), "kilos": Decimal(1),
    "kilogram": Decimal(1), "kilograms": Decimal(1), "kilogramos": Decimal(1),
    "g": Decimal("0.001"), "gr": Decimal("0.001"), "gram": Decimal("0.001"),
    "grams": Decimal("0.001"), "gramos": Decimal("0.001"), "mg": Decimal("0.000001"),
    "t": Decimal(1000), "tonne": Decimal(1000), "tonnes": Decimal(1000),
    "mt": Decimal(1000), "toneladas": Decimal(1000),
    "lb": Decimal("0.45359237"), "lbs": Decimal("0.45359237"), "pound": Decimal("0.45359237"),
    "pounds": Decimal("0.45359237"), "oz": Decimal("0.028349523125"),
    "ounce": Decimal("0.028349523125"), "ounces": Decimal("0.028349523125"),
}
_SPLIT = re.compile(r"([^a-zA-Z]*?)\s*([a-zA-Z][a-zA-Z.]*)")


class QuantityType(ValueType):
    name = "quantity"
    label = "quantity"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        match = _SPLIT.fullmatch(text)
        if match is None:
            raise self.invalid(raw, "write a number and a unit of mass, e.g. '1200 kg'")
        unit = match.group(2).lower().rstrip(".")
        factor = _KG.get(unit)
        if factor is None:
            raise self.invalid(raw, f"unknown unit {match.group(2)!r} (use kg, g, mg, t, lb, oz)")
        try:
            amount = parse_decimal(match.group(1))
        except AmbiguousNumber as exc:
            raise self.invalid(raw, str(exc)) from None
        if amount is None:
            raise self.invalid(raw, f"{match.group(1).strip()!r} is not a number")
        if amount < 0:
            raise self.invalid(raw, "a quantity cannot be negative")
        return f"{format_decimal(amount * factor)} kg"


def kilograms(value: str) -> Decimal:
    """The mass of a normalised quantity."""
    return Decimal(value.removesuffix(" kg"))
