"""Reading input files line by line, with bounded memory and exact locations.

Both import formats (JSONL and CSV) start here: ``read_lines`` yields each
physical line's bytes with its number and byte offset, never holding more than
one line (and never more than ``max_line_bytes`` of it), so memory stays flat
however large the file is. ``decode`` turns a line into text or a ``Problem``
naming the first byte that is not UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from accord.domain.errors import Problem

MAX_LINE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_SKIP_CHUNK = 64 * 1024


@dataclass(slots=True)
class RawLine:
    """One physical line: ``data`` without its line ending (cut at the limit if oversize)."""

    number: int
    data: bytes
    end: int  # byte offset just after the line, for progress
    oversize: bool = False


def read_lines(path: Path, *, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """The lines of ``path`` in order (1-based numbers; a leading UTF-8 BOM is dropped)."""
    with open(path, "rb") as handle:
        number = 0
        offset = 0
        while True:
            data = handle.readline(max_line_bytes + 1)
            if not data:
                return
            number += 1
            if number == 1 and data.startswith(_BOM):
                offset += len(_BOM)
                data = data[len(_BOM):]
            offset += len(data)
            oversize = False
            if len(data) > max_line_bytes and not data.endswith(b"\n"):
                # Skip the rest of the line without reading it into memory.
                oversize = True
                while True:
                    more = handle.readline(_SKIP_CHUNK)
                    offset += len(more)
                    if not more or more.endswith(b"\n"):
                        break
                data = data[:max_line_bytes]
            yield RawLine(number, data.rstrip(b"\r\n"), offset, oversize)


def oversize_problem(where: str, max_line_bytes: int) -> Problem:
    return Problem(where, "", f"line is longer than {max_line_bytes} bytes (the limit); "
                              "split the record or raise the limit")


def decode(data: bytes, where: str) -> tuple[str | None, Problem | None]:
    """``data`` as text, or the problem saying which byte is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        return None, Problem(
            where, "encoding",
            f"not valid UTF-8: byte 0x{byte:02x} at byte {exc.start + 1} of the line "
            "(save the file as UTF-8)")


def printable(data: bytes) -> str:
    """A line's bytes as text for the rejects file, bad bytes escaped (nothing lost)."""
    return data.decode("utf-8", errors="backslashreplace")


@dataclass(slots=True)
class SourceRecord:
    """One input record (a JSONL line, a CSV row) ready for validation.

    ``record`` is the parsed object, or None when reading already failed (see
    ``problems``). ``fields`` renames fields in messages: a CSV row maps
    ``properties.phone`` to its column so errors name what the user wrote.
    """

    where: str
    line: int
    raw: bytes
    end: int
    record: dict[str, object] | None
    problems: tuple[Problem, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    def rename(self, problem: Problem) -> Problem:
        """``problem`` with its field named as in the source."""
        for prefix, name in self.fields:
            if problem.field == prefix or problem.field.startswith(prefix + "["):
                return Problem(problem.where, name + problem.field[len(prefix):], problem.reason)
        return problem
