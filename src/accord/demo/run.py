"""``run_demo``: the multi-nation demo behind ``accord demo`` (docs/demo.md).

It starts one node per nation as a real HTTP server on loopback,
each with its own SQLite store, plays the story in ``flow.STEPS`` (a
synthetic world imported, agreements signed, releases flowing, four-eyes
approvals, a revocation) and returns the JSON summary built by
``summary.SECTIONS``. It always stops the servers, and removes its work
directory unless one was given.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accord.demo import DEFAULT_NATIONS, DEFAULT_SEED
from accord.demo.cluster import Cluster, DemoError
from accord.demo.flow import STEPS, DemoRun
from accord.demo.summary import SECTIONS
from accord.domain.errors import Conflict

__all__ = ["DemoError", "run_demo"]


def run_demo(*, workdir: Path | None = None, seed: int = DEFAULT_SEED,
             nations: tuple[str, ...] = DEFAULT_NATIONS,
             say: Callable[[str], None] = lambda _line: None) -> dict[str, Any]:
    """Play the demo and return its summary. ``workdir`` (new or empty) keeps the nodes'
    directories for inspection afterwards; without it a temporary one is removed."""
    started = time.monotonic()
    if workdir is not None:
        if workdir.exists() and (not workdir.is_dir() or any(workdir.iterdir())):
            raise Conflict("the demo needs a new or empty directory", where=str(workdir))
        root = workdir
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="accord-demo-"))
    summary: dict[str, Any] = {"seed": seed, "nations": list(nations)}
    restore = _stop_on_sigterm()
    try:
        with Cluster(root) as cluster:
            run = DemoRun(root=root, seed=seed, nations=list(nations), cluster=cluster,
                          say=say)
            try:
                for name, step in STEPS:
                    begun = time.monotonic()
                    step(run)
                    run.timings[f"{name}_s"] = round(time.monotonic() - begun, 2)
                for name, section in SECTIONS:
                    summary[name] = section(run)
            finally:
                run.close()
        if run.watch is not None and run.watch.thread is not None:
            run.watch.thread.join(10)  # its stream ended with the servers
        summary["workdir"] = str(root) if workdir is not None else None
        summary["timings_s"] = {**{k: v for k, v in run.timings.items()},
                                "total_s": round(time.monotonic() - started, 2)}
        return summary
    finally:
        restore()
        if workdir is None:
            shutil.rmtree(root, ignore_errors=True)


def _stop_on_sigterm() -> Callable[[], None]:
    """Treat SIGTERM like Ctrl-C while the demo runs, so the servers are stopped and the
    temporary directory removed; returns what puts the previous handler back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
