"""The demo's ``network`` section: the value of sharing, per nation (docs/demo.md).

Once the story has played, each nation's analyst resolves the node's entities
(``POST /api/v1/resolution/run``: incremental, so a node already resolved does
little) and ranks key players through the API (``GET /api/v1/network/key-players``,
people only, the first 10) twice: on the node's own statements (``scope=own``,
its mentions resolved among themselves) and on its shared picture (``scope=shared``:
with what partners released to it). Each ranked entity is graded against the
world's ``truth.json``: its mentions (with the node that wrote each) are mapped to
true people, the most frequent one wins (a person ranked twice counts once), and
precision@10 counts the true key players (leaders, brokers and lieutenants).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from accord.analytics.network.sharing import precision_at_k
from accord.demo.cluster import DemoNode
from accord.synth.truth import Truth, load_truth

if TYPE_CHECKING:
    from accord.demo.flow import DemoRun

K = 10
QUERY = f"/network/key-players?only=Person&top={K}&scope="


def _truth(run: DemoRun) -> Truth:
    if "truth" not in run.cache:  # the key other sections cache it under
        assert run.world is not None and run.world.truth is not None
        run.cache["truth"] = load_truth(run.world.truth)
    found: Truth = run.cache["truth"]
    return found


def true_person(entity: dict[str, Any], nation_of: dict[str, str], truth: Truth) -> str | None:
    """The true person most of the entity's mentions are (None: background or unknown)."""
    found = Counter(truth.true_id(nation_of[m["origin"]], m["id"])
                    for m in entity["mentions"] if m.get("origin") in nation_of)
    if not found:
        return None
    return min(found, key=lambda t: (-found[t], t is None, str(t)))


def _nation(node: DemoNode, nation_of: dict[str, str], truth: Truth,
            key: list[str]) -> dict[str, Any]:
    node.api("POST", "/resolution/run", as_="analyst", timeout=300)
    out: dict[str, Any] = {}
    for scope, label in (("own", "alone"), ("shared", "shared")):
        answer = node.api("GET", QUERY + scope, as_="analyst", timeout=300)
        ranked: list[str | None] = []
        for p in answer["players"]:  # a true person ranked twice (split) counts once
            found = true_person(p["entity"], nation_of, truth)
            ranked.append(found if found not in ranked else None)
        out[label] = precision_at_k([t or "" for t in ranked], key, K)
        out[f"top_{label}"] = ranked
        out[f"entities_{label}"] = answer["network"]["entities"]
        out[f"ties_{label}"] = answer["network"]["ties"]
        out[f"focus_{label}"] = answer["focus_kind"]
    out["gain"] = round(out["shared"] - out["alone"], 2)
    return out


def section_network(run: DemoRun) -> dict[str, Any]:
    """``{"k", "key_players", "nations": {nation: {"alone", "shared", "gain", ...}},
    "mean": {"alone", "shared"}}``."""
    begun = time.monotonic()
    truth = _truth(run)
    key = [k["person"] for k in truth.key_players if k["key"]]
    nation_of = {n.node_id: nation for nation, n in run.nodes.items()}
    nodes = list(run.nodes.values())
    with ThreadPoolExecutor(max_workers=2) as pool:  # each node is its own server process
        found = list(pool.map(lambda n: _nation(n, nation_of, truth, key), nodes))
    by_nation = {n.nation: f for n, f in zip(nodes, found, strict=True)}
    run.timings["network_s"] = round(time.monotonic() - begun, 2)
    run.say("[bold]Network[/] key players, precision@10 alone → shared: " + ", ".join(
        f"{nation} {f['alone']:.1f} → {f['shared']:.1f}" for nation, f in by_nation.items()))
    mean = {label: round(sum(f[label] for f in found) / len(found), 3) if found else 0.0
            for label in ("alone", "shared")}
    return {"k": K, "key_players": len(key), "nations": by_nation, "mean": mean}
