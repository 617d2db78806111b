"""Recording federation acts in the ledger, in the caller's transaction.

The ledger (``accord.services.ledger``) is wired into a unit of work as
``uow.ledger``; until a store provides it, acts are not recorded and the
functions here return ``None`` instead of ledger indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accord.domain.ledger_entry import LedgerEntry


def record(uow: Any, entries: Sequence[LedgerEntry]) -> list[int] | None:
    """Append ``entries`` to the node's ledger; their indices, or None without a ledger."""
    if not entries or getattr(uow, "ledger", None) is None:
        return None
    from accord.services import ledger

    return list(ledger.record_many(uow, entries))
