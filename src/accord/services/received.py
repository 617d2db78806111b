"""Storing what partners sent: received report versions with their statements and holds.

``keep_release`` stores one received version. A report this node did not hold
before can go to ``NewReports`` instead, which buffers it and writes every
buffered report with one statement per table (``flush``): the inbox and the
benchmark baseline store a batch that way. ``ReportStates`` reads once, for a
whole batch, what the store holds of the reports its messages name, and reads
again (after writing the buffer) for a report that an earlier message of the
batch changed, so a batch sees its own writes as one-by-one handling would.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from accord.adapters.store import UnitOfWork
from accord.adapters.store.codec import statement_pk
from accord.adapters.store.inbox import HeldReport
from accord.domain.registry import Registry
from accord.domain.report import Report, ReportContent
from accord.services.ingest_write import Prepared, StatementWriter, WriteCounts


class NewReports:
    """Received reports not held before, buffered until ``flush`` writes them together."""

    def __init__(self, uow: UnitOfWork, registry: Registry) -> None:
        self.uow, self.registry = uow, registry
        self._prepare = StatementWriter(uow, registry, WriteCounts()).prepare
        self.reports: list[Report] = []
        self.prepared: list[Prepared] = []
        self.holds: list[HeldReport] = []
        self.ids: set[str] = set()

    def add(self, content: ReportContent, hold: HeldReport) -> None:
        """Buffer a report with its statements (rows and search keys made now) and hold."""
        report = content.report
        self.prepared.append(self._prepare(list(content.statements),
                                           retracted=report.retracted))
        self.reports.append(report)
        self.holds.append(hold)
        self.ids.add(report.id)

    def mark(self) -> int:
        """A point to go back to with ``rollback`` (a message refused half-way)."""
        return len(self.reports)

    def rollback(self, mark: int) -> None:
        """Forget what was buffered since ``mark``."""
        for report in self.reports[mark:]:
            self.ids.discard(report.id)
        del self.reports[mark:], self.prepared[mark:], self.holds[mark:]

    def flush(self) -> None:
        """Write the buffered reports, their versions, statements, search keys and holds."""
        if not self.reports:
            return
        uow = self.uow
        uow.reports.add_many(self.reports)  # first: statements and holds refer to them
        writer = StatementWriter(uow, self.registry, WriteCounts())
        writer.fresh_reports.update(self.ids)  # none of their statements can exist yet
        for prepared in self.prepared:
            writer.add_prepared(prepared)
        writer.flush()
        uow.inbox.hold_many(self.holds)
        self.reports, self.prepared, self.holds, self.ids = [], [], [], set()


class ReportStates:
    """The hold and stored version of each report a batch names, read once for all."""

    def __init__(self, uow: UnitOfWork, report_ids: Iterable[str],
                 new_reports: NewReports) -> None:
        ids = set(report_ids)
        self.uow, self.new_reports = uow, new_reports
        self._stored = uow.reports.get_many(ids) if ids else {}
        # a hold refers to its report (a foreign key, deleted with it): only stored reports
        # can be held, and new releases need no second look-up
        self._held = uow.inbox.held_many(self._stored) if self._stored else {}
        self._known = ids
        self._changed: set[str] = set()

    def of(self, report_id: str) -> tuple[HeldReport | None, Report | None]:
        """``(hold, stored report)``, as the store holds them now."""
        if report_id in self._changed or report_id not in self._known:
            if report_id in self.new_reports.ids:
                self.new_reports.flush()
            return self.uow.inbox.held(report_id), self.uow.reports.get(report_id)
        return self._held.get(report_id), self._stored.get(report_id)

    def changing(self, report_id: str) -> None:
        """A message is about to change ``report_id``: read it afresh from now on."""
        self._changed.add(report_id)


def keep_release(uow: UnitOfWork, registry: Registry, content: ReportContent, *, sender: str,
                 held: HeldReport | None, agreement_id: str | None, clause_id: str | None,
                 retention_days: int, now: datetime,
                 new_reports: NewReports | None = None) -> None:
    """Store a received report version and its statements, held for ``retention_days``.

    A report not held before goes to ``new_reports`` when given (written by its
    ``flush``), else it is written at once like a new version of a held one.
    """
    report = content.report
    statements = list(content.statements)
    hold = HeldReport(report.id, sender, agreement_id, clause_id, report.version, now,
                      now + timedelta(days=retention_days))
    if held is None and new_reports is not None:
        new_reports.add(content, hold)
        return
    writer = StatementWriter(uow, registry, WriteCounts())
    if held is None:
        uow.reports.add(report)
        writer.fresh_reports.add(report.id)
    else:
        uow.reports.replace(report)
        keep = {statement_pk(s.id) for s in statements}
        uow.statements.delete(uow.statements.pks_for_report(report.id) - keep)
    writer.add(statements, retracted=report.retracted)
    writer.flush()
    uow.inbox.hold(hold, new=held is None)
