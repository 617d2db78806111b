"""CSV import with a YAML mapping: the same checks as JSONL, errors name line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from accord.adapters.store import Store
from accord.domain.errors import InvalidInput
from accord.domain.registry import Registry, load_registry
from accord.interop.csv_mapping import load_mapping
from accord.services.ingest import import_files

MAPPING = """\
schema: Person
id: "co-per-{ref}"
report:
  id: CO-CSV-1
  title: Persons of interest, Tumaco
  markings: {tlp: AMBER}
  grading: B2
columns:
  full_name: name
  aliases: alias
  mobile: phone
  born: birthDate
separator: ";"
"""
CSV = """\
ref,full_name,aliases,mobile,born,ignored
1,Joaquín Guzmán Loera,El Chapo;El Rápido,+57 300 123 4567,1957-04,x
2,"Ismael ""El Mayo"" Zambada",,,1948,
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def files(tmp_path: Path, csv_text: str = CSV, mapping: str = MAPPING) -> Path:
    (tmp_path / "people.yaml").write_text(mapping, encoding="utf-8")
    path = tmp_path / "people.csv"
    path.write_text(csv_text, encoding="utf-8")
    return path


def statement_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM statements")).scalar_one())


def test_csv_rows_become_entities_of_the_mapped_report(store: Store, registry: Registry,
                                                       tmp_path: Path) -> None:
    result = import_files(store, [files(tmp_path)], origin="CO", registry=registry)
    assert (result.reports_new, result.entities, result.statements_new) == (1, 2, 7)
    with store.unit_of_work(write=False) as uow:
        chapo = {(s.prop, s.value) for s in uow.statements.for_entity("co-per-1")}
        mayo = uow.statements.for_entity("co-per-2")
    assert ("alias", "El Rápido") in chapo and ("phone", "+573001234567") in chapo
    assert {(s.prop, s.value) for s in mayo} == {("name", 'Ismael "El Mayo" Zambada'),
                                                 ("birthDate", "1948")}
    assert {s.report_id for s in mayo} == {"CO-CSV-1"}
    again = import_files(store, [files(tmp_path)], origin="CO", registry=registry)
    assert (again.statements_new, again.statements_unchanged) == (0, 7)


def test_bad_cells_name_the_line_and_column_and_nothing_is_written(
        store: Store, registry: Registry, tmp_path: Path) -> None:
    bad = CSV + "3,,,12,1957-13-01,\n4,Ok Name,,,04/05/1957,\n"
    path = files(tmp_path, bad)
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:4: mobile[0]: '12' is not a valid phone number: "
        "no country code (+CC) and no country to read it in",
        f"{path}:4: born[0]: '1957-13-01' is not a valid date: month 13 is out of range (1-12)",
        f"{path}:4: full_name: required property 'name' of Person is missing",
        f"{path}:5: born[0]: '04/05/1957' is not a valid date: day and month order is "
        "ambiguous; write YYYY-MM-DD",
    ]
    assert statement_count(store) == 0


def test_malformed_csv_and_encoding_are_named(store: Store, registry: Registry,
                                              tmp_path: Path) -> None:
    path = files(tmp_path)
    path.write_bytes(CSV.encode() + b"3,Caf\xe9,,,,\n4,\"unclosed,,,,\n")
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == (f"{path}:4: encoding: not valid UTF-8: byte 0xe9 at byte 6 of the "
                           "line (save the file as UTF-8)")
    assert messages[1].startswith(f"{path}:5: not valid CSV: ")
    assert statement_count(store) == 0


def test_wrong_number_of_fields(store: Store, registry: Registry, tmp_path: Path) -> None:
    path = files(tmp_path, CSV + "3,A B\n")
    with pytest.raises(InvalidInput, match="people.csv:4: the row has 2 fields, the header 6"):
        import_files(store, [path], origin="CO", registry=registry)
    assert statement_count(store) == 0


def test_missing_header_columns_are_named(store: Store, registry: Registry,
                                          tmp_path: Path) -> None:
    path = files(tmp_path, "ref,full_name\n1,X\n")
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry)
    assert f"{path}:1: header: column 'aliases' (named in " in str(caught.value)
    assert statement_count(store) == 0


def test_a_column_named_twice_in_the_header_is_refused(store: Store, registry: Registry,
                                                       tmp_path: Path) -> None:
    path = files(tmp_path, "ref,full_name,aliases,mobile,born,full_name\n1,Ana,,,,Ana B\n")
    with pytest.raises(InvalidInput) as caught:
        import_files(store, [path], origin="CO", registry=registry)
    assert f"{path}:1: header: column 'full_name' appears more than once" in str(caught.value)
    assert statement_count(store) == 0


def test_broken_mapping_yaml_names_its_line(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("schema: Person\ncolumns: {a: name\nreport: R\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_mapping(path, registry)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}:3: not a valid YAML file:"), str(problem)


@pytest.mark.parametrize(("mapping", "message"), [
    ("schema: Persn\nid_column: ref\nreport: R\ncolumns: {a: name}\n",
     "schema: unknown schema 'Persn' (did you mean 'Person'?)"),
    ("schema: Person\nid_column: ref\nreport: R\ncolumns: {a: nmae}\n",
     "columns.a: schema Person has no property 'nmae'"),
    ("schema: Person\nreport: R\ncolumns: {a: name}\n", "id: give either id_column"),
    ("schema: Person\nid: fixed\nreport: R\ncolumns: {a: name}\n",
     "id: the id template must use at least one {column}"),
    ("schema: Person\nid_column: ref\ncolumns: {a: name}\n", "report: give the report"),
    ("schema: Person\nid_column: ref\nreport: R\ncolumns: {a: name}\ncolour: red\n",
     "unknown key(s): colour"),
    ("- just\n- a list\n", "a mapping file is a YAML mapping"),
])
def test_mapping_problems_are_named(tmp_path: Path, registry: Registry, mapping: str,
                                    message: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(mapping, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_mapping(path, registry)
    assert any(str(p).startswith(f"{path}: {message}") for p in caught.value.problems), (
        [str(p) for p in caught.value.problems])


def test_csv_without_mapping_says_how_to_give_one(store: Store, registry: Registry,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="x.csv: a CSV file needs a mapping file"):
        import_files(store, [path], origin="CO", registry=registry)


def test_rows_can_join_an_existing_report_by_id(store: Store, registry: Registry,
                                                tmp_path: Path) -> None:
    import_files(store, [files(tmp_path)], origin="CO", registry=registry)
    mapping = MAPPING.split("report:")[0] + "report: CO-CSV-1\ncolumns: {full_name: name}\n"
    more = tmp_path / "more"
    more.mkdir()
    path = files(more, "ref,full_name\n9,Rafael Caro Quintero\n", mapping)
    assert import_files(store, [path], origin="CO", registry=registry).statements_new == 1
