"""Who sees what: each nation's share of the true world, and how it spells names.

A nation *knows* a person when the person is active in its jurisdiction,
banks there, or is arrested there; key players are always known to at least
two nations (the shared picture is the point of Accord). Some people get a
second, separate mention in the same nation (an informant's report that only
knows the nickname, or a differently spelled record), a duplicate that
entity resolution must merge. Calls are seen by the nations that intercept
either line; payments by the nations of both banks; shipments by the
customs of every port they call at; positions by the nations whose
receivers cover them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from accord.synth.config import Knobs
from accord.synth.crafts import adsb_seen
from accord.synth.names import WrittenName, write_person
from accord.synth.nations import NATIONS
from accord.synth.operations import build_operations
from accord.synth.places import CROSSINGS, PORTS
from accord.synth.rng import stream
from accord.synth.world import KEY_ROLES, Call, World

TARGET_ROLES = ("leader", "lieutenant", "broker", "logistician", "launderer")


@dataclass
class Episode:
    """An analytical report a nation writes about the illicit world."""

    time: datetime
    kind: str  # profile | assessment | informant | seizure | surveillance
    subject: str


@dataclass
class Mention:
    written: WrittenName
    # Not drawn at the variant rate: a second mention (always spelled otherwise) or a
    # key player's spelling forced to differ from the other nations'.
    forced: bool = False


@dataclass
class NationPlan:
    code: str
    known: dict[str, int] = field(default_factory=dict)  # person -> number of mentions
    names: dict[tuple[str, int], Mention] = field(default_factory=dict)
    targets: set[str] = field(default_factory=set)
    episodes: list[Episode] = field(default_factory=list)
    calls: dict[int, list[Call]] = field(default_factory=lambda: defaultdict(list))
    payments: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    customs: dict[int, list[tuple[datetime, str, str]]] = field(
        default_factory=lambda: defaultdict(list))
    sightings: dict[int, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))


def plan_views(world: World, knobs: Knobs) -> dict[str, NationPlan]:
    plans = {code: NationPlan(code) for code in world.nations}
    _people(world, plans)
    _names(world, plans, knobs)
    build_operations(world, watchers(world, plans))
    _episodes(world, plans)
    _batches(world, plans)
    return plans


def _people(world: World, plans: dict[str, NationPlan]) -> None:
    rng = stream(world.seed, "observe", "people")
    nations = world.nations
    for acc in world.accounts.values():
        country = acc.number.country
        if country in plans and acc.holder in world.people:
            world.people[acc.holder].countries.add(country)
    for seizure in world.seizures.values():
        for pid in seizure.arrested:
            world.people[pid].countries.add(seizure.nation)
    for pid, person in world.people.items():
        if not person.illicit:
            continue
        seen = sorted(c for c in person.countries if c in plans)
        if person.role in KEY_ROLES and len(seen) < 2:
            org = world.orgs[person.org] if person.org else None
            extra = [world.orgs[o].home for o in (org.partners if org else [])] + ["US"]
            extra += [n for n in nations if n not in extra]
            for n in extra:
                if n in plans and n not in seen:
                    seen.append(n)
                if len(seen) >= 2:
                    break
        if not seen:
            seen = [rng.choice(nations)]
        for n in sorted(seen):
            plan = plans[n]
            dup = person.alias is not None and rng.random() < 0.25
            plan.known[pid] = 2 if dup else 1
            if person.role in TARGET_ROLES or rng.random() < 0.5:
                plan.targets.add(pid)


def _names(world: World, plans: dict[str, NationPlan], knobs: Knobs) -> None:
    for code in sorted(plans):
        plan = plans[code]
        habits = NATIONS[code].habits
        for pid, slots in sorted(plan.known.items()):
            person = world.people[pid]
            for slot in range(slots):
                rng = stream(world.seed, "name", code, pid, slot)
                if slot == 1 and rng.random() < 0.5 and person.alias:
                    alias = WrittenName(person.alias, ("alias_only",), None, None, None)
                    plan.names[(pid, slot)] = Mention(alias, forced=True)
                    continue
                varied = slot == 1 or rng.random() < knobs.variant_rate
                written = write_person(person.name, habits, rng, varied=varied,
                                       noise=knobs.noise)
                plan.names[(pid, slot)] = Mention(written, forced=slot == 1)
    # Every key player must be spelled differently by at least two nations.
    for pid, person in sorted(world.people.items()):
        if person.role not in KEY_ROLES:
            continue
        holders = [code for code in sorted(plans) if pid in plans[code].known]
        texts = {plans[c].names[(pid, 0)].written.text for c in holders}
        if len(holders) >= 2 and len(texts) < 2:
            code = holders[-1]
            for attempt in range(50):
                rng = stream(world.seed, "name-forced", code, pid, attempt)
                written = write_person(person.name, NATIONS[code].habits, rng, varied=True,
                                       noise=knobs.noise)
                if written.text not in texts:
                    break
            plans[code].names[(pid, 0)] = Mention(written, forced=True)


def _episodes(world: World, plans: dict[str, NationPlan]) -> None:
    rng = stream(world.seed, "observe", "episodes")
    span = world.days * 24
    for code in sorted(plans):
        plan = plans[code]
        for pid in sorted(plan.known):
            at = world.at(profile_fraction(rng) * span).replace(second=0, microsecond=0)
            plan.episodes.append(Episode(at, "profile", pid))
            if plan.known[pid] == 2:
                at = world.at(rng.uniform(0.1, 0.95) * span).replace(second=0, microsecond=0)
                plan.episodes.append(Episode(at, "informant", pid))
        for oid, org in sorted(world.orgs.items()):
            members = [pid for pid, _ in org.members if pid in plan.known]
            if len(members) >= 2:
                at = world.at(rng.uniform(0.3, 0.7) * span).replace(second=0, microsecond=0)
                plan.episodes.append(Episode(at, "assessment", oid))
    for sid, seizure in sorted(world.seizures.items()):
        if seizure.nation in plans:
            plans[seizure.nation].episodes.append(
                Episode(seizure.time + timedelta(hours=6), "seizure", sid))
    for op in world.operations:
        if op.nation in plans:
            plans[op.nation].episodes.append(Episode(op.end + timedelta(hours=12),
                                                     "surveillance", op.id))
    for plan in plans.values():
        plan.episodes.sort(key=lambda e: (e.time, e.kind, e.subject))


def profile_fraction(rng: random.Random) -> float:
    """When in the period a profile is written: most at the start (files opened on
    ongoing investigations), the rest as new subjects come up. False leads use it too."""
    return rng.uniform(0.0, EARLY) if rng.random() < EARLY_SHARE else rng.uniform(EARLY, 0.95)


EARLY, EARLY_SHARE = 0.12, 0.6


def _day(world: World, moment: datetime) -> int:
    return int(world.hours(moment) // 24)


def _batches(world: World, plans: dict[str, NationPlan]) -> None:
    holder = {ph.id: ph.holder for ph in world.phones.values()}
    for call in world.calls:
        for plan in plans.values():
            if holder[call.caller] in plan.targets or holder[call.receiver] in plan.targets:
                plan.calls[_day(world, call.time)].append(call)
    for pay_id, pay in sorted(world.payments.items()):
        seen: set[str] = set()
        for acc_id in (pay.payer_account, pay.beneficiary_account):
            if acc_id is None:
                continue
            acc = world.accounts[acc_id]
            if acc.number.kind == "crypto":
                seen |= {c for c, p in plans.items() if acc.holder in p.known}
            elif acc.number.country in plans:
                seen.add(acc.number.country)
        for code in sorted(seen):
            plans[code].payments[_day(world, pay.time)].append(pay_id)
    for sid, ship in sorted(world.shipments.items()):
        stops = ship.ports
        seizure = world.seizures.get(ship.seizure) if ship.seizure else None
        for k, port in enumerate(stops):
            if seizure is not None and seizure.port is not None and k > stops.index(
                    seizure.port):
                break
            code = PORTS[port].country
            if code not in plans:
                continue
            at = ship.depart + (ship.arrive - ship.depart) * (k / (len(stops) - 1))
            role = "export" if k == 0 else ("import" if k == len(stops) - 1 else "transit")
            plans[code].customs[_day(world, at)].append((at, sid, role))
    for cid, craft in sorted(world.crafts.items()):
        for i, (t, lat, lon, _, _, _, place) in enumerate(craft.sightings):
            for code, plan in plans.items():
                if craft.kind == "aircraft" and adsb_seen(code, lat, lon):
                    plan.sightings[int(t // 24)].append((cid, i))
                elif craft.kind == "car" and code in _crossing_sides(place):
                    plan.sightings[int(t // 24)].append((cid, i))


def _crossing_sides(name: str) -> tuple[str, ...]:
    return CROSSINGS[name][2:] if name in CROSSINGS else ()


def watchers(world: World, plans: dict[str, NationPlan]) -> dict[str, list[str]]:
    """Key players and the nations that know them (for surveillance operations)."""
    out: dict[str, list[str]] = {}
    for pid, person in world.people.items():
        if person.role in KEY_ROLES:
            out[pid] = sorted(c for c, p in plans.items() if pid in p.known)
    return out
