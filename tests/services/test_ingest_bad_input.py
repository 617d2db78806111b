"""Values a store cannot hold are refused up front, naming the field (both stores).

PostgreSQL text refuses NUL characters and UTF-8 has no form for a lone
surrogate; a number or time past the clock's range has no UTC form. Each must
be refused as the input's problem, never reach the store and fail there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from accord.adapters.store import Store
from accord.domain.errors import InvalidInput, InvalidValue, NotFound
from accord.domain.registry import Registry, load_registry
from accord.domain.users import Role
from accord.services.ingest import import_files
from accord.services.reports import create_report, get_report, update_report
from accord.services.users import add_user, create_token, list_tokens


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def _entity(props: dict[str, Any], id: str = "p1", **extra: Any) -> dict[str, Any]:
    return {"id": id, "schema": "Person", "properties": props, **extra}


# name -> (document, where, field, start of the reason)
BAD_DOCUMENTS: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "NUL in the title": ({"title": "a\x00b"}, "report", "title", "contains a NUL character"),
    "NUL in the narrative": ({"title": "t", "narrative": "x\x00"}, "report", "narrative",
                             "contains a NUL character"),
    "NUL in the id": ({"id": "R\x00", "title": "t"}, "report", "id",
                      "contains a NUL character"),
    "surrogate in the title": ({"title": "\ud800"}, "report", "title",
                               "contains a lone surrogate (U+D800)"),
    "non-string narrative": ({"title": "t", "narrative": {"a": 1}}, "report", "narrative",
                             "must be a string, not dict"),
    "version not a number": ({"title": "t", "version": "abc"}, "report", "version",
                             "'abc' is not a version"),
    "version a list": ({"title": "t", "version": [1]}, "report", "version",
                       "[1] is not a version"),
    "created past the clock": ({"title": "t", "created": "9999-12-31T23:59:59-23:00"},
                               "report", "created", "'9999-12-31T23:59:59-23:00' is not an"),
    "NUL in a property value": ({"title": "t", "entities": [_entity(
        {"name": ["A"], "notes": ["x\x00y"]})]}, "entities[0]", "properties.notes[0]",
        "contains a NUL character"),
    "NUL in a name": ({"title": "t", "entities": [_entity({"name": ["A\x00B"]})]},
                      "entities[0]", "properties.name[0]", "contains a NUL character"),
    "NUL in a property name": ({"title": "t", "entities": [_entity(
        {"name": ["A"], "no\x00tes": ["x"]})]}, "entities[0]", "properties.no\\x00tes",
        "name contains a NUL character"),
    "NUL in an entity id": ({"title": "t", "entities": [_entity({"name": ["A"]},
                                                                 id="p\x001")]},
                            "entities[0]", "id", "contains a NUL character"),
    "surrogate in an entity id": ({"title": "t", "entities": [_entity({"name": ["A"]},
                                                                       id="p\udc00")]},
                                  "entities[0]", "id", "contains a lone surrogate"),
    "first_seen past the clock": ({"title": "t", "entities": [_entity(
        {"name": ["A"]}, first_seen="0001-01-01T00:00:00+01:00")]}, "entities[0]",
        "first_seen", "'0001-01-01T00:00:00+01:00' is not an ISO 8601 time"),
}


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_bad_report_documents_are_refused_naming_the_field(
        store: Store, registry: Registry, name: str) -> None:
    document, where, field, reason = BAD_DOCUMENTS[name]
    with pytest.raises(InvalidInput) as caught:
        create_report(store, document, origin="mx-test", registry=registry, country="MX")
    (problem,) = caught.value.problems
    assert (problem.where, problem.field) == (where, field)
    assert problem.reason.startswith(reason), problem.reason
    assert _count(store, "reports") == 0 and _count(store, "statements") == 0


def test_an_update_with_a_nul_is_refused_and_the_report_kept(
        store: Store, registry: Registry) -> None:
    create_report(store, {"id": "R1", "title": "t", "entities": [_entity({"name": ["A"]})]},
                  origin="mx-test", registry=registry)
    with pytest.raises(InvalidInput, match="contains a NUL character"):
        update_report(store, "R1", {"title": "t", "entities": [_entity({"name": ["A\x00"]})]},
                      registry=registry)
    kept = get_report(store, "R1")
    assert kept.report.version == 1 and [s.value for s in kept.statements] == ["A"]


def test_reading_an_id_with_a_nul_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        get_report(store, "R\x00")


def _jsonl(path: Path, *records: dict[str, Any]) -> Path:
    # ensure_ascii keeps NUL and surrogates as \u escapes, as a client would send them.
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


REPORT = {"kind": "report", "id": "R1", "title": "t"}


def test_import_refuses_a_nul_naming_line_and_field(store: Store, registry: Registry,
                                                    tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", REPORT,
                  {"kind": "entity", "id": "p1", "schema": "Person", "report": "R1",
                   "properties": {"name": ["A"], "notes": ["x\x00"]}},
                  {"kind": "entity", "id": "p2", "schema": "Person", "report": "R\x00",
                   "properties": {"name": ["B"]}})
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="mx-test", registry=registry)
    found = [(p.where, p.field, p.reason.split(" (")[0]) for p in caught.value.problems]
    assert found == [(f"{path}:2", "properties.notes[0]", "contains a NUL character"),
                     (f"{path}:3", "report", "contains a NUL character")]
    assert _count(store, "reports") == 0 and _count(store, "statements") == 0


def test_import_skip_invalid_rejects_the_nul_line_and_writes_the_rest(
        store: Store, registry: Registry, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", REPORT,
                  {"kind": "entity", "id": "p\x00", "schema": "Person", "report": "R1",
                   "properties": {"name": ["A"]}},
                  {"kind": "entity", "id": "p2", "schema": "Person", "report": "R1",
                   "properties": {"name": ["B"]}})
    rejects = tmp_path / "rejects.jsonl"
    result = import_files(store, [path], origin="mx-test", registry=registry,
                          skip_invalid=True, rejects_path=rejects)
    assert result.rejected == 1 and result.statements_new == 1
    (reject,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert reject["line"] == 2 and reject["problems"][0]["field"] == "id"


def test_token_labels_and_user_names_with_a_nul(store: Store) -> None:
    add_user(store, "ana", Role.ANALYST)
    with pytest.raises(InvalidValue, match="NUL") as caught:
        create_token(store, "ana", label="x\x00")
    assert caught.value.where == "label"
    with pytest.raises(InvalidValue, match="NUL"):
        add_user(store, "bob", Role.ANALYST, token_label="\x00")
    with pytest.raises(NotFound):
        create_token(store, "a\x00")
    with pytest.raises(NotFound):
        list_tokens(store, "a\x00")
    assert [t.user for t in list_tokens(store)] == ["ana"]
