"""Deconfliction: register targets and operations, be warned of a partner's that collide.

A registration is kept here (it never leaves the node), ledgered, and then
checked against the active registry of every partner this node shares an
agreement in force with, by the private matching of
``accord.domain.deconfliction``::

    registering node                                 partner
    ask (target items / operation tokens)
      ── POST /federation/v1/deconfliction (check) ──▶  answer from its *active*
                                                        registrations (expired ones
                                                        are not in the registry)
    conflicting labels / hits ◀──────────────────────
      ── notice (its label or reference, our contact) ▶  resolve_notice: which of its
                                                        registrations; conflict stored,
                                                        alert on its stream
    conflict stored, alert on our stream ◀── its contact

Each side learns that a registration of its own conflicts with one of the
other's, and whom to call. Nothing else: for operations not where or when the
other's is, for targets only the item both already hold. Operation grids are
``GRID`` (H3 resolution 8, neighbouring cells, 3-hour slots) on every node.

The later registration finds the conflict, so a partner that registers first
and one that registers second are both told, at the moment of the second. A
partner that cannot be reached is listed in ``unreachable``; register again (or
keep the registration) once it is back.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from accord.adapters.psi import OpenMinedPsi
from accord.adapters.psi_cache import CachedSetups
from accord.adapters.query_transport import (
    DECONFLICTION,
    PartnerRefused,
    PartnerUnreachable,
    QueryTransport,
)
from accord.adapters.store import UnitOfWork
from accord.adapters.store.deconfliction import (
    OPERATION,
    TARGET,
    DeconflictionRepository,
    Registration,
)
from accord.adapters.store.partners import Partner
from accord.adapters.store.queries import StoreLimiter
from accord.domain.agreement import Reason
from accord.domain.alerts import Alert
from accord.domain.deconfliction import (
    ConflictNotice,
    Grid,
    Operation,
    Target,
    ask_operation,
    cells_around,
    conflicting_labels,
    make_operation,
    make_target,
    prepare_operations,
    resolve_notice,
    target_registry_items,
)
from accord.domain.errors import Conflict, InvalidInput, InvalidValue, NotFound, Problem
from accord.domain.identifiers import identifier_item
from accord.domain.ledger_entry import MAX_TEXT, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.query import HitAnswer, HitQuery, answer, ask, prepare_registry, read_hits
from accord.domain.query import reference as make_reference
from accord.domain.query_access import QueryRefused, may_deconflict
from accord.domain.query_request import Identifier
from accord.domain.ratelimit import require
from accord.services import acts
from accord.services.query_answers import QUERY_LIMITS, SYSTEM, contact_of, serve
from accord.services.query_keys import epoch_of, ledger_hash, psi_key, query_secret, reference_key
from accord.services.query_wire import call, transport_for

if TYPE_CHECKING:
    from accord.bootstrap import Node

# Every node's grid (agreements do not carry one yet): H3 resolution 8 with neighbouring
# cells, and 3-hour slots rather than the core's 1-hour default. A multi-day operation is
# then ~3x fewer tokens, and checking one against a partner ~3x cheaper (measured: 0.6 s
# instead of 1.7 s for 96 hours against 8 operations), at the cost of also flagging
# operations at the same place a few hours apart, which is a phone call worth making.
GRID = Grid(bucket=timedelta(hours=3))
_engine: list[CachedSetups] = []  # the owner's engine, made on first use (see psi_cache)
_engine_lock = threading.Lock()
TARGET_DAYS = 30  # a target registration's default life
CHECK = "accord-deconfliction-check"
CHECK_ANSWER = "accord-deconfliction-answer"
NOTICE = "accord-conflict-notice"
NOTICE_ANSWER = "accord-conflict-notice-answer"
CONFLICT_ALERT = "deconfliction_conflict"


@dataclass
class Registered:
    """A new registration and what checking it against the partners found."""

    registration: Registration
    checked: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    unreachable: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"registration": self.registration.to_dict(), "checked": self.checked,
                "conflicts": self.conflicts, "unreachable": self.unreachable}


# -- registering -------------------------------------------------------------------------


def register_target(node: Node, identifiers: Sequence[Identifier], *, title: str = "",
                    expires: datetime | None = None, actor: str,
                    transport: QueryTransport | None = None,
                    now: datetime | None = None) -> Registered:
    """Register a target (its identifiers) and check it against every partner."""
    now = now or datetime.now(UTC)
    items, problems = [], []
    for i, asked in enumerate(identifiers):
        try:
            items.append(str(identifier_item(asked.kind, asked.value, country=asked.country,
                                             where=f"{asked.kind.value}[{i}]")))
        except InvalidValue as exc:
            problems.append(Problem(exc.where or f"identifiers[{i}]", asked.kind.value,
                                    exc.message))
    if problems:
        raise InvalidInput(problems)
    reg_id = _new_id()
    make_target(reg_id, items, expires or now + timedelta(days=TARGET_DAYS))  # validates
    _future(expires, now)
    registration = Registration(reg_id, TARGET, title, tuple(sorted(set(items))), (), None,
                                None, expires or now + timedelta(days=TARGET_DAYS), None, actor,
                                now)
    return _register(node, registration, transport, now)


def register_operation(node: Node, *, start: datetime, end: datetime,
                       cells: Sequence[str] = (), point: tuple[float, float] | None = None,
                       radius_m: float | None = None, expires: datetime | None = None,
                       title: str = "", actor: str, transport: QueryTransport | None = None,
                       now: datetime | None = None) -> Registered:
    """Register an operation (H3 cells, or a point and radius, plus ``[start, end)``)."""
    now = now or datetime.now(UTC)
    if bool(cells) == (point is not None):
        raise InvalidValue("give either cells or a point (lat, lon) with a radius",
                           where="operation")
    if point is not None:
        cells = sorted(cells_around(GRID, point[0], point[1], radius_m or 0.0))
    reg_id = _new_id()
    op = make_operation(GRID, reg_id, cells, start, end, expires=expires)
    _future(op.expires, now)
    registration = Registration(reg_id, OPERATION, title, (), tuple(sorted(op.cells)), op.start,
                                op.end, op.expires, None, actor, now)
    return _register(node, registration, transport, now)


def _new_id() -> str:
    return f"dec-{uuid.uuid4().hex[:16]}"


def _future(expires: datetime | None, now: datetime) -> None:
    if expires is not None and expires <= now:
        raise InvalidValue(f"expires {expires.isoformat()} has passed; a registration must "
                           "still be live", where="expires")


def _register(node: Node, registration: Registration, transport: QueryTransport | None,
              now: datetime) -> Registered:
    secret = query_secret(node.dir.keys_dir)
    with node.store.unit_of_work() as uow:
        DeconflictionRepository(uow.session).add(registration)
        acts.record(uow, [LedgerEntry(
            Act.DECONFLICTION_REGISTERED, actor=registration.actor[:MAX_TEXT],
            subject=registration.id,
            hashes={"registration": ledger_hash(secret, registration.items
                                                + registration.cells)},
            details={"kind": registration.kind, "expires": registration.expires.isoformat()},
            at=now)])
        partners = _partners(node, uow, now)
    out = Registered(registration)
    sender, own = transport_for(node, transport)
    try:
        for partner in partners:
            try:
                out.conflicts += _check(node, sender, partner, registration, now)
            except (PartnerRefused, PartnerUnreachable) as exc:
                out.unreachable.append({"partner": partner.node_id, "code": exc.code,
                                        "message": exc.message})
                continue
            out.checked.append(partner.node_id)
    finally:
        if own:
            sender.close()
    return out


def _partners(node: Node, uow: UnitOfWork, now: datetime) -> list[Partner]:
    index = node.policy_cache.index(uow, me=node.node_id, now=now, own_keys=lambda: (
        node.keys.public_keys(node.node_id, node.config.country)))
    return [p for p in uow.partners.list() if p.active and not isinstance(
        may_deconflict(index.agreements, node.node_id, p.node_id), Reason)]


def _check(node: Node, transport: QueryTransport, partner: Partner,
           registration: Registration, now: datetime) -> list[dict[str, Any]]:
    engine = OpenMinedPsi()
    query_id = uuid.uuid4().hex
    if registration.kind == OPERATION:
        state, query = ask_operation(engine, GRID, _operation(registration), query_id=query_id)
    else:
        state, query = ask(engine, TARGET, list(registration.items), query_id=query_id)
    reply = call(node, transport, partner, DECONFLICTION, {"type": CHECK,
                                                           "query": query.to_dict()},
                 expect=CHECK_ANSWER)
    found = HitAnswer.from_dict(reply.get("answer") or {})
    if registration.kind == OPERATION:
        theirs = conflicting_labels(engine, state, found)
    else:
        theirs = sorted({h.reference for h in read_hits(engine, state, found)})
    _ledger_asked(node, registration, partner.node_id, query_id, len(state.items),
                  len(theirs), now)
    return [c for ref in theirs
            if (c := _notify(node, transport, partner, registration, ref, now)) is not None]


def _operation(registration: Registration) -> Operation:
    assert registration.start is not None and registration.end is not None
    return make_operation(GRID, registration.id, registration.cells, registration.start,
                          registration.end, expires=registration.expires)


def _notify(node: Node, transport: QueryTransport, partner: Partner,
            registration: Registration, their_ref: str,
            now: datetime) -> dict[str, Any] | None:
    """Tell the partner which of its registrations conflicts with ours; keep the conflict."""
    secret = query_secret(node.dir.keys_dir)
    ours = make_reference(reference_key(secret, partner.node_id, "registration"),
                          registration.id)
    notice = ConflictNotice(uuid.uuid4().hex, registration.kind, their_ref, ours,
                            contact_of(node))
    reply = call(node, transport, partner, DECONFLICTION,
                 {"type": NOTICE, "notice": notice.to_dict()}, expect=NOTICE_ANSWER)
    if not int(reply.get("registrations") or 0):
        return None  # it expired meanwhile
    contact = str(reply.get("contact") or partner.node_id)
    with node.store.unit_of_work() as uow:
        kept = DeconflictionRepository(uow.session).add_conflict(
            registration_id=registration.id, partner=partner.node_id, kind=registration.kind,
            contact=contact, their_ref=their_ref, notice_id=notice.notice_id,
            found_by=node.node_id, now=now)
        uow.events.append(_alert(registration.id, registration.kind, partner.node_id, contact))
    return kept.to_dict()


def _alert(registration_id: str, kind: str, partner: str, contact: str) -> Alert:
    return Alert(CONFLICT_ALERT, f"{kind} {registration_id} conflicts with a registration of "
                                 f"{partner}: contact {contact}",
                 {"registration": registration_id, "partner": partner,
                  "registration_kind": kind, "contact": contact})


def _ledger_asked(node: Node, registration: Registration, partner: str, query_id: str,
                  asked: int, found: int, now: datetime) -> None:
    with node.store.unit_of_work() as uow:
        acts.record(uow, [LedgerEntry(
            Act.QUERY_ASKED, actor=registration.actor[:MAX_TEXT], subject=query_id,
            partner=partner, details={"exchange": registration.kind,
                                      "registration": registration.id, "asked": asked,
                                      "conflicts": found}, at=now)])


# -- listing, expiring ---------------------------------------------------------------------


def list_deconfliction(node: Node, *, limit: int = 100,
                       now: datetime | None = None) -> dict[str, Any]:
    """This node's registrations (newest first, ``active`` or not) and their conflicts."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work(write=False) as uow:
        repo = DeconflictionRepository(uow.session)
        registrations = repo.recent(limit=limit)
        conflicts = repo.conflicts()
    return {"registrations": [r.to_dict(now) for r in registrations],
            "conflicts": [c.to_dict() for c in conflicts]}


