"""The benign background of one nation: residents, companies and their daily activity.

Residents and companies are numbered; everything about number ``j`` is drawn
from its own seeded stream when first needed, so the background costs no
memory until it is written and the file is the same whatever order it is
written in. Daily activity (calls, payments, shipments on trade lanes,
registrations, border crossings, the odd false lead) is drawn per day from
streams named by (nation, day, activity), sized to the nation's statement
budget. Background is deliberately not remarkable: it has cash deposits
just under the threshold, companies paying many employees (fan-out) and
people calling abroad, so that the planted patterns are not the only ones.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from accord.synth import items, things
from accord.synth.banking import (
    ACCOUNT_COUNTRIES,
    CURRENCY,
    THRESHOLDS,
    AccountNumber,
    bank_account,
    money,
    wallet,
)
from accord.synth.identifiers import plate
from accord.synth.laundering import PURPOSES, RATE
from accord.synth.names import write_person
from accord.synth.names_data import ALIASES_BY_LANGUAGE
from accord.synth.nations import NATIONS
from accord.synth.observe import EARLY, EARLY_SHARE
from accord.synth.organisations import make_company
from accord.synth.people import make_person
from accord.synth.places import CROSSINGS
from accord.synth.rng import poisson, stream, unit_hash
from accord.synth.trade import GOODS
from accord.synth.view import OWNER_ROLES, NationView
from accord.synth.world import Company, Lane, Person, Shipment
from accord.synth.writer import stamp

# Share of a nation's background statements per activity (AIS is sized at world level),
# and roughly how many statements one event costs once its entities are amortised.
SHARES = {"cdr": 0.46, "fiu": 0.46, "registry": 0.05, "border": 0.03}
COST = {"cdr": 9.0, "fiu": 15.0, "registry": 22.0, "border": 9.0}
REF_PREFIX = ("FAC", "INV", "REF", "OP")
SECTORS = ("trade", "services", "industry", "logistics", "produce", "seafood")
FOREIGN = ("CO", "MX", "US", "ES", "EC", "VE", "PE", "AR", "DO", "CU", "IT", "FR", "DE", "GB",
           "CN", "MA", "RU")


class BCall(NamedTuple):
    a: int
    other: str  # P (resident), F (foreign contact), T (an illicit target)
    b: int | str
    duration: int
    kind: str
    outgoing: bool


class BPay(NamedTuple):
    src: tuple[str, int] | None  # (p|c, index); None for a cash deposit
    dst: tuple[str, int]  # (p|c|f, index)
    usd: float
    channel: str
    depositor: int | None
    ref: int
    purpose: str


Record = tuple[datetime, str, Any]


class Background:
    def __init__(self, view: NationView, budget: float) -> None:
        self.view = view
        self.world = view.world
        self.code = view.code
        self.seed = view.world.seed
        self.people = int(min(20_000, max(60, budget / 90)))
        self.companies = max(12, self.people // 10)
        days = self.world.days
        self.per_day = {k: budget * share / COST[k] / days for k, share in SHARES.items()}
        self._accounts: dict[tuple[str, int], AccountNumber] = {}
        self._phone_texts: dict[int, str] = {}
        self.currency = CURRENCY.get(self.code, "USD")
        self.threshold = THRESHOLDS.get(self.currency, 10_000)
        self.exports = [lane for lane in self.world.lanes if lane_country(lane, 0) == self.code]
        self.imports = [lane for lane in self.world.lanes if lane_country(lane, 1) == self.code]
        self.targets = sorted(p for p in view.plan.targets
                              if self.world.people[p].residence == self.code)
        # False leads: innocent residents profiled or named by informants, in proportion
        # to the nation's real suspects, so that being profiled proves nothing.
        suspects = sum(view.plan.known.values())
        self.leads_per_day = suspects * (0.4 + 0.8 * view.knobs.noise) / days

    # -- residents and companies ----------------------------------------------------------

    def resident(self, j: int) -> Person:
        rng = stream(self.seed, "bp", self.code, j)
        nation = NATIONS[self.code]
        cultures = [c for c, _ in nation.population]
        culture = rng.choices(cultures, [w for _, w in nation.population])[0]
        person = make_person(f"b{j}", culture, self.code, rng, today=self.world.start,
                             min_age=18, max_age=85, illicit=False)
        if rng.random() < 0.04:
            person.alias = rng.choice(ALIASES_BY_LANGUAGE[nation.language])
        return person

    def person(self, j: int, *, lead: bool = False) -> str:
        view = self.view
        found = view.keys.get(("BP", str(j)))
        if found is not None:
            return found

        def build(rng: random.Random) -> dict[str, list[str]]:
            person = self.resident(j)
            if lead and person.alias is None and rng.random() < 0.6:
                person.alias = rng.choice(ALIASES_BY_LANGUAGE[view.lang])
            varied = rng.random() < view.knobs.variant_rate
            written = write_person(person.name, view.nation.habits, rng, varied=varied,
                                   noise=view.knobs.noise)
            phones = [self.phone_text(j)] if rng.random() < 0.5 else []
            return view.person_props(person, written, 0, rng, phone_texts=phones)

        return view.define(("BP", str(j)), "per", "Person", build)

    def company_record(self, k: int) -> Company:
        rng = stream(self.seed, "bc", self.code, k)
        return make_company(f"bc{k}", SECTORS[k % len(SECTORS)], self.code, rng,
                            self.world.start, illicit=False)

    def company(self, k: int) -> str:
        return self.view._company(("BC", str(k)), lambda: self.company_record(k), true_id=None)

    # -- phones and accounts --------------------------------------------------------------

    def phone_text(self, j: int) -> str:
        text = self._phone_texts.get(j)
        if text is None:
            number = self.view.book.benign(self.code, j)
            text = number.written(self.view.phone_style(self.code, "b", j))
            self._phone_texts[j] = text
        return text

    def phone(self, j: int) -> str:
        view = self.view
        found = view.keys.get(("BPH", str(j)))
        if found is not None:
            return found
        holder = self.person(j) if unit_hash(self.seed, self.code, "holder", j) < 0.5 else None
        number = view.book.benign(self.code, j)

        def build(rng: random.Random) -> dict[str, list[str]]:
            props = {"number": [self.phone_text(j)], "country": [self.code.lower()],
                     "carrier": [number.template.carrier]}
            if holder:
                props["holder"] = [holder]
            return props

        return view.define(("BPH", str(j)), "phn", "Phone", build, background=number.e164,
                           info={"number": self.phone_text(j),
                                 "style": view.phone_style(self.code, "b", j)})

    def foreign_phone(self, j: int) -> tuple[str, str]:
        country = FOREIGN[int(unit_hash(self.seed, self.code, "fc", j) * len(FOREIGN))]
        if country == self.code:
            country = "US" if self.code != "US" else "MX"
        number = self.view.book.foreign(country, j)
        style = self.view.phone_style(country, "f", country, j)
        text = number.written(style)
        entity = self.view.define(("FPH", country, str(j)), "phn", "Phone", lambda rng: {
            "number": [text], "country": [country.lower()]}, background=number.e164,
            info={"number": text, "style": style})
        return entity, text

    def account_number(self, kind: str, j: int, country: str | None = None) -> AccountNumber:
        key = (kind, j)
        found = self._accounts.get(key)
        if found is None:
            rng = stream(self.seed, "bacc", self.code, kind, j)
            found = bank_account(country or self.code, rng)
            self._accounts[key] = found
        return found

    def account(self, kind: str, j: int) -> str:
        view = self.view
        number = self.account_number(kind, j)
        holder = self.person(j) if kind == "p" else self.company(j)
        text, _ = things.account_text(view, number, kind, j)

        def build(rng: random.Random) -> dict[str, list[str]]:
            prop = "iban" if number.kind == "iban" else "accountNumber"
            props = {prop: [text], "currency": [number.currency], "bankName": [number.bank],
                     "country": [self.code.lower()], "holder": [holder]}
            if number.bic and rng.random() < 0.6:
                props["bic"] = [number.bic]
            return props

        return view.define(("BA", kind, str(j)), "acc", "Account", build)

    def wallet(self, j: int) -> str:
        """Resident ``j``'s stablecoin wallet; an exchange knows the holder half the time."""
        view = self.view
        found = view.keys.get(("BW", str(j)))
        if found is not None:
            return found
        holder = self.person(j) if unit_hash(self.seed, self.code, "wh", j) < 0.5 else None
        number = wallet("trx", stream(self.seed, "bw", self.code, j))

        def build(rng: random.Random) -> dict[str, list[str]]:
            props = {"cryptoAddress": [number.value], "currency": [number.currency],
                     "bankName": [number.bank]}
            if holder:
                props["holder"] = [holder]
            return props

        return view.define(("BW", str(j)), "acc", "Account", build)

    def foreign_account(self, j: int) -> str:
        country = ACCOUNT_COUNTRIES[int(unit_hash(self.seed, self.code, "fa", j)
                                        * len(ACCOUNT_COUNTRIES))]
        number = self.account_number("f", j, country)
        text, _ = things.account_text(self.view, number, "f", j)
        prop = "iban" if number.kind == "iban" else "accountNumber"
        return self.view.define(("FA", str(j)), "acc", "Account", lambda rng: {
            prop: [text], "currency": [number.currency], "bankName": [number.bank],
            "country": [country.lower()]})

    # -- one day of activity --------------------------------------------------------------

    def _rng(self, day: int, what: str) -> random.Random:
        return stream(self.seed, "bg", self.code, day, what)

    def _moment(self, day: int, rng: random.Random, lo: float = 0, hi: float = 24) -> datetime:
        return self.world.at(day * 24 + rng.uniform(lo, hi)).replace(microsecond=0)

    def calls(self, day: int) -> list[Record]:
        rng = self._rng(day, "cdr")
        out: list[Record] = []
        for _ in range(poisson(rng, self.per_day["cdr"])):
            a = rng.randrange(self.people)
            r = rng.random()
            moment = self._moment(day, rng, 6, 24)
            dur = 0 if rng.random() < 0.3 else int(rng.lognormvariate(4.0, 1.0)) + 3
            kind = "sms" if dur == 0 else "call"
            other: str
            b: int | str
            if r < 0.03 and self.targets:
                other, b = "T", rng.choice(self.targets)
            elif r < 0.2:
                other, b = "F", rng.randrange(max(50, min(29_999, self.people // 3)))
            else:
                other, b = "P", rng.randrange(self.people)
            out.append((moment, "bcall", BCall(a, other, b, dur, kind, rng.random() < 0.5)))
        return out

    def write_call(self, moment: datetime, data: BCall) -> None:
        view = self.view
        b = data.b
        pa, ta = self.phone(data.a), self.phone_text(data.a)
        if data.other == "P" and isinstance(b, int):
            pb, tb = self.phone(b), self.phone_text(b)
        elif data.other == "F" and isinstance(b, int):
            pb, tb = self.foreign_phone(b)
        else:
            phones = [p for p in self.world.people[str(b)].phones
                      if not self.world.phones[p].burner
                      and self.world.phones[p].first <= moment <= self.world.phones[p].last]
            if not phones:
                return
            pb, tb = things.phone(view, phones[0]), view.phone_text(phones[0])
        if not data.outgoing:
            pa, ta, pb, tb = pb, tb, pa, ta
        view.link("cal", "Communication", {
            "caller": [pa], "receiver": [pb], "callerNumber": [ta], "receiverNumber": [tb],
            "date": [stamp(moment)], "duration": [str(data.duration)], "kind": [data.kind]})

    def payments(self, day: int) -> list[Record]:
        rng = self._rng(day, "fiu")
        out: list[Record] = []
        rate = RATE.get(self.currency, 1.0)
        people, companies = self.people, self.companies
        for _ in range(poisson(rng, self.per_day["fiu"])):
            r = rng.random()
            moment = self._moment(day, rng, 7, 20)
            src: tuple[str, int] | None
            depositor = None
            if r < 0.3:  # payroll: a company pays an employee
                src, dst = ("c", rng.randrange(companies)), ("p", rng.randrange(people))
                usd, channel = rng.uniform(400, 3500), "salary"
            elif r < 0.5:
                src, dst = ("p", rng.randrange(people)), ("p", rng.randrange(people))
                usd, channel = rng.uniform(50, 2500), "wire"
            elif r < 0.7:
                src, dst = ("c", rng.randrange(companies)), ("c", rng.randrange(companies))
                usd, channel = rng.lognormvariate(9, 1.2), "wire"
            elif r < 0.87:  # cash deposits, a few of them just under the threshold
                depositor = rng.randrange(people)
                src, dst = None, ("p", depositor)
                usd = (rng.uniform(0.8, 0.99) * self.threshold / rate if rng.random() < 0.08
                       else rng.uniform(100, 6000))
                channel = "cash deposit"
            elif r < 0.9:  # people buy and sell stablecoins too
                src, dst = ("w", rng.randrange(people)), ("w", rng.randrange(people))
                usd, channel = rng.lognormvariate(6.5, 1.3), "crypto (USDT-TRC20)"
            else:
                src, dst = ("p", rng.randrange(people)), ("f", rng.randrange(max(30, people // 5)))
                usd, channel = rng.uniform(100, 1500), "wire"
            out.append((moment, "bpay", BPay(src, dst, usd, channel, depositor,
                                             rng.randrange(10**6), rng.choice(PURPOSES))))
        return out

    def write_payment(self, moment: datetime, data: BPay) -> None:
        src, dst, usd, channel = data.src, data.dst, data.usd, data.channel
        currency = self.currency
        props: dict[str, list[str]] = {}
        if src is not None and src[0] == "w":
            props["payerAccount"] = [self.wallet(src[1])]
        elif src is not None:
            props["payerAccount"] = [self.account(*src)]
            props["payer"] = [self.person(src[1]) if src[0] == "p" else self.company(src[1])]
        elif data.depositor is not None:
            props["payer"] = [self.person(data.depositor)]
        if dst[0] == "w":
            props["beneficiaryAccount"] = [self.wallet(dst[1])]
        elif dst[0] == "f":
            props["beneficiaryAccount"] = [self.foreign_account(dst[1])]
        else:
            props["beneficiaryAccount"] = [self.account(*dst)]
            props["beneficiary"] = [self.person(dst[1]) if dst[0] == "p"
                                    else self.company(dst[1])]
        cents = int(usd * RATE.get(currency, 1.0) * 100)
        self.view.link("trx", "Transaction", {
            **props, "amount": [money(cents, currency)], "date": [stamp(moment)],
            "channel": [items.CHANNEL[self.view.lang].get(channel, channel)],
            "purpose": [data.purpose],
            "reference": [f"{REF_PREFIX[data.ref % 4]}-{data.ref:06d}"]})

    def lane_shipments(self, day: int) -> list[Record]:
        out: list[Record] = []
        for lane in self.exports:
            for ship in lane_departures(self.world, lane, day):
                out.append((ship.depart, "bship", (ship, "export")))
        for lane in self.imports:
            for ship in lane_departures(self.world, lane, day - lane.transit_days):
                out.append((ship.arrive, "bship", (ship, "import")))
        return out

    def registrations(self, day: int) -> list[Record]:
        rng = self._rng(day, "registry")
        return [(self._moment(day, rng, 8, 17), "breg", (rng.randrange(self.companies),
                                                         rng.randrange(self.people)))
                for _ in range(poisson(rng, self.per_day["registry"]))]

    def write_registration(self, moment: datetime, data: tuple[int, int]) -> None:
        k, j = data
        company = self.company(k)
        rng = stream(self.seed, "breg", self.code, k, j)
        self.view.link("own", "Ownership", {
            "owner": [self.person(j)], "asset": [company],
            "role": [rng.choice(OWNER_ROLES[self.view.lang])],
            "percentage": [str(rng.choice((50, 60, 100)))],
            "startDate": [moment.date().isoformat()]})

    def crossings(self, day: int) -> list[Record]:
        names = sorted(n for n, c in CROSSINGS.items() if self.code in c[2:])
        if not names:
            return []
        rng = self._rng(day, "border")
        return [(self._moment(day, rng), "bcross", (rng.randrange(self.people),
                                                    rng.choice(names)))
                for _ in range(poisson(rng, self.per_day["border"] * 3))]

    def write_crossing(self, moment: datetime, data: tuple[int, str]) -> None:
        j, name = data
        view = self.view
        owner = self.person(j)
        car = view.define(("BV", str(j)), "veh", "Vehicle", lambda rng: {
            "registrationNumber": [plate(self.code, rng)], "owner": [owner],
            "type": [{"es": "automóvil", "en": "car", "nl": "auto"}[view.lang]],
            "country": [self.code.lower()]})
        lat, lon, _, _ = CROSSINGS[name]
        items.movement(view, car, moment, lat, lon, 0.0, 0.0, f"ANPR {name}")

    def leads(self, day: int) -> list[Record]:
        rng = self._rng(day, "lead")
        # Shaped like the suspects' profiles (observe.profile_fraction): front-loaded.
        early = day < EARLY * self.world.days
        shape = EARLY_SHARE / EARLY if early else (1 - EARLY_SHARE) / (0.95 - EARLY)
        n = poisson(rng, self.leads_per_day * shape)
        return [(self._moment(day, rng, 8, 20), "lead", rng.randrange(self.people))
                for _ in range(n)]

    def write_lead(self, moment: datetime, j: int) -> None:
        """A report on an innocent resident: an informant tip or a profile that led nowhere."""
        from accord.synth.reports import source_code

        view = self.view
        rng = stream(self.seed, "lead", self.code, moment.isoformat(), j)
        person = self.resident(j)
        if rng.random() < 0.5:
            view.open("informant", moment, source_code(view.nation, rng))
        else:
            view.open("profile", moment, person.name.canonical)
        view.occupation_rate = 0.7
        pid = self.person(j, lead=True)
        view.occupation_rate = 0.25
        phone = self.phone(j)
        view.link("lnk", "UnknownLink", {"subject": [pid], "object": [phone],
                                         "role": [{"es": "usa la línea", "en": "uses the line",
                                                   "nl": "gebruikt het nummer"}[view.lang]]})
        if rng.random() < 0.5:
            view.link("lnk", "Associate", {"person": [pid], "associate": [
                self.person(rng.randrange(self.people))]})
        view.close()


def lane_country(lane: Lane, end: int) -> str:
    from accord.synth.places import PORTS
    return PORTS[lane.ports[end]].country


def lane_departures(world: object, lane: Lane, day: int) -> list[Shipment]:
    """Shipments leaving on ``day`` along ``lane``: the same list whichever nation asks."""
    from accord.synth.identifiers import bill_of_lading, container_number
    from accord.synth.trade import BENIGN_TERMS, CARRIERS
    from accord.synth.world import World

    assert isinstance(world, World)
    if day < 0 or day >= world.days:
        return []
    rng = stream(world.seed, "lane", lane.id, day)
    out = []
    for i in range(poisson(rng, lane.per_week / 7)):
        owner, bl = rng.choice(CARRIERS)
        depart = world.at(day * 24 + rng.uniform(6, 20)).replace(second=0, microsecond=0)
        kg = rng.choice(GOODS.get(lane_country(lane, 0), GOODS["CO"]))
        weight = int(kg[2] * rng.uniform(0.85, 1.05))
        out.append(Shipment(
            f"{lane.id}-{day}-{i}", False, None, None, container_number(owner[:3], rng),
            bill_of_lading(bl, rng), lane.exporter, lane.importer, lane.vessel,
            list(lane.ports), lane.goods, lane.hs, weight,
            int(weight * kg[3] * rng.uniform(0.9, 1.3) * 100), "USD",
            rng.choice(BENIGN_TERMS), depart,
            depart + timedelta(days=lane.transit_days, hours=rng.uniform(-6, 6))))
    return out
