"""Which event bus a node uses: in-process unless a NATS URL is configured.

The URL comes from, first to last: ``accord serve --bus URL`` (which sets
``$ACCORD_BUS`` for its process), ``$ACCORD_BUS``, then ``bus:`` in
node.yaml (read as ``NodeConfig.bus`` once the configuration has that key).
Empty, ``memory`` or ``in-process`` mean the in-process ``EventBus``; a
``nats://`` (or ``tls://``, ``ws://``, ``wss://``) URL means ``NatsBus``, whose
module (and nats-py) is imported only then. docs/bus.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from typing import Protocol
from urllib.parse import urlparse

from accord.adapters.bus import EventBus
from accord.domain.errors import InvalidValue

BUS_ENV = "ACCORD_BUS"
IN_PROCESS = frozenset({"", "memory", "in-process", "inprocess"})
NATS_SCHEMES = frozenset({"nats", "tls", "ws", "wss"})


def bus_url(config: object | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The configured NATS URL (``$ACCORD_BUS``, else node.yaml's ``bus``), None for the
    in-process bus."""
    value = (os.environ if env is None else env).get(BUS_ENV, "").strip()
    if not value and config is not None:
        value = str(getattr(config, "bus", None) or "").strip()
    return None if value.lower() in IN_PROCESS else check_url(value)


def check_url(url: str, where: str = BUS_ENV) -> str:
    """``url`` if it names a NATS server; else ``InvalidValue``."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in NATS_SCHEMES or not parsed.hostname:
        raise InvalidValue(f"{url!r} is not a NATS URL (e.g. nats://127.0.0.1:4222), nor "
                           "'memory' for the in-process bus", where=where)
    return url.strip()


def build_bus(url: str | None, *, node_id: str, on_first: Callable[[], None] | None = None,
              on_last: Callable[[], None] | None = None) -> EventBus:
    """The in-process bus for ``url`` None, else a ``NatsBus`` on the node's stream."""
    if url is None:
        return EventBus(on_first=on_first, on_last=on_last)
    from accord.adapters.bus_nats import NatsBus, NatsSettings

    return NatsBus(NatsSettings(url=check_url(url), node_id=node_id),
                   on_first=on_first, on_last=on_last)


def node_event_bus(config: object, node_id: str, *,
                   on_first: Callable[[], None] | None = None,
                   on_last: Callable[[], None] | None = None,
                   env: Mapping[str, str] | None = None) -> EventBus:
    """The bus a node's configuration (and environment) selects."""
    return build_bus(bus_url(config, env), node_id=node_id, on_first=on_first,
                     on_last=on_last)


class _HasBus(Protocol):
    @property
    def config(self) -> object: ...

    @property
    def node_id(self) -> str: ...

    @property
    def bus(self) -> EventBus: ...


def select_bus(node: _HasBus, option: str | None,
               env: MutableMapping[str, str] | None = None) -> EventBus | None:
    """For ``accord serve --bus``: ``option`` (when given) becomes ``$ACCORD_BUS`` of this
    process; with NATS selected the node's bus is built now, so that this process
    publishes its own alerts even while none of its readers listens. Returns that bus."""
    environ = os.environ if env is None else env
    if option is not None:
        environ[BUS_ENV] = "memory" if option.strip().lower() in IN_PROCESS else check_url(
            option, where="--bus")
    if bus_url(node.config, environ) is None:
        return None
    return node.bus
