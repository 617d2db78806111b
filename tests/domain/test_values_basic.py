"""Non-identifier value types: name, text, string, number, date, country, coordinates,
quantity, money, entity."""

from __future__ import annotations

import pytest

from accord.domain.errors import InvalidValue
from accord.domain.values import get_type


def norm(type_name: str, raw: str, country: str | None = None) -> str:
    return get_type(type_name).normalize(raw, country=country)


def refused(type_name: str, raw: str) -> str:
    with pytest.raises(InvalidValue) as err:
        norm(type_name, raw)
    return str(err.value)


def test_name_keeps_script_and_collapses_whitespace() -> None:
    assert norm("name", "  Joaquín \t GUZMÁN  ") == "Joaquín GUZMÁN"
    assert norm("name", "Хоакин Гусман") == "Хоакин Гусман"
    assert norm("name", "Joaqui\u0301n") == "Joaquín"  # NFD input becomes NFC
    assert refused("name", " ... ") == "' ... ' is not a valid name: it has no letters or digits"
    assert refused("name", "   ") == "empty name"


def test_text_keeps_line_breaks_and_string_collapses() -> None:
    assert norm("text", "  line one\nline two  ") == "line one\nline two"
    assert get_type("text").keys("anything") == set()
    assert norm("string", " Port  of\nBuenaventura ") == "Port of Buenaventura"
    assert get_type("string").keys("Cocaine HCl") == {"cocaine hcl"}


def test_non_string_is_refused() -> None:
    with pytest.raises(InvalidValue, match="expected a string, got int 12"):
        get_type("number").normalize(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "value"), [
    ("1200", "1200"), ("1,200.0", "1200"), ("1.200.000", "1200000"), ("12.50", "12.5"),
    ("12,5", "12.5"), ("1.200,75", "1200.75"), ("-3", "-3"), ("1 200", "1200"), ("-0", "0"),
    ("1e3", "1000"), ("0.125", "0.125"), ("1234.567", "1234.567"), ("1'200", "1200"),
])
def test_numbers(raw: str, value: str) -> None:
    assert norm("number", raw) == value


@pytest.mark.parametrize("raw", ["abc", "1,2,3", "12..5", "nan", "inf", "-"])
def test_bad_numbers(raw: str) -> None:
    # (ambiguous thousands are tested below)
    assert refused("number", raw) == (
        f"{raw!r} is not a valid number: write digits with an optional decimal point")


@pytest.mark.parametrize("raw", ["1.200", "1,200", "-12,500"])
def test_a_lone_thousands_group_is_ambiguous(raw: str) -> None:
    whole, fraction = raw.replace(",", ".").split(".")
    assert refused("number", raw) == (
        f"{raw!r} is not a valid number: it could be {whole}{fraction} or "
        f"{whole}.{fraction}; write it without a thousands separator")
    assert "could be" in refused("quantity", f"{raw} kg")


@pytest.mark.parametrize(("raw", "value"), [
    ("1957", "1957"), ("1957-04", "1957-04"), ("1957-4-4", "1957-04-04"),
    ("1957/04/04", "1957-04-04"), ("19570404", "1957-04-04"),
    ("2026-03-04T10:00:00Z", "2026-03-04T10:00:00Z"),
    ("2026-03-04 10:00", "2026-03-04T10:00:00Z"),
    ("2026-03-04T10:00:00-05:00", "2026-03-04T15:00:00Z"),
    ("2026-03-04T23:30:00.250+00:00", "2026-03-04T23:30:00Z"),
    ("2024-02-29", "2024-02-29"),
])
def test_dates(raw: str, value: str) -> None:
    assert norm("date", raw) == value


@pytest.mark.parametrize(("raw", "why"), [
    ("2026-13-01", "month 13 is out of range (1-12)"),
    ("2026-02-29", "day 29 is out of range for 2026-02 (1-28)"),
    ("04/04/1957", "day and month order is ambiguous; write YYYY-MM-DD"),
    ("March 1957", "write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"),
    ("0999", "year 0999 is out of range"),
    ("2026-03-04T25:00", "hour must be in 0..23"),
])
def test_bad_dates(raw: str, why: str) -> None:
    assert refused("date", raw) == f"{raw!r} is not a valid date: {why}"


