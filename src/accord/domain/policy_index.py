"""Agreements compiled into lookup tables for the policy engine.

The engine answers many questions about the same few agreements, so the
per-agreement work (expanding "all parties" into sender/recipient pairs,
merging allow-lists with redactions and source-identifying properties,
ranking TLP/PAP) is done once here: each clause becomes one ``ClauseTables``,
shared by the ``Rule`` of every (sender, recipient) pair it covers. A
``PolicyIndex`` is immutable from the outside (it also keeps the engine's plans,
``accord.domain.policy_plan``); build a new one when agreements change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from accord.domain.agreement import Agreement, AgreementStatus, Reason
from accord.domain.clause import Clause
from accord.domain.markings import PAP, TLP, HandlingCode, Marking

if TYPE_CHECKING:
    from accord.domain.policy_plan import Plan
    from accord.domain.registry import Registry

# Properties that identify a source (informant, handler) never leave a node,
# whatever an agreement says. Besides this fixed list, any property whose name
# starts with one of the prefixes below counts (e.g. ``informantCodeName``).
SOURCE_IDENTIFYING_PROPERTIES = frozenset({
    "notes", "informant", "informantName", "informantId", "source", "sourceName",
    "sourceId", "sourceContact", "sourceDescription", "handler", "handlerName", "handlerId",
    "debrief",
})
SOURCE_PREFIXES = ("informant", "source", "handler", "debrief")

TLP_RANK = {t: i for i, t in enumerate(TLP)}
RED_RANK = TLP_RANK[TLP.RED]
PAP_RANK = {p: i for i, p in enumerate(PAP)}
# Handling codes as bits (H0 is implied by every marking and restricts nothing).
HANDLING_BIT = {HandlingCode.H0: 0, HandlingCode.H1: 1, HandlingCode.H2: 2, HandlingCode.H3: 4}
H1_BIT, H2_BIT = HANDLING_BIT[HandlingCode.H1], HANDLING_BIT[HandlingCode.H2]
_MISS = "?"  # not yet in a scope table (no drop code is "?")
# Members in declaration order: ``tuple.index`` finds one by identity in C, where a
# dict keyed by enum members calls Enum.__hash__ in Python (slow on 3.11).
_TLPS, _HANDLINGS = tuple(TLP), tuple(HandlingCode)


def tlp_rank(tlp: TLP) -> int:
    """``TLP_RANK[tlp]``, faster."""
    return _TLPS.index(tlp)


def handling_bits(codes: Iterable[HandlingCode]) -> int:
    """The handling codes as a bit mask (see ``HANDLING_BIT``)."""
    bits = 0
    for code in codes:
        at = _HANDLINGS.index(code)
        if at:  # H0 restricts nothing
            bits |= 1 << (at - 1)
    return bits


def is_source_identifying(prop: str, extra: frozenset[str] = frozenset()) -> bool:
    return (prop in SOURCE_IDENTIFYING_PROPERTIES or prop in extra
            or prop.lower().startswith(SOURCE_PREFIXES))


@dataclass(frozen=True)
class SchemaFacts:
    """What the engine needs to know of the schemata to avoid dangling links.

    ``references``: schema -> its entity-typed properties (values are entity ids).
    ``edges``: schemas dropped whole when one of their references is withheld:
    links (Associate, Ownership, ...) and anything that needs an entity to make
    sense (a Movement without its vessel), since the rest would still reveal
    the withheld side. A schema missing from ``references`` is treated as an
    edge: unknown means careful.
    """

    references: Mapping[str, frozenset[str]]
    edges: frozenset[str]

    @classmethod
    def from_registry(cls, registry: Registry) -> SchemaFacts:
        references: dict[str, frozenset[str]] = {}
        edges: set[str] = set()
        for schema in registry:
            refs = frozenset(p.name for p in schema.properties.values()
                             if p.type.name == "entity")
            references[schema.name] = refs
            if schema.edge is not None or refs & schema.required:
                edges.add(schema.name)
        return cls(MappingProxyType(references), frozenset(edges))

    def is_reference(self, schema: str, prop: str) -> bool:
        return prop in self.references.get(schema, ())

    def is_edge(self, schema: str) -> bool:
        return schema in self.edges or schema not in self.references


@cache
def default_schema_facts() -> SchemaFacts:
    """Facts of the packaged schemata (loaded once, on first use)."""
    from accord.domain.registry import load_registry

    return SchemaFacts.from_registry(load_registry())


class ClauseTables:
    """One clause compiled once, shared by every (sender, recipient) pair it covers.

    Marking limits are integers (TLP rank, handling-code bits) so that a verdict on
    a marking is a few integer comparisons; property verdicts are remembered in
    ``scope`` as they are asked for.
    """

    __slots__ = ("clause", "max_rank", "handling_mask", "pap", "pap_rank", "pap_ok", "scope",
                 "open_schemas", "_source")

    def __init__(self, clause: Clause, source: frozenset[str]) -> None:
        self.clause = clause
        # TLP:RED never travels, whatever the clause's maximum says
        self.max_rank = min(TLP_RANK[clause.max_tlp], RED_RANK - 1)
        self.handling_mask = handling_bits(clause.handling_allowed)
        self.pap = clause.permitted_actions
        floor = self.pap_rank = PAP_RANK[self.pap]
        # Tuple of enum members, tested with ``in``: identity comparisons in C,
        # where a set of enums would call Enum.__hash__ in Python.
        self.pap_ok = tuple(p for p in PAP if PAP_RANK[p] >= floor)  # no tightening needed
        self._source = source
        # schema -> {prop -> drop code or None}; filled lazily (see ``prop_code``).
        # Bounded by the schemata's properties, as schema names come from the registry.
        self.scope: dict[str, dict[str, str | None]] = {s: {} for s in clause.schemas}
        # schemas whose every property travels but the source-identifying ones (the
        # fixed list: extra source properties of the index make every schema selective)
        self.open_schemas: frozenset[str] = frozenset() if source else (
            clause.schemas - set(clause.properties) - set(clause.redactions))

    def prop_code(self, schema: str, prop: str) -> str | None:
        """None when (schema, prop) is in scope; else the drop code (remembered)."""
        props = self.scope.get(schema)
        if props is None:  # the table holds the clause's schemas only
            return "schema_out_of_scope"
        code = props.get(prop, _MISS)
        if code is _MISS:
            code = props[prop] = self._prop_code(schema, prop)
        return code

    def _prop_code(self, schema: str, prop: str) -> str | None:
        if schema not in self.clause.schemas:
            return "schema_out_of_scope"
        if is_source_identifying(prop, self._source):
            return "source_identifying"
        if prop in self.clause.redactions.get(schema, ()):
            return "redacted"
        allowed = self.clause.properties.get(schema)
        if allowed is not None and prop not in allowed:
            return "property_out_of_scope"
        return None

    def marking_code(self, tlp_rank: int, handling: int, releasable_to: frozenset[str] | None,
                     recipient: str, country: str | None) -> str | None:
        """None when a marking (TLP rank, handling bits, releasability list) may travel;
        else why not. ``recipient`` and ``country`` upper-cased, as releasability lists
        are."""
        if tlp_rank > self.max_rank:
            return "tlp_red" if tlp_rank == RED_RANK else "tlp_above_max"
        if handling & ~self.handling_mask:
            return "handling_not_allowed"
        if releasable_to is not None and recipient not in releasable_to and (
                country not in releasable_to):
            return "not_releasable"
        return None

    def tightened(self, m: Marking) -> Marking:
        """``m`` marked at least as restrictively as the clause's permitted actions."""
        if m.pap in self.pap_ok:
            return m
        # the join with a PAP-only marking changes nothing but the PAP; copied
        # field by field rather than through the frozen dataclass's slow __init__
        values = m.__dict__.copy()
        values["pap"] = self.pap
        new: Marking = object.__new__(Marking)
        object.__setattr__(new, "__dict__", values)
        return new


