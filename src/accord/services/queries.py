"""Hit/no-hit queries, the asker's side: ``ask_partner`` (the owner's is ``query_answers``).

::

    asker (this module)                          owner (query_answers)
    normalise, PSI ask / CLK encode
    seal to the owner ── POST /federation/v1/queries ──▶ open, check the agreement,
                                                          rate-limit, answer from its
                                                          own holdings, seal back
    open, read the hits ◀─────────────────────────────
    log the query and its hits, ledger it

One exchange per identifier kind (each kind has its own PSI key and rate
limit at the owner) and one for all persons. A hit gives a reference (only the
owner can resolve it), the handling-code label and the owner's point of
contact, never the record; the asker keeps its own hits (``query_hits``) so a
follow-up can quote a reference later. Only counts and keyed hashes of what
was asked go into the ledger.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from accord.adapters.psi import OpenMinedPsi
from accord.adapters.query_transport import QUERIES, PartnerRefused, QueryTransport
from accord.adapters.store.partners import Partner
from accord.adapters.store.queries import QueryRepository
from accord.domain.agreement import Reason
from accord.domain.clk import PERSON, Encoder, derive_keys
from accord.domain.errors import InvalidInput, InvalidValue, Problem
from accord.domain.identifiers import IdentifierKind, identifier_item
from accord.domain.ledger_entry import MAX_TEXT, LedgerEntry
from accord.domain.ledger_entry import Action as Act
from accord.domain.person_query import PERSON_KIND, PersonAnswer, ask_persons
from accord.domain.query import HitAnswer, ask, read_hits
from accord.domain.query_access import Grant, QueryRefused, may_query, query_purposes
from accord.domain.query_request import QueryRequest
from accord.services import acts
from accord.services.query_keys import ledger_hash, linkage_secret, query_secret
from accord.services.query_wire import call, partner_of, transport_for

if TYPE_CHECKING:
    from accord.bootstrap import Node

HIT_QUERY = "accord-hit-query"
HIT_ANSWER = "accord-hit-answer"
PERSON_QUERY = "accord-person-query"
PERSON_ANSWER = "accord-person-answer"
IDENTIFIER = "identifier"


@dataclass
class QueryResult:
    """What one ``ask_partner`` learned (``hits``), what it asked, and what it could not."""

    partner: str
    purpose: str
    agreement: str
    asked: int = 0
    hits: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"partner": self.partner, "purpose": self.purpose, "agreement": self.agreement,
                "asked": self.asked, "hit_count": len(self.hits), "hits": self.hits,
                "exchanges": self.exchanges, "problems": [p.to_dict() for p in self.problems]}


def ask_partner(node: Node, partner_id: str, request: QueryRequest, *,
                purpose: str | None = None, actor: str,
                transport: QueryTransport | None = None,
                now: datetime | None = None) -> QueryResult:
    """Ask ``partner_id`` whether it holds what ``request`` names.

    Raises ``NotFound`` (not a pinned partner), ``QueryRefused`` (no agreement of
    ours lets us ask it, with the reason), ``InvalidInput`` (nothing valid to
    ask), ``PartnerRefused`` (the partner refused every exchange: no agreement
    on its side, rate limit, ...; when it answered some, the refused ones carry
    ``refused`` in ``exchanges``) or ``PartnerUnreachable``. Bad values in a
    batch do not stop it: they are listed in ``problems``.
    """
    now = now or datetime.now(UTC)
    partner = partner_of(node, partner_id)
    grant, purpose = _grant(node, partner_id, purpose, now)
    by_kind, problems = _items(request)
    if not by_kind and not request.persons:
        raise InvalidInput(problems or [Problem("query", "", "nothing to ask")])
    result = QueryResult(partner_id, purpose, grant.agreement.id, problems=problems)
    sender, own = transport_for(node, transport)
    refusals: list[PartnerRefused] = []
    try:
        for kind, items in sorted(by_kind.items(), key=lambda ki: ki[0].value):
            try:
                _ask_kind(node, sender, partner, kind, items, grant, result, actor, now)
            except PartnerRefused as exc:  # e.g. one kind's rate limit: ask the others
                refusals.append(exc)
        if request.persons:
            try:
                _ask_persons(node, sender, partner, request, grant, result, actor, now)
            except PartnerRefused as exc:
                refusals.append(exc)
    finally:
        if own:
            sender.close()
    if refusals and len(refusals) == len(result.exchanges):
        raise refusals[0]  # nothing was answered: say why
    return result


def _grant(node: Node, partner_id: str, purpose: str | None,
           now: datetime) -> tuple[Grant, str]:
    """Our own check before asking: an agreement of ours lets the partner answer us."""
    with node.store.unit_of_work(write=False) as uow:
        index = node.policy_cache.index(uow, me=node.node_id, now=now, own_keys=lambda: (
            node.keys.public_keys(node.node_id, node.config.country)))
    agreements = index.agreements
    if purpose is None:
        choices = query_purposes(agreements, owner=partner_id, asker=node.node_id)
        if len(choices) != 1:
            found = may_query(agreements, owner=partner_id, asker=node.node_id, purpose="")
            if isinstance(found, Reason) and found.code != "purpose_not_allowed":
                raise QueryRefused(found, where="partner")
            raise InvalidValue(f"say which purpose the query is for (--purpose): the "
                               f"agreements allow {', '.join(choices)}", where="purpose")
        purpose = choices[0]
    found = may_query(agreements, owner=partner_id, asker=node.node_id, purpose=purpose)
    if isinstance(found, Reason):
        raise QueryRefused(found, where="partner")
    return found, purpose


def _items(request: QueryRequest) -> tuple[dict[IdentifierKind, list[str]], list[Problem]]:
    """PSI items per kind, deduplicated in order; bad values become problems."""
    out: dict[IdentifierKind, dict[str, None]] = defaultdict(dict)
    problems = []
    for i, asked in enumerate(request.identifiers):
        try:
            item = identifier_item(asked.kind, asked.value, country=asked.country,
                                   where=f"{asked.kind.value}[{i}]")
        except InvalidValue as exc:
            problems.append(Problem(exc.where or f"identifiers[{i}]", asked.kind.value,
                                    exc.message))
            continue
        out[asked.kind][str(item)] = None
    return {k: list(v) for k, v in out.items()}, problems


def _ask_kind(node: Node, transport: QueryTransport, partner: Partner, kind: IdentifierKind,
              items: list[str], grant: Grant, result: QueryResult, actor: str,
              now: datetime) -> None:
    engine = OpenMinedPsi()
    query_id = uuid.uuid4().hex
    state, query = ask(engine, kind.value, items, query_id=query_id)
    body = {"type": HIT_QUERY, "purpose": result.purpose, "query": query.to_dict()}
    try:
        reply = call(node, transport, partner, QUERIES, body, expect=HIT_ANSWER)
        answer = HitAnswer.from_dict(reply.get("answer") or {})
        hits = read_hits(engine, state, answer)
    except PartnerRefused as exc:
        _log(node, result, query_id, IDENTIFIER, kind.value, items, [], actor, now,
             refused=exc.code)
        raise
    rows = [{"kind": kind.value, "asked": h.item, "label": h.label, "reference": h.reference,
             "contact": h.contact} for h in hits]
    _log(node, result, query_id, IDENTIFIER, kind.value, items, rows, actor, now)


def _ask_persons(node: Node, transport: QueryTransport, partner: Partner,
                 request: QueryRequest, grant: Grant, result: QueryResult, actor: str,
                 now: datetime) -> None:
    secret = linkage_secret(node.keys, partner.keys, me=node.node_id)
    encoder = Encoder(PERSON, derive_keys(secret, grant.agreement.id, PERSON))
    records = [p.fields() for p in request.persons]
    query_id = uuid.uuid4().hex
    query = ask_persons(encoder, grant.agreement.id, records, query_id=query_id)
    body = {"type": PERSON_QUERY, "purpose": result.purpose, "query": query.to_dict()}
    shown = [f"{p.name} | {p.dob or '-'} | {p.nationality or '-'}" for p in request.persons]
    try:
        reply = call(node, transport, partner, QUERIES, body, expect=PERSON_ANSWER)
        answer = PersonAnswer.from_dict(reply.get("answer") or {})
    except PartnerRefused as exc:
        _log(node, result, query_id, PERSON_KIND, PERSON_KIND, shown, [], actor, now,
             refused=exc.code)
        raise
    seen: set[tuple[int, str]] = set()
    rows = []
    for hit in answer.hits:
        if not 0 <= hit.index < len(shown) or (hit.index, hit.reference) in seen:
            continue  # the same record under two names, or an index we never asked
        seen.add((hit.index, hit.reference))
        rows.append({"kind": PERSON_KIND, "asked": shown[hit.index], "label": hit.label,
                     "reference": hit.reference, "contact": answer.contact})
    _log(node, result, query_id, PERSON_KIND, PERSON_KIND, shown, rows, actor, now)


def _log(node: Node, result: QueryResult, query_id: str, exchange: str, kind: str,
         asked: list[str], hits: list[dict[str, Any]], actor: str, now: datetime, *,
         refused: str | None = None) -> None:
    """Keep the query and its hits, and ledger it (counts and a keyed hash only)."""
    details: dict[str, str | int] = {"exchange": exchange, "kind": kind, "asked": len(asked),
                                     "hits": len(hits)}
    if refused:
        details["refused"] = refused
    secret = query_secret(node.dir.keys_dir)
    with node.store.unit_of_work() as uow:
        repo = QueryRepository(uow.session)
        repo.log_query(query_id=query_id, partner=result.partner, exchange=exchange,
                       kind=kind, purpose=result.purpose, asked=len(asked), hits=len(hits),
                       refused=refused, actor=actor, now=now)
        repo.add_hits({**h, "query_id": query_id, "partner": result.partner,
                       "created": now} for h in hits)
        acts.record(uow, [LedgerEntry(
            Act.QUERY_ASKED, actor=actor[:MAX_TEXT], subject=query_id,
            agreement=result.agreement, purpose=result.purpose[:MAX_TEXT],
            partner=result.partner, hashes={"asked": ledger_hash(secret, asked)},
            details=details, at=now)])
    result.asked += len(asked)
    result.hits += [{**h, "query_id": query_id} for h in hits]
    result.exchanges.append({"query_id": query_id, "exchange": exchange, "kind": kind,
                             "asked": len(asked), "hits": len(hits), "refused": refused})


def list_queries(node: Node, *, limit: int = 100) -> dict[str, Any]:
    """The queries this node asked (newest first), each with its hits."""
    with node.store.unit_of_work(write=False) as uow:
        repo = QueryRepository(uow.session)
        queries = repo.queries(limit=limit)
        hits = repo.hits_of([q["id"] for q in queries])
    by_query: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        by_query[h.query_id].append(h.to_dict())
    return {"queries": [{**q, "hit_list": by_query.get(q["id"], [])} for q in queries]}
