"""A busy or lost database is reported as the store being unavailable, never as a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.adapters.store import Store, engine, open_store
from accord.domain.errors import StoreUnavailable
from accord.domain.users import Role


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 50)  # fail fast on a held lock
    opened = open_store(f"sqlite:///{tmp_path / 'accord.db'}")
    yield opened
    opened.close()


def _hold_write_lock(store: Store) -> sqlite3.Connection:
    path = store.engine.url.database
    assert path
    holder = sqlite3.connect(path, timeout=0.05)
    holder.execute("BEGIN IMMEDIATE")  # as a long import does
    return holder


def test_tokens_resolve_while_another_writer_holds_the_lock(sqlite_store: Store) -> None:
    sqlite_store.add_user("ana", Role.ANALYST)
    secret = sqlite_store.create_token("ana")
    holder = _hold_write_lock(sqlite_store)
    try:
        user = sqlite_store.resolve_token(secret)
        assert user is not None and user.name == "ana"
    finally:
        holder.rollback()
        holder.close()
    [token] = sqlite_store.list_tokens("ana")
    assert token.last_used is None  # the use could not be recorded, and that was fine


def test_a_locked_database_is_store_unavailable_and_nothing_is_written(
        sqlite_store: Store) -> None:
    holder = _hold_write_lock(sqlite_store)
    try:
        with pytest.raises(StoreUnavailable,
                           match="store: the database is unavailable .*locked.*try again"):
            sqlite_store.add_user("ana", Role.ANALYST)
    finally:
        holder.rollback()
        holder.close()
    assert sqlite_store.get_user("ana") is None
