"""The resolution worker: new, imported and received statements resolved automatically.

The store tests run on SQLite and PostgreSQL (the ``store`` fixture); the receipt
test uses two federation nodes (co -> mx). The clock is faked: rounds are driven
by ``poll_once``, never by waiting.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.services.test_receive import post, release, sealed

from accord.adapters.store import Store
from accord.bootstrap import Node
from accord.domain.registry import Registry, load_registry
from accord.entrypoints.api.app import create_app
from accord.services import resolve as service
from accord.services.ingest import import_files
from accord.services.reports import create_report, retract_report
from accord.services.resolution_worker import ResolutionWorker, WorkerSettings


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def person(entity_id: str, name: str, **props: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name], **props}}


def seed(store: Store, registry: Registry) -> None:
    for report_id, origin, entities in [
        ("CO-1", "co-dijin", [person("co-p1", "Joaquín GUZMÁN LOERA", birthDate=["1957-04-04"]),
                              person("co-p2", "Ana Ruiz", birthDate=["1980-02-03"])]),
        ("MX-1", "mx-fgr", [person("mx-p1", "Guzmán Loera, Joaquín", birthDate=["1957-04-04"],
                                   phone=["+52 667 123 4567"])]),
        ("RU-1", "ru-x", [person("ru-p1", "Хоакин Гусман Лоэра", birthDate=["1957-04-04"])]),
    ]:
        create_report(store, {"id": report_id, "title": report_id, "entities": entities},
                      origin=origin, registry=registry)


def jsonl(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def clusters(store: Store) -> dict[str, list[str]]:
    return {c["id"]: c["members"] for c in service.canonical_entities(store, min_size=1,
                                                                      limit=1000)}


def test_first_round_trains_then_imports_and_retractions_are_resolved_incrementally(
        store: Store, registry: Registry, tmp_path: Path) -> None:
    seed(store, registry)
    clock = Clock()
    worker = ResolutionWorker(store, registry, WorkerSettings(quiet_seconds=3.0), clock=clock)
    first = worker.poll_once()
    assert first is not None
    assert first.to_dict()["families"]["Person"]["mode"] == "full"
    assert worker.poll_once() is None  # nothing changed since
    import_files(store, [jsonl(
        tmp_path / "es.jsonl",
        {"kind": "report", "id": "ES-1", "title": "from Spain"},
        {"kind": "entity", "report": "ES-1", **person("es-p1", "Joaquin Guzman",
                                                      phone=["+526671234567"])})],
        origin="es-x", registry=registry)
    assert worker.poll_once() is None  # seen; waits for the store to be quiet
    clock.now += 3.5
    done = worker.poll_once()
    assert done is not None
    person_run = done.to_dict()["families"]["Person"]
    assert (person_run["mode"], person_run["new"], person_run["changed"]) == (
        "incremental", 1, 0)
    ids = service.canonical_ids(store, ["es-p1", "mx-p1", "co-p2"])
    assert ids["es-p1"] == ids["mx-p1"] != ids["co-p2"]
    retract_report(store, "RU-1")
    clock.now += 3.5
    assert worker.poll_once() is None  # the change is seen now, quiet only from here
    clock.now += 3.5
    gone = worker.poll_once()
    assert gone is not None and gone.to_dict()["families"]["Person"]["removed"] == 1
    assert service.canonical_ids(store, ["ru-p1"]) == {"ru-p1": "ru-p1"}
    assert worker.rounds == 3 and worker.last_error is None
    before = clusters(store)
    service.resolve(store, registry, full=True)
    assert clusters(store) == before  # the incremental rounds equal a full re-run


def test_a_steady_stream_is_resolved_at_the_latest_after_max_wait(
        store: Store, registry: Registry) -> None:
    seed(store, registry)
    clock = Clock()
    worker = ResolutionWorker(store, registry, WorkerSettings(quiet_seconds=3.0,
                                                              max_wait_seconds=7.0),
                              clock=clock)
    worker.poll_once()
    for i in range(4):  # a change every 2.5 s: never quiet for 3 s; first seen at 2.5 s
        create_report(store, {"id": f"PE-{i}", "title": "more", "entities": [
            person(f"pe-p{i}", f"Luis Mora {i}")]}, origin="pe-x", registry=registry)
        clock.now += 2.5
        result = worker.poll_once()
        assert (result is None) == (i < 3)
    assert worker.last is not None and worker.rounds == 2
    members = {m for c in clusters(store).values() for m in c}
    assert {f"pe-p{i}" for i in range(4)} <= members


def test_a_failed_round_is_retried_later_and_never_raised(
        store: Store, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(store, registry)
    clock = Clock()
    worker = ResolutionWorker(store, registry, WorkerSettings(retry_seconds=60.0),
                              clock=clock)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("duckdb went away")

    monkeypatch.setattr("accord.services.resolve.resolve", broken)
    assert worker.poll_once() is None and "duckdb went away" in str(worker.last_error)
    monkeypatch.undo()
    clock.now += 30
    assert worker.poll_once() is None  # still backing off
    clock.now += 31
    assert worker.poll_once() is not None and worker.last_error is None


def test_received_material_is_resolved_against_existing_clusters(
        co_mx: tuple[Node, Node]) -> None:
    co, mx = co_mx
    create_report(mx.store, {"id": "MX-1", "title": "own", "entities": [
        person("mx-p1", "Guzmán Loera, Joaquín", birthDate=["1957-04-04"]),
        person("mx-p1b", "Joaquin Guzman Loera", birthDate=["1957-04-04"]),
        person("mx-p2", "Ana Ruiz", birthDate=["1980-02-03"]),
        person("mx-p3", "Luis Mora", birthDate=["1971-09-12"])]},
        origin=mx.node_id, registry=mx.registry)
    clock = Clock()
    worker = ResolutionWorker(mx.store, mx.registry, clock=clock)
    assert worker.poll_once() is not None  # trains on what mx holds
    body = release("co-r1", statements=(("p1", "Person", "name", "Joaquín GUZMÁN LOERA"),
                                        ("p1", "Person", "birthDate", "1957-04-04")))
    with TestClient(create_app(mx)) as inbox:
        [result] = post(inbox, sealed(co, mx, body))
    assert result["status"] == "accepted", result
    assert worker.poll_once() is None  # seen; resolved once the inbox has been quiet
    clock.now += 5
    done = worker.poll_once()
    assert done is not None
    assert done.to_dict()["families"]["Person"]["mode"] == "incremental"
    ids = service.canonical_ids(mx.store, ["p1", "mx-p1"])
    assert ids["p1"] == ids["mx-p1"]
    page = service.canonical_entity(mx.store, "mx-p1", registry=mx.registry,
                                    home=mx.node_id).to_dict()
    [received] = [m for m in page["members"] if m["received"]]
    assert received["origins"] == ["co-dijin"]
    assert received["reports"][0]["agreement"] == "agr-1"


def test_run_forever_in_a_thread(store: Store, registry: Registry) -> None:
    seed(store, registry)
    worker = ResolutionWorker(store, registry, WorkerSettings(poll_seconds=0.05,
                                                              quiet_seconds=0.1))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        create_report(store, {"id": "ES-1", "title": "es", "entities": [
            person("es-p1", "Joaquin Guzman", phone=["+526671234567"])]},
            origin="es-x", registry=registry)
        waited = threading.Event()
        for _ in range(600):  # until resolved (at most about a minute on a busy machine)
            ids = service.canonical_ids(store, ["es-p1", "mx-p1"])
            if ids["es-p1"] == ids["mx-p1"]:
                break
            worker.notify()
            waited.wait(0.1)
        assert ids["es-p1"] == ids["mx-p1"]
    finally:
        stop.set()
        worker.notify()
        thread.join(30)
    assert not thread.is_alive()


def test_a_small_family_that_doubled_gets_its_model_made_again(
        store: Store, registry: Registry) -> None:
    create_report(store, {"id": "MX-1", "title": "first", "entities": [
        person("mx-p1", "Guzmán Loera, Joaquín", birthDate=["1957-04-04"]),
        person("mx-p2", "Ana Ruiz", birthDate=["1980-02-03"])]},
        origin="mx-fgr", registry=registry)
    clock = Clock()
    worker = ResolutionWorker(store, registry, clock=clock)
    worker.poll_once()  # two strangers: the prior estimated on them is low
    assert service.untrained_families(store) == []
    create_report(store, {"id": "CO-1", "title": "then", "entities": [
        person("co-p1", "Joaquín GUZMÁN LOERA", birthDate=["1957-04-04"]),
        person("co-p2", "Ana RUIZ", birthDate=["1980-02-03"])]},
        origin="co-dijin", registry=registry)
    worker.poll_once()
    clock.now += 5
    done = worker.poll_once()
    assert done is not None
    assert done.to_dict()["families"]["Person"]["mode"] == "full"  # made again on 4
    assert service.untrained_families(store) == []
    ids = service.canonical_ids(store, ["mx-p1", "co-p1", "mx-p2", "co-p2"])
    assert ids["mx-p1"] == ids["co-p1"] and ids["mx-p2"] == ids["co-p2"]
    before = clusters(store)
    service.resolve(store, registry, full=True)
    assert clusters(store) == before
