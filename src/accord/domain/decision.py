"""The policy engine's answer, and how to explain it to a person.

A ``Decision`` says whether a report may go to one recipient for one purpose
(``ALLOW``), only as a hit/no-hit answer (``HIT_ONLY``), or not at all
(``DENY``); which agreement clause allowed it; the exact projection that may
travel; and why, as sentences (``reasons``) and as stable codes
(``reason_codes``, the first being the main one) for counting. The reason codes
are listed in docs/agreements.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from enum import Enum
from types import MappingProxyType
from typing import Any

from accord.domain.markings import PAP
from accord.domain.report import ReportContent

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


class Outcome(Enum):
    ALLOW = "allow"
    HIT_ONLY = "hit-only"
    DENY = "deny"


class Action(Enum):
    """What the sender is about to do with the report."""

    RELEASE = "release"  # push on create/update
    RESPOND = "respond"  # answer an (approved) follow-up request
    HIT = "hit"  # answer a hit/no-hit query: a reference, never content


@dataclass(frozen=True)
class Decision:
    """The answer for (report, recipient, purpose, action).

    ``projection`` is set only for ``ALLOW``: the report with only what the
    clause lets through, markings tightened to the clause's permitted actions.
    ``dropped`` counts the statements withheld from it, by reason code.
    ``needs_approval``: a supervisor must approve before it leaves (four-eyes,
    or the originator's own originator-controlled material, or content under a
    hit-only clause). ``not_for_judicial_use``: H1 material is in it.
    """

    outcome: Outcome
    recipient: str
    purpose: str
    action: Action = Action.RELEASE
    agreement_id: str | None = None
    clause_id: str | None = None
    projection: ReportContent | None = None
    reasons: tuple[str, ...] = ()
    reason_codes: tuple[str, ...] = ()
    dropped: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    needs_approval: bool = False
    not_for_judicial_use: bool = False
    permitted_actions: PAP | None = None
    retention_days: int | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    @property
    def reason_code(self) -> str:
        """The main reason code (e.g. for ``withheld_by_reason`` counts)."""
        return self.reason_codes[0] if self.reason_codes else self.outcome.value

    def to_dict(self) -> dict[str, Any]:
        """JSON form without the projection (which travels in the release)."""
        return {
            "outcome": self.outcome.value,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "action": self.action.value,
            "agreement_id": self.agreement_id,
            "clause_id": self.clause_id,
            "reasons": list(self.reasons),
            "reason_codes": list(self.reason_codes),
            "dropped": dict(sorted(self.dropped.items())),
            "needs_approval": self.needs_approval,
            "not_for_judicial_use": self.not_for_judicial_use,
            "permitted_actions": self.permitted_actions.value if self.permitted_actions else None,
            "retention_days": self.retention_days,
            "statements": None if self.projection is None else len(self.projection.statements),
        }


_DECISION_DEFAULTS: dict[str, object] = {}


def build_decision(**fields: object) -> Decision:
    """``Decision(**fields)`` at a fraction of the cost (see ``decision_from``); every
    field not given takes its declared default."""
    if not _DECISION_DEFAULTS:
        for f in dataclass_fields(Decision):
            if f.default is not MISSING:
                _DECISION_DEFAULTS[f.name] = f.default
            elif f.default_factory is not MISSING:
                _DECISION_DEFAULTS[f.name] = f.default_factory()  # immutable: shareable
    return decision_from({**_DECISION_DEFAULTS, **fields})


def decision_from(values: dict[str, Any]) -> Decision:
    """The ``Decision`` whose fields are ``values`` (every field, taken as they are).

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``,
    which costs more than the policy engine's whole decision for an allowed report;
    the engine's values come from valid objects, so its decisions are made here.
    """
    new: Decision = object.__new__(Decision)
    object.__setattr__(new, "__dict__", values)
    return new


def explain(decision: Decision) -> str:
    """A few lines a liaison officer can read: what was decided and why."""
    report = decision.projection.report.id if decision.projection else "the report"
    head = {
        Outcome.ALLOW: f"ALLOW: {report} may go to {decision.recipient}",
        Outcome.HIT_ONLY: f"HIT ONLY: {decision.recipient} may learn of a hit, not the content",
        Outcome.DENY: f"DENY: nothing goes to {decision.recipient}",
    }[decision.outcome]
    lines = [f"{head} ({decision.action.value}, purpose {decision.purpose!r})"]
    if decision.agreement_id:
        lines.append(f"  under agreement {decision.agreement_id}, clause {decision.clause_id}")
    if decision.projection is not None:
        lines.append(f"  statements shared: {len(decision.projection.statements)}")
    if decision.dropped:
        parts = ", ".join(f"{code} x{n}" for code, n in sorted(decision.dropped.items()))
        lines.append(f"  statements withheld: {parts}")
    if decision.needs_approval:
        lines.append("  held until a supervisor approves")
    if decision.not_for_judicial_use:
        lines.append("  H1: not to be used in judicial proceedings without the provider's "
                     "permission")
    if decision.permitted_actions is not None:
        lines.append(f"  recipient may act up to PAP:{decision.permitted_actions.value}, "
                     f"keep for {decision.retention_days} days")
    if decision.reasons:
        lines.append("  why:")
        lines.extend(f"    - {r}" for r in decision.reasons)
    return "\n".join(lines)
