"""Who may ask whom: the agreement behind a hit/no-hit query or a deconfliction check.

A partner may ask this node (the owner) a hit/no-hit query when an agreement in
force has a clause running from the owner to the asker with the query's
purpose. Every mode qualifies (hit-only, on request and push all let a partner
learn of a hit), so "hit-only or wider" is any clause at all; what a hit may
point at is narrowed further by the policy engine (``accord.services.query_index``).

Deconfliction needs less: the two nodes are parties to an agreement in force,
whatever it shares (warning each other of a collision is the point of being
partners at all).

``agreements`` are those in force (``PolicyIndex.agreements``: signatures
verified by the caller); the functions here are pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.domain.agreement import Agreement, Reason
from accord.domain.clause import Clause
from accord.domain.errors import Forbidden


class QueryRefused(Forbidden):
    """The owner will not answer; ``code`` says why (``no_agreement``, ``no_clause``,
    ``purpose_not_allowed`` ...), ``message`` in a sentence."""

    def __init__(self, reason: Reason, *, where: str | None = None) -> None:
        super().__init__(reason.text, where=where)
        self.code = reason.code


@dataclass(frozen=True)
class Grant:
    """The agreement and clause under which a query is answered."""

    agreement: Agreement
    clause: Clause


def may_query(agreements: Iterable[Agreement], *, owner: str, asker: str,
              purpose: str) -> Grant | Reason:
    """The first (by agreement, clause id) clause letting ``asker`` query ``owner`` for
    ``purpose``, or the reason there is none."""
    shared = sorted((a for a in agreements if owner in a.parties and asker in a.parties),
                    key=lambda a: (a.id, a.version))
    if not shared:
        return Reason("no_agreement", f"no agreement in force between {owner} and {asker}")
    clauses = [(a, c) for a in shared for c in a.clauses_for(owner, asker)]
    if not clauses:
        names = ", ".join(a.id for a in shared)
        return Reason("no_clause", f"agreement(s) {names} share nothing from {owner} to "
                                   f"{asker}, so {asker} may not query {owner}")
    for agreement, clause in sorted(clauses, key=lambda ac: (ac[0].id, ac[1].id)):
        if purpose in clause.purposes:
            return Grant(agreement, clause)
    allowed = sorted({p for _a, c in clauses for p in c.purposes})
    return Reason("purpose_not_allowed", f"purpose {purpose!r} is not one the agreements "
                                         f"allow from {owner} to {asker} ({', '.join(allowed)})")


def query_purposes(agreements: Iterable[Agreement], *, owner: str, asker: str) -> list[str]:
    """Every purpose ``asker`` may query ``owner`` for (to choose a default)."""
    return sorted({p for a in agreements if owner in a.parties and asker in a.parties
                   for c in a.clauses_for(owner, asker) for p in c.purposes})


def may_deconflict(agreements: Iterable[Agreement], a: str, b: str) -> Agreement | Reason:
    """The first agreement in force that ``a`` and ``b`` are both parties to, or why not."""
    shared = sorted((x for x in agreements if a in x.parties and b in x.parties),
                    key=lambda x: (x.id, x.version))
    if not shared:
        return Reason("no_agreement", f"no agreement in force between {a} and {b}")
    return shared[0]
