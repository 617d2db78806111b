"""Which clauses can apply to (sender, recipient, purpose, action), worked out once.

Of the clauses running from a sender to a recipient, those whose agreement is
not in force for a reason that does not depend on the time (status, revocation,
a missing signature), whose purposes do not include the purpose, or whose mode
refuses the action, can never let a report through. A ``Plan`` keeps the
others (``viable``), so that a decision looks only at them; when none of them
lets the report through, the engine goes back to every clause, in order, to say
why (``accord.domain.policy``).

A denial that depends neither on the report nor on the time is the same for
every report: the plan holds it once the engine has built it (``denial``). That
is the case when no clause runs that way at all, or when every clause fails on
its agreement's state or on the purpose, and ``now`` lies within the validity of
every agreement whose state is fine (the validity check comes first). When the
report passes every check of a report as a whole (marking, origin) and the
clauses fail on their state, purpose, mode or scope, the denial names no report
either (``clear_denial``).
"""

from __future__ import annotations

from datetime import datetime

from accord.domain.clause import Mode
from accord.domain.decision import REASON_TEXT, Action, Decision, Outcome
from accord.domain.policy_index import PolicyIndex, Rule

_ALLOW, _HIT_ONLY = Outcome.ALLOW, Outcome.HIT_ONLY
_RELEASE, _RESPOND, _HIT = Action.RELEASE, Action.RESPOND, Action.HIT
_HIT_ONLY_MODE, _ON_REQUEST = Mode.HIT_ONLY, Mode.ON_REQUEST
_LIMIT = 4096  # plans kept per index (purposes are free text: bounded, cleared when full)


class Plan:
    """The clauses that can apply to one (sender, recipient, purpose, action)."""

    __slots__ = ("rules", "viable", "open", "static", "window", "denial", "clear_denial",
                 "refusals", "passed")

    def __init__(self, rules: list[Rule], purpose: str, action: Action) -> None:
        self.rules = rules  # every clause that way, in (agreement id, clause id) order
        # (position in ``rules``, rule, outcome if it lets the report through, approval needed)
        viable: list[tuple[int, Rule, Outcome, bool]] = []
        for order, rule in enumerate(rules):
            clause = rule.clause
            mode = clause.mode
            if rule.problem is not None or purpose not in clause.purposes or (
                    mode is _ON_REQUEST and action is _RELEASE):
                continue
            hit = action is _HIT or (mode is _HIT_ONLY_MODE and action is _RELEASE)
            approval = clause.four_eyes or (mode is _HIT_ONLY_MODE and action is _RESPOND)
            viable.append((order, rule, _HIT_ONLY if hit else _ALLOW, approval))
        self.viable = tuple(viable)
        # every clause fails on its agreement's state or on the purpose
        self.static = all(rule.problem is not None or purpose not in rule.clause.purposes
                          for rule in rules)
        timed = [rule for rule in rules if rule.problem is None]
        # the time range within which those checks come out the same
        self.window = (max((r.valid_from for r in timed), default=None),
                       min((r.valid_until for r in timed), default=None))
        self.denial: Decision | None = None  # set by the engine (see the module docstring)
        # the denial of a report that passes every check of a report as a whole (the
        # clauses then refuse on their state, purpose, mode or scope), while ``within``
        self.clear_denial: Decision | None = None
        # the rules whose agreement state and purpose are fine (viable or not)
        self.open = tuple(rule for rule in rules
                          if rule.problem is None and purpose in rule.clause.purposes)
        # per rule, as (stage, code, reason line): the refusal that depends neither on the
        # report nor on the time (agreement state, or the purpose once the validity holds)
        self.refusals = tuple(
            refusal(rule, rule.problem.code, rule.problem.text) if rule.problem is not None
            else refusal(rule, "purpose_not_allowed",
                         f"{purpose!r} is not in {sorted(rule.clause.purposes)}")
            if purpose not in rule.clause.purposes else None
            for rule in rules)
        # ... and what a rule that passed every check of the report as a whole says
        self.passed = tuple(
            refusal(rule, "mode_on_request") if rule.clause.mode is _ON_REQUEST and (
                action is _RELEASE) else refusal(rule, "nothing_in_scope")
            for rule in rules)

    def within(self, now: datetime) -> bool:
        """True when ``now`` lies within the validity of every agreement whose state is
        fine: the time then changes no clause's answer."""
        start, end = self.window
        return start is None or end is None or start <= now < end

    def denies_whatever_the_report(self, now: datetime) -> bool:
        """True when the denial at ``now`` depends neither on the report nor on the time."""
        return not self.rules or (self.static and self.within(now))


def refusal(rule: Rule, code: str, detail: str = "") -> tuple[int, str, str]:
    """(stage, code, the reason line) of one clause's refusal."""
    text = REASON_TEXT[code][1] + (f" ({detail})" if detail else "")
    return (REASON_TEXT[code][0], code, f"{rule.label}: {text}")


def plan_for(index: PolicyIndex, sender: str, recipient: str, purpose: str,
             action: Action) -> Plan:
    """The plan for these four, made once per index (kept in ``index.plans``)."""
    key = (sender, recipient, purpose, id(action))  # enum members live as long as the process
    found = index.plans.get(key)
    if found is None:
        if len(index.plans) >= _LIMIT:
            index.plans.clear()
        found = index.plans[key] = Plan(index.rules(sender, recipient), purpose, action)
    return found
