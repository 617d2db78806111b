"""The demo's JSON summary: one section per capability (docs/demo.md).

``SECTIONS`` lists ``(name, function)``; each function reads the finished
``DemoRun`` (the nodes' stores, opened in this process, and their servers,
still up) and returns its JSON-able section. A capability adds its section
with one function and one line here, e.g. ``("queries", section_queries)``.
Sections are computed in order, after the story and before the servers stop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from accord.adapters.ledger import LeafFilter
from accord.adapters.store.approvals import ApprovalRepository
from accord.adapters.store.outbox import DELIVERED, HELD, PENDING, REFUSED
from accord.demo.flow import LIVE_PREFIX, DemoRun
from accord.demo.network import section_network
from accord.demo.queries import section_deconfliction, section_queries
from accord.demo.resolution import section_resolution
from accord.domain.ledger_entry import Action as Act
from accord.domain.messages import MessageKind
from accord.services import ledger

SUPERVISOR_REASONS = {"refused_by_supervisor", "superseded", "agreement_revoked"}


@dataclass
class Tally:
    """What moved where, and what did not, from every node's outbox and ledger."""

    routes: Counter[tuple[str, str]] = field(default_factory=Counter)
    statements: Counter[tuple[str, str]] = field(default_factory=Counter)
    withheld: Counter[str] = field(default_factory=Counter)
    partial: Counter[str] = field(default_factory=Counter)  # releases missing some statements
    recipient_refusals: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)  # reports written one at a time
    import_latencies_ms: list[float] = field(default_factory=list)  # bulk imports


def tally(run: DemoRun) -> Tally:
    """Counted once per run, shared by the sections that need it."""
    if "tally" not in run.cache:
        run.cache["tally"] = _count(run)
    found: Tally = run.cache["tally"]
    return found


def _count(run: DemoRun) -> Tally:
    out = Tally()
    for nation, demo_node in run.nodes.items():
        node = run.node(nation)
        with node.store.unit_of_work(write=False) as uow:
            held_ids = {a.message_id for a in ApprovalRepository(uow.session).find(
                state=None, limit=1_000_000)}
            messages = uow.outbox.list(limit=1_000_000)
            decided = ledger.audit_log(uow, LeafFilter(action=Act.RELEASE_DECIDED.value,
                                                       limit=10_000_000))
        for m in messages:
            if m.kind != MessageKind.RELEASE.value:
                continue
            out.states[m.state] += 1
            route = (demo_node.node_id, m.partner)
            if m.state == DELIVERED:
                out.routes[route] += 1
                out.statements[route] += len(orjson.loads(m.body).get("statements", ()))
                if m.message_id not in held_ids and m.delivered is not None:
                    ms = (m.delivered - m.created).total_seconds() * 1000
                    live = LIVE_PREFIX in m.report_id
                    (out.latencies_ms if live else out.import_latencies_ms).append(ms)
            elif m.state == REFUSED:
                reason = m.reason or "refused"
                if reason in SUPERVISOR_REASONS:
                    out.withheld[reason] += 1
                else:
                    out.withheld["refused_by_recipient"] += 1
                    out.recipient_refusals[reason] += 1
        for logged in decided:
            details = logged.entry.details
            codes = details.get("reasons") or ()
            codes = codes if isinstance(codes, tuple) else (str(codes),)
            if details.get("outcome") == "allow":
                for code in codes[1:]:
                    out.partial[str(code)] += 1
            else:
                out.withheld[str(codes[0]) if codes else str(details.get("outcome"))] += 1
    return out


def section_nodes(run: DemoRun) -> list[dict[str, Any]]:
    return [{"id": n.node_id, "nation": n.nation, "name": n.name, "url": n.url,
             "dir": str(n.path)} for n in run.nodes.values()]


def section_agreements(run: DemoRun) -> dict[str, Any]:
    return {"signed": run.agreements, "revoked": run.revoked}


def section_imports(run: DemoRun) -> dict[str, Any]:
    return run.imports


def section_releases(run: DemoRun) -> dict[str, Any]:
    t = tally(run)
    return {
        "delivered": t.states[DELIVERED],
        "withheld": sum(t.withheld.values()),
        "withheld_by_reason": dict(t.withheld.most_common()),
        "pending": t.states[PENDING], "held": t.states[HELD],
        "refused_by_recipient": dict(t.recipient_refusals.most_common()),
        "partially_withheld": dict(t.partial.most_common()),
        "routes": [{"from": a, "to": b, "delivered": n, "statements": t.statements[(a, b)]}
                   for (a, b), n in sorted(t.routes.items())],
    }


def section_latency(run: DemoRun) -> dict[str, Any]:
    """From the report's commit (its release queued) to the partner's signed receipt, for
    reports written one at a time; ``import`` for the releases of the bulk imports, which
    queue behind each other and behind the recipients' own imports."""
    t = tally(run)
    return {**_percentiles(t.latencies_ms), "import": _percentiles(t.import_latencies_ms)}


def _percentiles(found: list[float]) -> dict[str, Any]:
    values = sorted(found)
    if not values:
        return {"p50": None, "p99": None, "count": 0}
    return {"p50": round(_quantile(values, 0.50), 1), "p99": round(_quantile(values, 0.99), 1),
            "count": len(values)}


def _quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted ``values``."""
    rank = max(1, int(-(-q * len(values) // 1)))
    return values[min(rank, len(values)) - 1]


def section_approvals(run: DemoRun) -> dict[str, Any]:
    return run.approvals


def section_stream(run: DemoRun) -> dict[str, Any] | None:
    watch = run.watch
    if watch is None:
        return None
    return {"node": watch.node.node_id, "events": sum(watch.counts.values()),
            "by_kind": dict(sorted(watch.counts.items())),
            "alerts": dict(sorted(watch.alerts.items()))}


def section_ledger(run: DemoRun) -> dict[str, Any]:
    """Each node signs a checkpoint, witnesses its partners', and its auditor verifies."""
    from accord.adapters.ledger_transport import HttpLedgerTransport
    from accord.services.auditing import verify_node
    from accord.services.checkpointing import sign_checkpoint
    from accord.services.witnessing import witness_partners

    signed = {nation: sign_checkpoint(run.node(nation), force=True) for nation in run.nodes}
    transport = HttpLedgerTransport(timeout=30)
    try:
        for nation in run.nodes:
            witness_partners(run.node(nation), transport)
    finally:
        transport.close()
    out: dict[str, Any] = {}
    for nation, demo_node in run.nodes.items():
        report = verify_node(run.node(nation))
        out[demo_node.node_id] = {"size": report.size,
                                  "checkpoint": signed[nation].checkpoint.size,
                                  "verified": report.ok, "witnesses": sorted(report.witnesses)}
    return out


SECTIONS: list[tuple[str, Callable[[DemoRun], Any]]] = [
    ("nodes", section_nodes),
    ("agreements", section_agreements),
    ("imports", section_imports),
    ("releases", section_releases),
    ("latency_ms", section_latency),
    ("approvals", section_approvals),
    ("stream", section_stream),
    ("queries", section_queries),
    ("deconfliction", section_deconfliction),
    ("resolution", section_resolution),
    ("network", section_network),
    ("ledger", section_ledger),
]
