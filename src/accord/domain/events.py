"""Domain events: facts a service reports to its unit of work.

A service appends events to ``uow.events`` while it works; handlers
registered on the store (``Store.subscribe``) see them *inside the same
transaction*, just before it commits, so whatever they write (the outbox of
releases, for one) commits or rolls back together with the change itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ReportChange(Enum):
    CREATED = "created"
    UPDATED = "updated"
    RETRACTED = "retracted"


@dataclass(frozen=True)
class ReportChanged:
    """A report of this node's store got a new version (created, updated or retracted).

    ``actor`` is who caused it (the user, or ``system``): four-eyes approval
    refuses a supervisor who caused the release they are asked to approve.
    """

    report_id: str
    version: int
    change: ReportChange
    actor: str = "system"
