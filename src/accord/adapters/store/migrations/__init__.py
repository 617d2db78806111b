"""Alembic migrations for the node's store (run by ``upgrade_to_head``)."""
