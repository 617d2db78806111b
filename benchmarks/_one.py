"""Run one benchmark module in this process and print its result as JSON with peak RSS."""

from __future__ import annotations

import importlib
import json
import resource
import sys


def main() -> None:
    name = sys.argv[1]
    quick = "--quick" in sys.argv[2:]
    module = importlib.import_module(f"benchmarks.bench_{name}")
    result = dict(module.run(quick))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["quick"] = quick
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
