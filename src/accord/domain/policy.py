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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType

from accord.domain.agreement import Agreement
from accord.domain.clause import Mode
from accord.domain.decision import Action, Decision, Outcome, explain
from accord.domain.markings import HandlingCode, Marking
from accord.domain.policy_index import (
    PAP_RANK,
    SOURCE_IDENTIFYING_PROPERTIES,
    PolicyIndex,
    Rule,
    SchemaFacts,
    default_schema_facts,
    is_source_identifying,
)
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

__all__ = ["Action", "Decision", "Outcome", "PolicyIndex", "SchemaFacts",
           "SOURCE_IDENTIFYING_PROPERTIES", "decide", "decide_on_arrival", "explain",
           "is_source_identifying", "REASON_TEXT"]

# code -> (stage, sentence). A denial reports the codes of the clause that got
# furthest first: "purpose not allowed" says more than "agreement expired" does
# about a second agreement that did not apply anyway.
REASON_TEXT: dict[str, tuple[int, str]] = {
    "not_a_party": (0, "the recipient is not a party to any agreement with the sender"),
    "no_clause": (0, "no clause of any agreement runs from the sender to the recipient"),
    "agreement_revoked": (1, "the agreement was revoked"),
    "agreement_not_active": (1, "the agreement is not active"),
    "agreement_not_yet_valid": (1, "the agreement is not yet valid"),
    "agreement_expired": (1, "the agreement has expired"),
    "agreement_unsigned": (1, "not every party has signed the agreement"),
    "purpose_not_allowed": (2, "the purpose is not one of the clause's purposes"),
    "tlp_red": (3, "TLP:RED never leaves automatically; share it person to person"),
    "tlp_above_max": (3, "TLP is above the clause's maximum"),
    "handling_not_allowed": (3, "a handling code is not allowed by the clause"),
    "not_releasable": (3, "the releasability list does not include the recipient"),
    "originator_control": (3, "originator-controlled material of another agency"),
    "onward_not_permitted": (4, "received material; the originator's clause does not "
                                "name the recipient for onward transfer"),
    "h2_onward": (4, "H2 material received from another agency; the originator has not "
                     "permitted onward transfer to the recipient"),
    "mode_on_request": (5, "the clause shares only on request, not by push"),
    "nothing_in_scope": (6, "nothing in the report is within the clause's scope"),
    "schema_out_of_scope": (7, "schema not in the clause"),
    "property_out_of_scope": (7, "property not in the clause's allow-list"),
    "redacted": (7, "property redacted by the clause"),
    "source_identifying": (7, "source-identifying property, never shared"),
    "dangling_reference": (7, "refers to a withheld entity"),
    "conflicting_marking": (7, "the same fact is also stated under a marking that forbids it"),
    "arrived_beyond_agreement": (8, "more arrived than the recipient's agreement allows"),
}

_RANK = {Outcome.DENY: 0, Outcome.HIT_ONLY: 1, Outcome.ALLOW: 2}


@dataclass
class _Candidate:
    rule: Rule
    outcome: Outcome = Outcome.DENY
    stage: int = 0
    code: str = ""
    detail: str = ""
    kept: list[Statement] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    needs_approval: bool = False

    def deny(self, code: str, detail: str = "") -> _Candidate:
        self.outcome, self.code, self.detail = Outcome.DENY, code, detail
        self.stage = REASON_TEXT[code][0]
        return self

    def score(self) -> tuple[int, int, bool, bool, int]:
        # "most permissive": shares more first; among equals, the one not held
        # for approval. Ties keep the first in (agreement id, clause id) order.
        return (_RANK[self.outcome], len(self.kept), self.rule.clause.narrative,
                not self.needs_approval, self.stage)


