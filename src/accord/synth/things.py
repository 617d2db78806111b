"""Entity lines for phones, accounts, vessels, ports, places, aircraft and cars.

Functions over a ``NationView``: each returns the entity id in the nation's
file, writing the entity on first use (see ``NationView.define``).
"""

from __future__ import annotations

import random

from accord.synth.banking import AccountNumber
from accord.synth.places import PORTS
from accord.synth.view import NationView

VESSEL_TYPE = {
    "es": {"container": "portacontenedores", "bulk": "granelero", "tanker": "petrolero",
           "reefer": "buque frigorífico", "fishing": "pesquero"},
    "en": {"container": "container ship", "bulk": "bulk carrier", "tanker": "tanker",
           "reefer": "reefer", "fishing": "fishing vessel"},
    "nl": {"container": "containerschip", "bulk": "bulkcarrier", "tanker": "tanker",
           "reefer": "koelschip", "fishing": "vissersvaartuig"},
}
PORT_KIND = {"es": "puerto", "en": "seaport", "nl": "zeehaven"}


def phone(view: NationView, phid: str, *, holder_known: bool | None = None) -> str:
    found = view.keys.get(("PH", phid))
    if found is not None:
        return found
    ph = view.world.phones[phid]
    known = (ph.holder in view.plan.targets) if holder_known is None else holder_known
    holder_id = None
    if known and ph.holder in view.world.people:
        holder_id = view.person(ph.holder)
    elif known and ph.holder in view.world.companies:
        holder_id = view.company(ph.holder)
    style = view.phone_style(ph.number.country, phid)

    def build(rng: random.Random) -> dict[str, list[str]]:
        props = {"number": [ph.number.written(style)],
                 "country": [ph.number.country.lower()]}
        if rng.random() < 0.5:
            props["carrier"] = [ph.number.template.carrier]
        if holder_id is not None:
            props["holder"] = [holder_id]
            if rng.random() < 0.4:
                props["imei"] = [ph.imei]
            if ph.burner or ph.replaces or ph.last < view.world.at(view.world.days * 24 - 1):
                props["firstSeen"] = [ph.first.date().isoformat()]
                props["lastSeen"] = [ph.last.date().isoformat()]
        return props

    return view.define(("PH", phid), "phn", "Phone", build, true_id=phid,
                       info={"number": ph.number.written(style), "style": style,
                             "holder_known": holder_id is not None})


def account_text(view: NationView, number: AccountNumber, *labels: object) -> tuple[str, str]:
    """(written value, style) of an account number in this nation's habit."""
    if number.kind != "iban":
        return number.value, "compact"
    style = view.pick(view.nation.iban_styles, "iban", *labels)
    return number.written(style), style


def account(view: NationView, aid: str) -> str:
    found = view.keys.get(("A", aid))
    if found is not None:
        return found
    acc = view.world.accounts[aid]
    number = acc.number
    domestic = number.country == view.code
    crypto = number.kind == "crypto"
    holder_known = domestic or (crypto and acc.holder in view.plan.known)
    holder_id = None
    if holder_known:
        holder_id = (view.person(acc.holder) if acc.holder in view.world.people
                     else view.company(acc.holder))
    text, style = account_text(view, number, aid)

    def build(rng: random.Random) -> dict[str, list[str]]:
        prop = {"iban": "iban", "crypto": "cryptoAddress"}.get(number.kind, "accountNumber")
        props = {prop: [text], "currency": [number.currency]}
        if number.bank:
            props["bankName"] = [number.bank]
        if number.bic and rng.random() < 0.6:
            props["bic"] = [number.bic]
        if number.country:
            props["country"] = [number.country.lower()]
        if holder_id is not None:
            props["holder"] = [holder_id]
        return props

    return view.define(("A", aid), "acc", "Account", build, true_id=aid,
                       info={"value": text, "style": style, "holder_known": holder_known})


def vessel(view: NationView, vid: str) -> str:
    found = view.keys.get(("V", vid))
    if found is not None:
        return found
    v = view.world.vessels[vid]
    u = view.pick((("upper", 0.6), ("title", 0.4)), "vessel-name", vid)
    name = v.name if u == "upper" else v.name.title().replace(" Ii", " II").replace(
        " Iii", " III").replace(" Iv", " IV")
    imo_style = view.pick(view.nation.imo_styles, "imo", vid)
    imo = None if v.imo is None else (f"IMO {v.imo}" if imo_style == "prefixed" else v.imo)
    owner_id = None
    if v.owner and v.owner in view.world.companies and (
            view.world.companies[v.owner].country == view.code):
        owner_id = view.company(v.owner)

    def build(rng: random.Random) -> dict[str, list[str]]:
        props = {"name": [name], "mmsi": [v.mmsi or ""], "flag": [v.flag.lower()],
                 "type": [VESSEL_TYPE[view.lang][v.kind]]}
        if imo and rng.random() < 0.9:
            props["imoNumber"] = [imo]
        if rng.random() < 0.7:
            props["callSign"] = [v.call_sign]
        if rng.random() < 0.6:
            props["tonnage"] = [str(v.tonnage)]
        if rng.random() < 0.4:
            props["buildDate"] = [str(v.built)]
        if owner_id:
            props["owner"] = [owner_id]
        return props

    return view.define(("V", vid), "ves", "Vessel", build, true_id=vid,
                       info={"name": name, "imo": imo, "variants": [] if u == "upper"
                             else ["case"]})


def port(view: NationView, locode: str) -> str:
    found = view.keys.get(("L", locode))
    if found is not None:
        return found
    p = PORTS[locode]
    spaced = view.pick((("compact", 0.8), ("spaced", 0.2)), "locode", locode) == "spaced"

    def build(rng: random.Random) -> dict[str, list[str]]:
        return {"name": [p.name], "locode": [f"{locode[:2]} {locode[2:]}" if spaced else locode],
                "kind": [PORT_KIND[view.lang]], "coordinates": [f"{p.lat:.4f},{p.lon:.4f}"],
                "country": [p.country.lower()]}

    return view.define(("L", locode), "loc", "Location", build, true_id=f"LOC-{locode}",
                       info={"name": p.name})


def place(view: NationView, key: str, name: str, lat: float, lon: float, kind: str) -> str:
    return view.define(("PL", key), "loc", "Location", lambda rng: {
        "name": [name], "kind": [kind], "coordinates": [f"{lat:.6f},{lon:.6f}"]})


def craft(view: NationView, cid: str) -> str:
    found = view.keys.get(("K", cid))
    if found is not None:
        return found
    c = view.world.crafts[cid]
    owner_id = None
    if c.owner and c.owner in view.world.companies and (
            view.world.companies[c.owner].country == view.code):
        owner_id = view.company(c.owner)
    elif c.owner and c.owner in view.plan.known:
        owner_id = view.person(c.owner)
    schema = "Aircraft" if c.kind == "aircraft" else "Vehicle"

    def build(rng: random.Random) -> dict[str, list[str]]:
        props = {"registrationNumber": [c.registration], "model": [c.model],
                 "type": [{"aircraft": {"es": "aeronave", "en": "aircraft", "nl": "vliegtuig"},
                           "car": {"es": "automóvil", "en": "car", "nl": "auto"}}[c.kind][
                               view.lang]],
                 "country": [c.country.lower()]}
        if c.icao:
            props["icaoCode"] = [c.icao]
        if owner_id:
            props["owner"] = [owner_id]
        return props

    return view.define(("K", cid), "veh", schema, build, true_id=cid,
                       info={"registration": c.registration})
