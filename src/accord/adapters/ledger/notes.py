"""Checkpoints this node signed, partners' checkpoints it witnessed, and alerts.

All three are plain rows over the caller's connection; the rules (what may be
stored, when to co-sign) live in ``accord.services.ledger`` and the domain.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from accord.adapters.ledger.tables import alerts, checkpoints, seen
from accord.domain.checkpoint import SignedCheckpoint


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint row as stored: size and root columns, and the note text."""

    size: int
    root: bytes
    note: str
    created: datetime


@dataclass(frozen=True)
class Alert:
    """Evidence that a partner's log contradicted itself."""

    origin: str
    reason: str
    old_note: str
    new_note: str
    proof: tuple[bytes, ...]
    at: datetime


class CheckpointRows:
    """This node's signed checkpoints (with co-signatures as extra signature lines)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, signed: SignedCheckpoint, at: datetime | None = None) -> None:
        cp = signed.checkpoint
        self.conn.execute(insert(checkpoints).values(
            size=cp.size, root=cp.root, note=signed.format(), created=at or datetime.now(UTC)))

    def replace_note(self, signed: SignedCheckpoint) -> None:
        """Store ``signed`` (same size and root, more signatures) in place of the old note."""
        self.conn.execute(update(checkpoints)
                          .where(checkpoints.c.size == signed.checkpoint.size)
                          .values(note=signed.format()))

    def get(self, size: int) -> StoredCheckpoint | None:
        row = self.conn.execute(select(checkpoints).where(checkpoints.c.size == size)).first()
        return None if row is None else _checkpoint(row)

    def latest(self) -> StoredCheckpoint | None:
        row = self.conn.execute(
            select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)).first()
        return None if row is None else _checkpoint(row)

    def all(self) -> list[StoredCheckpoint]:
        rows = self.conn.execute(select(checkpoints).order_by(checkpoints.c.size)).all()
        return [_checkpoint(row) for row in rows]


class SeenRows:
    """Per partner origin, the last checkpoint this node co-signed."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, origin: str, *, for_update: bool = False) -> str | None:
        """The note last co-signed for ``origin``. ``for_update`` locks the row
        (PostgreSQL) so two witnessings of the same partner queue."""
        query = select(seen.c.note).where(seen.c.origin == origin)
        if for_update:
            query = query.with_for_update()
        return self.conn.execute(query).scalar()

    def put(self, signed: SignedCheckpoint) -> None:
        cp = signed.checkpoint
        values = {"size": cp.size, "root": cp.root, "note": signed.format(),
                  "updated": datetime.now(UTC)}
        done = self.conn.execute(update(seen).where(seen.c.origin == cp.origin).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(seen).values(origin=cp.origin, **values))

    def origins(self) -> dict[str, int]:
        """Every partner witnessed, with the size last co-signed."""
        return {o: int(s) for o, s in self.conn.execute(select(seen.c.origin, seen.c.size))}

    def add_alert(self, origin: str, reason: str, old_note: str, new_note: str,
                  proof: Sequence[bytes]) -> None:
        self.conn.execute(insert(alerts).values(
            origin=origin, reason=reason, old_note=old_note, new_note=new_note,
            proof="\n".join(base64.b64encode(p).decode() for p in proof),
            at=datetime.now(UTC)))

    def alerts(self, origin: str | None = None) -> list[Alert]:
        query = select(alerts).order_by(alerts.c.id)
        if origin is not None:
            query = query.where(alerts.c.origin == origin)
        return [Alert(r.origin, r.reason, r.old_note, r.new_note,
                      tuple(base64.b64decode(p) for p in r.proof.split("\n") if p), r.at)
                for r in self.conn.execute(query)]


def _checkpoint(row: Row[Any]) -> StoredCheckpoint:
    r = row._mapping
    return StoredCheckpoint(int(r["size"]), bytes(r["root"]), str(r["note"]), r["created"])
