"""Retention: material received from partners is deleted when its clause's retention ends.

Each received report is held until ``retain_until`` (the clause's
``retention_days`` after its last version arrived). ``purge_expired`` deletes
expired reports with their statements and search entries, and records one
ledger entry per purge. Local reports are never touched. The replay cache is
pruned at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from accord.adapters.store import Store
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import LedgerEntry
from accord.services import acts


@dataclass(frozen=True)
class Purged:
    reports: tuple[str, ...]
    statements: int


def purge_expired(store: Store, *, now: datetime | None = None, limit: int = 500) -> Purged:
    """Delete received reports whose retention ended at or before ``now`` (one transaction)."""
    now = now or datetime.now(UTC)
    gone: list[str] = []
    statements = 0
    with store.unit_of_work() as uow:
        expired = uow.inbox.expired(now, limit=limit)
        for held in expired:
            statements += uow.statements.delete(uow.statements.pks_for_report(held.report_id))
            uow.inbox.release_hold(held.report_id)
            uow.reports.delete(held.report_id)
            gone.append(held.report_id)
        if expired:
            acts.record(uow, [LedgerEntry(
                Act.PURGED, actor="system", subject=f"retention/{now.date().isoformat()}",
                details={"count": len(gone), "statements": statements,
                         "reports": tuple(r[:200] for r in gone[:50])}, at=now)])
        uow.replay_cache.purge(now)
    return Purged(tuple(gone), statements)
