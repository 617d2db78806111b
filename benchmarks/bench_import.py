"""Bulk import rate and memory: ``import_files`` against raw ``sqlite3.executemany``.

For each size a synthetic JSONL file is generated (``_synthetic_jsonl``: people
with five statements each) and imported into a fresh SQLite store in a child
process, which reports its import time and its peak RSS (so each size's memory
is its own). The baseline, in this process, copies exactly the rows that
import wrote — statements, name-index and identifier-index rows, in the
import's order (file order, sorted by key within batches of 2 000) — into
another fresh store of the same schema with bare ``sqlite3`` ``executemany``
calls; only those calls and the commit are timed.

``ratio`` = baseline time ÷ import time (= import statements/s ÷ baseline
statements/s) at the largest size, on CPU time (user + system, so writes are
counted): the development machine is shared, and wall-clock time of two runs
made minutes apart mostly measures how busy the others were. Wall-clock rates
and ``wall_ratio`` are reported too. Memory is flat when ``import_rss_mb``
hardly grows from the small size to the large one.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from accord.adapters.store.engine import SQLITE_CACHE_KIB
from benchmarks._synthetic_jsonl import write_people

BATCH = 2000


def run(quick: bool) -> dict[str, object]:
    sizes = [20_000] if quick else [100_000, 1_000_000]
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for size in sizes:
            source = Path(tmp) / f"people-{size}.jsonl"
            statements = write_people(source, size)
            imported = Path(tmp) / f"import-{size}.db"
            child = _child(source, imported)
            base_wall, base_cpu = baseline(imported, Path(tmp) / f"baseline-{size}.db")
            out[f"statements_{size}"] = statements
            out[f"file_mb_{size}"] = round(source.stat().st_size / 2**20, 1)
            out[f"import_stmts_per_s_{size}"] = round(statements / child["seconds"])
            out[f"baseline_stmts_per_s_{size}"] = round(statements / base_wall)
            out[f"wall_ratio_{size}"] = round(base_wall / child["seconds"], 3)
            out[f"import_cpu_stmts_per_s_{size}"] = round(statements / child["cpu_seconds"])
            out[f"baseline_cpu_stmts_per_s_{size}"] = round(statements / base_cpu)
            out[f"ratio_{size}"] = round(base_cpu / child["cpu_seconds"], 3)
            out[f"import_rss_mb_{size}"] = child["rss_mb"]
            source.unlink()
    out["ratio"] = out[f"ratio_{sizes[-1]}"]
    if len(sizes) > 1:
        out["rss_growth"] = round(float(out[f"import_rss_mb_{sizes[-1]}"])  # type: ignore[arg-type]
                                  / float(out[f"import_rss_mb_{sizes[0]}"]), 2)  # type: ignore[arg-type]
    return out


def _child(source: Path, db: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_import", str(source), str(db)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"import child failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def import_once(source: Path, db: Path) -> dict[str, float]:
    """In the child: import ``source`` into a new store at ``db``; time and peak RSS."""
    from accord.adapters.store import open_store
    from accord.domain.registry import load_registry
    from accord.services.ingest import import_files

    store = open_store(f"sqlite:///{db}")
    registry = load_registry()
    start, cpu = time.perf_counter(), time.process_time()
    result = import_files(store, [source], origin="CO", registry=registry)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    store.close()
    assert result.rejected == 0 and result.statements_new > 0
    return {"seconds": seconds, "cpu_seconds": cpu, "statements": result.statements_new,
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def baseline(imported: Path, db: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for raw executemany to write the rows the import wrote."""
    from accord.adapters.store import open_store

    open_store(f"sqlite:///{db}").close()
    src = sqlite3.connect(imported)
    dst = sqlite3.connect(db, isolation_level=None)
    # The store's own settings (accord.adapters.store.engine), so only the code differs.
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    dst.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    dst.execute("BEGIN")
    dst.executemany("INSERT INTO reports VALUES (" + ",".join("?" * 13) + ")",
                    src.execute("SELECT * FROM reports").fetchall())
    columns = ("pk, id, entity_id, schema, prop, value, original_value, report_id, origin, "
               "marking, grading, first_seen, last_seen, retracted")
    rows = src.execute(f"SELECT {columns} FROM statements ORDER BY entity_id, prop")
    seconds = cpu = 0.0
    while batch := rows.fetchmany(BATCH):
        batch.sort()
        pks = [(row[0],) for row in batch]
        names = _fetch(src, "SELECT rowid, keys FROM search_names WHERE rowid = ?", pks)
        idents = _fetch(src, "SELECT statement_pk, key FROM search_identifiers "
                             "WHERE statement_pk = ?", pks)
        start, started_cpu = time.perf_counter(), time.process_time()
        dst.executemany("INSERT INTO statements VALUES (" + ",".join("?" * 14) + ")", batch)
        dst.executemany("INSERT INTO search_names (rowid, keys) VALUES (?, ?)", names)
        dst.executemany("INSERT INTO search_identifiers VALUES (?, ?)", idents)
        seconds += time.perf_counter() - start
        cpu += time.process_time() - started_cpu
    start, started_cpu = time.perf_counter(), time.process_time()
    dst.execute("COMMIT")
    seconds += time.perf_counter() - start
    cpu += time.process_time() - started_cpu
    src.close()
    dst.close()
    return seconds, cpu


def _fetch(conn: sqlite3.Connection, sql: str, keys: list[tuple[int]]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for key in keys:
        out.extend(conn.execute(sql, key).fetchall())
    return out


if __name__ == "__main__":
    print(json.dumps(import_once(Path(sys.argv[1]), Path(sys.argv[2]))))
