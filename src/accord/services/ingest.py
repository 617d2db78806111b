"""Bulk import of JSONL and CSV files (docs/format.md), all or nothing.

``import_files`` reads its inputs twice, streaming both times:

1. **check** every record (JSON, encoding, size, schema, values, report and
   entity references, conflicting duplicates) keeping only ids in memory and
   the prepared rows in a temporary file (``ingest_spool``);
2. **write** those rows in batches, inside the same unit of work.

Any problem and nothing is written: ``InvalidInput`` lists ``file:line: field:
reason`` for each (up to ``max_problems``). With ``skip_invalid`` the good
records are written and each bad one goes to a rejects file (JSONL: file,
line, problems, original text). Statement ids are stable, so importing the
same input again changes nothing (the counts say "unchanged").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from accord.adapters.store import Store
from accord.domain.errors import InvalidInput, Problem
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.registry import Registry
from accord.domain.report import Report
from accord.interop.csv_mapping import CsvMapping, load_mapping, read_csv
from accord.interop.jsonl import dumps_line, read_jsonl
from accord.interop.lines import MAX_LINE_BYTES, SourceRecord, printable
from accord.services import ledger
from accord.services.export import export_jsonl
from accord.services.ingest_check import Checker
from accord.services.ingest_records import ParsedEntity
from accord.services.ingest_spool import Entry, Spool
from accord.services.ingest_write import Prepared, StatementWriter, WriteCounts, write_report

__all__ = ["ImportResult", "Progress", "export_jsonl", "import_files"]

#: ``progress(bytes_done, bytes_total)``; both passes count, so total is twice the input size.
Progress = Callable[[int, int], None]
MAX_PROBLEMS = 50
ANALYZE_AFTER = 10_000  # new statements after which PostgreSQL's statistics are refreshed
_PROGRESS_STEP = 1 << 20


@dataclass(frozen=True)
class ImportResult:
    files: tuple[str, ...]
    reports_new: int
    reports_updated: int
    reports_unchanged: int
    entities: int
    statements_new: int
    statements_updated: int
    statements_unchanged: int
    rejected: int
    rejects_path: str | None = None

    @property
    def statements(self) -> int:
        return self.statements_new + self.statements_updated + self.statements_unchanged

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_files(
    store: Store,
    paths: Sequence[Path | str],
    *,
    origin: str,
    registry: Registry,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    country: str | None = None,
    mapping: Path | CsvMapping | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_problems: int = MAX_PROBLEMS,
    actor: str = "system",
) -> ImportResult:
    """Import JSONL (``.jsonl``/``.ndjson``/``.json``) and CSV (``.csv``) files as one input.

    ``origin`` is this node's id (the origin of reports that do not name one);
    ``country`` (ISO alpha-2, usually the node's) reads national phone numbers;
    ``mapping`` is the YAML mapping for CSV files (default: ``FILE.yaml`` or
    ``FILE.mapping.yaml`` next to each CSV). Raises ``InvalidInput`` when any
    record is bad and ``skip_invalid`` is false; then nothing is written.
    ``rejects_path`` defaults to ``FIRST_FILE.rejects.jsonl``. Each new or changed
    report is recorded in the ledger (one leaf each, by ``actor``) in the same
    transaction.
    """
    files = [Path(p) for p in paths]
    _require_files(files)
    if skip_invalid and rejects_path is not None:
        _require_writable(rejects_path)
    readers = [_reader(path, mapping, registry, max_line_bytes) for path in files]
    names = [str(path) for path in files]
    meter = _Meter(progress, [path.stat().st_size for path in files])
    spool = Spool()
    try:
        with store.unit_of_work() as uow:
            counts = WriteCounts()
            writer = StatementWriter(uow, registry, counts)
            checker = Checker(uow, registry, origin=origin, country=country, paths=names,
                              stop_after=None if skip_invalid else max_problems)
            # Pass 1: check everything, keep the prepared rows on disk.
            for index, read in enumerate(readers):
                for src in read():
                    checked = checker.check(index, src)
                    payload: Report | Prepared | None = None
                    if isinstance(checked, ParsedEntity):
                        info = checker.reports[checked.report_id]
                        assert info is not None
                        payload = writer.prepare(checked.statements, retracted=info.retracted)
                    else:
                        payload = checked
                    if payload is not None or skip_invalid:
                        spool.add(Entry(index, src.line, src.end, payload,
                                        src.raw if skip_invalid else None))
                    meter.advance(0, index, src.end)
                    if checker.full:
                        break
                if checker.full:
                    break
            if not checker.full:
                checker.finish()
            if checker.bad and not skip_invalid:
                problems = checker.problems()
                raise InvalidInput(problems[:max_problems],
                                   truncated=checker.full or len(problems) > max_problems)
            # Pass 2: write what passed; bad records go to the rejects file.
            rejects = _Rejects(rejects_path
                               or files[0].with_name(files[0].name + ".rejects.jsonl"))
            recorded: list[LedgerEntry] = []
            try:
                for entry in spool.entries():
                    bad = checker.bad.get((entry.file, entry.line))
                    if bad:
                        rejects.write(names[entry.file], entry, bad)
                    elif isinstance(entry.payload, Report):
                        act = write_report(uow, entry.payload, counts, writer, actor)
                        if act is not None:
                            recorded.append(act)
                    elif entry.payload is not None:
                        writer.add_prepared(entry.payload)
                    meter.advance(1, entry.file, entry.end)
                writer.flush()
                ledger.record_many(uow, recorded)
                if counts.statements_new >= ANALYZE_AFTER:
                    uow.statements.analyze()
            finally:
                rejects.close()
    finally:
        spool.close()
    meter.finish()
    return ImportResult(
        files=tuple(names), reports_new=counts.reports_new,
        reports_updated=counts.reports_updated, reports_unchanged=counts.reports_unchanged,
        entities=len(checker.entities), statements_new=counts.statements_new,
        statements_updated=counts.statements_updated,
        statements_unchanged=counts.statements_unchanged, rejected=rejects.count,
        rejects_path=str(rejects.path) if rejects.count else None,
    )


def _require_files(files: list[Path]) -> None:
    problems = [Problem(str(path), "", "is a directory, not a file" if path.is_dir()
                        else "no such file") for path in files if not path.is_file()]
    if not files:
        problems.append(Problem("input", "", "no files to import"))
    if problems:
        raise InvalidInput(problems)


def _require_writable(path: Path) -> None:
    """Refuse a rejects file that could not be written before anything is read."""
    reason = None
    if path.is_dir():
        reason = "the rejects file is a directory; name a file"
    elif not path.parent.is_dir():
        reason = f"cannot write the rejects file: no directory {str(path.parent)!r}"
    if reason:
        raise InvalidInput([Problem(str(path), "", reason)])


def _reader(path: Path, mapping: Path | CsvMapping | None, registry: Registry,
            max_line_bytes: int) -> Callable[[], Iterator[SourceRecord]]:
    if path.suffix.lower() == ".csv":
        if isinstance(mapping, Path) and mapping.is_dir():
            raise InvalidInput([Problem(str(mapping), "", "is a directory, not a mapping file")])
        loaded = mapping if isinstance(mapping, CsvMapping) else load_mapping(
            mapping or _mapping_for(path), registry)
        return lambda: read_csv(path, loaded, max_line_bytes=max_line_bytes)
    return lambda: read_jsonl(path, max_line_bytes=max_line_bytes)


def _mapping_for(csv_path: Path) -> Path:
    for candidate in (csv_path.with_suffix(".yaml"), csv_path.with_suffix(".mapping.yaml")):
        if candidate.is_file():
            return candidate
    raise InvalidInput([Problem(str(csv_path), "", "a CSV file needs a mapping file "
                                f"(--csv-mapping, or {csv_path.with_suffix('.yaml').name} "
                                "next to it); see docs/format.md")])


class _Meter:
    """Reports bytes read over both passes (each counts the whole input), at most per MiB."""

    def __init__(self, callback: Progress | None, sizes: list[int]) -> None:
        self.callback = callback
        self.starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self.size = sum(sizes)
        self.total = 2 * self.size
        self.last = 0

    def advance(self, passed: int, file: int, offset: int) -> None:
        done = passed * self.size + self.starts[file] + offset
        if self.callback is not None and done - self.last >= _PROGRESS_STEP:
            self.last = done
            self.callback(min(done, self.total), self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


class _Rejects:
    """The rejects file, opened on the first bad record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._out: IO[str] | None = None

    def write(self, file: str, entry: Entry, problems: list[Problem]) -> None:
        if self._out is None:
            try:
                self._out = open(self.path, "w", encoding="utf-8")
            except OSError as exc:  # raised inside the unit of work: nothing is written
                raise InvalidInput([Problem(str(self.path), "", "cannot write the rejects "
                                            f"file: {exc.strerror or exc}")]) from None
        line: dict[str, Any] = {
            "file": file, "line": entry.line,
            "problems": [{"field": p.field, "reason": p.reason} for p in problems],
            "message": "; ".join(str(p) for p in problems),
            "original": printable(entry.raw or b""),
        }
        self._out.write(dumps_line(line) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
