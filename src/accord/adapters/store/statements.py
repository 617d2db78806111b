"""The statement repository: bulk writes for import, reads for entity views and export."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Select,
    Table,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from accord.adapters.store.bulk import insert_rows
from accord.adapters.store.codec import (
    from_store,
    grading_from_json,
    grading_json,
    marking_from_json,
    marking_json,
    statement_pk,
    to_utc,
)
from accord.adapters.store.models import StatementRow
from accord.domain.statement import Statement

_TABLE = cast(Table, StatementRow.__table__)
_CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit


@dataclass(frozen=True)
class StoredState:
    """What may differ between two statements with the same id (same fact)."""

    marking: str
    grading: str | None
    original_value: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    retracted: bool


#: The order of a statement row's fields (``statement_row``), as the table declares them.
COLUMNS = ("pk", "id", "entity_id", "schema", "prop", "value", "original_value", "report_id",
           "origin", "marking", "grading", "first_seen", "last_seen", "retracted")
Row = tuple[Any, ...]


def statement_row(statement: Statement, *, retracted: bool = False) -> Row:
    """The ``statements`` row of ``statement``, a tuple in ``COLUMNS`` order."""
    sid = statement.id
    return (statement_pk(sid), sid, statement.entity_id, statement.schema, statement.prop,
            statement.value, statement.original_value, statement.report_id, statement.origin,
            marking_json(statement.marking), grading_json(statement.grading),
            to_utc(statement.first_seen), to_utc(statement.last_seen), retracted)


def statement_rows(statements: Iterable[Statement], *, retracted: bool = False) -> list[Row]:
    """``statement_row`` for many statements, serialising each shared marking only once."""
    rows: list[Row] = []
    marking: object = None
    grading: object = None
    marking_text = grading_text = None
    for stmt in statements:
        if stmt.marking is not marking:
            marking, marking_text = stmt.marking, marking_json(stmt.marking)
        if stmt.grading is not grading:
            grading, grading_text = stmt.grading, grading_json(stmt.grading)
        sid = stmt.id
        rows.append((statement_pk(sid), sid, stmt.entity_id, stmt.schema, stmt.prop,
                     stmt.value, stmt.original_value, stmt.report_id, stmt.origin, marking_text,
                     grading_text, to_utc(stmt.first_seen), to_utc(stmt.last_seen), retracted))
    return rows


def row_state(row: Row) -> StoredState:
    """The part of a row that may change while the statement stays the same."""
    return StoredState(row[9], row[10], row[6], row[11], row[12], row[13])


class StatementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- writes ---------------------------------------------------------------
    def insert(self, rows: Sequence[Row]) -> None:
        """Insert rows made by ``statement_row`` (their ids must be new).

        Goes straight to the driver (``bulk.insert_rows``): bulk import spends
        its time here.
        """
        if not rows:
            return
        conn = self.session.connection()
        if conn.dialect.name == "sqlite":
            rows = [_sqlite_row(row) for row in rows]
        insert_rows(conn, "statements", COLUMNS, rows)

    def update_states(self, rows: Sequence[Row]) -> None:
        """Overwrite markings, grading, original value, times and retraction of known rows."""
        if not rows:
            return
        stmt = (update(_TABLE).where(_TABLE.c.pk == bindparam("b_pk")).values(
            marking=bindparam("b_marking"), grading=bindparam("b_grading"),
            original_value=bindparam("b_original_value"),
            first_seen=bindparam("b_first_seen"), last_seen=bindparam("b_last_seen"),
            retracted=bindparam("b_retracted")))
        names = dict(zip(COLUMNS, range(len(COLUMNS)), strict=True))
        self.session.execute(stmt, [{f"b_{k}": row[names[k]] for k in (
            "pk", "marking", "grading", "original_value", "first_seen", "last_seen", "retracted",
        )} for row in rows])

    def delete(self, pks: Iterable[int]) -> int:
        """Delete statements by key (their search entries go with them)."""
        total = 0
        for chunk in _chunks(list(pks)):
            result = self.session.execute(delete(_TABLE).where(_TABLE.c.pk.in_(chunk)))
            total += cast(CursorResult[Any], result).rowcount
        return total

    def set_retracted(self, report_id: str, retracted: bool) -> int:
        result = self.session.execute(
            update(_TABLE).where(_TABLE.c.report_id == report_id).values(retracted=retracted))
        return cast(CursorResult[Any], result).rowcount

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics after a bulk load (no-op on SQLite).

        Until autovacuum gets to it, the planner believes a freshly filled table
        is empty and scans it whole for every ``IN (...)`` lookup.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            for table in ("statements", "search_names", "search_identifiers"):
                self.session.execute(text(f"ANALYZE {table}"))

    # -- reads ----------------------------------------------------------------
    def states(self, pks: Iterable[int]) -> dict[int, StoredState]:
        """``{pk: state}`` for those of ``pks`` already stored."""
        t = _TABLE.c
        out: dict[int, StoredState] = {}
        for chunk in _chunks(list(pks)):
            stmt = select(t.pk, t.marking, t.grading, t.original_value, t.first_seen,
                          t.last_seen, t.retracted).where(t.pk.in_(chunk))
            for pk, marking, grading, original, first, last, retracted in (
                    self.session.execute(stmt)):
                out[pk] = StoredState(marking, grading, original, from_store(first),
                                      from_store(last), bool(retracted))
        return out

    def pks_for_report(self, report_id: str) -> set[int]:
        stmt = select(_TABLE.c.pk).where(_TABLE.c.report_id == report_id)
        return set(self.session.scalars(stmt))

    def entity_schemas(self, entity_ids: Iterable[str]) -> dict[str, str]:
        """``{entity id: schema}`` for those of ``entity_ids`` that have statements."""
        t = _TABLE.c
        out: dict[str, str] = {}
        for chunk in _chunks(list(set(entity_ids))):
            stmt = select(t.entity_id, t.schema).where(t.entity_id.in_(chunk)).distinct()
            out.update({eid: schema for eid, schema in self.session.execute(stmt)})
        return out

    def for_entity(self, entity_id: str, *, include_retracted: bool = False) -> list[Statement]:
        stmt = _select().where(_TABLE.c.entity_id == entity_id)
        if not include_retracted:
            stmt = stmt.where(_TABLE.c.retracted.is_(False))
        stmt = stmt.order_by(_TABLE.c.prop, _TABLE.c.value, _TABLE.c.report_id)
        return [_to_statement(r) for r in self.session.execute(stmt)]

    def for_entities(self, entity_ids: Iterable[str], *,
                     include_retracted: bool = False) -> dict[str, list[Statement]]:
        """``{entity id: its statements}`` for many entities in one query per 500 ids."""
        t = _TABLE.c
        out: dict[str, list[Statement]] = {}
        for chunk in _chunks(list(dict.fromkeys(entity_ids))):
            stmt = _select().where(t.entity_id.in_(chunk))
            if not include_retracted:
                stmt = stmt.where(t.retracted.is_(False))
            stmt = stmt.order_by(t.entity_id, t.prop, t.value, t.report_id)
            for row in self.session.execute(stmt):
                out.setdefault(row.entity_id, []).append(_to_statement(row))
        return out

    def for_report(self, report_id: str) -> Iterator[Statement]:
        """The report's statements, grouped by entity (ordered by entity, property, value)."""
        t = _TABLE.c
        stmt = (_select().where(t.report_id == report_id)
                .order_by(t.entity_id, t.prop, t.value).execution_options(yield_per=2000))
        for row in self.session.execute(stmt):
            yield _to_statement(row)

    def for_reports(self, report_ids: Iterable[str]) -> dict[str, list[Statement]]:
        """``for_report`` for many reports at once (one query per 500 reports)."""
        t = _TABLE.c
        out: dict[str, list[Statement]] = {}
        for chunk in _chunks(sorted(set(report_ids))):
            stmt = (_select().where(t.report_id.in_(chunk))
                    .order_by(t.report_id, t.entity_id, t.prop, t.value))
            for row in self.session.execute(stmt):
                statement = _to_statement(row)
                out.setdefault(statement.report_id, []).append(statement)
        return out

    def find_by_value(self, prop: str, value: str, *,
                      include_retracted: bool = False) -> list[Statement]:
        """Statements whose ``prop`` is exactly ``value`` (uses the (prop, value) index)."""
        t = _TABLE.c
        stmt = _select().where(t.prop == prop, func.substr(t.value, 1, 200) == value[:200],
                               t.value == value)
        if not include_retracted:
            stmt = stmt.where(t.retracted.is_(False))
        return [_to_statement(r) for r in self.session.execute(stmt)]

    def count(self, *, include_retracted: bool = True) -> int:
        stmt = select(func.count()).select_from(_TABLE)
        if not include_retracted:
            stmt = stmt.where(_TABLE.c.retracted.is_(False))
        return int(self.session.scalar(stmt) or 0)


