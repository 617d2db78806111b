"""The node's store: SQLAlchemy 2 over SQLite (default) or PostgreSQL, Alembic migrations."""

from accord.adapters.store.migrate import upgrade_to_head
from accord.adapters.store.store import Store, UnitOfWork, open_store

__all__ = ["Store", "UnitOfWork", "open_store", "upgrade_to_head"]
