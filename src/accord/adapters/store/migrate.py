"""Run the packaged Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database at ``engine`` to the newest schema (idempotent)."""
    config = _config()
    with engine.connect().execution_options(accord_write=True) as conn:
        if _current(conn) == head_revision():
            return
        with conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _current(conn)


def _current(conn: Connection) -> str | None:
    revision = MigrationContext.configure(conn).get_current_revision()
    conn.rollback()
    return revision
