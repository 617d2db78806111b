"""Coordinates: ``lat,lon`` in decimal degrees (WGS 84), canonical with 6 decimals (~11 cm)."""

from __future__ import annotations

import re
from decimal import Decimal

from accord.domain.values.base import ValueType

_PAIR = re.compile(r"\(?\s*([+-]?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*([+-]?\d{1,3}(?:\.\d+)?)\s*\)?")
_SIX = Decimal("0.000001")


class CoordinatesType(ValueType):
    name = "coordinates"
    label = "pair of coordinates"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        match = _PAIR.fullmatch(text)
        if match is None:
            raise self.invalid(raw, "write 'latitude,longitude' in decimal degrees")
        lat, lon = Decimal(match.group(1)), Decimal(match.group(2))
        if not -90 <= lat <= 90:
            raise self.invalid(raw, f"latitude {match.group(1)} is outside -90..90")
        if not -180 <= lon <= 180:
            raise self.invalid(raw, f"longitude {match.group(2)} is outside -180..180")
        return f"{_fmt(lat)},{_fmt(lon)}"


def parse_coordinates(value: str) -> tuple[float, float]:
    """(lat, lon) of a normalised value."""
    lat, _, lon = value.partition(",")
    return float(lat), float(lon)


def _fmt(value: Decimal) -> str:
    text = f"{value.quantize(_SIX):f}"
    return "0.000000" if text == "-0.000000" else text
