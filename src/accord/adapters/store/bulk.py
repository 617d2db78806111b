"""Bulk inserts straight through the driver: executemany on SQLite, COPY on PostgreSQL.

Bulk import spends its time here; SQLAlchemy's per-row parameter processing
would cost more than the inserts, and PostgreSQL's COPY is several times
faster than any INSERT. Both run on the unit of work's connection, inside its
transaction. Values must already be what the column stores (see
``statements._sqlite_row`` for times on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection


def insert_rows(conn: Connection, table: str, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``."""
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))
