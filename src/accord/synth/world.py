"""The true world: what really exists and happens, before any agency sees it.

Ids here are *true ids* (``P0001``, ``O01``, ...). They never appear in the
national files; ``truth.json`` maps them to the entity ids each agency used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from accord.synth.banking import AccountNumber
from accord.synth.names import TrueName
from accord.synth.phones import PhoneNumber

# Roles and how much each weighs in the key-player ranking (by construction).
ROLE_WEIGHT: dict[str, float] = {
    "leader": 1.0, "broker": 0.9, "lieutenant": 0.8, "launderer": 0.6, "logistician": 0.55,
    "insider": 0.45, "front": 0.3, "courier": 0.2,
}
KEY_ROLES = ("leader", "broker", "lieutenant")


@dataclass
class Person:
    id: str
    name: TrueName
    birth: date
    nationality: str  # ISO alpha-2, upper case
    residence: str
    city: str
    address: str
    passport: str
    national_id: str | None
    alias: str | None = None
    org: str | None = None
    role: str | None = None
    illicit: bool = True
    countries: set[str] = field(default_factory=set)  # where the person is active
    phones: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    score: float = 0.0

    @property
    def key(self) -> bool:
        return self.role in KEY_ROLES


@dataclass
class Organisation:
    id: str
    name: str
    kind: str  # supplier | cartel | distributor | launderers
    home: str
    culture: str
    members: list[tuple[str, str]] = field(default_factory=list)  # (person id, role)
    fronts: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)  # organisations it deals with


@dataclass
class Company:
    id: str
    base: str
    legal: str
    country: str
    registration: str
    founded: date
    sector: str
    address: str
    city: str
    owners: list[str] = field(default_factory=list)
    front: bool = False
    org: str | None = None
    illicit: bool = True
    accounts: list[str] = field(default_factory=list)
    phone: str | None = None

    @property
    def name(self) -> str:
        return f"{self.base} {self.legal}".strip()


@dataclass
class Phone:
    id: str
    number: PhoneNumber
    holder: str
    first: datetime
    last: datetime
    imei: str
    burner: bool = False
    replaces: str | None = None  # the phone this one was swapped in for


@dataclass
class Account:
    id: str
    number: AccountNumber
    holder: str
    opened: date


@dataclass
class Call:
    caller: str  # phone ids
    receiver: str
    time: datetime
    duration: int
    kind: str  # call | sms


@dataclass
class Payment:
    id: str
    time: datetime
    payer: str | None  # person or company id (None: unknown cash depositor)
    payer_account: str | None
    beneficiary: str | None
    beneficiary_account: str | None
    cents: int
    currency: str
    channel: str
    purpose: str
    reference: str
    scheme: str | None = None  # laundering scheme id


@dataclass
class Scheme:
    """One planted laundering typology instance."""

    id: str
    typology: str
    org: str
    accounts: list[str]
    payments: list[str]
    hub: str | None = None
    threshold: int | None = None  # cash reporting threshold (structuring)
    currency: str = "USD"


@dataclass
class Vessel:
    id: str
    name: str
    kind: str  # container | bulk | tanker | fishing | reefer | yacht
    flag: str
    imo: str | None
    mmsi: str | None
    call_sign: str
    tonnage: int
    built: int
    owner: str | None = None  # company id
    illicit: bool = False
    legs: list[Leg] = field(default_factory=list)
    home: str | None = None  # home port (fishing vessels and trafficking crews)
    service: int | None = None  # liner service index (container vessels)


@dataclass(frozen=True)
class Leg:
    """A stretch of a track: ``sail`` from a to b, ``stay`` at a (in port), ``loiter``
    around a (``speed`` holds the radius in km), ``meet`` (slow drift beside another
    vessel around a; ``b`` holds this vessel's (north, east) offset in km) or ``dark``
    (sailing from a to b with the transponder off)."""

    start: float  # hours since the epoch
    end: float
    kind: str
    a: tuple[float, float]
    b: tuple[float, float]
    speed: float = 0.0  # knots when sailing


@dataclass
class Route:
    id: str
    org: str
    ports: list[str]  # loading, transit..., discharge (UN/LOCODEs)
    start: date
    end: date | None = None
    ended_by: str | None = None  # seizure id


@dataclass
class Shipment:
    id: str
    illicit: bool
    org: str | None
    route: str | None
    container: str
    bill: str
    shipper: str
    consignee: str
    vessel: str
    ports: list[str]
    goods: str
    hs: str
    weight_kg: int
    cents: int
    currency: str
    terms: str
    depart: datetime
    arrive: datetime
    drug: str | None = None
    drug_kg: int = 0
    seizure: str | None = None


@dataclass
class Seizure:
    id: str
    time: datetime
    nation: str
    port: str | None
    lat: float
    lon: float
    drug: str
    kg: int
    org: str
    shipment: str | None = None
    vessel: str | None = None
    arrested: list[str] = field(default_factory=list)


@dataclass
class Event:
    """A maritime event by construction (rendezvous or dark gap)."""

    id: str
    kind: str
    vessels: list[str]
    start: float  # hours since the epoch
    end: float
    lat: float
    lon: float
    to_lat: float | None = None
    to_lon: float | None = None
    org: str | None = None


@dataclass
class Operation:
    """A surveillance operation a nation runs on a target at a place and time."""

    id: str
    nation: str
    target: str
    lat: float
    lon: float
    radius_m: int
    start: datetime
    end: datetime
    place: str


@dataclass
class Craft:
    """An aircraft or a car, with the sightings (ADS-B, ANPR) made of it."""

    id: str
    kind: str  # aircraft | car
    registration: str
    model: str
    country: str
    owner: str | None
    user: str | None
    icao: str | None = None
    # (hours since epoch, lat, lon, speed knots, course, source, place name)
    sightings: list[tuple[float, float, float, float, float, str, str]] = field(
        default_factory=list)


@dataclass
class Lane:
    """A benign trade lane: an exporter shipping goods to an importer at a steady rhythm."""

    id: str
    exporter: str  # company ids
    importer: str
    ports: list[str]
    vessel: str
    goods: str
    hs: str
    per_week: float
    transit_days: int


@dataclass
class World:
    seed: int
    start: date
    days: int
    nations: list[str]
    people: dict[str, Person] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    phones: dict[str, Phone] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    payments: dict[str, Payment] = field(default_factory=dict)
    schemes: list[Scheme] = field(default_factory=list)
    vessels: dict[str, Vessel] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    seizures: dict[str, Seizure] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, a, b)

    crafts: dict[str, Craft] = field(default_factory=dict)
    lanes: list[Lane] = field(default_factory=list)
    interval_min: int = 60

    @property
    def t0(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    def at(self, hours: float) -> datetime:
        """The moment ``hours`` after the start of the scenario."""
        return self.t0 + timedelta(hours=hours)

    def hours(self, moment: datetime) -> float:
        return (moment - self.t0).total_seconds() / 3600.0
