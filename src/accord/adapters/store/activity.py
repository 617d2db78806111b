"""What was written to a node's store after a cursor: the sources of the live stream.

Each reader returns plain dicts (ids and short facts, never report content)
for rows numbered above ``after``, oldest first: messages accepted into the
inbox, envelopes refused, releases held for a supervisor. Rows may come from
any process sharing the store (the API, a separate ``accord dispatch``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.adapters.store.approvals import ApprovalRow
from accord.adapters.store.codec import from_store
from accord.adapters.store.federation_models import AgreementRow, InboxRow, RefusalRow


def _iso(value: Any) -> str | None:
    at = from_store(value)
    return at.isoformat() if at is not None else None


def cursors(session: Session) -> tuple[int, int, int]:
    """The last inbox, refusal and approval ids (where a new reader starts)."""
    return tuple(int(session.scalar(select(func.max(c))) or 0)  # type: ignore[return-value]
                 for c in (InboxRow.id, RefusalRow.id, ApprovalRow.id))


def arrivals_after(session: Session, after: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = session.execute(select(
        InboxRow.id, InboxRow.sender, InboxRow.message_id, InboxRow.seq, InboxRow.kind,
        InboxRow.report_id, InboxRow.report_version, InboxRow.agreement_id,
        InboxRow.clause_id, InboxRow.received, InboxRow.ledger_index)
        .where(InboxRow.id > after).order_by(InboxRow.id).limit(limit))
    return [{"row": r.id, "sender": r.sender, "message_id": r.message_id, "seq": r.seq,
             "message": r.kind, "report_id": r.report_id, "version": r.report_version,
             "agreement": r.agreement_id, "clause": r.clause_id, "received": _iso(r.received),
             "ledger_index": r.ledger_index} for r in rows]


def refusals_after(session: Session, after: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = session.execute(select(
        RefusalRow.id, RefusalRow.at, RefusalRow.sender, RefusalRow.message_id,
        RefusalRow.authenticated, RefusalRow.reason, RefusalRow.detail)
        .where(RefusalRow.id > after).order_by(RefusalRow.id).limit(limit))
    return [{"row": r.id, "refused_at": _iso(r.at), "sender": r.sender,
             "message_id": r.message_id, "authenticated": r.authenticated, "reason": r.reason,
             "detail": (r.detail or "")[:300]} for r in rows]


def holds_after(session: Session, after: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = session.execute(select(
        ApprovalRow.id, ApprovalRow.partner, ApprovalRow.report_id, ApprovalRow.report_version,
        ApprovalRow.agreement_id, ApprovalRow.clause_id, ApprovalRow.caused_by,
        ApprovalRow.held_at).where(ApprovalRow.id > after).order_by(ApprovalRow.id)
        .limit(limit))
    return [{"approval": r.id, "partner": r.partner, "report_id": r.report_id,
             "version": r.report_version, "agreement": r.agreement_id, "clause": r.clause_id,
             "caused_by": r.caused_by, "held_at": _iso(r.held_at)} for r in rows]


def agreement_states(session: Session) -> dict[str, tuple[int, str]]:
    """``{agreement id: (version, status)}`` of every agreement held."""
    rows = session.execute(select(AgreementRow.id, AgreementRow.version, AgreementRow.status))
    return {r.id: (int(r.version), str(r.status)) for r in rows}
