"""Hit/no-hit queries, the owner's side: ``answer_query`` for ``POST /federation/v1/queries``.

For each request the owner

1. opens the envelope (signed by a pinned partner, fresh, not replayed);
2. checks that an agreement in force lets that partner query it for the
   purpose (``accord.domain.query_access``), else refuses with the reason;
3. charges the request's size, counted from the request itself, to the
   partner's bucket for the kind (``StoreLimiter``: persisted, so limits hold
   across processes and restarts), else refuses with ``rate_limited``;
4. answers from its holdings for that partner and purpose
   (``accord.services.query_index``): PSI setups per handling-code label
   (identifiers) or CLK matches (persons), with its point of contact;
5. ledgers the answer (``query.answered``: kind, how many asked) in the same
   transaction, or the refusal with its code, and seals the answer to the asker.

What it learns: who asked, for what purpose, which kind and how many items
(and, for persons, how many matched). Never which identifiers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from accord.adapters.envelope import EnvelopeRefused
from accord.adapters.psi import OpenMinedPsi
from accord.adapters.store import UnitOfWork
from accord.adapters.store.queries import StoreLimiter
from accord.domain.agreement import Reason
from accord.domain.clk import PERSON, Encoder, derive_keys
from accord.domain.errors import AccordError, InvalidValue, NotFound
from accord.domain.holdings import label_of
from accord.domain.identifiers import IdentifierKind
from accord.domain.ledger_entry import MAX_TEXT, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.person_query import (
    PERSON_KIND,
    PersonIndex,
    PersonQuery,
    answer_persons,
    build_index,
)
from accord.domain.policy import PolicyIndex
from accord.domain.query import HitQuery, PreparedRegistry, answer, prepare_registry
from accord.domain.query_access import Grant, QueryRefused, may_query
from accord.domain.ratelimit import DEFAULT_LIMITS, BucketPolicy
from accord.services import acts
from accord.services.queries import HIT_ANSWER, HIT_QUERY, PERSON_ANSWER, PERSON_QUERY
from accord.services.query_index import Holdings, holdings
from accord.services.query_keys import (
    epoch_of,
    linkage_secret,
    psi_key,
    query_secret,
    reference_key,
)
from accord.services.query_wire import open_request, seal_answer, text

if TYPE_CHECKING:
    from accord.bootstrap import Node

# Per partner and day (accord.domain.ratelimit.DEFAULT_LIMITS), plus deconfliction targets.
QUERY_LIMITS: dict[str, BucketPolicy] = {**DEFAULT_LIMITS, "target": BucketPolicy(2_000)}
SYSTEM = "system"


def contact_of(node: Node) -> str:
    """This node's point of contact, as partners are told it."""
    return node.config.contact or f"{node.config.name or node.node_id} (no contact configured)"


