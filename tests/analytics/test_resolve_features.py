"""Name features, mentions and blocking keys: what survives agencies' variations."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accord.analytics.resolve.blocking import blocking_keys
from accord.analytics.resolve.features import FAMILIES, Mention, family_of, mention_of
from accord.analytics.resolve.names import legal_form, name_features
from accord.domain.registry import Registry, load_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def mention(registry: Registry, schema: str, entity_id: str = "x", **props: list[str]) -> Mention:
    found = mention_of(registry, SimpleNamespace(id=entity_id, schema=schema, properties=props))
    assert found is not None
    return found


def meets(a: str, b: str) -> bool:
    """Every token of ``a`` has an outline in ``b``'s pool."""
    fa, fb = name_features(a), name_features(b)
    assert fa is not None and fb is not None
    return all(set(o) & set(fb.pool) for o in fa.outlines)


@pytest.mark.parametrize(("a", "b"), [
    ("Joaquín GUZMÁN LOERA", "Хоакин Гусман Лоэра"),  # script
    ("Guzmán Loera, Joaquín", "Joaquin Guzman Loera"),  # order, accents, comma
    ("Hernández", "Эрнандес"),  # Russian drops the Spanish silent h
    ("Miguel", "Мигель"),
    ("Mohammed Hassan", "Muhammad Hasan"),  # romanisations of Arabic
    ("Aleksandr VOLKOFF", "Aleksandr Volkov"),  # French -off for -ov
    ("Wang Xiao-ming", "王小明"),  # Han, and a hyphenated given name
    ("J. Guzmán", "Joaquín Guzmán"),  # an initial
])
def test_spellings_of_one_name_meet(a: str, b: str) -> None:
    assert meets(a, b)


def test_a_one_letter_outline_needs_the_same_kind_of_start() -> None:
    assert not meets("Chou", "Ochoa")  # both outline to a lone "ch"
    assert meets("Li", "Lee")


def test_particles_and_legal_forms_are_not_compared_as_name_words() -> None:
    company = name_features("Transportes del Río Grande S.A. de C.V.", True)
    assert company is not None and company.tokens == ("transportes", "rio", "grande")
    person = name_features("María de la Cruz")
    assert person is not None and person.tokens == ("maria", "cruz")
    assert legal_form("TRANSPORTES RIO GRANDE S.A. DE C.V.") == legal_form("X SAdeCV") == "sadecv"
    assert legal_form("Bananos del Sur Ltda.") == "ltda"
    assert legal_form("Red Jade") is None


def test_a_longer_outline_marks_a_rarer_name() -> None:
    short = name_features("Zhang Wei")
    long_ = name_features("Miguel Ángel Londoño Otero")
    assert short is not None and long_ is not None and short.letters < 6 <= 10 <= long_.letters


def test_mention_reads_identifiers_whatever_their_format(registry: Registry) -> None:
    a = mention(registry, "Person", name=["Ana Ruiz"], passportNumber=["AB-123 456"],
                phone=["+573001234567"], birthDate=["1980"], nationality=["co"])
    b = mention(registry, "Person", name=["ANA RUIZ"], passportNumber=["ab123456"])
    assert a.keys["passport"] == b.keys["passport"] == ("AB123456",)
    assert a.date == "1980" and a.countries == ("co",)
    assert a.identity() == {"passport@co": frozenset({"AB123456"})}
    assert b.identity() == {}  # no single country: a passport number alone forbids nothing


def test_a_nickname_used_as_the_name_is_compared_as_a_nickname(registry: Registry) -> None:
    only_alias = mention(registry, "Person", name=["El Abogado"], weakAlias=["El Abogado"])
    assert only_alias.names == () and only_alias.aliases == ("abogado el",)
    assert only_alias.caption == "El Abogado"


def test_families_and_unresolved_schemata(registry: Registry) -> None:
    assert family_of(registry, "Company") is FAMILIES["Organization"]
    assert family_of(registry, "Shipment") is None
    assert mention_of(registry, SimpleNamespace(id="s", schema="Shipment", properties={})) is None
    assert mention_of(registry, SimpleNamespace(id="p", schema="Person",
                                                properties={"gender": ["male"]})) is None


