"""Assembling ``truth.json`` from the world, the views' plans and the recorded mentions.

See docs/synth.md for every key. Times are ``YYYY-MM-DDTHH:MM:SSZ``; amounts
are in cents with their currency; true ids never appear in national files.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from accord.synth.config import Knobs
from accord.synth.observe import NationPlan
from accord.synth.operations import conflicts
from accord.synth.organisations import brokers
from accord.synth.places import COVERAGE, PORTS
from accord.synth.truth import FORMAT, TruthSink, variant_summary
from accord.synth.world import KEY_ROLES, World
from accord.synth.writer import stamp


def build_truth(world: World, plans: dict[str, NationPlan], sink: TruthSink, knobs: Knobs,
                summary: dict[str, Any]) -> dict[str, Any]:
    m = sink.mentions
    entities = _entities(world, m)
    _background_phones(entities, sink.background)
    key = sorted((p for p in world.people.values() if p.illicit and p.org),
                 key=lambda p: (-p.score, p.id))
    holder = {ph.id: ph.holder for ph in world.phones.values()}
    pairs: Counter[tuple[str, str]] = Counter()
    for call in world.calls:
        a, b = sorted((holder[call.caller], holder[call.receiver]))
        pairs[(a, b)] += 1
    return {
        "format": FORMAT,
        "seed": world.seed, "scale": knobs.scale, "nations": world.nations,
        "knobs": summary["knobs"],
        "period": {"start": world.start.isoformat(), "days": world.days},
        "files": summary["files"],
        "entities": entities,
        "organisations": {o.id: {
            "name": o.name, "kind": o.kind, "home": o.home.lower(), "culture": o.culture,
            "members": [{"person": pid, "role": role} for pid, role in o.members],
            "fronts": list(o.fronts), "partners": sorted(o.partners)}
            for o in world.orgs.values()},
        "key_players": [{"rank": i + 1, "person": p.id, "role": p.role, "organisation": p.org,
                         "score": p.score, "key": p.role in KEY_ROLES}
                        for i, p in enumerate(key)],
        "brokers": [{"person": pid, "organisations": orgs} for pid, orgs in brokers(world)],
        "communications": [{"a": a, "b": b, "calls": n} for (a, b), n in sorted(pairs.items())],
        "phones": _phones(world),
        "routes": [{"id": r.id, "organisation": r.org, "ports": r.ports,
                    "mode": "sea" if any(p.startswith("SEA-") for p in r.ports) else "container",
                    "start": r.start.isoformat(), "end": r.end.isoformat() if r.end else None,
                    "ended_by": r.ended_by} for r in world.routes],
        "route_shifts": _shifts(world),
        "shipments": {s.id: {
            "illicit": True, "organisation": s.org, "route": s.route, "drug": s.drug,
            "drug_kg": s.drug_kg, "container": s.container, "bill_of_lading": s.bill,
            "ports": s.ports, "shipper": s.shipper, "consignee": s.consignee,
            "vessel": s.vessel, "goods": s.goods, "declared_value_cents": s.cents,
            "currency": s.currency, "weight_kg": s.weight_kg, "payment_terms": s.terms,
            "rip_on": not world.companies[s.shipper].illicit,
            "depart": stamp(s.depart), "arrive": stamp(s.arrive), "seizure": s.seizure,
            "mentions": m.get(s.id, [])} for s in world.shipments.values()},
        "seizures": {s.id: {
            "nation": s.nation, "time": stamp(s.time), "port": s.port, "lat": s.lat,
            "lon": s.lon, "drug": s.drug, "kg": s.kg, "organisation": s.org,
            "shipment": s.shipment, "vessel": s.vessel, "arrested": s.arrested,
            "mentions": m.get(s.id, [])} for s in world.seizures.values()},
        "laundering": [{"id": s.id, "typology": s.typology, "organisation": s.org,
                        "accounts": s.accounts, "hub": s.hub, "payments": s.payments,
                        "threshold": s.threshold, "currency": s.currency}
                       for s in world.schemes],
        "payments": {p.id: {
            "scheme": p.scheme, "time": stamp(p.time), "payer": p.payer,
            "payer_account": p.payer_account, "beneficiary": p.beneficiary,
            "beneficiary_account": p.beneficiary_account, "cents": p.cents,
            "currency": p.currency, "channel": p.channel, "mentions": m.get(p.id, [])}
            for p in world.payments.values()},
        "maritime": _maritime(world),
        "operations": [{"id": o.id, "nation": o.nation, "target": o.target, "lat": o.lat,
                        "lon": o.lon, "radius_m": o.radius_m, "start": stamp(o.start),
                        "end": stamp(o.end), "place": o.place, "mentions": m.get(o.id, [])}
                       for o in world.operations],
        "operation_conflicts": [{"a": a, "b": b} for a, b in conflicts(world)],
        "shared_targets": [{"person": pid, "nations": sorted(c for c, p in plans.items()
                                                              if pid in p.known)}
                           for pid in sorted(world.people)
                           if sum(pid in p.known for p in plans.values()) >= 2],
        "name_variants": variant_summary(entities, knobs.variant_rate),
    }


def _entities(world: World, m: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in world.people.values():
        out[p.id] = {
            "schema": "Person", "illicit": p.illicit, "name": p.name.canonical,
            "native_name": p.name.native, "culture": p.name.culture, "alias": p.alias,
            "gender": p.name.gender, "birth_date": p.birth.isoformat(),
            "nationality": p.nationality.lower(), "residence": p.residence.lower(),
            "organisation": p.org, "role": p.role, "key": p.key,
            "identifiers": {"passport": p.passport, "national_id": p.national_id,
                            "phones": [world.phones[ph].number.e164 for ph in p.phones],
                            "accounts": p.accounts},
            "mentions": m.get(p.id, [])}
    for o in world.orgs.values():
        out[o.id] = {"schema": "Organization", "illicit": True, "name": o.name,
                     "mentions": m.get(o.id, [])}
    for c in world.companies.values():
        if c.illicit or c.id in m:
            out[c.id] = {"schema": "Company", "illicit": c.illicit, "name": c.name,
                         "country": c.country.lower(), "registration": c.registration,
                         "front": c.front, "organisation": c.org, "owners": c.owners,
                         "mentions": m.get(c.id, [])}
    for ph in world.phones.values():
        out[ph.id] = {"schema": "Phone", "illicit": True, "number": ph.number.e164,
                      "holder": ph.holder, "burner": ph.burner, "replaces": ph.replaces,
                      "imei": ph.imei, "mentions": m.get(ph.id, [])}
    for a in world.accounts.values():
        out[a.id] = {"schema": "Account", "illicit": True, "kind": a.number.kind,
                     "value": a.number.value, "country": a.number.country.lower() or None,
                     "bank": a.number.bank, "holder": a.holder, "mentions": m.get(a.id, [])}
    for v in world.vessels.values():
        out[v.id] = {"schema": "Vessel", "illicit": v.illicit, "name": v.name, "kind": v.kind,
                     "flag": v.flag.lower(), "imo": v.imo, "mmsi": v.mmsi, "owner": v.owner,
                     "mentions": m.get(v.id, [])}
    for k in world.crafts.values():
        out[k.id] = {"schema": "Aircraft" if k.kind == "aircraft" else "Vehicle",
                     "illicit": k.owner is not None or k.user is not None,
                     "registration": k.registration, "owner": k.owner, "user": k.user,
                     "mentions": m.get(k.id, [])}
    for locode, port in PORTS.items():
        tid = f"LOC-{locode}"
        if tid in m:
            out[tid] = {"schema": "Location", "illicit": False, "name": port.name,
                        "locode": locode, "mentions": m[tid]}
    return out


def _background_phones(entities: dict[str, Any],
                       background: dict[str, list[dict[str, Any]]]) -> None:
    """List background phones written in more than one place as one true phone each.

    A phone is its number: two nations' files that write a resident's line (or a
    foreign contact's) with the same E.164 number write the same line. Such
    numbers become true phones ``PHB0001``... (numbered in the order of their
    numbers); a background number that is also a listed phone's joins its mentions.
    """
    listed = {e["number"]: e for e in entities.values()
              if e["schema"] == "Phone" and "number" in e}
    shared = 0
    for number in sorted(background):
        found = background[number]
        if number in listed:
            listed[number]["mentions"].extend(found)
        elif len(found) > 1:
            shared += 1
            entities[f"PHB{shared:04d}"] = {"schema": "Phone", "illicit": False,
                                            "number": number, "mentions": found}


def _phones(world: World) -> dict[str, Any]:
    return {
        "burners": [{"phone": p.id, "holder": p.holder, "first": stamp(p.first),
                     "last": stamp(p.last)} for p in world.phones.values() if p.burner],
        "swaps": [{"old": p.replaces, "new": p.id, "holder": p.holder, "date": stamp(p.first),
                   "same_handset": world.phones[p.replaces].imei == p.imei}
                  for p in world.phones.values() if p.replaces],
    }


def _shifts(world: World) -> list[dict[str, Any]]:
    out = []
    for route in world.routes:
        if route.ended_by is None:
            continue
        after = [r for r in world.routes if r.org == route.org and r.start == route.end
                 and r.id != route.id and _mode(r.ports) == _mode(route.ports)]
        out.append({"organisation": route.org, "from": route.id,
                    "to": after[0].id if after else None, "after_seizure": route.ended_by,
                    "date": route.end.isoformat() if route.end else None})
    return out


def _mode(ports: list[str]) -> str:
    return "sea" if any(p.startswith("SEA-") for p in ports) else "container"


def _maritime(world: World) -> dict[str, Any]:
    def event(e: Any) -> dict[str, Any]:
        out = {"id": e.id, "vessels": e.vessels, "start": stamp(world.at(e.start)),
               "end": stamp(world.at(e.end)), "hours": round(e.end - e.start, 2),
               "lat": round(e.lat, 5), "lon": round(e.lon, 5), "organisation": e.org}
        if e.to_lat is not None:
            out["to_lat"], out["to_lon"] = round(e.to_lat, 5), round(e.to_lon or 0, 5)
        return out
    return {
        "interval_minutes": world.interval_min,
        "rendezvous": [event(e) for e in world.events if e.kind == "rendezvous"],
        "dark_gaps": [event(e) for e in world.events if e.kind == "dark_gap"],
        "coverage": {n: [list(b) for b in COVERAGE[n]] for n in world.nations if n in COVERAGE},
    }