def test_date_keys_include_coarser_prefixes() -> None:
    assert get_type("date").keys("1957-04-12") == {"1957", "1957-04", "1957-04-12"}
    assert get_type("date").keys("2026-03-04T10:00:00Z") == {"2026", "2026-03", "2026-03-04"}
    assert get_type("date").keys("1957") == {"1957"}


@pytest.mark.parametrize(("raw", "value"), [
    ("co", "co"), ("CO", "co"), ("COL", "co"), ("Colombia", "co"), ("170", "co"),
    ("Russia", "ru"), ("UK", "gb"), ("Kosovo", "xk"), ("Türkiye", "tr"), ("mexico", "mx"),
])
def test_countries(raw: str, value: str) -> None:
    assert norm("country", raw) == value


def test_bad_country() -> None:
    assert refused("country", "Narnia") == (
        "'Narnia' is not a valid country: not an ISO 3166 code (co, COL) or country name")


@pytest.mark.parametrize(("raw", "value"), [
    ("4.5,-74.1", "4.500000,-74.100000"), ("4.5, -74.1", "4.500000,-74.100000"),
    ("(1.23456789 103.8)", "1.234568,103.800000"), ("-0.0000001,180", "0.000000,180.000000"),
])
def test_coordinates(raw: str, value: str) -> None:
    assert norm("coordinates", raw) == value


@pytest.mark.parametrize(("raw", "why"), [
    ("91,0", "latitude 91 is outside -90..90"),
    ("0,-180.5", "longitude -180.5 is outside -180..180"),
    ("Bogotá", "write 'latitude,longitude' in decimal degrees"),
])
def test_bad_coordinates(raw: str, why: str) -> None:
    assert refused("coordinates", raw) == f"{raw!r} is not a valid pair of coordinates: {why}"


@pytest.mark.parametrize(("raw", "value"), [
    ("1200 kg", "1200 kg"), ("1.2 t", "1200 kg"), ("500 g", "0.5 kg"), ("2 lb", "0.90718474 kg"),
    ("1,200.5kg", "1200.5 kg"), ("1 200 kg", "1200 kg"), ("0.250 kg", "0.25 kg"),
    ("3 kilos", "3 kg"), ("250 mg", "0.00025 kg"),
    ("16 oz", "0.45359237 kg"), ("2 Kg.", "2 kg"),
])
def test_quantities(raw: str, value: str) -> None:
    assert norm("quantity", raw) == value


@pytest.mark.parametrize(("raw", "why"), [
    ("1200", "write a number and a unit of mass, e.g. '1200 kg'"),
    ("3 tons", "unknown unit 'tons' (use kg, g, mg, t, lb, oz)"),
    ("5 litres", "unknown unit 'litres' (use kg, g, mg, t, lb, oz)"),
    ("kg", "'' is not a number"),
    ("-5 kg", "a quantity cannot be negative"),
])
def test_bad_quantities(raw: str, why: str) -> None:
    assert refused("quantity", raw) == f"{raw!r} is not a valid quantity: {why}"


@pytest.mark.parametrize(("raw", "value"), [
    ("12,500.00 USD", "12500.00 USD"), ("USD 12500", "12500.00 USD"), ("usd12500", "12500.00 USD"),
    ("€ 3.000,50", "3000.50 EUR"), ("US$ 99.5", "99.50 USD"), ("1000 cop", "1000.00 COP"),
    ("0.12345 BTC", None), ("12500.125 EUR", "12500.125 EUR"), ("USD 1.500", "1500.00 USD"),
    ("1,500 MXN", "1500.00 MXN"),
])
def test_money(raw: str, value: str | None) -> None:
    if value is None:
        assert "is not an ISO 4217 currency code" in refused("money", raw)
    else:
        assert norm("money", raw) == value


@pytest.mark.parametrize(("raw", "why"), [
    ("$100", "'$' names several currencies; write its ISO code"),
    ("12 XYZ", "'XYZ' is not an ISO 4217 currency code"),
    ("twelve USD", "write an amount and an ISO 4217 currency, e.g. '12500 USD'"),
    ("1,2,3 USD", "'1,2,3' is not a number"),
])
def test_bad_money(raw: str, why: str) -> None:
    assert refused("money", raw) == f"{raw!r} is not a valid amount of money: {why}"


def test_entity_reference() -> None:
    assert norm("entity", " co-per-000042 ") == "co-per-000042"
    assert refused("entity", "co per 42") == (
        "'co per 42' is not a valid entity reference: an entity id contains no whitespace")
    assert refused("entity", "") == "empty entity reference"
