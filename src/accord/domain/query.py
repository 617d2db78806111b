"""Hit/no-hit by private set intersection: the messages and both sides' steps.

One exchange, message in and message out, no I/O (the transport, the agreement
check and the ledger belong to the caller)::

    asker                                   owner
    state, q = ask(engine, kind, items, query_id=...)
                     ── HitQuery ──▶        a = answer(engine, q, registry,
                                                       partner=..., limiter=..., now=...)
                     ◀── HitAnswer ──
    hits = read_hits(engine, state, a)      (or read_counts for size-only registries)

What crosses the wire: the query carries the asker's items blinded under a key
only the asker holds (the owner learns their number, which it rate-limits);
the answer carries the owner's items blinded under the owner's key, one setup
per *label* (for hit queries, the handling code), the asker's items re-blinded,
and a reference key. The asker learns which of its items the owner holds and
under which label; each hit's reference is ``reference(reference_key, item)``,
which only the owner can resolve (``resolve_reference``), on a follow-up request.

A ``PreparedRegistry`` (the owner's side: key, setups) is costly to build for a
large registry (one elliptic-curve multiplication per item) and is meant to be
cached per (partner, kind, epoch) and rebuilt when ``valid_until`` passes, which
is also when registrations that expired drop out of it; ``answer`` refuses a
stale registry rather than answer from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from accord.domain.errors import AccordError, InvalidValue
from accord.domain.ratelimit import Limiter, require

REFERENCE_PREFIX = "hit-"


class PsiEngine(Protocol):
    """Private set intersection primitives (``accord.adapters.psi.OpenMinedPsi``)."""

    def request(self, items: Sequence[str], *, reveal: bool) -> tuple[bytes, bytes]: ...
    def request_size(self, request: bytes) -> int: ...
    def request_reveals(self, request: bytes) -> bool: ...
    def setup(self, items: Sequence[str], *, key: bytes, max_client_items: int) -> bytes: ...
    def respond(self, request: bytes, *, key: bytes, reveal: bool) -> bytes: ...
    def intersection(self, client_key: bytes, setup: bytes, response: bytes) -> list[int]: ...
    def intersection_size(self, client_key: bytes, setup: bytes, response: bytes) -> int: ...


class StaleRegistry(AccordError):
    """A prepared registry outlived ``valid_until``: prepare it again before answering."""

    code = "stale_registry"
    status = 409


# -- messages -----------------------------------------------------------------


@dataclass(frozen=True)
class HitQuery:
    """Asker → owner. ``known_epoch``: the asker has that epoch's setups cached."""

    query_id: str
    kind: str
    request: bytes
    known_epoch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"query_id": self.query_id, "kind": self.kind, "request": _b64(self.request),
                "known_epoch": self.known_epoch}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> HitQuery:
        where = "hit query"
        return cls(_str(body, "query_id", where), _str(body, "kind", where),
                   _bytes(body, "request", where), _opt_str(body, "known_epoch", where))


@dataclass(frozen=True)
class HitAnswer:
    """Owner → asker. ``setups`` is empty when the asker said it knows ``epoch``."""

    query_id: str
    kind: str
    epoch: str
    response: bytes
    setups: Mapping[str, bytes]
    reference_key: bytes | None  # None for size-only registries
    contact: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id, "kind": self.kind, "epoch": self.epoch,
            "response": _b64(self.response),
            "setups": {label: _b64(s) for label, s in sorted(self.setups.items())},
            "reference_key": None if self.reference_key is None else _b64(self.reference_key),
            "contact": self.contact,
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> HitAnswer:
        where = "hit answer"
        setups = body.get("setups")
        if not isinstance(setups, Mapping):
            raise InvalidValue("'setups' must be an object of label: base64", where=where)
        ref = body.get("reference_key")
        return cls(
            _str(body, "query_id", where), _str(body, "kind", where), _str(body, "epoch", where),
            _bytes(body, "response", where),
            {str(label): _bytes(setups, label, f"{where}: setups") for label in setups},
            None if ref is None else _bytes(body, "reference_key", where),
            _str(body, "contact", where),
        )


