"""The policy engine: may this report go to that recipient, and in what shape?

``decide`` is pure and total: for a report (with its statements), a recipient,
the agreements, a purpose and an action it returns a ``Decision`` that says
allow / hit-only / deny, the clause that allowed it, the projection that may
travel, and why. The recipient runs the same engine on arrival
(``decide_on_arrival``) and refuses anything its own copy of the agreements
does not allow.

Rules (each with its reason code, see docs/agreements.md):

* only agreements in force count (active, signed by every party, within
  validity, not revoked); the sender and the recipient must both be parties
  and a clause must run from sender to recipient;
* the purpose must be one of the clause's purposes; the mode must fit the
  action (push / on-request / hit-only);
* TLP:RED never leaves automatically; TLP above the clause maximum, handling
  codes the clause does not allow, and releasability lists without the
  recipient stop the report (report marking) or the statement (its marking);
* material received from someone else goes on only where the originator's own
  clause names the recipient as an onward-transfer party (H2 material gets its
  own code); originator-controlled material of others never goes on, and the
  originator's own needs a supervisor's approval;
* only in-scope schemas and properties travel; redacted and source-identifying
  properties never do; statements pointing to withheld entities are withheld
  too (a dangling link would leak that the entity exists);
* every applicable clause is evaluated alone and the most permissive result
  wins, so a projection never combines what two clauses allow separately.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

from accord.domain.agreement import Agreement
from accord.domain.clause import Mode
from accord.domain.decision import (
    REASON_TEXT,
    Action,
    Decision,
    Outcome,
    build_decision,
    explain,
)
from accord.domain.markings import TLP, HandlingCode
from accord.domain.policy_index import (
    SOURCE_IDENTIFYING_PROPERTIES,
    PolicyIndex,
    Rule,
    SchemaFacts,
    default_schema_facts,
    is_source_identifying,
)
from accord.domain.projection import project
from accord.domain.report import ReportContent
from accord.domain.statement import Statement

__all__ = ["Action", "Decision", "Outcome", "PolicyIndex", "SchemaFacts",
           "SOURCE_IDENTIFYING_PROPERTIES", "decide", "decide_on_arrival", "default_schema_facts",
           "explain", "is_source_identifying", "REASON_TEXT"]

# Enum members looked up once: on Python 3.11 each ``Outcome.ALLOW`` in a hot
# loop is a descriptor call costing more than a dict lookup.
_ALLOW, _HIT_ONLY, _DENY = Outcome.ALLOW, Outcome.HIT_ONLY, Outcome.DENY
_RELEASE, _RESPOND, _HIT = Action.RELEASE, Action.RESPOND, Action.HIT
_HIT_ONLY_MODE, _ON_REQUEST = Mode.HIT_ONLY, Mode.ON_REQUEST
_RED, _H1, _H2 = TLP.RED, HandlingCode.H1, HandlingCode.H2
_MISS = "?"  # not yet in a rule's scope table (no drop code is "?")


class _Candidate:
    """One clause's answer while the engine weighs them (a plain class: made often)."""

    __slots__ = ("rule", "order", "outcome", "stage", "code", "detail", "kept", "dropped",
                 "needs_approval")

    def __init__(self, rule: Rule, order: int) -> None:
        self.rule = rule
        self.order = order  # position in (agreement id, clause id) order: ties go first
        self.outcome = _ALLOW
        self.stage = 9
        self.code = ""
        self.detail: Callable[[], str] | None = None  # formatted only if the report is denied
        self.kept: list[Statement] = []
        self.dropped: dict[str, int] = {}
        self.needs_approval = False

    def deny(self, code: str, detail: Callable[[], str] | None = None) -> _Candidate:
        self.outcome, self.code, self.detail = _DENY, code, detail
        self.stage = REASON_TEXT[code][0]
        return self

    def score(self, kept: int | None = None, approval: bool | None = None,
              ) -> tuple[int, int, bool, bool, int, int]:
        """"Most permissive": shares more first; among equals, the one not held for
        approval; ties keep the first in (agreement id, clause id) order. With
        ``kept``/``approval`` given: the best this candidate could still score."""
        outcome = self.outcome
        rank = 2 if outcome is _ALLOW else 1 if outcome is _HIT_ONLY else 0
        return (rank, len(self.kept) if kept is None else kept, self.rule.clause.narrative,
                not (self.needs_approval if approval is None else approval), self.stage,
                -self.order)


