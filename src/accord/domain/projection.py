"""The projection: what of a report may travel to one recipient under one clause.

Built from statements the engine already selected (see ``accord.domain.policy``
and ``accord.domain.prepared``): their markings are tightened to the clause's
permitted actions, and the report's free text stays home unless the clause
shares it.
"""

from __future__ import annotations

from typing import TypeVar

from accord.domain.markings import Marking
from accord.domain.policy_index import ClauseTables
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

_T = TypeVar("_T", Report, Statement, ReportContent)


def projected_report(report_in: Report, tables: ClauseTables, purpose: str) -> Report:
    """The report as it travels under the clause: marking tightened to its permitted
    actions; title, narrative and the report's own purpose replaced unless the clause
    shares the narrative."""
    marking = tables.tightened(report_in.marking)
    if tables.clause.narrative:
        return copy_frozen(report_in, marking=marking)
    # free text may name anything, sources included: it travels only when the clause says so
    return copy_frozen(report_in, marking=marking, title=f"Report {report_in.id}",
                       narrative="", purpose=purpose)


def content_of(report: Report, statements: tuple[Statement, ...]) -> ReportContent:
    """``ReportContent(report, statements)`` without the frozen dataclass's ``__init__``."""
    new = object.__new__(ReportContent)
    _set(new, "__dict__", {"report": report, "statements": statements})
    return new


def with_marking(statement: Statement, marking: Marking) -> Statement:
    """``statement`` under ``marking`` (``copy_frozen``, for the engine's commonest copy)."""
    values = statement.__dict__.copy()
    values["marking"] = marking
    new = object.__new__(Statement)
    _set(new, "__dict__", values)
    return new


def copy_frozen(obj: _T, **changes: object) -> _T:
    """``dataclasses.replace`` for the engine's output. A frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__``, which for twenty
    statements costs more than the rest of the decision; the fields here come
    from a valid object and these classes have no ``__post_init__``."""
    values = obj.__dict__.copy()
    values.update(changes)
    new = object.__new__(type(obj))
    _set(new, "__dict__", values)
    return new


_set = object.__setattr__
