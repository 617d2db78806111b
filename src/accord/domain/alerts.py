"""Domain events for people watching a node live (``GET /api/v1/stream``).

A service that wants a person to notice something now appends an ``Alert`` to
its unit of work (``uow.events.append(Alert(...))``); once the transaction has
committed, the node's event bus (``accord.services.events``) hands it to every
subscriber of the live stream. Nothing is published for a transaction that
rolled back.

``data`` carries ids and short facts, never report content: reading content
is an act the ledger records, and the stream is not a way around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

AlertValue = str | int | float | bool | None


@dataclass(frozen=True)
class Alert:
    """Something to notice now: ``kind`` (a stable code), a sentence, short facts."""

    kind: str
    message: str
    data: Mapping[str, AlertValue] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, **dict(self.data)}


@dataclass(frozen=True)
class ReleaseApproved:
    """A supervisor released a held message into the outbox (wakes the dispatcher)."""

    approval_id: int
    partner: str
