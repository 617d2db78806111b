"""CLK encoding: features, keys, hardening, and what an analyst would notice."""

from __future__ import annotations

import numpy as np
import pytest

from accord.domain.clk import (
    PERSON,
    PERSON_THRESHOLD,
    ClkSchema,
    Encoder,
    FieldKind,
    FieldSpec,
    Hardening,
    Hashing,
    derive_keys,
    features,
    from_bytes,
    stack,
    to_bytes,
)
from accord.domain.dice import dice_matrix, field_scores
from accord.domain.errors import InvalidValue

SECRET = b"a linkage secret of 32 bytes !!!"
NAME = FieldSpec("name", FieldKind.NAME, 10)
DOB = FieldSpec("dob", FieldKind.DATE, 30)


def encoder(schema: ClkSchema = PERSON, agreement: str = "agr-co-mx") -> Encoder:
    return Encoder(schema, derive_keys(SECRET, agreement, schema))


def dice(enc: Encoder, a: dict[str, str | None], b: dict[str, str | None]) -> float:
    """The field-aware score the owner uses to answer."""
    clks = enc.encode_many([a, b])
    return float(field_scores(clks[:1], clks[1:], enc.schema.segments)[0, 0])


def test_name_features_ignore_order_case_accents_and_particles() -> None:
    a = features(NAME, "José María de la Cruz")
    assert a == features(NAME, "CRUZ, Jose Maria")
    assert {"_j", "jo", "os", "se", "e_"} <= a
    assert "de" not in a and "_d" not in a  # the particle is gone (cruz has no d)


def test_scripts_are_transliterated_before_bigrams() -> None:
    assert features(NAME, "Сергей Иванов") == features(NAME, "Sergey Ivanov")


def test_dates_give_year_month_day_and_an_unordered_month_day() -> None:
    assert features(DOB, "1985-03-12") == {"y1985", "m03", "d12", "md0312"}
    assert features(DOB, "1985-12-03") & features(DOB, "1985-03-12") == {"y1985", "md0312"}
    assert features(DOB, "1985") == {"y1985"}
    assert features(DOB, None) == features(DOB, "  ") == set()
    year, month_day = PERSON.fields[1:3]
    assert features(year, "1985-03-12") == {"y1985"}
    assert features(month_day, "1985-03-12") == {"m03", "d12", "md0312"}
    assert features(month_day, "1985") == set()  # a partial date: judged on its year


def test_a_missing_or_partial_date_does_not_count_against_a_match() -> None:
    enc = encoder()
    full = {"name": "Teresa Solís Zuluaga", "dob": "1961-12-30", "nationality": "co"}
    assert dice(enc, full, {**full, "dob": None}) == pytest.approx(1.0)
    assert dice(enc, full, {**full, "dob": "1961"}) == pytest.approx(1.0)
    assert dice(enc, full, {**full, "dob": "1975-04-02"}) == 0.0  # a conflicting date vetoes
    assert dice(enc, full, {**full, "name": None}) == 0.0  # the name is required


def test_the_same_record_encodes_identically_and_variants_stay_close() -> None:
    enc = encoder()
    record = {"name": "Juan Carlos Rodríguez Gómez", "dob": "1979-07-21", "nationality": "co"}
    assert np.array_equal(enc.encode(record), enc.encode(dict(record)))
    for variant in ("RODRIGUEZ GOMEZ, Juan Carlos", "Juan Carlos Rodríguez",
                    "Juan Carlos Rodrigez Gómez"):
        assert dice(enc, record, {**record, "name": variant}) >= PERSON_THRESHOLD, variant


def test_different_people_fall_below_the_threshold() -> None:
    enc = encoder()
    a = {"name": "Juan Carlos Rodríguez Gómez", "dob": "1979-07-21", "nationality": "co"}
    for other in ({"name": "María Fernanda López", "dob": "1979-07-21", "nationality": "co"},
                  {"name": "Juan Carlos Rodríguez Gómez", "dob": "1991-02-03",
                   "nationality": "mx"}):
        assert dice(enc, a, other) < PERSON_THRESHOLD


def test_another_agreement_gives_unrelated_encodings() -> None:
    record = {"name": "Ana María Torres", "dob": "1990-01-02", "nationality": "pa"}
    a = encoder(agreement="agr-1").encode_many([record])
    b = encoder(agreement="agr-2").encode_many([record])
    assert float(dice_matrix(a, b)[0, 0]) < 0.6


@pytest.mark.parametrize(("hardening", "bits"), [
    (Hardening.NONE, 1024), (Hardening.XOR_FOLD, 512), (Hardening.BALANCE, 2048)])
def test_hardening_sets_the_size(hardening: Hardening, bits: int) -> None:
    schema = ClkSchema("t", (NAME, DOB), hardening=hardening)
    clks = encoder(schema).encode_many([{"name": "Ana Torres", "dob": "1990"},
                                        {"name": "Pedro Páramo Jiménez", "dob": None}])
    assert schema.bits == bits and clks.shape == (2, bits // 64)
    if hardening is Hardening.BALANCE:  # a present field always weighs half its segment
        assert np.bitwise_count(clks).sum(axis=1).tolist() == [1024, 512]


def test_double_hashing_sets_k_distinct_bits_per_token() -> None:
    schema = ClkSchema("t", (FieldSpec("name", FieldKind.NAME, 30),), hashing=Hashing.DOUBLE,
                       hardening=Hardening.NONE)
    clk = encoder(schema).encode({"name": "x"})  # one token: "_x", "x_" -> 2 bigrams
    assert 30 < int(np.bitwise_count(clk).sum()) <= 60


def test_wire_form_round_trips_and_checks_its_length() -> None:
    enc = encoder()
    clk = enc.encode({"name": "Ana Torres", "dob": "1990-05-06", "nationality": "es"})
    assert np.array_equal(from_bytes(to_bytes(clk), PERSON), clk)
    assert stack([to_bytes(clk)] * 2, PERSON).shape == (2, PERSON.words)
    with pytest.raises(InvalidValue, match=r"clks\[0\]: a person-v2 CLK has 64 bytes, not 3"):
        stack([b"abc"], PERSON)


def test_bad_input_names_the_record_and_field() -> None:
    enc = encoder()
    with pytest.raises(InvalidValue, match="record 1: dob: '12/05/1980' is not a valid date: "
                                           "day and month order is ambiguous"):
        enc.encode_many([{"name": "A B"}, {"name": "C D", "dob": "12/05/1980"}])
    with pytest.raises(InvalidValue, match=r"record 0: unknown field\(s\) \['surname'\]"):
        enc.encode_many([{"surname": "Torres"}])


def test_keys_and_schemas_are_checked() -> None:
    with pytest.raises(InvalidValue, match="agreement agr: the linkage secret needs at least 32"):
        derive_keys(b"short", "agr", PERSON)
    other = ClkSchema("other", (NAME,))
    with pytest.raises(InvalidValue, match="keys are for schema 'person-v2', not 'other'"):
        Encoder(other, derive_keys(SECRET, "agr", PERSON))
    with pytest.raises(InvalidValue, match="clk field name: k must be 1..64, not 0"):
        FieldSpec("name", FieldKind.NAME, 0)
    with pytest.raises(InvalidValue, match="clk field name: bits must be a power of two"):
        FieldSpec("name", FieldKind.NAME, 10, bits=1000)
    with pytest.raises(InvalidValue, match="clk schema x: a schema needs fields with distinct"):
        ClkSchema("x", (NAME, NAME))
