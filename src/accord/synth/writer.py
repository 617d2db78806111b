"""Writing one nation's JSONL file: report lines, then the entity lines of each report.

Lines are serialised with orjson and written through a large buffer; a
report's entity lines are held only until the report is complete (so that
a report with nothing in it is never written), never the whole file.
Entity ids are ``<nation>-<kind>-<number>`` (``co-per-000042``) numbered in
the order the agency first wrote each entity, illicit or benign alike.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from accord.synth.nations import Nation


def stamp(moment: datetime) -> str:
    """The time form used everywhere in the files: ``2025-03-04T10:15:00Z`` (UTC)."""
    return moment.isoformat(timespec="seconds") + "Z"


class LineWriter:
    def __init__(self, path: Path, nation: Nation) -> None:
        self.path = path
        self.nation = nation
        self._prefix = nation.code.lower()
        self._fh = path.open("wb", buffering=1 << 20)
        self._ids: dict[str, int] = {}
        self._seq: dict[int, int] = {}
        self._header: dict[str, Any] | None = None
        self._body: list[bytes] = []
        self.report_id = ""
        self.report_time = ""
        self.lines = 0
        self.statements = 0
        self.reports = 0
        self.by_schema: dict[str, int] = {}

    def new_id(self, kind: str) -> str:
        n = self._ids.get(kind, 0) + 1
        self._ids[kind] = n
        return f"{self._prefix}-{kind}-{n:06d}"

    def open_report(self, created: datetime, header: dict[str, Any]) -> str:
        """Start a report; its line is written when ``close_report`` finds it non-empty."""
        year = created.year
        seq = self._seq.get(year, 0) + 1
        self._seq[year] = seq
        self.report_id = self.nation.report_id(year, seq)
        self.report_time = stamp(created)
        self._header = {"kind": "report", "id": self.report_id, "origin": self.nation.node,
                        **header, "created": self.report_time}
        self._body = []
        return self.report_id

    def entity(self, entity_id: str, schema: str, props: dict[str, list[str]], *,
               markings: dict[str, Any] | None = None, grading: str | None = None,
               first_seen: bool = True) -> None:
        line: dict[str, Any] = {"kind": "entity", "id": entity_id, "schema": schema,
                                "report": self.report_id, "properties": props}
        if markings is not None:
            line["markings"] = markings
        if grading is not None:
            line["grading"] = grading
        if first_seen:
            line["first_seen"] = self.report_time
        self._body.append(orjson.dumps(line))
        count = sum(len(v) for v in props.values())
        self.statements += count
        self.by_schema[schema] = self.by_schema.get(schema, 0) + count

    @property
    def body_size(self) -> int:
        return len(self._body)

    def close_report(self) -> bool:
        """Write the report and its entities; a report with no entities is dropped."""
        assert self._header is not None
        if not self._body:
            year = int(self.report_time[:4])
            self._seq[year] -= 1
            self._header = None
            return False
        self._fh.write(orjson.dumps(self._header))
        self._fh.write(b"\n")
        self._fh.write(b"\n".join(self._body))
        self._fh.write(b"\n")
        self.lines += 1 + len(self._body)
        self.reports += 1
        self._header = None
        self._body = []
        return True

    def close(self) -> None:
        self._fh.close()
