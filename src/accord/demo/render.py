"""The demo's summary for people: what moved where, what was withheld and why."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from accord.domain.decision import REASON_TEXT

# reasons that are not the policy engine's own codes
OTHER_REASONS = {
    "hit_only": "hit/no-hit only: the partner learns of a hit, not the content",
    "refused_by_supervisor": "a supervisor refused the release (four-eyes)",
    "superseded": "a newer version of the report replaced it before approval",
    "agreement_revoked": "the agreement was revoked before it left",
    "refused_by_recipient": "the recipient's own check refused it",
}


def reason_text(code: str) -> str:
    if code in OTHER_REASONS:
        return OTHER_REASONS[code]
    return REASON_TEXT.get(code, (0, code))[1]


def render(console: Console, summary: dict[str, Any]) -> None:
    nodes = Table("node", "nation", "agency", "URL", title="Nodes (one HTTP server each)")
    for n in summary["nodes"]:
        nodes.add_row(n["id"], n["nation"], n["name"], n["url"])
    console.print(nodes)

    agreements = Table("agreement", "parties", "clauses", "status at each party",
                       title="Agreements (signed by every party)")
    for a in summary["agreements"]["signed"]:
        clauses = "; ".join(f"{c['id']} ({c['mode']}{', four-eyes' if c['four_eyes'] else ''}"
                            f"{', redacts ' + _redacted(c) if c['redactions'] else ''})"
                            for c in a["clauses"])
        agreements.add_row(a["id"], ", ".join(a["parties"]), clauses,
                           ", ".join(sorted(set(a["status"].values()))))
    console.print(agreements)

    releases = summary["releases"]
    moved = Table("from", "to", "releases", "statements", title="What moved where")
    for r in releases["routes"]:
        moved.add_row(r["from"], r["to"], str(r["delivered"]), str(r["statements"]))
    console.print(moved)

    withheld = Table("reason", "count", "meaning", title="What was withheld, and why")
    for code, n in releases["withheld_by_reason"].items():
        withheld.add_row(code, str(n), reason_text(code))
    console.print(withheld)
    if releases["partially_withheld"]:
        partial = ", ".join(f"{code} in {n}" for code, n
                            in releases["partially_withheld"].items())
        console.print(f"Statements withheld from releases that went: {partial}", markup=False)

    latency = summary["latency_ms"]
    console.print(f"Delivered {releases['delivered']} releases, withheld "
                  f"{releases['withheld']}; release latency p50 {latency['p50']} ms, p99 "
                  f"{latency['p99']} ms over {latency['count']} releases", markup=False)
    if summary.get("approvals"):
        console.print("Four-eyes: " + ", ".join(
            f"{k}: {v.get('approved', 0)} approved, {v.get('refused', 0)} refused"
            for k, v in summary["approvals"].items()), markup=False)
    stream = summary.get("stream")
    if stream:
        console.print(f"Live stream at {stream['node']}: {stream['events']} events "
                      f"{stream['by_kind']}", markup=False)
    revoked = summary["agreements"].get("revoked")
    if revoked:
        console.print(f"Revocation: {revoked['by']} revoked {revoked['agreement']}; now "
                      + ", ".join(f"{k} {v}" for k, v in revoked["status"].items()),
                      markup=False)
    queries = summary.get("queries")
    if queries:
        console.print(f"Hit/no-hit: {queries['asked']} items asked, {queries['hits']} hits, "
                      f"{queries['follow_ups_released']} follow-up(s) released", markup=False)
    conflicts = summary.get("deconfliction")
    if conflicts:
        console.print(f"Deconfliction: {conflicts['registrations']} registrations, "
                      f"{conflicts['conflicts']} conflicts ({conflicts['planted_found']} of "
                      f"{conflicts['planted_between_partners']} planted between partners)",
                      markup=False)
    ledger = summary.get("ledger") or {}
    if ledger:
        console.print("Ledgers: " + "; ".join(
            f"{node} {v['size']} acts, {'verified' if v['verified'] else 'NOT VERIFIED'}, "
            f"witnessed by {len(v['witnesses'])}" for node, v in ledger.items()), markup=False)


def _redacted(clause: dict[str, Any]) -> str:
    return ", ".join(f"{schema}.{p}" for schema, props in clause["redactions"].items()
                     for p in props)


def next_steps(summary: dict[str, Any]) -> list[str]:
    """Commands to inspect the kept nodes (only when a work directory was given)."""
    workdir = summary.get("workdir")
    if not workdir:
        return ["accord demo --workdir DIR keeps the nodes for inspection afterwards"]
    first = summary["nodes"][0]
    second = summary["nodes"][2 if len(summary["nodes"]) > 2 else 1]
    return [
        f"accord agreement list --node {first['dir']}",
        f"accord search --node {second['dir']} 'Restrepo'",
        f"accord approval list --node {first['dir']} --state all",
        f"accord explain --node {first['dir']} REPORT_ID --to {second['id']}",
        f"accord audit verify --node {second['dir']}",
        f"accord serve --node {second['dir']} --dispatch    # the API again",
    ]
