"""Hit/no-hit between two nodes, end to end, against the matching core alone.

Two real nodes (SQLite) in a temporary directory under a hit-only agreement;
the owner holds ``reports`` reports with one phone each (full: 2,000, quick:
200); the asker asks 100 phones, a tenth of which the owner holds. The
exchange goes through everything a deployment runs: normalisation, PSI,
envelopes sealed and opened both ways, the federation route (in-process
HTTP), the owner's agreement check, persisted rate bucket, holdings (every
report decided for the partner with ``Action.RESPOND``), the query log, hits
and ledger entries on both sides.

* ``cold``: the first query, which builds the owner's holdings and PSI setup;
* ``warm``: the next ones (holdings and setup kept while nothing changed);
* baseline: the core alone (``ask``/``answer``/``read_hits``) on the same items,
  in this process.

``ratio`` = warm end-to-end CPU time per query / core CPU time per query. The
deconfliction figures compare one operation check (96 hours, against 8 active
operations) on 1-hour and 3-hour slots, core only.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from fastapi.testclient import TestClient

from accord.adapters.agreement_signing import sign_agreement
from accord.adapters.psi import OpenMinedPsi, new_key
from accord.adapters.query_transport import HttpQueryTransport
from accord.bootstrap import Node, init_node
from accord.domain.agreement import Agreement
from accord.domain.clause import Clause, Mode
from accord.domain.deconfliction import (
    Grid,
    ask_operation,
    cells_around,
    conflicting_labels,
    make_operation,
    prepare_operations,
)
from accord.domain.markings import TLP
from accord.domain.query import answer, ask, prepare_registry, read_hits
from accord.domain.query_request import QueryRequest, identifier
from accord.domain.ratelimit import RateLimiter
from accord.entrypoints.api.app import create_app
from accord.services import queries, reports
from accord.services.agreements import store_agreement
from accord.services.partners import pin_partner

T = TypeVar("T")
ASKED = 100
WARM_QUERIES = 5


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - start, time.process_time() - cpu


def _nodes(root: Path) -> tuple[Node, Node]:
    now = datetime.now(UTC)
    co = init_node(root / "co", node_id="co-dijin", country="CO").node
    mx = init_node(root / "mx", node_id="mx-fgr", country="MX").node
    for me, other in ((co, mx), (mx, co)):
        pin_partner(me.store, other.keys.public_jwks(other.node_id, other.config.country),
                    url=f"http://{other.node_id}.test", me=me.node_id, push=True, pull=False)
    agreement = Agreement(
        id="agr-bench", title="bench", parties=(co.node_id, mx.node_id),
        valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=30),
        clauses=(Clause(id="c1", schemas=frozenset({"Person", "Phone"}),
                        purposes=frozenset({"interdiction"}), max_tlp=TLP.AMBER,
                        mode=Mode.HIT_ONLY),)).propose()
    for node in (co, mx):
        agreement = sign_agreement(agreement, node.node_id, node.keys, now=now)
    keys = {n.node_id: n.keys.public_keys(n.node_id, n.config.country) for n in (co, mx)}
    active = agreement.activate(now, lambda party: keys[party])
    for node in (co, mx):
        store_agreement(node.store, active)
    return co, mx


def _phones(n: int, rng: random.Random) -> list[str]:
    return [f"+52 55 {x // 10_000:04d} {x % 10_000:04d}" for x in rng.sample(range(10**8), n)]


def _deconfliction(bucket_hours: int) -> tuple[float, int]:
    grid = Grid(bucket=timedelta(hours=bucket_hours))
    engine = OpenMinedPsi()
    now = datetime.now(UTC)
    start = now + timedelta(days=1)
    ops = [make_operation(grid, f"o{i}", cells_around(grid, 4.6 + i * 0.01, -74.0, 300),
                          start, start + timedelta(hours=96)) for i in range(8)]

    def check() -> int:
        registry = prepare_operations(engine, grid, ops, now=now, key=new_key(),
                                      reference_key=b"r" * 32, epoch="e",
                                      valid_until=now + timedelta(days=1),
                                      max_client_items=100_000)
        state, query = ask_operation(engine, grid, ops[0], query_id="q")
        reply = answer(engine, query, registry, partner="p", limiter=RateLimiter(),
                       contact="c", now=now)
        conflicting_labels(engine, state, reply)
        return len(state.items)

    tokens, _wall, cpu = _timed(check)
    return cpu, tokens


def run(quick: bool) -> dict[str, object]:
    rng = random.Random("bench-query-exchange")
    n_reports = 200 if quick else 2_000
    owned = _phones(n_reports, rng)
    out: dict[str, object] = {"owner_reports": n_reports, "asked": ASKED}
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        co, mx = _nodes(Path(tmp))
        for i, phone in enumerate(owned):
            reports.create_report(mx.store, {
                "id": f"mx-r{i}", "title": f"r{i}", "purpose": "interdiction",
                "markings": {"tlp": "AMBER"},
                "entities": [{"id": f"mx-ph{i}", "schema": "Phone",
                              "properties": {"number": [phone]}}]},
                origin=mx.node_id, registry=mx.registry)
        app = TestClient(create_app(mx))

        def route(request: httpx.Request) -> httpx.Response:
            reply = app.request(request.method, request.url.raw_path.decode(),
                                content=request.content, headers=dict(request.headers))
            return httpx.Response(reply.status_code, content=reply.content)

        transport = HttpQueryTransport(client=httpx.Client(transport=httpx.MockTransport(route)))

        def batch() -> list[str]:
            held = rng.sample(owned, ASKED // 10)
            return held + _phones(ASKED - len(held), rng)

        def exchange(asked: list[str]) -> int:
            request = QueryRequest(tuple(identifier("phone", p) for p in asked))
            return len(queries.ask_partner(co, "mx-fgr", request, purpose="interdiction",
                                           actor="bench", transport=transport).hits)

        hits, cold_s, cold_cpu = _timed(lambda: exchange(batch()))
        warm_cpu = warm_s = 0.0
        for _ in range(WARM_QUERIES):
            found, wall, cpu = _timed(lambda: exchange(batch()))
            warm_s, warm_cpu = warm_s + wall, warm_cpu + cpu
        transport.close()
        app.close()
        co.close()
        mx.close()

    engine = OpenMinedPsi()
    items = [f"phone:{p.replace(' ', '')}" for p in owned]
    key = new_key()
    registry = prepare_registry(engine, "phone", {"H0": items}, key=key,
                                reference_key=b"r" * 32, epoch="e",
                                valid_until=datetime.now(UTC) + timedelta(days=1),
                                max_client_items=1000)

    def core() -> int:
        asked = rng.sample(items, ASKED // 10) + [f"phone:+5299{x:08d}" for x in
                                                  rng.sample(range(10**8), ASKED * 9 // 10)]
        state, query = ask(engine, "phone", asked, query_id="q")
        reply = answer(engine, query, registry, partner="p", limiter=RateLimiter(),
                       contact="c", now=datetime.now(UTC))
        return len(read_hits(engine, state, reply))

    core_cpu = 0.0
    for _ in range(WARM_QUERIES):
        core_hits, _wall, cpu = _timed(core)
        core_cpu += cpu
    one_hour_cpu, one_hour_tokens = _deconfliction(1)
    three_hour_cpu, three_hour_tokens = _deconfliction(3)
    warm_per_query = warm_cpu / WARM_QUERIES
    core_per_query = core_cpu / WARM_QUERIES
    out.update({
        "cold_hits": hits, "warm_hits_last": found, "core_hits_last": core_hits,
        "cold_s": round(cold_s, 3), "cold_cpu_s": round(cold_cpu, 3),
        "warm_s_per_query": round(warm_s / WARM_QUERIES, 4),
        "warm_cpu_s_per_query": round(warm_per_query, 4),
        "core_cpu_s_per_query": round(core_per_query, 4),
        "deconfliction_check_cpu_s_1h": round(one_hour_cpu, 3),
        "deconfliction_tokens_1h": one_hour_tokens,
        "deconfliction_check_cpu_s_3h": round(three_hour_cpu, 3),
        "deconfliction_tokens_3h": three_hour_tokens,
        "ratio": round(warm_per_query / core_per_query, 2),
    })
    return out
