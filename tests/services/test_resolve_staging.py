"""Staged resolution runs: matching under a read transaction, one short write at the end.

On SQLite and PostgreSQL (the ``store`` fixture): an import commits while a run
matches (nobody waits for the resolver's write lock), and a judgement made while
a run matches makes the run start again, so the judgement is not lost.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from accord.adapters.store import Store
from accord.analytics.resolve.incremental import Resolver
from accord.domain.registry import Registry, load_registry
from accord.services import resolve as service
from accord.services.reports import create_report


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def person(entity_id: str, name: str) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person",
            "properties": {"name": [name], "birthDate": ["1957-04-04"]}}


def seed(store: Store, registry: Registry) -> None:
    create_report(store, {"id": "R1", "title": "r", "entities": [
        person("p1", "Guzmán Loera, Joaquín"), person("p2", "Joaquín GUZMÁN LOERA"),
        person("p3", "Хоакин Гусман Лоэра")]}, origin="mx-fgr", registry=registry)


def during_runs(monkeypatch: pytest.MonkeyPatch, action: Any, times: int = 1) -> list[int]:
    """Run ``action`` in another thread while the resolver matches (the first ``times``
    runs), and wait for it: it must not wait for the resolver."""
    calls: list[int] = []
    original = Resolver.run

    def run(self: Resolver, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            errors: list[BaseException] = []

            def act() -> None:
                try:
                    action()
                except BaseException as exc:  # reported below
                    errors.append(exc)

            other = threading.Thread(target=act)
            other.start()
            other.join(60)
            assert not other.is_alive(), "the other writer waited for the resolver"
            assert not errors, errors
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Resolver, "run", run)
    return calls


def test_an_import_commits_while_a_run_matches(store: Store, registry: Registry,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    seed(store, registry)
    calls = during_runs(monkeypatch, lambda: create_report(
        store, {"id": "R2", "title": "meanwhile", "entities": [person("p4", "Ana Ruiz")]},
        origin="co-dijin", registry=registry))
    done = service.resolve(store, registry).to_dict()
    assert calls == [1] and done["mentions"] == 3  # p4 came after the run's reading
    assert len(set(service.canonical_ids(store, ["p1", "p2", "p3"]).values())) == 1
    later = service.resolve(store, registry).to_dict()
    assert later["families"]["Person"]["new"] == 1 and later["mentions"] == 4


def test_a_judgement_made_during_a_run_makes_it_start_again(
        store: Store, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(store, registry)
    service.resolve(store, registry)
    create_report(store, {"id": "R2", "title": "more", "entities": [
        person("p5", "Joaquin Guzman Loera")]}, origin="co-dijin", registry=registry)
    calls = during_runs(monkeypatch, lambda: service.judge(
        store, "p1", "p3", "different", actor="ana"))
    service.resolve(store, registry)
    assert len(calls) == 2  # the first attempt's work was dropped
    ids = service.canonical_ids(store, ["p1", "p3", "p5"])
    assert ids["p1"] != ids["p3"]
    assert ids["p5"] in {ids["p1"], ids["p3"]}
    before = {c["id"]: c["members"] for c in service.canonical_entities(store, min_size=1)}
    monkeypatch.undo()
    service.resolve(store, registry, full=True)
    assert {c["id"]: c["members"]
            for c in service.canonical_entities(store, min_size=1)} == before
