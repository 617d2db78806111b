"""Aircraft and cars, and the sightings made of them (ADS-B, number-plate readers).

Cartel aircraft fly from clandestine strips in Colombia or Venezuela towards
Central America and switch their transponder off for the last part of the
flight; benign charter and crop-spraying aircraft fly between cities. Cars of
organisation members, and of ordinary residents, cross land borders where
both sides' plate readers see them.
"""

from __future__ import annotations

import random

from accord.synth.identifiers import icao24, plate, tail_number
from accord.synth.nations import NATIONS
from accord.synth.places import CITY_COORDS, CROSSINGS, bearing, distance_km
from accord.synth.rng import stream
from accord.synth.world import Craft, World

STRIPS = {"Meta (CO)": (2.35, -73.75), "Apure (VE)": (7.05, -69.30),
          "Zulia (VE)": (9.95, -72.10)}
LANDINGS = {"Petén (GT)": (16.95, -90.10), "Izabal (GT)": (15.55, -88.95),
            "Campeche (MX)": (18.60, -90.70)}
MODELS = ("Cessna 210", "Beechcraft King Air 200", "Piper PA-31 Navajo", "Cessna 421")
CAR_MODELS = ("Toyota Hilux", "Nissan Frontier", "Chevrolet Tahoe", "Ford F-150",
              "Mazda 3", "Kia Sportage", "Toyota Corolla")


def adsb_seen(nation: str, lat: float, lon: float) -> bool:
    """ADS-B receivers cover ~350 km around a nation's cities."""
    cities = NATIONS[nation].cities if nation in NATIONS else ()
    return any(c in CITY_COORDS and distance_km(lat, lon, *CITY_COORDS[c]) < 350
               for c in cities)


def build_crafts(world: World, rate: float) -> None:
    rng = stream(world.seed, "world", "crafts")
    for org in world.orgs.values():
        if org.kind != "cartel":
            continue
        owner = next((c for c in org.fronts), None)
        pilot = next((pid for pid, r in org.members if r == "logistician"), None)
        craft = _aircraft(world, org.home if org.home in ("MX", "GT") else "MX", owner, pilot,
                          rng)
        for _ in range(max(1, round(world.days / 60 * rate))):
            start = rng.uniform(0.05, 0.9) * world.days * 24
            src = STRIPS[rng.choice(sorted(STRIPS))]
            dst = LANDINGS[rng.choice(sorted(LANDINGS))]
            _flight(craft, src, dst, start, rng, dark_tail=0.3)
        for pid, role in org.members:
            if role in ("lieutenant", "logistician") and world.people[pid].residence == "MX":
                car = _car(world, "MX", pid, pid, rng)
                for _ in range(rng.randrange(2, 6)):
                    _cross(world, car, rng)
    for _ in range(max(2, len(world.orgs))):
        country = rng.choice(sorted(c for c in world.nations))
        craft = _aircraft(world, country, None, None, rng)
        cities = [c for c in NATIONS[country].cities if c in CITY_COORDS]
        for _ in range(rng.randrange(2, 6)):
            a, b = rng.sample(cities, 2)
            _flight(craft, CITY_COORDS[a], CITY_COORDS[b],
                    rng.uniform(0, 0.95) * world.days * 24, rng, dark_tail=0.0)


def _aircraft(world: World, country: str, owner: str | None, user: str | None,
              rng: random.Random) -> Craft:
    craft = Craft(f"AC{sum(c.kind == 'aircraft' for c in world.crafts.values()) + 1:02d}",
                  "aircraft", tail_number(country, rng), rng.choice(MODELS), country, owner,
                  user, icao=icao24(rng))
    world.crafts[craft.id] = craft
    return craft


def _car(world: World, country: str, owner: str, user: str, rng: random.Random) -> Craft:
    car = Craft(f"VH{sum(c.kind == 'car' for c in world.crafts.values()) + 1:03d}", "car",
                plate(country, rng), rng.choice(CAR_MODELS), country, owner, user)
    world.crafts[car.id] = car
    return car


def _flight(craft: Craft, a: tuple[float, float], b: tuple[float, float], start: float,
            rng: random.Random, *, dark_tail: float) -> None:
    speed = rng.uniform(150, 220)  # knots
    km = distance_km(a[0], a[1], b[0], b[1])
    hours = km / (speed * 1.852)
    steps = max(2, int(hours * 6))
    course = bearing(a[0], a[1], b[0], b[1])
    for k in range(steps):
        f = k / steps
        if f > 1 - dark_tail:
            break
        lat, lon = a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
        craft.sightings.append((start + f * hours, lat, lon, speed, course, "ADS-B", ""))


def _cross(world: World, car: Craft, rng: random.Random) -> None:
    name = rng.choice(sorted(n for n, c in CROSSINGS.items() if car.country in c[2:]))
    lat, lon, _, _ = CROSSINGS[name]
    t = rng.uniform(0, world.days * 24)
    car.sightings.append((t, lat, lon, 0.0, 0.0, "ANPR", name))
    car.sightings.sort()
