"""The projection: what of a report may travel to one recipient under one clause.

Built from statements the engine already selected; see ``accord.domain.policy``.
"""

from __future__ import annotations

from typing import TypeVar

from accord.domain.policy_index import Rule
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

_T = TypeVar("_T", Report, Statement)


def project(report_in: Report, kept: list[Statement], rule: Rule,
            purpose: str) -> ReportContent:
    """``report_in`` with only ``kept``, marked at least as restrictively as the
    clause's permitted actions, free text withheld unless the clause shares it."""
    pap_ok, tightened = rule.pap_ok, rule.tightened
    out: list[Statement] = []
    for s in kept:
        if s.marking.pap in pap_ok:
            out.append(s)
        else:
            out.append(copy_frozen(s, marking=tightened(s.marking)))
    marking = tightened(report_in.marking)
    if rule.clause.narrative:
        report = copy_frozen(report_in, marking=marking)
    else:
        # title, narrative and the report's own purpose are free text that may
        # name anything, sources included: they travel only when the clause says so
        report = copy_frozen(report_in, marking=marking, title=f"Report {report_in.id}",
                             narrative="", purpose=purpose)
    return ReportContent(report, tuple(out))


def copy_frozen(obj: _T, **changes: object) -> _T:
    """``dataclasses.replace`` for the engine's output. A frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__``, which for twenty
    statements costs more than the rest of the decision; the fields here come
    from a valid object and these classes have no ``__post_init__``."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new
