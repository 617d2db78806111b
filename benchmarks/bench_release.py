"""End-to-end release latency and throughput between two nodes on loopback.

Two real ``accord serve`` processes (the sender with ``--dispatch``), each with
its own SQLite store. A release's latency runs from the report change that
queued it (``outbox.created``, inside the report's transaction at the sender)
until the sender has recorded the recipient's signed receipt
(``outbox.delivered``): commit, wake-up, sealing, the HTTP round trip, every
recipient check, storing and the ledger entry at the recipient, the receipt's
signature check and settlement at the sender. Both times come from the same
clock.

Baseline, measured in the same run between the same two processes: the same
release bodies sent as plain, unauthenticated JSON POSTs to a benchmark-only
endpoint (``federation.bench_plain_endpoint``) that stores them exactly as the
inbox does, without envelope, checks, receipt or ledger; its latency runs from
just before the POST until the sender has the recipient's answer (received and
parsed, in the sender process, the same clock), where the secure figure ends
too. ``plain_to_store_p50_ms`` (and ``ratio_to_store``) keep the definition used
before: from the POST to the recipient's commit, without the answer's way back.

``ratio`` = secure p50 latency / plain p50 latency (goal <= 3, and p50 <= 50 ms).
Throughput: a bulk import queues ``bulk`` releases at once; releases/s is how
fast they arrive; the plain baseline sends the same bodies in batches of the
same size. On a shared machine the wall-clock figures move with the load, so
the CPU time both server processes spent per release during each bulk phase
is reported too (from ``/proc``; for the secure path from the end of the
import that queued the releases to the last receipt).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from accord.domain.users import Role
from accord.entrypoints.api.server import free_port
from accord.services.users import add_user

BATCH = 100


def _node(path: Path, node_id: str, country: str) -> Path:
    import yaml

    from accord.bootstrap import init_node

    init_node(path, node_id=node_id, country=country).node.close()
    raw = yaml.safe_load((path / "node.yaml").read_text())
    raw["federation"] = {"bench_plain_endpoint": True, "batch_size": BATCH,
                         "poll_seconds": 0.5}
    (path / "node.yaml").write_text(yaml.safe_dump(raw))
    return path


def _setup(root: Path, ports: dict[str, int]) -> str:
    from datetime import UTC, timedelta

    from accord.adapters.agreement_signing import sign_agreement
    from accord.bootstrap import open_node
    from accord.domain.agreement import Agreement
    from accord.domain.clause import Clause
    from accord.domain.markings import TLP
    from accord.services.agreements import store_agreement
    from accord.services.partners import pin_partner

    co, mx = open_node(root / "co"), open_node(root / "mx")
    now = datetime.now(UTC)
    agreement = Agreement(
        id="bench", title="Benchmark agreement", parties=("co-bench", "mx-bench"),
        valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=30),
        clauses=(Clause(id="c1", schemas=frozenset({"Person", "Phone", "Vessel"}),
                        purposes=frozenset({"interdiction"}), max_tlp=TLP.AMBER),)).propose()
    for node in (co, mx):
        agreement = sign_agreement(agreement, node.node_id, node.keys, now=now)
    keys = {n.node_id: n.keys.public_keys(n.node_id, n.config.country) for n in (co, mx)}
    agreement = agreement.activate(now, lambda p: keys[p])
    for node, other, name in ((co, mx, "mx"), (mx, co, "co")):
        store_agreement(node.store, agreement)
        pin_partner(node.store, other.keys.public_jwks(other.node_id, other.config.country),
                    url=f"http://127.0.0.1:{ports[name]}", me=node.node_id)
    _user, issued = add_user(co.store, "bench-analyst", Role.ANALYST)
    co.close()
    mx.close()
    return issued.secret


def _serve(node: Path, port: int, dispatch: bool, log: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "accord.entrypoints.cli.main", "serve", "--node", str(node),
            "--port", str(port), "--no-resolve"] + (["--dispatch"] if dispatch else [])
    with log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{node} did not start: {log.read_text()[-2000:]}")


_READERS: dict[Path, Any] = {}


def _db(node: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on ``node``'s store, through one read-only connection kept open (the
    harness polls often: opening a connection each time took CPU from the servers)."""
    import sqlite3

    conn = _READERS.get(node)
    if conn is None:
        conn = _READERS[node] = sqlite3.connect(f"file:{node / 'accord.db'}?mode=ro", uri=True,
                                                timeout=30, isolation_level=None)
    return conn.execute(sql).fetchall()


