"""The demo's private-matching steps and their summary sections (docs/demo.md).

* ``step_queries``: a nation asks a partner, through the API, about the phones,
  passports and persons (name, date of birth, nationality) of people both are
  known (from the synthetic world's truth) to watch, plus people only the asker
  knows: hit or no hit. A hit is followed up; the partner's supervisor approves
  the held release and it arrives. A nation without an agreement with that
  partner is refused, with the reason.
* ``step_deconfliction``: every nation registers its surveillance operations
  (the truth's ``operations``) through the API; the later of two colliding
  operations finds the earlier one at a partner's, and both are alerted.

The sections count it all from the nodes' stores: ``queries`` (``asked``,
``hits``, ``follow_ups_released``) and ``deconfliction`` (``registrations``,
``conflicts``, and how many of the truth's planted collisions between partners
were caught).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from accord.adapters.store.deconfliction import DeconflictionRepository
from accord.adapters.store.queries import QueryRepository
from accord.adapters.store.query_tables import OUT
from accord.demo.cluster import DemoError, DemoNode
from accord.synth.truth import Truth, load_truth

if TYPE_CHECKING:
    from accord.demo.flow import DemoRun

MAX_PEOPLE = 6  # shared targets asked about; as many decoys known to the asker only
FOLLOW_UP_SECONDS = 60.0


def _truth(run: DemoRun) -> Truth:
    if "truth" not in run.cache:
        assert run.world is not None and run.world.truth is not None
        run.cache["truth"] = load_truth(run.world.truth)
    found: Truth = run.cache["truth"]
    return found


def _pair(run: DemoRun, truth: Truth) -> tuple[DemoNode, DemoNode, str, str] | None:
    """(asker, owner, agreement, purpose): a clause sharing persons from the owner to the
    asker, whose nations both know some people; hit-only clauses first, then most people."""
    from accord.demo.flow import agreement_documents

    by_id = {n.node_id: n for n in run.nodes.values()}
    shared = truth.raw.get("shared_targets", [])
    best: tuple[tuple[int, int], tuple[DemoNode, DemoNode, str, str]] | None = None
    for document in agreement_documents(run):
        parties = list(document["parties"])
        for clause in document["clauses"]:
            if "Person" not in clause["schemas"]:
                continue
            for owner_id in _party_list(clause.get("from"), parties):
                for asker_id in _party_list(clause.get("to"), parties):
                    if owner_id == asker_id:
                        continue
                    owner, asker = by_id[owner_id], by_id[asker_id]
                    both = sum(1 for s in shared if {owner.nation, asker.nation} <= set(
                        s["nations"]))
                    score = (int(clause.get("mode") == "hit-only"), both)
                    if both and (best is None or score > best[0]):
                        best = (score, (asker, owner, document["id"],
                                        str(clause["purposes"][0])))
    return None if best is None else best[1]


def _party_list(raw: Any, parties: list[str]) -> list[str]:
    return parties if raw in (None, "all") else [str(p) for p in raw]


def _asked_about(truth: Truth, asker: str, owner: str) -> dict[str, Any]:
    """Identifiers and persons of people both nations know, and of some only the asker knows."""
    shared, own = [], []
    for s in truth.raw.get("shared_targets", []):
        nations = set(s["nations"])
        if {asker, owner} <= nations:
            shared.append(s["person"])
        elif asker in nations:
            own.append(s["person"])
    identifiers: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    for pid in shared[:MAX_PEOPLE] + own[:MAX_PEOPLE]:
        person = truth.entities[pid]
        ids = person.get("identifiers") or {}
        identifiers += [{"kind": "phone", "value": p} for p in ids.get("phones", [])[:2]]
        if ids.get("passport") and person.get("nationality"):
            identifiers.append({"kind": "passport", "value": ids["passport"],
                                "country": person["nationality"]})
        persons.append({"name": person["name"], "dob": person.get("birth_date"),
                        "nationality": person.get("nationality")})
    return {"identifiers": identifiers, "persons": persons, "shared": len(shared[:MAX_PEOPLE])}


def step_queries(run: DemoRun) -> None:
    truth = _truth(run)
    chosen = _pair(run, truth)
    out: dict[str, Any] = {"exchanges": []}
    run.cache["queries"] = out
    if chosen is None:
        run.say("[bold]Hit/no-hit[/] no two nations share known people under an agreement")
        return
    asker, owner, agreement, purpose = chosen
    asked = _asked_about(truth, asker.nation, owner.nation)
    answer = asker.api("POST", "/queries", as_="analyst", json={
        "partner": owner.node_id, "purpose": purpose,
        "identifiers": asked["identifiers"], "persons": asked["persons"]})
    out["exchanges"].append({"from": asker.node_id, "to": owner.node_id,
                             "agreement": agreement, "asked": answer["asked"],
                             "hits": answer["hit_count"],
                             "shared_people_asked": asked["shared"]})
    run.say(f"[bold]Hit/no-hit[/] {asker.node_id} asks {owner.node_id} about "
            f"{answer['asked']} identifiers and persons ({asked['shared']} people both "
            f"watch, the rest only {asker.nation} knows): {answer['hit_count']} hits, each a "
            "reference, a handling code and a contact; nothing else crossed")
    _refusal(run, out)
    if answer["hits"]:
        _follow_up(run, asker, owner, answer["hits"], purpose, out)


def _refusal(run: DemoRun, out: dict[str, Any]) -> None:
    """Two nations that share no agreement: the one that asks is refused, with the reason."""
    from accord.demo.flow import agreement_documents

    together = [set(d["parties"]) for d in agreement_documents(run)]
    nodes = list(run.nodes.values())
    pair = next(((a, b) for a in nodes for b in nodes if a is not b
                 and not any({a.node_id, b.node_id} <= p for p in together)), None)
    if pair is None:
        return
    asker, owner = pair
    try:
        asker.api("POST", "/queries", as_="analyst", json={
            "partner": owner.node_id, "purpose": "drug-trafficking investigation",
            "identifiers": [{"kind": "phone", "value": "+525512345678"}]})
    except DemoError as exc:
        out["refused"] = {"from": asker.node_id, "to": owner.node_id, "reason": str(exc)}
        run.say(f"    {asker.node_id} asks {owner.node_id} and is refused: "
                f"{str(exc).split(': ', 3)[-1]}")


def _follow_up(run: DemoRun, asker: DemoNode, owner: DemoNode, hits: list[dict[str, Any]],
               purpose: str, out: dict[str, Any]) -> None:
    from accord.demo.flow import settle

    hit = next((h for h in hits if h["kind"] != "person"), hits[0])
    request = asker.api("POST", "/queries/follow-ups", as_="analyst",
                        json={"reference": hit["reference"], "purpose": purpose})
    held = [a for a in owner.api("GET", "/approvals", as_="supervisor",
                                 params={"limit": 1000})["approvals"]
            if a["caused_by"] == f"partner/{asker.node_id}"]
    for approval in held:
        owner.api("POST", f"/approvals/{approval['id']}/approve", as_="supervisor",
                  json={"note": "follow-up after a hit: purpose checked"})
    settle(run)
    state = _wait_released(asker, request["id"]) if held else request["state"]
    out["follow_up"] = {"from": asker.node_id, "to": owner.node_id, "state": state,
                        "releases_approved": len(held)}
    run.say(f"[bold]Follow-up[/] {asker.node_id} asks for what is behind hit "
            f"{hit['reference']}; {owner.node_id}'s supervisor approves {len(held)} held "
            f"release(s) under the agreement; at {asker.node_id} the request is {state}")


def _wait_released(asker: DemoNode, follow_up_id: str) -> str:
    deadline = time.monotonic() + FOLLOW_UP_SECONDS
    tick = threading.Event()
    state = "requested"
    while time.monotonic() < deadline:
        found = asker.api("GET", "/queries/follow-ups", as_="analyst",
                          params={"direction": "out"})["follow_ups"]
        state = next((f["state"] for f in found if f["id"] == follow_up_id), state)
        if state == "released":
            break
        tick.wait(0.2)
    return state


def step_deconfliction(run: DemoRun) -> None:
    truth = _truth(run)
    by_nation = {n.nation: n for n in run.nodes.values()}
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    registered: dict[str, tuple[str, str]] = {}  # truth op id -> (node id, registration id)
    found = 0
    for op in truth.raw.get("operations", []):
        node = by_nation.get(op["nation"])
        if node is None:
            continue
        done = node.api("POST", "/deconfliction/operations", as_="analyst", json={
            "start": op["start"], "end": op["end"], "lat": op["lat"], "lon": op["lon"],
            "radius_m": op["radius_m"], "expires": expires, "title": op["id"]})
        registered[op["id"]] = (node.node_id, done["registration"]["id"])
        found += len(done["conflicts"])
    run.cache["deconfliction"] = {"registered": registered}
    run.say(f"[bold]Deconfliction[/] {len(registered)} surveillance operations "
            f"registered by {len({n for n, _ in registered.values()})} nations; {found} "
            "conflicts found, both agencies alerted with each other's contact (the place "
            "and time of the other's operation are never disclosed)")


# -- summary sections -------------------------------------------------------------------


def section_queries(run: DemoRun) -> dict[str, Any]:
    asked = hits = released = 0
    for nation in run.nodes:
        with run.node(nation).store.unit_of_work(write=False) as uow:
            repo = QueryRepository(uow.session)
            counts = repo.counts()
            asked += counts["asked"]
            hits += counts["hits"]
            released += sum(1 for f in repo.follow_ups(direction=OUT, limit=100_000)
                            if f.state == "released")
    story = run.cache.get("queries") or {}
    return {"asked": asked, "hits": hits, "follow_ups_released": released, **story}


def section_deconfliction(run: DemoRun) -> dict[str, Any]:
    registrations = 0
    notices: dict[str, set[tuple[str, str]]] = {}
    for nation, demo_node in run.nodes.items():
        with run.node(nation).store.unit_of_work(write=False) as uow:
            repo = DeconflictionRepository(uow.session)
            registrations += repo.counts()["registrations"]
            for c in repo.conflicts(limit=100_000):
                notices.setdefault(c.notice_id, set()).add((demo_node.node_id,
                                                            c.registration_id))
    registered = (run.cache.get("deconfliction") or {}).get("registered", {})
    by_registration = {v: k for k, v in registered.items()}
    found_pairs = {frozenset(by_registration.get(side, "?") for side in sides)
                   for sides in notices.values()}  # both nodes keep the notice's id
    partners = _partner_pairs(run)
    truth = _truth(run)
    nation_of = {op["id"]: op["nation"] for op in truth.raw.get("operations", [])}
    planted = [frozenset((c["a"], c["b"])) for c in truth.raw.get("operation_conflicts", [])
               if frozenset((nation_of[c["a"]], nation_of[c["b"]])) in partners]
    return {"registrations": registrations, "conflicts": len(notices),
            "planted_between_partners": len(planted),
            "planted_found": sum(1 for p in planted if p in found_pairs)}


def _partner_pairs(run: DemoRun) -> set[frozenset[str]]:
    nation_of = {n.node_id: n.nation for n in run.nodes.values()}
    return {frozenset((nation_of[a], nation_of[b])) for agreement in run.agreements
            if agreement["in_force"] for a in agreement["parties"]
            for b in agreement["parties"] if a != b}
