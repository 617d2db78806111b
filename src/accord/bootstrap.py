"""The composition root: a ``Node`` built from a node directory.

Every entrypoint gets what it needs from here and nowhere else::

    with open_node(path) as node:          # path None -> $ACCORD_NODE
        node.config                        # NodeConfig (node_id, country, name, contact, db_url)
        node.store                         # Store, opened (and migrated) on first use
        node.registry                      # schema Registry
        node.keys                          # NodeKeys (signing + encryption), read on first use
        node.receiver                      # Receiver: the inbox's checks (services/receive.py)
        node.dispatcher()                  # a Dispatcher delivering the outbox to partners
        node.bus                           # EventBus: live arrivals, refusals, alerts (SSE)

Nothing is built when this module is imported, and a ``Node`` opens its store
and reads its keys only when first asked, so ``accord schema`` never touches
the database. ``init_node`` creates a node directory from scratch.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from accord.config import DEFAULT_DB_URL, NodeConfig, NodeDir, node_path
from accord.domain.errors import Conflict
from accord.domain.users import Role, User

if TYPE_CHECKING:
    from accord.adapters.bus import EventBus
    from accord.adapters.keys import NodeKeys
    from accord.adapters.store import Store
    from accord.adapters.transport import Transport
    from accord.domain.registry import Registry
    from accord.services.agreements import PolicyCache
    from accord.services.dispatch import Dispatcher
    from accord.services.receive import Receiver


class Node:
    """One agency's node: its directory, configuration, store, registry and keys."""

    def __init__(self, directory: NodeDir, config: NodeConfig, *, creating: bool = False) -> None:
        self.dir = directory
        self.config = config
        # only ``init_node`` may create the SQLite file; elsewhere a missing one is an error
        self._creating = creating

    @property
    def path(self) -> Path:
        return self.dir.path

    @property
    def node_id(self) -> str:
        return self.config.node_id

    @property
    def db_url(self) -> str:
        """The store URL, with a relative SQLite path resolved against the node directory."""
        return self.dir.db_url(self.config)

    @cached_property
    def store(self) -> Store:
        from accord.adapters.store import open_store
        from accord.services.share import ShareHandler

        if not self._creating:
            _check_sqlite_file(self.db_url)
        store = open_store(self.db_url)
        # report changes fill the outbox of releases in their own transaction
        store.subscribe(ShareHandler.for_node(self, self.policy_cache))
        return store

    @cached_property
    def policy_cache(self) -> PolicyCache:
        from accord.services.agreements import PolicyCache

        return PolicyCache()

    @cached_property
    def receiver(self) -> Receiver:
        from accord.services.receive import Receiver

        return Receiver.for_node(self, self.policy_cache)

    def dispatcher(self, transport: Transport | None = None) -> Dispatcher:
        """A dispatcher for this node's outbox (pulls ``pull`` partners, purges expired
        material), woken by every local commit that queued something."""
        from accord.adapters.transport import HttpTransport
        from accord.services.dispatch import Dispatcher
        from accord.services.feed import FeedPuller
        from accord.services.retention import purge_expired

        settings = self.config.federation
        transport = transport or HttpTransport(timeout=settings.timeout_seconds)
        puller = FeedPuller(me=self.node_id, keys=self.keys, store=self.store,
                            receiver=self.receiver, transport=transport)
        dispatcher = Dispatcher(
            me=self.node_id, keys=self.keys, store=self.store, settings=settings,
            transport=transport, puller=puller,
            purge=lambda now: len(purge_expired(self.store, now=now).reports))
        self.store.on_commit(dispatcher.notify)
        return dispatcher

    @cached_property
    def bus(self) -> EventBus:
        """The live event bus (arrivals, refusals, alerts) that ``GET /api/v1/stream`` reads;
        its sources run only while someone listens (``accord.services.events``)."""
        from accord.services.events import node_bus

        return node_bus(self)

    @cached_property
    def registry(self) -> Registry:
        from accord.domain.registry import load_registry

        return load_registry()

    @cached_property
    def keys(self) -> NodeKeys:
        from accord.adapters.keys import load_node_keys

        return load_node_keys(self.dir.keys_dir)

    def info(self) -> dict[str, Any]:
        """What the node says about itself (no secrets, no database password)."""
        return {"node_id": self.config.node_id, "country": self.config.country,
                "name": self.config.name, "contact": self.config.contact}

    def close(self) -> None:
        bus = self.__dict__.pop("bus", None)
        if bus is not None:
            bus.close()
        store = self.__dict__.pop("store", None)
        if store is not None:
            store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_node(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Node:
    """The node in ``path`` (else ``$ACCORD_NODE``); raises ``NodeConfigError`` if there is none."""
    directory = NodeDir(node_path(path, env))
    return Node(directory, directory.read_config())


@dataclass(frozen=True)
class Initialised:
    """What ``init_node`` made: the node, its first admin and that admin's token (shown once)."""

    node: Node
    admin: User
    admin_token: str


def init_node(path: Path, *, node_id: str, country: str, db_url: str | None = None,
              name: str = "", contact: str = "", admin_name: str = "admin") -> Initialised:
    """Create a node directory: node.yaml, keys (0600), the migrated store, the first admin.

    ``path`` may not exist yet or be an empty directory. On any failure
    everything this call created is removed again and the error is re-raised
    (an unreachable database raises ``StoreUnavailable`` before anything is
    written). The returned node's store is open; close the node when done.
    """
    config = NodeConfig(node_id=node_id, country=country, name=name, contact=contact,
                        db_url=db_url or DEFAULT_DB_URL)
    directory = NodeDir(path)
    created = _prepare_empty_dir(directory)
    node = Node(directory, config, creating=True)
    try:
        store = node.store  # first: an unreachable database fails before any file is written
        from accord.adapters.keys import generate_node_keys

        generate_node_keys(directory.keys_dir)
        from accord.services.users import add_user

        # through the service, so the first admin is in the ledger like every other user
        admin, issued = add_user(store, admin_name, Role.ADMIN,
                                 token_label="created by accord init")
        token = issued.secret
        # node.yaml last: a directory counts as a node only once everything is in place.
        directory.write_config(config)
    except BaseException:
        node.close()
        _remove(directory.path, created)
        raise
    return Initialised(node=node, admin=admin, admin_token=token)


def _check_sqlite_file(db_url: str) -> None:
    """A node's SQLite file must exist: opening would silently create an empty store."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if not url.get_backend_name() == "sqlite" or url.database in (None, "", ":memory:"):
        return
    database = Path(url.database)
    wal = database.with_name(database.name + "-wal")
    if not database.is_file() or (database.stat().st_size == 0 and not wal.is_file()):
        from accord.config import NodeConfigError

        raise NodeConfigError("the node's database file is missing or empty; restore it from "
                              "a backup (accord init creates it only for a new node)",
                              where=str(database))


def _prepare_empty_dir(directory: NodeDir) -> bool:
    """Make sure ``directory`` exists and is empty; True if this call created it."""
    path = directory.path
    if directory.is_initialised():
        raise Conflict(f"already an Accord node (it has {directory.config_path.name}); "
                       "refusing to initialise it again", where=str(path))
    if path.exists():
        if not path.is_dir():
            raise Conflict("exists and is not a directory", where=str(path))
        if any(path.iterdir()):
            raise Conflict("the directory is not empty; initialise a node in a new or empty "
                           "directory", where=str(path))
        return False
    path.mkdir(parents=True)
    return True


def _remove(path: Path, created: bool) -> None:
    # Only ever delete what init created: the whole directory if it made it,
    # else the contents of the directory it found empty.
    if created:
        shutil.rmtree(path, ignore_errors=True)
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
