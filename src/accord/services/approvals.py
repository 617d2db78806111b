"""Four-eyes: releases held until a supervisor approves them, or refuses.

When the policy engine says a release needs approval (a clause with
``four_eyes: true``, the node's own originator-controlled material), sharing
puts it in the outbox as *held* (``accord.services.share``) and ``hold``
records here who caused it (the user who created, updated or imported the
report). A supervisor then lists what waits (``list_approvals``) and

* ``approve_release``: the release gets its sequence number and goes out in
  turn. Refused when the approver caused the release themselves (a second
  pair of eyes means another person), when the agreement it travels under is
  no longer in force, when the report was retracted, or when a newer version
  of the report is queued for the same partner (approve that one instead);
* ``refuse_release``: the release never leaves.

Either decision is recorded in the ledger (``approval.decided``: who, which
release, approved or not) in the same transaction. ``cancel_for_agreement``
withdraws what waits under an agreement that was revoked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import update

from accord.adapters.store import Store, UnitOfWork
from accord.adapters.store.approvals import (
    APPROVED,
    CANCELLED,
    DECLINED,
    STATES,
    WAITING,
    Approval,
    ApprovalRepository,
)
from accord.adapters.store.federation_models import OutboxRow
from accord.adapters.store.outbox import PENDING, REFUSED
from accord.domain.alerts import ReleaseApproved
from accord.domain.errors import Conflict, Forbidden, InvalidValue, NotFound
from accord.domain.ledger_entry import MAX_TEXT, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.messages import MessageKind
from accord.services import acts
from accord.services.users import Action, authorize

if TYPE_CHECKING:
    from accord.bootstrap import Node

REFUSED_BY_SUPERVISOR = "refused_by_supervisor"
AGREEMENT_REVOKED = "agreement_revoked"


def hold(uow: UnitOfWork, message_ids: Sequence[str], caused_by: Mapping[str, str], *,
         now: datetime) -> list[int]:
    """Record the held outbox messages ``message_ids`` for a supervisor, in the caller's
    transaction; ``caused_by`` maps a report id to who changed it. An older version of
    the same report still waiting for the same partner is cancelled (superseded).
    Returns the new ids."""
    repo = ApprovalRepository(uow.session)
    ids = repo.hold(message_ids, dict(caused_by), now=now)
    fresh = [a for a in (repo.get(i) for i in ids) if a is not None]
    for report_id in sorted({a.report_id for a in fresh}):
        newest = {a.partner: a.report_version for a in fresh if a.report_id == report_id}
        older = [w for w in repo.waiting_for(report_id=report_id)
                 if w.report_version < newest.get(w.partner, 0)]
        for w in older:
            repo.decide(w.id, state=CANCELLED, by="system", now=now,
                        note=f"superseded by version {newest[w.partner]}")
        repo.drop_held([w.id for w in older], reason="superseded", now=now)
    return ids


def list_approvals(store: Store, *, state: str | None = WAITING, limit: int = 100,
                   after: int = 0) -> list[Approval]:
    """Held releases (oldest first); ``state`` one of held, approved, refused, cancelled,
    or None for all."""
    if state is not None and state not in STATES:
        raise InvalidValue(f"{state!r} is not a state (choose {', '.join(STATES)})",
                           where="state")
    with store.unit_of_work(write=False) as uow:
        return ApprovalRepository(uow.session).find(state=state, limit=limit, after=after)


def get_approval(store: Store, approval_id: int) -> Approval:
    with store.unit_of_work(write=False) as uow:
        return _require(ApprovalRepository(uow.session), approval_id)


def approver_named(store: Store, name: str) -> str:
    """``name`` if it is a user whose role may approve releases (for the command line,
    which has no token: ``--as NAME``); else ``NotFound`` or ``Forbidden``."""
    user = store.get_user(name)
    if user is None:
        raise NotFound(f"no user named {name!r} (see 'accord user list')", where="--as")
    return authorize(user, Action.APPROVE).name


def approve_release(node: Node, approval_id: int, *, approver: str, note: str = "",
                    now: datetime | None = None) -> Approval:
    """Release a held message; raises ``Forbidden`` (the approver caused it), ``Conflict``
    (decided already, agreement not in force, report retracted or superseded) or
    ``NotFound``."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work() as uow:
        repo = ApprovalRepository(uow.session)
        held = _waiting(repo, approval_id)
        if held.caused_by == approver:
            raise Forbidden(
                f"four-eyes: {approver!r} caused release {approval_id} (report "
                f"{held.report_id} v{held.report_version}) and cannot also approve it; "
                "another supervisor must", where=f"approval {approval_id}")
        problem = _stale(uow, held) or _agreement_problem(node, uow, held, now)
        if problem:
            raise Conflict(f"release {approval_id} cannot be approved: {problem}; refuse it "
                           "instead", where=f"approval {approval_id}")
        released = uow.outbox.release_held(held.id, uow.partners.next_seq(held.partner))
        if released is None:  # the outbox row left "held" by another path
            raise Conflict(f"release {approval_id} is no longer held in the outbox",
                           where=f"approval {approval_id}")
        repo.decide(held.id, state=APPROVED, by=approver, now=now, note=note)
        _record(uow, held, approver, approved=True, now=now, note=note)
        uow.events.append(ReleaseApproved(held.id, held.partner))  # wakes the dispatcher
        return _require(repo, approval_id)


