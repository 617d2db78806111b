"""Phones and calls: main lines, swapped numbers, burners, and who calls whom.

Key players (leaders, lieutenants, brokers) swap numbers part-way through
the period: the new line (often in the same handset, so with the same IMEI)
keeps calling the same contacts. Leaders, brokers and some lieutenants also
use *burners*: lines active for a few days to a few weeks, used only with a
handful of contacts around a delivery.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from accord.synth.identifiers import imei
from accord.synth.phones import PhoneBook
from accord.synth.rng import poisson, stream
from accord.synth.world import Call, Phone, World

# (role a, role b, calls per week) inside one organisation.
EDGE_RATES = (
    ("leader", "lieutenant", 1.5), ("lieutenant", "lieutenant", 0.8),
    ("lieutenant", "logistician", 1.5), ("lieutenant", "courier", 0.6),
    ("logistician", "courier", 1.0), ("logistician", "insider", 0.6),
    ("leader", "launderer", 0.6), ("launderer", "front", 0.6), ("leader", "broker", 0.8),
    ("lieutenant", "broker", 0.6),
)
BROKER_RATES = (("leader", 0.6), ("lieutenant", 0.8))


def build_phones(world: World, book: PhoneBook) -> None:
    rng = stream(world.seed, "world", "phones")
    end = world.at(world.days * 24)
    for person in world.people.values():
        if not person.illicit:
            continue
        country = person.residence
        if person.role == "broker" or (person.nationality != person.residence
                                       and rng.random() < 0.3):
            country = person.nationality if person.nationality != "VE" else person.residence
        handset = imei(rng)
        main = _phone(world, book, country, person.id, world.t0, end, handset)
        if person.key and rng.random() < 0.65:
            cut = world.at(rng.uniform(0.25, 0.75) * world.days * 24)
            main.last = cut
            again = handset if rng.random() < 0.5 else imei(rng)
            new = _phone(world, book, country, person.id, cut, end, again)
            new.replaces = main.id
            world.relations.append(("swapped", main.id, new.id))
        if person.role in ("leader", "broker") or (person.role == "lieutenant"
                                                   and rng.random() < 0.5):
            for _ in range(1 + (rng.random() < 0.5)):
                first = world.at(rng.uniform(0.05, 0.85) * world.days * 24)
                last = first + timedelta(days=rng.randrange(3, 21))
                burner = _phone(world, book, person.residence, person.id, first,
                                min(last, end), imei(rng))
                burner.burner = True
    for company in world.companies.values():
        if company.illicit:
            company.phone = _phone(world, book, company.country, company.id, world.t0, end,
                                   imei(rng), kind="fixed").id


def _phone(world: World, book: PhoneBook, country: str, holder: str, first: datetime,
           last: datetime, handset: str, kind: str = "mobile") -> Phone:
    phone = Phone(f"PH{len(world.phones) + 1:04d}", book.allocate(country, kind), holder,
                  first, last, handset)
    world.phones[phone.id] = phone
    person = world.people.get(holder)
    if person is not None:
        person.phones.append(phone.id)
    return phone


def build_calls(world: World, rate: float) -> None:
    """Calls along the organisation's chain of command and across brokered partnerships."""
    rng = stream(world.seed, "world", "calls")
    weeks = world.days / 7
    pairs: list[tuple[str, str, float]] = []
    for org in world.orgs.values():
        by_role: dict[str, list[str]] = {}
        for pid, role in org.members:
            by_role.setdefault(role, []).append(pid)
        for ra, rb, per_week in EDGE_RATES:
            for a in by_role.get(ra, []):
                for b in by_role.get(rb, []):
                    if a < b or ra != rb:
                        if a != b:
                            pairs.append((a, b, per_week))
    for kind, broker, other_org in world.relations:
        if kind != "brokers_for":
            continue
        for pid, role in world.orgs[other_org].members:
            for want, per_week in BROKER_RATES:
                if role == want:
                    pairs.append((broker, pid, per_week))
    for a, b, per_week in pairs:
        for _ in range(poisson(rng, per_week * weeks * rate)):
            _call(world, rng, a, b)
    world.calls.sort(key=lambda c: (c.time, c.caller, c.receiver))


def _call(world: World, rng: random.Random, a: str, b: str) -> None:
    if rng.random() < 0.5:
        a, b = b, a
    # Waking hours, like everybody else's calls (06:00-24:00).
    hours = rng.randrange(world.days) * 24 + rng.uniform(6, 24)
    moment = world.at(hours).replace(microsecond=0)
    pa = _line(world, rng, a, b, moment)
    pb = _line(world, rng, b, a, moment)
    if pa is None or pb is None:
        return
    kind = "sms" if rng.random() < 0.25 else "call"
    duration = 0 if kind == "sms" else int(rng.lognormvariate(4.2, 0.9)) + 5
    world.calls.append(Call(pa, pb, moment, duration, kind))


def _line(world: World, rng: random.Random, holder: str, other: str,
          moment: datetime) -> str | None:
    """The line ``holder`` uses at ``moment`` to reach ``other`` (a burner if one is live)."""
    person = world.people[holder]
    live = [world.phones[p] for p in person.phones
            if world.phones[p].first <= moment <= world.phones[p].last]
    burners = [p for p in live if p.burner]
    if burners and rng.random() < 0.8:
        return burners[0].id
    mains = [p for p in live if not p.burner]
    return mains[0].id if mains else None


def burner_calls(world: World, rate: float) -> None:
    """Make sure every burner is really used: a few calls to its holder's closest contacts."""
    rng = stream(world.seed, "world", "burner-calls")
    contacts: dict[str, list[str]] = {}
    for kind, broker, other_org in world.relations:
        if kind == "brokers_for":
            contacts.setdefault(broker, []).extend(
                pid for pid, role in world.orgs[other_org].members if role == "leader")
    for org in world.orgs.values():
        leads = [pid for pid, role in org.members if role in ("leader", "lieutenant")]
        for pid in leads:
            contacts.setdefault(pid, []).extend(p for p in leads if p != pid)
    for phone in world.phones.values():
        if not phone.burner:
            continue
        people = sorted(set(contacts.get(phone.holder, [])))[:3]
        span = (phone.last - phone.first).total_seconds()
        for other in people:
            for _ in range(2 + poisson(rng, 2 * rate)):
                moment = (phone.first + timedelta(seconds=rng.uniform(0, span))).replace(
                    microsecond=0)
                theirs = _line(world, rng, other, phone.holder, moment)
                if theirs is None:
                    continue
                pair = (phone.id, theirs) if rng.random() < 0.5 else (theirs, phone.id)
                world.calls.append(Call(pair[0], pair[1], moment,
                                        int(rng.lognormvariate(3.8, 0.7)) + 5, "call"))
    world.calls.sort(key=lambda c: (c.time, c.caller, c.receiver))
