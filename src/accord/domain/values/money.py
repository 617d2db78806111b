"""Amounts of money with an ISO 4217 currency (pycountry): canonical ``12500.00 USD``.

Amounts keep at least two decimals, and more when the source gave more. A lone
separator before three digits groups thousands (``USD 1.500`` and ``USD 1,500``
are both 1500.00): no currency in use here has three decimals. Symbols
are accepted only where they name one currency (``€``, ``£``, ``US$``); ``$``
alone is refused, because it is the sign of a dozen currencies in the Americas.
"""

from __future__ import annotations

import re

import pycountry

from accord.domain.values._decimal import format_decimal, parse_decimal
from accord.domain.values.base import ValueType

_SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "U$S": "USD", "R$": "BRL", "₽": "RUB"}
_FORMS = (
    re.compile(r"(?P<cur>[A-Za-z]{3}|US\$|U\$S|R\$|[€£₽$¥])\s*(?P<num>[-+]?[\d.,' ]+)"),
    re.compile(r"(?P<num>[-+]?[\d.,' ]+?)\s*(?P<cur>[A-Za-z]{3}|US\$|U\$S|R\$|[€£₽$¥])"),
)


class MoneyType(ValueType):
    name = "money"
    label = "amount of money"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        match = next((m for form in _FORMS if (m := form.fullmatch(text))), None)
        if match is None:
            raise self.invalid(raw, "write an amount and an ISO 4217 currency, e.g. '12500 USD'")
        symbol = match.group("cur")
        code = _SYMBOLS.get(symbol, symbol.upper())
        if code in ("$", "¥"):
            raise self.invalid(raw, f"{symbol!r} names several currencies; write its ISO code")
        if pycountry.currencies.get(alpha_3=code) is None:
            raise self.invalid(raw, f"{symbol!r} is not an ISO 4217 currency code")
        amount = parse_decimal(match.group("num"), lone_group="thousands")
        if amount is None:
            raise self.invalid(raw, f"{match.group('num').strip()!r} is not a number")
        return f"{format_decimal(amount, places=2)} {code}"
