"""Decimal numbers as people write them: ``12,500.00``, ``12.500,00``, ``1 200``, ``-3.5``.

Shared by the number, quantity and money types. A thousands separator is only
accepted in well-formed groups of three, so ``1,2,3`` is refused rather than
guessed at.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PLAIN = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_decimal(text: str) -> Decimal | None:
    """The number written in ``text``, or None when it is not a plain decimal number."""
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    sign = ""
    if s.startswith(("+", "-")):
        sign, s = s[0], s[1:].lstrip()
    if not s:
        return None
    # Spaces and apostrophes (Swiss) only ever group thousands.
    s = re.sub(r"(?<=\d)[ '_](?=\d{3}\b)", ",", s)
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):  # European: 12.500,00
            s = s.replace(".", "\x00").replace(",", ".").replace("\x00", ",")
    elif "," in s:
        if s.count(",") == 1 and not re.fullmatch(r"\d{1,3},\d{3}", s):
            s = s.replace(",", ".")  # a decimal comma: 12,5
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
