"""Follow-up requests: after a hit, the asker asks the owner for the material behind it.

::

    asker                                         owner
    request_follow_up(reference, purpose)
      ── POST /federation/v1/follow-ups ──▶        receive_follow_up: agreement and purpose
                                                   checked, the reference resolved against
                                                   what it gave this partner (charged to
                                                   the partner's bucket like one asked
                                                   item), each report holding it decided
                                                   with Action.RESPOND; what the policy
                                                   allows is queued as a release *held* for
                                                   a supervisor (accord.services.approvals)
      ◀── waiting | nothing_releasable ──
                                                   a supervisor approves (accord approval
                                                   approve) or refuses; approved releases
                                                   go out through the outbox
    the release arrives (in_reply_to the request),
    is checked against the request and decided
    as a response (follow_up_inbox), and the
    request is marked released

Both sides ledger the request (``query.asked`` / ``query.answered``,
exchange ``follow_up``) and each release is ledgered like any other
(``release.decided``, ``approval.decided``, ``envelope.*``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from accord.adapters.query_transport import FOLLOW_UPS, PartnerRefused, QueryTransport
from accord.adapters.store import UnitOfWork
from accord.adapters.store.approvals import APPROVED, WAITING, ApprovalRepository
from accord.adapters.store.queries import FollowUp, QueryRepository, StoreLimiter
from accord.adapters.store.query_tables import IN, OUT
from accord.domain.alerts import Alert
from accord.domain.decision import Action, Outcome
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.ledger_entry import MAX_TEXT, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.person_query import PERSON_KIND
from accord.domain.policy import decide
from accord.domain.query import resolve_reference
from accord.domain.ratelimit import require
from accord.domain.report import ReportContent
from accord.services import acts, share
from accord.services.follow_up_inbox import REQUESTED
from accord.services.query_answers import (
    QUERY_LIMITS,
    SYSTEM,
    contact_of,
    grant_for,
    holdings_for,
    serve,
)
from accord.services.query_keys import query_secret, reference_key
from accord.services.query_wire import call, partner_of, text, transport_for

if TYPE_CHECKING:
    from accord.bootstrap import Node

FOLLOW_UP = "accord-follow-up"
FOLLOW_UP_ANSWER = "accord-follow-up-answer"
WAITING_STATE = "waiting"  # the owner holds releases for its supervisor
NOTHING = "nothing_releasable"
REFUSED = "refused"


def request_follow_up(node: Node, reference: str, *, purpose: str, actor: str,
                      transport: QueryTransport | None = None,
                      now: datetime | None = None) -> FollowUp:
    """Ask the owner of hit ``reference`` for the material behind it, for ``purpose``.

    Raises ``NotFound`` (no such hit here), ``PartnerRefused`` (kept as a refused
    request, then raised) or ``PartnerUnreachable``.
    """
    now = now or datetime.now(UTC)
    with node.store.unit_of_work(write=False) as uow:
        hit = QueryRepository(uow.session).hit(reference)
    if hit is None:
        raise NotFound(f"no hit with reference {reference!r} (see 'accord query list')",
                       where="reference")
    partner = partner_of(node, hit.partner)
    follow_up_id = uuid.uuid4().hex
    body = {"type": FOLLOW_UP, "follow_up_id": follow_up_id, "reference": reference,
            "kind": hit.kind, "purpose": purpose}
    sender, own = transport_for(node, transport)
    try:
        reply = call(node, sender, partner, FOLLOW_UPS, body, expect=FOLLOW_UP_ANSWER)
        state = REQUESTED if reply.get("status") == WAITING_STATE else NOTHING
        detail = str(reply.get("detail") or "")
    except PartnerRefused as exc:
        reply, state, detail = {"status": REFUSED, "reason": exc.code}, REFUSED, exc.message
        _keep(node, hit.partner, follow_up_id, reference, hit.kind, purpose, state, detail,
              actor, reply, now)
        raise
    finally:
        if own:
            sender.close()
    return _keep(node, hit.partner, follow_up_id, reference, hit.kind, purpose, state, detail,
                 actor, reply, now)


def _keep(node: Node, partner: str, follow_up_id: str, reference: str, kind: str,
          purpose: str, state: str, detail: str, actor: str, reply: dict[str, Any],
          now: datetime) -> FollowUp:
    found = FollowUp(follow_up_id, OUT, partner, reference, kind, purpose, state, actor,
                     detail, (), (), now, now)
    with node.store.unit_of_work() as uow:
        QueryRepository(uow.session).add_follow_up(found)
        acts.record(uow, [LedgerEntry(
            Act.QUERY_ASKED, actor=actor[:MAX_TEXT], subject=follow_up_id, partner=partner,
            purpose=purpose[:MAX_TEXT],
            details={"exchange": "follow_up", "kind": kind, "reference": reference,
                     "status": str(reply.get("status"))[:60]}, at=now)])
    return found


# -- the owner ---------------------------------------------------------------------------


def receive_follow_up(node: Node, envelope: str, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """Handle a follow-up request envelope (``POST /federation/v1/follow-ups``)."""
    return serve(node, envelope, _receive, now=now)


def _receive(node: Node, uow: UnitOfWork, sender: str, body: dict[str, Any],
             now: datetime) -> tuple[dict[str, Any], LedgerEntry]:
    where = "follow-up"
    if body.get("type") != FOLLOW_UP:
        raise InvalidValue(f"expects type {FOLLOW_UP!r}", where=where)
    follow_up_id = text(body, "follow_up_id", where)[:64]
    if QueryRepository(uow.session).follow_up(follow_up_id) is not None:
        raise Conflict(f"follow-up {follow_up_id} was received already", where=where)
    ref, kind = text(body, "reference", where), text(body, "kind", where)
    purpose = text(body, "purpose", where)
    grant, index = grant_for(node, uow, sender, purpose, now)
    held = holdings_for(node, uow, index, sender, purpose, now)
    # the asker holds the reference key: each resolution costs like one asked item
    limiter = StoreLimiter(uow.session, QUERY_LIMITS, now=now)
    require(limiter, sender, kind if kind in QUERY_LIMITS else PERSON_KIND, 1)
    key = reference_key(query_secret(node.dir.keys_dir), sender, kind)
    if kind == PERSON_KIND:
        found = resolve_reference(key, ref, sorted({f"{PERSON_KIND}:{p.entity_id}"
                                                    for p in held.persons}))
        entity = None if found is None else found.removeprefix(f"{PERSON_KIND}:")
        report_ids = sorted({p.report_id for p in held.persons if p.entity_id == entity})
    else:
        item = resolve_reference(key, ref, sorted(held.items.get(kind, {})))
        report_ids = [] if item is None else held.reports_of(kind, item)
    if not report_ids:
        raise NotFound(f"reference {ref} is not one this node gave {sender}, or what it "
                       "pointed at is no longer held", where="reference")
    partner = uow.partners.get(sender)
    assert partner is not None  # the envelope was signed by a pinned partner
    approval_ids: list[int] = []
    for report_id in report_ids:
        report = uow.reports.get(report_id)
        if report is None or report.retracted:
            continue
        content = ReportContent(report, tuple(uow.statements.for_report(report_id)))
        decision = decide(content, sender, index, purpose, sender=node.node_id, now=now,
                          action=Action.RESPOND, recipient_country=partner.country)
        if decision.outcome is Outcome.ALLOW and decision.projection is not None:
            approval_ids.append(share.queue_response(
                uow, partner, report, decision, in_reply_to=follow_up_id,
                caused_by=f"partner/{sender}", now=now))
    status = WAITING_STATE if approval_ids else NOTHING
    detail = (f"{len(approval_ids)} release(s) wait for a supervisor at {node.node_id}"
              if approval_ids else "nothing the agreement allows for this purpose")
    QueryRepository(uow.session).add_follow_up(FollowUp(
        follow_up_id, IN, sender, ref, kind, purpose, status, f"partner/{sender}", detail,
        tuple(report_ids), tuple(approval_ids), now, now))
    if approval_ids:
        uow.events.append(Alert("follow_up_requested",
                                f"{sender} asks for {len(approval_ids)} report(s) behind a "
                                f"hit, for {purpose!r}: a supervisor decides",
                                {"follow_up": follow_up_id, "partner": sender,
                                 "held": len(approval_ids)}))
    entry = LedgerEntry(Act.QUERY_ANSWERED, actor=SYSTEM, subject=follow_up_id,
                        agreement=grant.agreement.id, purpose=purpose[:MAX_TEXT],
                        partner=sender, details={"exchange": "follow_up", "kind": kind,
                                                 "held": len(approval_ids)}, at=now)
    reply = {"type": FOLLOW_UP_ANSWER, "follow_up_id": follow_up_id, "status": status,
             "held": len(approval_ids), "detail": detail, "contact": contact_of(node)}
    return reply, entry


def list_follow_ups(node: Node, *, direction: str | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
    """Follow-up requests (newest first); for those asked of this node, the state follows
    the supervisor's decisions (waiting, released, refused)."""
    with node.store.unit_of_work(write=False) as uow:
        found = QueryRepository(uow.session).follow_ups(direction=direction, limit=limit)
        approvals = ApprovalRepository(uow.session)
        out = []
        for f in found:
            row = f.to_dict()
            if f.direction == IN and f.approvals:
                states = [a.state for a in (approvals.get(i) for i in f.approvals) if a]
                row["state"] = ("released" if APPROVED in states else WAITING_STATE
                                if WAITING in states else REFUSED)
            out.append(row)
    return out
