"""A world with planted structure, for testing and benchmarking the network measures.

Until the full synthetic scenario (:mod:`accord.synth`) is available, and as a
fast, tunable complement to it, this builds a person-to-person network whose
truth is known by construction:

* ``organisations`` hierarchies: a leader tied to lieutenants (and to one or two
  money launderers), each lieutenant running a cell of couriers/logisticians
  who are densely tied among themselves; leaders are insulated (few ties).
* ``brokers`` outside every organisation, each tied to two organisations (some
  to three) through a leader or lieutenant and one member.
* ``decoys``: busy but peripheral people (a phone shop, a bar owner) with many
  benign contacts spread over the background and one or two ties to couriers.
* with ``pendant_contacts``, the decoys' contacts (and the members' friends
  when there is no background) are one-off numbers seen only with them (as in
  a link chart drawn from seized phones) instead of background people.
* a benign background of ``benign`` people in social groups (~40 people) with
  cross-group ties, ``benign_degree`` ties per person on average; members of
  the organisations have a few benign ties too (family, friends).

Each edge is observed by one or more ``nations`` (an organisation works in two
of them; a benign tie is seen where it happens), so a nation alone holds a
fragment and the union holds the whole world. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from accord.analytics.network.graph import Edge, EntityInfo

DAY0 = date(2023, 1, 1)
DAYS = 730


@dataclass(frozen=True)
class PlantedWorld:
    edges: list[Edge]
    entities: list[EntityInfo]
    organisation: dict[str, str]  # member id -> organisation (brokers, decoys, benign absent)
    role: dict[str, str]  # id -> leader|lieutenant|member|launderer|broker|decoy|benign|contact
    leaders: list[str]
    brokers: list[str]
    decoys: list[str]
    ranking: list[str]  # truth key-player ranking: leaders, brokers, lieutenants, launderers
    nations: tuple[str, ...]

    @property
    def key_players(self) -> list[str]:
        """Leaders and brokers: what a key-player ranking should put on top."""
        return self.leaders + self.brokers


class _Builder:
    def __init__(self, seed: int, nations: tuple[str, ...], p_observe: float) -> None:
        self.rnd = random.Random(seed)
        self.nations = nations
        self.p_observe = p_observe
        self.edges: list[Edge] = []
        self.role: dict[str, str] = {}
        self.country: dict[str, str] = {}
        self.org: dict[str, str] = {}

    def person(self, pid: str, role: str, country: str, org: str | None = None) -> str:
        self.role[pid] = role
        self.country[pid] = country
        if org:
            self.org[pid] = org
        return pid

    def tie(self, a: str, b: str, kind: str, where: tuple[str, ...], n: int = 1) -> None:
        seen = tuple(x for x in where if self.rnd.random() < self.p_observe)
        if not seen:
            seen = (self.rnd.choice(where),)
        for _ in range(n):
            day = DAY0 + timedelta(days=self.rnd.randrange(DAYS))
            sid = f"st-{len(self.edges)}"
            self.edges.append(Edge(a, b, kind, 1.0, day, None, (sid,), seen))


def planted_world(*, organisations: int = 6, brokers: int = 5, decoys: int = 10,
                  benign: int = 3000, benign_degree: float = 6.0,
                  nations: tuple[str, ...] = ("CO", "MX", "US", "PA", "ES"),
                  p_observe: float = 0.6, pendant_contacts: bool = False,
                  seed: int = 0) -> PlantedWorld:
    """Generate a planted world (sizes above; ~``benign * benign_degree / 2`` benign ties)."""
    b = _Builder(seed, nations, p_observe)
    rnd = b.rnd
    leaders: list[str] = []
    lieutenants: list[str] = []
    launderers: list[str] = []
    members: dict[str, list[str]] = {}
    org_nations: dict[str, tuple[str, ...]] = {}
    heads: dict[str, list[str]] = {}  # leader + lieutenants: where brokers attach
    for o in range(organisations):
        org = f"ORG-{o:02d}"
        home = nations[o % len(nations)]
        other = nations[(o + 1 + o // len(nations)) % len(nations)]
        where: tuple[str, ...] = (home,) if other == home else (home, other)
        org_nations[org] = where
        leader = b.person(f"{org}-L", "leader", home, org)
        leaders.append(leader)
        lts = [b.person(f"{org}-T{i}", "lieutenant", rnd.choice(where), org)
               for i in range(rnd.randint(3, 5))]
        lieutenants += lts
        heads[org] = [leader, *lts]
        everyone = [leader, *lts]
        for lt in lts:
            b.tie(leader, lt, "call", where, n=rnd.randint(1, 3))
        for i, x in enumerate(lts):
            for y in lts[i + 1:]:
                if rnd.random() < 0.3:
                    b.tie(x, y, "call", where)
        for i, lt in enumerate(lts):
            cell = [b.person(f"{org}-T{i}-M{j}", "member", rnd.choice(where), org)
                    for j in range(rnd.randint(4, 9))]
            everyone += cell
            for m in cell:
                b.tie(lt, m, rnd.choice(("call", "Associate")), where, n=rnd.randint(1, 2))
            for j, x in enumerate(cell):
                for y in cell[j + 1:]:
                    if rnd.random() < 0.35:
                        b.tie(x, y, "call", where)
        for i in range(rnd.randint(1, 2)):
            ml = b.person(f"{org}-ML{i}", "launderer", rnd.choice(where), org)
            launderers.append(ml)
            everyone.append(ml)
            b.tie(leader, ml, "Transaction", where, n=2)
            b.tie(rnd.choice(lts), ml, "Transaction", where)
        members[org] = everyone
    orgs = list(members)
    broker_ids: list[str] = []
    for i in range(brokers if organisations > 1 else 0):
        bridged = [orgs[i % len(orgs)], orgs[(i + 1) % len(orgs)]]
        if i % 3 == 2 and len(orgs) > 2:
            bridged.append(orgs[(i + 2) % len(orgs)])
        home = org_nations[bridged[0]][0]
        br = b.person(f"BROKER-{i:02d}", "broker", home)
        broker_ids.append(br)
        for org in bridged:
            where = org_nations[org]
            head = heads[org][0] if rnd.random() < 0.5 else rnd.choice(heads[org][1:])
            b.tie(br, head, "call", where, n=rnd.randint(1, 3))
            plain = [m for m in members[org] if b.role[m] == "member"]
            b.tie(br, rnd.choice(plain), "call", where)
    # The benign background, vectorised so that a million ties take seconds.
    rng = np.random.default_rng(seed)
    benign_ids = [f"P{i:07d}" for i in range(benign)]
    home_of = [nations[i * len(nations) // max(benign, 1)] for i in range(benign)]
    for pid, c in zip(benign_ids, home_of, strict=True):
        b.person(pid, "benign", c)
    m_benign = int(benign * benign_degree / 2)
    if benign > 1 and m_benign:
        group = 40
        src = rng.integers(0, benign, m_benign)
        local = rng.random(m_benign) < 0.8
        dst = np.where(local, (src // group) * group + rng.integers(0, group, m_benign),
                       rng.integers(0, benign, m_benign))
        dst = np.minimum(dst, benign - 1)
        days = rng.integers(0, DAYS, m_benign)
        kinds = np.where(rng.random(m_benign) < 0.7, "call", "Transaction")
        for k, (s, t) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
            if s == t:
                continue
            seen = (home_of[s],) if home_of[s] == home_of[t] else (home_of[s], home_of[t])
            b.edges.append(Edge(benign_ids[s], benign_ids[t], str(kinds[k]), 1.0,
                                DAY0 + timedelta(days=int(days[k])), None,
                                (f"bg-{k}",), seen))
    decoy_ids: list[str] = []
    pendants = 0

    def contact(country: str) -> str:
        nonlocal pendants
        if benign and not pendant_contacts:
            return benign_ids[rnd.randrange(benign)]
        pendants += 1
        return b.person(f"C{pendants:07d}", "contact", country)

    for org, ms in members.items():
        where = org_nations[org]
        for m in ms:
            for _ in range(rng.poisson(1.5)):
                friend = benign_ids[rnd.randrange(benign)] if benign else contact(b.country[m])
                b.tie(m, friend, "call", where)
    for i in range(decoys if orgs else 0):
        d = b.person(f"DECOY-{i:02d}", "decoy", rnd.choice(nations))
        decoy_ids.append(d)
        for _ in range(rnd.randint(40, 150)):
            p = contact(b.country[d])
            b.tie(d, p, "call", tuple(sorted({b.country[d], b.country[p]})))
        for _ in range(rnd.randint(1, 2)):
            org = rnd.choice(orgs)
            plain = [m for m in members[org] if b.role[m] == "member"]
            b.tie(d, rnd.choice(plain), "call", org_nations[org])
    entities = [EntityInfo(pid, label=pid, schema="Person", organisation=b.org.get(pid),
                           role=role, country=b.country[pid], identifiers=(f"PH-{k:07d}",))
                for k, (pid, role) in enumerate(b.role.items())]
    size = {o: len(ms) for o, ms in members.items()}
    ranked_leaders = sorted(leaders, key=lambda x: -size[b.org[x]])
    ranking = ranked_leaders + broker_ids + lieutenants + launderers
    return PlantedWorld(b.edges, entities, dict(b.org), dict(b.role), ranked_leaders,
                        broker_ids, decoy_ids, ranking, nations)
