"""The search index: name keys (full text) and exact identifier keys.

Name keys (from ``accord.domain.values.name_keys``) are indexed per statement:
SQLite keeps them in an FTS5 table whose rowid is the statement's key,
PostgreSQL in a table with a tsvector built verbatim from the keys
(``array_to_tsvector``) and a pg_trgm index. Both match by exact key
equality, so the same query finds the same statements on both stores; only
the order of candidates before the service re-ranks them differs (bm25 vs
ts_rank). Identifier keys sit in an ordinary indexed table on both.

Deleting a statement deletes its index entries (a cascade on PostgreSQL, a
trigger on SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from accord.adapters.store.bulk import insert_rows

_PLAIN = re.compile(r"^[a-z0-9]+$")


def index_token(key: str) -> str:
    """A name key as one token both FTS5 and tsvector keep intact.

    Plain lowercase ASCII words stay as they are; a ``~`` spelling-variant
    skeleton of one becomes ``0`` + the skeleton (short: these are most of
    the index); anything else is spelled in hex behind an ``x``. A token may
    collide with another key's token only by bringing in an extra candidate,
    which the search service then scores by the real keys.
    """
    if _PLAIN.match(key):
        return key
    if key[:1] == "~" and _PLAIN.match(key[1:]):
        return "0" + key[1:]
    return "x" + key.encode("utf-8").hex()


def index_text(keys: Iterable[str]) -> str:
    """The indexed text of a name's keys: their tokens, sorted, space-separated."""
    return " ".join(sorted({index_token(k) for k in keys}))


@dataclass(frozen=True)
class Candidate:
    """A statement that matched: the service groups these by entity and ranks them."""

    entity_id: str
    schema: str
    prop: str
    value: str


class SearchIndex:
    def __init__(self, session: Session) -> None:
        self.session = session
        bind = session.get_bind()
        self.postgres = bind.dialect.name == "postgresql"

    def add_names(self, rows: Sequence[tuple[int, str]]) -> None:
        """Index name keys: ``(statement pk, index_text(keys))`` pairs."""
        params = [(pk, keys) for pk, keys in rows if keys]
        key = "statement_pk" if self.postgres else "rowid"
        insert_rows(self.session.connection(), "search_names", (key, "keys"), params)

    def add_identifiers(self, rows: Sequence[tuple[int, str]]) -> None:
        """Index identifier keys: ``(statement pk, key)`` pairs."""
        insert_rows(self.session.connection(), "search_identifiers", ("statement_pk", "key"),
                    rows)

    def names(self, groups: Sequence[Iterable[str]], *, limit: int,
              schemata: Iterable[str] | None = None,
              include_retracted: bool = False) -> list[Candidate]:
        """Statements whose keys hold at least one key of every group (AND of ORs).

        ``schemata`` restricts hits to those schema names; retracted statements
        are left out unless ``include_retracted``.
        """
        tokens = [sorted({index_token(k) for k in group}) for group in groups]
        tokens = [group for group in tokens if group]
        if not tokens:
            return []
        filters, params = _filters(schemata, include_retracted)
        params["limit"] = limit
        if self.postgres:
            params["q"] = " & ".join(
                "(" + " | ".join(f"'{t}'" for t in group) + ")" for group in tokens)
            sql = (
                "SELECT s.entity_id, s.schema, s.prop, s.value FROM search_names f "
                "JOIN statements s ON s.pk = f.statement_pk "
                f"WHERE f.tsv @@ CAST(:q AS tsquery){filters} "
                "ORDER BY ts_rank(f.tsv, CAST(:q AS tsquery)) DESC, s.pk LIMIT :limit"
            )
        else:
            params["q"] = " AND ".join(
                "(" + " OR ".join(f'"{t}"' for t in group) + ")" for group in tokens)
            sql = (
                "SELECT s.entity_id, s.schema, s.prop, s.value FROM search_names "
                "JOIN statements s ON s.pk = search_names.rowid "
                f"WHERE search_names MATCH :q{filters} "
                "ORDER BY search_names.rank, s.pk LIMIT :limit"
            )
        return [Candidate(*row) for row in self.session.execute(text(sql), params)]

    def identifiers(self, keys: Iterable[str], *, limit: int, schemata: Iterable[str] | None = None,
                    include_retracted: bool = False) -> list[Candidate]:
        """Statements with exactly one of ``keys``."""
        wanted = sorted(set(keys))
        if not wanted:
            return []
        filters, params = _filters(schemata, include_retracted)
        names = []
        for i, key in enumerate(wanted):
            params[f"k{i}"] = key
            names.append(f":k{i}")
        params["limit"] = limit
        sql = (
            "SELECT s.entity_id, s.schema, s.prop, s.value FROM search_identifiers i "
            "JOIN statements s ON s.pk = i.statement_pk "
            f"WHERE i.key IN ({', '.join(names)}){filters} ORDER BY s.pk LIMIT :limit"
        )
        return [Candidate(*row) for row in self.session.execute(text(sql), params)]


def _filters(schemata: Iterable[str] | None,
             include_retracted: bool) -> tuple[str, dict[str, Any]]:
    """SQL conditions on the joined statement ``s`` (only in statements, never in text)."""
    sql = ""
    params: dict[str, Any] = {}
    if not include_retracted:
        sql += " AND s.retracted = :no"
        params["no"] = False
    if schemata is not None:
        names = sorted(set(schemata))
        for i, name in enumerate(names):
            params[f"s{i}"] = name
        if names:
            sql += " AND s.schema IN (" + ", ".join(f":s{i}" for i in range(len(names))) + ")"
        else:
            sql += " AND 1 = 0"
    return sql, params
