"""Phone numbers: phonenumbers (libphonenumber) to E.164.

A national number needs a country: the ``country`` hint (the entity's or the
node's) is used when the number has no ``+``. ``00`` followed by a country code
is read as the international prefix whatever the hint, because that is how
people write numbers in most of the world (Colombia's own prefixes are 005,
007, 009, which would otherwise swallow the 5 of ``0057``).
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

from accord.domain.values.base import ValueType

_WHY = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length for its country",
}


class PhoneType(ValueType):
    name = "phone"
    label = "phone number"
    identifier = True

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        region = country.upper() if country else None
        candidates: list[tuple[str, str | None]] = []
        if text.startswith("00"):
            candidates.append(("+" + text[2:], None))
        candidates.append((text, region))
        first: PhoneNumber | None = None
        for candidate, hint in candidates:
            try:
                number = phonenumbers.parse(candidate, hint)
            except NumberParseException:
                continue
            first = first or number
            for option in (number, _mexico_legacy(number)):
                if option is not None and phonenumbers.is_valid_number(option):
                    return phonenumbers.format_number(option, PhoneNumberFormat.E164)
        if first is None:
            if not text.startswith(("+", "00")) and region is None:
                raise self.invalid(raw, "no country code (+CC) and no country to read it in")
            raise self.invalid(raw, "not a phone number")
        why = _WHY.get(phonenumbers.is_possible_number_with_reason(first), "")
        raise self.invalid(raw, why or "no such number in its country's numbering plan")


def _mexico_legacy(number: PhoneNumber) -> PhoneNumber | None:
    """Mexico dropped the mobile ``1`` after +52 in 2019; old records still carry it."""
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        return PhoneNumber(country_code=52, national_number=int(national[1:]))
    return None
