"""Vessel tracks as legs, and AIS positions sampled from them.

A track is a list of legs (``world.Leg``): sailing from a to b, staying in
port, loitering on a fishing ground, drifting beside another vessel
(``meet``) or sailing with the transponder off (``dark``). Positions are a
pure function of time, so a nation's AIS feed for one day is computed
without keeping any earlier position in memory.

Positions in port (``stay`` legs) are left out of the feeds, as are those
during ``dark`` legs; every other position is sampled on a fixed grid
(``interval_min``) shared by all vessels of the world.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from accord.synth.places import PORTS, bearing, distance_km, offset, sea_path
from accord.synth.world import Leg

KNOT_KMH = 1.852


def voyage(start: float, a: str, b: str, speed: float) -> list[Leg]:
    """Sailing legs from port ``a`` to port ``b`` starting at ``start`` (hours)."""
    return sail_path(start, sea_path(a, b), speed)


def sail_path(start: float, path: list[tuple[float, float]], speed: float,
              kind: str = "sail") -> list[Leg]:
    legs, t = [], start
    for p, q in zip(path, path[1:], strict=False):
        hours = distance_km(p[0], p[1], q[0], q[1]) / (speed * KNOT_KMH)
        if hours <= 0:
            continue
        legs.append(Leg(t, t + hours, kind, p, q, speed))
        t += hours
    return legs


def stay(start: float, hours: float, port: str, rng: random.Random) -> Leg:
    p = PORTS[port]
    berth = offset(p.lat, p.lon, rng.uniform(-2, 2), rng.uniform(-2, 2))
    return Leg(start, start + hours, "stay", berth, berth)


def end_of(legs: list[Leg]) -> float:
    return legs[-1].end if legs else 0.0


def position(leg: Leg, t: float, phase: float,
             course: float | None = None) -> tuple[float, float, float, float]:
    """(lat, lon, speed knots, course degrees) on ``leg`` at hour ``t``."""
    if leg.kind in ("sail", "dark"):
        f = (t - leg.start) / max(1e-9, leg.end - leg.start)
        lat = leg.a[0] + (leg.b[0] - leg.a[0]) * f
        lon = leg.a[1] + (leg.b[1] - leg.a[1]) * f
        if course is None:
            course = bearing(leg.a[0], leg.a[1], leg.b[0], leg.b[1])
        wobble = 0.4 * math.sin(t * 1.7 + phase)
        return lat, lon, max(0.0, leg.speed + wobble), (course + 2 * wobble) % 360
    if leg.kind == "loiter":
        r = leg.speed  # loiter radius in km is stored in speed
        n = r * math.sin(t / 5.0 + phase)
        e = r * math.cos(t / 7.0 + 2 * phase)
        lat, lon = offset(leg.a[0], leg.a[1], n, e)
        speed = 1.2 + abs(math.sin(t / 3.0 + phase)) * 2.0
        return lat, lon, speed, (math.degrees(t / 5.0 + phase) * 7) % 360
    if leg.kind == "meet":
        # Beside the partner: a fixed offset of tens of metres plus a slow common drift.
        drift = (t - leg.start) * 0.6 * KNOT_KMH
        lat, lon = offset(leg.a[0], leg.a[1], drift * 0.6 + leg.b[0], drift * 0.8 + leg.b[1])
        return lat, lon, 0.4 + 0.5 * abs(math.sin(t + phase)), (53 + 20 * math.sin(t)) % 360
    return leg.a[0], leg.a[1], 0.0, 0.0


def sample(legs: list[Leg], t_from: float, t_to: float, interval_h: float, phase: float,
           start_index: int = 0) -> Iterator[tuple[float, float, float, float, float]]:
    """AIS positions (t, lat, lon, speed, course) in [t_from, t_to) on the grid
    ``k * interval_h + phase_offset``; port stays and dark legs give none."""
    shift = (phase % 1.0) * interval_h
    for leg in legs[start_index:]:
        if leg.start >= t_to:
            break
        if leg.end <= t_from or leg.kind in ("stay", "dark"):
            continue
        lo, hi = max(leg.start, t_from), min(leg.end, t_to)
        k = math.ceil((lo - shift) / interval_h)
        t = k * interval_h + shift
        heading = (bearing(leg.a[0], leg.a[1], leg.b[0], leg.b[1]) if leg.kind == "sail"
                   else None)
        while t < hi:
            lat, lon, speed, course = position(leg, t, phase, heading)
            yield t, lat, lon, speed, course
            t += interval_h


def first_leg_at(legs: list[Leg], t: float, hint: int = 0) -> int:
    """Index of the first leg ending after ``t``, searching forward from ``hint``."""
    i = hint
    while i < len(legs) and legs[i].end <= t:
        i += 1
    return i
