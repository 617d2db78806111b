"""IBANs: schwifty checks country, length, BBAN structure and check digits."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from accord.domain.values.base import ValueType


class IbanType(ValueType):
    """Canonical form: compact uppercase (``DE89370400440532013000``)."""

    name = "iban"
    label = "IBAN"
    identifier = True

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        if text[:4].upper() == "IBAN":
            text = text[4:].lstrip(": ")
        # Print forms group by four with spaces, hyphens or dots; schwifty takes spaces only.
        text = re.sub(r"[\s.\-]", "", text)
        try:
            return str(IBAN(text).compact)
        except SchwiftyException as exc:
            raise self.invalid(raw, str(exc)[:1].lower() + str(exc)[1:]) from None
