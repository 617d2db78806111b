"""Running the API with uvicorn: in the foreground (``accord serve``) or briefly in a
background thread (the demo, tests).

Uvicorn's logs, access log included, go to stderr, so that a command's stdout
stays its one JSON document.
"""

from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

STARTUP_TIMEOUT_S = 15.0


def log_config() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    return config


def serve_forever(app: FastAPI, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM)."""
    uvicorn.run(app, host=host, port=port, log_config=log_config(), server_header=False)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, host: str = "127.0.0.1", port: int | None = None,
            *, log_level: str = "warning") -> Iterator[str]:
    """Serve ``app`` in a background thread for the ``with`` block; yields the base URL."""
    config = uvicorn.Config(app, host=host, port=port or free_port(host), log_level=log_level,
                            log_config=log_config(), server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="accord-api", daemon=True)
    thread.start()
    # Wait on uvicorn's own "started" flag (set once the socket listens);
    # the thread ending early means startup failed.
    tick = threading.Event()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        tick.wait(0.02)
    if not server.started:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        raise RuntimeError(f"the API server did not start on {host}:{config.port}")
    try:
        yield f"http://{host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
