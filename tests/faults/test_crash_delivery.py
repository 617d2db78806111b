"""Crash faults with real processes: ``accord serve --dispatch`` nodes on loopback ports,
each with its own SQLite store, killed with SIGKILL in the middle of a stream of 10,000
releases. After restart every release has arrived exactly once and in order, and a
partner that was offline for the whole run catches up from the pull feed.

Node co releases every report to mx (Person and Vessel reports) and the Vessel
reports (one in ten) to pe, which cannot be reached by push: pe pulls co's feed
once it comes up at the end. The test waits on conditions it reads from the
nodes' databases (bounded by a deadline), never on the clock.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from tests.federation_kit import clause, install, make_node, opened, pin, signed_agreement

from accord.domain.users import Role
from accord.entrypoints.api.server import free_port
from accord.services.users import add_user

pytestmark = pytest.mark.slow

TOTAL = 10_000
FILES = 10
PER_FILE = TOTAL // FILES
DEADLINE_S = 240.0
SETTINGS = {"batch_size": 250, "poll_seconds": 0.2, "pull_seconds": 0.5,
            "backoff_base_seconds": 0.05, "backoff_max_seconds": 0.5}


class Server:
    """``accord serve --dispatch`` in a child process."""

    def __init__(self, node: Path, port: int, log: Path) -> None:
        self.node, self.port, self.log = node, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "accord.entrypoints.cli.main", "serve", "--node",
                 str(self.node), "--port", str(self.port), "--dispatch", "--no-resolve"],
                stdout=out, stderr=out, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_for(self._healthy, f"{self.node.name} to serve")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.node.name} exited: {self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def query(node: Path, sql: str) -> list[tuple[object, ...]]:
    """Read a node's SQLite store while it runs (WAL lets readers in)."""
    with sqlite3.connect(f"file:{node / 'accord.db'}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def count(node: Path, sql: str) -> int:
    return int(query(node, sql)[0][0])  # type: ignore[call-overload]


def jsonl(index: int) -> bytes:
    lines = []
    for i in range(index * PER_FILE, (index + 1) * PER_FILE):
        rid = f"r{i:05d}"
        lines.append({"kind": "report", "id": rid, "title": "Sighting",
                      "purpose": "interdiction"})
        if i % 10 == 0:
            entity = {"id": f"{rid}-v", "schema": "Vessel", "properties": {"name": [f"V {i}"]}}
        else:
            entity = {"id": f"{rid}-p", "schema": "Person",
                      "properties": {"name": [f"Person {i}"]}}
        lines.append({"kind": "entity", "report": rid, **entity})
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[dict[str, Server], str]]:
    paths = {name: make_node(tmp_path / name, node_id, country, **SETTINGS)
             for name, node_id, country in (("co", "co-dijin", "CO"), ("mx", "mx-fgr", "MX"),
                                            ("pe", "pe-dirandro", "PE"))}
    servers = {name: Server(path, free_port(), tmp_path / f"{name}.log")
               for name, path in paths.items()}
    with opened(paths["co"], paths["mx"], paths["pe"]) as (co, mx, pe):
        agreement = signed_agreement(
            [co, mx, pe],
            clause(id="to-mx", senders=frozenset({"co-dijin"}), recipients=frozenset({"mx-fgr"}),
                   schemas=frozenset({"Person", "Vessel"})),
            clause(id="to-pe", senders=frozenset({"co-dijin"}),
                   recipients=frozenset({"pe-dirandro"}), schemas=frozenset({"Vessel"})))
        install([co, mx, pe], agreement)
        pin(co, mx, servers["mx"].url)
        pin(co, pe, servers["pe"].url, push=False)  # pe cannot be reached: it pulls
        pin(mx, co, servers["co"].url)
        pin(pe, co, servers["co"].url, pull=True)
        # every party's key is needed to verify the multilateral agreement's signatures
        pin(mx, pe, servers["pe"].url, push=False)
        pin(pe, mx, servers["mx"].url, push=False)
        _user, issued = add_user(co.store, "analyst", Role.ANALYST)
    try:
        yield servers, issued.secret
    finally:
        for server in servers.values():
            server.stop()


