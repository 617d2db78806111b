"""CSV import through a small YAML mapping file (see docs/format.md, "CSV").

A mapping says which schema every row is, how to make each row's entity id
(a column or a template over columns), which column feeds which property, and
which report the rows belong to. Rows become the same entity records as JSONL
lines, so they go through the same checks; problems name the CSV line and the
column (``people.csv:7: phone: '12' is not a valid phone number ...``).
"""

from __future__ import annotations

import csv
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from accord.domain.errors import InvalidInput, Problem, SchemaError
from accord.domain.registry import Registry
from accord.interop.lines import (
    MAX_LINE_BYTES,
    SourceRecord,
    decode,
    oversize_problem,
    read_lines,
)

_KEYS = {"schema", "id", "id_column", "columns", "report", "markings", "grading",
         "separator", "delimiter"}


@dataclass(frozen=True)
class CsvMapping:
    path: str
    schema: str
    columns: tuple[tuple[str, str], ...]  # (column, property)
    report: Mapping[str, Any] | str  # a report to create, or the id of one in the store
    id_column: str | None = None
    id_template: str | None = None
    markings: Mapping[str, Any] | None = None
    grading: Mapping[str, Any] | str | None = None
    separator: str | None = None
    delimiter: str = ","
    template_columns: tuple[str, ...] = field(default=())

    @property
    def report_id(self) -> str:
        return self.report if isinstance(self.report, str) else str(self.report["id"])

    def needed_columns(self) -> list[str]:
        needed = [c for c, _ in self.columns] + list(self.template_columns)
        if self.id_column:
            needed.append(self.id_column)
        return list(dict.fromkeys(needed))


def load_mapping(path: Path, registry: Registry | None = None) -> CsvMapping:
    """Read and check a mapping file; ``InvalidInput`` names each problem in it."""
    where = str(path)
    problems: list[Problem] = []

    def problem(name: str, reason: str) -> None:
        problems.append(Problem(where, name, reason))

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput([Problem(where, "", "no such mapping file")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where}:{mark.line + 1}" if mark is not None else where
        reason = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput([Problem(at, "", f"not a valid YAML file: {reason}")]) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(where, "", f"not UTF-8 text: {exc}")]) from None
    if not isinstance(raw, dict):
        raise InvalidInput([Problem(where, "", "a mapping file is a YAML mapping (schema, "
                                               "id or id_column, columns, report)")])
    unknown = set(raw) - _KEYS
    if unknown:
        problem("", f"unknown key(s): {', '.join(sorted(unknown))}")
    schema = raw.get("schema")
    if not isinstance(schema, str):
        problem("schema", "name the schema of every row (schema: Person)")
        schema = ""
    columns = raw.get("columns")
    pairs: list[tuple[str, str]] = []
    if not isinstance(columns, dict) or not columns:
        problem("columns", "map CSV columns to properties (columns: {full_name: name})")
    else:
        for column, prop in columns.items():
            if not isinstance(prop, str):
                problem(f"columns.{column}", "the property name must be a string")
            else:
                pairs.append((str(column), prop))
    if registry is not None and schema:
        try:
            resolved = registry.get(schema)
            for column, prop in pairs:
                try:
                    resolved.get(prop)
                except SchemaError as exc:
                    problem(f"columns.{column}", exc.message)
        except SchemaError as exc:
            problem("schema", exc.message)
    id_column, id_template = raw.get("id_column"), raw.get("id")
    template_columns: tuple[str, ...] = ()
    if (id_column is None) == (id_template is None):
        problem("id", "give either id_column (a column holding the id) or id (a template "
                      "such as 'co-per-{person_id}')")
    elif id_template is not None:
        try:
            template_columns = tuple(
                name for _, name, _, _ in string.Formatter().parse(str(id_template)) if name)
        except ValueError as exc:
            problem("id", f"not a valid template: {exc}")
        if not template_columns:
            problem("id", "the id template must use at least one {column}")
    report = raw.get("report")
    if isinstance(report, dict):
        if not isinstance(report.get("id"), str) or not isinstance(report.get("title"), str):
            problem("report", "a report needs an id and a title")
    elif not isinstance(report, str) or not report.strip():
        problem("report", "give the report: an id already in the store, or {id, title, ...}")
        report = ""
    delimiter = raw.get("delimiter", ",")
    separator = raw.get("separator")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        problem("delimiter", "must be one character")
        delimiter = ","
    if separator is not None and (not isinstance(separator, str) or not separator):
        problem("separator", "must be a non-empty string")
        separator = None
    if problems:
        raise InvalidInput(problems)
    return CsvMapping(
        path=where, schema=schema, columns=tuple(pairs), report=report,
        id_column=None if id_column is None else str(id_column),
        id_template=None if id_template is None else str(id_template),
        markings=raw.get("markings"), grading=raw.get("grading"), separator=separator,
        delimiter=delimiter, template_columns=template_columns,
    )


