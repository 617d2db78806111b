"""Countries: ISO 3166-1 via pycountry, canonical lowercase alpha-2 (as FollowTheMoney)."""

from __future__ import annotations

import pycountry

from accord.domain.values.base import ValueType

# Names people write that pycountry's lookup does not know. Kosovo has no ISO
# code; XK is the user-assigned code used by the EU, Interpol and FtM.
_ALIASES = {
    "uk": "gb", "great britain": "gb", "britain": "gb", "england": "gb",
    "russia": "ru", "turkey": "tr", "holland": "nl", "ivory coast": "ci",
    "usa": "us", "u.s.a.": "us", "u.s.": "us", "america": "us",
    "kosovo": "xk", "xk": "xk", "xkx": "xk", "czech republic": "cz",
    "syria": "sy", "laos": "la", "vatican": "va", "burma": "mm", "swaziland": "sz",
    "macedonia": "mk", "cape verde": "cv", "east timor": "tl",
}


class CountryType(ValueType):
    name = "country"
    label = "country"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        alias = _ALIASES.get(text.casefold())
        if alias:
            return alias
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            raise self.invalid(
                raw, "not an ISO 3166 code (co, COL) or country name") from None
        return str(found.alpha_2).lower()
