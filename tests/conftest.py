"""Shared fixtures.

``postgres_url`` gives a fresh, empty schema on the real PostgreSQL server
(``ACCORD_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``).
In CI (``CI=true``) an unreachable server is a failure; elsewhere the tests
that need it skip and say why.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from accord.adapters.store import Store

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _pg_reachable(url: str) -> str | None:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432),
                                 timeout=3).close()
    except OSError as exc:
        return f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432} is unreachable ({exc})"
    return None


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    url = os.environ.get("ACCORD_TEST_POSTGRES_URL", DEFAULT_PG)
    problem = _pg_reachable(url)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI requires the PostgreSQL suite to run")
        pytest.skip(f"{problem}; set ACCORD_TEST_POSTGRES_URL to run the PostgreSQL suite")
    return url


@pytest.fixture
def postgres_url(postgres_base_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    sep = "&" if "?" in plain else "?"
    yield f"{plain}{sep}options=-csearch_path%3D{schema},public"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_kind(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` then ``"postgresql"``: tests using it run on both stores."""
    return str(request.param)


@pytest.fixture
def store_url(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL schema (same tests on both)."""
    if store_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'accord.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An open, migrated, empty ``Store`` on each database (not the one ``store_url`` names).

    Migrating takes far longer than a test, so the database is migrated once per
    session and each test gets a copy (SQLite) or the same schema emptied and
    re-seeded with whatever the migrations inserted (PostgreSQL).
    """
    from accord.adapters.store import open_store

    if store_kind == "sqlite":
        path = tmp_path / "accord.db"
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite"), path)
        opened = open_store(f"sqlite:///{path}")
    else:
        template: _Template = request.getfixturevalue("_migrated_postgres")
        opened = open_store(template.url)
        template.reset(opened.engine)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from accord.adapters.store import open_store

    path = tmp_path_factory.mktemp("template") / "accord.db"
    open_store(f"sqlite:///{path}").close()  # closing checkpoints the WAL into the file
    return path


class _Template:
    """A migrated PostgreSQL schema and the rows the migrations seeded."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import MetaData, select

        from accord.adapters.store import open_store

        self.url = url
        store = open_store(url)
        self.metadata = MetaData()
        self.metadata.reflect(store.engine)
        self.tables = [t for t in self.metadata.sorted_tables if t.name != "alembic_version"]
        with store.engine.connect() as conn:
            self.seeds = {t: [dict(r) for r in conn.execute(select(t)).mappings()]
                          for t in self.tables}
            self.sequences = [name for (name,) in conn.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()")]
        store.close()

    def reset(self, engine: Engine) -> None:
        from sqlalchemy import delete, insert

        # DELETE, not TRUNCATE: on tables this small it is many times faster.
        with engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(delete(table))
            for name in self.sequences:
                conn.exec_driver_sql(f"SELECT setval('\"{name}\"', 1, false)")
            for table, rows in self.seeds.items():
                if rows:
                    conn.execute(insert(table), rows)


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_base_url: str) -> Iterator[_Template]:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    sep = "&" if "?" in plain else "?"
    yield _Template(f"{plain}{sep}options=-csearch_path%3D{schema},public")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
