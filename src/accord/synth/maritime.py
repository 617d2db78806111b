"""Fleets: benign merchant and fishing vessels, and trafficking trips at sea.

A trafficking trip pairs a *mothership* with a *receiver*. Both sail to a
meeting point offshore (tens of kilometres from any port), drift side by
side under 2 knots for four and a half to eight hours (a rendezvous:
within 500 m for at least 2 h), then the receiver switches its transponder
off for 14 to 40 hours while it runs the load towards the coast (a dark
gap) and reappears near its home port. Between trips both vessels fish like
any other, so their tracks are unremarkable outside the events.
"""

from __future__ import annotations

import math
import random

from accord.synth import names_data as nd
from accord.synth.identifiers import call_sign, imo_number, mmsi
from accord.synth.names import strip_accents
from accord.synth.places import PORTS, covered, distance_km, offset
from accord.synth.rng import stream
from accord.synth.tracks import end_of, sail_path, stay, voyage
from accord.synth.world import Event, Leg, Vessel, World

SERVICES: tuple[tuple[str, ...], ...] = (
    ("ECGYE", "COBUN", "PABLB", "PAMIT", "COCTG", "ESALG", "NLRTM", "BEANR"),
    ("COSMR", "COCTG", "PAMIT", "ESVLC", "ESBCN", "ESALG"),
    ("COCTG", "PAMIT", "USPEF", "USHOU", "MXVER"),
    ("COBUN", "PABLB", "GTPRQ", "MXLZC", "MXZLO", "USLGB"),
    ("ECPSJ", "ECGYE", "PABLB", "PAMIT", "NLVLI", "NLRTM", "ESVGO"),
    ("COCTG", "MXVER", "MXATM", "USHOU", "USMIA"),
    ("COTRB", "COSMR", "USMIA", "ESLPA", "ESALG", "BEANR"),
)
FISHING_PORTS = ("COTCO", "COBUN", "ECMEC", "ECPSJ", "PAAML", "GTPRQ", "MXLZC", "ESVGO",
                 "ESLPA", "COTRB")
BENIGN_FLAGS = {"container": ("LR", "MH", "PA", "MT", "SG", "DK"),
                "bulk": ("PA", "LR", "MH", "MT"), "tanker": ("LR", "MH", "PA", "MT"),
                "reefer": ("PA", "LR", "BZ", "EC")}
TONNAGE = {"container": (30_000, 150_000), "bulk": (20_000, 80_000),
           "tanker": (15_000, 90_000), "reefer": (4_000, 12_000), "fishing": (150, 1_200)}
SPEED = {"container": (15, 19), "bulk": (11, 14), "tanker": (12, 14), "reefer": (14, 18),
         "fishing": (8, 11)}

# Meeting zones: (centre, spread km, receivers' home ports, motherships' home ports).
ZONES: dict[str, tuple[tuple[float, float], float, tuple[str, ...], tuple[str, ...]]] = {
    "pacific": ((3.2, -80.6), 120, ("GTPRQ", "MXLZC"), ("COTCO", "COBUN", "ECMEC")),
    "pacific_south": ((-1.0, -82.5), 120, ("GTPRQ", "MXLZC"), ("ECMEC", "ECPSJ")),
    "caribbean": ((13.2, -76.8), 90, ("PAAML", "COTRB"), ("COSMR",)),
    "atlantic": ((42.3, -10.9), 40, ("ESVGO",), ("COCTG", "COSMR")),
    "canarias": ((28.6, -17.8), 40, ("ESLPA",), ("COCTG", "COSMR")),
}


def new_vessel(world: World, kind: str, flag: str, rng: random.Random, *,
               illicit: bool = False, home: str | None = None) -> Vessel:
    base = strip_accents(rng.choice(nd.SHIP_WORDS)).upper()
    if rng.random() < 0.3:
        base += " " + rng.choice(("I", "II", "III", "IV", "V"))
    lo, hi = TONNAGE[kind]
    has_imo = kind != "fishing" or rng.random() < 0.5
    vessel = Vessel(
        id=f"V{len(world.vessels) + 1:04d}", name=base, kind=kind, flag=flag,
        imo=imo_number(rng) if has_imo else None, mmsi=mmsi(flag, rng),
        call_sign=call_sign(flag, rng), tonnage=rng.randrange(lo, hi),
        built=rng.randrange(1985, 2022), illicit=illicit, home=home)
    world.vessels[vessel.id] = vessel
    return vessel


def flag_for_port(port: str) -> str:
    return PORTS[port].country if PORTS[port].country != "BE" else "NL"


