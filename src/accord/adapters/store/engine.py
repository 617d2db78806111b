"""Engines for the node's database: SQLite (embedded default) or PostgreSQL.

``create_store_engine`` accepts ``sqlite:///PATH`` and ``postgresql://`` /
``postgresql+psycopg://`` URLs, configures SQLite for a node (WAL, foreign
keys, busy timeout, explicit transactions) and checks that the database can be
reached, so that a wrong URL fails early with ``StoreUnavailable`` naming the
host or file rather than with a driver traceback.

SQLite lets one writer in at a time. Between processes its busy handler makes
the others wait, but it polls: a writer that finds the database locked sleeps
1, 2, 5, 10, 15, 20, 25, 25, ... ms before it looks again, however soon the
lock is free. Within a process (the API's transactions and the dispatcher's,
say) an SQLite engine therefore also takes a lock of its own around each
writing transaction, from its ``BEGIN IMMEDIATE`` until its connection goes
back to the pool, so that a waiting writer is let in as soon as the lock is
free. It waits for that lock at most the busy timeout, then goes on to SQLite's
own waiting as before.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from accord.domain.errors import StoreUnavailable

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 64 * 1024
PG_CONNECT_TIMEOUT_S = 5


def normalise_url(url: str) -> URL:
    """``url`` as a SQLAlchemy URL with the driver Accord uses (psycopg 3 for PostgreSQL)."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise StoreUnavailable(
            f"{url!r} is not a database URL (use sqlite:///PATH or postgresql://HOST/DB)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed
    raise StoreUnavailable(
        f"unsupported database {parsed.drivername!r} (use sqlite:///PATH or postgresql://...)"
    )


def describe(url: URL) -> str:
    """Where the database is, for messages (never the password)."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``, connected once to prove the database is reachable."""
    parsed = normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            engine = create_engine(
                parsed, pool_pre_ping=True,
                connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
            )
    except NoSuchModuleError as exc:  # pragma: no cover - dependencies are pinned
        raise StoreUnavailable(f"no driver for {parsed.drivername}: {exc}") from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreUnavailable(f"cannot reach the {describe(parsed)}: {reason}") from None
    return engine


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreUnavailable(
                f"cannot open the SQLite file {database}: the folder {folder} does not exist"
            )
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    writers = _WriteLock()
    _LOCKS[engine] = writers.lock
    event.listen(engine, "begin", writers.on_begin)
    for name in ("checkin", "close", "detach", "invalidate"):
        event.listen(engine.pool, name, writers.on_done)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit
    # transactions would defer it and break SAVEPOINTs and transactional DDL).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache (default 2 MiB): bulk imports insert by hashed keys
    # all over the B-trees, and a small cache turns that into disk reads.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


_HELD = "accord_write_lock"
_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def write_lock(engine: Engine) -> threading.Lock | None:
    """The lock an SQLite engine's writing transactions take in this process (None for
    other databases): held from a writing transaction's start until its connection is
    back in the pool."""
    return _LOCKS.get(engine)


class _WriteLock:
    """One engine's lock for writing transactions (see the module docstring)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def on_begin(self, conn: Any) -> None:
        # A writing unit of work takes the write lock up front: with WAL, a
        # deferred transaction that reads and then writes can fail with
        # SQLITE_BUSY when another writer got in between, whatever the timeout.
        if not conn.get_execution_options().get("accord_write", False):
            conn.exec_driver_sql("BEGIN")
            return
        info = conn.info
        if _HELD not in info and self.lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            info[_HELD] = self.lock
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(info)
            raise

    @staticmethod
    def on_done(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        """The connection went back to the pool (its transaction is over) or was dropped."""
        if record is not None:
            _release(record.info)


def _release(info: dict[str, Any]) -> None:
    lock = info.pop(_HELD, None)
    if lock is not None:
        lock.release()
