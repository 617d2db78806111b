"""Alembic environment: always run programmatically on a connection we pass in.

``upgrade_to_head`` puts the connection in ``config.attributes["connection"]``;
there is no ``alembic.ini`` and no URL here, so migrations never open a
database of their own.
"""

from __future__ import annotations

from alembic import context

from accord.adapters.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded by upgrade_to_head
    raise RuntimeError("run migrations through accord.adapters.store.migrate.upgrade_to_head")

context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
