"""Bank accounts, crypto wallets and the planted laundering schemes.

Typologies (AMLSim's vocabulary plus structuring):

- ``structuring``: cash deposits into one account, each below the cash
  reporting threshold of its currency, split across days and depositors;
- ``fan_in``: many accounts pay one hub within days;
- ``fan_out``: one hub pays many accounts within days;
- ``cycle``: money goes round a ring of accounts and comes back, a small
  fee lighter at each hop;
- ``pass_through``: a stack of accounts each forwarding what it received
  within a day or two (layering), often across borders or through wallets;
- ``scatter_gather``: a source pays several intermediaries who all forward
  to one sink.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from accord.synth.banking import CURRENCY, THRESHOLDS, bank_account, wallet
from accord.synth.organisations import make_company
from accord.synth.rng import stream
from accord.synth.world import Account, Payment, Scheme, World

TYPOLOGIES = ("structuring", "fan_in", "fan_out", "cycle", "pass_through", "scatter_gather")
RATE = {"USD": 1.0, "EUR": 0.92, "COP": 4000.0, "MXN": 18.0, "GTQ": 7.8}
ZONES = (("US", "PA", "EC"), ("ES", "NL"), ("CO",), ("MX",), ("GT",))
PURPOSES = ("pago factura", "anticipo mercancía", "servicios de consultoría", "préstamo",
            "compra de mercancía", "honorarios", "devolución préstamo", "invoice payment",
            "consulting services", "trade settlement")


def open_account(world: World, holder: str, country: str, rng: random.Random,
                 *, crypto: str | None = None) -> Account:
    number = wallet(crypto, rng) if crypto else bank_account(country, rng)
    account = Account(f"A{len(world.accounts) + 1:04d}", number, holder,
                      world.start - timedelta(days=rng.randrange(30, 2000)))
    world.accounts[account.id] = account
    person = world.people.get(holder)
    if person is not None:
        person.accounts.append(account.id)
    company = world.companies.get(holder)
    if company is not None:
        company.accounts.append(account.id)
    return account


def build_accounts(world: World) -> None:
    rng = stream(world.seed, "world", "accounts")
    for person in world.people.values():
        if person.illicit and person.residence in CURRENCY:
            open_account(world, person.id, person.residence, rng)
        if person.role == "launderer":
            open_account(world, person.id, "", rng, crypto="trx")
    for company in world.companies.values():
        if company.illicit:
            open_account(world, company.id, company.country, rng)


def build_schemes(world: World, count: int) -> None:
    rng = stream(world.seed, "world", "schemes")
    orgs = sorted(world.orgs)
    for i in range(count):
        typology = TYPOLOGIES[i % len(TYPOLOGIES)]
        org = world.orgs[orgs[i % len(orgs)]]
        zone = _zone(world, org.home, rng)
        scheme = Scheme(f"L{i + 1:02d}", typology, org.id, [], [], currency=CURRENCY[zone[0]])
        # Every scheme runs its course (at most ~4 weeks) inside the period.
        start = world.at(rng.uniform(0.05, 0.95) * (world.days - 28) * 24).replace(
            microsecond=0)
        _BUILDERS[typology](world, scheme, zone, start, rng)
        world.schemes.append(scheme)


def _zone(world: World, home: str, rng: random.Random) -> tuple[str, ...]:
    seen = [z for z in ZONES if home in z and any(c in world.nations for c in z)]
    if not seen:
        seen = [z for z in ZONES if any(c in world.nations for c in z)]
    zone = seen[0] if home in seen[0] else rng.choice(seen)
    return tuple(c for c in zone if c in world.nations) or zone


def _mules(world: World, scheme: Scheme, zone: tuple[str, ...], n: int,
           rng: random.Random) -> list[str]:
    """``n`` accounts held by the organisation's couriers, fronts and fresh shell companies."""
    org = world.orgs[scheme.org]
    holders = [pid for pid, role in org.members if role in ("courier", "front", "launderer")]
    out = []
    for j in range(n):
        country = zone[j % len(zone)]
        if j % 3 == 2:
            cid = f"C{len(world.companies) + 1:04d}"
            shell = make_company(cid, rng.choice(("trade", "services")), country, rng,
                                 world.start, illicit=True)
            shell.front, shell.org = True, org.id
            shell.owners = [rng.choice(holders)]
            world.companies[cid] = shell
            org.fronts.append(cid)
            holder = cid
        else:
            holder = holders[j % len(holders)]
        out.append(open_account(world, holder, country, rng).id)
    scheme.accounts.extend(a for a in out if a not in scheme.accounts)
    return out


