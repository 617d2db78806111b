"""Reports: the unit an analyst writes and a node shares.

A report is a narrative plus the statements (entities and links) it makes,
with markings, grading, purpose and a review date. Reports are versioned:
every update bumps ``version``; a retraction is a final version whose status
is ``RETRACTED`` and which partners follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from accord.domain.errors import InvalidValue
from accord.domain.grading import Grading
from accord.domain.markings import Marking
from accord.domain.statement import Statement
from accord.domain.values.storable import unstorable


class ReportStatus(Enum):
    ACTIVE = "active"
    RETRACTED = "retracted"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Report:
    id: str
    origin: str
    title: str
    narrative: str = ""
    purpose: str = ""
    marking: Marking = Marking.DEFAULT
    grading: Grading | None = None
    review_date: date | None = None
    version: int = 1
    status: ReportStatus = ReportStatus.ACTIVE
    created: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)

    @property
    def retracted(self) -> bool:
        return self.status is ReportStatus.RETRACTED

    def revised(self, **changes: Any) -> Report:
        """The next version with ``changes`` applied."""
        return replace(self, version=self.version + 1, updated=utcnow(), **changes)

    def retract(self, reason: str = "") -> Report:
        narrative = self.narrative if not reason else f"{self.narrative}\n\n[retracted] {reason}"
        return self.revised(status=ReportStatus.RETRACTED, narrative=narrative.strip())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "report",
            "id": self.id,
            "origin": self.origin,
            "title": self.title,
            "narrative": self.narrative,
            "purpose": self.purpose,
            "markings": self.marking.to_dict(),
            "version": self.version,
            "status": self.status.value,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }
        if self.grading:
            out["grading"] = self.grading.to_dict()
        if self.review_date:
            out["review_date"] = self.review_date.isoformat()
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, origin: str, where: str = "report") -> Report:
        """Parse the JSONL form (see docs/format.md); raises ``InvalidValue``."""
        allowed = {"kind", "id", "origin", "title", "narrative", "purpose", "markings", "grading",
                   "review_date", "created", "updated", "version", "status"}
        unknown = set(raw) - allowed
        if unknown:
            raise InvalidValue(f"unknown field(s): {', '.join(sorted(unknown))}", where=where)
        for name, reason in unstorable(dict(raw)):
            raise InvalidValue(reason, where=f"{where}.{name}")
        for name in ("narrative", "purpose", "origin"):
            if raw.get(name) is not None and not isinstance(raw[name], str):
                raise InvalidValue(f"must be a string, not {type(raw[name]).__name__}",
                                   where=f"{where}.{name}")
        for req in ("id", "title"):
            if not isinstance(raw.get(req), str) or not raw[req].strip():
                raise InvalidValue(f"{req} is required and must be a non-empty string",
                                   where=f"{where}.{req}")
        created = _parse_time(raw.get("created"), f"{where}.created") or utcnow()
        try:
            status = ReportStatus(raw.get("status", "active"))
        except ValueError:
            raise InvalidValue(f"unknown status {raw.get('status')!r}",
                               where=f"{where}.status") from None
        review = raw.get("review_date")
        try:
            review_date = date.fromisoformat(review) if review else None
        except (TypeError, ValueError):
            raise InvalidValue(f"{review!r} is not a date (YYYY-MM-DD)",
                               where=f"{where}.review_date") from None
        return cls(
            id=raw["id"].strip(),
            origin=str(raw.get("origin") or origin),
            title=raw["title"].strip(),
            narrative=str(raw.get("narrative", "")),
            purpose=str(raw.get("purpose", "")),
            marking=Marking.from_dict(raw.get("markings"), where=f"{where}.markings"),
            grading=Grading.from_dict(raw.get("grading"), where=f"{where}.grading"),
            review_date=review_date,
            version=_version(raw.get("version", 1), f"{where}.version"),
            status=status,
            created=created,
            updated=_parse_time(raw.get("updated"), f"{where}.updated") or created,
        )


@dataclass(frozen=True)
class ReportContent:
    """A report together with the statements it makes: what the policy engine projects."""

    report: Report
    statements: tuple[Statement, ...] = ()


def _version(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw < 2**31:
        raise InvalidValue(f"{raw!r} is not a version (a whole number from 1)", where=where)
    return raw


def _parse_time(raw: Any, where: str) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        value.astimezone(UTC)  # a time near year 1 or 9999 may have no UTC form
    except (ValueError, OverflowError):
        raise InvalidValue(f"{raw!r} is not an ISO 8601 time (2026-03-01T00:00:00Z)",
                           where=where) from None
    return value
