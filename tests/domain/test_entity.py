"""build_statements (validation of one entity) and Entity (a view over statements)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.domain.entity import Entity, build_statements
from accord.domain.errors import Problem, SchemaError
from accord.domain.grading import Grading
from accord.domain.markings import TLP, HandlingCode, Marking
from accord.domain.registry import Registry, load_registry
from accord.domain.statement import Statement


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def build(registry: Registry, schema: str, properties: dict[str, object], *,
          entity_id: str = "co-per-1", report: str = "R1", origin: str = "co",
          marking: Marking = Marking.DEFAULT, country: str | None = None,
          ) -> tuple[list[Statement], list[Problem]]:
    return build_statements(
        registry, entity_id=entity_id, schema=schema, properties=properties, report_id=report,
        origin=origin, marking=marking, grading=Grading.parse("B2"), country=country,
        first_seen=datetime(2026, 3, 1, tzinfo=UTC), where="in.jsonl:7")


def test_valid_entity_normalises_and_keeps_originals(registry: Registry) -> None:
    statements, problems = build(registry, "Person", {
        "name": ["Joaquín Guzmán Loera", "  Joaquín  Guzmán Loera "],
        "birthDate": ["1957-04"], "nationality": ["Mexico"],
        "phone": ["(300) 123-4567"],
    }, country="co")
    assert problems == []
    got = {(s.prop, s.value, s.original_value) for s in statements}
    assert got == {
        ("name", "Joaquín Guzmán Loera", None),
        ("birthDate", "1957-04", None),
        ("nationality", "mx", "Mexico"),
        ("phone", "+573001234567", "(300) 123-4567"),
    }
    first = statements[0]
    assert (first.entity_id, first.schema, first.report_id, first.origin) == (
        "co-per-1", "Person", "R1", "co")
    assert first.grading == Grading.parse("B2")
    assert first.first_seen == datetime(2026, 3, 1, tzinfo=UTC)


def test_all_problems_are_collected(registry: Registry) -> None:
    statements, problems = build(registry, "Person", {
        "phone": ["+57 300 123 4567", "+57 300", 42],
        "email": "ana@example.com",
        "birthDate": ["2026-13-01"],
        "nationality": ["Narnia"],
        "shoeSize": ["44"],
    })
    assert [str(p) for p in problems] == [
        "in.jsonl:7: properties.phone[1]: '+57 300' is not a valid phone number: too short",
        "in.jsonl:7: properties.phone[2]: must be a string, not int 42",
        "in.jsonl:7: properties.email: must be a list of strings, not a string "
        "(write ['ana@example.com'])",
        "in.jsonl:7: properties.birthDate[0]: '2026-13-01' is not a valid date: "
        "month 13 is out of range (1-12)",
        "in.jsonl:7: properties.nationality[0]: 'Narnia' is not a valid country: "
        "not an ISO 3166 code (co, COL) or country name",
        "in.jsonl:7: properties.shoeSize: schema Person has no property 'shoeSize'",
        "in.jsonl:7: properties.name: required property 'name' of Person is missing",
    ]
    assert [s.value for s in statements] == ["+573001234567"]  # the caller writes nothing


def test_unknown_schema_stops_early(registry: Registry) -> None:
    statements, problems = build(registry, "Persn", {"name": ["A"]})
    assert statements == []
    assert problems == [Problem("in.jsonl:7", "schema",
                                "unknown schema 'Persn' (did you mean 'Person'?)")]


def test_abstract_schema_and_bad_id(registry: Registry) -> None:
    _, problems = build(registry, "LegalEntity", {"name": ["A"]}, entity_id="co per 1")
    assert [p.field for p in problems] == ["id", "schema"]
    assert problems[0].reason == "entity id 'co per 1' contains whitespace"
    assert problems[1].reason == ("schema LegalEntity is abstract; use one of: "
                                  "Company, Organization, Person")


def test_properties_must_be_an_object(registry: Registry) -> None:
    _, problems = build(registry, "Person", ["name"])  # type: ignore[arg-type]
    assert problems[-1].reason == "must be an object mapping property names to lists of strings"


def test_empty_entity_and_empty_required(registry: Registry) -> None:
    _, problems = build(registry, "Vehicle", {})
    assert [str(p) for p in problems] == [
        "in.jsonl:7: properties: an entity needs at least one property value"]
    _, problems = build(registry, "Membership", {"member": ["p1"], "organization": []})
    assert [p.reason for p in problems] == [
        "required property 'organization' of Membership is missing"]


def test_duplicate_values_give_one_statement(registry: Registry) -> None:
    statements, problems = build(registry, "Vessel", {
        "imoNumber": ["IMO 9074729", "9074729"], "name": ["Mar Azul"]})
    assert problems == []
    assert [(s.prop, s.value) for s in statements] == [("imoNumber", "9074729"),
                                                       ("name", "Mar Azul")]


def test_statement_ids_are_stable(registry: Registry) -> None:
    first, _ = build(registry, "Vessel", {"imoNumber": ["IMO 9074729"]})
    again, _ = build(registry, "Vessel", {"imoNumber": ["9074729"]})
    assert [s.id for s in first] == [s.id for s in again]


def test_link_entities_reference_ids_without_checking_them(registry: Registry) -> None:
    statements, problems = build(registry, "Membership", {
        "member": ["co-per-1"], "organization": ["co-org-9"], "role": ["financier"]},
        entity_id="co-mem-1")
    assert problems == []
    assert {s.prop for s in statements} == {"member", "organization", "role"}


# --- Entity --------------------------------------------------------------------------------

def statement(prop: str, value: str, *, schema: str = "Person", origin: str = "co",
              report: str = "R1", marking: Marking = Marking.DEFAULT) -> Statement:
    return Statement(entity_id="e1", schema=schema, prop=prop, value=value,
                     report_id=report, origin=origin, marking=marking)


def test_entity_from_statements(registry: Registry) -> None:
    red = Marking(tlp=TLP.RED, handling=frozenset({HandlingCode.H2}))
    entity = Entity.from_statements(registry, [
        statement("name", "Joaquín Guzmán", schema="LegalEntity"),
        statement("name", "El Chapo", origin="mx", report="MX-1"),
        statement("name", "Joaquín Guzmán", origin="mx", report="MX-1", marking=red),
        statement("phone", "+573001234567"),
    ])
    assert entity.schema == "Person"  # the most specific across the statements
    assert entity.properties == {"name": ["Joaquín Guzmán", "El Chapo"],
                                 "phone": ["+573001234567"]}
    assert entity.caption == "Joaquín Guzmán"
    assert entity.origins == {"co", "mx"}
    assert entity.marking == Marking.DEFAULT | red
    assert [s.origin for s in entity.provenance("name")] == ["co", "mx", "mx"]
    assert entity.provenance("email") == []
    assert entity.to_ftm() == {"id": "e1", "schema": "Person", "properties": {
        "name": ["Joaquín Guzmán", "El Chapo"], "phone": ["+573001234567"]}}


def test_caption_falls_back_to_identifiers_then_id(registry: Registry) -> None:
    vessel = Entity.from_statements(registry, [statement("mmsi", "730123456", schema="Vessel"),
                                               statement("imoNumber", "9074729", schema="Vessel")])
    assert vessel.caption == "9074729"
    link = Entity.from_statements(registry, [statement("role", "financier",
                                                       schema="Membership")])
    assert link.caption == "e1"


def test_incompatible_statements(registry: Registry) -> None:
    with pytest.raises(SchemaError, match="schemata Person and Vessel are not compatible"):
        Entity.from_statements(registry, [statement("name", "A"),
                                          statement("name", "B", schema="Vessel")])
    other = Statement(entity_id="e2", schema="Person", prop="name", value="B",
                      report_id="R1", origin="co")
    with pytest.raises(SchemaError, match="cannot form one entity"):
        Entity.from_statements(registry, [statement("name", "A"), other])
    with pytest.raises(ValueError, match="at least one statement"):
        Entity.from_statements(registry, [])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=2),
    max_leaves=6)


@settings(max_examples=80, deadline=None)
@given(schema=st.sampled_from(["Person", "Vessel", "Membership", "Thing", "Persn"]) | json_values,
       properties=st.dictionaries(
           st.sampled_from(["name", "phone", "imoNumber", "member", "birthDate", "x"]),
           json_values | st.lists(st.text(max_size=20), max_size=3), max_size=5))
def test_any_json_gives_statements_or_problems_never_an_exception(
        registry: Registry, schema: object, properties: dict[str, object]) -> None:
    statements, problems = build_statements(
        registry, entity_id="e1", schema=schema, properties=properties,  # type: ignore[arg-type]
        report_id="R1", origin="co", marking=Marking.DEFAULT, grading=None, where="x:1")
    assert statements or problems
    assert all(p.where == "x:1" and p.field.split(".")[0].split("[")[0] in
               {"id", "schema", "properties"} for p in problems)
    assert all(isinstance(s.value, str) and s.value for s in statements)