def benign_fleet(world: World, count: int, *,
                 kinds: tuple[str, ...] = ("container", "fishing", "container", "bulk",
                                           "reefer", "fishing", "tanker"),
                 label: str = "fleet") -> None:
    """``count`` benign vessels with tracks covering the whole period."""
    rng = stream(world.seed, "world", label)
    horizon = world.days * 24.0
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "fishing":
            home = rng.choice(FISHING_PORTS)
            vessel = new_vessel(world, kind, flag_for_port(home), rng, home=home)
            vessel.legs = cover_legs(home, -rng.uniform(0, 100), horizon, rng)
            vessel.owner = _fishing_company(world, PORTS[home].country, rng)
            continue
        vessel = new_vessel(world, kind, rng.choice(BENIGN_FLAGS[kind]), rng)
        speed = rng.uniform(*SPEED[kind])
        if kind == "container":
            vessel.service = i % len(SERVICES)
            vessel.legs = service_legs(SERVICES[vessel.service], -rng.uniform(0, 400),
                                       horizon, rng, speed)
        else:
            vessel.legs = tramp_legs(-rng.uniform(0, 100), horizon, rng, speed)


def _fishing_company(world: World, country: str, rng: random.Random) -> str:
    """An ordinary fishing company of ``country`` (often one that owns several boats)."""
    from accord.synth.organisations import make_company

    owners = [c.id for c in world.companies.values()
              if not c.illicit and c.sector == "seafood" and c.country == country]
    if owners and rng.random() < 0.5:
        return rng.choice(owners)
    company = make_company(f"C{len(world.companies) + 1:04d}", "seafood", country, rng,
                           world.start, illicit=False)
    world.companies[company.id] = company
    return company.id


def service_legs(service: tuple[str, ...], start: float, horizon: float, rng: random.Random,
                 speed: float) -> list[Leg]:
    legs: list[Leg] = []
    t, i = start, rng.randrange(len(service))
    while t < horizon:
        a, b = service[i % len(service)], service[(i + 1) % len(service)]
        legs.append(stay(t, rng.uniform(14, 30), a, rng))
        legs.extend(voyage(legs[-1].end, a, b, speed))
        t = end_of(legs)
        i += 1
    return legs


def tramp_legs(start: float, horizon: float, rng: random.Random, speed: float) -> list[Leg]:
    ports = sorted(PORTS)
    legs: list[Leg] = []
    here, t = rng.choice(ports), start
    while t < horizon:
        there = rng.choice([p for p in ports if p != here])
        legs.append(stay(t, rng.uniform(30, 96), here, rng))
        legs.extend(voyage(legs[-1].end, here, there, speed))
        here, t = there, end_of(legs)
    return legs


def cover_legs(home: str, t_from: float, t_to: float, rng: random.Random,
               wait_h: tuple[float, float] = (72, 300)) -> list[Leg]:
    """Ordinary fishing trips from ``home`` filling [t_from, t_to), ending in port."""
    legs: list[Leg] = []
    port = PORTS[home]
    t = t_from
    while True:
        wait = rng.uniform(*wait_h)
        ground = offshore(port.lat, port.lon, rng, 40, 160)
        speed = rng.uniform(*SPEED["fishing"])
        out_h = distance_km(port.lat, port.lon, ground[0], ground[1]) / (speed * 1.852)
        fish = rng.uniform(24, 120)
        if t + wait + 2 * out_h + fish > t_to:
            break
        legs.append(stay(t, wait, home, rng))
        legs.extend(sail_path(legs[-1].end, [(port.lat, port.lon), ground], speed))
        legs.append(Leg(end_of(legs), end_of(legs) + fish, "loiter", ground, ground,
                        rng.uniform(2, 8)))
        legs.extend(sail_path(end_of(legs), [ground, (port.lat, port.lon)], speed))
        t = end_of(legs)
    if t_to > t:
        legs.append(stay(t, t_to - t, home, rng))
    return legs


def offshore(lat: float, lon: float, rng: random.Random, lo_km: float,
             hi_km: float) -> tuple[float, float]:
    """A point ``lo_km``..``hi_km`` from (lat, lon) and well away from every port."""
    for _ in range(60):
        d, ang = rng.uniform(lo_km, hi_km), rng.uniform(0, 2 * math.pi)
        point = offset(lat, lon, d * math.cos(ang), d * math.sin(ang))
        if all(distance_km(point[0], point[1], p.lat, p.lon) >= lo_km * 0.8
               for p in PORTS.values()):
            return point
    return offset(lat, lon, 0, -lo_km)


