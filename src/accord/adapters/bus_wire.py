"""The NATS bus's wire format: one event as JSON with a schema version, its default id,
and a node id made fit for subjects and stream names (``accord.adapters.bus_nats``).

A message is ``{"v": 1, "id", "kind", "at", "data"}``: ``v`` the schema version (a
reader skips any other), ``id`` the event id (also its ``Nats-Msg-Id``), ``at`` an
ISO 8601 time, ``data`` the event's facts. Keys are sorted and the JSON compact, so
the same event is the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from accord.adapters.bus import LiveEvent

SCHEMA_VERSION = 1
BAD_TOKEN = frozenset(". *>\t\r\n")  # not allowed in one subject token


def node_token(node_id: str) -> str:
    """``node_id`` as a subject token and stream-name part ('.' is not allowed there):
    ``_`` becomes ``__`` and ``.`` becomes ``_d``, so distinct ids stay distinct."""
    return node_id.replace("_", "__").replace(".", "_d")


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"an event value must be JSON, not {type(value).__name__}")


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_plain).encode("utf-8")


def content_id(kind: str, data: Mapping[str, Any]) -> str:
    """The default event id: a digest of the kind and the data (not the time)."""
    return hashlib.sha256(_canonical({"kind": kind, "data": dict(data)})).hexdigest()[:32]


def encode(event_id: str, kind: str, data: Mapping[str, Any], at: datetime) -> bytes:
    """One event as the JSON a stream message carries."""
    return _canonical({"v": SCHEMA_VERSION, "id": event_id, "kind": kind,
                       "at": at.isoformat(), "data": dict(data)})


def decode(payload: bytes, seq: int) -> tuple[str, LiveEvent]:
    """``(event id, event numbered seq)``; ``ValueError`` if it is not a version-1 event."""
    try:
        raw = json.loads(payload)
        if not isinstance(raw, dict) or raw.get("v") != SCHEMA_VERSION:
            version = raw.get("v") if isinstance(raw, dict) else None
            raise ValueError(f"not an event of schema version {SCHEMA_VERSION} ({version!r})")
        data = raw["data"]
        if not isinstance(data, dict):
            raise ValueError("event data is not an object")
        at = datetime.fromisoformat(raw["at"])
        return str(raw["id"]), LiveEvent(seq, str(raw["kind"]), data, at)
    except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not an event: {exc}") from None
