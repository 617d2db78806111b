"""Automatic resolution: new and received statements resolved soon after they land.

``ResolutionWorker`` runs in ``accord serve`` (a thread, like the ledger keeper
and the dispatcher). It never runs inside an import or a receipt, and never
holds them up: it only reads until it has something to write (``resolve`` stages
its work, see ``resolution_staging``), and a failed round is logged and tried
again later, never raised into anyone else's transaction.

How it notices changes, whoever made them (the API, ``accord import`` in another
process, the inbox, retention):

1. every ``poll_seconds`` it reads the store's *signature* (how many report
   versions and reports, the latest version recorded): one cheap query;
2. when that changed, it waits until the store has been quiet for
   ``quiet_seconds`` (a burst of arrivals becomes one round), but never longer
   than ``max_wait_seconds`` after the first change;
3. then it compares each resolvable entity's statement *digest* with the last
   round's and resolves just the entities that were added, changed or retracted
   (``resolve_entities``), incrementally against the existing clusters.

Its first round resolves everything that changed while no worker ran
(``resolve``: incremental by fingerprint; a family without a model is trained
from scratch, so a new node's first import trains the models). Later rounds are
incremental; a family seen for the first time is trained then. A family too
small to train (fewer than ``MIN_TRAIN`` mentions) keeps cautious priors, with
the prior probability of a match estimated on the mentions of that time; when
such a family has doubled (``refit_growth``) or reached ``MIN_TRAIN``, the worker
makes its model again and matches that family from scratch (as
``accord resolve --retrain`` would, for that family only).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accord.adapters.store import Store
from accord.adapters.store.resolution_repo import statement_digests, store_signature
from accord.domain.registry import Registry

if TYPE_CHECKING:
    from accord.bootstrap import Node
    from accord.services.resolve import ResolveResult

log = logging.getLogger("accord.resolution")

Clock = Callable[[], float]


@dataclass(frozen=True)
class WorkerSettings:
    poll_seconds: float = 2.0
    quiet_seconds: float = 3.0
    max_wait_seconds: float = 30.0
    retry_seconds: float = 60.0  # after a failed round
    threads: int = 1  # DuckDB threads: the node's API and inbox keep the other core
    refit_growth: float = 2.0  # an untrained family's model is made again when it doubles


class ResolutionWorker:
    """Keeps a node's canonical entities in line with its statements (module docstring)."""

    def __init__(self, store: Store, registry: Registry,
                 settings: WorkerSettings | None = None, *,
                 clock: Clock = time.monotonic) -> None:
        self.store, self.registry = store, registry
        self.settings = settings or WorkerSettings()
        self.clock = clock
        self.rounds = 0
        self.last: ResolveResult | None = None
        self.last_error: str | None = None
        self._schemata: list[str] | None = None
        self._signature: tuple[int, int, str] | None = None
        self._digests: dict[str, int] | None = None  # None: the first round is still to run
        self._changed_at: float | None = None  # last change seen, while a round is pending
        self._pending_since: float | None = None
        self._retry_at = 0.0
        self._wake = threading.Event()

    # -- one step at a time (tests drive these) ----------------------------------------
    def poll_once(self) -> ResolveResult | None:
        """Look for changes; run a round when one is due. The round's result, or None."""
        now = self.clock()
        if now < self._retry_at:
            return None
        with self.store.unit_of_work(write=False) as uow:
            signature = store_signature(uow.session)
        if signature != self._signature or self._digests is None:
            if self._pending_since is None:
                self._pending_since = now
            if signature != self._signature:
                self._changed_at = now
            self._signature = signature
        if self._pending_since is None:
            return None
        quiet = self._changed_at is None or now - self._changed_at >= self.settings.quiet_seconds
        overdue = now - self._pending_since >= self.settings.max_wait_seconds
        if self._digests is not None and not (quiet or overdue):
            return None
        return self.run_round()

    def run_round(self) -> ResolveResult | None:
        """Resolve what changed since the last round, now. None if nothing did.

        A failure is logged and leaves the changes pending (tried again after
        ``retry_seconds``); it never propagates.
        """
        try:
            # resolution loads DuckDB and PyArrow: here, in the worker's thread, not when
            # ``accord serve`` starts
            from accord.services.resolve import resolvable_schemata

            if self._schemata is None:
                self._schemata = resolvable_schemata(self.registry)
            with self.store.unit_of_work(write=False) as uow:
                signature = store_signature(uow.session)
                digests = statement_digests(uow.session, self._schemata)
            result = self._resolve(digests)
        except Exception as exc:  # the store busy or closing, a matcher error: later
            log.exception("automatic resolution failed; trying again later")
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._retry_at = self.clock() + self.settings.retry_seconds
            return None
        self._digests, self._signature = digests, signature
        self._pending_since = self._changed_at = None
        self.last_error = None
        if result is not None:
            self.rounds += 1
            self.last = result
            log.info("resolved automatically: %s", _brief(result))
        return result

    def _resolve(self, digests: dict[str, int]) -> ResolveResult | None:
        from accord.services.resolve import resolve, resolve_entities, untrained_families

        threads = self.settings.threads
        if self._digests is None:  # first round: whatever changed while no worker ran
            return resolve(self.store, self.registry, threads=threads)
        before = self._digests
        changed = {i for i, d in digests.items() if before.get(i) != d}
        changed |= {i for i in before if i not in digests}
        if not changed:
            return None
        result = resolve_entities(self.store, self.registry, changed, threads=threads,
                                  train=True)
        refit = untrained_families(self.store, growth=self.settings.refit_growth)
        if refit:  # small families that grew: their prior estimated again
            log.info("automatic resolution: training %s again", ", ".join(refit))
            result = resolve(self.store, self.registry, refit=refit, threads=threads)
        return result

    # -- in a thread ------------------------------------------------------------------
    def notify(self) -> None:
        """Look now rather than at the next poll (a store commit listener may call it)."""
        self._wake.set()

    def run_forever(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set (``accord serve`` runs this in a thread)."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:  # reading the signature failed: the store is busy or closing
                log.exception("automatic resolution: polling the store failed")
            self._wake.wait(self.settings.poll_seconds)
            self._wake.clear()


def _brief(result: ResolveResult) -> str:
    data = result.to_dict()
    parts = [f"{family} {f.get('mode')} +{f.get('new', 0)} ~{f.get('changed', 0)} "
             f"-{f.get('removed', 0)}" for family, f in data["families"].items()
             if f.get("mode") != "unchanged"]
    return (", ".join(parts) or "nothing changed") + (
        f"; {data['canonical_entities']} canonical entities ({data['seconds']} s)")


def worker_thread(node: Node, stop: threading.Event,
                  settings: WorkerSettings | None = None) -> threading.Thread:
    """A (not yet started) daemon thread running ``node``'s worker until ``stop`` is set:
    what ``accord serve`` starts unless ``--no-resolve``."""
    worker = ResolutionWorker(node.store, node.registry, settings)
    return threading.Thread(target=worker.run_forever, args=(stop,), name="accord-resolve",
                            daemon=True)
