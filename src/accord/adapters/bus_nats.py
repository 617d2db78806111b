"""NATS JetStream as a node's event bus: one live stream shared by all its processes.

With several ``accord serve`` processes on one store, an event published in
any of them reaches the stream readers of every one. ``NatsBus`` keeps the
``EventBus`` interface (publish from any thread; readers subscribe in their
own event loop) and runs the NATS client (asyncio) on a dedicated event-loop
thread of its own, so neither a publisher's thread nor the API's event loop
ever waits on the network.

* One durable stream per node, ``ACCORD_<node>``, holding subjects
  ``accord.<node>.events.<kind>`` (file storage; the last ``max_msgs`` events,
  at most ``max_age_seconds`` old).
* An event is JSON: ``{"v": 1, "id", "kind", "at", "data"}`` (``v`` is the
  schema version; a message of another version is skipped and counted).
* At least once: ``publish`` queues the event in memory and returns at once;
  the bus thread sends the queue in order (``publish_window`` at a time) and
  re-sends what JetStream has not acknowledged (reconnecting as needed).
  Each event has an id (``Nats-Msg-Id``): by default a digest of its kind and
  data, so the same fact published twice, by a retry or by two
  processes' store tails, is stored once within ``duplicate_window_seconds``.
* Readers see the stream's sequence numbers as event ids, the same in every
  process, so a reconnecting reader's ``Last-Event-ID`` works on any of them;
  each process follows the stream with one ordered consumer from the last
  ``history`` events and fans out to its readers locally.
* ``close`` waits (briefly) until what was published is acknowledged, then
  drains the connection and stops the thread.

docs/bus.md describes configuration and operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from accord.adapters.bus import EventBus, LiveEvent
from accord.adapters.bus_wire import BAD_TOKEN, content_id, decode, encode, node_token

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

log = logging.getLogger("accord.bus")

MSG_ID_HEADER = "Nats-Msg-Id"


@dataclass(frozen=True)
class NatsSettings:
    """Where the node's stream lives and how it is kept (docs/bus.md)."""

    url: str
    node_id: str
    history: int = 1000
    max_msgs: int = 100_000
    max_age_seconds: float = 7 * 24 * 3600.0
    duplicate_window_seconds: float = 120.0
    ack_timeout_seconds: float = 5.0
    connect_timeout_seconds: int = 2
    reconnect_wait_seconds: int = 1
    heartbeat_seconds: float = 2.0
    outbox_size: int = 10_000
    publish_window: int = 64
    close_timeout_seconds: float = 5.0

    @property
    def stream(self) -> str:
        return f"ACCORD_{node_token(self.node_id)}"

    @property
    def subject_prefix(self) -> str:
        return f"accord.{node_token(self.node_id)}.events"

    def subject(self, kind: str) -> str:
        if not kind or BAD_TOKEN & set(kind):
            raise ValueError(f"{kind!r} cannot be an event kind on NATS (one subject token)")
        return f"{self.subject_prefix}.{kind}"


# -- the bus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outgoing:
    subject: str
    event_id: str
    payload: bytes


