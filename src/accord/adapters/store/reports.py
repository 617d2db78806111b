"""The report repository: current versions in ``reports``, every version in ``report_versions``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import cast

import orjson
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from accord.adapters.store.codec import (
    dumps,
    from_store,
    grading_from_json,
    grading_json,
    marking_from_json,
    marking_json,
    to_utc,
)
from accord.adapters.store.models import ReportRow, ReportVersionRow, StatementRow
from accord.adapters.store.statements import STATEMENT_COLUMNS, statement_at
from accord.domain.report import Report, ReportStatus
from accord.domain.statement import Statement

# What a new version may change without being "the same report": these vary
# between two imports of one file (times default to the import time).
_VOLATILE = ("version", "created", "updated")


_REPORTS = cast(Table, ReportRow.__table__)
# Batch statements built once (building one costs more than running it).
_GET_MANY = select(_REPORTS).where(_REPORTS.c.id.in_(bindparam("b_ids", expanding=True)))
_STATEMENTS = cast(Table, StatementRow.__table__)
_WITH_STATEMENTS = select(_REPORTS, *(_STATEMENTS.c[name].label(f"s_{name}")
                                      for name in STATEMENT_COLUMNS)).outerjoin(
    _STATEMENTS, _STATEMENTS.c.report_id == _REPORTS.c.id).where(
    _REPORTS.c.id.in_(bindparam("b_ids", expanding=True))).order_by(
    _REPORTS.c.id, _STATEMENTS.c.entity_id, _STATEMENTS.c.prop, _STATEMENTS.c.value)
_STATEMENT_START = len(_REPORTS.c)  # where a joined row's statement columns begin
_INSERT_REPORTS = insert(_REPORTS)
_INSERT_VERSIONS = insert(cast(Table, ReportVersionRow.__table__))


def content_hash(report: Report) -> str:
    """SHA-256 of the report's content, ignoring version number and times."""
    body = {k: v for k, v in report.to_dict().items() if k not in _VOLATILE}
    return hashlib.sha256(dumps(body).encode("utf-8")).hexdigest()


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, report_id: str) -> Report | None:
        row = self.session.get(ReportRow, report_id)
        return None if row is None else _to_report(row)

    def get_many(self, report_ids: Iterable[str]) -> dict[str, Report]:
        """``{report id: report}`` for those of ``report_ids`` in the store (one query per
        500 ids)."""
        ids = list(set(report_ids))
        out: dict[str, Report] = {}
        for start in range(0, len(ids), 500):
            rows = self.session.execute(_GET_MANY, {"b_ids": ids[start:start + 500]})
            out.update((row.id, _to_report(row)) for row in rows)  # type: ignore[arg-type]
        return out

    def get_many_with_statements(self, report_ids: Iterable[str]
                                 ) -> dict[str, tuple[Report, list[Statement]]]:
        """``{report id: (report, its statements)}`` for those of ``report_ids`` in the
        store: ``get_many`` and ``StatementRepository.for_reports`` (the same order) in one
        query per 500 reports (the share step reads back what its transaction wrote)."""
        ids = sorted(set(report_ids))
        out: dict[str, tuple[Report, list[Statement]]] = {}
        for start in range(0, len(ids), 500):
            for row in self.session.execute(_WITH_STATEMENTS, {"b_ids": ids[start:start + 500]}):
                found = out.get(row.id)
                if found is None:
                    found = out[row.id] = (_to_report(row), [])  # type: ignore[arg-type]
                if row.s_entity_id is not None:
                    found[1].append(statement_at(row, _STATEMENT_START))
        return out

    def hashes(self, report_ids: Iterable[str]) -> dict[str, str]:
        """``{report id: content hash}`` for those of ``report_ids`` in the store."""
        ids = list(set(report_ids))
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            stmt = select(ReportRow.id, ReportRow.content_hash).where(ReportRow.id.in_(chunk))
            out.update({rid: h for rid, h in self.session.execute(stmt)})
        return out

    def add(self, report: Report) -> None:
        """Store a report that is not in the store yet (its version is recorded too)."""
        self.session.execute(insert(ReportRow), [_to_row(report)])
        self._record(report)

    def add_many(self, reports: Sequence[Report]) -> None:
        """``add`` for several new reports at once (two multi-row inserts)."""
        if reports:
            self.session.execute(_INSERT_REPORTS, [_to_row(r) for r in reports])
            recorded = datetime.now(UTC)
            self.session.execute(_INSERT_VERSIONS, [{
                "report_id": r.id, "version": r.version, "body": dumps(r.to_dict()),
                "recorded": recorded} for r in reports])

    def replace(self, report: Report) -> None:
        """Make ``report`` the current version (its version is recorded too)."""
        values = _to_row(report)
        del values["id"]
        self.session.execute(update(ReportRow).where(ReportRow.id == report.id).values(**values))
        self._record(report)

    def delete(self, report_id: str) -> None:
        """Remove a report with all its versions and statements (purge, withdrawal)."""
        self.session.execute(delete(ReportRow).where(ReportRow.id == report_id))

    def history(self, report_id: str) -> list[Report]:
        """Every version, oldest first (empty if there is no such report)."""
        stmt = (select(ReportVersionRow.body).where(ReportVersionRow.report_id == report_id)
                .order_by(ReportVersionRow.version))
        return [Report.from_dict(orjson.loads(body), origin="")
                for body in self.session.scalars(stmt)]

    def list(self, *, limit: int = 100, offset: int = 0,
             include_retracted: bool = True) -> list[Report]:
        stmt = select(ReportRow).order_by(ReportRow.updated.desc(), ReportRow.id)
        if not include_retracted:
            stmt = stmt.where(ReportRow.status == ReportStatus.ACTIVE.value)
        return [_to_report(r) for r in self.session.scalars(stmt.limit(limit).offset(offset))]

    def iter_all(self) -> Iterator[Report]:
        """Every report, by id, streamed."""
        stmt = select(ReportRow).order_by(ReportRow.id)
        for row in self.session.scalars(stmt.execution_options(yield_per=500)):
            yield _to_report(row)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(ReportRow)) or 0)

    def _record(self, report: Report) -> None:
        self.session.execute(insert(ReportVersionRow), [{
            "report_id": report.id, "version": report.version,
            "body": dumps(report.to_dict()), "recorded": datetime.now(UTC),
        }])


def _to_row(report: Report) -> dict[str, object]:
    return {
        "id": report.id,
        "origin": report.origin,
        "title": report.title,
        "narrative": report.narrative,
        "purpose": report.purpose,
        "marking": marking_json(report.marking),
        "grading": grading_json(report.grading),
        "review_date": report.review_date,
        "version": report.version,
        "status": report.status.value,
        "created": to_utc(report.created),
        "updated": to_utc(report.updated),
        "content_hash": content_hash(report),
    }


def _to_report(row: ReportRow) -> Report:
    created = from_store(row.created)
    updated = from_store(row.updated)
    assert created is not None and updated is not None
    return Report(
        id=row.id,
        origin=row.origin,
        title=row.title,
        narrative=row.narrative,
        purpose=row.purpose,
        marking=marking_from_json(row.marking),
        grading=grading_from_json(row.grading),
        review_date=row.review_date,
        version=row.version,
        status=ReportStatus(row.status),
        created=created,
        updated=updated,
    )
