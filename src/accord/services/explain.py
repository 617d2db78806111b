"""Why a report would (not) go to a partner: the policy engine's decision, explained.

``explain_release`` runs the same decision sharing makes (``decide`` for a
push release of the report's current version, for its own purpose unless
another is given) against the agreements this node holds, and says why in
sentences. Agreements that are held but not in force here (not yet signed by
everyone, a signature that no longer verifies, revoked, expired) are listed
with their reason, so "why did nothing go?" has an answer even when the
engine never got to look at a clause. Nothing is sent and nothing is read
beyond the report's own statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from accord.domain.agreement import Agreement, AgreementStatus
from accord.domain.decision import Decision
from accord.domain.errors import NotFound
from accord.domain.policy import decide, explain
from accord.domain.report import ReportContent
from accord.services.agreements import party_keys, strict

if TYPE_CHECKING:
    from accord.bootstrap import Node


@dataclass(frozen=True)
class Explanation:
    """The decision for one report and partner, with the agreements not in force."""

    report_id: str
    version: int
    partner: str
    purpose: str
    decision: Decision
    not_in_force: tuple[tuple[str, str, str], ...]  # (agreement id, reason code, sentence)
    pinned: bool  # whether the partner is a pinned partner (only those are sent anything)

    @property
    def text(self) -> str:
        lines = [explain(self.decision)]
        for agreement_id, _code, reason in self.not_in_force:
            lines.append(f"  not in force here: {agreement_id}: {reason}")
        if not self.pinned:
            lines.append(f"  {self.partner} is not a pinned partner of this node: nothing is "
                         "sent to it, whatever the decision")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "version": self.version, "to": self.partner,
                "purpose": self.purpose, "decision": self.decision.to_dict(),
                "not_in_force": [{"agreement": a, "code": c, "reason": r}
                                 for a, c, r in self.not_in_force],
                "partner_pinned": self.pinned, "explanation": self.text}


def explain_release(node: Node, report_id: str, partner: str, *, purpose: str | None = None,
                    now: datetime | None = None) -> Explanation:
    """The decision sharing would make now for ``report_id`` to ``partner``, explained.
    ``NotFound`` if there is no such report."""
    now = now or datetime.now(UTC)
    with node.store.unit_of_work(write=False) as uow:
        report = uow.reports.get(report_id)
        if report is None:
            raise NotFound(f"no report {report_id!r} in this node", where="report")
        content = ReportContent(report, tuple(uow.statements.for_report(report_id)))
        known = uow.partners.get(partner)
        keys_of = strict(party_keys(node, uow))
        usable: list[Agreement] = []
        not_in_force: list[tuple[str, str, str]] = []
        for agreement in uow.agreements.list():
            if node.node_id not in agreement.parties:
                continue
            problem = agreement.check_active(now, keys_of)
            if problem is not None and partner in agreement.parties:
                not_in_force.append((agreement.id, problem.code, problem.text))
            # the engine checks status, validity and signers itself; an active agreement
            # whose signatures no longer verify must not reach it at all
            if problem is None or agreement.status is not AgreementStatus.ACTIVE:
                usable.append(agreement)
    chosen = purpose if purpose is not None else report.purpose
    decision = decide(content, partner, usable, chosen, sender=node.node_id, now=now,
                      recipient_country=known.country if known else None)
    return Explanation(report.id, report.version, partner, chosen, decision,
                       tuple(not_in_force), known is not None and known.active)
