"""Shared fixtures.

``postgres_url`` gives a fresh, empty schema on the real PostgreSQL server
(``ACCORD_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``).
In CI (``CI=true``) an unreachable server is a failure; elsewhere the tests
that need it skip and say why.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

if TYPE_CHECKING:
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
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL schema (same tests on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accord.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated ``Store`` on each database of ``store_url``."""
    from accord.adapters.store import open_store

    opened = open_store(store_url)
    yield opened
    opened.close()
