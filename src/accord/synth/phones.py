"""Valid phone numbers per country, and the ways agencies write them.

Numbers come from phonenumbers' own metadata: for each country a few dozen
*templates* (valid national numbers found by randomising the example
number and keeping those ``is_valid_number`` accepts), each followed by a
four-digit subscriber suffix. Changing the last four digits never changes
a number's validity or its formatting pattern, so a number's written forms
are made by filling a precomputed mask rather than by calling the formatter
for every call record (that keeps the large scale fast).

Numbers are allocated without repetition: index ``i`` goes through an affine
permutation of 0..T*10000-1, whose result picks the template (modulo T) and
the suffix (the quotient), so that consecutive indexes look unrelated.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, carrier

from accord.synth.rng import stream

# Written forms. All but ``national`` parse without a country; ``national`` is only
# used in a nation's own file for its own numbers (the importing node's country
# reads it).
STYLES = ("e164", "intl", "dash", "dot", "paren", "idd", "national")
_CARRIERS = {
    "CO": ("Claro", "Movistar", "Tigo", "WOM"), "MX": ("Telcel", "AT&T", "Movistar"),
    "US": ("Verizon", "AT&T", "T-Mobile"), "PA": ("Tigo", "Claro", "Más Móvil"),
    "ES": ("Movistar", "Vodafone", "Orange", "Digi"), "EC": ("Claro", "Movistar", "CNT"),
    "GT": ("Tigo", "Claro"), "NL": ("KPN", "Vodafone", "Odido"),
}


@dataclass(frozen=True)
class Template:
    country_code: str
    prefix: str  # national significant number without the last four digits
    masks: dict[str, tuple[str, ...]]  # style -> 5 pieces around the four suffix digits
    carrier: str


@dataclass(frozen=True)
class PhoneNumber:
    country: str
    template: Template
    suffix: int

    @property
    def e164(self) -> str:
        return f"+{self.template.country_code}{self.template.prefix}{self.suffix:04d}"

    def written(self, style: str) -> str:
        p = self.template.masks[style]
        d = f"{self.suffix:04d}"
        return f"{p[0]}{d[0]}{p[1]}{d[1]}{p[2]}{d[2]}{p[3]}{d[3]}{p[4]}"


class PhonePlan:
    """Allocates numbers for one country (``kind`` mobile or fixed)."""

    def __init__(self, country: str, kind: str, seed: int, size: int = 16) -> None:
        self.country = country
        rng = stream(seed, "phones", country, kind)
        ptype = PhoneNumberType.MOBILE if kind == "mobile" else PhoneNumberType.FIXED_LINE
        example = phonenumbers.example_number_for_type(country, ptype)
        if example is None:
            raise ValueError(f"phonenumbers has no {kind} example for {country}")
        nsn = phonenumbers.national_significant_number(example)
        cc = str(example.country_code)
        found: dict[str, Template] = {}
        for keep in (1, 2, 3, len(nsn) - 4):
            for _ in range(600):
                cand = nsn[:keep] + "".join(str(rng.randrange(10)) for _ in nsn[keep:])
                num = phonenumbers.PhoneNumber(country_code=int(cc), national_number=int(cand))
                if cand[0] == "0" or not phonenumbers.is_valid_number(num):
                    continue
                if phonenumbers.number_type(num) not in (
                        ptype, PhoneNumberType.FIXED_LINE_OR_MOBILE):
                    continue
                prefix = cand[:-4]
                if prefix not in found:
                    found[prefix] = _template(num, cc, prefix, country, rng.random())
                if len(found) >= size:
                    break
            if len(found) >= size // 2:
                break
        self.templates = [found[k] for k in sorted(found)]
        # 7919 is prime and not 2 or 5, so coprime with T * 10000 for any T below 7919.
        self._mult = 7919

    @property
    def capacity(self) -> int:
        return len(self.templates) * 10_000

    def number(self, index: int) -> PhoneNumber:
        t = len(self.templates)
        mixed = (self._mult * index + 4049) % self.capacity
        return PhoneNumber(self.country, self.templates[mixed % t], mixed // t)


def _template(num: phonenumbers.PhoneNumber, cc: str, prefix: str, country: str,
              draw: float) -> Template:
    intl = phonenumbers.format_number(num, PhoneNumberFormat.INTERNATIONAL)
    rfc = phonenumbers.format_number(num, PhoneNumberFormat.RFC3966).removeprefix("tel:")
    head, _, rest = intl.partition(" ")
    first, _, tail = rest.partition(" ")
    forms = {
        "e164": phonenumbers.format_number(num, PhoneNumberFormat.E164),
        "intl": intl,
        "dash": rfc,
        "dot": rfc.replace("-", "."),
        "paren": f"{head} ({first}) {tail}".rstrip() if tail else intl,
        "idd": "00" + intl[1:],
        "national": phonenumbers.format_number(num, PhoneNumberFormat.NATIONAL),
    }
    masks = {style: _mask(text) for style, text in forms.items()}
    name = carrier.name_for_number(num, "en") or ""
    if not name:
        options = _CARRIERS.get(country, ("Telecom",))
        name = options[int(draw * len(options))]
    return Template(cc, prefix, masks, name)


def _mask(text: str) -> tuple[str, ...]:
    """Cut ``text`` around its last four digits: five pieces to put digits between."""
    positions = [i for i, c in enumerate(text) if c.isdigit()][-4:]
    pieces, start = [], 0
    for pos in positions:
        pieces.append(text[start:pos])
        start = pos + 1
    pieces.append(text[start:])
    return tuple(pieces)


class PhoneBook:
    """Lazily built plans for every country, with disjoint index ranges per user.

    Index ranges per country: ``0..9999`` for the illicit world and shared
    entities, ``BENIGN_BASE + j`` for benign residents and ``FOREIGN_BASE + j``
    for foreign contacts of another nation's residents, so that no two true
    phones ever share a number.
    """

    BENIGN_BASE = 10_000
    FOREIGN_BASE = 40_000

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._plans: dict[tuple[str, str], PhonePlan] = {}
        self._next: dict[tuple[str, str], int] = {}

    def plan(self, country: str, kind: str = "mobile") -> PhonePlan:
        key = (country, kind)
        if key not in self._plans:
            self._plans[key] = PhonePlan(country, kind, self.seed)
        return self._plans[key]

    def allocate(self, country: str, kind: str = "mobile") -> PhoneNumber:
        key = (country, kind)
        index = self._next.get(key, 0)
        self._next[key] = index + 1
        return self.plan(country, kind).number(index)

    def benign(self, country: str, j: int, kind: str = "mobile") -> PhoneNumber:
        """Resident ``j``'s number (``j`` < 30 000)."""
        plan = self.plan(country, kind)
        return plan.number((self.BENIGN_BASE + j) % plan.capacity)

    def foreign(self, country: str, j: int) -> PhoneNumber:
        """Foreign contact ``j``'s number (``j`` < 30 000)."""
        plan = self.plan(country, "mobile")
        return plan.number((self.FOREIGN_BASE + j) % plan.capacity)
