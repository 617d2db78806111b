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

Speed: agreements are compiled once into a ``PolicyIndex``, and each report
once into a ``PreparedContent`` (bit masks over its statements, reused while the
same content object is decided for recipient after recipient, or explicitly by
``decide_many``), so that most of a decision is integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import itemgetter

from accord.domain.agreement import Agreement
from accord.domain.clause import Mode
from accord.domain.decision import (
    REASON_TEXT,
    Action,
    Decision,
    Outcome,
    build_decision,
    decision_from,
    explain,
)
from accord.domain.markings import HandlingCode
from accord.domain.policy_index import (
    SOURCE_IDENTIFYING_PROPERTIES,
    PolicyIndex,
    Rule,
    SchemaFacts,
    default_schema_facts,
    is_source_identifying,
)
from accord.domain.policy_plan import Plan, plan_for, refusal
from accord.domain.prepared import PreparedContent
from accord.domain.projection import project
from accord.domain.report import ReportContent
from accord.domain.selection import Selection, scope, select

__all__ = ["Action", "Decision", "Outcome", "PolicyIndex", "PreparedContent", "SchemaFacts",
           "SOURCE_IDENTIFYING_PROPERTIES", "decide", "decide_many", "decide_on_arrival",
           "default_schema_facts", "explain", "is_source_identifying", "REASON_TEXT"]

