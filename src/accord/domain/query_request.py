"""What an analyst asks a partner: identifiers and persons, from options or a batch file.

Passports and plates are issued per country: written ``CC:NUMBER``
(``co:AB123456``, ``mx:ABC-123``) or with a separate country. A batch file is
CSV (with a header) or JSONL, one item a line:

* an identifier: ``kind``, ``value`` and, for passports and plates, ``country``
  (or ``value`` as ``CC:NUMBER``);
* a person: ``name`` with ``dob`` and ``nationality`` if known (``kind`` empty
  or ``person``).

Values are normalised when the query is made (``accord.domain.identifiers``);
a bad line here (unknown kind, missing value) is an ``InvalidInput`` naming it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from accord.domain.errors import InvalidInput, InvalidValue, Problem
from accord.domain.identifiers import IdentifierKind

MAX_LINES = 10_000


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str
    country: str | None = None


@dataclass(frozen=True)
class PersonAsk:
    name: str
    dob: str | None = None
    nationality: str | None = None

    def fields(self) -> dict[str, str | None]:
        return {"name": self.name, "dob": self.dob, "nationality": self.nationality}


@dataclass(frozen=True)
class QueryRequest:
    identifiers: tuple[Identifier, ...] = ()
    persons: tuple[PersonAsk, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.identifiers or self.persons)

    def __add__(self, other: QueryRequest) -> QueryRequest:
        return QueryRequest(self.identifiers + other.identifiers, self.persons + other.persons)


def identifier(kind: IdentifierKind | str, raw: str, *, country: str | None = None,
               where: str = "value") -> Identifier:
    """One identifier as asked; ``CC:NUMBER`` gives passports and plates their country."""
    found = kind if isinstance(kind, IdentifierKind) else IdentifierKind.parse(kind, where=where)
    value = raw.strip()
    if not value:
        raise InvalidValue(f"a {found.value} needs a value", where=where)
    if found.per_country and country is None:
        head, sep, tail = value.partition(":")
        if not sep or not head.strip() or not tail.strip():
            raise InvalidValue(f"write a {found.value} as COUNTRY:NUMBER (e.g. co:AB123456)",
                               where=where)
        country, value = head.strip(), tail.strip()
    return Identifier(found, value, country or None)


def person(name: str, dob: str | None = None, nationality: str | None = None, *,
           where: str = "person") -> PersonAsk:
    if not name or not name.strip():
        raise InvalidValue("a person query needs a name", where=where)
    return PersonAsk(name.strip(), (dob or "").strip() or None,
                     (nationality or "").strip() or None)


def parse_batch(text: str, *, fmt: str, where: str = "batch") -> QueryRequest:
    """The items of a batch file (``fmt`` ``csv`` or ``jsonl``); every bad line is named."""
    if fmt not in ("csv", "jsonl"):
        raise InvalidValue(f"{fmt!r} is not a batch format (csv or jsonl)", where=where)
    rows = _csv_rows(text, where) if fmt == "csv" else _jsonl_rows(text, where)
    if len(rows) > MAX_LINES:
        raise InvalidValue(f"{len(rows)} lines; at most {MAX_LINES} per batch", where=where)
    out: list[Identifier] = []
    persons: list[PersonAsk] = []
    problems: list[Problem] = []
    for line, row in rows:
        at = f"{where}:{line}"
        try:
            kind = str(row.get("kind") or "").strip().lower()
            if kind in ("", "person"):
                persons.append(person(str(row.get("name") or ""), _opt(row, "dob"),
                                      _opt(row, "nationality"), where=at))
            else:
                out.append(identifier(kind, str(row.get("value") or ""),
                                      country=_opt(row, "country"), where=at))
        except InvalidValue as exc:
            problems.append(Problem(at, str(row.get("kind") or "person"), exc.message))
    if problems:
        raise InvalidInput(problems)
    if not out and not persons:
        raise InvalidValue("the batch has nothing to ask", where=where)
    return QueryRequest(tuple(out), tuple(persons))


def _opt(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None or not str(value).strip() else str(value).strip()


def _csv_rows(text: str, where: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or ()}
    if not fields & {"kind", "name"}:
        raise InvalidValue("a CSV batch needs a header with kind,value[,country] or "
                           "name[,dob,nationality]", where=f"{where}:1")
    return [(i + 2, {str(k).strip().lower(): v for k, v in row.items() if k is not None})
            for i, row in enumerate(reader)]


def _jsonl_rows(text: str, where: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidValue(f"not JSON: {exc.msg}", where=f"{where}:{i}") from None
        if not isinstance(raw, dict):
            raise InvalidValue("each line is a JSON object", where=f"{where}:{i}")
        rows.append((i, raw))
    return rows
