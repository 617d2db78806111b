"""Network analysis over a node's store: canonical entities, scopes, evidence, the ledger.

The picture is ``tests/network_kit.py``: the node's own wiretap and a partner's
released finance report that names the same man under another id. The first
test runs on SQLite and PostgreSQL (``store`` fixture); the rest share one
resolved SQLite store (they only read, apart from the ledger test's copy).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.network_kit import PARTNER, seed

from accord.adapters.ledger import LeafFilter
from accord.adapters.store import Store, open_store
from accord.domain.errors import InvalidValue, NotFound
from accord.domain.registry import Registry, load_registry
from accord.domain.statement import statement_id
from accord.services import ledger, resolve
from accord.services import network as service
from accord.services.network_load import NetworkOptions, Scope, load_network

HOME = "co-home"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def resolved_db(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    path = tmp_path_factory.mktemp("network") / "node.db"
    store = open_store(f"sqlite:///{path}")
    seed(store, registry, HOME)
    resolve.resolve(store, registry)
    store.close()
    return path


@pytest.fixture
def resolved(resolved_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "node.db"
    shutil.copyfile(resolved_db, copy)
    store = open_store(f"sqlite:///{copy}")
    yield store
    store.close()


def request(store: Store, registry: Registry, scope: Scope = Scope.SHARED,
            **options: object) -> service.Request:
    return service.Request(store, registry, HOME, NetworkOptions(scope=scope, **options))


def test_resolution_merges_mentions_into_one_vertex_and_links_the_partners_material(
        store: Store, registry: Registry) -> None:
    seed(store, registry, HOME)
    before = load_network(store, registry, home=HOME)
    assert before.resolution == "identity" and "accord resolve" in (before.note or "")
    assert before.vertex("H-P1") != before.vertex("P-P1")
    assert not service.path(request(store, registry), "H-P3", "P-P4").to_dict()["connected"]

    resolve.resolve(store, registry)
    shared = load_network(store, registry, home=HOME)
    guzman = shared.vertex("H-P1")
    assert shared.resolution == "resolver" and shared.note is None
    assert guzman == shared.vertex("P-P1") and guzman.startswith("ce-")
    assert set(shared.members[guzman]) == {"H-P1", "P-P1"}
    assert {shared.origins[m] for m in shared.members[guzman]} == {HOME, PARTNER}
    # calls between lines became a tie between the people who hold them
    tie = shared.network.tie_between(guzman, shared.vertex("H-P2"))
    assert tie.kinds == ("Communication",) and tie.count == 2
    assert shared.network.entity(guzman).organisation == "Cártel del Norte"
    assert shared.subjects == (guzman,)
    found = service.path(request(store, registry), "H-P3", "P-P4").to_dict()
    assert found["connected"] and found["paths"][0]["length"] == 3


def test_own_scope_leaves_out_what_partners_released(resolved: Store,
                                                     registry: Registry) -> None:
    own = load_network(resolved, registry, home=HOME, options=NetworkOptions(scope=Scope.OWN))
    shared = load_network(resolved, registry, home=HOME)
    assert own.summary()["ties_by_origin"] == {HOME: 2}
    assert shared.summary()["ties_by_origin"] == {HOME: 2, PARTNER: 1}
    assert (own.network.n, own.network.m) == (3, 2) and (shared.network.n, shared.network.m) \
        == (4, 3)
    assert own.summary()["received_statements"] == 0 < shared.summary()["received_statements"]
    assert own.resolution == "resolver, own mentions only"
    assert own.members[own.vertex("H-P1")] == ("H-P1",)  # the partner's mention is not ours
    with pytest.raises(NotFound, match=r"entity 'P-P4' is not in this network \(own scope"):
        own.vertex("P-P4")
    alone = service.key_players(request(resolved, registry, Scope.OWN)).to_dict()
    assert alone["focus_kind"] == "core entities"  # the membership came from the partner
    together = service.key_players(request(resolved, registry)).to_dict()
    assert together["focus_kind"] == "organisation members"
    assert together["focus"] == 1 and together["scored"] == 3  # Guzmán and his contacts


def test_every_hop_of_a_path_names_its_statements_reports_and_nations(
        resolved: Store, registry: Registry) -> None:
    found = service.path(request(resolved, registry), "H-P3", "P-P4").to_dict()
    hops = found["paths"][0]["hops"]
    assert [e["label"] for e in found["paths"][0]["entities"]] == [
        "Pedro Gómez Vidal", "Ana Ruiz", "Guzmán Loera, Joaquín", "Luis Pérez Soto"]
    assert found["paths"][0]["nations"] == sorted([HOME, PARTNER])
    last = hops[-1]["evidence"]
    assert last["kinds"] == ["Transaction"] and last["reports"] == ["P-1"]
    assert last["nations"] == [PARTNER]
    [payment] = last["links"]
    assert payment["id"] == "P-T1" and payment["schema"] == "Transaction"
    assert payment["properties"]["payer"] == ["P-P1"] and payment["nations"] == [PARTNER]
    assert statement_id(PARTNER, "P-1", "P-T1", "payer", "P-P1") in last["statements"]
    first = hops[0]["evidence"]  # an association and a payment between the same two people
    assert first["kinds"] == ["Associate", "Transaction"]
    assert [lk["id"] for lk in first["links"]] == ["H-A1", "H-T1"]
    assert first["start"] == "2025-03-01" and first["end"] == "2025-03-15"


def test_time_window_kinds_and_schemata_narrow_the_picture(resolved: Store,
                                                           registry: Registry) -> None:
    march = load_network(resolved, registry, home=HOME,
                         options=NetworkOptions(since=date(2025, 3, 1)))
    assert march.network.m == 1  # the January calls and February payment are out
    calls = load_network(resolved, registry, home=HOME,
                         options=NetworkOptions(kinds=frozenset({"Communication"})))
    assert [t.kinds for t in calls.network.ties()] == [("Communication",)]
    people = load_network(resolved, registry, home=HOME,
                          options=NetworkOptions(schemata=frozenset({"LegalEntity"})))
    assert people.network.m == 3
    with pytest.raises(InvalidValue, match="unknown kind of tie 'Cal'"):
        load_network(resolved, registry, home=HOME,
                     options=NetworkOptions(kinds=frozenset({"Cal"})))
    with pytest.raises(InvalidValue, match="until 2025-01-01 is before since 2025-02-01"):
        load_network(resolved, registry, home=HOME, options=NetworkOptions(
            since=date(2025, 2, 1), until=date(2025, 1, 1)))


def test_analyses_answer_with_entities_and_say_what_is_wrong(resolved: Store,
                                                             registry: Registry) -> None:
    req = request(resolved, registry)
    guzman = load_network(resolved, registry, home=HOME).vertex("P-P1")
    plan = service.disrupt(req, k=1, focus="core").to_dict()
    assert plan["ids"] == [guzman] and plan["effect"]["components_after"] == 2
    effect = service.disrupt(req, arrest=["H-P2"], focus="core").to_dict()["effect"]
    assert effect["fragmentation_after"] > effect["fragmentation_before"] == 0.0
    ego = service.ego(req, "H-P1", depth=1).to_dict()
    assert {e["label"]: e["distance"] for e in ego["entities"]}["Ana Ruiz"] == 1
    assert len(ego["entities"]) == 3 and len(ego["ties"]) == 2
    cells = service.communities(req, control_runs=2).to_dict()
    assert cells["total"] >= 1 and "labels" in cells["communities"][0]
    assert service.brokers(req, top=2).to_dict()["groups"] == "communities"
    with pytest.raises(InvalidValue, match="unknown focus 'boss'"):
        service.key_players(req, focus="boss")
    with pytest.raises(NotFound, match="entity 'ghost' is not in this network"):
        service.path(req, "ghost", "H-P1")
    with pytest.raises(InvalidValue, match="k must be at most 4"):
        service.disrupt(req, k=9)
    with pytest.raises(InvalidValue, match="unknown export format 'png'"):
        service.export(req, Path("net.png"))


def test_reading_partners_material_through_the_network_is_ledgered(
        resolved: Store, registry: Registry) -> None:
    def reads() -> list[ledger.LoggedEntry]:
        with resolved.unit_of_work(write=False) as uow:
            return ledger.audit_log(uow, LeafFilter(action="material.read"))

    mine = service.Request(resolved, registry, HOME, NetworkOptions(scope=Scope.OWN),
                           reader="ana")
    service.key_players(mine)
    assert reads() == []
    shared = service.Request(resolved, registry, HOME, reader="ana")
    service.key_players(shared)
    service.path(shared, "H-P3", "H-P2")  # nothing of the partner's on this path
    [entry] = reads()
    assert entry.entry.subject == "network/key-players" and entry.entry.partner == PARTNER
    assert entry.entry.actor == "ana" and entry.entry.details["reports"] == ("P-1",)