def expire_registration(node: Node, registration_id: str, *, actor: str,
                        now: datetime | None = None) -> Registration:
    """End a registration now: it stops matching at once. ``NotFound`` / ``Conflict``."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work() as uow:
        repo = DeconflictionRepository(uow.session)
        if repo.get(registration_id) is None:
            raise NotFound(f"no registration {registration_id!r} (see 'accord deconflict "
                           "list')", where="registration")
        if not repo.expire(registration_id, by=actor, now=now):
            raise Conflict(f"registration {registration_id} has already expired",
                           where="registration")
        acts.record(uow, [LedgerEntry(Act.DECONFLICTION_EXPIRED, actor=actor[:MAX_TEXT],
                                      subject=registration_id, at=now)])
        found = repo.get(registration_id)
    assert found is not None
    return found


# -- the partner's side ----------------------------------------------------------------


def deconfliction_exchange(node: Node, envelope: str, *,
                           now: datetime | None = None) -> dict[str, Any]:
    """Handle a check or a notice envelope (``POST /federation/v1/deconfliction``)."""
    return serve(node, envelope, _exchange, now=now)


def _exchange(node: Node, uow: UnitOfWork, sender: str, body: dict[str, Any],
              now: datetime) -> tuple[dict[str, Any], LedgerEntry]:
    index = node.policy_cache.index(uow, me=node.node_id, now=now, own_keys=lambda: (
        node.keys.public_keys(node.node_id, node.config.country)))
    agreement = may_deconflict(index.agreements, node.node_id, sender)
    if isinstance(agreement, Reason):
        raise QueryRefused(agreement, where=f"deconfliction with {sender}")
    repo = DeconflictionRepository(uow.session)
    limiter = StoreLimiter(uow.session, QUERY_LIMITS, now=now)
    secret = query_secret(node.dir.keys_dir)
    kind = body.get("type")
    if kind == CHECK:
        raw = body.get("query")
        query = HitQuery.from_dict(raw if isinstance(raw, dict) else {})
        engine = _owner_engine()
        epoch, ends = epoch_of(now)
        if query.kind == GRID.kind:
            exchange = OPERATION
            registry = prepare_operations(
                engine, GRID, [_operation(r) for r in repo.active(OPERATION, now)], now=now,
                key=psi_key(secret, sender, OPERATION, epoch),
                reference_key=reference_key(secret, sender, OPERATION), epoch=epoch,
                valid_until=ends, max_client_items=QUERY_LIMITS[OPERATION].capacity)
        elif query.kind == TARGET:
            exchange = TARGET
            targets = [_target(r) for r in repo.active(TARGET, now)]
            items, first = target_registry_items(targets, now)
            registry = prepare_registry(
                engine, TARGET, items, key=psi_key(secret, sender, TARGET, epoch),
                reference_key=reference_key(secret, sender, TARGET), epoch=epoch,
                valid_until=min(ends, first or ends),
                max_client_items=QUERY_LIMITS[TARGET].capacity)
        else:
            raise InvalidValue(f"checks {query.kind!r}; this node deconflicts "
                               f"{GRID.kind!r} operations and {TARGET!r}s", where="check")
        reply = answer(engine, query, registry, partner=sender, limiter=limiter,
                       contact=contact_of(node), now=now)
        details: dict[str, str | int] = {"exchange": exchange,
                                         "asked": engine.request_size(query.request)}
        out: dict[str, Any] = {"type": CHECK_ANSWER, "answer": reply.to_dict()}
        subject = query.query_id
    elif kind == NOTICE:
        raw = body.get("notice")
        notice = ConflictNotice.from_dict(raw if isinstance(raw, dict) else {})
        if notice.kind == TARGET:  # the asker holds the reference key: charge each notice
            require(limiter, sender, TARGET, 1)
        ours = resolve_notice(notice, reference_key(secret, sender, notice.kind),
                              operations=[_operation(r) for r in repo.active(OPERATION, now)],
                              targets=[_target(r) for r in repo.active(TARGET, now)], now=now)
        for registration_id in ours:
            repo.add_conflict(registration_id=registration_id, partner=sender,
                              kind=notice.kind, contact=notice.contact,
                              their_ref=notice.asker_ref, notice_id=notice.notice_id,
                              found_by=sender, now=now)
            uow.events.append(_alert(registration_id, notice.kind, sender, notice.contact))
        details = {"exchange": "notice", "kind": notice.kind, "registrations": len(ours)}
        out = {"type": NOTICE_ANSWER, "registrations": len(ours), "contact": contact_of(node)}
        subject = notice.notice_id
    else:
        raise InvalidValue(f"expects type {CHECK!r} or {NOTICE!r}", where="deconfliction")
    entry = LedgerEntry(Act.QUERY_ANSWERED, actor=SYSTEM, subject=subject[:MAX_TEXT],
                        agreement=agreement.id, partner=sender, details=details, at=now)
    return out, entry


def _owner_engine() -> CachedSetups:
    with _engine_lock:
        if not _engine:
            _engine.append(CachedSetups(OpenMinedPsi()))
        return _engine[0]


def _target(registration: Registration) -> Target:
    return Target(registration.id, frozenset(registration.items), registration.expires)