def decide(content: ReportContent, recipient: str,
           agreements: Sequence[Agreement] | PolicyIndex, purpose: str, *,
           sender: str, now: datetime, action: Action = Action.RELEASE,
           recipient_country: str | None = None,
           schema_facts: SchemaFacts | None = None) -> Decision:
    """Decide whether ``content`` may go from ``sender`` to ``recipient``.

    ``agreements`` should hold only agreements whose signatures were verified
    (``accord.domain.agreement.active_agreements``); the engine itself checks
    status, validity, revocation and that every party has signed. Pass a
    ``PolicyIndex`` when deciding many times over the same agreements.
    ``recipient_country`` lets releasability lists written with country codes
    match. ``schema_facts`` tells which properties hold entity ids (default:
    the packaged schemata).
    """
    index = agreements if isinstance(agreements, PolicyIndex) else PolicyIndex(agreements)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    rules = index.rules(sender, recipient)
    if not rules:
        code = "no_clause" if index.are_partners(sender, recipient) else "not_a_party"
        return Decision(Outcome.DENY, recipient, purpose, action,
                        reasons=(f"{REASON_TEXT[code][1]} ({sender} -> {recipient})",),
                        reason_codes=(code,))
    ctx = _Context(content, recipient, recipient_country, purpose, sender, now, action,
                   schema_facts or default_schema_facts(), index)
    best: _Candidate | None = None
    candidates = []
    for rule in rules:
        cand = ctx.evaluate(rule)
        candidates.append(cand)
        if best is None or cand.score() > best.score():
            best = cand
    assert best is not None
    if best.outcome is Outcome.DENY:
        return _denial(candidates, recipient, purpose, action)
    return ctx.decision(best)


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
    if decision.outcome is Outcome.DENY:
        return decision
    beyond: list[str] = []
    if decision.outcome is Outcome.HIT_ONLY:
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
    return replace(decision, outcome=Outcome.DENY, projection=None,
                   reasons=tuple(f"{REASON_TEXT[code][1]}: {b}" for b in beyond)
                   + decision.reasons,
                   reason_codes=(code,) + decision.reason_codes)


class _Context:
    """The inputs of one decision, shared by the evaluation of each clause."""

    def __init__(self, content: ReportContent, recipient: str, country: str | None,
                 purpose: str, sender: str, now: datetime, action: Action,
                 facts: SchemaFacts, index: PolicyIndex) -> None:
        self.content = content
        self.recipient = recipient
        self.country = country
        self.purpose = purpose
        self.sender = sender
        self.now = now
        self.action = action
        self.facts = facts
        self.index = index
        self._onward: dict[str, frozenset[str]] = {}

    def onward(self, origin: str) -> frozenset[str]:
        found = self._onward.get(origin)
        if found is None:
            found = self.index.onward_schemas(origin, self.sender, self.recipient, self.now)
            self._onward[origin] = found
        return found

    def evaluate(self, rule: Rule) -> _Candidate:
        cand = _Candidate(rule)
        clause = rule.clause
        problem = rule.in_force(self.now)
        if problem is not None:
            return cand.deny(problem.code, problem.text)
        if self.purpose not in clause.purposes:
            return cand.deny("purpose_not_allowed",
                             f"{self.purpose!r} is not in {sorted(clause.purposes)}")
        report = self.content.report
        mark = report.marking
        code = rule.marking_code(mark, self.recipient, self.country)
        if code is not None:
            return cand.deny(code, f"report marking {mark.to_dict()}")
        if report.origin != self.sender:
            if mark.originator_control:
                return cand.deny("originator_control", f"report {report.id} from {report.origin}")
            if not self.onward(report.origin):
                code = "h2_onward" if HandlingCode.H2 in mark.handling else "onward_not_permitted"
                return cand.deny(code, f"report {report.id} originates at {report.origin}")
        elif mark.originator_control:
            cand.needs_approval = True
        mode = clause.mode
        if mode is Mode.ON_REQUEST and self.action is Action.RELEASE:
            return cand.deny("mode_on_request")
        cand.outcome = Outcome.ALLOW
        if self.action is Action.HIT or (mode is Mode.HIT_ONLY and self.action is Action.RELEASE):
            cand.outcome = Outcome.HIT_ONLY
        if clause.four_eyes or (mode is Mode.HIT_ONLY and self.action is Action.RESPOND):
            cand.needs_approval = True
        self._select(rule, cand)
        if not cand.kept and not (clause.narrative and report.narrative) and not report.retracted:
            return cand.deny("nothing_in_scope")
        return cand

    def _select(self, rule: Rule, cand: _Candidate) -> None:
        """Fill ``cand.kept`` with the statements that may travel under ``rule``."""
        dropped = cand.dropped
        kept = cand.kept
        blocked: list[Statement] = []  # in scope, but its marking forbids it
        sender, recipient, country = self.sender, self.recipient, self.country
        for s in self.content.statements:
            code = rule.prop_code(s.schema, s.prop)
            if code is None:
                m = s.marking
                code = rule.marking_code(m, recipient, country)
                if code is None and s.origin != sender:
                    if m.originator_control:
                        code = "originator_control"
                    elif s.schema not in self.onward(s.origin):
                        code = "h2_onward" if HandlingCode.H2 in m.handling else (
                            "onward_not_permitted")
                elif code is None and m.originator_control:
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
        facts = self.facts
        input_ids = {s.entity_id for s in self.content.statements}
        gone: set[str] = set()  # entities withheld whole
        while True:
            present = {s.entity_id for s in kept} - gone
            before = len(kept)
            out: list[Statement] = []
            for s in kept:
                if s.entity_id in gone:
                    dropped["dangling_reference"] = dropped.get("dangling_reference", 0) + 1
                    continue
                if s.value not in present and (
                        s.value in input_ids or facts.is_reference(s.schema, s.prop)):
                    dropped["dangling_reference"] = dropped.get("dangling_reference", 0) + 1
                    if facts.is_edge(s.schema):
                        gone.add(s.entity_id)
                    continue
                out.append(s)
            kept = out
            if len(kept) == before:  # a pass that withheld nothing: settled
                return kept

    def decision(self, cand: _Candidate) -> Decision:
        rule, clause = cand.rule, cand.rule.clause
        report = self.content.report
        h1 = report.marking.has(HandlingCode.H1) or any(
            HandlingCode.H1 in s.marking.handling for s in cand.kept)
        projection = None
        if cand.outcome is Outcome.ALLOW:
            projection = _project(report, cand.kept, rule, self.purpose)
        reasons = [f"allowed by agreement {rule.agreement.id} clause {clause.id}"]
        for code, n in sorted(cand.dropped.items()):
            reasons.append(f"{n} statement(s) withheld: {REASON_TEXT[code][1]}")
        if cand.needs_approval:
            reasons.append("a supervisor must approve before release")
        codes = ("allowed_pending_approval" if cand.needs_approval else "allowed",)
        if cand.outcome is Outcome.HIT_ONLY:
            codes = ("hit_only",)
        return Decision(
            cand.outcome, self.recipient, self.purpose, self.action,
            agreement_id=rule.agreement.id, clause_id=clause.id, projection=projection,
            reasons=tuple(reasons), reason_codes=codes + tuple(sorted(cand.dropped)),
            dropped=MappingProxyType(dict(cand.dropped)), needs_approval=cand.needs_approval,
            not_for_judicial_use=h1, permitted_actions=clause.permitted_actions,
            retention_days=clause.retention_days,
        )


