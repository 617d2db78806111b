"""A temporary file holding what the first pass prepared, for the second pass to write.

Validating a record costs far more than writing it (phone parsing, name
keys, hashing), so the first pass keeps its work: each good record's rows and
search keys are pickled to an anonymous temporary file in batches, and the
second pass only reads them back and writes. Memory stays flat; the file
disappears when closed.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from accord.domain.report import Report
from accord.services.ingest_write import Prepared

_BATCH = 1000


@dataclass(frozen=True)
class Entry:
    """One input record as the first pass left it.

    ``payload`` is a ``Report``, the ``Prepared`` statements of an entity, or
    None for a record already known to be bad. ``raw`` (the original line) is
    kept only when bad records go to a rejects file.
    """

    file: int
    line: int
    end: int
    payload: Report | Prepared | None
    raw: bytes | None = None


class Spool:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="accord-import-")
        self._batch: list[Entry] = []

    def add(self, entry: Entry) -> None:
        self._batch.append(entry)
        if len(self._batch) >= _BATCH:
            self._dump()

    def entries(self) -> Iterator[Entry]:
        """Every entry in the order added (call once, after the last ``add``)."""
        self._dump()
        self._file.seek(0)
        while True:
            try:
                batch: list[Entry] = pickle.load(self._file)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self._file.close()

    def _dump(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []
