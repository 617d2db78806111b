"""One nation's AIS feed: the positions its receivers get, day by day.

For each vessel only the legs that can touch the nation's coverage are kept
(a bounding-box test once per nation), so a day costs about as much as the
positions it yields.
"""

from __future__ import annotations

from datetime import datetime

from accord.synth.places import COVERAGE, Box, covered
from accord.synth.rng import unit_hash
from accord.synth.tracks import sample
from accord.synth.world import Leg, World

_MARGIN = 0.3  # degrees: loiter and drift stay within this of a leg's end points


def _touches(leg: Leg, boxes: tuple[Box, ...]) -> bool:
    if leg.kind in ("stay", "dark"):
        return False
    if leg.kind in ("loiter", "meet"):
        lat_lo = lat_hi = leg.a[0]
        lon_lo = lon_hi = leg.a[1]
    else:
        lat_lo, lat_hi = sorted((leg.a[0], leg.b[0]))
        lon_lo, lon_hi = sorted((leg.a[1], leg.b[1]))
    return any(lat_lo - _MARGIN <= b and lat_hi + _MARGIN >= a
               and lon_lo - _MARGIN <= d and lon_hi + _MARGIN >= c for a, b, c, d in boxes)


class AisFeed:
    def __init__(self, world: World, code: str) -> None:
        self.world = world
        self.code = code
        boxes = COVERAGE.get(code, ())
        self.interval = world.interval_min / 60.0
        self.tracks: list[tuple[str, float, list[Leg]]] = []
        for vid in sorted(world.vessels):
            legs = [leg for leg in world.vessels[vid].legs if _touches(leg, boxes)]
            if legs:
                self.tracks.append((vid, unit_hash(world.seed, "phase", vid), legs))
        self._next = [0] * len(self.tracks)

    def day(self, day: int) -> list[tuple[datetime, str, float, float, float, float]]:
        """(time, vessel id, lat, lon, speed, course) covered by this nation on ``day``."""
        t0, t1 = day * 24.0, day * 24.0 + 24.0
        out = []
        for i, (vid, phase, legs) in enumerate(self.tracks):
            j = self._next[i]
            while j < len(legs) and legs[j].end <= t0:
                j += 1
            self._next[i] = j
            for t, lat, lon, speed, course in sample(legs, t0, t1, self.interval, phase, j):
                if covered(self.code, lat, lon):
                    out.append((self.world.at(t).replace(microsecond=0), vid, lat, lon, speed,
                                course))
        out.sort(key=lambda p: (p[0], p[1]))
        return out