def test_kill_sender_and_recipient_mid_stream(
        network: tuple[dict[str, Server], str]) -> None:
    servers, token = network
    co, mx, pe = servers["co"], servers["mx"], servers["pe"]
    co_dir, mx_dir = co.node, mx.node

    def import_file(index: int) -> None:
        response = httpx.post(f"{co.url}/api/v1/import", content=jsonl(index),
                              headers={"Authorization": f"Bearer {token}"}, timeout=300)
        assert response.status_code == 200, response.text

    def arrived() -> int:
        return count(mx_dir, "SELECT count(*) FROM inbox")

    co.start()
    for index in range(5):
        import_file(index)  # queued while the recipient is not up yet
    mx.start()
    wait_for(lambda: arrived() >= 1000, "the first releases to arrive")
    co.kill()  # the sender dies while its dispatcher is busy
    assert arrived() < 5 * PER_FILE, "the sender was not killed mid-stream"
    co.start()

    # the sender dies again, this time with an import in flight: the import either
    # committed with all its releases or not at all; it is simply sent again
    in_flight = threading.Thread(target=lambda: _ignore_errors(lambda: import_file(5)))
    in_flight.start()
    wait_for(lambda: arrived() >= 2000, "more releases to arrive")
    co.kill()
    in_flight.join(60)
    co.start()
    for index in range(5, 8):
        import_file(index)

    wait_for(lambda: arrived() >= 3500, "more releases to arrive")
    mx.kill()  # the recipient dies mid-stream
    assert arrived() < 8 * PER_FILE, "the recipient was not killed mid-stream"
    for index in range(8, FILES):
        import_file(index)  # released while the recipient is down
    mx.start()
    wait_for(lambda: arrived() == TOTAL and count(
        co_dir, "SELECT count(*) FROM outbox WHERE partner = 'mx-fgr' AND state != "
                "'delivered'") == 0, "every release to mx to be delivered and settled")

    # exactly once, in order: the inbox in arrival order holds seq 1..10000
    rows = query(mx_dir, "SELECT sender, seq, report_id FROM inbox ORDER BY id")
    assert [r[1] for r in rows] == list(range(1, TOTAL + 1))
    assert {r[0] for r in rows} == {"co-dijin"}
    assert sorted(r[2] for r in rows) == [f"r{i:05d}" for i in range(TOTAL)]
    assert count(mx_dir, "SELECT count(*) FROM reports") == TOTAL
    assert count(mx_dir, "SELECT count(*) FROM statements") == TOTAL
    sent = query(co_dir, "SELECT seq, state FROM outbox WHERE partner = 'mx-fgr' "
                         "ORDER BY seq")
    assert sent == [(seq, "delivered") for seq in range(1, TOTAL + 1)]
    assert count(co_dir, "SELECT count(*) FROM receipts WHERE partner = 'mx-fgr'") == TOTAL

    # pe was offline for the whole run; it comes up and pulls co's feed
    pe.start()
    vessels = TOTAL // 10
    wait_for(lambda: count(pe.node, "SELECT count(*) FROM inbox") == vessels and count(
        co_dir, "SELECT count(*) FROM outbox WHERE partner = 'pe-dirandro' AND state = "
                "'delivered'") == vessels, "pe to catch up from the feed")
    pulled = query(pe.node, "SELECT seq, report_id FROM inbox ORDER BY id")
    assert [r[0] for r in pulled] == list(range(1, vessels + 1))
    assert sorted(r[1] for r in pulled) == [f"r{i:05d}" for i in range(0, TOTAL, 10)]
    assert count(pe.node, "SELECT count(*) FROM statements WHERE schema != 'Vessel'") == 0


def _ignore_errors(call: Callable[[], None]) -> None:
    try:
        call()
    except (httpx.HTTPError, AssertionError):
        pass  # the server was killed under it
