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
from urllib.parse import urlparse

import pytest

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
