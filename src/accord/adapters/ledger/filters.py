"""What the auditor's ``log`` view asks for, and the query columns it filters on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

INDEXED = ("at", "actor", "action", "subject", "agreement", "partner")
"""The auditor's query columns of ``ledger_index``, in table order after ``idx``."""


def index_columns(data: bytes) -> tuple[Any, ...]:
    """The query columns ``INDEXED`` of a leaf, read from its data (raises on bad JSON)."""
    raw = orjson.loads(data)
    return (raw.get("at"), raw.get("actor"), raw.get("action"), raw.get("subject", ""),
            raw.get("agreement"), raw.get("partner"))


@dataclass(frozen=True)
class LeafFilter:
    """What the auditor's ``log`` view asks for; ``None`` means any."""

    actor: str | None = None
    action: str | None = None
    agreement: str | None = None
    subject: str | None = None
    since: datetime | None = None
    after_index: int = -1
    limit: int = 100

    def matches(self, columns: tuple[Any, ...], since: str | None) -> bool:
        """Whether a leaf with these ``INDEXED`` columns passes (``since`` pre-formatted)."""
        at, actor, action, subject, agreement, _partner = columns
        return ((self.actor is None or actor == self.actor)
                and (self.action is None or action == self.action)
                and (self.agreement is None or agreement == self.agreement)
                and (self.subject is None or subject == self.subject)
                and (since is None or at >= since))
