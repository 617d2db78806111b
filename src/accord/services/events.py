"""The live view of a node: arrivals, refusals and alerts on its event bus.

``node_bus(node)`` builds a node's ``EventBus`` (the composition root calls it
once: ``Node.bus``; ``GET /api/v1/stream`` reads it): in-process, or NATS
JetStream shared by the node's processes when configured (docs/bus.md). Its
sources run only while someone listens:

* ``StoreTail``, a thread that polls the store every ``interval`` seconds for
  rows any process wrote (the API, a separate ``accord dispatch``):
  ``arrival`` (a message accepted into the inbox: sender, message kind,
  report id and version, agreement, clause, ledger index), ``refusal`` (an
  envelope refused, with the reason) and ``alert`` events of kind
  ``release_held`` (a release waits for a supervisor) and ``agreement`` (an
  agreement changed state here: proposed by a partner, active, revoked,
  expired);
* the store's commit listener: each ``accord.domain.alerts.Alert`` that a
  service appended to a unit of work committed in this process becomes an
  ``alert`` event (another capability's way onto the stream).

Event data carry ids and short facts only, never report content.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from accord.adapters.bus import EventBus
from accord.adapters.bus_config import node_event_bus
from accord.adapters.store import Store
from accord.adapters.store import activity as rows
from accord.domain.alerts import Alert

if TYPE_CHECKING:
    from accord.bootstrap import Node

log = logging.getLogger("accord.events")

ARRIVAL = "arrival"
REFUSAL = "refusal"
ALERT = "alert"
KINDS = (ARRIVAL, REFUSAL, ALERT)
POLL_SECONDS = 0.25


class StoreTail:
    """Publishes what is written to ``store`` after it starts (see the module docstring)."""

    def __init__(self, store: Store, bus: EventBus | None = None, *,
                 interval: float = POLL_SECONDS) -> None:
        self.store, self.bus, self.interval = store, bus, interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cursors = (0, 0, 0)
        self._agreements: dict[str, tuple[int, str]] = {}

    def start(self) -> None:
        """Start from the store as it is now (synchronously: anything committed after
        this returns is published)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and not self._stop.is_set():
                return
            self._prime()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                            name="accord-live", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling (the thread ends within one interval)."""
        self._stop.set()

    def _prime(self) -> None:
        with self.store.unit_of_work(write=False) as uow:
            self._cursors = rows.cursors(uow.session)
            self._agreements = rows.agreement_states(uow.session)

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                with self._lock:
                    if not stop.is_set():
                        self.poll_once()
            except Exception:  # a closed or busy store: try again next round
                log.exception("live stream: polling the store failed")

    def poll_once(self) -> int:
        """Publish what was written since the last poll; how many events."""
        inbox, refusals, holds = self._cursors
        with self.store.unit_of_work(write=False) as uow:
            arrived = rows.arrivals_after(uow.session, inbox)
            refused = rows.refusals_after(uow.session, refusals)
            held = rows.holds_after(uow.session, holds)
            states = rows.agreement_states(uow.session)
        events: list[tuple[str, dict[str, Any]]] = []
        events += [(ARRIVAL, _without_row(a)) for a in arrived]
        events += [(REFUSAL, _without_row(r)) for r in refused]
        events += [(ALERT, _held(h)) for h in held]
        events += [(ALERT, _agreement(i, v, s, self._agreements.get(i)))
                   for i, (v, s) in sorted(states.items()) if self._agreements.get(i) != (v, s)]
        self._cursors = (arrived[-1]["row"] if arrived else inbox,
                         refused[-1]["row"] if refused else refusals,
                         held[-1]["approval"] if held else holds)
        self._agreements = states
        if self.bus is not None:
            self.bus.publish_many(events)
        return len(events)


def _without_row(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k != "row"}  # the store's cursor, not news


def _held(h: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "release_held", "message": (
        f"release of {h['report_id']} v{h['version']} to {h['partner']} waits for a "
        f"supervisor (approval {h['approval']})"), **h}


def _agreement(agreement_id: str, version: int, status: str,
               before: tuple[int, str] | None) -> dict[str, Any]:
    was = f" (was {before[1]})" if before else ""
    return {"kind": "agreement", "message": f"agreement {agreement_id} v{version} is now "
                                            f"{status}{was}",
            "agreement": agreement_id, "version": version, "status": status,
            "previous": before[1] if before else None}


def forward_alerts(bus: EventBus, events: list[object]) -> None:
    """A store commit listener: publish the ``Alert`` events of a committed unit of work."""
    for event in events:
        if isinstance(event, Alert):
            bus.publish(ALERT, event.to_dict())


def node_bus(node: Node) -> EventBus:
    """The event bus of ``node`` with its sources (see the module docstring)."""
    tail = StoreTail(node.store)
    bus = node_event_bus(node.config, node.node_id, on_first=tail.start, on_last=tail.stop)
    tail.bus = bus
    node.store.on_commit(lambda events: forward_alerts(bus, events))
    return bus
