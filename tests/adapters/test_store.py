"""The store: engines, migrations, units of work (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from accord.adapters.store import Store, open_store
from accord.adapters.store.engine import normalise_url
from accord.adapters.store.migrate import current_revision, head_revision, upgrade_to_head
from accord.domain.errors import StoreUnavailable
from accord.domain.report import Report

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_migrations_create_every_table_and_reach_head(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"reports", "report_versions", "statements", "search_identifiers", "search_names",
            "users", "tokens", "alembic_version"} <= tables
    assert current_revision(store.engine) == head_revision()
    upgrade_to_head(store.engine)  # idempotent
    assert current_revision(store.engine) == head_revision()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    store.close()


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.reports.add(Report(id="R-1", origin="CO", title="lost", created=T0, updated=T0))
        raise RuntimeError("half-way")
    with store.unit_of_work(write=False) as uow:
        assert uow.reports.get("R-1") is None
    with store.unit_of_work() as uow:
        uow.reports.add(Report(id="R-1", origin="CO", title="kept", created=T0, updated=T0))
    with store.unit_of_work(write=False) as uow:
        got = uow.reports.get("R-1")
    assert got is not None and got.title == "kept" and got.created == T0


def test_unreachable_postgresql_names_the_host() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        open_store("postgresql://postgres@127.0.0.1:1/accord")
    assert str(caught.value).startswith("cannot reach the PostgreSQL at 127.0.0.1:1/accord: ")
    assert "Traceback" not in str(caught.value)


def test_missing_sqlite_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="the folder .*nowhere does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nowhere' / 'accord.db'}")


@pytest.mark.parametrize("url", ["mysql://localhost/x", "not a url"])
def test_unsupported_urls_are_refused_with_the_forms_accepted(url: str) -> None:
    with pytest.raises(StoreUnavailable, match="sqlite:///PATH"):
        open_store(url)


def test_plain_postgresql_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.postgres
def test_postgresql_honours_the_search_path_in_the_url(postgres_url: str) -> None:
    store = open_store(postgres_url)
    schema = postgres_url.rsplit("search_path%3D", 1)[1].split(",")[0]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT current_schema()")).scalar() == schema
    assert "statements" in inspect(store.engine).get_table_names(schema=schema)
    store.close()
