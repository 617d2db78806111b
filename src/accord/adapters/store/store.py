"""The store: an engine plus units of work over it.

A ``UnitOfWork`` is one transaction with the repositories bound to it. Used as
a context manager it commits when the block ends normally and rolls back when
it raises, so a service that fails half-way leaves nothing behind::

    with store.unit_of_work() as uow:
        uow.reports.add(report)
        uow.statements.insert(rows)
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from accord.adapters.store.engine import create_store_engine, describe, normalise_url
from accord.adapters.store.migrate import upgrade_to_head
from accord.adapters.store.reports import ReportRepository
from accord.adapters.store.search_index import SearchIndex
from accord.adapters.store.statements import StatementRepository
from accord.adapters.store.users import UserRepository
from accord.domain.errors import StoreUnavailable
from accord.domain.users import ApiToken, Role, User


class UnitOfWork:
    """One transaction; repositories as attributes (valid inside the ``with`` block)."""

    session: Session
    reports: ReportRepository
    statements: StatementRepository
    search: SearchIndex
    users: UserRepository

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self._engine = engine.execution_options(accord_write=write)

    def __enter__(self) -> UnitOfWork:
        self.session = Session(bind=self._engine, expire_on_commit=False, autoflush=True)
        self.reports = ReportRepository(self.session)
        self.statements = StatementRepository(self.session)
        self.search = SearchIndex(self.session)
        self.users = UserRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"


class Store:
    """A node's database. Create with ``open_store``; share one per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        return describe(self.engine.url)

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        """A new transaction; ``write=False`` for reads (no write lock on SQLite)."""
        return UnitOfWork(self.engine, write=write)

    def close(self) -> None:
        self.engine.dispose()

    # Users and tokens, each call its own transaction (see ``UserRepository``).
    def add_user(self, name: str, role: Role) -> User:
        with self.unit_of_work() as uow:
            return uow.users.add_user(name, role)

    def get_user(self, name: str) -> User | None:
        with self.unit_of_work(write=False) as uow:
            return uow.users.get_user(name)

    def list_users(self) -> list[User]:
        with self.unit_of_work(write=False) as uow:
            return uow.users.list_users()

    def create_token(self, user: str, label: str = "") -> str:
        """A new token's secret, to be shown once (only its hash is kept)."""
        with self.unit_of_work() as uow:
            secret, _record = uow.users.create_token(user, label)
            return secret

    def resolve_token(self, plaintext: str) -> User | None:
        """The user holding this active token, or None (records when it was last used)."""
        with self.unit_of_work() as uow:
            return uow.users.resolve_token(plaintext)

    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        with self.unit_of_work(write=False) as uow:
            return uow.users.list_tokens(user)

    def revoke_token(self, token_id: int) -> ApiToken:
        with self.unit_of_work() as uow:
            return uow.users.revoke_token(token_id)


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Connect to the database at ``url`` and (by default) bring its schema up to date.

    ``url`` is ``sqlite:///PATH`` or ``postgresql://[user@]host[:port]/db`` (the
    ``postgresql+psycopg://`` form too). Raises ``StoreUnavailable`` naming the
    file or host when the database cannot be reached.
    """
    engine = create_store_engine(url)
    if migrate:
        try:
            upgrade_to_head(engine)
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            where = describe(normalise_url(url))
            raise StoreUnavailable(f"cannot prepare the {where}: {reason}") from None
    return Store(engine)
