"""Rendezvous and dark gaps are in the AIS positions of the files, and only where planted."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from accord.synth.places import PORTS, distance_km

from .conftest import Generated

Track = list[tuple[datetime, float, float, float]]  # time, lat, lon, speed


def tracks(small: Generated) -> dict[str, Track]:
    """True vessel id -> every AIS position any nation wrote, in time order."""
    out: dict[str, Track] = defaultdict(list)
    for code, lines in small.lines.items():
        for line in lines:
            if line.get("schema") != "Movement" or line["properties"]["source"] != ["AIS"]:
                continue
            p = line["properties"]
            vessel = small.truth.true_id(code, p["subject"][0])
            assert vessel is not None and vessel.startswith("V")
            lat, lon = map(float, p["coordinates"][0].split(","))
            when = datetime.fromisoformat(p["time"][0].replace("Z", "+00:00"))
            out[vessel].append((when, lat, lon, float(p["speed"][0])))
    for track in out.values():
        track.sort()
    return out


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_rendezvous_is_two_slow_vessels_together_for_two_hours(small: Generated) -> None:
    events = small.truth.raw["maritime"]["rendezvous"]
    assert events
    all_tracks = tracks(small)
    for event in events:
        start, end = at(event["start"]), at(event["end"])
        assert (end - start) >= timedelta(hours=2)
        assert min(distance_km(event["lat"], event["lon"], p.lat, p.lon)
                   for p in PORTS.values()) >= 10
        a, b = ([pt for pt in all_tracks[v] if start <= pt[0] <= end] for v in event["vessels"])
        assert a and b, event["id"]
        for ta, lat_a, lon_a, speed_a in a:
            assert speed_a < 2
            for tb, lat_b, lon_b, _ in b:
                hours = abs((ta - tb).total_seconds()) / 3600
                # Together: apart by at most 500 m plus their common drift since.
                assert distance_km(lat_a, lon_a, lat_b, lon_b) <= 0.5 + 1.2 * hours
        times = sorted(pt[0] for pt in a + b)
        assert times[-1] - times[0] >= timedelta(hours=2), event["id"]


def test_dark_gaps_have_no_positions_anywhere(small: Generated) -> None:
    gaps = small.truth.raw["maritime"]["dark_gaps"]
    assert gaps
    all_tracks = tracks(small)
    for gap in gaps:
        start, end = at(gap["start"]), at(gap["end"])
        assert end - start >= timedelta(hours=12)
        (vessel,) = gap["vessels"]
        assert not [pt for pt in all_tracks[vessel] if start < pt[0] < end], gap["id"]
        before = [pt for pt in all_tracks[vessel] if pt[0] <= start]
        assert before and start - before[-1][0] <= timedelta(hours=6)


def test_no_rendezvous_happens_that_was_not_planted(small: Generated) -> None:
    planted = {frozenset(e["vessels"]) for e in small.truth.raw["maritime"]["rendezvous"]}
    interval = timedelta(minutes=small.truth.raw["maritime"]["interval_minutes"])
    by_slot: dict[int, list[tuple[str, float, float, float]]] = defaultdict(list)
    for vessel, track in tracks(small).items():
        for when, lat, lon, speed in track:
            if speed < 2:
                by_slot[int(when.timestamp() // interval.total_seconds())].append(
                    (vessel, lat, lon, speed))
    close: set[frozenset[str]] = set()
    for points in by_slot.values():
        for i, (va, lat_a, lon_a, _) in enumerate(points):
            for vb, lat_b, lon_b, _ in points[i + 1:]:
                if va != vb and distance_km(lat_a, lon_a, lat_b, lon_b) < 0.5:
                    close.add(frozenset((va, vb)))
    assert close <= planted
