"""The importer's second pass: write statements and their search keys in batches.

Statements are identified by their stable id, so writing is an upsert: a new
id is inserted with its search keys; a known id whose markings, grading,
original value or times changed is updated; anything else is counted as
unchanged. Re-importing a file therefore writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from accord.adapters.store import UnitOfWork
from accord.adapters.store.reports import content_hash
from accord.adapters.store.search_index import index_text
from accord.adapters.store.statements import Row, row_state, statement_rows
from accord.domain.events import ReportChange, ReportChanged
from accord.domain.ledger_entry import Action as LedgerAction
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.domain.statement import Statement
from accord.domain.values import ValueType, name_keys
from accord.services import ledger

BATCH = 2000


@dataclass
class WriteCounts:
    reports_new: int = 0
    reports_updated: int = 0
    reports_unchanged: int = 0
    statements_new: int = 0
    statements_updated: int = 0
    statements_unchanged: int = 0


def write_report(uow: UnitOfWork, report: Report, counts: WriteCounts,
                 writer: StatementWriter | None = None,
                 actor: str = "system") -> LedgerEntry | None:
    """Add a report, or record a new version if its content changed.

    A new report tells ``writer`` that none of its statements can exist yet
    (a statement's id includes its report), which spares a lookup per batch.
    Returns the ledger entry of the change (``None`` if unchanged), for the
    caller to record in the same transaction (in one batch with the others).
    """
    stored = uow.reports.get(report.id)
    if stored is None:
        uow.reports.add(report)
        uow.events.append(ReportChanged(report.id, report.version, ReportChange.CREATED, actor))
        counts.reports_new += 1
        if writer is not None:
            writer.fresh_reports.add(report.id)
        return ledger.report_entry(LedgerAction.REPORT_CREATED, report, (), actor)
    if content_hash(stored) == content_hash(report):
        counts.reports_unchanged += 1
        return None
    version = max(report.version, stored.version + 1)
    uow.reports.replace(replace(report, version=version, created=stored.created))
    if report.retracted != stored.retracted:
        uow.statements.set_retracted(report.id, report.retracted)
    change = ReportChange.RETRACTED if report.retracted else ReportChange.UPDATED
    uow.events.append(ReportChanged(report.id, version, change, actor))
    counts.reports_updated += 1
    action = (LedgerAction.REPORT_RETRACTED if report.retracted
              else LedgerAction.REPORT_UPDATED)
    return ledger.report_entry(action, replace(report, version=version), (), actor)


@dataclass
class Prepared:
    """One record's statement rows and search entries, ready to write (picklable)."""

    rows: list[Row]
    names: list[tuple[int, str]]
    identifiers: list[tuple[int, str]]


class StatementWriter:
    """Buffers prepared statements and writes them every ``BATCH`` statements."""

    def __init__(self, uow: UnitOfWork, registry: Registry, counts: WriteCounts) -> None:
        self.uow = uow
        self.registry = registry
        self.counts = counts
        self.rows: dict[int, Row] = {}
        self.names: dict[int, str] = {}
        self.identifiers: dict[int, str] = {}
        #: reports created in this unit of work: their statements are all new
        self.fresh_reports: set[str] = set()
        self._kinds: dict[tuple[str, str], tuple[bool, ValueType | None]] = {}

    def prepare(self, statements: list[Statement], *, retracted: bool) -> Prepared:
        """Rows and search keys of ``statements`` (the CPU-heavy part, done once)."""
        prepared = Prepared(statement_rows(statements, retracted=retracted), [], [])
        for stmt, row in zip(statements, prepared.rows, strict=True):
            is_name, id_type = self._kind(stmt.schema, stmt.prop)
            if is_name:
                prepared.names.append((row[0], _name_index(stmt.value)))
            elif id_type is not None:
                prepared.identifiers.append(
                    (row[0], identifier_index_key(id_type.name, id_type.key(stmt.value))))
        return prepared

    def add(self, statements: list[Statement], *, retracted: bool) -> None:
        self.add_prepared(self.prepare(statements, retracted=retracted))

    def add_prepared(self, prepared: Prepared) -> None:
        for row in prepared.rows:
            self.rows.setdefault(row[0], row)
        self.names.update(prepared.names)
        self.identifiers.update(prepared.identifiers)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, names, identifiers = self.rows, self.names, self.identifiers
        self.rows, self.names, self.identifiers = {}, {}, {}
        stored = self.uow.statements.states(
            pk for pk, row in rows.items() if row[7] not in self.fresh_reports)
        # Sorted by key: fewer page splits in the table and index B-trees.
        new = [rows[pk] for pk in sorted(rows) if pk not in stored]
        changed = [row for pk, row in rows.items()
                   if pk in stored and stored[pk] != row_state(row)]
        self.uow.statements.insert(new)
        self.uow.statements.update_states(changed)
        self.uow.search.add_names([(row[0], names[row[0]]) for row in new if row[0] in names])
        self.uow.search.add_identifiers(
            [(row[0], identifiers[row[0]]) for row in new if row[0] in identifiers])
        self.counts.statements_new += len(new)
        self.counts.statements_updated += len(changed)
        self.counts.statements_unchanged += len(rows) - len(new) - len(changed)

    def _kind(self, schema: str, prop: str) -> tuple[bool, ValueType | None]:
        """(is a name, the identifier value type or None) of a property, cached."""
        found = self._kinds.get((schema, prop))
        if found is None:
            value_type = self.registry.get(schema).properties[prop].type
            found = (value_type.name == "name", value_type if value_type.identifier else None)
            self._kinds[(schema, prop)] = found
        return found


@lru_cache(maxsize=65536)
def _name_index(value: str) -> str:
    # Names repeat across records (the same people in many reports).
    return index_text(name_keys(value))


def identifier_index_key(type_name: str, key: str) -> str:
    """What the identifier index holds: the type keeps an IMO and a passport number apart."""
    return f"{type_name}:{key}"
