"""Export the node's reports and statements as native JSONL (the import format).

Reports come first, each followed by its entities: one line per entity and
report, or several when the entity's statements in that report differ in
markings, grading or times (a line carries one of each). Values are written
normalised, with what the source originally wrote under ``originals``, so
importing the export into an empty store gives back identical statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import IO

from accord.adapters.store import Store
from accord.domain.statement import Statement
from accord.interop.jsonl import dumps_line, entity_line, report_line


@dataclass(frozen=True)
class ExportResult:
    reports: int
    lines: int
    statements: int


def export_jsonl(store: Store, out: IO[str]) -> ExportResult:
    """Write every report and statement to ``out`` (retracted reports too, marked so)."""
    reports = lines = statements = 0
    with store.unit_of_work(write=False) as uow:
        for report in list(uow.reports.iter_all()):
            out.write(dumps_line(report_line(report)) + "\n")
            reports += 1
            for entity_stmts in _by_entity(uow.statements.for_report(report.id)):
                for line, count in _entity_lines(entity_stmts):
                    out.write(dumps_line(line) + "\n")
                    lines += 1
                    statements += count
    return ExportResult(reports=reports, lines=lines + reports, statements=statements)


def _by_entity(statements: Iterable[Statement]) -> Iterator[list[Statement]]:
    for _, group in groupby(statements, key=lambda s: s.entity_id):
        yield list(group)


def _entity_lines(statements: list[Statement]) -> Iterator[tuple[dict[str, object], int]]:
    """(line, number of statements on it) for one entity's statements in one report."""
    groups: dict[tuple[object, ...], list[Statement]] = {}
    for stmt in statements:
        key = (stmt.schema, stmt.marking, stmt.grading, stmt.first_seen, stmt.last_seen)
        groups.setdefault(key, []).append(stmt)
    for stmts in groups.values():
        first = stmts[0]
        properties: dict[str, list[str]] = {}
        originals: dict[str, dict[str, str]] = {}
        for stmt in stmts:
            properties.setdefault(stmt.prop, []).append(stmt.value)
            if stmt.original_value is not None:
                originals.setdefault(stmt.prop, {})[stmt.value] = stmt.original_value
        yield entity_line(
            entity_id=first.entity_id, schema=first.schema, report_id=first.report_id,
            properties=properties, marking=first.marking, grading=first.grading,
            first_seen=first.first_seen, last_seen=first.last_seen, originals=originals,
        ), len(stmts)
