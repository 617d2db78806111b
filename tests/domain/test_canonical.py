"""Canonical JSON (RFC 8785): the bytes both nodes must agree on before signing."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.domain.canonical import canonical_json
from accord.domain.errors import InvalidValue


@pytest.mark.parametrize(("value", "expected"), [
    # RFC 8785 appendix B and section 3.2.2.3
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.0, "-1"), (4.5, "4.5"), (0.002, "0.002"),
    (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (0.000001, "0.000001"), (1e21, "1e+21"),
    (1e20, "100000000000000000000"), (333333333.33333329, "333333333.3333333"),
    (1e23, "1e+23"), (295147905179352830000.0, "295147905179352830000"),
    (9007199254740991.0, "9007199254740991"), (-5e-324, "-5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (123.456, "123.456"),
])
def test_numbers_follow_ecmascript(value: float, expected: str) -> None:
    assert canonical_json(value) == expected.encode()


def test_keys_sorted_by_utf16_code_units_and_no_whitespace() -> None:
    # RFC 8785 section 3.2.3 example
    value = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet",
             "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control",
             "\u00f6": "Latin Small Letter O With Diaeresis"}
    keys = list(json.loads(canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert canonical_json({"b": [1, True, None], "a": {"y": "é"}}) == (
        '{"a":{"y":"é"},"b":[1,true,null]}'.encode())


def test_strings_escaped_as_json_stringify() -> None:
    assert canonical_json("\u2028\x7f\x1f\"\\\n") == b'"\xe2\x80\xa8\x7f\\u001f\\"\\\\\\n"'


@pytest.mark.parametrize(("value", "where"), [
    ({"a": [1, math.nan]}, "$.a[1]"),
    ({"n": 2**60 + 1}, "$.n"),
    ({1: "x"}, "$"),
    ({"t": {1, 2}}, "$.t"),
])
def test_values_that_cannot_round_trip_are_refused(value: object, where: str) -> None:
    with pytest.raises(InvalidValue) as err:
        canonical_json(value)
    assert err.value.where == where


def test_large_integers_that_are_doubles_print_as_doubles() -> None:
    assert canonical_json(10**20) == canonical_json(1e20) == b"100000000000000000000"


def test_lone_surrogate_refused() -> None:
    with pytest.raises(InvalidValue, match="lone surrogate"):
        canonical_json("\ud800")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_parses_back_to_the_same_value_and_is_a_fixed_point(value: object) -> None:
    try:
        text = canonical_json(value)
    except InvalidValue:
        return  # lone surrogates in generated text
    back = json.loads(text)
    assert _same(back, value)
    assert canonical_json(back) == text


def _same(a: object, b: object) -> bool:
    """Equal as JSON: 1e16 printed as an integer comes back as an int."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b