def answer_query(node: Node, envelope: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Answer one query envelope: ``{"envelope": <the answer, sealed to the asker>}``.

    Raises (each ledgered) ``EnvelopeRefused``, ``QueryRefused``, ``RateLimited``,
    ``InvalidValue``; the API turns them into the error shape the asker reads.
    """
    return serve(node, envelope, _answer, now=now)


# (node, uow, sender, request body, now) -> (reply body, the ledger entry of the answer)
Handler: TypeAlias = ("Callable[[Node, UnitOfWork, str, dict[str, Any], datetime], "
                      "tuple[dict[str, Any], LedgerEntry]]")


def serve(node: Node, envelope: str, handler: Handler, *,
          now: datetime | None = None) -> dict[str, Any]:
    """Open ``envelope``, run ``handler`` and seal its reply, in one transaction; every
    refusal is ledgered in a transaction of its own (what was refused left no trace)."""
    now = now or datetime.now(UTC)
    sender = "unknown"
    try:
        with node.store.unit_of_work() as uow:
            opened = open_request(node, uow, envelope, now=now)
            sender = opened.sender
            reply, entry = handler(node, uow, sender, dict(opened.payload), now)
            acts.record(uow, [entry])
            return {"envelope": seal_answer(node, uow, sender, reply)}
    except EnvelopeRefused as exc:
        _refused(node, Act.ENVELOPE_REFUSED, sender, {"reason": exc.code}, now)
        raise
    except AccordError as exc:
        _refused(node, Act.QUERY_ANSWERED, sender, {"refused": exc.code}, now)
        raise


def _refused(node: Node, action: Act, sender: str, details: dict[str, str],
             now: datetime) -> None:
    with node.store.unit_of_work() as uow:
        acts.record(uow, [LedgerEntry(action, actor=SYSTEM, subject="query",
                                      partner=sender[:64], details=details, at=now)])


def grant_for(node: Node, uow: UnitOfWork, sender: str, purpose: str,
              now: datetime) -> tuple[Grant, PolicyIndex]:
    """The agreement letting ``sender`` query this node for ``purpose``, or ``QueryRefused``."""
    index = node.policy_cache.index(uow, me=node.node_id, now=now, own_keys=lambda: (
        node.keys.public_keys(node.node_id, node.config.country)))
    found = may_query(index.agreements, owner=node.node_id, asker=sender, purpose=purpose)
    if isinstance(found, Reason):
        raise QueryRefused(found, where=f"query from {sender}")
    return found, index


def holdings_for(node: Node, uow: UnitOfWork, index: PolicyIndex, sender: str, purpose: str,
                 now: datetime) -> Holdings:
    partner = uow.partners.get(sender)
    return holdings(node, uow, index, partner=sender, purpose=purpose, now=now,
                    partner_country=partner.country if partner else None)


def _answer(node: Node, uow: UnitOfWork, sender: str, body: dict[str, Any],
            now: datetime) -> tuple[dict[str, Any], LedgerEntry]:
    kind = body.get("type")
    if kind not in (HIT_QUERY, PERSON_QUERY):
        raise InvalidValue(f"expects type {HIT_QUERY!r} or {PERSON_QUERY!r}", where="query")
    purpose = text(body, "purpose", "query")
    grant, index = grant_for(node, uow, sender, purpose, now)
    held = holdings_for(node, uow, index, sender, purpose, now)
    limiter = StoreLimiter(uow.session, QUERY_LIMITS, now=now)
    raw = body.get("query")
    if not isinstance(raw, dict):
        raise InvalidValue("'query' must be an object", where="query")
    details: dict[str, str | int]
    if kind == HIT_QUERY:
        query = HitQuery.from_dict(raw)
        found = IdentifierKind.parse(query.kind, where="query.kind")
        engine = OpenMinedPsi()
        registry = _prepared(node, held, sender, found, now)
        reply = answer(engine, query, registry, partner=sender, limiter=limiter,
                       contact=contact_of(node), now=now)
        out = {"type": HIT_ANSWER, "answer": reply.to_dict()}
        subject = query.query_id
        details = {"exchange": "identifier", "kind": found.value,
                   "asked": engine.request_size(query.request)}
    else:
        person_query = PersonQuery.from_dict(raw)
        if person_query.agreement != grant.agreement.id:
            raise InvalidValue(f"CLKs keyed for agreement {person_query.agreement}; this node "
                               f"answers under {grant.agreement.id}", where="query.agreement")
        person_index = _person_index(node, uow, held, sender, grant)
        person_answer = answer_persons(person_query, person_index, partner=sender,
                                       limiter=limiter, contact=contact_of(node))
        out = {"type": PERSON_ANSWER, "answer": person_answer.to_dict()}
        subject = person_query.query_id
        details = {"exchange": "person", "kind": PERSON_KIND,
                   "asked": len(person_query.clks), "hits": len(person_answer.hits)}
    entry = LedgerEntry(Act.QUERY_ANSWERED, actor=SYSTEM, subject=subject[:MAX_TEXT],
                        agreement=grant.agreement.id, purpose=purpose[:MAX_TEXT],
                        partner=sender, details=details, at=now)
    return out, entry


def _prepared(node: Node, held: Holdings, sender: str, kind: IdentifierKind,
              now: datetime) -> PreparedRegistry:
    """The PSI registry of ``kind`` for ``sender`` this epoch (kept with the holdings)."""
    epoch, ends = epoch_of(now)
    cache = held.prepared
    found = cache.get((kind.value, epoch))
    if found is not None and now < found.valid_until:
        return found
    secret = query_secret(node.dir.keys_dir)
    built = prepare_registry(
        OpenMinedPsi(), kind.value, held.by_label(kind.value),
        key=psi_key(secret, sender, kind.value, epoch),
        reference_key=reference_key(secret, sender, kind.value), epoch=epoch,
        valid_until=ends, max_client_items=QUERY_LIMITS[kind.value].capacity)
    cache[(kind.value, epoch)] = built
    return built


def _person_index(node: Node, uow: UnitOfWork, held: Holdings, sender: str,
                  grant: Grant) -> PersonIndex:
    cache = held.person_index
    found = cache.get(grant.agreement.id)
    if found is not None:
        return found
    keys = uow.partners.keys_of(sender)
    if keys is None:
        raise NotFound(f"{sender} is not pinned here", where="partner")
    secret = linkage_secret(node.keys, keys, me=node.node_id)
    encoder = Encoder(PERSON, derive_keys(secret, grant.agreement.id, PERSON))
    people = held.persons
    built = build_index(encoder, grant.agreement.id, [p.fields() for p in people],
                        [p.entity_id for p in people],
                        [label_of([p.marking]) for p in people],
                        reference_key=reference_key(query_secret(node.dir.keys_dir), sender,
                                                    PERSON_KIND))
    cache[grant.agreement.id] = built
    return built

