"""Entity lines for the things that happen: calls, payments, shipments, seizures, positions."""

from __future__ import annotations

import random
from datetime import datetime

from accord.synth import things
from accord.synth.banking import money
from accord.synth.places import PORTS
from accord.synth.view import NationView
from accord.synth.world import Call, Payment, Shipment
from accord.synth.writer import stamp

CHANNEL = {
    "es": {"wire": "transferencia", "cash deposit": "depósito en efectivo",
           "crypto (USDT-TRC20)": "criptoactivos (USDT-TRC20)", "ach": "transferencia ACH",
           "card": "tarjeta", "salary": "nómina"},
    "en": {"wire": "wire", "cash deposit": "cash deposit",
           "crypto (USDT-TRC20)": "crypto (USDT-TRC20)", "ach": "ACH", "card": "card",
           "salary": "payroll"},
    "nl": {"wire": "overboeking", "cash deposit": "contante storting",
           "crypto (USDT-TRC20)": "crypto (USDT-TRC20)", "ach": "SEPA-overboeking",
           "card": "pinbetaling", "salary": "salaris"},
}
DRUG = {"es": "cocaína", "en": "cocaine", "nl": "cocaïne"}
KG_WORD = {"es": ("kg", "kilos", "kilogramos"), "en": ("kg", "kg", "kilograms"),
           "nl": ("kg", "kg", "kilo")}


def call(view: NationView, c: Call) -> str:
    caller = things.phone(view, c.caller)
    receiver = things.phone(view, c.receiver)
    return view.link("cal", "Communication", {
        "caller": [caller], "receiver": [receiver],
        "callerNumber": [view.phone_text(c.caller)],
        "receiverNumber": [view.phone_text(c.receiver)],
        "date": [stamp(c.time)], "duration": [str(c.duration)], "kind": [c.kind]})


def payment(view: NationView, pay: Payment, *, true_id: str | None) -> str:
    world = view.world
    props: dict[str, list[str]] = {}
    for side, acc_id, party in (("payer", pay.payer_account, pay.payer),
                                ("beneficiary", pay.beneficiary_account, pay.beneficiary)):
        if acc_id is not None:
            props[f"{side}Account"] = [things.account(view, acc_id)]
            acc = world.accounts[acc_id]
            knows = acc.number.country == view.code or (
                acc.number.kind == "crypto" and acc.holder in view.plan.known)
        else:
            knows = True  # a cash depositor shows an identity document at the counter
        if knows and party is not None:
            props[side] = [view.person(party) if party in world.people
                           else view.company(party)]
    props.update({
        "amount": [money(pay.cents, pay.currency)], "date": [stamp(pay.time)],
        "channel": [CHANNEL[view.lang].get(pay.channel, pay.channel)],
        "purpose": [pay.purpose], "reference": [pay.reference]})
    if true_id is None:
        return view.link("trx", "Transaction", props)
    return view.define(("T", true_id), "trx", "Transaction", lambda rng: props,
                       true_id=true_id, info={})


def shipment(view: NationView, ship: Shipment, role: str, *, true_id: str | None) -> str:
    shipper = view.company(ship.shipper)
    consignee = view.company(ship.consignee)
    carrier = things.vessel(view, ship.vessel)
    pol, pod = things.port(view, ship.ports[0]), things.port(view, ship.ports[-1])
    spaced = view.pick((("compact", 0.7), ("spaced", 0.3)), "container", ship.container)

    def build(rng: random.Random) -> dict[str, list[str]]:
        c = ship.container
        props = {
            "shipper": [shipper], "consignee": [consignee], "vessel": [carrier],
            "portOfLoading": [pol], "portOfDischarge": [pod],
            "origin": [PORTS[ship.ports[0]].country.lower()],
            "destination": [PORTS[ship.ports[-1]].country.lower()],
            "declaredGoods": [ship.goods], "hsCode": [ship.hs],
            "weight": [f"{ship.weight_kg} kg"], "value": [money(ship.cents, ship.currency)],
            "containerNumber": [f"{c[:4]} {c[4:10]} {c[10:]}" if spaced == "spaced" else c],
            "billOfLading": [ship.bill], "paymentTerms": [ship.terms],
            "startDate": [ship.depart.date().isoformat()],
            "endDate": [ship.arrive.date().isoformat()],
        }
        if len(ship.ports) > 2:
            props["transit"] = [PORTS[p].country.lower() for p in ship.ports[1:-1]]
        if rng.random() < 0.15 * view.knobs.noise * 2:  # an incomplete declaration
            props.pop("hsCode", None)
        return props

    key = ("SH", true_id) if true_id else ("SHB", ship.id)
    return view.define(key, "shp", "Shipment", build, true_id=true_id,
                       info={"role": role} if true_id else None)


def seizure(view: NationView, sid: str) -> str:
    world = view.world
    s = world.seizures[sid]
    ship_id = None
    if s.shipment:
        ship = world.shipments[s.shipment]
        ship_id = shipment(view, ship, "seizure", true_id=ship.id)
    vessel_id = None
    if s.vessel and s.vessel in world.vessels:
        vessel_id = things.vessel(view, s.vessel)
    arrested = [view.person(pid) for pid in s.arrested]
    place = things.port(view, s.port) if s.port else None
    unit = KG_WORD[view.lang]

    def build(rng: random.Random) -> dict[str, list[str]]:
        props = {"drug": [DRUG[view.lang]], "quantity": [f"{s.kg} {rng.choice(unit)}"],
                 "date": [stamp(s.time)], "agency": [view.nation.agency_name],
                 "coordinates": [f"{s.lat:.5f},{s.lon:.5f}"], "arrested": arrested,
                 "country": [s.nation.lower()]}
        if place:
            props["location"] = [place]
        if ship_id:
            props["shipment"] = [ship_id]
        if vessel_id:
            props["vessel"] = [vessel_id]
        return props

    return view.define(("S", sid), "szr", "Seizure", build, true_id=sid, info={})


def movement(view: NationView, subject: str, t: datetime, lat: float, lon: float,
             speed: float, course: float, source: str) -> str:
    return view.link("mov", "Movement", {
        "subject": [subject], "time": [stamp(t)], "coordinates": [f"{lat:.5f},{lon:.5f}"],
        "speed": [f"{speed:.1f}"], "course": [f"{course:.0f}"], "source": [source]})