@dataclass(frozen=True)
class Hit:
    """One of the asker's items that the owner holds, under ``label``."""

    item: str
    label: str
    reference: str
    contact: str


@dataclass(frozen=True)
class AskState:
    """What the asker keeps between ``ask`` and ``read_hits`` (never sent)."""

    query_id: str
    kind: str
    items: tuple[str, ...]
    client_key: bytes
    reveal: bool


# -- owner side -----------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRegistry:
    """The owner's side of one kind for one partner and epoch (secret: keep it home)."""

    kind: str
    rate_kind: str  # the limiter's bucket, e.g. "phone" or "operation"
    epoch: str
    key: bytes
    reference_key: bytes
    reveal: bool
    max_client_items: int
    setups: Mapping[str, bytes]
    valid_until: datetime


def prepare_registry(
    engine: PsiEngine, kind: str, items_by_label: Mapping[str, Iterable[str]], *,
    key: bytes, reference_key: bytes, epoch: str, valid_until: datetime,
    max_client_items: int, reveal: bool = True, rate_kind: str | None = None,
) -> PreparedRegistry:
    """Blind the owner's items, one setup per label.

    ``max_client_items`` should be the partner's bucket capacity for ``rate_kind``
    (no request can be larger). ``reveal=False`` makes a size-only registry: the
    asker learns how many of its items each label holds, not which.
    """
    if not items_by_label:
        raise InvalidValue("a registry needs at least one label", where=f"registry {kind}")
    if len(reference_key) < 16:
        raise InvalidValue("the reference key needs at least 16 bytes", where=f"registry {kind}")
    setups = {label: engine.setup(sorted(set(items)), key=key, max_client_items=max_client_items)
              for label, items in items_by_label.items()}
    return PreparedRegistry(kind, rate_kind or kind, epoch, key, reference_key, reveal,
                            max_client_items, setups, valid_until)


def answer(
    engine: PsiEngine, query: HitQuery, registry: PreparedRegistry, *,
    partner: str, limiter: Limiter, contact: str, now: datetime,
) -> HitAnswer:
    """Answer ``query`` from ``registry``, after charging its size to ``partner``'s bucket.

    Raises ``InvalidValue`` (wrong kind, bad request, too large),
    ``RateLimited`` and ``StaleRegistry``. Whether the partner may query at all
    (an active agreement in mode hit-only or wider) is the caller's check.
    """
    where = f"hit query {query.query_id}"
    if query.kind != registry.kind:
        raise InvalidValue(f"asks about {query.kind!r} but this registry holds "
                           f"{registry.kind!r}", where=where)
    if now >= registry.valid_until:
        raise StaleRegistry(f"registry {registry.kind} epoch {registry.epoch} expired at "
                            f"{registry.valid_until.isoformat()}; prepare it again", where=where)
    if engine.request_reveals(query.request) != registry.reveal:
        mode = "which items" if registry.reveal else "how many items (reveal=False)"
        raise InvalidValue(f"this registry answers {mode}; ask in that mode", where=where)
    size = engine.request_size(query.request)
    if size > registry.max_client_items:
        raise InvalidValue(f"{size} items asked, at most {registry.max_client_items} per query",
                           where=where)
    require(limiter, partner, registry.rate_kind, size)
    response = engine.respond(query.request, key=registry.key, reveal=registry.reveal)
    setups = {} if query.known_epoch == registry.epoch else dict(registry.setups)
    return HitAnswer(query.query_id, query.kind, registry.epoch, response, setups,
                     registry.reference_key if registry.reveal else None, contact)


# -- asker side -----------------------------------------------------------------


def ask(
    engine: PsiEngine, kind: str, items: Sequence[str], *, query_id: str,
    reveal: bool = True, known_epoch: str | None = None,
) -> tuple[AskState, HitQuery]:
    """Blind ``items`` (PSI item strings, see ``accord.domain.identifiers``) for a query."""
    if not items:
        raise InvalidValue("nothing to ask about", where=f"hit query {query_id}")
    if len(set(items)) != len(items):
        raise InvalidValue("items must be distinct", where=f"hit query {query_id}")
    client_key, request = engine.request(items, reveal=reveal)
    state = AskState(query_id, kind, tuple(items), client_key, reveal)
    return state, HitQuery(query_id, kind, request, known_epoch)


