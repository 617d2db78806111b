"""The projection: what of a report may travel to one recipient under one clause.

Built from the statements ``accord.domain.selection`` kept: their markings are
tightened to the clause's permitted actions (PAP), and the report's free text
(title, narrative, its own purpose) stays home unless the clause shares the
narrative. ``project`` remembers its work on the prepared report: each statement
and each distinct marking is re-marked once per PAP level, each projected report
once per (PAP level, purpose), and a projection is shared by the decisions that
make the same one (projections are immutable).
"""

from __future__ import annotations

from typing import TypeVar

from accord.domain.markings import Marking
from accord.domain.policy_index import ClauseTables
from accord.domain.prepared import PreparedContent, positions
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

_T = TypeVar("_T", Report, Statement, ReportContent)
_MEMO_LIMIT = 512  # projections remembered per report (cleared when full)


def project(prepared: PreparedContent, kept: int, tables: ClauseTables,
            purpose: str) -> ReportContent:
    """The report with only the ``kept`` statements (a mask over its statements), as
    it travels under the clause, for ``purpose``."""
    narrative = tables.clause.narrative
    key = (kept, tables.pap_rank, narrative, "" if narrative else purpose)
    found = prepared.projections.get(key)
    if found is None:
        if len(prepared.projections) >= _MEMO_LIMIT:
            prepared.projections.clear()
        found = prepared.projections[key] = content_of(
            _report_for(prepared, tables, purpose), _remarked_for(prepared, kept, tables))
    return found


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


def _report_for(prepared: PreparedContent, tables: ClauseTables, purpose: str) -> Report:
    narrative = tables.clause.narrative
    key = (tables.pap_rank, narrative, "" if narrative else purpose)
    report = prepared.reports.get(key)
    if report is None:
        report = prepared.reports[key] = projected_report(prepared.content.report, tables,
                                                          purpose)
    return report


def _remarked_for(prepared: PreparedContent, kept: int,
                  tables: ClauseTables) -> tuple[Statement, ...]:
    """The ``kept`` statements, each marked at least as restrictively as the clause's
    permitted actions (the same object when it already is)."""
    done = prepared.remarked.get(tables.pap_rank)
    if done is None:
        done = prepared.remarked[tables.pap_rank] = ([None] * prepared.size, {})
    statements, markings = done  # re-marked so far; id(marking) -> re-marked marking
    everyone, pap_ok = prepared.content.statements, tables.pap_ok
    out = []
    for i in positions(kept):
        s = statements[i]
        if s is None:
            s = everyone[i]
            if s.marking.pap not in pap_ok:
                m = markings.get(id(s.marking))  # statements hold their markings
                if m is None:
                    m = markings[id(s.marking)] = tables.tightened(s.marking)
                s = with_marking(s, m)
            statements[i] = s
        out.append(s)
    return tuple(out)


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