class Rule:
    """One clause of one agreement, for one (sender, recipient) pair."""

    __slots__ = ("agreement", "clause", "tables", "problem", "valid_from", "valid_until",
                 "label", "allowed")

    def __init__(self, agreement: Agreement, tables: ClauseTables) -> None:
        self.agreement = agreement
        self.clause = tables.clause
        self.tables = tables
        # how reasons name it (written once, read often)
        self.label = f"agreement {agreement.id} clause {tables.clause.id}"
        self.allowed = f"allowed by {self.label}"  # the first reason of an allowed decision
        self.problem = _static_problem(agreement)
        self.valid_from = agreement.valid_from
        self.valid_until = agreement.valid_until

    def in_force(self, at: datetime) -> Reason | None:
        if self.problem is not None:
            return self.problem
        if self.valid_from <= at < self.valid_until:
            return None
        return self.agreement.usable_at(at)


def _static_problem(agreement: Agreement) -> Reason | None:
    """The time-independent part of ``Agreement.usable_at``."""
    if agreement.status is not AgreementStatus.ACTIVE or agreement.revocation is not None:
        return agreement.usable_at(agreement.valid_from)
    missing = [p for p in agreement.parties if p not in agreement.signatures]
    if missing:
        return Reason("agreement_unsigned",
                      f"agreement {agreement.id} is not signed by {', '.join(missing)}")
    return None


