"""The demo's story, step by step, through the same services and API a deployment uses.

``STEPS`` run in order on a ``DemoRun``; each does one thing and says so:

1. ``world``: a small synthetic world (seeded), one file per nation;
2. ``nodes``: a node per nation (own SQLite store, keys, one user per role)
   served by ``accord serve --dispatch`` on a free loopback port;
3. ``partners``: every node pins every other's keys, checking the
   fingerprint it was given out of band (``accord partner add --fingerprint``);
4. ``agreements``: each template in ``agreements/`` is drafted and proposed
   by its first party's liaison officer and signed by every party, through
   the API; it becomes active on every node;
5. ``watch``: an analyst at the first node that is not the first nation
   watches the live stream (SSE) for the rest of the run;
6. ``import``: each nation's analyst imports its view through the API;
   sharing decides per partner and the dispatchers deliver;
7. ``approvals``: supervisors approve what four-eyes clauses held (one is
   refused, to protect a source), and the releases go;
8. ``live``: the first nation's analyst writes reports one at a time through
   the API, as in daily work (their releases give the latency figures);
   ``queries``, ``deconfliction``: hit/no-hit, a follow-up that becomes a release, and
   colliding operations found between partners (``accord.demo.queries``);
9. ``revoke``: a party revokes one agreement; it is revoked everywhere.

Waits have deadlines; nothing waits for a keypress.
"""

from __future__ import annotations

import json
import string
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml

from accord.adapters.partner_keys import fingerprint
from accord.adapters.store.outbox import PENDING
from accord.adapters.transport import HttpTransport
from accord.bootstrap import Node
from accord.demo.cluster import Cluster, DemoError, DemoNode
from accord.demo.queries import step_deconfliction, step_queries
from accord.services.partners import add_partner
from accord.synth import SynthSummary, generate

SETTLE_SECONDS = 120.0
# A world small enough to import in seconds, large enough for every kind of decision.
WORLD_DAYS = 30
WORLD_STATEMENTS = 4000
REFUSAL_NOTE = "source protection: the debrief could identify the informant"


@dataclass
class StreamWatch:
    """Counts the live events one node's stream delivers while the demo runs."""

    node: DemoNode
    counts: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    ready: threading.Event = field(default_factory=threading.Event)
    error: str | None = None
    thread: threading.Thread | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.node.tokens['analyst']}"}
        try:
            with httpx.stream("GET", f"{self.node.url}/api/v1/stream", headers=headers,
                              timeout=httpx.Timeout(10, read=None)) as response:
                name = ""
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        name = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and name == "ready":
                        self.ready.set()
                    elif line.startswith("data:"):
                        self.counts[name] += 1
                        if name == "alert":
                            self.alerts[json.loads(line.split(":", 1)[1]).get("kind", "")] += 1
        except httpx.HTTPError as exc:  # the server stopped: the demo is over
            self.error = None if self.ready.is_set() else str(exc)
        finally:
            self.ready.set()


@dataclass
class DemoRun:
    """Everything the steps build and the summary reads."""

    root: Path
    seed: int
    nations: list[str]
    cluster: Cluster
    say: Callable[[str], None]
    world: SynthSummary | None = None
    agreements: list[dict[str, Any]] = field(default_factory=list)
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)
    approvals: dict[str, dict[str, int]] = field(default_factory=dict)
    revoked: dict[str, Any] | None = None
    watch: StreamWatch | None = None
    opened: dict[str, Node] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # shared by the summary's sections

    @property
    def nodes(self) -> dict[str, DemoNode]:
        return self.cluster.nodes

    def node(self, nation: str) -> Node:
        """The nation's node opened in this process (for reading its store)."""
        if nation not in self.opened:
            self.opened[nation] = self.nodes[nation].open()
        return self.opened[nation]

    def close(self) -> None:
        for node in self.opened.values():
            node.close()
        self.opened.clear()


def step_world(run: DemoRun) -> None:
    run.world = generate(run.root / "world", nations=run.nations, scale="small",
                         seed=run.seed, days=WORLD_DAYS, target_statements=WORLD_STATEMENTS)
    run.say(f"[bold]1. World[/] seed {run.seed}: {run.world.statements:,} statements in "
            f"{len(run.nations)} national views ({', '.join(run.nations)}), fictional")


def step_nodes(run: DemoRun) -> None:
    assert run.world is not None
    for nation in run.nations:  # each server starts while the next node is initialised
        stats = run.world.files[nation]
        run.cluster.start(run.cluster.init(nation, stats.node, f"{stats.agency} (fictional)"))
    run.cluster.wait_until_serving()
    run.say("[bold]2. Nodes[/] " + ", ".join(
        f"{n.node_id} {n.url}" for n in run.nodes.values()))


