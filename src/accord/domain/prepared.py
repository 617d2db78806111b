"""A report reduced once to bit masks, so that deciding it for many recipients is cheap.

For every recipient and every clause the policy engine asks the same questions
of a report's statements: which schema and property, which marking, which
origin, which entity, which links. ``PreparedContent`` answers them once.
Statement ``i`` is bit ``i`` of a Python int, and the report keeps one mask per
(schema, property), per distinct marking and per entity. A clause's verdict on
the whole report (``select``) is then a few AND/OR operations on those masks,
one integer comparison per distinct marking and one dict lookup per distinct
(schema, property); the projection is built from the kept mask only when a
release needs it.

What depends only on the report and a clause is remembered here, keyed by
exactly what it depends on (see ``select``): deciding one report for N
recipients does the statement-level work once per clause. A prepared report
never changes from the outside (its memo tables only grow, and are bounded),
and it holds the content it was made from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from accord.domain.decision import REASON_TEXT
from accord.domain.markings import Marking
from accord.domain.policy_index import (
    H1_BIT,
    H2_BIT,
    ClauseTables,
    SchemaFacts,
    handling_bits,
    is_source_identifying,
    tlp_rank,
)
from accord.domain.projection import content_of, projected_report, with_marking
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

_ROW = attrgetter("schema", "prop", "entity_id", "marking")
_ORIGIN, _VALUE = attrgetter("origin"), attrgetter("value")
_FACT = attrgetter("entity_id", "prop", "value", "origin", "report_id")
_WITHHELD = {code: f"statement(s) withheld: {text}" for code, (_, text) in REASON_TEXT.items()}
_MISS = "?"  # not yet in a clause's scope table (no drop code is "?")
_MEMO_LIMIT = 512  # selections remembered per report (cleared when full)


class Selection:
    """What one clause lets through of a report; the parts of a ``Decision`` that
    describe it are made on first use (only the winning clause's are needed)."""

    __slots__ = ("kept", "count", "approval", "h1", "_dropped", "_parts")

    def __init__(self, kept: int, dropped: dict[str, int], approval: bool, h1: bool) -> None:
        self.kept = kept  # mask of the statements that travel
        self.count = kept.bit_count()
        self.approval = approval  # our own originator-controlled material is in it
        self.h1 = h1  # H1 material is in it (the report's marking included)
        self._dropped = dropped
        self._parts: tuple[Mapping[str, int], tuple[str, ...], tuple[str, ...]] | None = None

    def parts(self) -> tuple[Mapping[str, int], tuple[str, ...], tuple[str, ...]]:
        """(withheld statements by code, the sentences saying so, their codes), sorted;
        shared by the selections that withhold alike."""
        if self._parts is None:
            key = tuple(sorted(self._dropped.items()))
            found = _PARTS.get(key)
            if found is None:
                if len(_PARTS) >= 4096:
                    _PARTS.clear()
                found = _PARTS[key] = (
                    MappingProxyType(dict(key)),
                    tuple([f"{n} {_WITHHELD[code]}" for code, n in key]),
                    tuple([code for code, _ in key]))
            self._parts = found
        return self._parts


# (code, count) pairs -> Selection.parts (a handful of patterns recur across reports)
_PARTS: dict[tuple[tuple[str, int], ...], tuple[Mapping[str, int], tuple[str, ...],
                                               tuple[str, ...]]] = {}


class PreparedContent:
    """``content`` as masks for the engine (see the module docstring). Use
    ``PreparedContent.of``, which reuses the last few."""

    __slots__ = ("content", "facts", "size", "everything", "groups", "markings", "orcon", "h1",
                 "h2", "report_marking", "report_h1", "single_origin", "recipient_free", "rels",
                 "references", "referring", "_duplicates", "_by_origin", "_memo", "_plain",
                 "_remarked", "_projections", "_reports", "_scope")

    def __init__(self, content: ReportContent, facts: SchemaFacts) -> None:
        self.content = content
        self.facts = facts
        statements = content.statements
        self.size = len(statements)
        self.everything = (1 << self.size) - 1
        groups: dict[str, dict[str, int]] = {}
        markings: dict[int, list[Any]] = {}  # id(marking) -> [marking, mask]
        entities: dict[str, int] = {}
        bit = 1
        for schema, prop, entity, marking in map(_ROW, statements):
            props = groups.get(schema)
            if props is None:
                props = groups[schema] = {}
            props[prop] = props.get(prop, 0) | bit
            # the statements hold their markings, so an id stays the marking's own
            seen = markings.get(id(marking))
            if seen is None:
                markings[id(marking)] = [marking, bit]
            else:
                seen[1] |= bit
            entities[entity] = entities.get(entity, 0) | bit
            bit <<= 1
        # schema -> (mask of its statements, of its source-identifying ones, ((prop, mask), ...))
        grouped = []
        for schema, props in groups.items():
            every = source = 0
            for prop, mask in props.items():
                every |= mask
                flag = _SOURCE.get(prop)
                if flag is None:
                    flag = _is_source(prop)
                if flag:
                    source |= mask
            grouped.append((schema, every, source, tuple(props.items())))
        self.groups = tuple(grouped)
        self._markings(markings.values())
        m = content.report.marking
        self.report_marking = (tlp_rank(m.tlp), handling_bits(m.handling), m.releasable_to)
        self.report_h1 = bool(self.report_marking[1] & H1_BIT)
        origins = set(map(_ORIGIN, statements))
        self.single_origin = origins.pop() if len(origins) == 1 else None
        # no statement names its recipients: a clause's verdict depends on no recipient
        self.recipient_free = True
        for _, _, _, rel in self.markings:
            if rel is not None:
                self.recipient_free = False
        self.references = self._references(statements, entities, facts)
        self.referring = _or(bit for bit, _, _ in self.references)  # their statements
        self._duplicates: tuple[int, ...] | None = None
        self._by_origin: dict[str, tuple[tuple[str, int], ...]] | None = None
        self._scope: dict[ClauseTables, tuple[int, dict[str, int]]] = {}
        self._memo: dict[tuple[object, ...], dict[ClauseTables, Selection]] = {}
        self._plain = (self.single_origin, (), ())  # see ``audience``
        # PAP rank -> (statements re-marked so far, id(marking) -> re-marked marking)
        self._remarked: dict[int, tuple[list[Statement | None], dict[int, Marking]]] = {}
        self._projections: dict[tuple[int, int, bool, str], ReportContent] = {}
        self._reports: dict[tuple[int, bool, str], Report] = {}

    @classmethod
    def of(cls, content: ReportContent, facts: SchemaFacts) -> PreparedContent:
        """The prepared form of ``content``, reused while the same object comes back
        with the same facts (the share service decides one report for each partner in
        turn). Contents are immutable, and the cache holds them, so an id cannot be
        reused for another while it is cached."""
        found = _PREPARED.get(id(content))
        if found is not None and found.content is content and found.facts is facts:
            return found
        prepared = cls(content, facts)
        if len(_PREPARED) >= _KEEP:
            # the oldest goes, one at a time: what it held is freed as much as the
            # newcomer allocates, so a stream of reports leaves the cyclic GC idle
            del _PREPARED[next(iter(_PREPARED))]
        _PREPARED[id(content)] = prepared
        return prepared

    def _markings(self, markings: Iterable[list[Any]]) -> None:
        """One entry per distinct marking verdict: (mask, TLP rank, handling bits,
        releasability list); and masks of originator-controlled, H1 and H2 statements."""
        verdicts: dict[tuple[int, int, frozenset[str] | None], int] = {}
        self.orcon = self.h1 = self.h2 = 0
        for m, mask in markings:
            handling = handling_bits(m.handling) if m.handling else 0
            verdict = (tlp_rank(m.tlp), handling, m.releasable_to)
            verdicts[verdict] = verdicts.get(verdict, 0) | mask
            if m.originator_control:
                self.orcon |= mask
            if handling & H1_BIT:
                self.h1 |= mask
            if handling & H2_BIT:
                self.h2 |= mask
        self.markings = tuple((mask, rank, handling, rel)
                              for (rank, handling, rel), mask in verdicts.items())
        # the distinct releasability lists (see ``audience``)
        self.rels = tuple({rel: None for _, _, rel in verdicts if rel is not None})

    def _references(self, statements: tuple[Statement, ...], entities: dict[str, int],
                    facts: SchemaFacts) -> tuple[tuple[int, int, int], ...]:
        """(its bit, the mask of the entity it names, the mask of its own entity if
        withholding it withholds that entity whole, else 0) for every statement whose
        value names an entity: by the schema, or because it equals the id of an
        entity in the report (whatever the property: an id in free text leaks as
        much)."""
        refs, edges = facts.references, facts.edges
        mask = 0
        for schema, _, _, props in self.groups:
            names = refs.get(schema)
            if names:
                for prop, prop_mask in props:
                    if prop in names:
                        mask |= prop_mask
        values = list(map(_VALUE, statements))
        for i in [i for i, value in enumerate(values) if value in entities]:
            mask |= 1 << i
        out = []
        for i in _positions(mask):
            s = statements[i]
            # SchemaFacts.is_edge, inlined: links, and schemas the facts do not know
            edge = s.schema in edges or s.schema not in refs
            out.append((1 << i, entities.get(values[i], 0), entities[s.entity_id] if edge else 0))
        return tuple(out)

    @property
    def duplicates(self) -> tuple[int, ...]:
        """Masks of the facts stated more than once (same entity, property, value,
        origin and report), possibly under different markings."""
        if self._duplicates is None:
            seen: dict[tuple[str, ...], int] = {}
            bit = 1
            for fact in map(_FACT, self.content.statements):
                seen[fact] = seen.get(fact, 0) | bit
                bit <<= 1
            self._duplicates = tuple(mask for mask in seen.values() if mask & (mask - 1))
        return self._duplicates

    def scope(self, tables: ClauseTables) -> tuple[int, dict[str, int]]:
        """(mask of the statements the clause's scope lets through, count of the
        others by drop code)."""
        found = self._scope.get(tables)
        if found is None:
            ok = outside = source = 0
            other: dict[str, int] = {}  # drop code -> mask
            verdicts, open_schemas = tables.scope, tables.open_schemas
            for schema, schema_mask, schema_source, props in self.groups:
                codes = verdicts.get(schema)
                if codes is None:  # not one of the clause's schemas
                    outside |= schema_mask
                elif schema in open_schemas:
                    ok |= schema_mask & ~schema_source
                    source |= schema_source
                else:
                    for prop, mask in props:
                        code = codes.get(prop, _MISS)
                        if code is _MISS:
                            code = tables.prop_code(schema, prop)
                        if code is None:
                            ok |= mask
                        else:
                            other[code] = other.get(code, 0) | mask
            if outside:
                other["schema_out_of_scope"] = outside
            if source:
                other["source_identifying"] = other.get("source_identifying", 0) | source
            found = self._scope[tables] = (
                ok, {code: mask.bit_count() for code, mask in other.items()})
        return found

    def audience(self, recipient: str, country: str | None, sender: str,
                 onward: Callable[[str], frozenset[str]]) -> tuple[object, ...]:
        """All that a clause's verdict on this report depends on besides the clause:
        the sender, whether the recipient (upper-cased) or its ``country`` is on each
        releasability list of the statements, and, for material received from others,
        what each originator lets the sender pass on to the recipient
        (``onward(origin)``). Recipients with the same audience get the same verdict."""
        if self.single_origin == sender or not self.size:
            if self.recipient_free:
                return self._plain  # the common case: own material, no lists
            received: tuple[frozenset[str], ...] = ()
        else:
            received = tuple(onward(origin) for origin in self.by_origin() if origin != sender)
        listed = () if self.recipient_free else tuple(
            recipient in rel or country in rel for rel in self.rels)
        return (sender, listed, received)

    def select(self, tables: ClauseTables, audience: tuple[object, ...], recipient: str,
               country: str | None, sender: str,
               onward: Callable[[str], frozenset[str]]) -> Selection:
        """What may travel from ``sender`` to ``recipient`` under one clause.

        Scope first (schema, source-identifying, redaction, allow-list), then the
        statement's marking, then the originator's permission for material received
        from others; a fact stated twice goes by its stricter copy; statements that
        name a withheld entity are withheld too (links with their whole entity).
        ``recipient`` and ``country`` are upper-cased (or None); ``onward(origin)``
        gives the schemas the origin lets ``sender`` pass on to ``recipient``;
        ``audience`` is ``self.audience(...)`` of the same. Remembered per (clause
        tables, audience): tables belong to one ``PolicyIndex``, so they also stand
        for it.
        """
        by_tables = self._memo.get(audience)
        if by_tables is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            by_tables = self._memo[audience] = {}
        found = by_tables.get(tables)
        if found is None:
            found = by_tables[tables] = self._select(tables, recipient, country, sender, onward)
        return found

    def _select(self, tables: ClauseTables, recipient: str, country: str | None, sender: str,
                onward: Callable[[str], frozenset[str]]) -> Selection:
        ok, scope_drops = self.scope(tables)
        dropped = dict(scope_drops)
        passed = blocked = 0
        max_rank, refused_codes = tables.max_rank, ~tables.handling_mask
        for mask, rank, handling, rel in self.markings:
            mask &= ok
            if not mask:
                continue
            if rank > max_rank or handling & refused_codes or (
                    rel is not None and recipient not in rel and country not in rel):
                code = tables.marking_code(rank, handling, rel, recipient, country)
                assert code is not None
                blocked |= mask
                _count(dropped, code, mask)
            else:
                passed |= mask
        own = self.everything if self.single_origin == sender else self._own(sender)
        foreign = passed & ~own
        if foreign:  # received material: the originator decides
            stopped = self._not_onward(foreign, sender, onward, dropped)
            blocked |= stopped
            passed &= ~stopped
        approval = bool(passed & own & self.orcon)  # our own originator-controlled material
        kept = passed
        if blocked and kept and self.duplicates:
            conflict = 0
            for mask in self.duplicates:
                if mask & blocked:
                    conflict |= mask & kept
            if conflict:
                kept &= ~conflict
                _count(dropped, "conflicting_marking", conflict)
        if kept & self.referring:
            kept = self._without_dangling(kept, dropped)
        return Selection(kept, dropped, approval, self.report_h1 or bool(kept & self.h1))

    def by_origin(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """origin -> ((schema, mask of its statements from that origin), ...)."""
        if self._by_origin is None:
            found: dict[str, dict[str, int]] = {}
            bit = 1
            for s in self.content.statements:
                schemas = found.setdefault(s.origin, {})
                schemas[s.schema] = schemas.get(s.schema, 0) | bit
                bit <<= 1
            self._by_origin = {o: tuple(schemas.items()) for o, schemas in found.items()}
        return self._by_origin

    def _own(self, sender: str) -> int:
        return _or(mask for _, mask in self.by_origin().get(sender, ()))

    def _not_onward(self, foreign: int, sender: str, onward: Callable[[str], frozenset[str]],
                    dropped: dict[str, int]) -> int:
        """The received statements that may not go on: others' originator-controlled
        material, and schemas the originator's clauses do not pass on (H2 apart)."""
        orcon = foreign & self.orcon
        if orcon:
            _count(dropped, "originator_control", orcon)
        rest = foreign & ~orcon
        refused = 0
        for origin, schemas in self.by_origin().items():
            if origin == sender:
                continue
            permitted: frozenset[str] | None = None
            for schema, mask in schemas:
                if mask & rest:
                    if permitted is None:
                        permitted = onward(origin)
                    if schema not in permitted:
                        refused |= mask & rest
        if refused:
            h2 = refused & self.h2
            if h2:
                _count(dropped, "h2_onward", h2)
            if refused & ~h2:
                _count(dropped, "onward_not_permitted", refused & ~h2)
        return orcon | refused

    def _without_dangling(self, kept: int, dropped: dict[str, int]) -> int:
        """Withhold, until nothing changes, every statement naming an entity none of
        whose statements travels, and the whole entity of a link so withheld.

        Each pass judges presence as it stood when the pass began; the result is the
        same whatever the statements' order (every withholding stays justified).
        """
        start = kept
        gone = 0  # statements of entities withheld whole
        while True:
            live = kept & ~gone
            drop = kept & gone
            for bit, target, whole in self.references:
                if bit & live and not target & live:
                    drop |= bit
                    gone |= whole
            if not drop:
                break
            kept &= ~drop
        if kept != start:
            _count(dropped, "dangling_reference", start & ~kept)
        return kept

    def project(self, kept: int, tables: ClauseTables, purpose: str) -> ReportContent:
        """The projection of the ``kept`` statements under the clause (see
        ``accord.domain.projection``), shared by the decisions that make the same one."""
        narrative = tables.clause.narrative
        key = (kept, tables.pap_rank, narrative, "" if narrative else purpose)
        found = self._projections.get(key)
        if found is None:
            if len(self._projections) >= _MEMO_LIMIT:
                self._projections.clear()
            found = self._projections[key] = content_of(
                self._report_for(tables, purpose), self._remarked_for(kept, tables))
        return found

    def _report_for(self, tables: ClauseTables, purpose: str) -> Report:
        narrative = tables.clause.narrative
        key = (tables.pap_rank, narrative, "" if narrative else purpose)
        report = self._reports.get(key)
        if report is None:
            report = self._reports[key] = projected_report(self.content.report, tables, purpose)
        return report

    def _remarked_for(self, kept: int, tables: ClauseTables) -> tuple[Statement, ...]:
        """The ``kept`` statements marked for the clause's permitted actions; each
        statement, and each distinct marking, re-marked once per PAP level."""
        done = self._remarked.get(tables.pap_rank)
        if done is None:
            done = self._remarked[tables.pap_rank] = ([None] * self.size, {})
        statements, markings = done
        everyone, pap_ok = self.content.statements, tables.pap_ok
        out = []
        for i in _positions(kept):
            s = statements[i]
            if s is None:
                s = everyone[i]
                if s.marking.pap not in pap_ok:
                    m = markings.get(id(s.marking))  # statements hold their markings
                    if m is None:
                        m = markings[id(s.marking)] = tables.tightened(s.marking)
                    s = with_marking(s, m)
                statements[i] = s
            out.append(s)
        return tuple(out)


_PREPARED: dict[int, PreparedContent] = {}
_KEEP = 16  # reports kept prepared (first in, first out)


def _positions(mask: int) -> list[int]:
    """The bit positions set in ``mask``, lowest first."""
    return [i for i, b in enumerate(reversed(f"{mask:b}")) if b == "1"]


def _is_source(prop: str) -> bool:
    """``is_source_identifying(prop)`` (the fixed list), remembered."""
    found = _SOURCE.get(prop)
    if found is None:
        if len(_SOURCE) >= 4096:  # property names come from the schemata; bounded anyway
            _SOURCE.clear()
        found = _SOURCE[prop] = is_source_identifying(prop)
    return found


_SOURCE: dict[str, bool] = {}




def _or(masks: Iterable[int]) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def _count(dropped: dict[str, int], code: str, mask: int) -> None:
    dropped[code] = dropped.get(code, 0) + mask.bit_count()
