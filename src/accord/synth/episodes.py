"""Analytical reports about the illicit world: profiles, informants, assessments,
seizures and surveillance operations."""

from __future__ import annotations

import random

from accord.synth import items, things
from accord.synth.observe import Episode
from accord.synth.reports import source_code
from accord.synth.rng import stream
from accord.synth.view import OWNER_ROLES, ROLE_TEXT, NationView
from accord.synth.writer import stamp

USES = {"es": "usa la línea", "en": "uses the line", "nl": "gebruikt het nummer"}
SURVEIL = {"es": "vigilancia", "en": "surveillance", "nl": "observatie"}
PARTNER = {"es": "socio", "en": "associate", "nl": "compagnon"}
VENUE_KIND = {"es": "lugar de reunión", "en": "meeting place", "nl": "ontmoetingsplaats"}


def write_episode(view: NationView, ep: Episode) -> None:
    rng = stream(view.world.seed, "episode", view.code, ep.kind, ep.subject)
    {"profile": _profile, "informant": _informant, "assessment": _assessment,
     "seizure": _seizure, "surveillance": _surveillance}[ep.kind](view, ep, rng)


def _profile(view: NationView, ep: Episode, rng: random.Random) -> None:
    world = view.world
    person = world.people[ep.subject]
    view.open("profile", ep.time, view.plan.names[(ep.subject, 0)].written.text)
    view.person(ep.subject)
    if ep.subject in view.plan.targets:
        for phid in person.phones:
            ph = world.phones[phid]
            if not ph.burner and ph.first <= ep.time + (ph.last - ph.first):
                things.phone(view, phid)
    for aid in person.accounts:
        if world.accounts[aid].number.country == view.code:
            things.account(view, aid)
    for cid, craft in sorted(world.crafts.items()):
        if craft.user == ep.subject:
            things.craft(view, cid)
    view.close()


def _informant(view: NationView, ep: Episode, rng: random.Random) -> None:
    world = view.world
    person = world.people[ep.subject]
    view.open("informant", ep.time, source_code(view.nation, rng))
    alias_id = view.person(ep.subject, 1)
    phones = [p for p in person.phones if not world.phones[p].burner
              and world.phones[p].first <= ep.time <= world.phones[p].last]
    if phones and rng.random() < 0.7:
        phone_id = things.phone(view, phones[0])
        view.link("lnk", "UnknownLink", {"subject": [alias_id], "object": [phone_id],
                                         "role": [USES[view.lang]],
                                         "date": [ep.time.date().isoformat()]})
    org = world.orgs[person.org] if person.org else None
    if org is not None:
        mates = [pid for pid, _ in org.members if pid != ep.subject and pid in view.plan.known]
        if mates:
            mate = view.person(rng.choice(mates))
            view.link("lnk", "Associate", {"person": [alias_id], "associate": [mate],
                                           "relationship": [PARTNER[view.lang]]})
    view.close()


def _assessment(view: NationView, ep: Episode, rng: random.Random) -> None:
    world = view.world
    org = world.orgs[ep.subject]
    view.open("assessment", ep.time, org.name)
    org_id = view.organisation(org.id)
    for pid, role in org.members:
        if pid not in view.plan.known:
            continue
        # An analyst's view of a role is not always the true one.
        shown = role if rng.random() < 0.85 else rng.choice(sorted(ROLE_TEXT[view.lang]))
        view.link("mem", "Membership", {
            "member": [view.person(pid)], "organization": [org_id],
            "role": [ROLE_TEXT[view.lang][shown]]})
    for cid in org.fronts:
        company = world.companies[cid]
        if company.country != view.code:
            continue
        company_id = view.company(cid)
        for owner in company.owners:
            if owner in view.plan.known:
                view.link("own", "Ownership", {
                    "owner": [view.person(owner)], "asset": [company_id],
                    "role": [rng.choice(OWNER_ROLES[view.lang])],
                    "percentage": [str(rng.choice((50, 60, 100)))],
                    "startDate": [company.founded.isoformat()]})
    view.close()


def _seizure(view: NationView, ep: Episode, rng: random.Random) -> None:
    s = view.world.seizures[ep.subject]
    where = s.port or f"{s.lat:.2f},{s.lon:.2f}"
    view.open("seizure", ep.time, f"{s.kg} kg – {where}")
    items.seizure(view, ep.subject)
    view.close()


def _surveillance(view: NationView, ep: Episode, rng: random.Random) -> None:
    op = next(o for o in view.world.operations if o.id == ep.subject)
    view.open("surveillance", ep.time, op.place)
    target = view.person(op.target)
    venue = things.place(view, op.id, op.place, op.lat, op.lon, VENUE_KIND[view.lang])
    view.define(("OP", op.id), "lnk", "UnknownLink", lambda r: {
        "subject": [target], "object": [venue], "role": [SURVEIL[view.lang]],
        "startDate": [stamp(op.start)], "endDate": [stamp(op.end)],
        "summary": [f"{op.place}; r = {op.radius_m} m"]},
        true_id=op.id, info={"location": venue})
    view.close()
