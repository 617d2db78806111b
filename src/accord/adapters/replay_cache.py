"""Replay protection: remember each (sender, message id) for as long as it could be fresh.

``open_envelope`` refuses envelopes older than its freshness window, so an id
only needs remembering until its envelope would be refused as stale anyway.
The store can back this protocol with a table (unique key on sender and
message id, a purge of expired rows); ``MemoryReplayCache`` is the in-process
twin.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Protocol


class ReplayCache(Protocol):
    def remember(self, sender: str, message_id: str, *, now: datetime,
                 expires_at: datetime) -> bool:
        """Record the id until ``expires_at``; False if it is already recorded
        (a replay). Must be atomic: of two concurrent calls only one gets True."""
        ...


class MemoryReplayCache:
    """In-memory replay cache; forgets entries once they expire."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self.max_entries = max_entries
        self._seen: dict[tuple[str, str], datetime] = {}
        self._expiry: list[tuple[datetime, str, str]] = []

    def remember(self, sender: str, message_id: str, *, now: datetime,
                 expires_at: datetime) -> bool:
        self._purge(now)
        key = (sender, message_id)
        if key in self._seen:
            return False
        if len(self._seen) >= self.max_entries:
            # Refusing is safer than forgetting: a full cache must not open a replay window.
            raise OverflowError("replay cache is full")
        self._seen[key] = expires_at
        heapq.heappush(self._expiry, (expires_at, sender, message_id))
        return True

    @property
    def size(self) -> int:
        """Ids remembered now (a property, not ``__len__``: an empty cache must not be falsy)."""
        return len(self._seen)

    def _purge(self, now: datetime) -> None:
        while self._expiry and self._expiry[0][0] < now:
            _, sender, message_id = heapq.heappop(self._expiry)
            self._seen.pop((sender, message_id), None)
