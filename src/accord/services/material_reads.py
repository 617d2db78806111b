"""Reads of material received from partners land in the ledger before it is shown.

A partner shares under an agreement and must be able to believe its material
is handled as agreed, so every time a user opens statements whose origin is
another node, the read is recorded: who read which entity or report, whose
material it was and under which agreement it arrived, with a hash of the
statement ids shown (never their values).

Reads run in a read-only unit of work (no write lock on SQLite); the record
is then written in its own transaction *before* the caller returns the
material, so if the ledger cannot be written the user gets an error, not the
material.
"""

from __future__ import annotations

from collections.abc import Iterable

from accord.adapters.store import Store, UnitOfWork
from accord.domain.ledger_entry import MAX_TEXT, Action, LedgerEntry
from accord.domain.statement import Statement
from accord.services import ledger


def record_reads(store: Store, *, reader: str | None, home: str | None, subject: str,
                 statements: Iterable[Statement], purpose: str | None = None) -> list[int]:
    """Record ``reader``'s read of the partners' statements among ``statements``.

    ``home`` is this node's id: statements of any other origin were received.
    One leaf per (partner, agreement); returns their ledger indices (none when
    nothing received was read, or when ``reader`` or ``home`` is not given, as
    for internal reads).
    """
    if not reader or not home:
        return []
    foreign = [s for s in statements if s.origin != home]
    if not foreign:
        return []
    with store.unit_of_work() as uow:
        entries = _entries(uow, reader, subject, foreign, purpose)
        return list(ledger.record_many(uow, entries))


def _entries(uow: UnitOfWork, reader: str, subject: str, foreign: list[Statement],
             purpose: str | None) -> list[LedgerEntry]:
    agreements: dict[str, str | None] = {}
    groups: dict[tuple[str, str | None], list[Statement]] = {}
    for s in foreign:
        if s.report_id not in agreements:
            held = uow.inbox.held(s.report_id)
            agreements[s.report_id] = held.agreement_id if held is not None else None
        groups.setdefault((s.origin, agreements[s.report_id]), []).append(s)
    out = []
    for (origin, agreement), group in sorted(groups.items(), key=lambda g: (g[0][0],
                                                                          g[0][1] or "")):
        reports = sorted({s.report_id[:MAX_TEXT] for s in group})
        out.append(LedgerEntry(
            Action.MATERIAL_READ, actor=reader, subject=subject[:MAX_TEXT],
            partner=origin[:MAX_TEXT], agreement=agreement, purpose=purpose,
            hashes={"statements": ledger.ids_hash(s.id for s in group)},
            details={"statements": len(group), "reports": tuple(reports[:50])}))
    return out
