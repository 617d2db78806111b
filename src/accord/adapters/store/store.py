"""The store: an engine plus units of work over it.

A ``UnitOfWork`` is one transaction with the repositories bound to it. Used as
a context manager it commits when the block ends normally and rolls back when
it raises, so a service that fails half-way leaves nothing behind::

    with store.unit_of_work() as uow:
        uow.reports.add(report)
        uow.statements.insert(rows)

Services report what they changed as domain events (``uow.events.append``);
handlers subscribed with ``Store.subscribe`` run on them inside the same
transaction just before it commits (the outbox of releases is written so),
and listeners added with ``Store.on_commit`` hear about them once committed.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from accord.adapters.ledger import LedgerStore
from accord.adapters.store.engine import create_store_engine, describe, normalise_url
from accord.adapters.store.inbox import InboxRepository, SqlReplayCache
from accord.adapters.store.migrate import upgrade_to_head
from accord.adapters.store.outbox import OutboxRepository
from accord.adapters.store.partners import AgreementRepository, PartnerRepository
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
    partners: PartnerRepository
    agreements: AgreementRepository
    outbox: OutboxRepository
    inbox: InboxRepository
    replay_cache: SqlReplayCache
    ledger: LedgerStore

    def __init__(self, engine: Engine, *, write: bool, hooks: StoreHooks | None = None) -> None:
        self._engine = engine.execution_options(accord_write=write)
        self._hooks = hooks or StoreHooks()
        self.events: list[object] = []

    def __enter__(self) -> UnitOfWork:
        self.session = Session(bind=self._engine, expire_on_commit=False, autoflush=True)
        self.reports = ReportRepository(self.session)
        self.statements = StatementRepository(self.session)
        self.search = SearchIndex(self.session)
        self.users = UserRepository(self.session)
        self.partners = PartnerRepository(self.session)
        self.agreements = AgreementRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.inbox = InboxRepository(self.session)
        self.replay_cache = SqlReplayCache(self.session)
        self.ledger = LedgerStore(self.session)  # acts are recorded in this transaction
        self.events = []
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        committed: list[object] = []
        try:
            if exc_type is None:
                if self.events:
                    self._hooks.before_commit(self)
                self.session.commit()
                committed = self.events
            else:
                self.session.rollback()
        except OperationalError as error:
            self.session.rollback()
            raise _unavailable(error) from error
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self.session.close()
        if isinstance(exc, OperationalError):
            # A locked or lost database is the store being unavailable (503), not a bug.
            raise _unavailable(exc) from exc
        if committed:
            self._hooks.after_commit(committed)

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"


def _unavailable(error: OperationalError) -> StoreUnavailable:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return StoreUnavailable(f"the database is unavailable ({reason}); try again",
                            where="store")


EventHandler = Callable[[UnitOfWork, list[object]], None]
CommitListener = Callable[[list[object]], None]


class StoreHooks:
    """Event handlers (inside the transaction) and commit listeners (after it)."""

    def __init__(self) -> None:
        self.handlers: list[EventHandler] = []
        self.listeners: list[CommitListener] = []

    def before_commit(self, uow: UnitOfWork) -> None:
        for handler in self.handlers:
            handler(uow, list(uow.events))

    def after_commit(self, events: list[object]) -> None:
        for listener in self.listeners:
            listener(events)


class Store:
    """A node's database. Create with ``open_store``; share one per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.hooks = StoreHooks()

    def subscribe(self, handler: EventHandler) -> None:
        """Run ``handler(uow, events)`` in every unit of work that has events, before commit.

        Whatever it writes commits with the change; if it raises, nothing commits.
        """
        self.hooks.handlers.append(handler)

    def on_commit(self, listener: CommitListener) -> None:
        """Call ``listener(events)`` after a unit of work with events has committed."""
        self.hooks.listeners.append(listener)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        return describe(self.engine.url)

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        """A new transaction; ``write=False`` for reads (no write lock on SQLite)."""
        return UnitOfWork(self.engine, write=write, hooks=self.hooks)

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
        """The user holding this active token, or None.

        Recording when a token was last used is best-effort and throttled: an
        API request must not wait for the write lock that a long import holds.
        """
        with self.unit_of_work(write=False) as uow:
            user = uow.users.resolve_token(plaintext, touch=False)
            stale = user is not None and uow.users.token_use_is_stale(plaintext)
        if stale:
            try:
                with self.unit_of_work() as uow:
                    uow.users.resolve_token(plaintext)
            except StoreUnavailable:
                pass
        return user

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
        except DBAPIError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            if "pg_trgm" in reason:
                reason += " (ask a superuser to run CREATE EXTENSION pg_trgm in this database)"
            where = describe(normalise_url(url))
            raise StoreUnavailable(f"cannot prepare the {where}: {reason}") from None
    return Store(engine)
