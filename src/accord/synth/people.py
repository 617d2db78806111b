"""Making a person: name, birth date, documents, residence and address.

The same function makes trafficking-organisation members and benign
residents, so nothing in how a person looks gives away which one they are.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from accord.synth import names_data as nd
from accord.synth.identifiers import national_id, passport
from accord.synth.names import TrueName, make_name
from accord.synth.nations import NATIONS
from accord.synth.world import Person

FOREIGN_CITIES = {
    "RU": ("Moscú", "San Petersburgo", "Rostov del Don"), "RS": ("Belgrado", "Novi Sad"),
    "CN": ("Guangzhou", "Fuzhou", "Wenzhou", "Shenzhen"), "LB": ("Beirut", "Trípoli", "Sidón"),
    "MA": ("Tánger", "Casablanca", "Nador"), "AL": ("Tirana", "Durrës", "Vlorë"),
    "VE": ("Caracas", "Maracaibo"), "BE": ("Antwerpen", "Brussel"), "PT": ("Lisboa", "Porto"),
}
LANGUAGE_OF = {"CO": "es", "MX": "es", "PA": "es", "ES": "es", "EC": "es", "GT": "es",
               "US": "en", "NL": "nl"}


def nationality_for(culture: str, residence: str, name: TrueName, rng: random.Random) -> str:
    if culture == "hispanic":
        if residence in ("CO", "MX", "PA", "ES", "EC", "GT"):
            return residence if rng.random() < 0.85 else rng.choice(("CO", "VE", "MX"))
        return rng.choice(("CO", "MX", "VE", "EC"))
    if culture == "slavic":
        return "RS" if name.last.endswith(("ic", "ić", "ich")) else "RU"
    return {"chinese": "CN", "arabic": rng.choice(("LB", "MA")), "albanian": "AL",
            "anglo": "US", "dutch": "NL"}[culture]


def address_in(country: str, rng: random.Random) -> tuple[str, str]:
    """(street address, city) in ``country``."""
    nation = NATIONS.get(country)
    cities = nation.cities if nation else FOREIGN_CITIES.get(country, ("Capital",))
    city = rng.choice(cities)
    lang = LANGUAGE_OF.get(country, "es")
    street = rng.choice(nd.STREETS[lang])
    if lang == "es":
        if country == "CO":
            a, b, c = rng.randrange(1, 180), rng.randrange(1, 99), rng.randrange(1, 99)
            line = f"{street} {a} # {b}-{c}"
        else:
            line = f"{street} {rng.choice(nd.HISPANIC_SURNAMES)} {rng.randrange(1, 300)}"
    elif lang == "en":
        line = f"{rng.randrange(10, 9999)} {street}"
    else:
        line = f"{street} {rng.randrange(1, 250)}"
    return f"{line}, {city}", city


def make_person(pid: str, culture: str, residence: str, rng: random.Random, *,
                gender: str | None = None, min_age: int = 22, max_age: int = 68,
                today: date = date(2025, 1, 1), illicit: bool = True) -> Person:
    gender = gender or ("male" if rng.random() < 0.6 else "female")
    name = make_name(culture, gender, rng)
    birth = today - timedelta(days=rng.randrange(min_age * 365, max_age * 365))
    nationality = nationality_for(culture, residence, name, rng)
    address, city = address_in(residence, rng)
    nation = NATIONS.get(nationality)
    nid = national_id(nation.id_kind, name, birth, rng) if nation else None
    return Person(
        id=pid, name=name, birth=birth, nationality=nationality, residence=residence,
        city=city, address=address, passport=passport(nationality, rng), national_id=nid,
        illicit=illicit,
    )
