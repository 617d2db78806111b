"""Two ``accord serve --bus nats://...`` processes serving one node on one PostgreSQL store:
what one process stores shows on the other's live stream, under the same event id, and a
reader moving to the other process resumes with ``Last-Event-ID``."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.federation_kit import clause, install, pin, report_doc, signed_agreement

from accord.adapters.bus_nats import NatsBus, NatsSettings
from accord.bootstrap import init_node
from accord.domain.users import Role
from accord.entrypoints.api.server import free_port
from accord.services.users import add_user

from .conftest import delete_stream

Events = queue.Queue[tuple[str, str, dict[str, Any]]]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def read_stream(url: str, token: str, out: Events, last_event_id: int | None = None) -> None:
    """Put ``(id, event, data)`` of each server-sent event into ``out`` until the end."""
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    try:
        with httpx.stream("GET", f"{url}/api/v1/stream", headers=headers,
                          timeout=60) as response:
            event_id, name = "", ""
            for line in response.iter_lines():
                if line.startswith("id:"):
                    event_id = line.split(":", 1)[1].strip()
                elif line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    out.put((event_id, name, json.loads(line.split(":", 1)[1])))
                    event_id = name = ""
    except httpx.HTTPError:
        pass  # the server stopped


def watch(url: str, token: str, last_event_id: int | None = None) -> Events:
    events: Events = queue.Queue()
    threading.Thread(target=read_stream, args=(url, token, events, last_event_id),
                     daemon=True).start()
    assert next_event(events, "ready")[1]["last_id"] >= 0
    return events


def next_event(events: Events, name: str, **match: Any) -> tuple[int, dict[str, Any]]:
    while True:
        event_id, got, data = events.get(timeout=60)
        if got == name and all(data.get(k) == v for k, v in match.items()):
            return (int(event_id) if event_id else 0), data


@pytest.fixture
def node(tmp_path: Path, postgres_url: str, nats_url: str) -> Iterator[tuple[Path, str, str]]:
    """A node on PostgreSQL with a four-eyes agreement; ``(path, node id, analyst token)``."""
    node_id = f"t-two-{uuid.uuid4().hex[:10]}"
    made = init_node(tmp_path / "node", node_id=node_id, country="MX", db_url=postgres_url)
    partner = init_node(tmp_path / "partner", node_id="co-partner", country="CO")
    with made.node as home, partner.node as other:
        pin(home, other, "http://127.0.0.1:9")
        install([home], signed_agreement([home, other], clause(four_eyes=True)))
        token = add_user(home.store, "ana", Role.ANALYST)[1].secret
    yield tmp_path / "node", node_id, token
    delete_stream(nats_url, node_id)


def serve(path: Path, nats_url: str, log: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "ACCORD_NODE": str(path)}
    with log.open("w") as err:  # a file, not a pipe nobody reads
        proc = subprocess.Popen(
            [sys.executable, "-m", "accord.entrypoints.cli.main", "serve", "--port", str(port),
             "--bus", nats_url, "--json"],
            stdout=subprocess.DEVNULL, stderr=err, env=env, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:  # poll until uvicorn listens (not a timing assertion)
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            return proc, url
        except httpx.TransportError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)


def test_what_one_process_stores_shows_on_the_others_stream(
        node: tuple[Path, str, str], nats_url: str) -> None:
    path, node_id, token = node
    procs: list[subprocess.Popen[str]] = []
    try:
        a, a_url = serve(path, nats_url, path.parent / "a.log")
        procs.append(a)
        b, b_url = serve(path, nats_url, path.parent / "b.log")
        procs.append(b)
        on_b = watch(b_url, token)
        created = httpx.post(f"{a_url}/api/v1/reports", json=report_doc("r1"), timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        held_id, held = next_event(on_b, "alert", kind="release_held")
        assert (held["report_id"], held["caused_by"]) == ("r1", "ana")
        # a reader moving to the other process resumes where it was, same numbering
        on_a = watch(a_url, token, last_event_id=held_id - 1)
        assert next_event(on_a, "alert") == (held_id, held)
        # an alert another process commits (here a third bus of the node) reaches both
        third = NatsBus(NatsSettings(nats_url, node_id))
        try:
            third.publish("alert", {"kind": "probe", "message": "from elsewhere"})
            assert third.flush(60)
        finally:
            third.close()
        assert next_event(on_a, "alert", kind="probe")[0] == held_id + 1
        assert next_event(on_b, "alert", kind="probe")[0] == held_id + 1
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
