"""IMO ship numbers: seven digits, the last a weighted check digit (python-stdnum)."""

from __future__ import annotations

from stdnum import imo
from stdnum.exceptions import ValidationError

from accord.domain.values.base import ValueType


class ImoType(ValueType):
    """Accepts ``IMO 9074729`` or ``9074729``; canonical form is the seven digits."""

    name = "imo"
    label = "IMO number"
    identifier = True

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        try:
            return str(imo.validate(text))
        except ValidationError as exc:
            why = {
                "InvalidChecksum": "wrong check digit",
                "InvalidLength": "an IMO number has 7 digits",
                "InvalidFormat": "an IMO number has 7 digits",
            }.get(type(exc).__name__, str(exc))
            raise self.invalid(raw, why) from None
