"""The demo's nodes: one directory and one real HTTP server process per nation.

``Cluster`` initialises each node (SQLite store, keys, users with a token
each), then runs ``accord serve --dispatch`` for it in a subprocess on a free
loopback port, and stops every server when it is closed, also after an error
or Ctrl-C (terminate, then kill after a grace period). Server logs go to
``<workdir>/logs/<nation>.log``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import yaml

from accord.bootstrap import Node, init_node, open_node
from accord.domain.users import Role
from accord.services.users import add_user

STARTUP_SECONDS = 60.0
STOP_SECONDS = 10.0
USERS = (("analyst", Role.ANALYST), ("supervisor", Role.SUPERVISOR),
         ("liaison", Role.LIAISON), ("auditor", Role.AUDITOR))
# Delivery tuned for a demo on one machine: partners answer in milliseconds.
FEDERATION = {"poll_seconds": 0.2, "backoff_base_seconds": 0.2, "backoff_max_seconds": 2.0,
              "batch_size": 200}


class DemoError(Exception):
    """The demo could not go on; the message says where and why."""


@dataclass
class DemoNode:
    """One nation's node: its directory, server and users' tokens."""

    nation: str
    node_id: str
    name: str
    path: Path
    port: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self) -> Node:
        """The node, opened in this process (close it after use)."""
        return open_node(self.path)

    def api(self, method: str, path: str, *, as_: str, timeout: float = 120.0,
            **kwargs: Any) -> Any:
        """Call this node's API as one of the demo's users; the JSON answer, or
        ``DemoError`` with the node's error message."""
        headers = {"Authorization": f"Bearer {self.tokens[as_]}"}
        try:
            response = httpx.request(method, f"{self.url}/api/v1{path}", headers=headers,
                                     timeout=timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoError(f"{self.node_id}: {method} {path}: {exc}") from None
        if response.status_code >= 400:
            error = response.json().get("error", {}) if response.content else {}
            raise DemoError(f"{self.node_id}: {method} {path}: HTTP {response.status_code} "
                            f"{error.get('code')}: {error.get('message')}")
        return response.json()


class Cluster:
    """The demo's nodes; a context manager that always stops their servers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.nodes: dict[str, DemoNode] = {}
        (root / "logs").mkdir(parents=True, exist_ok=True)

    def init(self, nation: str, node_id: str, name: str) -> DemoNode:
        """A node for ``nation`` in ``root/<nation>``, with one user per role and the
        demo's delivery settings."""
        path = self.root / nation.lower()
        made = init_node(path, node_id=node_id, country=nation, name=name,
                         contact=f"duty-desk@{node_id}.example")
        demo_node = DemoNode(nation, node_id, name, path)
        with made.node as node:
            demo_node.tokens["admin"] = made.admin_token
            for user, role in USERS:
                demo_node.tokens[user] = add_user(node.store, user, role,
                                                  token_label="accord demo")[1].secret
        config = path / "node.yaml"
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw["federation"] = {**raw.get("federation", {}), **FEDERATION}
        config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        self.nodes[nation] = demo_node
        return demo_node

    def start(self, demo_node: DemoNode) -> None:
        """Start the node's server (``accord serve --dispatch``) without waiting for it."""
        from accord.entrypoints.api.server import free_port

        demo_node.port = free_port()
        demo_node.log = self.root / "logs" / f"{demo_node.nation.lower()}.log"
        with demo_node.log.open("wb") as log:
            demo_node.process = subprocess.Popen(
                [sys.executable, "-m", "accord.entrypoints.cli.main", "serve", "--node",
                 str(demo_node.path), "--port", str(demo_node.port), "--dispatch",
                 "--no-resolve"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)

    def wait_until_serving(self) -> None:
        """Wait until every started server answers ``/healthz``."""
        for demo_node in self.nodes.values():
            self._wait_healthy(demo_node)

    def _wait_healthy(self, demo_node: DemoNode) -> None:
        assert demo_node.process is not None
        tick = threading.Event()
        deadline = _clock() + STARTUP_SECONDS
        while _clock() < deadline:
            if demo_node.process.poll() is not None:
                raise DemoError(f"the server of {demo_node.node_id} exited "
                                f"({demo_node.process.returncode}): {self._tail(demo_node)}")
            try:
                if httpx.get(f"{demo_node.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            tick.wait(0.1)
        raise DemoError(f"the server of {demo_node.node_id} did not answer within "
                        f"{STARTUP_SECONDS:.0f} s: {self._tail(demo_node)}")

    @staticmethod
    def _tail(demo_node: DemoNode) -> str:
        if demo_node.log is None or not demo_node.log.exists():
            return "no log"
        lines = demo_node.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return " | ".join(lines[-5:]) or "empty log"

    def stop(self) -> None:
        """Stop every server: SIGTERM, then SIGKILL after a grace period."""
        running = [n.process for n in self.nodes.values()
                   if n.process is not None and n.process.poll() is None]
        for process in running:
            _signal(process, signal.SIGTERM)
        for process in running:
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait(STOP_SECONDS)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the demo dies, so that no
    server outlives a demo killed without a chance to stop it (prctl PR_SET_PDEATHSIG)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))
    except OSError:
        pass


def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # its own session: the server and anything it started
    except (ProcessLookupError, PermissionError):
        pass


def _clock() -> float:
    return time.monotonic()
