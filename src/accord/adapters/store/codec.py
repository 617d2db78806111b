"""Conversions between domain values and what the store keeps.

Markings and gradings are stored as canonical JSON (sorted keys), so equal
markings give equal text on every store; decoding is cached because a file's
statements share a handful of distinct markings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

import orjson

from accord.domain.grading import Grading
from accord.domain.markings import Marking


def dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def marking_json(marking: Marking) -> str:
    return _marking_json(marking)


@lru_cache(maxsize=1024)
def _marking_json(marking: Marking) -> str:
    return dumps(marking.to_dict())


@lru_cache(maxsize=1024)
def marking_from_json(text: str) -> Marking:
    return Marking.from_dict(orjson.loads(text))


def grading_json(grading: Grading | None) -> str | None:
    return None if grading is None else dumps(grading.to_dict())


@lru_cache(maxsize=1024)
def grading_from_json(text: str | None) -> Grading | None:
    return None if text is None else Grading.from_dict(orjson.loads(text))


def to_utc(value: datetime | None) -> datetime | None:
    """A time as UTC (naive input is taken to be UTC already)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_store(value: datetime | None) -> datetime | None:
    """A time read back from the store, as an aware UTC datetime.

    SQLite keeps no zone and returns naive times (written as UTC);
    PostgreSQL returns them in the session's zone.
    """
    return to_utc(value)


def statement_pk(statement_id: str) -> int:
    """The store's integer key for a statement: 63 bits of its SHA-1 id.

    Integer keys let SQLite's FTS5 table share the statement's rowid; two ids
    sharing 63 bits would make the insert fail loudly, never merge silently.
    """
    return int(statement_id[:16], 16) >> 1
