"""Reads for network analysis: the statements that make a node's network, streamed.

Network analysis needs a few slices of the statements table (the links, the
holders of phones and accounts, the memberships, then the statements of the
entities that became vertices), each read once, in batches, without markings
or gradings (the analysis reports ids and provenance, never values under a
marking it did not read). Statements of retracted reports are left out.
``origin`` restricts a read to one node's own statements.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, exists, select
from sqlalchemy.orm import Session

from accord.adapters.store import resolution_tables as rt
from accord.adapters.store.codec import from_store, statement_pk
from accord.adapters.store.models import StatementRow
from accord.domain.statement import Statement

_TABLE = cast(Table, StatementRow.__table__)
_CHUNK = 500  # ids per IN (...): well under every driver's parameter limit
_BATCH = 5000  # rows fetched at a time


def _conn(bind: Session | Connection) -> Connection:
    return bind.connection() if isinstance(bind, Session) else bind


def _base(origin: str | None) -> Select[Any]:
    s = _TABLE.c
    stmt = (select(s.entity_id, s.schema, s.prop, s.value, s.report_id, s.origin, s.first_seen)
            .where(s.retracted.is_(False)))
    return stmt if origin is None else stmt.where(s.origin == origin)


def _rows(conn: Connection, stmt: Select[Any]) -> Iterator[Statement]:
    for row in conn.execute(stmt.execution_options(yield_per=_BATCH)):
        yield Statement(row.entity_id, row.schema, row.prop, row.value, row.report_id,
                        row.origin, first_seen=from_store(row.first_seen))


def statements_of_schemata(bind: Session | Connection, schemata: Collection[str], *,
                           props: Collection[str] | None = None,
                           origin: str | None = None) -> Iterator[Statement]:
    """Current statements of entities of ``schemata`` (only ``props`` when given)."""
    if not schemata:
        return
    s = _TABLE.c
    stmt = _base(origin).where(s.schema.in_(sorted(schemata)))
    if props is not None:
        stmt = stmt.where(s.prop.in_(sorted(props)))
    yield from _rows(_conn(bind), stmt.order_by(s.entity_id))


def statements_of_entities(bind: Session | Connection, entity_ids: Collection[str], *,
                           origin: str | None = None,
                           exclude_schemata: Collection[str] = ()) -> Iterator[Statement]:
    """Current statements of ``entity_ids`` (not those of ``exclude_schemata``)."""
    s = _TABLE.c
    conn = _conn(bind)
    ordered = sorted(set(entity_ids))
    for start in range(0, len(ordered), _CHUNK):
        stmt = _base(origin).where(s.entity_id.in_(ordered[start:start + _CHUNK]))
        if exclude_schemata:
            stmt = stmt.where(s.schema.not_in(sorted(exclude_schemata)))
        yield from _rows(conn, stmt)


def statements_by_id(bind: Session | Connection,
                     statement_ids: Collection[str]) -> dict[str, Statement]:
    """``{statement id: statement}`` for those of ``statement_ids`` the store holds."""
    s = _TABLE.c
    conn = _conn(bind)
    pks = sorted({statement_pk(i) for i in statement_ids})
    wanted = set(statement_ids)
    out: dict[str, Statement] = {}
    for start in range(0, len(pks), _CHUNK):
        stmt = (select(s.id, s.entity_id, s.schema, s.prop, s.value, s.report_id, s.origin,
                       s.first_seen).where(s.pk.in_(pks[start:start + _CHUNK])))
        for row in conn.execute(stmt):
            if row.id in wanted:
                out[row.id] = Statement(row.entity_id, row.schema, row.prop, row.value,
                                        row.report_id, row.origin,
                                        first_seen=from_store(row.first_seen))
    return out


def resolved_mentions_of(bind: Session | Connection, origin: str) -> list[str]:
    """Ids of the resolved entities (mentions) that ``origin``'s own statements describe."""
    s, m = _TABLE.c, rt.mentions.c
    own = exists().where(s.entity_id == m.entity_id, s.origin == origin,
                         s.retracted.is_(False))
    return sorted(_conn(bind).scalars(select(m.entity_id).where(own)))


def resolution_has_run(bind: Session | Connection) -> bool:
    """Whether this node's entity resolution has clustered anything yet."""
    return _conn(bind).execute(select(rt.clusters.c.canonical_id).limit(1)).first() is not None
