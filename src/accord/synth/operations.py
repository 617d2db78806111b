"""Surveillance operations, and where two nations' operations collide.

Each key player watched by two or more nations gets an operation from each
of them. For about half of those targets the operations are planted to
overlap: the same venue (within a few hundred metres) on overlapping days,
which is what event deconfliction must catch. The others differ in place or
in time. Conflicts are then computed from the operations themselves
(distance within the sum of radii and overlapping windows), so the answer
key holds every conflict, planted or not.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from accord.synth.places import CITY_COORDS, distance_km, offset
from accord.synth.rng import stream
from accord.synth.world import Operation, World

VENUES = ("Hotel", "Restaurante", "Bodega", "Taller", "Finca", "Centro comercial", "Oficina")


def build_operations(world: World, watchers: dict[str, list[str]]) -> None:
    """``watchers``: key person id -> nations that know them (at least two)."""
    rng = stream(world.seed, "world", "operations")
    for pid in sorted(watchers):
        nations = watchers[pid]
        if len(nations) < 2:
            continue
        person = world.people[pid]
        city = person.city if person.city in CITY_COORDS else rng.choice(sorted(CITY_COORDS))
        base = CITY_COORDS[city]
        venue = offset(base[0], base[1], rng.uniform(-4, 4), rng.uniform(-4, 4))
        start = world.at(rng.uniform(0.15, 0.8) * world.days * 24).replace(
            minute=0, second=0, microsecond=0)
        planted = rng.random() < 0.5
        place = f"{rng.choice(VENUES)} en {city}"
        for k, nation in enumerate(nations[:3]):
            if k == 0 or planted:
                lat, lon = offset(venue[0], venue[1], rng.uniform(-0.15, 0.15),
                                  rng.uniform(-0.15, 0.15))
                begin = start + timedelta(hours=rng.uniform(-20, 20))
                where = place
            elif rng.random() < 0.5:  # same place, another week
                lat, lon = venue
                begin = start + timedelta(days=rng.uniform(10, 30))
                where = place
            else:  # same days, across town
                lat, lon = offset(venue[0], venue[1], rng.uniform(6, 12), rng.uniform(6, 12))
                begin = start
                where = f"{rng.choice(VENUES)} en {city}"
            world.operations.append(Operation(
                f"OP{len(world.operations) + 1:03d}", nation, pid, round(lat, 6),
                round(lon, 6), rng.choice((150, 250, 400)), begin,
                begin + timedelta(hours=rng.uniform(24, 96)), where))


def conflicts(world: World) -> list[tuple[str, str]]:
    """Pairs of operations by different nations overlapping in place and time."""
    out = []
    for a, b in combinations(world.operations, 2):
        if a.nation == b.nation:
            continue
        near = distance_km(a.lat, a.lon, b.lat, b.lon) * 1000 <= a.radius_m + b.radius_m
        if near and a.start < b.end and b.start < a.end:
            out.append((a.id, b.id))
    return out
