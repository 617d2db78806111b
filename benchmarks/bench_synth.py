"""Synthetic-world generation rate and memory: ``accord.synth.generate`` against raw writes.

Each scale runs in a child process (so its peak RSS is its own): it generates
the five-nation world with seed 7 into a temporary directory, timed, then —
as the baseline, in the same process — writes the same number of lines
again by serialising representative lines of that world (the first 20 000 of
each file, parsed back) with orjson into a file of the same buffering, which
is the least any generator must do. ``ratio`` = generator statements/s ÷
baseline statements/s for the largest scale; memory is flat when ``rss_mb``
hardly grows from medium to large (8× the statements).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import orjson

SAMPLE_LINES = 20_000


def run(quick: bool) -> dict[str, object]:
    scales = ["small"] if quick else ["medium", "large"]
    out: dict[str, object] = {}
    for scale in scales:
        child = _child(scale)
        for key, value in child.items():
            out[f"{scale}_{key}"] = value
    last = scales[-1]
    out["ratio"] = out[f"{last}_ratio"]
    if len(scales) > 1:
        out["rss_growth"] = round(float(out["large_rss_mb"])  # type: ignore[arg-type]
                                  / float(out["medium_rss_mb"]), 2)  # type: ignore[arg-type]
    return out


def _child(scale: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_synth", scale],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"synth child failed for {scale}:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _measure(scale: str) -> dict[str, float]:
    from accord.synth import generate

    with tempfile.TemporaryDirectory(prefix=f"bench-synth-{scale}-") as tmp:
        out = Path(tmp) / "world"
        cpu0 = _cpu()
        start = time.perf_counter()
        summary = generate(out, scale=scale, seed=7)
        seconds = time.perf_counter() - start
        cpu = _cpu() - cpu0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = sum(p.stat().st_size for p in out.iterdir())
        sample = [orjson.loads(line) for code in summary.nations
                  for line in islice((out / f"{code}.jsonl").open("rb"), SAMPLE_LINES)]
        base_path = Path(tmp) / "baseline.jsonl"
        start = time.perf_counter()
        with base_path.open("wb", buffering=1 << 20) as fh:
            for line in islice(cycle(sample), summary.lines):
                fh.write(orjson.dumps(line))
                fh.write(b"\n")
        base_seconds = time.perf_counter() - start
    per_line = summary.statements / summary.lines
    ours = summary.statements / seconds
    theirs = summary.lines * per_line / base_seconds
    return {
        "statements": summary.statements, "lines": summary.lines,
        "files_mb": round(size / 2**20, 1), "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1), "stmts_per_s": round(ours),
        "stmts_per_cpu_s": round(summary.statements / cpu),
        "baseline_stmts_per_s": round(theirs), "ratio": round(ours / theirs, 3),
        "rss_mb": round(rss, 1),
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1])))
