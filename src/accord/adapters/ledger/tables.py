"""The ledger's tables, on their own ``MetaData`` (the store's models do not own them).

- ``ledger_bundles``: the leaves, one row per appended batch (an "entry
  bundle", as C2SP tlog-tiles calls it, but never rewritten): keyed by the
  index of its first leaf, with ``n`` leaves, their 32-byte leaf hashes
  concatenated (``hashes``), their data (canonical JSON, see
  ``accord.domain.ledger_entry``) concatenated (``data``) and the end offset
  of each leaf in ``data`` as 4-byte big-endian integers (``ends``). A batch of
  a thousand acts is one row; a single act is a one-leaf row. Leaf ``i`` is in
  the row with the largest ``first_idx <= i``. Batches longer than
  ``BUNDLE_MAX`` are split into several rows.
- ``ledger_index``: the auditor's query columns (time, who, what, subject,
  agreement, partner) copied from the leaves, with secondary indexes on actor,
  action and agreement. It is a *derived* index, filled in batches when a
  checkpoint is signed (``LedgerTree.index_pending``) rather than on every
  append: the leaves after it are few and ``search`` reads them directly.
  ``verify_all`` checks every row against its leaf, so an altered or deleted
  row (which could hide an act from a filtered view) is caught. ``at`` is the
  leaf's own UTC text (fixed width, so it sorts as time).
- ``ledger_tiles``: hashes of perfect subtrees at levels ``TILE_STRIDE``,
  ``2 * TILE_STRIDE``, ... (level 0 is the bundles' leaf hashes; levels 1 to
  ``TILE_STRIDE - 1`` are recomputed from them when needed). Any subtree
  hash is then at most ``2**(TILE_STRIDE - 1)`` rows away, so a proof at 10M
  leaves reads ~100 rows, while the tiles cost one row per 15 leaves.
- ``ledger_head``: one row holding the tree size; appends lock it, so
  concurrent writers queue instead of forking the log.
- ``ledger_checkpoints``: the signed checkpoints, with co-signatures.
- ``ledger_seen``: per partner origin, the last checkpoint this node witnessed.
- ``ledger_alerts``: evidence of partners' inconsistent checkpoints.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
)

from accord.domain.errors import AccordError

TILE_STRIDE = 4
TILE_WIDTH = 1 << TILE_STRIDE
BUNDLE_MAX = 256  # leaves per bundle row at most (see docs/benchmarks/ledger.md)
HASH_SIZE = 32
END_SIZE = 4  # bytes per end offset in ``ends``

metadata = MetaData()

# INTEGER on SQLite makes the index the rowid: rows are clustered by index.
_Index = BigInteger().with_variant(Integer(), "sqlite")

bundles = Table(
    "ledger_bundles", metadata,
    Column("first_idx", _Index, primary_key=True, autoincrement=False),
    Column("n", Integer, nullable=False),
    Column("hashes", LargeBinary, nullable=False),
    Column("ends", LargeBinary, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
leaves = bundles  # where the leaves are (``delete(leaves)`` removes every leaf)

leaf_index = Table(
    "ledger_index", metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("at", String(27), nullable=False),
    Column("actor", String(500), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(500), nullable=False, default=""),
    Column("agreement", String(500)),
    Column("partner", String(500)),
    # On SQLite an index carries the rowid (idx); PostgreSQL needs it spelled out.
    Index("ledger_index_actor", "actor", "idx"),
    Index("ledger_index_action", "action", "idx"),
    Index("ledger_index_agreement", "agreement", "idx"),
)

tiles = Table(
    "ledger_tiles", metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

head = Table(
    "ledger_head", metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)

checkpoints = Table(
    "ledger_checkpoints", metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

seen = Table(
    "ledger_seen", metadata,
    Column("origin", String(300), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

alerts = Table(
    "ledger_alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(300), nullable=False),
    Column("reason", Text, nullable=False),
    Column("old_note", Text, nullable=False),
    Column("new_note", Text, nullable=False),
    Column("proof", Text, nullable=False),  # base64 hashes, one per line
    Column("at", DateTime(timezone=True), nullable=False),
)

HEAD_ID = 1


class LedgerError(AccordError):
    """The ledger tables are missing or do not hold what they must (a broken store)."""

    code = "ledger_error"
    status = 500


def create_ledger_tables(conn: Connection) -> None:
    """Create the ledger tables and the head row if missing (tests, benchmarks, and
    databases not yet under the store's Alembic migrations)."""
    if not inspect(conn).has_table(bundles.name):
        metadata.create_all(conn)
        uncompressed(conn)
    else:
        metadata.create_all(conn)
    if conn.execute(select(head.c.id).where(head.c.id == HEAD_ID)).first() is None:
        conn.execute(insert(head).values(id=HEAD_ID, size=0))


def uncompressed(conn: Connection) -> None:
    """PostgreSQL: keep bundle blobs out of line but uncompressed (``EXTERNAL``).

    The default (``EXTENDED``) would compress every appended batch with pglz on
    the act's path; appends must stay cheap, and disk is cheaper than CPU here.
    """
    if conn.dialect.name == "postgresql":
        for column in ("hashes", "ends", "data"):
            conn.exec_driver_sql(
                f"ALTER TABLE ledger_bundles ALTER COLUMN {column} SET STORAGE EXTERNAL")