def _pay(world: World, scheme: Scheme, rng: random.Random, src: str | None, dst: str,
         usd: float, when: datetime, *, channel: str = "wire", payer: str | None = None) -> None:
    dst_acc = world.accounts[dst]
    src_acc = world.accounts[src] if src else None
    currency = (src_acc or dst_acc).number.currency
    if currency not in RATE:  # a wallet: the value is booked in the scheme's currency
        currency = scheme.currency
    cents = int(usd * RATE[currency] * 100) + rng.randrange(100)
    if src_acc is not None and src_acc.number.kind == "crypto":
        channel = "crypto (USDT-TRC20)"
    pid = f"T{len(world.payments) + 1:05d}"
    world.payments[pid] = Payment(
        pid, when, payer or (src_acc.holder if src_acc else None), src, dst_acc.holder, dst,
        cents, currency, channel, rng.choice(PURPOSES),
        f"{rng.choice(('FAC', 'INV', 'REF', 'OP'))}-{rng.randrange(10**6):06d}", scheme.id)
    scheme.payments.append(pid)
    for acc in (src, dst):
        if acc and acc not in scheme.accounts:
            scheme.accounts.append(acc)


def _structuring(world: World, scheme: Scheme, zone: tuple[str, ...], start: datetime,
                 rng: random.Random) -> None:
    target = _mules(world, scheme, zone[:1], 1, rng)[0]
    currency = world.accounts[target].number.currency
    threshold = THRESHOLDS[currency]
    scheme.threshold, scheme.currency, scheme.hub = threshold, currency, target
    org = world.orgs[scheme.org]
    smurfs = [pid for pid, role in org.members if role in ("courier", "front")]
    for k in range(rng.randrange(8, 15)):
        when = start + timedelta(days=rng.randrange(0, 24), hours=rng.uniform(9, 17))
        usd = rng.uniform(0.80, 0.97) * threshold / RATE[currency]
        _pay(world, scheme, rng, None, target, usd, when.replace(microsecond=0),
             channel="cash deposit", payer=smurfs[k % len(smurfs)])


def _fan(world: World, scheme: Scheme, zone: tuple[str, ...], start: datetime,
         rng: random.Random, inward: bool) -> None:
    hub, *spokes = _mules(world, scheme, zone, rng.randrange(7, 11), rng)
    scheme.hub = hub
    for spoke in spokes:
        when = (start + timedelta(hours=rng.uniform(0, 96))).replace(microsecond=0)
        usd = rng.uniform(4_000, 25_000)
        if inward:
            _pay(world, scheme, rng, spoke, hub, usd, when)
        else:
            _pay(world, scheme, rng, hub, spoke, usd, when)


def _cycle(world: World, scheme: Scheme, zone: tuple[str, ...], start: datetime,
           rng: random.Random) -> None:
    ring = _mules(world, scheme, zone, rng.randrange(4, 7), rng)
    usd, when = rng.uniform(40_000, 150_000), start
    for k, src in enumerate(ring):
        dst = ring[(k + 1) % len(ring)]
        _pay(world, scheme, rng, src, dst, usd, when)
        usd *= rng.uniform(0.97, 0.99)
        when = (when + timedelta(hours=rng.uniform(12, 72))).replace(microsecond=0)


def _pass_through(world: World, scheme: Scheme, zone: tuple[str, ...], start: datetime,
                  rng: random.Random) -> None:
    chain = _mules(world, scheme, zone, rng.randrange(4, 7), rng)
    org = world.orgs[scheme.org]
    launderer = next(pid for pid, role in org.members if role == "launderer")
    wallets = [a for a in world.people[launderer].accounts
               if world.accounts[a].number.kind == "crypto"]
    if wallets and rng.random() < 0.6:
        chain.insert(len(chain) // 2, wallets[0])
    usd, when = rng.uniform(30_000, 120_000), start
    for src, dst in zip(chain, chain[1:], strict=False):
        _pay(world, scheme, rng, src, dst, usd, when)
        usd *= rng.uniform(0.985, 0.998)
        when = (when + timedelta(hours=rng.uniform(3, 40))).replace(microsecond=0)


def _scatter_gather(world: World, scheme: Scheme, zone: tuple[str, ...], start: datetime,
                    rng: random.Random) -> None:
    source, sink, *middle = _mules(world, scheme, zone, rng.randrange(6, 9), rng)
    scheme.hub = sink
    for mid in middle:
        usd = rng.uniform(8_000, 30_000)
        when = (start + timedelta(hours=rng.uniform(0, 48))).replace(microsecond=0)
        _pay(world, scheme, rng, source, mid, usd, when)
        later = (when + timedelta(hours=rng.uniform(12, 96))).replace(microsecond=0)
        _pay(world, scheme, rng, mid, sink, usd * rng.uniform(0.93, 0.98), later)
    scheme.accounts.remove(source)
    scheme.accounts.insert(0, source)


_BUILDERS = {
    "structuring": _structuring,
    "fan_in": lambda w, s, z, t, r: _fan(w, s, z, t, r, True),
    "fan_out": lambda w, s, z, t, r: _fan(w, s, z, t, r, False),
    "cycle": _cycle,
    "pass_through": _pass_through,
    "scatter_gather": _scatter_gather,
}
