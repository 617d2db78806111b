"""The importer's second pass: write statements and their search keys in batches.

Statements are identified by their stable id, so writing is an upsert: a new
id is inserted with its search keys; a known id whose markings, grading,
original value or times changed is updated; anything else is counted as
unchanged. Re-importing a file therefore writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from accord.adapters.store import UnitOfWork
from accord.adapters.store.reports import content_hash
from accord.adapters.store.statements import StoredState, statement_row
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.domain.statement import Statement
from accord.domain.values import name_keys

BATCH = 2000


@dataclass
class WriteCounts:
    reports_new: int = 0
    reports_updated: int = 0
    reports_unchanged: int = 0
    statements_new: int = 0
    statements_updated: int = 0
    statements_unchanged: int = 0


def write_report(uow: UnitOfWork, report: Report, counts: WriteCounts) -> None:
    """Add a report, or record a new version if its content changed."""
    stored = uow.reports.get(report.id)
    if stored is None:
        uow.reports.add(report)
        counts.reports_new += 1
        return
    if content_hash(stored) == content_hash(report):
        counts.reports_unchanged += 1
        return
    version = max(report.version, stored.version + 1)
    uow.reports.replace(replace(report, version=version, created=stored.created))
    if report.retracted != stored.retracted:
        uow.statements.set_retracted(report.id, report.retracted)
    counts.reports_updated += 1


class StatementWriter:
    """Buffers statements and writes them (with search keys) every ``BATCH`` statements."""

    def __init__(self, uow: UnitOfWork, registry: Registry, counts: WriteCounts) -> None:
        self.uow = uow
        self.registry = registry
        self.counts = counts
        self.rows: dict[int, dict[str, Any]] = {}
        self._kinds: dict[tuple[str, str], tuple[bool, str | None]] = {}

    def add(self, statements: list[Statement], *, retracted: bool) -> None:
        for stmt in statements:
            row = statement_row(stmt, retracted=retracted)
            self.rows.setdefault(row["pk"], row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, {}
        stored = self.uow.statements.states(rows)
        new = [row for pk, row in rows.items() if pk not in stored]
        changed = [row for pk, row in rows.items()
                   if pk in stored and stored[pk] != _state(row)]
        self.uow.statements.insert(new)
        self.uow.statements.update_states(changed)
        self._index(new)
        self.counts.statements_new += len(new)
        self.counts.statements_updated += len(changed)
        self.counts.statements_unchanged += len(rows) - len(new) - len(changed)

    def _index(self, rows: list[dict[str, Any]]) -> None:
        names: list[tuple[int, set[str]]] = []
        identifiers: list[tuple[int, str]] = []
        for row in rows:
            is_name, id_type = self._kind(row["schema"], row["prop"])
            if is_name:
                names.append((row["pk"], name_keys(row["value"])))
            elif id_type is not None:
                identifiers.append((row["pk"], identifier_index_key(
                    id_type, self._type_key(row["schema"], row["prop"], row["value"]))))
        self.uow.search.add_names(names)
        self.uow.search.add_identifiers(identifiers)

    def _kind(self, schema: str, prop: str) -> tuple[bool, str | None]:
        """(is a name, identifier type name or None) of a property, cached."""
        found = self._kinds.get((schema, prop))
        if found is None:
            value_type = self.registry.get(schema).properties[prop].type
            found = (value_type.name == "name",
                     value_type.name if value_type.identifier else None)
            self._kinds[(schema, prop)] = found
        return found

    def _type_key(self, schema: str, prop: str, value: str) -> str:
        return self.registry.get(schema).properties[prop].type.key(value)


def identifier_index_key(type_name: str, key: str) -> str:
    """What the identifier index holds: the type keeps an IMO and a passport number apart."""
    return f"{type_name}:{key}"


def _state(row: dict[str, Any]) -> StoredState:
    return StoredState(row["marking"], row["grading"], row["original_value"],
                       row["first_seen"], row["last_seen"], row["retracted"])