def read_hits(
    engine: PsiEngine, state: AskState, reply: HitAnswer, *,
    cached_setups: Mapping[str, bytes] | None = None,
) -> list[Hit]:
    """The asker's items that the owner holds, each with its label and reference."""
    _check_reply(state, reply)
    if not state.reveal or reply.reference_key is None:
        raise InvalidValue("a size-only answer has no hits; use read_counts",
                           where=f"hit answer {reply.query_id}")
    hits: list[Hit] = []
    for label, setup in sorted(_setups(reply, cached_setups).items()):
        for i in engine.intersection(state.client_key, setup, reply.response):
            item = state.items[i]
            hits.append(Hit(item, label, reference(reply.reference_key, item), reply.contact))
    return hits


def read_counts(
    engine: PsiEngine, state: AskState, reply: HitAnswer, *,
    cached_setups: Mapping[str, bytes] | None = None,
) -> dict[str, int]:
    """How many of the asker's items each label holds (size-only registries)."""
    _check_reply(state, reply)
    if state.reveal:
        raise InvalidValue("asked with reveal=True; use read_hits",
                           where=f"hit answer {reply.query_id}")
    return {label: engine.intersection_size(state.client_key, setup, reply.response)
            for label, setup in sorted(_setups(reply, cached_setups).items())}


# -- references -----------------------------------------------------------------


def reference(reference_key: bytes, item: str) -> str:
    """The opaque reference of a hit on ``item``: only the key holder can resolve it."""
    digest = hmac.new(reference_key, item.encode(), hashlib.sha256).digest()[:15]
    return REFERENCE_PREFIX + base64.b32encode(digest).decode().lower()


def resolve_reference(reference_key: bytes, ref: str, candidates: Iterable[str]) -> str | None:
    """The candidate item ``ref`` was made from, or None (the owner's side of a follow-up)."""
    for item in candidates:
        if hmac.compare_digest(reference(reference_key, item), ref):
            return item
    return None


def resolve_hit(
    registry: PreparedRegistry, ref: str, candidates: Iterable[str], *,
    partner: str, limiter: Limiter,
) -> str | None:
    """``resolve_reference`` for a partner's follow-up, charged to its bucket.

    The asker holds the reference key, so it could make a reference for any item
    and use follow-ups as a membership test; charging each resolution like one
    asked item keeps that no cheaper than a query.
    """
    require(limiter, partner, registry.rate_kind, 1)
    return resolve_reference(registry.reference_key, ref, candidates)


# -- helpers --------------------------------------------------------------------


def _check_reply(state: AskState, reply: HitAnswer) -> None:
    if reply.query_id != state.query_id or reply.kind != state.kind:
        raise InvalidValue(f"answers query {reply.query_id} ({reply.kind}), not "
                           f"{state.query_id} ({state.kind})", where="hit answer")


def _setups(reply: HitAnswer, cached: Mapping[str, bytes] | None) -> Mapping[str, bytes]:
    if reply.setups:
        return reply.setups
    if not cached:
        raise InvalidValue(f"the answer omits the setups of epoch {reply.epoch} and none are "
                           "cached; ask again without known_epoch",
                           where=f"hit answer {reply.query_id}")
    return cached


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _str(body: Mapping[str, Any], name: str, where: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidValue(f"{name!r} must be a non-empty string", where=where)
    return value


def _opt_str(body: Mapping[str, Any], name: str, where: str) -> str | None:
    return None if body.get(name) is None else _str(body, name, where)


def _bytes(body: Mapping[str, Any], name: str, where: str) -> bytes:
    value = body.get(name)
    if not isinstance(value, str):
        raise InvalidValue(f"{name!r} must be a base64 string", where=where)
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise InvalidValue(f"{name!r} is not valid base64", where=where) from None
