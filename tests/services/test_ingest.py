"""Bulk import: all or nothing, clear errors, stable ids, rejects, progress (both stores)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from accord.adapters.store import Store
from accord.domain.errors import InvalidInput
from accord.domain.registry import Registry, load_registry
from accord.services.ingest import export_jsonl, import_files

REPORT = {"kind": "report", "id": "CO-R1", "title": "Go-fast departure from Tumaco",
          "markings": {"tlp": "AMBER"}, "grading": "B2", "created": "2026-03-04T10:00:00Z"}
PERSON = {"kind": "entity", "id": "co-per-1", "schema": "Person", "report": "CO-R1",
          "properties": {"name": ["Joaquín GUZMÁN LOERA"], "phone": ["+57 300 123 4567"],
                         "birthDate": ["1957-04"]}}
ORG = {"kind": "entity", "id": "co-org-1", "schema": "Organization", "report": "CO-R1",
       "properties": {"name": ["Cartel del Pacífico"]}}
MEMBER = {"kind": "entity", "id": "co-mem-1", "schema": "Membership", "report": "CO-R1",
          "properties": {"member": ["co-per-1"], "organization": ["co-org-1"]}}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def write(path: Path, *lines: Any) -> Path:
    path.write_bytes(b"".join(
        (line if isinstance(line, bytes) else json.dumps(line, ensure_ascii=False).encode())
        + b"\n" for line in lines))
    return path


def counts(store: Store) -> tuple[int, ...]:
    with store.engine.connect() as conn:
        return tuple(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                     for table in ("reports", "report_versions", "statements",
                                   "search_names", "search_identifiers"))


NOTHING = (0, 0, 0, 0, 0)


def test_import_then_reimport_changes_nothing(store: Store, registry: Registry,
                                              tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", REPORT, PERSON, ORG, MEMBER)
    first = import_files(store, [path], origin="CO", registry=registry)
    assert (first.reports_new, first.entities, first.statements_new, first.rejected) == (
        1, 3, 6, 0)
    before = counts(store)
    again = import_files(store, [path], origin="CO", registry=registry)
    assert (again.reports_new, again.reports_unchanged, again.statements_new,
            again.statements_unchanged, again.statements_updated) == (0, 1, 0, 6, 0)
    assert counts(store) == before == (1, 1, 6, 2, 1)


def test_changed_markings_update_statements_and_new_report_version(
        store: Store, registry: Registry, tmp_path: Path) -> None:
    import_files(store, [write(tmp_path / "a.jsonl", REPORT, PERSON)], origin="CO",
                 registry=registry)
    red = {**PERSON, "markings": {"tlp": "RED"}}
    retitled = {**REPORT, "title": "Go-fast departure from Tumaco (revised)"}
    result = import_files(store, [write(tmp_path / "b.jsonl", retitled, red)], origin="CO",
                          registry=registry)
    assert (result.reports_updated, result.statements_updated) == (1, 3)
    with store.unit_of_work(write=False) as uow:
        assert [r.version for r in uow.reports.history("CO-R1")] == [1, 2]
        assert {s.marking.tlp.value for s in uow.statements.for_entity("co-per-1")} == {"RED"}


def test_export_then_import_into_a_fresh_store_gives_identical_statements(
        store: Store, registry: Registry, tmp_path: Path) -> None:
    seen = {**ORG, "first_seen": "2026-03-01T00:00:00Z", "last_seen": "2026-03-02T00:00:00Z",
            "markings": {"tlp": "RED", "handling": ["H2"]}, "grading": "A1"}
    import_files(store, [write(tmp_path / "in.jsonl", REPORT, PERSON, seen, MEMBER)],
                 origin="CO", registry=registry)
    out = io.StringIO()
    exported = export_jsonl(store, out)
    assert (exported.reports, exported.statements) == (1, 6)
    dump = tmp_path / "export.jsonl"
    dump.write_text(out.getvalue(), encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    from accord.adapters.store import open_store

    other = open_store(f"sqlite:///{fresh}")
    import_files(other, [dump], origin="XX", registry=registry)

    def everything(s: Store) -> list[Any]:
        with s.unit_of_work(write=False) as uow:
            return sorted((st.id, st) for eid in ("co-per-1", "co-org-1", "co-mem-1")
                          for st in uow.statements.for_entity(eid))

    assert everything(other) == everything(store)
    phone = [st for _, st in everything(other) if st.prop == "phone"]
    assert phone[0].value == "+573001234567" and phone[0].original_value == "+57 300 123 4567"
    second = io.StringIO()
    export_jsonl(other, second)
    assert second.getvalue() == out.getvalue()
    other.close()


def test_progress_reports_bytes_over_both_passes(store: Store, registry: Registry,
                                                 tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", REPORT, PERSON)
    calls: list[tuple[int, int]] = []
    import_files(store, [path], origin="CO", registry=registry,
                 progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert calls[-1] == (2 * size, 2 * size)


# -- bad input: each names where and why, and nothing is written -------------------------

BAD_CASES: dict[str, tuple[list[Any], str]] = {
    "malformed JSON": ([REPORT, b'{"kind": "entity", "id": '],
                       "in.jsonl:2: not valid JSON: "),
    "not an object": ([REPORT, b"[1, 2]"], "in.jsonl:2: a line must be a JSON object, not an "
                                          "array"),
    "wrong encoding": ([REPORT, b'{"kind": "entity", "id": "caf\xe9"}'],
                       "in.jsonl:2: encoding: not valid UTF-8: byte 0xe9 at byte 30"),
    "unknown schema": ([REPORT, {**PERSON, "schema": "Persn"}],
                       "in.jsonl:2: schema: unknown schema 'Persn' (did you mean 'Person'?)"),
    "unknown property": ([REPORT, {**PERSON, "properties": {"name": ["X"], "nmae": ["Y"]}}],
                         "in.jsonl:2: properties.nmae: schema Person has no property 'nmae'"),
    "invalid phone": ([REPORT, {**PERSON, "properties": {"name": ["X"], "phone": ["12"]}}],
                      "in.jsonl:2: properties.phone[0]: '12' is not a valid phone number"),
    "invalid IBAN": ([REPORT, {"kind": "entity", "id": "a1", "schema": "Account",
                               "report": "CO-R1",
                               "properties": {"iban": ["DE89 3704 0044 0532 0130 01"]}}],
                     "in.jsonl:2: properties.iban[0]: 'DE89 3704 0044 0532 0130 01' is not a "
                     "valid IBAN"),
    "invalid IMO": ([REPORT, {"kind": "entity", "id": "v1", "schema": "Vessel",
                              "report": "CO-R1",
                              "properties": {"name": ["Sea"], "imoNumber": ["IMO 9074728"]}}],
                    "in.jsonl:2: properties.imoNumber[0]: 'IMO 9074728' is not a valid IMO "
                    "number: wrong check digit"),
    "invalid date": ([REPORT, {**PERSON, "properties": {"name": ["X"],
                                                        "birthDate": ["04/05/1957"]}}],
                     "in.jsonl:2: properties.birthDate[0]: '04/05/1957' is not a valid date: "
                     "day and month order is ambiguous"),
    "invalid country": ([REPORT, {**PERSON, "properties": {"name": ["X"],
                                                           "nationality": ["Atlantis"]}}],
                        "in.jsonl:2: properties.nationality[0]: 'Atlantis' is not a valid"),
    "missing required property": ([REPORT, {**PERSON, "properties": {"birthDate": ["1957"]}}],
                                  "in.jsonl:2: properties.name: required property 'name' of "
                                  "Person is missing"),
    "link to unknown entity": ([REPORT, PERSON, MEMBER],
                               "in.jsonl:3: properties.organization: links to unknown entity "
                               "'co-org-1' (not in this input nor in the store)"),
    "link to wrong type": ([REPORT, PERSON, {**MEMBER, "properties": {
        "member": ["co-per-1"], "organization": ["co-per-1"]}}],
        "in.jsonl:3: properties.organization: 'co-per-1' is a Person, but this property "
        "links to an Organization"),
    "missing report reference": ([REPORT, {**PERSON, "report": "CO-R9"}],
                                 "in.jsonl:2: report: unknown report 'CO-R9': define it on an "
                                 "earlier line or import it first"),
    "entity id twice with different schema": (
        [REPORT, PERSON, {**ORG, "id": "co-per-1"}],
        "in.jsonl:3: schema: entity 'co-per-1' is a Person on "),
    "entity id twice, the second an Organization": (
        [REPORT, {**ORG, "id": "co-x"}, {**PERSON, "id": "co-x"}],
        "in.jsonl:3: schema: entity 'co-x' is an Organization on "),
    "report id twice with different content": (
        [REPORT, {**REPORT, "title": "Other"}],
        "in.jsonl:2: id: report 'CO-R1' is already defined on "),
    "report without title": ([{"kind": "report", "id": "R"}],
                             "in.jsonl:1: title: title is required"),
    "unknown kind": ([{"kind": "memo"}], "in.jsonl:1: kind: a line needs \"kind\": \"report\""),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_rejected_whole_with_where_and_why(
        case: str, store: Store, registry: Registry, tmp_path: Path) -> None:
    lines, message = BAD_CASES[case]
    path = write(tmp_path / "in.jsonl", *lines)
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{tmp_path}/{message}") for m in messages), messages
    assert "nothing was written" in str(caught.value)
    assert counts(store) == NOTHING


def test_oversize_line_is_named_and_nothing_written(store: Store, registry: Registry,
                                                    tmp_path: Path) -> None:
    big = {**PERSON, "properties": {"name": ["x" * 5000]}}
    path = write(tmp_path / "in.jsonl", REPORT, big, ORG)
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry, max_line_bytes=4096)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: line is longer than 4096 bytes (the limit); split the record or raise "
        "the limit"]
    assert counts(store) == NOTHING


def test_link_to_an_entity_already_in_the_store_is_fine(store: Store, registry: Registry,
                                                        tmp_path: Path) -> None:
    import_files(store, [write(tmp_path / "a.jsonl", REPORT, PERSON, ORG)], origin="CO",
                 registry=registry)
    result = import_files(store, [write(tmp_path / "b.jsonl", MEMBER)], origin="CO",
                          registry=registry)
    assert result.statements_new == 2


def test_forward_links_within_the_file_are_fine(store: Store, registry: Registry,
                                                tmp_path: Path) -> None:
    result = import_files(store, [write(tmp_path / "a.jsonl", REPORT, MEMBER, PERSON, ORG)],
                          origin="CO", registry=registry)
    assert result.statements_new == 6


def test_problems_are_listed_up_to_the_limit(store: Store, registry: Registry,
                                             tmp_path: Path) -> None:
    bad = [{**PERSON, "id": f"p{i}", "properties": {"name": ["X"], "phone": ["1"]}}
           for i in range(8)]
    path = write(tmp_path / "in.jsonl", REPORT, *bad)
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry, max_problems=5)
    assert len(caught.value.problems) == 5 and caught.value.truncated
    assert str(caught.value).splitlines()[-1] == "(more problems not shown)"
    assert counts(store) == NOTHING


def test_skip_invalid_writes_good_lines_and_rejects_bad_ones_with_reasons(
        store: Store, registry: Registry, tmp_path: Path) -> None:
    bad_phone = {**ORG, "id": "co-org-2", "properties": {"name": ["Y"], "phone": ["12"]}}
    path = write(tmp_path / "in.jsonl", REPORT, PERSON, b"{oops", bad_phone,
                 b"\xff\xfe", ORG)
    rejects = tmp_path / "rejects.jsonl"
    result = import_files(store, [path], origin="CO", registry=registry, skip_invalid=True,
                          rejects_path=rejects)
    assert (result.rejected, result.statements_new, result.rejects_path) == (
        3, 4, str(rejects))
    rejected = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [r["line"] for r in rejected] == [3, 4, 5]
    assert rejected[0]["original"] == "{oops"
    assert rejected[1]["problems"][0]["field"] == "properties.phone[0]"
    assert "'12' is not a valid phone number" in rejected[1]["message"]
    assert rejected[2]["original"] == "\\xff\\xfe"


def test_skip_invalid_rejects_links_to_rejected_entities(store: Store, registry: Registry,
                                                         tmp_path: Path) -> None:
    bad_org = {**ORG, "properties": {"name": ["Y"], "country": ["Atlantis"]}}
    path = write(tmp_path / "in.jsonl", REPORT, PERSON, bad_org, MEMBER)
    result = import_files(store, [path], origin="CO", registry=registry, skip_invalid=True)
    assert result.rejected == 2
    assert result.rejects_path == f"{path}.rejects.jsonl"


def test_missing_file_is_named(store: Store, registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="nope.jsonl: no such file"):
        import_files(store, [tmp_path / "nope.jsonl"], origin="CO", registry=registry)


def test_inputs_larger_than_a_batch_are_written_whole(store: Store, registry: Registry,
                                                      tmp_path: Path) -> None:
    people = [{"kind": "entity", "id": f"p{i}", "schema": "Person", "report": "CO-R1",
               "properties": {"name": [f"Persona {i}"], "alias": [f"Alias {i}"],
                              "phone": [f"+57 300 {2000000 + i}"],
                              "passportNumber": [f"AB{i:06d}"]}}
              for i in range(600)]
    path = write(tmp_path / "big.jsonl", REPORT, *people)
    result = import_files(store, [path], origin="CO", registry=registry)
    assert (result.entities, result.statements_new) == (600, 2400)
    assert counts(store) == (1, 1, 2400, 1200, 1200)
    again = import_files(store, [path], origin="CO", registry=registry)
    assert (again.statements_new, again.statements_unchanged) == (0, 2400)


def test_retracted_reports_round_trip_and_stay_hidden(store: Store, registry: Registry,
                                                      tmp_path: Path) -> None:
    from accord.adapters.store import open_store
    from accord.services.reports import retract_report
    from accord.services.search import search

    import_files(store, [write(tmp_path / "in.jsonl", REPORT, PERSON)], origin="CO",
                 registry=registry)
    retract_report(store, "CO-R1", reason="source withdrawn")
    out = io.StringIO()
    export_jsonl(store, out)
    assert json.loads(out.getvalue().splitlines()[0])["status"] == "retracted"
    dump = tmp_path / "export.jsonl"
    dump.write_text(out.getvalue(), encoding="utf-8")
    other = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    import_files(other, [dump], origin="XX", registry=registry)
    assert search(other, "Joaquin Guzman", registry=registry) == []
    assert [h.entity_id for h in search(other, "Joaquin Guzman", registry=registry,
                                        include_retracted=True)] == ["co-per-1"]
    other.close()