def read_csv(path: Path, mapping: CsvMapping, *,
             max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[SourceRecord]:
    """The mapping's report (if it defines one), then one entity record per row."""
    if not isinstance(mapping.report, str):
        yield SourceRecord(mapping.path, 0, b"", 0, {"kind": "report", **mapping.report})
    lines = _Lines(path, max_line_bytes)
    reader = csv.reader(lines.texts(), delimiter=mapping.delimiter, strict=True)
    header: list[str] | None = None
    while True:
        start = lines.number + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = f"{path}:{start}"
            found = [*lines.take_problems(), Problem(where, "", f"not valid CSV: {exc}")]
            yield SourceRecord(where, start, lines.take(), lines.end, None, tuple(found))
            continue
        where = f"{path}:{start}"
        problems = lines.take_problems()
        raw = lines.take()
        if header is None:
            header = [h.strip() for h in row]
            missing = [c for c in mapping.needed_columns() if c not in header]
            twice = sorted({h for h in header if h and header.count(h) > 1})
            if missing or twice or problems:
                problems += [Problem(where, "header", f"column {c!r} (named in {mapping.path})"
                                     " is not in the header") for c in missing]
                problems += [Problem(where, "header", f"column {c!r} appears more than once "
                                     "(which one holds the value?)") for c in twice]
                yield SourceRecord(where, start, raw, lines.end, None, tuple(problems))
                return
            continue
        if not any(cell.strip() for cell in row) and not problems:
            continue
        if problems:
            yield SourceRecord(where, start, raw, lines.end, None, tuple(problems))
        elif len(row) != len(header):
            yield SourceRecord(where, start, raw, lines.end, None, (Problem(
                where, "", f"the row has {len(row)} fields, the header {len(header)}"),))
        else:
            yield _record(where, start, raw, lines.end, dict(zip(header, row, strict=True)),
                          mapping)


def _record(where: str, line: int, raw: bytes, end: int, cells: dict[str, str],
            mapping: CsvMapping) -> SourceRecord:
    properties: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for column, prop in mapping.columns:
        cell = cells[column].strip()
        if not cell:
            continue
        values = cell.split(mapping.separator) if mapping.separator else [cell]
        properties.setdefault(prop, []).extend(v.strip() for v in values if v.strip())
        sources.setdefault(prop, []).append(column)
    if mapping.id_column:
        entity_id = cells[mapping.id_column].strip()
        id_field = mapping.id_column
    else:
        assert mapping.id_template is not None
        blank = [c for c in mapping.template_columns if not cells[c].strip()]
        entity_id = "" if blank else mapping.id_template.format_map(
            {c: cells[c].strip() for c in mapping.template_columns})
        id_field = "/".join(mapping.template_columns)
    record: dict[str, object] = {"kind": "entity", "id": entity_id, "schema": mapping.schema,
                                 "report": mapping.report_id, "properties": properties}
    if mapping.markings is not None:
        record["markings"] = mapping.markings
    if mapping.grading is not None:
        record["grading"] = mapping.grading
    fields = tuple((f"properties.{prop}", "/".join(cols)) for prop, cols in sources.items())
    fields += tuple((f"properties.{prop}", column) for column, prop in mapping.columns
                    if prop not in sources)
    return SourceRecord(where, line, raw, end, record, (), fields + (("id", id_field),))


class _Lines:
    """Feeds decoded lines to ``csv.reader`` while remembering where each row came from."""

    def __init__(self, path: Path, max_line_bytes: int) -> None:
        self.path = path
        self.max_line_bytes = max_line_bytes
        self.number = 0
        self.end = 0
        self._raw: list[bytes] = []
        self._problems: list[tuple[int, str, str]] = []

    def texts(self) -> Iterator[str]:
        for line in read_lines(self.path, max_line_bytes=self.max_line_bytes):
            self.number, self.end = line.number, line.end
            self._raw.append(line.data)
            where = f"{self.path}:{line.number}"
            if line.oversize:
                problem = oversize_problem(where, self.max_line_bytes)
                self._problems.append((line.number, problem.field, problem.reason))
                yield "\n"
                continue
            text, bad = decode(line.data, where)
            if bad is not None:
                self._problems.append((line.number, bad.field, bad.reason))
                text = line.data.decode("utf-8", errors="replace")
            yield (text or "") + "\n"

    def take(self) -> bytes:
        raw, self._raw = b"\n".join(self._raw), []
        return raw

    def take_problems(self) -> list[Problem]:
        found, self._problems = self._problems, []
        return [Problem(f"{self.path}:{number}", name, reason) for number, name, reason in found]
