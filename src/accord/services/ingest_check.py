"""The importer's first pass: validate every record, keep only what cross-line checks need.

Kept while streaming: the reports seen (few), one packed integer per entity
id (a 64-bit hash of the id -> its schema and where it was first seen), the
references that point forward (until their target appears) and the problems.
The records themselves are dropped as soon as they are checked, so memory
does not grow with the size of the properties.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from accord.adapters.store import UnitOfWork
from accord.adapters.store.reports import content_hash
from accord.domain.errors import Problem, SchemaError
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.domain.values.storable import string_problem
from accord.interop.lines import SourceRecord
from accord.services.ingest_records import (
    ParsedEntity,
    Reference,
    ReportInfo,
    parse_entity,
    parse_report,
    record_kind,
)

_STORE_BATCH = 500


def id_hash(entity_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(entity_id.encode("utf-8"), digest_size=8).digest(),
                          "little")


@dataclass(frozen=True)
class _Use:
    file: int
    line: int
    field: str
    range: str | None


class Checker:
    """Validates records file by file; ``bad`` maps (file, line) to its problems."""

    def __init__(self, uow: UnitOfWork, registry: Registry, *, origin: str,
                 country: str | None, paths: list[str], stop_after: int | None,
                 locate: Callable[[int, int], str] | None = None) -> None:
        self.uow = uow
        self.registry = registry
        self.origin = origin
        self.country = country
        self.paths = paths
        self.stop_after = stop_after
        self.locate = locate or (lambda file, line: f"{self.paths[file]}:{line}")
        self.reports: dict[str, ReportInfo | None] = {}
        self.report_first: dict[str, tuple[str, int, int]] = {}  # id -> (hash, file, line)
        self.entities: dict[int, int] = {}  # id hash -> schema index << 48 | file << 32 | line
        self.schema_names: list[str] = []
        self.schema_index: dict[str, int] = {}
        self.pending: dict[str, list[_Use]] = {}
        self.unseen: list[tuple[str, str, int, int]] = []  # first sightings to check in store
        self.bad: dict[tuple[int, int], list[Problem]] = {}
        self.problem_count = 0

    @property
    def full(self) -> bool:
        """True once enough problems were found to stop looking (strict mode)."""
        return self.stop_after is not None and self.problem_count > self.stop_after

    def report(self, report_id: str) -> ReportInfo | None:
        """A report defined earlier in the input, else in the store, else None."""
        if report_id not in self.reports:
            stored = self.uow.reports.get(report_id)
            self.reports[report_id] = None if stored is None else ReportInfo.of(stored)
        return self.reports[report_id]

    def check(self, file: int, src: SourceRecord) -> Report | ParsedEntity | None:
        """Check one record; what to write if it passed (None: bad, or a repeated report).

        A record that passes here can still be marked bad by ``finish`` (links,
        schemata in the store), so writers must consult ``bad`` at the end.
        """
        if src.record is None:
            self._add(file, src.line, src.problems)
            return None
        kind = record_kind(src.record)
        if kind == "report":
            return self._check_report(file, src)
        if kind == "entity":
            report_id = src.record.get("report")
            info = (self.report(report_id) if isinstance(report_id, str)
                    and string_problem(report_id) is None else None)
            parsed = parse_entity(src, src.record, registry=self.registry, report=info,
                                  country=self.country)
            before = self.problem_count
            self._check_entity(file, src, parsed)
            return parsed if self.problem_count == before else None
        self._add(file, src.line, [src.rename(Problem(
            src.where, "kind", "a line needs \"kind\": \"report\" or \"entity\" "
            "(or a \"schema\" for an entity)"))])
        return None

    def _check_report(self, file: int, src: SourceRecord) -> Report | None:
        assert src.record is not None
        report, problems = parse_report(src, src.record, origin=self.origin)
        if report is None:
            self._add(file, src.line, problems)
            return None
        digest = content_hash(report)
        first = self.report_first.get(report.id)
        if first is None:
            self.report_first[report.id] = (digest, file, src.line)
            self.reports[report.id] = ReportInfo.of(report)
            return report
        if first[0] != digest:
            self._add(file, src.line, [src.rename(Problem(
                src.where, "id", f"report {report.id!r} is already defined on "
                f"{self._where(first[1], first[2])} with different content"))])
        return None

    def _check_entity(self, file: int, src: SourceRecord, parsed: ParsedEntity) -> None:
        if parsed.problems:
            self._add(file, src.line, parsed.problems)
            # When the whole input is refused anyway, a bad entity still counts as
            # defined, so links to it do not bury the real problem in follow-on ones.
            # When bad lines are skipped it is not written, so links to it are bad.
            if (self.stop_after is None or not parsed.entity_id
                    or parsed.schema not in self.registry):
                return
            parsed.references.clear()
        key = id_hash(parsed.entity_id)
        seen = self.entities.get(key)
        if seen is not None:
            schema = self.schema_names[seen >> 48]
            if schema != parsed.schema:
                where = self._where((seen >> 32) & 0xFFFF, seen & 0xFFFFFFFF)
                self._add(file, src.line, [src.rename(Problem(
                    src.where, "schema", f"entity {parsed.entity_id!r} is {_a(schema)} on "
                    f"{where} but {_a(parsed.schema)} here"))])
                return
        else:
            index = self.schema_index.setdefault(parsed.schema, len(self.schema_index))
            if index == len(self.schema_names):
                self.schema_names.append(parsed.schema)
            self.entities[key] = index << 48 | file << 32 | src.line
            self.unseen.append((parsed.entity_id, parsed.schema, file, src.line))
            if len(self.unseen) >= _STORE_BATCH:
                self._check_store_schemas()
        for ref in parsed.references:
            self._reference(file, src.line, ref)

    def _reference(self, file: int, line: int, ref: Reference) -> None:
        use = _Use(file, line, ref.field, ref.range)
        seen = self.entities.get(id_hash(ref.target))
        if seen is None:
            self.pending.setdefault(ref.target, []).append(use)
        else:
            self._check_range(ref.target, self.schema_names[seen >> 48], use)

    def _check_range(self, target: str, schema: str, use: _Use) -> None:
        if use.range is None or self.registry.get(schema).is_a(use.range):
            return
        self._add(use.file, use.line, [Problem(
            self._where(use.file, use.line), use.field,
            f"{target!r} is {_a(schema)}, but this property links to {_a(use.range)}")])

    def _check_store_schemas(self) -> None:
        batch, self.unseen = self.unseen, []
        stored = self.uow.statements.entity_schemas(entity_id for entity_id, *_ in batch)
        for entity_id, schema, file, line in batch:
            if entity_id in stored and stored[entity_id] != schema:
                try:
                    self.registry.common(stored[entity_id], schema)
                except SchemaError:
                    self._add(file, line, [Problem(
                        self._where(file, line), "schema",
                        f"entity {entity_id!r} is {_a(stored[entity_id])} in the store; "
                        f"{schema} is not compatible with it")])

    def finish(self) -> None:
        """The checks that need the whole input: store schemas and forward references."""
        self._check_store_schemas()
        missing: list[str] = []
        for target, uses in self.pending.items():
            seen = self.entities.get(id_hash(target))
            if seen is None:
                missing.append(target)
                continue
            for use in uses:
                self._check_range(target, self.schema_names[seen >> 48], use)
        stored = self.uow.statements.entity_schemas(missing)
        for target in missing:
            for use in self.pending[target]:
                if target in stored:
                    self._check_range(target, stored[target], use)
                else:
                    self._add(use.file, use.line, [Problem(
                        self._where(use.file, use.line), use.field,
                        f"links to unknown entity {target!r} (not in this input nor in "
                        "the store)")])
        self.pending.clear()

    def problems(self) -> list[Problem]:
        """Every problem, in input order."""
        return [p for key in sorted(self.bad) for p in self.bad[key]]

    def _add(self, file: int, line: int, problems: Iterable[Problem]) -> None:
        found = list(problems)
        self.bad.setdefault((file, line), []).extend(found)
        self.problem_count += len(found)

    def _where(self, file: int, line: int) -> str:
        return self.locate(file, line)


def _a(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