def decide(content: ReportContent, recipient: str,
           agreements: Sequence[Agreement] | PolicyIndex, purpose: str, *,
           sender: str, now: datetime, action: Action = Action.RELEASE,
           recipient_country: str | None = None,
           schema_facts: SchemaFacts | None = None, project: bool = True) -> Decision:
    """Decide whether ``content`` may go from ``sender`` to ``recipient``.

    ``agreements`` should hold only agreements whose signatures were verified
    (``accord.domain.agreement.active_agreements``); the engine itself checks
    status, validity, revocation and that every party has signed. A list is
    compiled into a ``PolicyIndex`` (and the last few are reused while the same
    agreement objects are passed); pass an index to control that yourself.
    ``recipient_country`` lets releasability lists written with country codes
    match. ``schema_facts`` tells which properties hold entity ids (default:
    the packaged schemata). ``project=False`` skips building the projection
    (everything else, outcome included, is the same): for counting and explaining.
    """
    index = agreements if isinstance(agreements, PolicyIndex) else PolicyIndex.of(agreements)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    rules = index.rules(sender, recipient)
    if not rules:
        code = "no_clause" if index.are_partners(sender, recipient) else "not_a_party"
        return build_decision(outcome=_DENY, recipient=recipient, purpose=purpose,
                         action=action,
                         reasons=(f"{REASON_TEXT[code][1]} ({sender} -> {recipient})",),
                         reason_codes=(code,))
    ctx = _Context(content, recipient, recipient_country, purpose, sender, now, action,
                   schema_facts or default_schema_facts(), index)
    candidates = [ctx.screen(rule, i) for i, rule in enumerate(rules)]
    best: _Candidate | None = None
    for cand in candidates:
        if cand.outcome is _DENY:
            continue
        # skip a clause that could not beat the best so far even if it kept every
        # statement of its schemas
        if best is not None and cand.score(ctx.in_schemas(cand.rule), False) < best.score():
            continue
        ctx.select(cand)
        if best is None or cand.score() > best.score():
            best = cand
    if best is None:
        best = max(candidates, key=_Candidate.score)
    if best.outcome is _DENY:
        return _denial(candidates, recipient, purpose, action)
    return ctx.decision(best, project)


def decide_on_arrival(content: ReportContent, *, sender: str, me: str,
                      agreements: Sequence[Agreement] | PolicyIndex, purpose: str,
                      now: datetime, action: Action = Action.RELEASE,
                      my_country: str | None = None,
                      schema_facts: SchemaFacts | None = None) -> Decision:
    """The recipient's check: does *my* copy of the agreements allow what arrived?

    Same engine with the roles swapped. ``ALLOW`` only when everything that
    arrived is within what the engine would have let through; otherwise
    ``DENY`` with ``arrived_beyond_agreement`` (the sender overstepped: store
    nothing). The projection returned carries the markings to store.
    """
    decision = decide(content, me, agreements, purpose, sender=sender, now=now, action=action,
                      recipient_country=my_country, schema_facts=schema_facts)
    if decision.outcome is _DENY:
        return decision
    beyond: list[str] = []
    if decision.outcome is _HIT_ONLY:
        beyond.append("content arrived under a hit-only clause")
    else:
        assert decision.projection is not None
        if decision.dropped:
            parts = ", ".join(f"{c} x{n}" for c, n in sorted(decision.dropped.items()))
            beyond.append(f"statements the agreement does not allow: {parts}")
        got = decision.projection.report
        if (got.narrative, got.title) != (content.report.narrative, content.report.title):
            beyond.append("the narrative or title, which the clause does not share")
    if not beyond:
        return decision
    code = "arrived_beyond_agreement"
    return replace(decision, outcome=_DENY, projection=None,
                   reasons=tuple(f"{REASON_TEXT[code][1]}: {b}" for b in beyond)
                   + decision.reasons,
                   reason_codes=(code,) + decision.reason_codes)