def _t(text: str) -> float:
    """Epoch seconds of a time SQLite holds as naive UTC text."""
    return datetime.fromisoformat(text + "+00:00").timestamp()


def _document(i: int) -> dict[str, Any]:
    return {"id": f"b{i:06d}", "title": "Go-fast sighting", "purpose": "interdiction",
            "markings": {"tlp": "AMBER"},
            "entities": [
                {"id": f"b{i:06d}-p", "schema": "Person",
                 "properties": {"name": [f"Juan Perez {i}"], "nationality": ["co"]}},
                {"id": f"b{i:06d}-ph", "schema": "Phone",
                 "properties": {"number": [f"+57300{i:07d}"]}}]}


def _wait(condition: Any, what: str, timeout: float = 600, every: float = 0.002) -> None:
    """Poll ``condition`` every ``every`` seconds (the figures come from the servers' own
    timestamps, so how often the harness looks changes only what it costs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(every)


def _cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds (user + system) the server processes have used so far (0 off Linux)."""
    total = 0.0
    for proc in procs:
        stat = Path(f"/proc/{proc.pid}/stat")
        if not stat.exists():
            return 0.0
        fields = stat.read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(quick: bool) -> dict[str, Any]:
    n_latency, n_bulk = (30, 300) if quick else (300, 3000)
    root = Path(tempfile.mkdtemp(prefix="accord-bench-release-"))
    ports = {"co": free_port(), "mx": free_port()}
    _node(root / "co", "co-bench", "CO")
    _node(root / "mx", "mx-bench", "MX")
    token = _setup(root, ports)
    procs = [_serve(root / "mx", ports["mx"], False, root / "mx.log"),
             _serve(root / "co", ports["co"], True, root / "co.log")]
    co_url = f"http://127.0.0.1:{ports['co']}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(timeout=600) as client:
            # warm up both paths (connections, caches)
            for i in range(5):
                client.post(f"{co_url}/api/v1/reports", json=_document(900_000 + i),
                            headers=headers).raise_for_status()
            _wait(lambda: _db(root / "mx", "SELECT count(*) FROM inbox")[0][0] == 5, "warm-up")
            # 1. latency, one release at a time
            for i in range(n_latency):
                client.post(f"{co_url}/api/v1/reports", json=_document(i),
                            headers=headers).raise_for_status()
                _wait(lambda i=i: _db(root / "mx", "SELECT count(*) FROM inbox")[0][0]
                      == 6 + i, "a release")
            _wait(lambda: _db(root / "co", "SELECT count(*) FROM outbox WHERE delivered IS "
                                           "NULL")[0][0] == 0, "the last receipt")
            secure = [(_t(done) - _t(created)) * 1000 for created, done in _db(
                root / "co", "SELECT created, delivered FROM outbox ORDER BY seq")][5:]
            legs = _legs(root, 6, 5 + n_latency)
            bodies = [json.loads(b) for (b,) in _db(
                root / "co", "SELECT body FROM outbox ORDER BY seq")][5:]
            # 2. plain baseline, the same bodies one at a time
            plain, plain_to_store = [], []
            for k, body in enumerate(bodies):
                body = _renamed(body, f"p{k}-", k + 1)
                answer = client.post(f"{co_url}/federation/v1/plain/send", json={
                    "partner": "mx-bench", "messages": [body], "batch": 1}).json()
                plain.append((answer["answered_at"][0] - answer["sent_at"][0]) * 1000)
                plain_to_store.append((answer["stored_at"][0] - answer["sent_at"][0]) * 1000)
            # 3. throughput: a bulk import queues n_bulk releases at once
            lines = []
            for i in range(n_latency, n_latency + n_bulk):
                doc = _document(i)
                lines.append(json.dumps({"kind": "report", **{k: v for k, v in doc.items()
                                                              if k != "entities"}}))
                lines += [json.dumps({"kind": "entity", "report": doc["id"], **e})
                          for e in doc["entities"]]
            before = _db(root / "mx", "SELECT count(*) FROM inbox")[0][0]
            client.post(f"{co_url}/api/v1/import", content="\n".join(lines) + "\n",
                        headers=headers).raise_for_status()
            cpu_start = _cpu(procs)
            _wait(lambda: _db(root / "co", "SELECT count(*) FROM outbox WHERE delivered IS "
                                           f"NOT NULL AND seq > {before}")[0][0] == n_bulk,
                  "the bulk releases", every=0.05)
            first, first_out, last = (_t(t) for t in _db(
                root / "co", "SELECT min(created), min(delivered), max(delivered) FROM outbox "
                             f"WHERE seq > {before}")[0])
            secure_rps = n_bulk / (last - first)
            accepted = _db(root / "mx", "SELECT count(*) FROM inbox")[0][0] - before
            if accepted != n_bulk:  # a receipt settles refusals too: count what arrived
                raise RuntimeError(f"{accepted} of {n_bulk} releases accepted: {_refusals(root)}")
            secure_cpu = _cpu(procs) - cpu_start
            bulk_bodies = [_renamed(json.loads(b), f"q{k}-", k + 1) for k, (b,) in enumerate(
                _db(root / "co", f"SELECT body FROM outbox WHERE seq > {before} ORDER BY seq"))]
            cpu_start = _cpu(procs)
            answer = client.post(f"{co_url}/federation/v1/plain/send", json={
                "partner": "mx-bench", "messages": bulk_bodies, "batch": BATCH}).json()
            plain_cpu = _cpu(procs) - cpu_start
            plain_rps = n_bulk / (max(answer["answered_at"]) - min(answer["sent_at"]))
            plain_rps_to_store = n_bulk / (max(answer["stored_at"]) - min(answer["sent_at"]))
    finally:
        for conn in _READERS.values():
            conn.close()
        _READERS.clear()
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    p50, p99 = _pct(secure, 0.5), _pct(secure, 0.99)
    plain_p50, plain_p99 = _pct(plain, 0.5), _pct(plain, 0.99)
    return {
        "releases_latency": len(secure), "releases_bulk": n_bulk,
        "secure_p50_ms": round(p50, 2), "secure_p99_ms": round(p99, 2),
        "plain_p50_ms": round(plain_p50, 2), "plain_p99_ms": round(plain_p99, 2),
        # the definition before: from the POST to the recipient's commit (no way back)
        "plain_to_store_p50_ms": round(_pct(plain_to_store, 0.5), 2),
        "ratio_to_store": round(p50 / _pct(plain_to_store, 0.5), 2),
        "plain_releases_per_s_to_store": round(plain_rps_to_store, 1),
        "secure_releases_per_s": round(secure_rps, 1), "plain_releases_per_s": round(plain_rps, 1),
        "ratio": round(p50 / plain_p50, 2),
        "throughput_ratio": round(plain_rps / secure_rps, 2),
        "mean_secure_ms": round(statistics.fmean(secure), 2),
        # where a single release's time goes: from outbox.created until the recipient
        # began its inbox transaction, and from there until the sender's receipt
        "secure_to_recipient_p50_ms": round(_pct(legs[0], 0.5), 2),
        "secure_back_p50_ms": round(_pct(legs[1], 0.5), 2),
        # the bulk: from outbox.created (the import's share step) to the first receipt
        "bulk_first_receipt_s": round(first_out - first, 3),
        "secure_cpu_ms_per_release": round(secure_cpu * 1000 / n_bulk, 2),
        "plain_cpu_ms_per_release": round(plain_cpu * 1000 / n_bulk, 2),
        "workdir": str(root),
    }


