"""PSI hit/no-hit: time and bytes on the wire, against a plaintext hash-join.

The owner holds 1M phone items (quick: 100k); the asker asks 10k and 100k items
(quick: 1k), a tenth of which the owner holds. For each size:

* PSI (``accord.adapters.psi.OpenMinedPsi``, ECDH over P-256): the owner's setup
  (built once per epoch and cached, so reported apart), then per query the
  asker's request, the owner's response and the asker's intersection; bytes
  of request + response (+ setup, when the asker has not cached it).
* Baseline: the asker sends its items in the clear as JSON, the owner joins
  them with a hash set of its items and returns the hits as JSON — what a
  node would do without privacy.

``ratio`` is PSI CPU time per query over plaintext CPU time per query at the
largest size (CPU rather than wall time: wall times depend on the shared
machine's load; both are reported, and both sides run in this one process).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import TypeVar

from accord.adapters.psi import OpenMinedPsi, new_key

T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - start, time.process_time() - cpu


def _phones(n: int, rng: random.Random) -> list[str]:
    numbers = rng.sample(range(10**9), n)
    return [f"phone:+573{x:09d}" for x in numbers]


def _plaintext(asked: list[str], owner_set: set[str]) -> tuple[list[str], int]:
    request = json.dumps(asked).encode()
    received = json.loads(request)
    hits = [x for x in received if x in owner_set]
    response = json.dumps(hits).encode()
    return json.loads(response), len(request) + len(response)


def run(quick: bool) -> dict[str, object]:
    rng = random.Random("bench-psi")
    server_n = 100_000 if quick else 1_000_000
    client_sizes = [1_000] if quick else [10_000, 100_000]
    universe = _phones(server_n + max(client_sizes), rng)
    owner = universe[:server_n]
    outsiders = universe[server_n:]
    engine = OpenMinedPsi()
    key = new_key()
    out: dict[str, object] = {"server_items": server_n}

    setup, setup_s, setup_cpu = _timed(
        lambda: engine.setup(owner, key=key, max_client_items=max(client_sizes)))
    owner_set, plain_setup_s, _ = _timed(lambda: set(owner))
    out.update({"psi_setup_s": round(setup_s, 2), "psi_setup_cpu_s": round(setup_cpu, 2),
                "psi_setup_bytes": len(setup),
                "psi_setup_bytes_per_item": round(len(setup) / server_n, 2),
                "plain_setup_s": round(plain_setup_s, 3)})

    ratio = None
    for n in client_sizes:
        held = n // 10
        asked = rng.sample(owner, held) + outsiders[: n - held]
        rng.shuffle(asked)
        (client_key, request), req_s, req_cpu = _timed(
            lambda asked=asked: engine.request(asked, reveal=True))
        response, resp_s, resp_cpu = _timed(
            lambda request=request: engine.respond(request, key=key, reveal=True))
        found, int_s, int_cpu = _timed(
            lambda ck=client_key, r=response: engine.intersection(ck, setup, r))
        (plain_hits, plain_bytes), plain_s, plain_cpu = _timed(
            lambda asked=asked: _plaintext(asked, owner_set))
        psi_hits = {asked[i] for i in found}
        query_s = req_s + resp_s + int_s
        wire = len(request) + len(response)
        out.update({
            f"c{n}_psi_request_s": round(req_s, 2), f"c{n}_psi_response_s": round(resp_s, 2),
            f"c{n}_psi_intersection_s": round(int_s, 2),
            f"c{n}_psi_query_s": round(query_s, 2),
            f"c{n}_psi_query_cpu_s": round(req_cpu + resp_cpu + int_cpu, 2),
            f"c{n}_psi_query_with_setup_s": round(query_s + setup_s, 2),
            f"c{n}_psi_bytes": wire, f"c{n}_psi_bytes_with_setup": wire + len(setup),
            f"c{n}_plain_s": round(plain_s, 4), f"c{n}_plain_cpu_s": round(plain_cpu, 4),
            f"c{n}_plain_bytes": plain_bytes,
            f"c{n}_hits": len(psi_hits), f"c{n}_agrees_with_plaintext": psi_hits == set(plain_hits),
            f"c{n}_time_ratio": round(query_s / plain_s, 1),
            f"c{n}_cpu_ratio": round((req_cpu + resp_cpu + int_cpu) / plain_cpu, 1),
            f"c{n}_bytes_ratio": round(wire / plain_bytes, 2),
        })
        ratio = round((req_cpu + resp_cpu + int_cpu) / plain_cpu, 1)
    out["ratio"] = ratio
    return out
