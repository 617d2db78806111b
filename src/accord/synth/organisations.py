"""Trafficking organisations, their members and roles, brokers and front companies.

Organisation kinds: ``supplier`` (produces and exports, Colombia or Ecuador),
``cartel`` (moves through Mexico or Central America), ``distributor``
(receives in Spain, the Netherlands or the United States) and ``launderers``
(a money-laundering network serving the others, usually from Panama).
Every buyer is supplied by one supplier; every organisation but the
launderers is served by a laundering network when there is one. Each such
partnership is held together by a *broker*: a member of one organisation
who deals with the other.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from accord.synth import names_data as nd
from accord.synth.identifiers import registration_number
from accord.synth.nations import NATIONS
from accord.synth.people import address_in, make_person
from accord.synth.rng import stream
from accord.synth.world import ROLE_WEIGHT, Company, Organisation, Person, World

KIND_CYCLE = ("supplier", "cartel", "distributor", "launderers", "supplier", "distributor",
              "cartel", "distributor", "supplier", "launderers")
HOMES = {"supplier": ("CO", "EC"), "cartel": ("MX", "GT"), "distributor": ("ES", "NL", "US"),
         "launderers": ("PA", "MX")}
ROLES = {
    "supplier": ("leader", "lieutenant", "lieutenant", "logistician", "logistician",
                 "launderer", "insider", "front", "front", "courier", "courier", "courier"),
    "cartel": ("leader", "lieutenant", "lieutenant", "lieutenant", "logistician",
               "logistician", "launderer", "insider", "front", "courier", "courier", "courier",
               "courier"),
    "distributor": ("leader", "lieutenant", "lieutenant", "logistician", "launderer",
                    "insider", "front", "front", "courier", "courier", "courier"),
    "launderers": ("leader", "lieutenant", "launderer", "launderer", "launderer", "front",
                   "front", "courier", "courier"),
}
FRONT_SECTORS = {"supplier": ("produce", "seafood", "logistics"),
                 "cartel": ("logistics", "trade", "services"),
                 "distributor": ("produce", "trade", "services"),
                 "launderers": ("trade", "services", "services")}


def _culture(kind: str, home: str, k: int) -> str:
    if kind == "launderers":
        return ("chinese", "arabic")[k % 2]
    if kind == "distributor":
        return {"ES": ("slavic", "hispanic", "albanian"), "NL": ("dutch", "albanian"),
                "US": ("hispanic",)}[home][k % (3 if home == "ES" else 2 if home == "NL" else 1)]
    return "hispanic"


def _local_culture(country: str, rng: random.Random) -> str:
    nation = NATIONS.get(country)
    if nation is None:
        return "hispanic"
    cultures = [c for c, _ in nation.population]
    weights = [w for _, w in nation.population]
    return rng.choices(cultures, weights)[0]


def build_organisations(world: World, count: int) -> None:
    """Populate ``world.orgs``, ``world.people`` and ``world.companies`` (fronts)."""
    rng = stream(world.seed, "world", "orgs")
    used_names: set[str] = set()
    per_kind: dict[str, int] = {}
    for i in range(count):
        kind = KIND_CYCLE[i % len(KIND_CYCLE)]
        k = per_kind.get(kind, 0)
        per_kind[kind] = k + 1
        homes = [h for h in HOMES[kind] if h in world.nations] or list(HOMES[kind])
        home = homes[k % len(homes)]
        culture = _culture(kind, home, k)
        org = Organisation(f"O{i + 1:02d}", "", kind, home, culture)
        world.orgs[org.id] = org
        _members(world, org, rng)
        org.name = _org_name(org, world, rng, used_names)
        _fronts(world, org, rng)
    _partners(world)
    _brokers(world, rng)
    for org in world.orgs.values():
        for pid, role in org.members:
            world.people[pid].score = ROLE_WEIGHT[role]


def _new_pid(world: World) -> str:
    return f"P{len(world.people) + 1:04d}"


def _members(world: World, org: Organisation, rng: random.Random) -> None:
    for role in ROLES[org.kind]:
        residence = org.home
        culture = org.culture
        if role in ("insider", "front", "courier") and rng.random() < 0.5:
            culture = _local_culture(residence, rng)
        elif role == "launderer" and rng.random() < 0.5:
            culture = rng.choice(("chinese", "arabic"))  # hired professional launderers
        elif role in ("lieutenant", "logistician") and rng.random() < 0.25:
            culture = rng.choice(("slavic", "albanian", "hispanic"))
        person = make_person(_new_pid(world), culture, residence, rng, today=world.start,
                             gender="male" if role in ("leader", "broker") else None)
        person.org, person.role = org.id, role
        person.countries = {org.home}
        if role in ("leader", "lieutenant", "broker", "logistician") or rng.random() < 0.4:
            person.alias = _alias(culture, rng)
        world.people[person.id] = person
        org.members.append((person.id, role))


def _alias(culture: str, rng: random.Random) -> str:
    if culture == "dutch":
        return rng.choice(nd.ALIASES_NL)
    if culture == "anglo":
        return rng.choice(nd.ALIASES_EN)
    if culture in nd.ALIASES_FOREIGN and rng.random() < 0.5:
        return nd.ALIASES_FOREIGN[culture]
    return rng.choice(nd.ALIASES_ES)


def _org_name(org: Organisation, world: World, rng: random.Random, used: set[str]) -> str:
    leader = world.people[org.members[0][0]]
    for _ in range(50):
        if org.culture in nd.FOREIGN_ORG_NAMES and rng.random() < 0.7:
            name = rng.choice(nd.FOREIGN_ORG_NAMES[org.culture])
        elif rng.random() < 0.25:
            name = f"Clan {leader.name.last}"
        else:
            name = f"{rng.choice(nd.ORG_PREFIXES)} {rng.choice(nd.ORG_SUFFIXES)}"
        if name not in used:
            used.add(name)
            return name
    return f"Organización {org.id}"


def company_name(sector: str, country: str, rng: random.Random) -> tuple[str, str]:
    """(base name, legal form) of a company in ``country``."""
    nation = NATIONS.get(country)
    lang = nation.language if nation else "es"
    legal = rng.choice(nation.legal_forms) if nation else "S.A."
    if lang == "en":
        words, places = nd.COMPANY_WORDS_EN, nd.COMPANY_PLACES_EN
        base = (f"{rng.choice(places)} {rng.choice(words[sector])}" if rng.random() < 0.6 else
                f"{rng.choice(nd.ANGLO_SURNAMES)} {rng.choice(words[sector])}")
    elif lang == "nl":
        words, places = nd.COMPANY_WORDS_NL, nd.COMPANY_PLACES_NL
        base = f"{rng.choice(words[sector])} {rng.choice(places)}"
    else:
        words, places = nd.COMPANY_WORDS_ES, nd.COMPANY_PLACES_ES
        base = f"{rng.choice(words[sector])} {rng.choice(places)}"
    return base, legal


def make_company(cid: str, sector: str, country: str, rng: random.Random, start: date, *,
                 illicit: bool) -> Company:
    base, legal = company_name(sector, country, rng)
    founded = start - timedelta(days=rng.randrange(60, 365 * (3 if illicit else 30)))
    address, city = address_in(country, rng)
    return Company(cid, base, legal, country, registration_number(country, rng, founded),
                   founded, sector, address, city, illicit=illicit)


def _fronts(world: World, org: Organisation, rng: random.Random) -> None:
    owners = [pid for pid, role in org.members if role == "front"]
    launderer = next(pid for pid, role in org.members if role == "launderer")
    for j, sector in enumerate(FRONT_SECTORS[org.kind]):
        cid = f"C{len(world.companies) + 1:04d}"
        company = make_company(cid, sector, org.home, rng, world.start, illicit=True)
        company.front, company.org = True, org.id
        company.owners = [owners[j % len(owners)]] + ([launderer] if j == 0 else [])
        world.companies[cid] = company
        org.fronts.append(cid)


def _partners(world: World) -> None:
    orgs = list(world.orgs.values())
    suppliers = [o for o in orgs if o.kind == "supplier"]
    launderers = [o for o in orgs if o.kind == "launderers"]
    buyers = [o for o in orgs if o.kind in ("cartel", "distributor")]
    for i, buyer in enumerate(buyers):
        if suppliers:
            supplier = suppliers[i % len(suppliers)]
            supplier.partners.append(buyer.id)
            buyer.partners.append(supplier.id)
    clients = [o for o in orgs if o.kind != "launderers"]
    for i, client in enumerate(clients):
        if launderers:
            network = launderers[i % len(launderers)]
            network.partners.append(client.id)
            client.partners.append(network.id)


def _brokers(world: World, rng: random.Random) -> None:
    """One broker per partnership, a member of the first organisation of the pair."""
    done: set[tuple[str, str]] = set()
    for org in list(world.orgs.values()):
        for other_id in org.partners:
            pair = (min(org.id, other_id), max(org.id, other_id))
            if pair in done:
                continue
            done.add(pair)
            own = world.orgs[pair[0]]
            other = world.orgs[pair[1]]
            if own.kind == "launderers" or other.kind == "launderers":
                own, other = (own, other) if own.kind == "launderers" else (other, own)
            person = make_person(_new_pid(world), own.culture, other.home, rng,
                                 today=world.start, gender="male", min_age=30)
            person.org, person.role = own.id, "broker"
            person.countries = {own.home, other.home}
            person.alias = _alias(own.culture, rng)
            world.people[person.id] = person
            own.members.append((person.id, "broker"))
            world.relations.append(("brokers_for", person.id, other.id))


def brokers(world: World) -> list[tuple[str, list[str]]]:
    """(broker person id, [own organisation, other organisations...])."""
    out: dict[str, list[str]] = {}
    for kind, a, b in world.relations:
        if kind == "brokers_for":
            person = world.people[a]
            assert person.org is not None
            out.setdefault(a, [person.org]).append(b)
    return sorted(out.items())


def members_by_role(world: World, org_id: str, role: str) -> list[Person]:
    return [world.people[pid] for pid, r in world.orgs[org_id].members if r == role]