class NatsBus(EventBus):
    """An ``EventBus`` whose events go through the node's JetStream stream (module doc)."""

    def __init__(self, settings: NatsSettings, *, queue_size: int = 1000,
                 on_first: Callable[[], None] | None = None,
                 on_last: Callable[[], None] | None = None) -> None:
        import nats  # noqa: F401  (fail here, not in the thread, when nats-py is missing)

        super().__init__(history=settings.history, queue_size=queue_size,
                         on_first=on_first, on_last=on_last)
        self.settings = settings
        self.published = self.duplicates = self.dropped = self.undecodable = 0
        self._outbox: deque[_Outgoing] = deque()
        self._out = threading.Condition()
        self._ready = threading.Event()
        self._closing = False
        self._nc: Client | None = None
        self._last_error = ""
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()
        self._caught_up = asyncio.Event()
        self._stopping = asyncio.Event()
        self._catch_up_to = 0
        self._main: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"accord-bus-{settings.node_id}")
        self._thread.start()

    # -- called from any thread

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until connected with the stream and its follower set up; False on timeout."""
        return self._ready.wait(timeout)

    def publish(self, kind: str, data: Mapping[str, Any], *, at: datetime | None = None,
                event_id: str | None = None) -> LiveEvent:
        """Queue ``data`` for the stream and return at once. The event returned has id 0:
        the broker numbers it, and readers see that number."""
        event = self._queue(kind, data, at, event_id)
        self._poke()
        return event

    def publish_many(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        queued = [self._queue(kind, data, None, None) for kind, data in events]
        if queued:
            self._poke()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until JetStream has acknowledged everything published; False on timeout."""
        with self._out:
            return self._out.wait_for(lambda: not self._outbox, timeout)

    @property
    def pending(self) -> int:
        """Events published but not yet acknowledged."""
        with self._out:
            return len(self._outbox)

    def close(self) -> None:
        """Deliver what is queued (up to ``close_timeout_seconds``), drain the connection,
        stop the thread, then drop every reader."""
        if self._closing:
            return
        if self._ready.is_set():
            self.flush(self.settings.close_timeout_seconds)
        self._closing = True
        left = self.pending
        if left:
            log.warning("event bus: %d event(s) not delivered to NATS before closing", left)
        try:
            self._loop.call_soon_threadsafe(self._stop)
        except RuntimeError:  # the loop has ended already
            pass
        self._thread.join(self.settings.close_timeout_seconds + 5)
        super().close()

    def _queue(self, kind: str, data: Mapping[str, Any], at: datetime | None,
               event_id: str | None) -> LiveEvent:
        at = at or datetime.now(UTC)
        copy = dict(data)
        eid = event_id or content_id(kind, copy)
        item = _Outgoing(self.settings.subject(kind), eid, encode(eid, kind, copy, at))
        with self._out:
            if self._closing:
                log.warning("event bus closed: %s event %s not published", kind, eid)
            else:
                if len(self._outbox) >= self.settings.outbox_size:
                    self._outbox.popleft()
                    self.dropped += 1
                    log.warning("event bus: NATS is behind; dropped the oldest queued event")
                self._outbox.append(item)
        return LiveEvent(0, kind, copy, at)

    def _poke(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the loop has ended (closed bus)
            pass

    # -- the bus thread

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._main = self._loop.create_task(self._serve())
            self._loop.run_until_complete(self._main)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("event bus: the NATS thread failed")
        finally:
            # the client's own helpers (an ordered consumer's heartbeat check) outlive drain
            rest = asyncio.all_tasks(self._loop)
            for task in rest:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            self._loop.close()

    def _stop(self) -> None:
        self._stopping.set()
        # A connection attempt is let finish (it is bounded), as cancelling it leaves
        # its socket open; once connected, cancelling ends in a drain (``_serve``).
        if self._main is not None and self._nc is not None:
            self._main.cancel()

    async def _serve(self) -> None:
        nc = await self._connect()
        if nc is None:
            return
        self._nc = nc
        try:
            js = nc.jetstream(timeout=self.settings.ack_timeout_seconds)
            await self._set_up(js)
            try:  # ready once the kept events (the last ``history``) have arrived
                await asyncio.wait_for(self._caught_up.wait(), self.settings.ack_timeout_seconds)
            except TimeoutError:
                log.warning("event bus: the stream's recent events are slow to arrive")
            self._ready.set()
            await self._send(js)
        finally:
            try:
                await asyncio.wait_for(nc.drain(), self.settings.close_timeout_seconds)
            except Exception:
                await nc.close()

    async def _connect(self) -> Client | None:
        import nats

        delay = 0.2
        while not self._stopping.is_set():
            try:
                nc = await nats.connect(
                    self.settings.url, name=f"accord {self.settings.node_id}",
                    connect_timeout=self.settings.connect_timeout_seconds,
                    reconnect_time_wait=self.settings.reconnect_wait_seconds,
                    max_reconnect_attempts=1, error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected, reconnected_cb=self._on_reconnected)
            except Exception as exc:  # unreachable, refused, timed out: keep trying
                log.warning("event bus: cannot reach NATS at %s (%s); retrying",
                            self.settings.url, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, 5.0)
                continue
            if not self._stopping.is_set():
                # Bounded attempts above (with none left, nats-py would retry a first
                # connection for ever, beyond our reach); once connected, never give up.
                nc.options["max_reconnect_attempts"] = -1
                return nc
            await nc.close()
        return None

    async def _set_up(self, js: JetStreamContext) -> None:
        """The stream (created or brought to these settings) and its follower."""
        delay = 0.2
        while True:
            try:
                last = await self._ensure_stream(js)
                await self._follow(js, last)
                return
            except Exception as exc:
                log.warning("event bus: setting up stream %s failed (%s); retrying",
                            self.settings.stream, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _ensure_stream(self, js: JetStreamContext) -> tuple[int, int]:
        from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        s = self.settings
        config = StreamConfig(
            name=s.stream, subjects=[f"{s.subject_prefix}.>"], storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD, max_msgs=s.max_msgs,
            max_age=s.max_age_seconds, duplicate_window=s.duplicate_window_seconds,
            description=f"Accord live events of node {s.node_id}")
        try:
            info = await js.stream_info(s.stream)
            have = info.config
            if (have.max_msgs, have.max_age, have.duplicate_window) != (
                    config.max_msgs, config.max_age, config.duplicate_window):
                info = await js.update_stream(config)
        except NotFoundError:
            info = await js.add_stream(config)
        return int(info.state.first_seq or 0), int(info.state.last_seq or 0)

    async def _follow(self, js: JetStreamContext, seqs: tuple[int, int]) -> None:
        from nats.js.api import ConsumerConfig, DeliverPolicy

        first, last = seqs
        start = max(first, last - self.settings.history + 1, 1)
        with self._lock:
            self._last_id = max(self._last_id, start - 1)
            self._catch_up_to = last
            if self._last_id >= last:
                self._caught_up.set()
        await js.subscribe(
            f"{self.settings.subject_prefix}.>", stream=self.settings.stream,
            cb=self._on_message, ordered_consumer=True,
            idle_heartbeat=self.settings.heartbeat_seconds,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                  opt_start_seq=start))

    async def _send(self, js: JetStreamContext) -> None:
        """Publish the head of the queue (up to ``publish_window`` events at once, in
        order) until acknowledged, for ever; what failed is sent again after a pause."""
        from nats.js.errors import NoStreamResponseError

        delay = 0.1
        while True:
            self._wake.clear()
            with self._out:
                batch = list(itertools.islice(self._outbox, self.settings.publish_window))
            if not batch:
                await self._wake.wait()
                continue
            results = await asyncio.gather(
                *(js.publish(item.subject, item.payload, headers={MSG_ID_HEADER: item.event_id},
                             timeout=self.settings.ack_timeout_seconds) for item in batch),
                return_exceptions=True)
            acked = {id(item): result for item, result in zip(batch, results, strict=True)
                     if not isinstance(result, BaseException)}
            with self._out:
                if acked:
                    self._outbox = deque(i for i in self._outbox if id(i) not in acked)
                self.published += len(acked)
                self.duplicates += sum(bool(getattr(a, "duplicate", False))
                                       for a in acked.values())
                self._out.notify_all()
            failed = next((r for r in results if isinstance(r, BaseException)), None)
            if failed is None:
                delay = 0.1
                continue
            if isinstance(failed, asyncio.CancelledError):
                raise failed
            # no connection, no answer, no stream: try again
            log.warning("event bus: publishing to NATS failed (%s); retrying", failed)
            if isinstance(failed, NoStreamResponseError):  # the stream was deleted
                with contextlib.suppress(Exception):
                    await self._ensure_stream(js)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _on_message(self, msg: Msg) -> None:
        try:
            _eid, event = decode(msg.data, int(msg.metadata.sequence.stream))
        except ValueError as exc:
            self.undecodable += 1
            log.warning("event bus: skipped message on %s: %s", msg.subject, exc)
            return
        with self._lock:
            if event.id <= self._last_id:  # seen already (a follower reset)
                return
            readers = self._keep(event)
            if event.id >= self._catch_up_to:
                self._caught_up.set()
        self._hand(readers, event)

    async def _on_error(self, exc: Exception) -> None:
        said = f"event bus: NATS: {exc}"
        if said != self._last_error:  # not once a second while the server is away
            log.warning("%s", said)
        self._last_error = said

    async def _on_disconnected(self) -> None:
        if self._closing:
            return
        log.warning("event bus: disconnected from NATS at %s; reconnecting",
                    self.settings.url)

    async def _on_reconnected(self) -> None:
        self._last_error = ""
        log.info("event bus: reconnected to NATS")
