"""Properties every value type keeps, checked with hypothesis.

- any string either normalises or raises InvalidValue (never another exception);
- normalisation is idempotent: normalize(normalize(x)) == normalize(x);
- keys are stable under re-normalisation.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.domain.errors import InvalidValue
from accord.domain.values import get_type, types

ALL_TYPES = sorted(types())
SETTINGS = settings(max_examples=60, deadline=None)


def idempotent(type_name: str, raw: str, country: str | None = None) -> None:
    kind = get_type(type_name)
    try:
        once = kind.normalize(raw, country=country)
    except InvalidValue:
        return
    twice = kind.normalize(once, country=country)
    assert twice == once
    assert kind.keys(twice) == kind.keys(once)


@pytest.mark.parametrize("type_name", ALL_TYPES)
@SETTINGS
@given(raw=st.text(max_size=30))
def test_any_text_normalises_or_is_refused_with_a_reason(type_name: str, raw: str) -> None:
    idempotent(type_name, raw, country="co")


digits = st.text(alphabet="0123456789", min_size=1, max_size=12)
separators = st.sampled_from(["", " ", "-", ".", "/"])


@SETTINGS
@given(year=st.integers(1000, 2999), month=st.integers(0, 13), day=st.integers(0, 32),
       sep=st.sampled_from(["-", "/", "."]), depth=st.integers(1, 3))
def test_dates_idempotent(year: int, month: int, day: int, sep: str, depth: int) -> None:
    parts = [f"{year}", f"{month:02d}", f"{day:02d}"][:depth]
    idempotent("date", sep.join(parts))


@SETTINGS
@given(number=st.decimals(min_value=-10**9, max_value=10**9, allow_nan=False, places=3),
       unit=st.sampled_from(["kg", "g", "t", "lb", "oz", "mg"]),
       currency=st.sampled_from(["USD", "EUR", "COP", "MXN"]))
def test_numbers_quantities_money_idempotent(number: Decimal, unit: str, currency: str) -> None:
    idempotent("number", f"{number}")
    idempotent("number", f"{number:,}")
    idempotent("quantity", f"{abs(number)} {unit}")
    idempotent("money", f"{number:,} {currency}")
    idempotent("money", f"{currency} {number}")


@SETTINGS
@given(number=st.decimals(min_value=0, max_value=10**7, allow_nan=False, places=2))
def test_number_reads_its_own_output_exactly(number: Decimal) -> None:
    assert Decimal(get_type("number").normalize(f"{number:,}")) == number


@SETTINGS
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_coordinates_idempotent_and_in_range(lat: float, lon: float) -> None:
    value = get_type("coordinates").normalize(f"{lat:.8f}, {lon:.8f}")
    assert get_type("coordinates").normalize(value) == value
    got_lat, got_lon = (float(x) for x in value.split(","))
    assert abs(got_lat - lat) < 1e-6 and abs(got_lon - lon) < 1e-6


@SETTINGS
@given(national=st.text(alphabet="0123456789", min_size=7, max_size=10), sep=separators,
       prefix=st.sampled_from(["", "+57", "0057", "+52", "+1"]))
def test_phones_idempotent(national: str, sep: str, prefix: str) -> None:
    raw = f"{prefix}{sep}{national[:3]}{sep}{national[3:]}"
    idempotent("phone", raw, country="co")
    try:
        value = get_type("phone").normalize(raw, country="co")
    except InvalidValue:
        return
    assert value.startswith("+") and value[1:].isdigit()
    # An E.164 number reads the same whatever the hint.
    assert get_type("phone").normalize(value, country="mx") == value


@SETTINGS
@given(raw=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -./",
                   min_size=1, max_size=20))
def test_identifier_key_ignores_formatting(raw: str) -> None:
    kind = get_type("identifier")
    try:
        value = kind.normalize(raw)
    except InvalidValue:
        return
    assert kind.key(value) == kind.key(raw.upper().replace("-", " ").replace(".", ""))
