"""What one clause lets through of a report, worked out on its bit masks.

``select`` applies the policy engine's statement-level rules in their order: the
clause's scope first (schema, source-identifying properties, redactions,
allow-list), then each statement's marking (TLP, handling codes, releasability),
then the originator's permission for material received from others; a fact
stated twice goes by its stricter copy; statements naming a withheld entity are
withheld too, links with their whole entity (a dangling link would leak that
the entity exists). See ``accord.domain.prepared`` for the masks, and
``accord.domain.policy`` for the report-level rules and the choice of clause.

Answers are remembered on the prepared report: the scope per clause, the
selection per (clause, audience), so recipients with the same audience share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from accord.domain.decision import REASON_TEXT
from accord.domain.policy_index import ClauseTables
from accord.domain.prepared import PreparedContent

_WITHHELD = {code: f"statement(s) withheld: {text}" for code, (_, text) in REASON_TEXT.items()}
_MISS = "?"  # not yet in a clause's scope table (no drop code is "?")
_MEMO_LIMIT = 512  # audiences remembered per report (cleared when full)


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


def scope(prepared: PreparedContent, tables: ClauseTables) -> tuple[int, dict[str, int]]:
    """(mask of the statements the clause's scope lets through, count of the
    others by drop code)."""
    found = prepared.scopes.get(tables)
    if found is None:
        prepared.prepare()
        ok = outside = source = 0
        other: dict[str, int] = {}  # drop code -> mask
        verdicts, open_schemas = tables.scope, tables.open_schemas
        for schema, schema_mask, schema_source, props in prepared.groups:
            codes = verdicts.get(schema)
            if codes is None:  # not one of the clause's schemas
                outside |= schema_mask
            elif schema in open_schemas:
                ok |= schema_mask & ~schema_source
                source |= schema_source
            else:
                for prop, mask in props.items():
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
        found = prepared.scopes[tables] = (
            ok, {code: mask.bit_count() for code, mask in other.items()})
    return found


def select(prepared: PreparedContent, tables: ClauseTables, audience: tuple[object, ...],
           recipient: str, country: str | None, sender: str,
           onward: Callable[[str], frozenset[str]]) -> Selection:
    """What may travel from ``sender`` to ``recipient`` under one clause (see the
    module docstring for the order of the rules).

    ``recipient`` and ``country`` are upper-cased (or None); ``onward(origin)``
    gives the schemas the origin lets ``sender`` pass on to ``recipient``;
    ``audience`` is ``prepared.audience(...)`` of the same. Remembered per (clause
    tables, audience): tables belong to one ``PolicyIndex``, so they also stand
    for it.
    """
    by_tables = prepared.selections.get(audience)
    if by_tables is None:
        if len(prepared.selections) >= _MEMO_LIMIT:
            prepared.selections.clear()
        by_tables = prepared.selections[audience] = {}
    found = by_tables.get(tables)
    if found is None:
        prepared.prepare()
        found = by_tables[tables] = _select(prepared, tables, recipient, country, sender,
                                            onward)
    return found


def _select(prepared: PreparedContent, tables: ClauseTables, recipient: str,
            country: str | None, sender: str,
            onward: Callable[[str], frozenset[str]]) -> Selection:
    ok, scope_drops = scope(prepared, tables)
    dropped = dict(scope_drops)
    passed = blocked = 0
    max_rank, refused_codes = tables.max_rank, ~tables.handling_mask
    for mask, rank, handling, rel in prepared.markings:
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
    own = prepared.own(sender)
    foreign = passed & ~own
    if foreign:  # received material: the originator decides
        stopped = _not_onward(prepared, foreign, sender, onward, dropped)
        blocked |= stopped
        passed &= ~stopped
    approval = bool(passed & own & prepared.orcon)  # our own originator-controlled material
    kept = passed
    if blocked and kept and prepared.duplicates:
        conflict = 0
        for mask in prepared.duplicates:
            if mask & blocked:
                conflict |= mask & kept
        if conflict:
            kept &= ~conflict
            _count(dropped, "conflicting_marking", conflict)
    if kept & prepared.referring:
        kept = _without_dangling(prepared, kept, dropped)
    return Selection(kept, dropped, approval, prepared.report_h1 or bool(kept & prepared.h1))


def _not_onward(prepared: PreparedContent, foreign: int, sender: str,
                onward: Callable[[str], frozenset[str]], dropped: dict[str, int]) -> int:
    """The received statements that may not go on: others' originator-controlled
    material, and schemas the originator's clauses do not pass on (H2 apart)."""
    orcon = foreign & prepared.orcon
    if orcon:
        _count(dropped, "originator_control", orcon)
    rest = foreign & ~orcon
    refused = 0
    for origin, schemas in prepared.by_origin().items():
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
        h2 = refused & prepared.h2
        if h2:
            _count(dropped, "h2_onward", h2)
        if refused & ~h2:
            _count(dropped, "onward_not_permitted", refused & ~h2)
    return orcon | refused


def _without_dangling(prepared: PreparedContent, kept: int, dropped: dict[str, int]) -> int:
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
        for bit, target, whole in prepared.references:
            if bit & live and not target & live:
                drop |= bit
                gone |= whole
        if not drop:
            break
        kept &= ~drop
    if kept != start:
        _count(dropped, "dangling_reference", start & ~kept)
    return kept


def _count(dropped: dict[str, int], code: str, mask: int) -> None:
    dropped[code] = dropped.get(code, 0) + mask.bit_count()
