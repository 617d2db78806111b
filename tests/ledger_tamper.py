"""What a tamperer with database access does to the ledger's bundles (for the tests of
``audit verify``): change, cut out, split off or slip in single leaves inside the
bundle rows, through any DB-API connection (SQLAlchemy's or plain ``sqlite3``)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from accord.adapters.ledger.tree import LeafRow, bundle_values, unpack_bundle
from accord.domain.merkle import leaf_hash

Rows = list[LeafRow]


def _run(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    if isinstance(conn, Connection):
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        return conn.exec_driver_sql(sql.replace("?", mark), params)
    return conn.execute(sql, params)


def bundle_of(conn: Any, index: int) -> tuple[int, Rows]:
    """The first index and the leaves of the bundle holding leaf ``index``."""
    row = _run(conn, "SELECT first_idx, n, hashes, ends, data FROM ledger_bundles "
                     "WHERE first_idx <= ? ORDER BY first_idx DESC LIMIT 1", (index,)).fetchone()
    assert row is not None and index < row[0] + row[1], f"no bundle holds leaf {index}"
    return int(row[0]), unpack_bundle(*row)


def put(conn: Any, first: int, rows: Rows, *, at: int | None = None) -> None:
    """Replace the bundle at ``first`` by ``rows`` (stored from ``at``, default ``first``);
    an empty ``rows`` deletes it."""
    _run(conn, "DELETE FROM ledger_bundles WHERE first_idx = ?", (first,))
    if rows:
        add(conn, first if at is None else at, rows)


def add(conn: Any, first: int, rows: Rows) -> None:
    """Insert a bundle of ``rows`` at ``first`` (rows keep their hashes and data as given)."""
    v = bundle_values(first, [r.leaf_hash for r in rows], [r.data for r in rows])
    _run(conn, "INSERT INTO ledger_bundles (first_idx, n, hashes, ends, data) "
               "VALUES (?, ?, ?, ?, ?)",
         (v["first_idx"], v["n"], v["hashes"], v["ends"], v["data"]))


def edit(conn: Any, index: int, change: Callable[[LeafRow], LeafRow]) -> None:
    """Change leaf ``index`` inside its bundle."""
    first, rows = bundle_of(conn, index)
    rows[index - first] = change(rows[index - first])
    put(conn, first, rows)


def edit_data(conn: Any, index: int, old: bytes, new: bytes, *, rehash: bool = False) -> None:
    """Replace ``old`` by ``new`` in the data of leaf ``index`` (and its hash if ``rehash``)."""
    def change(row: LeafRow) -> LeafRow:
        data = row.data.replace(old, new)
        assert data != row.data
        return replace(row, data=data, leaf_hash=leaf_hash(data) if rehash else row.leaf_hash)
    edit(conn, index, change)


def delete_leaf(conn: Any, index: int) -> None:
    """Delete leaf ``index``: its bundle is split around it, leaving a gap."""
    first, rows = bundle_of(conn, index)
    k = index - first
    put(conn, first, rows[:k])
    if rows[k + 1:]:
        add(conn, index + 1, rows[k + 1:])


def cut_leaf(conn: Any, index: int) -> None:
    """Cut leaf ``index`` out of its bundle: the later leaves of the bundle move down."""
    first, rows = bundle_of(conn, index)
    put(conn, first, rows[:index - first] + rows[index - first + 1:])


def insert_leaf(conn: Any, index: int, row: LeafRow) -> None:
    """Shift leaves ``index..`` up by one and slip ``row`` in at ``index`` (its bundle
    grows by one, later bundles move up)."""
    first, rows = bundle_of(conn, index)
    _run(conn, "UPDATE ledger_bundles SET first_idx = first_idx + 1000000 WHERE first_idx > ?",
         (first,))
    _run(conn, "UPDATE ledger_bundles SET first_idx = first_idx - 999999 "
               "WHERE first_idx >= 1000000")
    put(conn, first, rows[:index - first] + [row] + rows[index - first:])
    _run(conn, "UPDATE ledger_head SET size = size + 1")


def damage_ends(conn: Any, index: int) -> None:
    """Make the end offsets of the bundle holding ``index`` disagree with its data."""
    first, _ = bundle_of(conn, index)
    ends = bytes(_run(conn, "SELECT ends FROM ledger_bundles WHERE first_idx = ?",
                      (first,)).fetchone()[0])
    last = struct.unpack(">I", ends[-4:])[0]
    _run(conn, "UPDATE ledger_bundles SET ends = ? WHERE first_idx = ?",
         (ends[:-4] + struct.pack(">I", last + 1), first))