class _Context:
    """The inputs of one decision, shared by the evaluation of each clause."""

    __slots__ = ("content", "recipient", "recipient_key", "country", "purpose", "sender", "now",
                 "action", "facts", "index", "_onward", "_input_ids", "_references",
                 "_schema_counts")

    def __init__(self, content: ReportContent, recipient: str, country: str | None,
                 purpose: str, sender: str, now: datetime, action: Action,
                 facts: SchemaFacts, index: PolicyIndex) -> None:
        self.content = content
        self.recipient = recipient
        # releasability lists hold upper-case node ids and country codes
        self.recipient_key = recipient.upper()
        self.country = country.upper() if country else None
        self.purpose = purpose
        self.sender = sender
        self.now = now
        self.action = action
        self.facts = facts
        self.index = index
        self._onward: dict[str, frozenset[str]] = {}
        self._input_ids: set[str] | None = None
        self._references: list[Statement] | None = None
        self._schema_counts: dict[str, int] | None = None

    @property
    def input_ids(self) -> set[str]:
        """Ids of the entities in the report (computed once per decision)."""
        if self._input_ids is None:
            self._input_ids = {s.entity_id for s in self.content.statements}
        return self._input_ids

    @property
    def references(self) -> list[Statement]:
        """The report's statements whose value names an entity (once per decision)."""
        if self._references is None:
            ids, refs = self.input_ids, self.facts.references
            self._references = [s for s in self.content.statements
                                if s.value in ids or s.prop in refs.get(s.schema, ())]
        return self._references

    def onward(self, origin: str) -> frozenset[str]:
        found = self._onward.get(origin)
        if found is None:
            found = self.index.onward_schemas(origin, self.sender, self.recipient, self.now)
            self._onward[origin] = found
        return found

    def in_schemas(self, rule: Rule) -> int:
        """How many statements are of the rule's schemas: an upper bound of what it keeps."""
        counts = self._schema_counts
        if counts is None:
            counts = self._schema_counts = {}
            for s in self.content.statements:
                counts[s.schema] = counts.get(s.schema, 0) + 1
        return sum(counts.get(schema, 0) for schema in rule.clause.schemas)

    def screen(self, rule: Rule, order: int) -> _Candidate:
        """The report-level checks; a candidate that passes still needs ``select``."""
        cand = _Candidate(rule, order)
        clause = rule.clause
        problem = rule.in_force(self.now)
        if problem is not None:
            return cand.deny(problem.code, lambda: problem.text)
        if self.purpose not in clause.purposes:
            return cand.deny("purpose_not_allowed",
                             lambda: f"{self.purpose!r} is not in {sorted(clause.purposes)}")
        report = self.content.report
        mark = report.marking
        code = rule.marking_code(mark, self.recipient_key, self.country)
        if code is not None:
            return cand.deny(code, lambda: f"report {report.id} is TLP:{mark.tlp.value}")
        if report.origin != self.sender:
            if mark.originator_control:
                return cand.deny("originator_control",
                                 lambda: f"report {report.id} from {report.origin}")
            if not self.onward(report.origin):
                code = "h2_onward" if _H2 in mark.handling else "onward_not_permitted"
                return cand.deny(code, lambda: f"report {report.id} originates at {report.origin}")
        elif mark.originator_control:
            cand.needs_approval = True
        mode = clause.mode
        if mode is _ON_REQUEST and self.action is _RELEASE:
            return cand.deny("mode_on_request")
        cand.outcome = _ALLOW
        if self.action is _HIT or (mode is _HIT_ONLY_MODE and self.action is _RELEASE):
            cand.outcome = _HIT_ONLY
        if clause.four_eyes or (mode is _HIT_ONLY_MODE and self.action is _RESPOND):
            cand.needs_approval = True
        return cand

    def select(self, cand: _Candidate) -> None:
        """Choose the statements; a candidate left with nothing to share is denied."""
        self._select(cand.rule, cand)
        report = self.content.report
        if not cand.kept and not (cand.rule.clause.narrative and report.narrative) and (
                not report.retracted):
            cand.deny("nothing_in_scope")

    def _select(self, rule: Rule, cand: _Candidate) -> None:
        """Fill ``cand.kept`` with the statements that may travel under ``rule``.

        The hot loop of the engine: scope codes and marking verdicts come from the
        rule's tables.
        """
        dropped = cand.dropped
        kept = cand.kept
        blocked: list[Statement] = []  # in scope, but its marking forbids it
        sender, recipient, country = self.sender, self.recipient_key, self.country
        scope, prop_code = rule.scope, rule.prop_code
        ok_tlps, handling = rule.ok_tlps, rule.handling
        last_marking: object = None  # consecutive statements often share a marking
        last_code: str | None = None
        for s in self.content.statements:
            props = scope.get(s.schema)
            code: str | None = _MISS
            if props is not None:
                code = props.get(s.prop, _MISS)
            if code is _MISS:
                code = prop_code(s.schema, s.prop)
            if code is None:
                # Rule.marking_code, inlined: this loop is where decisions spend their time
                m = s.marking
                if m is last_marking:
                    code = last_code
                else:
                    rel = m.releasable_to
                    if m.tlp not in ok_tlps:
                        code = "tlp_red" if m.tlp is _RED else "tlp_above_max"
                    elif m.handling and not m.handling <= handling:
                        code = "handling_not_allowed"
                    elif rel is not None and recipient not in rel and country not in rel:
                        code = "not_releasable"
                    last_marking, last_code = m, code
                if code is None:
                    if s.origin != sender:  # received material: the originator decides
                        if m.originator_control:
                            code = "originator_control"
                        elif s.schema not in self.onward(s.origin):
                            code = "h2_onward" if _H2 in m.handling else "onward_not_permitted"
                    elif m.originator_control:
                        cand.needs_approval = True
                if code is not None:
                    blocked.append(s)
            if code is None:
                kept.append(s)
            else:
                dropped[code] = dropped.get(code, 0) + 1
        if blocked and kept:
            kept = self._without_duplicates_of(blocked, kept, dropped)
        cand.kept = self._without_dangling(kept, dropped) if kept else kept

    @staticmethod
    def _without_duplicates_of(blocked: list[Statement], kept: list[Statement],
                               dropped: dict[str, int]) -> list[Statement]:
        """The same fact stated twice under different markings goes by the stricter:
        a copy that may travel does not carry a copy that may not."""
        keys = {(s.entity_id, s.prop, s.value, s.origin, s.report_id) for s in blocked}
        out = []
        for s in kept:
            if (s.entity_id, s.prop, s.value, s.origin, s.report_id) in keys:
                dropped["conflicting_marking"] = dropped.get("conflicting_marking", 0) + 1
            else:
                out.append(s)
        return out

    def _without_dangling(self, kept: list[Statement],
                          dropped: dict[str, int]) -> list[Statement]:
        """Withhold statements whose value names an entity that is not travelling.

        A value is a reference when the schema says so, or when it equals the id
        of an entity in the report (whatever the property: an id in free text
        leaks as much). Links and entities that need their reference go whole.
        """
        present = {s.entity_id for s in kept}
        suspects = [s for s in self.references
                    if s.value not in present and s.entity_id in present]
        if not suspects or not {id(s) for s in kept}.intersection(map(id, suspects)):
            return kept  # every reference that travels points at something travelling
        facts = self.facts
        refs = facts.references
        input_ids = self.input_ids
        gone: set[str] = set()  # entities withheld whole
        while True:
            present = {s.entity_id for s in kept}
            if gone:
                present -= gone
            before = len(kept)
            out: list[Statement] = []
            for s in kept:
                if s.entity_id in gone:
                    dropped["dangling_reference"] = dropped.get("dangling_reference", 0) + 1
                    continue
                value = s.value
                if value not in present and (
                        value in input_ids or s.prop in refs.get(s.schema, ())):
                    dropped["dangling_reference"] = dropped.get("dangling_reference", 0) + 1
                    if facts.is_edge(s.schema):
                        gone.add(s.entity_id)
                    continue
                out.append(s)
            kept = out
            if len(kept) == before:  # a pass that withheld nothing: settled
                return kept

    def decision(self, cand: _Candidate, with_projection: bool = True) -> Decision:
        rule, clause = cand.rule, cand.rule.clause
        report = self.content.report
        h1 = report.marking.has(_H1) or any(
            s.marking.handling and _H1 in s.marking.handling for s in cand.kept)
        projection = None
        if cand.outcome is _ALLOW and with_projection:
            projection = project(report, cand.kept, rule, self.purpose)
        reasons = [f"allowed by agreement {rule.agreement.id} clause {clause.id}"]
        for code, n in sorted(cand.dropped.items()):
            reasons.append(f"{n} statement(s) withheld: {REASON_TEXT[code][1]}")
        if cand.needs_approval:
            reasons.append("a supervisor must approve before release")
        codes = ("allowed_pending_approval" if cand.needs_approval else "allowed",)
        if cand.outcome is _HIT_ONLY:
            codes = ("hit_only",)
        return build_decision(
            outcome=cand.outcome, recipient=self.recipient, purpose=self.purpose,
            action=self.action, agreement_id=rule.agreement.id, clause_id=clause.id,
            projection=projection, reasons=tuple(reasons),
            reason_codes=codes + tuple(sorted(cand.dropped)),
            dropped=MappingProxyType(dict(cand.dropped)), needs_approval=cand.needs_approval,
            not_for_judicial_use=h1, permitted_actions=clause.permitted_actions,
            retention_days=clause.retention_days,
        )


def _denial(candidates: list[_Candidate], recipient: str, purpose: str,
            action: Action) -> Decision:
    ordered = sorted(candidates, key=lambda c: -c.stage)
    codes: list[str] = []
    reasons: list[str] = []
    for c in ordered:
        if c.code not in codes:
            codes.append(c.code)
        text = REASON_TEXT[c.code][1] + (f" ({c.detail()})" if c.detail else "")
        line = f"agreement {c.rule.agreement.id} clause {c.rule.clause.id}: {text}"
        if line not in reasons:
            reasons.append(line)
    return build_decision(outcome=_DENY, recipient=recipient, purpose=purpose,
                     action=action, reasons=tuple(reasons), reason_codes=tuple(codes))