def step_partners(run: DemoRun) -> None:
    transport = HttpTransport(timeout=30)
    try:
        for me in run.nodes.values():
            node = run.node(me.nation)
            for other in run.nodes.values():
                if other is me:
                    continue
                # the fingerprint a partner reads out over the phone, from its own keys
                expected = fingerprint(run.node(other.nation).keys.public_jwks(
                    other.node_id, other.nation))
                add_partner(node.store, other.url, me=me.node_id, transport=transport,
                            fingerprint=expected)
    finally:
        transport.close()
    n = len(run.nodes)
    run.say(f"[bold]3. Partners[/] {n * (n - 1)} pins, each checked against the "
            "fingerprint given out of band")


def step_agreements(run: DemoRun) -> None:
    by_id = {n.node_id: n for n in run.nodes.values()}

    def negotiate(document: dict[str, Any]) -> dict[str, Any]:
        parties = [by_id[p] for p in document["parties"]]
        proposer = parties[0]
        proposer.api("POST", "/agreements", as_="liaison", json=document)
        proposed = proposer.api("POST", f"/agreements/{document['id']}/propose", as_="liaison")
        for party in [*parties[1:], proposer]:  # the proposer signs last
            last = party.api("POST", f"/agreements/{document['id']}/sign", as_="liaison")
        # the last signature reached every party: their copies say where it stands
        statuses = {proposer.node_id: last["agreement"]["status"]} | {
            d["party"]: d["their_status"] for d in last["deliveries"]}
        return {"id": document["id"], "title": document["title"],
                "parties": document["parties"], "proposer": proposer.node_id,
                "proposed_to": [d["party"] for d in proposed["deliveries"]],
                "in_force": last["agreement"]["in_force"],
                "status": {p: statuses.get(p) for p in document["parties"]},
                "clauses": [_clause(c) for c in document["clauses"]]}

    documents = agreement_documents(run)
    with ThreadPoolExecutor(max_workers=max(1, len(documents))) as pool:  # independent ones
        run.agreements = list(pool.map(negotiate, documents))
    for a in run.agreements:
        run.say(f"[bold]4. Agreement[/] {a['id']}: drafted and proposed by {a['proposer']}, "
                f"signed by {', '.join(a['parties'])}: "
                + ", ".join(f"{k} {v}" for k, v in a["status"].items()))