class PolicyIndex:
    """Agreements compiled for fast decisions; pass it to ``decide`` instead of a list."""

    def __init__(self, agreements: Iterable[Agreement], *,
                 source_properties: Iterable[str] = ()) -> None:
        self.agreements = tuple(agreements)
        source = frozenset(source_properties)
        self._pairs: dict[tuple[str, str], list[Rule]] = {}
        self._partners: set[tuple[str, str]] = set()
        # the engine's per-(sender, recipient, purpose, action) plans (policy_plan.plan_for)
        self.plans: dict[tuple[str, str, str, int], Plan] = {}
        for agreement in sorted(self.agreements, key=lambda a: (a.id, a.version)):
            # one set of tables per clause, whatever the number of pairs it covers
            compiled = [ClauseTables(c, source) for c in sorted(agreement.clauses,
                                                                key=lambda c: c.id)]
            for sender in agreement.parties:
                for recipient in agreement.parties:
                    if sender == recipient:
                        continue
                    self._partners.add((sender, recipient))
                    for tables in compiled:
                        if tables.clause.sends(sender, recipient):
                            self._pairs.setdefault((sender, recipient), []).append(
                                Rule(agreement, tables))

    @classmethod
    def of(cls, agreements: Iterable[Agreement]) -> PolicyIndex:
        """The index of these agreements, reused while the same objects are passed
        (agreements are immutable, so the same objects compile to the same index)."""
        items = agreements if isinstance(agreements, (list, tuple)) else tuple(agreements)
        key = tuple(map(id, items))
        # the cache holds the agreements it was built from, so no other object can have
        # one of their ids meanwhile: the same ids are the same objects
        hit = _COMPILED.get(key)
        if hit is not None:
            return hit[1]
        index = cls(items)
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        _COMPILED[key] = (tuple(items), index)
        return index

    def rules(self, sender: str, recipient: str) -> list[Rule]:
        """Every clause covering ``sender`` -> ``recipient``, active or not, in id order."""
        return self._pairs.get((sender, recipient), [])

    def are_partners(self, a: str, b: str) -> bool:
        """True when some agreement (in any state) names both."""
        return (a, b) in self._partners

    def onward_schemas(self, origin: str, holder: str, third: str, at: datetime) -> frozenset[str]:
        """Schemas that ``holder``, having received them from ``origin``, may pass on
        to ``third``: the origin's clauses in force naming ``third`` as an onward
        transfer recipient."""
        out: set[str] = set()
        for rule in self.rules(origin, holder):
            if third in rule.clause.onward_transfer and rule.in_force(at) is None:
                out |= rule.clause.schemas
        return frozenset(out)


_COMPILED: dict[tuple[int, ...], tuple[tuple[Agreement, ...], PolicyIndex]] = {}
