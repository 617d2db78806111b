"""The statement: the atom of knowledge.

A statement says that entity ``entity_id`` (of ``schema``) has ``value`` for
``prop``, according to ``report`` written at ``origin`` (a node id), under
``marking`` and ``grading``. Entities are views over their statements, so
every fact keeps its provenance.

Invariant: a statement's ``id`` depends only on (origin, report, entity,
property, value), so importing the same file twice yields the same ids and
changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from accord.domain.grading import Grading
from accord.domain.markings import Marking


def statement_id(origin: str, report_id: str, entity_id: str, prop: str, value: str) -> str:
    """Stable, collision-resistant id: a SHA-1 over the identifying fields."""
    key = "\x1f".join((origin, report_id, entity_id, prop, value))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Statement:
    entity_id: str
    schema: str
    prop: str
    value: str
    report_id: str
    origin: str
    marking: Marking = Marking.DEFAULT
    grading: Grading | None = None
    original_value: str | None = None  # as written in the source, when normalisation changed it
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def id(self) -> str:
        return statement_id(self.origin, self.report_id, self.entity_id, self.prop, self.value)

    def seen(self, at: datetime) -> Statement:
        """The same statement observed again at ``at``."""
        first = self.first_seen if self.first_seen and self.first_seen <= at else at
        last = self.last_seen if self.last_seen and self.last_seen >= at else at
        return replace(self, first_seen=first, last_seen=last)