def plan_trip(world: World, org: str, zone: str, mother: Vessel, receiver: Vessel,
              depart: float, rng: random.Random) -> tuple[Event, Event, list[Leg], list[Leg]]:
    """One trip: the rendezvous and dark-gap events and both vessels' legs for it
    (the caller adds the events to the world if it keeps the trip)."""
    centre, spread, _, _ = ZONES[zone]
    meet_at = centre
    for _ in range(60):  # somewhere in the zone that a participating nation watches,
        # far enough inside its coverage that the drift does not carry them out of it
        candidate = offset(centre[0], centre[1], rng.uniform(-spread, spread) * 0.5,
                           rng.uniform(-spread, spread) * 0.5)
        if any(all(covered(n, candidate[0] + dy, candidate[1] + dx)
                   for dy in (-0.25, 0.25) for dx in (-0.25, 0.25)) for n in world.nations):
            meet_at = candidate
            break
    assert mother.home and receiver.home
    m_port, r_port = PORTS[mother.home], PORTS[receiver.home]
    m_speed, r_speed = rng.uniform(10, 14), rng.uniform(9, 12)
    m_legs = sail_path(depart, [(m_port.lat, m_port.lon), meet_at], m_speed)
    arrive = end_of(m_legs) + rng.uniform(1, 5)
    m_legs.append(Leg(end_of(m_legs), arrive, "loiter", meet_at, meet_at, 2.0))
    r_km = distance_km(r_port.lat, r_port.lon, meet_at[0], meet_at[1])
    r_legs = sail_path(arrive - r_km / (r_speed * 1.852),
                       [(r_port.lat, r_port.lon), meet_at], r_speed)
    hours = rng.uniform(4.5, 8.0)
    m_legs.append(Leg(arrive, arrive + hours, "meet", meet_at, (0.04, -0.03)))
    r_legs.append(Leg(arrive, arrive + hours, "meet", meet_at, (-0.03, 0.05)))
    m_legs.extend(sail_path(arrive + hours, [meet_at, (m_port.lat, m_port.lon)], m_speed))
    dark_hours = rng.uniform(14, 40)
    reappear = offset(r_port.lat, r_port.lon, rng.uniform(-50, -25), rng.uniform(-50, -25))
    run = distance_km(meet_at[0], meet_at[1], reappear[0], reappear[1])
    frac = min(0.95, dark_hours * r_speed * 1.852 / max(1.0, run))
    dark_to = (meet_at[0] + (reappear[0] - meet_at[0]) * frac,
               meet_at[1] + (reappear[1] - meet_at[1]) * frac)
    dark = Leg(arrive + hours, arrive + hours + dark_hours, "dark", meet_at, dark_to, r_speed)
    r_legs.append(dark)
    r_legs.extend(sail_path(dark.end, [dark_to, (r_port.lat, r_port.lon)], r_speed))
    rdv = Event(f"E{len(world.events) + 1:03d}", "rendezvous", [mother.id, receiver.id],
                arrive, arrive + hours, meet_at[0], meet_at[1], org=org)
    gap = Event(f"E{len(world.events) + 2:03d}", "dark_gap", [receiver.id], dark.start,
                dark.end, meet_at[0], meet_at[1], dark_to[0], dark_to[1], org=org)
    return rdv, gap, m_legs, r_legs


def interdict(legs: list[Leg], at: float, horizon: float, rng: random.Random) -> tuple[
        list[Leg], tuple[float, float]]:
    """Cut a trip's legs at ``at`` (the vessel is boarded) and keep it detained in the
    nearest port for the rest of the period. Returns the new legs and the position."""
    out: list[Leg] = []
    where = legs[-1].b
    for leg in legs:
        if leg.end <= at:
            out.append(leg)
            continue
        f = (at - leg.start) / max(1e-9, leg.end - leg.start)
        where = (leg.a[0] + (leg.b[0] - leg.a[0]) * f, leg.a[1] + (leg.b[1] - leg.a[1]) * f)
        out.append(Leg(leg.start, at, leg.kind, leg.a, where, leg.speed))
        break
    port = min(PORTS, key=lambda p: distance_km(where[0], where[1], PORTS[p].lat, PORTS[p].lon))
    out.append(stay(at + 12, horizon - at + 48, port, rng))
    return out, where


def assemble(vessel: Vessel, trips: list[list[Leg]], horizon: float, rng: random.Random,
             detained: bool = False) -> None:
    """The vessel's whole track: cover fishing between its trips."""
    assert vessel.home is not None
    legs: list[Leg] = []
    t = -rng.uniform(0, 100)
    for trip in trips:
        legs.extend(cover_legs(vessel.home, t, trip[0].start, rng))
        legs.extend(trip)
        t = end_of(legs)
    if not detained:
        legs.extend(cover_legs(vessel.home, t, horizon + 48, rng))
    vessel.legs = legs