# Enum members looked up once: on Python 3.11 each ``Outcome.ALLOW`` in a hot
# loop is a descriptor call costing more than a dict lookup.
_ALLOW, _HIT_ONLY, _DENY = Outcome.ALLOW, Outcome.HIT_ONLY, Outcome.DENY
_RELEASE = Action.RELEASE
_ON_REQUEST = Mode.ON_REQUEST
_H2 = HandlingCode.H2
_STAGE = itemgetter(0)


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
    The statement-level work on ``content`` is reused while the same object is
    decided again (for the next recipient or purpose); see also ``decide_many``.
    """
    index = agreements if isinstance(agreements, PolicyIndex) else PolicyIndex.of(agreements)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    return _decide(plan_for(index, sender, recipient, purpose, action), content, index,
                   recipient, recipient_country, purpose, sender, now, action, schema_facts,
                   project)


def decide_many(content: ReportContent, recipients: Iterable[str],
                agreements: Sequence[Agreement] | PolicyIndex, purpose: str, *,
                sender: str, now: datetime, action: Action = Action.RELEASE,
                countries: Mapping[str, str | None] | None = None,
                schema_facts: SchemaFacts | None = None,
                project: bool = True) -> list[Decision]:
    """``decide`` for each recipient in turn: the same decisions, in the order given,
    with the agreements compiled and the report prepared once. ``countries`` maps a
    recipient to its country code (``recipient_country`` of ``decide``)."""
    index = agreements if isinstance(agreements, PolicyIndex) else PolicyIndex.of(agreements)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    return [_decide(plan_for(index, sender, recipient, purpose, action), content, index,
                    recipient, countries.get(recipient) if countries else None, purpose,
                    sender, now, action, schema_facts, project)
            for recipient in recipients]


def _decide(plan: Plan, content: ReportContent, index: PolicyIndex, recipient: str,
            country: str | None, purpose: str, sender: str, now: datetime, action: Action,
            facts: SchemaFacts | None, with_projection: bool) -> Decision:
    denial = plan.denial
    if denial is not None and plan.within(now):
        return denial  # the same whatever the report (see policy_plan)
    if not plan.rules:
        code = "no_clause" if index.are_partners(sender, recipient) else "not_a_party"
        decision = build_decision(
            outcome=_DENY, recipient=recipient, purpose=purpose, action=action,
            reasons=(f"{REASON_TEXT[code][1]} ({sender} -> {recipient})",),
            reason_codes=(code,))
    else:
        prepared = PreparedContent.of(content, default_schema_facts() if facts is None else facts)
        ctx = _Context(prepared, recipient, country, purpose, sender, now, action, index)
        decision = ctx.decide(plan, with_projection)
    if decision.outcome is _DENY and plan.denies_whatever_the_report(now):
        plan.denial = decision
    return decision


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

    __slots__ = ("prepared", "recipient", "recipient_key", "country", "purpose", "sender",
                 "now", "action", "index", "_onward")

    def __init__(self, prepared: PreparedContent, recipient: str, country: str | None,
                 purpose: str, sender: str, now: datetime, action: Action,
                 index: PolicyIndex) -> None:
        self.prepared = prepared
        self.recipient = recipient
        # releasability lists hold upper-case node ids and country codes
        self.recipient_key = recipient.upper()
        self.country = country.upper() if country else None
        self.purpose = purpose
        self.sender = sender
        self.now = now
        self.action = action
        self.index = index
        self._onward: dict[str, frozenset[str]] | None = None  # made for received material

    def decide(self, plan: Plan, with_projection: bool) -> Decision:
        """Evaluate every clause alone; the most permissive result wins: shares more
        first (allow, then hit-only, then the most statements, then the narrative);
        among equals, the one not held for approval; ties keep the first in
        (agreement id, clause id) order. Only the plan's viable clauses can win."""
        prepared = self.prepared
        report = prepared.content.report
        own_orcon = report.marking.originator_control and report.origin == self.sender
        best: tuple[Rule, Outcome, bool, Selection] | None = None
        best_score: tuple[int, int, bool, bool, int] | None = None
        audience: tuple[object, ...] | None = None  # worked out at the first selection
        for order, rule, outcome, approval in plan.viable:
            if self.refusal(rule) is not None:
                continue
            clause = rule.clause
            rank = 2 if outcome is _ALLOW else 1
            # a clause that could not win even keeping everything in its scope is skipped
            if best_score is not None and (
                    rank, scope(prepared, rule.tables)[0].bit_count(), clause.narrative, True,
                    -order) < best_score:
                continue
            if audience is None:
                audience = prepared.audience(self.recipient_key, self.country, self.sender,
                                             self.onward)
            chosen = select(prepared, rule.tables, audience, self.recipient_key, self.country,
                            self.sender, self.onward)
            if not chosen.count and not (clause.narrative and report.narrative) and (
                    not report.retracted):
                continue  # nothing in scope
            approval = approval or own_orcon or chosen.approval
            score = (rank, chosen.count, clause.narrative, not approval, -order)
            if best_score is None or score > best_score:
                best_score, best = score, (rule, outcome, approval, chosen)
        if best is None:
            return self.denial(plan)
        return self.decision(*best, with_projection)

    def onward(self, origin: str) -> frozenset[str]:
        """The schemas ``origin`` lets the sender pass on to the recipient (remembered)."""
        if self._onward is None:
            self._onward = {}
        found = self._onward.get(origin)
        if found is None:
            found = self.index.onward_schemas(origin, self.sender, self.recipient, self.now)
            self._onward[origin] = found
        return found

    def refusal(self, rule: Rule) -> str | None:
        """Why a clause whose agreement state and purpose are fine refuses the report
        as a whole, in order: its agreement is out of its validity, the report's
        marking, received material. None when it does not."""
        if not rule.valid_from <= self.now < rule.valid_until:
            late = rule.agreement.usable_at(self.now)
            assert late is not None
            return late.code
        rank, handling, rel = self.prepared.report_marking
        tables = rule.tables
        if rank > tables.max_rank or handling & ~tables.handling_mask or (
                rel is not None and self.recipient_key not in rel and self.country not in rel):
            return tables.marking_code(rank, handling, rel, self.recipient_key, self.country)
        report = self.prepared.content.report
        if report.origin != self.sender:
            mark = report.marking
            if mark.originator_control:
                return "originator_control"
            if not self.onward(report.origin):
                return "h2_onward" if _H2 in mark.handling else "onward_not_permitted"
        return None

    def denial(self, plan: Plan) -> Decision:
        """No clause lets the report through: each one's reason, in the order of the
        checks (agreement state, validity, purpose, the report as a whole, mode, scope),
        the clauses that got furthest first."""
        within = plan.within(self.now)
        # the checks of the report as a whole, for the clauses whose state and purpose
        # are fine (the others refuse before them)
        refused = [self.refusal(rule) for rule in plan.open]
        if within and not any(refused):
            # no clause refused the report as a whole: the reasons name no report
            if plan.clear_denial is None:
                plan.clear_denial = self.reasons(plan, dict(zip(plan.open, refused,
                                                                strict=True)))
            return plan.clear_denial
        return self.reasons(plan, dict(zip(plan.open, refused, strict=True)))

    def reasons(self, plan: Plan, refused: dict[Rule, str | None]) -> Decision:
        entries: list[tuple[int, str, str]] = []
        details: dict[str, str] = {}  # code -> what it says of the report (once)
        for rule, fixed, passed in zip(plan.rules, plan.refusals, plan.passed, strict=True):
            if rule.problem is not None:  # its agreement's state
                assert fixed is not None
                entries.append(fixed)
            elif not rule.valid_from <= self.now < rule.valid_until:
                late = rule.agreement.usable_at(self.now)
                assert late is not None
                entries.append(refusal(rule, late.code, late.text))
            elif fixed is not None:  # the purpose
                entries.append(fixed)
            else:
                code = refused[rule]  # the report as a whole
                if code is None:
                    entries.append(passed)  # the mode, or nothing in scope
                else:
                    detail = details.get(code)
                    if detail is None:
                        detail = details[code] = self.report_detail(code)
                    entries.append(refusal(rule, code, detail))
        codes: list[str] = []
        reasons: list[str] = []
        for _, code, line in sorted(entries, key=_STAGE, reverse=True):  # stable
            if code not in codes:
                codes.append(code)
            if line not in reasons:
                reasons.append(line)
        return build_decision(outcome=_DENY, recipient=self.recipient, purpose=self.purpose,
                              action=self.action, reasons=tuple(reasons),
                              reason_codes=tuple(codes))

    def report_detail(self, code: str) -> str:
        """What a refusal of the report as a whole says of it."""
        report = self.prepared.content.report
        if code == "originator_control":
            return f"report {report.id} from {report.origin}"
        if code in ("h2_onward", "onward_not_permitted"):
            return f"report {report.id} originates at {report.origin}"
        return f"report {report.id} is TLP:{report.marking.tlp.value}"

    def decision(self, rule: Rule, outcome: Outcome, approval: bool, chosen: Selection,
                 with_projection: bool) -> Decision:
        clause = rule.clause
        dropped, withheld, dropped_codes = chosen.parts()
        reasons = (rule.allowed,) + withheld
        if approval:
            reasons += ("a supervisor must approve before release",)
        if outcome is _HIT_ONLY:
            codes: tuple[str, ...] = ("hit_only",)
        else:
            codes = ("allowed_pending_approval" if approval else "allowed",)
        projection = None
        if outcome is _ALLOW and with_projection:
            projection = project(self.prepared, chosen.kept, rule.tables, self.purpose)
        return decision_from({  # every field of Decision, in order
            "outcome": outcome, "recipient": self.recipient, "purpose": self.purpose,
            "action": self.action, "agreement_id": rule.agreement.id, "clause_id": clause.id,
            "projection": projection, "reasons": reasons, "reason_codes": codes + dropped_codes,
            "dropped": dropped, "needs_approval": approval, "not_for_judicial_use": chosen.h1,
            "permitted_actions": clause.permitted_actions,
            "retention_days": clause.retention_days})