def _project(report_in: Report, kept: list[Statement], rule: Rule,
             purpose: str) -> ReportContent:
    floor, floor_rank = rule.pap_floor, rule.pap_rank
    tightened: dict[int, Marking] = {}
    out: list[Statement] = []
    for s in kept:
        m = s.marking
        if PAP_RANK[m.pap] >= floor_rank:
            out.append(s)
            continue
        new = tightened.get(id(m))
        if new is None:
            new = tightened[id(m)] = m | floor
        out.append(replace(s, marking=new))
    marking = report_in.marking | floor
    if rule.clause.narrative:
        report = replace(report_in, marking=marking)
    else:
        # title, narrative and the report's own purpose are free text that may
        # name anything, sources included: they travel only when the clause says so
        report = replace(report_in, marking=marking, title=f"Report {report_in.id}",
                         narrative="", purpose=purpose)
    return ReportContent(report, tuple(out))


def _denial(candidates: list[_Candidate], recipient: str, purpose: str,
            action: Action) -> Decision:
    ordered = sorted(candidates, key=lambda c: -c.stage)
    codes: list[str] = []
    reasons: list[str] = []
    for c in ordered:
        if c.code not in codes:
            codes.append(c.code)
        text = REASON_TEXT[c.code][1] + (f" ({c.detail})" if c.detail else "")
        line = f"agreement {c.rule.agreement.id} clause {c.rule.clause.id}: {text}"
        if line not in reasons:
            reasons.append(line)
    return Decision(Outcome.DENY, recipient, purpose, action, reasons=tuple(reasons),
                    reason_codes=tuple(codes))
