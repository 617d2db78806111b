"""SQLite's per-process write lock: held by a writing unit of work from its first statement
until its connection is back in the pool, released however it ends (commit, rollback, an
error, a refused BEGIN), never taken by a reading one, and writers in one process take
turns (the next gets in as soon as the previous is done)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from accord.adapters.store import Store, engine, open_store
from accord.adapters.store.engine import write_lock
from accord.domain.errors import StoreUnavailable


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'accord.db'}")
    yield opened
    opened.close()


def lock_of(store: Store) -> threading.Lock:
    lock = write_lock(store.engine)
    assert lock is not None
    return lock


def test_held_during_a_writing_unit_of_work_only(store: Store) -> None:
    lock = lock_of(store)
    with store.unit_of_work() as uow:
        assert not lock.locked()  # nothing asked of the database yet
        uow.session.execute(text("SELECT 1"))
        assert lock.locked()
        with store.unit_of_work(write=False) as reader:  # a reader never waits for it
            reader.session.execute(text("SELECT 1"))
    assert not lock.locked()
    with store.unit_of_work(write=False) as reader:
        reader.session.execute(text("SELECT 1"))
        assert not lock.locked()


def test_released_after_an_error_and_a_rollback(store: Store) -> None:
    lock = lock_of(store)
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))
        raise RuntimeError("the service failed half-way")
    assert not lock.locked()
    with pytest.raises(StoreUnavailable), store.unit_of_work() as uow:
        uow.session.execute(text("SELECT * FROM no_such_table"))
    assert not lock.locked()
    for _ in range(3):  # one thread, one writing unit of work after another: no deadlock
        with store.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
    assert not lock.locked()


def test_released_when_sqlite_refuses_the_begin(store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = store.engine.url.database
    assert path
    holder = sqlite3.connect(path, timeout=0.05)  # another process's writer
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable), store.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
        assert not lock_of(store).locked()
    finally:
        holder.rollback()
        holder.close()


def test_writers_in_one_process_take_turns(store: Store) -> None:
    lock = lock_of(store)
    order: list[str] = []
    first_inside, first_may_finish = threading.Event(), threading.Event()

    def first() -> None:
        with store.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
            order.append("first in")
            first_inside.set()
            first_may_finish.wait(30)
            order.append("first out")

    def second() -> None:
        first_inside.wait(30)
        with store.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_inside.wait(30)
    assert lock.locked()
    first_may_finish.set()
    for thread in threads:
        thread.join(30)
    assert order == ["first in", "first out", "second in"]
    assert not lock.locked()


def test_not_for_postgresql() -> None:
    from sqlalchemy import create_engine

    assert write_lock(create_engine("postgresql+psycopg://localhost/test")) is None