def test_mentions_round_trip_through_a_store_record(registry: Registry) -> None:
    a = mention(registry, "Company", name=["Bananos del Sur S.A.S."],
                registrationNumber=["900.123.456-7"], jurisdiction=["co"])
    again = Mention.from_dict(a.to_dict())
    assert again == a and again.fingerprint == a.fingerprint and again.form == "sas"


def test_fingerprint_changes_only_with_compared_values(registry: Registry) -> None:
    a = mention(registry, "Person", name=["Ana Ruiz"])
    b = mention(registry, "Person", name=["Ana Ruiz"], position=["courier"])
    c = mention(registry, "Person", name=["Ana Ruiz"], birthDate=["1980-02-03"])
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_blocking_keys_survive_order_script_and_a_missing_surname(registry: Registry) -> None:
    spec = FAMILIES["Person"]
    full = blocking_keys(mention(registry, "Person", name=["Joaquín Guzmán Loera"]), spec)
    for other in (["Guzmán Loera, Joaquín"], ["Хоакин Гусман"], ["Joaquin GUZMAN"]):
        assert full & blocking_keys(mention(registry, "Person", name=other), spec), other
    dated = blocking_keys(mention(registry, "Person", name=["Joaquín Guzmnn"],
                                  birthDate=["1957-04-04"]), spec)
    typo = blocking_keys(mention(registry, "Person", name=["Joaqin Guzman"],
                                 birthDate=["1957-04"]), spec)
    assert {k for k in dated & typo if k.startswith("d:")}  # one token and the month
    phones = blocking_keys(mention(registry, "Person", name=["El Flaco"], weakAlias=["El Flaco"],
                                   phone=["+525512345678"]), spec)
    assert {"k:phones:+525512345678", "a:el flaco"} <= phones


def test_vessels_known_by_numbered_names_alone_are_told_apart_by_the_numbers(
        registry: Registry) -> None:
    from accord.analytics.resolve.cluster import cluster
    from accord.analytics.resolve.evidence import Link
    from accord.analytics.resolve.features import NAME_NUMBERS
    from accord.analytics.resolve.judgements import JudgementSet

    one = mention(registry, "Vessel", "v1", name=["Go-fast 1"], flag=["co"])
    two = mention(registry, "Vessel", "v2", name=["GO FAST 2"], flag=["co"])
    again = mention(registry, "Vessel", "v3", name=["Go-fast 01"])
    assert one.identity()[NAME_NUMBERS] == again.identity()[NAME_NUMBERS] == {"1"}
    # an identifier decides instead: a renamed vessel keeps its IMO
    imo = mention(registry, "Vessel", "v4", name=["Go-fast 3"], imoNumber=["9815276"])
    assert NAME_NUMBERS not in imo.identity()
    assert NAME_NUMBERS not in mention(registry, "Person", "p", name=["Ana 2"]).identity()

    ids = ["v1", "v2", "v3"]
    links = [Link(a, b, "Vessel", 12.0, 0.999) for a, b in (("v1", "v2"), ("v1", "v3"))]
    found = cluster(ids, links, JudgementSet(), family="Vessel", threshold=0.5,
                    identity={m.id: m.identity() for m in (one, two, again)})
    groups = {frozenset(c.members) for c in found.clusters}
    assert frozenset({"v1", "v3"}) in groups and frozenset({"v2"}) in groups


def test_two_mmsis_under_one_flag_are_two_vessels(registry: Registry) -> None:
    a = mention(registry, "Vessel", "a", name=["Santa Maria"], flag=["co"], mmsi=["730922328"])
    b = mention(registry, "Vessel", "b", name=["Santa Maria"], flag=["co"], mmsi=["730705359"])
    c = mention(registry, "Vessel", "c", name=["Santa Maria"], flag=["pa"], mmsi=["351234567"])
    assert a.identity()["mmsi@co"] != b.identity()["mmsi@co"]  # a conflict: never merged
    assert "mmsi@co" not in c.identity()  # re-flagged: a new MMSI is no proof of another ship
