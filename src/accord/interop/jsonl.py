"""The native JSONL format (docs/format.md): reading records, writing lines.

Reading is streaming (one line at a time, see ``interop.lines``); a line that
is not UTF-8, not JSON, not an object or over the size limit becomes a record
carrying its problem, so the importer can report every bad line at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from accord.domain.errors import Problem
from accord.domain.grading import Grading
from accord.domain.markings import Marking
from accord.domain.report import Report
from accord.interop.lines import (
    MAX_LINE_BYTES,
    SourceRecord,
    decode,
    oversize_problem,
    read_lines,
)


def read_jsonl(path: Path, *, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[SourceRecord]:
    """Every non-blank line of ``path`` as a record (or as the problem that stops it)."""
    for line in read_lines(path, max_line_bytes=max_line_bytes):
        where = f"{path}:{line.number}"
        if line.oversize:
            yield SourceRecord(where, line.number, line.data, line.end, None,
                               (oversize_problem(where, max_line_bytes),))
            continue
        if not line.data.strip():
            continue
        text, problem = decode(line.data, where)
        if problem is not None:
            yield SourceRecord(where, line.number, line.data, line.end, None, (problem,))
            continue
        assert text is not None
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield SourceRecord(where, line.number, line.data, line.end, None,
                               (Problem(where, "", f"not valid JSON: {exc}"),))
            continue
        if not isinstance(parsed, dict):
            yield SourceRecord(where, line.number, line.data, line.end, None, (Problem(
                where, "", f"a line must be a JSON object, not {_json_kind(parsed)}"),))
            continue
        yield SourceRecord(where, line.number, line.data, line.end, parsed)


def _json_kind(value: object) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number",
            bool: "a boolean", type(None): "null"}.get(type(value), type(value).__name__)


def report_line(report: Report) -> dict[str, Any]:
    """A report as its JSONL line (``kind: report``)."""
    return report.to_dict()


def entity_line(
    *,
    entity_id: str,
    schema: str,
    report_id: str,
    properties: Mapping[str, list[str]],
    marking: Marking,
    grading: Grading | None,
    first_seen: datetime | None = None,
    last_seen: datetime | None = None,
    originals: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """An entity as its JSONL line (``kind: entity``)."""
    line: dict[str, Any] = {
        "kind": "entity", "id": entity_id, "schema": schema, "report": report_id,
        "properties": {prop: list(values) for prop, values in properties.items()},
        "markings": marking.to_dict(),
    }
    if grading is not None:
        line["grading"] = grading.to_dict()
    if first_seen is not None:
        line["first_seen"] = _time(first_seen)
    if last_seen is not None:
        line["last_seen"] = _time(last_seen)
    if originals:
        line["originals"] = {prop: dict(values) for prop, values in originals.items()}
    return line


def dumps_line(line: Mapping[str, Any]) -> str:
    """One JSONL line (no trailing newline)."""
    return orjson.dumps(line).decode("utf-8")


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
