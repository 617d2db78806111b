"""Search latency over a synthetic store, against an indexed exact-match SELECT.

The store is filled by ``import_files`` with synthetic people (``_synthetic_jsonl``:
name, alias, birth date, nationality, phone), 1M statements (quick: 50k). Two
query sets are drawn from 200 random people:

- names, written the way an analyst types them: accents dropped, lower case,
  tokens reversed (``loera guzman joaquin`` for ``Joaquín Guzmán Loera``);
- phone numbers in another format (``0057 300 1234567`` for ``+57 300 123 4567``).

``search()`` is timed per query (p50/p99, milliseconds); ``recall_at_20`` is
the share of queries whose person is among the hits. The baseline, on the same
database in the same process, is the fastest way to find a name when you
already know its exact stored spelling: ``SELECT entity_id FROM statements
WHERE prop = 'name' AND value = ?`` on the (prop, value) index. ``ratio`` =
baseline p50 / search p50 over both sets (1 would be as fast as the exact
lookup; it is far below, because search does more).
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
import unicodedata
from pathlib import Path

from benchmarks._synthetic_jsonl import write_people

QUERIES = 200


def run(quick: bool) -> dict[str, object]:
    from accord.adapters.store import open_store
    from accord.domain.registry import load_registry
    from accord.services.ingest import import_files
    from accord.services.search import search

    size = 50_000 if quick else 1_000_000
    registry = load_registry()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        source = Path(tmp) / "people.jsonl"
        statements = write_people(source, size)
        db = Path(tmp) / "accord.db"
        store = open_store(f"sqlite:///{db}")
        import_files(store, [source], origin="CO", registry=registry)
        raw = sqlite3.connect(db)
        people = raw.execute("SELECT count(DISTINCT entity_id) FROM statements").fetchone()[0]
        rng = random.Random(11)
        picks = [f"per-{rng.randrange(people):07d}" for _ in range(QUERIES)]
        names = {eid: value for eid, value in raw.execute(
            "SELECT entity_id, value FROM statements WHERE prop = 'name' AND entity_id IN "
            f"({','.join('?' * len(picks))})", picks)}
        phones = {eid: value for eid, value in raw.execute(
            "SELECT entity_id, value FROM statements WHERE prop = 'phone' AND entity_id IN "
            f"({','.join('?' * len(picks))})", picks)}
        search(store, "warm up", registry=registry)

        def timed(query: str, target: str) -> tuple[float, bool]:
            start = time.perf_counter()
            hits = search(store, query, registry=registry)
            elapsed = time.perf_counter() - start
            return elapsed, target in {h.entity_id for h in hits}

        name_runs = [timed(_as_typed(names[eid]), eid) for eid in picks]
        phone_runs = [timed(_reformat(phones[eid]), eid) for eid in picks]
        base = []
        for eid in picks:
            start = time.perf_counter()
            found = raw.execute("SELECT entity_id FROM statements WHERE prop = 'name' AND "
                                "value = ?", (names[eid],)).fetchall()
            base.append(time.perf_counter() - start)
            assert (eid,) in found
        raw.close()
        store.close()
    both = [t for t, _ in name_runs + phone_runs]
    return {
        "statements": statements,
        "queries": 2 * QUERIES,
        "name_p50_ms": _ms(_pct([t for t, _ in name_runs], 50)),
        "name_p99_ms": _ms(_pct([t for t, _ in name_runs], 99)),
        "phone_p50_ms": _ms(_pct([t for t, _ in phone_runs], 50)),
        "phone_p99_ms": _ms(_pct([t for t, _ in phone_runs], 99)),
        "search_p50_ms": _ms(_pct(both, 50)),
        "search_p99_ms": _ms(_pct(both, 99)),
        "name_recall_at_20": sum(ok for _, ok in name_runs) / QUERIES,
        "phone_recall_at_20": sum(ok for _, ok in phone_runs) / QUERIES,
        "baseline_p50_ms": _ms(_pct(base, 50)),
        "baseline_p99_ms": _ms(_pct(base, 99)),
        "ratio": round(_pct(base, 50) / _pct(both, 50), 4),
    }


def _as_typed(name: str) -> str:
    """Accents off, lower case, tokens reversed: how a hurried analyst types a name."""
    plain = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return " ".join(reversed(plain.lower().split()))


def _reformat(e164: str) -> str:
    """``+573001234567`` -> ``0057 300 1234567``."""
    digits = e164[1:]
    return f"00{digits[:2]} {digits[2:5]} {digits[5:]}"


def _pct(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