def refuse_release(node: Node, approval_id: int, *, approver: str, note: str = "",
                   now: datetime | None = None) -> Approval:
    """Refuse a held release: it never leaves. ``Conflict`` if already decided."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work() as uow:
        repo = ApprovalRepository(uow.session)
        held = _waiting(repo, approval_id)
        repo.decide(held.id, state=DECLINED, by=approver, now=now, note=note)
        repo.drop_held([held.id], reason=REFUSED_BY_SUPERVISOR, now=now)
        _record(uow, held, approver, approved=False, now=now, note=note)
        return _require(repo, approval_id)


def cancel_for_agreement(uow: UnitOfWork, agreement_id: str, *, reason: str,
                         now: datetime) -> int:
    """Nothing more leaves under ``agreement_id`` (it was revoked): held releases are
    cancelled and pending ones settled as refused, in the caller's transaction.
    Retractions and withdrawals still go: they only restrict. Returns how many."""
    repo = ApprovalRepository(uow.session)
    waiting = repo.waiting_for(agreement_id=agreement_id)
    for held in waiting:
        repo.decide(held.id, state=CANCELLED, by="system", now=now, note=reason)
    repo.drop_held([h.id for h in waiting], reason=reason, now=now)
    result = uow.session.execute(update(OutboxRow).where(
        OutboxRow.agreement_id == agreement_id, OutboxRow.state == PENDING,
        OutboxRow.kind == MessageKind.RELEASE.value).values(
        state=REFUSED, delivered=now, reason=reason[:100], detail="cancelled before sending"))
    return len(waiting) + int(getattr(result, "rowcount", 0) or 0)


def approval_counts(store: Store) -> dict[str, int]:
    """``{state: count}`` of every approval this node has held."""
    with store.unit_of_work(write=False) as uow:
        return ApprovalRepository(uow.session).counts()


# -- helpers ----------------------------------------------------------------------------


def _require(repo: ApprovalRepository, approval_id: int) -> Approval:
    found = repo.get(approval_id) if 0 <= approval_id < 2**63 else None
    if found is None:
        raise NotFound(f"no held release {approval_id} (see 'accord approval list')",
                       where="approval")
    return found


def _waiting(repo: ApprovalRepository, approval_id: int) -> Approval:
    # An id beyond the store's 64-bit integers names nothing (rather than failing there).
    found = repo.get(approval_id, for_update=True) if 0 <= approval_id < 2**63 else None
    if found is None:
        raise NotFound(f"no held release {approval_id} (see 'accord approval list')",
                       where="approval")
    if found.state != WAITING:
        by = f" by {found.decided_by}" if found.decided_by else ""
        at = f" at {found.decided_at.isoformat()}" if found.decided_at else ""
        raise Conflict(f"release {approval_id} was already {found.state}{by}{at}",
                       where=f"approval {approval_id}")
    return found


def _stale(uow: UnitOfWork, held: Approval) -> str | None:
    report = uow.reports.get(held.report_id)
    if report is None or report.retracted:
        return f"report {held.report_id} was retracted or removed"
    newer = [m.report_version for m in uow.outbox.for_report(held.report_id)
             if m.partner == held.partner and m.kind == MessageKind.RELEASE.value
             and m.report_version > held.report_version]
    if newer:
        return (f"report {held.report_id} v{max(newer)} supersedes v{held.report_version} "
                f"for {held.partner}")
    return None


def _agreement_problem(node: Node, uow: UnitOfWork, held: Approval,
                       now: datetime) -> str | None:
    index = node.policy_cache.index(
        uow, me=node.node_id, now=now,
        own_keys=lambda: node.keys.public_keys(node.node_id, node.config.country))
    if held.agreement_id not in {a.id for a in index.agreements}:
        return f"agreement {held.agreement_id} is no longer in force"
    return None


def _record(uow: UnitOfWork, held: Approval, approver: str, *, approved: bool,
            now: datetime, note: str) -> None:
    details: dict[str, str | int | bool | None] = {
        "approved": approved, "report": held.report_id[:MAX_TEXT],
        "version": held.report_version, "caused_by": held.caused_by[:MAX_TEXT]}
    if note:
        details["note"] = note[:MAX_TEXT]
    acts.record(uow, [LedgerEntry(Act.APPROVAL_DECIDED, actor=approver[:MAX_TEXT],
                                  subject=held.message_id, partner=held.partner,
                                  agreement=held.agreement_id, details=details, at=now)])
