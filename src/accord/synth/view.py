"""A nation's view: the agency's own ids and spellings for the entities it writes.

``NationView`` turns references to true things (a person, a phone, a port)
into entity ids of this nation's file. The first time a thing is referenced
its entity line is written into the report being written, in the agency's
habits; later references reuse the id, so every entity is defined before
any link names it, and each entity id occurs on exactly one line.
Every mention of a true (non-background) thing is recorded for the answer key.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from accord.synth import reports
from accord.synth.config import Knobs
from accord.synth.names import WrittenName, strip_accents, write_company, write_person
from accord.synth.nations import Nation
from accord.synth.observe import NationPlan
from accord.synth.phones import PhoneBook
from accord.synth.rng import stream, unit_hash
from accord.synth.truth import TruthSink
from accord.synth.world import Company, Person, World
from accord.synth.writer import LineWriter

ROLE_TEXT = {
    "es": {"leader": "cabecilla", "lieutenant": "lugarteniente", "broker": "enlace",
           "logistician": "coordinador logístico", "courier": "correo",
           "launderer": "financiero", "insider": "funcionario portuario", "front": "testaferro"},
    "en": {"leader": "leader", "lieutenant": "lieutenant", "broker": "broker",
           "logistician": "logistics coordinator", "courier": "courier",
           "launderer": "money launderer", "insider": "corrupt port employee",
           "front": "straw owner"},
    "nl": {"leader": "leider", "lieutenant": "luitenant", "broker": "tussenpersoon",
           "logistician": "logistiek coördinator", "courier": "koerier",
           "launderer": "witwasser", "insider": "corrupte havenmedewerker",
           "front": "stroman"},
}
OCCUPATIONS = {
    "es": ("comerciante", "conductor", "pescador", "estibador", "contador", "abogado",
           "transportador", "empresario", "agricultor", "mecánico", "vendedor", "marinero"),
    "en": ("merchant", "driver", "fisherman", "longshoreman", "accountant", "lawyer",
           "trucker", "business owner", "farmer", "mechanic", "salesman", "sailor"),
    "nl": ("handelaar", "chauffeur", "visser", "havenarbeider", "boekhouder", "advocaat",
           "vrachtwagenchauffeur", "ondernemer", "boer", "monteur", "verkoper", "zeeman"),
}
OWNER_ROLES = {"es": ("accionista", "representante legal", "socio gerente"),
               "en": ("shareholder", "registered agent", "managing member"),
               "nl": ("aandeelhouder", "bestuurder", "vennoot")}
SECTOR_TEXT = {
    "es": {"produce": "agroexportación", "seafood": "pesca y acuicultura",
           "logistics": "logística y transporte", "trade": "comercio al por mayor",
           "industry": "industria", "services": "servicios"},
    "en": {"produce": "agricultural exports", "seafood": "fishing and seafood",
           "logistics": "logistics", "trade": "wholesale trade", "industry": "manufacturing",
           "services": "services"},
    "nl": {"produce": "agrarische export", "seafood": "visserij", "logistics": "logistiek",
           "trade": "groothandel", "industry": "industrie", "services": "dienstverlening"},
}


class NationView:
    def __init__(self, world: World, nation: Nation, plan: NationPlan, writer: LineWriter,
                 truth: TruthSink, knobs: Knobs, book: PhoneBook) -> None:
        self.world = world
        self.nation = nation
        self.code = nation.code
        self.lang = nation.language
        self.plan = plan
        self.writer = writer
        self.truth = truth
        self.knobs = knobs
        self.book = book
        self.keys: dict[tuple[str, ...], str] = {}
        self.partners = [n for n in world.nations if n != nation.code]
        self.kind = ""
        self.occupation_rate = 0.25
        self._phone_texts: dict[str, str] = {}
        self._overrides = stream(world.seed, "overrides", self.code)

    # -- reports --------------------------------------------------------------------------

    def open(self, kind: str, created: datetime, subject: str) -> str:
        rng = stream(self.world.seed, "report", self.code, created.isoformat(), kind, subject)
        self.kind = kind
        return self.writer.open_report(created, reports.header(
            self.nation, kind, subject, created, rng, self.partners))

    def close(self) -> bool:
        return self.writer.close_report()

    # -- entities -------------------------------------------------------------------------

    def define(self, key: tuple[str, ...], kind: str, schema: str,
               build: Callable[[random.Random], dict[str, list[str]]], *,
               true_id: str | None = None, info: dict[str, Any] | None = None,
               first_seen: bool = True, background: str | None = None) -> str:
        """The id of ``key`` in this file, writing its entity line on first use.

        ``background`` names a background thing (no ``true_id``) by what makes it
        one thing in every file (a phone's E.164 number), for the truth to list it
        once it is written in more than one place."""
        found = self.keys.get(key)
        if found is not None:
            return found
        entity_id = self.writer.new_id(kind)
        self.keys[key] = entity_id
        rng = stream(self.world.seed, "entity", self.code, *key)
        props = {k: v for k, v in build(rng).items() if v}
        markings, grading = self._override()
        self.writer.entity(entity_id, schema, props, markings=markings, grading=grading,
                           first_seen=first_seen)
        if true_id is not None:
            self.truth.mention(true_id, self.code, entity_id, self.writer.report_id,
                               info or {})
        elif background is not None:
            self.truth.background_mention(background, self.code, entity_id,
                                          self.writer.report_id, info or {})
        return entity_id

    def link(self, kind: str, schema: str, props: dict[str, list[str]]) -> str:
        """An entity that is only ever written once (a link, a call, a payment)."""
        entity_id = self.writer.new_id(kind)
        self.writer.entity(entity_id, schema, {k: v for k, v in props.items() if v},
                           first_seen=schema != "Movement")
        return entity_id

    def _override(self) -> tuple[dict[str, Any] | None, str | None]:
        """Now and then an analyst marks one entity of a report more tightly than the rest."""
        if self.kind not in ("profile", "assessment", "informant"):
            return None, None
        if self._overrides.random() >= 0.06:
            return None, None
        return ({"tlp": "RED", "pap": "RED", "handling": ["H3"],
                 "restrictions": [reports.RESTRICTIONS[self.lang]],
                 "originator_control": True}, self._overrides.choice(("C3", "B3", "D4")))

    def pick(self, weighted: tuple[tuple[str, float], ...], *labels: object) -> str:
        u = unit_hash(self.world.seed, self.code, *labels)
        total = sum(w for _, w in weighted)
        acc = 0.0
        for value, w in weighted:
            acc += w / total
            if u < acc:
                return value
        return weighted[-1][0]

    # -- people ---------------------------------------------------------------------------

    def person(self, pid: str, slot: int = 0) -> str:
        found = self.keys.get(("P", pid, str(slot)))
        if found is not None:
            return found
        person = self.world.people[pid]
        mention = self.plan.names.get((pid, slot))
        if mention is None:  # referenced without having been planned: render on the spot
            rng = stream(self.world.seed, "name-late", self.code, pid, slot)
            varied = rng.random() < self.knobs.variant_rate
            written = write_person(person.name, self.nation.habits, rng, varied=varied,
                                   noise=self.knobs.noise)
            forced = False
        else:
            written, forced = mention.written, mention.forced
        info = {"name": written.text, "variants": list(written.kinds), "slot": slot,
                "forced": forced}
        return self.define(("P", pid, str(slot)), "per", "Person",
                           lambda rng: self.person_props(person, written, slot, rng),
                           true_id=pid, info=info)

    def person_props(self, person: Person, written: WrittenName, slot: int,
                     rng: random.Random, phone_texts: list[str] | None = None
                     ) -> dict[str, list[str]]:
        noise = self.knobs.noise
        props: dict[str, list[str]] = {"name": [written.text]}
        if "alias_only" in written.kinds:
            props["weakAlias"] = [written.text]
            phones = [p for p in person.phones if not self.world.phones[p].burner]
            if phones and person.id in self.plan.targets:
                props["phone"] = [self.phone_text(phones[-1])]
            return props
        home = person.nationality == self.code
        resident = person.residence == self.code
        if rng.random() < 0.6 and written.last:
            props["firstName"] = [written.first or ""]
            props["lastName"] = [written.last]
            if written.second_last:
                props["secondLastName"] = [written.second_last]
        if person.alias and rng.random() < 0.6:
            props["weakAlias"] = [person.alias]
        if rng.random() < (0.9 if home else 0.55) - 0.2 * noise:
            r = rng.random()
            birth = person.birth.isoformat()
            props["birthDate"] = [birth if r < 0.7 else birth[:7] if r < 0.85 else birth[:4]]
        if rng.random() < 0.85:
            props["nationality"] = [person.nationality.lower()]
        if rng.random() < 0.5:
            props["gender"] = [person.name.gender]
        if rng.random() < (0.35 if home else 0.7) - 0.2 * noise:
            props["passportNumber"] = [person.passport]
        if home and person.national_id and rng.random() < 0.85 - 0.2 * noise:
            nid = person.national_id
            if self.code == "CO" and rng.random() < 0.4:
                nid = f"{int(nid):,}".replace(",", ".")
            props["idNumber"] = [nid]
        if phone_texts is not None:
            props["phone"] = phone_texts
        elif person.id in self.plan.targets:
            phones = [p for p in person.phones if not self.world.phones[p].burner]
            props["phone"] = [self.phone_text(p) for p in phones]
        if resident and rng.random() < 0.6:
            props["address"] = [person.address]
        # Analysts note a suspect's role, or the job they claim; and anyone's job.
        r = rng.random()
        if person.role and r < 0.4:
            props["position"] = [ROLE_TEXT[self.lang][person.role]]
        elif r < (0.7 if person.role else self.occupation_rate):
            props["position"] = [rng.choice(OCCUPATIONS[self.lang])]
        if rng.random() < 0.3:
            props["country"] = [person.residence.lower()]
        if rng.random() < 0.15:
            props["birthPlace"] = [person.city]
        return props

    # -- organisations and companies ------------------------------------------------------

    def organisation(self, oid: str) -> str:
        org = self.world.orgs[oid]
        u = unit_hash(self.world.seed, self.code, "orgname", oid)
        name, kinds = org.name, []
        if self.lang == "en":
            suffix = "MLO" if org.kind == "launderers" else ("DTO" if u < 0.6 else "TCO")
            name = f"{strip_accents(org.name)} {suffix}"
            kinds = ["accents", "suffix"] if strip_accents(org.name) != org.name else ["suffix"]
        elif self.lang == "nl":
            name = f"organisatie {strip_accents(org.name)}" if u < 0.5 else org.name
            kinds = ["prefix"] if u < 0.5 else []
        elif u < 0.3 and org.name.split(" ")[0] in ("Los", "La", "El"):
            name = org.name.split(" ", 1)[1]
            kinds = ["article"]
        info = {"name": name, "variants": kinds}

        def build(rng: random.Random) -> dict[str, list[str]]:
            props = {"name": [name], "country": [org.home.lower()],
                     "sector": [{"es": "narcotráfico", "en": "drug trafficking",
                                 "nl": "drugshandel"}[self.lang]]}
            if name != org.name and rng.random() < 0.5:
                props["alias"] = [org.name]
            return props

        return self.define(("O", oid), "org", "Organization", build, true_id=oid, info=info)

    def company(self, cid: str) -> str:
        found = self.keys.get(("C", cid))
        if found is not None:
            return found
        company = self.world.companies[cid]
        return self._company(("C", cid), company, true_id=cid)

    def _company(self, key: tuple[str, ...], company: Company | Callable[[], Company],
                 true_id: str | None) -> str:
        found = self.keys.get(key)
        if found is not None:
            return found
        if not isinstance(company, Company):
            company = company()
        rng0 = stream(self.world.seed, "company-name", self.code, *key)
        varied = rng0.random() < self.knobs.variant_rate * 0.8
        name, kinds = write_company(company.base, company.legal, self.nation.habits.drop_accents,
                                    rng0, varied=varied, noise=self.knobs.noise)
        domestic = company.country == self.code

        def build(rng: random.Random) -> dict[str, list[str]]:
            props: dict[str, list[str]] = {"name": [name], "country": [company.country.lower()]}
            if domestic:
                props["registrationNumber"] = [company.registration]
                props["jurisdiction"] = [company.country.lower()]
                if rng.random() < 0.7:
                    props["address"] = [company.address]
                if rng.random() < 0.6:
                    props["incorporationDate"] = [company.founded.isoformat()]
                if company.phone and rng.random() < 0.6:
                    props["phone"] = [self.phone_text(company.phone)]
            elif rng.random() < 0.3:
                props["address"] = [company.address]
            if rng.random() < 0.5:
                props["sector"] = [SECTOR_TEXT[self.lang][company.sector]]
            if rng.random() < 0.3:
                props["legalForm"] = [company.legal]
            return props

        return self.define(key, "cmp", "Company", build, true_id=true_id,
                           info={"name": name, "variants": list(kinds)})

    # -- phones (numbers are written the same way wherever this nation writes them) -------

    def phone_style(self, country: str, *labels: object) -> str:
        styles = tuple((s, w) for s, w in self.nation.phone_styles
                       if (s != "national" or country == self.code)
                       and (s != "idd" or country != self.code))
        return self.pick(styles, "phone-style", *labels)

    def phone_text(self, phid: str) -> str:
        text = self._phone_texts.get(phid)
        if text is None:
            phone = self.world.phones[phid]
            text = phone.number.written(self.phone_style(phone.number.country, phid))
            self._phone_texts[phid] = text
        return text
