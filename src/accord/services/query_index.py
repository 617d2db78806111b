"""The owner's side of a query: what it may answer ``partner`` about, for ``purpose``.

A node answers only about material a follow-up request from that partner
could bring it: for every report holding an identifier or a person, the
policy engine decides the report for the partner with ``Action.RESPOND``
(agreement in force, purpose, markings, scope, redactions, material received
from others only where its originator allows onward transfer), and only the
statements of the projection count. So a hit never points at something the
agreement would not release, and an item the agreement redacts is never a hit.

Deciding every such report is the costly part; ``holdings`` keeps the result
per (store, partner, purpose) while the store's reports and the agreements in
force stay the same (``_stamp``), in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from accord.adapters.store import UnitOfWork
from accord.adapters.store.models import ReportRow, StatementRow
from accord.domain.decision import Action, Outcome
from accord.domain.holdings import PersonRecord, held_items, kind_of, label_of, person_records
from accord.domain.markings import Marking
from accord.domain.person_query import PersonIndex
from accord.domain.policy import PolicyIndex, decide
from accord.domain.query import PreparedRegistry
from accord.domain.registry import Registry
from accord.domain.report import ReportContent
from accord.domain.statement import Statement

if TYPE_CHECKING:
    from accord.bootstrap import Node

CACHE_SIZE = 32


@dataclass
class Holdings:
    """What the owner may answer one partner about, for one purpose."""

    # kind -> item -> (markings of the statements holding it, their report ids)
    items: dict[str, dict[str, tuple[list[Marking], set[str]]]] = field(default_factory=dict)
    persons: list[PersonRecord] = field(default_factory=list)
    # built from the above on first use, kept while the holdings are (services/query_answers)
    prepared: dict[tuple[str, str], PreparedRegistry] = field(default_factory=dict)
    person_index: dict[str, PersonIndex] = field(default_factory=dict)

    def by_label(self, kind: str) -> dict[str, list[str]]:
        """``{label: items}`` of ``kind`` (the setups of a hit registry); at least ``H0``."""
        out: dict[str, list[str]] = {"H0": []}
        for item, (markings, _reports) in sorted(self.items.get(kind, {}).items()):
            out.setdefault(label_of(markings), []).append(item)
        return out

    def reports_of(self, kind: str, item: str) -> list[str]:
        found = self.items.get(kind, {}).get(item)
        return sorted(found[1]) if found else []

    def count(self) -> int:
        return sum(len(v) for v in self.items.values()) + len(self.persons)


_lock = threading.Lock()
_cache: dict[tuple[object, ...], Holdings] = {}


def holdings(node: Node, uow: UnitOfWork, index: PolicyIndex, *, partner: str,
             partner_country: str | None, purpose: str, now: datetime) -> Holdings:
    """The identifiers and persons ``partner`` may be answered about (see the docstring)."""
    key = (node.db_url, node.node_id, partner, purpose, _stamp(uow, index))
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    built = _build(node.registry, uow, index, me=node.node_id, partner=partner,
                   country=partner_country, purpose=purpose, now=now)
    with _lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[key] = built
    return built


def _stamp(uow: UnitOfWork, index: PolicyIndex) -> tuple[object, ...]:
    """Changes whenever a report is added, changed or retracted, or the agreements change."""
    count, updated = uow.session.execute(
        select(func.count(), func.max(ReportRow.updated)).select_from(ReportRow)).one()
    return (int(count or 0), str(updated), tuple(sorted((a.id, a.version)
                                                         for a in index.agreements)))


def _candidate_props(registry: Registry) -> set[str]:
    props = {"name", "alias"}
    for schema in registry:
        for prop in schema.properties:
            if kind_of(registry, schema.name, prop) is not None:
                props.add(prop)
    return props


def _build(registry: Registry, uow: UnitOfWork, index: PolicyIndex, *, me: str,
           partner: str, country: str | None, purpose: str, now: datetime) -> Holdings:
    out = Holdings()
    if not index.rules(me, partner):
        return out
    stmt = (select(StatementRow.report_id)
            .where(StatementRow.prop.in_(sorted(_candidate_props(registry))),
                   StatementRow.retracted.is_(False)).distinct())
    for report_id in sorted(uow.session.scalars(stmt)):
        report = uow.reports.get(report_id)
        if report is None or report.retracted:
            continue
        content = ReportContent(report, tuple(uow.statements.for_report(report_id)))
        decision = decide(content, partner, index, purpose, sender=me, now=now,
                          action=Action.RESPOND, recipient_country=country)
        if decision.outcome is not Outcome.ALLOW or decision.projection is None:
            continue
        _add(out, registry, decision.projection.statements)
    return out


def _add(out: Holdings, registry: Registry, kept: Sequence[Statement]) -> None:
    for held in held_items(registry, kept):
        by_item = out.items.setdefault(held.item.kind.value, {})
        markings, reports = by_item.setdefault(str(held.item), ([], set()))
        markings.append(held.statement.marking)
        reports.add(held.statement.report_id)
    out.persons.extend(person_records(registry, kept))
