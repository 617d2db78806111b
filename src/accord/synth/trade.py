"""Routes, container shipments and seizures, for trafficking pipelines and benign trade.

A *pipeline* is a supplier selling to a buyer. Container pipelines ship
cocaine hidden in ordinary cargo along a route (port of loading, transit
ports, port of discharge) taken from the liner services. When a shipment is
seized, the organisation *shifts* its route: the next shipment leaves from
another port, goes through another transit port or lands elsewhere. Sea
pipelines run mothership trips (see ``maritime``); an interdiction at sea
shifts them to another meeting zone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from accord.synth.identifiers import bill_of_lading, container_number
from accord.synth.maritime import (
    SERVICES,
    ZONES,
    assemble,
    flag_for_port,
    interdict,
    new_vessel,
    plan_trip,
)
from accord.synth.places import PORTS, covered, distance_km, sea_path
from accord.synth.rng import stream
from accord.synth.world import Lane as Lane_
from accord.synth.world import Leg, Organisation, Route, Seizure, Shipment, Vessel, World

# Goods a port exports, with HS code, kg per container and USD per kg.
GOODS: dict[str, tuple[tuple[str, str, int, float], ...]] = {
    "CO": (("bananas", "080390", 20_000, 0.55), ("green coffee", "090111", 19_200, 4.2),
           ("avocados", "080440", 21_000, 1.9), ("frozen tilapia fillets", "030432", 22_000, 3.1)),
    "EC": (("bananas", "080390", 20_000, 0.5), ("frozen shrimp", "030617", 22_000, 6.5),
           ("cocoa beans", "180100", 21_000, 3.0)),
    "PA": (("scrap metal", "720449", 24_000, 0.35), ("pineapples", "080430", 20_000, 0.6)),
    "MX": (("avocados", "080440", 21_000, 2.2), ("auto parts", "870899", 14_000, 9.0)),
    "GT": (("bananas", "080390", 20_000, 0.5), ("sugar", "170199", 25_000, 0.45)),
    "US": (("machinery parts", "847989", 12_000, 14.0), ("plastic pellets", "390110", 24_000, 1.3)),
    "ES": (("ceramic tiles", "690721", 24_000, 0.9), ("olive oil", "150910", 20_000, 4.5)),
    "NL": (("machinery parts", "847989", 12_000, 15.0), ("dairy products", "040210", 20_000, 3.2)),
    "BE": (("chemicals", "290511", 20_000, 1.1),),
}
CARRIERS = (("MSCU", "MEDU"), ("MAEU", "MAEU"), ("CMAU", "CMDU"), ("HLXU", "HLCU"),
            ("ONEU", "ONEY"), ("EGHU", "EGLV"))
BENIGN_TERMS = ("net 60 days", "letter of credit", "cash against documents", "open account 30 days",
                "net 30 days")
FRONT_TERMS = ("cash in advance", "prepaid in cash", "cash in advance")


def candidate_routes(origin: str, destination: str) -> list[list[str]]:
    """Port sequences (loading, transit?, discharge) the liner services allow: each
    foreign port called at in between can be the declared transit, or none."""
    out: list[list[str]] = []
    for service in SERVICES:
        loop = list(service) * 2
        for i, pol in enumerate(service):
            if PORTS[pol].country != origin:
                continue
            for j in range(i + 1, i + len(service)):
                pod = loop[j]
                if PORTS[pod].country != destination and not (
                        destination == "NL" and pod == "BEANR"):
                    continue
                between = [p for p in loop[i + 1:j]
                           if PORTS[p].country not in (origin, destination)]
                out.append([pol, pod])
                out.extend([pol, via, pod] for via in between)
    uniq: list[list[str]] = []
    for r in out:
        if r not in uniq:
            uniq.append(r)
    return uniq


def sailing_days(ports: list[str]) -> float:
    km = sum(distance_km(*a, *b) for p, q in zip(ports, ports[1:], strict=False)
             for a, b in zip(sea_path(p, q), sea_path(p, q)[1:], strict=False))
    return km / (16 * 1.852 * 24) + 1.5 * (len(ports) - 1)


def build_pipelines(world: World, rate: float) -> None:
    rng = stream(world.seed, "world", "pipelines")
    for org in world.orgs.values():
        if org.kind != "supplier":
            continue
        for buyer_id in org.partners:
            buyer = world.orgs[buyer_id]
            if buyer.kind == "launderers":
                continue
            _container_pipeline(world, org, buyer, rng, rate)
            zone = _sea_zone(world, buyer, rng)
            if zone:
                _sea_pipeline(world, org, buyer, zone, rng, rate)


def _container_pipeline(world: World, supplier: Organisation, buyer: Organisation,
                        rng: random.Random, rate: float) -> None:
    routes = candidate_routes(supplier.home, buyer.home)
    if len(routes) < 3:  # suppliers also ship from their neighbour's ports
        routes += [r for o in ("CO", "EC") if o != supplier.home
                   for r in candidate_routes(o, buyer.home)]
    if not routes:
        return
    rng.shuffle(routes)
    current = _new_route(world, buyer, routes[0], world.start)
    every = min(21.0, world.days / 6)
    t = rng.uniform(2, every)
    k = 0
    first_seizure = rng.randrange(2, 4)
    burnt: list[list[str]] = []  # routes that lost a load: avoided while others remain
    while t < world.days - 10:
        shipment = _shipment(world, supplier, buyer, current, t, rng)
        k += 1
        if k == first_seizure or (k > first_seizure and rng.random() < 0.2):
            seizure = _seize_container(world, shipment, buyer, rng)
            if seizure is not None:
                current.end = seizure.time.date()
                current.ended_by = seizure.id
                burnt.append(current.ports)
                others = ([r for r in routes if r not in burnt]
                          or [r for r in routes if r != current.ports] or routes)
                current = _new_route(world, buyer, rng.choice(others), seizure.time.date())
        t += every * rng.uniform(0.7, 1.3)


def _new_route(world: World, org: Organisation, ports: list[str], start: date) -> Route:
    route = Route(f"R{len(world.routes) + 1:02d}", org.id, list(ports), start)
    world.routes.append(route)
    return route


def _shipment(world: World, supplier: Organisation, buyer: Organisation, route: Route,
              day: float, rng: random.Random) -> Shipment:
    pol = route.ports[0]
    goods, hs, kg, usd_kg = rng.choice(GOODS.get(PORTS[pol].country, GOODS["CO"]))
    exporter = _front(world, supplier, rng)
    if rng.random() < 0.3:  # rip-on: the cocaine rides in a legitimate exporter's box
        legit = [c.id for c in world.companies.values() if not c.illicit
                 and c.country == PORTS[pol].country and c.sector in ("produce", "seafood")]
        exporter = rng.choice(legit) if legit else exporter
    consignee = _front(world, buyer, rng)
    owner, bl = rng.choice(CARRIERS)
    depart = world.at(day * 24 + rng.uniform(6, 20)).replace(microsecond=0, second=0)
    arrive = depart + timedelta(days=sailing_days(route.ports) * rng.uniform(0.95, 1.1))
    sid = f"SH{len(world.shipments) + 1:04d}"
    weight = int(kg * rng.uniform(0.9, 1.05))
    shipment = Shipment(
        sid, True, buyer.id, route.id, container_number(owner[:3], rng),
        bill_of_lading(bl, rng), exporter, consignee, _carrier(world, route.ports, rng),
        list(route.ports), goods, hs, weight, int(weight * usd_kg * rng.uniform(0.55, 0.9) * 100),
        "USD", rng.choice(FRONT_TERMS) if exporter in world.orgs[supplier.id].fronts
        else rng.choice(BENIGN_TERMS), depart, arrive.replace(microsecond=0),
        drug="cocaine", drug_kg=rng.randrange(150, 1600, 5))
    world.shipments[sid] = shipment
    return shipment


def _front(world: World, org: Organisation, rng: random.Random) -> str:
    fronts = [c for c in org.fronts if world.companies[c].sector in ("produce", "seafood",
                                                                     "trade", "logistics")]
    return rng.choice(fronts or org.fronts)


def _carrier(world: World, ports: list[str], rng: random.Random) -> str:
    fits = [v.id for v in world.vessels.values() if v.service is not None
            and all(p in SERVICES[v.service] for p in ports)]
    if not fits:
        fits = [v.id for v in world.vessels.values() if v.kind == "container"]
    return rng.choice(fits)


def _seize_container(world: World, shipment: Shipment, buyer: Organisation,
                     rng: random.Random) -> Seizure | None:
    watched = [p for p in shipment.ports[1:] if PORTS[p].country in world.nations]
    if not watched:
        return None
    port = rng.choice(watched)
    arrive = shipment.depart + (shipment.arrive - shipment.depart) * (
        (shipment.ports.index(port)) / (len(shipment.ports) - 1))
    when = (arrive + timedelta(hours=rng.uniform(4, 40))).replace(microsecond=0, second=0)
    if when >= world.at(world.days * 24 - 12):
        return None  # after the period: nobody has written it down yet
    arrested = [pid for pid, role in buyer.members if role in ("insider", "courier")][:2]
    if rng.random() < 0.5:
        arrested = arrested[:1]
    seizure = Seizure(f"S{len(world.seizures) + 1:03d}", when, PORTS[port].country, port,
                      PORTS[port].lat, PORTS[port].lon, "cocaine", shipment.drug_kg, buyer.id,
                      shipment=shipment.id, vessel=shipment.vessel, arrested=arrested)
    world.seizures[seizure.id] = seizure
    shipment.seizure = seizure.id
    return seizure


def _sea_zone(world: World, buyer: Organisation, rng: random.Random) -> str | None:
    if buyer.kind == "cartel":
        options = ["pacific", "pacific_south", "caribbean"]
    elif buyer.home == "ES":
        options = ["atlantic", "canarias"]
    else:
        return None
    watched = [z for z in options if zone_watched(world, z)]
    return rng.choice(watched) if watched else None


def zone_watched(world: World, zone: str) -> bool:
    (lat, lon) = ZONES[zone][0]
    return any(covered(n, lat, lon) for n in world.nations)


def _sea_pipeline(world: World, supplier: Organisation, buyer: Organisation, zone: str,
                  rng: random.Random, rate: float) -> None:
    horizon = world.days * 24.0
    every = min(45.0, world.days / 4) * 24
    mother = _crew_vessel(world, rng.choice(ZONES[zone][3]), rng)
    receiver = _crew_vessel(world, rng.choice(ZONES[zone][2]), rng)
    route = _new_route(world, buyer, [mother.home or "", f"SEA-{zone}", receiver.home or ""],
                       world.start)
    trips: dict[str, list[list[Leg]]] = {mother.id: [], receiver.id: []}
    t = rng.uniform(5 * 24, every)
    n = 0
    while t < horizon - 6 * 24:
        rdv, gap, m_legs, r_legs = plan_trip(world, buyer.id, zone, mother, receiver, t, rng)
        if gap.end > horizon - 24 or m_legs[-1].end > horizon:
            break  # the trip would end after the period: nobody sees it, so none planted
        world.events += [rdv, gap]
        n += 1
        trips[mother.id].append(m_legs)
        if n == 2:
            at = rng.uniform(gap.start + 3, gap.end - 2)
            r_legs, where = interdict(r_legs, at, horizon, rng)
            # The US patrols the whole transit zone (JIATF-South); others their own waters.
            nation: str | None = next((c for c in ("CO", "PA", "EC", "MX", "GT", "ES")
                           if c in world.nations and covered(c, *where)), None)
            if nation is None and "US" in world.nations and zone != "atlantic":
                nation = "US"
            if nation is not None:
                crew = [pid for pid, role in buyer.members if role == "courier"][:2]
                seizure = Seizure(f"S{len(world.seizures) + 1:03d}", world.at(at).replace(
                    microsecond=0, second=0), nation, None, where[0], where[1], "cocaine",
                    rng.randrange(800, 3000, 10), buyer.id, vessel=receiver.id, arrested=crew)
                world.seizures[seizure.id] = seizure
                route.end, route.ended_by = seizure.time.date(), seizure.id
                trips[receiver.id].append(r_legs)
                assemble(receiver, trips.pop(receiver.id), horizon, rng, detained=True)
                zone = _shift_zone(world, zone)
                receiver = _crew_vessel(world, rng.choice(ZONES[zone][2]), rng)
                trips[receiver.id] = []
                if mother.home not in ZONES[zone][3]:
                    mother = _crew_vessel(world, rng.choice(ZONES[zone][3]), rng)
                    trips[mother.id] = []
                route = _new_route(world, buyer, [mother.home or "", f"SEA-{zone}",
                                                  receiver.home or ""], seizure.time.date())
                t = world.hours(seizure.time) + every
                continue
        trips[receiver.id].append(r_legs)
        t = max(r_legs[-1].end, m_legs[-1].end) + every * rng.uniform(0.7, 1.3)
    for vid, legs in trips.items():
        assemble(world.vessels[vid], legs, horizon, rng)


def _shift_zone(world: World, zone: str) -> str:
    order = {"pacific": ["caribbean", "pacific_south"], "pacific_south": ["pacific", "caribbean"],
             "caribbean": ["pacific", "pacific_south"], "atlantic": ["canarias"],
             "canarias": ["atlantic"]}
    return next((z for z in order[zone] if zone_watched(world, z)), zone)


def _crew_vessel(world: World, home: str, rng: random.Random) -> Vessel:
    return new_vessel(world, "fishing", flag_for_port(home), rng, illicit=True, home=home)


def build_lanes(world: World, count: int) -> None:
    """Benign trade lanes between exporters and importers along the liner services."""
    from accord.synth.organisations import make_company

    rng = stream(world.seed, "world", "lanes")
    importers: dict[str, list[str]] = {}
    for i in range(count):
        service = SERVICES[i % len(SERVICES)]
        pol, pod = rng.sample(service, 2)
        a, b = PORTS[pol].country, PORTS[pod].country
        if a == b:
            continue
        goods, hs, _, _ = rng.choice(GOODS.get(a, GOODS["CO"]))
        sector = "seafood" if hs.startswith("03") else (
            "produce" if hs[:2] in ("08", "09", "18", "06") else "industry")
        exporter = make_company(f"C{len(world.companies) + 1:04d}", sector, a, rng,
                                world.start, illicit=False)
        world.companies[exporter.id] = exporter
        pool = importers.setdefault(b, [])
        if pool and rng.random() < 0.3:
            importer_id = rng.choice(pool)
        else:
            importer = make_company(f"C{len(world.companies) + 1:04d}",
                                    rng.choice(("trade", "produce", "logistics")), b, rng,
                                    world.start, illicit=False)
            world.companies[importer.id] = importer
            importer_id = importer.id
            pool.append(importer_id)
        fits = [v.id for v in world.vessels.values() if v.service is not None
                and pol in SERVICES[v.service] and pod in SERVICES[v.service]]
        if not fits:
            continue
        world.lanes.append(Lane_(f"LN{len(world.lanes) + 1:03d}", exporter.id, importer_id,
                                 [pol, pod], rng.choice(fits), goods, hs,
                                 rng.uniform(0.3, 2.0), max(3, round(sailing_days([pol, pod])))))
