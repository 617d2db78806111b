"""Building the true world, in dependency order, from the seed and the knobs."""

from __future__ import annotations

from accord.synth.comms import build_calls, build_phones, burner_calls
from accord.synth.config import Knobs, epoch
from accord.synth.crafts import build_crafts
from accord.synth.laundering import TYPOLOGIES, build_accounts, build_schemes
from accord.synth.maritime import benign_fleet
from accord.synth.organisations import build_organisations
from accord.synth.phones import PhoneBook
from accord.synth.places import PORTS
from accord.synth.trade import build_lanes, build_pipelines
from accord.synth.world import ROLE_WEIGHT, World

KIND_WEIGHT = {"supplier": 1.0, "cartel": 1.0, "distributor": 0.6, "launderers": 0.4}


def build_world(seed: int, nations: list[str], knobs: Knobs, *, fleet: int,
                lanes: int) -> tuple[World, PhoneBook]:
    world = World(seed, epoch(seed), knobs.days, list(nations), interval_min=knobs.interval_min)
    book = PhoneBook(seed)
    build_organisations(world, knobs.organisations)
    benign_fleet(world, fleet)
    build_lanes(world, lanes)
    build_pipelines(world, knobs.rate)
    # Crews' fishing vessels must not stand out: more ordinary fishing vessels than them.
    crews = sum(v.illicit for v in world.vessels.values())
    fishing = sum(v.kind == "fishing" and not v.illicit for v in world.vessels.values())
    if fishing < 1.5 * crews:
        benign_fleet(world, round(1.5 * crews) - fishing, kinds=("fishing",),
                     label="fleet-extra")
    _route_people(world)
    build_phones(world, book)
    build_calls(world, knobs.rate)
    burner_calls(world, knobs.rate)
    build_accounts(world)
    build_schemes(world, max(len(TYPOLOGIES), 2 * knobs.organisations))
    _scheme_people(world)
    build_crafts(world, knobs.rate)
    _rank(world)
    return world, book


def _route_people(world: World) -> None:
    """People who run a route are active in the countries it touches."""
    for route in world.routes:
        buyer = world.orgs[route.org]
        countries = [PORTS[p].country for p in route.ports if p in PORTS]
        suppliers = [world.orgs[o] for o in buyer.partners if world.orgs[o].kind == "supplier"]
        for org, where in [(buyer, countries[-1:]), *[(s, countries[:-1]) for s in suppliers]]:
            for pid, role in org.members:
                person = world.people[pid]
                if role == "logistician":
                    person.countries.update(where)
                elif role in ("courier", "insider") and where:
                    person.countries.add(where[-1] if role == "insider" else where[0])
    for vessel in world.vessels.values():
        if vessel.illicit and vessel.owner is None:
            fronts = [c for o in world.orgs.values() for c in o.fronts
                      if vessel.home and world.companies[c].country == PORTS[vessel.home].country]
            vessel.owner = fronts[0] if fronts else None


def _scheme_people(world: World) -> None:
    for scheme in world.schemes:
        for aid in scheme.accounts:
            acc = world.accounts[aid]
            if acc.holder in world.people and acc.number.country:
                world.people[acc.holder].countries.add(acc.number.country)


def _rank(world: World) -> None:
    """Key-player score by construction: role weight, organisation weight, call degree."""
    contacts: dict[str, set[str]] = {}
    holder = {ph.id: ph.holder for ph in world.phones.values()}
    for call in world.calls:
        a, b = holder[call.caller], holder[call.receiver]
        contacts.setdefault(a, set()).add(b)
        contacts.setdefault(b, set()).add(a)
    top = max((len(c) for c in contacts.values()), default=1) or 1
    for org in world.orgs.values():
        for pid, role in org.members:
            degree = len(contacts.get(pid, ())) / top
            world.people[pid].score = round(
                ROLE_WEIGHT[role] + 0.05 * KIND_WEIGHT[org.kind] + 0.1 * degree, 4)
