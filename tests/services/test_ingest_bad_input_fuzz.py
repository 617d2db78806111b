"""Generated bad input for the importer's parsing: refused with a problem, never a crash.

Whatever a line holds (broken JSON, other JSON values, odd types in every
field, NUL characters, surrogates, times past the clock), reading and checking
it either succeeds or names ``file:line: field: reason``; an import either
writes everything or raises ``InvalidInput`` and writes nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from accord.adapters.store import Store, open_store
from accord.domain.errors import InvalidInput, InvalidValue
from accord.domain.registry import Registry, load_registry
from accord.domain.report import Report
from accord.interop.jsonl import read_jsonl
from accord.interop.lines import SourceRecord
from accord.services.ingest import import_files
from accord.services.ingest_records import ReportInfo, parse_entity

REGISTRY: Registry = load_registry()
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

_odd_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "9999-12-31T23:59:59-23:00",
                     "0001-01-01T00:00:00+01:00", "1961-13-45", "+57 12", "Person", "R1",
                     "p1", "B2", "AMBER", "IMO 9321484", "GB00 WEST 1234 5698 7654 32"]))
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     _odd_text)
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_odd_text, inner, max_size=3)), max_leaves=8)

_REPORT_FIELDS = ["id", "title", "narrative", "purpose", "markings", "grading", "review_date",
                  "created", "updated", "version", "status", "origin", "kind", "bogus"]
_ENTITY_FIELDS = ["id", "schema", "report", "properties", "markings", "grading", "first_seen",
                  "last_seen", "originals", "kind", "extra"]
_PROPS = ["name", "phone", "birthDate", "nationality", "notes", "iban", "imoNumber", "email",
          "shoeSize", "no\x00te"]


def _record(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(fields), _json, max_size=6)


_properties = st.dictionaries(st.sampled_from(_PROPS), st.one_of(
    st.lists(_odd_text, max_size=3), _json), max_size=4)
_entities = st.builds(lambda base, props: {**base, "properties": props},
                      _record(_ENTITY_FIELDS), _properties)


@FUZZ
@given(_record(_REPORT_FIELDS))
def test_report_parsing_refuses_with_invalid_value_only(raw: dict[str, Any]) -> None:
    try:
        report = Report.from_dict(raw, origin="mx-test")
    except InvalidValue as exc:
        assert exc.where and exc.where.startswith("report") and exc.message
        return
    report.to_dict()  # what is accepted can be written out again


@FUZZ
@given(_entities, st.booleans())
def test_entity_parsing_names_every_problem(record: dict[str, Any], known: bool) -> None:
    info = ReportInfo.of(Report("R1", "mx-test", "t")) if known else None
    src = SourceRecord("in.jsonl:2", 2, b"", 0, record)
    parsed = parse_entity(src, record, registry=REGISTRY, report=info, country="MX")
    for problem in parsed.problems:
        assert problem.where == "in.jsonl:2" and problem.reason
    if not parsed.problems:
        for statement in parsed.statements:
            statement.value.encode("utf-8")
            assert "\x00" not in statement.value


_lines = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"", b"   ", b"\xef\xbb\xbf{}", b"{", b"[]", b"null", b"1", b'"s"',
                     b'{"kind": "report"}', b"\xff\xfe{}", b'{"a": "\\ud800"}',
                     b'{"kind": "report", "id": "R1", "title": "\\u0000"}']),
    _entities.map(lambda r: json.dumps({"kind": "entity", "report": "R1", **r}).encode()),
    _record(_REPORT_FIELDS).map(lambda r: json.dumps({"kind": "report", **r}).encode()),
)


def test_read_jsonl_survives_every_line(tmp_path: Path) -> None:
    @FUZZ
    @given(st.lists(_lines, max_size=5))
    def check(lines: list[bytes]) -> None:
        path = tmp_path / "in.jsonl"
        path.write_bytes(b"\n".join(lines))
        for record in read_jsonl(path):
            assert (record.record is None) == bool(record.problems)
            assert all(p.where == f"{path}:{record.line}" for p in record.problems)

    check()


@pytest.fixture
def sqlite_store(_migrated_sqlite: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "fuzz.db"
    shutil.copyfile(_migrated_sqlite, path)
    store = open_store(f"sqlite:///{path}")
    yield store
    store.close()


def _rows(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (int(conn.execute(text("SELECT count(*) FROM reports")).scalar_one()),
                int(conn.execute(text("SELECT count(*) FROM statements")).scalar_one()))


def test_import_is_all_or_nothing_whatever_the_lines(sqlite_store: Store,
                                                     tmp_path: Path) -> None:
    header = json.dumps({"kind": "report", "id": "R1", "title": "t"}).encode()

    @settings(FUZZ, max_examples=60)
    @given(st.lists(_lines, min_size=1, max_size=4))
    def check(lines: list[bytes]) -> None:
        path = tmp_path / "in.jsonl"
        path.write_bytes(b"\n".join([header, *lines]))
        before = _rows(sqlite_store)
        try:
            import_files(sqlite_store, [path], origin="mx-test", registry=REGISTRY,
                         country="MX", rejects_path=tmp_path / "rejects.jsonl")
        except InvalidInput as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.where.startswith(f"{path}:") and problem.reason
            assert _rows(sqlite_store) == before

    check()


_csv_cells = st.one_of(st.text(max_size=8), st.sampled_from(
    ["", '"', '""', "a,b", "\x00", "+57 12", "1961-13-45", "\r", "x\ny"]))
_csv_rows = st.lists(st.lists(_csv_cells, min_size=0, max_size=4), max_size=4)


def test_csv_import_is_all_or_nothing_whatever_the_rows(sqlite_store: Store,
                                                        tmp_path: Path) -> None:
    mapping = tmp_path / "people.yaml"
    mapping.write_text('schema: Person\nid: "x-{ref}"\ncolumns:\n  name: name\n'
                       "  phone: phone\n  birth: birthDate\nreport:\n  id: CSV-R1\n"
                       "  title: t\n", encoding="utf-8")

    @settings(FUZZ, max_examples=60)
    @given(_csv_rows, st.binary(max_size=20))
    def check(rows: list[list[str]], tail: bytes) -> None:
        path = tmp_path / "people.csv"
        body = "".join(",".join(row) + "\n" for row in rows).encode("utf-8", "surrogatepass")
        path.write_bytes(b"ref,name,phone,birth\n" + body + tail)
        before = _rows(sqlite_store)
        try:
            import_files(sqlite_store, [path], origin="mx-test", registry=REGISTRY,
                         country="MX", mapping=mapping)
        except InvalidInput as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.where.startswith(f"{path}:") and problem.reason
            assert _rows(sqlite_store) == before

    check()
