"""Writing one nation's file, day by day, analytical reports among the daily batches.

Each day holds the analytical reports written that day (profiles,
informants, assessments, seizures, surveillance) and one report per data
feed (customs, financial, telecom, border, AIS, and the registry weekly),
each feed mixing the illicit records of the day with the background. Only
one day is ever held in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from accord.synth import items, things
from accord.synth.ais import AisFeed
from accord.synth.benign import Background
from accord.synth.config import Knobs
from accord.synth.episodes import write_episode
from accord.synth.nations import Nation
from accord.synth.observe import Episode, NationPlan
from accord.synth.phones import PhoneBook
from accord.synth.truth import TruthSink
from accord.synth.view import NationView
from accord.synth.world import World
from accord.synth.writer import LineWriter

# Feed reports: kind, hour of the day the batch is filed.
FEEDS = (("registry", 9.0), ("customs", 16.0), ("fiu", 19.0), ("border", 21.0),
         ("cdr", 22.0), ("ais", 23.75))


@dataclass
class FileStats:
    path: Path
    node: str
    agency: str
    reports: int
    lines: int
    statements: int
    by_schema: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path.name, "node": self.node, "agency": self.agency,
                "reports": self.reports, "lines": self.lines, "statements": self.statements,
                "statements_by_schema": dict(sorted(self.by_schema.items()))}


def write_nation(world: World, nation: Nation, plan: NationPlan, knobs: Knobs,
                 book: PhoneBook, truth: TruthSink, path: Path, budget: float,
                 progress: Callable[[int], None] | None = None) -> FileStats:
    writer = LineWriter(path, nation)
    view = NationView(world, nation, plan, writer, truth, knobs, book)
    bg = Background(view, budget)
    feed = AisFeed(world, nation.code)
    episodes: dict[int, list[Episode]] = defaultdict(list)
    for ep in plan.episodes:
        episodes[int(world.hours(ep.time) // 24)].append(ep)
    try:
        for day in range(world.days):
            _day(view, bg, feed, day, episodes.get(day, []))
            if progress is not None:
                progress(writer.statements)
    finally:
        writer.close()
    return FileStats(path, nation.node, nation.agency, writer.reports, writer.lines,
                     writer.statements, writer.by_schema)


def _day(view: NationView, bg: Background, feed: AisFeed, day: int,
         episodes: list[Episode]) -> None:
    world = view.world
    midnight = world.at(day * 24)
    jobs: list[tuple[datetime, int, Callable[[], None]]] = []
    for ep in episodes:
        jobs.append((ep.time, 0, lambda ep=ep: write_episode(view, ep)))  # type: ignore[misc]
    for moment, _, j in bg.leads(day):
        jobs.append((moment, 1, lambda m=moment, j=j: bg.write_lead(m, j)))  # type: ignore[misc]
    for kind, hour in FEEDS:
        at = midnight + timedelta(hours=hour)
        jobs.append((at, 2, lambda kind=kind, at=at: _feed(view, bg, feed, day, kind, at)))  # type: ignore[misc]
    jobs.sort(key=lambda job: (job[0], job[1]))
    for _, _, job in jobs:
        job()


def _feed(view: NationView, bg: Background, feed: AisFeed, day: int, kind: str,
          at: datetime) -> None:
    world, plan = view.world, view.plan
    records: list[tuple[datetime, str, Any]] = []
    if kind == "registry":
        if day % 7 != 0:
            return
        for d in range(day, min(day + 7, world.days)):
            records += bg.registrations(d)
    elif kind == "customs":
        records += [(t, "ship", (sid, role)) for t, sid, role in plan.customs.get(day, [])]
        records += bg.lane_shipments(day)
    elif kind == "fiu":
        records += [(world.payments[p].time, "pay", p) for p in plan.payments.get(day, [])]
        records += bg.payments(day)
    elif kind == "border":
        for cid, i in plan.sightings.get(day, []):
            records.append((world.at(world.crafts[cid].sightings[i][0]).replace(microsecond=0),
                            "sight", (cid, i)))
        records += bg.crossings(day)
    elif kind == "cdr":
        records += [(c.time, "call", c) for c in plan.calls.get(day, [])]
        records += bg.calls(day)
    elif kind == "ais":
        records += [(p[0], "ais", p) for p in feed.day(day)]
    if not records:
        return
    records.sort(key=lambda r: (r[0], r[1]))
    view.open(kind, at, (at.date().isoformat() if kind != "registry"
                         else f"{at.date().isoformat()}/{(at + timedelta(days=6)).date()}"))
    for moment, tag, data in records:
        _record(view, bg, moment, tag, data)
    view.close()


def _record(view: NationView, bg: Background, moment: datetime, tag: str, data: Any) -> None:
    world = view.world
    if tag == "call":
        items.call(view, data)
    elif tag == "bcall":
        bg.write_call(moment, data)
    elif tag == "pay":
        items.payment(view, world.payments[data], true_id=data)
    elif tag == "bpay":
        bg.write_payment(moment, data)
    elif tag == "ship":
        sid, role = data
        items.shipment(view, world.shipments[sid], role, true_id=sid)
    elif tag == "bship":
        ship, role = data
        items.shipment(view, ship, role, true_id=None)
    elif tag == "breg":
        bg.write_registration(moment, data)
    elif tag == "sight":
        cid, i = data
        t, lat, lon, speed, course, source, place = world.crafts[cid].sightings[i]
        subject = things.craft(view, cid)
        items.movement(view, subject, moment, lat, lon, speed, course,
                       f"{source} {place}".strip())
    elif tag == "bcross":
        bg.write_crossing(moment, data)
    elif tag == "ais":
        _, vid, lat, lon, speed, course = data
        items.movement(view, things.vessel(view, vid), moment, lat, lon, speed, course, "AIS")
