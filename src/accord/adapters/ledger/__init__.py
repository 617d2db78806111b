"""The ledger's persistence: leaves and tiles (``tree``), checkpoints and witnessing
(``notes``), on tables of their own (``tables``).

A unit of work wires it with one line: ``self.ledger = LedgerStore(self.session)``
(or a ``Connection``). Nothing here commits.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from accord.adapters.ledger.notes import CheckpointRows, SeenRows
from accord.adapters.ledger.tables import LedgerError, create_ledger_tables
from accord.adapters.ledger.tree import LeafFilter, LeafRow, LedgerTree

__all__ = ["CheckpointRows", "LeafFilter", "LeafRow", "LedgerError", "LedgerStore", "LedgerTree",
           "SeenRows", "create_ledger_tables"]


class LedgerStore:
    """Everything the ledger keeps, in the transaction of ``bind``.

    With a ``Session`` the connection is taken when the ledger is first used,
    so a unit of work that never touches the ledger pays nothing.
    """

    def __init__(self, bind: Connection | Session) -> None:
        self._bind = bind

    @property
    def conn(self) -> Connection:
        return self._bind.connection() if isinstance(self._bind, Session) else self._bind

    @property
    def tree(self) -> LedgerTree:
        return LedgerTree(self.conn)

    @property
    def checkpoints(self) -> CheckpointRows:
        return CheckpointRows(self.conn)

    @property
    def seen(self) -> SeenRows:
        return SeenRows(self.conn)
