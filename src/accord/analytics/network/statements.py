"""Edges from statements: how a node's (resolved) statements feed the network.

A link entity (Associate, Membership, Communication, Transaction, ...) is a
set of statements; its schema's ``edge`` declaration names the two properties
that hold its ends (``Transaction: {source: payer, target: beneficiary}``).
:func:`edges_from_statements` turns each link entity into one edge per (source,
target) value pair, dated by its ``date``/``startDate``/``endDate`` and
carrying the ids and origins of all its statements. ``canonical`` maps mention
ids to canonical entity ids (entity resolution), so that two nations' mentions
of one person become one vertex.

:func:`cooccurrence_edges` adds weak ties between entities mentioned in the
same report (capped: a bulk report naming hundreds of entities says nothing
about any pair of them).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date
from itertools import combinations

from accord.analytics.network.graph import Edge
from accord.domain.errors import InvalidValue
from accord.domain.registry import Registry
from accord.domain.statement import Statement

EdgeSpecs = Mapping[str, tuple[str, str]]  # link schema -> (source property, target property)
HOLDERS = {"Phone": "holder", "Account": "holder"}


def edge_specs(registry: Registry, *, exclude: Iterable[str] = ("Membership",)) -> EdgeSpecs:
    """(source, target) properties of every link schema that declares an ``edge``.

    Membership is left out by default: it ties a person to an Organization
    entity (a label an analyst assigned), which would make every organisation a
    hub; use it as ``EntityInfo.organisation`` instead.
    """
    skip = set(exclude)
    return {s.name: (s.edge.source, s.edge.target) for s in registry
            if s.edge is not None and not s.abstract and s.name not in skip}


def holders(statements: Iterable[Statement], *, props: Mapping[str, str] = HOLDERS,
            canonical: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map each phone or account to its holder's (canonical) id.

    Merged into ``canonical`` for :func:`edges_from_statements`, calls between
    lines and payments between accounts become ties between the people who
    hold them. An item with several holders maps to the smallest holder id.
    """
    found: dict[str, str] = {}
    for st in statements:
        if props.get(st.schema) == st.prop:
            holder = _canon(st.value, canonical)
            if st.entity_id not in found or holder < found[st.entity_id]:
                found[st.entity_id] = holder
    return found


def parse_partial_date(value: str, *, end: bool = False) -> date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (time part ignored) as the first day, or the
    last day with ``end``. :class:`InvalidValue` says why a value is not a date."""
    text = value.strip()[:10]
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        if len(parts) > 2:
            day = int(parts[2])
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    except (ValueError, IndexError) as exc:
        raise InvalidValue(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD): {exc}",
                           where="date") from None


def _canon(x: str, canonical: Mapping[str, str] | None) -> str:
    return canonical.get(x, x) if canonical else x


def edges_from_statements(statements: Iterable[Statement], specs: EdgeSpecs, *,
                          canonical: Mapping[str, str] | None = None,
                          weights: Mapping[str, float] | None = None) -> list[Edge]:
    """One edge per (source, target) of each link entity whose schema is in ``specs``.

    ``weights`` gives a weight per link schema (default 1.0). Link entities
    without both ends are skipped (a payment with an unknown payee ties no one).
    A bad date raises :class:`InvalidValue` naming the link entity.
    """
    by_link: dict[str, list[Statement]] = {}
    for st in statements:
        if st.schema in specs:
            by_link.setdefault(st.entity_id, []).append(st)
    out: list[Edge] = []
    for link_id, sts in by_link.items():
        schema = sts[0].schema
        src_prop, dst_prop = specs[schema]
        props: dict[str, list[str]] = {}
        for st in sts:
            props.setdefault(st.prop, []).append(st.value)
        try:
            start, end = _span(props)
        except InvalidValue as exc:
            raise InvalidValue(exc.message, where=f"link {link_id} ({schema})") from None
        ids = tuple(sorted({st.id for st in sts}))
        nations = tuple(sorted({st.origin for st in sts}))
        weight = (weights or {}).get(schema, 1.0)
        for s in dict.fromkeys(props.get(src_prop, [])):
            for t in dict.fromkeys(props.get(dst_prop, [])):
                out.append(Edge(_canon(s, canonical), _canon(t, canonical), schema, weight,
                                start, end, ids, nations))
    return out


def _span(props: Mapping[str, list[str]]) -> tuple[date | None, date | None]:
    starts = [parse_partial_date(v) for p in ("date", "startDate") for v in props.get(p, [])]
    ends = [parse_partial_date(v, end=True) for p in ("date", "endDate")
            for v in props.get(p, [])]
    start = min(starts) if starts else None
    end = max(ends) if ends else None
    if start is not None and end is not None and end < start:
        end = start
    return start, end


def cooccurrence_edges(statements: Iterable[Statement], *, exclude_schemata: Iterable[str] = (),
                       canonical: Mapping[str, str] | None = None, weight: float = 0.5,
                       max_entities: int = 30) -> list[Edge]:
    """Weak ``co-occurrence`` ties between the entities each report mentions.

    Reports naming more than ``max_entities`` entities are skipped. Link
    entities (``exclude_schemata``) are not ends of co-occurrence ties.
    """
    skip = set(exclude_schemata)
    reports: dict[tuple[str, str], dict[str, Statement]] = {}
    for st in statements:
        if st.schema in skip:
            continue
        first = reports.setdefault((st.origin, st.report_id), {})
        first.setdefault(_canon(st.entity_id, canonical), st)
    out: list[Edge] = []
    for (origin, _), mentioned in reports.items():
        if len(mentioned) > max_entities:
            continue
        for (a, sa), (b, sb) in combinations(sorted(mentioned.items()), 2):
            if a == b:
                continue
            seen = [s.first_seen.date() for s in (sa, sb) if s.first_seen]
            day = min(seen) if seen else None
            out.append(Edge(a, b, "co-occurrence", weight, day, None,
                            tuple(sorted({sa.id, sb.id})), (origin,)))
    return out
