"""A report reduced once to bit masks, so that deciding it for many recipients is cheap.

For every recipient and every clause the policy engine asks the same questions
of a report's statements: which schema and property, which marking, which
origin, which entity, which links. ``PreparedContent`` answers them once.
Statement ``i`` is bit ``i`` of a Python int, and the report keeps one mask per
(schema, property), per distinct marking and per entity. What one clause lets
through of the whole report is then a few AND/OR operations on those masks, one
integer comparison per distinct marking and one dict lookup per distinct
(schema, property) (``accord.domain.selection``); the projection is built from
the kept mask only when a release needs it (``accord.domain.projection``).

Both remember their answers on the prepared report, keyed by exactly what they
depend on, so deciding one report for N recipients does the statement-level
work once per clause. ``PreparedContent.of`` keeps the last few prepared reports,
so that deciding the same content object again (the next recipient, the next
purpose) finds its work done. A prepared report holds the content it was made
from and never changes from the outside.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

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
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

if TYPE_CHECKING:
    from accord.domain.selection import Selection

_ROW = attrgetter("schema", "prop", "entity_id", "marking")
_ORIGIN, _VALUE = attrgetter("origin"), attrgetter("value")
_FACT = attrgetter("entity_id", "prop", "value", "origin", "report_id")


class PreparedContent:
    """``content`` as masks for the engine (see the module docstring). Use
    ``PreparedContent.of``, which reuses the last few."""

    __slots__ = ("content", "facts", "size", "everything", "groups", "markings", "orcon", "h1",
                 "h2", "report_marking", "report_h1", "single_origin", "recipient_free", "rels",
                 "references", "referring", "_duplicates", "_by_origin", "_plain", "scopes",
                 "selections", "remarked", "projections", "reports", "ready")

    def __init__(self, content: ReportContent, facts: SchemaFacts) -> None:
        self.content = content
        self.facts = facts
        m = content.report.marking
        self.report_marking = (tlp_rank(m.tlp), handling_bits(m.handling), m.releasable_to)
        self.report_h1 = bool(self.report_marking[1] & H1_BIT)
        # What the engine remembers of this report (filled by accord.domain.selection and
        # accord.domain.projection, which say what each holds); bounded there.
        self.scopes: dict[ClauseTables, tuple[int, dict[str, int]]] = {}
        self.selections: dict[tuple[object, ...], dict[ClauseTables, Selection]] = {}
        self.remarked: dict[int, tuple[list[Statement | None], dict[int, Marking]]] = {}
        self.projections: dict[tuple[int, int, bool, str], ReportContent] = {}
        self.reports: dict[tuple[int, bool, str], Report] = {}
        # the statements' masks are made when a clause first looks at them (``ready``):
        # a report that every clause refuses as a whole never needs them
        self.ready = False

    def prepare(self) -> None:
        """Make the statements' masks (once; ``ready`` tells whether it was done)."""
        if self.ready:
            return
        statements = self.content.statements
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
        # (schema, mask of its statements, of its source-identifying ones, {prop: mask})
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
            grouped.append((schema, every, source, props))
        self.groups = tuple(grouped)
        self._markings(markings.values())
        origins = set(map(_ORIGIN, statements))
        self.single_origin = origins.pop() if len(origins) == 1 else None
        # no statement names its recipients: a clause's verdict depends on no recipient
        self.recipient_free = True
        for _, _, _, rel in self.markings:
            if rel is not None:
                self.recipient_free = False
        self.references = self._references(statements, entities, self.facts)
        self.referring = _or(bit for bit, _, _ in self.references)  # their statements
        self._duplicates: tuple[int, ...] | None = None
        self._by_origin: dict[str, tuple[tuple[str, int], ...]] | None = None
        self._plain = (self.single_origin, (), ())  # see ``audience``
        self.ready = True

    @classmethod
    def of(cls, content: ReportContent, facts: SchemaFacts) -> PreparedContent:
        """The prepared form of ``content``, reused while the same object comes back
        with the same facts (the share service decides one report for each partner in
        turn). Contents are immutable, and the cache holds them, so an id cannot be
        reused for another while it is cached; statements given as anything but a
        tuple (which could change in place) are prepared afresh every time."""
        key = id(content)
        found = _PREPARED.get(key)
        if found is not None and found.content is content and found.facts is facts:
            return found
        prepared = cls(content, facts)
        if type(content.statements) is tuple:
            # the oldest goes, one at a time: what it held is freed as fast as the
            # newcomers allocate, so a stream of reports leaves the cyclic GC idle
            # (deque and dict operations are atomic: safe from several threads)
            while len(_ORDER) >= _KEEP:
                try:
                    _PREPARED.pop(_ORDER.popleft(), None)
                except IndexError:  # another thread emptied it meanwhile
                    break
            _PREPARED[key] = prepared
            _ORDER.append(key)
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
                for prop, prop_mask in props.items():
                    if prop in names:
                        mask |= prop_mask
        values = list(map(_VALUE, statements))
        for i in [i for i, value in enumerate(values) if value in entities]:
            mask |= 1 << i
        out = []
        for i in positions(mask):
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

    def audience(self, recipient: str, country: str | None, sender: str,
                 onward: Callable[[str], frozenset[str]]) -> tuple[object, ...]:
        """All that a clause's verdict on this report depends on besides the clause:
        the sender, whether the recipient (upper-cased) or its ``country`` is on each
        releasability list of the statements, and, for material received from others,
        what each originator lets the sender pass on to the recipient
        (``onward(origin)``). Recipients with the same audience get the same verdict."""
        if not self.ready:
            self.prepare()
        if self.single_origin == sender or not self.size:
            if self.recipient_free:
                return self._plain  # the common case: own material, no lists
            received: tuple[frozenset[str], ...] = ()
        else:
            received = tuple(onward(origin) for origin in self.by_origin() if origin != sender)
        listed = () if self.recipient_free else tuple(
            recipient in rel or country in rel for rel in self.rels)
        return (sender, listed, received)

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

    def own(self, sender: str) -> int:
        """The mask of the statements that originate at ``sender``."""
        if self.single_origin == sender:
            return self.everything
        return _or(mask for _, mask in self.by_origin().get(sender, ()))


_PREPARED: dict[int, PreparedContent] = {}  # id(content) -> its prepared form
_ORDER: deque[int] = deque()  # the keys of _PREPARED, oldest first
_KEEP = 16  # reports kept prepared


def positions(mask: int) -> list[int]:
    """The bit positions set in ``mask`` (statement indexes), lowest first."""
    if mask.bit_count() * 2 > mask.bit_length():  # dense: one pass over the digits
        return [i for i, b in enumerate(reversed(f"{mask:b}")) if b == "1"]
    out = []
    while mask:  # sparse: one step per set bit
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


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
