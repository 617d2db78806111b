"""People's names: canonical forms and the variants an agency writes.

A ``TrueName`` holds each name part with its native spelling and its
romanisations. ``write_person`` renders one mention in a nation's habits and
reports which *variant kinds* it applied, each only if it really changed the
text, so that entity resolution can be scored per kind:

``transliteration`` (another romanisation), ``script`` (native script),
``accents`` (dropped), ``order`` (surname first), ``case`` (capitals),
``missing_second_surname``, ``nickname`` (hypocoristic given name),
``initial`` (given name reduced to initials), ``typo`` (one edit),
``alias_only`` (only the criminal nickname is known).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from accord.synth import names_data as nd
from accord.synth.nations import NameHabits

Part = tuple[str, tuple[str, ...]]  # native spelling, romanisations (0 = canonical)

PERSON_VARIANT_KINDS = (
    "transliteration", "script", "accents", "order", "case", "missing_second_surname",
    "nickname", "initial", "typo", "alias_only",
)
NON_LATIN = {"slavic", "chinese", "arabic"}


@dataclass(frozen=True)
class TrueName:
    culture: str
    gender: str  # "male" | "female"
    given: tuple[Part, ...]
    surnames: tuple[Part, ...]

    @property
    def canonical(self) -> str:
        return _compose([g[1][0] for g in self.given], [s[1][0] for s in self.surnames],
                        self.culture == "chinese")

    @property
    def native(self) -> str | None:
        if self.culture not in NON_LATIN:
            return None
        given = [g[0] for g in self.given]
        surnames = [s[0] for s in self.surnames]
        if self.culture == "chinese":
            return "".join(surnames + given)
        return " ".join(given + surnames)

    @property
    def first(self) -> str:
        return " ".join(g[1][0] for g in self.given)

    @property
    def last(self) -> str:
        return self.surnames[0][1][0]

    @property
    def second_last(self) -> str | None:
        return self.surnames[1][1][0] if len(self.surnames) > 1 else None


@dataclass(frozen=True)
class WrittenName:
    text: str
    kinds: tuple[str, ...]
    first: str | None
    last: str | None
    second_last: str | None


def _latin(s: str) -> Part:
    return (s, (s,))


def make_name(culture: str, gender: str, rng: random.Random) -> TrueName:
    """A random canonical name of ``culture`` (hispanic, anglo, dutch, albanian, slavic,
    chinese, arabic)."""
    male = gender == "male"
    if culture == "hispanic":
        if rng.random() < 0.22:
            given = rng.choice(nd.HISPANIC_COMPOUND_MALE if male else nd.HISPANIC_COMPOUND_FEMALE)
        else:
            given = rng.choice(nd.HISPANIC_MALE if male else nd.HISPANIC_FEMALE)
        s1, s2 = rng.sample(nd.HISPANIC_SURNAMES, 2)
        return TrueName(culture, gender, tuple(_latin(g) for g in given.split(" ")),
                        (_latin(s1), _latin(s2)))
    if culture in ("anglo", "dutch", "albanian"):
        pools = {
            "anglo": (nd.ANGLO_MALE, nd.ANGLO_FEMALE, nd.ANGLO_SURNAMES),
            "dutch": (nd.DUTCH_MALE, nd.DUTCH_FEMALE, nd.DUTCH_SURNAMES),
            "albanian": (nd.ALBANIAN_MALE, nd.ALBANIAN_MALE, nd.ALBANIAN_SURNAMES),
        }[culture]
        given = rng.choice(pools[0] if male else pools[1])
        return TrueName(culture, gender, (_latin(given),), (_latin(rng.choice(pools[2])),))
    if culture == "slavic":
        g = rng.choice(nd.SLAVIC_MALE)
        s = rng.choice(nd.SLAVIC_SURNAMES)
        return TrueName(culture, "male", (g,), (s,))
    if culture == "chinese":
        return TrueName(culture, gender, (rng.choice(nd.CHINESE_GIVEN),),
                        (rng.choice(nd.CHINESE_SURNAMES),))
    if culture == "arabic":
        return TrueName(culture, "male", (rng.choice(nd.ARABIC_MALE),),
                        (rng.choice(nd.ARABIC_SURNAMES),))
    raise ValueError(f"unknown culture {culture!r}")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _compose(given: list[str], surnames: list[str], surname_first: bool,
             comma: bool = False) -> str:
    if surname_first:
        sep = ", " if comma else " "
        return " ".join(surnames) + sep + " ".join(given)
    return " ".join(given + surnames)


_NEIGHBOURS = {
    "a": "sq", "e": "wr", "i": "uo", "o": "ip", "u": "yi", "n": "bm", "m": "n", "r": "et",
    "s": "ad", "t": "ry", "l": "k", "c": "xv", "d": "sf", "g": "fh", "h": "gj", "z": "xs",
}


def typo(word: str, rng: random.Random) -> str:
    """One keyboard-plausible edit inside ``word`` (never its first letter)."""
    if len(word) < 3:
        return word + word[-1]
    pos = rng.randrange(1, len(word))
    op = rng.randrange(4)
    ch = word[pos]
    if op == 0 and ch.lower() in _NEIGHBOURS:
        rep = rng.choice(_NEIGHBOURS[ch.lower()])
        out = word[:pos] + (rep.upper() if ch.isupper() else rep) + word[pos + 1:]
    elif op == 1:
        out = word[:pos] + word[pos + 1:]
    elif op == 2 and pos < len(word) - 1:
        out = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
    else:
        out = word[:pos] + ch + word[pos:]
    return out if out != word else word + word[-1]


def write_person(name: TrueName, habits: NameHabits, rng: random.Random, *, varied: bool,
                 noise: float) -> WrittenName:
    """Render ``name`` as one agency would write it.

    When ``varied`` is false the canonical form is written as it is; otherwise
    the agency's habits and random noise are applied and at least one kind of
    variant is guaranteed.
    """
    canon_given = [g[1][0] for g in name.given]
    canon_sur = [s[1][0] for s in name.surnames]
    chinese = name.culture == "chinese"
    if not varied:
        return WrittenName(name.canonical, (), " ".join(canon_given), canon_sur[0],
                           canon_sur[1] if len(canon_sur) > 1 else None)
    kinds: list[str] = []
    native = name.native
    if native is not None and rng.random() < habits.native_script:
        given = [g[0] for g in name.given]
        sur = [s[0] for s in name.surnames]
        text = native
        return WrittenName(text, ("script",), " ".join(given), sur[0], None)
    given, sur = list(canon_given), list(canon_sur)
    if name.culture in NON_LATIN:
        idx = habits.romanisation[0] if rng.random() < 0.7 else rng.randrange(4)
        given = [g[1][idx % len(g[1])] for g in name.given]
        sur = [s[1][idx % len(s[1])] for s in name.surnames]
        if (given, sur) != (canon_given, canon_sur):
            kinds.append("transliteration")
    if rng.random() < 0.1 + 0.1 * noise and given[0] in nd.HYPOCORISTICS:
        given = [rng.choice(nd.HYPOCORISTICS[given[0]])] + given[1:]
        kinds.append("nickname")
    if len(sur) > 1 and rng.random() < max(habits.drop_second_surname, 0.2 + 0.2 * noise):
        sur = sur[:1]
        kinds.append("missing_second_surname")
    if rng.random() < 0.03 + 0.04 * noise:
        given = [g[0] + "." for g in given]
        kinds.append("initial")
    if rng.random() < habits.drop_accents:
        stripped_g = [strip_accents(g) for g in given]
        stripped_s = [strip_accents(s) for s in sur]
        if (stripped_g, stripped_s) != (given, sur):
            given, sur = stripped_g, stripped_s
            kinds.append("accents")
    if rng.random() < 0.05 + 0.25 * noise:
        _apply_typo(given, sur, rng)
        kinds.append("typo")
    surname_first = chinese
    comma = False
    if rng.random() < habits.surname_first:
        surname_first = not chinese
        comma = not chinese and rng.random() < 0.5
        kinds.append("order")
    if rng.random() < habits.upper_surname:
        upper = [s.upper() for s in sur]
        if upper != sur:
            sur = upper
            kinds.append("case")
    if not kinds:
        _apply_typo(given, sur, rng)
        kinds.append("typo")
    text = _compose(given, sur, surname_first, comma)
    if text == name.canonical:  # e.g. a typo undone by a later step: make it real
        sur[0] = typo(sur[0], rng)
        text = _compose(given, sur, surname_first, comma)
        if "typo" not in kinds:
            kinds.append("typo")
    return WrittenName(text, tuple(kinds), " ".join(given), sur[0],
                       sur[1] if len(sur) > 1 else None)


def _apply_typo(given: list[str], sur: list[str], rng: random.Random) -> None:
    if rng.random() < 0.6:
        i = rng.randrange(len(sur))
        sur[i] = typo(sur[i], rng)
    else:
        i = rng.randrange(len(given))
        given[i] = typo(given[i], rng)


COMPANY_VARIANT_KINDS = ("accents", "case", "legal_form", "abbreviation", "typo")


def write_company(base: str, legal: str, drop_accents: float, rng: random.Random, *,
                  varied: bool, noise: float) -> tuple[str, tuple[str, ...]]:
    """A company name as written, with the variant kinds applied."""
    canonical = f"{base} {legal}".strip()
    if not varied:
        return canonical, ()
    kinds: list[str] = []
    words = base.split(" ")
    if rng.random() < 0.4:
        choice = rng.randrange(3)
        if choice == 0 or not legal:
            legal_out = ""
        elif choice == 1:
            legal_out = legal.replace(".", "").replace(" ", "")
        else:
            legal_out = legal.upper().replace(".", "")
        if legal_out != legal:
            legal = legal_out
            kinds.append("legal_form")
    stop = {"del", "de", "la", "las", "los", "el", "y", "van", "der"}
    if len(words) > 2 and rng.random() < 0.25:
        shorter = [w for w in words if w.lower() not in stop]
        if shorter != words:
            words = shorter
            kinds.append("abbreviation")
    if rng.random() < drop_accents:
        stripped = [strip_accents(w) for w in words]
        if stripped != words:
            words = stripped
            kinds.append("accents")
    if rng.random() < 0.05 + 0.2 * noise:
        i = rng.randrange(len(words))
        words[i] = typo(words[i], rng)
        kinds.append("typo")
    text = f"{' '.join(words)} {legal}".strip()
    if rng.random() < 0.5 or not kinds:
        upper = text.upper()
        if upper != text:
            text = upper
            kinds.append("case")
    if text == canonical:
        text = text + "."
        kinds.append("legal_form")
    return text, tuple(kinds)
