"""The schema registry: loading, inheritance, required properties, edges, errors,
and the JSON Schema of the import format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from accord.domain.errors import SchemaError
from accord.domain.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def test_default_registry_is_cached_and_complete(registry: Registry) -> None:
    assert load_registry() is registry
    expected = {"Person", "Organization", "Company", "Vessel", "Aircraft", "Vehicle", "Phone",
                "Account", "Address", "Location", "Document", "Shipment", "Seizure",
                "Transaction", "Communication", "Movement", "Membership", "Ownership",
                "Associate", "Family", "Employment", "UnknownLink"}
    assert expected <= set(registry.schemata)


def test_inheritance_brings_parent_properties(registry: Registry) -> None:
    person = registry.get("Person")
    assert person.extends == ("LegalEntity",)
    assert person.is_a("Thing") and person.is_a("LegalEntity") and not person.is_a("Vessel")
    phone = person.get("phone")
    assert phone.type.name == "phone" and phone.schema == "LegalEntity"
    assert person.get("name").schema == "Thing"
    assert registry.get("Vessel").get("registrationNumber").strong
    # Multiple inheritance: a Seizure is a Thing and an Interval.
    seizure = registry.get("Seizure")
    assert seizure.is_a("Interval") and {"name", "startDate", "quantity"} <= set(
        seizure.properties)


def test_required_properties_are_inherited(registry: Registry) -> None:
    assert registry.get("Person").required == {"name"}
    assert registry.get("Company").required == {"name"}  # from Organization
    assert registry.get("Movement").required == {"subject", "time", "coordinates"}


def test_links_have_edges_with_entity_ranges(registry: Registry) -> None:
    membership = registry.get("Membership")
    assert membership.edge is not None
    assert (membership.edge.source, membership.edge.target) == ("member", "organization")
    assert membership.edge.directed
    assert membership.get("organization").range == "Organization"
    associate = registry.get("Associate")
    assert associate.edge is not None and not associate.edge.directed
    assert registry.get("Person").edge is None


def test_abstract_schemata(registry: Registry) -> None:
    assert registry.get("Thing").abstract and registry.get("LegalEntity").abstract
    assert not registry.get("Person").abstract
    assert {s.name for s in registry.descendants("LegalEntity")} == {
        "LegalEntity", "Person", "Organization", "Company"}


def test_unknown_schema_and_property_name_it(registry: Registry) -> None:
    with pytest.raises(SchemaError, match=r"^unknown schema 'Persn' \(did you mean 'Person'\?\)$"):
        registry.get("Persn")
    with pytest.raises(SchemaError, match=r"^unknown schema 'Spaceship'$"):
        registry.get("Spaceship")
    with pytest.raises(SchemaError, match=r"^schema Person has no property 'foo'$"):
        registry.get("Person").get("foo")
    with pytest.raises(SchemaError, match=r"has no property 'imo' \(did you mean 'imoNumber'\?\)"):
        registry.get("Vessel").get("imo")


def test_common_schema(registry: Registry) -> None:
    assert registry.common("Person", "LegalEntity").name == "Person"
    assert registry.common("LegalEntity", "Company").name == "Company"
    assert registry.common("Vessel", "Vessel").name == "Vessel"
    with pytest.raises(SchemaError, match="schemata Person and Vessel are not compatible"):
        registry.common("Person", "Vessel")


# --- the loader validates the YAML itself -------------------------------------------------

BASE = "name: Thing\nabstract: true\nlabel: Thing\nproperties:\n  name: {type: name, label: Name}\n"


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_custom_directory_loads(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, {
        "Thing": BASE,
        "Boat": "name: Boat\nextends: [Thing]\nrequired: [name]\nproperties:\n"
                "  imo: {type: imo, strong: true}\n",
    }))
    boat = registry.get("Boat")
    assert boat.required == {"name"} and boat.get("imo").label == "imo"
    assert boat.label == "Boat" and not boat.abstract


@pytest.mark.parametrize(("files", "message"), [
    ({"Boat": "name: Boat\nextends: [Thing]\nproperties:\n  imo: {type: imo_number}\n"},
     "Boat.yaml: property 'imo': unknown value type 'imo_number'"),
    ({"Boat": "name: Boat\nextends: [Thng]\n"},
     "Boat.yaml: schema Boat extends unknown schema 'Thng' (did you mean 'Thing'?)"),
    ({"Link": "name: Link\nextends: [Thing]\nedge: {source: a, target: b}\nproperties:\n"
              "  a: {type: entity, range: Thing}\n"},
     "Link.yaml: edge target 'b' is not an entity property of Link"),
    ({"A": "name: A\nextends: [B]\n", "B": "name: B\nextends: [A]\n"},
     "A.yaml: inheritance cycle: A -> B -> A"),
    ({"Boat": "name: Boat\nrequired: [imo]\n"},
     "Boat.yaml: required property 'imo' is not a property of Boat"),
    ({"Boat": "name: Boat\nproperties:\n  owner: {type: entity}\n"},
     "Boat.yaml: property 'owner' needs a 'range' naming a schema (got None)"),
    ({"Boat": "name: Boat\nproperties:\n  kind: {type: string, label: Kind (a, b)}\n"},
     "Boat.yaml: property 'kind': unknown key(s) b)"),
    ({"Boat": "name: Boat\nlables: x\n"}, "Boat.yaml: unknown key(s) lables"),
    ({"Boat": "name: Boat\nextends: [Thing]\nproperties:\n  name: {type: string}\n"},
     "Boat.yaml: property 'name' of Boat is string here but name in Thing"),
    ({"Boat": "name: [Boat\n"}, "Boat.yaml: not valid YAML"),
])
def test_invalid_schemata_are_refused(tmp_path: Path, files: dict[str, str],
                                      message: str) -> None:
    with pytest.raises(SchemaError) as err:
        load_registry(write(tmp_path, {"Thing": BASE, **files}))
    assert str(err.value).startswith(message)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no schema files"):
        load_registry(tmp_path)


# --- the JSON Schema of one import line ---------------------------------------------------

def format_examples() -> list[dict[str, object]]:
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert blocks, "docs/format.md has no JSON examples"
    return [json.loads(block) for block in blocks]


@pytest.fixture(scope="module")
def validator(registry: Registry) -> Draft202012Validator:
    schema = registry.json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_documented_examples_validate(validator: Draft202012Validator) -> None:
    for example in format_examples():
        errors = list(validator.iter_errors(example))
        assert not errors, [e.message for e in errors]


def test_plain_ftm_entity_with_report_validates(validator: Draft202012Validator) -> None:
    validator.validate({"id": "v1", "schema": "Vessel", "report": "R1",
                        "properties": {"imoNumber": ["9074729"], "name": ["Mar Azul"]}})


@pytest.mark.parametrize("line", [
    {"id": "p1", "schema": "Person", "report": "R1", "properties": {"name": ["A"], "foo": ["x"]}},
    {"id": "p1", "schema": "Person", "report": "R1", "properties": {"phone": ["+573001234567"]}},
    {"id": "p1", "schema": "Person", "report": "R1", "properties": {"name": "A"}},
    {"id": "p1", "schema": "Thing", "report": "R1", "properties": {"name": ["A"]}},
    {"id": "p1", "schema": "Persn", "report": "R1", "properties": {"name": ["A"]}},
    {"id": "p1", "schema": "Person", "properties": {"name": ["A"]}},
    {"kind": "report", "title": "no id"},
    {"kind": "report", "id": "R1", "title": "T", "markings": {"tlp": "PURPLE"}},
])
def test_invalid_lines_are_rejected(validator: Draft202012Validator,
                                    line: dict[str, object]) -> None:
    assert not validator.is_valid(line)


def test_json_schema_enumerates_properties(registry: Registry) -> None:
    defs = registry.json_schema()["$defs"]
    person = defs["entity.Person"]["properties"]["properties"]
    assert set(person["properties"]) == set(registry.get("Person").properties)
    assert person["required"] == ["name"] and person["additionalProperties"] is False
    assert "entity.Thing" not in defs  # abstract
