"""Run the benchmarks: ``python -m benchmarks [--quick] [NAME ...]``.

Each ``benchmarks/bench_<name>.py`` defines ``run(quick: bool) -> dict``. Every
benchmark runs in a fresh subprocess so that its peak memory (max RSS) is its
own; results are printed as a table and written to ``bench-out/<name>.json``.
"""

from __future__ import annotations

import argparse
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

OUT = Path("bench-out")


def _names() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                  if m.name.startswith("bench_"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {_names()})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    console = Console()
    failed = 0
    for name in args.names or _names():
        console.rule(f"bench {name}")
        cmd = [sys.executable, "-m", "benchmarks._one", name] + (["--quick"] if args.quick else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            failed += 1
            console.print(f"[red]{name} failed[/red]\n{proc.stderr[-4000:]}")
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        (OUT / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        table = Table(title=name, show_header=True)
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, value in result.items():
            table.add_row(key, json.dumps(value) if not isinstance(value, str) else value)
        console.print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
