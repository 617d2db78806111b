"""Reports: create, update (a new version replacing the report's statements), retract, read.

A report document is what an analyst or the API sends: the report's fields
(``id`` optional on create, ``title``, ``narrative``, ``purpose``,
``markings``, ``grading``, ``review_date``) plus ``entities``, a list of
entity objects as in the JSONL format (without ``report``, which is implied).
Documents get the same checks as imported files; problems are named
``entities[2]: properties.phone[0]: ...``. Each call is one unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from accord.adapters.store import Store, UnitOfWork
from accord.adapters.store.codec import statement_pk
from accord.domain.errors import Conflict, InvalidInput, NotFound, Problem
from accord.domain.events import ReportChange, ReportChanged
from accord.domain.ledger_entry import Action
from accord.domain.registry import Registry
from accord.domain.report import Report, utcnow
from accord.domain.statement import Statement
from accord.domain.values.storable import string_problem
from accord.interop.lines import SourceRecord
from accord.services import ledger
from accord.services.ingest_check import Checker
from accord.services.ingest_records import parse_entity, parse_report
from accord.services.ingest_write import StatementWriter, WriteCounts
from accord.services.material_reads import record_reads

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class ReportDetail:
    """A report (current version) with the statements it makes."""

    report: Report
    statements: tuple[Statement, ...]

    def to_dict(self) -> dict[str, Any]:
        from accord.services.entities import statement_dict

        return {**self.report.to_dict(),
                "statements": [statement_dict(s) for s in self.statements]}


def create_report(store: Store, document: Mapping[str, Any], *, origin: str,
                  registry: Registry, country: str | None = None,
                  actor: str = ledger.SYSTEM) -> ReportDetail:
    """Create a report (version 1) and its statements; ``Conflict`` if the id exists.

    ``actor`` (the user) is recorded in the ledger with the act, as in every call here."""
    doc = dict(document)
    doc.setdefault("id", f"{origin}-{uuid.uuid4().hex[:12]}")
    with store.unit_of_work() as uow:
        if (isinstance(doc["id"], str) and string_problem(doc["id"]) is None
                and uow.reports.get(doc["id"]) is not None):
            raise Conflict(f"report {doc['id']!r} already exists; update it instead",
                           where="id")
        report, statements = _check(uow, doc, origin=origin, registry=registry,
                                    country=country)
        report = replace(report, version=1)
        uow.reports.add(report)
        _write(uow, registry, statements, retracted=False)
        uow.events.append(ReportChanged(report.id, report.version, ReportChange.CREATED,
                                        actor))
        ledger.record(uow, ledger.report_entry(Action.REPORT_CREATED, report, statements, actor))
        return ReportDetail(report, tuple(statements))


def update_report(store: Store, report_id: str, document: Mapping[str, Any], *,
                  registry: Registry, country: str | None = None,
                  actor: str = ledger.SYSTEM) -> ReportDetail:
    """Make ``document`` the next version of the report; its statements replace the old ones."""
    with store.unit_of_work() as uow:
        stored = _require(uow, report_id)
        if stored.retracted:
            raise Conflict(f"report {report_id!r} is retracted and cannot be updated",
                           where="id")
        doc = dict(document)
        if doc.setdefault("id", report_id) != report_id:
            raise InvalidInput([Problem("report", "id", f"the document is about report "
                                        f"{doc['id']!r}, not {report_id!r}")])
        doc.pop("version", None)
        report, statements = _check(uow, doc, origin=stored.origin, registry=registry,
                                    country=country)
        report = replace(report, origin=stored.origin, version=stored.version + 1,
                         created=stored.created, updated=utcnow())
        uow.reports.replace(report)
        keep = {statement_pk(s.id) for s in statements}
        uow.statements.delete(uow.statements.pks_for_report(report_id) - keep)
        _write(uow, registry, statements, retracted=False)
        uow.events.append(ReportChanged(report.id, report.version, ReportChange.UPDATED,
                                        actor))
        ledger.record(uow, ledger.report_entry(Action.REPORT_UPDATED, report, statements, actor))
        return ReportDetail(report, tuple(statements))


def retract_report(store: Store, report_id: str, *, reason: str = "",
                   actor: str = ledger.SYSTEM) -> Report:
    """Retract a report: a final version; its statements stay but search hides them."""
    with store.unit_of_work() as uow:
        stored = _require(uow, report_id)
        if stored.retracted:
            return stored
        report = stored.retract(reason)
        uow.reports.replace(report)
        uow.statements.set_retracted(report_id, True)
        uow.events.append(ReportChanged(report.id, report.version, ReportChange.RETRACTED,
                                        actor))
        ledger.record(uow, ledger.report_entry(Action.REPORT_RETRACTED, report, (), actor))
        return report


def get_report(store: Store, report_id: str, *, reader: str | None = None,
               home: str | None = None) -> ReportDetail:
    """The current version with its statements (retracted ones too); ``NotFound`` if none.

    With ``reader`` (the user) and ``home`` (this node's id), reading a report
    received from a partner is recorded in the ledger before it is returned."""
    with store.unit_of_work(write=False) as uow:
        report = _require(uow, report_id)
        statements = tuple(uow.statements.for_report(report_id))
    record_reads(store, reader=reader, home=home, subject=f"report/{report_id}",
                 statements=statements, purpose=report.purpose[:500] or None)
    return ReportDetail(report, statements)


def report_history(store: Store, report_id: str) -> list[Report]:
    """Every version of the report, oldest first; ``NotFound`` if there is no such report."""
    with store.unit_of_work(write=False) as uow:
        _require(uow, report_id)
        return uow.reports.history(report_id)


def list_reports(store: Store, *, limit: int = 100, offset: int = 0,
                 include_retracted: bool = True) -> list[Report]:
    """Reports, most recently updated first."""
    with store.unit_of_work(write=False) as uow:
        return uow.reports.list(limit=limit, offset=offset,
                                include_retracted=include_retracted)


def _require(uow: UnitOfWork, report_id: str) -> Report:
    report = uow.reports.get(report_id) if string_problem(report_id) is None else None
    if report is None:
        raise NotFound(f"no report {report_id!r} in this node", where="report")
    return report


def _check(uow: UnitOfWork, doc: dict[str, Any], *, origin: str, registry: Registry,
           country: str | None) -> tuple[Report, list[Statement]]:
    """Validate a report document; ``InvalidInput`` listing every problem."""
    entities = doc.pop("entities", [])
    if not isinstance(entities, Sequence) or isinstance(entities, str | bytes):
        raise InvalidInput([Problem("report", "entities", "must be a list of entity objects")])
    doc["kind"] = "report"
    head = SourceRecord("report", 0, b"", 0, doc)
    report, problems = parse_report(head, doc, origin=origin)
    if report is None:
        raise InvalidInput(problems)
    checker = Checker(uow, registry, origin=origin, country=country, paths=["report"],
                      stop_after=MAX_PROBLEMS,
                      locate=lambda _file, line: f"entities[{line - 1}]")
    checker.check(0, head)
    records = []
    for index, entity in enumerate(entities):
        where = f"entities[{index}]"
        if not isinstance(entity, Mapping):
            records.append(SourceRecord(where, index + 1, b"", 0, None, (Problem(
                where, "", "an entity must be an object"),)))
            continue
        record = {"kind": "entity", **entity}
        if record.setdefault("report", report.id) != report.id:
            records.append(SourceRecord(where, index + 1, b"", 0, None, (Problem(
                where, "report", f"entities of report {report.id!r} cannot name report "
                f"{record['report']!r}"),)))
            continue
        records.append(SourceRecord(where, index + 1, b"", 0, record))
    for src in records:
        checker.check(0, src)
    checker.finish()
    if checker.bad:
        found = checker.problems()
        raise InvalidInput(found[:MAX_PROBLEMS], truncated=len(found) > MAX_PROBLEMS)
    info = checker.report(report.id)
    statements: dict[str, Statement] = {}
    for src in records:
        assert src.record is not None
        for stmt in parse_entity(src, src.record, registry=registry, report=info,
                                 country=country).statements:
            statements.setdefault(stmt.id, stmt)
    return report, list(statements.values())


def _write(uow: UnitOfWork, registry: Registry, statements: list[Statement], *,
           retracted: bool) -> None:
    writer = StatementWriter(uow, registry, WriteCounts())
    writer.add(statements, retracted=retracted)
    writer.flush()