def agreement_documents(run: DemoRun) -> list[dict[str, Any]]:
    """The templates whose parties are all in the demo, filled in (ids, validity)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    values = {n.nation: n.node_id for n in run.nodes.values()}
    values |= {"FROM": (today - timedelta(days=1)).isoformat(),
               "UNTIL": (today + timedelta(days=365)).isoformat()}
    out = []
    folder = resources.files("accord.demo") / "agreements"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            text = string.Template(entry.read_text(encoding="utf-8")).substitute(values)
        except KeyError:
            continue  # names a nation that is not in this demo
        out.append(yaml.safe_load(text))
    return out


def _clause(raw: dict[str, Any]) -> dict[str, Any]:
    return {"id": raw["id"], "schemas": raw["schemas"], "mode": raw.get("mode", "push"),
            "max_tlp": raw["max_tlp"], "four_eyes": bool(raw.get("four_eyes")),
            "redactions": raw.get("redactions", {})}


def step_watch(run: DemoRun) -> None:
    watched = list(run.nodes.values())[min(2, len(run.nodes) - 1)]
    run.watch = StreamWatch(watched)
    run.watch.thread = threading.Thread(target=run.watch.run, name="demo-stream", daemon=True)
    run.watch.thread.start()
    run.watch.ready.wait(30)
    if run.watch.error:
        raise DemoError(f"the live stream of {watched.node_id} did not open: "
                        f"{run.watch.error}")
    run.say(f"[bold]5. Live view[/] an analyst at {watched.node_id} watches "
            f"{watched.url}/api/v1/stream")


def step_import(run: DemoRun) -> None:
    assert run.world is not None
    world = run.world

    def upload(nation: str) -> tuple[str, dict[str, Any]]:
        stats = world.files[nation]
        answer = run.nodes[nation].api("POST", "/import", as_="analyst",
                                       params={"filename": stats.path.name},
                                       content=stats.path.read_bytes(), timeout=300)
        return nation, answer

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(run.nations)) as pool:
        for nation, answer in pool.map(upload, run.nations):
            run.imports[nation] = {k: answer.get(k) for k in (
                "reports_new", "entities", "statements_new", "rejected")}
    run.timings["import_s"] = round(time.monotonic() - started, 2)
    settle(run)
    run.say("[bold]6. Import[/] each analyst imports the national view through the API; "
            "sharing decides per partner, dispatchers deliver: " + ", ".join(
                f"{n} {v['reports_new']} reports" for n, v in run.imports.items()))


def step_approvals(run: DemoRun) -> None:
    refuse = True  # the first release held anywhere is refused, the others approved
    for demo_node in run.nodes.values():
        held = demo_node.api("GET", "/approvals", as_="supervisor",
                             params={"limit": 1000})["approvals"]
        if not held:
            continue
        counts = Counter[str]()
        if refuse:
            demo_node.api("POST", f"/approvals/{held[0]['id']}/refuse", as_="supervisor",
                          json={"note": REFUSAL_NOTE})
            counts["refused"] += 1
            refuse = False

        def approve(approval: dict[str, Any], node: DemoNode = demo_node) -> None:
            node.api("POST", f"/approvals/{approval['id']}/approve", as_="supervisor",
                     json={"note": "checked"})

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(approve, held[counts["refused"]:]))
        counts["approved"] = len(held) - counts["refused"]
        run.approvals[demo_node.node_id] = {"held": len(held), **counts}
    settle(run)
    total = sum(v["held"] for v in run.approvals.values())
    run.say(f"[bold]7. Four-eyes[/] {total} releases held for a supervisor: "
            + (", ".join(f"{k} approved {v.get('approved', 0)}, refused {v.get('refused', 0)}"
                         for k, v in run.approvals.items()) or "none"))


LIVE_REPORTS = 10
LIVE_PREFIX = "-LIVE-"


def step_live(run: DemoRun) -> None:
    """The first nation's analyst reports go-fast sightings one at a time through the API,
    as they come in: each is shared with the partners whose agreements allow it. The next
    one is written once the last has reached every partner, so that each release's
    latency is its own, not time spent queueing behind the previous report's."""
    reporter = next(iter(run.nodes.values()))
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(1, LIVE_REPORTS + 1):
        vessel = f"{reporter.nation.lower()}-live-ves-{n:03d}"
        reporter.api("POST", "/reports", as_="analyst", json={
            "id": f"{reporter.node_id.upper()}{LIVE_PREFIX}{n:03d}",
            "title": f"Go-fast sighting {n}", "purpose": LIVE_PURPOSE,
            "markings": {"tlp": "AMBER", "handling": ["H0"]},
            "entities": [
                {"id": vessel, "schema": "Vessel",
                 "properties": {"name": [f"Go-fast {n}"], "flag": ["co"]}},
                {"id": f"{vessel}-pos", "schema": "Movement",
                 "properties": {"subject": [vessel],
                                "time": [(now + timedelta(minutes=n)).isoformat()],
                                "coordinates": [f"{11.2 + n / 50:.4f},{-75.9 + n / 40:.4f}"],
                                "speed": ["38"]}}]})
        settle(run, only=[reporter.nation], tick=0.02)
    run.say(f"[bold]8. Live[/] {reporter.node_id}'s analyst reports {LIVE_REPORTS} sightings "
            "one at a time through the API; each reaches the partners its agreements allow")


LIVE_PURPOSE = "investigación de tráfico de drogas"


def step_revoke(run: DemoRun) -> None:
    chosen = next((a for a in run.agreements if any(
        c["mode"] == "hit-only" for c in a["clauses"])), None)
    if chosen is None:
        return
    by_id = {n.node_id: n for n in run.nodes.values()}
    revoker = by_id[chosen["parties"][-1]]
    step = revoker.api("POST", f"/agreements/{chosen['id']}/revoke", as_="liaison",
                       json={"reason": "replaced by a new version (demo)"})
    statuses = {p: by_id[p].api("GET", f"/agreements/{chosen['id']}", as_="liaison")["status"]
                for p in chosen["parties"]}
    run.revoked = {"agreement": chosen["id"], "by": revoker.node_id, "status": statuses,
                   "deliveries": step["deliveries"]}
    run.say(f"[bold]9. Revocation[/] {revoker.node_id} revokes {chosen['id']}: "
            + ", ".join(f"{k} {v}" for k, v in statuses.items()))


def settle(run: DemoRun, *, only: list[str] | None = None, tick: float = 0.2) -> None:
    """Wait until no node (of ``only``) has a message waiting to be sent (held ones aside)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    wait = threading.Event()
    while True:
        pending = 0
        for nation in only or list(run.nodes):
            with run.node(nation).store.unit_of_work(write=False) as uow:
                pending += sum(c.get(PENDING, 0) for c in uow.outbox.counts().values())
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise DemoError(f"{pending} messages still undelivered after {SETTLE_SECONDS:.0f} "
                            "s; see the logs under the work directory")
        wait.wait(tick)


STEPS: list[tuple[str, Callable[[DemoRun], None]]] = [
    ("world", step_world),
    ("nodes", step_nodes),
    ("partners", step_partners),
    ("agreements", step_agreements),
    ("watch", step_watch),
    ("import", step_import),
    ("approvals", step_approvals),
    ("live", step_live),
    ("queries", step_queries),
    ("deconfliction", step_deconfliction),
    ("revoke", step_revoke),
]
