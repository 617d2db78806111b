"""Fixtures for the NATS event bus tests.

``nats_url`` names a real NATS server with JetStream (``ACCORD_TEST_NATS_URL``,
default ``nats://127.0.0.1:4222``). As with PostgreSQL (tests/conftest.py): in
CI (``CI`` set) an unreachable server is a failure; elsewhere the tests that
need it skip and say why. ``bus_node`` is a node id of its own per test (so
its stream and subjects are too: parallel workers never meet), whose stream
is deleted afterwards. ``Proxy`` stands between a bus and the server so a test
can cut the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from accord.adapters.bus_nats import NatsBus, NatsSettings, node_token

DEFAULT_NATS = "nats://127.0.0.1:4222"


def _nats_problem(url: str) -> str | None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 4222
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        return f"NATS at {host}:{port} is unreachable ({exc})"

    async def jetstream() -> str | None:
        import nats

        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0)
        try:
            await nc.jetstream().account_info()
        except Exception as exc:
            return f"NATS at {host}:{port} has no JetStream ({exc})"
        finally:
            await nc.close()
        return None

    try:
        return asyncio.run(jetstream())
    except Exception as exc:
        return f"NATS at {host}:{port} does not answer ({exc})"


@pytest.fixture(scope="session")
def nats_url() -> str:
    url = os.environ.get("ACCORD_TEST_NATS_URL", DEFAULT_NATS)
    problem = _nats_problem(url)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI requires the NATS bus suite to run")
        pytest.skip(f"{problem}; set ACCORD_TEST_NATS_URL to run the NATS bus suite")
    return url


def delete_stream(url: str, node_id: str) -> None:
    async def delete() -> None:
        import nats
        from nats.js.errors import NotFoundError

        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0)
        try:
            await nc.jetstream().delete_stream(f"ACCORD_{node_token(node_id)}")
        except NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(delete())


@pytest.fixture
def bus_node(nats_url: str) -> Iterator[str]:
    """A fresh node id (with '.' and '_', to exercise the name escaping); stream removed after."""
    node_id = f"t.bus_{uuid.uuid4().hex[:12]}"
    yield node_id
    delete_stream(nats_url, node_id)


MakeBus = Callable[..., NatsBus]


@pytest.fixture
def make_bus(nats_url: str, bus_node: str) -> Iterator[MakeBus]:
    """``make_bus(**settings)``: a ``NatsBus`` of ``bus_node`` (ready), closed after the test."""
    made: list[NatsBus] = []

    def make(*, wait: bool = True, **settings: Any) -> NatsBus:
        hooks = {k: settings.pop(k) for k in ("on_first", "on_last") if k in settings}
        settings.setdefault("url", nats_url)
        bus = NatsBus(NatsSettings(node_id=bus_node, **settings), **hooks)
        made.append(bus)
        if wait:
            assert bus.wait_ready(30), "the bus did not connect to NATS"
        return bus

    yield make
    for bus in made:
        bus.close()


class Proxy:
    """A TCP relay to ``target`` on a port of its own; ``cut`` drops every connection and
    stops listening (connecting is refused, as with a server that is down) until
    ``restore``."""

    def __init__(self, target: str) -> None:
        parsed = urlparse(target)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 4222)
        self.port = 0
        self.connections = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()
        self.url = f"nats://127.0.0.1:{self.port}"

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="test-proxy").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.connections += 1
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes its accept()
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._open.clear()

    def close(self) -> None:
        self.cut()


@pytest.fixture
def proxy(nats_url: str) -> Iterator[Proxy]:
    relay = Proxy(nats_url)
    yield relay
    relay.close()