_COLUMNS = ("entity_id", "schema", "prop", "value", "report_id", "origin", "marking", "grading",
            "original_value", "first_seen", "last_seen")
#: The columns a ``Statement`` is read from (``statement_of``).
STATEMENT_COLUMNS = _COLUMNS


def _select() -> Select[Any]:
    return select(*(_TABLE.c[name] for name in _COLUMNS))


def statement_at(row: Any, start: int) -> Statement:
    """The statement in a result row whose ``STATEMENT_COLUMNS`` begin at position ``start``
    (a join with another table's columns first)."""
    (entity_id, schema, prop, value, report_id, origin, marking, grading, original_value,
     first_seen, last_seen) = row[start:start + len(_COLUMNS)]
    return Statement(
        entity_id=entity_id,
        schema=schema,
        prop=prop,
        value=value,
        report_id=report_id,
        origin=origin,
        marking=marking_from_json(marking),
        grading=grading_from_json(grading),
        original_value=original_value,
        first_seen=from_store(first_seen),
        last_seen=from_store(last_seen),
    )


def _to_statement(row: Any) -> Statement:
    return Statement(
        entity_id=row.entity_id,
        schema=row.schema,
        prop=row.prop,
        value=row.value,
        report_id=row.report_id,
        origin=row.origin,
        marking=marking_from_json(row.marking),
        grading=grading_from_json(row.grading),
        original_value=row.original_value,
        first_seen=from_store(row.first_seen),
        last_seen=from_store(row.last_seen),
    )


def _sqlite_row(row: Row) -> Row:
    # The driver-level path skips SQLAlchemy's type processing, so times are
    # written here in the format SQLAlchemy's SQLite DateTime reads back.
    first, last = row[11], row[12]
    if first is None and last is None:
        return row
    return (*row[:11], _sqlite_time(first), _sqlite_time(last), row[13])


def _sqlite_time(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
