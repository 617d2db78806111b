"""Entity resolution's tables, on their own ``MetaData`` (the store's models do not own them).

- ``resolution_models``: per family, the trained matcher (Splink settings with
  learned m/u, blocking stop list, threshold) as JSON.
- ``resolution_mentions``: per resolved entity, its family, what the matcher saw
  (JSON, so candidates can be scored without re-reading statements), the
  fingerprint of the values it was built from and its canonical entity.
- ``resolution_keys``: blocking keys, to find an incoming mention's candidates.
- ``resolution_links``: scored pairs with their evidence (levels and weights per
  comparison, shared strong identifiers).
- ``resolution_clusters``: canonical entities: caption, size, confidence, and
  the links and judgements that hold each together (JSON).
- ``resolution_judgements``: the current judgement of each judged pair (the
  ledger keeps the history).

Created by migration ``0006_resolution``; ``create_resolution_tables`` is for
tests that build a bare engine.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ID = 200  # entity ids, as in the statements table
KEY = 300

models = Table(
    "resolution_models", metadata,
    Column("family", String(40), primary_key=True),
    Column("body", Text, nullable=False),
    Column("records", Integer, nullable=False),
    Column("trained_at", DateTime(timezone=True), nullable=False),
)

mentions = Table(
    "resolution_mentions", metadata,
    Column("entity_id", String(ID), primary_key=True),
    Column("family", String(40), nullable=False),
    Column("fingerprint", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("canonical_id", String(40)),
    Index("ix_resolution_mentions_family", "family"),
    Index("ix_resolution_mentions_canonical", "canonical_id"),
)

keys = Table(
    "resolution_keys", metadata,
    Column("family", String(40), primary_key=True),
    Column("key", String(KEY), primary_key=True),
    Column("entity_id", String(ID), primary_key=True),
    Index("ix_resolution_keys_entity", "entity_id"),
)

links = Table(
    "resolution_links", metadata,
    Column("left_id", String(ID), primary_key=True),
    Column("right_id", String(ID), primary_key=True),
    Column("family", String(40), nullable=False),
    Column("weight", Float, nullable=False),
    Column("probability", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Index("ix_resolution_links_right", "right_id"),
)

clusters = Table(
    "resolution_clusters", metadata,
    Column("canonical_id", String(40), primary_key=True),
    Column("family", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_resolution_clusters_family", "family", "size"),
)

judgements = Table(
    "resolution_judgements", metadata,
    Column("left_id", String(ID), primary_key=True),
    Column("right_id", String(ID), primary_key=True),
    Column("judgement", String(12), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def create_resolution_tables(conn: Connection) -> None:
    """Create the tables directly (tests only; nodes get them from the migration)."""
    metadata.create_all(conn)
