"""Start-up: what a process pays before it does anything, lazy imports against eager ones.

Every case runs as a fresh interpreter (subprocess), twice per round, in
alternation: *lazy* is the command as shipped (a command group's module is
imported only when it runs, analytics libraries only by the analyses); the
*eager* baseline first imports every CLI command module and every analytics
library the old start-up pulled in (what ``accord`` did before), then runs the
same command. Cases:

- ``help``: ``accord --help``;
- ``schema``: ``accord schema --help`` (one light command group);
- ``serve``: ``accord serve`` until ``GET /healthz`` answers (time to ready).

Figures are medians of CPU seconds (user + system of the child, read from
/proc at the moment it is ready, so the load from other work on the machine
does not inflate them) and of wall seconds. ``ratio`` = lazy / eager CPU for
``serve`` (below 1: the lazy start is cheaper).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLI = "accord.entrypoints.cli.main"
ANALYTICS = ("splink", "duckdb", "pandas", "pyarrow", "igraph", "leidenalg", "numpy",
             "private_set_intersection", "h3")
OLD_LIBS = ("duckdb", "pyarrow", "numpy", "igraph", "leidenalg",
            "private_set_intersection.python", "h3")
TICK = os.sysconf("SC_CLK_TCK")


def _eager_prelude() -> str:
    from accord.entrypoints.cli.main import COMMANDS

    modules = sorted({f"accord.entrypoints.cli.{e.module}" for e in COMMANDS.values()})
    return "; ".join(f"import {m}" for m in [*modules, *OLD_LIBS])


def _argv(eager: bool, args: list[str]) -> list[str]:
    if not eager:
        return [sys.executable, "-m", CLI, *args]
    code = f"{_eager_prelude()}\nfrom {CLI} import app\napp()"
    return [sys.executable, "-c", code, *args]


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _run_once(argv: list[str]) -> tuple[float, float]:
    """(wall, cpu) of a command that runs to completion."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[-3:]} exited {proc.returncode}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve_once(argv: list[str]) -> tuple[float, float]:
    """(wall, cpu) from spawning ``accord serve`` until /healthz answers 200."""
    port = _free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([*argv, "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"accord serve exited {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start, _cpu(proc.pid)
            except OSError:
                time.sleep(0.005)
    finally:
        proc.terminate()
        proc.wait(30)


def _modules_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return [m for m in ANALYTICS if m in loaded]


def _measure(once: Callable[[list[str]], tuple[float, float]], args: list[str],
             rounds: int) -> dict[str, Any]:
    runs: dict[str, list[tuple[float, float]]] = {"lazy": [], "eager": []}
    for _ in range(rounds):
        for kind in ("lazy", "eager"):
            runs[kind].append(once(_argv(kind == "eager", args)))
    out: dict[str, Any] = {}
    for kind, got in runs.items():
        out[f"{kind}_cpu_s"] = round(statistics.median(c for _, c in got), 3)
        out[f"{kind}_wall_s"] = round(statistics.median(w for w, _ in got), 3)
    out["ratio_cpu"] = round(out["lazy_cpu_s"] / out["eager_cpu_s"], 3)
    return out


def run(quick: bool) -> dict[str, Any]:
    rounds = 3 if quick else 10
    result: dict[str, Any] = {"rounds": rounds, "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        node = Path(tmp) / "node"
        subprocess.run([sys.executable, "-m", CLI, "init", "--node", str(node), "--node-id",
                        "xx-bench", "--country", "MX", "--json"], check=True,
                       capture_output=True)
        result["help"] = _measure(_run_once, ["--help"], rounds)
        result["schema"] = _measure(_run_once, ["schema", "--help"], rounds)
        result["serve"] = _measure(_serve_once, ["serve", "--node", str(node)], rounds)
    result["analytics_loaded_by_cli_import"] = _modules_after(f"import {CLI}")
    result["analytics_loaded_by_api_import"] = _modules_after(
        "import accord.entrypoints.cli.node, accord.entrypoints.api.app")
    result["load_after"] = os.getloadavg()
    result["ratio"] = result["serve"]["ratio_cpu"]
    return result
