"""An in-process event bus: live events fanned out to any number of subscribers.

Publishers call ``publish`` from any thread (request handlers, the dispatcher,
the store tail). Each subscriber reads from its own bounded queue in its own
event loop (the SSE endpoint's), so a slow reader never holds up a publisher
or another reader: when its queue is full the oldest event is dropped and
counted in ``Subscription.missed``. Events are numbered; the last ``history``
are kept so that a reader who reconnects with the last id it saw
(``Last-Event-ID``) gets what it missed, as far back as that reaches.

One bus per process and node. For several API processes sharing a store,
``accord.adapters.bus_nats.NatsBus`` (NATS JetStream) takes its place: the same
interface (``Bus``), with the events numbered by the broker instead
(``accord.adapters.bus_config`` picks one; docs/bus.md).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol


@dataclass(frozen=True)
class LiveEvent:
    """One event: ``id`` increases by one per event published on the bus."""

    id: int
    kind: str
    data: Mapping[str, Any]
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {**self.data, "id": self.id, "event": self.kind, "at": self.at.isoformat()}


class Subscription:
    """One reader's queue. Use in its event loop; ``close`` (or ``with``) when done."""

    def __init__(self, bus: EventBus, loop: asyncio.AbstractEventLoop,
                 kinds: frozenset[str] | None, size: int) -> None:
        self.bus, self.loop, self.kinds = bus, loop, kinds
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=size)
        self.missed = 0

    def wants(self, event: LiveEvent) -> bool:
        return self.kinds is None or event.kind in self.kinds

    def put(self, event: LiveEvent) -> None:
        """Queue ``event`` (in the loop's thread); drops the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
            self.missed += 1
        self.queue.put_nowait(event)

    async def get(self, timeout: float | None = None) -> LiveEvent | None:
        """The next event, or None after ``timeout`` seconds without one."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        self.bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Bus(Protocol):
    """What publishers and the live stream need of a bus (``EventBus``, ``NatsBus``)."""

    @property
    def last_id(self) -> int: ...

    @property
    def subscribers(self) -> int: ...

    def publish(self, kind: str, data: Mapping[str, Any], *,
                at: datetime | None = None) -> LiveEvent: ...

    def publish_many(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> None: ...

    def subscribe(self, *, kinds: Iterable[str] | None = None, after: int | None = None
                  ) -> Subscription: ...

    def unsubscribe(self, subscription: Subscription) -> None: ...

    def recent(self, after: int = 0) -> list[LiveEvent]: ...

    def close(self) -> None: ...


class EventBus:
    """Thread-safe fan-out. ``on_first`` / ``on_last`` run when the first reader
    subscribes and when the last one leaves (to start and stop event sources)."""

    def __init__(self, *, history: int = 1000, queue_size: int = 1000,
                 on_first: Callable[[], None] | None = None,
                 on_last: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._history: deque[LiveEvent] = deque(maxlen=history)
        self._subscribers: set[Subscription] = set()
        self._last_id = 0
        self._queue_size = queue_size
        self._on_first, self._on_last = on_first, on_last

    @property
    def last_id(self) -> int:
        return self._last_id

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, kind: str, data: Mapping[str, Any], *,
                at: datetime | None = None) -> LiveEvent:
        """Number ``data`` as the next event of ``kind`` and hand it to every reader."""
        with self._lock:
            event = LiveEvent(self._last_id + 1, kind, dict(data), at or datetime.now(UTC))
            readers = self._keep(event)
        self._hand(readers, event)
        return event

    def _keep(self, event: LiveEvent) -> list[Subscription]:
        """Record ``event`` as the latest (hold ``_lock``); the readers who want it."""
        self._last_id = event.id
        self._history.append(event)
        return [s for s in self._subscribers if s.wants(event)]

    def _hand(self, readers: list[Subscription], event: LiveEvent) -> None:
        for reader in readers:
            try:
                reader.loop.call_soon_threadsafe(reader.put, event)
            except RuntimeError:  # its loop is closed: the reader is gone
                self.unsubscribe(reader)

    def publish_many(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        for kind, data in events:
            self.publish(kind, data)

    def subscribe(self, *, kinds: Iterable[str] | None = None, after: int | None = None
                  ) -> Subscription:
        """A new reader in the running event loop; with ``after``, first the kept events
        numbered above it."""
        loop = asyncio.get_running_loop()
        wanted = frozenset(kinds) if kinds is not None else None
        subscription = Subscription(self, loop, wanted, self._queue_size)
        with self._lock:
            first = not self._subscribers
            if after is not None:
                for event in self._history:
                    if event.id > after and subscription.wants(event):
                        subscription.put(event)
            self._subscribers.add(subscription)
        if first and self._on_first is not None:
            self._on_first()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription not in self._subscribers:
                return
            self._subscribers.discard(subscription)
            last = not self._subscribers
        if last and self._on_last is not None:
            self._on_last()

    def recent(self, after: int = 0) -> list[LiveEvent]:
        """Kept events numbered above ``after``, oldest first."""
        with self._lock:
            return [e for e in self._history if e.id > after]

    def close(self) -> None:
        """Drop every reader (their queues stay readable) and stop the sources."""
        with self._lock:
            had = bool(self._subscribers)
            self._subscribers.clear()
        if had and self._on_last is not None:
            self._on_last()
