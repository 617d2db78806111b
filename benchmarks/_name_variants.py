"""Synthetic person pairs for the CLK benchmark: one canonical record, one variant.

Invented name combinations (no real person), drawn from common given names and
surnames of the cultures Accord's partners meet, each rendered once as the owner
holds it and once as another agency wrote it, with exactly one variant kind:

``transliteration`` (another romanisation: Mohammed / Muhammad, Sergei / Sergey),
``script`` (the native script: Сергей Иванов), ``accents`` (dropped), ``order``
(surname first, sometimes with a comma), ``missing_second_surname``, ``typo`` (one
keyboard edit), plus ``combined`` (two of the above at once).

Used until the synthetic world's truth file (``accord.synth``) is available; the
kinds match its variant kinds so that the figures compare.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

HISPANIC_GIVEN = (
    "José María Juan Luis Carlos Jorge Andrés Sofía Camila Valentina Diego Alejandro "
    "Fernando Ramón Héctor Óscar Iván Joaquín Martín Rubén Raúl Julián Sebastián Lucía "
    "Mónica Inés Ángel Jesús Nicolás Tomás Adrián Álvaro Germán Darío Efraín Elías Fabián "
    "Hernán Ismael Ximena Begoña Nuria Rocío").split()
HISPANIC_COMPOUND = ("Juan Carlos", "María José", "José Luis", "Luis Fernando", "Ana María",
                     "Juan Pablo", "María Fernanda", "José Antonio", "Luz Marina")
HISPANIC_SURNAMES = (
    "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores "
    "Rivera Gómez Díaz Reyes Morales Jiménez Ruiz Álvarez Muñoz Romero Castillo Ortiz "
    "Gutiérrez Chávez Vargas Ramos Mendoza Castro Herrera Medina Aguilar Vásquez Salazar "
    "Cárdenas Quiñones Ospina Zuluaga Betancourt Londoño Peña Ibáñez Núñez Ordóñez "
    "Echeverría Urrutia Villalobos Arango Cifuentes Montoya Galindo Benítez Córdoba").split()
ARABIC_GIVEN = (
    ("Muhammad", "Mohammed", "Mohamed", "Mohammad"), ("Ahmed", "Ahmad"),
    ("Youssef", "Yusuf", "Yousef"), ("Khaled", "Khalid"), ("Hassan", "Hasan"),
    ("Hussein", "Husain", "Hussain"), ("Mustafa", "Moustafa", "Mostafa"), ("Omar", "Umar"),
    ("Karim", "Kareem"), ("Rachid", "Rashid"), ("Said", "Saeed", "Sayed"),
    ("Tariq", "Tarek", "Tarik"), ("Walid", "Waleed"), ("Jamal", "Gamal"))
ARABIC_SURNAMES = (
    ("Haddad", "Hadad"), ("Mansour", "Mansur"), ("Nasser", "Nasir", "Naser"),
    ("Khoury", "Khouri", "Khuri"), ("Saleh", "Salih"), ("Hamdan", "Hamdane"),
    ("Qureshi", "Kureshi", "Qurashi"), ("Rahman", "Rehman"), ("Bakri", "Bakry"),
    ("Darwish", "Darwich", "Derwich"), ("Suleiman", "Sulaiman", "Soliman"),
    ("Abboud", "Aboud"), ("Yassin", "Yasin", "Yacine"), ("Othman", "Osman", "Uthman"))
SLAVIC_GIVEN = (
    ("Сергей", "Sergei", "Sergey", "Serguei"), ("Алексей", "Aleksei", "Alexey", "Alexei"),
    ("Дмитрий", "Dmitri", "Dmitry", "Dmitriy"), ("Юрий", "Yuri", "Yury", "Iouri"),
    ("Николай", "Nikolai", "Nikolay"), ("Андрей", "Andrei", "Andrey"),
    ("Евгений", "Yevgeny", "Evgeniy", "Evgueni"), ("Михаил", "Mikhail", "Mihail"),
    ("Олег", "Oleg", "Oleh"), ("Виктор", "Viktor", "Victor"))
SLAVIC_SURNAMES = (
    ("Иванов", "Ivanov", "Ivanoff"), ("Смирнов", "Smirnov", "Smirnoff"),
    ("Кузнецов", "Kuznetsov", "Kouznetsov"), ("Попов", "Popov", "Popoff"),
    ("Соколов", "Sokolov", "Sokoloff"), ("Волков", "Volkov", "Volkoff"),
    ("Фёдоров", "Fyodorov", "Fedorov"), ("Михайлов", "Mikhailov", "Mikhaylov"),
    ("Жуков", "Zhukov", "Joukov"), ("Щербаков", "Shcherbakov", "Chtcherbakov"),
    ("Ковалёв", "Kovalyov", "Kovalev"), ("Зайцев", "Zaytsev", "Zaitsev"))
ANGLO_GIVEN = ("James John Robert Michael William David Richard Thomas Mary Patricia Jennifer "
               "Linda Elizabeth Susan Jessica Sarah Karen Nancy").split()
ANGLO_SURNAMES = ("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor "
                  "Thomas Moore Jackson Martin Thompson White Harris Clark Lewis").split()

NATIONALITY = {"hispanic": ("co", "mx", "es", "pa", "ec", "gt"), "arabic": ("ma", "dz", "lb"),
               "slavic": ("ru", "ua"), "anglo": ("us", "gb")}
CULTURES = (("hispanic", 0.7), ("arabic", 0.1), ("slavic", 0.08), ("anglo", 0.12))
KINDS = ("transliteration", "script", "accents", "order", "missing_second_surname", "typo",
         "combined")
_NEIGHBOURS = {"a": "sq", "e": "wr", "i": "uo", "o": "ip", "u": "yi", "n": "bm", "r": "et",
               "s": "ad", "t": "ry", "l": "k", "c": "xv", "d": "sf", "g": "fh", "z": "xs"}


@dataclass(frozen=True)
class Person:
    culture: str
    given: tuple[tuple[str, ...], ...]  # each part: (canonical, variants...)
    surnames: tuple[tuple[str, ...], ...]
    dob: str
    nationality: str


@dataclass(frozen=True)
class Pair:
    owner: dict[str, str | None]
    asker: dict[str, str | None]
    kind: str


def _person(rng: random.Random) -> Person:
    culture = rng.choices([c for c, _ in CULTURES], [w for _, w in CULTURES])[0]
    if culture == "hispanic":
        given_text = (rng.choice(HISPANIC_COMPOUND) if rng.random() < 0.25
                      else rng.choice(HISPANIC_GIVEN))
        given = tuple((g,) for g in given_text.split())
        surnames = tuple((s,) for s in rng.sample(HISPANIC_SURNAMES, 2))
    elif culture == "arabic":
        given, surnames = (rng.choice(ARABIC_GIVEN),), (rng.choice(ARABIC_SURNAMES),)
    elif culture == "slavic":
        # canonical = first romanisation; index 0 is the Cyrillic spelling
        g, s = rng.choice(SLAVIC_GIVEN), rng.choice(SLAVIC_SURNAMES)
        given, surnames = ((g[1], g[0], *g[2:]),), ((s[1], s[0], *s[2:]),)
    else:
        given, surnames = ((rng.choice(ANGLO_GIVEN),),), ((rng.choice(ANGLO_SURNAMES),),)
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 54))
    return Person(culture, given, surnames, born.isoformat(),
                  rng.choice(NATIONALITY[culture]))


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _typo(word: str, rng: random.Random) -> str:
    pos = rng.randrange(1, len(word))
    op = rng.randrange(4)
    if op == 0 and word[pos].lower() in _NEIGHBOURS:
        return word[:pos] + rng.choice(_NEIGHBOURS[word[pos].lower()]) + word[pos + 1:]
    if op == 1:
        return word[:pos] + word[pos + 1:]
    if op == 2 and pos < len(word) - 1:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
    return word[:pos] + word[pos] + word[pos:]


def _possible(person: Person) -> list[str]:
    kinds = ["order", "typo"]
    if person.culture in ("arabic", "slavic"):
        kinds.append("transliteration")
    if person.culture == "slavic":
        kinds.append("script")
    text = " ".join(p[0] for p in person.given + person.surnames)
    if _strip_accents(text) != text:
        kinds.append("accents")
    if len(person.surnames) > 1:
        kinds.append("missing_second_surname")
    return kinds


def _render(person: Person, kinds: list[str], rng: random.Random) -> str:
    given = [p[0] for p in person.given]
    sur = [p[0] for p in person.surnames]
    if "script" in kinds:
        given, sur = [p[1] for p in person.given], [p[1] for p in person.surnames]
    if "transliteration" in kinds:
        first = 2 if person.culture == "slavic" else 1  # skip the Cyrillic spelling
        options = [(g, s) for g in (person.given[0][first:] or person.given[0][:1])
                   for s in (person.surnames[0][first:] or person.surnames[0][:1])]
        options = [o for o in options if o != (given[0], sur[0])]
        given[0], sur[0] = rng.choice(options) if options else (given[0], sur[0])
    if "missing_second_surname" in kinds:
        sur = sur[:1]
    if "accents" in kinds:
        given, sur = [_strip_accents(g) for g in given], [_strip_accents(s) for s in sur]
    if "typo" in kinds:
        words = given + sur
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
        given, sur = words[:len(given)], words[len(given):]
    if "order" in kinds:
        sep = ", " if rng.random() < 0.5 else " "
        return " ".join(sur).upper() + sep + " ".join(given)
    return " ".join(given + sur)


def make_pairs(n: int, seed: int = 7) -> list[Pair]:
    """``n`` (owner, asker) pairs of the same invented person, one variant kind each."""
    rng = random.Random(f"{seed}:clk-variants")
    pairs: list[Pair] = []
    while len(pairs) < n:
        person = _person(rng)
        possible = _possible(person)
        kind = rng.choice(possible + ["combined"])
        kinds = rng.sample(possible, 2) if kind == "combined" else [kind]
        owner: dict[str, str | None] = {
            "name": " ".join(p[0] for p in person.given + person.surnames),
            "dob": person.dob, "nationality": person.nationality}
        asker: dict[str, str | None] = {
            "name": _render(person, kinds, rng), "dob": person.dob,
            # other agencies often do not record a nationality
            "nationality": person.nationality if rng.random() < 0.7 else None}
        pairs.append(Pair(owner, asker, kind))
    return pairs
