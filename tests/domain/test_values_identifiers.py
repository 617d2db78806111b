"""Identifier value types: phone, IBAN, IMO, MMSI, e-mail, identifier."""

from __future__ import annotations

import pytest

from accord.domain.errors import InvalidValue, SchemaError
from accord.domain.values import get_type, identifier_key


def norm(type_name: str, raw: str, country: str | None = None) -> str:
    return get_type(type_name).normalize(raw, country=country)


@pytest.mark.parametrize("raw", ["+57 300 123 4567", "0057-300-1234567", "(300) 123-4567",
                                 "300 1234567", "+57 (300) 123.45.67"])
def test_colombian_mobile_in_every_format_has_one_key(raw: str) -> None:
    assert identifier_key("phone", raw, country="co") == "+573001234567"


def test_phone_country_hint_is_only_a_hint_for_international_numbers() -> None:
    assert norm("phone", "+52 667 123 4567", country="co") == "+526671234567"


def test_mexican_legacy_mobile_prefix_is_dropped() -> None:
    assert norm("phone", "+52 1 667 123 4567") == "+526671234567"


@pytest.mark.parametrize(("raw", "country", "why"), [
    ("+57 300", None, "'+57 300' is not a valid phone number: too short"),
    ("300 123 4567", None, "no country code (+CC) and no country to read it in"),
    ("+57 300 123 4567 999", None, "too long"),
    ("call me", "co", "'call me' is not a valid phone number"),
    ("+57 100 123 4567", None, "no such number in its country's numbering plan"),
])
def test_invalid_phones_say_why(raw: str, country: str | None, why: str) -> None:
    with pytest.raises(InvalidValue, match="is not a valid phone number") as err:
        norm("phone", raw, country)
    assert why in str(err.value)


def test_iban_compact_uppercase() -> None:
    assert norm("iban", "de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert norm("iban", "IBAN GB82 WEST 1234 5698 7654 32") == "GB82WEST12345698765432"
    assert identifier_key("iban", "DE89-3704-0044-0532-0130-00") == "DE89370400440532013000"


@pytest.mark.parametrize(("raw", "why"), [
    ("DE89 3704 0044 0532 0130 01", "invalid checksum digits"),
    ("XX89 3704 0044 0532 0130 00", "unknown country-code 'XX'"),
    ("DE89 3704 0044 0532 0130", "invalid IBAN length"),
])
def test_invalid_ibans_say_why(raw: str, why: str) -> None:
    with pytest.raises(InvalidValue) as err:
        norm("iban", raw)
    assert str(err.value) == f"{raw!r} is not a valid IBAN: {why}"


@pytest.mark.parametrize("raw", ["IMO 9074729", "9074729", "imo9074729", " IMO 907 4729 "])
def test_imo_digits(raw: str) -> None:
    assert norm("imo", raw) == "9074729"


@pytest.mark.parametrize(("raw", "why"), [
    ("IMO 9074728", "wrong check digit"),
    ("907472", "an IMO number has 7 digits"),
    ("IMO ABCDEFG", "an IMO number has 7 digits"),
])
def test_invalid_imo(raw: str, why: str) -> None:
    with pytest.raises(InvalidValue) as err:
        norm("imo", raw)
    assert str(err.value) == f"{raw!r} is not a valid IMO number: {why}"


def test_mmsi() -> None:
    assert norm("mmsi", "366 123 456") == "366123456"
    assert norm("mmsi", "MMSI: 730-123-456") == "730123456"
    with pytest.raises(InvalidValue, match="not a ship MID"):
        norm("mmsi", "123456789")
    with pytest.raises(InvalidValue, match="an MMSI has 9 digits, not 8"):
        norm("mmsi", "36612345")
    with pytest.raises(InvalidValue, match="an MMSI has 9 digits"):
        norm("mmsi", "36612345X")


def test_email_lowercases_domain_and_key() -> None:
    assert norm("email", "John.Doe@Example.COM") == "John.Doe@example.com"
    assert identifier_key("email", "mailto:John.Doe@Example.COM") == "john.doe@example.com"
    assert norm("email", "ana@correo.españa.es") == "ana@correo.españa.es"


@pytest.mark.parametrize(("raw", "why"), [
    ("john.doe", "it needs one @ between a name and a domain"),
    ("john@localhost", "'localhost' is not a valid domain"),
    ("john doe@x.com", "the part before @ is malformed"),
    ("john@-x.com", "'-x.com' is not a valid domain"),
])
def test_invalid_emails(raw: str, why: str) -> None:
    with pytest.raises(InvalidValue) as err:
        norm("email", raw)
    assert str(err.value) == f"{raw!r} is not a valid e-mail address: {why}"


def test_identifier_keeps_display_form_and_keys_on_alphanumerics() -> None:
    kind = get_type("identifier")
    assert kind.normalize("  ab-123  456 ") == "ab-123 456"
    assert kind.keys("ab-123 456") == {"AB123456"}
    assert identifier_key("identifier", "MSKU 123456-7") == "MSKU1234567"
    assert identifier_key("identifier", "ＡＢ１２３") == "AB123"  # full-width forms
    with pytest.raises(InvalidValue, match="it has no letters or digits"):
        kind.normalize("--/--")


def test_identifier_types_are_flagged() -> None:
    flagged = {n for n in ("phone", "iban", "imo", "mmsi", "email", "identifier", "name",
                           "date", "country", "money") if get_type(n).identifier}
    assert flagged == {"phone", "iban", "imo", "mmsi", "email", "identifier"}


def test_unknown_type() -> None:
    with pytest.raises(SchemaError, match="unknown value type 'phonenumber'"):
        get_type("phonenumber")
    with pytest.raises(SchemaError, match="unknown value type"):
        identifier_key("passport", "X1")