def _refusals(root: Path) -> list[tuple[Any, ...]]:
    return _db(root / "mx", "SELECT reason, count(*) FROM refusals GROUP BY reason")


def _legs(root: Path, first: int, last: int) -> tuple[list[float], list[float]]:
    """Per release (seq ``first``..``last``): ms from ``outbox.created`` to the recipient's
    ``inbox.received`` (when its inbox transaction began), and from there to
    ``outbox.delivered`` (the sender has the receipt). The clocks are the same."""
    sent = {m: (_t(c), _t(d)) for m, c, d in _db(
        root / "co", "SELECT message_id, created, delivered FROM outbox WHERE seq BETWEEN "
                     f"{first} AND {last}")}
    there, back = [], []
    for message_id, received in _db(root / "mx", "SELECT message_id, received FROM inbox"):
        if message_id in sent:
            created, delivered = sent[message_id]
            there.append((_t(received) - created) * 1000)
            back.append((delivered - _t(received)) * 1000)
    return there, back


def _renamed(body: dict[str, Any], prefix: str, seq: int) -> dict[str, Any]:
    """The same release under new ids, so the recipient stores it afresh."""
    rid = prefix + body["report_id"]
    body = {**body, "report_id": rid, "seq": seq, "report": {**body["report"], "id": rid}}
    body["statements"] = [{**s, "entity": prefix + s["entity"]} for s in body["statements"]]
    return body
