"""Decimal numbers as people write them: ``12,500.00``, ``12.500,00``, ``1 200``, ``-3.5``.

Shared by the number, quantity and money types. A thousands separator is only
accepted in well-formed groups of three, so ``1,2,3`` is refused rather than
guessed at. When both ``.`` and ``,`` appear, the last one is the decimal mark.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PLAIN = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class AmbiguousNumber(ValueError):
    """``1.200`` or ``1,200``: a thousands group or three decimals, depending on the country."""


def parse_decimal(text: str, *, lone_group: str = "refuse") -> Decimal | None:
    """The number written in ``text``, or None when it is not a decimal number.

    A lone ``.`` or ``,`` before exactly three digits (``1.200``, ``1,200``) reads
    as 1200 in Colombia and as 1.2 in the United States. With ``lone_group="refuse"``
    that raises ``AmbiguousNumber`` (a seizure's weight must not be off by 1000);
    ``"thousands"`` reads it as a thousands separator (amounts of money, which
    almost never carry three decimals).
    """
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    sign = ""
    if s.startswith(("+", "-")):
        sign, s = s[0], s[1:].lstrip()
    if not s:
        return None
    # Spaces, apostrophes (Swiss) and underscores only ever group thousands.
    if re.fullmatch(r"\d{1,3}(?:[ '_]\d{3})+(?:[.,]\d+)?", s):
        s = re.sub(r"[ '_]", "", s)
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):  # European: 12.500,00
            s = s.replace(".", "\x00").replace(",", ".").replace("\x00", ",")
    elif s.count(",") + s.count(".") == 1:
        whole, _, fraction = s.replace(",", ".").partition(".")
        if len(fraction) == 3 and 1 <= len(whole) <= 3 and whole.isdigit() and whole != "0":
            if lone_group != "thousands":
                raise AmbiguousNumber(
                    f"it could be {sign}{whole}{fraction} or {sign}{whole}.{fraction}; "
                    "write it without a thousands separator")
            s = whole + fraction
        else:
            s = s.replace(",", ".")  # a decimal mark: 12,5 or 12.5
    elif s.count(".") > 1:
        s = s.replace(".", ",")  # 12.500.000
    if _GROUPED.fullmatch(s):
        s = s.replace(",", "")
    if not _PLAIN.fullmatch(s):
        return None
    try:
        value = Decimal(sign + s)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def format_decimal(value: Decimal, *, places: int | None = None) -> str:
    """Plain notation without exponent or trailing zeros (or exactly ``places`` decimals)."""
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if places is not None and isinstance(exponent, int) and -exponent < places:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = f"{value:f}"
    if text.startswith("-") and not value.is_zero():
        return text
    return text.lstrip("-")
